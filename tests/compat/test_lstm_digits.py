"""An LSTM classifier reading scikit-learn's 8x8 digits row by row (8 time steps of 8 pixels,
`dynamic_rnn` over a BasicLSTMCell, a dense layer on the final h, Adam): under flowjit it
learns the digits, and under flowjit and TensorFlow, from the same weights and batches, it
follows the same loss curve to the same test accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from compat.harness import P, check, load_weights

STEPS, BATCH, HIDDEN = 150, 64, 32


def digit_rows():
    pytest.importorskip("sklearn")
    from flowjit.examples.tutorials.mnist import input_data

    d = input_data.load_digits()
    return (d.train.images.reshape(-1, 8, 8), d.train.labels, d.test.images.reshape(-1, 8, 8), d.test.labels)


def program(tf, rnn_cell):
    tr_x, tr_y, te_x, te_y = digit_rows()
    x = tf.placeholder(tf.float32, [None, 8, 8], name="rows")
    y = tf.placeholder(tf.int64, [None], name="labels")
    _, state = tf.nn.dynamic_rnn(rnn_cell.BasicLSTMCell(HIDDEN), x, dtype=tf.float32)
    w = tf.get_variable("dense/kernel", [HIDDEN, 10])
    b = tf.get_variable("dense/bias", [10])
    logits = tf.matmul(state.h, w) + b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

    def run(sess):
        load_weights(tf, sess)
        losses = []
        for step in range(STEPS):
            lo = (step * BATCH) % (len(tr_x) - BATCH)
            losses.append(sess.run([train, loss], {x: tr_x[lo:lo + BATCH], y: tr_y[lo:lo + BATCH]})[1])
        return [np.array(losses[::25], np.float32), sess.run(accuracy, {x: te_x, y: te_y})]
    return P(run=run, static=sorted(v.name for v in tf.trainable_variables()))


def test_lstm_learns_the_digits():
    import flowjit as tf

    g = tf.Graph()
    with g.as_default():
        p = program(tf, tf.nn.rnn_cell)
        init = tf.global_variables_initializer()
    with tf.Session(graph=g) as sess:
        sess.run(init)
        losses, accuracy = p.run(sess)
    assert losses[-1] < 0.5 * losses[0], losses
    assert accuracy >= 0.8, accuracy  # chance is 0.1; TF reaches the same (test below)
    assert p.static == ["dense/bias:0", "dense/kernel:0", "rnn/basic_lstm_cell/bias:0", "rnn/basic_lstm_cell/kernel:0"]


@pytest.mark.tf
@pytest.mark.slow
def test_same_curve_and_accuracy_as_tensorflow():
    def prog(tf):
        if tf.__name__ == "flowjit":
            return program(tf, tf.nn.rnn_cell)
        return program(tf, pytest.importorskip("tf_keras.src.layers.rnn.legacy_cells"))

    check(prog, rtol=2e-2, atol=1e-3)
