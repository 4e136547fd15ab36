"""Lowering rules of the array ops (flowjit/ir/ops/array.py): fills, index maps (reshape,
transpose, slices, concat, pack, split, pad, tile, reverse), gathers, one-hot, top-k (a library
`routine`), MirrorPad (a `pad` index map in a mirror mode) and the tensor scatters.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ...ir import dtypes
from ..lir import L, broadcast_shapes, size_of
from .core import Translator, Unsupported, require, out_dtype, out_shape, rule


@rule("ZerosLike", "OnesLike")
def _fill_like(t, node, ins):
    x = ins[0]
    value = 0 if node.op == "ZerosLike" else 1
    return [t.const(value, out_dtype(node), x.shape)]


@rule("Fill")
def _fill(t, node, ins):
    value = ins[1]
    shape = out_shape(node)
    require(value.rank == 0)
    return [t.node("broadcast", [value], value.dtype, shape)]


# --- index maps -------------------------------------------------------------------------------

@rule("Reshape", "ExpandDims", "Squeeze")
def _reshape(t, node, ins):
    return [t.reshape(ins[0], out_shape(node))]


@rule("Transpose")
def _transpose(t, node, ins):
    x = ins[0]
    perm = t.static_ints(node.inputs[1])
    require(sorted(p % max(x.rank, 1) for p in perm) == list(range(x.rank)))
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
    require(len(begin) == x.rank)
    for b, n, d in zip(begin, shape, x.shape):
        require(0 <= b and b + n <= d)
    return [slice_node(t, x, begin, [1] * x.rank, shape)]


@rule("StridedSlice")
def _strided_slice(t, node, ins):
    from ...ir.ops.array import strided_slice_plan

    x = ins[0]
    b, e, s = (t.static_ints(v) for v in node.inputs[1:4])
    try:
        dense, final = strided_slice_plan(list(x.shape), b, e, s, node.attrs)
    except ValueError:
        raise Unsupported("invalid strided slice (the reference kernel reports it)") from None
    require(all(d is not None for d in final))
    begins, steps, sizes = [], [], []
    for bi, ei, si, shrink, size in dense:
        require(bi is not None and size is not None)
        begins.append(bi if size else 0)
        steps.append(si)
        sizes.append(size)
    sliced = slice_node(t, x, begins, steps, sizes)
    return [t.reshape(sliced, final)]


@rule("ConcatV2")
def _concat(t, node, ins):
    values = ins[:-1]
    axis = t.static_ints(node.inputs[-1])
    require(len(axis) == 1)
    shape = out_shape(node)
    rank = len(shape)
    a = axis[0] % rank
    values = [v for v in values if v.shape[a] > 0] if rank else values
    if len(values) == 1:
        return [values[0]]
    require(values)
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
    require(start == x.shape[axis])
    return outs


@rule("Split")
def _split(t, node, ins):
    x = ins[1]
    axis = t.static_ints(node.inputs[0])
    require(len(axis) == 1)
    return _split_parts(t, node, x, axis[0] % x.rank)


@rule("SplitV")
def _splitv(t, node, ins):
    x = ins[0]
    axis = t.static_ints(node.inputs[2])
    require(len(axis) == 1)
    return _split_parts(t, node, x, axis[0] % x.rank)


@rule("Pad", "PadV2")
def _pad(t, node, ins):
    x = ins[0]
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    require(pads.shape[0] == x.rank and (pads >= 0).all())
    value = ins[2] if node.op == "PadV2" else t.const(0, x.dtype)
    require(value.rank == 0)
    return [t.node("pad", [x, value], x.dtype, out_shape(node), pads=tuple(map(tuple, pads.tolist())))]


@rule("Tile")
def _tile(t, node, ins):
    x = ins[0]
    return [t.node("tile", [x], x.dtype, out_shape(node))]


@rule("BroadcastTo")
def _broadcast_to(t, node, ins):
    x = ins[0]
    shape = out_shape(node)
    require(broadcast_shapes(x.shape, shape) == shape)
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
    require(node.attrs.get("batch_dims", 0) == 0)
    axis = t.static_ints(node.inputs[2])
    require(len(axis) == 1 and params.rank >= 1)
    a = axis[0] % params.rank
    # indices are checked where an element is read: when the slices are empty but there are
    # indices, nothing is read, so the host kernel checks them (TF raises for a bad one)
    require(math.prod(out_shape(node)) > 0 or math.prod(indices.shape) == 0, "indices of empty slices")
    return [t.node("gather", [params, indices], params.dtype, out_shape(node), axis=a)]


@rule("OneHot")
def _one_hot(t, node, ins):
    indices, _depth, on, off = ins
    shape = out_shape(node)
    axis = node.attrs.get("axis", -1)
    axis = axis % len(shape) if axis != -1 else len(shape) - 1
    require(on.rank == 0 and off.rank == 0)
    idx = t.reshape(t.cast(indices, dtypes.int64), shape[:axis] + (1,) + shape[axis + 1:])
    hit = t.cmp("==", t.iota(shape, axis), idx)
    return [t.select(hit, on, off)]


@rule("SpaceToDepth", "DepthToSpace")
def _space_depth(t, node, ins):
    x = ins[0]
    require(x.rank == 4 and node.attrs.get("data_format", "NHWC") == "NHWC")
    bs = int(node.attrs["block_size"])
    n, h, w, c = x.shape
    if node.op == "SpaceToDepth":
        require(h % bs == 0 and w % bs == 0)
        six = t.reshape(x, (n, h // bs, bs, w // bs, bs, c))
        tr = t.node("transpose", [six], x.dtype, (n, h // bs, w // bs, bs, bs, c), perm=(0, 1, 3, 2, 4, 5))
    else:
        require(c % (bs * bs) == 0)
        six = t.reshape(x, (n, h, w, bs, bs, c // (bs * bs)))
        tr = t.node("transpose", [six], x.dtype, (n, h, bs, w, bs, c // (bs * bs)), perm=(0, 1, 3, 2, 4, 5))
    return [t.reshape(tr, out_shape(node))]


@rule("GatherNd")
def _gather_nd(t, node, ins):
    params, indices = ins
    require(indices.rank >= 1)
    k = indices.shape[-1]
    require(1 <= k <= params.rank)
    require(math.prod(out_shape(node)) > 0 or math.prod(indices.shape) == 0, "indices of empty slices")
    return [t.node("gather_nd", [params, indices], params.dtype, out_shape(node))]


@rule("StridedSliceGrad")
def _strided_slice_grad(t, node, ins):
    from ...ir.ops.array import strided_slice_plan

    dy = ins[4]
    dims = [int(d) for d in t.static_ints(node.inputs[0])]
    b, e, s = (t.static_ints(v) for v in node.inputs[1:4])
    try:
        dense, final = strided_slice_plan(dims, b, e, s, node.attrs)
    except ValueError:
        raise Unsupported("invalid strided slice") from None
    require(list(dy.shape) == list(final))
    begins, steps, sizes = [], [], []
    for bi, ei, si, shrink, size in dense:
        require(bi is not None and size is not None)
        begins.append(bi if size else 0)
        steps.append(si)
        sizes.append(size)
    dense_dy = t.reshape(dy, sizes)
    return [t.node("unslice", [dense_dy], dy.dtype, dims, begin=tuple(begins), step=tuple(steps))]
_TENSOR_SCATTERS = {"TensorScatterUpdate": "update", "TensorScatterAdd": "add", "TensorScatterSub": "sub"}


# --- top-k -----------------------------------------------------------------------------------------------

@rule("TopKV2")
def _top_k(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """The routine finds the indices; the values are a gather of them from the input."""
    x = ins[0]
    shape = out_shape(node)
    require(x.rank >= 1 and (x.dtype.is_floating or x.dtype.is_integer))
    k, n = shape[-1], x.shape[-1]
    require(0 <= k <= n)
    rows = size_of(x.shape[:-1])
    xb = t.in_memory(x)
    idx = t.node("routine", [xb], dtypes.int32, shape, kind="topk", k=k)
    i64 = dtypes.int64
    flat = t.binary("add", t.binary("mul", t.iota((rows, k), 0), t.const(n, i64)),
                    t.cast(t.reshape(idx, (rows, k)), i64))
    values = t.node("gather", [t.reshape(xb, (rows * n,)), flat], x.dtype, (rows, k), axis=0)
    return [t.reshape(values, shape), idx]


# --- MirrorPad ---------------------------------------------------------------------------------------------

@rule("MirrorPad")
def _mirror_pad(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    mode = node.attrs.get("mode")
    require(mode in ("REFLECT", "SYMMETRIC"))
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    require(pads.shape[0] == x.rank and (pads >= 0).all())
    for (lo, hi), d in zip(pads.tolist(), x.shape):
        require(lo <= _mirror_limit(mode, d) and hi <= _mirror_limit(mode, d), "paddings (the reference reports it)")
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
    require(mode in ("REFLECT", "SYMMETRIC") and not g.dtype.is_bool)
    pads = t.static(node.inputs[1]).astype(np.int64).reshape(-1, 2)
    require(pads.shape[0] == g.rank and (pads >= 0).all())
    out = g
    for axis, (lo, hi) in enumerate(pads.tolist()):
        n = out.shape[axis] - lo - hi
        require(n >= 0 and lo <= _mirror_limit(mode, n) and hi <= _mirror_limit(mode, n), "paddings")
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


# --- scatters -----------------------------------------------------------------------------------------------

def scatter(t: Translator, indices: L, updates: L, shape: tuple[int, ...], mode: str, base: L | None) -> L:
    """A scatter routine: updates [indices.shape[:-1] + shape[depth:]] at indices [..., depth]
    into base (or zeros)."""
    require(indices.rank >= 1 and indices.dtype.is_integer)
    depth = indices.shape[-1]
    require(1 <= depth <= len(shape), "index depth")
    require(mode == "update" or not updates.dtype.is_bool, "adding booleans")
    require(updates.shape == indices.shape[:-1] + tuple(shape[depth:]), "updates shape")
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
