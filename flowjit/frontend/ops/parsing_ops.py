"""`tf.parse_example`, `tf.parse_single_example`, `tf.FixedLenFeature`, `tf.VarLenFeature` (TF1's parsing_ops).

The wrappers turn a feature spec into the ParseExample / ParseSingleExample op's attrs
(flowjit/ir/ops/parsing.py) and rebuild the dict TF returns: a Tensor per FixedLenFeature and a
SparseTensor per VarLenFeature.
"""

from __future__ import annotations

import collections
from typing import Any, Mapping

import numpy as np

from ...ir import dtypes
from ...ir.ops.parsing import PARSE_DTYPES
from ...ir.shapes import TensorShape
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["FixedLenFeature", "VarLenFeature", "parse_example", "parse_single_example"]


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature of a fixed shape, parsed into a dense Tensor (default_value when missing)."""

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None) -> "FixedLenFeature":
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature of any length, parsed into a SparseTensor."""


def _spec_attrs(features: Mapping[str, Any]) -> dict[str, Any]:
    if not features:
        raise ValueError("Missing: features was empty.")
    if not isinstance(features, Mapping):
        raise TypeError(f"features must be a dict of feature specs, got {type(features).__name__}")
    skeys, stypes, dkeys, dtypes_, dshapes, ddefaults = [], [], [], [], [], []
    for key in sorted(features):
        feat = features[key]
        if not isinstance(key, str):
            raise TypeError(f"feature keys must be strings, got {key!r}")
        if isinstance(feat, VarLenFeature):
            dt = dtypes.as_dtype(feat.dtype)
            _check_dtype(key, dt)
            skeys.append(key)
            stypes.append(dt)
        elif isinstance(feat, FixedLenFeature):
            dt = dtypes.as_dtype(feat.dtype)
            _check_dtype(key, dt)
            shape = TensorShape(feat.shape)
            if not shape.is_fully_defined():
                raise ValueError(f"All dimensions of shape for feature {key} need to be known but received "
                                 f"{shape}.")
            dkeys.append(key)
            dtypes_.append(dt)
            dshapes.append(shape)
            ddefaults.append(_default(key, feat.default_value, dt, shape))
        else:
            raise ValueError(f"Invalid feature {key}:{feat}.")
    return {"sparse_keys": skeys, "sparse_types": stypes, "dense_keys": dkeys, "dense_types": dtypes_,
            "dense_shapes": dshapes, "dense_defaults": ddefaults}


def _check_dtype(key: str, dt: dtypes.DType) -> None:
    if dt not in PARSE_DTYPES:
        raise ValueError(f"Unsupported dtype {dt.name} for feature {key}: expected float32, int64 or string")


def _default(key: str, value: Any, dt: dtypes.DType, shape: TensorShape) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, Tensor):
        raise TypeError(f"default_value of feature {key} must be a Python or NumPy value, not a Tensor")
    if dt == dtypes.string:
        arr = np.asarray(value, dtype=object)
        arr = np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else bytes(s), otypes=[object])(arr) \
            if arr.size else arr
    else:
        arr = np.asarray(value, dtype=dt.as_numpy_dtype)
    want = int(np.prod(shape.as_list(), dtype=np.int64))
    if arr.size != want:
        raise ValueError(f"Cannot reshape a tensor with {arr.size} elements to shape {shape.as_list()} "
                         f"({want} elements) for the default_value of feature {key}")
    return arr.reshape(shape.as_list())


def _parse(op_type: str, serialized: Any, features: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    attrs = _spec_attrs(features)
    graph = get_default_graph()
    with graph.name_scope(name or op_type) as scope:
        ser = convert_to_tensor(serialized, dtype=dtypes.string, name="serialized")
        outs = graph.create_op(op_type, [ser], attrs, name=scope).outputs
    ns = len(attrs["sparse_keys"])
    result: dict[str, Any] = {}
    for i, key in enumerate(attrs["sparse_keys"]):
        result[key] = SparseTensor(outs[i], outs[ns + i], outs[2 * ns + i])
    for j, key in enumerate(attrs["dense_keys"]):
        result[key] = outs[3 * ns + j]
    return result


def parse_example(serialized: Any, features: Mapping[str, Any], name: str | None = None,
                  example_names: Any = None) -> dict[str, Any]:
    """Parse a vector of serialized Example protos: {key: Tensor [B, ...] or SparseTensor [B, max_len]}."""
    return _parse("ParseExample", serialized, features, name)


def parse_single_example(serialized: Any, features: Mapping[str, Any], name: str | None = None,
                         example_names: Any = None) -> dict[str, Any]:
    """Parse one serialized Example proto: {key: Tensor of the feature's shape or SparseTensor [len]}."""
    return _parse("ParseSingleExample", serialized, features, name)
