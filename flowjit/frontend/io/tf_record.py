"""`tf.python_io.TFRecordWriter`, `TFRecordOptions`, `TFRecordCompressionType`, `tf_record_iterator`.

TF1's python/lib/io/tf_record.py over the framing in `flowjit.ir.formats.records`, so files are
byte-compatible with TensorFlow's (uncompressed, ZLIB and GZIP).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from ...ir import errors
from ...ir.formats import records

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]


class TFRecordCompressionType:
    """The compression of a TFRecord file (TF1's enum values)."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """Options for TFRecordWriter and tf_record_iterator: the compression and zlib's knobs."""

    compression_type_map = dict(_NAMES)

    def __init__(self, compression_type: Any = None, flush_mode: Any = None, input_buffer_size: Any = None,
                 output_buffer_size: Any = None, window_bits: Any = None, compression_level: Any = None,
                 compression_method: Any = None, mem_level: Any = None, compression_strategy: Any = None) -> None:
        if compression_type in _NAMES:
            compression_type = _NAMES[compression_type]
        elif compression_type is None:
            compression_type = ""
        if not isinstance(compression_type, str) or compression_type.upper() not in records.COMPRESSIONS:
            raise ValueError(f'Unsupported compression type: {compression_type!r}; expected "", "ZLIB", "GZIP" '
                             "or a TFRecordCompressionType")
        self.compression_type = compression_type.upper()
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options: Any) -> str:
        """The compression name ("", "ZLIB", "GZIP") of options given as TFRecordOptions, enum or name."""
        return _as_options(options).compression_type


def _as_options(options: Any) -> TFRecordOptions:
    if options is None:
        return TFRecordOptions()
    if isinstance(options, TFRecordOptions):
        return options
    return TFRecordOptions(options)


class TFRecordWriter:
    """Writes records to a TFRecord file: `with TFRecordWriter(path) as w: w.write(bytes)`."""

    def __init__(self, path: str, options: Any = None) -> None:
        opts = _as_options(options)
        self._path = os.fspath(path)
        self._file = records.open_records_for_write(self._path, opts.compression_type, opts.compression_level)
        self._closed = False

    def __enter__(self) -> "TFRecordWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise errors.FailedPreconditionError(None, None, f"TFRecordWriter for {self._path} is closed")

    def write(self, record: Any) -> None:
        """Append one record (bytes, or a str encoded as UTF-8 as TF does)."""
        self._check_open()
        if isinstance(record, str):
            record = record.encode("utf-8")
        if not isinstance(record, (bytes, bytearray, memoryview)):
            raise TypeError(f"TFRecordWriter.write expects bytes, got {type(record).__name__}")
        records.write_record(self._file, bytes(record))

    def flush(self) -> None:
        """Push everything written so far to the file (a sync point of a compressed stream)."""
        self._check_open()
        self._file.flush()

    def close(self) -> None:
        """Finish the file; closing twice is harmless."""
        if not self._closed:
            self._closed = True
            self._file.close()


def tf_record_iterator(path: str, options: Any = None) -> Iterator[bytes]:
    """Yield each record of a TFRecord file; a corrupt one raises DataLossError naming file and offset."""
    compression = _as_options(options).compression_type
    return records.read_records(os.fspath(path), compression)
