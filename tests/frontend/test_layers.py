"""tf.layers, tf.contrib.layers and tf.losses: shapes, names, variables, values vs NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKEND = "reference"


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict=feed)


def np_conv2d(x, w, stride=(1, 1), padding="VALID"):
    """NHWC x, HWIO w, TF's SAME/VALID padding."""
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    sh, sw = stride
    if padding == "SAME":
        oh, ow = -(-h // sh), -(-wd // sw)
        ph = max((oh - 1) * sh + kh - h, 0)
        pw = max((ow - 1) * sw + kw - wd, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // sh + 1, (wd - kw) // sw + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def np_pool(x, k, s, fn):
    n, h, w, c = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = fn(x[:, i * s:i * s + k, j * s:j * s + k, :], axis=(1, 2))
    return out


RNG = np.random.RandomState(0)
X2 = RNG.randn(5, 4).astype(np.float32)
X4 = RNG.randn(2, 7, 6, 3).astype(np.float32)


# --- tf.layers --------------------------------------------------------------------------

def test_dense_names_shapes_and_values():
    x = tf.constant(X2)
    y1 = tf.layers.dense(x, 3, activation=tf.nn.relu)
    y2 = tf.layers.dense(y1, 2)
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    assert y1.shape.as_list() == [5, 3] and y2.shape.as_list() == [5, 2]
    k1, b1, k2, b2, out = run(tf.trainable_variables() + [y2])
    np.testing.assert_array_equal(b1, 0)
    limit = np.sqrt(6.0 / (4 + 3))  # glorot uniform
    assert np.all(np.abs(k1) <= limit)
    want = np.maximum(X2 @ k1 + b1, 0) @ k2 + b2
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)


def test_dense_reuse_and_rank3():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    a = tf.layers.dense(x, 6, name="fc")
    b = tf.layers.dense(x, 6, name="fc", reuse=True)
    assert a.shape.as_list() == [None, 3, 6]
    assert len(tf.trainable_variables()) == 2
    xv = RNG.randn(2, 3, 4).astype(np.float32)
    av, bv, k, bias = run([a, b] + tf.trainable_variables(), {x: xv})
    np.testing.assert_allclose(av, bv)
    np.testing.assert_allclose(av, xv @ k + bias, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)


def test_dense_class_and_scopes():
    layer = tf.layers.Dense(3, use_bias=False, kernel_initializer=tf.ones_initializer())
    with tf.variable_scope("model"):
        y = layer(tf.constant(X2))
    assert [v.name for v in layer.trainable_weights] == ["model/dense/kernel:0"]
    assert layer.kernel.shape.as_list() == [4, 3] and layer.bias is None
    np.testing.assert_allclose(run(y), X2 @ np.ones((4, 3)), rtol=1e-6)


def test_conv2d_layer_values():
    x = tf.constant(X4)
    y = tf.layers.conv2d(x, 5, 3, padding="same", activation=tf.nn.relu)
    z = tf.layers.conv2d(x, 4, (3, 2), strides=2)
    assert [v.name for v in tf.trainable_variables()] == ["conv2d/kernel:0", "conv2d/bias:0",
                                                          "conv2d_1/kernel:0", "conv2d_1/bias:0"]
    assert y.shape.as_list() == [2, 7, 6, 5]
    assert z.shape.as_list() == [2, 3, 3, 4]
    k, b, k2, b2, yv, zv = run(tf.trainable_variables() + [y, z])
    assert k.shape == (3, 3, 3, 5)
    np.testing.assert_allclose(yv, np.maximum(np_conv2d(X4, k, padding="SAME") + b, 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(zv, np_conv2d(X4, k2, (2, 2)) + b2, rtol=1e-4, atol=1e-5)


def test_pooling_and_flatten():
    x = tf.constant(X4)
    mp = tf.layers.max_pooling2d(x, 2, 2)
    ap = tf.layers.average_pooling2d(x, 3, 1)
    fl = tf.layers.flatten(mp)
    assert mp.shape.as_list() == [2, 3, 3, 3]
    assert ap.shape.as_list() == [2, 5, 4, 3]
    assert fl.shape.as_list() == [2, 27]
    mpv, apv, flv = run([mp, ap, fl])
    np.testing.assert_allclose(mpv, np_pool(X4, 2, 2, np.max), rtol=1e-6)
    np.testing.assert_allclose(apv, np_pool(X4, 3, 1, np.mean), rtol=1e-5)
    np.testing.assert_allclose(flv, mpv.reshape(2, 27))
    same = tf.layers.max_pooling2d(x, 2, 2, padding="same")
    assert same.shape.as_list() == [2, 4, 3, 3]
    dyn = tf.layers.flatten(tf.placeholder(tf.float32, [None, 2, 3]))
    assert dyn.shape.as_list() == [None, 6]


def test_dropout_training_flag():
    x = tf.constant(np.ones((200, 50), np.float32))
    off = tf.layers.dropout(x, 0.3, training=False)
    on = tf.layers.dropout(x, 0.3, training=True)
    flag = tf.placeholder(tf.bool, [])
    dyn = tf.layers.dropout(x, 0.3, training=flag)
    with tf.Session(backend=BACKEND) as sess:
        np.testing.assert_array_equal(sess.run(off), 1.0)
        v = sess.run(on)
        assert np.all(np.isclose(v, 0.0) | np.isclose(v, 1 / 0.7))
        assert 0.6 < np.mean(v != 0) < 0.8
        np.testing.assert_array_equal(sess.run(dyn, {flag: False}), 1.0)
        d = sess.run(dyn, {flag: True})
        assert 0.6 < np.mean(d != 0) < 0.8


def test_batch_normalization_training_and_inference():
    x = tf.placeholder(tf.float32, [None, 3])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(x, momentum=0.9, epsilon=1e-3, training=training)
    names = sorted(v.name for v in tf.global_variables())
    assert names == ["batch_normalization/beta:0", "batch_normalization/gamma:0",
                     "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert sorted(v.name for v in tf.trainable_variables()) == ["batch_normalization/beta:0",
                                                                "batch_normalization/gamma:0"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    xv = RNG.randn(8, 3).astype(np.float32) * 3 + 1
    mean, var = xv.mean(0), xv.var(0)
    mm, mv = tf.global_variables()[2:4]
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, updates], {x: xv, training: True})
        np.testing.assert_allclose(out, (xv - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(sess.run(mm), 0.1 * mean, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sess.run(mv), 0.9 + 0.1 * var, rtol=1e-5)
        mmv, mvv = sess.run([mm, mv])
        inf = sess.run(y, {x: xv, training: False})
        np.testing.assert_allclose(inf, (xv - mmv) / np.sqrt(mvv + 1e-3), rtol=1e-4, atol=1e-5)
        sess.run(updates, {x: xv, training: False})  # not training: the moving stats stay
        np.testing.assert_allclose(sess.run(mm), mmv, rtol=1e-6)


def test_batch_normalization_static_flags_and_axis():
    x = tf.constant(X4)
    y_inf = tf.layers.batch_normalization(x, training=False)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    y_tr = tf.layers.batch_normalization(x, axis=1, training=True)
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2
    v_inf, v_tr = run([y_inf, y_tr])
    np.testing.assert_allclose(v_inf, X4 / np.sqrt(1 + 1e-3), rtol=1e-5)
    mean = X4.mean(axis=(0, 2, 3), keepdims=True)
    var = X4.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(v_tr, (X4 - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)


def test_layer_trains_with_optimizer():
    rng = np.random.RandomState(1)
    xv = rng.randn(64, 3).astype(np.float32)
    yv = (xv @ np.array([[1.0], [-2.0], [0.5]]) + 0.25).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    pred = tf.layers.dense(x, 1)
    loss = tf.losses.mean_squared_error(y, pred)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xv, y: yv})
        for _ in range(100):
            sess.run(train, {x: xv, y: yv})
        assert sess.run(loss, {x: xv, y: yv}) < 1e-3 * first


# --- tf.contrib.layers ------------------------------------------------------------------

def test_contrib_seed_cnn_builds_with_tf1_defaults():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    net = tf.contrib.layers.conv2d(x, 32, kernel_size=[5, 5])
    assert net.shape.as_list() == [None, 28, 28, 32]  # padding SAME
    net = tf.contrib.layers.max_pool2d(net, kernel_size=[2, 2])
    assert net.shape.as_list() == [None, 14, 14, 32]  # stride 2
    net = tf.contrib.layers.conv2d(net, 64, kernel_size=[5, 5])
    net = tf.contrib.layers.max_pool2d(net, kernel_size=[2, 2])
    net = tf.contrib.layers.flatten(net)
    assert net.shape.as_list() == [None, 7 * 7 * 64]
    net = tf.contrib.layers.fully_connected(net, 1024, activation_fn=tf.nn.relu)
    net = tf.contrib.layers.dropout(net, 0.5)
    logits = tf.contrib.layers.linear(net, 10)
    assert logits.shape.as_list() == [None, 10]
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["Conv/weights:0", "Conv/biases:0", "Conv_1/weights:0", "Conv_1/biases:0",
                     "fully_connected/weights:0", "fully_connected/biases:0",
                     "fully_connected_1/weights:0", "fully_connected_1/biases:0"]
    assert [v.shape.as_list() for v in tf.trainable_variables()][:2] == [[5, 5, 1, 32], [32]]
    assert tf.get_collection(tf.GraphKeys.MODEL_VARIABLES) == tf.trainable_variables()


def test_contrib_values():
    tf.set_random_seed(1)  # fixed weights: the linear layer's outputs include negatives (no activation)
    x = tf.constant(X4)
    conv = tf.contrib.layers.conv2d(x, 4, 3)
    fc = tf.contrib.layers.fully_connected(tf.constant(X2), 3)
    lin = tf.contrib.layers.linear(tf.constant(X2), 3)
    w, b, fw, fb, lw, lb, cv, fv, lv = run(tf.trainable_variables() + [conv, fc, lin])
    np.testing.assert_allclose(cv, np.maximum(np_conv2d(X4, w, padding="SAME") + b, 0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fv, np.maximum(X2 @ fw + fb, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(lv, X2 @ lw + lb, rtol=1e-5, atol=1e-6)
    assert (lv < 0).any()


def test_contrib_dropout_keep_prob_and_is_training():
    x = tf.constant(np.ones((100, 100), np.float32))
    d = tf.contrib.layers.dropout(x)  # keep_prob=0.5, is_training=True
    e = tf.contrib.layers.dropout(x, 0.8, is_training=False)
    dv, ev = run([d, e])
    assert 0.4 < np.mean(dv != 0) < 0.6
    np.testing.assert_allclose(dv[dv != 0], 2.0)
    np.testing.assert_array_equal(ev, 1.0)


def test_xavier_and_variance_scaling_initializers():
    tf.set_random_seed(3)
    w = tf.get_variable("w", [200, 300], initializer=tf.contrib.layers.xavier_initializer())
    h = tf.get_variable("h", [100, 400], initializer=tf.contrib.layers.variance_scaling_initializer())
    wv, hv = run([w, h])
    limit = np.sqrt(6.0 / 500)
    assert np.abs(wv).max() <= limit and np.abs(wv).max() > 0.95 * limit
    assert abs(wv.std() - limit / np.sqrt(3)) < 0.05 * limit
    # truncated normal, stddev sqrt(1.3 * 2 / fan_in) before truncation
    assert np.abs(hv).max() <= 2 * np.sqrt(2.6 / 100) + 1e-6
    assert abs(hv.std() - np.sqrt(2.0 / 100)) < 0.1 * np.sqrt(2.0 / 100)


def test_l2_regularizer_and_total_loss():
    reg = tf.contrib.layers.l2_regularizer(0.1)
    w = tf.get_variable("w", initializer=np.array([1.0, 2.0, -3.0], np.float32), regularizer=reg)
    assert tf.contrib.layers.l2_regularizer(0.0)(w) is None
    with pytest.raises(ValueError):
        tf.contrib.layers.l2_regularizer(-1.0)
    reg_losses = tf.losses.get_regularization_losses()
    assert len(reg_losses) == 1
    data_loss = tf.losses.absolute_difference(tf.constant([1.0, 1.0, 1.0]), w.value())
    total = tf.losses.get_total_loss()
    l1 = tf.contrib.layers.l1_regularizer(0.5)(w)
    rv, dv, tv, l1v = run([reg_losses[0], data_loss, total, l1])
    np.testing.assert_allclose(rv, 0.1 * 14 / 2, rtol=1e-6)
    np.testing.assert_allclose(dv, (0 + 1 + 4) / 3, rtol=1e-6)
    np.testing.assert_allclose(tv, rv + dv, rtol=1e-6)
    np.testing.assert_allclose(l1v, 3.0, rtol=1e-6)


def test_contrib_regularized_layer_and_batch_norm():
    x = tf.constant(X4)
    y = tf.contrib.layers.conv2d(x, 2, 3, weights_regularizer=tf.contrib.layers.l2_regularizer(0.01),
                                 normalizer_fn=tf.contrib.layers.batch_norm,
                                 normalizer_params={"is_training": True, "decay": 0.9})
    names = sorted(v.name for v in tf.global_variables())
    assert names == ["Conv/BatchNorm/beta:0", "Conv/BatchNorm/moving_mean:0", "Conv/BatchNorm/moving_variance:0",
                     "Conv/weights:0"]
    assert len(tf.losses.get_regularization_losses()) == 1
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2
    out = run(y)
    assert out.shape == (2, 7, 6, 2) and (out >= 0).all()


def test_optimize_loss():
    w = tf.Variable(np.array([3.0, -4.0], np.float32), name="w")
    loss = tf.reduce_sum(tf.square(w))
    gs = tf.train.get_or_create_global_step()
    train = tf.contrib.layers.optimize_loss(loss, gs, learning_rate=0.1, optimizer="SGD", clip_gradients=1.0)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        g = np.array([6.0, -8.0])
        np.testing.assert_allclose(sess.run(w), [3.0, -4.0] - 0.1 * g / 10.0, rtol=1e-6)
        assert sess.run(gs) == 1


# --- tf.losses --------------------------------------------------------------------------

def test_losses_match_numpy():
    labels = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    logits = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]], np.float32)
    preds = np.array([[0.5, 3.0, -1.0], [1.0, 0.0, 2.5]], np.float32)
    weights = np.array([[1.0], [0.0]], np.float32)
    sparse = np.array([1, 0])
    lse = np.log(np.exp(logits).sum(1))
    xent = lse - (labels * logits).sum(1)
    err = preds - labels
    huber = np.where(np.abs(err) <= 1.0, 0.5 * err ** 2, np.abs(err) - 0.5)
    sig = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    fetches = {
        "mse": (tf.losses.mean_squared_error(labels, preds), np.mean(err ** 2)),
        "mse_w": (tf.losses.mean_squared_error(labels, preds, weights=weights), np.mean(err[0] ** 2)),
        "mse_none": (tf.losses.mean_squared_error(labels, preds, reduction=tf.losses.Reduction.NONE), err ** 2),
        "mse_sum": (tf.losses.mean_squared_error(labels, preds, reduction=tf.losses.Reduction.SUM), np.sum(err ** 2)),
        "abs": (tf.losses.absolute_difference(labels, preds), np.mean(np.abs(err))),
        "huber": (tf.losses.huber_loss(labels, preds), np.mean(huber)),
        "softmax": (tf.losses.softmax_cross_entropy(labels, logits), np.mean(xent)),
        "sparse": (tf.losses.sparse_softmax_cross_entropy(sparse, logits), np.mean(xent)),
        "sigmoid": (tf.losses.sigmoid_cross_entropy(labels, logits), np.mean(sig)),
    }
    got = run({k: v[0] for k, v in fetches.items()})
    for k, (_, want) in fetches.items():
        np.testing.assert_allclose(got[k], want, rtol=1e-5, atol=1e-6, err_msg=k)
    assert len(tf.losses.get_losses()) == len(fetches)
    with pytest.raises(ValueError):
        tf.losses.compute_weighted_loss(tf.constant([1.0]), reduction="bogus")


@pytest.mark.tf
def test_layers_forward_match_tensorflow():
    """tf.layers (Keras 3 has no tf.compat.v1.layers) against TF's own nn ops with the same weights."""
    tensorflow = pytest.importorskip("tensorflow")
    tf1 = tensorflow.compat.v1
    x = tf.constant(X4)
    y = tf.layers.conv2d(x, 5, 3, padding="same", activation=tf.nn.relu)
    y = tf.layers.max_pooling2d(y, 2, 2)
    y = tf.layers.dense(tf.layers.flatten(y), 4)
    k, b, k2, b2, got = run(tf.trainable_variables() + [y])
    g = tf1.Graph()
    with g.as_default():
        t = tf1.nn.relu(tf1.nn.bias_add(tf1.nn.conv2d(tf1.constant(X4), k, [1, 1, 1, 1], "SAME"), b))
        t = tf1.nn.max_pool(t, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        t = tf1.matmul(tf1.reshape(t, [2, -1]), k2) + b2
        with tf1.Session(graph=g) as sess:
            want = sess.run(t)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_batch_norm_and_dropout_network_trains_with_update_ops():
    rng = np.random.RandomState(2)
    xv = rng.randn(64, 5).astype(np.float32) * 4 + 2
    yv = (xv[:, 0] - xv[:, 1] > 0).astype(np.int64)
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.placeholder(tf.int64, [None])
    training = tf.placeholder_with_default(True, [])
    h = tf.layers.dense(x, 16)
    h = tf.nn.relu(tf.layers.batch_normalization(h, training=training))
    h = tf.layers.dropout(h, 0.1, training=training)
    logits = tf.layers.dense(h, 2)
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.AdamOptimizer(0.05).minimize(loss)
    moving_mean = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss, {x: xv, y: yv, training: False})
        for _ in range(60):
            sess.run(train, {x: xv, y: yv})
        assert np.abs(sess.run(moving_mean)).sum() > 0  # the update ops ran with the step
        assert sess.run(loss, {x: xv, y: yv, training: False}) < 0.5 * first
