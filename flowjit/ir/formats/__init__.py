"""File and wire formats that IR kernels read and write (plain codecs, no flowjit layers above ir).

- `records`: TensorFlow's TFRecord framing (masked CRC-32C), with ZLIB/GZIP compression.
- `example`: the `tensorflow.Example` family of protos, built in a private descriptor pool.
"""
