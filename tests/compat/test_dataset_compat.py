"""The same tf.data pipelines under flowjit and real TensorFlow's compat.v1 graph mode give the
same elements (in order for the deterministic ones; the same multiset for shuffles)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import flowjit.compat.v1 as ftf

pytestmark = pytest.mark.tf


def _drain(tf: Any, prog: Callable[[Any], Any], backend: str | None = None, feed_fn=None) -> list:
    graph = tf.Graph()
    with graph.as_default():
        made = prog(tf)
        ds, feed_of = made if isinstance(made, tuple) else (made, None)
        it = tf.data.make_initializable_iterator(ds)
        nxt = it.get_next()
        sess = tf.Session(backend=backend) if backend else tf.Session()
        with sess:
            sess.run(it.initializer, feed_of(tf, graph) if feed_of else None)
            out = []
            while True:
                try:
                    out.append(sess.run(nxt))
                except tf.errors.OutOfRangeError:
                    return out


def _same(a: Any, b: Any) -> None:
    if isinstance(a, dict):
        assert sorted(a) == sorted(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a, b)
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-6)
        else:
            assert a.tolist() == b.tolist()


def _text_files(tmp_path) -> str:
    for k in range(3):
        (tmp_path / f"f{k}.txt").write_text("".join(f"{k} {j}\n" for j in range(3 + k)))
    return str(tmp_path / "f*.txt")


PROGRAMS = {
    "slices_map_batch": lambda tf: tf.data.Dataset.from_tensor_slices(
        (np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6))).map(
        lambda a, b: (tf.reduce_sum(a) * 0.5, b * 2)).batch(4),
    "dict_filter_zip": lambda tf: tf.data.Dataset.zip((
        tf.data.Dataset.from_tensor_slices({"x": np.arange(10), "y": np.arange(10) * 3.0}).filter(
            lambda d: tf.equal(d["x"] % 3, 1)),
        tf.data.Dataset.range(100, 200))),
    "flat_map_padded": lambda tf: tf.data.Dataset.range(1, 6).flat_map(
        lambda n: tf.data.Dataset.from_tensors(tf.range(n))).padded_batch(2, padded_shapes=[None]),
    "interleave": lambda tf: tf.data.Dataset.range(4).interleave(
        lambda i: tf.data.Dataset.range(i * 10, i * 10 + i + 1), cycle_length=3, block_length=2),
    "take_skip_repeat": lambda tf: tf.data.Dataset.range(10).skip(3).take(4).repeat(3).batch(5,
                                                                                           drop_remainder=True),
    "parallel_map_prefetch": lambda tf: tf.data.Dataset.range(40).map(
        lambda x: tf.square(x), num_parallel_calls=4).prefetch(5),
    "fed_placeholder": lambda tf: (
        tf.data.Dataset.from_tensor_slices(tf.placeholder(tf.float32, [None], name="vals")).map(
            lambda v: v + 1.0),
        lambda tf, g: {g.get_tensor_by_name("vals:0"): np.array([1.0, 2.5, -3.0], np.float32)}),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_elements_as_tensorflow(name):
    tf_mod = pytest.importorskip("tensorflow")
    tf1 = tf_mod.compat.v1
    prog = PROGRAMS[name]
    want = _drain(tf1, prog)
    for backend in ("reference", "cpu"):
        _same(_drain(ftf, prog, backend), want)


def test_files_and_shuffle_multiset(tmp_path):
    tf_mod = pytest.importorskip("tensorflow")
    tf1 = tf_mod.compat.v1
    pattern = _text_files(tmp_path)

    def lines(tf):
        return tf.data.Dataset.list_files(pattern, shuffle=False).interleave(
            tf.data.TextLineDataset, cycle_length=2, block_length=2)

    _same(_drain(ftf, lines, "reference"), _drain(tf1, lines))

    def shuffled(tf):
        return tf.data.Dataset.range(30).shuffle(10, seed=5).repeat(2)

    mine, theirs = _drain(ftf, shuffled, "reference"), _drain(tf1, shuffled)
    assert sorted(int(v) for v in mine) == sorted(int(v) for v in theirs)
    assert sorted(int(v) for v in mine[:30]) == list(range(30))


def test_tfrecords_written_by_tensorflow(tmp_path):
    tf_mod = pytest.importorskip("tensorflow")
    path = str(tmp_path / "tf.tfrecord")
    with tf_mod.io.TFRecordWriter(path, tf_mod.io.TFRecordOptions(compression_type="GZIP")) as w:
        for i in range(4):
            w.write(b"tf-%d" % i)

    def prog(tf):
        return tf.data.TFRecordDataset(path, compression_type="GZIP")

    assert _drain(ftf, prog, "reference") == [b"tf-%d" % i for i in range(4)] == _drain(tf_mod.compat.v1, prog)


def test_static_structure_matches_tensorflow():
    tf_mod = pytest.importorskip("tensorflow")
    tf1 = tf_mod.compat.v1

    def describe(tf):
        with tf.Graph().as_default():
            ds = tf.data.Dataset.from_tensor_slices({"a": np.zeros((4, 3), np.float32), "b": np.arange(4)})
            ds = ds.batch(2, drop_remainder=True)
            shapes = tf.data.get_output_shapes(ds)
            types = tf.data.get_output_types(ds)
            return ({k: shapes[k].as_list() for k in shapes}, {k: types[k].name for k in types})

    assert describe(ftf) == describe(tf1)
