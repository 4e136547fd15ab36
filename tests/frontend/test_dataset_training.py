"""A training loop fed by tf.data reaches the accuracy of the same loop fed with feed_dict."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

N, D, BATCH, STEPS = 512, 4, 32, 120


def _data():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, D)).astype(np.float32)
    w = np.array([1.5, -2.0, 0.5, 1.0], np.float32)
    y = (x @ w + 0.3 * rng.normal(size=N) > 0).astype(np.int32)
    return x, y


def _model(x, y):
    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        w = tf.get_variable("w", [D, 2], initializer=tf.zeros_initializer())
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return loss, w, b


def _accuracy(sess, w, b, x, y):
    wv, bv = sess.run([w, b])
    return float(np.mean(np.argmax(x @ wv + bv, axis=1) == y))


def _train_feed(x, y, backend):
    with tf.Graph().as_default():
        xp, yp = tf.placeholder(tf.float32, [None, D]), tf.placeholder(tf.int32, [None])
        loss, w, b = _model(xp, yp)
        step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            for i in range(STEPS):
                k = (i * BATCH) % N
                sess.run(step, {xp: x[k:k + BATCH], yp: y[k:k + BATCH]})
            return _accuracy(sess, w, b, x, y), sess.run(w)


def _train_data(x, y, backend, shuffle):
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle:
            ds = ds.shuffle(N, seed=1)
        ds = ds.repeat().batch(BATCH, drop_remainder=True).prefetch(2)
        xb, yb = ds.make_one_shot_iterator().get_next()
        assert xb.get_shape().as_list() == [BATCH, D]
        loss, w, b = _model(xb, yb)
        step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(step)
            return _accuracy(sess, w, b, x, y), sess.run(w)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_tf_data_training_matches_feed_dict(backend):
    x, y = _data()
    acc_feed, w_feed = _train_feed(x, y, backend)
    acc_data, w_data = _train_data(x, y, backend, shuffle=False)
    # the same batches in the same order: the same weights up to float rounding
    np.testing.assert_allclose(w_data, w_feed, rtol=1e-5, atol=1e-6)
    assert abs(acc_data - acc_feed) < 1e-9
    acc_shuffled, _ = _train_data(x, y, backend, shuffle=True)
    assert acc_feed > 0.85
    assert abs(acc_shuffled - acc_feed) < 0.03  # stated tolerance: 3 points of accuracy
