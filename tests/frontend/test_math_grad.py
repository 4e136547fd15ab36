"""Gradients of the math ops: tf.gradients graphs run on the reference backend, checked against
central finite differences in float64 (inputs random, output weighted by random weights), with
static, unknown-dims and unknown-rank placeholders; and against real TensorFlow when installed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import flowjit as tf

EPS = 1e-6
TOL = 2e-5


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _placeholder_shape(shape, mode):
    """static: the full shape; ones: only the 1s known; dims: rank only; rank: nothing."""
    if mode == "static":
        return list(shape)
    if mode == "ones":
        return [1 if d == 1 else None for d in shape]
    if mode == "dims":
        return [None] * len(shape)
    return None


def grad_check(build, inputs, mode="static", seed=0, expect_none=()):
    """Compare tf.gradients of sum(build(*xs) * w) with central differences, for every input."""
    tf.reset_default_graph()
    rng = np.random.default_rng(seed)
    xs = [tf.placeholder(tf.float64, _placeholder_shape(np.shape(a), mode), name=f"x{k}")
          for k, a in enumerate(inputs)]
    y = build(*xs)
    w = tf.placeholder(tf.float64, y.shape, name="w")
    loss = tf.reduce_sum(y * w)
    grads = tf.gradients(loss, xs)
    feed = {x: np.asarray(a, np.float64) for x, a in zip(xs, inputs)}
    with tf.Session(backend="reference") as s:
        feed[w] = rng.standard_normal(np.shape(s.run(y, feed)))
        for k, (x, g) in enumerate(zip(xs, grads)):
            if k in expect_none:
                assert g is None, f"input {k}: expected no gradient"
                continue
            assert g is not None, f"input {k}: no gradient"
            assert g.dtype == tf.float64
            analytic = s.run(g, feed)
            a = feed[x]
            numeric = np.zeros(np.shape(a))
            for idx in np.ndindex(*np.shape(a)):
                for sign in (1.0, -1.0):
                    pert = np.array(a, copy=True)
                    pert[idx] += sign * EPS
                    numeric[idx] += sign * s.run(loss, {**feed, x: pert})
            numeric /= 2 * EPS
            assert np.shape(analytic) == np.shape(a), (np.shape(analytic), np.shape(a))
            np.testing.assert_allclose(analytic, numeric, rtol=TOL, atol=TOL, err_msg=f"input {k} ({mode})")


def rnd(shape, low=-2.0, high=2.0, seed=1):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


MODES = ["static", "dims", "rank"]

# --- unary ----------------------------------------------------------------------------------------------

UNARY = [("negative", (-2, 2)), ("abs", (0.1, 2)), ("square", (-2, 2)), ("sqrt", (0.2, 3)), ("rsqrt", (0.2, 3)),
         ("reciprocal", (0.5, 3)), ("exp", (-2, 2)), ("expm1", (-2, 2)), ("log", (0.2, 3)), ("log1p", (-0.5, 2)),
         ("sin", (-3, 3)), ("cos", (-3, 3)), ("tan", (-1.2, 1.2)), ("asin", (-0.9, 0.9)), ("acos", (-0.9, 0.9)),
         ("atan", (-3, 3)), ("sinh", (-2, 2)), ("cosh", (-2, 2)), ("asinh", (-3, 3)), ("acosh", (1.2, 3)),
         ("atanh", (-0.9, 0.9)), ("tanh", (-2, 2)), ("sigmoid", (-4, 4)), ("erf", (-2, 2)), ("erfc", (-2, 2)),
         ("log_sigmoid", (-5, 5)), ("sign", (0.1, 2))]


@pytest.mark.parametrize("fname,domain", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradients(fname, domain):
    x = rnd((2, 3), *domain)
    grad_check(lambda a: getattr(tf, fname)(a), [x])


def test_abs_has_gradient_for_negative_inputs():
    grad_check(tf.abs, [rnd((4,), -2, -0.1)])


@pytest.mark.parametrize("fname", ["floor", "ceil", "round", "rint"])
def test_piecewise_constant_ops_have_no_gradient(fname):
    x = tf.placeholder(tf.float64, [3])
    assert tf.gradients(getattr(tf, fname)(x), x) == [None]


def test_integer_and_bool_paths_have_no_gradient():
    i = tf.placeholder(tf.int32, [3])
    f = tf.placeholder(tf.float32, [3])
    assert tf.gradients(i * 2 + 1, i) == [None]
    assert tf.gradients(tf.cast(i, tf.float32) * f, [i, f])[0] is None
    assert tf.gradients(tf.reduce_sum(tf.cast(tf.argmax(f), tf.float32)), f) == [None]
    assert tf.gradients(tf.cast(tf.less(f, 1.0), tf.float32), f) == [None]
    assert tf.gradients(tf.floordiv(f, 2.0), f) == [None]
    (g,) = tf.gradients(tf.reduce_sum(tf.where(tf.greater(f, 0.0), f, -f)), f)
    with tf.Session(backend="reference") as s:
        np.testing.assert_array_equal(s.run(g, {f: [1.0, -2.0, 3.0]}), [1.0, -1.0, 1.0])


def test_cast_gradient():
    x = tf.placeholder(tf.float32, [2])
    y = tf.cast(x, tf.float64) * np.array([3.0, 4.0])
    (g,) = tf.gradients(y, x)
    assert g.dtype == tf.float32
    with tf.Session(backend="reference") as s:
        np.testing.assert_array_equal(s.run(g, {x: [1.0, 2.0]}), np.float32([3.0, 4.0]))
    grad_check(lambda a: tf.cast(a, tf.float64), [rnd((3,))])


# --- binary with broadcasting ---------------------------------------------------------------------------

SHAPES = [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((3, 1), (1, 3)), ((2, 3), (2, 3)), ((1,), ())]

BINARY = {
    "add": (tf.add, (-2, 2), (-2, 2)),
    "subtract": (tf.subtract, (-2, 2), (-2, 2)),
    "multiply": (tf.multiply, (-2, 2), (-2, 2)),
    "truediv": (tf.truediv, (-2, 2), (0.5, 2)),
    "realdiv": (tf.realdiv, (-2, 2), (-2, -0.5)),
    "div": (tf.div, (-2, 2), (0.5, 2)),
    "pow": (tf.pow, (0.5, 2), (-2, 2)),
    "maximum": (tf.maximum, (-2, 2), (-2, 2)),
    "minimum": (tf.minimum, (-2, 2), (-2, 2)),
    "squared_difference": (tf.squared_difference, (-2, 2), (-2, 2)),
    "floormod": (tf.floormod, (0.1, 0.9), (1.1, 2)),
    "truncatemod": (tf.truncatemod, (-0.9, -0.1), (1.1, 2)),
    "atan2": (tf.atan2, (-2, 2), (0.5, 2)),
    "xlogy": (tf.xlogy, (0.5, 2), (0.5, 2)),
    "xdivy": (tf.xdivy, (0.5, 2), (0.5, 2)),
    "div_no_nan": (tf.div_no_nan, (-2, 2), (0.5, 2)),
    "multiply_no_nan": (tf.multiply_no_nan, (-2, 2), (0.5, 2)),
}


@pytest.mark.parametrize("fname", sorted(BINARY))
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_binary_gradients(fname, shapes):
    fn, dx, dy = BINARY[fname]
    grad_check(fn, [rnd(shapes[0], *dx, seed=2), rnd(shapes[1], *dy, seed=3)])


@pytest.mark.parametrize("mode", ["ones", "dims", "rank"])
@pytest.mark.parametrize("fname", ["add", "multiply", "truediv", "maximum", "pow"])
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((3, 1), (1, 3))], ids=str)
def test_binary_gradients_with_unknown_shapes(fname, shapes, mode):
    fn, dx, dy = BINARY[fname]
    grad_check(fn, [rnd(shapes[0], *dx, seed=4), rnd(shapes[1], *dy, seed=5)], mode=mode)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from(["static", "ones", "dims", "rank"]))
def test_hypothesis_broadcast_gradients(shapes, mode):
    sx, sy, sz = shapes.input_shapes
    inputs = [rnd(sx), rnd(sy, seed=2), rnd(sz, seed=3)]
    grad_check(lambda a, b, c: a * b + tf.where_v2(tf.greater(c, 0.0), a, c), inputs, mode=mode)


def test_broadcast_gradient_uses_static_plan_when_shapes_are_known():
    x = tf.placeholder(tf.float64, [None, 3])
    b = tf.placeholder(tf.float64, [3])
    (gx, gb) = tf.gradients(tf.reduce_sum(x + b), [x, b])
    ops = {op.type for op in tf.get_default_graph().get_operations()}
    assert "BroadcastGradientArgs" not in ops
    assert gb.shape == (3,)
    with tf.Session(backend="reference") as s:
        np.testing.assert_array_equal(s.run(gb, {x: np.ones((4, 3)), b: np.zeros(3)}), [4.0, 4.0, 4.0])


def test_ambiguous_broadcast_falls_back_to_dynamic_reduction():
    x = tf.placeholder(tf.float64, [None, 3])
    y = tf.placeholder(tf.float64, [None, 3])
    gx, gy = tf.gradients(tf.reduce_sum(x * y), [x, y])
    assert "BroadcastGradientArgs" in {op.type for op in tf.get_default_graph().get_operations()}
    with tf.Session(backend="reference") as s:
        out = s.run([gx, gy], {x: np.ones((1, 3)), y: np.full((5, 3), 2.0)})
    np.testing.assert_array_equal(out[0], [[10.0, 10.0, 10.0]])
    np.testing.assert_array_equal(out[1], np.ones((5, 3)))


def test_maximum_minimum_ties_go_to_x():
    x = tf.placeholder(tf.float64, [2])
    y = tf.placeholder(tf.float64, [2])
    grads = tf.gradients(tf.reduce_sum(tf.maximum(x, y)) + 10 * tf.reduce_sum(tf.minimum(x, y)), [x, y])
    with tf.Session(backend="reference") as s:
        gx, gy = s.run(grads, {x: [1.0, 1.0], y: [1.0, 2.0]})
    np.testing.assert_array_equal(gx, [11.0, 10.0])
    np.testing.assert_array_equal(gy, [0.0, 1.0])


def test_pow_gradient_at_nonpositive_base():
    x = tf.placeholder(tf.float64, [3])
    y = tf.placeholder(tf.float64, [3])
    gx, gy = tf.gradients(tf.reduce_sum(tf.pow(x, y)), [x, y])
    with tf.Session(backend="reference") as s:
        ox, oy = s.run([gx, gy], {x: [0.0, -2.0, 2.0], y: [2.0, 2.0, 3.0]})
    np.testing.assert_allclose(ox, [0.0, -4.0, 12.0])
    np.testing.assert_allclose(oy, [0.0, 0.0, 8.0 * np.log(2.0)])  # 0 where x <= 0, as TF


@pytest.mark.parametrize("mode", MODES)
def test_select_and_where_v2_gradients(mode):
    c = np.array([[True, False, True], [False, False, True]])
    grad_check(lambda a, b: tf.where(c, a, b), [rnd((2, 3)), rnd((2, 3), seed=2)], mode=mode)
    grad_check(lambda a, b: tf.where(np.array([True, False]), a, b), [rnd((2, 3)), rnd((2, 3), seed=2)], mode=mode)
    grad_check(lambda a, b: tf.where_v2(np.array([True, False, True]), a, b), [rnd((2, 3)), rnd((1,), seed=2)],
               mode=mode)
    grad_check(lambda a, b: tf.where_v2(c, a, b), [rnd(()), rnd((3,), seed=2)], mode=mode)


@pytest.mark.parametrize("mode", ["static", "dims"])
def test_clip_by_value_gradient(mode):
    t = np.array([[-3.0, -0.5, 0.2, 2.5], [1.7, -1.2, 0.0, 3.0]])
    grad_check(lambda a: tf.clip_by_value(a, -1.0, 1.5), [t], mode=mode)
    grad_check(lambda a, lo, hi: tf.clip_by_value(a, lo, hi),
               [t, np.array([-1.0, -1.0, -1.0, -1.0]), np.array(1.5)], mode=mode)


def test_clip_by_value_gradient_at_the_bounds_passes_through():
    t = tf.placeholder(tf.float64, [3])
    lo = tf.placeholder(tf.float64, [])
    gt, glo = tf.gradients(tf.reduce_sum(tf.clip_by_value(t, lo, 1.0)), [t, lo])
    with tf.Session(backend="reference") as s:
        out = s.run([gt, glo], {t: [-1.0, 1.0, -5.0], lo: -1.0})
    np.testing.assert_array_equal(out[0], [1.0, 1.0, 0.0])
    assert out[1] == 1.0


def test_add_n_gradient():
    grad_check(lambda a, b, c: tf.add_n([a, b, c]) * a, [rnd((2, 2)), rnd((2, 2), seed=2), rnd((2, 2), seed=3)])


# --- matmul -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_gradients(ta, tb):
    a = rnd((4, 3) if ta else (3, 4))
    b = rnd((2, 4) if tb else (4, 2), seed=2)
    grad_check(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shapes,adj", [(((2, 1, 2, 3), (3, 3, 2)), (False, False)),
                                        (((2, 3), (4, 3, 2)), (False, False)),
                                        (((2, 3, 2), (2, 4, 3)), (True, True)),
                                        (((3, 2), (2, 3, 2)), (True, False)),
                                        (((1, 2, 3), (2, 4, 3)), (False, True))], ids=str)
def test_batch_matmul_gradients(shapes, adj, mode):
    a, b = rnd(shapes[0]), rnd(shapes[1], seed=2)
    grad_check(lambda x, y: tf.matmul(x, y, adjoint_a=adj[0], adjoint_b=adj[1]), [a, b], mode=mode)


# --- reductions -------------------------------------------------------------------------------------------

REDUCTIONS = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp",
              "reduce_euclidean_norm"]
AXES = [None, 0, -1, [0, 2], [1], []]


@pytest.mark.parametrize("fname", REDUCTIONS)
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradients(fname, axis, keepdims):
    x = rnd((2, 3, 2), 0.5, 2.0, seed=6)  # distinct values: no ties for max/min
    grad_check(lambda a: getattr(tf, fname)(a, axis=axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("mode", ["dims", "rank"])
@pytest.mark.parametrize("fname", ["reduce_sum", "reduce_mean", "reduce_max", "reduce_logsumexp",
                                   "reduce_euclidean_norm"])
def test_reduction_gradients_with_unknown_shapes(fname, mode):
    x = rnd((2, 3, 2), 0.5, 2.0, seed=7)
    grad_check(lambda a: getattr(tf, fname)(a, axis=[0, 2]), [x], mode=mode)
    grad_check(lambda a: getattr(tf, fname)(a, axis=1, keepdims=True), [x], mode=mode)
    grad_check(lambda a: getattr(tf, fname)(a), [x], mode=mode)


def test_reduction_gradient_with_fed_axes():
    x = tf.placeholder(tf.float64, [2, 3])
    axes = tf.placeholder(tf.int32, [None])
    (g,) = tf.gradients(tf.reduce_sum(tf.reduce_mean(x, axes) * 2.0), x)
    with tf.Session(backend="reference") as s:
        np.testing.assert_allclose(s.run(g, {x: np.ones((2, 3)), axes: [1]}), np.full((2, 3), 2.0 / 3))
        np.testing.assert_allclose(s.run(g, {x: np.ones((2, 3)), axes: [0, 1]}), np.full((2, 3), 2.0 / 6))
    with pytest.raises(NotImplementedError, match="Prod"):
        tf.gradients(tf.reduce_prod(x, axes), x)


@pytest.mark.parametrize("mode", ["static", "dims"])
def test_prod_gradient_with_zeros(mode):
    x = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0], [0.5, -2.0, 4.0]])
    grad_check(lambda a: tf.reduce_prod(a, 1), [x], mode=mode)
    grad_check(lambda a: tf.reduce_prod(a, 0, keepdims=True), [x], mode=mode)
    grad_check(lambda a: tf.reduce_prod(a), [x[[0, 2]]], mode=mode)
    grad_check(lambda a: tf.reduce_prod(a, [0, 2]), [rnd((2, 2, 3), seed=8)], mode=mode)


def test_max_gradient_splits_ties():
    x = tf.placeholder(tf.float64, [2, 3])
    (g,) = tf.gradients(tf.reduce_max(x, 1), x)
    with tf.Session(backend="reference") as s:
        np.testing.assert_allclose(s.run(g, {x: [[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]}),
                                   [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_composite_reductions():
    from flowjit import math as tfm

    x = rnd((3, 4), seed=9)
    grad_check(lambda a: tfm.reduce_std(a, 1), [x])
    grad_check(lambda a: tfm.reduce_variance(a), [x])
    grad_check(lambda a: tfm.l2_normalize(a, 1), [x])
    grad_check(lambda a: tf.clip_by_norm(a, 1.0), [x])
    grad_check(lambda a: tf.clip_by_norm(a, 100.0, axes=[0]), [x])
    grad_check(lambda a, b: tf.global_norm([a, b]), [x, rnd((2,), seed=3)])
    grad_check(lambda a, b: tf.clip_by_global_norm([a, b], 1.0)[0][0], [x, rnd((2,), seed=3)])


# --- scans and linear algebra helpers -------------------------------------------------------------------------

@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, -1])
def test_cumsum_cumprod_gradients(exclusive, reverse, axis):
    x = rnd((3, 4), 0.5, 2.0, seed=10)
    grad_check(lambda a: tf.cumsum(a, axis, exclusive=exclusive, reverse=reverse), [x])
    grad_check(lambda a: tf.cumprod(a, axis, exclusive=exclusive, reverse=reverse), [x])


def test_cumsum_gradient_with_unknown_rank():
    grad_check(lambda a: tf.cumsum(a, 1, reverse=True), [rnd((2, 3))], mode="rank")


@pytest.mark.parametrize("mode", ["static", "dims", "rank"])
def test_trace_gradient(mode):
    grad_check(tf.trace, [rnd((3, 3))], mode=mode)
    grad_check(tf.trace, [rnd((2, 3, 4))], mode=mode)


def test_tensordot_gradient():
    grad_check(lambda a, b: tf.tensordot(a, b, 1), [rnd((2, 3)), rnd((3, 4), seed=2)])
    grad_check(lambda a, b: tf.tensordot(a, b, [[1, 2], [1, 0]]), [rnd((2, 3, 4)), rnd((4, 3, 2), seed=2)])


def test_second_order_gradients():
    x = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(tf.tanh(x) * x * x)
    (g,) = tf.gradients(y, x)
    (h,) = tf.gradients(tf.reduce_sum(g), x)
    xv = np.array([0.3, -1.2, 2.0])
    t = np.tanh(xv)
    d1 = 1 - t ** 2
    d2 = -2 * t * d1
    want = d2 * xv ** 2 + 4 * d1 * xv + 2 * t
    with tf.Session(backend="reference") as s:
        np.testing.assert_allclose(s.run(h, {x: xv}), want, rtol=1e-10)
    grad_check(lambda a: tf.gradients(tf.reduce_sum(tf.matmul(a, a) * a), a)[0], [rnd((2, 2))])
    grad_check(lambda a: tf.gradients(tf.reduce_max(a * a, 1), a)[0] * a, [rnd((2, 3), 0.5, 2.0)])


# --- against real TensorFlow ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    v1.disable_eager_execution()
    return v1


GRAD_PROGRAMS = {
    "broadcast_arith": (lambda t, a, b: (a * b + a / (b + 3.0) - t.pow(t.abs(a) + 1.0, b)), [(3, 4), (4,)]),
    "max_min": (lambda t, a, b: t.maximum(a, b) * t.minimum(a, 0.5), [(2, 3), (2, 3)]),
    "batch_matmul": (lambda t, a, b: t.matmul(a, b, transpose_b=True), [(2, 1, 2, 3), (3, 4, 3)]),
    "reductions": (lambda t, a, b: t.reduce_prod(a, 1) + t.reduce_max(b, 1) + t.reduce_logsumexp(a * b, 1),
                   [(2, 3), (2, 3)]),
    "scans": (lambda t, a, b: t.cumprod(a, 1, exclusive=True) + t.cumsum(b, 1, reverse=True), [(2, 3), (2, 3)]),
    "clip_select": (lambda t, a, b: t.clip_by_value(a, -0.5, 0.5) + t.where(t.greater(a, b), a * b, b),
                    [(2, 3), (2, 3)]),
    "unary": (lambda t, a, b: t.sigmoid(a) * t.tanh(b) + t.erf(a) + t.atan2(a, b) + t.sqrt(t.square(b) + 1.0),
              [(3,), (3,)]),
    "mean_sum_keepdims": (lambda t, a, b: t.reduce_mean(a, [0, 2], keepdims=True) * b, [(2, 3, 2), (3, 1)]),
}


@pytest.mark.tf
@pytest.mark.parametrize("program", sorted(GRAD_PROGRAMS))
def test_gradients_against_tensorflow(tf1, program):
    build, shapes = GRAD_PROGRAMS[program]
    values = [rnd(s, seed=k + 11) for k, s in enumerate(shapes)]
    values[0][..., 0] = 0.0 if program == "reductions" else values[0][..., 0]  # zeros in the product

    def grads(t, session_cls, graph):
        with graph.as_default():
            xs = [t.placeholder(t.float64, s) for s in shapes]
            y = build(t, *xs)
            gs = t.gradients(t.reduce_sum(y * 1.7), xs)
            with session_cls(graph=graph) as s:
                return s.run(gs, dict(zip(xs, values)))

    ours = grads(tf, lambda graph: tf.Session(graph=graph, backend="reference"), tf.Graph())
    theirs = grads(tf1, lambda graph: tf1.Session(graph=graph), tf1.Graph())
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
