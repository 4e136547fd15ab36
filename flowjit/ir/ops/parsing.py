"""Example parsing ops: serialized `tensorflow.Example` protos -> dense tensors and sparse parts.

  ParseExample        (serialized [B] string)  attrs sparse_keys, sparse_types, dense_keys,
                      dense_types, dense_shapes, dense_defaults (np arrays or None = required)
                      outputs: sparse indices int64 [N, 2] * Ns, sparse values [N] * Ns,
                      sparse dense_shapes int64 [2] * Ns, dense values [B] + shape * Nd
  ParseSingleExample  (serialized scalar string), the same attrs; sparse indices [N, 1],
                      sparse shapes [1], dense values of the feature's shape

Host ops (protobuf decoding; never compiled), not stateful, not differentiable. Each record is
decoded once with the protobuf C implementation and its lists copied into NumPy arrays.
Errors are TF's InvalidArgumentError wording, naming the feature key.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..formats.example import Example
from ..graph import OutputSpec, Value
from ..registry import register_op
from ..shapes import TensorShape
from ._util import spec
from .string_util import text_array, to_bytes

PARSE_DTYPES = (dtypes.float32, dtypes.int64, dtypes.string)
_KIND = {dtypes.float32: "float_list", dtypes.int64: "int64_list", dtypes.string: "bytes_list"}
_KIND_NAME = {"float_list": "float", "int64_list": "int64", "bytes_list": "string"}


def _check_attrs(op: str, attrs: dict) -> None:
    for what in ("sparse_types", "dense_types"):
        for dt in attrs[what]:
            if dt not in PARSE_DTYPES:
                raise TypeError(f"{op}: {what} must be float32, int64 or string, got {dt.name}")
    if len(attrs["sparse_keys"]) != len(attrs["sparse_types"]):
        raise ValueError(f"{op}: len(sparse_keys) != len(sparse_types)")
    n = len(attrs["dense_keys"])
    if not (len(attrs["dense_types"]) == len(attrs["dense_shapes"]) == len(attrs["dense_defaults"]) == n):
        raise ValueError(f"{op}: dense_keys, dense_types, dense_shapes and dense_defaults differ in length")


def _infer(op: str, single: bool):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        (ser,) = inputs
        if ser.dtype != dtypes.string:
            raise TypeError(f"{op} serialized must be a string tensor, got {ser.dtype.name}")
        want = 0 if single else 1
        if ser.shape.rank is not None and ser.shape.rank != want:
            raise ValueError(f"{op} serialized must be {'a scalar' if single else 'a vector'}, got shape {ser.shape}")
        _check_attrs(op, attrs)
        rank = 1 if single else 2
        batch = [] if single else [ser.shape.dims[0] if ser.shape.rank == 1 else None]
        ns = len(attrs["sparse_keys"])
        out = [spec(dtypes.int64, [None, rank]) for _ in range(ns)]
        out += [spec(dt, [None]) for dt in attrs["sparse_types"]]
        out += [spec(dtypes.int64, [rank]) for _ in range(ns)]
        out += [spec(dt, batch + TensorShape(shape).as_list())
                for dt, shape in zip(attrs["dense_types"], attrs["dense_shapes"])]
        return out
    return infer


def _values(feature: Any, kind: str, dtype: dtypes.DType) -> np.ndarray:
    vals = getattr(feature, kind).value
    if dtype == dtypes.string:
        return text_array(vals)
    return np.array(vals, dtype=dtype.as_numpy_dtype)


def _decode(ctx: Any, record: Any) -> Any:
    data = to_bytes(record)
    try:
        return Example.FromString(data).features.feature
    except Exception:  # protobuf's DecodeError
        shown = bytes(data)[:64]
        raise ctx.error(errors.InvalidArgumentError, f"Could not parse example input, value: '{shown!r}'") from None


def _where(key: str, index: int, single: bool) -> str:
    """TF's prefix of a per-feature error: 'Name: <unknown>, Key: k, Index: i.  ' or 'Key: k.  '."""
    return f"Key: {key}.  " if single else f"Name: <unknown>, Key: {key}, Index: {index}.  "


def _dense(ctx: Any, fmap: Any, key: str, dtype: dtypes.DType, shape: list[int], default: Any, index: int,
           single: bool) -> np.ndarray:
    feature = fmap[key] if key in fmap else None
    kind = None if feature is None else feature.WhichOneof("kind")
    want = _KIND_NAME[_KIND[dtype]]
    if kind is None:
        if default is None:
            prefix = "" if single else "Name: <unknown>, "
            raise ctx.error(errors.InvalidArgumentError,
                            f"{prefix}Feature: {key} (data type: {want}) is required but could not be found.")
        if dtype == dtypes.string:
            return text_array(np.asarray(default, dtype=object).reshape(-1), shape)
        return np.asarray(default, dtype=dtype.as_numpy_dtype).reshape(shape)
    if kind != _KIND[dtype]:
        raise ctx.error(errors.InvalidArgumentError, f"{_where(key, index, single)}Data types don't match. "
                        f"Data type: {_KIND_NAME[kind]} but expected type: {want}")
    vals = _values(feature, kind, dtype)
    size = int(np.prod(shape, dtype=np.int64))
    if vals.size != size:
        if single:
            detail = f"Can't parse serialized Example: Some {kind} slice was not parsed."
        else:
            detail = (f"Number of {_KIND_NAME[kind]} values != expected.  Values size: {vals.size} but output "
                      f"shape: [{','.join(str(d) for d in shape)}]")
        raise ctx.error(errors.InvalidArgumentError, _where(key, index, single) + detail)
    return vals.reshape(shape)


def _sparse(ctx: Any, fmap: Any, key: str, dtype: dtypes.DType, index: int, single: bool) -> np.ndarray:
    feature = fmap[key] if key in fmap else None
    kind = None if feature is None else feature.WhichOneof("kind")
    if kind is None:
        return np.zeros(0, dtype=dtype.as_numpy_dtype)
    if kind != _KIND[dtype]:
        raise ctx.error(errors.InvalidArgumentError, f"{_where(key, index, single)}Data types don't match. "
                        f"Expected type: {_KIND_NAME[_KIND[dtype]]}, Actual type: {_KIND_NAME[kind]}")
    return _values(feature, kind, dtype)


def parse_records(ctx: Any, records: Sequence[Any], attrs: dict, single: bool) -> list[np.ndarray]:
    """The outputs of ParseExample (single=False) or ParseSingleExample over decoded records."""
    skeys, stypes = attrs["sparse_keys"], attrs["sparse_types"]
    dkeys, dtypes_, dshapes, ddefaults = (attrs["dense_keys"], attrs["dense_types"], attrs["dense_shapes"],
                                          attrs["dense_defaults"])
    shapes = [TensorShape(s).as_list() for s in dshapes]
    dense: list[list[np.ndarray]] = [[] for _ in dkeys]
    sparse: list[list[np.ndarray]] = [[] for _ in skeys]
    for n, rec in enumerate(records):
        fmap = _decode(ctx, rec)
        for i, key in enumerate(dkeys):
            dense[i].append(_dense(ctx, fmap, key, dtypes_[i], shapes[i], ddefaults[i], n, single))
        for i, key in enumerate(skeys):
            sparse[i].append(_sparse(ctx, fmap, key, stypes[i], n, single))
    ind_out, val_out, shp_out = [], [], []
    for i, parts in enumerate(sparse):
        np_dt = stypes[i].as_numpy_dtype
        lens = np.array([p.size for p in parts], dtype=np.int64)
        total = int(lens.sum())
        vals = np.concatenate(parts).astype(np_dt, copy=False) if parts else np.zeros(0, np_dt)
        if stypes[i] == dtypes.string:
            vals = np.asarray(vals, dtype=object).reshape(total)
        col = np.concatenate([np.arange(n, dtype=np.int64) for n in lens]) if total else np.zeros(0, np.int64)
        width = int(lens.max()) if lens.size else 0
        if single:
            ind_out.append(col.reshape(total, 1))
            shp_out.append(np.array([width], dtype=np.int64))
        else:
            row = np.repeat(np.arange(len(parts), dtype=np.int64), lens)
            ind_out.append(np.stack([row, col], axis=1).reshape(total, 2))
            shp_out.append(np.array([len(parts), width], dtype=np.int64))
        val_out.append(vals)
    dense_out = []
    for i, parts in enumerate(dense):
        np_dt = dtypes_[i].as_numpy_dtype
        if single:
            dense_out.append(parts[0])
        elif parts:
            dense_out.append(np.stack(parts).astype(np_dt, copy=False))
        else:
            dense_out.append(np.zeros([0] + shapes[i], dtype=np_dt))
    return ind_out + val_out + shp_out + dense_out


def _parse_example_kernel(ctx: Any, serialized: np.ndarray) -> list[np.ndarray]:
    return parse_records(ctx, list(np.asarray(serialized, dtype=object).reshape(-1)), ctx.attrs, single=False)


def _parse_single_kernel(ctx: Any, serialized: np.ndarray) -> list[np.ndarray]:
    ser = np.asarray(serialized, dtype=object)
    if ser.shape != ():
        raise ctx.error(errors.InvalidArgumentError, f"Expected serialized to be a scalar, got shape: {list(ser.shape)}")
    return parse_records(ctx, [ser.item()], ctx.attrs, single=True)


register_op("ParseExample", infer=_infer("ParseExample", False), kernel=_parse_example_kernel, num_inputs=1,
            host=True, doc="Parse a batch of serialized Example protos into dense tensors and sparse parts.")
register_op("ParseSingleExample", infer=_infer("ParseSingleExample", True), kernel=_parse_single_kernel,
            num_inputs=1, host=True, doc="Parse one serialized Example proto into dense tensors and sparse parts.")
