"""File datasets (TextLineDataset, TFRecordDataset, FixedLengthRecordDataset, list_files) on
files the tests write, including compressed and corrupted TFRecord files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

import flowjit as tf
from flowjit.ir.formats.records import encode_record, open_records_for_write


def drain(nxt, backend="reference"):
    out = []
    with tf.Session(backend=backend) as sess:
        while True:
            try:
                out.append(sess.run(nxt))
            except tf.errors.OutOfRangeError:
                return out


def test_text_lines_plain_and_gzip(tmp_path):
    a = tmp_path / "a.txt"
    a.write_bytes(b"x,1\r\ny,2\nz,3")
    b = tmp_path / "b.txt.gz"
    with gzip.open(b, "wb") as f:
        f.write(b"w,4\n")
    ds = tf.data.TextLineDataset(str(a))
    assert ds.output_types == tf.string and ds.output_shapes.as_list() == []
    assert drain(ds.make_one_shot_iterator().get_next()) == [b"x,1", b"y,2", b"z,3"]
    gz = tf.data.TextLineDataset([str(b)], compression_type="GZIP")
    assert drain(gz.make_one_shot_iterator().get_next()) == [b"w,4"]
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TextLineDataset(str(a), compression_type="LZMA")
    with pytest.raises(tf.errors.NotFoundError, match="No such file"):
        drain(tf.data.TextLineDataset(str(tmp_path / "missing")).make_one_shot_iterator().get_next())


@pytest.mark.parametrize("compression", ["", "ZLIB", "GZIP"])
def test_tfrecords_written_by_flowjit(tmp_path, compression):
    path = str(tmp_path / "r.tfrecord")
    options = tf.python_io.TFRecordOptions(compression) if compression else None
    with tf.python_io.TFRecordWriter(path, options) as w:
        for i in range(5):
            w.write(b"record-%d" % i)
    ds = tf.data.TFRecordDataset(path, compression_type=compression or None)
    for backend in ("reference", "cpu"):
        assert drain(ds.make_one_shot_iterator().get_next(), backend) == [b"record-%d" % i for i in range(5)]


def test_corrupted_tfrecord_is_data_loss(tmp_path):
    path = tmp_path / "bad.tfrecord"
    raw = bytearray(encode_record(b"hello") + encode_record(b"world"))
    raw[-6] ^= 0xFF  # flip a data byte of the second record
    path.write_bytes(bytes(raw))
    nxt = tf.data.TFRecordDataset(str(path)).make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == b"hello"
        with pytest.raises(tf.errors.DataLossError):
            sess.run(nxt)


def test_fixed_length_records(tmp_path):
    path = tmp_path / "f.bin"
    body = b"".join(struct.pack("<hh", i, -i) for i in range(4))
    path.write_bytes(b"HDR" + body + b"FT")
    ds = tf.data.FixedLengthRecordDataset(str(path), record_bytes=4, header_bytes=3, footer_bytes=2)
    ds = ds.map(lambda r: tf.decode_raw(r, tf.int16))
    got = drain(ds.make_one_shot_iterator().get_next())
    assert [g.tolist() for g in got] == [[i, -i] for i in range(4)]


def test_list_files_interleave_text_lines(tmp_path):
    for k in range(3):
        (tmp_path / f"part-{k}.csv").write_text("".join(f"{k},{j}\n" for j in range(2)))
    files = tf.data.Dataset.list_files(str(tmp_path / "part-*.csv"), shuffle=False)
    assert [f.decode().rsplit("/", 1)[-1] for f in drain(files.make_one_shot_iterator().get_next())] == \
        ["part-0.csv", "part-1.csv", "part-2.csv"]
    lines = files.interleave(tf.data.TextLineDataset, cycle_length=3, block_length=1)
    assert drain(lines.make_one_shot_iterator().get_next()) == [b"0,0", b"1,0", b"2,0", b"0,1", b"1,1", b"2,1"]
    shuffled = tf.data.Dataset.list_files(str(tmp_path / "*.csv"), seed=4).flat_map(tf.data.TextLineDataset)
    got = drain(shuffled.make_one_shot_iterator().get_next())
    assert sorted(got) == sorted(f"{k},{j}".encode() for k in range(3) for j in range(2))
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched"):
        drain(tf.data.Dataset.list_files(str(tmp_path / "none-*")).make_one_shot_iterator().get_next())


def test_tfrecord_examples_parse_and_batch(tmp_path):
    path = str(tmp_path / "ex.tfrecord")
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(10, 3)).astype(np.float32)
    with tf.python_io.TFRecordWriter(path) as w:
        for i, x in enumerate(xs):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=x.tolist())),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
            w.write(ex.SerializeToString())
    spec = {"x": tf.FixedLenFeature([3], tf.float32), "y": tf.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(path).map(lambda s: tf.parse_single_example(s, spec)).batch(4)
    got = drain(ds.make_one_shot_iterator().get_next(), "cpu")
    np.testing.assert_allclose(np.concatenate([g["x"] for g in got]), xs)
    assert np.concatenate([g["y"] for g in got]).tolist() == list(range(10))


def test_open_records_for_write_round_trip_gzip(tmp_path):
    path = str(tmp_path / "g.tfrecord")
    with open_records_for_write(path, "GZIP") as f:
        f.write(encode_record(b"a") + encode_record(b""))
    assert drain(tf.data.TFRecordDataset(path, "GZIP").make_one_shot_iterator().get_next()) == [b"a", b""]
