"""Lowering rules for scans, top-k, scatters, MirrorPad, LRN and InTopK (registered into
lower.RULES, which stays in lower.py; this module depends on lower.py, never the reverse, and
the package, flowjit/compiler/__init__.py, loads it).

Cumsum/Cumprod, TopKV2 and the scatters become library `routine` nodes (routines.py); MirrorPad
is a `pad` index map in a mirror mode; LRN, LRNGrad and InTopKV2 are plain maps and reductions.
As everywhere in lowering, a rule raises `Unsupported` for anything it does not handle exactly
as the reference kernel does, and the node then runs on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import dtypes
from .lir import L, broadcast_shapes, size_of, work_dtype
from .lower import Translator, _require, out_dtype, out_shape, rule, slice_node, window

VAR_SCATTERS = {"ScatterUpdate": "update", "ScatterAdd": "add", "ScatterSub": "sub"}
_TENSOR_SCATTERS = {"TensorScatterUpdate": "update", "TensorScatterAdd": "add", "TensorScatterSub": "sub"}


# --- scans ----------------------------------------------------------------------------------------------

@rule("Cumsum", "Cumprod")
def _scan(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    _require(x.rank >= 1 and not x.dtype.is_bool)
    axis = t.static_ints(node.inputs[1])
    _require(len(axis) == 1 and -x.rank <= axis[0] < x.rank, "axis")
    return [t.node("routine", [t.in_memory(x)], x.dtype, x.shape, kind="scan", axis=axis[0] % x.rank,
                   fn="sum" if node.op == "Cumsum" else "prod", exclusive=bool(node.attrs.get("exclusive")),
                   reverse=bool(node.attrs.get("reverse")))]


# --- top-k -----------------------------------------------------------------------------------------------

@rule("TopKV2")
def _top_k(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """The routine finds the indices; the values are a gather of them from the input."""
    x = ins[0]
    shape = out_shape(node)
    _require(x.rank >= 1 and (x.dtype.is_floating or x.dtype.is_integer))
    k, n = shape[-1], x.shape[-1]
    _require(0 <= k <= n)
    rows = size_of(x.shape[:-1])
    xb = t.in_memory(x)
    idx = t.node("routine", [xb], dtypes.int32, shape, kind="topk", k=k)
    i64 = dtypes.int64
    flat = t.binary("add", t.binary("mul", t.iota((rows, k), 0), t.const(n, i64)),
                    t.cast(t.reshape(idx, (rows, k)), i64))
    values = t.node("gather", [t.reshape(xb, (rows * n,)), flat], x.dtype, (rows, k), axis=0)
    return [t.reshape(values, shape), idx]


@rule("InTopKV2")
def _in_top_k(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """targets[i] in range, row i all finite, and fewer than k entries strictly greater than
    the target's prediction (ties count in), as the reference kernel."""
    p, targets, k = ins
    _require(p.rank == 2 and p.dtype.is_floating and k.rank == 0)
    b, c = p.shape
    _require(targets.shape == (b,))
    i64 = dtypes.int64
    w = t.cast(p, work_dtype(p.dtype))
    tg = t.cast(targets, i64)
    valid = t.binary("and", t.cmp(">=", tg, t.const(0, i64)), t.cmp("<", tg, t.const(c, i64)))
    safe = t.reshape(t.select(valid, tg, t.const(0, i64)), (b, 1))
    hit = t.cmp("==", t.iota((b, c), 1), safe)
    target = t.reduce("max", t.select(hit, w, t.const(-np.inf, w.dtype)), [1], True)
    greater = t.reduce("sum", t.cast(t.cmp(">", w, target), i64), [1], False)
    finite = t.reduce("all", t.unary("isfinite", w, dtypes.bool_), [1], False)
    return [t.binary("and", t.binary("and", valid, finite), t.cmp("<", greater, t.cast(k, i64)))]


# --- MirrorPad ---------------------------------------------------------------------------------------------

@rule("MirrorPad")
def _mirror_pad(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    mode = node.attrs.get("mode")
    _require(mode in ("REFLECT", "SYMMETRIC"))
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    _require(pads.shape[0] == x.rank and (pads >= 0).all())
    for (lo, hi), d in zip(pads.tolist(), x.shape):
        _require(lo <= _mirror_limit(mode, d) and hi <= _mirror_limit(mode, d), "paddings (the reference reports it)")
    if not pads.any():
        return [x]
    return [t.node("pad", [x], x.dtype, out_shape(node), pads=tuple(map(tuple, pads.tolist())), mode=mode)]


def _mirror_limit(mode: str, n: int) -> int:
    """The largest padding a dim of size n takes (one reflection, as inference checks)."""
    return n if mode == "SYMMETRIC" else n - 1


@rule("MirrorPadGrad")
def _mirror_pad_grad(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """Fold the mirrored borders back, one axis after the other, as the reference."""
    g = ins[0]
    mode = node.attrs.get("mode")
    _require(mode in ("REFLECT", "SYMMETRIC") and not g.dtype.is_bool)
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    _require(pads.shape[0] == g.rank and (pads >= 0).all())
    out = g
    for axis, (lo, hi) in enumerate(pads.tolist()):
        n = out.shape[axis] - lo - hi
        _require(n >= 0 and lo <= _mirror_limit(mode, n) and hi <= _mirror_limit(mode, n), "paddings")
        out = _fold_axis(t, out, axis, lo, hi, n, mode)
    return [out]


def _fold_axis(t: Translator, x: L, axis: int, lo: int, hi: int, n: int, mode: str) -> L:
    """x's middle n entries along `axis` plus its borders reversed onto the entries they
    mirror: added left border first, then the middle, then the right border (the reference's
    order, so float sums round alike)."""
    if lo == 0 and hi == 0:
        return x
    edge = 0 if mode == "SYMMETRIC" else 1
    shape = x.shape[:axis] + (n,) + x.shape[axis + 1:]

    def part(begin: int, size: int, reverse: bool) -> L:
        b, step = [0] * x.rank, [1] * x.rank
        b[axis], step[axis] = (begin + size - 1, -1) if reverse else (begin, 1)
        return slice_node(t, x, b, step, x.shape[:axis] + (size,) + x.shape[axis + 1:])

    def place(v: L, before: int, after: int) -> L:
        pads = [(0, 0)] * x.rank
        pads[axis] = (before, after)
        return t.node("pad", [v, t.const(0, x.dtype)], x.dtype, shape, pads=tuple(pads))

    total = part(lo, n, False)
    if lo:
        total = t.binary("add", place(part(0, lo, True), edge, n - lo - edge), total)
    if hi:
        total = t.binary("add", total, place(part(lo + n, hi, True), n - hi - edge, edge))
    return total


# --- local response normalization --------------------------------------------------------------------------

def _lrn_attrs(node: Any) -> tuple[int, float, float, float]:
    from ..ir.ops.nn import _lrn_attrs as attrs

    return attrs(node.attrs)


def _channel_window_sum(t: Translator, v: L, r: int) -> L:
    """sum(v[..., c - r : c + r + 1]) for every channel c of an NHWC tensor: a 1 x (2r+1)
    window over the channels of v seen as [N, H, C, W], reduced."""
    n, h, w, c = v.shape
    r = min(r, max(c - 1, 0))  # taps beyond the channels add zeros
    vt = t.node("transpose", [v], v.dtype, (n, h, c, w), perm=(0, 1, 3, 2))
    taps = window(t, vt, 1, 2 * r + 1, 1, 1, 1, 1, 0, r, h, c)  # [N, H, C, 1, 2r+1, W]
    s = t.reduce("sum", taps, [3, 4], False)
    return t.node("transpose", [s], v.dtype, (n, h, w, c), perm=(0, 1, 3, 2))


def _lrn_norm(t: Translator, x: L, r: int, bias: float, alpha: float) -> L:
    """bias + alpha * (window sum of x**2)."""
    s = _channel_window_sum(t, t.binary("mul", x, x), r)
    return t.binary("add", t.const(bias, x.dtype), t.binary("mul", t.const(alpha, x.dtype), s))


@rule("LRN")
def _lrn(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    _require(x.rank == 4 and x.dtype.is_floating)
    r, bias, alpha, beta = _lrn_attrs(node)
    _require(r >= 0)
    w = t.cast(x, work_dtype(x.dtype))
    norm = _lrn_norm(t, w, r, bias, alpha)
    return [t.cast(t.binary("mul", w, t.binary("pow", norm, t.const(-beta, w.dtype))), x.dtype)]


@rule("LRNGrad")
def _lrn_grad(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """g * norm**-beta - 2 alpha beta x * (window sum of g y / norm)."""
    g, x, y = ins
    _require(x.rank == 4 and x.dtype.is_floating and g.shape == x.shape == y.shape)
    r, bias, alpha, beta = _lrn_attrs(node)
    _require(r >= 0)
    wd = work_dtype(x.dtype)
    g, x, y = (t.cast(v, wd) for v in (g, x, y))
    norm = _lrn_norm(t, x, r, bias, alpha)
    first = t.binary("mul", g, t.binary("pow", norm, t.const(-beta, wd)))
    back = _channel_window_sum(t, t.binary("div", t.binary("mul", g, y), norm), r)
    second = t.binary("mul", t.binary("mul", t.const(2 * alpha * beta, wd), x), back)
    return [t.cast(t.binary("sub", first, second), out_dtype(node))]


# --- scatters -----------------------------------------------------------------------------------------------

def scatter(t: Translator, indices: L, updates: L, shape: tuple[int, ...], mode: str, base: L | None) -> L:
    """A scatter routine: updates [indices.shape[:-1] + shape[depth:]] at indices [..., depth]
    into base (or zeros)."""
    _require(indices.rank >= 1 and indices.dtype.is_integer)
    depth = indices.shape[-1]
    _require(1 <= depth <= len(shape), "index depth")
    _require(mode == "update" or not updates.dtype.is_bool, "adding booleans")
    _require(updates.shape == indices.shape[:-1] + tuple(shape[depth:]), "updates shape")
    nidx = size_of(indices.shape[:-1])
    ins = [t.reshape(t.in_memory(indices), (nidx, depth)),
           t.reshape(t.in_memory(updates), (nidx, size_of(shape[depth:])))]
    if base is not None:
        ins.append(t.in_memory(base))
    return t.node("routine", ins, updates.dtype, shape, kind="scatter", mode=mode, depth=depth,
                  base=base is not None)


@rule("ScatterNd")
def _scatter_nd(t: Translator, node: Any, ins: list[L]) -> list[L]:
    indices, updates, _shape = ins
    return [scatter(t, indices, updates, out_shape(node), "add", None)]


@rule(*_TENSOR_SCATTERS)
def _tensor_scatter(t: Translator, node: Any, ins: list[L]) -> list[L]:
    tensor, indices, updates = ins
    return [scatter(t, indices, updates, tensor.shape, _TENSOR_SCATTERS[node.op], tensor)]


def var_scatter(t: Translator, op: str, var: L, indices: L, updates: L) -> L:
    """ScatterUpdate/Add/Sub of variable value `var` along its first axis (updates broadcast
    to indices.shape + var.shape[1:], as the reference); the caller writes it in place."""
    _require(var.rank >= 1)
    want = indices.shape + var.shape[1:]
    try:
        ok = broadcast_shapes(updates.shape, want) == want and updates.rank <= len(want)
    except ValueError:
        ok = False
    _require(ok, "updates do not broadcast")
    if updates.shape != want:
        updates = t.node("broadcast", [updates], updates.dtype, want)
    return scatter(t, t.reshape(indices, indices.shape + (1,)), updates, var.shape, VAR_SCATTERS[op], var)

