"""tf.TextLineReader, FixedLengthRecordReader, TFRecordReader, WholeFileReader over a filename
queue, on the reference and the compiled cpu backend; records checked against the bytes written."""

from __future__ import annotations

import os

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(params=["reference", "cpu"])
def backend(request):
    return request.param


def _files_queue(paths):
    q = tf.FIFOQueue(10, [tf.string], shapes=[[]])
    return q, q.enqueue_many([paths]), q.close()


def _read_all(sess, key, value, limit=100):
    out = []
    for _ in range(limit):
        try:
            out.append(tuple(sess.run([key, value])))
        except tf.errors.OutOfRangeError:
            return out
    raise AssertionError("the reader never ran out")


def test_text_line_reader(tmp_path, backend):
    a = tmp_path / "a.txt"
    a.write_bytes(b"header\nx1\r\nx2\n\nx3")
    b = tmp_path / "b.txt"
    b.write_bytes(b"header\ny1\n")
    with tf.Graph().as_default():
        q, fill, close = _files_queue([str(a), str(b)])
        r = tf.TextLineReader(skip_header_lines=1)
        key, value = r.read(q)
        assert key.name == "ReaderReadV2:0" and value.name == "ReaderReadV2:1"
        produced, done = r.num_records_produced(), r.num_work_units_completed()
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            sess.run(close)
            got = _read_all(sess, key, value)
            assert got == [(f"{a}:2".encode(), b"x1"), (f"{a}:3".encode(), b"x2"), (f"{a}:4".encode(), b""),
                           (f"{a}:5".encode(), b"x3"), (f"{b}:2".encode(), b"y1")]
            assert sess.run([produced, done]) == [5, 2]
            with pytest.raises(tf.errors.OutOfRangeError, match="is closed and has insufficient elements"):
                sess.run(value)


def test_fixed_length_record_reader_header_footer_hop(tmp_path, backend):
    path = tmp_path / "f.bin"
    body = bytes(range(10))
    path.write_bytes(b"HH" + body + b"F")
    with tf.Graph().as_default():
        q, fill, close = _files_queue([str(path)])
        r = tf.FixedLengthRecordReader(record_bytes=4, header_bytes=2, footer_bytes=1, hop_bytes=3)
        key, value = r.read(q)
        decoded = tf.decode_raw(value, tf.uint8)
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            sess.run(close)
            got = _read_all(sess, key, value)
            assert [v for _, v in got] == [body[0:4], body[3:7], body[6:10]]
            assert [k for k, _ in got] == [f"{path}:{i}".encode() for i in range(3)]
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            sess.run(close)
            np.testing.assert_array_equal(sess.run(decoded), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="record_bytes"):
        tf.FixedLengthRecordReader(record_bytes=0)


@pytest.mark.parametrize("compression", ["", "GZIP"])
def test_tf_record_reader(tmp_path, backend, compression):
    path = str(tmp_path / "r.tfrecord")
    records = [b"alpha", b"", b"gamma" * 50]
    options = tf.python_io.TFRecordOptions(compression) if compression else None
    with tf.python_io.TFRecordWriter(path, options=options) as w:
        for rec in records:
            w.write(rec)
    with tf.Graph().as_default():
        q, fill, close = _files_queue([path])
        r = tf.TFRecordReader(options=options)
        keys, values = r.read_up_to(q, 2)
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            sess.run(close)
            k1, v1 = sess.run([keys, values])
            k2, v2 = sess.run([keys, values])
            assert list(v1) + list(v2) == records
            assert list(k1) == [f"{path}:0".encode(), f"{path}:{16 + 5}".encode()]
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(values)


def test_whole_file_reader_and_reset(tmp_path, backend):
    paths = []
    for i in range(2):
        p = tmp_path / f"w{i}"
        p.write_bytes(os.urandom(7) + bytes([i]))
        paths.append(str(p))
    with tf.Graph().as_default():
        q, fill, close = _files_queue(paths)
        r = tf.WholeFileReader()
        key, value = r.read(q)
        reset = r.reset()
        produced = r.num_records_produced()
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            assert sess.run([key, value]) == [paths[0].encode(), open(paths[0], "rb").read()]
            assert sess.run(produced) == 1
            sess.run(reset)
            assert sess.run(produced) == 0
            assert sess.run(key) == paths[1].encode()


def test_missing_file_is_not_found(tmp_path, backend):
    with tf.Graph().as_default():
        q, fill, close = _files_queue([str(tmp_path / "nope.txt")])
        key, value = tf.TextLineReader(name="lines").read(q)
        with tf.Session(backend=backend) as sess:
            sess.run(fill)
            with pytest.raises(tf.errors.NotFoundError, match="nope.txt; No such file or directory") as e:
                sess.run(value)
            assert "ReaderReadV2" in str(e.value)


def test_read_needs_a_queue():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="queue of filenames"):
            tf.TextLineReader().read(["a.txt"])


@pytest.mark.tf
def test_text_reader_matches_tensorflow(tmp_path):
    tf1 = pytest.importorskip("tensorflow").compat.v1
    path = tmp_path / "t.txt"
    path.write_bytes(b"h\na\r\nb\n\nc")
    results = []
    for mod, graph in ((tf, tf.Graph()), (tf1, tf1.Graph())):
        with graph.as_default():
            q = mod.FIFOQueue(3, [mod.string], shapes=[[]])
            fill = q.enqueue_many([[str(path)]])
            r = mod.TextLineReader(skip_header_lines=1)
            k, v = r.read(q)
            with mod.Session() as sess:
                sess.run(fill)
                sess.run(q.close())
                got = []
                try:
                    while True:
                        got.append(tuple(sess.run([k, v])))
                except mod.errors.OutOfRangeError:
                    pass
                results.append((got, sess.run(r.num_records_produced()), k.name))
    assert results[0] == results[1]
