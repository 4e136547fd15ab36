"""TF1 API: `tf.TensorArray`, built functionally on one stacked buffer tensor.

TF1's TensorArray is a resource handle plus a scalar `flow` that orders its ops. Here (as in
TF2's TensorList-in-graph) the `flow` IS the data: a tensor of shape `[size, *element_shape]`
holding every element. Each operation returns a new TensorArray around a new buffer:

  * `write(i, v)`   -> `TensorScatterUpdate(flow, [[i]], [v])`
  * `read(i)`       -> `GatherV2(flow, i)`,  `gather(ix)` -> `GatherV2(flow, ix)`
  * `stack()`       -> the buffer itself;  `unstack(x)` -> `x` is the buffer
  * `scatter(ix, x)`-> `TensorScatterUpdate(flow, ix[:, None], x)`
  * `concat()` / `split()` -> reshapes (elements must all have the same shape, see below)

These are ordinary ops with gradients and native lowerings, so a TensorArray written in a
`tf.while_loop` compiles to a native loop on the cpu backend and is differentiable. In a
while_loop a TensorArray travels as its buffer (frontend/ops/control_flow.py treats any object
with `_flowjit_loop_value` as a structure leaf, as TF1 converts TensorArrays to their flow).

Known differences from TF1 (by design of the buffer representation):
  * The buffer needs the element shape when it is first made: from `element_shape` (then it is
    made at construction), else from the first `write`/`unstack`/`scatter`/`split` (dynamic
    dimensions are read at run time). A TensorArray without a buffer may enter a while_loop
    (the usual TF1 `ta = tf.TensorArray(tf.float32, size=n)`): the body's first write decides
    the element shape, which must then be fully defined (else a ValueError asking for
    `element_shape`); the loop starts from a zero buffer of that shape.
  * All elements have one shape, so `concat` needs equal-length elements and `split` equal
    lengths (ValueError when the lengths are static and differ).
  * Reading an index that was never written returns zeros (TF raises "Could not read from
    TensorArray index ... because it has not yet been written to"); reading at or past `size`
    is an InvalidArgumentError from the gather. `clear_after_read` is accepted and has no
    effect (reading twice is allowed). Writing a value of another dtype is a TypeError (TF1
    logs an error and goes on with undefined behaviour).
  * `dynamic_size=True`: a write or scatter past the end grows the buffer (a Pad); in a
    while_loop its first dimension is a shape-changing loop variable, so such a loop runs
    host-driven.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import as_dtype
from ...ir.registry import static_value
from ...ir.shapes import TensorShape, as_shape
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, constant, convert_to_tensor
from . import array_ops, control_flow, math_ops

__all__ = ["TensorArray"]


def _static_int(t: Any) -> int | None:
    """The value of a scalar int (Python or constant tensor), else None."""
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        return int(t)
    if isinstance(t, Tensor):
        v = static_value(t.value)
        if v is not None and np.ndim(v) == 0:
            return int(v)
    return None


class TensorArray:
    """`tf.TensorArray`: a list of same-dtype tensors for loops; see the module docstring."""

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: bool | None = None,
                 clear_after_read: bool | None = None, tensor_array_name: str | None = None, handle: Any = None,
                 flow: Any = None, infer_shape: bool = True, element_shape: Any = None,
                 colocate_with_first_write_call: bool = True, name: str | None = None) -> None:
        if handle is not None and tensor_array_name:
            raise ValueError("Cannot construct with both handle and tensor_array_name")
        if handle is not None and not isinstance(handle, Tensor):
            raise TypeError("Handle must be a Tensor")
        if handle is None and size is None and flow is None:
            raise ValueError("Argument `size` must be provided if handle is not provided.")
        if handle is not None and size is not None:
            raise ValueError("Cannot provide both a handle and size at the same time")
        if handle is not None and element_shape is not None:
            raise ValueError("Cannot provide both a handle and element_shape at the same time")
        if handle is not None and dynamic_size is not None:
            raise ValueError("Cannot provide both a handle and dynamic_size at the same time")
        if handle is not None and clear_after_read is not None:
            raise ValueError("Cannot provide both a handle and clear_after_read at the same time")
        self._dtype = as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = bool(infer_shape)
        self._colocate = colocate_with_first_write_call
        # one element shape shared by every TensorArray derived from this one, as in TF1
        self._element_shape = [as_shape(element_shape) if element_shape is not None else TensorShape(None)]
        graph = get_default_graph()
        with graph.name_scope(name or "TensorArray") as scope:
            self._name = scope[:-1]
            if flow is None and handle is not None:
                flow = handle
            if flow is not None:
                flow = convert_to_tensor(flow)
                self._check_buffer(flow)
                self._flow: Tensor | None = flow
                self._size: Tensor | None = None
            else:
                self._size = array_ops._index_tensor(size, "size", dtype=dtypes.int32)
                self._flow = None
                if self._element_shape[0].is_fully_defined():
                    self._flow = self._zeros(self._size, self._element_shape[0].as_list())

    # --- internals --------------------------------------------------------------------
    def _derive(self, flow: Tensor) -> "TensorArray":
        """A TensorArray like this one (sharing its element shape) around a new buffer."""
        ta = object.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        ta._size = None
        return ta

    def _check_buffer(self, flow: Tensor) -> None:
        if flow.dtype != self._dtype:
            raise TypeError(f"TensorArray of dtype {self._dtype.name} given a flow of dtype {flow.dtype.name} "
                            f"({flow.name})")
        if flow.shape.rank == 0:
            raise ValueError(f"A TensorArray's flow is its stacked buffer of rank >= 1, got the scalar {flow.name}")
        if flow.shape.rank is not None:
            self._merge_element_shape(flow.shape[1:])

    def _zeros(self, size: Any, element_dims: Any) -> Tensor:
        """A zero buffer `[size, *element_dims]` (element_dims: ints or a shape tensor)."""
        if isinstance(element_dims, Tensor):
            shape = array_ops.concat([array_ops.reshape(size, [1]), element_dims], 0)
        else:
            shape = array_ops.stack([size] + [int(d) for d in element_dims]) if _static_int(size) is None \
                else [_static_int(size)] + [int(d) for d in element_dims]
        return array_ops.zeros(shape, dtype=self._dtype, name="buffer")

    def _merge_element_shape(self, shape: TensorShape) -> None:
        if not self._infer_shape:
            return
        known = self._element_shape[0]
        if not known.is_compatible_with(shape):
            raise ValueError(f"Inconsistent shapes: saw {shape} but expected {known} ")
        self._element_shape[0] = known.merge_with(shape)

    def _value(self, value: Any, what: str = "value") -> Tensor:
        v = convert_to_tensor(value, dtype_hint=self._dtype, name=what)
        if v.dtype != self._dtype:
            raise TypeError(f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                            f"{v.dtype.name} ({v.name})")
        return v

    def _buffer_for(self, element: Tensor, leading: int = 0) -> Tensor:
        """The buffer, made from the shape of `element` (dims after `leading`) when still missing;
        inside a loop that the TensorArray entered without one, the loop's new parameter."""
        if self._flow is not None:
            return self._flow
        late = self.__dict__.get("_late_arg")
        if late is not None:
            return late(self._dtype, self._flowjit_pending_shape(element.shape[leading:]))
        dims = element.shape[leading:]
        if dims.is_fully_defined():
            return self._zeros(self._size, dims.as_list())
        return self._zeros(self._size, array_ops.shape(element)[leading:])

    def _grown(self, flow: Tensor, needed: Tensor) -> Tensor:
        """`flow` padded with zero rows up to `needed` rows (dynamic_size)."""
        n = array_ops.shape(flow, out_type=needed.dtype)[0]
        extra = math_ops.maximum(needed - n, 0)
        rank = flow.shape.rank
        if rank is None:
            raise ValueError("A dynamic_size TensorArray needs a buffer of known rank to grow")
        zero_rows = array_ops.zeros([rank - 1, 2], dtype=needed.dtype)
        paddings = array_ops.concat([array_ops.reshape(array_ops.stack([0, extra]), [1, 2]), zero_rows], 0)
        grown = array_ops.pad(flow, paddings)
        grown.set_shape(TensorShape([None]).concatenate(flow.shape[1:]))
        return grown

    def _shaped(self, t: Tensor, leading: TensorShape) -> Tensor:
        if self._element_shape[0].rank is not None:
            t.set_shape(leading.concatenate(self._element_shape[0]))
        return t

    # --- while_loop protocol (see frontend/ops/control_flow.py) ------------------------
    def _flowjit_loop_value(self) -> Tensor:
        """The tensor that stands for this TensorArray as a loop variable: its buffer."""
        if self._flow is None:
            raise ValueError(f"TensorArray {self._name} enters a while_loop before its element shape is known: "
                             "flowjit keeps a TensorArray as one buffer, so give element_shape= (fully defined) or "
                             "write/unstack it before the loop")
        return self._flow

    def _flowjit_loop_invariant(self) -> TensorShape:
        """The loop variable's shape invariant: a dynamic_size buffer may grow along dim 0."""
        shape = self._flow.shape
        if self._dynamic_size and shape.rank is not None:
            return TensorShape([None]).concatenate(shape[1:])
        return shape

    def _flowjit_from_loop_value(self, flow: Tensor) -> "TensorArray":
        return self._derive(flow)

    def _flowjit_loop_pending(self) -> bool:
        """No buffer yet: while_loop lets the body's first write make it (see `_buffer_for`)."""
        return self._flow is None

    def _flowjit_pending_in_loop(self, make_arg: Any) -> "TensorArray":
        """This TensorArray inside a loop body: its first write calls `make_arg(dtype, shape)`."""
        ta = self._derive(None)  # type: ignore[arg-type]
        ta._size = self._size
        ta._late_arg = make_arg
        return ta

    def _flowjit_pending_shape(self, element_shape: TensorShape) -> TensorShape:
        """The buffer's shape as a loop variable, for elements of `element_shape`."""
        n = None if self._dynamic_size else _static_int(self._size)
        return TensorShape([n]).concatenate(element_shape)

    def _flowjit_initial_value(self, shape: TensorShape) -> Tensor:
        """The zero buffer the loop starts from (the element shape must be static by now)."""
        elem = shape[1:]
        if not elem.is_fully_defined():
            raise ValueError(f"TensorArray {self._name} is first written inside a while_loop with elements of shape "
                             f"{elem}: flowjit needs a fully defined element shape there; give element_shape= or "
                             "write it before the loop")
        return self._zeros(self._size, elem.as_list())

    # --- properties -------------------------------------------------------------------
    @property
    def flow(self) -> Tensor:
        """The stacked buffer `[size, *element_shape]` (TF1's flow is a scalar ordering token)."""
        return self._flowjit_loop_value()

    @property
    def handle(self) -> Tensor:
        """The buffer as well: there is no separate resource."""
        return self._flowjit_loop_value()

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape[0]

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    # --- operations -------------------------------------------------------------------
    def size(self, name: str | None = None) -> Tensor:
        """The number of elements (int32 scalar)."""
        with get_default_graph().name_scope(name or "TensorArraySize"):
            if self._flow is None:
                return array_ops.identity(self._size)
            n = self._flow.shape.dims[0] if self._flow.shape.rank is not None else None
            if n is not None and not self._dynamic_size:
                return constant(int(n), dtype=dtypes.int32)
            return array_ops.shape(self._flow)[0]

    def read(self, index: Any, name: str | None = None) -> Tensor:
        """Element `index` (a gather; an index past the size is an InvalidArgumentError)."""
        with get_default_graph().name_scope(name or "TensorArrayReadV3") as scope:
            flow = self._flowjit_loop_value()
            i = array_ops._index_tensor(index, "index", dtype=dtypes.int32)
            return self._shaped(array_ops.gather(flow, i, name=scope), TensorShape([]))

    def write(self, index: Any, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray with element `index` set to `value`."""
        with get_default_graph().name_scope(name or "TensorArrayWrite") as scope:
            v = self._value(value)
            self._merge_element_shape(v.shape)
            i = array_ops._index_tensor(index, "index", dtype=dtypes.int32)
            flow = self._buffer_for(v)
            if self._dynamic_size:
                flow = self._grown(flow, i + 1)
            out = array_ops.tensor_scatter_update(flow, array_ops.reshape(i, [1, 1]),
                                                  array_ops.expand_dims(v, 0), name=scope)
            out.set_shape(flow.shape)
            return self._derive(out)

    def stack(self, name: str | None = None) -> Tensor:
        """All elements stacked: `[size, *element_shape]`."""
        with get_default_graph().name_scope(name or "TensorArrayStack") as scope:
            flow = self._flowjit_loop_value()
            return self._shaped(array_ops.identity(flow, name=scope), flow.shape[:1])

    def gather(self, indices: Any, element_shape: Any = None, name: str | None = None) -> Tensor:
        """Elements `indices`, stacked."""
        with get_default_graph().name_scope(name or "TensorArrayGatherV3") as scope:
            flow = self._flowjit_loop_value()
            ix = array_ops._index_tensor(indices, "indices", dtype=dtypes.int32)
            out = array_ops.gather(flow, ix, name=scope)
            if element_shape is not None:
                out.set_shape(ix.shape.concatenate(as_shape(element_shape)))
            return out

    def unstack(self, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray whose elements are the rows of `value`."""
        with get_default_graph().name_scope(name or "TensorArrayUnstack"):
            v = self._value(value)
            if v.shape.rank == 0:
                raise ValueError(f"Shape must be at least rank 1 but is rank 0 for unstack of {v.name}")
            self._merge_element_shape(v.shape[1:])
            rows = v.shape.dims[0] if v.shape.rank is not None else None
            size = _static_int(self._size) if self._flow is None else (
                self._flow.shape.dims[0] if self._flow.shape.rank is not None else None)
            if self._dynamic_size or (rows is not None and rows == size) or (
                    self._flow is None and self._size is not None and _same_tensor(self._size, v)):
                return self._derive(array_ops.identity(v, name="unstack"))
            n = array_ops.shape(v)[0]
            return self.scatter(math_ops.range(n), v)

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray with elements `indices` set to the rows of `value`."""
        with get_default_graph().name_scope(name or "TensorArrayScatter") as scope:
            v = self._value(value)
            self._merge_element_shape(v.shape[1:])
            ix = array_ops._index_tensor(indices, "indices", dtype=dtypes.int32)
            flow = self._buffer_for(v, leading=1)
            if self._dynamic_size:
                flow = self._grown(flow, math_ops.reduce_max(ix) + 1)
            out = array_ops.tensor_scatter_update(flow, array_ops.expand_dims(ix, 1), v, name=scope)
            out.set_shape(flow.shape)
            return self._derive(out)

    def concat(self, name: str | None = None) -> Tensor:
        """The elements joined along their first dimension (equal-length elements)."""
        with get_default_graph().name_scope(name or "TensorArrayConcat") as scope:
            flow = self._flowjit_loop_value()
            if flow.shape.rank is not None and flow.shape.rank < 2:
                raise ValueError(f"Concatenating TensorArray {self._name} needs elements of rank >= 1, "
                                 f"got {flow.shape[1:]}")
            rest = array_ops.shape(flow)[2:]
            out = array_ops.reshape(flow, array_ops.concat([[-1], rest], 0), name=scope)
            if flow.shape.rank is not None:
                d0 = flow.shape.dims[0] * flow.shape.dims[1] if None not in flow.shape.dims[:2] else None
                out.set_shape(TensorShape([d0]).concatenate(flow.shape[2:]))
            return out

    def split(self, value: Any, lengths: Any, name: str | None = None) -> "TensorArray":
        """A TensorArray of the pieces of `value` cut along dim 0 (all `lengths` equal)."""
        with get_default_graph().name_scope(name or "TensorArraySplit"):
            v = self._value(value)
            ls = array_ops._index_tensor(lengths, "lengths", dtype=dtypes.int64)
            known = static_value(ls.value)
            if known is not None:
                known = np.asarray(known).reshape(-1)
                if len(known) and np.any(known != known[0]):
                    raise ValueError(f"flowjit's TensorArray holds equal-shaped elements; split lengths must all "
                                     f"be equal, got {known.tolist()}")
            pieces = array_ops.size(ls, out_type=dtypes.int32)
            shape = array_ops.concat([array_ops.reshape(pieces, [1]), [-1], array_ops.shape(v)[1:]], 0)
            stacked = array_ops.reshape(v, shape)
            if v.shape.rank is not None:
                n = int(known.shape[0]) if known is not None else None
                each = int(known[0]) if known is not None and len(known) else None
                stacked.set_shape(TensorShape([n, each]).concatenate(v.shape[1:]))
            return self.unstack(stacked)

    def identity(self) -> "TensorArray":
        """A TensorArray around an identity of the buffer."""
        return self._derive(array_ops.identity(self._flowjit_loop_value()))

    def close(self, name: str | None = None) -> Any:
        """Nothing to free (the buffer is an ordinary tensor): a NoOp."""
        return control_flow.no_op(name=name or "TensorArrayClose")

    def mark_used(self) -> None:
        """TF's should-use marker: nothing to do."""

    def __repr__(self) -> str:
        return f"<TensorArray {self._name} dtype={self._dtype.name} element_shape={self._element_shape[0]}>"


def _same_tensor(size: Tensor, value: Tensor) -> bool:
    """Whether `size` is known to equal `value`'s first dimension (same static value)."""
    rows = value.shape.dims[0] if value.shape.rank is not None else None
    return rows is not None and _static_int(size) == rows
