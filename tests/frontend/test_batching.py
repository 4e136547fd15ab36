"""tf.train.batch / shuffle_batch / *_join / maybe_*: shapes, names, values, final batches."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(params=["reference", "cpu"])
def backend(request):
    return request.param


def _run(backend, build, limit=200):
    """Build the pipeline, start its runners, fetch until OutOfRange; the fetched values."""
    with tf.Graph().as_default():
        fetch = build()
        with tf.Session(backend=backend) as sess:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord=coord)
            out = []
            try:
                for _ in range(limit):
                    out.append(sess.run(fetch))
            except tf.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
            return out


def _numbers(n, epochs=1):
    return tf.train.range_input_producer(n, num_epochs=epochs, shuffle=False).dequeue()


def test_batch_shapes_names_and_order(backend):
    def build():
        x = _numbers(10)
        b = tf.train.batch([x, tf.cast(x, tf.float32) * 2.0], batch_size=4)
        assert [t.name for t in b] == ["batch:0", "batch:1"]
        assert [t.get_shape().as_list() for t in b] == [[4], [4]]
        return b

    got = _run(backend, build)
    assert len(got) == 2  # 10 elements: two full batches, the last 2 never come out
    np.testing.assert_array_equal(got[0][0], [0, 1, 2, 3])
    np.testing.assert_array_equal(got[1][1], [8.0, 10.0, 12.0, 14.0])


def test_batch_single_tensor_and_smaller_final_batch(backend):
    def build():
        b = tf.train.batch([_numbers(10)], batch_size=4, allow_smaller_final_batch=True)
        assert isinstance(b, tf.Tensor) and b.get_shape().as_list() == [None]  # TF: a bare Tensor
        return b

    got = _run(backend, build)
    assert [list(g) for g in got] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_batch_dict_enqueue_many_and_shapes(backend):
    def build():
        x = _numbers(3)
        rows = tf.reshape(tf.range(6) + x * 10, [3, 2])  # three elements of shape [2] per dequeue
        b = tf.train.batch({"r": rows, "k": tf.fill([3], x)}, batch_size=6, enqueue_many=True)
        assert sorted(b) == ["k", "r"] and b["r"].get_shape().as_list() == [6, 2]
        return b

    got = _run(backend, build)
    assert len(got) == 1
    np.testing.assert_array_equal(got[0]["k"], [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(got[0]["r"][3], [10, 11])


def test_batch_dynamic_pad(backend):
    def build():
        x = _numbers(3)
        v = tf.range(x + 1)  # lengths 1, 2, 3
        return tf.train.batch([v], batch_size=3, dynamic_pad=True, shapes=[[None]])

    (got,) = _run(backend, build)
    np.testing.assert_array_equal(got, [[0, 0, 0], [0, 1, 0], [0, 1, 2]])


def test_batch_needs_defined_shapes_without_dynamic_pad():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="fully defined"):
            tf.train.batch([tf.placeholder(tf.float32, [None])], batch_size=2)
        with pytest.raises(ValueError, match="Cannot infer Tensor's rank"):
            tf.train.batch([tf.placeholder(tf.float32)], batch_size=2)


def test_shuffle_batch(backend):
    def build():
        tf.set_random_seed(5)
        x = _numbers(40)
        b = tf.train.shuffle_batch([x], batch_size=8, capacity=30, min_after_dequeue=10, seed=2,
                                   allow_smaller_final_batch=True)
        assert b.name == "shuffle_batch:0"
        return b

    got = np.concatenate(_run(backend, build))
    assert sorted(got) == list(range(40))  # each element exactly once
    assert list(got) != list(range(40))  # and not in order (the exact order depends on thread timing, as in TF)


def test_shuffle_batch_summary_name():
    with tf.Graph().as_default():
        tf.train.shuffle_batch([tf.constant(1)], batch_size=2, capacity=10, min_after_dequeue=4)
        names = [s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)]
        assert names == ["shuffle_batch/fraction_over_4_of_6_full"]
        with pytest.raises(ValueError, match="min_after_dequeue"):
            tf.train.shuffle_batch([tf.constant(1)], batch_size=2, capacity=4, min_after_dequeue=4)


def test_batch_with_threads_keeps_every_element(backend):
    def build():
        return tf.train.batch([_numbers(30)], batch_size=5, num_threads=3, capacity=10)

    got = np.concatenate(_run(backend, build))
    assert sorted(got) == list(range(30))


def test_batch_join_and_shuffle_batch_join(backend):
    def build():
        a = _numbers(6)
        b = _numbers(6) + 100
        return tf.train.batch_join([[a], [b]], batch_size=4, allow_smaller_final_batch=True)

    got = np.concatenate(_run(backend, build))
    assert sorted(got) == list(range(6)) + list(range(100, 106))

    def build_shuffled():
        a = _numbers(6)
        b = _numbers(6) + 100
        return tf.train.shuffle_batch_join([[a], [b]], batch_size=3, capacity=20, min_after_dequeue=2, seed=1,
                                           allow_smaller_final_batch=True)

    got = np.concatenate(_run(backend, build_shuffled))
    assert sorted(got) == list(range(6)) + list(range(100, 106))


def test_maybe_batch_keeps_only_selected(backend):
    def build():
        x = _numbers(10)
        return tf.train.maybe_batch([x], keep_input=tf.equal(x % 2, 0), batch_size=5,
                                    allow_smaller_final_batch=True)

    got = np.concatenate(_run(backend, build))
    assert list(got) == [0, 2, 4, 6, 8]

    def build_many():
        x = _numbers(2)
        rows = tf.range(4) + 10 * x
        return tf.train.maybe_shuffle_batch([rows], batch_size=3, capacity=10, min_after_dequeue=0,
                                            keep_input=tf.equal(rows % 2, 1),
                                            enqueue_many=True, allow_smaller_final_batch=True, seed=3)

    got = np.concatenate(_run(backend, build_many))
    assert sorted(got) == [1, 3, 11, 13]


def test_maybe_batch_keep_input_checks():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="cannot be a vector"):
            tf.train.maybe_batch([tf.constant(1)], keep_input=[True, False], batch_size=2)
        with pytest.raises(ValueError, match="0 or 1 dimensions"):
            tf.train.maybe_batch([tf.constant(1)], keep_input=[[True]], batch_size=2, enqueue_many=True)


@pytest.mark.tf
def test_batch_graph_names_match_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    seen = []
    for mod, graph in ((tf, tf.Graph()), (tf1, tf1.Graph())):
        with graph.as_default():
            x = mod.constant([1.0, 2.0])
            b = mod.train.batch([x, mod.constant(3)], batch_size=4)
            s = mod.train.shuffle_batch([x], batch_size=2, capacity=8, min_after_dequeue=2,
                                        allow_smaller_final_batch=True)
            p = mod.train.batch([mod.range(mod.constant(3))], batch_size=2, dynamic_pad=True)
            qrs = mod.get_collection(mod.GraphKeys.QUEUE_RUNNERS)
            seen.append(([t.name for t in b], [t.get_shape().as_list() for t in b], s.name, s.get_shape().as_list(),
                         p.get_shape().as_list(), [qr.name for qr in qrs],
                         sorted(t.op.name for t in mod.get_collection(mod.GraphKeys.SUMMARIES))))
    assert seen[0] == seen[1]
