"""The QueueV2 ops (TF's data_flow_ops): queue creation, enqueue, dequeue, close, size.

A creation op (FIFOQueueV2, ...) outputs a string scalar handle, the resource key (its
shared_name, else its node name); it creates the session's queue object on first run through
`ctx.host_queue(kind, key)` (the queue classes live in runtime/host/queues.py). Every other op
takes that handle as input 0 and finds the queue in the session's resources. All are host ops
(the cpu backend runs them as host steps between native segments) and stateful.

Attrs: component_types (DTypes), shapes (TensorShapes, [] for unknown), capacity (-1: no bound),
min_after_dequeue and seed/seed2 (RandomShuffleQueueV2), container, shared_name. Dequeue ops
carry component_types and the queue's shapes so their outputs get static shapes (TF's python
sets them after the op the same way); timeout_ms is accepted as TF's (-1), the run's deadline
(RunOptions / ConfigProto) is what bounds a wait.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op, static_value
from ..shapes import TensorShape, as_shape
from ._util import spec

_KINDS = ("FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "PriorityQueue")


def handle_array(key: str) -> np.ndarray:
    return np.array(key.encode() if isinstance(key, str) else key, dtype=object)


def handle_key(handle: np.ndarray) -> str:
    v = np.asarray(handle).item()
    return v.decode() if isinstance(v, bytes) else str(v)


def find_resource(ctx: Any, handle: np.ndarray, what: str) -> Any:
    """The session resource a handle names; NotFoundError when its creation op never ran here."""
    key = handle_key(handle)
    found = ctx.state.resources.get(key)
    if found is None:
        raise ctx.error(errors.NotFoundError, f"Resource {what} '{key}' does not exist (its creation op has not run "
                                              f"in this session, or the session was closed)")
    return found


def _types(attrs: dict[str, Any]) -> list[dtypes.DType]:
    types = attrs.get("component_types")
    if not isinstance(types, (list, tuple)) or not types:
        raise ValueError(f"component_types must be a non-empty list of DTypes, got {types!r}")
    return [dtypes.as_dtype(t) for t in types]


def _shapes(attrs: dict[str, Any], n: int) -> list[TensorShape]:
    shapes = attrs.get("shapes") or []
    if not shapes:
        return [TensorShape(None)] * n
    if len(shapes) != n:
        raise ValueError(f"shapes must have one entry per component ({n}), got {len(shapes)}")
    return [as_shape(s) for s in shapes]


def _check_handle(op: str, inputs: Sequence[Value]) -> None:
    if not inputs or inputs[0].dtype != dtypes.string:
        raise TypeError(f"{op} needs a string queue handle as input 0")


# --- creation ----------------------------------------------------------------------------

def _create_infer(kind: str):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        types = _types(attrs)
        shapes = _shapes(attrs, len(types))
        if kind == "PaddingFIFOQueue" and not attrs.get("shapes"):
            raise ValueError("PaddingFIFOQueue needs shapes (one per component; None for a dimension to pad)")
        if kind == "PriorityQueue":
            if not attrs.get("shapes"):
                raise ValueError("PriorityQueue needs shapes for its components")
            if types[0] != dtypes.int64 or shapes[0].rank != 0:
                raise ValueError("PriorityQueue component 0 must be the int64 scalar priority")
        if kind != "PaddingFIFOQueue":
            for s in shapes:
                if attrs.get("shapes") and not s.is_fully_defined():
                    raise ValueError(f"{kind} shapes must be fully defined, got {s}")
        return [spec(dtypes.string, [])]
    return infer


def _create_kernel(kind: str):
    def kernel(ctx: Any) -> np.ndarray:
        key = ctx.attrs.get("shared_name") or ctx.node.name
        ctx.host_queue(kind, key)
        return handle_array(key)
    return kernel


for _kind in _KINDS:
    register_op(f"{_kind}V2", infer=_create_infer(_kind), kernel=_create_kernel(_kind), num_inputs=0,
                stateful=True, host=True,
                doc=f"Creates the session's {_kind} (once) and outputs its string handle.")


# --- enqueue -----------------------------------------------------------------------------

def _enqueue_infer(op: str):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        _check_handle(op, inputs)
        if len(inputs) < 2:
            raise ValueError(f"{op} needs at least one component")
        return []
    return infer


def _arrays(components: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(c) for c in components]


def _own(value: Any, dtype: np.dtype) -> np.ndarray:
    """A private copy of one element component, its dtype kept (strings as bytes, as TF's)."""
    if dtype == object:
        out = np.empty(np.shape(value), dtype=object)
        flat = np.asarray(value, dtype=object).reshape(-1)
        out.reshape(-1)[:] = [v.encode() if isinstance(v, str) else v for v in flat]
        return out
    return np.array(value, dtype=dtype)


def _enqueue_kernel(ctx: Any, handle: np.ndarray, *components: np.ndarray) -> tuple:
    q = find_resource(ctx, handle, "queue")
    comps = _arrays(components)
    q.check_element(comps, ctx.error, batched=False)
    q.enqueue_many([tuple(_own(c, c.dtype) for c in comps)], ctx.deadline(), ctx.error)
    return ()


def _enqueue_many_kernel(ctx: Any, handle: np.ndarray, *components: np.ndarray) -> tuple:
    q = find_resource(ctx, handle, "queue")
    comps = _arrays(components)
    q.check_element(comps, ctx.error, batched=True)
    n = comps[0].shape[0]
    q.enqueue_many([tuple(_own(c[i], c.dtype) for c in comps) for i in range(n)], ctx.deadline(), ctx.error)
    return ()


register_op("QueueEnqueueV2", infer=_enqueue_infer("QueueEnqueueV2"), kernel=_enqueue_kernel,
            stateful=True, host=True, doc="Enqueues one element (inputs 1..n, one per component).")
register_op("QueueEnqueueManyV2", infer=_enqueue_infer("QueueEnqueueManyV2"), kernel=_enqueue_many_kernel,
            stateful=True, host=True, doc="Enqueues the slices of inputs 1..n along dimension 0.")


# --- dequeue -----------------------------------------------------------------------------

def _dequeue_infer(op: str, batched: bool):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        _check_handle(op, inputs)
        types = _types(attrs)
        shapes = _shapes(attrs, len(types))
        if not batched:
            if len(inputs) != 1:
                raise ValueError(f"{op} takes the queue handle only")
            return [spec(t, s) for t, s in zip(types, shapes)]
        if len(inputs) != 2 or inputs[1].dtype != dtypes.int32:
            raise TypeError(f"{op} takes the queue handle and an int32 n")
        n = static_value(inputs[1])
        lead = int(n) if n is not None and op == "QueueDequeueManyV2" else None
        return [spec(t, TensorShape([lead]).concatenate(s)) for t, s in zip(types, shapes)]
    return infer


def _outputs(arrays: list[np.ndarray]) -> Any:
    return arrays[0] if len(arrays) == 1 else tuple(arrays)


def _dequeue_kernel(ctx: Any, handle: np.ndarray) -> Any:
    q = find_resource(ctx, handle, "queue")
    (element,) = q.dequeue_many(1, False, ctx.deadline(), ctx.error)
    return _outputs(list(element))


def _dequeue_n_kernel(allow_smaller: bool):
    def kernel(ctx: Any, handle: np.ndarray, n: np.ndarray) -> Any:
        q = find_resource(ctx, handle, "queue")
        count = int(np.asarray(n))
        if count < 0:
            raise ctx.error(errors.InvalidArgumentError, f"Dequeue count must be >= 0, got {count}")
        elements = q.dequeue_many(count, allow_smaller, ctx.deadline(), ctx.error)
        return _outputs(q.stack(elements, ctx.error))
    return kernel


register_op("QueueDequeueV2", infer=_dequeue_infer("QueueDequeueV2", False), kernel=_dequeue_kernel,
            stateful=True, host=True, doc="Dequeues one element; blocks while the queue is empty.")
register_op("QueueDequeueManyV2", infer=_dequeue_infer("QueueDequeueManyV2", True), kernel=_dequeue_n_kernel(False),
            stateful=True, host=True, doc="Dequeues n elements batched along a new dimension 0.")
register_op("QueueDequeueUpToV2", infer=_dequeue_infer("QueueDequeueUpToV2", True), kernel=_dequeue_n_kernel(True),
            stateful=True, host=True, doc="As DequeueMany, but a closed queue gives what it has left.")


# --- close, size, is_closed --------------------------------------------------------------

def _handle_only(op: str, out: list[OutputSpec]):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        _check_handle(op, inputs)
        return list(out)
    return infer


def _close_kernel(ctx: Any, handle: np.ndarray) -> tuple:
    find_resource(ctx, handle, "queue").close(bool(ctx.attrs.get("cancel_pending_enqueues", False)))
    return ()


def _size_kernel(ctx: Any, handle: np.ndarray) -> np.ndarray:
    return np.array(find_resource(ctx, handle, "queue").size(), dtype=np.int32)


def _is_closed_kernel(ctx: Any, handle: np.ndarray) -> np.ndarray:
    return np.array(find_resource(ctx, handle, "queue").is_closed(), dtype=np.bool_)


register_op("QueueCloseV2", infer=_handle_only("QueueCloseV2", []), kernel=_close_kernel, num_inputs=1,
            stateful=True, host=True, doc="Closes the queue (attr cancel_pending_enqueues).")
register_op("QueueSizeV2", infer=_handle_only("QueueSizeV2", [spec(dtypes.int32, [])]), kernel=_size_kernel,
            num_inputs=1, stateful=True, host=True, doc="The number of elements in the queue.")
register_op("QueueIsClosedV2", infer=_handle_only("QueueIsClosedV2", [spec(dtypes.bool_, [])]),
            kernel=_is_closed_kernel, num_inputs=1, stateful=True, host=True, doc="Whether the queue is closed.")
