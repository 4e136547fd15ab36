"""RNN cells (frontend/layers/rnn_cell_impl.py) and rnn functions (frontend/ops/rnn.py): NumPy
LSTM oracle, TF1 variable names, masking, static == dynamic, native loop on cpu, TF oracle."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]
RNG = np.random.default_rng(5)


def sig(x):
    return 1 / (1 + np.exp(-x))


def np_lstm(x, kernel, bias, lengths):
    b, t, _ = x.shape
    n = bias.shape[0] // 4
    c, h = np.zeros((b, n)), np.zeros((b, n))
    outs = np.zeros((b, t, n))
    for k in range(t):
        z = np.concatenate([x[:, k], h], 1) @ kernel + bias
        i, j, f, o = np.split(z, 4, 1)
        nc = c * sig(f + 1.0) + sig(i) * np.tanh(j)
        nh = np.tanh(nc) * sig(o)
        live = (k < lengths)[:, None]
        c, h = np.where(live, nc, c), np.where(live, nh, h)
        outs[:, k] = np.where(live, nh, 0.0)
    return outs, c, h


@pytest.mark.parametrize("backend", BACKENDS)
def test_dynamic_rnn_lstm_matches_numpy_and_is_native(backend):
    x = RNG.standard_normal((3, 6, 2))
    lengths = np.array([6, 2, 4], np.int32)
    kernel = RNG.standard_normal((6, 16)) * 0.4
    bias = RNG.standard_normal(16) * 0.1
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float64, [None, 6, 2])
        cell = tf.nn.rnn_cell.BasicLSTMCell(4)
        out, st = tf.nn.dynamic_rnn(cell, xp, sequence_length=lengths, dtype=tf.float64)
        names = [v.name for v in tf.global_variables()]
        k_var, b_var = tf.global_variables()
    assert names == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
    with tf.Session(graph=g, backend=backend) as s:
        k_var.load(kernel, s)
        b_var.load(bias, s)
        o, state = s.run([out, st], {xp: x})
        if backend == "cpu":
            assert list(s._cache.values())[-1].executable.program.host_driven == {}
    wo, wc, wh = np_lstm(x, kernel, bias, lengths)
    np.testing.assert_allclose(o, wo, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state.c, wc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state.h, wh, rtol=1e-10, atol=1e-12)


def test_variable_names_follow_tf1():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4])
        cells = [tf.nn.rnn_cell.BasicLSTMCell(5), tf.nn.rnn_cell.BasicLSTMCell(5)]
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.MultiRNNCell(cells), x, dtype=tf.float32)
        with tf.variable_scope("g"):
            tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x, dtype=tf.float32)
        with tf.variable_scope("l"):
            tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2), x, dtype=tf.float32)
        with tf.variable_scope("s"):
            tf.contrib.rnn.static_rnn(tf.contrib.rnn.BasicRNNCell(3), tf.unstack(x, axis=1), dtype=tf.float32)
        tf.nn.bidirectional_dynamic_rnn(tf.nn.rnn_cell.GRUCell(2), tf.nn.rnn_cell.GRUCell(2), x, dtype=tf.float32)
        names = {v.name: v.shape.as_list() for v in tf.global_variables()}
    assert names == {
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0": [9, 20],
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0": [20],
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0": [10, 20],
        "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0": [20],
        "g/rnn/gru_cell/gates/kernel:0": [7, 6], "g/rnn/gru_cell/gates/bias:0": [6],
        "g/rnn/gru_cell/candidate/kernel:0": [7, 3], "g/rnn/gru_cell/candidate/bias:0": [3],
        "l/rnn/lstm_cell/kernel:0": [6, 12], "l/rnn/lstm_cell/bias:0": [12],
        "l/rnn/lstm_cell/w_f_diag:0": [3], "l/rnn/lstm_cell/w_i_diag:0": [3], "l/rnn/lstm_cell/w_o_diag:0": [3],
        "l/rnn/lstm_cell/projection/kernel:0": [3, 2],
        "s/rnn/basic_rnn_cell/kernel:0": [7, 3], "s/rnn/basic_rnn_cell/bias:0": [3],
        "bidirectional_rnn/fw/gru_cell/gates/kernel:0": [6, 4], "bidirectional_rnn/fw/gru_cell/gates/bias:0": [4],
        "bidirectional_rnn/fw/gru_cell/candidate/kernel:0": [6, 2],
        "bidirectional_rnn/fw/gru_cell/candidate/bias:0": [2],
        "bidirectional_rnn/bw/gru_cell/gates/kernel:0": [6, 4], "bidirectional_rnn/bw/gru_cell/gates/bias:0": [4],
        "bidirectional_rnn/bw/gru_cell/candidate/kernel:0": [6, 2],
        "bidirectional_rnn/bw/gru_cell/candidate/bias:0": [2],
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_static_rnn_equals_dynamic_rnn_gru(backend):
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.constant(x)
        cell = tf.nn.rnn_cell.GRUCell(5)
        dyn, dst = tf.nn.dynamic_rnn(cell, xp, dtype=tf.float32, sequence_length=[4, 2])
        sta, sst = tf.nn.static_rnn(cell, tf.unstack(xp, axis=1), dtype=tf.float32, sequence_length=[4, 2])
        sta = tf.stack(sta, axis=1)
        assert len(tf.global_variables()) == 4  # the same cell reuses its variables
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, backend=backend) as s:
        s.run(init)
        d, ds, st, ss = s.run([dyn, dst, sta, sst])
    np.testing.assert_allclose(d, st, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ds, ss, rtol=1e-5, atol=1e-6)
    assert np.all(d[1, 2:] == 0)


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["basic_lstm", "lstm_peep_proj", "gru", "multi"])
def test_cells_against_tensorflow(kind):
    from compat.harness import P, check, load_weights

    def prog(tf):
        if tf.__name__ == "flowjit":
            rc = tf.nn.rnn_cell
        else:  # TF 2's tf.compat.v1.nn.rnn_cell needs Keras 2: the same TF1 cells live in tf_keras
            rc = pytest.importorskip("tf_keras.src.layers.rnn.legacy_cells")
        x = tf.placeholder(tf.float32, [2, 5, 3])
        cell = {"basic_lstm": lambda: rc.BasicLSTMCell(4),
                "lstm_peep_proj": lambda: rc.LSTMCell(4, use_peepholes=True, num_proj=3, cell_clip=0.5),
                "gru": lambda: rc.GRUCell(4),
                "multi": lambda: rc.MultiRNNCell([rc.GRUCell(3), rc.BasicLSTMCell(2)])}[kind]()
        out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=[5, 3], dtype=tf.float32)
        grads = tf.gradients(tf.reduce_sum(out * out), tf.trainable_variables() + [x])
        names = sorted(v.name for v in tf.global_variables())
        feed = {x: np.linspace(-1, 1, 30, dtype=np.float32).reshape(2, 5, 3)}

        def run(sess):
            load_weights(tf, sess)
            return sess.run([out, st, grads], feed)
        return P(run=run, static=names)

    check(prog, names=False, rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrappers(backend):
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.constant(x)
        base = tf.nn.rnn_cell.BasicRNNCell(4)
        h0 = base.zero_state(3, tf.float32)
        out, _ = base(xp, h0)
        res, _ = tf.nn.rnn_cell.ResidualWrapper(base)(xp, h0)
        same, _ = tf.nn.rnn_cell.DropoutWrapper(base)(xp, h0)
        dropped, _ = tf.nn.rnn_cell.DropoutWrapper(base, output_keep_prob=0.5, seed=1)(xp, h0)
        dev, _ = tf.nn.rnn_cell.DeviceWrapper(base, "/cpu:0")(xp, h0)
        assert len(tf.global_variables()) == 2  # wrappers share the wrapped cell's variables
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, backend=backend) as s:
        s.run(init)
        o, r, sm, d, dv = s.run([out, res, same, dropped, dev])
    np.testing.assert_allclose(r, x + o, rtol=1e-6)
    np.testing.assert_array_equal(sm, o)
    np.testing.assert_array_equal(dv, o)
    kept = d != 0
    np.testing.assert_allclose(d[kept], 2 * o[kept], rtol=1e-6)
    with pytest.raises(ValueError, match="between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(base, input_keep_prob=1.5)
