"""tf.map_fn / tf.scan / tf.foldl / tf.foldr (frontend/ops/functional_ops.py): values vs NumPy on
both backends, nested structures, gradients vs finite differences, TF as an oracle."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]
RNG = np.random.default_rng(11)


def run(g, fetches, feeds=None, backend="reference"):
    with tf.Session(graph=g, backend=backend) as s:
        out = s.run(fetches, feeds)
        prog = list(s._cache.values())[-1].executable.program if backend == "cpu" else None
    return out, prog


@pytest.mark.parametrize("backend", BACKENDS)
def test_map_fn_single_nested_and_dtype(backend):
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [5, 3])
        sq = tf.map_fn(lambda r: r * r + 1.0, xp)
        sums = tf.map_fn(lambda r: tf.reduce_sum(r), xp)
        pair = tf.map_fn(lambda ab: (ab[0] + ab[1], ab[0] * 2.0), (xp, xp * 3.0))
        ints = tf.map_fn(lambda r: tf.cast(tf.argmax(r), tf.int32), xp, dtype=tf.int32)
        assert sq.shape.as_list() == [5, 3] and sums.shape.as_list() == [5]
    (sqv, sv, (p0, p1), iv), prog = run(g, [sq, sums, pair, ints], {xp: x}, backend)
    np.testing.assert_allclose(sqv, x * x + 1.0, rtol=1e-6)
    np.testing.assert_allclose(sv, x.sum(1), rtol=1e-5)
    np.testing.assert_allclose(p0, x * 4.0, rtol=1e-6)
    np.testing.assert_allclose(p1, x * 2.0, rtol=1e-6)
    np.testing.assert_array_equal(iv, x.argmax(1).astype(np.int32))
    if prog is not None:
        assert prog.host_driven == {}, prog.host_driven


@pytest.mark.parametrize("backend", BACKENDS)
def test_scan_forward_reverse_initializer_nested(backend):
    x = RNG.standard_normal((6, 2)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [None, 2])
        cs = tf.scan(lambda a, e: a + e, xp)
        rcs = tf.scan(lambda a, e: a + e, xp, reverse=True)
        init = tf.scan(lambda a, e: a * 0.5 + e, xp, initializer=tf.ones([2]))
        both = tf.scan(lambda a, e: (a[0] + e, a[1] * 2.0), xp, initializer=(tf.zeros([2]), tf.ones([2])))
    (c, r, i, (b0, b1)), _ = run(g, [cs, rcs, init, both], {xp: x}, backend)
    np.testing.assert_allclose(c, np.cumsum(x, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(r, np.cumsum(x[::-1], 0)[::-1], rtol=1e-5, atol=1e-6)
    want, a = [], np.ones(2, np.float32)
    for e in x:
        a = a * 0.5 + e
        want.append(a)
    np.testing.assert_allclose(i, np.array(want), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b0, np.cumsum(x, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, 2.0 ** np.arange(1, 7)[:, None] * np.ones((6, 2)), rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_foldl_foldr(backend):
    x = np.arange(1, 6, dtype=np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [5])
        fl = tf.foldl(lambda a, e: a * 2.0 + e, xp)
        fr = tf.foldr(lambda a, e: a * 2.0 + e, xp)
        fi = tf.foldl(lambda a, e: a - e, xp, initializer=tf.constant(100.0))
        nested = tf.foldl(lambda a, e: (a[0] + e[0], a[1] * e[1]), (xp, xp), initializer=(0.0, 1.0))
    (l, r, i, (n0, n1)), _ = run(g, [fl, fr, fi, nested], {xp: x}, backend)
    a = x[0]
    for e in x[1:]:
        a = a * 2 + e
    assert l == pytest.approx(a)
    a = x[-1]
    for e in x[::-1][1:]:
        a = a * 2 + e
    assert r == pytest.approx(a)
    assert i == pytest.approx(100.0 - x.sum())
    assert (n0, n1) == (pytest.approx(x.sum()), pytest.approx(np.prod(x)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_match_finite_differences(backend):
    x0 = RNG.standard_normal((4, 3))
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float64, [4, 3])
        m = tf.map_fn(lambda r: tf.sin(r) * r, xp)
        s = tf.scan(lambda a, e: tf.tanh(a * 0.9 + e), xp)
        f = tf.foldr(lambda a, e: a * tf.cos(e), xp, initializer=tf.ones([3], tf.float64))
        loss = tf.reduce_sum(m) + tf.reduce_sum(s * s) + tf.reduce_sum(f)
        grad = tf.gradients(loss, xp)[0]
    with tf.Session(graph=g, backend=backend) as sess:
        gv = sess.run(grad, {xp: x0})
        eps, num = 1e-6, np.zeros_like(x0)
        for idx in np.ndindex(*x0.shape):
            d = np.zeros_like(x0)
            d[idx] = eps
            num[idx] = (sess.run(loss, {xp: x0 + d}) - sess.run(loss, {xp: x0 - d})) / (2 * eps)
    np.testing.assert_allclose(gv, num, rtol=1e-6, atol=1e-8)


def test_errors():
    with tf.Graph().as_default():
        x = tf.ones([3, 2])
        with pytest.raises(TypeError, match="fn must be callable"):
            tf.map_fn(3, x)
        with pytest.raises(ValueError, match="same nested structure"):
            tf.map_fn(lambda r: (r, r), x)
        with pytest.raises(ValueError, match="1\\+ dimensional"):
            tf.scan(lambda a, e: a + e, tf.constant(1.0))


@pytest.mark.tf
def test_against_tensorflow():
    from compat.harness import check

    def prog(tf):
        x = tf.placeholder(tf.float32, [4, 3])
        m = tf.map_fn(lambda r: tf.reduce_sum(r * r), x)
        s = tf.scan(lambda a, e: a * 0.5 + e, x, reverse=True)
        fl = tf.foldl(lambda a, e: a + tf.reduce_max(e), x, initializer=tf.constant(0.0))
        grad = tf.gradients(tf.reduce_sum(s) + tf.reduce_sum(m) + fl, x)[0]
        return (m, s, fl, grad), {x: np.arange(12, dtype=np.float32).reshape(4, 3) / 5.0}

    check(prog, names=False)
