"""tf.nn.raw_rnn: TF1's loop_fn protocol (the docstring's dynamic_rnn re-implementation agrees
with dynamic_rnn on the same cell; finished rows emit zeros and keep their state; loop_state
travels), gradients, errors, and the same program against real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS

X = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)  # [time, batch, depth]
LENGTHS = np.array([5, 3], np.int32)


def docstring_program(tf, cell, x, lengths, with_loop_state=False):
    """TF1's raw_rnn docstring example (time-major inputs read from a TensorArray)."""
    max_time = x.shape[0]
    inputs_ta = tf.TensorArray(dtype=tf.float32, size=max_time).unstack(x)

    def loop_fn(time, cell_output, cell_state, loop_state):
        emit_output = cell_output  # == None for time == 0
        if cell_output is None:  # time == 0
            next_cell_state = cell.zero_state(2, tf.float32)
            next_loop_state = tf.zeros([2]) if with_loop_state else None
        else:
            next_cell_state = cell_state
            next_loop_state = loop_state + tf.reduce_sum(cell_output, 1) if with_loop_state else None
        elements_finished = time >= lengths
        finished = tf.reduce_all(elements_finished)
        next_input = tf.cond(finished, lambda: tf.zeros([2, 3], dtype=tf.float32), lambda: inputs_ta.read(time))
        return elements_finished, next_input, next_cell_state, emit_output, next_loop_state

    outputs_ta, final_state, final_loop = tf.nn.raw_rnn(cell, loop_fn)
    return outputs_ta.stack(), final_state, final_loop


@pytest.mark.parametrize("backend", BACKENDS)
def test_agrees_with_dynamic_rnn(backend):
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(X)
        cell = tf.nn.rnn_cell.LSTMCell(4)
        raw_out, raw_state, loop = docstring_program(tf, cell, x, LENGTHS, with_loop_state=True)
        dyn_out, dyn_state = tf.nn.dynamic_rnn(cell, x, sequence_length=LENGTHS, dtype=tf.float32, time_major=True)
        assert len(tf.trainable_variables()) == 2  # one cell, one set of weights
        grads = tf.gradients(tf.reduce_sum(raw_out * raw_out), tf.trainable_variables())
        dgrads = tf.gradients(tf.reduce_sum(dyn_out * dyn_out), tf.trainable_variables())
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, backend=backend) as s:
        s.run(init)
        ro, rs, lp, do, ds, rg, dg = s.run([raw_out, raw_state, loop, dyn_out, dyn_state, grads, dgrads])
    np.testing.assert_allclose(ro, do, rtol=1e-5, atol=1e-6)
    for a, b in zip(rs, ds):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.all(ro[3:, 1] == 0)  # row 1 finished after 3 steps: zeros emitted
    # loop_state sums the raw cell outputs (loop_fn sees them unmasked, as in TF): row 0 runs
    # all 5 steps, so its sum is that of its emits
    np.testing.assert_allclose(lp[0], ro[:, 0].sum(), rtol=1e-5, atol=1e-5)
    for a, b in zip(rg, dg):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_errors():
    with tf.Graph().as_default():
        cell = tf.nn.rnn_cell.BasicRNNCell(2)
        with pytest.raises(TypeError, match="loop_fn must be a callable"):
            tf.nn.raw_rnn(cell, None)
        with pytest.raises(ValueError, match="initial cell state"):
            tf.nn.raw_rnn(cell, lambda t, o, s, l: (t >= 1, tf.zeros([1, 2]), None, None, None))


@pytest.mark.tf
def test_against_tensorflow():
    from compat.harness import P, check, load_weights

    def prog(tf):
        if tf.__name__ == "flowjit":
            rc = tf.nn.rnn_cell
        else:
            rc = pytest.importorskip("tf_keras.src.layers.rnn.legacy_cells")
        x = tf.constant(X)
        out, state, loop = docstring_program(tf, rc.GRUCell(3), x, LENGTHS, with_loop_state=True)
        grads = tf.gradients(tf.reduce_sum(out), tf.trainable_variables())

        def run(sess):
            load_weights(tf, sess)
            return sess.run([out, state, loop, grads])
        return P(run=run)

    check(prog, names=False, rtol=2e-4, atol=1e-5)
