"""Gradients of the nn ops: tf.gradients against central finite differences in float64
(reference backend), and against real TensorFlow when installed."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

RNG = np.random.default_rng(99)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def away_from(values, points, margin=0.05):
    """Nudge values off the kinks of piecewise functions (finite differences straddle them)."""
    out = values.copy()
    for p in points:
        near = np.abs(out - p) < margin
        out[near] = p + np.where(out[near] >= p, margin, -margin) * 2
    return out


def check_gradients(build, inputs, delta=1e-6, rtol=1e-6, atol=1e-8, weights=None):
    """d sum(build(*xs) * c) / d xs by tf.gradients versus central differences, c random."""
    phs = [tf.placeholder(tf.float64, a.shape, name=f"x{k}") for k, a in enumerate(inputs)]
    y = build(*phs)
    with tf.Session(backend="reference") as s:
        feed = dict(zip(phs, inputs))
        y0 = s.run(y, feed)
        c = RNG.standard_normal(np.shape(y0)) if weights is None else weights
        loss = tf.reduce_sum(y * tf.constant(c))
        grads = tf.gradients(loss, phs)
        assert all(g is not None for g in grads), grads
        analytic = s.run(grads, feed)
        for k, a in enumerate(inputs):
            assert analytic[k].shape == a.shape and analytic[k].dtype == np.float64
            numeric = np.zeros_like(a)
            for idx in np.ndindex(a.shape):
                plus, minus = a.copy(), a.copy()
                plus[idx] += delta
                minus[idx] -= delta
                lp = s.run(loss, {**feed, phs[k]: plus})
                lm = s.run(loss, {**feed, phs[k]: minus})
                numeric[idx] = (lp - lm) / (2 * delta)
            np.testing.assert_allclose(analytic[k], numeric, rtol=rtol, atol=atol, err_msg=f"input {k}")
    return analytic


# --- activations --------------------------------------------------------------------

@pytest.mark.parametrize("name,kinks", [("relu", [0]), ("relu6", [0, 6]), ("elu", [0]), ("selu", [0]),
                                        ("leaky_relu", [0]), ("softplus", []), ("softsign", [0]),
                                        ("sigmoid", []), ("tanh", [])])
def test_activation_gradients(name, kinks):
    x = away_from(RNG.uniform(-8, 8, size=(3, 5)), kinks)
    check_gradients(getattr(tf.nn, name), [x])


def test_activation_gradient_op_types():
    x = tf.placeholder(tf.float32, [3])
    for fn, grad_op in [(tf.nn.relu, "ReluGrad"), (tf.nn.relu6, "Relu6Grad"), (tf.nn.elu, "EluGrad"),
                        (tf.nn.selu, "SeluGrad"), (tf.nn.leaky_relu, "LeakyReluGrad"),
                        (tf.nn.softplus, "SoftplusGrad"), (tf.nn.softsign, "SoftsignGrad")]:
        (g,) = tf.gradients(fn(x), x)
        assert g.op.type == grad_op
        assert g.dtype == tf.float32


def test_softplus_gradient_large_inputs_float32():
    x = tf.constant(np.array([-1e4, -100.0, 0.0, 100.0, 1e4], np.float32))
    (g,) = tf.gradients(tf.nn.softplus(x), x)
    with tf.Session(backend="reference") as s:
        got = s.run(g)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, [0, 3.7e-44, 0.5, 1, 1], atol=1e-40)


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "leaky_relu", "softplus", "softsign", "relu6"])
def test_activation_second_derivatives(name):
    kinks = {"relu6": [0, 6]}.get(name, [0])
    x0 = away_from(RNG.uniform(-3, 7, size=(6,)), kinks)

    def first_grad(x):
        return tf.gradients(tf.reduce_sum(getattr(tf.nn, name)(x) * tf.constant(np.linspace(0.5, 2, 6))), x)[0]

    check_gradients(first_grad, [x0], rtol=1e-5)


# --- softmax ------------------------------------------------------------------------

@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_gradients(fn):
    check_gradients(getattr(tf.nn, fn), [RNG.standard_normal((3, 4)) * 3])


def test_softmax_gradient_other_axis():
    check_gradients(lambda x: tf.nn.softmax(x, axis=0), [RNG.standard_normal((3, 4))])


# --- bias_add -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt,bias_len", [("NHWC", 3), ("NCHW", 4)])
def test_bias_add_gradients(fmt, bias_len):
    check_gradients(lambda x, b: tf.nn.bias_add(x, b, data_format=fmt),
                    [RNG.standard_normal((2, 4, 2, 3)), RNG.standard_normal(bias_len)])


def test_bias_add_grad_second_order():
    def first(x, b):
        y = tf.nn.bias_add(x, b)
        return tf.gradients(tf.reduce_sum(tf.square(y)), b)[0]

    check_gradients(first, [RNG.standard_normal((2, 3)), RNG.standard_normal(3)])


# --- convolution --------------------------------------------------------------------

@pytest.mark.parametrize("strides,padding,dilations", [((1, 1), "SAME", (1, 1)), ((1, 1), "VALID", (1, 1)),
                                                       ((2, 2), "SAME", (1, 1)), ((2, 1), "VALID", (1, 1)),
                                                       ((1, 1), "SAME", (2, 2)), ((1, 1), "VALID", (1, 2))])
def test_conv2d_gradients(strides, padding, dilations):
    x = RNG.standard_normal((2, 5, 4, 2))
    w = RNG.standard_normal((3, 2, 2, 2))
    grads = check_gradients(lambda a, b: tf.nn.conv2d(a, b, [1, *strides, 1], padding, dilations=[1, *dilations, 1]),
                            [x, w])
    assert grads[0].shape == x.shape


def test_conv2d_gradient_op_types_and_float32():
    x = tf.placeholder(tf.float32, [1, 4, 4, 1])
    w = tf.constant(np.ones((2, 2, 1, 1), np.float32))
    gx, gw = tf.gradients(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), [x, w])
    assert gx.op.type == "Conv2DBackpropInput" and gw.op.type == "Conv2DBackpropFilter"
    with tf.Session(backend="reference") as s:
        a, b = s.run([gx, gw], {x: np.ones((1, 4, 4, 1))})
    assert a.dtype == np.float32 and b.dtype == np.float32


def test_conv2d_gradient_dynamic_shapes():
    x = tf.placeholder(tf.float64, [None, None, None, 2])
    w = tf.constant(RNG.standard_normal((3, 3, 2, 1)))
    y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    gx, gw = tf.gradients(tf.reduce_sum(y), [x, w])
    xv = RNG.standard_normal((1, 5, 5, 2))
    with tf.Session(backend="reference") as s:
        a, b = s.run([gx, gw], {x: xv})
    assert a.shape == xv.shape and b.shape == (3, 3, 2, 1)


@pytest.mark.parametrize("strides,padding", [((2, 2), "SAME"), ((1, 1), "VALID")])
def test_conv2d_transpose_gradients(strides, padding):
    out_shape = [1, 5, 4, 2]
    oh = 3 if padding == "SAME" else 3
    ow = 2 if padding == "SAME" else 2
    dy = RNG.standard_normal((1, oh, ow, 3))
    w = RNG.standard_normal((3, 3, 2, 3))
    check_gradients(lambda v, f: tf.nn.conv2d_transpose(v, f, out_shape, [1, *strides, 1], padding), [dy, w])


def test_conv2d_backprop_filter_gradients():
    x = RNG.standard_normal((1, 4, 4, 2))
    dy = RNG.standard_normal((1, 2, 2, 2))
    check_gradients(lambda a, d: tf.nn.conv2d_backprop_filter(a, [2, 2, 2, 2], d, [1, 2, 2, 1], "SAME"), [x, dy])


def test_depthwise_conv2d_gradients():
    x = RNG.standard_normal((1, 5, 5, 2))
    w = RNG.standard_normal((3, 3, 2, 2))
    check_gradients(lambda a, b: tf.nn.depthwise_conv2d(a, b, [1, 2, 2, 1], "SAME"), [x, w])


# --- pooling ------------------------------------------------------------------------

@pytest.mark.parametrize("k,strides,padding", [((2, 2), (2, 2), "VALID"), ((3, 3), (2, 2), "SAME"),
                                               ((3, 2), (1, 1), "SAME"), ((2, 3), (1, 2), "VALID")])
@pytest.mark.parametrize("pool", ["max_pool", "avg_pool"])
def test_pool_gradients(pool, k, strides, padding):
    x = RNG.permutation(50).reshape(1, 5, 5, 2).astype(np.float64) / 7  # distinct values: no ties
    check_gradients(lambda a: getattr(tf.nn, pool)(a, [1, *k, 1], [1, *strides, 1], padding), [x])


def test_max_pool_with_argmax_gradient():
    x = RNG.permutation(40).reshape(1, 5, 4, 2).astype(np.float64)
    check_gradients(lambda a: tf.nn.max_pool_with_argmax(a, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")[0], [x])


def test_max_pool_gradient_ties_go_to_first_max():
    x = tf.constant(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [2.0, 2.0, 2.0]]).reshape(1, 3, 3, 1))
    y = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    assert g.op.type == "MaxPoolGrad"
    with tf.Session(backend="reference") as s:
        got = s.run(g)[0, :, :, 0]
    np.testing.assert_array_equal(got, [[1, 1, 0], [0, 0, 0], [1, 1, 0]])


def test_max_pool_second_order():
    x0 = RNG.permutation(32).reshape(1, 4, 4, 2).astype(np.float64)

    def first(x):
        y = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        return tf.gradients(tf.reduce_sum(tf.square(y)), x)[0]

    check_gradients(first, [x0], rtol=1e-5)


def test_avg_pool_second_order():
    def first(x):
        y = tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        return tf.gradients(tf.reduce_sum(tf.square(y)), x)[0]

    check_gradients(first, [RNG.standard_normal((1, 4, 4, 1))])


def test_lrn_gradient():
    x = RNG.standard_normal((1, 2, 2, 6))
    check_gradients(lambda a: tf.nn.lrn(a, depth_radius=2, bias=1.5, alpha=0.3, beta=0.75), [x])


# --- losses -------------------------------------------------------------------------

def test_l2_loss_gradient():
    check_gradients(tf.nn.l2_loss, [RNG.standard_normal((3, 2))])


def test_softmax_xent_gradients_logits_and_labels():
    logits = RNG.standard_normal((3, 4)) * 2
    labels = np.exp(RNG.standard_normal((3, 4)))
    labels /= labels.sum(1, keepdims=True)
    check_gradients(lambda lg, lb: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lb, logits=lg),
                    [logits, labels])


def test_softmax_xent_v1_blocks_labels_gradient():
    logits = tf.placeholder(tf.float64, [2, 3])
    labels = tf.placeholder(tf.float64, [2, 3])
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    g_logits, g_labels = tf.gradients(loss, [logits, labels])
    assert g_logits is not None and g_labels is None


def test_softmax_xent_rank3_gradient():
    logits = RNG.standard_normal((2, 2, 3))
    labels = np.full((2, 2, 3), 1 / 2)  # a distribution along axis 1 (TF's backprop assumes one)
    check_gradients(lambda lg: tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=lg, axis=1),
                    [logits])


def test_softmax_xent_second_order():
    labels = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])

    def first(lg):
        loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=lg)
        return tf.gradients(tf.reduce_sum(loss * tf.constant([1.0, 2.0], tf.float64)), lg)[0]

    check_gradients(first, [RNG.standard_normal((2, 3))], rtol=1e-5)


def test_sparse_softmax_xent_gradients():
    labels = np.array([0, 3, 1])
    check_gradients(lambda lg: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=lg),
                    [RNG.standard_normal((3, 4)) * 2])


def test_sparse_softmax_xent_second_order():
    labels = np.array([2, 0])

    def first(lg):
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=lg)
        return tf.gradients(tf.reduce_sum(loss), lg)[0]

    check_gradients(first, [RNG.standard_normal((2, 3))], rtol=1e-5)


def test_sigmoid_xent_gradients():
    check_gradients(lambda lg, lb: tf.nn.sigmoid_cross_entropy_with_logits(labels=lb, logits=lg),
                    [away_from(RNG.standard_normal((2, 3)) * 3, [0]), RNG.uniform(size=(2, 3))])


def test_composite_gradients():
    x = RNG.standard_normal((4, 3))
    check_gradients(lambda a: tf.nn.l2_normalize(a, axis=1), [x])
    check_gradients(lambda a: tf.nn.moments(a, [0])[1], [x])
    check_gradients(lambda a, s, o: tf.nn.batch_normalization(a, *tf.nn.moments(a, [0]), o, s, 1e-3),
                    [x, RNG.standard_normal(3), RNG.standard_normal(3)], rtol=1e-5)


# --- against TensorFlow ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    real = pytest.importorskip("tensorflow")
    return real.compat.v1


@pytest.mark.tf
def test_gradients_match_tf(tf1):
    x = RNG.standard_normal((2, 6, 5, 3))
    w = RNG.standard_normal((3, 3, 3, 4))
    b = RNG.standard_normal(4)
    labels = np.array([1, 0])
    pool_in = RNG.permutation(180).reshape(2, 6, 5, 3) / 10.0

    def build(m, xv, wv, bv, pv):
        conv = m.nn.conv2d(xv, wv, [1, 2, 2, 1], "SAME")
        h = m.nn.bias_add(conv, bv)
        acts = (m.nn.elu(h) + m.nn.selu(h) + m.nn.relu(h) + m.nn.softplus(h) + m.nn.leaky_relu(h)
                + m.nn.softsign(h) + m.nn.relu6(h))
        pooled = m.nn.max_pool(acts, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        avg = m.nn.avg_pool(pv, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
        mp = m.nn.max_pool(pv, [1, 3, 3, 1], [1, 2, 2, 1], "VALID")
        logits = m.reshape(pooled, [2, -1])
        loss = (m.reduce_sum(m.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
                + m.reduce_sum(m.nn.log_softmax(logits)) * 0.1 + m.nn.l2_loss(wv) * 0.01
                + m.reduce_sum(avg * avg) + m.reduce_sum(mp * mp))
        return m.gradients(loss, [xv, wv, bv, pv])

    def ours():
        xs = [tf.constant(v) for v in (x, w, b, pool_in)]
        with tf.Session(backend="reference") as s:
            return s.run(build(tf, *xs))

    def theirs():
        g = tf1.Graph()
        with g.as_default():
            xs = [tf1.constant(v) for v in (x, w, b, pool_in)]
            with tf1.Session(graph=g) as s:
                return s.run(build(tf1, *xs))

    for k, (a, r) in enumerate(zip(ours(), theirs())):
        np.testing.assert_allclose(a, r, rtol=1e-6, atol=1e-8, err_msg=str(k))  # TF: elu via exp - 1


@pytest.mark.tf
def test_max_pool_tie_gradient_matches_tf(tf1):
    x = np.array([[1.0, 1.0, 0.0, 3.0], [1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]],
                 np.float32).reshape(1, 4, 4, 1)

    def build(m):
        xt = m.constant(x)
        y = m.nn.max_pool(xt, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
        return m.gradients(m.reduce_sum(y), xt)[0]

    with tf.Session(backend="reference") as s:
        ours = s.run(build(tf))
    g = tf1.Graph()
    with g.as_default():
        t = build(tf1)
        with tf1.Session(graph=g) as s:
            theirs = s.run(t)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.tf
def test_lrn_gradient_matches_tf(tf1):
    x = RNG.standard_normal((2, 3, 3, 7)).astype(np.float32)
    c = RNG.standard_normal((2, 3, 3, 7)).astype(np.float32)

    def build(m):
        xt = m.constant(x)
        return m.gradients(m.reduce_sum(m.nn.lrn(xt, 2, 1.5, 0.3, 0.75) * c), xt)[0]

    with tf.Session(backend="reference") as s:
        ours = s.run(build(tf))
    g = tf1.Graph()
    with g.as_default():
        t = build(tf1)
        with tf1.Session(graph=g) as s:
            theirs = s.run(t)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
