"""Lowering rules of the math ops (flowjit/ir/ops/math.py): elementwise arithmetic, comparisons,
casts and selects, reductions, arg-max/min, MatMul, and the scans (library `routine` nodes).

Integer division rounds toward zero or down as TF does, Maximum/Minimum propagate NaN, Select
is TF1's row select. Softplus (an nn op) shares the unary-map table here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ..lir import L, work_dtype
from .core import Translator, Unsupported, require, out_dtype, out_shape, rule


# --- elementwise ----------------------------------------------------------------------------

_UNARY_MAP = {
    "Neg": "neg", "Abs": "abs", "Sign": "sign", "Square": "square", "Exp": "exp", "Expm1": "expm1", "Log": "log",
    "Log1p": "log1p", "Tanh": "tanh", "Sigmoid": "sigmoid", "Sqrt": "sqrt", "Rsqrt": "rsqrt",
    "Reciprocal": "recip", "Floor": "floor", "Ceil": "ceil", "Rint": "rint", "IsNan": "isnan",
    "IsInf": "isinf", "IsFinite": "isfinite", "LogicalNot": "not", "Softplus": "softplus",
}
_LIBM_UNARY = {"Sin": "sin", "Cos": "cos", "Tan": "tan", "Asin": "asin", "Acos": "acos", "Atan": "atan",
               "Sinh": "sinh", "Cosh": "cosh", "Asinh": "asinh", "Acosh": "acosh", "Atanh": "atanh", "Erf": "erf",
               "Erfc": "erfc"}
_FLOAT_ONLY = {"exp", "expm1", "log", "log1p", "tanh", "sigmoid", "sqrt", "rsqrt", "recip", "floor", "ceil", "rint",
               "isnan", "isinf", "isfinite", "softplus"}


@rule(*_UNARY_MAP)
def _unary(t: Translator, node: Any, ins: list[L]) -> list[L]:
    op = _UNARY_MAP[node.op]
    x = ins[0]
    if op in _FLOAT_ONLY:
        require(x.dtype.is_floating)
    return [t.unary(op, x, out_dtype(node))]


@rule(*_LIBM_UNARY)
def _libm_unary(t: Translator, node: Any, ins: list[L]) -> list[L]:
    require(ins[0].dtype.is_floating)
    return [t.unary("libm", ins[0], name=_LIBM_UNARY[node.op])]


@rule("Round")
def _round(t, node, ins):
    return [t.unary("rint", ins[0]) if ins[0].dtype.is_floating else ins[0]]


@rule("Identity", "StopGradient", "PreventGradient")
def _identity(t, node, ins):
    return [ins[0]]


@rule("IdentityN")
def _identity_n(t, node, ins):
    return list(ins)


_BINARY_SIMPLE = {"AddV2": "add", "Add": "add", "Sub": "sub", "Mul": "mul", "Maximum": "max", "Minimum": "min",
                  "LogicalAnd": "and", "LogicalOr": "or"}


@rule(*_BINARY_SIMPLE)
def _binary(t, node, ins):
    return [t.binary(_BINARY_SIMPLE[node.op], ins[0], ins[1], out_dtype(node))]


@rule("RealDiv")
def _real_div(t, node, ins):
    return [t.binary("div", ins[0], ins[1])]


@rule("Div", "TruncateDiv")
def _div(t, node, ins):
    a, b = ins
    if a.dtype.is_floating:
        q = t.binary("div", a, b)
        return [q if node.op == "Div" else t.unary("trunc", q)]
    return [t.binary("idiv_trunc", a, b)]


@rule("FloorDiv")
def _floor_div(t, node, ins):
    a, b = ins
    if a.dtype.is_floating:
        return [t.unary("floor", t.binary("div", a, b))]
    return [t.binary("idiv_floor", a, b)]


@rule("FloorMod")
def _floor_mod(t, node, ins):
    a, b = ins
    return [t.binary("fmod_floor" if a.dtype.is_floating else "imod_floor", a, b)]


@rule("TruncateMod")
def _trunc_mod(t, node, ins):
    a, b = ins
    return [t.binary("fmod" if a.dtype.is_floating else "imod_trunc", a, b)]


@rule("SquaredDifference")
def _sqdiff(t, node, ins):
    d = t.binary("sub", ins[0], ins[1])
    return [t.binary("mul", d, d)]


@rule("Pow")
def _pow(t, node, ins):
    require(ins[0].dtype.is_floating, "integer pow checks negative exponents")
    return [t.binary("pow", ins[0], ins[1])]


@rule("Atan2")
def _atan2(t, node, ins):
    require(ins[0].dtype.is_floating)
    return [t.binary("libm2", ins[0], ins[1], name="atan2")]


@rule("DivNoNan")
def _div_no_nan(t, node, ins):
    x, y = ins
    zero = t.const(0, y.dtype)
    is0 = t.cmp("==", y, zero)
    q = t.binary("div", x, t.select(is0, t.const(1, y.dtype), y))
    return [t.select(is0, t.const(0, x.dtype), q)]


@rule("MulNoNan")
def _mul_no_nan(t, node, ins):
    x, y = ins
    return [t.select(t.cmp("==", y, t.const(0, y.dtype)), t.const(0, x.dtype), t.binary("mul", x, y))]


@rule("Xlogy")
def _xlogy(t, node, ins):
    x, y = ins
    return [t.select(t.cmp("==", x, t.const(0, x.dtype)), t.const(0, x.dtype), t.binary("mul", x, t.unary("log", y)))]


@rule("Xdivy")
def _xdivy(t, node, ins):
    x, y = ins
    return [t.select(t.cmp("==", x, t.const(0, x.dtype)), t.const(0, x.dtype), t.binary("div", x, y))]


_CMP = {"Equal": "==", "NotEqual": "!=", "Less": "<", "LessEqual": "<=", "Greater": ">", "GreaterEqual": ">="}


@rule(*_CMP)
def _compare(t, node, ins):
    return [t.cmp(_CMP[node.op], ins[0], ins[1])]


@rule("Cast")
def _cast(t, node, ins):
    return [t.cast(ins[0], out_dtype(node))]


@rule("Select")
def _select(t, node, ins):
    c, x, y = ins
    require(x.shape == y.shape, "Select branches of different shapes")
    if c.rank == 1 and x.rank > 1:
        require(c.shape[0] == x.shape[0])
        c = t.reshape(c, (c.shape[0],) + (1,) * (x.rank - 1))
    elif c.rank != 0:
        require(c.shape == x.shape)
    return [t.select(c, x, y)]


@rule("SelectV2")
def _select_v2(t, node, ins):
    return [t.select(*ins)]


@rule("AddN")
def _add_n(t, node, ins):
    require(len({x.shape for x in ins}) == 1)
    acc = ins[0]
    for x in ins[1:]:
        acc = t.binary("add", acc, x)
    return [acc]


@rule("ClipByValue")
def _clip(t, node, ins):
    x, lo, hi = ins
    out = t.binary("max", t.binary("min", x, hi), lo)
    require(out.shape == x.shape)
    return [out]


# --- reductions ---------------------------------------------------------------------------------

def _axes(t: Translator, node: Any, x: L) -> list[int]:
    axes = t.static_ints(node.inputs[1])
    for a in axes:
        require(-max(x.rank, 1) <= a < max(x.rank, 1), "axis out of range")
    norm = [a % x.rank for a in axes] if x.rank else []
    require(len(set(norm)) == len(norm), "duplicate axes")
    return norm


@rule("Sum", "Prod", "Max", "Min", "Any", "All")
def _reduction(t, node, ins):
    x = ins[0]
    axes = _axes(t, node, x)
    keep = bool(node.attrs.get("keep_dims", False))
    kind = node.op.lower()
    if x.dtype == dtypes.float16 and kind in ("sum", "prod"):
        return [t.cast(t.reduce(kind, t.cast(x, dtypes.float32), axes, keep), x.dtype)]
    return [t.reduce(kind, x, axes, keep)]


@rule("Mean")
def _mean(t, node, ins):
    x = ins[0]
    axes = _axes(t, node, x)
    keep = bool(node.attrs.get("keep_dims", False))
    count = 1
    for a in axes:
        count *= x.shape[a]
    if x.dtype.is_floating:
        wd = work_dtype(x.dtype)
        s = t.reduce("sum", t.cast(x, wd), axes, keep)
        return [t.cast(t.binary("div", s, t.const(count, wd)), x.dtype)]
    require(x.dtype.is_integer)
    acc = dtypes.int64  # the reference sums integers in 64 bits
    s = t.reduce("sum", t.cast(x, acc), axes, keep)
    if count == 0:
        return [t.const(0, x.dtype, s.shape)]
    if x.dtype.is_unsigned:
        raise Unsupported("unsigned mean")
    return [t.cast(t.binary("idiv_trunc", s, t.const(count, acc)), x.dtype)]


@rule("EuclideanNorm")
def _euclid(t, node, ins):
    x = ins[0]
    require(x.dtype.is_floating)
    axes = _axes(t, node, x)
    keep = bool(node.attrs.get("keep_dims", False))
    w = t.cast(x, work_dtype(x.dtype))
    return [t.cast(t.unary("sqrt", t.reduce("sum", t.binary("mul", w, w), axes, keep)), x.dtype)]


@rule("ArgMax", "ArgMin")
def _argmax(t, node, ins):
    x = ins[0]
    require(x.rank >= 1)
    axis = t.static_ints(node.inputs[1])
    require(len(axis) == 1)
    a = axis[0] % x.rank
    require(x.shape[a] > 0, "empty argmax axis raises")
    largest = node.op == "ArgMax"
    if x.dtype.is_bool:
        x = t.cast(x, dtypes.int8)
    if x.dtype.is_floating:  # NaN never wins
        fill = t.const(-np.inf if largest else np.inf, x.dtype)
        x = t.select(t.unary("isnan", x), fill, x)
    m = t.reduce("max" if largest else "min", x, [a], True)
    idx = t.iota(x.shape, a)
    hit = t.select(t.cmp("==", x, m), idx, t.const(x.shape[a], dtypes.int64))
    first = t.reduce("min", hit, [a], False)
    return [t.cast(first, out_dtype(node))]


# --- matmul -------------------------------------------------------------------------------------

def _swap_last(t: Translator, x: L) -> L:
    perm = tuple(range(x.rank - 2)) + (x.rank - 1, x.rank - 2)
    return t.node("transpose", [x], x.dtype, [x.shape[p] for p in perm], perm=perm)


def matmul(t: Translator, a: L, b: L, ta: bool, tb: bool, shape: tuple[int, ...]) -> L:
    """a @ b (batched, batch dims broadcast). float32/float64 use the GEMM library; float16
    runs it in float32 and rounds once at the end (as TF and the reference); integers are a
    broadcast product reduced over k (wrapping, as NumPy)."""
    if a.dtype in (dtypes.float32, dtypes.float64):
        return t.node("matmul", [t.in_memory(a), t.in_memory(b)], a.dtype, shape, ta=ta, tb=tb)
    if a.dtype == dtypes.float16:
        f = dtypes.float32
        return t.cast(t.node("matmul", [t.cast(a, f), t.cast(b, f)], f, shape, ta=ta, tb=tb), a.dtype)
    require(a.dtype.is_integer, "native matmul dtype")
    a = _swap_last(t, a) if ta else a
    b = _swap_last(t, b) if tb else b
    a3 = t.reshape(a, a.shape + (1,))  # [..., M, K, 1]
    b3 = t.reshape(b, b.shape[:-2] + (1,) + b.shape[-2:])  # [..., 1, K, N]
    prod = t.binary("mul", a3, b3)
    return t.reduce("sum", prod, [prod.rank - 2], False)


@rule("MatMul")
def _matmul(t, node, ins):
    a, b = ins
    return [matmul(t, a, b, bool(node.attrs.get("transpose_a")), bool(node.attrs.get("transpose_b")),
                   out_shape(node))]


@rule("BatchMatMulV2")
def _batch_matmul(t, node, ins):
    a, b = ins
    return [matmul(t, a, b, bool(node.attrs.get("adj_x")), bool(node.attrs.get("adj_y")), out_shape(node))]


# --- scans ----------------------------------------------------------------------------------------------

@rule("Cumsum", "Cumprod")
def _scan(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    require(x.rank >= 1 and not x.dtype.is_bool)
    axis = t.static_ints(node.inputs[1])
    require(len(axis) == 1 and -x.rank <= axis[0] < x.rank, "axis")
    return [t.node("routine", [t.in_memory(x)], x.dtype, x.shape, kind="scan", axis=axis[0] % x.rank,
                   fn="sum" if node.op == "Cumsum" else "prod", exclusive=bool(node.attrs.get("exclusive")),
                   reverse=bool(node.attrs.get("reverse")))]
