"""The blocked GEMM (compiler/targets/cpu/gemm.py) through the cpu backend: shapes that hit every edge of
the register tiles and cache blocks, transposes, batches with broadcasting, float64, and the
parallel path; compared with NumPy in float64."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
import flowjit.runtime.devices.cpu  # noqa: F401  (registers the cpu backend)

RNG = np.random.default_rng(7)


def matmul_cpu(a, b, ta=False, tb=False, batch=False):
    g = tf.Graph()
    with g.as_default():
        pa, pb = tf.placeholder(a.dtype, a.shape), tf.placeholder(b.dtype, b.shape)
        if batch:
            c = tf.matmul(pa, pb, adjoint_a=ta, adjoint_b=tb)
        else:
            c = tf.matmul(pa, pb, transpose_a=ta, transpose_b=tb)
    with tf.Session(graph=g, backend="cpu") as s:
        out = s.run(c, {pa: a, pb: b})
        ex = list(s._cache.values())[-1].executable
    assert ex.fallback_ops == {}, ex.fallback_ops
    return out


def reference(a, b, ta, tb):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if ta:
        a64 = np.swapaxes(a64, -1, -2)
    if tb:
        b64 = np.swapaxes(b64, -1, -2)
    return a64 @ b64


def check(m, k, n, ta=False, tb=False, dtype=np.float32):
    a = RNG.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = RNG.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    got = matmul_cpu(a, b, ta, tb)
    want = reference(a, b, ta, tb)
    scale = np.sqrt(max(k, 1))
    tol = (1e-5 if dtype == np.float32 else 1e-13) * scale
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert got.dtype == dtype


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 7, 3), (6, 16, 16), (7, 17, 17), (13, 255, 31), (12, 256, 32),
                                   (12, 257, 33), (145, 300, 70), (1, 500, 1), (300, 1, 2), (3, 4, 0), (0, 4, 3)])
def test_shapes_f32(m, k, n):
    check(m, k, n)


@pytest.mark.parametrize("ta,tb", [(False, True), (True, False), (True, True)])
def test_transposes(ta, tb):
    check(37, 129, 45, ta, tb)
    check(7, 300, 19, ta, tb, np.float64)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (6, 8, 8), (7, 9, 9), (50, 260, 30)])
def test_shapes_f64(m, k, n):
    check(m, k, n, dtype=np.float64)


def test_empty_inner_dimension_gives_zeros():
    a = np.zeros((3, 0), np.float32)
    b = np.zeros((0, 4), np.float32)
    np.testing.assert_array_equal(matmul_cpu(a, b), np.zeros((3, 4), np.float32))


def test_large_parallel_and_blocked():
    check(300, 600, 4500)  # two NC blocks, several KC blocks, all threads


def test_batched_with_broadcast():
    a = RNG.standard_normal((2, 1, 5, 7)).astype(np.float32)
    b = RNG.standard_normal((3, 7, 4)).astype(np.float32)
    np.testing.assert_allclose(matmul_cpu(a, b, batch=True), reference(a, b, False, False), rtol=1e-5, atol=1e-5)
    bt = RNG.standard_normal((3, 4, 7)).astype(np.float32)
    np.testing.assert_allclose(matmul_cpu(a, bt, tb=True, batch=True), reference(a, bt, False, True), rtol=1e-5,
                               atol=1e-5)


def test_matmul_with_epilogue_and_nan():
    a = RNG.standard_normal((20, 30)).astype(np.float32)
    a[3, 4] = np.nan
    w = RNG.standard_normal((30, 10)).astype(np.float32)
    bias = RNG.standard_normal(10).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        pa, pw, pb = (tf.placeholder(tf.float32, v.shape) for v in (a, w, bias))
        y = tf.nn.relu(tf.matmul(pa, pw) + pb)
    outs = {}
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            outs[backend] = s.run(y, {pa: a, pw: w, pb: bias})
    np.testing.assert_allclose(outs["cpu"], outs["reference"], rtol=1e-5, atol=1e-5, equal_nan=True)
    assert np.isnan(outs["cpu"][3]).all()


def test_integer_matmul_is_native():
    # integers do not use the GEMM library: a broadcast product reduced over k (tests/compiler/test_native_ops.py)
    a = RNG.integers(-5, 5, (4, 3)).astype(np.int32)
    b = RNG.integers(-5, 5, (3, 2)).astype(np.int32)
    g = tf.Graph()
    with g.as_default():
        pa, pb = tf.placeholder(tf.int32, a.shape), tf.placeholder(tf.int32, b.shape)
        c = tf.matmul(pa, pb) * 2
    with tf.Session(graph=g, backend="cpu") as s:
        np.testing.assert_array_equal(s.run(c, {pa: a, pb: b}), (a @ b) * 2)
        ex = list(s._cache.values())[-1].executable
    assert ex.fallback_ops == {}
