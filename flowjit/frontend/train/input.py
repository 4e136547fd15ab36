"""TF1's queue-based input pipeline (tf.train.*_input_producer, batch, shuffle_batch, ...).

Following TF's training/input.py: a producer puts (optionally shuffled, epoch-limited) elements
into a FIFOQueue filled by a QueueRunner; `limit_epochs` counts passes in a local variable
"epochs" (CountUpTo), so the runner hits OutOfRangeError after num_epochs and closes the queue.
The batchers put their tensors into a FIFOQueue (PaddingFIFOQueue with dynamic_pad,
RandomShuffleQueue for shuffle_batch) filled by `num_threads` copies of the enqueue op, and
dequeue `batch_size` elements (up to, with allow_smaller_final_batch). A maybe_* batcher's
keep_input masks what is enqueued (a scalar keeps or drops one element).
"""

from __future__ import annotations

from typing import Any, Sequence

from ...ir import dtypes as _dt
from ...ir.registry import static_value
from ...ir.shapes import TensorShape, as_shape
from ..framework.graph import GraphKeys, control_dependencies, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, math_ops, random_ops, summary_ops
from ..ops.control_flow import Assert
from ..ops.data_flow_ops import FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue
from ..ops.state_ops import count_up_to
from ..ops.variables import Variable
from .queue_runner import QueueRunner, add_queue_runner

__all__ = ["limit_epochs", "input_producer", "string_input_producer", "range_input_producer",
           "slice_input_producer", "batch", "maybe_batch", "batch_join", "maybe_batch_join", "shuffle_batch",
           "maybe_shuffle_batch", "shuffle_batch_join", "maybe_shuffle_batch_join"]


def limit_epochs(tensor: Any, num_epochs: int | None = None, name: str | None = None) -> Tensor:
    """`tensor`, each evaluation counting one epoch; OutOfRangeError after num_epochs."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    graph = get_default_graph()
    with graph.name_scope(name or "limit_epochs") as scope:
        zero64 = convert_to_tensor(0, dtype=_dt.int64)
        epochs = Variable(zero64, name="epochs", trainable=False, collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with control_dependencies([counter]):
            return array_ops.identity(tensor, name=scope)


def input_producer(input_tensor: Any, element_shape: Any = None, num_epochs: int | None = None, shuffle: bool = True,
                   seed: int | None = None, capacity: int = 32, shared_name: str | None = None,
                   summary_name: str | None = None, name: str | None = None, cancel_op: Any = None) -> FIFOQueue:
    """A queue of the rows of `input_tensor`, filled by a QueueRunner (added to the collection)."""
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer") as name:
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        shape = input_tensor.get_shape()
        rows = TensorShape(None) if shape.rank is None else TensorShape(list(shape)[1:])
        element_shape = rows.merge_with(as_shape(element_shape) if element_shape is not None else TensorShape(None))
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or `element_shape` must be specified")
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype], shapes=[element_shape],
                      shared_name=shared_name, name=name)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        if summary_name is not None:
            summary_ops.scalar(f"queue/{q.name}/{summary_name}",
                               math_ops.cast(q.size(), _dt.float32) * (1.0 / capacity))
        return q


def string_input_producer(string_tensor: Any, num_epochs: int | None = None, shuffle: bool = True,
                          seed: int | None = None, capacity: int = 32, shared_name: str | None = None,
                          name: str | None = None, cancel_op: Any = None) -> FIFOQueue:
    """A queue of strings (filenames), filled by a QueueRunner; an empty input fails its run."""
    not_null_err = "string_input_producer requires a non-null input tensor"
    if not isinstance(string_tensor, Tensor) and not len(string_tensor):
        raise ValueError(not_null_err)
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer") as name:
        string_tensor = convert_to_tensor(string_tensor, dtype=_dt.string)
        with control_dependencies([Assert(math_ops.greater(array_ops.size(string_tensor), 0), [not_null_err])]):
            string_tensor = array_ops.identity(string_tensor)
        return input_producer(string_tensor, element_shape=[], num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                              capacity=capacity, shared_name=shared_name, name=name,
                              summary_name=f"fraction_of_{capacity}_full", cancel_op=cancel_op)


def range_input_producer(limit: Any, num_epochs: int | None = None, shuffle: bool = True, seed: int | None = None,
                         capacity: int = 32, shared_name: str | None = None, name: str | None = None) -> FIFOQueue:
    """A queue of the integers 0 .. limit-1, filled by a QueueRunner."""
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer") as name:
        range_tensor = math_ops.range(limit)
        return input_producer(range_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              f"fraction_of_{capacity}_full", name)


def slice_input_producer(tensor_list: Sequence[Any], num_epochs: int | None = None, shuffle: bool = True,
                         seed: int | None = None, capacity: int = 32, shared_name: str | None = None,
                         name: str | None = None) -> list[Tensor]:
    """One row of each tensor (the same row index for all), drawn from a range producer."""
    graph = get_default_graph()
    with graph.name_scope(name or "input_producer"):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        range_size = array_ops.shape(tensor_list[0])[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                                     capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [array_ops.gather(t, index) for t in tensor_list]


# --- batching ------------------------------------------------------------------------------

def _as_tensor_list(tensors: Any) -> list[Any]:
    if isinstance(tensors, dict):
        return [tensors[k] for k in sorted(tensors)]
    if isinstance(tensors, (list, tuple)):
        return list(tensors)
    return [tensors]


def _as_original_type(original: Any, dequeued: Any) -> Any:
    if isinstance(original, dict):
        if len(original) == 1:
            dequeued = [dequeued]  # TF: a one-component queue dequeues a bare Tensor
        return {k: dequeued[i] for i, k in enumerate(sorted(original))}
    return dequeued


def _validate(tensor_list: list[Any]) -> list[Tensor]:
    if not tensor_list:
        raise ValueError("Expected at least one tensor in batch().")
    return [convert_to_tensor(t) for t in tensor_list]


def _validate_join(tensor_list_list: Sequence[Any]) -> list[list[Tensor]]:
    out = [[convert_to_tensor(t) for t in tl] for tl in tensor_list_list]
    if not out:
        raise ValueError("Expected at least one input in batch_join().")
    return out


def _keep_input(keep_input: Any, enqueue_many: bool) -> Tensor:
    keep = convert_to_tensor(keep_input, dtype=_dt.bool_)
    rank = keep.get_shape().rank
    if rank not in (0, 1):
        raise ValueError("`keep_input` must be 0 or 1 dimensions.")
    if rank == 1 and not enqueue_many:
        raise ValueError("`keep_input` cannot be a vector when `enqueue_many=False`.")
    return keep


def _dtypes(tensor_list_list: list[list[Tensor]]) -> list[_dt.DType]:
    types = [t.dtype for t in tensor_list_list[0]]
    for other in tensor_list_list[1:]:
        if [t.dtype for t in other] != types:
            raise TypeError(f"Expected types to be consistent: {types} vs. {[t.dtype for t in other]}.")
    return types


def _shapes(tensor_list_list: list[list[Tensor]], shapes: Any, enqueue_many: bool) -> list[TensorShape]:
    if shapes is not None:
        return [as_shape(s) for s in shapes]
    n = len(tensor_list_list[0])
    for tl in tensor_list_list:
        if len(tl) != n:
            raise ValueError(f"Expected {n} tensors in each list, got {len(tl)}")
        for t in tl:
            if t.get_shape().rank is None:
                raise ValueError(f"Cannot infer Tensor's rank: {t}")
    out = []
    for i in range(n):
        merged = TensorShape(None)
        for tl in tensor_list_list:
            s = list(tl[i].get_shape())
            if enqueue_many:
                s = s[1:]
            merged = merged.merge_with(TensorShape(s))
        out.append(merged)
    return out


def _select(tensor_list: list[Tensor], keep: Tensor, enqueue_many: bool) -> tuple[list[Tensor], bool]:
    """What to enqueue under keep_input, and whether it goes in with enqueue_many."""
    static = _static_bool(keep)
    if static is True:
        return tensor_list, enqueue_many
    if keep.get_shape().rank == 0:
        mask = array_ops.reshape(keep, [1])
        return [array_ops.boolean_mask(array_ops.expand_dims(t, 0), mask) for t in tensor_list], True
    return [array_ops.boolean_mask(t, keep) for t in tensor_list], True


def _static_bool(keep: Tensor) -> bool | None:
    v = static_value(keep.value)
    return None if v is None or getattr(v, "ndim", 0) != 0 else bool(v)


def _enqueue(queue: Any, tensor_list_list: list[list[Tensor]], threads: int, enqueue_many: bool, keep: Tensor,
             join: bool) -> None:
    ops = []
    for tl in tensor_list_list:
        values, many = _select(tl, keep, enqueue_many)
        ops.append(queue.enqueue_many(values) if many else queue.enqueue(values))
    if not join:
        ops = ops * threads
    add_queue_runner(QueueRunner(queue, ops))


def _check_args(batch_size: Any, capacity: int, num_threads: int = 1) -> None:
    if isinstance(batch_size, int) and batch_size <= 0:
        raise ValueError(f"batch_size must be > 0, got {batch_size}")
    if not isinstance(capacity, int) or capacity <= 0:
        raise ValueError(f"capacity must be a positive int, got {capacity!r}")
    if not isinstance(num_threads, int) or num_threads <= 0:
        raise ValueError(f"num_threads must be a positive int, got {num_threads!r}")


def _dequeue(queue: Any, batch_size: Any, allow_smaller_final_batch: bool, name: str) -> Any:
    if allow_smaller_final_batch:
        return queue.dequeue_up_to(batch_size, name=name)
    return queue.dequeue_many(batch_size, name=name)


def _batch(tensor_list_list: list[Any], original: Any, batch_size: Any, keep_input: Any, num_threads: int,
           capacity: int, enqueue_many: bool, shapes: Any, dynamic_pad: bool, allow_smaller_final_batch: bool,
           shared_name: str | None, name: str | None, join: bool) -> Any:
    _check_args(batch_size, capacity, num_threads)
    graph = get_default_graph()
    with graph.name_scope(name or ("batch_join" if join else "batch")) as scope:
        tll = _validate_join(tensor_list_list) if join else [_validate(tensor_list_list[0])]
        keep = _keep_input(keep_input, enqueue_many)
        types = _dtypes(tll)
        shape_list = _shapes(tll, shapes, enqueue_many)
        if dynamic_pad:
            queue: Any = PaddingFIFOQueue(capacity=capacity, dtypes=types, shapes=shape_list, shared_name=shared_name)
        else:
            queue = FIFOQueue(capacity=capacity, dtypes=types, shapes=shape_list, shared_name=shared_name)
        _enqueue(queue, tll, num_threads, enqueue_many, keep, join)
        summary_ops.scalar(f"fraction_of_{capacity}_full",
                           math_ops.cast(queue.size(), _dt.float32) * (1.0 / capacity))
        return _as_original_type(original, _dequeue(queue, batch_size, allow_smaller_final_batch, scope))


def _shuffle_batch(tensor_list_list: list[Any], original: Any, batch_size: Any, capacity: int,
                   min_after_dequeue: int, keep_input: Any, num_threads: int, seed: int | None, enqueue_many: bool,
                   shapes: Any, allow_smaller_final_batch: bool, shared_name: str | None, name: str | None,
                   join: bool) -> Any:
    _check_args(batch_size, capacity, num_threads)
    if min_after_dequeue >= capacity:
        raise ValueError(f"min_after_dequeue ({min_after_dequeue}) must be < capacity ({capacity})")
    graph = get_default_graph()
    with graph.name_scope(name or ("shuffle_batch_join" if join else "shuffle_batch")) as scope:
        tll = _validate_join(tensor_list_list) if join else [_validate(tensor_list_list[0])]
        keep = _keep_input(keep_input, enqueue_many)
        types = _dtypes(tll)
        shape_list = _shapes(tll, shapes, enqueue_many)
        queue = RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, seed=seed, dtypes=types,
                                   shapes=shape_list, shared_name=shared_name)
        _enqueue(queue, tll, num_threads, enqueue_many, keep, join)
        full = math_ops.cast(math_ops.maximum(0, queue.size() - min_after_dequeue), _dt.float32) * \
            (1.0 / (capacity - min_after_dequeue))
        summary_ops.scalar(f"fraction_over_{min_after_dequeue}_of_{capacity - min_after_dequeue}_full", full)
        return _as_original_type(original, _dequeue(queue, batch_size, allow_smaller_final_batch, scope))


def batch(tensors: Any, batch_size: Any, num_threads: int = 1, capacity: int = 32, enqueue_many: bool = False,
          shapes: Any = None, dynamic_pad: bool = False, allow_smaller_final_batch: bool = False,
          shared_name: str | None = None, name: str | None = None) -> Any:
    """Batches `tensors` through a FIFOQueue filled by num_threads enqueue threads."""
    return _batch([_as_tensor_list(tensors)], tensors, batch_size, True, num_threads, capacity, enqueue_many, shapes,
                  dynamic_pad, allow_smaller_final_batch, shared_name, name, join=False)


def maybe_batch(tensors: Any, keep_input: Any, batch_size: Any, num_threads: int = 1, capacity: int = 32,
                enqueue_many: bool = False, shapes: Any = None, dynamic_pad: bool = False,
                allow_smaller_final_batch: bool = False, shared_name: str | None = None,
                name: str | None = None) -> Any:
    """batch, enqueuing only what keep_input keeps."""
    return _batch([_as_tensor_list(tensors)], tensors, batch_size, keep_input, num_threads, capacity, enqueue_many,
                  shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name, join=False)


def batch_join(tensors_list: Sequence[Any], batch_size: Any, capacity: int = 32, enqueue_many: bool = False,
               shapes: Any = None, dynamic_pad: bool = False, allow_smaller_final_batch: bool = False,
               shared_name: str | None = None, name: str | None = None) -> Any:
    """Batches several lists of tensors, one enqueue thread each, into one queue."""
    return _batch([_as_tensor_list(t) for t in tensors_list], tensors_list[0], batch_size, True, 1, capacity,
                  enqueue_many, shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name, join=True)


def maybe_batch_join(tensors_list: Sequence[Any], keep_input: Any, batch_size: Any, capacity: int = 32,
                     enqueue_many: bool = False, shapes: Any = None, dynamic_pad: bool = False,
                     allow_smaller_final_batch: bool = False, shared_name: str | None = None,
                     name: str | None = None) -> Any:
    """batch_join, enqueuing only what keep_input keeps."""
    return _batch([_as_tensor_list(t) for t in tensors_list], tensors_list[0], batch_size, keep_input, 1, capacity,
                  enqueue_many, shapes, dynamic_pad, allow_smaller_final_batch, shared_name, name, join=True)


def shuffle_batch(tensors: Any, batch_size: Any, capacity: int, min_after_dequeue: int, num_threads: int = 1,
                  seed: int | None = None, enqueue_many: bool = False, shapes: Any = None,
                  allow_smaller_final_batch: bool = False, shared_name: str | None = None,
                  name: str | None = None) -> Any:
    """Batches `tensors` in random order through a RandomShuffleQueue."""
    return _shuffle_batch([_as_tensor_list(tensors)], tensors, batch_size, capacity, min_after_dequeue, True,
                          num_threads, seed, enqueue_many, shapes, allow_smaller_final_batch, shared_name, name,
                          join=False)


def maybe_shuffle_batch(tensors: Any, batch_size: Any, capacity: int, min_after_dequeue: int, keep_input: Any,
                        num_threads: int = 1, seed: int | None = None, enqueue_many: bool = False,
                        shapes: Any = None, allow_smaller_final_batch: bool = False,
                        shared_name: str | None = None, name: str | None = None) -> Any:
    """shuffle_batch, enqueuing only what keep_input keeps."""
    return _shuffle_batch([_as_tensor_list(tensors)], tensors, batch_size, capacity, min_after_dequeue, keep_input,
                          num_threads, seed, enqueue_many, shapes, allow_smaller_final_batch, shared_name, name,
                          join=False)


def shuffle_batch_join(tensors_list: Sequence[Any], batch_size: Any, capacity: int, min_after_dequeue: int,
                       seed: int | None = None, enqueue_many: bool = False, shapes: Any = None,
                       allow_smaller_final_batch: bool = False, shared_name: str | None = None,
                       name: str | None = None) -> Any:
    """Shuffle-batches several lists of tensors, one enqueue thread each."""
    return _shuffle_batch([_as_tensor_list(t) for t in tensors_list], tensors_list[0], batch_size, capacity,
                          min_after_dequeue, True, 1, seed, enqueue_many, shapes, allow_smaller_final_batch,
                          shared_name, name, join=True)


def maybe_shuffle_batch_join(tensors_list: Sequence[Any], batch_size: Any, capacity: int, min_after_dequeue: int,
                             keep_input: Any, seed: int | None = None, enqueue_many: bool = False,
                             shapes: Any = None, allow_smaller_final_batch: bool = False,
                             shared_name: str | None = None, name: str | None = None) -> Any:
    """shuffle_batch_join, enqueuing only what keep_input keeps."""
    return _shuffle_batch([_as_tensor_list(t) for t in tensors_list], tensors_list[0], batch_size, capacity,
                          min_after_dequeue, keep_input, 1, seed, enqueue_many, shapes, allow_smaller_final_batch,
                          shared_name, name, join=True)
