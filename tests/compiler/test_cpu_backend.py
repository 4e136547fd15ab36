"""The LLVM `cpu` backend against the `reference` backend (the oracle).

Every natively compiled op is run on both backends over its dtypes and edge shapes (scalars,
zero-size, size-1 dims, NaN/inf, huge and tiny values); run-time errors must name the node;
nodes without a lowering must run on the host and be reported in `fallback_ops`.
Many ops share one graph per dtype so a test compiles a handful of plans, not hundreds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import flowjit as tf
import flowjit.runtime.devices.cpu as cpu
from flowjit import errors

RNG = np.random.default_rng(1234)


# --- helpers -------------------------------------------------------------------------------------

def run_both(build, feeds, targets=()):
    """Build a graph from placeholders for `feeds`; run it on both backends.

    Returns (reference results, cpu results, cpu executable)."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        outs = build(*phs)
    single = not isinstance(outs, (list, tuple))
    fetches = [outs] if single else list(outs)
    fd = dict(zip(phs, feeds))
    with tf.Session(graph=g, backend="reference") as s:
        ref = s.run(fetches, fd)
    with tf.Session(graph=g, backend="cpu") as s:
        got = s.run(fetches, fd)
        ex = list(s._cache.values())[-1].executable
    return ref, got, ex


def assert_same(got, ref, rtol=1e-6, atol=1e-6, what=""):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.dtype == ref.dtype, f"{what}: dtype {got.dtype} != {ref.dtype}"
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    if ref.dtype.kind == "f":
        g64, r64 = got.astype(np.float64), ref.astype(np.float64)
        np.testing.assert_allclose(g64, r64, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, ref, err_msg=what)


def check(build, feeds, rtol=1e-6, atol=1e-6, native=True):
    ref, got, ex = run_both(build, feeds)
    for k, (r, g) in enumerate(zip(ref, got)):
        assert_same(g, r, rtol, atol, what=f"output {k}")
    if native:
        assert ex.fallback_ops == {}, f"unexpected host fallback: {ex.fallback_ops}"
    return ex


def float_values(dtype, n=64):
    """Random values plus the edge cases: zeros, signs, huge, tiny, inf, NaN."""
    info = np.finfo(dtype)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.5, float(info.max), float(-info.max), float(info.tiny),
               float(info.tiny) / 4, np.inf, -np.inf, np.nan, 1e-3, 30.0, -30.0, 100.0, -100.0]
    rnd = RNG.standard_normal(n) * RNG.choice([0.01, 1, 10], n)
    return np.concatenate([np.array(special), rnd]).astype(dtype)


def int_values(dtype, n=40):
    info = np.iinfo(dtype)
    special = [0, 1, -1, 2, -2, 7, -7, info.max, info.min, info.max - 1, info.min + 1]
    special = [v for v in special if info.min <= v <= info.max]
    return np.concatenate([np.array(special), RNG.integers(max(info.min, -1000), min(info.max, 1000), n)]).astype(dtype)


FLOATS = [np.float32, np.float64, np.float16]
INTS = [np.int32, np.int64, np.int8, np.int16, np.uint8]


def tol(dtype, transcendental=False):
    if dtype == np.float16:
        return dict(rtol=2e-3, atol=1e-3)
    if dtype == np.float32:
        return dict(rtol=2e-6 if transcendental else 1e-6, atol=1e-6 if transcendental else 0)
    return dict(rtol=1e-13, atol=1e-300)


# --- elementwise --------------------------------------------------------------------------------------

UNARY_FLOAT = [tf.negative, tf.abs, tf.sign, tf.square, tf.floor, tf.ceil, tf.rint, tf.round, tf.nn.relu,
               tf.nn.relu6, tf.math.is_nan, tf.math.is_inf, tf.math.is_finite]
TRANSCENDENTAL = [tf.exp, tf.math.expm1, tf.log, tf.math.log1p, tf.sqrt, tf.math.rsqrt, tf.math.reciprocal, tf.tanh,
                  tf.sigmoid, tf.nn.softplus, tf.nn.softsign, tf.nn.elu, tf.nn.selu, tf.math.erf]
TRIG_EXACT_RANGE = 1.69e9  # sin/cos/tan reduce arguments exactly up to here (compiler/llvm/mathlib.py)


@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_float_ops(dtype):
    x = float_values(dtype)
    check(lambda a: [f(a) for f in UNARY_FLOAT], [x])
    t = tol(dtype, transcendental=True)
    check(lambda a: [f(a) for f in TRANSCENDENTAL], [x], **t)
    inside = x[~(np.abs(x) >= TRIG_EXACT_RANGE)]  # NaN and inf stay in
    check(lambda a: [tf.sin(a), tf.cos(a)], [inside], **t)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_trig_beyond_the_exact_range_is_bounded(dtype):
    """The documented limit: past |x| = 1.69e9 sin/cos are finite and in [-1, 1], not exact."""
    x = np.array([2e9, -3e12, 1e30, float(np.finfo(dtype).max)], dtype)
    _, got, ex = run_both(lambda a: [tf.sin(a), tf.cos(a)], [x])
    for g in got:
        assert np.all(np.isfinite(g)) and np.all(np.abs(g) <= 1.0), g
    assert ex.fallback_ops == {}


@pytest.mark.parametrize("dtype", INTS)
def test_unary_int_ops(dtype):
    x = int_values(dtype)
    ops = [tf.square, tf.math.round]
    if dtype != np.uint8:
        ops += [tf.negative, tf.abs, tf.sign]
    check(lambda a: [f(a) for f in ops], [x])


@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_float_ops(dtype):
    a, b = float_values(dtype), float_values(dtype)[::-1].copy()
    ops = [tf.add, tf.subtract, tf.multiply, tf.divide, tf.maximum, tf.minimum, tf.math.squared_difference,
           tf.floordiv, tf.math.floormod, tf.truncatediv, tf.math.truncatemod, tf.math.divide_no_nan,
           tf.less, tf.less_equal, tf.greater, tf.greater_equal, tf.equal, tf.not_equal]
    check(lambda x, y: [f(x, y) for f in ops], [a, b], **tol(dtype))
    pos = np.abs(a) + dtype(0.5)
    check(lambda x, y: [tf.pow(x, y), tf.atan2(x, y)], [pos, np.clip(b, -4, 4)], **tol(dtype, True))


@pytest.mark.parametrize("dtype", INTS)
def test_binary_int_ops(dtype):
    a = int_values(dtype)
    b = int_values(dtype)[::-1].copy()
    b[b == 0] = 3
    ops = [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum, tf.floordiv, tf.math.floormod,
           tf.truncatediv, tf.math.truncatemod, tf.less, tf.greater_equal, tf.equal, tf.not_equal]
    check(lambda x, y: [f(x, y) for f in ops], [a, b])


def test_broadcasting_shapes():
    shapes = [((3, 1, 4), (5, 1)), ((1,), (2, 3)), ((), (4, 1, 2)), ((2, 1, 3), (1, 4, 1)), ((1, 1), (1, 1))]
    for sa, sb in shapes:
        a = RNG.standard_normal(sa).astype(np.float32)
        b = RNG.standard_normal(sb).astype(np.float32)
        check(lambda x, y: [x + y, x * y - y, tf.maximum(x, y) / (tf.abs(y) + 1)], [a, b])


def test_logical_and_select():
    a = RNG.standard_normal((6, 5)).astype(np.float32)
    b = RNG.standard_normal((6, 5)).astype(np.float32)
    c = RNG.standard_normal(6) > 0
    check(lambda x, y, z: [tf.logical_and(x > 0, y < 0), tf.logical_or(x > 0, tf.logical_not(y > 0)),
                           tf.where(x > y, x, y), tf.where(z, x, y), tf.where_v2(x > 0, x, 0.0)],
          [a, b, c])


@pytest.mark.parametrize("src", [np.float32, np.float64, np.float16, np.int32, np.int64, np.int8, np.uint8, np.bool_])
def test_casts(src):
    if src == np.bool_:
        x = RNG.standard_normal(30) > 0
    elif np.dtype(src).kind == "f":
        x = np.concatenate([float_values(src), np.array([1e10, -1e10, 300.5, -300.5], src)]).astype(src)
        x = x[np.isfinite(x) & (np.abs(x.astype(np.float64)) < 2e9)]  # out-of-range float->int is undefined in TF
    else:
        x = int_values(src)
    targets = [tf.float32, tf.float64, tf.float16, tf.int32, tf.int64, tf.int8, tf.uint8, tf.bool]
    if np.dtype(src).kind == "f":
        targets = [t for t in targets if t not in (tf.int8, tf.uint8)]  # wrap-around of narrowing is platform-defined
    check(lambda a: [tf.cast(a, t) for t in targets], [x])


def test_addn_clip_fill_like():
    a, b, c = (RNG.standard_normal((4, 3)).astype(np.float32) for _ in range(3))
    check(lambda x, y, z: [tf.add_n([x, y, z]), tf.clip_by_value(x, -0.5, 0.5), tf.zeros_like(x), tf.ones_like(y),
                           tf.fill([2, 3], 1.5) * x[:2]], [a, b, c])


# --- reductions -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.float16])
def test_reductions(dtype):
    if np.dtype(dtype).kind == "f":
        x = RNG.standard_normal((5, 6, 7)).astype(dtype)
    else:
        x = RNG.integers(-50, 50, (5, 6, 7)).astype(dtype)
    axes = [None, 0, 1, 2, -1, [0, 2], [1, 2], [0, 1, 2]]
    t = tol(dtype) if dtype != np.float32 else dict(rtol=1e-5, atol=1e-5)

    def build(a):
        outs = []
        for ax in axes:
            for keep in (False, True):
                outs += [tf.reduce_sum(a, ax, keepdims=keep), tf.reduce_max(a, ax, keepdims=keep),
                         tf.reduce_min(a, ax, keepdims=keep), tf.reduce_mean(a, ax, keepdims=keep)]
        outs.append(tf.reduce_prod(a[:2, :2], axis=2))
        return outs

    check(build, [x], **t)


def test_reductions_edge_cases():
    check(lambda a: [tf.reduce_sum(a, 0), tf.reduce_max(a, 0), tf.reduce_mean(a, 0), tf.reduce_prod(a, 0)],
          [np.zeros((0, 3), np.float32)])
    nan = np.array([[1, np.nan, 3], [np.inf, -np.inf, 2]], np.float32)
    check(lambda a: [tf.reduce_max(a, 1), tf.reduce_min(a, 0), tf.reduce_sum(a, 1), tf.argmax(a, 1), tf.argmin(a, 0)],
          [nan])
    b = RNG.standard_normal((4, 5)) > 0
    check(lambda a: [tf.reduce_any(a, 1), tf.reduce_all(a, 0), tf.reduce_any(a), tf.reduce_all(a, keepdims=True)], [b])
    check(lambda a: [tf.reduce_sum(a), tf.reduce_max(a)], [np.array(2.5, np.float32)])


def test_large_reductions_parallel():
    x = RNG.standard_normal((512, 1000)).astype(np.float32)
    check(lambda a: [tf.reduce_sum(a), tf.reduce_sum(a, 0), tf.reduce_sum(a * a, 1), tf.reduce_max(a),
                     tf.reduce_mean(tf.exp(a), 0)], [x], rtol=2e-5, atol=1e-3)


def test_argmax_argmin():
    x = RNG.integers(0, 4, (6, 7)).astype(np.float32)  # ties: the first index wins
    check(lambda a: [tf.argmax(a, 0), tf.argmax(a, 1), tf.argmin(a, 1), tf.argmax(a, 1, output_type=tf.int32)], [x])


# --- nn ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_softmax_and_losses(dtype):
    x = (RNG.standard_normal((16, 10)) * 3).astype(dtype)
    lab = RNG.integers(0, 10, 16).astype(np.int32)
    p = np.abs(RNG.standard_normal((16, 10))).astype(dtype)
    p /= p.sum(1, keepdims=True)
    t = tol(dtype, True) if dtype != np.float32 else dict(rtol=1e-5, atol=1e-6)
    check(lambda a, l, q: [tf.nn.softmax(a), tf.nn.log_softmax(a),
                           tf.nn.softmax_cross_entropy_with_logits(labels=q, logits=a),
                           tf.nn.sparse_softmax_cross_entropy_with_logits(labels=l, logits=a), tf.nn.l2_loss(a)],
          [x, lab, p], **t)


def test_softmax_extreme_rows():
    x = np.array([[1e30, 0, -1e30], [0, 0, 0], [-np.inf, 0, 1], [np.nan, 1, 2]], np.float32)
    check(lambda a: [tf.nn.softmax(a), tf.nn.log_softmax(a)], [x])


def test_bias_add_and_grads():
    x = RNG.standard_normal((2, 3, 4, 5)).astype(np.float32)
    b5, b3 = RNG.standard_normal(5).astype(np.float32), RNG.standard_normal(3).astype(np.float32)
    check(lambda a, b, c: [tf.nn.bias_add(a, b), tf.nn.bias_add(a, c, data_format="NCHW")], [x, b5, b3])

    def grads(a, b):
        y = tf.reduce_sum(tf.nn.relu(tf.nn.bias_add(a, b)) * tf.tanh(a) + tf.sigmoid(a) * tf.nn.elu(a))
        return tf.gradients(y, [a, b])

    check(grads, [x, b5], rtol=1e-5, atol=1e-5)


# --- index maps -----------------------------------------------------------------------------------------

def test_shape_ops():
    x = RNG.standard_normal((4, 5, 6)).astype(np.float32)
    check(lambda a: [tf.reshape(a, [20, 6]) * 2, tf.transpose(a, [2, 0, 1]) + 1, tf.transpose(a) - 1,
                     tf.expand_dims(a, 1) * 3, tf.squeeze(a[:, :1, :], [1]), tf.tile(a[:1], [2, 1, 2]) + 0,
                     tf.broadcast_to(a[:, :1], [4, 3, 6]) * 1, tf.reverse(a, [0, 2]) + 0,
                     tf.reshape(tf.transpose(a, [1, 0, 2]), [-1]) * 2], [x])


def test_slicing():
    x = RNG.standard_normal((6, 7, 8)).astype(np.float32)
    check(lambda a: [a[1:4] * 2, a[:, ::2, 1:-1] + 1, a[::-1, 3, ::-3] - 1, a[..., 2] * 1, a[:, None, 2:5, 0] + 0,
                     tf.slice(a, [1, 2, 3], [2, -1, 4]) * 2, a[5:2] + 0], [x])


def test_concat_pack_split_pad():
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    b = RNG.standard_normal((3, 2)).astype(np.float32)

    def build(x, y):
        s1, s2 = tf.split(x, 2, axis=1)
        u = tf.unstack(x, axis=0)
        return [tf.concat([x, y, x], 1) * 2, tf.concat([x, x], 0) + 1, tf.stack([x, x * 2], 1), s1 + s2,
                u[0] * u[2], tf.pad(x, [[1, 2], [0, 3]]) + 1, tf.pad(x, [[0, 1], [2, 0]], constant_values=-7.0),
                tf.concat([y, tf.zeros([3, 0])], 1) * 1]

    check(build, [a, b])


def test_gather_and_one_hot():
    p = RNG.standard_normal((10, 4, 3)).astype(np.float32)
    i = np.array([[3, 1], [9, 0], [0, 0]], np.int32)
    j = np.array([2, 0, 3, 1], np.int64)
    check(lambda a, b, c: [tf.gather(a, b) * 2, tf.gather(a, c, axis=1) + 1, tf.gather(a, tf.constant([2, 0, 2]), axis=2) - 1,
                           tf.one_hot(b, 10) * 2, tf.one_hot(c, 5, axis=0, on_value=3.0, off_value=-1.0),
                           tf.one_hot(tf.constant([-1, 5, 2]), 4)], [p, i, j])


# --- edge shapes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,), (1, 1, 1), (1, 7, 1), (5,), (2, 1, 3)])
def test_edge_shapes(shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    check(lambda a: [tf.exp(a) * a + 1.0, tf.reduce_sum(a), tf.nn.softmax(a) if a.shape.ndims else a * 1,
                     tf.reduce_max(a, keepdims=True) - a], [x], rtol=1e-6, atol=1e-6)


def test_non_contiguous_and_unaligned_feeds():
    base = RNG.standard_normal((40, 30)).astype(np.float32)
    x = base.T  # a transposed view
    buf = np.zeros(4 * 1200 + 1, np.uint8)
    y = np.frombuffer(buf.data, dtype=np.float32, count=1200, offset=1).reshape(30, 40)  # misaligned
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [30, 40])
        b = tf.placeholder(tf.float32, [30, 40])
        out = tf.exp(a) + b * 2.0
    with tf.Session(graph=g, backend="cpu") as s:
        got = s.run(out, {a: x, b: y})
        got2 = s.run(out, {a: x, b: y})
    np.testing.assert_allclose(got, np.exp(x) + y * 2, rtol=1e-6)
    np.testing.assert_allclose(got2, got)


# --- run-time errors ----------------------------------------------------------------------------------------

def _error_both(build, feeds, cls=errors.InvalidArgumentError, match=None):
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        out = build(*phs)
    messages = []
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            with pytest.raises(cls) as info:
                s.run(out, dict(zip(phs, feeds)))
            messages.append(str(info.value))
            if match:
                assert match in str(info.value), f"{backend}: {info.value}"
    return messages


def test_gather_out_of_range_names_node():
    p = np.arange(5, dtype=np.float32)
    for bad in (5, -1, 10**9):
        msgs = _error_both(lambda a, i: tf.gather(a * 2, i, name="my_gather") + 1,
                           [p, np.array([0, bad], np.int32)])
        assert "my_gather" in msgs[1], msgs[1]
        assert str(bad) in msgs[1]


def test_integer_division_by_zero():
    msgs = _error_both(lambda a, b: tf.floordiv(a, b, name="the_div") * 2,
                       [np.array([1, 2, 3], np.int32), np.array([1, 0, 2], np.int32)], match="Integer division by zero")
    assert "the_div" in msgs[1]


def test_sparse_xent_bad_label():
    msgs = _error_both(lambda x, l: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=l, logits=x, name="xe"),
                       [np.zeros((2, 3), np.float32), np.array([0, 3], np.int32)])
    assert "3" in msgs[1]


def test_assert_and_check_numerics_run_on_host():
    def build(x):
        y = x * 2.0
        with tf.control_dependencies([tf.Assert(tf.reduce_all(y > 0), [y], name="positive")]):
            return tf.identity(tf.exp(y))

    ok = np.array([1.0, 2.0], np.float32)
    ref, got, ex = run_both(build, [ok])
    assert_same(got[0], ref[0])
    _error_both(build, [np.array([1.0, -2.0], np.float32)], match="assertion failed")
    _error_both(lambda x: tf.debugging.check_numerics(tf.log(x), "bad log") * 2,
                [np.array([1.0, -1.0], np.float32)], match="bad log")


def test_uninitialized_variable():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.ones(3, np.float32), name="weights")
        out = v * 2.0
    with tf.Session(graph=g, backend="cpu") as s:
        with pytest.raises(errors.FailedPreconditionError, match="weights"):
            s.run(out)
        s.run(v.initializer)
        np.testing.assert_array_equal(s.run(out), np.full(3, 2.0, np.float32))


# --- fallback, variables, sessions --------------------------------------------------------------------------

def test_unsupported_ops_fall_back_to_host():
    # Unique has a data-dependent output shape: it runs on the host between native segments
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    ref, got, ex = run_both(lambda a: [tf.unique(tf.reshape(tf.round(a * 2.0), [-1]))[1] + 1, tf.exp(a)], [x])
    for r, g_ in zip(ref, got):
        assert_same(g_, r, rtol=1e-6)
    assert ex.fallback_ops.get("Unique") == 1
    assert ex.native_ops, "the ops around the host node stay native"


def test_training_updates_variables_in_place():
    xs = RNG.standard_normal((32, 3)).astype(np.float32)
    ys = (xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)

    def train(backend):
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(0)
            x = tf.placeholder(tf.float32, [None, 3])
            y = tf.placeholder(tf.float32, [None, 1])
            w = tf.Variable(np.zeros((3, 1), np.float32))
            b = tf.Variable(0.0)
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
            step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session(graph=g, backend=backend) as s:
            s.run(tf.global_variables_initializer())
            for _ in range(30):
                s.run(step, {x: xs, y: ys})
            return s.run([w, b, loss], {x: xs, y: ys})

    ref, got = train("reference"), train("cpu")
    for r, g_ in zip(ref, got):
        np.testing.assert_allclose(g_, r, rtol=1e-4, atol=1e-5)


def test_assign_ops_and_fetching_variables():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.arange(4, dtype=np.float32))
        add = tf.assign_add(v, tf.ones([4]) * 2.0)
        sub = tf.assign_sub(v, tf.ones([4]))
        put = tf.assign(v, v * 3.0)
    results = {}
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            s.run(v.initializer)
            results[backend] = [s.run(add), s.run(v), s.run(sub), s.run(put), s.run(v)]
            if backend == "cpu":
                fetched = s.run(v)
                fetched[0] = 100.0  # the caller's copy, not the variable
                assert s.run(v)[0] != 100.0
    for r, g_ in zip(results["reference"], results["cpu"]):
        np.testing.assert_array_equal(g_, r)


def _outcome(session, fetch, feed):
    try:
        return ("value", np.asarray(session.run(fetch, feed)).tolist())
    except Exception as e:  # noqa: BLE001  (the comparison is the point)
        return ("error", type(e).__name__)


def test_repeat_calls_fast_path_matches_general_path():
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [])
        b = tf.placeholder(tf.float32, [])
        i = tf.placeholder(tf.int32, [])
        v = tf.placeholder(tf.float32, [3])
        c = a * b + tf.cast(i, tf.float32)
        d = tf.reduce_sum(v) * a
    feeds = [({a: 1.0, b: 2.0, i: 3}, c), ({a: np.float32(1.5), b: 2, i: 1}, c), ({a: 1.0, b: 2.0, i: 1.5}, c),
             ({a: 1.0, b: 2.0, i: 2**40}, c), ({a: 1.0, b: True, i: 1}, c), ({a: 1.0, v: np.zeros(4, np.float32)}, d),
             ({a: 2.0, v: [1.0, 2.0, 3.0]}, d), ({a: 2.0, v: np.arange(3.0)}, d), ({a: "x", b: 1.0, i: 1}, c)]
    with tf.Session(graph=g, backend="cpu") as warm:
        for fd, fetch in feeds:  # each call follows a warmed-up identical call: the fast path
            for k in range(3):
                warm.run(c, {a: float(k), b: 2.0, i: 3})
                warm.run(d, {a: float(k), v: np.ones(3, np.float32)})
                warm.run([c, d], {a: 2.0, b: 1.0, i: 0, v: np.ones(3, np.float32)})
            with tf.Session(graph=g, backend="cpu") as cold:  # the general path
                assert _outcome(warm, fetch, fd) == _outcome(cold, fetch, fd), fd
        for k in range(5):
            assert warm.run(c, {a: float(k), b: 2.0, i: 3}) == pytest.approx(2.0 * k + 3)
        out = warm.run([c, d], {a: 2.0, b: 1.0, i: 0, v: np.ones(3, np.float32)})
        assert out == [pytest.approx(2.0), pytest.approx(6.0)]
        assert isinstance(warm.run(c, {a: 1.0, b: 1.0, i: 1}), np.float32)


def test_concurrent_runs_of_one_plan():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [256, 64])
        y = tf.reduce_sum(tf.tanh(x) * 2.0, axis=1)
    s = tf.Session(graph=g, backend="cpu")
    inputs = [RNG.standard_normal((256, 64)).astype(np.float32) for _ in range(4)]
    s.run(y, {x: inputs[0]})
    failures = []

    def work(k):
        for _ in range(30):
            got = s.run(y, {x: inputs[k]})
            if not np.allclose(got, (np.tanh(inputs[k]) * 2).sum(1), rtol=1e-5, atol=1e-5):
                failures.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_dynamic_feed_shapes_specialize():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.reduce_sum(x * 2.0, axis=0) + tf.cast(tf.shape(x)[0], tf.float32)
    with tf.Session(graph=g, backend="cpu") as s:
        for n in (1, 5, 0, 5):
            xs = np.ones((n, 3), np.float32)
            np.testing.assert_allclose(s.run(y, {x: xs}), np.full(3, 2.0 * n + n, np.float32))


def test_dump_hook_receives_llvm_stages():
    from flowjit.compiler.llvm import dump, jit
    from flowjit.compiler.targets.cpu import host

    seen = {}
    dump.set_dump_hook(lambda name, kind, text: seen.setdefault(kind, text))
    try:
        token = float(RNG.integers(1, 10**9))  # a constant nobody compiled before: a cache miss
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [1024])
            y = tf.exp(x) * token
        saved = os.environ.get("FLOWJIT_CACHE")
        os.environ["FLOWJIT_CACHE"] = "0"
        jit.clear_memory_cache()
        try:
            with tf.Session(graph=g, backend="cpu") as s:
                s.run(y, {x: np.zeros(1024, np.float32)})
        finally:
            if saved is None:
                del os.environ["FLOWJIT_CACHE"]
            else:
                os.environ["FLOWJIT_CACHE"] = saved
    finally:
        dump.set_dump_hook(None)
    assert {"ll", "opt.ll", "s"} <= set(seen)
    lanes = host.host_target().vector_bits // 32  # the width LLVM's vectorizer uses on this target
    assert f"<{lanes} x float>" in seen["opt.ll"], "the loop was not vectorized"
    assert "vfmadd" in seen["s"] or "mulps" in seen["s"]


@pytest.mark.slow
def test_disk_cache_skips_llvm_in_a_new_process(tmp_path):
    script = (
        "import numpy as np, flowjit as tf, flowjit.runtime.devices.cpu\n"
        "from flowjit.compiler.llvm import jit\n"
        "g = tf.Graph()\n"
        "with g.as_default():\n"
        "    x = tf.placeholder(tf.float32, [100]); y = tf.reduce_sum(tf.sigmoid(x) * 3.0)\n"
        "with tf.Session(graph=g, backend='cpu') as s:\n"
        "    print(s.run(y, {x: np.ones(100, np.float32)}))\n"
        "print('STATS', jit.stats['compiled'], jit.stats['disk_hits'])\n")
    env = dict(os.environ, FLOWJIT_CACHE_DIR=str(tmp_path))
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "STATS" in first.stdout and "STATS 0 0" not in first.stdout
    compiled, hits = (int(t) for t in second.stdout.split("STATS")[1].split())
    assert compiled == 0 and hits >= 1, second.stdout
    assert first.stdout.splitlines()[0] == second.stdout.splitlines()[0]


def test_disk_cache_size_limit_evicts_least_recently_used(tmp_path):
    from flowjit.compiler.llvm import cache

    for k in range(6):  # six 100 KB objects with metadata, oldest first
        (tmp_path / f"plan-{k}.o").write_bytes(b"x" * 100_000)
        (tmp_path / f"plan-{k}.json").write_text("{}")
        os.utime(tmp_path / f"plan-{k}.o", (1000 + k, 1000 + k))
    os.utime(tmp_path / "plan-0.o", (5000, 5000))  # plan-0 was used recently
    assert cache.trim_disk_cache(tmp_path, limit=1_000_000) == 0  # under the limit: nothing goes
    removed = cache.trim_disk_cache(tmp_path, limit=400_000)
    left = sorted(p.name for p in tmp_path.glob("*.o"))
    assert removed == 3 and left == ["plan-0.o", "plan-4.o", "plan-5.o"], left
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["plan-0.json", "plan-4.json", "plan-5.json"]


# --- convolution and pooling ----------------------------------------------------------------------

@pytest.mark.parametrize("h,k,s,pad,d", [(7, 3, 1, "SAME", 1), (8, 3, 2, "SAME", 1), (9, 2, 2, "VALID", 1),
                                         (7, 3, 1, "VALID", 2), (6, 1, 1, "VALID", 1), (10, 5, 3, "SAME", 1)])
def test_conv_pool_and_their_gradients(h, k, s, pad, d):
    x = RNG.standard_normal((2, h, h + 1, 3)).astype(np.float32)
    f = RNG.standard_normal((k, k, 3, 4)).astype(np.float32)
    dwf = RNG.standard_normal((k, k, 3, 2)).astype(np.float32)

    def build(a, b, c):
        y = tf.nn.conv2d(a, b, strides=[1, s, s, 1], padding=pad, dilations=[1, d, d, 1])
        ga, gb = tf.gradients(tf.reduce_sum(y * y), [a, b])
        outs = [y, ga, gb]
        if d == 1:
            ap = tf.nn.avg_pool(a, [1, k, k, 1], [1, s, s, 1], pad)
            mp = tf.nn.max_pool(a, [1, k, k, 1], [1, s, s, 1], pad)
            dw = tf.nn.depthwise_conv2d(a, c, [1, s, s, 1], pad)
            outs += [mp, ap, dw, tf.gradients(tf.reduce_sum(ap * ap), a)[0],
                     tf.gradients(tf.reduce_sum(mp * mp), a)[0], *tf.gradients(tf.reduce_sum(dw * dw), [a, c])]
        return outs

    check(build, [x, f, dwf], rtol=1e-4, atol=1e-4)


def test_control_flow_bodies_run_compiled():
    def build(x, n):
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.exp(x) * 2.0, lambda: x - 1.0)
        _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 1.5 + tf.sin(a)), [tf.constant(0), x])
        return [y, acc, tf.gradients(tf.reduce_sum(acc), x)[0]]

    xs = np.linspace(-1, 1, 5).astype(np.float32)
    for feeds in ([xs, np.array(4, np.int32)], [-xs - 1, np.array(0, np.int32)]):
        ex = check(build, feeds, rtol=1e-5, atol=1e-5, native=False)
        # only shape arithmetic on the loop's data-dependent outputs (its trip count) stays on the host
        assert set(ex.fallback_ops) <= {"Shape", "StridedSlice", "Pack", "Reshape"}, ex.fallback_ops
        assert ex.native_ops.get("While") and ex.native_ops.get("If")


def test_max_pool_grad_ties_and_nan():
    x = np.zeros((1, 4, 4, 2), np.float32)  # all ties: the first element of each window wins
    x[0, 1, 1, 1] = np.nan
    check(lambda a: tf.gradients(tf.reduce_sum(tf.nn.max_pool(a, [1, 2, 2, 1], [1, 1, 1, 1], "SAME") * 3.0), a),
          [x])


def test_space_to_depth_gather_nd_and_slice_gradients():
    x = RNG.standard_normal((2, 4, 6, 3)).astype(np.float32)
    p = RNG.standard_normal((5, 4, 3)).astype(np.float32)
    i = np.array([[[1, 2], [4, 0]], [[0, 3], [2, 2]]], np.int32)

    def build(a, b, c):
        sd = tf.space_to_depth(a, 2)
        y = a[:, 1:3, ::-2, 1] * 2.0
        return [sd * 1.0, tf.depth_to_space(sd, 2) + 0.0, tf.gather_nd(b, c) * 2.0,
                tf.gradients(tf.reduce_sum(y * y), a)[0], tf.gradients(tf.reduce_sum(tf.gather(b, c[0, 0])), b)[0]]

    check(build, [x, p, i], native=False)
    _error_both(lambda b, c: tf.gather_nd(b, c) * 2.0, [p, np.array([[1, 9]], np.int32)])


def test_activation_gradients_and_misc_math():
    x = (RNG.standard_normal((6, 7)) * 3).astype(np.float32)
    y = np.abs(RNG.standard_normal((6, 7))).astype(np.float32) + 0.1

    def build(a, b):
        acts = [tf.nn.relu(a), tf.nn.relu6(a), tf.nn.elu(a), tf.nn.selu(a), tf.nn.leaky_relu(a, 0.3),
                tf.nn.softplus(a), tf.nn.softsign(a), tf.tanh(a), tf.sigmoid(a), tf.sqrt(b), tf.math.rsqrt(b),
                tf.math.reciprocal(b)]
        total = tf.add_n([tf.reduce_sum(v * v) for v in acts])
        grads = tf.gradients(total, [a, b])
        return grads + [tf.math.xlogy(a, b), tf.math.xdivy(a, b), tf.math.multiply_no_nan(a, b * 0.0),
                        tf.norm(a, axis=1), tf.reduce_prod(b[:2], axis=0)]

    check(build, [x, y], rtol=2e-5, atol=2e-5)
