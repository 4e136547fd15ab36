"""`tf.SparseTensor` and `tf.SparseTensorValue`: a sparse value as three dense tensors.

A SparseTensor is a composite, not a graph element: `indices` (int64 [N, rank]), `values`
([N]) and `dense_shape` (int64 [rank]). The session expands it into those three tensors when
it is fetched (giving back a `SparseTensorValue`) or fed (from a SparseTensorValue or an
`(indices, values, shape)` tuple), through `_composite_fetch` / `_composite_feed`
(client/session.py's protocol for composite values).
"""

from __future__ import annotations

import collections
from typing import Any, Callable

from ...ir import dtypes
from ...ir.registry import partial_shape_value
from ...ir.shapes import TensorShape
from .graph import get_default_graph
from .tensor import Tensor, convert_to_tensor, register_tensor_conversion_function

__all__ = ["SparseTensor", "SparseTensorValue"]

SparseTensorValue = collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])
SparseTensorValue.__doc__ = "The value of a fetched SparseTensor (TF's namedtuple of three arrays)."


class SparseTensor:
    """`tf.SparseTensor(indices, values, dense_shape)`: non-default entries `values` at
    `indices` of a tensor of shape `dense_shape`."""

    @classmethod
    def from_value(cls, sparse_tensor_value: Any) -> "SparseTensor":
        """A SparseTensor of constants from a SparseTensorValue (a SparseTensor passes through)."""
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        if not is_sparse_value(sparse_tensor_value):
            raise TypeError(f"Neither a SparseTensor nor SparseTensorValue: {sparse_tensor_value}.")
        return cls(indices=sparse_tensor_value.indices, values=sparse_tensor_value.values,
                   dense_shape=sparse_tensor_value.dense_shape)

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        with get_default_graph().name_scope("SparseTensor"):
            indices_t = convert_to_tensor(indices, name="indices", dtype=dtypes.int64)
            values_t = convert_to_tensor(values, name="values")
            shape_t = convert_to_tensor(dense_shape, name="dense_shape", dtype=dtypes.int64)
        _check_rank(indices_t.shape, 2)
        _check_rank(values_t.shape, 1)
        _check_rank(shape_t.shape, 1)
        # indices [N, rank], values [N], dense_shape [rank]: the static dims must agree
        _merge_dim(indices_t.shape, 0, values_t.shape, 0)
        _merge_dim(indices_t.shape, 1, shape_t.shape, 0)
        self._indices = indices_t
        self._values = values_t
        self._dense_shape = shape_t
        self._dense_shape_default: TensorShape | None = None  # sparse_placeholder's static shape

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        return self._dense_shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._values.dtype

    @property
    def op(self) -> Any:
        return self._values.op

    @property
    def graph(self) -> Any:
        return self._indices.graph

    @property
    def shape(self) -> TensorShape:
        return self.get_shape()

    def get_shape(self) -> TensorShape:
        """The dense shape as far as it is known while building (-1 or unknown entries: None)."""
        if self._dense_shape_default is not None:
            return self._dense_shape_default
        known = partial_shape_value(self._dense_shape.value)
        if known is None:
            rank = self._dense_shape.shape.dims[0] if self._dense_shape.shape.rank == 1 else None
            return TensorShape(None) if rank is None else TensorShape([None] * rank)
        return TensorShape([None if d is None or d < 0 else d for d in known])

    def consumers(self) -> list[Any]:
        seen: list[Any] = []
        for t in (self._indices, self._values, self._dense_shape):
            for op in t.consumers():
                if op not in seen:
                    seen.append(op)
        return seen

    def eval(self, feed_dict: Any = None, session: Any = None) -> SparseTensorValue:
        from ..client.session import _session_for

        return _session_for(session, self.graph).run(self, feed_dict)

    # --- how Session.run takes it apart (client/session.py's composite protocol) ---------
    def _composite_fetch(self) -> tuple[list[Tensor], Callable[[list[Any]], SparseTensorValue]]:
        return [self._indices, self._values, self._dense_shape], lambda vals: SparseTensorValue(*vals)

    def _composite_feed(self, fed: Any) -> list[tuple[Tensor, Any]]:
        """TF zips (indices, values, dense_shape) with the fed SparseTensorValue or tuple."""
        if not isinstance(fed, (tuple, list)) or not 2 <= len(fed) <= 3:
            raise TypeError(f"A SparseTensor is fed a SparseTensorValue or an (indices, values, dense_shape) tuple, "
                            f"got {type(fed).__name__} for {self}")
        return list(zip([self._indices, self._values, self._dense_shape], fed))

    def __repr__(self) -> str:
        return f"SparseTensor(indices={self._indices}, values={self._values}, dense_shape={self._dense_shape})"

    __str__ = __repr__

    def with_values(self, new_values: Any) -> "SparseTensor":
        """The same indices and dense shape holding `new_values` (one per entry)."""
        out = SparseTensor(self._indices, new_values, self._dense_shape)
        out._dense_shape_default = self._dense_shape_default
        return out


def is_sparse_value(x: Any) -> bool:
    return isinstance(x, SparseTensorValue)


def is_sparse(x: Any) -> bool:
    """A SparseTensor or a SparseTensorValue (TF's sparse_tensor.is_sparse)."""
    return isinstance(x, (SparseTensor, SparseTensorValue))


def convert_to_tensor_or_sparse_tensor(value: Any, dtype: Any = None, name: str | None = None) -> Any:
    """SparseTensors (and SparseTensorValues, as constants) stay sparse; the rest becomes a Tensor."""
    if isinstance(value, SparseTensorValue):
        value = SparseTensor.from_value(value)
    if isinstance(value, SparseTensor):
        if dtype is not None and dtypes.as_dtype(dtype) != value.dtype:
            raise ValueError(f"Sparse dtype: requested = {dtypes.as_dtype(dtype).name}, actual = {value.dtype.name}")
        return value
    return convert_to_tensor(value, dtype=dtype, name=name)


def _check_rank(shape: TensorShape, rank: int) -> None:
    if shape.rank is not None and shape.rank != rank:
        raise ValueError(f"Shape {_tf_shape(shape)} must have rank {rank}")


def _merge_dim(a: TensorShape, i: int, b: TensorShape, j: int) -> None:
    if a.rank is None or b.rank is None:
        return
    x, y = a.dims[i], b.dims[j]
    if x is not None and y is not None and x != y:
        raise ValueError(f"Dimensions {x} and {y} are not compatible")


def _tf_shape(shape: TensorShape) -> str:
    dims = shape.as_list()
    return "(" + ", ".join("None" if d is None else str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _refuse_conversion(value: SparseTensor, dtype: Any = None, name: str | None = None, as_ref: bool = False) -> Any:
    """A SparseTensor is not a Tensor: TF's convert_to_tensor refuses it with these words."""
    raise TypeError(f"Failed to convert elements of {value} to Tensor. Consider casting elements to a supported "
                    "type. See https://www.tensorflow.org/api_docs/python/tf/dtypes for supported TF dtypes.")


register_tensor_conversion_function(SparseTensor, _refuse_conversion)
