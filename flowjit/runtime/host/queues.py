"""Host queue objects behind the QueueV2 ops (TF's FIFOQueue, PaddingFIFOQueue,
RandomShuffleQueue, PriorityQueue), one per session and resource key.

A queue holds elements: tuples of NumPy arrays, one per component. Every blocking wait goes in
short slices (`Condition.wait(0.05)`), checking the run's deadline (DeadlineExceededError "Timed
out waiting for notification") and whether the session was closed (`cancel()`, CancelledError),
so a blocked step never outlives its session. Errors are built by the `fail(cls, message)`
callable the kernel passes (its `ctx.error`), so they name the node that ran.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from typing import Any, Callable, Sequence

import numpy as np

from ...ir import errors

Fail = Callable[[type, str], BaseException]
_SLICE_S = 0.05


def _dims(shape: Sequence[int | None] | None) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]" if shape is not None else "?"


class HostQueue:
    """A bounded queue of tuple elements; subclasses choose the order (`_put`, `_take`)."""

    kind = "FIFOQueue"

    def __init__(self, name: str, dtypes: Sequence[np.dtype], shapes: Sequence[Sequence[int | None]] | None,
                 capacity: int) -> None:
        self.name = name  # as TF's messages spell it: "_0_fifo_queue" or the shared_name
        self.dtypes = [np.dtype(d) for d in dtypes]
        self.shapes = None if not shapes else [tuple(s) for s in shapes]
        self.capacity = capacity if capacity is not None and capacity > 0 else None  # None: unbounded
        self._cond = threading.Condition()
        self._closed = False
        self._cancelled = False  # session closed: every wait ends with CancelledError
        self._cancel_enqueues = False

    # --- order (subclasses) -----------------------------------------------------------
    def _init_store(self) -> None:
        self._items: Any = deque()

    def _put(self, element: tuple) -> None:
        self._items.append(element)

    def _take(self) -> tuple:
        return self._items.popleft()

    def size(self) -> int:
        with self._cond:
            return len(self._items)

    def _min_after(self) -> int:
        return 0

    # --- checks -----------------------------------------------------------------------
    def check_element(self, components: Sequence[np.ndarray], fail: Fail, batched: bool) -> None:
        """TF's tuple checks: count, dtype, and (with shapes) each component's shape."""
        if len(components) != len(self.dtypes):
            raise fail(errors.InvalidArgumentError,
                       f"Expected {len(self.dtypes)} components in tuple, got {len(components)}")
        for i, (c, dt) in enumerate(zip(components, self.dtypes)):
            if c.dtype != dt:
                raise fail(errors.InvalidArgumentError,
                           f"Type mismatch in tuple component {i}. Expected {dt}, got {c.dtype}")
            if self.shapes is None:
                continue
            got = c.shape[1:] if batched else c.shape
            want = self.shapes[i]
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
                raise fail(errors.InvalidArgumentError,
                           f"Shape mismatch in tuple component {i}. Expected {_dims(want)}, got {_dims(got)}")
        if batched:
            sizes = {c.shape[0] if c.ndim else None for c in components}
            if None in sizes:
                raise fail(errors.InvalidArgumentError, "EnqueueMany needs components of rank >= 1")
            if len(sizes) != 1:
                raise fail(errors.InvalidArgumentError,
                           f"Expected batch dimension to match, got sizes {sorted(sizes)}")

    # --- waiting ----------------------------------------------------------------------
    def _wait(self, ready: Callable[[], bool], deadline: float | None, fail: Fail,
              give_up: Callable[[], BaseException | None]) -> None:
        """Wait (holding the condition) until `ready()`; `give_up()` may return an error to raise."""
        while not ready():
            if self._cancelled:
                raise fail(errors.CancelledError, f"{self.kind} '{self.name}' was cancelled (its session was closed).")
            err = give_up()
            if err is not None:
                raise err
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise fail(errors.DeadlineExceededError, "Timed out waiting for notification")
                self._cond.wait(min(_SLICE_S, left))
            else:
                self._cond.wait(_SLICE_S)

    def _closed_error(self, fail: Fail) -> BaseException:
        return fail(errors.CancelledError, f"{self.kind} '{self.name}' is closed.")

    # --- operations -------------------------------------------------------------------
    def enqueue_many(self, elements: Sequence[tuple], deadline: float | None, fail: Fail) -> None:
        """Add elements in order, each as soon as there is room."""
        with self._cond:
            if self._closed:
                raise self._closed_error(fail)
            for element in elements:
                def cancelled() -> BaseException | None:
                    return self._closed_error(fail) if self._cancel_enqueues else None
                self._wait(lambda: self.capacity is None or len(self._items) < self.capacity, deadline, fail,
                           cancelled)
                self._put(element)
                self._cond.notify_all()

    def dequeue_many(self, n: int, allow_smaller: bool, deadline: float | None, fail: Fail) -> list[tuple]:
        """Take n elements; closed with fewer: OutOfRangeError (up_to: whatever is left, if any)."""
        with self._cond:
            def ready() -> bool:
                if self._closed:
                    return len(self._items) >= n or (allow_smaller and len(self._items) > 0)
                return len(self._items) >= n + self._min_after()

            def out_of_range() -> BaseException | None:
                if self._closed and not ready():
                    return fail(errors.OutOfRangeError,
                                f"{self.kind} '{self.name}' is closed and has insufficient elements "
                                f"(requested {n}, current size {len(self._items)})")
                return None

            self._wait(ready, deadline, fail, out_of_range)
            taken = [self._take() for _ in range(min(n, len(self._items)))]
            self._cond.notify_all()
            return taken

    def close(self, cancel_pending_enqueues: bool) -> None:
        with self._cond:
            self._closed = True
            self._cancel_enqueues = self._cancel_enqueues or cancel_pending_enqueues
            self._cond.notify_all()

    def is_closed(self) -> bool:
        return self._closed

    def cancel(self) -> None:
        """Session.close: wake every waiter with CancelledError."""
        with self._cond:
            self._cancelled = True
            self._closed = True
            self._cond.notify_all()

    # --- batching ---------------------------------------------------------------------
    def stack(self, elements: list[tuple], fail: Fail) -> list[np.ndarray]:
        """Elements -> one array per component with a leading batch dimension."""
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [e[i] for e in elements]
            if not parts:
                shape = self.shapes[i] if self.shapes is not None else ()
                out.append(np.zeros((0,) + tuple(0 if d is None else d for d in shape), dtype=dt))
                continue
            first = parts[0].shape
            if any(p.shape != first for p in parts):
                raise fail(errors.InvalidArgumentError,
                           f"Shape mismatch in tuple component {i}: elements of shapes "
                           f"{sorted({tuple(p.shape) for p in parts})} cannot be batched (give the queue shapes)")
            out.append(np.stack(parts).astype(dt, copy=False))
        return out


class PaddingFIFOQueue(HostQueue):
    """FIFO whose DequeueMany pads each component to the batch's largest shape (zeros, '')."""

    kind = "PaddingFIFOQueue"

    def stack(self, elements: list[tuple], fail: Fail) -> list[np.ndarray]:
        out = []
        for i, dt in enumerate(self.dtypes):
            parts = [e[i] for e in elements]
            rank = len(self.shapes[i])
            if not parts:
                out.append(np.zeros((0,) + tuple(0 if d is None else d for d in self.shapes[i]), dtype=dt))
                continue
            big = tuple(max(p.shape[k] for p in parts) for k in range(rank))
            fill = b"" if dt == object else 0
            batch = np.full((len(parts),) + big, fill, dtype=dt)
            for j, p in enumerate(parts):
                if p.ndim == 0:
                    batch[j] = p.item() if dt == object else p  # not the 0-d array itself
                else:
                    batch[(j,) + tuple(slice(0, s) for s in p.shape)] = p
            out.append(batch)
        return out


class RandomShuffleQueue(HostQueue):
    """Dequeues a uniformly random element, keeping min_after_dequeue until closed."""

    kind = "RandomShuffleQueue"

    def __init__(self, name: str, dtypes: Sequence[np.dtype], shapes: Any, capacity: int,
                 min_after_dequeue: int, rng: np.random.Generator) -> None:
        super().__init__(name, dtypes, shapes, capacity)
        self.min_after_dequeue = max(0, int(min_after_dequeue))
        self._rng = rng

    def _init_store(self) -> None:
        self._items = []

    def _take(self) -> tuple:
        j = int(self._rng.integers(len(self._items)))
        items = self._items
        items[j], items[-1] = items[-1], items[j]
        return items.pop()

    def _min_after(self) -> int:
        return self.min_after_dequeue


class PriorityQueue(HostQueue):
    """Component 0 is an int64 scalar priority; the smallest comes out first (ties: FIFO)."""

    kind = "PriorityQueue"

    def _init_store(self) -> None:
        self._items = []
        self._counter = 0

    def _put(self, element: tuple) -> None:
        self._counter += 1
        heapq.heappush(self._items, (int(element[0]), self._counter, element))

    def _take(self) -> tuple:
        return heapq.heappop(self._items)[2]


def make_queue(kind: str, name: str, dtypes: Sequence[np.dtype], shapes: Any, capacity: int,
               min_after_dequeue: int = 0, rng: np.random.Generator | None = None) -> HostQueue:
    """The queue object for a creation op of type `kind` (TF's op type without 'V2')."""
    if kind == "FIFOQueue":
        q: HostQueue = HostQueue(name, dtypes, shapes, capacity)
    elif kind == "PaddingFIFOQueue":
        q = PaddingFIFOQueue(name, dtypes, shapes, capacity)
    elif kind == "RandomShuffleQueue":
        q = RandomShuffleQueue(name, dtypes, shapes, capacity, min_after_dequeue,
                               rng if rng is not None else np.random.default_rng())
    elif kind == "PriorityQueue":
        q = PriorityQueue(name, dtypes, shapes, capacity)
    else:
        raise ValueError(f"unknown queue kind {kind!r}: expected FIFOQueue, PaddingFIFOQueue, "
                         f"RandomShuffleQueue or PriorityQueue")
    q._init_store()
    return q


_NAME_COUNTER = "__queue_name_counter__"


def display_name(state: Any, node_name: str, shared_name: str) -> str:
    """TF's resource name in messages: the shared_name, else "_<n>_<node name>" (n counts the
    queues this session created)."""
    if shared_name:
        return shared_name
    counter = state.resource(_NAME_COUNTER, lambda: [0])
    with state.lock:
        n = counter[0]
        counter[0] += 1
    return f"_{n}_{node_name}"
