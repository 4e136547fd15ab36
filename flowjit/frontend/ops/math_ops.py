"""TF1 API: math_ops -- arithmetic, comparisons, casts, matmul, reductions, scans, ranges, clipping.

Every function follows TF 1.x: signature, defaults, old keyword spellings (`keep_dims`,
`reduction_indices`, `dimension`), node names, and dtype rules. TF never promotes between two
tensors: `int32 + float32` is a TypeError naming both. A Python or NumPy value takes the dtype
of the tensor it meets (`x + 1` for a float x); the first argument of a function is converted
on its own, so `tf.add(1, float_tensor)` is the same TypeError it is in TF.

    >>> x = tf.constant([[1., 2.], [3., 4.]])
    >>> tf.reduce_sum(x, axis=1, keepdims=True)   # Sum node, shape (2, 1)

Gradients live in `frontend/grad/math_grad.py` (loaded by the package, flowjit/frontend/__init__.py).
"""

from __future__ import annotations

import builtins
import collections.abc
import contextlib
from typing import Any, Iterator, Sequence

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import DType, as_dtype
from ...ir import registry
from ...ir.registry import static_value
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, constant, convert_to_tensor

_range = builtins.range  # `range` below is tf.range

__all__ = [
    # arithmetic
    "add", "subtract", "multiply", "divide", "truediv", "realdiv", "div", "floordiv", "floor_div", "mod",
    "floormod", "truncatediv", "truncatemod", "div_no_nan", "multiply_no_nan", "pow", "negative", "abs",
    "sign", "square", "squared_difference", "reciprocal", "scalar_mul", "maximum", "minimum", "add_n",
    "accumulate_n",
    # functions
    "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "atan2",
    "sinh", "cosh", "asinh", "acosh", "atanh", "tanh", "sigmoid", "log_sigmoid", "erf", "erfc", "floor",
    "ceil", "round", "rint", "xlogy", "xdivy", "conj", "real",
    # comparison and logic
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_not", "logical_xor", "where", "where_v2", "is_nan", "is_inf", "is_finite",
    # casts
    "cast", "to_float", "to_double", "to_int32", "to_int64", "saturate_cast",
    # linear algebra
    "matmul", "tensordot", "trace",
    # reductions
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all",
    "reduce_logsumexp", "reduce_euclidean_norm", "count_nonzero", "argmax", "argmin", "arg_max", "arg_min",
    # scans and sequences
    "cumsum", "cumprod", "range", "linspace", "lin_space",
    # clipping and norms
    "clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm",
]


# --- plumbing -----------------------------------------------------------------------------

def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_as_graph_element")


def _make(op_type: str, inputs: Sequence[Any], attrs: dict | None = None, name: str | None = None) -> Tensor:
    return get_default_graph().create_op(op_type, list(inputs), attrs or {}, name=name or op_type).outputs[0]


@contextlib.contextmanager
def _scope(name: str | None, default: str) -> Iterator[str]:
    """TF's `with ops.name_scope(name, default) as scope`: pass `scope` as the final op's name."""
    with get_default_graph().name_scope(name or default) as scope:
        yield scope


def _check(op_type: str, t: Tensor, what: str = "x") -> None:
    allowed = registry.get_op(op_type).allowed_dtypes
    if allowed is not None and t.dtype not in allowed:
        raise TypeError(f"Value passed to parameter '{what}' has DataType {t.dtype.name} not in list of allowed "
                        f"values: {', '.join(d.name for d in allowed)} (op {op_type}, tensor {t.name})")


def _pair(op_type: str, x: Any, y: Any, names: tuple[str, str] = ("x", "y")) -> tuple[Tensor, Tensor]:
    """Convert x, then y with x's dtype as the hint; the two must end up with one dtype."""
    x = convert_to_tensor(x, name=names[0])
    y = convert_to_tensor(y, dtype_hint=x.dtype, name=names[1])
    if x.dtype != y.dtype:
        raise TypeError(f"Input '{names[1]}' of '{op_type}' Op has type {y.dtype.name} that does not match type "
                        f"{x.dtype.name} of argument '{names[0]}' (tensors {x.name} and {y.name}; TF does not "
                        f"convert between dtypes implicitly, use tf.cast)")
    _check(op_type, x, names[0])
    return x, y


def _binary(op_type: str, x: Any, y: Any, name: str | None, default: str | None = None) -> Tensor:
    with _scope(name, default or op_type) as scope:  # converted Python values become "<op>/y"
        x, y = _pair(op_type, x, y)
        return _make(op_type, [x, y], name=scope)


def _unary(op_type: str, x: Any, name: str | None, default: str | None = None) -> Tensor:
    with _scope(name, default or op_type) as scope:
        x = convert_to_tensor(x, name="x")
        _check(op_type, x)
        return _make(op_type, [x], name=scope)


def _lookup(new_name: str, new: Any, old_name: str, old: Any) -> Any:
    """TF's deprecated_argument_lookup: at most one of the two spellings may be given."""
    if old is not None:
        if new is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'.")
        return old
    return new


# --- arithmetic ---------------------------------------------------------------------------

def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x + y with broadcasting (an `AddV2` node)."""
    return _binary("AddV2", x, y, name, "Add")


def subtract(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Sub", x, y, name)


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Mul", x, y, name)


def realdiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y for floating-point tensors."""
    return _binary("RealDiv", x, y, name)


def truediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Python 3 division: integers are cast first (int8/16, uint8 -> float32; int32/64 -> float64)."""
    with _scope(name, "truediv") as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype_hint=x.dtype, name="y")
        if x.dtype != y.dtype:
            raise TypeError(f"x and y must have the same dtype, got {x.dtype.name} != {y.dtype.name} (tensors "
                            f"{x.name} and {y.name}; TF does not convert between dtypes implicitly, use tf.cast)")
        if not (x.dtype.is_integer or x.dtype.is_floating):
            raise TypeError(f"Invalid dtype {x.dtype.name} in __truediv__ (tensor {x.name})")
        if x.dtype.is_integer:
            target = dtypes.truediv_result(x.dtype)
            x = cast(x, target)
            y = cast(y, target)
        return _make("RealDiv", [x, y], name=scope)


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """`x / y` (Python 3 semantics, like `truediv`)."""
    return truediv(x, y, name=name)


def div(x: Any, y: Any, name: str | None = None) -> Tensor:
    """TF1 `tf.div`: Python 2 semantics -- integers floor-divide, floats divide."""
    with _scope(name, "div") as scope:
        x, y = _pair("FloorDiv", x, y)
        if x.dtype.is_integer:
            return _make("FloorDiv", [x, y], name=scope)
        _check("RealDiv", x)
        return _make("RealDiv", [x, y], name=scope)


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """floor(x / y) for integers and floats (`x // y`)."""
    return _binary("FloorDiv", x, y, name, "floordiv")


def floor_div(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("FloorDiv", x, y, name)


def floormod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x - floor(x / y) * y: the result has the sign of y (`x % y`)."""
    return _binary("FloorMod", x, y, name)


mod = floormod


def truncatediv(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y rounded toward zero (C semantics)."""
    return _binary("TruncateDiv", x, y, name)


def truncatemod(x: Any, y: Any, name: str | None = None) -> Tensor:
    """C remainder: the result has the sign of x."""
    return _binary("TruncateMod", x, y, name)


def div_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y, and 0 where y is 0."""
    return _binary("DivNoNan", x, y, name, "div_no_nan")


divide_no_nan = div_no_nan


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x * y, and 0 where y is 0 even if x is NaN or inf."""
    return _binary("MulNoNan", x, y, name, "multiply_no_nan")


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 (TF's name)
    """x ** y elementwise; integers to negative powers are an error when run."""
    return _binary("Pow", x, y, name)


def negative(x: Any, name: str | None = None) -> Tensor:
    return _unary("Neg", x, name)


def abs(x: Any, name: str | None = None) -> Tensor:  # noqa: A001
    return _unary("Abs", x, name)


def sign(x: Any, name: str | None = None) -> Tensor:
    return _unary("Sign", x, name)


def square(x: Any, name: str | None = None) -> Tensor:
    return _unary("Square", x, name)


def squared_difference(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("SquaredDifference", x, y, name)


def reciprocal(x: Any, name: str | None = None) -> Tensor:
    return _unary("Reciprocal", x, name)


def maximum(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Maximum", x, y, name)


def minimum(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Minimum", x, y, name)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """scalar * x, where `scalar` must be 0-d."""
    x = convert_to_tensor(x, name="x")
    scalar = convert_to_tensor(scalar, dtype=x.dtype, name="scalar") if not _is_tensor_like(scalar) else \
        convert_to_tensor(scalar)
    if scalar.shape.rank != 0:
        raise ValueError(f"Only scalar multiply works, got shape {scalar.shape}")
    return multiply(scalar, x, name=name)


def add_n(inputs: Any, name: str | None = None) -> Tensor:
    """Sum of a list of tensors of one dtype and shape."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    tensors = [convert_to_tensor(t) for t in inputs]
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise TypeError(f"add_n inputs must have one dtype, got {first.dtype.name} ({first.name}) and "
                            f"{t.dtype.name} ({t.name})")
    _check("AddN", first, "inputs")
    if len(tensors) == 1:
        return _make("Identity", [first], name=name) if name else first
    return _make("AddN", tensors, {"N": len(tensors)}, name=name or "AddN")


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None, name: str | None = None) -> Tensor:
    """Like `add_n` (TF1's graph-mode accumulate_n computes the same sum)."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    tensors = [convert_to_tensor(t) for t in inputs]
    if tensor_dtype is not None and any(t.dtype != as_dtype(tensor_dtype) for t in tensors):
        raise TypeError(f"tensor_dtype is {as_dtype(tensor_dtype).name}, but the inputs are "
                        f"{[t.dtype.name for t in tensors]}")
    if shape is not None:
        from ...ir.shapes import as_shape

        for t in tensors:
            if not t.shape.is_compatible_with(as_shape(shape)):
                raise ValueError(f"Shape {t.shape} of {t.name} is incompatible with shape {as_shape(shape)}")
    if len(tensors) == 1:
        return _make("Identity", [tensors[0]], name=name) if name else tensors[0]
    return add_n(tensors, name=name or "AccumulateN")


# --- elementwise functions ------------------------------------------------------------------

def _unary_fn(op_type: str, public: str, doc: str):
    def fn(x: Any, name: str | None = None) -> Tensor:
        return _unary(op_type, x, name)

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = doc
    return fn


exp = _unary_fn("Exp", "exp", "e ** x")
expm1 = _unary_fn("Expm1", "expm1", "e ** x - 1, accurate near 0")
log = _unary_fn("Log", "log", "natural logarithm")
log1p = _unary_fn("Log1p", "log1p", "log(1 + x), accurate near 0")
sqrt = _unary_fn("Sqrt", "sqrt", "square root")
rsqrt = _unary_fn("Rsqrt", "rsqrt", "1 / sqrt(x)")
sin = _unary_fn("Sin", "sin", "sine")
cos = _unary_fn("Cos", "cos", "cosine")
tan = _unary_fn("Tan", "tan", "tangent")
asin = _unary_fn("Asin", "asin", "arcsine")
acos = _unary_fn("Acos", "acos", "arccosine")
atan = _unary_fn("Atan", "atan", "arctangent")
sinh = _unary_fn("Sinh", "sinh", "hyperbolic sine")
cosh = _unary_fn("Cosh", "cosh", "hyperbolic cosine")
asinh = _unary_fn("Asinh", "asinh", "inverse hyperbolic sine")
acosh = _unary_fn("Acosh", "acosh", "inverse hyperbolic cosine")
atanh = _unary_fn("Atanh", "atanh", "inverse hyperbolic tangent")
tanh = _unary_fn("Tanh", "tanh", "hyperbolic tangent")
erf = _unary_fn("Erf", "erf", "Gauss error function")
erfc = _unary_fn("Erfc", "erfc", "1 - erf(x)")
floor = _unary_fn("Floor", "floor", "largest integer <= x")
ceil = _unary_fn("Ceil", "ceil", "smallest integer >= x")
rint = _unary_fn("Rint", "rint", "nearest integer, halves to even")
is_nan = _unary_fn("IsNan", "is_nan", "x is NaN")
is_inf = _unary_fn("IsInf", "is_inf", "x is +inf or -inf")
is_finite = _unary_fn("IsFinite", "is_finite", "x is neither inf nor NaN")


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _unary("Sigmoid", x, name)


def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    with _scope(name, "LogSigmoid") as scope:
        x = convert_to_tensor(x, name="x")
        _check("Log1p", x)
        # min(x, 0) - log1p(exp(-|x|))
        return subtract(minimum(x, 0), log1p(exp(negative(abs(x)))), name=scope)


def round(x: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """Round half to even ("banker's rounding"); integers pass through."""
    x = convert_to_tensor(x, name="x")
    if x.dtype.is_integer:
        return x
    return _unary("Round", x, name)


def atan2(y: Any, x: Any, name: str | None = None) -> Tensor:
    """Angle of the point (x, y), in [-pi, pi]."""
    with _scope(name, "Atan2") as scope:
        y, x = _pair("Atan2", y, x, ("y", "x"))
        return _make("Atan2", [y, x], name=scope)


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Xlogy", x, y, name)


def xdivy(x: Any, y: Any, name: str | None = None) -> Tensor:
    with _scope(name, "xdivy"):  # xdivy/Xdivy, as in TF
        x, y = _pair("Xdivy", x, y)
        return _make("Xdivy", [x, y])


def conj(x: Any, name: str | None = None) -> Tensor:
    """Complex conjugate; flowjit has no complex dtypes, so this is x itself."""
    return convert_to_tensor(x)


def real(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Real part; flowjit has no complex dtypes, so this is the input itself."""
    return convert_to_tensor(input)


# --- comparisons and logic --------------------------------------------------------------------

def equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Equal", x, y, name)


def not_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("NotEqual", x, y, name)


def less(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Less", x, y, name)


def less_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("LessEqual", x, y, name)


def greater(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("Greater", x, y, name)


def greater_equal(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("GreaterEqual", x, y, name)


def logical_and(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("LogicalAnd", x, y, name)


def logical_or(x: Any, y: Any, name: str | None = None) -> Tensor:
    return _binary("LogicalOr", x, y, name)


def logical_not(x: Any, name: str | None = None) -> Tensor:
    return _unary("LogicalNot", x, name)


def logical_xor(x: Any, y: Any, name: str = "LogicalXor") -> Tensor:
    """(x or y) and not (x and y)."""
    x, y = _pair("LogicalAnd", x, y)
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """TF1 `tf.where`.

    With x and y: elementwise choice (a `Select` node); x and y have one shape, and condition
    is a scalar, has that shape, or is a vector choosing whole rows (x's first dimension).
    Without them: the coordinates of the true elements, an int64 [N, rank(condition)] tensor.
    """
    if x is None and y is None:
        condition = convert_to_tensor(condition, name="condition")
        _check("Where", condition, "condition")
        return _make("Where", [condition], name=name or "Where")
    return _select("Select", condition, x, y, name)


def _select(op_type: str, condition: Any, x: Any, y: Any, name: str | None) -> Tensor:
    """A `Select`/`SelectV2` node choosing x where `condition` (a bool tensor) holds, else y;
    x and y must both be given."""
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    condition = convert_to_tensor(condition, dtype=dtypes.bool_, name="condition") \
        if not _is_tensor_like(condition) else convert_to_tensor(condition)
    if condition.dtype != dtypes.bool_:
        raise TypeError(f"condition must be a bool tensor, got {condition.dtype.name} ({condition.name})")
    x, y = _pair(op_type, x, y, ("t", "e"))
    return _make(op_type, [condition, x, y], name=name or op_type)


def where_v2(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """TF2 `tf.where`: condition, x and y broadcast against each other (a `SelectV2` node)."""
    if x is None and y is None:
        return where(condition, name=name)
    return _select("SelectV2", condition, x, y, name)


# --- casts -----------------------------------------------------------------------------------

def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Convert x to `dtype`; a tensor that already has it is returned unchanged.

    Floats become integers by truncation toward zero; booleans become 0/1; numbers become
    booleans by `!= 0`.
    """
    base = as_dtype(dtype)
    if _is_tensor_like(x):
        x = convert_to_tensor(x)
        if x.dtype == base:
            return x
        return _make("Cast", [x], {"SrcT": x.dtype, "DstT": base, "Truncate": False}, name=name or "Cast")
    with _scope(name, "Cast") as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype == base:
            return x
        return _make("Cast", [x], {"SrcT": x.dtype, "DstT": base, "Truncate": False}, name=scope)


def to_float(x: Any, name: str = "ToFloat") -> Tensor:
    return cast(x, dtypes.float32, name=name)


def to_double(x: Any, name: str = "ToDouble") -> Tensor:
    return cast(x, dtypes.float64, name=name)


def to_int32(x: Any, name: str = "ToInt32") -> Tensor:
    return cast(x, dtypes.int32, name=name)


def to_int64(x: Any, name: str = "ToInt64") -> Tensor:
    return cast(x, dtypes.int64, name=name)


def _bound_in(value_dtype: DType, bound: Any, toward: float) -> np.ndarray:
    """`bound` as a value_dtype number that does not overshoot it (float rounding moves toward 0)."""
    v = np.asarray(bound, dtype=value_dtype.np_dtype) if value_dtype.is_floating else np.asarray(bound)
    if value_dtype.is_floating and np.isfinite(v) and (float(v) > bound if toward < 0 else float(v) < bound):
        v = np.nextafter(v, np.asarray(toward, dtype=value_dtype.np_dtype))
    return np.asarray(v, dtype=value_dtype.np_dtype)


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """Cast, clamping first to the range of `dtype` (no wrap-around)."""
    target = as_dtype(dtype)
    with _scope(name, "saturate_cast") as scope:
        value = convert_to_tensor(value, name="value")
        if value.dtype.is_bool or target.is_bool:
            return cast(value, target, name=scope)
        in_min, in_max = value.dtype.min, value.dtype.max
        if in_min < target.min:
            value = maximum(value, constant(_bound_in(value.dtype, target.min, np.inf), name="min"))
        if in_max > target.max:
            value = minimum(value, constant(_bound_in(value.dtype, target.max, -np.inf), name="max"))
        return cast(value, target, name=scope)


# --- linear algebra ----------------------------------------------------------------------------

def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           name: str | None = None) -> Tensor:
    """a @ b. Rank-2 inputs give a `MatMul` node; higher (or unknown) ranks a `BatchMatMulV2`,
    whose batch dimensions broadcast. Adjoint is transpose (there are no complex dtypes);
    `a_is_sparse` / `b_is_sparse` are accepted and ignored."""
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    with _scope(name, "MatMul") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype_hint=a.dtype, name="b")
        if a.dtype != b.dtype:
            raise TypeError(f"Input 'b' of 'MatMul' Op has type {b.dtype.name} that does not match type "
                            f"{a.dtype.name} of argument 'a' (tensors {a.name} and {b.name})")
        ra, rb = a.shape.rank, b.shape.rank
        if ra is None or rb is None or ra > 2 or rb > 2:
            _check("BatchMatMulV2", a, "x")
            return _make("BatchMatMulV2", [a, b], {"adj_x": bool(transpose_a or adjoint_a),
                                                   "adj_y": bool(transpose_b or adjoint_b)}, name=scope)
        _check("MatMul", a, "a")
        return _make("MatMul", [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                        "transpose_b": bool(transpose_b or adjoint_b)}, name=scope)


def _array_ops():
    from . import array_ops

    return array_ops


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Sum over the last `axes` dims of a and the first of b (or explicit axis lists)."""
    with _scope(name, "Tensordot") as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype_hint=a.dtype, name="b")
        if a.shape.rank is None or b.shape.rank is None:
            raise ValueError("tensordot needs inputs of known rank")
        ra, rb = a.shape.rank, b.shape.rank
        if isinstance(axes, (int, np.integer)) or (isinstance(axes, np.ndarray) and axes.ndim == 0):
            n = int(axes)
            if n < 0:
                raise ValueError(f"'axes' must be at least 0, got {n}")
            if n > ra or n > rb:
                raise ValueError(f"'axes' must not be larger than the rank of a and b, got {n}")
            a_axes, b_axes = list(_range(ra - n, ra)), list(_range(n))
        else:
            if _is_tensor_like(axes):
                known = static_value(convert_to_tensor(axes).value)
                if known is None:
                    raise ValueError("tensordot needs statically known axes")
                axes = known.tolist()
            if len(axes) != 2:
                raise ValueError(f"'axes' must be an int or a pair of axis lists, got {axes}")
            a_axes, b_axes = axes
            a_axes = [int(a_axes)] if np.ndim(a_axes) == 0 else [int(v) for v in a_axes]
            b_axes = [int(b_axes)] if np.ndim(b_axes) == 0 else [int(v) for v in b_axes]
            if len(a_axes) != len(b_axes):
                raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(a_axes)} != "
                                 f"{len(b_axes)}.")
        a_axes = [v % ra for v in a_axes]
        b_axes = [v % rb for v in b_axes]
        a_free = [k for k in _range(ra) if k not in a_axes]
        b_free = [k for k in _range(rb) if k not in b_axes]
        ad, bd = a.shape.dims, b.shape.dims
        for i, j in zip(a_axes, b_axes):
            if ad[i] is not None and bd[j] is not None and ad[i] != bd[j]:
                raise ValueError(f"tensordot: contracted dimensions differ: a dim {i} is {ad[i]}, b dim {j} is "
                                 f"{bd[j]}")
        array_ops = _array_ops()

        def prod(dims):
            if any(d is None for d in dims):
                return None
            return int(np.prod(dims, dtype=np.int64)) if dims else 1

        k = prod([ad[i] for i in a_axes])
        if k is None:
            k = prod([bd[j] for j in b_axes])
        m, n = prod([ad[i] for i in a_free]), prod([bd[j] for j in b_free])
        if k is None or (m is None and n is None and len(a_free) + len(b_free) > 1):
            raise ValueError("tensordot needs statically known contracted dimensions")
        a2 = a if a_free + a_axes == list(_range(ra)) else array_ops.transpose(a, a_free + a_axes)
        b2 = b if b_axes + b_free == list(_range(rb)) else array_ops.transpose(b, b_axes + b_free)
        a2 = array_ops.reshape(a2, [-1 if m is None else m, k])
        b2 = array_ops.reshape(b2, [k, -1 if n is None else n])
        product = matmul(a2, b2)
        out_dims = [ad[i] for i in a_free] + [bd[j] for j in b_free]
        if sum(d is None for d in out_dims) > 1:
            raise ValueError("tensordot needs at most one unknown free dimension")
        return array_ops.reshape(product, [-1 if d is None else d for d in out_dims], name=scope)


def trace(x: Any, name: str | None = None) -> Tensor:
    """Sum of the main diagonal of each innermost matrix."""
    with _scope(name, "Trace") as scope:
        x = convert_to_tensor(x, name="x")
        if x.shape.rank is not None and x.shape.rank < 2:
            raise ValueError(f"trace needs a tensor of rank >= 2, got shape {x.shape}")
        dims = x.shape.dims
        if dims is not None and dims[-1] is not None and dims[-2] is not None:
            mask = constant(np.eye(dims[-2], dims[-1], dtype=bool), name="diagonal")
        else:  # row index == column index, from running counts (works for any shape)
            ones = _array_ops().ones_like(x, dtype=dtypes.int32)
            mask = equal(cumsum(ones, -2, exclusive=True), cumsum(ones, -1, exclusive=True))
        zero = constant(np.zeros((), x.dtype.np_dtype), name="zero")
        diag = _make("SelectV2", [mask, x, zero], name="SelectV2")
        return reduce_sum(diag, axis=[-2, -1], name=scope)


# --- reductions -------------------------------------------------------------------------------

def _axes_tensor(x: Tensor, axis: Any) -> Tensor:
    """The reduction-indices input: a Const for Python axes, all axes for None."""
    if axis is None:
        rank = x.shape.rank
        if rank is not None:
            return constant(np.arange(rank, dtype=np.int32), name="Const")
        return range(0, _array_ops().rank(x), name="range")
    if _is_tensor_like(axis):
        t = convert_to_tensor(axis)
        if t.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"reduction axes must be int32 or int64, got {t.dtype.name} ({t.name})")
        return t
    arr = np.asarray(axis)
    if arr.dtype.kind not in "iu" and arr.size:
        raise TypeError(f"reduction axes must be integers, got {axis!r}")
    return constant(arr.astype(np.int64 if arr.size and (arr.max() >= 2**31 or arr.min() < -2**31) else np.int32),
                    name="reduction_indices")


def _reduction_args(axis: Any, reduction_indices: Any, keepdims: Any, keep_dims: Any) -> tuple[Any, bool]:
    """(axis, keepdims) from TF1's two spellings of each (`reduction_indices`, `keep_dims`);
    keepdims is False when neither is given."""
    axis = _lookup("axis", axis, "reduction_indices", reduction_indices)
    keepdims = _lookup("keepdims", keepdims, "keep_dims", keep_dims)
    return axis, bool(keepdims) if keepdims is not None else False


def _reduce(op_type: str, default_name: str, input_tensor: Any, axis: Any, keepdims: Any, name: str | None,
            reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    axis, keepdims = _reduction_args(axis, reduction_indices, keepdims, keep_dims)
    x = convert_to_tensor(input_tensor, name="input_tensor")
    _check(op_type, x, "input")
    with _scope(name, default_name) as scope:
        axes = _axes_tensor(x, axis)
        return _make(op_type, [x, axes], {"keep_dims": keepdims}, name=scope)


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    """Sum over `axis` (all axes when None); `keepdims` keeps reduced axes with size 1."""
    return _reduce("Sum", "Sum", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    """Mean over `axis`; integer means round toward zero. An empty float mean is NaN."""
    return _reduce("Mean", "Mean", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    """Maximum over `axis`; NaN propagates; an empty maximum is -inf (the lowest int for ints)."""
    return _reduce("Max", "Max", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    """Minimum over `axis`; NaN propagates; an empty minimum is +inf (the highest int for ints)."""
    return _reduce("Min", "Min", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    return _reduce("Prod", "Prod", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    return _reduce("Any", "Any", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
               reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    return _reduce("All", "All", input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: Any = False,
                          name: str | None = None) -> Tensor:
    """sqrt(sum(x ** 2)) over `axis` (integer inputs truncate the root)."""
    return _reduce("EuclideanNorm", "EuclideanNorm", input_tensor, axis, keepdims, name)


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: Any = None, name: str | None = None,
                     reduction_indices: Any = None, keep_dims: Any = None) -> Tensor:
    """log(sum(exp(x))) over `axis`, computed stably (the max is subtracted first)."""
    axis, keepdims = _reduction_args(axis, reduction_indices, keepdims, keep_dims)
    with _scope(name, "ReduceLogSumExp") as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        _check("Log", x, "input_tensor")
        axes = _axes_tensor(x, axis)
        raw_max = _make("Max", [x, axes], {"keep_dims": True}, name="Max")
        zero = constant(np.zeros((), x.dtype.np_dtype), name="zero")
        finite_max = _make("SelectV2", [is_finite(raw_max), raw_max, zero], name="SelectV2")
        my_max = _make("StopGradient", [finite_max], name="StopGradient")
        summed = _make("Sum", [exp(subtract(x, my_max)), axes], {"keep_dims": keepdims}, name="Sum")
        result = log(summed)
        if not keepdims:  # drop the kept size-1 axes of my_max (a sum over them is the identity)
            my_max = _make("Sum", [my_max, axes], {"keep_dims": False}, name="Squeeze")
        return add(result, my_max, name=scope)


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population variance over `axis` (floats)."""
    with _scope(name, "reduce_variance"):  # the result is reduce_variance/Mean_1, as in TF
        x = convert_to_tensor(input_tensor, name="input_tensor")
        _check("Sqrt", x, "input_tensor")
        means = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(squared_difference(x, means), axis, keepdims=keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None) -> Tensor:
    """Population standard deviation over `axis` (floats)."""
    with _scope(name, "reduce_std"):  # reduce_std/Sqrt, as in TF
        return sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input_tensor: Any = None, axis: Any = None, keepdims: Any = None, dtype: Any = dtypes.int64,
                  name: str | None = None, reduction_indices: Any = None, keep_dims: Any = None,
                  input: Any = None) -> Tensor:  # noqa: A002
    """Number of nonzero (true) elements over `axis`, as `dtype` (int64 by default)."""
    input_tensor = _lookup("input", input, "input_tensor", input_tensor)
    axis = _lookup("axis", axis, "reduction_indices", reduction_indices)
    keepdims = _lookup("keepdims", keepdims, "keep_dims", keep_dims)
    with _scope(name, "count_nonzero"):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant(np.zeros((), x.dtype.np_dtype), name="zero")
        nonzero = _make("NotEqual", [x, zero], name="NotEqual")
        counts = reduce_sum(cast(nonzero, dtypes.int64), axis=axis, keepdims=keepdims)
        return cast(counts, dtype)


def _arg(op_type: str, input: Any, axis: Any, name: str | None, dimension: Any, output_type: Any) -> Tensor:
    axis = _lookup("axis", axis, "dimension", dimension)
    if axis is None:
        axis = 0
    out = as_dtype(output_type)
    if out not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"output_type must be int32 or int64, got {out.name}")
    x = convert_to_tensor(input, name="input")
    _check(op_type, x, "input")
    with _scope(name, op_type) as scope:
        if _is_tensor_like(axis):
            dim = convert_to_tensor(axis)
        else:
            arr = np.asarray(axis)
            if arr.dtype.kind not in "iu":
                raise TypeError(f"{op_type} axis must be an integer, got {axis!r}")
            dim = constant(arr.astype(np.int32), name="dimension")
        return _make(op_type, [x, dim], {"output_type": out}, name=scope)


def argmax(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,  # noqa: A002
           output_type: Any = dtypes.int64) -> Tensor:
    """Index of the largest value along `axis` (0 by default); the first one on ties; NaN is
    skipped (as in TF)."""
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input: Any, axis: Any = None, name: str | None = None, dimension: Any = None,  # noqa: A002
           output_type: Any = dtypes.int64) -> Tensor:
    """Index of the smallest value along `axis` (0 by default); the first one on ties."""
    return _arg("ArgMin", input, axis, name, dimension, output_type)


def arg_max(input: Any, dimension: Any, output_type: Any = dtypes.int64,  # noqa: A002
            name: str | None = None) -> Tensor:
    """The deprecated TF1 spelling `tf.arg_max(input, dimension)`."""
    return _arg("ArgMax", input, None, name, dimension, output_type)


def arg_min(input: Any, dimension: Any, output_type: Any = dtypes.int64,  # noqa: A002
            name: str | None = None) -> Tensor:
    return _arg("ArgMin", input, None, name, dimension, output_type)


# --- scans and sequences ------------------------------------------------------------------------

def _scan(op_type: str, x: Any, axis: Any, exclusive: bool, reverse: bool, name: str | None) -> Tensor:
    with _scope(name, op_type) as scope:
        x = convert_to_tensor(x, name="x")
        _check(op_type, x)
        if _is_tensor_like(axis):
            axis_t = convert_to_tensor(axis)
        else:
            arr = np.asarray(axis)
            if arr.dtype.kind not in "iu" or arr.ndim != 0:
                raise TypeError(f"{op_type} axis must be an integer scalar, got {axis!r}")
            axis_t = constant(arr.astype(np.int32), name="axis")
        return _make(op_type, [x, axis_t], {"exclusive": bool(exclusive), "reverse": bool(reverse)}, name=scope)


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Running sum along `axis`: [a, b, c] -> [a, a+b, a+b+c]; `exclusive` starts at 0, `reverse`
    runs from the end."""
    return _scan("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None) -> Tensor:
    """Running product along `axis` (see `cumsum`)."""
    return _scan("Cumprod", x, axis, exclusive, reverse, name)


_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str = "range") -> Tensor:
    """start, start + delta, ... up to (not including) limit; `range(n)` is 0 .. n-1.

    The dtype is `dtype` if given, else the widest of the arguments' (int32 < int64 < float32 <
    float64; Python ints are int32 and floats float32).
    """
    if limit is None:
        start, limit = 0, start
    want = as_dtype(dtype) if dtype is not None else None
    with _scope(name, "Range") as scope:
        args = []
        for value, what in ((start, "start"), (limit, "limit"), (delta, "delta")):
            if _is_tensor_like(value):
                t = convert_to_tensor(value)
                if want is not None and t.dtype != want:
                    t = cast(t, want)
            else:
                t = convert_to_tensor(value, dtype=want, name=what)
            if t.dtype not in _RANGE_ORDER:
                raise TypeError(f"range arguments must be int32, int64, float32 or float64, got {t.dtype.name}")
            args.append(t)
        if want is None:
            inferred = max((t.dtype for t in args), key=_RANGE_ORDER.index)
            args = [cast(t, inferred) for t in args]
        return _make("Range", args, name=scope)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None) -> Tensor:
    """`num` evenly spaced values from start to stop, both included."""
    with _scope(name, "LinSpace") as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, dtype_hint=start.dtype, name="stop")
        if start.dtype.is_integer and stop.dtype.is_integer:  # TF2's lin_space computes integers in float64
            start, stop = cast(start, dtypes.float64), cast(stop, dtypes.float64)
        if start.dtype != stop.dtype:
            raise TypeError(f"Input 'stop' of 'LinSpace' Op has type {stop.dtype.name} that does not match type "
                            f"{start.dtype.name} of argument 'start'")
        _check("LinSpace", start, "start")
        num = convert_to_tensor(num, name="num") if _is_tensor_like(num) else \
            convert_to_tensor(num, dtype=dtypes.int32, name="num")
        if num.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"num must be int32 or int64, got {num.dtype.name}")
        return _make("LinSpace", [start, stop, num], name=scope)


lin_space = linspace


# --- clipping and norms --------------------------------------------------------------------------

def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """min(max(t, clip_value_min), clip_value_max); the bounds may not enlarge t's shape."""
    with _scope(name, "clip_by_value") as scope:
        t = convert_to_tensor(t, name="t")
        lo = convert_to_tensor(clip_value_min, dtype_hint=t.dtype, name="clip_value_min")
        hi = convert_to_tensor(clip_value_max, dtype_hint=t.dtype, name="clip_value_max")
        for b in (lo, hi):
            if b.dtype != t.dtype:
                raise TypeError(f"clip_by_value: bound {b.name} has type {b.dtype.name} that does not match type "
                                f"{t.dtype.name} of t ({t.name})")
        _check("ClipByValue", t, "t")
        return _make("ClipByValue", [t, lo, hi], name=scope)


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """t * clip_norm / max(l2norm(t), clip_norm), the L2 norm taken over `axes` (all if None)."""
    with _scope(name, "clip_by_norm") as scope:
        t = convert_to_tensor(t, name="t")
        l2sum = reduce_sum(multiply(t, t), axes, keepdims=True)
        pred = greater(l2sum, 0)
        one = constant(np.ones((), t.dtype.np_dtype), name="one")
        l2sum_safe = _make("SelectV2", [pred, l2sum, one], name="SelectV2")
        l2norm = _make("SelectV2", [pred, sqrt(l2sum_safe), l2sum], name="SelectV2")
        intermediate = multiply(t, clip_norm)
        return _make("Identity", [truediv(intermediate, maximum(l2norm, clip_norm))], name=scope)


def global_norm(t_list: Any, name: str | None = None) -> Tensor:
    """sqrt(sum of squares of every element of every tensor); None entries are skipped."""
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, (str, bytes)):
        raise TypeError("t_list should be a sequence")
    tensors = [convert_to_tensor(t) for t in t_list if t is not None]
    with _scope(name, "global_norm"):
        if not tensors:
            raise ValueError("global_norm needs at least one tensor")
        squares = [reduce_sum(square(v), name="L2Sum") for v in tensors]
        total = add_n(squares) if len(squares) > 1 else squares[0]
        return sqrt(total, name="global_norm")  # global_norm/global_norm, as in TF


def clip_by_global_norm(t_list: Any, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple[list[Tensor | None], Tensor]:
    """Scale every tensor by clip_norm / max(global_norm, clip_norm); returns (list, global_norm).

    A NaN or inf global norm makes every output NaN, as in TF.
    """
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, (str, bytes)):
        raise TypeError("t_list should be a sequence")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    use_norm = convert_to_tensor(use_norm)
    with _scope(name, "clip_by_global_norm") as scope:
        clip = convert_to_tensor(clip_norm, dtype_hint=use_norm.dtype, name="clip_norm")
        one = constant(np.ones((), use_norm.dtype.np_dtype), name="one")
        scale_for_finite = multiply(clip, minimum(truediv(one, use_norm), truediv(one, clip)))
        scale = add(scale_for_finite, subtract(use_norm, use_norm))  # NaN/inf norm -> NaN scale
        clipped: list[Tensor | None] = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            v = convert_to_tensor(t, name=f"t_{i}")
            # TF names them "%s_%d" % (scope, i): clip_by_global_norm/clip_by_global_norm/_0
            clipped.append(_make("Identity", [multiply(v, cast(scale, v.dtype))], name=f"{scope}_{i}"))
    return clipped, use_norm


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None,
                 dim: Any = None) -> Tensor:
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    axis = _lookup("axis", axis, "dim", dim)
    with _scope(name, "l2_normalize") as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = reduce_sum(square(x), axis, keepdims=True)
        x_inv_norm = rsqrt(maximum(square_sum, epsilon))
        return multiply(x, x_inv_norm, name=scope)
