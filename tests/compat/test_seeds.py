"""The seeds' programs, unchanged, under flowjit and real TensorFlow."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check, data, load_weights  # noqa: E402

pytestmark = MARKS


def linear_regression(tf):
    """Seed 004: y = W * x + b with get_variable, GradientDescentOptimizer(0.5), initialize_all_variables."""
    x = tf.placeholder(shape=[None], dtype=tf.float32, name="x")
    y_label = tf.placeholder(shape=[None], dtype=tf.float32, name="y_label")
    W = tf.get_variable(shape=[], name="W")
    b = tf.get_variable(shape=[], name="b")
    y = W * x + b
    loss = tf.reduce_mean(tf.square(y - y_label))
    optimizer = tf.train.GradientDescentOptimizer(0.5)
    train = optimizer.minimize(loss)
    init_op = tf.initialize_all_variables()
    # glorot_uniform for a scalar: limit sqrt(6 / (1 + 1))
    in_bounds = tf.logical_and(tf.abs(W) <= np.sqrt(3.0), tf.abs(b) <= np.sqrt(3.0))
    x_in = np.random.RandomState(0).rand(100).astype(np.float32)
    y_in = (0.1 * x_in + 0.3).astype(np.float32)

    def run(sess):
        sess.run(init_op)
        ok = sess.run(in_bounds)
        W.load(-0.5, sess)
        b.load(0.25, sess)
        first = sess.run(y, feed_dict={x: 3.0 * np.ones(1, np.float32)})
        losses = []
        for i in range(40):
            _, l = sess.run([train, loss], feed_dict={x: x_in, y_label: y_in})
            losses.append(l)
        # per-example updates, as on the slide
        for i in range(10):
            sess.run(train, feed_dict={x: x_in[i:i + 1], y_label: y_in[i:i + 1]})
        return ok, first, losses, sess.run([W, b])

    return P(run=run, init=False,
             static=[W, b, y, loss, train, init_op, tf.global_variables(), tf.trainable_variables(),
                     y.get_shape(), loss.get_shape()])


def test_linear_regression():
    check(linear_regression, expect="ok")


def softmax_regression(tf):
    """Seed 000: softmax regression on digits (8x8 images here), the TF tutorial's program."""
    x = tf.placeholder(tf.float32, [None, 64])
    W = tf.Variable(tf.zeros([64, 10]))
    b = tf.Variable(tf.zeros([10]))
    y = tf.nn.softmax(tf.matmul(x, W) + b)
    y_ = tf.placeholder(tf.float32, [None, 10])
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), reduction_indices=[1]))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    rng = np.random.RandomState(3)
    protos = rng.rand(10, 64).astype(np.float32)
    labels = rng.randint(0, 10, size=200)
    images = (protos[labels] + 0.3 * rng.rand(200, 64)).astype(np.float32)
    onehot = np.eye(10, dtype=np.float32)[labels]

    def run(sess):
        trace = []
        for i in range(20):
            batch = slice((i * 20) % 200, (i * 20) % 200 + 20)
            _, ce = sess.run([train_step, cross_entropy], feed_dict={x: images[batch], y_: onehot[batch]})
            trace.append(ce)
        acc, pred = sess.run([accuracy, correct_prediction], feed_dict={x: images, y_: onehot})
        return trace, acc, pred, sess.run(W)[:3], sess.run(b)

    return P(run=run, static=[x, W, b, y, y_, cross_entropy, train_step, correct_prediction, accuracy])


def test_softmax_regression():
    check(softmax_regression, expect="ok", rtol=1e-4, atol=1e-5)


def contrib_cnn(tf, is_training=False):
    """Seed 004: the contrib.layers convolutional network's forward pass."""
    images = tf.placeholder(tf.float32, [None, 28, 28, 1], name="images")
    x = tf.contrib.layers.conv2d(images, num_outputs=8, kernel_size=[5, 5])
    x = tf.contrib.layers.max_pool2d(x, kernel_size=[2, 2])
    x = tf.contrib.layers.conv2d(x, num_outputs=16, kernel_size=[5, 5])
    x = tf.contrib.layers.max_pool2d(x, kernel_size=[2, 2])
    x = tf.contrib.layers.flatten(x)
    x = tf.contrib.layers.fully_connected(x, 32, activation_fn=tf.nn.relu)
    x = tf.contrib.layers.dropout(x, 0.5, is_training=is_training)
    logits = tf.contrib.layers.linear(x, 10)
    feed = {images: data(1, [4, 28, 28, 1])}

    def run(sess):
        load_weights(tf, sess, scale=0.1)
        out = sess.run(logits, feed)
        return out

    shapes = [t.get_shape() for t in tf.get_default_graph().get_operations()[0].outputs]
    return P(run=run, static=[logits, tf.global_variables(), tf.trainable_variables(),
                              tf.model_variables(), shapes])


def test_contrib_cnn_forward():
    check(contrib_cnn, expect="ok", rtol=1e-4, atol=1e-5)


def contrib_cnn_dropout_statistics(tf):
    """contrib dropout(0.5) while training: half the units zeroed, the rest doubled."""
    x = tf.ones([200, 100])
    d = tf.contrib.layers.dropout(x, 0.5)
    kept = tf.reduce_mean(tf.cast(tf.not_equal(d, 0.0), tf.float32))
    values = tf.reduce_max(d), tf.reduce_min(tf.where(tf.equal(d, 0.0), 2.0 * tf.ones_like(d), d))
    near_half = tf.logical_and(kept > 0.45, kept < 0.55)
    # (the output's name is TF-version specific: TF 2 builds dropout from a SelectV2)
    return P(fetch=[near_half, values], static=[d.get_shape()])


def test_contrib_dropout_statistics():
    check(contrib_cnn_dropout_statistics, expect="ok")
