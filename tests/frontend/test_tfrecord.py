"""TFRecord files: tf.python_io.TFRecordWriter / tf_record_iterator, framing, compression, corruption."""

from __future__ import annotations

import gzip
import struct
import zlib

import pytest

import flowjit as tf
from flowjit.ir.formats import records

RECS = [b"", b"a", b"hello world", bytes(range(256)) * 40, "unicodé".encode()]
KINDS = ["", "ZLIB", "GZIP"]


def test_masked_crc_known_value():
    # TF's masked CRC-32C of b"" and of the standard check string (crc32c("123456789") = 0xE3069283)
    crc = 0xE3069283
    assert records.crc32c(b"123456789") == crc
    assert records.masked_crc32c(b"123456789") == ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def test_framing_layout(tmp_path):
    p = str(tmp_path / "a.tfrecord")
    with tf.python_io.TFRecordWriter(p) as w:
        w.write(b"xyz")
    raw = open(p, "rb").read()
    assert len(raw) == 8 + 4 + 3 + 4
    assert struct.unpack("<Q", raw[:8])[0] == 3
    assert struct.unpack("<I", raw[8:12])[0] == records.masked_crc32c(raw[:8])
    assert raw[12:15] == b"xyz"
    assert struct.unpack("<I", raw[15:])[0] == records.masked_crc32c(b"xyz")


@pytest.mark.parametrize("kind", KINDS)
def test_roundtrip(tmp_path, kind):
    p = str(tmp_path / f"r{kind}.tfrecord")
    opts = tf.python_io.TFRecordOptions(kind)
    w = tf.io.TFRecordWriter(p, options=opts)
    for r in RECS[:2]:
        w.write(r)
    w.flush()
    for r in RECS[2:]:
        w.write(r)
    w.close()
    w.close()  # twice is harmless
    assert list(tf.python_io.tf_record_iterator(p, options=opts)) == RECS
    assert list(tf.io.tf_record_iterator(p, kind)) == RECS
    raw = open(p, "rb").read()
    if kind == "GZIP":
        assert raw[:2] == b"\x1f\x8b"
        assert gzip.decompress(raw) == b"".join(records.encode_record(r) for r in RECS)
    if kind == "ZLIB":
        records_bytes = zlib.decompress(raw)
        assert records_bytes == b"".join(records.encode_record(r) for r in RECS)


def test_options_forms():
    ct = tf.python_io.TFRecordCompressionType
    assert (ct.NONE, ct.ZLIB, ct.GZIP) == (0, 1, 2)
    get = tf.python_io.TFRecordOptions.get_compression_type_string
    assert get(None) == "" and get(ct.GZIP) == "GZIP" and get("ZLIB") == "ZLIB"
    assert get(tf.io.TFRecordOptions(ct.ZLIB)) == "ZLIB"
    with pytest.raises(ValueError, match="Unsupported compression type"):
        tf.python_io.TFRecordOptions("LZ4")


def test_write_after_close_and_bad_record(tmp_path):
    w = tf.python_io.TFRecordWriter(str(tmp_path / "c"))
    with pytest.raises(TypeError, match="expects bytes"):
        w.write(3)
    w.close()
    with pytest.raises(tf.errors.FailedPreconditionError, match="closed"):
        w.write(b"x")


def test_missing_file():
    with pytest.raises(tf.errors.NotFoundError, match="nope.tfrecord"):
        list(tf.python_io.tf_record_iterator("/nonexistent/nope.tfrecord"))


def _write(p, recs):
    with tf.python_io.TFRecordWriter(p) as w:
        for r in recs:
            w.write(r)


@pytest.mark.parametrize("where,what", [(3, "length CRC"), (12 + 2, "data CRC"), (12 + 5 + 1, "data CRC")])
def test_corrupted_byte(tmp_path, where, what):
    p = str(tmp_path / "bad.tfrecord")
    _write(p, [b"first", b"second"])
    raw = bytearray(open(p, "rb").read())
    first_len = 12 + 5 + 4
    # corrupt a byte in the second record so the first still comes back
    raw[first_len + where] ^= 0x40
    open(p, "wb").write(bytes(raw))
    it = tf.python_io.tf_record_iterator(p)
    assert next(it) == b"first"
    with pytest.raises(tf.errors.DataLossError) as e:
        next(it)
    msg = str(e.value)
    assert f"corrupted record at {first_len}" in msg and p in msg


def test_truncated(tmp_path):
    p = str(tmp_path / "cut.tfrecord")
    _write(p, [b"first", b"second"])
    raw = open(p, "rb").read()
    open(p, "wb").write(raw[:-3])
    with pytest.raises(tf.errors.DataLossError, match=r"truncated record at 21 in .*cut.tfrecord"):
        list(tf.python_io.tf_record_iterator(p))


def test_iter_records_offsets(tmp_path):
    p = str(tmp_path / "o.tfrecord")
    _write(p, [b"ab", b"cde", b""])
    with records.open_records(p) as f:
        got = list(records.iter_records(f, p))
    assert got == [(0, b"ab"), (18, b"cde"), (37, b"")]
    with records.open_records(p) as f:
        assert list(records.iter_records(f, p, start_offset=18)) == [(18, b"cde"), (37, b"")]


def test_bad_compression_name(tmp_path):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unsupported compression_type"):
        records.open_records(str(tmp_path / "x"), "BZ2")


@pytest.mark.tf
@pytest.mark.parametrize("kind", KINDS)
def test_tensorflow_reads_ours_and_we_read_theirs(tmp_path, kind):
    real = pytest.importorskip("tensorflow")
    ours = str(tmp_path / "ours.tfrecord")
    with tf.python_io.TFRecordWriter(ours, tf.python_io.TFRecordOptions(kind)) as w:
        for r in RECS:
            w.write(r)
    opts = real.compat.v1.io.TFRecordOptions(kind)
    assert list(real.compat.v1.io.tf_record_iterator(ours, options=opts)) == RECS
    theirs = str(tmp_path / "theirs.tfrecord")
    with real.io.TFRecordWriter(theirs, options=opts) as w:
        for r in RECS:
            w.write(r)
    assert list(tf.python_io.tf_record_iterator(theirs, options=tf.python_io.TFRecordOptions(kind))) == RECS
    if kind == "":
        assert open(ours, "rb").read() == open(theirs, "rb").read()
