"""tf.nn forward ops against NumPy oracles written here (and real TensorFlow when installed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flowjit as tf

RNG = np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed_dict=None):
    with tf.Session(backend="reference") as s:
        return s.run(fetches, feed_dict)


# --- NumPy oracles -------------------------------------------------------------------

def np_geometry(size, k, stride, dilation, padding):
    """(out, pad_before) by TF's rules; padding may be an explicit (before, after) pair."""
    eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return (size - eff) // stride + 1, 0
    if padding == "SAME":
        out = -(-size // stride)
        return out, max((out - 1) * stride + eff - size, 0) // 2
    before, after = padding
    return (size + before + after - eff) // stride + 1, before


def np_conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    """Direct loops over output pixels and filter taps."""
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    ph = padding if isinstance(padding, str) else padding[0]
    pw = padding if isinstance(padding, str) else padding[1]
    oh, pt = np_geometry(h, kh, strides[0], dilations[0], ph)
    ow, pl = np_geometry(wd, kw, strides[1], dilations[1], pw)
    out = np.zeros((n, oh, ow, o), np.float64)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dilations[0] - pt
                    s = j * strides[1] + b * dilations[1] - pl
                    if 0 <= r < h and 0 <= s < wd:
                        out[:, i, j, :] += x[:, r, s, :].astype(np.float64) @ w[a, b].astype(np.float64)
    return out


def np_conv2d_transpose(dy, w, input_shape, strides, padding, dilations=(1, 1)):
    """The adjoint of np_conv2d, by scattering each output pixel back."""
    n, h, wd, c = input_shape
    kh, kw, _, o = w.shape
    oh, pt = np_geometry(h, kh, strides[0], dilations[0], padding)
    ow, pl = np_geometry(wd, kw, strides[1], dilations[1], padding)
    dx = np.zeros(input_shape, np.float64)
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dilations[0] - pt
                    s = j * strides[1] + b * dilations[1] - pl
                    if 0 <= r < h and 0 <= s < wd:
                        dx[:, r, s, :] += dy[:, i, j, :] @ w[a, b].T
    return dx


def np_pool(x, k, strides, padding, reduce):
    n, h, w, c = x.shape
    oh, pt = np_geometry(h, k[0], strides[0], 1, padding)
    ow, pl = np_geometry(w, k[1], strides[1], 1, padding)
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            r0, s0 = i * strides[0] - pt, j * strides[1] - pl
            win = x[:, max(r0, 0):r0 + k[0], max(s0, 0):s0 + k[1], :]
            out[:, i, j, :] = reduce(win, axis=(1, 2))
    return out


def np_log_softmax(x, axis=-1):
    x = x.astype(np.float64)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


# --- activations --------------------------------------------------------------------

SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(np.minimum(x, 0))),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "softplus": lambda x: np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))),
    "softsign": lambda x: x / (1 + np.abs(x)),
}
EXTREME = np.array([-1e4, -100.0, -30.0, -7.5, -1.0, -1e-3, 0.0, 1e-3, 0.5, 5.9, 6.0, 6.1, 30.0, 100.0, 1e4])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_values_dtype_and_extremes(name, dtype):
    x = EXTREME.astype(dtype)
    y = getattr(tf.nn, name)(tf.constant(x))
    assert y.dtype == tf.as_dtype(dtype) and y.shape == x.shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings: stable formulas
        got = run(y)
    assert got.dtype == dtype
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ACTIVATIONS[name](x.astype(np.float64)), rtol=1e-6, atol=1e-30)


def test_leaky_relu_alpha_and_op_types():
    x = tf.constant([-2.0, 3.0])
    y = tf.nn.leaky_relu(x, alpha=0.1)
    assert y.op.type == "LeakyRelu" and y.op.get_attr("alpha") == pytest.approx(0.1)
    np.testing.assert_allclose(run(y), [-0.2, 3.0], rtol=1e-6)
    for fn, op in [(tf.nn.relu, "Relu"), (tf.nn.relu6, "Relu6"), (tf.nn.elu, "Elu"), (tf.nn.selu, "Selu"),
                   (tf.nn.softplus, "Softplus"), (tf.nn.softsign, "Softsign")]:
        assert fn(x).op.type == op


def test_relu_int_and_float16():
    assert run(tf.nn.relu(tf.constant([-3, 4]))).tolist() == [0, 4]
    got = run(tf.nn.softplus(tf.constant(np.array([-5, 0, 20], np.float16))))
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float64), [np.log1p(np.exp(-5)), np.log(2), 20], rtol=2e-3)


def test_activation_rejects_int_for_float_ops():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Elu"):
        tf.nn.elu(tf.constant([1, 2]))


def test_swish_crelu_sigmoid_tanh():
    x = np.array([[-2.0, 0.5, 3.0]], np.float32)
    got = run([tf.nn.swish(x), tf.nn.crelu(x), tf.nn.sigmoid(x), tf.nn.tanh(x)])
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(got[0], x * sig, rtol=1e-6)
    np.testing.assert_allclose(got[1], np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], -1))
    np.testing.assert_allclose(got[2], sig, rtol=1e-6)
    np.testing.assert_allclose(got[3], np.tanh(x), rtol=1e-6)


# --- softmax ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_log_softmax_stable(dtype):
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [0.0, 0.0, 0.0]], dtype)
    sm, lsm = run([tf.nn.softmax(x), tf.nn.log_softmax(x)])
    assert sm.dtype == dtype and lsm.dtype == dtype
    ref = np_log_softmax(x)
    np.testing.assert_allclose(lsm, ref, rtol=1e-6)
    np.testing.assert_allclose(sm, np.exp(ref), rtol=1e-6, atol=1e-300)
    assert tf.nn.softmax(x).op.type == "Softmax" and tf.nn.log_softmax(x).op.type == "LogSoftmax"


def test_softmax_axis_and_dim():
    x = RNG.standard_normal((2, 3, 4))
    got = run([tf.nn.softmax(x, axis=1), tf.nn.softmax(x, dim=0), tf.nn.log_softmax(x, axis=-2),
               tf.nn.softmax(x)])
    np.testing.assert_allclose(got[0], np.exp(np_log_softmax(x, 1)), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.exp(np_log_softmax(x, 0)), rtol=1e-12)
    np.testing.assert_allclose(got[2], np_log_softmax(x, 1), rtol=1e-12)
    np.testing.assert_allclose(got[3], np.exp(np_log_softmax(x, -1)), rtol=1e-12)
    with pytest.raises(ValueError):
        tf.nn.softmax(x, axis=1, dim=1)


# --- bias_add -----------------------------------------------------------------------

def test_bias_add_formats():
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    b5, b3 = np.arange(5, dtype=np.float32), np.arange(3, dtype=np.float32)
    nhwc, nchw = run([tf.nn.bias_add(x, b5), tf.nn.bias_add(x, b3, data_format="NCHW")])
    np.testing.assert_allclose(nhwc, x + b5)
    np.testing.assert_allclose(nchw, x + b3.reshape(1, 3, 1, 1))
    assert nhwc.dtype == np.float32
    with pytest.raises(tf.errors.InvalidArgumentError, match="bias"):
        tf.nn.bias_add(x, b3)


def test_bias_add_runtime_mismatch_names_node():
    x = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None])
    y = tf.nn.bias_add(x, b, name="my_bias")
    with pytest.raises(tf.errors.InvalidArgumentError, match="my_bias"):
        run(y, {x: np.zeros((2, 3)), b: np.zeros(4)})


def test_xw_plus_b_relu_layer():
    x = RNG.standard_normal((3, 4))
    w = RNG.standard_normal((4, 2))
    b = RNG.standard_normal(2)
    a, r = run([tf.nn.xw_plus_b(x, w, b), tf.nn.relu_layer(x, w, b)])
    np.testing.assert_allclose(a, x @ w + b, rtol=1e-12)
    np.testing.assert_allclose(r, np.maximum(x @ w + b, 0), rtol=1e-12)


# --- convolution --------------------------------------------------------------------

CONV_CASES = [
    # (input shape, filter shape, strides, padding, dilations)
    ((2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
    ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "SAME", (1, 1)),
    ((2, 7, 6, 3), (3, 2, 3, 4), (2, 2), "VALID", (1, 1)),
    ((1, 8, 8, 2), (2, 2, 2, 3), (2, 1), "SAME", (1, 1)),
    ((1, 9, 7, 2), (3, 3, 2, 2), (1, 1), "SAME", (2, 2)),
    ((1, 9, 7, 2), (3, 2, 2, 2), (1, 1), "VALID", (2, 3)),
    ((1, 5, 5, 1), (5, 5, 1, 1), (3, 3), "SAME", (1, 1)),
    ((1, 4, 4, 2), (1, 1, 2, 3), (2, 2), "VALID", (1, 1)),
]


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CONV_CASES)
def test_conv2d_against_loops(xs, ws, strides, padding, dilations):
    x = RNG.standard_normal(xs).astype(np.float32)
    w = RNG.standard_normal(ws).astype(np.float32)
    y = tf.nn.conv2d(x, w, strides=[1, *strides, 1], padding=padding, dilations=[1, *dilations, 1])
    got = run(y)
    ref = np_conv2d(x, w, strides, padding, dilations)
    assert got.dtype == np.float32
    assert y.shape.as_list() == list(ref.shape) == list(got.shape)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_conv2d_matches_scipy_correlate():
    signal = pytest.importorskip("scipy.signal")
    x = RNG.standard_normal((1, 6, 5, 1))
    w = RNG.standard_normal((3, 2, 1, 1))
    got = run(tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="VALID"))
    np.testing.assert_allclose(got[0, :, :, 0], signal.correlate(x[0, :, :, 0], w[:, :, 0, 0], mode="valid"),
                               rtol=1e-12)


def test_conv2d_explicit_padding_and_sequence_forms():
    x = RNG.standard_normal((1, 5, 4, 2))
    w = RNG.standard_normal((2, 3, 2, 2))
    explicit = tf.nn.conv2d(x, w, strides=2, padding=[[0, 0], [1, 2], [0, 1], [0, 0]])
    short = tf.nn.conv2d(x, w, strides=[1, 1], padding="SAME", dilations=1)
    got = run([explicit, short])
    np.testing.assert_allclose(got[0], np_conv2d(x, w, (2, 2), ((1, 2), (0, 1))), rtol=1e-12)
    np.testing.assert_allclose(got[1], np_conv2d(x, w, (1, 1), "SAME"), rtol=1e-12)


def test_conv2d_float64_and_dynamic_batch():
    x = tf.placeholder(tf.float64, [None, 5, 5, 2])
    w = RNG.standard_normal((3, 3, 2, 1))
    y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    assert y.shape.as_list() == [None, 5, 5, 1]
    xv = RNG.standard_normal((3, 5, 5, 2))
    got = run(y, {x: xv})
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, np_conv2d(xv, w, (1, 1), "SAME"), rtol=1e-12)


def test_conv2d_nchw_is_a_clear_error():
    x = tf.zeros([1, 3, 8, 8]) if hasattr(tf, "zeros") else tf.constant(np.zeros((1, 3, 8, 8), np.float32))
    w = tf.constant(np.zeros((3, 3, 3, 4), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="NHWC") as info:
        tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME", data_format="NCHW", name="nchw_conv")
    assert "nchw_conv" in str(info.value)


def test_conv2d_shape_errors():
    x = tf.constant(np.zeros((1, 4, 4, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="in_channels"):
        tf.nn.conv2d(x, np.zeros((2, 2, 2, 1), np.float32), [1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="negative"):
        tf.nn.conv2d(x, np.zeros((6, 2, 3, 1), np.float32), [1, 1, 1, 1], "VALID")
    with pytest.raises(tf.errors.InvalidArgumentError, match="strides"):
        tf.nn.conv2d(x, np.zeros((2, 2, 3, 1), np.float32), [2, 1, 1, 1], "VALID")
    with pytest.raises(ValueError):
        tf.nn.conv2d(x, np.zeros((2, 2, 3, 1), np.float32), [1, 1, 1, 1], "FULL")
    with pytest.raises(tf.errors.InvalidArgumentError, match="dtype"):
        tf.nn.conv2d(x, tf.constant(np.zeros((2, 2, 3, 1), np.float64)), [1, 1, 1, 1], "VALID")


def test_conv2d_runtime_shape_error_names_node():
    x = tf.placeholder(tf.float32, [None, None, None, None])
    y = tf.nn.conv2d(x, np.zeros((2, 2, 3, 1), np.float32), [1, 1, 1, 1], "VALID", name="late_conv")
    with pytest.raises(tf.errors.InvalidArgumentError, match="late_conv"):
        run(y, {x: np.zeros((1, 4, 4, 2), np.float32)})


@pytest.mark.parametrize("strides,padding,dilations", [((1, 1), "SAME", (1, 1)), ((2, 2), "SAME", (1, 1)),
                                                       ((2, 2), "VALID", (1, 1)), ((1, 1), "VALID", (2, 2)),
                                                       ((3, 2), "VALID", (1, 1))])
def test_conv2d_transpose_is_the_adjoint(strides, padding, dilations):
    in_shape = (2, 7, 6, 3)
    w = RNG.standard_normal((3, 3, 3, 4))
    oh, _ = np_geometry(7, 3, strides[0], dilations[0], padding)
    ow, _ = np_geometry(6, 3, strides[1], dilations[1], padding)
    dy = RNG.standard_normal((2, oh, ow, 4))
    y = tf.nn.conv2d_transpose(dy, w, output_shape=list(in_shape), strides=[1, *strides, 1], padding=padding,
                               dilations=[1, *dilations, 1])
    assert y.op.type == "Conv2DBackpropInput" and y.shape.as_list() == list(in_shape)
    got = run(y)
    np.testing.assert_allclose(got, np_conv2d_transpose(dy, w, in_shape, strides, padding, dilations), rtol=1e-10)
    # <conv(x), dy> == <x, conv_transpose(dy)>
    x = RNG.standard_normal(in_shape)
    fwd = np_conv2d(x, w, strides, padding, dilations)
    assert np.sum(fwd * dy) == pytest.approx(np.sum(x * got), rel=1e-10)


def test_conv2d_backprop_filter_values():
    x = RNG.standard_normal((2, 6, 5, 2))
    dy = RNG.standard_normal((2, 3, 3, 3))
    got = run(tf.nn.conv2d_backprop_filter(x, [3, 3, 2, 3], dy, [1, 2, 2, 1], "SAME"))
    # d/dw of sum(conv(x, w) * dy) is linear in dy: compare with loops over taps
    ref = np.zeros((3, 3, 2, 3))
    for a in range(3):
        for b in range(3):
            for i in range(2):
                e = np.zeros((3, 3, 2, 3))
                e[a, b, i, :] = 1
                for o in range(3):
                    e2 = np.zeros_like(e)
                    e2[a, b, i, o] = 1
                    ref[a, b, i, o] = np.sum(np_conv2d(x, e2, (2, 2), "SAME") * dy)
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_conv1d_atrous_depthwise_separable():
    x1 = RNG.standard_normal((2, 9, 3))
    w1 = RNG.standard_normal((3, 3, 4))
    x = RNG.standard_normal((1, 6, 6, 2))
    w = RNG.standard_normal((3, 3, 2, 2))
    dw = RNG.standard_normal((3, 3, 2, 2))
    pw = RNG.standard_normal((1, 1, 4, 3))
    got = run([tf.nn.conv1d(x1, w1, stride=2, padding="SAME"), tf.nn.atrous_conv2d(x, w, 2, "SAME"),
               tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "VALID"),
               tf.nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME")])
    np.testing.assert_allclose(got[0], np_conv2d(x1[:, None], w1[None], (1, 2), "SAME")[:, 0], rtol=1e-10)
    np.testing.assert_allclose(got[1], np_conv2d(x, w, (1, 1), "SAME", (2, 2)), rtol=1e-10)
    depth = np.concatenate([np_conv2d(x[..., c:c + 1], dw[:, :, c:c + 1, :], (1, 1), "VALID") for c in range(2)], -1)
    np.testing.assert_allclose(got[2], depth, rtol=1e-10)
    depth_same = np.concatenate([np_conv2d(x[..., c:c + 1], dw[:, :, c:c + 1, :], (1, 1), "SAME")
                                 for c in range(2)], -1)
    np.testing.assert_allclose(got[3], np_conv2d(depth_same, pw), rtol=1e-10)


# --- pooling ------------------------------------------------------------------------

POOL_CASES = [((2, 7, 6, 3), (2, 2), (2, 2), "VALID"), ((2, 7, 6, 3), (2, 2), (2, 2), "SAME"),
              ((1, 7, 7, 2), (3, 3), (2, 2), "SAME"), ((1, 7, 7, 2), (3, 3), (1, 1), "SAME"),
              ((1, 6, 5, 1), (3, 2), (1, 2), "VALID"), ((1, 4, 4, 1), (5, 5), (3, 3), "SAME")]


@pytest.mark.parametrize("xs,k,strides,padding", POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pools_against_loops(xs, k, strides, padding, dtype):
    x = RNG.standard_normal(xs).astype(dtype)
    mp = tf.nn.max_pool(x, [1, *k, 1], [1, *strides, 1], padding)
    ap = tf.nn.avg_pool(x, [1, *k, 1], [1, *strides, 1], padding)
    got_m, got_a = run([mp, ap])
    assert got_m.dtype == dtype and got_a.dtype == dtype
    np.testing.assert_array_equal(got_m, np_pool(x, k, strides, padding, np.max))
    np.testing.assert_allclose(got_a, np_pool(x, k, strides, padding, np.mean), rtol=1e-6, atol=1e-6)
    assert mp.shape.as_list() == list(got_m.shape)


def test_max_pool_negative_inputs_ignore_padding_and_int_ksize():
    x = -np.arange(1, 17, dtype=np.float32).reshape(1, 4, 4, 1)
    got = run(tf.nn.max_pool(x, 3, 2, "SAME"))
    np.testing.assert_array_equal(got[0, :, :, 0], [[-1, -3], [-9, -11]])


def test_max_pool_with_argmax_and_aliases():
    x = RNG.permutation(2 * 5 * 4 * 3).reshape(2, 5, 4, 3).astype(np.float32)
    out, arg = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    _, arg_b = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", include_batch_in_index=True)
    got, idx, idx_b, alias = run([out, arg, arg_b, tf.nn.max_pool2d(x, 2, 2, "SAME")])
    np.testing.assert_array_equal(got, np_pool(x, (2, 2), (2, 2), "SAME", np.max))
    np.testing.assert_array_equal(alias, got)
    assert idx.dtype == np.int64
    for b in range(2):
        np.testing.assert_array_equal(x[b].reshape(-1)[idx[b]], got[b])
    np.testing.assert_array_equal(x.reshape(-1)[idx_b], got)


def test_pool_errors():
    x = tf.constant(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="NHWC"):
        tf.nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", data_format="NCHW")
    with pytest.raises(tf.errors.InvalidArgumentError, match="depth"):
        tf.nn.avg_pool(x, [1, 2, 2, 2], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError):
        tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "FULL")


# --- losses -------------------------------------------------------------------------

def test_l2_loss():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    got = run(tf.nn.l2_loss(x))
    assert got.dtype == np.float32 and np.shape(got) == ()
    assert got == pytest.approx(np.sum(x.astype(np.float64) ** 2) / 2, rel=1e-6)


@pytest.mark.parametrize("fn", ["softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2"])
def test_softmax_xent(fn):
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], np.float32)
    labels = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]], np.float32)
    loss = getattr(tf.nn, fn)(labels=labels, logits=logits)
    got = run(loss)
    assert got.dtype == np.float32 and got.shape == (2,)
    np.testing.assert_allclose(got, -np.sum(labels * np_log_softmax(logits), -1), rtol=1e-6)


def test_softmax_xent_rank3_and_dim():
    logits = RNG.standard_normal((2, 3, 4))
    labels = np.exp(np_log_softmax(RNG.standard_normal((2, 3, 4)), 1))
    a = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    b = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits, dim=1)
    got_a, got_b = run([a, b])
    np.testing.assert_allclose(got_a, -np.sum(labels * np_log_softmax(logits), -1), rtol=1e-12)
    np.testing.assert_allclose(got_b, -np.sum(labels * np_log_softmax(logits, 1), 1), rtol=1e-12)
    assert a.shape.as_list() == [2, 3] and b.shape.as_list() == [2, 4]


def test_xent_argument_rules():
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits([[1.0]], [[1.0]])
    with pytest.raises(ValueError, match="Both labels and logits"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(logits=[[1.0]])
    with pytest.raises(ValueError, match="Rank mismatch"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[0]], logits=[[1.0]])


@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
def test_sparse_softmax_xent(label_dtype):
    logits = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], np.float32)
    labels = np.array([2, 1, 0], label_dtype)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    got = run(loss)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, -np_log_softmax(logits)[np.arange(3), labels], rtol=1e-6)
    logits3 = RNG.standard_normal((2, 3, 5))
    labels3 = np.array([[0, 4, 2], [1, 1, 3]])
    got3 = run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels3, logits=logits3))
    ref3 = -np.take_along_axis(np_log_softmax(logits3), labels3[..., None], -1)[..., 0]
    np.testing.assert_allclose(got3, ref3, rtol=1e-12)


def test_sparse_xent_out_of_range_names_node():
    labels = tf.placeholder(tf.int32, [None])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=np.zeros((2, 3), np.float32),
                                                          name="my_xent")
    op_name = [op.name for op in tf.get_default_graph().get_operations()
               if op.type == "SparseSoftmaxCrossEntropyWithLogits"][0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range") as info:
        run(loss, {labels: [1, 3]})
    assert op_name in str(info.value) and "my_xent" in op_name
    with pytest.raises(tf.errors.InvalidArgumentError, match="-1"):
        run(loss, {labels: [-1, 0]})


def test_sigmoid_xent_stable_and_shape_check():
    logits = np.array([-1000.0, -20.0, -1.0, 0.0, 1.0, 20.0, 1000.0], np.float32)
    labels = np.array([0.0, 1.0, 0.3, 0.5, 1.0, 0.0, 1.0], np.float32)
    got = run(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
    x, z = logits.astype(np.float64), labels.astype(np.float64)
    ref = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    assert got.dtype == np.float32 and np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=np.zeros(3), logits=np.zeros(4))


def test_weighted_xent_and_log_poisson():
    x = RNG.standard_normal(5)
    z = RNG.uniform(size=5)
    w, p = run([tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=3.0),
                tf.nn.log_poisson_loss(z * 3, x, compute_full_loss=True)])
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(w, -(3.0 * z * np.log(sig) + (1 - z) * np.log(1 - sig)), rtol=1e-10)
    t = z * 3
    stirling = np.where((t >= 0) & (t <= 1), 0, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t))
    np.testing.assert_allclose(p, np.exp(x) - x * t + stirling, rtol=1e-10)


# --- normalization and misc ---------------------------------------------------------

def test_moments_and_batch_normalization():
    x = RNG.standard_normal((4, 3, 2))
    mean, var = tf.nn.moments(x, axes=[0, 1])
    mk, vk = tf.nn.moments(x, axes=[1], keep_dims=True)
    scale, offset = np.array([1.5, 0.5]), np.array([0.1, -0.2])
    bn = tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)
    bn_plain = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    got = run([mean, var, mk, vk, bn, bn_plain])
    np.testing.assert_allclose(got[0], x.mean((0, 1)), rtol=1e-12)
    np.testing.assert_allclose(got[1], x.var((0, 1)), rtol=1e-12)
    assert got[2].shape == (4, 1, 2) and mean.shape.as_list() == [2]
    np.testing.assert_allclose(got[3], x.var(1, keepdims=True), rtol=1e-12)
    ref = (x - x.mean((0, 1))) / np.sqrt(x.var((0, 1)) + 1e-3)
    np.testing.assert_allclose(got[4], ref * scale + offset, rtol=1e-10)
    np.testing.assert_allclose(got[5], ref, rtol=1e-10)


def test_fused_batch_norm():
    x = RNG.standard_normal((2, 3, 3, 4)).astype(np.float32)
    scale = np.linspace(0.5, 2, 4).astype(np.float32)
    offset = np.linspace(-1, 1, 4).astype(np.float32)
    y, m, v = tf.nn.fused_batch_norm(x, scale, offset, epsilon=1e-3)
    yi, _, _ = tf.nn.fused_batch_norm(x, scale, offset, mean=np.zeros(4, np.float32),
                                      variance=np.ones(4, np.float32), is_training=False)
    got_y, got_m, got_v, got_yi = run([y, m, v, yi])
    mu, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    np.testing.assert_allclose(got_y, (x - mu) / np.sqrt(var + 1e-3) * scale + offset, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_m, mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_v, var * 18 / 17, rtol=1e-5)
    np.testing.assert_allclose(got_yi, x / np.sqrt(1 + 1e-3) * scale + offset, rtol=1e-5, atol=1e-6)


def np_lrn(x, r, bias, alpha, beta):
    out = np.zeros_like(x, dtype=np.float64)
    c = x.shape[-1]
    for k in range(c):
        sq = np.sum(x[..., max(k - r, 0):k + r + 1].astype(np.float64) ** 2, axis=-1)
        out[..., k] = x[..., k] / (bias + alpha * sq) ** beta
    return out


@pytest.mark.parametrize("r,bias,alpha,beta", [(5, 1.0, 1.0, 0.5), (2, 2.0, 1e-3, 0.75), (0, 1.0, 0.5, 1.0)])
def test_lrn(r, bias, alpha, beta):
    x = RNG.standard_normal((2, 3, 2, 7)).astype(np.float32)
    y = tf.nn.lrn(x, depth_radius=r, bias=bias, alpha=alpha, beta=beta)
    got = run(y)
    assert y.op.type == "LRN" and got.dtype == np.float32
    np.testing.assert_allclose(got, np_lrn(x, r, bias, alpha, beta), rtol=1e-5)


def test_sufficient_statistics_and_weighted_moments():
    x = RNG.standard_normal((4, 3))
    w = RNG.uniform(size=(4, 1))
    counts, m_ss, v_ss, shift = tf.nn.sufficient_statistics(x, [0], shift=0.5)
    mean, var = tf.nn.normalize_moments(counts, m_ss, v_ss, shift)
    wm, wv = tf.nn.weighted_moments(x, [0], w)
    got = run([counts, mean, var, wm, wv])
    assert got[0] == 4
    np.testing.assert_allclose(got[1], x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(got[2], x.var(0), rtol=1e-10)
    ref_m = (w * x).sum(0) / w.sum()
    np.testing.assert_allclose(got[3], ref_m, rtol=1e-12)
    np.testing.assert_allclose(got[4], (w * (x - ref_m) ** 2).sum(0) / w.sum(), rtol=1e-12)


def test_l2_normalize_and_zero_fraction():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    a, b, z = run([tf.nn.l2_normalize(x, axis=1), tf.nn.l2_normalize(x, dim=0), tf.nn.zero_fraction(x)])
    np.testing.assert_allclose(a, [[0.6, 0.8], [0, 0]], rtol=1e-6)
    np.testing.assert_allclose(b, [[1, 1], [0, 0]], rtol=1e-6)
    assert z == pytest.approx(0.5) and z.dtype == np.float32


def test_dropout_scaling_and_rate():
    x = np.ones((200, 50), np.float32)
    d = tf.nn.dropout(x, keep_prob=0.8, seed=1)
    r = tf.nn.dropout(x, rate=0.2, seed=1)
    a, b = run([d, r])
    assert a.dtype == np.float32 and d.shape.as_list() == [200, 50]
    assert set(np.unique(a)) <= {0.0, np.float32(1.25)}
    assert abs((a != 0).mean() - 0.8) < 0.02
    assert set(np.unique(b)) <= {0.0, np.float32(1.25)}
    assert tf.nn.dropout(tf.constant(x), keep_prob=1.0).op.type == "Const"
    with pytest.raises(ValueError):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError):
        tf.nn.dropout(tf.constant([1, 2]), keep_prob=0.5)


def test_dropout_seeded_deterministic_per_session_and_varies_per_run():
    tf.set_random_seed(7)
    x = np.ones((64,), np.float32)
    d = tf.nn.dropout(x, keep_prob=0.5, seed=3)
    with tf.Session(backend="reference") as s:
        first, second = s.run(d), s.run(d)
    with tf.Session(backend="reference") as s:
        again = s.run(d)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


def test_dropout_tensor_keep_prob_and_noise_shape():
    x = np.ones((100, 6), np.float32)
    kp = tf.placeholder(tf.float32, [])
    d = tf.nn.dropout(x, keep_prob=kp, noise_shape=[100, 1], seed=5)
    got = run(d, {kp: 0.5})
    assert np.all((got == 0) | (got == 2))
    assert np.all(got == got[:, :1])  # one draw per row
    np.testing.assert_array_equal(run(d, {kp: 1.0}), x)


def test_embedding_lookup_single_and_sharded():
    table = RNG.standard_normal((10, 3))
    ids = np.array([[0, 9], [4, 4], [7, 2]])
    shards_mod = [table[i::3] for i in range(3)]
    shards_div = [table[0:4], table[4:7], table[7:10]]
    got = run([tf.nn.embedding_lookup(table, ids), tf.nn.embedding_lookup(shards_mod, ids),
               tf.nn.embedding_lookup(shards_div, ids, partition_strategy="div"),
               tf.nn.embedding_lookup(table, ids, max_norm=1.0)])
    for g in got[:3]:
        np.testing.assert_allclose(g, table[ids])
    norms = np.linalg.norm(table[ids], axis=-1, keepdims=True)
    np.testing.assert_allclose(got[3], table[ids] / np.maximum(norms, 1.0), rtol=1e-12)


def test_embedding_lookup_variable():
    v = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    e = tf.nn.embedding_lookup(v, [3, 0])
    with tf.Session(backend="reference") as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(e), [[9, 10, 11], [0, 1, 2]])


def test_in_top_k_ties_nonfinite_and_range():
    preds = np.array([[0.1, 0.3, 0.3, 0.2], [0.5, 0.1, 0.2, 0.2], [np.nan, 1, 2, 3], [1, 2, 3, 4]], np.float32)
    targets = np.array([2, 3, 3, 7], np.int32)
    got1, got2 = run([tf.nn.in_top_k(preds, targets, 1), tf.nn.in_top_k(preds, targets, 2)])
    assert got1.dtype == np.bool_
    assert got1.tolist() == [True, False, False, False]
    assert got2.tolist() == [True, True, False, False]
    assert tf.nn.in_top_k(preds, targets, 1).op.type == "InTopKV2"


def test_top_k_reexport():
    if not hasattr(tf.nn, "top_k"):
        pytest.skip("top_k not offered")
    vals, idx = run(list(tf.nn.top_k(np.array([[1.0, 5.0, 3.0]], np.float32), k=2)))
    np.testing.assert_array_equal(vals, [[5, 3]])
    np.testing.assert_array_equal(idx, [[1, 2]])


# --- against TensorFlow ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    real = pytest.importorskip("tensorflow")
    return real.compat.v1


def tf_run(tf1, build):
    g = tf1.Graph()
    with g.as_default():
        fetches = build(tf1)
        with tf1.Session(graph=g) as s:
            return s.run(fetches)


@pytest.mark.tf
def test_activations_match_tf(tf1):
    x = np.concatenate([EXTREME, RNG.standard_normal(20) * 5]).astype(np.float32)
    names = sorted(ACTIVATIONS) + ["sigmoid", "tanh", "softmax", "log_softmax"]
    ref = tf_run(tf1, lambda t: [getattr(t.nn, n)(x) for n in names])
    got = run([getattr(tf.nn, n)(x) for n in names])
    for n, a, b in zip(names, got, ref):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-7, err_msg=n)  # TF: exp(x) - 1, not expm1


@pytest.mark.tf
def test_conv_and_pools_match_tf(tf1):
    x = RNG.standard_normal((2, 9, 8, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 5)).astype(np.float32)
    convs = [([1, s, s, 1], p, [1, d, d, 1]) for p in ("SAME", "VALID") for s, d in ((1, 1), (2, 1), (1, 2))]
    pools = [(k, s, p) for p in ("SAME", "VALID") for k, s in ((2, 2), (3, 2), (3, 1))]

    def build(m):
        out = [m.nn.conv2d(x, w, strides=s, padding=p, dilations=d) for s, p, d in convs]
        out += [m.nn.max_pool(x, [1, k, k, 1], [1, s, s, 1], p) for k, s, p in pools]
        out += [m.nn.avg_pool(x, [1, k, k, 1], [1, s, s, 1], p) for k, s, p in pools]
        return out

    for a, b in zip(run(build(tf)), tf_run(tf1, build)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.tf
def test_losses_and_composites_match_tf(tf1):
    logits = (RNG.standard_normal((4, 5)) * 10).astype(np.float32)
    labels = np.exp(np_log_softmax(RNG.standard_normal((4, 5)))).astype(np.float32)
    sparse = np.array([0, 4, 2, 1], np.int64)
    z = RNG.uniform(size=(4, 5)).astype(np.float32)
    x = RNG.standard_normal((3, 4, 4, 2)).astype(np.float32)

    def build(m):
        nn = m.nn
        return [nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
                nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=logits),
                nn.sigmoid_cross_entropy_with_logits(labels=z, logits=logits),
                nn.l2_loss(logits), nn.l2_normalize(logits, 1), *nn.moments(x, [0, 1, 2]),
                nn.fused_batch_norm(x, np.ones(2, np.float32), np.zeros(2, np.float32))[0],
                nn.fused_batch_norm(x, np.ones(2, np.float32), np.zeros(2, np.float32))[2],
                nn.in_top_k(logits, sparse.astype(np.int32), 2), nn.bias_add(x, np.array([1, 2], np.float32)),
                nn.lrn(x, 1, 1.5, 0.3, 0.75), nn.dropout(x, rate=0.0), nn.zero_fraction(nn.relu(x))]

    for k, (a, b) in enumerate(zip(run(build(tf)), tf_run(tf1, build))):
        assert a.dtype == b.dtype, k
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=str(k))


@pytest.mark.tf
def test_more_convolutions_match_tf(tf1):
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 3, 2)).astype(np.float32)
    wt = RNG.standard_normal((3, 3, 4, 3)).astype(np.float32)  # transpose: [h, w, out, in]
    pw = RNG.standard_normal((1, 1, 6, 5)).astype(np.float32)
    x1 = RNG.standard_normal((2, 9, 3)).astype(np.float32)
    w1 = RNG.standard_normal((4, 3, 2)).astype(np.float32)
    pool_in = RNG.permutation(2 * 7 * 6 * 3).reshape(2, 7, 6, 3).astype(np.float32)

    def build(m):
        nn = m.nn
        return [nn.conv2d_transpose(x, wt, [2, 14, 12, 4], [1, 2, 2, 1], "SAME"),
                nn.conv2d_transpose(x, wt, [2, 15, 13, 4], [1, 2, 2, 1], "VALID"),
                nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
                nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "VALID", rate=[2, 2]),
                nn.separable_conv2d(x, w, pw, [1, 1, 1, 1], "SAME"),
                nn.conv1d(x1, w1, 2, "SAME"), nn.conv1d(x1, w1, 1, "VALID"),
                nn.atrous_conv2d(x, w, 2, "SAME"),
                *nn.max_pool_with_argmax(pool_in, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")]

    for k, (a, b) in enumerate(zip(run(build(tf)), tf_run(tf1, build))):
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4, err_msg=str(k))
