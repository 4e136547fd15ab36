"""tf.TensorArray (frontend/ops/tensor_array_ops.py): values vs NumPy, loops on both backends,
gradients vs finite differences, TF1 errors, and TF itself as an oracle."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.compiler.program import HostStep, WhileStep, walk_steps

BACKENDS = ["reference", "cpu"]
RNG = np.random.default_rng(3)


def run(g, fetches, feeds=None, backend="reference"):
    with tf.Session(graph=g, backend=backend) as s:
        out = s.run(fetches, feeds)
        prog = list(s._cache.values())[-1].executable.program if backend == "cpu" else None
    return out, prog


@pytest.mark.parametrize("backend", BACKENDS)
def test_write_read_stack_outside_loop(backend):
    g = tf.Graph()
    with g.as_default():
        ta = tf.TensorArray(tf.float32, size=3)
        ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0])
        r2 = ta.read(2)
        st = ta.stack()
        n = ta.size()
    (r2v, stv, nv), _ = run(g, [r2, st, n], backend=backend)
    np.testing.assert_array_equal(r2v, [5.0, 6.0])
    np.testing.assert_array_equal(stv, [[1, 2], [0, 0], [5, 6]])  # unwritten rows read as zeros
    assert nv == 3
    assert ta.element_shape.as_list() == [2] and ta.dtype == tf.float32
    assert st.shape.as_list() == [3, 2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_unstack_gather_scatter_concat_split(backend):
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [None, 3])
        ta = tf.TensorArray(tf.float32, size=tf.shape(xp)[0]).unstack(xp)
        gathered = ta.gather([3, 1])
        sc = tf.TensorArray(tf.float32, size=4).scatter([1, 3], xp[:2]).stack()
        cat = tf.TensorArray(tf.float32, size=2).split(xp, [2, 2]).concat()
        parts = tf.TensorArray(tf.float32, size=2).split(xp, [2, 2]).read(1)
    (gv, scv, catv, pv), _ = run(g, [gathered, sc, cat, parts], {xp: x}, backend)
    np.testing.assert_array_equal(gv, x[[3, 1]])
    want = np.zeros((4, 3), np.float32)
    want[[1, 3]] = x[:2]
    np.testing.assert_array_equal(scv, want)
    np.testing.assert_array_equal(catv, x)
    np.testing.assert_array_equal(pv, x[2:])


@pytest.mark.parametrize("backend", BACKENDS)
def test_loop_accumulates_and_compiles_natively(backend):
    x = RNG.standard_normal((6, 5)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [6, 5])
        inp = tf.TensorArray(tf.float32, size=6).unstack(xp)
        out = tf.TensorArray(tf.float32, size=6, element_shape=[5])

        def body(i, acc, out):
            acc = acc + inp.read(i)
            return i + 1, acc, out.write(i, acc * 2.0)

        _, acc, out = tf.while_loop(lambda i, a, o: i < 6, body, (0, tf.zeros([5]), out))
        assert isinstance(out, tf.TensorArray)
        st = out.stack()
    (stv, accv), prog = run(g, [st, acc], {xp: x}, backend)
    np.testing.assert_allclose(stv, 2 * np.cumsum(x, 0), rtol=1e-5)
    np.testing.assert_allclose(accv, x.sum(0), rtol=1e-5)
    if prog is not None:
        steps = list(walk_steps(prog.steps))
        assert any(isinstance(s, WhileStep) for s in steps)
        assert not any(isinstance(s, HostStep) and s.node.op == "While" for s in steps), prog.host_driven
        assert prog.host_driven == {}


@pytest.mark.parametrize("backend", BACKENDS)
def test_dynamic_size_grows_in_loop(backend):
    g = tf.Graph()
    with g.as_default():
        ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[])
        _, ta = tf.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t.write(i, i * i)), (0, ta))
        st, n = ta.stack(), ta.size()
    (stv, nv), _ = run(g, [st, n], backend=backend)
    np.testing.assert_array_equal(stv, [0, 1, 4, 9])
    assert nv == 4


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_through_loop_matches_finite_differences(backend):
    x0 = RNG.standard_normal((4, 3))
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float64, [4, 3])
        inp = tf.TensorArray(tf.float64, size=4).unstack(xp)
        out = tf.TensorArray(tf.float64, size=4, element_shape=[3])

        def body(i, h, out):
            h = tf.tanh(h * 0.7 + inp.read(i))
            return i + 1, h, out.write(i, h)

        _, h, out = tf.while_loop(lambda i, h, o: i < 4, body, (0, tf.zeros([3], tf.float64), out))
        loss = tf.reduce_sum(out.stack() ** 2) + tf.reduce_sum(h)
        grad = tf.gradients(loss, xp)[0]
    with tf.Session(graph=g, backend=backend) as s:
        gv = s.run(grad, {xp: x0})
        eps = 1e-6
        num = np.zeros_like(x0)
        for idx in np.ndindex(*x0.shape):
            d = np.zeros_like(x0)
            d[idx] = eps
            num[idx] = (s.run(loss, {xp: x0 + d}) - s.run(loss, {xp: x0 - d})) / (2 * eps)
    np.testing.assert_allclose(gv, num, rtol=1e-6, atol=1e-8)


def test_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="size"):
            tf.TensorArray(tf.float32)
        ta = tf.TensorArray(tf.float32, size=3).write(0, [1.0, 2.0])
        with pytest.raises(ValueError, match=r"Inconsistent shapes: saw \(3,\) but expected \(2,\)"):
            ta.write(1, [1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="TensorArray dtype is float32 but Op is trying to write dtype int32"):
            ta.write(1, tf.constant([1, 2]))
        ragged = tf.placeholder(tf.float32, [None])
        with pytest.raises(ValueError, match="element_shape"):
            tf.while_loop(lambda i, t: i < 2, lambda i, t: (i + 1, t.write(i, ragged)),
                          (0, tf.TensorArray(tf.float32, size=2)))
        with pytest.raises(ValueError, match="split lengths must all be equal"):
            tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 2])
    g = tf.Graph()
    with g.as_default():
        bad = tf.TensorArray(tf.float32, size=2, element_shape=[]).read(5)
    with tf.Session(graph=g, backend="reference") as s:
        with pytest.raises(tf.errors.InvalidArgumentError):
            s.run(bad)


@pytest.mark.tf
def test_against_tensorflow():
    from compat.harness import check

    def prog(tf):
        x = tf.placeholder(tf.float32, [5, 2])
        inp = tf.TensorArray(tf.float32, size=5).unstack(x)
        out = tf.TensorArray(tf.float32, size=5, element_shape=[2])

        def body(i, s, out):
            s = s * 0.5 + inp.read(i)
            return i + 1, s, out.write(i, tf.sin(s))

        _, s, out = tf.while_loop(lambda i, s, o: i < 5, body, (0, tf.zeros([2]), out))
        st = out.stack()
        grad = tf.gradients(tf.reduce_sum(st * st), x)[0]
        return (st, s, grad), {x: np.arange(10, dtype=np.float32).reshape(5, 2) / 7.0}

    check(prog, names=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_array_without_element_shape_written_in_loop(backend):
    """TF1's usual pattern: no element_shape, the loop body's first write decides it."""
    x = RNG.standard_normal((4, 2)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xp = tf.placeholder(tf.float32, [4, 2])
        ta = tf.TensorArray(tf.float32, size=4)
        n = tf.constant(4)
        _, ta = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t.write(i, tf.gather(xp, i) * 3.0)), (0, ta))
        st = ta.stack()
        assert st.shape.as_list() == [4, 2]
    (stv,), prog = run(g, [st], {xp: x}, backend)
    np.testing.assert_allclose(stv, x * 3.0, rtol=1e-6)
    if prog is not None:
        assert prog.host_driven == {}
