"""`tf.sort` and `tf.argsort`, built exactly as TF's sort_ops.py: TopKV2 over the last axis
(after swapping `axis` to the end), ascending order by negating (integers as -x-1 and unsigned
as max-x, so no value overflows). They compile and differentiate through those ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir.registry import static_value
from . import array_ops, math_ops
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, constant, convert_to_tensor

__all__ = ["sort", "argsort"]

_DIRECTIONS = ("ASCENDING", "DESCENDING")


def _descending(values: Tensor, axis: int, return_argsort: bool) -> Tensor:
    k = array_ops.shape(values)[axis]
    static_rank = values.get_shape().ndims
    if axis == -1 or (static_rank is not None and axis + 1 == static_rank):
        top_k_input, transposition = values, None
    else:
        if static_rank is not None:
            if axis < 0:
                axis += static_rank
            transposition = constant(np.r_[np.arange(axis), [static_rank - 1],
                                           np.arange(axis + 1, static_rank - 1), [axis]].astype(np.int32),
                                     name="transposition")
        else:  # swap `axis` and rank-1 in range(rank), computed at run time
            rank = array_ops.rank(values)
            ax = axis + rank if axis < 0 else constant(axis)
            r = math_ops.range(rank)
            last = rank - 1
            transposition = math_ops.where(math_ops.equal(r, ax), array_ops.fill(array_ops.shape(r), last),
                                           math_ops.where(math_ops.equal(r, last),
                                                          array_ops.fill(array_ops.shape(r), ax), r))
        top_k_input = array_ops.transpose(values, transposition)
    vals, indices = array_ops.top_k(top_k_input, k)
    out = indices if return_argsort else vals
    if transposition is not None:  # a single swap is its own inverse
        out = array_ops.transpose(out, transposition)
    return out


def _ascending(values: Tensor, axis: int, return_argsort: bool) -> Tensor:
    dtype = values.dtype
    if dtype.is_unsigned:
        offset = constant(dtype.max, dtype=dtype)
        out = _descending(offset - values, axis, return_argsort)
        return out if return_argsort else offset - out
    if dtype.is_integer:
        out = _descending(-values - 1, axis, return_argsort)
        return out if return_argsort else -out - 1
    out = _descending(-values, axis, return_argsort)
    return out if return_argsort else -out


def _sort_or_argsort(values: Any, axis: Any, direction: str, return_argsort: bool) -> Tensor:
    if direction not in _DIRECTIONS:
        raise ValueError(f"Argument `direction` should be one of {', '.join(_DIRECTIONS)}. "
                         f"Received: direction={direction}")
    axis_t = convert_to_tensor(axis, name="axis")
    axis_static = static_value(axis_t.value)
    if axis_t.get_shape().ndims not in (None, 0) or axis_static is None:
        raise ValueError(f"Argument `axis` must be a constant scalar. Received: axis={axis}.")
    values = convert_to_tensor(values, name="values")
    impl = _ascending if direction == "ASCENDING" else _descending
    return impl(values, int(axis_static), return_argsort)


def sort(values: Any, axis: Any = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """`tf.sort`: `values` sorted along `axis` (a constant); ties keep their original order."""
    with name_scope(name, "sort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values: Any, axis: Any = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """`tf.argsort`: int32 indices that sort `values` along `axis`. TopKV2 is stable on ties
    (lower index first), so `stable` is accepted and unused, as in TF."""
    del stable
    with name_scope(name, "argsort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=True)
