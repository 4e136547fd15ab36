"""TF1 segment reductions: `tf.math.segment_*`, `tf.math.unsorted_segment_*` (sum, max, min, prod
as ops; mean and sqrt_n composed from UnsortedSegmentSum as TF's math_ops.py does) and
`tf.sparse.segment_*` / `tf.sparse_segment_*` (sum, mean, sqrt_n over rows data[indices])."""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from . import array_ops, math_ops
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod",
           "unsorted_segment_mean", "unsorted_segment_sqrt_n",
           "sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"]


def _op(op_type: str, inputs: list[Any], name: str | None) -> Tensor:
    return get_default_graph().create_op(op_type, inputs, {}, name=name or op_type).outputs[0]


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Sum of `data` rows per (sorted, 1-D) segment id."""
    return _op("SegmentSum", [data, segment_ids], name)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Mean of `data` rows per sorted segment id."""
    return _op("SegmentMean", [data, segment_ids], name)


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Max of `data` rows per sorted segment id."""
    return _op("SegmentMax", [data, segment_ids], name)


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Min of `data` rows per sorted segment id."""
    return _op("SegmentMin", [data, segment_ids], name)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """Product of `data` rows per sorted segment id (an empty segment is 1)."""
    return _op("SegmentProd", [data, segment_ids], name)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Product into `num_segments` rows; empty rows are 1, negative ids are dropped."""
    return _op("UnsortedSegmentProd", [data, segment_ids, num_segments], name)


def _sparse(op_type: str, data: Any, indices: Any, segment_ids: Any, num_segments: Any, name: str | None) -> Tensor:
    if num_segments is None:
        return _op(op_type, [data, indices, segment_ids], name)
    return _op(op_type + "WithNumSegments", [data, indices, segment_ids, num_segments], name)


def sparse_segment_sum(data: Any, indices: Any, segment_ids: Any, name: str | None = None,
                       num_segments: Any = None) -> Tensor:
    """out[segment_ids[i]] += data[indices[i]] over sorted segment ids (`num_segments` rows if given)."""
    return _sparse("SparseSegmentSum", data, indices, segment_ids, num_segments, name)


def sparse_segment_mean(data: Any, indices: Any, segment_ids: Any, name: str | None = None,
                        num_segments: Any = None) -> Tensor:
    """The mean of the rows data[indices[i]] per sorted segment id; empty segments are 0."""
    return _sparse("SparseSegmentMean", data, indices, segment_ids, num_segments, name)


def sparse_segment_sqrt_n(data: Any, indices: Any, segment_ids: Any, name: str | None = None,
                          num_segments: Any = None) -> Tensor:
    """The sum of the rows data[indices[i]] per segment divided by sqrt(the segment's size)."""
    return _sparse("SparseSegmentSqrtN", data, indices, segment_ids, num_segments, name)


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Sum into `num_segments` rows; ids of any order (negative ids are dropped)."""
    return _op("UnsortedSegmentSum", [data, segment_ids, num_segments], name)


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Max into `num_segments` rows; empty rows hold the dtype's lowest value."""
    return _op("UnsortedSegmentMax", [data, segment_ids, num_segments], name)


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Min into `num_segments` rows; empty rows hold the dtype's highest value."""
    return _op("UnsortedSegmentMin", [data, segment_ids, num_segments], name)


def _counts(data: Tensor, ids: Tensor, num_segments: Any) -> Tensor:
    """Per-segment element counts (at least 1), shaped to broadcast against the sums (TF's
    _unsorted_segment_N)."""
    ones = array_ops.ones_like(ids, dtype=data.dtype)
    n = unsorted_segment_sum(ones, ids, num_segments)
    rank_tail = data.get_shape().ndims - ids.get_shape().ndims
    n = array_ops.reshape(n, array_ops.concat([array_ops.shape(n), [1] * rank_tail], 0))
    return math_ops.maximum(n, convert_to_tensor(1, dtype=data.dtype))


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Mean into `num_segments` rows (sum / count, count at least 1)."""
    with name_scope(name, "UnsortedSegmentMean"):
        data, ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        return unsorted_segment_sum(data, ids, num_segments) / _counts(data, ids, num_segments)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None) -> Tensor:
    """Sum / sqrt(count) into `num_segments` rows."""
    with name_scope(name, "UnsortedSegmentSqrtN"):
        data, ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
        if not data.dtype.is_floating:
            raise TypeError(f"unsorted_segment_sqrt_n needs a floating data dtype, got {data.dtype.name}")
        return unsorted_segment_sum(data, ids, num_segments) / math_ops.sqrt(_counts(data, ids, num_segments))
