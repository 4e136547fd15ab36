"""Gradients of the segment reductions, as TF's math_grad.py: gather the output gradient back
to the rows (sum, mean divided by counts), max/min through equality masks split evenly among
ties; prod without dividing by zero; the sparse forms summed back onto the rows they read;
segment ids, indices and num_segments get none."""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..ops import array_ops, math_ops
from ..ops import segment_ops as S
from .gradients import RegisterGradient


@RegisterGradient("SegmentSum")
def _segment_sum_grad(op: Any, grad: Any) -> list:
    return [array_ops.gather(grad, op.inputs[1]), None]


@RegisterGradient("SegmentMean")
def _segment_mean_grad(op: Any, grad: Any) -> list:
    data, ids = op.inputs[0], op.inputs[1]
    ones = array_ops.ones_like(ids, dtype=data.dtype)
    counts = S.segment_sum(ones, ids)
    tail = data.get_shape().ndims - 1
    counts = array_ops.reshape(counts, array_ops.concat([array_ops.shape(counts), [1] * tail], 0))
    return [array_ops.gather(grad / counts, ids), None]


def _gather_dropping_negative(params: Any, ids: Any, zero_like: Any) -> Any:
    """params[ids] with rows of negative ids zeroed (TF's _GatherDropNegatives)."""
    keep = math_ops.greater_equal(ids, array_ops.zeros_like(ids))
    gathered = array_ops.gather(params, math_ops.maximum(ids, array_ops.zeros_like(ids)))
    while keep.get_shape().ndims < gathered.get_shape().ndims:
        keep = array_ops.expand_dims(keep, -1)
    keep = math_ops.logical_and(keep, array_ops.ones_like(gathered, dtype=keep.dtype))
    return math_ops.where(keep, gathered, zero_like)


@RegisterGradient("UnsortedSegmentSum")
def _unsorted_segment_sum_grad(op: Any, grad: Any) -> list:
    data, ids = op.inputs[0], op.inputs[1]
    return [_gather_dropping_negative(grad, ids, array_ops.zeros_like(data)), None, None]


def _min_or_max_grad(op: Any, grad: Any, sorted_ids: bool) -> list:
    data, ids, out = op.inputs[0], op.inputs[1], op.outputs[0]
    zeros = array_ops.zeros_like(data)
    picked = _gather_dropping_negative(out, ids, zeros) if not sorted_ids else array_ops.gather(out, ids)
    is_selected = math_ops.equal(data, picked)
    if not sorted_ids:
        keep = math_ops.greater_equal(ids, array_ops.zeros_like(ids))
        while keep.get_shape().ndims < data.get_shape().ndims:
            keep = array_ops.expand_dims(keep, -1)
        is_selected = math_ops.logical_and(is_selected, math_ops.logical_and(
            keep, array_ops.ones_like(data, dtype=keep.dtype)))
    selected = math_ops.cast(is_selected, data.dtype)
    if sorted_ids:
        num = S.segment_sum(selected, ids)
        share = array_ops.gather(grad / num, ids)
    else:
        n_seg = op.inputs[2]
        num = S.unsorted_segment_sum(selected, ids, n_seg)
        share = _gather_dropping_negative(grad / math_ops.maximum(num, array_ops.ones_like(num)), ids, zeros)
    extra = [None] if sorted_ids else [None, None]
    return [math_ops.where(is_selected, share, zeros)] + extra


@RegisterGradient("SegmentMax")
def _segment_max_grad(op: Any, grad: Any) -> list:
    return _min_or_max_grad(op, grad, True)


@RegisterGradient("SegmentMin")
def _segment_min_grad(op: Any, grad: Any) -> list:
    return _min_or_max_grad(op, grad, True)


@RegisterGradient("UnsortedSegmentMax")
def _unsorted_segment_max_grad(op: Any, grad: Any) -> list:
    return _min_or_max_grad(op, grad, False)


@RegisterGradient("UnsortedSegmentMin")
def _unsorted_segment_min_grad(op: Any, grad: Any) -> list:
    return _min_or_max_grad(op, grad, False)


def _prod_partials(op: Any, grad: Any, sorted_ids: bool) -> tuple[Any, Any]:
    """TF's SegmentProd/UnsortedSegmentProd gradient without dividing by zero: a segment with no
    zero gives prod / x, one with a single zero gives the product of the others at the zero and 0
    elsewhere, one with two or more zeros gives 0. Returns (per-row partials, the output gradient
    with the many-zero segments zeroed)."""
    data, ids = op.inputs[0], op.inputs[1]
    is_zero = math_ops.equal(data, array_ops.zeros_like(data))
    zeros_i = math_ops.cast(is_zero, dtypes.int32)
    num_zeros = S.segment_sum(zeros_i, ids) if sorted_ids else S.unsorted_segment_sum(zeros_i, ids, op.inputs[2])
    grad = math_ops.where_v2(math_ops.greater(num_zeros, 1), array_ops.zeros_like(grad), grad)
    non_zero_data = math_ops.where_v2(is_zero, array_ops.ones_like(data), data)
    if sorted_ids:
        non_zero_prod = S.segment_prod(non_zero_data, ids)
        at = ids
    else:
        non_zero_prod = S.unsorted_segment_prod(non_zero_data, ids, op.inputs[2])
        at = math_ops.maximum(ids, array_ops.zeros_like(ids))
    gathered_prod = array_ops.gather(op.outputs[0], at)
    gathered_non_zero_prod = array_ops.gather(non_zero_prod, at)
    prod_divided_by_el = gathered_prod / non_zero_data
    return math_ops.where_v2(is_zero, gathered_non_zero_prod, prod_divided_by_el), grad


@RegisterGradient("SegmentProd")
def _segment_prod_grad(op: Any, grad: Any) -> list:
    partial, grad = _prod_partials(op, grad, True)
    return [array_ops.gather(grad, op.inputs[1]) * partial, None]


@RegisterGradient("UnsortedSegmentProd")
def _unsorted_segment_prod_grad(op: Any, grad: Any) -> list:
    partial, grad = _prod_partials(op, grad, False)
    gathered = _gather_dropping_negative(grad, op.inputs[1], array_ops.zeros_like(op.inputs[0]))
    return [gathered * partial, None, None]


def _sparse_segment_grad(op: Any, grad: Any, norm: str | None) -> Any:
    """d/d data of out[s] = norm_s * sum_{i: ids[i] = s} data[indices[i]]: the output gradient
    scaled per segment (1, 1/n or 1/sqrt n), gathered by segment id and summed back onto the rows
    named by indices (TF's SparseSegment*Grad ops, as a composite)."""
    data, indices, ids = op.inputs[0], op.inputs[1], op.inputs[2]
    if norm is not None:
        ones = array_ops.ones_like(ids, dtype=grad.dtype)
        counts = S.unsorted_segment_sum(ones, ids, array_ops.shape(grad)[0])
        counts = math_ops.maximum(counts, array_ops.ones_like(counts))
        if norm == "sqrtn":
            counts = math_ops.sqrt(counts)
        tail = data.get_shape().ndims - 1 if data.get_shape().ndims is not None else None
        if tail is None:
            counts = array_ops.reshape(counts, array_ops.concat(
                [array_ops.shape(counts), array_ops.ones_like(array_ops.shape(grad)[1:])], 0))
        else:
            counts = array_ops.reshape(counts, array_ops.concat([array_ops.shape(counts), [1] * tail], 0))
        grad = grad / counts
    dim0 = array_ops.shape(data)[0]
    return S.unsorted_segment_sum(array_ops.gather(grad, ids), indices, dim0)


def _register_sparse(op_type: str, norm: str | None, extra: int) -> None:
    @RegisterGradient(op_type)
    def _grad(op: Any, grad: Any) -> list:
        return [_sparse_segment_grad(op, grad, norm)] + [None] * extra


for _base, _norm in (("SparseSegmentSum", None), ("SparseSegmentMean", "mean"), ("SparseSegmentSqrtN", "sqrtn")):
    _register_sparse(_base, _norm, 2)
    _register_sparse(_base + "WithNumSegments", _norm, 3)
