"""Gradients of the array ops (loaded by the package, flowjit/frontend/__init__.py).

Every gradient is dense. Gathers scatter their gradient back with ScatterNd, which sums
duplicate indices. Where a gradient needs arithmetic (Tile sums its copies, BroadcastTo sums
the broadcast dims, Slice pads by `shape - size - begin` when that is not static) it uses
math_ops, as TF does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir.registry import static_value
from ..ops import array_ops
from .gradients import NotDifferentiable, RegisterGradient, has_gradient
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor, constant

for _op_type in ("Shape", "ShapeN", "Size", "Rank", "ZerosLike", "OnesLike", "OneHot", "InvertPermutation",
                 "BroadcastArgs", "BroadcastGradientArgs", "Unique", "ListDiff"):
    if not has_gradient(_op_type):  # math may already have claimed BroadcastGradientArgs
        NotDifferentiable(_op_type)
del _op_type


def _math():
    from ..ops import math_ops

    return math_ops


def _ints(t: Tensor) -> list[int] | None:
    """The value of a small int tensor if it is known while building."""
    v = static_value(t.value)
    return None if v is None else [int(d) for d in np.reshape(v, -1)]


def _static_shape(t: Tensor) -> list[int] | None:
    return t.shape.as_list() if t.shape.is_fully_defined() else None


def _known_rank(t: Tensor, what: str) -> int:
    r = t.shape.rank
    if r is None:
        raise ValueError(f"the gradient of {what} needs the rank of {t.name} to be known")
    return r


def _transpose_if_needed(x: Tensor, perm: list[int]) -> Tensor:
    return x if perm == sorted(perm) else array_ops.transpose(x, perm)


# --- reshaping --------------------------------------------------------------------------


@RegisterGradient("Reshape")
def _reshape_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.reshape(grad, array_ops.shape(op.inputs[0])), None]


@RegisterGradient("ExpandDims")
def _expand_dims_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.reshape(grad, array_ops.shape(op.inputs[0])), None]


@RegisterGradient("Squeeze")
def _squeeze_grad(op: Operation, grad: Tensor) -> Tensor:
    return array_ops.reshape(grad, array_ops.shape(op.inputs[0]))


@RegisterGradient("Transpose")
def _transpose_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.transpose(grad, array_ops.invert_permutation(op.inputs[1])), None]


@RegisterGradient("BroadcastTo")
def _broadcast_to_grad(op: Operation, grad: Tensor) -> list[Any]:
    x, target = op.inputs
    in_shape, out_shape = _static_shape(x), _static_shape(op.outputs[0])
    if in_shape is not None and out_shape is not None:
        lead = len(out_shape) - len(in_shape)
        padded = [1] * lead + in_shape
        axes = [i for i, (a, b) in enumerate(zip(padded, out_shape)) if a == 1 and b != 1 or i < lead]
        if not axes:
            return [array_ops.reshape(grad, in_shape), None]
        summed = _math().reduce_sum(grad, axes, keepdims=True)
        return [array_ops.reshape(summed, in_shape), None]
    in_shape_t = array_ops.shape(x, out_type=target.dtype)
    axes_t, _ = array_ops.broadcast_gradient_args(in_shape_t, target)
    summed = _math().reduce_sum(grad, axes_t, keepdims=True)
    return [array_ops.reshape(summed, in_shape_t), None]


# --- joining and splitting ----------------------------------------------------------------


@RegisterGradient("ConcatV2")
def _concat_grad(op: Operation, grad: Tensor) -> list[Any]:
    values, axis = op.inputs[:-1], op.inputs[-1]
    if len(values) == 1:
        return [grad, None]
    a = _ints(axis)
    rank = next((v.shape.rank for v in values if v.shape.rank is not None), None)
    if a is not None and rank is not None:
        a_val = a[0] % rank
        dims = [v.shape.dims[a_val] for v in values]
        if all(d is not None for d in dims):
            sizes: Any = dims
        else:
            sizes = array_ops.stack([array_ops.shape(v, out_type=axis.dtype)[a_val] for v in values])
        return array_ops.split(grad, sizes, axis=a_val, num=len(values)) + [None]
    where = _math().floormod(axis, array_ops.rank(values[0]))
    sizes = array_ops.stack([array_ops.gather(array_ops.shape(v, out_type=axis.dtype), where) for v in values])
    return array_ops.split(grad, sizes, axis=axis, num=len(values)) + [None]


@RegisterGradient("Pack")
def _pack_grad(op: Operation, grad: Tensor) -> list[Tensor]:
    return array_ops.unstack(grad, num=len(op.inputs), axis=op.get_attr("axis"))


@RegisterGradient("Unpack")
def _unpack_grad(op: Operation, *grads: Tensor) -> Tensor:
    return array_ops.stack(list(grads), axis=op.get_attr("axis"))


@RegisterGradient("Split")
def _split_grad(op: Operation, *grads: Tensor) -> list[Any]:
    return [None, array_ops.concat(list(grads), op.inputs[0])]


@RegisterGradient("SplitV")
def _splitv_grad(op: Operation, *grads: Tensor) -> list[Any]:
    return [array_ops.concat(list(grads), op.inputs[2]), None, None]


# --- tiling, padding, reversing -----------------------------------------------------------


@RegisterGradient("Tile")
def _tile_grad(op: Operation, grad: Tensor) -> list[Any]:
    """Reshape to [m0, d0, m1, d1, ...] and sum over the copies m_i."""
    x, multiples = op.inputs
    input_shape = array_ops.shape(x, out_type=multiples.dtype)
    split_shape = array_ops.reshape(array_ops.transpose(array_ops.stack([multiples, input_shape])), [-1])
    r = x.shape.rank
    if r is not None:
        axes: Any = list(range(0, 2 * r, 2))
    else:
        axes = _math().range(0, array_ops.size(split_shape), 2)
    if r == 0:
        return [grad, None]
    summed = _math().reduce_sum(array_ops.reshape(grad, split_shape), axes)
    summed.set_shape(x.shape)
    return [summed, None]


def _pad_slice_grad(op: Operation, grad: Tensor) -> Tensor:
    x, paddings = op.inputs[0], op.inputs[1]
    before = array_ops.slice(paddings, [0, 0], array_ops.stack([array_ops.rank(x), 1]))
    begin = array_ops.reshape(before, [-1])
    return array_ops.slice(grad, begin, array_ops.shape(x, out_type=paddings.dtype))


@RegisterGradient("Pad")
def _pad_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [_pad_slice_grad(op, grad), None]


@RegisterGradient("PadV2")
def _padv2_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [_pad_slice_grad(op, grad), None, None]


def _mirror_pad_grad_op(grad: Tensor, paddings: Tensor, mode: str) -> Tensor:
    graph = get_default_graph()
    with graph.name_scope("MirrorPadGrad") as scope:
        return graph.create_op("MirrorPadGrad", [grad, paddings], {"mode": mode}, name=scope).outputs[0]


@RegisterGradient("MirrorPad")
def _mirror_pad_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [_mirror_pad_grad_op(grad, op.inputs[1], op.get_attr("mode")), None]


@RegisterGradient("MirrorPadGrad")
def _mirror_pad_grad_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.pad(grad, op.inputs[1], mode=op.get_attr("mode")), None]


@RegisterGradient("ReverseV2")
def _reverse_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.reverse(grad, op.inputs[1]), None]


@RegisterGradient("ReverseSequence")
def _reverse_sequence_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [array_ops.reverse_sequence(grad, op.inputs[1], seq_axis=op.get_attr("seq_dim"),
                                       batch_axis=op.get_attr("batch_dim")), None]


@RegisterGradient("SpaceToDepth")
def _space_to_depth_grad(op: Operation, grad: Tensor) -> Tensor:
    return array_ops.depth_to_space(grad, op.get_attr("block_size"), data_format=op.get_attr("data_format"))


@RegisterGradient("DepthToSpace")
def _depth_to_space_grad(op: Operation, grad: Tensor) -> Tensor:
    return array_ops.space_to_depth(grad, op.get_attr("block_size"), data_format=op.get_attr("data_format"))


# --- slicing ------------------------------------------------------------------------------


@RegisterGradient("Slice")
def _slice_grad(op: Operation, grad: Tensor) -> list[Any]:
    """Pad the gradient back to the input: before = begin, after = shape - size - begin."""
    x, begin, _ = op.inputs
    b, in_shape, out_shape = _ints(begin), _static_shape(x), _static_shape(op.outputs[0])
    if b is not None and in_shape is not None and out_shape is not None:
        paddings: Any = [[bi, d - s - bi] for bi, d, s in zip(b, in_shape, out_shape)]
        paddings = constant(np.array(paddings, dtype=begin.dtype.np_dtype).reshape(len(b), 2))
    else:
        r = array_ops.stack([array_ops.rank(x), 1])
        before = array_ops.reshape(begin, r)
        after = array_ops.shape(x, out_type=begin.dtype) - array_ops.shape(grad, out_type=begin.dtype) - begin
        paddings = array_ops.concat([before, array_ops.reshape(after, r)], 1)
    return [array_ops.pad(grad, paddings), None, None]


_SS_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


@RegisterGradient("StridedSlice")
def _strided_slice_grad(op: Operation, grad: Tensor) -> list[Any]:
    x, begin, end, strides = op.inputs
    graph = get_default_graph()
    attrs = {k: op.get_attr(k) for k in _SS_MASKS}
    with graph.name_scope("StridedSliceGrad") as scope:
        in_shape = array_ops.shape(x, out_type=begin.dtype)
        out = graph.create_op("StridedSliceGrad", [in_shape, begin, end, strides, grad], attrs, name=scope)
    return [out.outputs[0], None, None, None]


@RegisterGradient("StridedSliceGrad")
def _strided_slice_grad_grad(op: Operation, grad: Tensor) -> list[Any]:
    _, begin, end, strides, _ = op.inputs
    attrs = {k: op.get_attr(k) for k in _SS_MASKS}
    return [None, None, None, None, array_ops.strided_slice(grad, begin, end, strides, **attrs)]


# --- gathering and scattering -------------------------------------------------------------


def gather_grad(params_shape: Tensor, params_rank: int, indices: Tensor, grad: Tensor, axis: int,
                batch_dims: int) -> Tensor:
    """The dense gradient of `gather(params, indices, axis, batch_dims)` w.r.t. params.

    The gathered dim is moved to the front, the index dims flattened, and ScatterNd sums the
    rows back (duplicate indices add up); batch dims are folded into the scattered dim.
    """
    k = _known_rank(indices, "gather")
    b, a, p = batch_dims, axis, params_rank
    m = k - b
    # grad is P[:b] + P[b:a] + I[b:] + P[a+1:]; order it as P[:b] + I[b:] + P[b:a] + P[a+1:]
    perm = list(range(b)) + list(range(a, a + m)) + list(range(b, a)) + list(range(a + m, a + m + p - a - 1))
    values = _transpose_if_needed(grad, perm)
    middle = [params_shape[b:a], params_shape[a + 1:]]
    values = array_ops.reshape(values, array_ops.concat([[-1]] + middle, 0))
    n = params_shape[a:a + 1]
    if b == 0:
        flat = array_ops.reshape(indices, [-1, 1])
        scattered = array_ops.scatter_nd(flat, values, array_ops.concat([n] + middle, 0))
        return _transpose_if_needed(scattered, list(range(1, a + 1)) + [0] + list(range(a + 1, p)))
    math = _math()
    batch = params_shape[:b]
    nb = math.reduce_prod(batch)
    offsets = array_ops.reshape(math.range(0, nb, 1) * params_shape[a], [-1, 1])
    flat = array_ops.reshape(array_ops.reshape(indices, array_ops.stack([nb, -1])) + offsets, [-1, 1])
    scattered = array_ops.scatter_nd(flat, values, array_ops.concat([array_ops.reshape(nb * n, [1])] + middle, 0))
    unfolded = array_ops.reshape(scattered, array_ops.concat([batch, n] + middle, 0))
    # B + [N] + P[b:a] + P[a+1:] -> P
    return _transpose_if_needed(unfolded, list(range(b)) + list(range(b + 1, a + 1)) + [b] + list(range(a + 1, p)))


@RegisterGradient("GatherV2")
def _gather_v2_grad(op: Operation, grad: Tensor) -> list[Any]:
    params, indices, axis = op.inputs
    a = _ints(axis)
    p = _known_rank(params, "gather")
    if a is None:
        raise ValueError(f"the gradient of gather needs a static axis ({op.name})")
    batch_dims = op.get_attr("batch_dims")
    if batch_dims < 0:
        batch_dims += _known_rank(indices, "gather")
    params_shape = array_ops.shape(params, out_type=indices.dtype)
    return [gather_grad(params_shape, p, indices, grad, a[0] % p, batch_dims), None, None]


@RegisterGradient("TopKV2")
def _top_k_grad(op: Operation, grad_values: Tensor, grad_indices: Tensor) -> list[Any]:
    x = op.inputs[0]
    r = _known_rank(x, "top_k")
    shape_ = array_ops.shape(x, out_type=op.outputs[1].dtype)
    return [gather_grad(shape_, r, op.outputs[1], grad_values, r - 1, r - 1), None]


@RegisterGradient("GatherNd")
def _gather_nd_grad(op: Operation, grad: Tensor) -> list[Any]:
    params, indices = op.inputs
    return [array_ops.scatter_nd(indices, grad, array_ops.shape(params, out_type=indices.dtype)), None]


@RegisterGradient("ScatterNd")
def _scatter_nd_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [None, array_ops.gather_nd(grad, op.inputs[0]), None]


@RegisterGradient("TensorScatterUpdate")
def _tensor_scatter_update_grad(op: Operation, grad: Tensor) -> list[Any]:
    _, indices, updates = op.inputs
    cleared = array_ops.tensor_scatter_nd_update(grad, indices, array_ops.zeros_like(updates))
    return [cleared, None, array_ops.gather_nd(grad, indices)]


@RegisterGradient("TensorScatterAdd")
def _tensor_scatter_add_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [grad, None, array_ops.gather_nd(grad, op.inputs[1])]


@RegisterGradient("TensorScatterSub")
def _tensor_scatter_sub_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [grad, None, _math().negative(array_ops.gather_nd(grad, op.inputs[1]))]


# --- filling ------------------------------------------------------------------------------


@RegisterGradient("Fill")
def _fill_grad(op: Operation, grad: Tensor) -> list[Any]:
    return [None, _math().reduce_sum(grad)]
