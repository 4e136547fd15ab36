"""Segment reductions: SegmentSum/Mean/Max/Min (sorted 1-D ids) and UnsortedSegmentSum/Max/Min
(ids of any rank, a num_segments input). Host ops running their NumPy reference kernels.

Output dim 0 is unknown for the sorted forms (max id + 1, known only at run time) and
num_segments (when static) for the unsorted ones; the rest is data.shape[ids.rank:]. Empty
segments give 0 (all sorted forms, unsorted sum/mean) and the dtype's lowest/highest value
(unsorted max/min), as TF does.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op, static_value
from ..shapes import TensorShape
from ._util import spec

_INDEX = (dtypes.int32, dtypes.int64)
_REAL = dtypes.NUMERIC_DTYPES


def _check(op: str, data: Value, ids: Value) -> None:
    if data.dtype not in _REAL:
        raise TypeError(f"{op} data must be one of {[d.name for d in _REAL]}, got {data.dtype.name}")
    if ids.dtype not in _INDEX:
        raise TypeError(f"{op} segment_ids must be int32 or int64, got {ids.dtype.name}")


def _tail(data: Value, ids: Value) -> list[int | None] | None:
    if data.shape.ndims is None or ids.shape.ndims is None:
        return None
    return list(data.shape.as_list()[ids.shape.ndims:])


def _sorted_infer(op: str) -> Callable[[Sequence[Value], dict], list[OutputSpec]]:
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        data, ids = inputs
        _check(op, data, ids)
        if ids.shape.ndims not in (None, 1):
            raise ValueError(f"{op}: segment_ids should be a vector, got shape {ids.shape}")
        tail = _tail(data, ids)
        return [spec(data.dtype, TensorShape(None) if tail is None else TensorShape([None] + tail))]
    return infer


def _unsorted_infer(op: str) -> Callable[[Sequence[Value], dict], list[OutputSpec]]:
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        data, ids, num = inputs
        _check(op, data, ids)
        if num.dtype not in _INDEX:
            raise TypeError(f"{op} num_segments must be int32 or int64, got {num.dtype.name}")
        known = static_value(num)
        tail = _tail(data, ids)
        first = None if known is None else int(known)
        return [spec(data.dtype, TensorShape(None) if tail is None else TensorShape([first] + tail))]
    return infer


def _identity(kind: str, dtype: np.dtype) -> Any:
    if kind == "max":
        return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min
    if kind == "min":
        return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max
    return 0


def _reduce(kind: str, data: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
    flat_ids = ids.reshape(-1)
    flat = data.reshape((flat_ids.size,) + data.shape[ids.ndim:])
    out = np.full((n,) + flat.shape[1:], _identity(kind, data.dtype), dtype=data.dtype)
    keep = flat_ids >= 0  # unsorted forms drop negative ids, as TF does
    if kind in ("sum", "mean"):
        np.add.at(out, flat_ids[keep], flat[keep])
        if kind == "mean":
            counts = np.bincount(flat_ids[keep], minlength=n).reshape((n,) + (1,) * (out.ndim - 1))
            out = (out / np.maximum(counts, 1)).astype(data.dtype)
    elif kind == "max":
        np.maximum.at(out, flat_ids[keep], flat[keep])
    else:
        np.minimum.at(out, flat_ids[keep], flat[keep])
    return out


def _sorted_kernel(kind: str) -> Callable[..., np.ndarray]:
    def kernel(ctx: Any, data: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if data.ndim < 1 or ids.shape[0] != data.shape[0]:
            raise ctx.error(errors.InvalidArgumentError,
                            f"segment_ids should be the same size as dimension 0 of input, got "
                            f"{list(ids.shape)} and {list(data.shape)}")
        if ids.size and ids[0] < 0:
            raise ctx.error(errors.InvalidArgumentError, f"segment ids must be >= 0, got {ids[0]}")
        if ids.size > 1 and np.any(np.diff(ids) < 0):
            bad = int(np.argmax(np.diff(ids) < 0)) + 1
            raise ctx.error(errors.InvalidArgumentError,
                            f"segment ids are not increasing: segment_ids[{bad}] = {ids[bad]} "
                            f"< segment_ids[{bad - 1}] = {ids[bad - 1]}")
        n = int(ids[-1]) + 1 if ids.size else 0
        out = _reduce(kind, data, ids, n)
        if kind in ("max", "min"):  # TF: an empty segment of the sorted forms is 0
            empty = np.bincount(ids, minlength=n) == 0
            out[empty] = 0
        return out
    return kernel


def _unsorted_kernel(kind: str) -> Callable[..., np.ndarray]:
    def kernel(ctx: Any, data: np.ndarray, ids: np.ndarray, num: np.ndarray) -> np.ndarray:
        if data.shape[:ids.ndim] != ids.shape:
            raise ctx.error(errors.InvalidArgumentError,
                            f"data.shape = {list(data.shape)} does not start with segment_ids.shape = "
                            f"{list(ids.shape)}")
        n = int(num)
        flat = ids.reshape(-1)
        high = np.nonzero(flat >= n)[0]
        if high.size:
            i = int(high[0])
            raise ctx.error(errors.InvalidArgumentError,
                            f"segment_ids[{i}] = {flat[i]} is out of range [0, {n})")
        return _reduce(kind, data, ids, n)
    return kernel


for _kind, _name in (("sum", "SegmentSum"), ("mean", "SegmentMean"), ("max", "SegmentMax"), ("min", "SegmentMin")):
    register_op(_name, infer=_sorted_infer(_name), kernel=_sorted_kernel(_kind), num_inputs=2, host=True,
                doc=f"segment {_kind} over sorted 1-D segment ids (tf.math.segment_{_kind}).")
for _kind, _name in (("sum", "UnsortedSegmentSum"), ("max", "UnsortedSegmentMax"), ("min", "UnsortedSegmentMin")):
    register_op(_name, infer=_unsorted_infer(_name), kernel=_unsorted_kernel(_kind), num_inputs=3, host=True,
                doc=f"segment {_kind} over unsorted ids into num_segments rows; negative ids dropped.")
