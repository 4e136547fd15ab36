"""Gradients of the array ops against central finite differences (float64, reference backend)."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.frontend.ops.array_ops import top_k


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def check_gradients(build, *inputs, eps=1e-6, tol=1e-7, seed=0, dynamic=False):
    """d(sum(w * build(*xs)))/dxs from tf.gradients vs central differences, for random w.

    `dynamic`: the placeholders have unknown dims, so the gradients take their dynamic paths.
    """
    rng = np.random.default_rng(seed)
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    with tf.Graph().as_default():
        xs = [tf.placeholder(tf.float64, [None] * a.ndim if dynamic else a.shape) for a in inputs]
        y = build(*xs)
        w = tf.placeholder(tf.float64)
        grads = tf.gradients(y, xs, grad_ys=w)
        assert all(g is not None for g in grads), grads
        with tf.Session(backend="reference") as sess:
            feed = dict(zip(xs, inputs))
            y0 = sess.run(y, feed)
            weights = rng.standard_normal(np.shape(y0))
            feed[w] = weights
            analytic = sess.run(grads, feed)

            def f(k, value):
                fd = dict(feed)
                fd[xs[k]] = value
                return float(np.sum(weights * sess.run(y, fd)))

            for k, a in enumerate(inputs):
                assert analytic[k].shape == a.shape, (analytic[k].shape, a.shape)
                numeric = np.zeros_like(a)
                for idx in np.ndindex(*a.shape):
                    plus, minus = a.copy(), a.copy()
                    plus[idx] += eps
                    minus[idx] -= eps
                    numeric[idx] = (f(k, plus) - f(k, minus)) / (2 * eps)
                np.testing.assert_allclose(analytic[k], numeric, atol=tol * 10 + 1e-6, rtol=1e-5)
        return analytic


def rand(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def test_identity_and_reshape_family():
    check_gradients(lambda x: tf.identity(x), rand(2, 3))
    check_gradients(lambda x: tf.reshape(x, [3, -1]), rand(2, 3))
    check_gradients(lambda x: tf.reshape(x, [-1]), rand(2, 3), dynamic=True)
    check_gradients(lambda x: tf.expand_dims(x, 1), rand(2, 3))
    check_gradients(lambda x: tf.squeeze(x, [0]), rand(1, 3))
    check_gradients(lambda x: tf.squeeze(x), rand(1, 3, 1))
    check_gradients(lambda x: tf.transpose(x, [2, 0, 1]), rand(2, 3, 2))
    check_gradients(lambda x: tf.transpose(x), rand(2, 3), dynamic=True)
    check_gradients(lambda x: tf.matrix_transpose(x), rand(2, 2, 3))


def test_concat_stack_unstack_split():
    check_gradients(lambda a, b: tf.concat([a, b], 1), rand(2, 3), rand(2, 1, seed=2))
    check_gradients(lambda a, b: tf.concat([a, b, a], -2), rand(2, 3), rand(1, 3, seed=2), dynamic=True)
    check_gradients(lambda a, b: tf.stack([a, b], axis=1), rand(2, 3), rand(2, 3, seed=2))
    check_gradients(lambda x: tf.unstack(x, axis=1)[2], rand(2, 3))
    check_gradients(lambda x: tf.stack(tf.unstack(x)[::-1]), rand(3, 2))
    check_gradients(lambda x: tf.split(x, 2, axis=1)[1], rand(2, 4))
    check_gradients(lambda x: tf.concat(tf.split(x, [1, -1, 1], axis=0)[::-1], 0), rand(4, 2))
    check_gradients(lambda x: tf.split(x, [2, 1], axis=1)[0], rand(2, 3), dynamic=True)


def test_tile_pad_reverse_broadcast():
    check_gradients(lambda x: tf.tile(x, [2, 3]), rand(2, 2))
    check_gradients(lambda x: tf.tile(x, [3, 1, 2]), rand(1, 2, 2), dynamic=True)
    check_gradients(lambda x: tf.pad(x, [[1, 0], [2, 1]]), rand(2, 3))
    check_gradients(lambda x: tf.pad(x, [[1, 2], [0, 1]], constant_values=3.0), rand(2, 3))
    check_gradients(lambda x: tf.pad(x, [[1, 0], [0, 2]]), rand(2, 3), dynamic=True)
    for mode in ("REFLECT", "SYMMETRIC"):
        check_gradients(lambda x: tf.pad(x, [[2, 1], [1, 2]], mode=mode), rand(3, 3))
    check_gradients(lambda x: tf.reverse(x, [0, 2]), rand(2, 3, 2))
    check_gradients(lambda x: tf.broadcast_to(x, [2, 3, 3]), rand(3, 1))
    check_gradients(lambda x: tf.broadcast_to(x, [4, 3]), rand(3), dynamic=True)
    check_gradients(lambda x: tf.reverse_sequence(x, [2, 3], seq_axis=1), rand(2, 4))


def test_slice_and_strided_slice():
    check_gradients(lambda x: tf.slice(x, [1, 0], [2, -1]), rand(4, 3))
    check_gradients(lambda x: tf.slice(x, [1, 1], [-1, 2]), rand(3, 4), dynamic=True)
    check_gradients(lambda x: x[1:, ::-2], rand(3, 5))
    check_gradients(lambda x: x[..., 1, tf.newaxis], rand(2, 3, 4))
    check_gradients(lambda x: x[::2, -1], rand(5, 3), dynamic=True)
    check_gradients(lambda x: tf.strided_slice(x, [0, 3], [2, 0], [1, -1], begin_mask=1, shrink_axis_mask=0), rand(3, 4))
    check_gradients(lambda x: tf.concat([x[1], x[1], x[0]], 0), rand(2, 3))  # one input read three times


def test_gather_family():
    idx = np.array([[2, 0], [2, 2]], np.int32)
    check_gradients(lambda p: tf.gather(p, idx), rand(3, 2))
    check_gradients(lambda p: tf.gather(p, idx, axis=1), rand(2, 3, 2))
    check_gradients(lambda p: tf.gather(p, [3, 1, 3], axis=-1), rand(2, 4), dynamic=True)
    check_gradients(lambda p: tf.gather(p, 1, axis=1), rand(2, 3, 2))
    check_gradients(lambda p: tf.gather(p, np.array([[1, 1, 0], [2, 0, 0]]), axis=1, batch_dims=1), rand(2, 3, 2))
    check_gradients(lambda p: tf.gather(p, np.array([[0, 1], [1, 1]]), axis=2, batch_dims=1), rand(2, 2, 2, 1))
    check_gradients(lambda p: tf.gather_nd(p, [[0, 1], [2, 0], [0, 1]]), rand(3, 2, 2))
    check_gradients(lambda p: tf.gather_nd(p, [[1], [1]]), rand(2, 3))
    check_gradients(lambda u: tf.scatter_nd([[1], [3], [1]], u, [5, 2]), rand(3, 2))
    check_gradients(lambda p: tf.batch_gather(p, np.array([[2, 0], [1, 1]])), rand(2, 3))


def test_tensor_scatter():
    idx = [[1], [0]]
    check_gradients(lambda t, u: tf.tensor_scatter_nd_update(t, idx, u), rand(3, 2), rand(2, 2, seed=3))
    check_gradients(lambda t, u: tf.tensor_scatter_nd_add(t, idx, u), rand(3, 2), rand(2, 2, seed=3))
    check_gradients(lambda t, u: tf.tensor_scatter_nd_sub(t, idx, u), rand(3, 2), rand(2, 2, seed=3))


def test_top_k_values():
    v = np.array([[0.3, -1.0, 2.0, 0.7], [1.5, 0.2, -0.4, 0.9]])
    check_gradients(lambda x: top_k(x, 2).values, v)
    check_gradients(lambda x: top_k(x, 3).values, v[0])


def test_space_depth_and_fill():
    check_gradients(lambda x: tf.space_to_depth(x, 2), rand(1, 2, 4, 1))
    check_gradients(lambda x: tf.depth_to_space(x, 2), rand(1, 1, 2, 4))
    check_gradients(lambda x: tf.fill([2, 3], x), rand())


def test_second_order_strided_slice_and_mirror_pad():
    """The gradient ops have gradients too: d/dg of (gradient of slicing with weights g)."""
    def ss_grad(g):
        x = tf.constant(rand(3, 4))
        y = x[1:, ::2]
        return tf.gradients(y, x, grad_ys=g)[0]

    check_gradients(ss_grad, rand(2, 2))

    def mp_grad(g):
        x = tf.constant(rand(3, 3))
        return tf.gradients(tf.pad(x, [[1, 2], [2, 0]], mode="REFLECT"), x, grad_ys=g)[0]

    check_gradients(mp_grad, rand(6, 5))


def test_no_gradient_to_indices_and_shape_ops():
    x = tf.placeholder(tf.float64, [3])
    i = tf.placeholder(tf.int32, [2])
    y = tf.gather(x, i)
    gx, gi = tf.gradients(y, [x, i])
    assert gx is not None and gi is None
    d = tf.placeholder(tf.float64, [None])
    assert tf.gradients(tf.cast(tf.shape(d), tf.float64), d)[0] is None
    z = tf.one_hot(i, 3)
    assert tf.gradients(z, i)[0] is None
    s = tf.stop_gradient(x)
    assert tf.gradients(s, x)[0] is None
