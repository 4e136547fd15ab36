"""Segment reductions: SegmentSum/Mean/Max/Min/Prod (sorted 1-D ids), UnsortedSegmentSum/Max/
Min/Prod (ids of any rank, a num_segments input) and SparseSegmentSum/Mean/SqrtN[WithNumSegments]
(rows data[indices[i]] into sorted segment_ids[i]). Host ops running their NumPy reference kernels.

Output dim 0 is unknown for the sorted forms (max id + 1, known only at run time) and
num_segments (when static) for the unsorted ones; the rest is data.shape[ids.rank:]. Empty
segments give 0 (sorted sum/mean/max/min, unsorted sum, the sparse forms), 1 (both prods) and the
dtype's lowest/highest value (unsorted max/min), as TF does.
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
    return 1 if kind == "prod" else 0


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
    elif kind == "prod":
        np.multiply.at(out, flat_ids[keep], flat[keep])
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


for _kind, _name in (("sum", "SegmentSum"), ("mean", "SegmentMean"), ("max", "SegmentMax"), ("min", "SegmentMin"),
                     ("prod", "SegmentProd")):
    register_op(_name, infer=_sorted_infer(_name), kernel=_sorted_kernel(_kind), num_inputs=2, host=True,
                doc=f"segment {_kind} over sorted 1-D segment ids (tf.math.segment_{_kind}).")
for _kind, _name in (("sum", "UnsortedSegmentSum"), ("max", "UnsortedSegmentMax"), ("min", "UnsortedSegmentMin"),
                     ("prod", "UnsortedSegmentProd")):
    register_op(_name, infer=_unsorted_infer(_name), kernel=_unsorted_kernel(_kind), num_inputs=3, host=True,
                doc=f"segment {_kind} over unsorted ids into num_segments rows; negative ids dropped.")


# --- SparseSegmentSum/Mean/SqrtN[WithNumSegments] --------------------------------------------

_SPARSE_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def _sparse_infer(op: str, kind: str, with_num: bool) -> Callable[[Sequence[Value], dict], list[OutputSpec]]:
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        data, indices, ids = inputs[:3]
        allowed = _REAL if kind == "sum" else _SPARSE_FLOATS
        if data.dtype not in allowed:
            raise TypeError(f"{op} data must be one of {[d.name for d in allowed]}, got {data.dtype.name}")
        for v, what in ((indices, "indices"), (ids, "segment_ids")):
            if v.dtype not in _INDEX:
                raise TypeError(f"{op} {what} must be int32 or int64, got {v.dtype.name}")
            if v.shape.ndims not in (None, 1):
                raise ValueError(f"{op}: {what} must be rank 1, got shape {v.shape}")
        if data.shape.ndims == 0:
            raise ValueError(f"{op}: data must be at least rank 1, got shape {data.shape}")
        ni = indices.shape.as_list()[0] if indices.shape.ndims == 1 else None
        ns = ids.shape.as_list()[0] if ids.shape.ndims == 1 else None
        if ni is not None and ns is not None and ni != ns:
            raise ValueError(f"{op}: indices and segment_ids must have the same length, got {ni} and {ns}")
        first = None
        if with_num:
            num = inputs[3]
            if num.dtype not in _INDEX:
                raise TypeError(f"{op} num_segments must be int32 or int64, got {num.dtype.name}")
            known = static_value(num)
            first = None if known is None else int(known)
        if data.shape.ndims is None:
            return [spec(data.dtype, TensorShape(None))]
        return [spec(data.dtype, TensorShape([first] + data.shape.as_list()[1:]))]
    return infer


def _sparse_kernel(kind: str, with_num: bool) -> Callable[..., np.ndarray]:
    def kernel(ctx: Any, data: np.ndarray, indices: np.ndarray, ids: np.ndarray, *num: np.ndarray) -> np.ndarray:
        if indices.shape != ids.shape:
            raise ctx.error(errors.InvalidArgumentError, "segment_ids and indices should have same size.")
        n = int(num[0]) if with_num else (int(ids[-1]) + 1 if ids.size else 0)
        if ids.size > 1 and np.any(np.diff(ids) < 0):
            raise ctx.error(errors.InvalidArgumentError, "segment ids are not increasing")
        if ids.size and ids[0] < 0:
            raise ctx.error(errors.InvalidArgumentError, f"Segment id {ids[0]} out of range [0, {n}), possibly "
                            "because 'segment_ids' input is not sorted.")
        if with_num and ids.size and ids[-1] >= n:
            raise ctx.error(errors.InvalidArgumentError, "segment ids must be < num_segments")
        bad = np.nonzero((indices < 0) | (indices >= data.shape[0]))[0]
        if bad.size:
            i = int(bad[0])
            raise ctx.error(errors.InvalidArgumentError,
                            f"Bad: indices[{i}] == {indices[i]} out of range [0, {data.shape[0]})")
        acc = np.float32 if data.dtype == np.float16 else data.dtype  # float16 sums in float32
        out = _reduce("sum", data[indices].astype(acc), ids, n)
        if kind != "sum":
            counts = np.maximum(np.bincount(ids, minlength=n), 1).reshape((n,) + (1,) * (out.ndim - 1))
            out = out / (counts if kind == "mean" else np.sqrt(counts))
        return out.astype(data.dtype)
    return kernel


for _kind, _base in (("sum", "SparseSegmentSum"), ("mean", "SparseSegmentMean"), ("sqrt_n", "SparseSegmentSqrtN")):
    register_op(_base, infer=_sparse_infer(_base, _kind, False), kernel=_sparse_kernel(_kind, False), num_inputs=3,
                host=True, doc=f"segment {_kind} of the rows data[indices] over sorted 1-D segment ids.")
    _name = _base + "WithNumSegments"
    register_op(_name, infer=_sparse_infer(_name, _kind, True), kernel=_sparse_kernel(_kind, True), num_inputs=4,
                host=True, doc=f"{_base} into num_segments rows.")
