"""Training under flowjit and real TensorFlow: each optimizer's trajectory from identical
weights, learning-rate schedules, layers in training and inference mode, moving averages, and
(flowjit only) Saver round trips."""

import functools
import os

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import flowjit  # noqa: E402

from .harness import MARKS, P, check, data, load_weights  # noqa: E402

pytestmark = MARKS

OPTIMIZERS = {
    "sgd": lambda tf: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda tf: tf.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda tf: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "adam": lambda tf: tf.train.AdamOptimizer(0.01),
    "adam_eps": lambda tf: tf.train.AdamOptimizer(0.05, beta1=0.5, beta2=0.9, epsilon=1e-3),
    "adagrad": lambda tf: tf.train.AdagradOptimizer(0.1),
    "adagrad_init": lambda tf: tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.5),
    "rmsprop": lambda tf: tf.train.RMSPropOptimizer(0.01),
    "rmsprop_momentum": lambda tf: tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.5),
    "rmsprop_centered": lambda tf: tf.train.RMSPropOptimizer(0.01, momentum=0.3, centered=True),
    "adadelta": lambda tf: tf.train.AdadeltaOptimizer(1.0),
    "adadelta_rho": lambda tf: tf.train.AdadeltaOptimizer(0.5, rho=0.8, epsilon=1e-6),
    "ftrl": lambda tf: tf.train.FtrlOptimizer(0.1),
    "ftrl_l1l2": lambda tf: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                                   l2_regularization_strength=0.02),
    "proximal_gd": lambda tf: tf.train.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=0.01,
                                                                        l2_regularization_strength=0.01),
    "proximal_adagrad": lambda tf: tf.train.ProximalAdagradOptimizer(0.1, l1_regularization_strength=0.01),
    "adagrad_da": lambda tf: tf.train.AdagradDAOptimizer(0.1, global_step=tf.train.get_or_create_global_step()),
}


def small_model(tf, opt_name, steps=5):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    w1 = tf.get_variable("w1", [4, 6])
    b1 = tf.get_variable("b1", [6], initializer=tf.zeros_initializer())
    w2 = tf.get_variable("w2", [6, 3])
    b2 = tf.get_variable("b2", [3], initializer=tf.zeros_initializer())
    h = tf.nn.tanh(tf.matmul(x, w1) + b1)
    logits = tf.matmul(h, w2) + b2
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    opt = OPTIMIZERS[opt_name](tf)
    gs = tf.train.get_or_create_global_step()
    train = opt.minimize(loss, global_step=gs)
    feed = {x: data(20, [10, 4]), y: np.arange(10) % 3}
    slot_names = sorted(opt.get_slot_names())
    slots = [opt.get_slot(v, n) for v in (w1, b2) for n in slot_names]

    def run(sess):
        load_weights(tf, sess, var_list=[w1, b1, w2, b2])
        trace = []
        for _ in range(steps):
            _, l = sess.run([train, loss], feed)
            trace.append(l)
        return trace, sess.run([w1, b1, w2, b2, gs] + slots)

    return P(run=run, static=[train, slot_names, slots, [v.name for v in tf.global_variables()]])


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_optimizer_trajectory(opt_name):
    check(functools.partial(small_model, opt_name=opt_name), rtol=2e-5, atol=1e-6)


def gradient_plumbing(tf):
    w = tf.Variable([1.0, -2.0, 3.0], name="w")
    v = tf.Variable([0.5, 0.5], name="v")
    frozen = tf.Variable(1.0, trainable=False, name="frozen")
    loss = tf.reduce_sum(tf.square(w)) + tf.reduce_sum(v * w[:2]) * frozen
    opt = tf.train.GradientDescentOptimizer(0.1)
    gvs = opt.compute_gradients(loss)
    clipped = [(tf.clip_by_value(g, -1.0, 1.0), var) for g, var in gvs]
    step = opt.apply_gradients(clipped, name="clipped_step")
    only_v = tf.train.GradientDescentOptimizer(0.5).minimize(loss, var_list=[v])
    grads, _ = tf.clip_by_global_norm(tf.gradients(loss, [w, v]), 1.0)
    step_norm = tf.train.MomentumOptimizer(0.1, 0.5).apply_gradients(zip(grads, [w, v]))

    def run(sess):
        out = []
        for op in (step, only_v, step_norm, step_norm):
            sess.run(op)
            out.append(sess.run([w, v, frozen]))
        return out

    # (the gradients' own names are TF internals: gradients/mul_grad/tuple/control_dependency)
    return P(run=run, static=[[var.name for g, var in gvs], step, only_v, step_norm])


def test_gradient_plumbing():
    check(gradient_plumbing)


def decays(tf):
    gs = tf.placeholder(tf.int64, [])
    lrs = [tf.train.exponential_decay(0.1, gs, 10, 0.5), tf.train.exponential_decay(0.1, gs, 10, 0.5, staircase=True),
           tf.train.piecewise_constant(gs, [5, 15], [1.0, 0.5, 0.1]),
           tf.train.polynomial_decay(0.1, gs, 20, 0.01), tf.train.polynomial_decay(0.1, gs, 20, 0.01, power=2.0),
           tf.train.polynomial_decay(0.1, gs, 10, 0.01, cycle=True), tf.train.natural_exp_decay(0.1, gs, 10, 0.5),
           tf.train.natural_exp_decay(0.1, gs, 10, 0.5, staircase=True), tf.train.inverse_time_decay(0.1, gs, 10, 0.5),
           tf.train.inverse_time_decay(0.1, gs, 10, 0.5, staircase=True), tf.train.cosine_decay(0.1, gs, 20),
           tf.train.cosine_decay(0.1, gs, 20, alpha=0.1), tf.train.cosine_decay_restarts(0.1, gs, 7),
           tf.train.cosine_decay_restarts(0.1, gs, 5, t_mul=1.5, m_mul=0.8, alpha=0.05),
           tf.train.linear_cosine_decay(0.1, gs, 20)]

    def run(sess):
        return [sess.run(lrs, {gs: step}) for step in (0, 1, 5, 9, 10, 11, 15, 19, 20, 27, 40)]

    return P(run=run, static=[lr.dtype for lr in lrs])


def test_learning_rate_decays():
    check(decays, rtol=1e-5, atol=1e-7)


def decay_drives_optimizer(tf):
    gs = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.5, gs, 2, 0.5, staircase=True)
    w = tf.Variable(3.0)
    train = tf.train.GradientDescentOptimizer(lr).minimize(tf.square(w), global_step=gs)

    def run(sess):
        return [sess.run([train, w, gs, lr])[1:] for _ in range(5)]

    return P(run=run)


def test_decay_drives_optimizer():
    check(decay_drives_optimizer)


def layers_forward(tf, training):
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    c = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    c2 = tf.layers.conv2d(c, 5, [3, 2], strides=2, padding="valid", use_bias=False)
    p = tf.layers.max_pooling2d(c, 2, 2)
    a = tf.layers.average_pooling2d(c, [3, 3], 1, padding="same")
    f = tf.layers.flatten(p)
    d = tf.layers.dense(f, 6, activation=tf.nn.sigmoid)
    bn = tf.layers.batch_normalization(d, training=training, momentum=0.9)
    bn4 = tf.layers.batch_normalization(c, training=training, axis=-1, momentum=0.5)
    bn4b = tf.layers.batch_normalization(tf.transpose(c, [0, 3, 1, 2]), training=training, axis=1, momentum=0.0)
    bn3 = tf.layers.batch_normalization(f[:, :10, None], training=training, axis=1, momentum=0.5)
    dr = tf.layers.dropout(bn, rate=0.0, training=True)
    dr2 = tf.layers.dropout(bn, rate=0.7, training=False)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    outs = [c, c2, p, a, f, d, bn, bn4, bn4b, bn3, dr, dr2]
    feed = {x: data(30, [5, 8, 8, 3])}

    moving = [v for v in tf.global_variables() if "moving" in v.name]

    def run(sess):  # (one fetch list, run twice: each new fetch list is one more plan to compile)
        load_weights(tf, sess, scale=0.2)
        first = sess.run(outs + moving, feed)
        if updates:
            sess.run(updates, feed)
        return first, sess.run(outs + moving, feed)

    return P(run=run, static=[[o.get_shape() for o in outs], [v.name for v in tf.global_variables()], len(updates)])


@pytest.mark.parametrize("training", [True, False])
def test_layers_forward(training):
    check(functools.partial(layers_forward, training=training), rtol=1e-4, atol=1e-5, names="scope")


def batch_norm_training_placeholder(tf):
    """`training` as a bool tensor: one graph, both modes."""
    x = tf.placeholder(tf.float32, [None, 3])
    is_training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(x, training=is_training, momentum=0.5)
    z = tf.contrib.layers.batch_norm(x, is_training=is_training, decay=0.5, scale=True, updates_collections=None)
    img = tf.reshape(x, [2, 3, 3, 1])
    z4 = tf.contrib.layers.batch_norm(img, is_training=is_training, decay=0.5)
    z3 = tf.contrib.layers.batch_norm(tf.reshape(x, [2, 3, 3]), is_training=is_training, decay=0.5)
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(updates):
        train_y = tf.identity(y)
    xv = data(31, [6, 3]) * 3.0 + 1.0

    def run(sess):
        out = []
        for flag in (True, True, False, True, False):
            out.append(sess.run([train_y, z, z4, z3], {x: xv, is_training: flag}))
        out.append(sess.run([v for v in tf.global_variables() if "moving" in v.name]))
        return out

    return P(run=run, static=[[v.name for v in tf.global_variables()]])


def test_batch_norm_training_tensor():
    check(batch_norm_training_placeholder, rtol=1e-5, atol=1e-6)


def train_with_layers(tf, opt_name):
    x = tf.placeholder(tf.float32, [None, 6, 6, 1])
    labels = tf.placeholder(tf.int32, [None])
    training = tf.placeholder_with_default(False, [])
    h = tf.layers.conv2d(x, 3, 3, activation=tf.nn.relu)
    h = tf.layers.batch_normalization(h, training=training)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.dropout(tf.layers.flatten(h), rate=0.0, training=training)
    logits = tf.layers.dense(h, 3)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = OPTIMIZERS[opt_name](tf).minimize(loss)
    feed = {x: data(32, [8, 6, 6, 1]), labels: np.arange(8) % 3, training: True}

    def run(sess):
        load_weights(tf, sess, scale=0.3)
        trace = [sess.run([train, loss], feed)[1] for _ in range(5)]
        return trace, sess.run(tf.global_variables()), sess.run(loss, {x: feed[x], labels: feed[labels]})

    return P(run=run)


@pytest.mark.parametrize("opt_name", ["adam", "momentum"])
def test_training_with_layers(opt_name):
    check(functools.partial(train_with_layers, opt_name=opt_name), rtol=1e-4, atol=1e-5)


def contrib_training(tf):
    """The seed's CNN, trained a few steps with contrib.layers and optimize_loss-free Adam."""
    images = tf.placeholder(tf.float32, [None, 12, 12, 1])
    labels = tf.placeholder(tf.int64, [None])
    x = tf.contrib.layers.conv2d(images, 4, [5, 5])
    x = tf.contrib.layers.max_pool2d(x, [2, 2])
    x = tf.contrib.layers.conv2d(x, 8, [3, 3], weights_regularizer=tf.contrib.layers.l2_regularizer(0.01))
    x = tf.contrib.layers.max_pool2d(x, [2, 2])
    x = tf.contrib.layers.flatten(x)
    x = tf.contrib.layers.fully_connected(x, 16)
    x = tf.contrib.layers.dropout(x, 0.5, is_training=False)
    logits = tf.contrib.layers.linear(x, 10)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    total = tf.losses.get_total_loss()
    train = tf.train.AdamOptimizer(0.01).minimize(total)
    feed = {images: data(33, [6, 12, 12, 1]), labels: [0, 1, 2, 3, 4, 5]}

    def run(sess):
        load_weights(tf, sess, scale=0.2)
        return [sess.run([train, loss, total], feed)[1:] for _ in range(5)]

    return P(run=run, static=[total, [v.name for v in tf.global_variables()]])


def test_contrib_cnn_training():
    check(contrib_training, rtol=1e-4, atol=1e-5)


def moving_average(tf):
    w = tf.Variable(1.0, name="w")
    b = tf.Variable([2.0, 3.0], name="b")
    gs = tf.Variable(0, trainable=False, name="step")
    ema = tf.train.ExponentialMovingAverage(0.9)
    ema_n = tf.train.ExponentialMovingAverage(0.99, num_updates=gs, name="EMAN")
    upd = ema.apply([w, b])
    upd_n = ema_n.apply([w])
    bump = [tf.assign_add(w, 1.0), tf.assign_add(b, [0.5, -0.5]), tf.assign_add(gs, 1)]

    def run(sess):
        out = []
        for _ in range(4):
            sess.run(bump)
            sess.run([upd, upd_n])
            out.append(sess.run([ema.average(w), ema.average(b), ema_n.average(w)]))
        return out

    return P(run=run, static=[ema.average(w), ema.average_name(b), ema_n.average(w), upd, upd_n,
                              sorted(ema.variables_to_restore())])


def test_exponential_moving_average():
    check(moving_average)


# --- Saver (flowjit only: no checkpoint format is shared with TF) ---------------------------

def test_saver_round_trip(tmp_path):
    from .harness import flowjit_backends

    tf = flowjit
    for backend in flowjit_backends():
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, 4])
            y = tf.placeholder(tf.int32, [None])
            logits = tf.layers.dense(tf.layers.dense(x, 5, activation=tf.nn.relu), 3)
            loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
            gs = tf.train.get_or_create_global_step()
            train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=gs)
            saver = tf.train.Saver(max_to_keep=2)
            feed = {x: data(40, [6, 4]), y: np.arange(6) % 3}
            prefix = os.path.join(str(tmp_path), f"model-{backend}")
            with tf.Session(graph=g, backend=backend) as sess:
                sess.run(tf.global_variables_initializer())
                for _ in range(3):
                    sess.run(train, feed)
                path = saver.save(sess, prefix, global_step=gs)
                before = sess.run(tf.global_variables())
                loss_before = sess.run(loss, feed)
                sess.run(train, feed)  # move away, then restore
            assert path.endswith("-3") and tf.train.latest_checkpoint(str(tmp_path)) == path
            with tf.Session(graph=g, backend=backend) as sess:
                saver.restore(sess, path)
                after = sess.run(tf.global_variables())
                assert sess.run(loss, feed) == loss_before
            for a, b in zip(before, after):
                np.testing.assert_array_equal(a, b)
            names = sorted(n for n, _ in tf.train.list_variables(path))
            assert names == sorted(v.op.name for v in tf.global_variables())
            assert "dense/kernel/Adam" in names and "beta1_power" in names
