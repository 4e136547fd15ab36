"""Saver leftovers: temporaries of killed or failed saves, and the folder a save goes into.

A save writes `.P.fjckpt.HOST-PID.RANDOM.tmp` and renames it over `P.fjckpt`. These tests
check that a failed save removes its temp, that the next save removes a dead writer's temp
(and nothing else), and that a save really killed with SIGKILL is cleaned up after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import flowjit as tf
from flowjit.frontend.train import saver as saver_mod

BACKEND = "reference"


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def temp_name(target: str, pid: int, host: str | None = None, rand: str = "k2x_9abc") -> str:
    """A temp name exactly as `atomic_write(target)` makes it."""
    return f".{os.path.basename(target)}.{host or saver_mod._host_tag()}-{pid}.{rand}.tmp"


def save_and_restore(folder, value=np.arange(6, dtype=np.float32)) -> str:
    v = tf.Variable(value, name="v")
    saver = tf.train.Saver([v])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        prefix = saver.save(sess, str(folder / "model"))
        sess.run(tf.assign(v, np.zeros_like(value)))
        saver.restore(sess, prefix)
        np.testing.assert_array_equal(sess.run(v), value)
    return prefix


def test_next_save_removes_stale_temps_and_nothing_else(tmp_path):
    target = str(tmp_path / "model.fjckpt")
    gone = dead_pid()
    stale = [temp_name(target, gone), temp_name(target, gone, rand="zz_00aa"),
             temp_name(str(tmp_path / "checkpoint"), gone)]
    old_foreign = temp_name(target, 12346, host="0badf00d")  # another host, abandoned long ago
    keep = [
        temp_name(target, os.getpid()),              # this process: another thread may be writing it
        temp_name(target, os.getppid()),             # a live writer
        temp_name(target, 12345, host="0badf00d"),   # another host, recently written
        temp_name(str(tmp_path / "model2.fjckpt"), gone),  # another checkpoint's temp
        ".model.fjckpt.tmp", "model.fjckpt.tmp", ".model.fjckpt.backup", "notes.txt",
        f".model.fjckpt.{saver_mod._host_tag()}-{gone}.has.dots.tmp",
    ]
    for name in stale + keep + [old_foreign]:
        (tmp_path / name).write_bytes(b"partial")
    old = time.time() - 2 * saver_mod._FOREIGN_STALE_S
    os.utime(tmp_path / old_foreign, (old, old))
    save_and_restore(tmp_path)
    left = set(os.listdir(tmp_path))
    assert not left & set(stale)
    assert old_foreign not in left
    assert set(keep) <= left
    assert left - set(keep) == {"model.fjckpt", "checkpoint"}


def test_remove_stale_temporaries_reports_what_it_removed(tmp_path):
    target = str(tmp_path / "m.fjckpt")
    name = temp_name(target, dead_pid())
    (tmp_path / name).write_bytes(b"x")
    assert saver_mod.remove_stale_temporaries(target) == [str(tmp_path / name)]
    assert saver_mod.remove_stale_temporaries(target) == []
    assert saver_mod.remove_stale_temporaries(str(tmp_path / "missing" / "m.fjckpt")) == []


@pytest.mark.parametrize("error", [OSError("disk on fire"), KeyboardInterrupt()])
def test_failed_save_leaves_no_temp(tmp_path, monkeypatch, error):
    v = tf.Variable(np.ones(5000, np.float64), name="v")
    saver = tf.train.Saver([v])
    seen = []

    def crashing(f, data):
        seen.extend(os.listdir(tmp_path))
        raise error

    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        monkeypatch.setattr(saver_mod, "_write_chunk", crashing)
        with pytest.raises(type(error)):
            saver.save(sess, str(tmp_path / "model"))
    assert seen and seen[0].startswith(".model.fjckpt.")  # a temp was in use
    assert os.listdir(tmp_path) == []


def test_failed_rename_leaves_no_temp(tmp_path, monkeypatch):
    def no_rename(src, dst):
        raise PermissionError(13, "read-only", dst)

    monkeypatch.setattr(saver_mod.os, "replace", no_rename)
    with pytest.raises(PermissionError):
        saver_mod.write_checkpoint_file(str(tmp_path / "m.fjckpt"), {"a": np.ones(3)})
    assert os.listdir(tmp_path) == []


def test_save_creates_a_missing_folder(tmp_path):
    prefix = save_and_restore(tmp_path / "run1")
    assert prefix == str(tmp_path / "run1" / "model")
    assert sorted(os.listdir(tmp_path / "run1")) == ["checkpoint", "model.fjckpt"]
    assert tf.train.latest_checkpoint(str(tmp_path / "run1")) == prefix


def test_save_two_missing_levels_is_tfs_value_error(tmp_path):
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver([v])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory of .* doesn't exist, can't save."):
            saver.save(sess, str(tmp_path / "a" / "b" / "model"))
    assert os.listdir(tmp_path) == []


def test_save_folder_blocked_by_a_file(tmp_path):
    (tmp_path / "run").write_text("not a folder")
    v = tf.Variable(1.0, name="v")
    saver = tf.train.Saver([v])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory"):
            saver.save(sess, str(tmp_path / "run" / "model"))


_CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import flowjit as tf
    from flowjit.frontend.train import saver as saver_mod

    real = saver_mod._write_chunk

    def slow(f, data):  # make the save last long enough to be killed in the middle
        real(f, data)
        f.flush()
        time.sleep(0.5)

    saver_mod._write_chunk = slow
    v = tf.Variable(np.ones(50 * 2 ** 20 // 4, np.float32), name="big")  # 50 MB
    saver = tf.train.Saver([v])
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        print("saving", flush=True)
        saver.save(sess, sys.argv[1])
    print("finished", flush=True)
""")


def wait_for_temp(folder, proc, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [n for n in os.listdir(folder) if n.endswith(".tmp")]
        if temps and os.path.getsize(os.path.join(folder, temps[0])) > 0:
            return temps[0]
        time.sleep(0.01)
    return None


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_save_then_next_save_cleans_up(tmp_path):
    start = time.monotonic()
    prefix = str(tmp_path / "model")
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, prefix], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    try:
        temp = wait_for_temp(tmp_path, proc, timeout=10.0)
        if temp is None:
            out, err = proc.communicate(timeout=5)
            pytest.fail(f"the child never started its save (rc={proc.returncode}): {err.decode()[-2000:]}")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)  # reaps it: a zombie would still count as a live writer
    assert proc.returncode == -signal.SIGKILL
    assert temp.startswith(f".model.fjckpt.{saver_mod._host_tag()}-{proc.pid}.")
    assert os.listdir(tmp_path) == [temp]  # killed before the rename: no checkpoint, no state file
    save_and_restore(tmp_path, np.full(4, 2.5, np.float32))
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.fjckpt"]
    assert time.monotonic() - start < 15
