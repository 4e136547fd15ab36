"""TF1's QueueRunner, add_queue_runner and start_queue_runners (tf.train.queue_runner).

A QueueRunner holds a queue and the enqueue ops that fill it. `create_threads` starts one
thread per enqueue op, each running its op with `sess.run` in a loop; when every thread of a
session has hit the queue-closed error (OutOfRangeError: its input ran out) the last one runs the
close op, so the queue's consumers drain it and then see OutOfRangeError themselves. Other
errors go to the Coordinator. With a coordinator, one more thread waits for the stop request
and runs the cancel op (close with cancel_pending_enqueues). A closed session ends the threads
quietly.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Sequence

from ...ir import errors
from ..client.session import get_default_session
from ..framework.graph import GraphKeys, add_to_collection, get_collection, get_default_graph

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]

_log = logging.getLogger("flowjit.train.queue_runner")


def _session_closed(sess: Any) -> bool:
    return bool(getattr(sess, "_closed", False))


class QueueRunner:
    """Holds a list of enqueue operations for a queue, each to be run in a thread."""

    def __init__(self, queue: Any = None, enqueue_ops: Sequence[Any] | None = None, close_op: Any = None,
                 cancel_op: Any = None, queue_closed_exception_types: Sequence[type] | None = None,
                 queue_runner_def: Any = None, import_scope: str | None = None) -> None:
        if queue_runner_def is not None:
            raise ValueError("flowjit does not support queue_runner_def (QueueRunnerDef protos); "
                             "pass queue and enqueue_ops")
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner needs a queue and a non-empty list of enqueue_ops")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        if queue_closed_exception_types is None:
            queue_closed_exception_types = (errors.OutOfRangeError,)
        types = tuple(queue_closed_exception_types)
        if not types or not all(isinstance(t, type) and issubclass(t, errors.OpError) for t in types):
            raise TypeError("queue_closed_exception_types, if provided, must be a tuple of tf.errors classes")
        self._queue_closed_exception_types = types
        self._lock = threading.Lock()
        self._runs_per_session: dict[Any, int] = {}
        self._exceptions_raised: list[BaseException] = []

    @property
    def queue(self) -> Any:
        return self._queue

    @property
    def enqueue_ops(self) -> list[Any]:
        return self._enqueue_ops

    @property
    def close_op(self) -> Any:
        return self._close_op

    @property
    def cancel_op(self) -> Any:
        return self._cancel_op

    @property
    def queue_closed_exception_types(self) -> tuple:
        return self._queue_closed_exception_types

    @property
    def exceptions_raised(self) -> list[BaseException]:
        """Exceptions the threads raised when run without a coordinator."""
        return self._exceptions_raised

    @property
    def name(self) -> str:
        return self._queue.name

    def _run(self, sess: Any, enqueue_op: Any, coord: Any) -> None:
        decremented = False
        try:
            while True:
                if coord is not None and coord.should_stop():
                    break
                try:
                    sess.run(enqueue_op)
                except self._queue_closed_exception_types:
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        if self._runs_per_session[sess] == 0:
                            try:
                                sess.run(self._close_op)
                            except Exception as e:  # noqa: BLE001 - as TF: logged, not raised
                                _log.debug("Ignored exception while closing the queue: %s", e)
                    return
        except Exception as e:  # noqa: BLE001 - reported to the coordinator, as TF does
            if _session_closed(sess) or (isinstance(e, errors.CancelledError) and
                                         (coord is None or coord.should_stop())):
                return  # the session closed (or the run was stopped): end quietly
            if coord is not None:
                coord.request_stop(e)
            else:
                _log.error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess: Any, coord: Any) -> None:
        while not coord.wait_for_stop(0.1):
            if _session_closed(sess):
                return
        try:
            sess.run(self._cancel_op)
        except Exception as e:  # noqa: BLE001 - as TF: logged
            _log.debug("Ignored exception while cancelling the queue: %s", e)

    def create_threads(self, sess: Any, coord: Any = None, daemon: bool = False, start: bool = False) -> list[threading.Thread]:
        """Threads running the enqueue ops for `sess` (none if it already has live ones)."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord), name=f"QueueRunner:{self.name}")
                   for op in self._enqueue_ops]
        if coord is not None:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord),
                                            name=f"QueueRunnerCancel:{self.name}"))
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            t.daemon = daemon
            if start:
                t.start()
        return threads


def add_queue_runner(qr: QueueRunner, collection: str = GraphKeys.QUEUE_RUNNERS) -> None:
    """Adds `qr` to `collection` of the default graph (start_queue_runners starts them)."""
    add_to_collection(collection, qr)


def start_queue_runners(sess: Any = None, coord: Any = None, daemon: bool = True, start: bool = True,
                        collection: str = GraphKeys.QUEUE_RUNNERS) -> list[threading.Thread]:
    """Starts the threads of every QueueRunner in `collection` of the session's graph."""
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. Use `with "
                             "sess.as_default()` or pass an explicit session to tf.start_queue_runners(sess=sess)")
    graph = getattr(sess, "graph", None) or get_default_graph()
    with graph.as_default():
        threads: list[threading.Thread] = []
        for qr in get_collection(collection):
            threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
