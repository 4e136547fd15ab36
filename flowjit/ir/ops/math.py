"""Op definitions: math (elementwise, comparisons, casts, matmul, reductions, scans, ranges).

Every op here follows TF's op of the same name: its dtype list (the op definition's `allowed_dtypes`, which the front end checks too), its shape rule,
and its arithmetic. Choices worth knowing:

* Addition is registered as `AddV2` (what TF emits since 1.15); `Add` is registered too, same
  semantics, so imported TF graphs keep working.
* Integer `Div`, `TruncateDiv`, `TruncateMod` round toward zero (C); `FloorDiv`, `FloorMod`
  follow Python (floor). Float `FloorDiv` is `floor(x / y)` and float `FloorMod` is TF's
  `fmod` plus a sign fix, both bit-for-bit what TF computes. Integer division or modulo by zero
  is an InvalidArgumentError naming the node.
* Integer overflow wraps (two's complement) as in TF; float errors give inf/NaN, never warnings.
* Transcendental functions of float16/float32 are evaluated in float64 and rounded once, so
  the reference is at least as accurate as any backend measured against it. Accumulations
  follow TF (and overflow where TF overflows): float16 sums and means accumulate in float32,
  everything else in its own dtype; integer means sum in 64 bits.
* `Select` is TF1's: `x` and `y` have one shape; `condition` is a scalar, has that shape, or is
  a vector selecting rows (first dimension). `SelectV2` broadcasts all three.
* `Max`/`Min` propagate NaN; on an empty reduction they give -inf/+inf for floats and the
  lowest/highest value for integers. `ArgMax`/`ArgMin` skip NaN (as TF's Eigen reducer does):
  the index of the first extreme among the non-NaN values, 0 if all are NaN.
* Reductions take their axes as input 1 (int32/int64, scalar or vector) and attr
  `keep_dims`; duplicate or out-of-range axes are errors.
* `BroadcastGradientArgs` (TF's) and `ReducedShape` (flowjit's; TF computes it in Python with
  DynamicStitch) exist for gradients of dynamically shaped graphs.
* Cheap pure ops are registered `foldable`, so shape arithmetic on known shapes stays static.
"""

from __future__ import annotations

import math as _pymath
from typing import Any, Callable, Sequence

import numpy as np

from .. import errors
from ..dtypes import DType, FLOAT_DTYPES, INT_DTYPES, bool_, float32, float64, int8, int16, int32, int64, string
from ..registry import register_op, static_value
from ..shapes import TensorShape, broadcast_all
from ._util import spec

FLOATS: tuple[DType, ...] = FLOAT_DTYPES
SIGNED_INTS: tuple[DType, ...] = (int8, int16, int32, int64)
INTS: tuple[DType, ...] = INT_DTYPES
NUMERIC: tuple[DType, ...] = FLOATS + INTS
SIGNED_NUMERIC: tuple[DType, ...] = FLOATS + SIGNED_INTS
INDEX: tuple[DType, ...] = (int32, int64)
ANY: tuple[DType, ...] = NUMERIC + (bool_, string)



# --- shared checks ----------------------------------------------------------------------

def check_dtype(op: str, value: Any, allowed: Sequence[DType], what: str = "x") -> None:
    if value.dtype not in allowed:
        raise TypeError(f"{op}: value passed to parameter '{what}' has DataType {value.dtype.name} not in list "
                        f"of allowed values: {', '.join(d.name for d in allowed)}")


def _same_dtype(op: str, inputs: Sequence[Any], names: Sequence[str] = ("x", "y", "z")) -> DType:
    first = inputs[0]
    for k, v in enumerate(inputs[1:], start=1):
        if v.dtype != first.dtype:
            raise TypeError(f"{op}: input '{names[k]}' ({v.name}) has type {v.dtype.name} that does not match "
                            f"type {first.dtype.name} of argument '{names[0]}' ({first.name})")
    return first.dtype


def _broadcast(op: str, shapes: Sequence[TensorShape]) -> TensorShape:
    try:
        return broadcast_all(list(shapes))
    except ValueError:
        raise ValueError("Incompatible shapes: " + " vs. ".join(str(s) for s in shapes)) from None


def _runtime_broadcast(ctx: Any, *arrays: np.ndarray) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*[a.shape for a in arrays])
    except ValueError:
        raise ctx.error(errors.InvalidArgumentError,
                        "Incompatible shapes: " + " vs. ".join(str(list(a.shape)) for a in arrays)) from None


def _precise(x: np.ndarray) -> np.ndarray:
    """float16/float32 -> float64 for evaluating a formula with one final rounding."""
    return x.astype(np.float64) if x.dtype in (np.float16, np.float32) else x


def _out(value: Any, dtype: np.dtype) -> np.ndarray:
    return np.asarray(value).astype(dtype, copy=False)


# --- unary elementwise ------------------------------------------------------------------

def _unary(name: str, fn: Callable[[np.ndarray], Any], allowed: Sequence[DType], *, out_dtype: DType | None = None,
           precise: bool = False, doc: str = "") -> None:

    def infer(inputs, attrs):
        x = inputs[0]
        check_dtype(name, x, allowed)
        return [spec(out_dtype or x.dtype, x.shape)]

    def kernel(ctx, x):
        want = (out_dtype or ctx.node.inputs[0].dtype).np_dtype
        with np.errstate(all="ignore"):
            y = fn(_precise(x) if precise else x)
        return _out(y, want)

    register_op(name, infer=infer, kernel=kernel, op_class="elementwise", num_inputs=1, doc=doc, foldable=True,
                allowed_dtypes=allowed)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# frompyfunc gives an object array, or a bare Python float for a 0-d input (hence np.asarray)
_erf = np.frompyfunc(_pymath.erf, 1, 1)
_erfc = np.frompyfunc(_pymath.erfc, 1, 1)


def _sign(x: np.ndarray) -> np.ndarray:
    return np.sign(x)  # NaN -> NaN, -0.0 -> 0.0 (TF gives the same)


def _round_half_even(x: np.ndarray) -> np.ndarray:
    return np.round(x) if x.dtype.kind == "f" else x  # np.round rounds half to even


def _abs(x: np.ndarray) -> np.ndarray:
    return np.abs(x)


_unary("Neg", np.negative, SIGNED_NUMERIC, doc="-x")
_unary("Abs", _abs, SIGNED_NUMERIC, doc="|x| (integer minimum wraps to itself, as in TF)")
_unary("Sign", _sign, SIGNED_NUMERIC, doc="-1, 0 or 1 (NaN for NaN)")
_unary("Square", np.square, NUMERIC)
_unary("Exp", np.exp, FLOATS, precise=True)
_unary("Expm1", np.expm1, FLOATS, precise=True)
_unary("Log", np.log, FLOATS, precise=True)
_unary("Log1p", np.log1p, FLOATS, precise=True)
_unary("Sqrt", np.sqrt, FLOATS, precise=True)
_unary("Rsqrt", lambda x: 1.0 / np.sqrt(x), FLOATS, precise=True)
_unary("Reciprocal", lambda x: 1.0 / x, FLOATS, precise=True)
_unary("Sin", np.sin, FLOATS, precise=True)
_unary("Cos", np.cos, FLOATS, precise=True)
_unary("Tan", np.tan, FLOATS, precise=True)
_unary("Asin", np.arcsin, FLOATS, precise=True)
_unary("Acos", np.arccos, FLOATS, precise=True)
_unary("Atan", np.arctan, FLOATS, precise=True)
_unary("Sinh", np.sinh, FLOATS, precise=True)
_unary("Cosh", np.cosh, FLOATS, precise=True)
_unary("Asinh", np.arcsinh, FLOATS, precise=True)
_unary("Acosh", np.arccosh, FLOATS, precise=True)
_unary("Atanh", np.arctanh, FLOATS, precise=True)
_unary("Tanh", np.tanh, FLOATS, precise=True)
_unary("Sigmoid", _sigmoid, FLOATS, precise=True, doc="1 / (1 + exp(-x))")
_unary("Erf", lambda x: np.asarray(_erf(x), dtype=np.float64), FLOATS, precise=True)
_unary("Erfc", lambda x: np.asarray(_erfc(x), dtype=np.float64), FLOATS, precise=True)
_unary("Floor", np.floor, FLOATS)
_unary("Ceil", np.ceil, FLOATS)
_unary("Rint", np.rint, FLOATS, doc="round half to even")
_unary("Round", _round_half_even, NUMERIC, doc="round half to even; identity on integers")
_unary("IsNan", np.isnan, FLOATS, out_dtype=bool_)
_unary("IsInf", np.isinf, FLOATS, out_dtype=bool_)
_unary("IsFinite", np.isfinite, FLOATS, out_dtype=bool_)
_unary("LogicalNot", np.logical_not, (bool_,))


# --- binary elementwise (broadcasting) ----------------------------------------------------

def _binary(name: str, fn: Callable[[np.ndarray, np.ndarray], Any], allowed: Sequence[DType], *,
            out_dtype: DType | None = None, int_div: bool = False, precise: bool = False, doc: str = "") -> None:
    """`int_div`: integer inputs with a zero divisor are an InvalidArgumentError."""

    def infer(inputs, attrs):
        dtype = _same_dtype(name, inputs)
        check_dtype(name, inputs[0], allowed)
        return [spec(out_dtype or dtype, _broadcast(name, [v.shape for v in inputs]))]

    def kernel(ctx, x, y):
        _runtime_broadcast(ctx, x, y)
        in_dtype = ctx.node.inputs[0].dtype
        if int_div and in_dtype.is_integer and np.any(y == 0):
            raise ctx.error(errors.InvalidArgumentError, "Integer division by zero")
        with np.errstate(all="ignore"):
            if precise and in_dtype.is_floating:
                z = fn(_precise(x), _precise(y))
            else:
                z = fn(x, y)
        return _out(z, (out_dtype or in_dtype).np_dtype)

    register_op(name, infer=infer, kernel=kernel, op_class="broadcast", num_inputs=2, doc=doc, foldable=True,
                allowed_dtypes=allowed)


def _truncate_div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f":
        return np.trunc(x / y)
    q = np.floor_divide(x, y)
    fix = (np.remainder(x, y) != 0) & ((x < 0) != (y < 0))
    return q + fix.astype(q.dtype)


def _floor_div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f":
        return np.floor(x / y)  # TF: floor(x / y), not Python's fmod-based //
    return np.floor_divide(x, y)


def _floor_mod(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    if x.dtype.kind == "f":
        trunc_mod = np.fmod(x, y)
        fix = (trunc_mod != 0) & ((y < 0) != (trunc_mod < 0))
        return np.where(fix, trunc_mod + y, trunc_mod)
    return np.remainder(x, y)


def _div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x / y if x.dtype.kind == "f" else _truncate_div(x, y)


def _div_no_nan(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(y == 0, np.zeros((), x.dtype), x / np.where(y == 0, np.ones((), y.dtype), y))


def _mul_no_nan(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(y == 0, np.zeros((), x.dtype), x * y)


def _squared_difference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    d = x - y
    return d * d


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))


def _xdivy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x == 0, np.zeros((), x.dtype), x / y)


for _name in ("AddV2", "Add"):
    _binary(_name, np.add, NUMERIC, doc="x + y (AddV2 is canonical; Add is the pre-1.15 name)")
_binary("Sub", np.subtract, NUMERIC)
_binary("Mul", np.multiply, NUMERIC)
_binary("RealDiv", np.divide, FLOATS, doc="x / y for floats")
_binary("Div", _div, NUMERIC, int_div=True, doc="x / y; integers round toward zero")
_binary("FloorDiv", _floor_div, NUMERIC, int_div=True, doc="floor(x / y)")
_binary("FloorMod", _floor_mod, NUMERIC, int_div=True, doc="x - floor(x / y) * y (sign of y)")
_binary("TruncateDiv", _truncate_div, NUMERIC, int_div=True, doc="x / y rounded toward zero")
_binary("TruncateMod", np.fmod, NUMERIC, int_div=True, doc="C remainder (sign of x)")
_binary("DivNoNan", _div_no_nan, FLOATS, doc="x / y, 0 where y == 0")
_binary("MulNoNan", _mul_no_nan, FLOATS, doc="x * y, 0 where y == 0 (even if x is inf or NaN)")
_binary("Maximum", np.maximum, NUMERIC, doc="NaN propagates")
_binary("Minimum", np.minimum, NUMERIC, doc="NaN propagates")
_binary("SquaredDifference", _squared_difference, FLOATS + INDEX, doc="(x - y)^2")
_binary("Atan2", np.arctan2, FLOATS, precise=True, doc="atan2(x, y): x is the ordinate, as in TF")
_binary("Xlogy", _xlogy, FLOATS, precise=True, doc="x * log(y), 0 where x == 0")
_binary("Xdivy", _xdivy, FLOATS, doc="x / y, 0 where x == 0")
for _name, _fn in (("Equal", np.equal), ("NotEqual", np.not_equal)):
    _binary(_name, _fn, ANY, out_dtype=bool_)
for _name, _fn in (("Less", np.less), ("LessEqual", np.less_equal), ("Greater", np.greater),
                   ("GreaterEqual", np.greater_equal)):
    _binary(_name, _fn, NUMERIC, out_dtype=bool_)
_binary("LogicalAnd", np.logical_and, (bool_,))
_binary("LogicalOr", np.logical_or, (bool_,))


def _pow_infer(inputs, attrs):
    dtype = _same_dtype("Pow", inputs)
    check_dtype("Pow", inputs[0], SIGNED_NUMERIC)
    return [spec(dtype, _broadcast("Pow", [v.shape for v in inputs]))]


def _pow_kernel(ctx, x, y):
    _runtime_broadcast(ctx, x, y)
    dtype = ctx.node.inputs[0].dtype
    if dtype.is_integer:
        if np.any(y < 0):
            raise ctx.error(errors.InvalidArgumentError, "Integers to negative integer powers are not allowed")
        with np.errstate(all="ignore"):
            return _out(np.power(x, y), dtype.np_dtype)
    with np.errstate(all="ignore"):
        px, py = _precise(x), _precise(y)
        r = np.power(px, py)
        # NumPy takes a sqrt path for an exponent of 0.5 broadcast along the loop, which gives
        # sqrt's NaN for -inf and -0.0 for -0.0; C99 pow (TF, the cpu backend) gives +inf, +0.0
        half = (py == 0.5) & ((px == -np.inf) | (px == 0))
        if np.any(half):
            r = np.where(half, np.abs(px), r)
        return _out(r, dtype.np_dtype)


register_op("Pow", allowed_dtypes=SIGNED_NUMERIC, infer=_pow_infer, kernel=_pow_kernel, op_class="broadcast", num_inputs=2, foldable=True,
            doc="x ** y; integers to negative powers are an error")


# --- select, where ------------------------------------------------------------------------

def _select_infer(inputs, attrs):
    cond, x, y = inputs
    if cond.dtype != bool_:
        raise TypeError(f"Select: condition must be bool, got {cond.dtype.name}")
    _same_dtype("Select", [x, y], ("t", "e"))
    if not x.shape.is_compatible_with(y.shape):
        raise ValueError(f"Shapes must be equal rank and compatible, but are {x.shape} and {y.shape} "
                         f"(Select's 'then' and 'else' must have one shape; use where_v2 to broadcast)")
    shape = x.shape.merge_with(y.shape)
    c = cond.shape
    if c.rank is None or c.rank == 0:
        return [spec(x.dtype, shape)]
    if c.rank == 1 and (shape.rank is None or shape.rank > 1):
        if shape.rank is not None:
            if c.dims[0] is not None and shape.dims[0] is not None and c.dims[0] != shape.dims[0]:
                raise ValueError(f"Select: a vector condition selects rows: its size {c.dims[0]} must equal the "
                                 f"first dimension of 'then' {shape}")
            if shape.dims[0] is None:
                shape = TensorShape([c.dims[0]] + list(shape.dims[1:]))
        return [spec(x.dtype, shape)]
    if shape.rank is not None and c.rank != shape.rank:
        raise ValueError(f"Shapes must be equal rank, but are {c.rank} and {shape.rank}: condition {c} "
                         f"and 'then' {shape}")
    if not c.is_compatible_with(shape):
        raise ValueError(f"Select: condition shape {c} must match 'then' shape {shape}")
    return [spec(x.dtype, shape.merge_with(c))]


def _select_kernel(ctx, cond, x, y):
    if x.shape != y.shape:
        raise ctx.error(errors.InvalidArgumentError,
                        f"'then' and 'else' must have the same size. but received: {list(x.shape)} vs. {list(y.shape)}")
    if cond.ndim == 0:
        return np.array(x if cond else y, copy=True)
    if cond.ndim == 1 and x.ndim > 1:
        if cond.shape[0] != x.shape[0]:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Number of batches of 'then' must match size of 'cond', but saw: {x.shape[0]} vs. "
                            f"{cond.shape[0]}")
        return np.where(cond.reshape((-1,) + (1,) * (x.ndim - 1)), x, y)
    if cond.shape != x.shape:
        raise ctx.error(errors.InvalidArgumentError,
                        f"'cond' and 'then' must have the same shape, but received: {list(cond.shape)} vs. "
                        f"{list(x.shape)}")
    return np.where(cond, x, y)


register_op("Select", allowed_dtypes=ANY, infer=_select_infer, kernel=_select_kernel, op_class="broadcast", num_inputs=3, foldable=True,
            doc="TF1 where(c, x, y): c scalar, same shape as x, or a vector selecting rows")


def _select_v2_infer(inputs, attrs):
    cond, x, y = inputs
    if cond.dtype != bool_:
        raise TypeError(f"SelectV2: condition must be bool, got {cond.dtype.name}")
    _same_dtype("SelectV2", [x, y], ("t", "e"))
    return [spec(x.dtype, _broadcast("SelectV2", [cond.shape, x.shape, y.shape]))]


def _select_v2_kernel(ctx, cond, x, y):
    _runtime_broadcast(ctx, cond, x, y)
    return np.where(cond, x, y)


register_op("SelectV2", allowed_dtypes=ANY, infer=_select_v2_infer, kernel=_select_v2_kernel, op_class="broadcast", num_inputs=3,
            foldable=True,
            doc="where(c, x, y) with NumPy broadcasting of all three")


def _where_infer(inputs, attrs):
    x = inputs[0]
    check_dtype("Where", x, NUMERIC + (bool_,), "condition")
    return [spec(int64, [None, x.shape.rank])]


def _where_kernel(ctx, x):
    return np.argwhere(x != 0 if x.dtype != np.bool_ else x).astype(np.int64)


register_op("Where", allowed_dtypes=NUMERIC + (bool_,), infer=_where_infer, kernel=_where_kernel, op_class="opaque", num_inputs=1,
            doc="Coordinates (int64 [N, rank]) of the true / nonzero elements, in row-major order")


# --- cast ---------------------------------------------------------------------------------

def _cast_infer(inputs, attrs):
    x = inputs[0]
    dst = attrs["DstT"]
    if (x.dtype == string) != (dst == string):
        raise TypeError(f"Cast between {x.dtype.name} and {dst.name} is not supported")
    return [spec(dst, x.shape)]


def _cast_kernel(ctx, x):
    dst = ctx.attrs["DstT"].np_dtype
    with np.errstate(all="ignore"):
        if dst == np.bool_:
            return np.asarray(x != 0)
        return x.astype(dst)


register_op("Cast", infer=_cast_infer, kernel=_cast_kernel, op_class="elementwise", num_inputs=1, foldable=True,
            doc="Convert to attr DstT (SrcT records the source). Float -> int truncates toward zero; "
                "NaN and out-of-range values give what the hardware conversion gives (TF's behaviour).")


# --- matmul ------------------------------------------------------------------------------

MATMUL_DTYPES = FLOATS + (int32, int64)


def _fmt(shape: TensorShape) -> str:
    if shape.rank is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


def _matmul_infer(inputs, attrs):
    a, b = inputs
    _same_dtype("MatMul", inputs, ("a", "b"))
    check_dtype("MatMul", a, MATMUL_DTYPES, "a")
    for v in (a, b):
        if v.shape.rank is not None and v.shape.rank != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {v.shape.rank} for input shapes: "
                             f"{_fmt(a.shape)}, {_fmt(b.shape)}")
    sa = a.shape.dims or (None, None)
    sb = b.shape.dims or (None, None)
    m, ka = (sa[1], sa[0]) if attrs.get("transpose_a") else (sa[0], sa[1])
    kb, n = (sb[1], sb[0]) if attrs.get("transpose_b") else (sb[0], sb[1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} with input shapes: "
                         f"{_fmt(a.shape)}, {_fmt(b.shape)}")
    return [spec(a.dtype, [m, n])]


def _matmul_compute(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == np.float16:  # accumulate in float32, round once (as TF's CPU kernel)
        return np.matmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
    with np.errstate(all="ignore"):
        return np.matmul(a, b)


def _matmul_kernel(ctx, a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise ctx.error(errors.InvalidArgumentError, f"In[0] and In[1] must be matrices, got {list(a.shape)} "
                                                     f"and {list(b.shape)}")
    if ctx.attrs.get("transpose_a"):
        a = a.T
    if ctx.attrs.get("transpose_b"):
        b = b.T
    if a.shape[1] != b.shape[0]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: {list(b.shape)}")
    return _matmul_compute(a, b)


register_op("MatMul", allowed_dtypes=MATMUL_DTYPES, infer=_matmul_infer, kernel=_matmul_kernel, op_class="matmul", num_inputs=2,
            doc="a @ b of rank-2 tensors; attrs transpose_a, transpose_b")


def _bmm_infer(inputs, attrs):
    a, b = inputs
    _same_dtype("BatchMatMulV2", inputs, ("x", "y"))
    check_dtype("BatchMatMulV2", a, MATMUL_DTYPES, "x")
    for v in (a, b):
        if v.shape.rank is not None and v.shape.rank < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {v.shape.rank} for input shapes: "
                             f"{_fmt(a.shape)}, {_fmt(b.shape)}")
    if a.shape.rank is None or b.shape.rank is None:
        return [spec(a.dtype, None)]
    sa, sb = a.shape.dims, b.shape.dims
    m, ka = (sa[-1], sa[-2]) if attrs.get("adj_x") else (sa[-2], sa[-1])
    kb, n = (sb[-1], sb[-2]) if attrs.get("adj_y") else (sb[-2], sb[-1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb} with input shapes: "
                         f"{_fmt(a.shape)}, {_fmt(b.shape)}")
    batch = _broadcast("BatchMatMulV2", [TensorShape(sa[:-2]), TensorShape(sb[:-2])])
    return [spec(a.dtype, list(batch.dims) + [m, n])]


def _bmm_kernel(ctx, a, b):
    if a.ndim < 2 or b.ndim < 2:
        raise ctx.error(errors.InvalidArgumentError, f"In[0] and In[1] must have rank >= 2, got {list(a.shape)} "
                                                     f"and {list(b.shape)}")
    if ctx.attrs.get("adj_x"):
        a = np.swapaxes(a, -1, -2)
    if ctx.attrs.get("adj_y"):
        b = np.swapaxes(b, -1, -2)
    if a.shape[-1] != b.shape[-2]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: {list(b.shape)}")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ctx.error(errors.InvalidArgumentError,
                        f"In[0] and In[1] must have compatible batch dimensions: {list(a.shape)} vs. "
                        f"{list(b.shape)}") from None
    return _matmul_compute(a, b)


register_op("BatchMatMulV2", allowed_dtypes=MATMUL_DTYPES, infer=_bmm_infer, kernel=_bmm_kernel, op_class="matmul", num_inputs=2,
            doc="batched a @ b, batch dimensions broadcast; attrs adj_x, adj_y")


# --- AddN ---------------------------------------------------------------------------------

def _addn_infer(inputs, attrs):
    if not inputs:
        raise ValueError("AddN needs at least one input")
    dtype = _same_dtype("AddN", inputs, [f"inputs[{k}]" for k in range(len(inputs))])
    check_dtype("AddN", inputs[0], NUMERIC, "inputs")
    shape = TensorShape(None)
    for v in inputs:
        if not shape.is_compatible_with(v.shape):
            raise ValueError(f"AddN inputs must have one shape, got {shape} and {v.shape}")
        shape = shape.merge_with(v.shape)
    return [spec(dtype, shape)]


def _addn_kernel(ctx, *xs):
    for x in xs[1:]:
        if x.shape != xs[0].shape:
            raise ctx.error(errors.InvalidArgumentError,
                            f"AddN inputs must have one shape: {list(xs[0].shape)} vs. {list(x.shape)}")
    total = np.array(xs[0], copy=True)
    with np.errstate(all="ignore"):
        for x in xs[1:]:
            total = total + x
    return _out(total, xs[0].dtype)


register_op("AddN", allowed_dtypes=NUMERIC, infer=_addn_infer, kernel=_addn_kernel, op_class="elementwise", foldable=True,
            doc="Sum of N same-shaped tensors, added left to right")


# --- reductions ---------------------------------------------------------------------------

def static_axes(axes_value: Any) -> list[int] | None:
    """A reduction's axes input as a list when it is known at build time, else None."""
    known = static_value(axes_value)
    return None if known is None else [int(a) for a in np.asarray(known).reshape(-1)]


def normalize_axes(axes: Sequence[int], rank: int, fail: Callable[[str], Exception]) -> list[int]:
    """Axes in [0, rank), sorted; an axis out of range or given twice raises `fail(message)`
    with TF's words (inference and the reference kernel share it)."""
    out: list[int] = []
    for a in axes:
        if not -rank <= a < rank:
            raise fail(f"Invalid reduction dimension {a} for input with {rank} dimensions.")
        a = a % rank
        if a in out:
            raise fail(f"Invalid reduction arguments: Axes contains duplicate dimension: {a}")
        out.append(a)
    return sorted(out)


def reduced_shape(shape: TensorShape, axes: Sequence[int] | None, keep_dims: bool) -> TensorShape:
    """Static output shape of a reduction of `shape` over `axes` (None: not known)."""
    if axes is None or shape.rank is None:
        if keep_dims and shape.rank is not None:
            return TensorShape([None] * shape.rank)
        return TensorShape(None)
    axes = normalize_axes(axes, shape.rank, ValueError)
    dims = shape.dims
    if keep_dims:
        return TensorShape([1 if k in axes else d for k, d in enumerate(dims)])
    return TensorShape([d for k, d in enumerate(dims) if k not in axes])


def _reduction(name: str, fn: Callable[[np.ndarray, tuple[int, ...], bool], Any], allowed: Sequence[DType],
               *, doc: str = "") -> None:

    def infer(inputs, attrs):
        x, axes = inputs
        check_dtype(name, x, allowed, "input")
        check_dtype(name, axes, INDEX, "reduction_indices")
        if axes.shape.rank is not None and axes.shape.rank > 1:
            raise ValueError(f"reduction indices must be a scalar or a vector, got shape {axes.shape}")
        return [spec(x.dtype, reduced_shape(x.shape, static_axes(axes), bool(attrs.get("keep_dims", False))))]

    def kernel(ctx, x, axes):
        fail = lambda msg: ctx.error(errors.InvalidArgumentError, msg)  # noqa: E731
        ax = tuple(normalize_axes([int(a) for a in np.asarray(axes).reshape(-1)], x.ndim, fail))
        keep = bool(ctx.attrs.get("keep_dims", False))
        with np.errstate(all="ignore"):
            y = fn(x, ax, keep)
        return _out(y, x.dtype)

    register_op(name, infer=infer, kernel=kernel, op_class="reduction", num_inputs=2, foldable=True,
                allowed_dtypes=allowed, doc=doc + "; input 1 = axes, attr keep_dims")


def _count(x: np.ndarray, axes: tuple[int, ...]) -> int:
    n = 1
    for a in axes:
        n *= x.shape[a]
    return n


def _acc_dtype(dtype: np.dtype) -> np.dtype:
    """float16 sums and means accumulate in float32 (as TF's CPU kernels); others in their dtype."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _sum(x, axes, keep):
    return np.sum(x, axis=axes, keepdims=keep, dtype=_acc_dtype(x.dtype))


def _mean(x, axes, keep):
    n = _count(x, axes)
    if x.dtype.kind == "f":
        acc = _acc_dtype(x.dtype)
        return np.sum(x, axis=axes, keepdims=keep, dtype=acc) / acc.type(n)
    wide = np.int64 if x.dtype.kind == "i" else np.uint64
    total = np.sum(x, axis=axes, keepdims=keep, dtype=wide)  # small ints cannot overflow; int64 wraps
    if n == 0:
        return np.zeros_like(total)
    q = total // wide(n)
    if x.dtype.kind == "i":  # C division rounds toward zero
        q = q + ((total % wide(n) != 0) & (total < 0)).astype(wide)
    return q


def reduced_np_shape(shape: tuple[int, ...], axes: tuple[int, ...], keep: bool) -> tuple[int, ...]:
    if keep:
        return tuple(1 if k in axes else d for k, d in enumerate(shape))
    return tuple(d for k, d in enumerate(shape) if k not in axes)


def _prod(x, axes, keep):
    return np.prod(x, axis=axes, keepdims=keep, dtype=x.dtype)


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype: np.dtype) -> Any:
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _max(x, axes, keep):
    return np.max(x, axis=axes, keepdims=keep, initial=_lowest(x.dtype))


def _min(x, axes, keep):
    return np.min(x, axis=axes, keepdims=keep, initial=_highest(x.dtype))


def _euclidean_norm(x, axes, keep):
    if x.dtype.kind in "iu":  # TF: the integer square root of the (wrapping) sum of squares, truncated
        total = np.sum(x * x, axis=axes, keepdims=keep, dtype=x.dtype)
        return np.trunc(np.sqrt(total.astype(np.float64)))
    return np.sqrt(np.sum(x * x, axis=axes, keepdims=keep, dtype=_acc_dtype(x.dtype)))


_reduction("Sum", _sum, NUMERIC, doc="sum (integers wrap)")
_reduction("Mean", _mean, NUMERIC, doc="mean (integers: sum in 64 bits, then divide rounding toward zero)")
_reduction("Prod", _prod, NUMERIC, doc="product")
_reduction("Max", _max, NUMERIC, doc="maximum; NaN propagates; empty gives -inf / the lowest integer")
_reduction("Min", _min, NUMERIC, doc="minimum; NaN propagates; empty gives +inf / the highest integer")
_reduction("Any", lambda x, a, k: np.any(x, axis=a, keepdims=k), (bool_,), doc="logical or")
_reduction("All", lambda x, a, k: np.all(x, axis=a, keepdims=k), (bool_,), doc="logical and")
_reduction("EuclideanNorm", _euclidean_norm, NUMERIC, doc="sqrt(sum(x^2)); integers truncate")


# --- ArgMax / ArgMin ----------------------------------------------------------------------

def _arg_infer(name: str):
    def infer(inputs, attrs):
        x, dim = inputs
        check_dtype(name, x, NUMERIC + (bool_,), "input")
        check_dtype(name, dim, INDEX, "dimension")
        out_type = attrs.get("output_type", int64)
        if out_type not in INDEX:
            raise TypeError(f"{name} output_type must be int32 or int64, got {out_type}")
        if dim.shape.rank is not None and dim.shape.rank > 1:
            raise ValueError(f"{name} dimension must be a scalar, got shape {dim.shape}")
        axes = static_axes(dim)
        if axes is not None and len(axes) != 1:
            raise ValueError(f"{name} dimension must be a single axis, got {axes}")
        if axes is not None and x.shape.rank is not None:
            rank = x.shape.rank
            if not -rank <= axes[0] < rank:
                raise ValueError(f"Expected dimension in the range [{-rank}, {rank}), but got {axes[0]}")
            a = axes[0] % rank
            return [spec(out_type, [d for k, d in enumerate(x.shape.dims) if k != a])]
        return [spec(out_type, None if x.shape.rank is None else [None] * max(x.shape.rank - 1, 0))]
    return infer


def _arg_kernel(largest: bool):
    def kernel(ctx, x, dim):
        flat = np.asarray(dim).reshape(-1)
        if flat.size != 1:
            raise ctx.error(errors.InvalidArgumentError, f"dimension must be a scalar, got {list(np.shape(dim))}")
        rank = x.ndim
        a = int(flat[0])
        if not -rank <= a < rank:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Expected dimension in the range [{-rank}, {rank}), but got {a}")
        a %= rank
        xs = x
        if xs.shape[a] == 0:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Reduction axis {a} is empty in shape {list(x.shape)}")
        if xs.dtype == np.bool_:
            xs = xs.astype(np.int8)
        if xs.dtype.kind == "f":  # NaN never wins (TF's reducer compares with >, <)
            xs = np.where(np.isnan(xs), -np.inf if largest else np.inf, xs)
        idx = np.argmax(xs, axis=a) if largest else np.argmin(xs, axis=a)
        return _out(idx, ctx.attrs.get("output_type", int64).np_dtype)
    return kernel


for _name, _largest in (("ArgMax", True), ("ArgMin", False)):
    register_op(_name, allowed_dtypes=NUMERIC + (bool_,), infer=_arg_infer(_name), kernel=_arg_kernel(_largest), op_class="reduction", num_inputs=2,
                foldable=True,
                doc="index of the first extreme along input 1 (an axis); attr output_type; NaN is skipped")


# --- Cumsum / Cumprod ---------------------------------------------------------------------

def _scan_infer(name: str):
    def infer(inputs, attrs):
        x, axis = inputs
        check_dtype(name, x, NUMERIC)
        check_dtype(name, axis, INDEX, "axis")
        if axis.shape.rank is not None and axis.shape.rank != 0:
            raise ValueError(f"{name} axis must be a scalar, got shape {axis.shape}")
        known = static_axes(axis)
        if known is not None and x.shape.rank is not None:
            rank = x.shape.rank
            if not -rank <= known[0] < rank:
                raise ValueError(f"{name} axis {known[0]} is out of range [{-rank}, {rank})")
        return [spec(x.dtype, x.shape)]
    return infer


def _scan_kernel(fn: Callable, identity: int):
    def kernel(ctx, x, axis):
        a = int(np.asarray(axis).reshape(-1)[0])
        if not -x.ndim <= a < x.ndim:
            raise ctx.error(errors.InvalidArgumentError, f"axis {a} is out of range [{-x.ndim}, {x.ndim})")
        a %= x.ndim
        reverse, exclusive = bool(ctx.attrs.get("reverse")), bool(ctx.attrs.get("exclusive"))
        work = np.flip(x, a) if reverse else x
        with np.errstate(all="ignore"):
            out = fn(work, axis=a, dtype=x.dtype)  # in the dtype, sequentially, as TF
        if exclusive:
            pad = [(0, 0)] * x.ndim
            pad[a] = (1, 0)
            out = np.pad(out, pad, constant_values=identity)
            out = np.take(out, np.arange(x.shape[a]), axis=a)
        if reverse:
            out = np.flip(out, a)
        return _out(out, x.dtype)
    return kernel


register_op("Cumsum", allowed_dtypes=NUMERIC, infer=_scan_infer("Cumsum"), kernel=_scan_kernel(np.cumsum, 0), op_class="opaque",
            num_inputs=2, doc="running sum along input 1 (axis); attrs exclusive, reverse")
register_op("Cumprod", allowed_dtypes=NUMERIC, infer=_scan_infer("Cumprod"), kernel=_scan_kernel(np.cumprod, 1), op_class="opaque",
            num_inputs=2, doc="running product along input 1 (axis); attrs exclusive, reverse")


# --- Range / LinSpace ---------------------------------------------------------------------

RANGE_DTYPES = (int32, int64, float32, float64)


def _range_size(start: np.generic, limit: np.generic, delta: np.generic) -> int:
    """TF's element count, computed in the range's dtype; raises ValueError on an impossible range."""
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")
    if np.asarray(start).dtype.kind in "iu":
        return (abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta))
    with np.errstate(all="ignore"):
        size = np.ceil(np.abs((limit - start) / delta))
    if not np.isfinite(size) or size > 2**62:
        raise ValueError(f"Requires a finite range, got start {start}, limit {limit}, delta {delta}")
    return int(size)


def _range_infer(inputs, attrs):
    dtype = _same_dtype("Range", inputs, ("start", "limit", "delta"))
    check_dtype("Range", inputs[0], RANGE_DTYPES, "start")
    for v, what in zip(inputs, ("start", "limit", "delta")):
        if v.shape.rank is not None and v.shape.rank != 0:
            raise ValueError(f"Range: {what} must be a scalar, got shape {v.shape}")
    known = [static_value(v) for v in inputs]
    if all(k is not None for k in known):
        start, limit, delta = (np.asarray(k, dtype.np_dtype).reshape(())[()] for k in known)
        return [spec(dtype, [_range_size(start, limit, delta)])]
    return [spec(dtype, [None])]


def _range_kernel(ctx, start, limit, delta):
    dt = start.dtype
    for v, what in ((start, "start"), (limit, "limit"), (delta, "delta")):
        if v.ndim != 0:
            raise ctx.error(errors.InvalidArgumentError, f"{what} must be a scalar, not shape {list(v.shape)}")
    try:
        n = _range_size(start[()], limit[()], delta[()])
    except ValueError as e:
        raise ctx.error(errors.InvalidArgumentError, str(e)) from None
    with np.errstate(all="ignore"):
        return _out(start + np.arange(n, dtype=dt) * delta, dt)  # start + i * delta, in dtype


register_op("Range", allowed_dtypes=RANGE_DTYPES, infer=_range_infer, kernel=_range_kernel, op_class="opaque", num_inputs=3,
            doc="start, start + delta, ... up to but excluding limit (computed as start + i * delta)")


def _linspace_infer(inputs, attrs):
    start, stop, num = inputs
    _same_dtype("LinSpace", [start, stop], ("start", "stop"))
    check_dtype("LinSpace", start, FLOATS, "start")
    check_dtype("LinSpace", num, INDEX, "num")
    n = static_value(num)
    if n is not None:
        n = int(np.asarray(n).reshape(()))
        if n < 0:
            raise ValueError(f"Requires num >= 0: {n}")
        return [spec(start.dtype, [n])]
    return [spec(start.dtype, [None])]


def _linspace_kernel(ctx, start, stop, num):
    n = int(np.asarray(num).reshape(-1)[0])
    if n < 0:
        raise ctx.error(errors.InvalidArgumentError, f"Requires num >= 0: {n}")
    dt = start.dtype
    out = np.empty(n, dt)
    if n == 1:
        out[0] = start
    elif n > 1:
        with np.errstate(all="ignore"):
            step = dt.type((stop - start) / dt.type(n - 1))
            out[:] = start + np.arange(n, dtype=dt) * step
        out[-1] = stop
    return out


register_op("LinSpace", allowed_dtypes=FLOATS, infer=_linspace_infer, kernel=_linspace_kernel, op_class="opaque", num_inputs=3,
            doc="num evenly spaced values from start to stop inclusive (start + i * step, last = stop)")


# --- ClipByValue --------------------------------------------------------------------------

def _clip_infer(inputs, attrs):
    t, lo, hi = inputs
    _same_dtype("ClipByValue", inputs, ("t", "clip_value_min", "clip_value_max"))
    check_dtype("ClipByValue", t, NUMERIC, "t")
    out = _broadcast("ClipByValue", [t.shape, lo.shape, hi.shape])
    if out.rank is not None and t.shape.rank is not None and (out.rank != t.shape.rank or not all(
            o is None or d is None or o == d for o, d in zip(out.dims, t.shape.dims))):
        raise ValueError(f"Shapes {t.shape} and {out} are incompatible: the clip bounds may not broadcast "
                         f"the clipped tensor to a larger shape")
    return [spec(t.dtype, t.shape)]


def _clip_kernel(ctx, t, lo, hi):
    if _runtime_broadcast(ctx, t, lo, hi) != t.shape:
        raise ctx.error(errors.InvalidArgumentError,
                        f"clip bounds of shapes {list(lo.shape)}, {list(hi.shape)} broadcast t {list(t.shape)} "
                        f"to a larger shape")
    return _out(np.maximum(np.minimum(t, hi), lo), t.dtype)


register_op("ClipByValue", allowed_dtypes=NUMERIC, infer=_clip_infer, kernel=_clip_kernel, op_class="broadcast", num_inputs=3,
            doc="max(min(t, clip_value_max), clip_value_min); bounds broadcast to t's shape")


# --- helpers for gradients ------------------------------------------------------------------

def _bga_infer(inputs, attrs):
    for v in inputs:
        check_dtype("BroadcastGradientArgs", v, INDEX, "s")
    _same_dtype("BroadcastGradientArgs", inputs, ("s0", "s1"))
    return [spec(inputs[0].dtype, [None]), spec(inputs[0].dtype, [None])]


def broadcast_gradient_args(s0: Sequence[int], s1: Sequence[int]) -> tuple[list[int], list[int]]:
    """Axes to sum a broadcast result over to get back to shapes s0 and s1 (TF's BCast)."""
    n = max(len(s0), len(s1))
    p0 = [1] * (n - len(s0)) + list(s0)
    p1 = [1] * (n - len(s1)) + list(s1)
    for a, b in zip(p0, p1):
        if a != b and a != 1 and b != 1:
            raise ValueError(f"Incompatible shapes: {list(s0)} vs. {list(s1)}")
    # summing over an axis of size 1 on both sides is harmless, so every 1 of a side counts
    r0 = [i for i, a in enumerate(p0) if a == 1]
    r1 = [i for i, b in enumerate(p1) if b == 1]
    return r0, r1


def _bga_kernel(ctx, s0, s1):
    try:
        r0, r1 = broadcast_gradient_args([int(d) for d in s0], [int(d) for d in s1])
    except ValueError as e:
        raise ctx.error(errors.InvalidArgumentError, str(e)) from None
    return np.array(r0, dtype=s0.dtype), np.array(r1, dtype=s0.dtype)


register_op("BroadcastGradientArgs", infer=_bga_infer, kernel=_bga_kernel, op_class="opaque", num_inputs=2,
            foldable=True,
            doc="For shapes s0, s1: the axes a gradient of their broadcast sums over for each (TF's op)")


def _reduced_shape_infer(inputs, attrs):
    shape, axes = inputs
    check_dtype("ReducedShape", shape, INDEX, "input_shape")
    check_dtype("ReducedShape", axes, INDEX, "axes")
    return [spec(int32, shape.shape if shape.shape.rank == 1 else [None])]


def _reduced_shape_kernel(ctx, shape, axes):
    rank = shape.shape[0]
    out = np.array(shape, dtype=np.int32, copy=True)
    for a in np.asarray(axes).reshape(-1):
        a = int(a)
        if not -rank <= a < max(rank, 1):
            raise ctx.error(errors.InvalidArgumentError, f"Invalid reduction dimension {a} for rank {rank}")
        out[a % rank] = 1
    return out


register_op("ReducedShape", infer=_reduced_shape_infer, kernel=_reduced_shape_kernel, op_class="opaque",
            num_inputs=2, foldable=True,
            doc="flowjit helper: input_shape with 1 at each reduced axis (keep_dims shape)")
