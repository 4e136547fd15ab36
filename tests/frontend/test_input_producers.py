"""tf.train.*_input_producer with QueueRunner threads: epochs, shuffling, names, clean ends."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(params=["reference", "cpu"])
def backend(request):
    return request.param


def _drain(sess, t, limit=1000):
    out = []
    for _ in range(limit):
        try:
            out.append(sess.run(t))
        except tf.errors.OutOfRangeError:
            return out
    raise AssertionError("the producer never ran out")


def _run_pipeline(backend, build):
    with tf.Graph().as_default():
        fetch = build()
        with tf.Session(backend=backend) as sess:
            sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess=sess, coord=coord)
            out = _drain(sess, fetch)
            coord.request_stop()
            coord.join(threads)
            return out


def test_string_input_producer_epochs_in_order(backend):
    names = [b"a", b"b", b"c"]
    got = _run_pipeline(backend, lambda: tf.train.string_input_producer(names, num_epochs=2, shuffle=False).dequeue())
    assert got == names * 2


def test_string_input_producer_shuffles_each_epoch(backend):
    names = [str(i).encode() for i in range(12)]

    def build():
        tf.set_random_seed(3)
        return tf.train.string_input_producer(names, num_epochs=3, seed=1).dequeue()

    got = _run_pipeline(backend, build)
    assert len(got) == 36
    epochs = [got[i:i + 12] for i in (0, 12, 24)]
    assert all(sorted(e) == sorted(names) for e in epochs)
    assert epochs[0] != names and epochs[0] != epochs[1]
    assert got == _run_pipeline(backend, build)  # seeded: the same order again


def test_range_and_slice_input_producer(backend):
    got = _run_pipeline(backend, lambda: tf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue())
    assert got == [0, 1, 2, 3]
    xs = np.arange(10, dtype=np.float32).reshape(5, 2)
    ys = np.array([10, 11, 12, 13, 14], dtype=np.int32)

    def build():
        x, y = tf.train.slice_input_producer([xs, ys], num_epochs=2, shuffle=True, seed=4)
        return [x, y]

    pairs = _run_pipeline(backend, build)
    assert len(pairs) == 10
    for x, y in pairs:  # each slice keeps its row together
        np.testing.assert_array_equal(x, xs[y - 10])
    assert sorted(int(y) for _, y in pairs) == sorted(list(ys) * 2)


def test_producer_graph_matches_tf1_layout():
    with tf.Graph().as_default():
        q = tf.train.string_input_producer(["a", "b"], num_epochs=1)
        assert q.name == "input_producer"
        assert [v.name for v in tf.local_variables()] == ["input_producer/limit_epochs/epochs:0"]
        (qr,) = tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
        assert qr.queue is q and len(qr.enqueue_ops) == 1
        assert qr.enqueue_ops[0].name == "input_producer/input_producer_EnqueueMany"
        assert [s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)] == \
            ["input_producer/queue/input_producer/fraction_of_32_full"]


def test_bad_arguments():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="non-null input tensor"):
            tf.train.string_input_producer([])
        with pytest.raises(ValueError, match="num_epochs must be > 0"):
            tf.train.string_input_producer(["a"], num_epochs=0)
        with pytest.raises(ValueError, match="element_shape"):
            tf.train.input_producer(tf.placeholder(tf.float32, [None, None]))


def test_empty_string_tensor_fails_at_run(backend):
    with tf.Graph().as_default():
        names = tf.placeholder(tf.string, [None])
        q = tf.train.string_input_producer(names)
        (qr,) = tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="requires a non-null input tensor"):
                sess.run(qr.enqueue_ops[0], {names: np.array([], dtype=object)})
            assert q is not None


def test_queue_runner_reports_errors_to_the_coordinator(backend):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(4, [tf.float32], shapes=[[]])
        bad = q.enqueue([tf.check_numerics(tf.constant(np.nan, tf.float32), "boom")])
        qr = tf.train.QueueRunner(q, [bad])
        with tf.Session(backend=backend) as sess:
            coord = tf.train.Coordinator()
            threads = qr.create_threads(sess, coord=coord, start=True)
            assert len(threads) == 2  # the enqueue thread and the close-on-stop thread
            assert coord.wait_for_stop(10.0)
            with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
                coord.join(threads)


def test_threads_end_quietly_when_the_session_closes(backend):
    with tf.Graph().as_default():
        q = tf.train.string_input_producer(["a", "b"], capacity=2)  # no epochs: the runner blocks on a full queue
        sess = tf.Session(backend=backend)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord=coord)
        assert sess.run(q.dequeue()) in (b"a", b"b")
        before = threading.active_count()
        sess.close()
        for t in threads:
            t.join(5.0)
        assert not any(t.is_alive() for t in threads)
        assert before >= threading.active_count()
        coord.request_stop()
        coord.join(threads)  # no error was recorded


def test_start_queue_runners_needs_a_session():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No default session"):
            tf.train.start_queue_runners()
    assert tf.train.queue_runner.QueueRunner is tf.train.QueueRunner
    assert tf.train.queue_runner.start_queue_runners is tf.train.start_queue_runners


def test_supervisor_starts_the_graph_queue_runners(tmp_path):
    with tf.Graph().as_default():
        q = tf.train.range_input_producer(3, num_epochs=1, shuffle=False)
        d = q.dequeue()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
        with sv.managed_session() as sess:
            threads = sv.start_queue_runners(sess)
            assert threads
            assert [sess.run(d) for _ in range(3)] == [0, 1, 2]
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(d)
            sv.request_stop()
