"""tf.train.Saver: round trips, max_to_keep, atomic writes, clear errors on bad files."""

from __future__ import annotations

import os

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors
from flowjit.frontend.train import saver as saver_mod

BACKEND = "reference"


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


VALUES = {
    "W": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    "b": np.array([1.5, -2.5], dtype=np.float64),
    "count": np.array([3, -4, 5], dtype=np.int32),
    "big": np.array([2 ** 40, -1], dtype=np.int64),
    "flags": np.array([True, False, True]),
    "scalar": np.array(2.25, dtype=np.float32),
}


def make_vars(values=VALUES):
    return {k: tf.Variable(v, name=k) for k, v in values.items()}


def test_round_trip_across_sessions(tmp_path):
    vs = make_vars()
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
    assert path == str(tmp_path / "model")
    assert os.path.exists(path + ".fjckpt")
    assert tf.train.checkpoint_exists(path)
    with tf.Session(backend=BACKEND) as sess:
        saver.restore(sess, path)
        for k, v in vs.items():
            got = sess.run(v)
            np.testing.assert_array_equal(got, VALUES[k])
            assert np.asarray(got).dtype == VALUES[k].dtype


def test_restore_into_a_rebuilt_graph(tmp_path):
    make_vars()
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
    tf.reset_default_graph()
    vs = {k: tf.Variable(np.zeros_like(v), name=k) for k, v in VALUES.items()}
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
        for k, v in vs.items():
            np.testing.assert_array_equal(sess.run(v), VALUES[k])


def test_var_list_dict_and_subset(tmp_path):
    vs = make_vars()
    saver = tf.train.Saver({"weights": vs["W"], "bias": vs["b"]})
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
    assert tf.train.list_variables(path) == [("bias", [2]), ("weights", [3, 4])]
    np.testing.assert_array_equal(tf.train.load_variable(path, "weights"), VALUES["W"])
    reader = tf.train.NewCheckpointReader(path)
    assert reader.has_tensor("bias") and not reader.has_tensor("W")
    assert reader.get_variable_to_shape_map() == {"bias": [2], "weights": [3, 4]}
    saver_b = tf.train.Saver([vs["b"]])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.NotFoundError, match="Key b not found"):
            saver_b.restore(sess, path)


def test_global_step_suffix_and_max_to_keep(tmp_path):
    make_vars()
    gs = tf.train.get_or_create_global_step()
    inc = tf.assign_add(gs, 1)
    saver = tf.train.Saver(max_to_keep=3)
    prefix = str(tmp_path / "model.ckpt")
    paths = []
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(5):
            sess.run(inc)
            paths.append(saver.save(sess, prefix, global_step=gs))
        assert saver.save(sess, prefix, global_step=100) == prefix + "-100"
    assert paths == [f"{prefix}-{k}" for k in range(1, 6)]
    files = sorted(os.listdir(tmp_path))
    assert files == ["checkpoint", "model.ckpt-100.fjckpt", "model.ckpt-4.fjckpt", "model.ckpt-5.fjckpt"]
    assert saver.last_checkpoints == [prefix + "-4", prefix + "-5", prefix + "-100"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + "-100"
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == prefix + "-100"
    assert state.all_model_checkpoint_paths == saver.last_checkpoints
    text = (tmp_path / "checkpoint").read_text()
    assert 'model_checkpoint_path: "model.ckpt-100"' in text  # relative: the folder can move
    assert tf.train.load_variable(prefix + "-5", "global_step") == 5


def test_max_to_keep_none_keeps_everything(tmp_path):
    make_vars()
    saver = tf.train.Saver(max_to_keep=None)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        for k in range(7):
            saver.save(sess, str(tmp_path / "m"), global_step=k)
    assert len([f for f in os.listdir(tmp_path) if f.endswith(".fjckpt")]) == 7
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "m-6")


def test_latest_checkpoint_missing_folder_or_state(tmp_path):
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    assert tf.train.get_checkpoint_state(str(tmp_path / "nope")) is None


def test_crash_mid_save_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    vs = make_vars()
    saver = tf.train.Saver()
    change = tf.assign(vs["W"], np.full((3, 4), 9.0, np.float32))
    prefix = str(tmp_path / "model")
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        good = saver.save(sess, prefix)
        state_before = (tmp_path / "checkpoint").read_text()
        sess.run(change)
        calls = {"n": 0}
        real = saver_mod._write_chunk

        def crashing(f, data):
            calls["n"] += 1
            if calls["n"] == 4:  # header written, first tensor's bytes about to go out
                raise OSError("disk on fire")
            real(f, data)

        monkeypatch.setattr(saver_mod, "_write_chunk", crashing)
        with pytest.raises(OSError, match="disk on fire"):
            saver.save(sess, prefix)
        monkeypatch.setattr(saver_mod, "_write_chunk", real)
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.fjckpt"]  # no temp file left behind
    assert (tmp_path / "checkpoint").read_text() == state_before
    with tf.Session(backend=BACKEND) as sess:
        saver.restore(sess, tf.train.latest_checkpoint(str(tmp_path)))
        np.testing.assert_array_equal(sess.run(vs["W"]), VALUES["W"])
    assert good == prefix


def _save_simple(tmp_path):
    W = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="W")
    b = tf.Variable(np.array([0.5, 1.5], np.float32), name="b")
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "m"))
    return W, b, saver, path


def test_corrupt_tensor_bytes_name_the_variable(tmp_path):
    W, b, saver, path = _save_simple(tmp_path)
    file = path + ".fjckpt"
    data = bytearray(open(file, "rb").read())
    data[-1] ^= 0xFF  # last byte belongs to b, the last variable written
    open(file, "wb").write(bytes(data))
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(errors.DataLossError, match="variable 'b'") as info:
            saver.restore(sess, path)
        assert "checksum" in str(info.value)
        # all-or-nothing: W was not touched by the failed restore
        np.testing.assert_array_equal(sess.run(W), np.arange(6).reshape(2, 3))


def test_corrupt_header_and_truncation(tmp_path):
    W, b, saver, path = _save_simple(tmp_path)
    file = path + ".fjckpt"
    good = open(file, "rb").read()
    open(file, "wb").write(good[:20] + bytes([good[20] ^ 0x01]) + good[21:])
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.DataLossError, match="corrupt"):
            saver.restore(sess, path)
    open(file, "wb").write(good[:-5])
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.DataLossError, match="'b'"):
            saver.restore(sess, path)
    open(file, "wb").write(b"PK\x03\x04 not a checkpoint at all")
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.DataLossError, match="magic"):
            saver.restore(sess, path)


def test_shape_mismatch_names_the_variable(tmp_path):
    _save_simple(tmp_path)
    tf.reset_default_graph()
    tf.Variable(np.zeros((3, 3), np.float32), name="W")
    tf.Variable(np.zeros(2, np.float32), name="b")
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.InvalidArgumentError, match=r"variable W .*\[3, 3\].*\[2, 3\]"):
            saver.restore(sess, str(tmp_path / "m"))


def test_dtype_mismatch_names_the_variable(tmp_path):
    _save_simple(tmp_path)
    tf.reset_default_graph()
    tf.Variable(np.zeros((2, 3), np.float64), name="W")
    tf.Variable(np.zeros(2, np.float32), name="b")
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.InvalidArgumentError, match="variable W.*float64.*float32"):
            saver.restore(sess, str(tmp_path / "m"))


def test_missing_variable_and_missing_file(tmp_path):
    _save_simple(tmp_path)
    tf.reset_default_graph()
    tf.Variable(np.zeros((2, 3), np.float32), name="W")
    tf.Variable(np.zeros(4, np.float32), name="extra")
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        with pytest.raises(errors.NotFoundError, match="Key extra not found"):
            saver.restore(sess, str(tmp_path / "m"))
        with pytest.raises(errors.NotFoundError, match="not a valid checkpoint"):
            saver.restore(sess, str(tmp_path / "nothing-here"))
        with pytest.raises(ValueError, match="None"):
            saver.restore(sess, None)


def test_file_format_has_no_pickle(tmp_path):
    _, _, _, path = _save_simple(tmp_path)
    raw = open(path + ".fjckpt", "rb").read()
    assert raw.startswith(saver_mod.MAGIC)
    assert b"\x80\x04" not in raw[:32]  # not a pickle stream


def test_saves_optimizer_slots_and_trains_on(tmp_path):
    W = tf.Variable(np.array([1.0, -2.0]), name="W")
    loss = tf.reduce_sum(tf.square(W))
    gs = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=gs)
    saver = tf.train.Saver()
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        path = saver.save(sess, str(tmp_path / "adam"), global_step=gs)
        sess.run(train)
        after_four = sess.run(W)
    names = [n for n, _ in tf.train.list_variables(path)]
    assert names == ["W", "W/Adam", "W/Adam_1", "beta1_power", "beta2_power", "global_step"]
    assert path.endswith("adam-3")
    with tf.Session(backend=BACKEND) as sess:
        saver.restore(sess, path)
        sess.run(train)
        np.testing.assert_allclose(sess.run(W), after_four, rtol=1e-12)
        assert sess.run(gs) == 4


def test_saver_errors(tmp_path):
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()
    assert tf.train.Saver(allow_empty=True).save(None, str(tmp_path / "x")) is None
    W = tf.Variable(np.zeros(2), name="W")
    with pytest.raises(TypeError):
        tf.train.Saver([tf.constant(1.0)])
    saver = tf.train.Saver([W])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="Parent directory"):
            saver.save(sess, str(tmp_path / "no" / "such" / "dir" / "m"))
        with pytest.raises(errors.FailedPreconditionError):
            tf.train.Saver([tf.Variable(np.zeros(1), name="U")]).save(sess, str(tmp_path / "u"))
