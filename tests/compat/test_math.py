"""Math ops under flowjit and real TensorFlow: every function family, broadcasting, dtype rules,
reductions with TF1's keyword spellings; hypothesis for shapes and values."""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check  # noqa: E402

pytestmark = MARKS

HYPOTHESIS = settings(max_examples=12, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

_rng = np.random.RandomState(42)
GENERAL = np.concatenate([_rng.uniform(-3, 3, 18), [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.0, -0.0]])
UNIT = _rng.uniform(-0.95, 0.95, 12)
POSITIVE = _rng.uniform(0.05, 4.0, 12)
ABOVE_ONE = _rng.uniform(1.05, 4.0, 12)

UNARY = {  # name -> domain
    "abs": GENERAL, "negative": GENERAL, "sign": GENERAL, "square": GENERAL, "sqrt": POSITIVE, "rsqrt": POSITIVE,
    "exp": GENERAL, "expm1": GENERAL, "log": POSITIVE, "log1p": UNIT, "sin": GENERAL, "cos": GENERAL,
    "tan": UNIT, "asin": UNIT, "acos": UNIT, "atan": GENERAL, "sinh": GENERAL, "cosh": GENERAL,
    "asinh": GENERAL, "acosh": ABOVE_ONE, "atanh": UNIT, "tanh": GENERAL, "sigmoid": GENERAL,
    "log_sigmoid": GENERAL, "erf": GENERAL, "erfc": GENERAL, "floor": GENERAL, "ceil": GENERAL,
    "round": GENERAL, "rint": GENERAL, "reciprocal": POSITIVE, "is_nan": GENERAL, "is_inf": GENERAL,
    "is_finite": GENERAL, "nn.relu": GENERAL, "nn.relu6": GENERAL * 3, "nn.elu": GENERAL, "nn.selu": GENERAL,
    "nn.softplus": GENERAL, "nn.softsign": GENERAL, "nn.leaky_relu": GENERAL, "nn.sigmoid": GENERAL,
    "nn.tanh": GENERAL, "nn.swish": GENERAL, "math.reciprocal": POSITIVE,
}


def _fn(tf, dotted):
    obj = tf
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def unary(tf, name):
    outs = []
    feed = {}
    for dtype in ("float32", "float64"):
        x = tf.placeholder(getattr(tf, dtype), [None], name="x")
        outs.append(_fn(tf, name)(x))
        outs.append(_fn(tf, name)(tf.constant(UNARY[name].astype(dtype))))  # constant input: folded by passes
        feed[x] = UNARY[name].astype(dtype)
    return P(fetch=outs, feed=feed)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name):
    # swish is a custom-gradient function in TF (its output is an IdentityN): values only
    check(functools.partial(unary, name=name), names=name != "nn.swish")


INT_VALUES = np.array([-7, -6, -5, -3, -2, -1, 0, 1, 2, 3, 5, 6, 7, 100, -100])


def integer_unary(tf):
    outs = []
    for dtype in (tf.int32, tf.int64):
        x = tf.constant(INT_VALUES, dtype=dtype)
        outs += [tf.abs(x), tf.negative(x), tf.sign(x), tf.square(x), -x, abs(x)]
    return P(fetch=outs)


def test_integer_unary():
    check(integer_unary)


BINARY = ["add", "subtract", "multiply", "divide", "truediv", "realdiv", "div", "floordiv", "floor_div", "mod",
          "floormod", "truncatediv", "truncatemod", "div_no_nan", "pow", "maximum", "minimum",
          "squared_difference", "atan2", "math.xlogy", "math.xdivy", "equal", "not_equal", "less", "less_equal",
          "greater", "greater_equal", "math.floordiv", "math.divide_no_nan", "math.multiply_no_nan"]
INT_OK = {"add", "subtract", "multiply", "divide", "truediv", "div", "floordiv", "floor_div", "mod", "floormod",
          "truncatediv", "truncatemod", "maximum", "minimum", "squared_difference", "equal", "not_equal", "less",
          "less_equal", "greater", "greater_equal", "math.floordiv", "pow"}


def _binary_operands(name, dtype, xshape, yshape, rng):
    if dtype.startswith("int"):
        xv = rng.randint(-9, 10, size=xshape).astype(dtype)
        yv = rng.randint(-9, 10, size=yshape).astype(dtype)
        if name in ("divide", "truediv", "div", "floordiv", "floor_div", "mod", "floormod", "truncatediv",
                    "truncatemod", "math.floordiv"):
            yv[yv == 0] = 3
        if name == "pow":
            xv, yv = np.abs(xv) % 4, np.abs(yv) % 4
    else:
        xv = rng.uniform(-3, 3, size=xshape).astype(dtype)
        yv = rng.uniform(-3, 3, size=yshape).astype(dtype)
        if name == "pow":
            xv = np.abs(xv) + 0.1
        if name == "math.xlogy":
            yv = np.abs(yv) + 0.1
        if name in ("div_no_nan", "math.divide_no_nan") and yv.size:
            yv.flat[0] = 0
    return xv, yv


def binary(tf, name, dtypes, xshape, yshape, seed):
    rng = np.random.RandomState(seed)
    outs, feed = [], {}
    for dtype in dtypes:
        xv, yv = _binary_operands(name, dtype, xshape, yshape, rng)
        x = tf.placeholder(getattr(tf, dtype), xshape, name="x")
        y = tf.placeholder(getattr(tf, dtype), yshape, name="y")
        outs.append(_fn(tf, name)(x, y))
        feed.update({x: xv, y: yv})
    return P(fetch=outs, feed=feed, static=[z.get_shape() for z in outs])


@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcasting(name):
    dtypes = ["float32", "float64"] + (["int32", "int64"] if name in INT_OK else [])
    check(functools.partial(binary, name=name, dtypes=tuple(dtypes), xshape=(2, 1, 3), yshape=(4, 1), seed=1))


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
       name=st.sampled_from(["add", "multiply", "subtract", "maximum", "floordiv", "mod", "truediv", "less",
                             "squared_difference", "pow"]),
       dtype=st.sampled_from(["float32", "float64", "int32", "int64"]), seed=st.integers(0, 2 ** 16))
@HYPOTHESIS
def test_binary_broadcasting_random_shapes(shapes, name, dtype, seed):
    xshape, yshape = shapes.input_shapes
    check(functools.partial(binary, name=name, dtypes=(dtype,), xshape=xshape, yshape=yshape, seed=seed))


def binary_unknown_dims(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    z = tf.placeholder(tf.float32, None)
    outs = [x + y, x * z, y - z, tf.maximum(x, y)]
    return P(fetch=outs, static=[o.get_shape() for o in outs],
             feed={x: np.ones((2, 3)), y: np.arange(2.0).reshape(2, 1), z: 2.0})


def test_binary_unknown_dims():
    check(binary_unknown_dims)


def division_rules(tf):
    """int32 truediv -> float64, int16 -> float32; floordiv/mod follow the divisor's sign;
    truncatediv/truncatemod round toward zero; / on ints is truediv; tf.div is Python 2 division."""
    a = tf.constant([7, -7, 7, -7, 0, 1], tf.int32)
    b = tf.constant([2, 2, -2, -2, 3, -3], tf.int32)
    fa = tf.constant([7.5, -7.5, 7.5, -7.5, 0.0, -0.0])
    fb = tf.constant([2.0, 2.0, -2.0, -2.0, 3.0, 3.0])
    a16 = tf.constant([7, -7], tf.int16)
    a64 = tf.constant([7, -7], tf.int64)
    outs = [a / b, tf.truediv(a, b), tf.divide(a, b), a // b, a % b, tf.floordiv(a, b), tf.floormod(a, b),
            tf.mod(a, b), tf.truncatediv(a, b), tf.truncatemod(a, b), tf.div(a, b), a16 / a16,
            a64 / tf.constant(2, tf.int64), fa / fb, fa // fb, fa % fb, tf.div(fa, fb), tf.truncatemod(fa, fb),
            tf.constant(7) / 2, 7 / tf.constant(2), tf.constant(7) // 2, tf.constant(7) % -2,
            tf.constant(7.0) // 2, tf.realdiv(fa, fb), tf.floor_div(a, b), tf.constant(-7) // 2, -7 // tf.constant(2)]
    return P(fetch=outs, static=[o.dtype for o in outs])


def test_division_rules():
    check(division_rules)


def rounding_and_casts(tf):
    halves = tf.constant([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999997])
    f = tf.constant([-1.7, -0.2, 0.0, 0.2, 1.7, 2.5, 1e10])
    outs = [tf.round(halves), tf.rint(halves), tf.floor(halves), tf.ceil(halves),
            tf.cast(f, tf.int32), tf.cast(f, tf.int64), tf.cast(f, tf.bool), tf.cast(tf.constant([0, 2]), tf.bool),
            tf.cast(tf.constant([True, False]), tf.float32), tf.to_float(tf.constant([1, 2])),
            tf.to_int32(tf.constant([1.9, -1.9])), tf.to_int64(tf.constant([1.9])), tf.to_double(tf.constant([1])),
            tf.cast(tf.constant([300, -1]), tf.uint8), tf.cast(tf.constant([1.5], tf.float64), tf.float16),
            tf.saturate_cast(tf.constant([300.0, -5.0]), tf.uint8), tf.cast(tf.constant([2 ** 31 - 1]), tf.float32),
            tf.cast(tf.constant([1, 2], tf.int64), tf.int32)]
    return P(fetch=outs, static=[o.dtype for o in outs])


def test_rounding_and_casts():
    check(rounding_and_casts)


def python_scalar_promotion(tf):
    """Python scalars take the tensor's dtype; NumPy arrays keep theirs."""
    x = tf.constant([1.0, 2.0])
    i = tf.constant([1, 2])
    d = tf.constant([1.0, 2.0], tf.float64)
    outs = [x + 1, 1 + x, x * 2, 2.0 - x, i + 1, 3 * i, i - 1, d + 1.5, 1.5 * d, x ** 2, 2 ** i, i ** 2,
            x + np.float32(1), -x, x > 1, 1 < x, i >= 2, x + [1.0, 2.0]]
    return P(fetch=outs, static=[o.dtype for o in outs])


def test_python_scalar_promotion():
    check(python_scalar_promotion)


def mixed_dtypes_error(tf):
    return tf.constant([1.0]) + tf.constant([1])


def float_plus_python_float_on_int(tf):
    return tf.constant([1]) + 1.5


def float64_times_float32(tf):
    return tf.multiply(tf.constant(1.0, tf.float64), tf.constant(1.0))


@pytest.mark.parametrize("prog", [mixed_dtypes_error, float_plus_python_float_on_int, float64_times_float32])
def test_dtype_errors(prog):
    check(prog, expect="build")


def comparisons_logic(tf):
    x = tf.constant([1.0, np.nan, 3.0, -np.inf, np.inf])
    y = tf.constant([1.0, 2.0, np.nan, 0.0, np.inf])
    p = tf.constant([True, True, False, False])
    q = tf.constant([True, False, True, False])
    outs = [tf.equal(x, y), tf.not_equal(x, y), tf.less(x, y), tf.less_equal(x, y), tf.greater(x, y),
            tf.greater_equal(x, y), tf.is_nan(x), tf.is_inf(x), tf.is_finite(x), tf.logical_and(p, q),
            tf.logical_or(p, q), tf.logical_xor(p, q), tf.logical_not(p), p & q, p | q, p ^ q, ~p,
            tf.maximum(x, y), tf.minimum(x, y), tf.equal(tf.constant(["a", "b"]), tf.constant(["a", "c"])),
            tf.where(p), tf.where(p, [1, 2, 3, 4], [5, 6, 7, 8]), tf.where(tf.constant([[True, False], [False, True]]))]
    return P(fetch=outs, static=[o.get_shape() for o in outs])


def test_comparisons_and_logic():
    check(comparisons_logic)


def where_broadcast(tf):
    c = tf.placeholder(tf.bool, [None])
    x = tf.placeholder(tf.float32, [None, 3])
    outs = [tf.where(c, x, -x), tf.where_v2(tf.constant([True, False, True]), x, 0.0)]
    return P(fetch=outs, feed={c: [True, False], x: np.arange(6.0).reshape(2, 3)},
             static=[o.get_shape() for o in outs])


def test_where_selects_rows():
    check(where_broadcast)


# --- reductions ---------------------------------------------------------------------------

REDUCTIONS = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp",
              "reduce_any", "reduce_all", "count_nonzero", "math.reduce_std", "math.reduce_variance",
              "math.reduce_euclidean_norm"]


def reduction(tf, name, dtypes, axis_kw):
    rng = np.random.RandomState(0)
    outs, feed = [], {}
    for dtype in dtypes:
        if dtype == "bool":
            v = rng.rand(2, 3, 4) > 0.5
        elif dtype.startswith("int"):
            v = rng.randint(-5, 6, size=(2, 3, 4)).astype(dtype)
        else:
            v = rng.uniform(-2, 2, size=(2, 3, 4)).astype(dtype)
        x = tf.placeholder(getattr(tf, dtype), [None, 3, 4])
        feed[x] = v
        fn = _fn(tf, name)
        outs += [fn(x, **kw) for kw in axis_kw]
    return P(fetch=outs, feed=feed, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


AXES = [{}, {"axis": -1}, {"axis": [0, 2]}, {"axis": 1, "keepdims": True}, {"axis": [1, 2], "keep_dims": True},
        {"reduction_indices": [0]}, {"reduction_indices": 2, "keep_dims": True}, {"axis": None, "keepdims": True},
        {"axis": []}]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(name):
    dtypes = {"reduce_any": ["bool"], "reduce_all": ["bool"], "count_nonzero": ["float32", "int32", "bool"],
              "reduce_logsumexp": ["float32", "float64"], "math.reduce_std": ["float32", "float64"],
              "math.reduce_variance": ["float32", "float64"]}.get(name, ["float32", "float64", "int32", "int64"])
    axes = AXES
    if name in ("math.reduce_std", "math.reduce_variance", "math.reduce_euclidean_norm"):  # TF2-style signatures
        axes = [kw for kw in AXES if "keep_dims" not in kw and "reduction_indices" not in kw]
    check(functools.partial(reduction, name=name, dtypes=tuple(dtypes), axis_kw=tuple(axes)))


def reduction_unknown_axis(tf):
    x = tf.placeholder(tf.float32, [2, 3, 4])
    ax = tf.placeholder(tf.int32, [None])
    outs = [tf.reduce_sum(x, ax), tf.reduce_max(x, ax, keepdims=True), tf.reduce_mean(tf.placeholder_with_default(
        x, None), 1)]
    return P(fetch=outs, feed={x: np.arange(24.0).reshape(2, 3, 4), ax: [0, 2]}, static=[o.get_shape() for o in outs])


def test_reduction_axis_tensor():
    check(reduction_unknown_axis)


def integer_mean_truncates(tf):
    x = tf.constant([[1, 2], [4, 4]])
    return [tf.reduce_mean(x), tf.reduce_mean(x, 0), tf.reduce_mean(-x, 1),
            tf.reduce_mean(tf.constant([1, 2], tf.int64))]


def test_integer_mean_truncates():
    check(integer_mean_truncates)


def arg_reductions(tf):
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0], [np.nan, 0.0, 5.0]][:2])
    i = tf.constant([[1, 7, 7], [-3, -3, -9]])
    outs = [tf.argmax(x, 1), tf.argmin(x, 1), tf.argmax(x, 0), tf.argmax(x), tf.argmax(i, axis=1),
            tf.argmin(i, dimension=0), tf.arg_max(x, 1), tf.arg_min(x, 1), tf.argmax(x, 1, output_type=tf.int32),
            tf.argmax(tf.constant([1.0, 3.0, 2.0]), 0), tf.math.argmax(x, -1)]
    return P(fetch=outs, static=[o.dtype for o in outs] + [o.get_shape() for o in outs])


def test_argmax_argmin():
    check(arg_reductions)


def scans(tf):
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    i = tf.constant([1, 2, 3, 4])
    outs = [tf.cumsum(x), tf.cumsum(x, 1), tf.cumsum(x, 1, exclusive=True), tf.cumsum(x, 1, reverse=True),
            tf.cumsum(x, 0, exclusive=True, reverse=True), tf.cumprod(x, 1), tf.cumprod(x, 1, exclusive=True),
            tf.cumprod(i, reverse=True), tf.cumsum(i, exclusive=True), tf.cumsum(x, -1)]
    return outs


def test_cumsum_cumprod():
    check(scans)


def sequences(tf):
    outs = [tf.range(5), tf.range(2, 10, 3), tf.range(10, 2, -2), tf.range(0.0, 1.0, 0.25),
            tf.range(5, dtype=tf.float32),
            tf.range(tf.constant(4)), tf.range(1, 4, dtype=tf.int64), tf.range(0, 1, 0.3)]
    return P(fetch=outs, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_range():
    check(sequences)


def linspaces(tf):
    outs = [tf.linspace(0.0, 1.0, 5), tf.lin_space(-1.0, 1.0, 3), tf.linspace(2.0, 3.0, 1),
            tf.linspace(tf.constant(0.0, tf.float64), 1.0, 4)]
    return P(fetch=outs, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def test_linspace():
    # names differ by TF version: TF 1.15's LinSpace op, TF 2's composite linspace/Slice
    check(linspaces, names=False)


def matmul_family(tf):
    rng = np.random.RandomState(5)
    a = tf.constant(rng.randn(2, 3).astype(np.float32))
    b = tf.constant(rng.randn(3, 4).astype(np.float32))
    ba = tf.constant(rng.randn(5, 2, 3))
    bb = tf.constant(rng.randn(5, 3, 2))
    ia = tf.constant([[1, 2], [3, 4]])
    outs = [tf.matmul(a, b), a @ b, tf.matmul(b, a, transpose_a=True, transpose_b=True),
            tf.matmul(a, tf.transpose(a), transpose_b=False), tf.matmul(ba, bb), tf.matmul(ba, ba, transpose_b=True),
            tf.matmul(ia, ia), tf.trace(tf.matmul(a, tf.transpose(a))), tf.matmul(a, b, a_is_sparse=True)]
    return P(fetch=outs, static=[o.get_shape() for o in outs])


def test_matmul_family():
    check(matmul_family, rtol=1e-5)


def tensordots(tf):
    rng = np.random.RandomState(5)
    a = tf.constant(rng.randn(2, 3).astype(np.float32))
    b = tf.constant(rng.randn(3, 4).astype(np.float32))
    ba = tf.constant(rng.randn(5, 2, 3))
    bb = tf.constant(rng.randn(5, 3, 2))
    p = tf.placeholder(tf.float32, [None, 3])
    outs = [tf.tensordot(a, b, 1), tf.tensordot(a, b, [[1], [0]]), tf.tensordot(ba, bb, [[1, 2], [2, 1]]),
            tf.tensordot(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]), 0), tf.tensordot(p, b, 1),
            tf.tensordot(ba, bb, 0)]
    return P(fetch=outs, static=[o.get_shape() for o in outs], feed={p: np.ones((2, 3))})


def test_tensordot():
    # names differ by TF version: TF 1.15 names the final Reshape "Tensordot", TF 2 skips it
    check(tensordots, rtol=1e-5, names=False)


def clip_and_norms(tf):
    x = tf.constant([[3.0, -4.0], [0.5, 12.0]])
    y = tf.constant([1.0, 2.0])
    clipped, gnorm = tf.clip_by_global_norm([x, y], 5.0)
    outs = [tf.clip_by_value(x, -1.0, 2.0), tf.clip_by_norm(x, 5.0), tf.clip_by_norm(x, 2.0, axes=[1]),
            clipped, gnorm, tf.global_norm([x, y]), tf.norm(x), tf.norm(x, axis=1), tf.norm(x, ord=1),
            tf.norm(x, ord=np.inf, axis=0), tf.norm(x, ord="fro", axis=[0, 1]),
            tf.norm(x, ord=3, axis=1, keepdims=True),
            tf.norm(x, ord=1, axis=(0, 1)), tf.nn.l2_normalize(x, 1), tf.nn.l2_normalize(x, axis=0),
            tf.math.l2_normalize(y, 0), tf.nn.l2_loss(x), tf.add_n([x, x, x]), tf.scalar_mul(2.0, x),
            ]
    return P(fetch=outs, static=[o.get_shape() for o in outs if not isinstance(o, list)]
             + [tf.accumulate_n([x, x]).get_shape()])


def test_clip_and_norms():
    check(clip_and_norms)


def special_values(tf):
    x = tf.constant([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, 1e30, -1.0])
    with np.errstate(all="ignore"):
        outs = [tf.log(x), tf.exp(x), tf.sqrt(x), tf.reciprocal(x), x / 0.0, tf.sign(x), tf.abs(x), tf.nn.relu(x),
                tf.sigmoid(x), tf.tanh(x), tf.nn.softplus(x), tf.floor(x), tf.div_no_nan(x, tf.zeros_like(x)),
                tf.math.xlogy(tf.zeros_like(x), x), tf.maximum(x, 0.0), tf.square(x), tf.pow(x, 0.0), tf.rsqrt(x)]
    return outs


def test_special_values():
    check(special_values)


def math_namespace(tf):
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    outs = [tf.math.add(x, x), tf.math.multiply(x, 2.0), tf.math.reduce_sum(x, 1), tf.math.exp(x), tf.math.log1p(x),
            tf.math.softplus(x), tf.math.top_k(tf.constant([1, 3, 2]), 2).values, tf.math.squared_difference(x, 1.0),
            tf.math.reduce_std(x), tf.math.in_top_k(x, [1, 0], 1), tf.math.reduce_variance(x, 0),
            tf.math.log_softmax(x), tf.math.zero_fraction(x), tf.math.invert_permutation([2, 0, 1])]
    return outs


def test_tf_math_namespace():
    check(math_namespace)


@st.composite
def reduction_cases(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    rank = len(shape)
    axes = draw(st.one_of(st.none(), st.integers(-rank, rank - 1),
                          st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True)))
    return shape, axes, draw(st.booleans()), draw(st.sampled_from(["reduce_sum", "reduce_mean", "reduce_max",
                                                                    "reduce_min", "reduce_prod", "argmax"]))


def random_reduction(tf, shape, axes, keepdims, name, seed):
    rng = np.random.RandomState(seed)
    outs, feed = [], {}
    for dtype in ("float32", "int32"):
        x = tf.placeholder(getattr(tf, dtype), [None] * len(shape))
        feed[x] = (rng.uniform(-3, 3, shape) if dtype == "float32" else rng.randint(-4, 5, shape)).astype(dtype)
        if name == "argmax":
            outs.append(tf.argmax(x, axis=axes if isinstance(axes, int) else 0))
        else:
            outs.append(_fn(tf, name)(x, axis=axes, keepdims=keepdims))
    return P(fetch=outs, feed=feed, static=[o.get_shape() for o in outs])


@given(case=reduction_cases(), seed=st.integers(0, 1000))
@HYPOTHESIS
def test_reductions_random_shapes(case, seed):
    shape, axes, keepdims, name = case
    check(functools.partial(random_reduction, shape=shape, axes=axes if not isinstance(axes, list) else tuple(axes),
                            keepdims=keepdims, name=name, seed=seed), rtol=1e-5)
