"""Math ops against NumPy (written here) and, where installed, real TensorFlow.

Covers every public math function over its dtypes, broadcasting, edge shapes (scalars, size 0,
size 1), NaN/inf, integer division signs, rounding, dtype rules, build-time shape errors and
the Tensor operator overloads (reflected ones too, with NumPy arrays on the left).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import flowjit as tf
from flowjit.ir import registry
from flowjit.ir.errors import InvalidArgumentError

FLOATS = [tf.float16, tf.float32, tf.float64]
INTS = [tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8]
RTOL = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-12}


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session(backend="reference") as s:
        return s.run(fetches, feed)


def check(actual, expected, dtype=None):
    """Values equal within the dtype's tolerance (NaN == NaN), and the exact dtype."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if dtype is not None:
        assert actual.dtype == np.dtype(dtype), (actual.dtype, dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    if actual.dtype.kind == "f":
        np.testing.assert_allclose(actual, expected.astype(actual.dtype), rtol=RTOL[actual.dtype.type],
                                   atol=RTOL[actual.dtype.type], equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def rand(shape, dtype, low=-5.0, high=5.0, seed=0):
    rng = np.random.default_rng(seed)
    d = np.dtype(dtype)
    if d.kind == "f":
        return rng.uniform(low, high, size=shape).astype(d)
    if d.kind == "b":
        return rng.random(size=shape) < 0.5
    info = np.iinfo(d)
    return rng.integers(max(info.min, int(low) * 4), min(info.max, int(high) * 4) + 1, size=shape).astype(d)


# --- unary -------------------------------------------------------------------------------------

UNARY_FLOAT = [
    ("exp", np.exp, (-5, 5)), ("expm1", np.expm1, (-2, 2)), ("log", np.log, (0.1, 10)),
    ("log1p", np.log1p, (-0.9, 5)), ("sqrt", np.sqrt, (0, 10)), ("rsqrt", lambda x: 1 / np.sqrt(x), (0.1, 10)),
    ("reciprocal", lambda x: 1 / x, (0.5, 5)), ("sin", np.sin, (-4, 4)), ("cos", np.cos, (-4, 4)),
    ("tan", np.tan, (-1.4, 1.4)), ("asin", np.arcsin, (-0.99, 0.99)), ("acos", np.arccos, (-0.99, 0.99)),
    ("atan", np.arctan, (-5, 5)), ("sinh", np.sinh, (-3, 3)), ("cosh", np.cosh, (-3, 3)),
    ("asinh", np.arcsinh, (-5, 5)), ("acosh", np.arccosh, (1.01, 5)), ("atanh", np.arctanh, (-0.99, 0.99)),
    ("tanh", np.tanh, (-5, 5)), ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), (-10, 10)),
    ("erf", np.vectorize(math.erf), (-3, 3)), ("erfc", np.vectorize(math.erfc), (-3, 3)),
    ("floor", np.floor, (-5, 5)), ("ceil", np.ceil, (-5, 5)), ("rint", np.rint, (-5, 5)),
    ("round", np.round, (-5, 5)), ("negative", np.negative, (-5, 5)), ("abs", np.abs, (-5, 5)),
    ("sign", np.sign, (-5, 5)), ("square", np.square, (-5, 5)),
    ("log_sigmoid", lambda x: -np.log1p(np.exp(-x)), (-10, 10)),
]


@pytest.mark.parametrize("fname,np_fn,domain", UNARY_FLOAT, ids=[u[0] for u in UNARY_FLOAT])
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.name)
def test_unary_float(fname, np_fn, domain, dtype):
    x = rand((3, 4), dtype.np_dtype, *domain)
    y = getattr(tf, fname)(tf.constant(x))
    assert y.dtype == dtype and y.shape == (3, 4)
    expected = np_fn(x.astype(np.float64))
    check(run(y), expected, dtype.np_dtype)


@pytest.mark.parametrize("fname,np_fn", [("negative", np.negative), ("abs", np.abs), ("sign", np.sign),
                                         ("square", np.square)])
@pytest.mark.parametrize("dtype", [tf.int8, tf.int16, tf.int32, tf.int64])
def test_unary_int(fname, np_fn, dtype):
    x = rand((5,), dtype.np_dtype)
    check(run(getattr(tf, fname)(x)), np_fn(x), dtype.np_dtype)


@pytest.mark.parametrize("fname", ["exp", "log", "sqrt", "sigmoid", "tanh", "floor", "is_nan", "erf", "reciprocal"])
def test_float_only_unary_rejects_ints(fname):
    with pytest.raises(TypeError, match="int32"):
        getattr(tf, fname)(tf.constant([1, 2]))


def test_negative_and_abs_reject_unsigned_and_bool():
    with pytest.raises(TypeError):
        tf.negative(tf.constant([1], tf.uint8))
    with pytest.raises(TypeError):
        tf.abs(tf.constant([True]))


def test_round_is_half_to_even():
    x = tf.constant([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6, 3.5])
    expected = [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, -3.0, 4.0]
    check(run(tf.round(x)), expected, np.float32)
    check(run(tf.rint(x)), expected, np.float32)
    i = tf.constant([1, -3])
    assert tf.round(i) is i  # TF returns integer tensors unchanged


def test_unary_edge_values():
    x = tf.constant([np.nan, np.inf, -np.inf, 0.0, -0.0], tf.float32)
    out = run([tf.sign(x), tf.is_nan(x), tf.is_inf(x), tf.is_finite(x), tf.abs(x), tf.sigmoid(x)])
    check(out[0], [np.nan, 1, -1, 0, 0])
    np.testing.assert_array_equal(out[1], [True, False, False, False, False])
    np.testing.assert_array_equal(out[2], [False, True, True, False, False])
    np.testing.assert_array_equal(out[3], [False, False, False, True, True])
    check(out[4], [np.nan, np.inf, np.inf, 0, 0])
    check(out[5], [np.nan, 1, 0, 0.5, 0.5])
    out = run([tf.log(tf.constant([-1.0, 0.0])), tf.rsqrt(tf.constant([0.0])),
               tf.sigmoid(tf.constant([-100.0, 100.0]))])
    check(out[0], [np.nan, -np.inf])
    check(out[1], [np.inf])
    check(out[2], [0.0, 1.0])


def test_unary_on_scalars_and_empty():
    out = run([tf.exp(0.0), tf.square(tf.zeros([0, 3])), tf.negative(tf.constant(3))])
    assert out[0] == np.float32(1.0) and isinstance(out[0], np.float32)
    assert out[1].shape == (0, 3) and out[1].dtype == np.float32
    assert out[2] == -3 and out[2].dtype == np.int32


# --- binary arithmetic and broadcasting -----------------------------------------------------------

SHAPE_PAIRS = [((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((0, 3), (1, 3)), ((1,), (1,)),
               ((2, 3), ()), ((5, 1), (1, 0))]

BINARY = [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply), ("maximum", np.maximum),
          ("minimum", np.minimum), ("squared_difference", lambda x, y: (x - y) * (x - y))]


@pytest.mark.parametrize("fname,np_fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=lambda d: d.name)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_broadcast(fname, np_fn, dtype, shapes):
    x, y = rand(shapes[0], dtype.np_dtype, seed=1), rand(shapes[1], dtype.np_dtype, seed=2)
    if fname == "squared_difference" and dtype in (tf.int8, tf.int16, tf.uint8):
        with pytest.raises(TypeError, match=dtype.name):  # TF's dtype list for SquaredDifference
            tf.squared_difference(x, tf.constant(y))
        return
    z = getattr(tf, fname)(tf.constant(x), tf.constant(y))
    expected = np.broadcast_shapes(shapes[0], shapes[1])
    assert z.shape == expected and z.dtype == dtype
    with np.errstate(all="ignore"):
        want = np_fn(x, y).astype(dtype.np_dtype)
    check(run(z), want, dtype.np_dtype)


COMPARISONS = [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less), ("less_equal", np.less_equal),
               ("greater", np.greater), ("greater_equal", np.greater_equal)]


@pytest.mark.parametrize("fname,np_fn", COMPARISONS, ids=[c[0] for c in COMPARISONS])
@pytest.mark.parametrize("dtype", [tf.float32, tf.int32, tf.uint8, tf.float64])
def test_comparisons(fname, np_fn, dtype):
    x = rand((3, 4), dtype.np_dtype, seed=3, low=-2, high=2)
    y = rand((4,), dtype.np_dtype, seed=4, low=-2, high=2)
    z = getattr(tf, fname)(x, tf.constant(y))
    assert z.dtype == tf.bool
    np.testing.assert_array_equal(run(z), np_fn(x, y))


def test_comparisons_with_nan_and_bool():
    x = tf.constant([np.nan, 1.0])
    out = run([tf.equal(x, x), tf.not_equal(x, x), tf.less(x, np.float32(np.nan))])
    np.testing.assert_array_equal(out[0], [False, True])
    np.testing.assert_array_equal(out[1], [True, False])
    np.testing.assert_array_equal(out[2], [False, False])
    b = tf.constant([True, False])
    np.testing.assert_array_equal(run(tf.equal(b, True)), [True, False])
    with pytest.raises(TypeError):
        tf.less(b, b)


def test_logical_ops():
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    ta, tb = tf.constant(a), tf.constant(b)
    out = run([tf.logical_and(ta, tb), tf.logical_or(ta, tb), tf.logical_xor(ta, tb), tf.logical_not(ta),
               ta & tb, ta | tb, ta ^ tb, ~ta])
    for got, want in zip(out, [a & b, a | b, a ^ b, ~a, a & b, a | b, a ^ b, ~a]):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(TypeError):
        tf.logical_and(tf.constant([1]), tf.constant([1]))


def test_maximum_minimum_propagate_nan():
    x = tf.constant([1.0, np.nan, np.nan])
    y = tf.constant([np.nan, 1.0, np.nan])
    out = run([tf.maximum(x, y), tf.minimum(x, y)])
    assert np.isnan(out[0]).all() and np.isnan(out[1]).all()


def test_incompatible_broadcast_is_build_time_error():
    with pytest.raises(InvalidArgumentError, match="'Add'.*Incompatible shapes"):
        tf.add(tf.zeros([2, 3]), tf.zeros([4]))


def test_incompatible_broadcast_at_run_time_names_node():
    x = tf.placeholder(tf.float32, [None])
    y = tf.placeholder(tf.float32, [None])
    z = tf.multiply(x, y, name="prod")
    with pytest.raises(InvalidArgumentError, match="Incompatible shapes: \\[2\\] vs. \\[3\\][\\s\\S]*'prod'"):
        run(z, {x: [1, 2], y: [1, 2, 3]})


def test_static_shape_inference_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 3])
    assert (x + tf.zeros([3])).shape.as_list() == [None, 3]
    assert (x * tf.zeros([5, 1, 1])).shape.as_list() == [5, None, 3]
    u = tf.placeholder(tf.float32)
    assert (u + 1.0).shape.rank is None


# --- division ---------------------------------------------------------------------------------

def test_integer_division_signs():
    xs = np.array([7, -7, 7, -7, 0, 1, -1], np.int32)
    ys = np.array([2, 2, -2, -2, 3, -5, 5], np.int32)
    out = run([tf.floordiv(xs, tf.constant(ys)), tf.floormod(xs, tf.constant(ys)),
               tf.truncatediv(xs, tf.constant(ys)), tf.truncatemod(xs, tf.constant(ys)),
               tf.div(xs, tf.constant(ys)), tf.mod(xs, tf.constant(ys)), tf.floor_div(xs, tf.constant(ys))])
    floor_q = [x // y for x, y in zip(xs.tolist(), ys.tolist())]
    floor_r = [x % y for x, y in zip(xs.tolist(), ys.tolist())]
    trunc_q = [int(x / y) for x, y in zip(xs.tolist(), ys.tolist())]
    trunc_r = [int(math.fmod(x, y)) for x, y in zip(xs.tolist(), ys.tolist())]
    for got, want in zip(out, [floor_q, floor_r, trunc_q, trunc_r, floor_q, floor_r, floor_q]):
        check(got, np.array(want, np.int32), np.int32)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([np.int8, np.int16, np.int32, np.int64]),
       st.lists(st.tuples(st.integers(-100, 100), st.integers(-100, 100).filter(lambda v: v != 0)),
                min_size=1, max_size=8))
def test_integer_division_matches_python_and_c(dtype, pairs):
    tf.reset_default_graph()
    xs = np.array([p[0] for p in pairs], dtype)
    ys = np.array([p[1] for p in pairs], dtype)
    x, y = tf.constant(xs), tf.constant(ys)
    q, r, tq, tr = run([x // y, x % y, tf.truncatediv(x, y), tf.truncatemod(x, y)])
    np.testing.assert_array_equal(q, [a // b for a, b in pairs])
    np.testing.assert_array_equal(r, [a % b for a, b in pairs])
    np.testing.assert_array_equal(tq, [int(a / b) for a, b in pairs])
    np.testing.assert_array_equal(tr, [int(math.fmod(a, b)) for a, b in pairs])


def test_float_floordiv_and_floormod_follow_tf():
    # TF's float FloorDiv is floor(x / y) (not Python's fmod-based //), FloorMod is fmod + sign fix
    out = run([tf.floordiv(tf.constant([1.0, -7.5]), tf.constant([0.1, 2.0])),
               tf.floormod(tf.constant([5.0, -5.0, 5.0, -5.0, 0.0, -0.0]),
                           tf.constant([3.0, 3.0, -3.0, -3.0, 3.0, -3.0])),
               tf.truncatemod(tf.constant([-7.0, 7.0]), tf.constant([2.0, -2.0])),
               tf.truncatediv(tf.constant([-7.0, 7.0]), tf.constant([2.0, -2.0])),
               tf.floordiv(tf.constant([7.0, -7.0, 0.0]), tf.constant([0.0, 0.0, 0.0])),
               tf.floormod(tf.constant([7.0]), tf.constant([0.0]))])
    check(out[0], [10.0, -4.0], np.float32)
    check(out[1], [2.0, 1.0, -1.0, -2.0, 0.0, -0.0], np.float32)
    assert np.signbit(out[1][5])
    check(out[2], [-1.0, 1.0], np.float32)
    check(out[3], [-3.0, -3.0], np.float32)
    check(out[4], [np.inf, -np.inf, np.nan], np.float32)
    check(out[5], [np.nan], np.float32)


@pytest.mark.parametrize("fname", ["floordiv", "floormod", "truncatediv", "truncatemod", "div"])
@pytest.mark.parametrize("dtype", [tf.int32, tf.int64, tf.uint8])
def test_integer_division_by_zero_names_node(fname, dtype):
    z = getattr(tf, fname)(tf.constant([7, 8], dtype), tf.constant([1, 0], dtype), name="divide_me")
    with pytest.raises(InvalidArgumentError, match="Integer division by zero[\\s\\S]*'divide_me'"):
        run(z)


@pytest.mark.parametrize("dtype,result", [(tf.int8, tf.float32), (tf.int16, tf.float32), (tf.uint8, tf.float32),
                                          (tf.int32, tf.float64), (tf.int64, tf.float64),
                                          (tf.float16, tf.float16), (tf.float32, tf.float32),
                                          (tf.float64, tf.float64)])
def test_truediv_result_dtypes(dtype, result):
    signed = dtype != tf.uint8
    x = tf.constant([7, -7 if signed else 9, 0], dtype)
    y = tf.constant([2, 2, 0], dtype)
    for z in (tf.truediv(x, y), x / y, tf.divide(x, y)):
        assert z.dtype == result
        check(run(z), np.array([3.5, -3.5 if signed else 4.5, np.nan]), result.np_dtype)


def test_div_is_python2_division():
    i = tf.div(tf.constant([7, -7]), 2)
    f = tf.div(tf.constant([7.0, -7.0]), 2.0)
    assert i.op.type == "FloorDiv" and f.op.type == "RealDiv"
    out = run([i, f])
    check(out[0], [3, -4], np.int32)
    check(out[1], [3.5, -3.5], np.float32)


def test_realdiv_and_no_nan_divisions():
    x = tf.constant([1.0, np.nan, np.inf, 2.0])
    y = tf.constant([0.0, 0.0, 0.0, 4.0])
    out = run([tf.realdiv(x, y), tf.div_no_nan(x, y), tf.multiply_no_nan(x, y), tf.xlogy(0.0, tf.constant(0.0)),
               tf.xdivy(tf.constant([0.0, 3.0]), tf.constant([0.0, 2.0]))])
    check(out[0], [np.inf, np.nan, np.inf, 0.5])
    check(out[1], [0.0, 0.0, 0.0, 0.5])
    check(out[2], [0.0, 0.0, 0.0, 8.0])
    assert out[3] == 0.0
    check(out[4], [0.0, 1.5])
    with pytest.raises(TypeError):
        tf.realdiv(tf.constant([1]), tf.constant([2]))


def test_pow():
    out = run([tf.pow(tf.constant([2, -3, 0]), tf.constant([3, 3, 0])),
               tf.pow(tf.constant([2.0, 0.0, -8.0, 4.0]), tf.constant([0.5, -1.0, 1.0 / 3, 2.0])),
               tf.constant([1.0, 2.0]) ** 2, 2 ** tf.constant([1, 2, 3])])
    check(out[0], [8, -27, 1], np.int32)
    check(out[1], [np.sqrt(2.0), np.inf, np.nan, 16.0], np.float32)
    check(out[2], [1.0, 4.0], np.float32)
    check(out[3], [2, 4, 8], np.int32)
    bad = tf.pow(tf.constant([2]), tf.constant([-1]), name="negpow")
    with pytest.raises(InvalidArgumentError, match="negative integer powers[\\s\\S]*'negpow'"):
        run(bad)


def test_integer_overflow_wraps():
    out = run([tf.constant([2**31 - 1]) + 1, tf.abs(tf.constant([-2**31])),
               tf.floordiv(tf.constant([-2**31]), tf.constant([-1])), tf.constant([100], tf.int8) * 3])
    check(out[0], [-2**31], np.int32)
    check(out[1], [-2**31], np.int32)
    check(out[2], [-2**31], np.int32)
    check(out[3], [44], np.int8)


# --- dtype rules and operator overloads ---------------------------------------------------------------

def test_no_promotion_between_tensors():
    a = tf.constant([1], name="ints")
    b = tf.constant([1.0], name="floats")
    for fn in (tf.add, tf.subtract, tf.multiply, tf.maximum, tf.equal, tf.floordiv, tf.pow):
        with pytest.raises(TypeError) as info:
            fn(a, b)
        assert "ints:0" in str(info.value) and "floats:0" in str(info.value)
    with pytest.raises(TypeError):
        _ = a + b
    with pytest.raises(TypeError):
        _ = b * a
    with pytest.raises(TypeError):
        tf.add(tf.constant(1.0, tf.float64), tf.constant(1.0, tf.float32))


def test_python_scalars_take_the_tensor_dtype():
    f = tf.constant([1.0, 2.0])
    i = tf.constant([1, 2])
    d = tf.constant([1.0], tf.float64)
    assert (f + 1).dtype == tf.float32
    assert (1 + f).dtype == tf.float32
    assert (i * 2).dtype == tf.int32
    assert (d - 1).dtype == tf.float64
    assert (2.5 * d).dtype == tf.float64
    assert tf.maximum(d, 0.5).dtype == tf.float64
    with pytest.raises(TypeError):
        _ = 1.5 + i
    with pytest.raises(TypeError):
        _ = i * 0.5
    with pytest.raises(TypeError):
        tf.add(1, f)  # TF converts the first argument on its own: int32 vs float32


def test_reflected_operators_with_numpy_on_the_left():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    a = np.array([[2.0, 3.0], [4.0, 5.0]])
    exprs = [a + t, a - t, a * t, a / t, a // t, a % t, a ** t, a @ t, a < t, a >= t]
    for e in exprs:
        assert isinstance(e, tf.Tensor), type(e)
    out = run(exprs)
    af, tv = a.astype(np.float32), np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    wants = [af + tv, af - tv, af * tv, af / tv, np.floor(af / tv), np.mod(af, tv), af ** tv, af @ tv,
             af < tv, af >= tv]
    for got, want in zip(out, wants):
        check(got, want)
    assert out[0].dtype == np.float32


def test_operator_overloads_forward():
    x = tf.constant([6.0, -7.0])
    y = tf.constant([4.0, 2.0])
    out = run([x + y, x - y, x * y, x / y, x // y, x % y, x ** y, -x, abs(x), x < y, x <= y, x > y, x >= y,
               3.0 - x, 3.0 / x, 3.0 // x, 3.0 % x, 2.0 ** y])
    xv, yv = np.array([6.0, -7.0], np.float32), np.array([4.0, 2.0], np.float32)
    wants = [xv + yv, xv - yv, xv * yv, xv / yv, np.floor(xv / yv), np.mod(xv, yv), xv ** yv, -xv, np.abs(xv),
             xv < yv, xv <= yv, xv > yv, xv >= yv, 3 - xv, 3 / xv, np.floor(3 / xv), np.mod(3, xv), 2 ** yv]
    for got, want in zip(out, wants):
        check(got, want)
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    check(run(m @ m), np.array([[7.0, 10.0], [15.0, 22.0]]))
    assert (tf.constant([1, 2]) / tf.constant([2, 2])).dtype == tf.float64


def test_operators_on_variables():
    v = tf.Variable([1.0, 2.0])
    y = v * 2.0 + tf.reduce_sum(v)
    with tf.Session(backend="reference") as s:
        s.run(tf.global_variables_initializer())
        check(s.run(y), [5.0, 7.0])


def test_unsupported_dtypes_are_type_errors():
    with pytest.raises(TypeError, match="bool"):
        tf.add(tf.constant([True]), tf.constant([False]))
    with pytest.raises(TypeError):
        tf.reduce_sum(tf.constant([True]))
    with pytest.raises(TypeError):
        tf.cumsum(tf.constant([True]))
    with pytest.raises(TypeError):
        tf.matmul(tf.constant([[1]], tf.int8), tf.constant([[1]], tf.int8))


# --- select / where ------------------------------------------------------------------------------

def test_where_select_elementwise_rows_and_scalar():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = -x
    c = np.array([[True, False, True], [False, True, False]])
    out = run([tf.where(c, x, y), tf.where([True, False], x, y), tf.where(True, x, y), tf.where(False, x, y)])
    check(out[0], np.where(c, x, y))
    check(out[1], np.stack([x[0], y[1]]))
    check(out[2], x)
    check(out[3], y)
    assert tf.where([True, False], x, y).op.type == "Select"


def test_where_select_shape_errors():
    with pytest.raises(InvalidArgumentError):
        tf.where(tf.constant([True, False]), tf.ones([2, 2]), tf.zeros([2]))  # TF1: x and y one shape
    with pytest.raises(InvalidArgumentError):
        tf.where(tf.constant([True, False, True]), tf.ones([2, 2]), tf.zeros([2, 2]))
    with pytest.raises(ValueError):
        tf.where(tf.constant([True]), tf.ones([1]))
    with pytest.raises(TypeError):
        tf.where(tf.constant([1, 0]), tf.ones([2]), tf.zeros([2]))


def test_where_coordinates():
    c = np.array([[True, False], [False, True], [True, True]])
    w = tf.where(c)
    assert w.dtype == tf.int64 and w.shape.as_list() == [None, 2]
    out = run([w, tf.where(tf.constant([1.0, 0.0, 2.0])), tf.where(tf.constant([0, 0])), tf.where(tf.constant(True))])
    np.testing.assert_array_equal(out[0], np.argwhere(c))
    assert out[0].dtype == np.int64
    np.testing.assert_array_equal(out[1], [[0], [2]])
    assert out[2].shape == (0, 1)
    assert out[3].shape == (1, 0)


def test_where_v2_broadcasts():
    c = tf.constant([True, False, True])
    out = run(tf.where_v2(c, tf.ones([2, 3]), 0.0))
    check(out, np.where([True, False, True], np.ones((2, 3)), 0.0))


# --- cast ---------------------------------------------------------------------------------------------

def test_cast_semantics():
    f = tf.constant([2.7, -2.7, 0.0, 0.5], tf.float32)
    out = run([tf.cast(f, tf.int32), tf.cast(f, tf.bool), tf.cast(tf.constant([True, False]), tf.float32),
               tf.cast(tf.constant([300, -1]), tf.uint8), tf.cast(tf.constant([np.nan, 1.0]), tf.bool),
               tf.to_float(tf.constant([1])), tf.to_double(tf.constant([1])), tf.to_int32(f), tf.to_int64(f)])
    check(out[0], [2, -2, 0, 0], np.int32)
    np.testing.assert_array_equal(out[1], [True, True, False, True])
    check(out[2], [1.0, 0.0], np.float32)
    check(out[3], [44, 255], np.uint8)
    np.testing.assert_array_equal(out[4], [True, True])
    assert out[5].dtype == np.float32 and out[6].dtype == np.float64
    check(out[7], [2, -2, 0, 0], np.int32)
    check(out[8], [2, -2, 0, 0], np.int64)
    assert tf.cast(f, tf.float32) is f
    tf.reset_default_graph()
    assert tf.to_float(tf.constant([1])).op.name == "ToFloat"
    c = tf.cast(tf.constant([1]), "float64")
    assert c.op.type == "Cast" and c.op.get_attr("DstT") == tf.float64 and c.op.get_attr("SrcT") == tf.int32


def test_saturate_cast():
    out = run([tf.saturate_cast(tf.constant([300.0, -5.0, 7.9]), tf.uint8),
               tf.saturate_cast(tf.constant([300, -5]), tf.uint8),
               tf.saturate_cast(tf.constant([1e10, -1e10]), tf.int32),
               tf.saturate_cast(np.array([1e300, -1e300]), tf.float32)])
    check(out[0], [255, 0, 7], np.uint8)
    check(out[1], [255, 0], np.uint8)
    check(out[2], [2147483520, -2147483648], np.int32)  # the largest float32 <= int32 max
    check(out[3], [np.finfo(np.float32).max, np.finfo(np.float32).min], np.float32)


# --- matmul -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ta,tb,adj", [(False, False, False), (True, False, False), (False, True, False),
                                       (True, True, False), (True, False, True), (False, True, True)])
@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64, tf.int32, tf.int64])
def test_matmul_2d(ta, tb, adj, dtype):
    a = rand((3, 4), dtype.np_dtype, seed=5)
    b = rand((4, 2), dtype.np_dtype, seed=6)
    a_in = a.T.copy() if ta else a
    b_in = b.T.copy() if tb else b
    kw = {"adjoint_a": ta, "adjoint_b": tb} if adj else {"transpose_a": ta, "transpose_b": tb}
    y = tf.matmul(a_in, tf.constant(b_in), **kw)
    assert y.op.type == "MatMul" and y.shape == (3, 2) and y.dtype == dtype
    want = (a.astype(np.float64) @ b.astype(np.float64)).astype(dtype.np_dtype) if dtype.is_floating else a @ b
    check(run(y), want, dtype.np_dtype)


def test_batch_matmul_broadcasts_batch_dims():
    a = rand((2, 1, 2, 3), np.float32, seed=7)
    b = rand((5, 3, 4), np.float32, seed=8)
    y = tf.matmul(a, b)
    assert y.op.type == "BatchMatMulV2" and y.shape == (2, 5, 2, 4)
    check(run(y), np.matmul(a, b))
    c = rand((2, 3, 2), np.float64, seed=9)
    d = rand((2, 3, 4), np.float64, seed=10)
    check(run(tf.matmul(c, d, adjoint_a=True)), np.matmul(np.swapaxes(c, -1, -2), d))
    f = rand((2, 3, 2), np.float64, seed=22)
    g = rand((2, 4, 3), np.float64, seed=23)
    check(run(tf.matmul(f, g, transpose_a=True, transpose_b=True)),
          np.matmul(np.swapaxes(f, -1, -2), np.swapaxes(g, -1, -2)))
    e = rand((2, 4), np.float32, seed=11)
    y2 = tf.matmul(e, rand((3, 4, 6), np.float32, seed=12))
    assert y2.op.type == "BatchMatMulV2" and y2.shape == (3, 2, 6)
    check(run(y2), np.matmul(e, rand((3, 4, 6), np.float32, seed=12)))


def test_matmul_shape_errors_at_build_time():
    with pytest.raises(InvalidArgumentError, match="MatMul node 'MatMul'.*Dimensions must be equal, but are 3 and 4"):
        tf.matmul(tf.ones([2, 3]), tf.ones([4, 5]))
    with pytest.raises(InvalidArgumentError, match="'bmm'.*Dimensions must be equal"):
        tf.matmul(tf.ones([7, 2, 3]), tf.ones([7, 4, 5]), name="bmm")
    with pytest.raises(InvalidArgumentError, match="rank 2"):
        tf.matmul(tf.ones([3]), tf.ones([3, 1]))
    with pytest.raises(InvalidArgumentError, match="batch|Incompatible"):
        tf.matmul(tf.ones([2, 2, 3]), tf.ones([3, 3, 4]))
    with pytest.raises(ValueError, match="Only one of"):
        tf.matmul(tf.ones([3, 2]), tf.ones([3, 4]), transpose_a=True, adjoint_a=True)
    with pytest.raises(TypeError):
        tf.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64))


def test_matmul_run_time_shape_error_names_node():
    a = tf.placeholder(tf.float32, [None, None])
    y = tf.matmul(a, tf.ones([3, 2]), name="late")
    with pytest.raises(InvalidArgumentError, match="size-incompatible[\\s\\S]*'late'"):
        run(y, {a: np.ones((2, 4))})


def test_matmul_empty_and_unknown_rank():
    check(run(tf.matmul(tf.zeros([2, 0]), tf.zeros([0, 3]))), np.zeros((2, 3)))
    u = tf.placeholder(tf.float32)
    y = tf.matmul(u, tf.ones([2, 2]))
    assert y.op.type == "BatchMatMulV2"
    check(run(y, {u: np.eye(2)}), np.ones((2, 2)))


# --- add_n ----------------------------------------------------------------------------------------

def test_add_n_and_accumulate_n():
    xs = [rand((2, 3), np.float32, seed=k) for k in range(4)]
    out = run([tf.add_n(xs), tf.accumulate_n(xs), tf.add_n([tf.constant([1, 2]), tf.constant([3, 4])])])
    check(out[0], sum(xs))
    check(out[1], sum(xs))
    check(out[2], [4, 6], np.int32)
    t = tf.constant([1.0])
    assert tf.add_n([t]) is t
    assert tf.add_n([t, t]).op.type == "AddN"
    with pytest.raises(ValueError):
        tf.add_n([])
    with pytest.raises(TypeError):
        tf.add_n([tf.constant([1.0]), tf.constant([1])])
    with pytest.raises(InvalidArgumentError):
        tf.add_n([tf.ones([2, 3]), tf.ones([3])])  # no broadcasting in AddN


# --- reductions ------------------------------------------------------------------------------------

REDUCTIONS = [("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_max", np.max), ("reduce_min", np.min),
              ("reduce_prod", np.prod)]
AXES = [None, 0, 1, -1, [0, 2], (1, 2), [-1, 0], [], [0, 1, 2]]


@pytest.mark.parametrize("fname,np_fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_float_reductions(fname, np_fn, axis, keepdims):
    x = rand((2, 3, 4), np.float32, low=0.5, high=1.5, seed=13)
    y = getattr(tf, fname)(x, axis=axis, keepdims=keepdims)
    np_axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    want = np_fn(x.astype(np.float64), axis=np_axis, keepdims=keepdims)
    assert y.shape == want.shape, (y.shape, want.shape)
    check(run(y), want, np.float32)


@pytest.mark.parametrize("fname", ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_mean"])
@pytest.mark.parametrize("dtype", INTS + [tf.float16, tf.float64])
def test_reductions_over_dtypes(fname, dtype):
    x = rand((3, 4), dtype.np_dtype, low=-3, high=3, seed=14)
    if dtype == tf.uint8:
        x = x % 4
    y = getattr(tf, fname)(tf.constant(x), axis=1)
    assert y.dtype == dtype
    np_fn = {"reduce_sum": np.sum, "reduce_prod": np.prod, "reduce_max": np.max, "reduce_min": np.min}.get(fname)
    if np_fn is not None:
        want = np_fn(x.astype(np.float64) if dtype.is_floating else x, axis=1).astype(dtype.np_dtype)
    elif dtype.is_floating:
        want = x.astype(np.float64).mean(axis=1)
    else:  # integer mean: sum, then divide rounding toward zero
        want = np.array([int(s / 4) for s in x.astype(np.int64).sum(axis=1)], dtype.np_dtype)
    check(run(y), want, dtype.np_dtype)


def test_reduction_integer_details():
    out = run([tf.reduce_mean(tf.constant([-1, -2, 0])), tf.reduce_mean(tf.constant([200, 100], tf.uint8)),
               tf.reduce_sum(tf.constant([100, 100], tf.int8)), tf.reduce_prod(tf.constant([100, 3], tf.uint8))])
    assert out[0] == -1 and out[0].dtype == np.int32
    assert out[1] == 150 and out[1].dtype == np.uint8
    assert out[2] == -56 and out[2].dtype == np.int8
    assert out[3] == 44


def test_accumulation_follows_tf():
    # float16 sums/means accumulate in float32; other floats (and scans, products) in their own dtype
    h = tf.ones([10000], tf.float16)
    out = run([tf.reduce_sum(h), tf.reduce_mean(h), tf.reduce_sum(tf.constant([3e38, 3e38, -3e38])),
               tf.reduce_prod(tf.constant([300.0, 300.0], tf.float16)),
               tf.reduce_max(tf.cumsum(tf.ones([3000], tf.float16))),
               tf.reduce_euclidean_norm(tf.constant([300.0, 400.0], tf.float16)),
               tf.reduce_mean(tf.constant([3e38, 3e38])),
               tf.reduce_mean(tf.constant([2**62, 2**62], tf.int64)), tf.reduce_mean(tf.constant([-1, -2]))])
    assert out[0] == 10000 and out[1] == 1.0 and out[0].dtype == np.float16
    assert out[2] == np.inf and out[3] == np.inf and out[4] == 2048 and out[5] == np.inf and out[6] == np.inf
    assert out[7] == -2**62  # the int64 sum wraps, then divides toward zero (TF's result)
    assert out[8] == -1


def test_empty_reductions():
    e = tf.zeros([0, 3])
    ei = tf.zeros([0], tf.int32)
    out = run([tf.reduce_sum(e), tf.reduce_prod(e), tf.reduce_max(e), tf.reduce_min(e), tf.reduce_mean(e),
               tf.reduce_max(ei), tf.reduce_min(ei), tf.reduce_mean(ei), tf.reduce_prod(e, 0),
               tf.reduce_any(tf.zeros([0], tf.bool)), tf.reduce_all(tf.zeros([0], tf.bool)),
               tf.reduce_sum(e, axis=1)])
    assert out[0] == 0 and out[1] == 1
    assert out[2] == -np.inf and out[3] == np.inf
    assert np.isnan(out[4])
    assert out[5] == np.iinfo(np.int32).min and out[6] == np.iinfo(np.int32).max and out[7] == 0
    check(out[8], [1.0, 1.0, 1.0])
    assert not out[9] and out[10]
    assert out[11].shape == (0,)


def test_reductions_with_nan():
    x = tf.constant([1.0, np.nan, 3.0])
    out = run([tf.reduce_max(x), tf.reduce_min(x), tf.reduce_sum(x), tf.argmax(x), tf.argmin(x),
               tf.argmax(tf.constant([np.nan, np.nan]))])
    assert np.isnan(out[0]) and np.isnan(out[1]) and np.isnan(out[2])
    assert out[3] == 2 and out[4] == 0 and out[5] == 0  # NaN never wins (TF's reducer)


def test_any_all():
    b = np.array([[True, False], [True, True]])
    out = run([tf.reduce_any(b, 1), tf.reduce_all(b, 1), tf.reduce_all(b), tf.reduce_any(b, keepdims=True)])
    np.testing.assert_array_equal(out[0], [True, True])
    np.testing.assert_array_equal(out[1], [False, True])
    assert not out[2]
    assert out[3].shape == (1, 1)
    with pytest.raises(TypeError):
        tf.reduce_any(tf.constant([1.0]))


def test_reduction_keyword_spellings():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = run([tf.reduce_sum(x, reduction_indices=[1]), tf.reduce_sum(x, 1, keep_dims=True),
               tf.reduce_mean(x, axis=tf.constant(0)), tf.reduce_max(x, tf.constant([0, 1], tf.int64))])
    check(out[0], x.sum(1))
    check(out[1], x.sum(1, keepdims=True))
    check(out[2], x.mean(0))
    assert out[3] == 5.0
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.reduce_sum(x, axis=1, reduction_indices=1)
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.reduce_sum(x, keepdims=True, keep_dims=True)


def test_reduction_axis_errors():
    x = tf.ones([2, 3])
    with pytest.raises(InvalidArgumentError, match="'Sum'.*Invalid reduction dimension 2"):
        tf.reduce_sum(x, 2)
    with pytest.raises(InvalidArgumentError, match="duplicate"):
        tf.reduce_sum(x, [1, -1])
    with pytest.raises(InvalidArgumentError, match="Invalid reduction dimension"):
        tf.reduce_sum(tf.constant(1.0), 0)
    axes = tf.placeholder(tf.int32, [None])
    y = tf.reduce_sum(x, axes, name="dyn")
    assert y.shape.rank is None
    assert tf.reduce_sum(x, axes, keepdims=True).shape.as_list() == [None, None]
    check(run(y, {axes: [1]}), [3.0, 3.0])
    with pytest.raises(InvalidArgumentError, match="Invalid reduction dimension 5[\\s\\S]*'dyn'"):
        run(y, {axes: [5]})


def test_reduction_static_shapes_with_unknown_dims():
    p = tf.placeholder(tf.float32, [None, 3, None])
    assert tf.reduce_sum(p, 1).shape.as_list() == [None, None]
    assert tf.reduce_mean(p, [0, 2], keepdims=True).shape.as_list() == [1, 3, 1]
    assert tf.reduce_max(p).shape.as_list() == []
    u = tf.placeholder(tf.float32)
    y = tf.reduce_sum(u)  # unknown rank: all axes, computed at run time
    check(run(y, {u: np.ones((2, 5))}), 10.0)


def test_reduce_logsumexp():
    x = rand((3, 4), np.float32, seed=15) * 20
    out = run([tf.reduce_logsumexp(x), tf.reduce_logsumexp(x, 1), tf.reduce_logsumexp(x, [1], keepdims=True),
               tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf])), tf.reduce_logsumexp(tf.constant([np.inf, 1.0])),
               tf.reduce_logsumexp(tf.constant([1000.0, 1000.0]))])
    xd = x.astype(np.float64)
    lse = lambda v, axis=None, keepdims=False: np.log(np.sum(np.exp(v - v.max()), axis=axis, keepdims=keepdims)) + \
        v.max() if axis is None else np.log(np.sum(np.exp(v - v.max(axis, keepdims=True)), axis=axis,
                                                   keepdims=keepdims)) + (v.max(axis, keepdims=True) if keepdims
                                                                          else v.max(axis))
    check(out[0], lse(xd))
    check(out[1], lse(xd, 1))
    check(out[2], lse(xd, 1, True))
    assert out[3] == -np.inf and out[4] == np.inf
    check(out[5], 1000.0 + np.log(2.0))


def test_euclidean_norm_and_count_nonzero():
    out = run([tf.reduce_euclidean_norm(tf.constant([[3.0, 4.0], [6.0, 8.0]]), 1),
               tf.reduce_euclidean_norm(tf.constant([[1, 2, 3], [1, 1, 1]])),
               tf.count_nonzero(tf.constant([1.0, 0.0, np.nan])),
               tf.count_nonzero(tf.constant([[1, 0], [1, 1]]), axis=1, keepdims=True, dtype=tf.int32),
               tf.count_nonzero(tf.constant([True, False, True]))])
    check(out[0], [5.0, 10.0], np.float32)
    assert out[1] == 4 and out[1].dtype == np.int32
    assert out[2] == 2 and out[2].dtype == np.int64
    check(out[3], [[1], [2]], np.int32)
    assert out[4] == 2


def test_reduce_std_variance_via_math_namespace():
    from flowjit import math as tfm

    x = rand((3, 5), np.float64, seed=16)
    out = run([tfm.reduce_variance(x, 1), tfm.reduce_std(x)])
    check(out[0], x.var(1))
    check(out[1], x.std())


# --- argmax / argmin ---------------------------------------------------------------------------------

def test_argmax_argmin():
    x = np.array([[1, 5, 5], [7, 0, 7]], np.int32)
    a = tf.argmax(x)
    assert a.dtype == tf.int64 and a.shape == (3,)
    out = run([a, tf.argmax(x, 1), tf.argmin(x, axis=-1), tf.argmax(x, dimension=1, output_type=tf.int32),
               tf.arg_max(x, 1), tf.arg_min(x, 0), tf.argmax(tf.constant([False, True]))])
    check(out[0], [1, 0, 1], np.int64)
    check(out[1], [1, 0], np.int64)  # first index on ties
    check(out[2], [0, 1], np.int64)
    check(out[3], [1, 0], np.int32)
    check(out[4], [1, 0], np.int64)
    check(out[5], [0, 1, 0], np.int64)
    assert out[6] == 1
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.argmax(x, axis=1, dimension=1)
    with pytest.raises(InvalidArgumentError):
        tf.argmax(x, 2)


def test_argmax_of_empty_axis_fails_at_run_time():
    y = tf.argmax(tf.zeros([0, 2]), name="amax")
    assert y.shape == (2,)
    with pytest.raises(InvalidArgumentError, match="empty[\\s\\S]*'amax'"):
        run(y)


# --- cumsum / cumprod --------------------------------------------------------------------------------

def _np_scan(fn, x, axis, exclusive, reverse, identity):
    v = np.flip(x, axis) if reverse else x
    out = fn(v, axis=axis)
    if exclusive:
        out = np.concatenate([np.full_like(np.take(out, [0], axis), identity), np.delete(out, -1, axis)], axis)
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("dtype", [tf.float32, tf.int32, tf.float64, tf.int64])
def test_cumsum_cumprod(exclusive, reverse, axis, dtype):
    x = rand((3, 4), dtype.np_dtype, low=-2, high=2, seed=17)
    out = run([tf.cumsum(x, axis, exclusive, reverse), tf.cumprod(x, axis=axis, exclusive=exclusive, reverse=reverse)])
    check(out[0], _np_scan(np.cumsum, x, axis, exclusive, reverse, 0), dtype.np_dtype)
    check(out[1], _np_scan(np.cumprod, x, axis, exclusive, reverse, 1), dtype.np_dtype)


def test_cumsum_examples_and_errors():
    out = run([tf.cumsum([1, 2, 3], exclusive=True, reverse=True),
               tf.cumprod(tf.constant([1.0, 2.0, 3.0]), exclusive=True),
               tf.cumsum(tf.constant([200, 100], tf.uint8)), tf.cumsum(tf.zeros([0]))])
    check(out[0], [5, 3, 0], np.int32)
    check(out[1], [1.0, 1.0, 2.0], np.float32)
    check(out[2], [200, 44], np.uint8)
    assert out[3].shape == (0,)
    with pytest.raises(InvalidArgumentError):
        tf.cumsum(tf.ones([2, 2]), 2)


# --- range / linspace ---------------------------------------------------------------------------------

def test_range_dtypes_and_values():
    cases = [(tf.range(5), np.arange(5, dtype=np.int32)),
             (tf.range(1, 2.5, 0.5), np.array([1.0, 1.5, 2.0], np.float32)),
             (tf.range(tf.constant(1, tf.int64), 5), np.arange(1, 5, dtype=np.int64)),
             (tf.range(tf.constant(1, tf.int64), 5.0), np.arange(1, 5, dtype=np.float32)),
             (tf.range(5, dtype=tf.float64), np.arange(5, dtype=np.float64)),
             (tf.range(5, 1, -2), np.array([5, 3], np.int32)),
             (tf.range(0, 0), np.zeros(0, np.int32)),
             (tf.range(0, -3, -1), np.array([0, -1, -2], np.int32))]
    for t, want in cases:
        assert t.shape == want.shape, (t, want)
        check(run(t), want, want.dtype)
    r = run(tf.range(0.0, 3.0, 0.1))
    check(r, np.float32(0) + np.arange(30, dtype=np.float32) * np.float32(0.1), np.float32)  # start + i*delta
    tf.reset_default_graph()
    r = tf.range(3)
    assert r.op.name == "range" and r.op.type == "Range"


def test_range_errors():
    with pytest.raises(InvalidArgumentError, match="delta != 0"):
        tf.range(0, 5, 0)
    with pytest.raises(InvalidArgumentError, match="start <= limit"):
        tf.range(5, 1)
    with pytest.raises(TypeError):
        tf.range(1.5, 5, dtype=tf.int32)
    n = tf.placeholder(tf.int32, [])
    r = tf.range(0, n, -1, name="backwards")
    assert r.shape.as_list() == [None]
    with pytest.raises(InvalidArgumentError, match="start >= limit[\\s\\S]*'backwards'"):
        run(r, {n: 3})
    check(run(tf.range(n), {n: 3}), [0, 1, 2], np.int32)


def test_linspace():
    out = run([tf.lin_space(0.0, 1.0, 7), tf.linspace(3.0, 1.0, 1), tf.linspace(3.0, 1.0, 0), tf.linspace(0, 4, 5),
               tf.linspace(tf.constant(0.0, tf.float64), 1.0, 3)])
    check(out[0], [0.0, 0.16666667, 0.33333334, 0.5, 0.6666667, 0.8333334, 1.0], np.float32)
    assert out[0][-1] == 1.0
    check(out[1], [3.0], np.float32)
    assert out[2].shape == (0,)
    check(out[3], [0.0, 1.0, 2.0, 3.0, 4.0], np.float64)
    check(out[4], [0.0, 0.5, 1.0], np.float64)
    assert tf.lin_space(0.0, 1.0, 7).shape == (7,)


# --- clipping and norms ----------------------------------------------------------------------------

def test_clip_by_value():
    x = np.array([[-2.0, 0.5, 3.0]], np.float32)
    out = run([tf.clip_by_value(x, -1.0, 1.0), tf.clip_by_value(tf.constant([1.0, 5.0]), 2.0, 1.0),
               tf.clip_by_value(x, [[-1.0, 0.0, 0.0]], 2.0), tf.clip_by_value(tf.constant([5, -5]), -1, 1),
               tf.clip_by_value(tf.constant([np.nan]), 0.0, 1.0)])
    check(out[0], np.clip(x, -1, 1))
    check(out[1], [2.0, 2.0])  # min wins when min > max, as in TF
    check(out[2], [[-1.0, 0.5, 2.0]])
    check(out[3], [1, -1], np.int32)
    assert np.isnan(out[4][0])
    with pytest.raises(InvalidArgumentError, match="incompatible"):
        tf.clip_by_value(tf.constant(1.0), [0.0, 0.0], [2.0, 2.0])
    with pytest.raises(TypeError):
        tf.clip_by_value(tf.constant([1]), 0.5, 2.0)


def test_clip_by_norm_and_global_norm():
    out = run([tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0), tf.clip_by_norm(tf.constant([0.3, 0.4]), 1.0),
               tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.0, 0.0]]), 1.0, axes=[1]),
               tf.global_norm([tf.constant([3.0, 4.0]), tf.constant(12.0), None])])
    check(out[0], [0.6, 0.8])
    check(out[1], [0.3, 0.4])
    check(out[2], [[0.6, 0.8], [0.0, 0.0]])
    check(out[3], 13.0)
    clipped, norm = tf.clip_by_global_norm([tf.constant([3.0, 4.0]), None, tf.constant(12.0)], 1.0)
    assert clipped[1] is None
    out = run([clipped[0], clipped[2], norm])
    check(out[0], [3.0 / 13, 4.0 / 13])
    check(out[1], 12.0 / 13)
    check(out[2], 13.0)
    clipped, _ = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isnan(run(clipped[0])).all()
    with pytest.raises(TypeError):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


def test_l2_normalize_scalar_mul_trace_tensordot():
    from flowjit import math as tfm

    x = rand((3, 4), np.float64, seed=18)
    b = rand((4, 5), np.float64, seed=19)
    c = rand((2, 3, 4), np.float64, seed=20)
    d = rand((4, 3, 6), np.float64, seed=21)
    out = run([tfm.l2_normalize(x, 1), tfm.l2_normalize(x), tf.scalar_mul(2.0, tf.constant(x)),
               tf.trace(tf.constant(x)), tf.trace(tf.constant(c)), tf.tensordot(x, b, 1),
               tf.tensordot(c, d, [[1, 2], [1, 0]]), tf.tensordot(x, b, 0)])
    check(out[0], x / np.sqrt((x * x).sum(1, keepdims=True)))
    check(out[1], x / np.sqrt((x * x).sum()))
    check(out[2], 2 * x)
    check(out[3], np.trace(x))
    check(out[4], np.trace(c, axis1=-2, axis2=-1))
    check(out[5], np.tensordot(x, b, 1))
    check(out[6], np.tensordot(c, d, [[1, 2], [1, 0]]))
    check(out[7], np.tensordot(x, b, 0))
    assert run(tf.trace(tf.reshape(tf.range(9), [3, 3]))) == 12
    with pytest.raises(ValueError, match="Only scalar multiply"):
        tf.scalar_mul(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0]))


# --- registry facts --------------------------------------------------------------------------------

def test_op_classes():
    expect = {"elementwise": ["Neg", "Abs", "Exp", "Log", "Sqrt", "Sigmoid", "Tanh", "Cast", "Floor", "Round",
                              "IsNan", "LogicalNot", "AddN"],
              "broadcast": ["AddV2", "Add", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod", "TruncateDiv",
                            "TruncateMod", "Pow", "Maximum", "Minimum", "SquaredDifference", "Equal", "NotEqual",
                            "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "Select",
                            "SelectV2", "ClipByValue"],
              "reduction": ["Sum", "Mean", "Max", "Min", "Prod", "Any", "All", "ArgMax", "ArgMin"],
              "matmul": ["MatMul", "BatchMatMulV2"]}
    for cls, names in expect.items():
        for name in names:
            assert registry.get_op(name).op_class == cls, name
    for name in ("Where", "Range", "LinSpace", "Cumsum", "Cumprod", "BroadcastGradientArgs"):
        assert registry.has_op(name)


def test_reduction_nodes_take_axes_as_input():
    y = tf.reduce_sum(tf.ones([2, 3]), 1, keepdims=True)
    assert y.op.type == "Sum" and y.op.get_attr("keep_dims") is True
    axes = y.op.inputs[1]
    assert axes.dtype == tf.int32 and axes.op.type == "Const"
    assert tf.add(1.0, 2.0).op.type == "AddV2"


# --- hypothesis: broadcasting arithmetic against NumPy ------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       st.sampled_from([np.float32, np.float64, np.int32, np.int64]), st.integers(0, 2**16))
def test_hypothesis_broadcast_arithmetic(shapes, dtype, seed):
    tf.reset_default_graph()
    sx, sy = shapes.input_shapes
    x = rand(sx, dtype, seed=seed)
    y = rand(sy, dtype, seed=seed + 1)
    t = tf.constant(x)
    u = tf.constant(y)
    out = run([t + u, t - u, t * u, tf.maximum(t, u), t < u])
    with np.errstate(all="ignore"):
        wants = [x + y, x - y, x * y, np.maximum(x, y), x < y]
    for got, want in zip(out, wants):
        check(got, np.asarray(want).astype(got.dtype), got.dtype)
        assert got.shape == shapes.result_shape


# --- against real TensorFlow ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    v1.disable_eager_execution()
    return v1


def _both(tf1, build):
    """Build the same program with flowjit and real TF (graph mode); return both results."""
    ours = run(build(tf))
    g = tf1.Graph()
    with g.as_default():
        fetches = build(tf1)
        with tf1.Session(graph=g) as s:
            theirs = s.run(fetches)
    return ours, theirs


TF_PROGRAMS = {
    "arith": lambda t: [t.constant([[1.5, -2.0]]) * 3.0 - t.constant([0.5]), t.floordiv(t.constant([7, -7]), 2),
                        t.floormod(t.constant([-7.5, 7.5]), t.constant([2.0, -2.0])),
                        t.truncatemod(t.constant([-7, 7]), t.constant([3, -3])),
                        t.constant([7, 3]) / t.constant([2, 4]),
                        t.truediv(t.constant([7], t.int8), t.constant([2], t.int8)), t.div(t.constant([-7]), 2)],
    "unary": lambda t: [t.round(t.constant([0.5, 1.5, -2.5])), t.sign(t.constant([-2.0, 0.0, 3.0])),
                        t.sigmoid(t.constant([-3.0, 0.0, 3.0])), t.erf(t.constant([0.3, -1.2])),
                        t.rsqrt(t.constant([4.0])), t.log1p(t.constant([1e-7]))],
    "reduce": lambda t: [t.reduce_sum(t.reshape(t.range(24.0), [2, 3, 4]), [0, 2]),
                         t.reduce_mean(t.constant([[1, 2], [3, 5]]), 1, keepdims=True),
                         t.reduce_max(t.zeros([0])), t.reduce_min(t.zeros([0], t.int32)),
                         t.reduce_prod(t.constant([[2.0, 3.0]]), 1),
                         t.reduce_logsumexp(t.constant([[1.0, 2.0, 3.0]]), 1),
                         t.argmax(t.constant([[1.0, 9.0], [4.0, 2.0]]), 1), t.argmin(t.constant([3, 1, 1])),
                         t.count_nonzero(t.constant([[0, 1], [2, 0]]), 0)],
    "scan_seq": lambda t: [t.cumsum(t.constant([[1, 2], [3, 4]]), 1, exclusive=True),
                           t.cumprod(t.constant([1.0, 2.0, 3.0]), reverse=True), t.range(1, 10, 3),
                           t.range(0.0, 1.0, 0.3), t.lin_space(-1.0, 1.0, 5)],
    "select_cast": lambda t: [t.where(t.constant([True, False]), t.ones([2, 2]), t.zeros([2, 2])),
                              t.where(t.constant([[True, False], [False, True]])),
                              t.cast(t.constant([2.9, -2.9]), t.int32), t.saturate_cast(t.constant([300, -3]), t.uint8),
                              t.clip_by_value(t.constant([-2.0, 0.3, 9.0]), -1.0, 1.0),
                              t.clip_by_norm(t.constant([3.0, 4.0]), 2.0)],
    "matmul": lambda t: [t.matmul(t.reshape(t.range(6.0), [2, 3]), t.reshape(t.range(6.0), [2, 3]), transpose_b=True),
                         t.matmul(t.ones([2, 1, 2, 3]), t.ones([4, 3, 2])),
                         t.tensordot(t.ones([2, 3]), t.ones([3, 4]), 1), t.trace(t.reshape(t.range(9), [3, 3]))],
}


@pytest.mark.tf
@pytest.mark.parametrize("program", sorted(TF_PROGRAMS))
def test_against_tensorflow(tf1, program):
    ours, theirs = _both(tf1, TF_PROGRAMS[program])
    for a, b in zip(ours, theirs):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
        else:
            np.testing.assert_array_equal(a, b)
