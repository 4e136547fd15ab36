"""Translation of graph ops into LIR (see lir.py), one rule per op type.

A rule gets the translator, the graph node and the LIR nodes of its data inputs, and returns
one LIR node per output. It raises `Unsupported` for anything it does not handle exactly as
the reference kernel does (an attr value, a dtype, a shape-like input that is not known at
compile time): the node then runs on the host with its reference kernel, so the backend stays
complete while the native set grows.

Semantics follow the reference kernels in flowjit/ir/ops/*.py, the oracle the tests compare
against (integer division rounds toward zero or down as TF does, Maximum/Minimum propagate
NaN, Select is TF1's row select, ...).
"""

from __future__ import annotations

import math

from typing import Any, Callable, Sequence

import numpy as np

from ..ir import dtypes
from ..ir.dtypes import DType
from .lir import L, broadcast_shapes, size_of, work_dtype


class Unsupported(Exception):
    """The rule cannot lower this node; it runs on the host."""


Rule = Callable[["Translator", Any, list[L]], list[L]]
RULES: dict[str, Rule] = {}
NATIVE_DTYPES = {dtypes.bool_, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
                 dtypes.float16, dtypes.float32, dtypes.float64}


def rule(*names: str):
    def deco(fn: Rule) -> Rule:
        for n in names:
            RULES[n] = fn
        return fn
    return deco


class Translator:
    """Creates LIR nodes for one graph node at a time (`origin`)."""

    def __init__(self, static_value: Callable[[Any], np.ndarray | None],
                 make_const: Callable[[np.ndarray], Any] | None = None) -> None:
        self._static = static_value
        self.make_const = make_const  # ndarray -> a constant Buffer (the program builder's)
        self.origin: Any = None

    # --- construction ------------------------------------------------------------------
    def node(self, op: str, inputs: Sequence[L], dtype: DType, shape: Sequence[int], **attrs: Any) -> L:
        return L(op, inputs, dtype, shape, self.origin, **attrs)

    def const(self, value: Any, dtype: DType, shape: Sequence[int] = ()) -> L:
        return self.node("const", [], dtype, shape, value=value)

    def unary(self, op: str, x: L, dtype: DType | None = None, **attrs: Any) -> L:
        return self.node(op, [x], dtype or x.dtype, x.shape, **attrs)

    def binary(self, op: str, a: L, b: L, dtype: DType | None = None, **attrs: Any) -> L:
        return self.node(op, [a, b], dtype or a.dtype, broadcast_shapes(a.shape, b.shape), **attrs)

    def cmp(self, pred: str, a: L, b: L) -> L:
        return self.node("cmp", [a, b], dtypes.bool_, broadcast_shapes(a.shape, b.shape), pred=pred)

    def select(self, c: L, a: L, b: L) -> L:
        return self.node("select", [c, a, b], a.dtype, broadcast_shapes(c.shape, a.shape, b.shape))

    def cast(self, x: L, dtype: DType) -> L:
        if x.dtype == dtype:
            return x
        return self.node("cast", [x], dtype, x.shape)

    def reshape(self, x: L, shape: Sequence[int]) -> L:
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if size_of(shape) != x.size:
            raise Unsupported(f"reshape {x.shape} -> {shape}")
        return self.node("reshape", [x], x.dtype, shape)

    def reduce(self, kind: str, x: L, axes: Sequence[int], keepdims: bool, dtype: DType | None = None) -> L:
        axes = tuple(sorted({a % x.rank for a in axes})) if x.rank else ()
        if keepdims:
            shape = tuple(1 if k in axes else d for k, d in enumerate(x.shape))
        else:
            shape = tuple(d for k, d in enumerate(x.shape) if k not in axes)
        return self.node("reduce", [x], dtype or x.dtype, shape, kind=kind, axes=axes, keepdims=keepdims)

    def array(self, value: np.ndarray, dtype: DType) -> L:
        """A constant array known at compile time (made into a constant buffer by the builder)."""
        return self.node("buffer", [], dtype, value.shape, buf=self.make_const(np.ascontiguousarray(value, dtype.np_dtype)))

    def in_memory(self, x: L) -> L:
        """x as a library operand, which must live in memory: a constant scalar broadcast to a
        shape (a size-1 graph constant) becomes a constant array."""
        if x.op == "const":
            return self.array(np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype), x.dtype)
        return x

    def iota(self, shape: Sequence[int], axis: int, dtype: DType = dtypes.int64) -> L:
        return self.node("iota", [], dtype, shape, axis=axis)

    # --- static inputs -----------------------------------------------------------------
    def static(self, value: Any) -> np.ndarray:
        v = self._static(value)
        if v is None:
            raise Unsupported(f"{value.name} is not known at compile time")
        return np.asarray(v)

    def static_ints(self, value: Any) -> list[int]:
        return [int(a) for a in self.static(value).reshape(-1)]


def out_dtype(node: Any, k: int = 0) -> DType:
    return node.outputs[k].dtype


def out_shape(node: Any, k: int = 0) -> tuple[int, ...]:
    shape = node.outputs[k].shape
    if not shape.is_fully_defined():
        raise Unsupported("output shape not known")
    return tuple(shape.as_list())


def _require(cond: bool, why: str = "") -> None:
    if not cond:
        raise Unsupported(why)


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
        _require(x.dtype.is_floating)
    return [t.unary(op, x, out_dtype(node))]


@rule(*_LIBM_UNARY)
def _libm_unary(t: Translator, node: Any, ins: list[L]) -> list[L]:
    _require(ins[0].dtype.is_floating)
    return [t.unary("libm", ins[0], name=_LIBM_UNARY[node.op])]


@rule("Round")
def _round(t, node, ins):
    return [t.unary("rint", ins[0]) if ins[0].dtype.is_floating else ins[0]]


@rule("Identity", "StopGradient")
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
    _require(ins[0].dtype.is_floating, "integer pow checks negative exponents")
    return [t.binary("pow", ins[0], ins[1])]


@rule("Atan2")
def _atan2(t, node, ins):
    _require(ins[0].dtype.is_floating)
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
    _require(x.shape == y.shape, "Select branches of different shapes")
    if c.rank == 1 and x.rank > 1:
        _require(c.shape[0] == x.shape[0])
        c = t.reshape(c, (c.shape[0],) + (1,) * (x.rank - 1))
    elif c.rank != 0:
        _require(c.shape == x.shape)
    return [t.select(c, x, y)]


@rule("SelectV2")
def _select_v2(t, node, ins):
    return [t.select(*ins)]


@rule("AddN")
def _add_n(t, node, ins):
    _require(len({x.shape for x in ins}) == 1)
    acc = ins[0]
    for x in ins[1:]:
        acc = t.binary("add", acc, x)
    return [acc]


@rule("ClipByValue")
def _clip(t, node, ins):
    x, lo, hi = ins
    out = t.binary("max", t.binary("min", x, hi), lo)
    _require(out.shape == x.shape)
    return [out]


@rule("ZerosLike", "OnesLike")
def _fill_like(t, node, ins):
    x = ins[0]
    value = 0 if node.op == "ZerosLike" else 1
    return [t.const(value, out_dtype(node), x.shape)]


@rule("Fill")
def _fill(t, node, ins):
    value = ins[1]
    shape = out_shape(node)
    _require(value.rank == 0)
    return [t.node("broadcast", [value], value.dtype, shape)]


# --- nn activations ---------------------------------------------------------------------------

def _zero(t, x):
    return t.const(0, x.dtype)


@rule("Relu")
def _relu(t, node, ins):
    x = ins[0]
    return [t.binary("max", x, _zero(t, x))]


@rule("Relu6")
def _relu6(t, node, ins):
    x = ins[0]
    return [t.binary("min", t.binary("max", x, _zero(t, x)), t.const(6, x.dtype))]


@rule("Elu")
def _elu(t, node, ins):
    x = ins[0]
    neg = t.unary("expm1", t.binary("min", x, _zero(t, x)))
    return [t.select(t.cmp(">", x, _zero(t, x)), x, neg)]


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@rule("Selu")
def _selu(t, node, ins):
    x = ins[0]
    neg = t.binary("mul", t.const(SELU_SCALE * SELU_ALPHA, x.dtype), t.unary("expm1", t.binary("min", x, _zero(t, x))))
    pos = t.binary("mul", t.const(SELU_SCALE, x.dtype), x)
    return [t.select(t.cmp(">", x, _zero(t, x)), pos, neg)]


@rule("LeakyRelu")
def _leaky(t, node, ins):
    x = ins[0]
    alpha = float(np.asarray(node.attrs.get("alpha", 0.2), x.dtype.np_dtype))
    return [t.select(t.cmp(">", x, _zero(t, x)), x, t.binary("mul", x, t.const(alpha, x.dtype)))]


@rule("Softsign")
def _softsign(t, node, ins):
    x = ins[0]
    return [t.binary("div", x, t.binary("add", t.const(1, x.dtype), t.unary("abs", x)))]


@rule("ReluGrad")
def _relu_grad(t, node, ins):
    g, x = ins
    return [t.select(t.cmp(">", x, _zero(t, x)), g, _zero(t, g))]


@rule("Relu6Grad")
def _relu6_grad(t, node, ins):
    g, x = ins
    inside = t.binary("and", t.cmp(">", x, _zero(t, x)), t.cmp("<", x, t.const(6, x.dtype)))
    return [t.select(inside, g, _zero(t, g))]


@rule("EluGrad")
def _elu_grad(t, node, ins):
    g, y = ins
    return [t.select(t.cmp("<", y, _zero(t, y)), t.binary("mul", g, t.binary("add", y, t.const(1, y.dtype))), g)]


@rule("SeluGrad")
def _selu_grad(t, node, ins):
    g, y = ins
    neg = t.binary("mul", g, t.binary("add", y, t.const(SELU_SCALE * SELU_ALPHA, y.dtype)))
    return [t.select(t.cmp("<", y, _zero(t, y)), neg, t.binary("mul", g, t.const(SELU_SCALE, g.dtype)))]


@rule("LeakyReluGrad")
def _leaky_grad(t, node, ins):
    g, x = ins
    alpha = float(np.asarray(node.attrs.get("alpha", 0.2), g.dtype.np_dtype))
    return [t.select(t.cmp(">", x, _zero(t, x)), g, t.binary("mul", g, t.const(alpha, g.dtype)))]


@rule("SoftplusGrad")
def _softplus_grad(t, node, ins):
    g, x = ins
    return [t.binary("mul", g, t.unary("sigmoid", x))]


@rule("SoftsignGrad")
def _softsign_grad(t, node, ins):
    g, x = ins
    d = t.binary("add", t.const(1, x.dtype), t.unary("abs", x))
    return [t.binary("div", g, t.binary("mul", d, d))]


@rule("BiasAdd")
def _bias_add(t, node, ins):
    x, b = ins
    fmt = node.attrs.get("data_format", "NHWC")
    if fmt in ("NCHW", "NCW", "NCDHW", "NC..."):
        b = t.reshape(b, (b.shape[0],) + (1,) * (x.rank - 2))
    else:
        _require(fmt in ("NHWC", "NWC", "NDHWC", "N...C"))
    return [t.binary("add", x, b)]


@rule("BiasAddGrad")
def _bias_add_grad(t, node, ins):
    g = ins[0]
    fmt = node.attrs.get("data_format", "NHWC")
    axis = 1 if fmt in ("NCHW", "NCW", "NCDHW", "NC...") else g.rank - 1
    return [_sum_work(t, g, [a for a in range(g.rank) if a != axis], False)]


def _sum_work(t: Translator, x: L, axes, keepdims: bool) -> L:
    """A float sum accumulated in the work dtype (float16 in float32), rounded once."""
    wd = work_dtype(x.dtype)
    return t.cast(t.reduce("sum", t.cast(x, wd), axes, keepdims), x.dtype)


@rule("L2Loss")
def _l2_loss(t, node, ins):
    x = ins[0]
    _require(x.dtype.is_floating)
    w = t.cast(x, work_dtype(x.dtype))
    s = t.reduce("sum", t.binary("mul", w, w), range(x.rank), False)
    return [t.cast(t.binary("div", s, t.const(2, w.dtype)), x.dtype)]


# --- reductions ---------------------------------------------------------------------------------

def _axes(t: Translator, node: Any, x: L) -> list[int]:
    axes = t.static_ints(node.inputs[1])
    for a in axes:
        _require(-max(x.rank, 1) <= a < max(x.rank, 1), "axis out of range")
    norm = [a % x.rank for a in axes] if x.rank else []
    _require(len(set(norm)) == len(norm), "duplicate axes")
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
    _require(x.dtype.is_integer)
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
    _require(x.dtype.is_floating)
    axes = _axes(t, node, x)
    keep = bool(node.attrs.get("keep_dims", False))
    w = t.cast(x, work_dtype(x.dtype))
    return [t.cast(t.unary("sqrt", t.reduce("sum", t.binary("mul", w, w), axes, keep)), x.dtype)]


@rule("ArgMax", "ArgMin")
def _argmax(t, node, ins):
    x = ins[0]
    _require(x.rank >= 1)
    axis = t.static_ints(node.inputs[1])
    _require(len(axis) == 1)
    a = axis[0] % x.rank
    _require(x.shape[a] > 0, "empty argmax axis raises")
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


# --- softmax and losses -------------------------------------------------------------------------

def _log_softmax(t: Translator, x: L) -> tuple[L, L, L]:
    """(shifted, log-sum-exp of shifted, exp(shifted)) over the last axis, in x's dtype."""
    last = x.rank - 1
    m = t.reduce("max", x, [last], True)
    s = t.binary("sub", x, m)
    e = t.unary("exp", s)
    z = t.reduce("sum", e, [last], True)
    return s, z, e


@rule("Softmax", "LogSoftmax")
def _softmax(t, node, ins):
    x = ins[0]
    _require(x.dtype.is_floating and x.rank >= 1)
    if x.shape[-1] == 0:
        return [x]
    w = t.cast(x, work_dtype(x.dtype))
    s, z, e = _log_softmax(t, w)
    if node.op == "Softmax":
        out = t.binary("div", e, z)
    else:
        out = t.binary("sub", s, t.unary("log", z))
    return [t.cast(out, x.dtype)]


@rule("SoftmaxCrossEntropyWithLogits")
def _xent(t, node, ins):
    x, labels = ins
    _require(x.dtype.is_floating and x.rank == 2 and x.shape == labels.shape and x.shape[1] > 0)
    wd = work_dtype(x.dtype)
    w, lab = t.cast(x, wd), t.cast(labels, wd)
    s, z, e = _log_softmax(t, w)
    log_p = t.binary("sub", s, t.unary("log", z))
    loss = t.unary("neg", t.reduce("sum", t.binary("mul", lab, log_p), [1], False))
    backprop = t.binary("sub", t.binary("div", e, z), lab)
    return [t.cast(loss, x.dtype), t.cast(backprop, x.dtype)]


@rule("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(t, node, ins):
    x, labels = ins
    _require(x.dtype.is_floating and x.rank == 2 and labels.shape == (x.shape[0],) and x.shape[1] > 0)
    b, c = x.shape
    wd = work_dtype(x.dtype)
    w = t.cast(x, wd)
    lab = t.node("check", [labels], labels.dtype, labels.shape, lo=0, hi=c, what="label")
    lab = t.reshape(t.cast(lab, dtypes.int64), (b, 1))
    s, z, e = _log_softmax(t, w)
    log_p = t.binary("sub", s, t.unary("log", z))
    onehot = t.cmp("==", t.iota((b, c), 1), lab)
    loss = t.unary("neg", t.reduce("sum", t.select(onehot, log_p, t.const(0, wd)), [1], False))
    backprop = t.binary("sub", t.binary("div", e, z), t.cast(onehot, wd))
    return [t.cast(loss, x.dtype), t.cast(backprop, x.dtype)]


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
    _require(a.dtype.is_integer, "native matmul dtype")
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


# --- index maps -------------------------------------------------------------------------------

@rule("Reshape", "ExpandDims", "Squeeze")
def _reshape(t, node, ins):
    return [t.reshape(ins[0], out_shape(node))]


@rule("Transpose")
def _transpose(t, node, ins):
    x = ins[0]
    perm = t.static_ints(node.inputs[1])
    _require(sorted(p % max(x.rank, 1) for p in perm) == list(range(x.rank)))
    perm = [p % x.rank for p in perm]
    if perm == list(range(x.rank)):
        return [x]
    return [t.node("transpose", [x], x.dtype, [x.shape[p] for p in perm], perm=tuple(perm))]


def slice_node(t: Translator, x: L, begin: Sequence[int], step: Sequence[int], shape: Sequence[int]) -> L:
    if tuple(shape) == x.shape and all(b == 0 for b in begin) and all(s == 1 for s in step):
        return x
    return t.node("slice", [x], x.dtype, shape, begin=tuple(begin), step=tuple(step))


@rule("Slice")
def _slice(t, node, ins):
    x = ins[0]
    begin = t.static_ints(node.inputs[1])
    shape = out_shape(node)
    _require(len(begin) == x.rank)
    for b, n, d in zip(begin, shape, x.shape):
        _require(0 <= b and b + n <= d)
    return [slice_node(t, x, begin, [1] * x.rank, shape)]


@rule("StridedSlice")
def _strided_slice(t, node, ins):
    from ..ir.ops.array import strided_slice_plan

    x = ins[0]
    b, e, s = (t.static_ints(v) for v in node.inputs[1:4])
    try:
        dense, final = strided_slice_plan(list(x.shape), b, e, s, node.attrs)
    except ValueError:
        raise Unsupported("invalid strided slice (the reference kernel reports it)") from None
    _require(all(d is not None for d in final))
    begins, steps, sizes = [], [], []
    for bi, ei, si, shrink, size in dense:
        _require(bi is not None and size is not None)
        begins.append(bi if size else 0)
        steps.append(si)
        sizes.append(size)
    sliced = slice_node(t, x, begins, steps, sizes)
    return [t.reshape(sliced, final)]


@rule("ConcatV2")
def _concat(t, node, ins):
    values = ins[:-1]
    axis = t.static_ints(node.inputs[-1])
    _require(len(axis) == 1)
    shape = out_shape(node)
    rank = len(shape)
    a = axis[0] % rank
    values = [v for v in values if v.shape[a] > 0] if rank else values
    if len(values) == 1:
        return [values[0]]
    _require(values)
    return [t.node("concat", values, values[0].dtype, shape, axis=a)]


@rule("Pack")
def _pack(t, node, ins):
    shape = out_shape(node)
    axis = node.attrs.get("axis", 0) % len(shape)
    parts = [t.reshape(v, shape[:axis] + (1,) + shape[axis + 1:]) for v in ins]
    if len(parts) == 1:
        return parts
    return [t.node("concat", parts, ins[0].dtype, shape, axis=axis)]


@rule("Unpack")
def _unpack(t, node, ins):
    x = ins[0]
    axis = node.attrs.get("axis", 0) % x.rank
    outs = []
    for k in range(x.shape[axis]):
        begin = [0] * x.rank
        begin[axis] = k
        size = list(x.shape)
        size[axis] = 1
        outs.append(t.reshape(slice_node(t, x, begin, [1] * x.rank, size), out_shape(node, k)))
    return outs


def _split_parts(t: Translator, node: Any, x: L, axis: int) -> list[L]:
    outs = []
    start = 0
    for k in range(len(node.outputs)):
        shape = out_shape(node, k)
        begin = [0] * x.rank
        begin[axis] = start
        outs.append(slice_node(t, x, begin, [1] * x.rank, shape))
        start += shape[axis]
    _require(start == x.shape[axis])
    return outs


@rule("Split")
def _split(t, node, ins):
    x = ins[1]
    axis = t.static_ints(node.inputs[0])
    _require(len(axis) == 1)
    return _split_parts(t, node, x, axis[0] % x.rank)


@rule("SplitV")
def _splitv(t, node, ins):
    x = ins[0]
    axis = t.static_ints(node.inputs[2])
    _require(len(axis) == 1)
    return _split_parts(t, node, x, axis[0] % x.rank)


@rule("Pad", "PadV2")
def _pad(t, node, ins):
    x = ins[0]
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    _require(pads.shape[0] == x.rank and (pads >= 0).all())
    value = ins[2] if node.op == "PadV2" else t.const(0, x.dtype)
    _require(value.rank == 0)
    return [t.node("pad", [x, value], x.dtype, out_shape(node), pads=tuple(map(tuple, pads.tolist())))]


@rule("Tile")
def _tile(t, node, ins):
    x = ins[0]
    return [t.node("tile", [x], x.dtype, out_shape(node))]


@rule("BroadcastTo")
def _broadcast_to(t, node, ins):
    x = ins[0]
    shape = out_shape(node)
    _require(broadcast_shapes(x.shape, shape) == shape)
    return [t.node("broadcast", [x], x.dtype, shape)]


@rule("ReverseV2")
def _reverse(t, node, ins):
    x = ins[0]
    axes = {a % x.rank for a in t.static_ints(node.inputs[1])} if x.rank else set()
    begin = [d - 1 if k in axes and d > 0 else 0 for k, d in enumerate(x.shape)]
    step = [-1 if k in axes else 1 for k in range(x.rank)]
    return [slice_node(t, x, begin, step, x.shape)]


@rule("GatherV2")
def _gather(t, node, ins):
    params, indices = ins[0], ins[1]
    _require(node.attrs.get("batch_dims", 0) == 0)
    axis = t.static_ints(node.inputs[2])
    _require(len(axis) == 1 and params.rank >= 1)
    a = axis[0] % params.rank
    # indices are checked where an element is read: when the slices are empty but there are
    # indices, nothing is read, so the host kernel checks them (TF raises for a bad one)
    _require(math.prod(out_shape(node)) > 0 or math.prod(indices.shape) == 0, "indices of empty slices")
    return [t.node("gather", [params, indices], params.dtype, out_shape(node), axis=a)]


@rule("OneHot")
def _one_hot(t, node, ins):
    indices, _depth, on, off = ins
    shape = out_shape(node)
    axis = node.attrs.get("axis", -1)
    axis = axis % len(shape) if axis != -1 else len(shape) - 1
    _require(on.rank == 0 and off.rank == 0)
    idx = t.reshape(t.cast(indices, dtypes.int64), shape[:axis] + (1,) + shape[axis + 1:])
    hit = t.cmp("==", t.iota(shape, axis), idx)
    return [t.select(hit, on, off)]


# --- convolution and pooling (NHWC) ------------------------------------------------------------
#
# A window node gathers every (kh, kw) tap of every output position: shape
# [N, OH, OW, KH, KW, C], `pad` where the tap falls outside the input. Convolutions become
# window -> reshape -> matmul (im2col + GEMM), pools become reductions over the window axes,
# and the input gradients are windows over the output gradient dilated by the stride (the
# transposed convolution).

def window(t: Translator, x: L, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, pt: int, pl: int,
           oh: int, ow: int, pad: Any = 0.0, lhs: tuple[int, int] = (1, 1)) -> L:
    n, h, w, c = x.shape
    pad_node = t.const(pad, x.dtype)
    return t.node("window", [x, pad_node], x.dtype, (n, oh, ow, kh, kw, c), kh=kh, kw=kw, sh=sh, sw=sw, dh=dh,
                  dw=dw, pt=pt, pl=pl, lhs=tuple(lhs))


def _geometry(node: Any, x_shape, k_shape, pool: bool = False):
    from ..ir.ops import nn as nn_ops

    h, w = x_shape[1], x_shape[2]
    try:
        if pool:
            return nn_ops._pool_geometry(node.op, node.attrs, h, w)
        return nn_ops._geometry_from_attrs(node.op, node.attrs, h, w, k_shape[0], k_shape[1])
    except (ValueError, AttributeError) as e:
        raise Unsupported(f"geometry: {e}") from None


def _float_conv(x: L) -> None:
    _require(x.dtype in (dtypes.float16, dtypes.float32, dtypes.float64), "native convolution dtype")


def _work(t: Translator, *xs: L) -> list[L]:
    """Convolution operands in the work dtype: float16 is computed in float32 and rounded once
    at the end (as the reference)."""
    return [t.cast(x, work_dtype(x.dtype)) for x in xs]


def _im2col(t, x: L, g, kh: int, kw: int) -> L:
    """The patch matrix of a convolution: [n*oh*ow, kh*kw*c] windows of x (read in place by GEMM)."""
    n, _, _, c = x.shape
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    return t.reshape(win, (n * g.oh * g.ow, kh * kw * c))


@rule("Conv2D")
def _conv2d(t, node, ins):
    _float_conv(ins[0])
    x, f = _work(t, *ins)
    g = _geometry(node, x.shape, f.shape)
    n, h, w, c = x.shape
    kh, kw, ci, co = f.shape
    a = _im2col(t, x, g, kh, kw)
    m = t.node("matmul", [a, t.reshape(f, (kh * kw * ci, co))], x.dtype, (n * g.oh * g.ow, co), ta=False, tb=False)
    return [t.cast(t.reshape(m, out_shape(node)), out_dtype(node))]


@rule("Conv2DBackpropFilter")
def _conv2d_filter(t, node, ins):
    _float_conv(ins[0])
    x, dy = _work(t, ins[0], ins[2])
    kh, kw, ci, co = out_shape(node)
    g = _geometry(node, x.shape, (kh, kw))
    n, h, w, c = x.shape
    a = _im2col(t, x, g, kh, kw)
    d = t.reshape(dy, (n * g.oh * g.ow, co))
    m = t.node("matmul", [a, d], x.dtype, (kh * kw * c, co), ta=True, tb=False)
    return [t.cast(t.reshape(m, (kh, kw, ci, co)), out_dtype(node))]


@rule("Conv2DBackpropInput")
def _conv2d_input(t, node, ins):
    _float_conv(ins[2])
    f, dy = _work(t, ins[1], ins[2])
    n, h, w, c = out_shape(node)
    kh, kw, ci, co = f.shape
    g = _geometry(node, (n, h, w, c), (kh, kw))
    _require(dy.shape == (n, g.oh, g.ow, co))
    # the transposed convolution: a stride-1 window over dy dilated by the stride, flipped filter
    win = window(t, dy, kh, kw, 1, 1, g.dh, g.dw, (kh - 1) * g.dh - g.pt, (kw - 1) * g.dw - g.pl, h, w,
                 lhs=(g.sh, g.sw))
    a = t.reshape(win, (n * h * w, kh * kw * co))
    flipped = slice_node(t, f, [kh - 1, kw - 1, 0, 0], [-1, -1, 1, 1], f.shape)
    wf = t.node("transpose", [flipped], f.dtype, (kh, kw, co, ci), perm=(0, 1, 3, 2))
    m = t.node("matmul", [a, t.reshape(wf, (kh * kw * co, ci))], dy.dtype, (n * h * w, ci), ta=False, tb=False)
    return [t.cast(t.reshape(m, (n, h, w, c)), out_dtype(node))]


@rule("DepthwiseConv2dNative")
def _depthwise(t, node, ins):
    _float_conv(ins[0])
    x, f = _work(t, *ins)
    g = _geometry(node, x.shape, f.shape)
    n, h, w, c = x.shape
    kh, kw, ci, mult = f.shape
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    prod = t.binary("mul", t.reshape(win, win.shape + (1,)), t.reshape(f, (1, 1, 1, kh, kw, ci, mult)))
    s = t.reduce("sum", prod, [3, 4], False)
    return [t.cast(t.reshape(s, out_shape(node)), out_dtype(node))]


def _pool_counts(g: Any, h: int, w: int) -> np.ndarray:
    """Real (unpadded) elements of every pooling window, shape [1, OH, OW, 1]."""
    def one(out, stride, before, k, size):
        starts = np.arange(out) * stride - before
        return np.minimum(starts + k, size) - np.maximum(starts, 0)
    ch = one(g.oh, g.sh, g.pt, g.kh, h)
    cw = one(g.ow, g.sw, g.pl, g.kw, w)
    return (ch[:, None] * cw[None, :]).reshape(1, g.oh, g.ow, 1)


@rule("MaxPool")
def _max_pool(t, node, ins):
    x = ins[0]
    _require(x.dtype.is_floating or x.dtype.is_integer)
    g = _geometry(node, x.shape, None, pool=True)
    low = -np.inf if x.dtype.is_floating else int(np.iinfo(x.dtype.np_dtype).min)
    win = window(t, x, g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow, pad=low)
    return [t.reduce("max", win, [3, 4], False)]


@rule("AvgPool")
def _avg_pool(t, node, ins):
    x = ins[0]
    _require(x.dtype.is_floating)
    n, h, w, c = x.shape
    g = _geometry(node, x.shape, None, pool=True)
    wd = work_dtype(x.dtype)
    win = window(t, t.cast(x, wd), g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow)
    s = t.reduce("sum", win, [3, 4], False)
    counts = t.array(_pool_counts(g, h, w).astype(wd.np_dtype), wd)
    return [t.cast(t.binary("div", s, counts), x.dtype)]


@rule("AvgPoolGrad")
def _avg_pool_grad(t, node, ins):
    _shape, grad = ins
    _require(grad.dtype.is_floating)
    n, h, w, c = out_shape(node)
    g = _geometry(node, (n, h, w, c), None, pool=True)
    _require(grad.shape == (n, g.oh, g.ow, c))
    wd = work_dtype(grad.dtype)
    counts = t.array(_pool_counts(g, h, w).astype(wd.np_dtype), wd)
    share = t.binary("div", t.cast(grad, wd), counts)
    win = window(t, share, g.kh, g.kw, 1, 1, 1, 1, g.kh - 1 - g.pt, g.kw - 1 - g.pl, h, w, lhs=(g.sh, g.sw))
    return [t.cast(t.reduce("sum", win, [3, 4], False), grad.dtype)]


@rule("MaxPoolGrad")
def _max_pool_grad(t, node, ins):
    """dX[i] = sum over the windows containing i of grad[w] where i is w's first maximum.

    The first maximum of each window (NaN counts as the maximum, as np.argmax has it) is
    found as a position in the input; a transposed window over those positions and the
    gradient then gathers, for every input element, the windows that chose it."""
    x, _y, grad = ins
    _require(x.dtype in (dtypes.float32, dtypes.float64))
    n, h, w, c = x.shape
    g = _geometry(node, x.shape, None, pool=True)
    _require(grad.shape == (n, g.oh, g.ow, c))
    i64 = dtypes.int64
    win = window(t, x, g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow, pad=-np.inf)
    m = t.reduce("max", win, [3, 4], True)
    is_max = t.binary("or", t.cmp("==", win, m), t.binary("and", t.unary("isnan", win), t.unary("isnan", m)))
    shape6 = win.shape
    tap = t.binary("add", t.binary("mul", t.iota(shape6, 3), t.const(g.kw, i64)), t.iota(shape6, 4))
    first = t.reduce("min", t.select(is_max, tap, t.const(g.kh * g.kw, i64)), [3, 4], False)  # [N,OH,OW,C]
    shape4 = first.shape
    row = t.binary("add", t.binary("sub", t.binary("mul", t.iota(shape4, 1), t.const(g.sh, i64)),
                                   t.const(g.pt, i64)), t.binary("idiv_trunc", first, t.const(g.kw, i64)))
    col = t.binary("add", t.binary("sub", t.binary("mul", t.iota(shape4, 2), t.const(g.sw, i64)),
                                   t.const(g.pl, i64)), t.binary("imod_trunc", first, t.const(g.kw, i64)))
    pos = t.binary("add", t.binary("mul", row, t.const(w, i64)), col)  # where each window's gradient goes
    pt2, pl2 = g.kh - 1 - g.pt, g.kw - 1 - g.pl
    pos_win = window(t, pos, g.kh, g.kw, 1, 1, 1, 1, pt2, pl2, h, w, pad=-1, lhs=(g.sh, g.sw))
    grad_win = window(t, grad, g.kh, g.kw, 1, 1, 1, 1, pt2, pl2, h, w, pad=0.0, lhs=(g.sh, g.sw))
    shape6b = pos_win.shape
    here = t.binary("add", t.binary("mul", t.iota(shape6b, 1), t.const(w, i64)), t.iota(shape6b, 2))
    picked = t.select(t.cmp("==", pos_win, here), grad_win, t.const(0, grad.dtype))
    return [t.reduce("sum", picked, [3, 4], False)]


@rule("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_filter(t, node, ins):
    _float_conv(ins[0])
    x, dy = _work(t, ins[0], ins[2])
    kh, kw, ci, mult = out_shape(node)
    g = _geometry(node, x.shape, (kh, kw))
    n, h, w, c = x.shape
    _require(dy.shape == (n, g.oh, g.ow, c * mult))
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    prod = t.binary("mul", t.reshape(win, win.shape + (1,)), t.reshape(dy, (n, g.oh, g.ow, 1, 1, c, mult)))
    return [t.cast(t.reduce("sum", prod, [0, 1, 2], False), out_dtype(node))]


@rule("DepthwiseConv2dNativeBackpropInput")
def _depthwise_input(t, node, ins):
    _float_conv(ins[2])
    f, dy = _work(t, ins[1], ins[2])
    n, h, w, c = out_shape(node)
    kh, kw, ci, mult = f.shape
    g = _geometry(node, (n, h, w, c), (kh, kw))
    _require(dy.shape == (n, g.oh, g.ow, c * mult))
    win = window(t, dy, kh, kw, 1, 1, g.dh, g.dw, (kh - 1) * g.dh - g.pt, (kw - 1) * g.dw - g.pl, h, w,
                 lhs=(g.sh, g.sw))
    flipped = slice_node(t, f, [kh - 1, kw - 1, 0, 0], [-1, -1, 1, 1], f.shape)
    prod = t.binary("mul", t.reshape(win, (n, h, w, kh, kw, c, mult)), t.reshape(flipped, (1, 1, 1, kh, kw, c, mult)))
    return [t.cast(t.reduce("sum", prod, [3, 4, 6], False), out_dtype(node))]


@rule("SpaceToDepth", "DepthToSpace")
def _space_depth(t, node, ins):
    x = ins[0]
    _require(x.rank == 4 and node.attrs.get("data_format", "NHWC") == "NHWC")
    bs = int(node.attrs["block_size"])
    n, h, w, c = x.shape
    if node.op == "SpaceToDepth":
        _require(h % bs == 0 and w % bs == 0)
        six = t.reshape(x, (n, h // bs, bs, w // bs, bs, c))
        tr = t.node("transpose", [six], x.dtype, (n, h // bs, w // bs, bs, bs, c), perm=(0, 1, 3, 2, 4, 5))
    else:
        _require(c % (bs * bs) == 0)
        six = t.reshape(x, (n, h, w, bs, bs, c // (bs * bs)))
        tr = t.node("transpose", [six], x.dtype, (n, h, bs, w, bs, c // (bs * bs)), perm=(0, 1, 3, 2, 4, 5))
    return [t.reshape(tr, out_shape(node))]


@rule("PlaceholderWithDefault")
def _placeholder_with_default(t, node, ins):
    return [ins[0]]


@rule("GatherNd")
def _gather_nd(t, node, ins):
    params, indices = ins
    _require(indices.rank >= 1)
    k = indices.shape[-1]
    _require(1 <= k <= params.rank)
    _require(math.prod(out_shape(node)) > 0 or math.prod(indices.shape) == 0, "indices of empty slices")
    return [t.node("gather_nd", [params, indices], params.dtype, out_shape(node))]


@rule("StridedSliceGrad")
def _strided_slice_grad(t, node, ins):
    from ..ir.ops.array import strided_slice_plan

    dy = ins[4]
    dims = [int(d) for d in t.static_ints(node.inputs[0])]
    b, e, s = (t.static_ints(v) for v in node.inputs[1:4])
    try:
        dense, final = strided_slice_plan(dims, b, e, s, node.attrs)
    except ValueError:
        raise Unsupported("invalid strided slice") from None
    _require(list(dy.shape) == list(final))
    begins, steps, sizes = [], [], []
    for bi, ei, si, shrink, size in dense:
        _require(bi is not None and size is not None)
        begins.append(bi if size else 0)
        steps.append(si)
        sizes.append(size)
    dense_dy = t.reshape(dy, sizes)
    return [t.node("unslice", [dense_dy], dy.dtype, dims, begin=tuple(begins), step=tuple(steps))]
