"""TF1's queues (`tf.FIFOQueue`, `tf.PaddingFIFOQueue`, `tf.RandomShuffleQueue`,
`tf.PriorityQueue`, `tf.QueueBase`), with TF's op names, defaults and build-time checks.

A queue object holds the string handle its creation op outputs (`queue_ref`); each method adds
one op taking that handle. The queues themselves live in the session (runtime/host/queues.py),
so two sessions on one graph have two queues, as in TF.
"""

from __future__ import annotations

from typing import Any, Sequence

from ...ir import dtypes as _dtypes
from ...ir.shapes import TensorShape, as_shape
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["QueueBase", "FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "PriorityQueue"]


def _as_type_list(dtypes: Any) -> list[_dtypes.DType]:
    if isinstance(dtypes, (list, tuple)):
        return [_dtypes.as_dtype(d) for d in dtypes]
    return [_dtypes.as_dtype(dtypes)]


def _as_shape_list(shapes: Any, dtypes: Sequence[Any], unknown_dim_allowed: bool = False,
                   unknown_rank_allowed: bool = False) -> list[TensorShape] | None:
    """TF's _as_shape_list: None, one shape (for one component) or one per component."""
    if shapes is None:
        return None
    if isinstance(shapes, TensorShape):
        shapes = [shapes]
    elif not isinstance(shapes, (list, tuple)):
        raise TypeError("shapes must be a TensorShape or a list or tuple of TensorShapes.")
    elif all(s is None or isinstance(s, int) for s in shapes):
        shapes = [shapes]  # a single shape such as [2, 3]
    out = [as_shape(s) for s in shapes]
    if not unknown_dim_allowed and any(not s.is_fully_defined() for s in out if s.rank is not None):
        raise ValueError(f"All shapes must be fully defined: {out}")
    if not unknown_rank_allowed and any(s.rank is None for s in out):
        raise ValueError(f"All shapes must have a defined rank: {out}")
    if len(out) != len(dtypes):
        raise ValueError("shapes must have the same length as dtypes: "
                         f"{len(out)} shapes for {len(dtypes)} dtypes")
    return out


def _queue_scope_name(queue_ref: Tensor) -> str:
    return queue_ref.op.name.split("/")[-1]


class QueueBase:
    """Base class for queues: enqueue, enqueue_many, dequeue, dequeue_many, dequeue_up_to,
    close, is_closed, size on the queue its `queue_ref` handle names."""

    def __init__(self, dtypes: Any, shapes: Any, names: Any, queue_ref: Tensor) -> None:
        self._dtypes = _as_type_list(dtypes)
        if shapes is not None:
            shapes = [as_shape(s) for s in shapes]
            if len(shapes) != len(self._dtypes):
                raise ValueError("Queue shapes must have the same length as dtypes")
            self._shapes = shapes
        else:
            self._shapes = [TensorShape(None) for _ in self._dtypes]
        if names is not None:
            names = list(names) if isinstance(names, (list, tuple)) else [names]
            if len(names) != len(self._dtypes):
                raise ValueError("Queue names must have the same length as dtypes")
        self._names = names
        self._queue_ref = queue_ref
        self._name = _queue_scope_name(queue_ref)

    @property
    def queue_ref(self) -> Tensor:
        return self._queue_ref

    @property
    def name(self) -> str:
        return self._queue_ref.op.name

    @property
    def dtypes(self) -> list[_dtypes.DType]:
        return self._dtypes

    @property
    def shapes(self) -> list[TensorShape]:
        return self._shapes

    @property
    def names(self) -> Any:
        return self._names

    # --- helpers --------------------------------------------------------------------
    def _check_enqueue_dtypes(self, vals: Any) -> list[Tensor]:
        if isinstance(vals, dict):
            if not self._names:
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(self._names) != sorted(vals.keys()):
                raise ValueError(f"Keys in dictionary to enqueue do not match names of Queue.  "
                                 f"Dictionary: {sorted(vals.keys())}, Queue: {sorted(self._names)}")
            vals = [vals[k] for k in self._names]
        else:
            if self._names:
                raise ValueError("You must enqueue a dictionary in a Queue with names")
            if not isinstance(vals, (list, tuple)):
                vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError(f"Expected {len(self._dtypes)} components to enqueue, got {len(vals)}")
        return [convert_to_tensor(v, dtype=dt, name=f"component_{i}") for i, (v, dt) in enumerate(zip(vals, self._dtypes))]

    def _dequeue_return_value(self, tensors: list[Tensor]) -> Any:
        if self._names:
            return dict(zip(self._names, tensors))
        if len(tensors) == 1:
            return tensors[0]
        return tensors

    def _attrs(self) -> dict[str, Any]:
        return {"component_types": list(self._dtypes),
                "shapes": [s for s in self._shapes] if all(s.rank is not None for s in self._shapes) else []}

    def _op(self, op_type: str, inputs: list[Any], attrs: dict[str, Any], name: str | None, default: str) -> Any:
        graph = get_default_graph()
        with graph.name_scope(name or default) as scope:
            return graph.create_op(op_type, [self._queue_ref] + inputs, attrs, name=scope)

    # --- TF1 methods ----------------------------------------------------------------
    def enqueue(self, vals: Any, name: str | None = None) -> Any:
        graph = get_default_graph()
        with graph.name_scope(name or f"{self._name}_enqueue") as scope:
            vals = self._check_enqueue_dtypes(vals)
            for val, shape in zip(vals, self._shapes):
                val.get_shape().assert_is_compatible_with(shape)
            return graph.create_op("QueueEnqueueV2", [self._queue_ref] + vals, {"timeout_ms": -1}, name=scope)

    def enqueue_many(self, vals: Any, name: str | None = None) -> Any:
        graph = get_default_graph()
        with graph.name_scope(name or f"{self._name}_EnqueueMany") as scope:
            vals = self._check_enqueue_dtypes(vals)
            batch_dim = TensorShape(None)
            for val, shape in zip(vals, self._shapes):
                vs = val.get_shape()
                if vs.rank is not None and vs.rank < 1:
                    raise ValueError(f"Shape {vs} must have rank at least 1")
                if vs.rank is not None:
                    batch_dim = batch_dim.merge_with(TensorShape([vs[0]]))
                    TensorShape(list(vs)[1:]).assert_is_compatible_with(shape)
            return graph.create_op("QueueEnqueueManyV2", [self._queue_ref] + vals, {"timeout_ms": -1}, name=scope)

    def dequeue(self, name: str | None = None) -> Any:
        op = self._op("QueueDequeueV2", [], {**self._attrs(), "timeout_ms": -1}, name, f"{self._name}_Dequeue")
        return self._dequeue_return_value(list(op.outputs))

    def dequeue_many(self, n: Any, name: str | None = None) -> Any:
        n = convert_to_tensor(n, dtype=_dtypes.int32)
        op = self._op("QueueDequeueManyV2", [n], {**self._attrs(), "timeout_ms": -1}, name,
                      f"{self._name}_DequeueMany")
        return self._dequeue_return_value(list(op.outputs))

    def dequeue_up_to(self, n: Any, name: str | None = None) -> Any:
        n = convert_to_tensor(n, dtype=_dtypes.int32)
        op = self._op("QueueDequeueUpToV2", [n], {**self._attrs(), "timeout_ms": -1}, name,
                      f"{self._name}_DequeueUpTo")
        return self._dequeue_return_value(list(op.outputs))

    def close(self, cancel_pending_enqueues: bool = False, name: str | None = None) -> Any:
        return self._op("QueueCloseV2", [], {"cancel_pending_enqueues": bool(cancel_pending_enqueues)}, name,
                        f"{self._name}_Close")

    def is_closed(self, name: str | None = None) -> Tensor:
        return self._op("QueueIsClosedV2", [], {}, name, f"{self._name}_IsClosed").outputs[0]

    def size(self, name: str | None = None) -> Tensor:
        return self._op("QueueSizeV2", [], {}, name, f"{self._name}_Size").outputs[0]


def _create(op_type: str, name: str, attrs: dict[str, Any]) -> Tensor:
    return get_default_graph().create_op(op_type, [], attrs, name=name).outputs[0]


def _common_attrs(capacity: int, types: list[_dtypes.DType], shapes: list[TensorShape] | None,
                  shared_name: str | None) -> dict[str, Any]:
    if not isinstance(capacity, int):
        raise TypeError(f"capacity must be an int, got {type(capacity).__name__}")
    return {"component_types": list(types), "shapes": list(shapes or []), "capacity": int(capacity),
            "container": "", "shared_name": shared_name or ""}


class FIFOQueue(QueueBase):
    """A queue that dequeues elements in first-in first-out order."""

    def __init__(self, capacity: int, dtypes: Any, shapes: Any = None, names: Any = None,
                 shared_name: str | None = None, name: str = "fifo_queue") -> None:
        types = _as_type_list(dtypes)
        shape_list = _as_shape_list(shapes, types)
        ref = _create("FIFOQueueV2", name, _common_attrs(capacity, types, shape_list, shared_name))
        super().__init__(types, shape_list, names, ref)


class PaddingFIFOQueue(QueueBase):
    """A FIFOQueue whose dequeue_many pads variable-size components (None dims) to the batch max."""

    def __init__(self, capacity: int, dtypes: Any, shapes: Any, names: Any = None,
                 shared_name: str | None = None, name: str = "padding_fifo_queue") -> None:
        types = _as_type_list(dtypes)
        shape_list = _as_shape_list(shapes, types, unknown_dim_allowed=True)
        if shape_list is None or len(shape_list) != len(types):
            raise ValueError(f"Shapes must be provided for all components, but received {len(types)} dtypes "
                             f"and {0 if shape_list is None else len(shape_list)} shapes.")
        ref = _create("PaddingFIFOQueueV2", name, _common_attrs(capacity, types, shape_list, shared_name))
        super().__init__(types, shape_list, names, ref)


class RandomShuffleQueue(QueueBase):
    """A queue that dequeues a random element, keeping at least min_after_dequeue until closed."""

    def __init__(self, capacity: int, min_after_dequeue: int, dtypes: Any, shapes: Any = None, names: Any = None,
                 seed: int | None = None, shared_name: str | None = None, name: str = "random_shuffle_queue") -> None:
        types = _as_type_list(dtypes)
        shape_list = _as_shape_list(shapes, types)
        attrs = _common_attrs(capacity, types, shape_list, shared_name)
        attrs.update({"min_after_dequeue": int(min_after_dequeue), "seed": seed})
        ref = _create("RandomShuffleQueueV2", name, attrs)
        super().__init__(types, shape_list, names, ref)


class PriorityQueue(QueueBase):
    """A queue of (priority, *components); the lowest int64 priority is dequeued first."""

    def __init__(self, capacity: int, types: Any, shapes: Any = None, names: Any = None,
                 shared_name: str | None = None, name: str = "priority_queue") -> None:
        types = _as_type_list(types)
        shape_list = _as_shape_list(shapes, types)
        if shape_list is None:
            raise ValueError("PriorityQueue needs shapes for its components (flowjit requires them to batch)")
        all_types = [_dtypes.int64] + types
        all_shapes = [TensorShape([])] + shape_list
        ref = _create("PriorityQueueV2", name, _common_attrs(capacity, all_types, all_shapes, shared_name))
        super().__init__(all_types, all_shapes, names, ref)
