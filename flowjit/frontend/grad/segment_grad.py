"""Gradients of the segment reductions, as TF's math_grad.py: gather the output gradient back
to the rows (sum, mean divided by counts), max/min through equality masks split evenly among
ties; segment ids and num_segments get none."""

from __future__ import annotations

from typing import Any

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
