"""`tf.train.Coordinator` and `tf.train.LooperThread`: stopping a set of threads together.

As TF's: the first exception reported through `request_stop` (except the clean-stop types,
OutOfRangeError by default) is re-raised by `join`, and `join` raises RuntimeError if a thread
outlives the grace period after the stop request.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Sequence

from ...ir import errors
from ..platform import tf_logging as logging

__all__ = ["Coordinator", "LooperThread"]


class Coordinator:
    """Shared stop flag, first-error record and thread registry of a group of threads."""

    def __init__(self, clean_stop_exception_types: Sequence[type[BaseException]] | None = None) -> None:
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (errors.OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise: Any = None
        self._joined = False
        self._registered_threads: set[threading.Thread] = set()

    def _filter_exception(self, ex: Any) -> Any:
        instance = ex[1] if isinstance(ex, tuple) else ex
        return None if isinstance(instance, self._clean_stop_exception_types) else ex

    def request_stop(self, ex: Any = None) -> None:
        """Sets the stop flag; records `ex` (an exception or exc_info tuple) if it is the first."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined and ex is not None:
                raise ex[1] if isinstance(ex, tuple) else ex
            if self._stop_event.is_set():
                return
            if ex is not None and self._exc_info_to_raise is None:
                if isinstance(ex, tuple):
                    self._exc_info_to_raise = ex
                else:
                    self._exc_info_to_raise = (type(ex), ex, ex.__traceback__)
                logging.info("Error reported to Coordinator: %s", self._exc_info_to_raise[1])
            self._stop_event.set()

    def clear_stop(self) -> None:
        """Clears the stop flag and the recorded exception, so the coordinator can be reused."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self) -> bool:
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self) -> Iterator[None]:
        """Reports an exception raised in the block through `request_stop` instead of raising it."""
        try:
            yield
        except Exception:  # noqa: BLE001 (TF reports every exception to the coordinator)
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        """Waits up to `timeout` seconds for a stop request; True if one came."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads: Iterable[threading.Thread] | None = None, stop_grace_period_secs: float = 120,
             ignore_live_threads: bool = False) -> None:
        """Waits for the threads to end after a stop request; re-raises the recorded exception."""
        with self._lock:
            pending = set(self._registered_threads)
        if threads is not None:
            pending |= set(threads)
        while any(t.is_alive() for t in pending) and not self.wait_for_stop(1.0):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in pending:
            t.join(max(0.0, deadline - time.monotonic()))
        stragglers = [t.name for t in pending if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            exc_info = self._exc_info_to_raise
        if stragglers:
            if ignore_live_threads:
                logging.info("Coordinator stopped with threads still running: %s", " ".join(stragglers))
            else:
                raise RuntimeError("Coordinator stopped with threads still running: " + " ".join(stragglers))
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        """Raises the recorded exception now, if there is one."""
        with self._lock:
            exc_info = self._exc_info_to_raise
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])


class LooperThread(threading.Thread):
    """Calls `target` (or `run_loop`) every `timer_interval_secs` (None: back to back) until stop."""

    def __init__(self, coord: Coordinator, timer_interval_secs: float | None, target: Callable[..., Any] | None = None,
                 args: Sequence[Any] | None = None, kwargs: dict[str, Any] | None = None) -> None:
        if not isinstance(coord, Coordinator):
            raise ValueError(f"'coord' argument must be a Coordinator: {coord!r}")
        super().__init__()
        self.daemon = True
        self._coord = coord
        self._timer_interval_secs = timer_interval_secs
        self._target = target
        self._args = tuple(args or ())
        self._kwargs = dict(kwargs or {})
        if self._target is None and (self._args or self._kwargs):
            raise ValueError("'args' and 'kwargs' argument require that you also pass 'target'")
        self._coord.register_thread(self)

    @staticmethod
    def loop(coord: Coordinator, timer_interval_secs: float | None, target: Callable[..., Any],
             args: Sequence[Any] | None = None, kwargs: dict[str, Any] | None = None) -> "LooperThread":
        looper = LooperThread(coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        looper.start()
        return looper

    def run(self) -> None:
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._timer_interval_secs is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_time = time.time()
                while not self._coord.wait_for_stop(next_time - time.time()):
                    next_time += self._timer_interval_secs
                    self.run_loop()
            self.stop_loop()

    def start_loop(self) -> None:
        """Called once when the thread starts."""

    def stop_loop(self) -> None:
        """Called once when the thread ends."""

    def run_loop(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)
