"""tf.FIFOQueue & co. through sessions, on the reference and the compiled cpu backend."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_fifo_names_shapes_and_values(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(10, [tf.float32, tf.int32], shapes=[[2], []])
        x = tf.placeholder(tf.float32, [2])
        enq = q.enqueue([x, 3])
        many = q.enqueue_many([[[1.0, 2.0], [3.0, 4.0]], [5, 6]])
        a, b = q.dequeue()
        m = q.dequeue_many(2)
        u = q.dequeue_up_to(4)
        doubled = a * 2.0  # a native op after the host dequeue
        assert (q.name, enq.name, a.name, m[0].name) == ("fifo_queue", "fifo_queue_enqueue", "fifo_queue_Dequeue:0",
                                                          "fifo_queue_DequeueMany:0")
        assert a.get_shape().as_list() == [2] and m[0].get_shape().as_list() == [2, 2]
        assert u[0].get_shape().as_list() == [None, 2] and u[1].get_shape().as_list() == [None]
        with tf.Session(backend=backend) as sess:
            sess.run(enq, {x: [1.0, 2.0]})
            sess.run(many)
            assert sess.run(q.size()) == 3
            d, i = sess.run([doubled, b])
            np.testing.assert_array_equal(d, [2.0, 4.0])
            assert i == 3 and i.dtype == np.int32
            mv = sess.run(m)
            np.testing.assert_array_equal(mv[0], [[1, 2], [3, 4]])
            np.testing.assert_array_equal(mv[1], [5, 6])
            assert not sess.run(q.is_closed())
            sess.run(q.close())
            assert sess.run(q.is_closed())
            with pytest.raises(tf.errors.OutOfRangeError, match="is closed and has insufficient elements "
                                                                r"\(requested 1, current size 0\)") as e:
                sess.run(a)
            assert "fifo_queue_Dequeue" in str(e.value)
            with pytest.raises(tf.errors.CancelledError, match="FIFOQueue '_0_fifo_queue' is closed."):
                sess.run(enq, {x: [1.0, 2.0]})


def test_single_component_dequeue_is_a_tensor_and_names_give_dicts(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, tf.int32, shapes=[])
        assert isinstance(q.dequeue(), tf.Tensor)
        nq = tf.FIFOQueue(3, [tf.int32, tf.string], shapes=[[], []], names=["n", "s"])
        enq = nq.enqueue({"n": 4, "s": "four"})
        out = nq.dequeue()
        with tf.Session(backend=backend) as sess:
            sess.run(enq)
            assert sess.run(out) == {"n": 4, "s": b"four"}
        with pytest.raises(ValueError, match="must enqueue a dictionary"):
            nq.enqueue([1, "a"])


def test_build_time_shape_and_dtype_checks():
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, [tf.float32], shapes=[[2]])
        with pytest.raises(ValueError, match="incompatible"):
            q.enqueue([[1.0, 2.0, 3.0]])
        with pytest.raises(ValueError, match="components to enqueue"):
            q.enqueue([1.0, 2.0])
        with pytest.raises((TypeError, ValueError)):
            q.enqueue(tf.constant([1, 2]))  # int32 into a float32 queue
        with pytest.raises(ValueError, match="fully defined"):
            tf.FIFOQueue(3, [tf.float32], shapes=[[None]])


def test_runtime_shape_mismatch_names_the_node(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, [tf.float32], shapes=[[2]])
        x = tf.placeholder(tf.float32, None)
        enq = q.enqueue([x])
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"Shape mismatch in tuple component 0. Expected \[2\], got \[3\]") as e:
                sess.run(enq, {x: [1.0, 2.0, 3.0]})
            assert "fifo_queue_enqueue" in str(e.value)


def test_dequeue_timeout_from_run_options(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, [tf.float32], shapes=[[]])
        d = q.dequeue()
        with tf.Session(backend=backend) as sess:
            t0 = time.monotonic()
            with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out waiting for notification"):
                sess.run(d, options=tf.RunOptions(timeout_in_ms=200))
            assert time.monotonic() - t0 < 5.0


def test_session_close_cancels_a_blocked_dequeue(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, [tf.float32], shapes=[[]])
        d = q.dequeue()
        sess = tf.Session(backend=backend)
        sess.run(q.size())  # creates the queue
        caught = []

        def worker():
            try:
                sess.run(d)
            except Exception as e:  # noqa: BLE001 - the test inspects it
                caught.append(e)

        t = threading.Thread(target=worker)
        t.start()
        time.sleep(0.3)
        sess.close()
        t.join(5.0)
        assert not t.is_alive()
        assert len(caught) == 1 and isinstance(caught[0], tf.errors.CancelledError)


def test_two_sessions_have_two_queues_and_shared_name_is_one(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(3, [tf.int32], shapes=[[]])
        a = tf.FIFOQueue(3, [tf.int32], shapes=[[]], shared_name="shared_q", name="a")
        b = tf.FIFOQueue(3, [tf.int32], shapes=[[]], shared_name="shared_q", name="b")
        with tf.Session(backend=backend) as s1, tf.Session(backend=backend) as s2:
            s1.run(q.enqueue([1]))
            assert s1.run(q.size()) == 1 and s2.run(q.size()) == 0
            s1.run(a.enqueue([5]))
            assert s1.run(b.dequeue()) == 5


def test_padding_fifo_queue(backend):
    with tf.Graph().as_default():
        q = tf.PaddingFIFOQueue(5, [tf.int32, tf.string], shapes=[[None], []])
        x = tf.placeholder(tf.int32, [None])
        enq = q.enqueue([x, "s"])
        m = q.dequeue_many(2)
        assert m[0].get_shape().as_list() == [2, None]
        with tf.Session(backend=backend) as sess:
            sess.run(enq, {x: [1, 2, 3]})
            sess.run(enq, {x: [4]})
            v, s = sess.run(m)
            np.testing.assert_array_equal(v, [[1, 2, 3], [4, 0, 0]])
            assert list(s) == [b"s", b"s"]
        with pytest.raises(ValueError, match="Shapes must be provided"):
            tf.PaddingFIFOQueue(5, [tf.int32], shapes=None)


def test_priority_queue(backend):
    with tf.Graph().as_default():
        q = tf.PriorityQueue(5, [tf.string], shapes=[[]])
        assert q.dtypes == [tf.int64, tf.string]
        p = tf.placeholder(tf.int64, [])
        s = tf.placeholder(tf.string, [])
        enq = q.enqueue([p, s])
        prio, val = q.dequeue_many(3)
        with tf.Session(backend=backend) as sess:
            for pr, v in [(5, "e"), (1, "a"), (3, "c")]:
                sess.run(enq, {p: pr, s: v})
            pv, vv = sess.run([prio, val])
            assert list(pv) == [1, 3, 5] and list(vv) == [b"a", b"c", b"e"]


def _shuffled(backend, seed):
    with tf.Graph().as_default():
        tf.set_random_seed(seed)
        q = tf.RandomShuffleQueue(50, 0, [tf.int32], shapes=[[]])
        enq = q.enqueue_many([np.arange(20, dtype=np.int32)])
        d = q.dequeue_many(20)
        with tf.Session(backend=backend) as sess:
            sess.run(enq)
            return list(sess.run(d))


def test_random_shuffle_queue_is_deterministic_with_a_seed(backend):
    a, b, c = _shuffled(backend, 1), _shuffled(backend, 1), _shuffled(backend, 2)
    assert sorted(a) == list(range(20)) and a != list(range(20))
    assert a == b and a != c


def test_random_shuffle_min_after_dequeue_blocks_until_closed(backend):
    with tf.Graph().as_default():
        q = tf.RandomShuffleQueue(10, 3, [tf.int32], shapes=[[]], seed=7)
        enq = q.enqueue_many([[1, 2, 3, 4]])
        d = q.dequeue()
        with tf.Session(backend=backend) as sess:
            sess.run(enq)
            got = [sess.run(d)]  # 4 > 3: one may go
            with pytest.raises(tf.errors.DeadlineExceededError):
                sess.run(d, options=tf.RunOptions(timeout_in_ms=100))
            sess.run(q.close())
            got += [sess.run(d) for _ in range(3)]
            assert sorted(got) == [1, 2, 3, 4]


def test_tf_queue_namespace():
    assert tf.queue.FIFOQueue is tf.FIFOQueue and tf.queue.QueueBase is tf.QueueBase
    assert tf.queue.RandomShuffleQueue is tf.RandomShuffleQueue


@pytest.mark.tf
def test_names_and_shapes_match_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    out = []
    for mod, graph in ((tf, tf.Graph()), (tf1, tf1.Graph())):
        with graph.as_default():
            q = mod.FIFOQueue(10, [mod.float32, mod.int32], shapes=[[2], []])
            e = q.enqueue_many([[[1.0, 2.0]], [1]])
            d = q.dequeue_many(3)
            u = q.dequeue_up_to(3)
            p = mod.PaddingFIFOQueue(4, [mod.int32], shapes=[[None]])
            out.append((q.name, e.name, [t.name for t in d], [t.get_shape().as_list() for t in d],
                        [t.get_shape().as_list() for t in u], q.close().name, q.size().name, p.name,
                        p.dequeue_many(2).get_shape().as_list()))
    assert out[0] == out[1]
