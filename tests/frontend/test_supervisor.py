"""tf.train.Coordinator, SessionManager and Supervisor: init, checkpoint and restore in a logdir,
stop requests, errors re-raised, and no thread left behind."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors


@pytest.fixture(params=["reference", "cpu"])
def backend(request, monkeypatch):
    """Supervisor makes its own Sessions: pick their backend through FLOWJIT_BACKEND."""
    monkeypatch.setenv("FLOWJIT_BACKEND", request.param)
    return request.param


def _no_supervisor_threads() -> bool:
    return not any(isinstance(t, tf.train.LooperThread) and t.is_alive() for t in threading.enumerate())


def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(np.float32(1.0), name="w")
    inc = tf.group(tf.assign_add(w, 1.0), tf.assign_add(step, 1))
    return w, step, inc


# --- Coordinator -----------------------------------------------------------------------------------

def test_coordinator_stop_and_join():
    coord = tf.train.Coordinator()
    ticks = []

    def worker():
        while not coord.should_stop():
            ticks.append(1)
            time.sleep(0.01)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    assert not coord.should_stop()
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=5)
    assert coord.should_stop() and coord.joined and ticks and not any(t.is_alive() for t in threads)


def test_coordinator_reraises_first_error_and_ignores_out_of_range():
    coord = tf.train.Coordinator()

    def failing():
        with coord.stop_on_exception():
            raise ValueError("boom")

    t = threading.Thread(target=failing)
    coord.register_thread(t)
    t.start()
    coord.wait_for_stop(5)
    coord.request_stop(RuntimeError("second"))  # not recorded: the first one wins
    with pytest.raises(ValueError, match="boom"):
        coord.raise_requested_exception()
    with pytest.raises(ValueError, match="boom"):
        coord.join()
    coord.clear_stop()
    assert not coord.should_stop()
    coord.request_stop(errors.OutOfRangeError(None, None, "end of input"))
    coord.join()


def test_coordinator_live_thread_is_an_error():
    coord = tf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, name="stuck")
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="threads still running: stuck"):
        coord.join([t], stop_grace_period_secs=0.05)
    release.set()
    t.join()


def test_looper_thread_needs_a_coordinator():
    with pytest.raises(ValueError, match="must be a Coordinator"):
        tf.train.LooperThread(object(), 1.0, target=print)


# --- SessionManager -------------------------------------------------------------------------------

def test_session_manager_initializes_then_recovers(tmp_path, backend):
    with tf.Graph().as_default():
        w, step, inc = _model()
        saver = tf.train.Saver()
        sm = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
        sess = sm.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver,
                                  checkpoint_dir=str(tmp_path))
        sess.run(inc)
        assert sess.run(w) == 2.0
        saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
        sess.close()
        sess, restored = sm.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
        assert restored and sess.run(w) == 2.0 and sess.run(step) == 1
        sess.close()
        sess = sm.prepare_session("", init_op=tf.global_variables_initializer(), saver=saver,
                                  checkpoint_dir=str(tmp_path))
        assert sess.run(w) == 2.0  # restored, not re-initialized
        sess.close()
        empty = tmp_path / "empty"
        sess, restored = sm.recover_session("", saver=saver, checkpoint_dir=str(empty))
        assert not restored
        sess.close()


def test_session_manager_errors():
    with tf.Graph().as_default():
        _model()
        sm = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
        with pytest.raises(RuntimeError, match="no init_op or init_fn or local_init_op"):
            sm.prepare_session("")
        with pytest.raises(RuntimeError, match="did not make model ready.*Variables not initialized: "):
            sm.prepare_session("", init_op=tf.no_op())
        with pytest.raises(errors.DeadlineExceededError, match="not ready after waiting"):
            tf.train.SessionManager(ready_op=tf.report_uninitialized_variables(),
                                    recovery_wait_secs=0.01).wait_for_session("", max_wait_secs=0)
        with pytest.raises(ValueError, match="must also pass a local_init_op"):
            tf.train.SessionManager(ready_for_local_init_op=tf.report_uninitialized_variables())


def test_session_manager_init_fn_and_local_init(backend):
    with tf.Graph().as_default():
        w = tf.Variable(np.float32(0.0), name="w")
        loc = tf.Variable(np.float32(5.0), name="loc", collections=[tf.GraphKeys.LOCAL_VARIABLES])
        sm = tf.train.SessionManager(local_init_op=tf.local_variables_initializer(),
                                     ready_op=tf.report_uninitialized_variables())
        sess = sm.prepare_session("", init_fn=lambda s: s.run(tf.assign(w, 7.0)))
        assert sess.run([w, loc]) == [7.0, 5.0]
        sess.close()


# --- Supervisor -----------------------------------------------------------------------------------

def test_supervisor_checkpoints_and_restores_on_restart(tmp_path, backend):
    logdir = str(tmp_path / "train")
    with tf.Graph().as_default():
        w, step, inc = _model()
        sv = tf.train.Supervisor(logdir=logdir, save_model_secs=0.05)
        assert sv.is_chief and sv.global_step is step and sv.save_path == os.path.join(logdir, "model.ckpt")
        with sv.managed_session() as sess:
            assert sess.run(w) == 1.0  # initialized by the default init_op
            for _ in range(3):
                sess.run(inc)
            deadline = time.time() + 10
            while time.time() < deadline:  # a checkpoint after the increments
                latest = tf.train.latest_checkpoint(logdir)
                if latest and latest.endswith("-3"):
                    break
                time.sleep(0.02)
        assert tf.train.latest_checkpoint(logdir).endswith("model.ckpt-3")
        assert _no_supervisor_threads()
    with tf.Graph().as_default():
        w, step, inc = _model()
        sv = tf.train.Supervisor(logdir=logdir, save_model_secs=0)
        with sv.managed_session() as sess:
            assert sess.run(w) == 4.0 and sess.run(step) == 3  # restored, not re-initialized
        assert tf.get_default_graph().finalized


def test_supervisor_request_stop_ends_the_loop(tmp_path, backend):
    with tf.Graph().as_default():
        w, step, inc = _model()
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=600, summary_op=None)
        calls = []
        with sv.managed_session() as sess:
            sv.loop(0.01, lambda: calls.append(1))
            n = 0
            while not sv.should_stop():
                sess.run(inc)
                n += 1
                if n == 5:
                    sv.request_stop()
            assert n == 5 and sv.should_stop() and sv.coord.should_stop()
        assert calls and _no_supervisor_threads()
        assert tf.train.latest_checkpoint(str(tmp_path)).endswith("-0")  # the save at start


def test_supervisor_reraises_errors_but_ends_cleanly_on_out_of_range(tmp_path):
    with tf.Graph().as_default():
        _model()
        sv = tf.train.Supervisor(logdir=None)
        assert sv.saver is not None and sv.save_path is None
        with pytest.raises(ValueError, match="inside"):
            with sv.managed_session():
                raise ValueError("inside")
        with sv.managed_session():
            raise errors.OutOfRangeError(None, None, "input exhausted")
        assert _no_supervisor_threads()


def test_supervisor_worker_waits_for_chief(tmp_path):
    with tf.Graph().as_default():
        w, _, _ = _model()
        sv = tf.train.Supervisor(is_chief=False, logdir=str(tmp_path), recovery_wait_secs=0.01)
        with pytest.raises(errors.DeadlineExceededError):
            sv.prepare_or_wait_for_session(max_wait_secs=0.02)
        with pytest.raises(RuntimeError, match="Only chief"):
            sv.start_standard_services(None)


def test_supervisor_rejects_summary_op():
    with tf.Graph().as_default():
        _model()
        with pytest.raises(NotImplementedError, match="summary_op=None"):
            tf.train.Supervisor(summary_op=tf.constant(1))


@pytest.mark.tf
def test_coordinator_and_session_manager_match_tensorflow():
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as real

    for lib in (real, tf):
        coord = lib.train.Coordinator()
        coord.request_stop(lib.errors.OutOfRangeError(None, None, "done"))
        coord.join()  # a clean stop: nothing raised
        assert coord.should_stop() and coord.joined
    messages = []
    for lib in (real, tf):
        with lib.Graph().as_default():
            lib.Variable(1.0, name="v")
            sm = lib.train.SessionManager(ready_op=lib.report_uninitialized_variables())
            with pytest.raises(RuntimeError) as info:
                sm.prepare_session("")
            messages.append(str(info.value))
    assert messages[0] == messages[1]
