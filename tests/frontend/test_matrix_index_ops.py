"""Band and diagonal views (tf.linalg.band_part, matrix_diag*, matrix_set_diag, tf.diag,
tf.diag_part) against NumPy, with an inf/NaN outside the selection, gradients by finite
differences, and real TensorFlow where installed."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def band_np(x, lower, upper):
    m, n = x.shape[-2:]
    i, j = np.arange(m)[:, None], np.arange(n)[None, :]
    keep = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return np.where(keep, x, 0).astype(x.dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (5, 3)])
def test_band_part_matches_numpy_and_keeps_inf_out(backend, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    x[..., 0, -1] = np.inf  # outside every band below with upper < n - 1
    p = tf.placeholder(tf.float32, [None] * len(shape))
    cases = [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1), (-1, -1), (1, 1)]
    outs = [tf.linalg.band_part(p, lo, up) for lo, up in cases]
    with tf.Session(backend=backend) as s:
        got = s.run(outs, {p: x})
    for (lo, up), g in zip(cases, got):
        np.testing.assert_array_equal(g, band_np(x, lo, up))


@pytest.mark.parametrize("backend", BACKENDS)
def test_diag_part_diag_and_set_diag(backend):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    x[0, 1, 0] = np.nan  # off the diagonal: never read
    d = rng.standard_normal((2, 3)).astype(np.float32)
    v = rng.standard_normal((2, 3)).astype(np.float32)
    t = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)
    outs = [tf.matrix_diag_part(x), tf.matrix_diag(d), tf.matrix_set_diag(x, v), tf.diag(v), tf.diag_part(t),
            tf.matrix_set_diag(np.ones((4, 2), np.float32), np.zeros(2, np.float32))]
    with tf.Session(backend=backend) as s:
        part, square, replaced, big, small, tall = s.run(outs)
    np.testing.assert_array_equal(part, np.diagonal(x, axis1=-2, axis2=-1))
    want = np.zeros((2, 3, 3), np.float32)
    want[:, np.arange(3), np.arange(3)] = d
    np.testing.assert_array_equal(square, want)
    want = x.copy()
    want[:, np.arange(3), np.arange(3)] = v
    np.testing.assert_array_equal(replaced, want)
    want = np.zeros((2, 3, 2, 3), np.float32)
    for a in range(2):
        for b in range(3):
            want[a, b, a, b] = v[a, b]
    np.testing.assert_array_equal(big, want)
    np.testing.assert_array_equal(small, np.array([[t[a, b, a, b] for b in range(3)] for a in range(2)]))
    np.testing.assert_array_equal(tall, np.array([[0, 1], [1, 0], [1, 1], [1, 1]], np.float32))


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((3, 4))
    v0 = rng.standard_normal(3)
    x = tf.placeholder(tf.float64, [3, 4])
    v = tf.placeholder(tf.float64, [3])
    w = tf.constant(rng.standard_normal((3, 4)))
    loss = (tf.reduce_sum(tf.linalg.band_part(x, 1, 0) * w) + tf.reduce_sum(tf.matrix_diag_part(x) ** 2)
            + tf.reduce_sum(tf.matrix_set_diag(x, v) * w) + tf.reduce_sum(tf.matrix_diag(v) * w[:, :3]))
    grads = tf.gradients(loss, [x, v])
    with tf.Session(backend="reference") as s:
        gx, gv = s.run(grads, {x: x0, v: v0})

        def f(a, b):
            return s.run(loss, {x: a, v: b})

        eps = 1e-6
        for k in np.ndindex(x0.shape):
            e = np.zeros_like(x0)
            e[k] = eps
            assert abs((f(x0 + e, v0) - f(x0 - e, v0)) / (2 * eps) - gx[k]) < 1e-6
        for k in range(3):
            e = np.zeros(3)
            e[k] = eps
            assert abs((f(x0, v0 + e) - f(x0, v0 - e)) / (2 * eps) - gv[k]) < 1e-6


def test_bad_ranks_are_value_errors():
    with pytest.raises(ValueError, match="at least 2-D"):
        tf.linalg.band_part(tf.zeros([3]), 0, 0)
    with pytest.raises(ValueError, match="even rank"):
        tf.diag_part(tf.zeros([2, 2, 2]))
    with pytest.raises(ValueError, match="must match"):
        tf.diag_part(tf.zeros([2, 3]))


@pytest.mark.tf
def test_against_tensorflow():
    real = pytest.importorskip("tensorflow")
    tf1 = real.compat.v1
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    d = rng.standard_normal((2, 3)).astype(np.float32)
    t = rng.standard_normal((2, 3, 2, 3)).astype(np.float32)

    def build(m):
        return [m.linalg.band_part(x, 2, 0), m.linalg.band_part(x, -1, 1), m.matrix_diag_part(x), m.matrix_diag(d),
                m.matrix_set_diag(x, d), m.diag(d), m.diag_part(t)]

    with tf1.Graph().as_default():
        want = tf1.Session().run(build(tf1))
    with tf.Session() as s:
        got = s.run(build(tf))
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
