"""tf.data iterators: one-shot, initializable with fed placeholders, reinitializable
(from_structure), feedable (string handles), errors, deadlines and Session.close."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import flowjit as tf


def values(sess, nxt, feed=None):
    out = []
    while True:
        try:
            out.append(sess.run(nxt, feed))
        except tf.errors.OutOfRangeError:
            return out


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_initializable_iterator_with_placeholders(backend):
    data = tf.placeholder(tf.float32, [None, 2])
    n = tf.placeholder(tf.int64, [])
    it = tf.data.Dataset.from_tensor_slices(data).map(lambda r: tf.reduce_sum(r)).take(n) \
        .make_initializable_iterator()
    nxt = it.get_next()
    assert it.initializer.type == "MakeIterator" and nxt.op.type == "IteratorGetNext"
    arr = np.arange(10, dtype=np.float32).reshape(5, 2)
    with tf.Session(backend=backend) as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="not been initialized"):
            sess.run(nxt)
        sess.run(it.initializer, {data: arr, n: 3})
        assert [float(v) for v in values(sess, nxt)] == [1.0, 5.0, 9.0]
        with pytest.raises(tf.errors.OutOfRangeError, match="End of sequence"):
            sess.run(nxt)  # stays at the end
        sess.run(it.initializer, {data: arr[::-1].copy(), n: 10})  # re-initialized, new data
        assert [float(v) for v in values(sess, nxt)] == [17.0, 13.0, 9.0, 5.0, 1.0]


def test_one_shot_iterator_rejects_placeholders_and_is_per_session():
    ph = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="Cannot capture a placeholder"):
        tf.data.Dataset.from_tensor_slices(ph).make_one_shot_iterator()
    it = tf.compat.v1.data.make_one_shot_iterator(tf.data.Dataset.range(3))
    nxt = it.get_next()
    assert nxt.op.inputs[0].op.type == "OneShotIterator"
    with tf.Session() as s1, tf.Session() as s2:
        assert int(s1.run(nxt)) == 0 and int(s1.run(nxt)) == 1
        assert int(s2.run(nxt)) == 0  # two sessions, two iterators
    with pytest.raises(ValueError, match="does not have an initializer"):
        it.initializer  # noqa: B018


def test_reinitializable_iterator_from_structure():
    train = tf.data.Dataset.range(100).map(lambda x: tf.cast(x, tf.float32)).batch(4)
    valid = tf.data.Dataset.range(3).map(lambda x: -tf.cast(x, tf.float32)).batch(4)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    init_train, init_valid = it.make_initializer(train), it.make_initializer(valid)
    with tf.Session() as sess:
        sess.run(init_train)
        assert sess.run(nxt).tolist() == [0, 1, 2, 3]
        sess.run(init_valid)
        assert sess.run(nxt).tolist() == [0, -1, -2]
        sess.run(init_train)
        assert sess.run(nxt).tolist() == [0, 1, 2, 3]
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(tf.data.Dataset.range(3).batch(2))


def test_feedable_iterator_string_handles():
    a = tf.data.Dataset.range(10).make_one_shot_iterator()
    b = tf.data.Dataset.range(100, 110).make_initializable_iterator()
    handle = tf.placeholder(tf.string, [])
    it = tf.data.Iterator.from_string_handle(handle, a.output_types, a.output_shapes)
    nxt = it.get_next()
    with tf.Session() as sess:
        ha, hb = sess.run([a.string_handle(), b.string_handle()])
        sess.run(b.initializer)
        assert int(sess.run(nxt, {handle: ha})) == 0
        assert int(sess.run(nxt, {handle: hb})) == 100
        assert int(sess.run(nxt, {handle: ha})) == 1
        with pytest.raises(tf.errors.NotFoundError, match="does not exist"):
            sess.run(nxt, {handle: b"nothing"})


def test_errors_in_map_name_the_node():
    ds = tf.data.Dataset.from_tensor_slices(np.array([[1, 2], [3, 4]], np.int32)).map(
        lambda v: tf.gather(v, 5))
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session(backend="reference") as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Gather"):
            sess.run(nxt)


def test_run_deadline_and_close_stop_a_blocked_prefetch():
    release = threading.Event()

    def slow():
        yield 1
        release.wait(5)
        yield 2

    nxt = tf.data.Dataset.from_generator(slow, tf.int64).prefetch(1).make_one_shot_iterator().get_next()
    sess = tf.Session()
    assert int(sess.run(nxt)) == 1
    t0 = time.monotonic()
    with pytest.raises(tf.errors.DeadlineExceededError):
        sess.run(nxt, options=tf.RunOptions(timeout_in_ms=200))
    assert time.monotonic() - t0 < 2

    got: list = []

    def blocked():
        try:
            sess.run(nxt)
        except tf.errors.OpError as e:
            got.append(type(e))

    t = threading.Thread(target=blocked)
    t.start()
    time.sleep(0.2)
    sess.close()
    t.join(3)
    release.set()
    assert not t.is_alive() and got == [tf.errors.CancelledError]


def test_iterator_properties():
    ds = tf.data.Dataset.from_tensor_slices({"x": np.zeros((4, 3), np.float32), "y": np.zeros(4, np.int32)})
    it = ds.make_initializable_iterator()
    assert it.output_types == {"x": tf.float32, "y": tf.int32}
    assert it.output_shapes["x"].as_list() == [3]
    assert it.output_classes["y"] is tf.Tensor
    nxt = it.get_next()
    assert nxt["x"].get_shape().as_list() == [3] and nxt["y"].dtype == tf.int32
