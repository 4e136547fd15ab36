"""Per-session mutable state: variable values, random generators and host resources.

Two sessions on one graph have two `SessionState`s, hence separate variables, queues, readers
and iterators. A run's deadline (RunOptions.timeout_in_ms, ConfigProto.operation_timeout_in_ms)
is per thread, since several threads may run steps of one session at once; closing the session
cancels every blocked wait (a dequeue on an empty queue) with CancelledError.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from typing import Any, Callable, Iterator

import numpy as np

from ..ir import errors


class SessionState:
    def __init__(self) -> None:
        self.variables: dict[str, np.ndarray] = {}
        self._rngs: dict[str, np.random.Generator] = {}
        self.lock = threading.RLock()
        self.print_fn: Callable[[str], None] | None = None  # None: write to stderr
        self.resources: dict[str, Any] = {}  # queues, readers, ... keyed by shared name
        self.closed = threading.Event()  # set by Session.close: blocked waits end with CancelledError
        self._run_local = threading.local()  # this thread's run deadline
        self.default_timeout_ms: int = 0  # ConfigProto.operation_timeout_in_ms: waits without a run deadline

    # --- host resources (queues, readers, iterators) ----------------------------------
    def resource(self, key: str, factory: Callable[[], Any]) -> Any:
        """The resource under `key`, created by `factory()` on first use (once, under the lock)."""
        found = self.resources.get(key)
        if found is None:
            with self.lock:
                found = self.resources.get(key)
                if found is None:
                    found = self.resources[key] = factory()
        return found

    def close(self) -> None:
        """End the session's state: wake every blocked wait, then let each resource with a
        `cancel()` method release its waiters and threads, then drop everything."""
        self.closed.set()
        with self.lock:
            resources = list(self.resources.values())
        for r in resources:
            cancel = getattr(r, "cancel", None)
            if callable(cancel):
                cancel()
        with self.lock:
            self.variables.clear()
            self._rngs.clear()
            self.resources.clear()

    # --- deadlines --------------------------------------------------------------------
    @contextlib.contextmanager
    def run_deadline(self, timeout_ms: int | None) -> Iterator[None]:
        """Within: blocking host ops of this thread's run give up at now + timeout_ms
        (DeadlineExceededError); None or <= 0 means no deadline, as in TF."""
        previous = getattr(self._run_local, "deadline", None)
        self._run_local.deadline = time.monotonic() + timeout_ms / 1000.0 if timeout_ms and timeout_ms > 0 else None
        try:
            yield
        finally:
            self._run_local.deadline = previous

    def deadline(self) -> float | None:
        """This thread's run deadline (time.monotonic() seconds), or None for none. Without a
        RunOptions timeout, ConfigProto.operation_timeout_in_ms bounds each wait from its start."""
        found = getattr(self._run_local, "deadline", None)
        if found is None and self.default_timeout_ms > 0:
            return time.monotonic() + self.default_timeout_ms / 1000.0
        return found

    # --- variables ------------------------------------------------------------------
    def has_variable(self, name: str) -> bool:
        return name in self.variables

    def read_variable(self, name: str, ctx: Any = None) -> np.ndarray:
        try:
            return self.variables[name]
        except KeyError:
            message = f"Attempting to use uninitialized value {name}"
            if ctx is not None:
                raise ctx.error(errors.FailedPreconditionError, message) from None
            raise errors.FailedPreconditionError(None, None, message) from None

    def write_variable(self, name: str, value: np.ndarray) -> None:
        self.variables[name] = value

    # --- randomness -----------------------------------------------------------------
    def rng(self, key: str, graph_seed: int | None, op_seed: int | None) -> np.random.Generator:
        """A generator per random op, continuing across runs; deterministic when seeded.

        Follows TF1's rule: with neither seed set the stream is random; with either set the
        op gets a fixed stream derived from (graph seed, op seed, op name).
        """
        gen = self._rngs.get(key)
        if gen is None:
            if graph_seed is None and op_seed is None:
                gen = np.random.default_rng()
            else:
                text = f"{graph_seed}/{op_seed}/{key if op_seed is None else ''}"
                seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
                gen = np.random.default_rng(seed)
            self._rngs[key] = gen
        return gen
