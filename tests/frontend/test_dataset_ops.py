"""tf.data.Dataset sources and transformations, read through iterators on both backends,
against values computed by hand / NumPy."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


def drain(fetch, backend="reference", init=None, feed=None):
    out = []
    with tf.Session(backend=backend) as sess:
        if init is not None:
            sess.run(init, feed)
        while True:
            try:
                out.append(sess.run(fetch))
            except tf.errors.OutOfRangeError as e:
                assert "End of sequence" in str(e)
                return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_slices_map_filter_batch(backend):
    x = np.arange(10, dtype=np.float32)
    ds = (tf.data.Dataset.from_tensor_slices((x, np.arange(10)))
          .map(lambda a, b: (a * 2.0 + 1.0, b + 1))
          .filter(lambda a, b: tf.equal(b % 2, 0))
          .batch(2))
    assert ds.output_types == (tf.float32, tf.int64)
    assert [s.as_list() for s in ds.output_shapes] == [[None], [None]]
    got = drain(ds.make_one_shot_iterator().get_next(), backend)
    keep = np.arange(10)[(np.arange(10) + 1) % 2 == 0]
    a, b = x[keep] * 2 + 1, keep + 1
    assert len(got) == 3
    np.testing.assert_array_equal(np.concatenate([g[0] for g in got]), a)
    np.testing.assert_array_equal(np.concatenate([g[1] for g in got]), b)
    assert got[-1][0].shape == (1,)


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_parallel_keeps_order_and_captures(backend):
    scale = tf.constant(3, tf.int64)
    ds = tf.data.Dataset.range(50).map(lambda i: i * scale, num_parallel_calls=4).prefetch(3)
    got = drain(ds.make_one_shot_iterator().get_next(), backend)
    assert [int(v) for v in got] == [3 * i for i in range(50)]


def test_dict_structures_and_from_tensors():
    ds = tf.data.Dataset.from_tensors({"b": [1.0, 2.0], "a": np.int32(7)})
    assert ds.output_types == {"a": tf.int32, "b": tf.float32}
    assert ds.output_shapes["b"].as_list() == [2]
    nxt = ds.repeat(2).make_one_shot_iterator().get_next()
    assert set(nxt) == {"a", "b"}
    got = drain(nxt)
    assert len(got) == 2 and int(got[0]["a"]) == 7
    np.testing.assert_array_equal(got[1]["b"], [1.0, 2.0])

    Point = collections.namedtuple("Point", "x y")
    ds2 = tf.data.Dataset.from_tensor_slices(Point(np.arange(3), np.arange(3) * 10)).map(lambda p: p.x + p.y)
    assert [int(v) for v in drain(ds2.make_one_shot_iterator().get_next())] == [0, 11, 22]


def test_range_zip_take_skip_repeat():
    ds = tf.data.Dataset.zip((tf.data.Dataset.range(2, 20, 3), tf.data.Dataset.range(100).skip(5)))
    got = drain(ds.take(4).repeat(2).make_one_shot_iterator().get_next())
    assert [(int(a), int(b)) for a, b in got] == [(2, 5), (5, 6), (8, 7), (11, 8)] * 2
    assert drain(tf.data.Dataset.range(5).take(0).make_one_shot_iterator().get_next()) == []
    assert [int(v) for v in drain(tf.data.Dataset.range(3).repeat(-1).take(7).make_one_shot_iterator()
                                  .get_next())] == [0, 1, 2, 0, 1, 2, 0]


def test_batch_drop_remainder_static_shape_and_shape_mismatch():
    ds = tf.data.Dataset.range(7).batch(3, drop_remainder=True)
    assert ds.output_shapes.as_list() == [3]
    got = drain(ds.make_one_shot_iterator().get_next())
    assert [g.tolist() for g in got] == [[0, 1, 2], [3, 4, 5]]
    bad = tf.data.Dataset.range(1, 4).flat_map(lambda n: tf.data.Dataset.from_tensors(tf.range(n))).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot batch tensors with different shapes"):
        drain(bad.make_one_shot_iterator().get_next())


def test_padded_batch():
    ds = tf.data.Dataset.range(1, 5).map(lambda n: tf.fill(tf.expand_dims(n, 0), n))
    pb = ds.padded_batch(2, padded_shapes=[None], padding_values=tf.constant(-1, tf.int64))
    assert pb.output_shapes.as_list() == [None, None]
    got = drain(pb.make_one_shot_iterator().get_next())
    assert got[0].tolist() == [[1, -1], [2, 2]]
    assert got[1].tolist() == [[3, 3, 3, -1], [4, 4, 4, 4]]
    fixed = ds.padded_batch(3, padded_shapes=[5], drop_remainder=True)
    assert fixed.output_shapes.as_list() == [3, 5]
    assert drain(fixed.make_one_shot_iterator().get_next())[0].tolist() == \
        [[1, 0, 0, 0, 0], [2, 2, 0, 0, 0], [3, 3, 3, 0, 0]]


def test_flat_map_and_interleave_order():
    fm = tf.data.Dataset.range(4).flat_map(lambda i: tf.data.Dataset.from_tensors(i).repeat(i))
    assert [int(v) for v in drain(fm.make_one_shot_iterator().get_next())] == [1, 2, 2, 3, 3, 3]
    il = tf.data.Dataset.range(3).interleave(lambda i: tf.data.Dataset.range(10 * i, 10 * i + 3),
                                             cycle_length=2, block_length=2)
    # TF's order: blocks of 2 from two open inputs; an input that ends gives its turn away
    assert [int(v) for v in drain(il.make_one_shot_iterator().get_next())] == [0, 1, 10, 11, 2, 12, 20, 21, 22]


def test_shuffle_seeded_reshuffle_and_multiset():
    ds = tf.data.Dataset.range(20).shuffle(8, seed=3).repeat(2)
    a = [int(v) for v in drain(ds.make_one_shot_iterator().get_next())]
    b = [int(v) for v in drain(ds.make_one_shot_iterator().get_next())]
    assert a == b  # seeded: same order in every session
    assert sorted(a[:20]) == list(range(20)) and sorted(a[20:]) == list(range(20))
    assert a[:20] != a[20:]  # reshuffled each iteration
    assert a[:20] != list(range(20))
    fixed = tf.data.Dataset.range(20).shuffle(8, seed=3, reshuffle_each_iteration=False).repeat(2)
    c = [int(v) for v in drain(fixed.make_one_shot_iterator().get_next())]
    assert c[:20] == c[20:]


def test_from_generator_and_cache(tmp_path):
    calls = []

    def gen():
        calls.append(1)
        for i in range(3):
            yield i, [float(i)] * (i + 1)

    ds = tf.data.Dataset.from_generator(gen, (tf.int64, tf.float32), (tf.TensorShape([]), tf.TensorShape([None])))
    got = drain(ds.cache().repeat(3).make_one_shot_iterator().get_next())
    assert len(calls) == 1 and len(got) == 9
    assert got[5][1].tolist() == [2.0, 2.0, 2.0] and got[5][0] == 2
    path = str(tmp_path / "c")
    drain(ds.cache(path).make_one_shot_iterator().get_next())
    calls.clear()
    again = drain(ds.cache(path).make_one_shot_iterator().get_next())
    assert calls == [] and [int(g[0]) for g in again] == [0, 1, 2]

    def bad():
        yield "x"
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected type"):
        drain(tf.data.Dataset.from_generator(bad, tf.float32).make_one_shot_iterator().get_next())


def test_apply_and_bad_arguments():
    ds = tf.data.Dataset.range(5).apply(lambda d: d.map(lambda x: x + 1))
    assert [int(v) for v in drain(ds.make_one_shot_iterator().get_next())] == [1, 2, 3, 4, 5]
    with pytest.raises(TypeError, match="must return a Dataset"):
        tf.data.Dataset.range(3).apply(lambda d: 3)
    with pytest.raises(TypeError, match="must return a `Dataset`"):
        tf.data.Dataset.range(3).flat_map(lambda x: x)
    with pytest.raises(ValueError, match="scalar boolean"):
        tf.data.Dataset.range(3).filter(lambda x: x)
    with pytest.raises(ValueError, match="not compatible"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(RuntimeError, match="eager"):
        iter(tf.data.Dataset.range(3))
    assert tf.data.experimental.AUTOTUNE == -1
