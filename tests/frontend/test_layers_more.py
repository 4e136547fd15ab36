"""tf.layers Conv1D, Conv2DTranspose, SeparableConv1D/2D, 1-D pooling, batch-norm UPDATE_OPS,
and tf.contrib.layers conv2d_transpose / separable_conv2d: values vs NumPy and TF, names, shapes."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


def _data(seed: int, shape) -> np.ndarray:
    return np.random.RandomState(seed).standard_normal(shape).astype(np.float32)


def _np_conv1d(x, k, stride=1, pad="VALID"):
    n, w, c = x.shape
    kw, _, o = k.shape
    if pad == "SAME":
        out_w = -(-w // stride)
        total = max((out_w - 1) * stride + kw - w, 0)
        x = np.pad(x, [(0, 0), (total // 2, total - total // 2), (0, 0)])
    out_w = (x.shape[1] - kw) // stride + 1
    return np.stack([np.einsum("nkc,kco->no", x[:, i * stride:i * stride + kw], k) for i in range(out_w)], 1)


def _np_conv2d_transpose_valid(x, k, stride):
    """Scatter each input pixel times the kernel [kh, kw, out, in] into the output (VALID)."""
    n, h, w, _ = x.shape
    kh, kw, o, _ = k.shape
    out = np.zeros((n, h * stride + max(kh - stride, 0), w * stride + max(kw - stride, 0), o), np.float64)
    for i in range(h):
        for j in range(w):
            out[:, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,hwoc->nhwo", x[:, i, j], k)
    return out


def _run(fetch, backend, feed=None, assign=None):
    with tf.Session(backend=backend) as s:
        s.run(tf.global_variables_initializer())
        for v, val in (assign or {}).items():
            v.load(val, s)
        return s.run(fetch, feed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_conv1d_and_pooling1d(backend):
    x = _data(0, (2, 7, 3))
    with tf.Graph().as_default():
        xt = tf.constant(x)
        y = tf.layers.conv1d(xt, 4, 3, strides=2, padding="same")
        assert y.shape.as_list() == [2, 4, 4]
        k, b = tf.trainable_variables()
        assert (k.name, k.shape.as_list(), b.name) == ("conv1d/kernel:0", [3, 3, 4], "conv1d/bias:0")
        mp = tf.layers.max_pooling1d(xt, 2, 2)
        ap = tf.layers.AveragePooling1D(3, 1, padding="same")(xt)
        kv, bv = _data(1, (3, 3, 4)), _data(2, (4,))
        got, gmp, gap = _run([y, mp, ap], backend, assign={k: kv, b: bv})
    np.testing.assert_allclose(got, _np_conv1d(x, kv, 2, "SAME") + bv, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gmp, x[:, :6].reshape(2, 3, 2, 3).max(2), rtol=1e-6)
    xp = np.pad(x, [(0, 0), (1, 1), (0, 0)])
    cnt = np.pad(np.ones(7), 1)
    want = np.stack([xp[:, i:i + 3].sum(1) / cnt[i:i + 3].sum() for i in range(7)], 1)
    np.testing.assert_allclose(gap, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_conv2d_transpose(backend):
    x = _data(3, (2, 3, 4, 5))
    with tf.Graph().as_default():
        ph = tf.placeholder(tf.float32, [None, None, 4, 5])
        y = tf.layers.conv2d_transpose(ph, 2, 3, strides=2, activation=tf.nn.relu)
        assert y.shape.as_list() == [None, None, 9, 2]
        k, b = tf.trainable_variables()
        assert (k.name, k.shape.as_list(), b.name) == ("conv2d_transpose/kernel:0", [3, 3, 2, 5],
                                                        "conv2d_transpose/bias:0")
        z = tf.layers.Conv2DTranspose(3, (2, 2), strides=(2, 2), padding="same", use_bias=False)(tf.constant(x))
        assert z.shape.as_list() == [2, 6, 8, 3]
        kv, bv = _data(4, (3, 3, 2, 5)), _data(5, (2,))
        got = _run(y, backend, {ph: x}, {k: kv, b: bv})
    np.testing.assert_allclose(got, np.maximum(_np_conv2d_transpose_valid(x, kv, 2) + bv, 0), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_separable_conv(backend):
    x = _data(6, (2, 5, 5, 3))
    with tf.Graph().as_default():
        y = tf.layers.separable_conv2d(tf.constant(x), 4, 3, depth_multiplier=2)
        dw, pw, b = tf.trainable_variables()
        assert [(v.name, v.shape.as_list()) for v in (dw, pw, b)] == [
            ("separable_conv2d/depthwise_kernel:0", [3, 3, 3, 2]), ("separable_conv2d/pointwise_kernel:0", [1, 1, 6, 4]),
            ("separable_conv2d/bias:0", [4])]
        y1 = tf.layers.separable_conv1d(tf.constant(x[:, 0]), 2, 2)
        assert y1.shape.as_list() == [2, 4, 2]
        assert tf.trainable_variables()[3].shape.as_list() == [2, 3, 1]
        vals = {dw: _data(7, (3, 3, 3, 2)), pw: _data(8, (1, 1, 6, 4)), b: _data(9, (4,))}
        got = _run(y, backend, assign=vals)
    d = np.zeros((2, 3, 3, 6))
    for i in range(3):
        for j in range(3):
            patch = x[:, i:i + 3, j:j + 3]  # [n, 3, 3, c]
            d[:, i, j] = np.einsum("nhwc,hwcm->ncm", patch, vals[dw]).reshape(2, 6)
    want = np.einsum("nhwc,co->nhwo", d, vals[pw][0, 0]) + vals[b]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_bad_input_rank():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="expected ndim=4"):
            tf.layers.conv2d_transpose(tf.zeros([2, 3, 4]), 2, 3)
        with pytest.raises(ValueError, match="expected ndim=3"):
            tf.layers.conv1d(tf.zeros([2, 3, 4, 1]), 2, 3)
        with pytest.raises(ValueError, match="tuple of 1 integers"):
            tf.layers.Conv1D(2, (3, 3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_norm_update_ops(backend):
    x = _data(10, (8, 3)) * 2 + 1
    with tf.Graph().as_default():
        y = tf.layers.batch_normalization(tf.constant(x), momentum=0.5, training=True)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        assert len(updates) == 2
        with tf.control_dependencies(updates):
            step = tf.identity(y)
        mm, mv = [v for v in tf.global_variables() if "moving" in v.name]
        assert (mm.name, mv.name) == ("batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0")
        with tf.Session(backend=backend) as s:
            s.run(tf.global_variables_initializer())
            s.run(y)  # without the update ops nothing moves
            np.testing.assert_allclose(s.run(mm), 0.0)
            s.run(step)
            got_m, got_v = s.run([mm, mv])
    np.testing.assert_allclose(got_m, 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(got_v, 0.5 + 0.5 * x.var(0), rtol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_contrib_layers(backend):
    x = _data(11, (1, 3, 3, 2))
    with tf.Graph().as_default():
        y = tf.contrib.layers.conv2d_transpose(tf.constant(x), 4, 3, stride=2, padding="VALID", activation_fn=None)
        assert y.shape.as_list() == [1, 7, 7, 4]
        w, b = tf.trainable_variables()
        assert (w.name, w.shape.as_list(), b.name) == ("Conv2d_transpose/weights:0", [3, 3, 4, 2],
                                                        "Conv2d_transpose/biases:0")
        assert tf.contrib.layers.convolution2d_transpose is tf.contrib.layers.conv2d_transpose
        z = tf.contrib.layers.separable_conv2d(tf.constant(x), 5, 3, depth_multiplier=1)
        assert z.shape.as_list() == [1, 3, 3, 5]
        names = [v.name for v in tf.trainable_variables()[2:]]
        assert names == ["SeparableConv2d/depthwise_weights:0", "SeparableConv2d/pointwise_weights:0",
                         "SeparableConv2d/biases:0"]
        wv = _data(12, (3, 3, 4, 2))
        got = _run(y, backend, assign={w: wv})
    np.testing.assert_allclose(got, _np_conv2d_transpose_valid(x, wv, 2), rtol=1e-4, atol=1e-5)


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check, load_weights

    def prog(tf):
        x = tf.placeholder(tf.float32, [2, 6, 6, 3], name="x")
        x1 = tf.placeholder(tf.float32, [2, 9, 3], name="x1")
        outs = [tf.layers.conv2d_transpose(x, 4, 3, strides=2, padding="same"),
                tf.layers.conv2d_transpose(x, 2, (2, 3), strides=(1, 2), padding="valid", activation=tf.nn.relu),
                tf.layers.separable_conv2d(x, 5, 3, depth_multiplier=2, padding="same"),
                tf.layers.separable_conv1d(x1, 4, 3, strides=2),
                tf.layers.conv1d(x1, 4, 2, dilation_rate=2),
                tf.layers.max_pooling1d(x1, 3, 2, padding="same"),
                tf.layers.average_pooling1d(x1, 2, 2)]
        feed = {x: _data(20, (2, 6, 6, 3)), x1: _data(21, (2, 9, 3))}

        def run(sess):
            load_weights(tf, sess)
            return sess.run(outs, feed)

        static = ([(v.name, v.get_shape().as_list()) for v in tf.trainable_variables()],
                  [o.get_shape().as_list() for o in outs])
        return P(run=run, static=static)

    check(prog, rtol=1e-4, atol=1e-5)


@pytest.mark.tf
def test_contrib_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check, load_weights

    def prog(tf):
        x = tf.placeholder(tf.float32, [2, 5, 5, 3], name="x")
        reg = tf.contrib.layers.l2_regularizer(0.1)
        outs = [tf.contrib.layers.conv2d_transpose(x, 4, 3, stride=2, weights_regularizer=reg),
                tf.contrib.layers.convolution2d_transpose(x, 2, [2, 3], stride=[1, 2], padding="VALID",
                                                          activation_fn=None, scope="up"),
                tf.contrib.layers.separable_conv2d(x, 5, 3, depth_multiplier=2, weights_regularizer=reg),
                tf.contrib.layers.separable_conv2d(x, None, 3, depth_multiplier=2, stride=2)]
        feed = {x: _data(30, (2, 5, 5, 3))}

        def run(sess):
            load_weights(tf, sess)
            return sess.run(outs + [tf.losses.get_regularization_loss()], feed)

        static = ([(v.name, v.get_shape().as_list()) for v in tf.model_variables()],
                  [o.get_shape().as_list() for o in outs],
                  len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)))
        return P(run=run, static=static)

    check(prog, rtol=1e-4, atol=1e-5)
