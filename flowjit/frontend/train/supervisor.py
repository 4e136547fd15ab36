"""`tf.train.Supervisor`: session setup, periodic checkpoints and coordinated stop for training.

It restores the latest checkpoint in `logdir` (or initializes), and while the session is
managed a background thread saves a checkpoint every `save_model_secs` (the first right at
start, as TF's). `stop()` stops and joins every thread it started. Summaries are not written:
with `summary_op` at its default (or None) no summary thread runs and `summary_writer` is None;
the graph file TF writes to `logdir` is not written either.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterator, Sequence

from ..framework.graph import Graph, GraphKeys, get_default_graph
from ..ops import control_flow, variables
from ..platform import tf_logging as logging
from .coordinator import Coordinator, LooperThread
from .saver import Saver
from .session_manager import SessionManager
from .training_util import get_global_step

__all__ = ["Supervisor"]


class _UseDefault:
    def __repr__(self) -> str:
        return "Supervisor.USE_DEFAULT"


class _CheckpointThread(LooperThread):
    """Saves a checkpoint of the supervised session every `save_model_secs`."""

    def __init__(self, sv: "Supervisor", sess: Any) -> None:
        super().__init__(sv.coord, sv.save_model_secs)
        self.name = "SVTimerCheckpointThread"
        self._sv = sv
        self._sess = sess

    def run_loop(self) -> None:
        logging.info("Saving checkpoint to path %s", self._sv.save_path)
        self._sv.saver.save(self._sess, self._sv.save_path, global_step=self._sv.global_step)


class Supervisor:
    """TF1's training supervisor (chief or worker) over a SessionManager and a Coordinator."""

    USE_DEFAULT: Any = _UseDefault()

    def __init__(self, graph: Graph | None = None, ready_op: Any = USE_DEFAULT,
                 ready_for_local_init_op: Any = USE_DEFAULT, is_chief: bool = True, init_op: Any = USE_DEFAULT,
                 init_feed_dict: Any = None, local_init_op: Any = USE_DEFAULT, logdir: str | None = None,
                 summary_op: Any = USE_DEFAULT, saver: Any = USE_DEFAULT, global_step: Any = USE_DEFAULT,
                 save_summaries_secs: float = 120, save_model_secs: float = 600, recovery_wait_secs: float = 30,
                 stop_grace_secs: float = 120, checkpoint_basename: str = "model.ckpt",
                 session_manager: SessionManager | None = None, summary_writer: Any = USE_DEFAULT,
                 init_fn: Callable[[Any], None] | None = None, local_init_run_options: Any = None) -> None:
        self._graph = graph if graph is not None else get_default_graph()
        with self._graph.as_default():
            self._init_ready_op(ready_op, ready_for_local_init_op)
            self._init_init_op(init_op, init_feed_dict)
            self._init_local_init_op(local_init_op)
            self._init_saver(saver)
            self._init_global_step(global_step)
        self._summary_op = None if summary_op is Supervisor.USE_DEFAULT else summary_op
        if self._summary_op is not None:
            raise NotImplementedError("Supervisor does not write summaries in flowjit yet; pass summary_op=None")
        self._summary_writer = None
        self._save_summaries_secs = save_summaries_secs
        self._is_chief = is_chief
        self._coord = Coordinator()
        self._recovery_wait_secs = recovery_wait_secs
        self._stop_grace_secs = stop_grace_secs
        self._init_fn = init_fn
        self._local_init_run_options = local_init_run_options
        self._started_threads: list[Any] = []
        self._logdir = logdir
        self._save_model_secs = save_model_secs
        self._save_path = os.path.join(logdir, checkpoint_basename) if is_chief and logdir else None
        if session_manager is None:
            session_manager = SessionManager(local_init_op=self._local_init_op, ready_op=self._ready_op,
                                             ready_for_local_init_op=self._ready_for_local_init_op,
                                             graph=self._graph, recovery_wait_secs=recovery_wait_secs,
                                             local_init_run_options=local_init_run_options)
        self._session_manager = session_manager
        self._graph.finalize()

    # --- defaults, as TF builds them ---------------------------------------------------
    def _first_in_collection(self, key: str) -> Any:
        found = self._graph.get_collection(key)
        if len(found) > 1:
            raise RuntimeError(f"More than one item in the collection \"{key}\". Please indicate which one to use "
                               "by passing it to the constructor.")
        return found[0] if found else None

    def _init_ready_op(self, ready_op: Any, ready_for_local_init_op: Any) -> None:
        if ready_op is Supervisor.USE_DEFAULT:
            ready_op = self._first_in_collection(GraphKeys.READY_OP)
            if ready_op is None:
                ready_op = variables.report_uninitialized_variables()
                self._graph.add_to_collection(GraphKeys.READY_OP, ready_op)
        self._ready_op = ready_op
        if ready_for_local_init_op is Supervisor.USE_DEFAULT:
            ready_for_local_init_op = variables.report_uninitialized_variables(variables.global_variables())
        self._ready_for_local_init_op = ready_for_local_init_op

    def _init_init_op(self, init_op: Any, init_feed_dict: Any) -> None:
        if init_op is Supervisor.USE_DEFAULT:
            init_op = self._first_in_collection(GraphKeys.INIT_OP)
            if init_op is None:
                init_op = variables.global_variables_initializer()
                self._graph.add_to_collection(GraphKeys.INIT_OP, init_op)
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict

    def _init_local_init_op(self, local_init_op: Any) -> None:
        if local_init_op is Supervisor.USE_DEFAULT:
            local_init_op = self._first_in_collection(GraphKeys.LOCAL_INIT_OP)
            if local_init_op is None:
                ops = [variables.local_variables_initializer(), *self._graph.get_collection(GraphKeys.TABLE_INITIALIZERS)]
                local_init_op = control_flow.group(*ops)
                self._graph.add_to_collection(GraphKeys.LOCAL_INIT_OP, local_init_op)
        self._local_init_op = local_init_op

    def _init_saver(self, saver: Any) -> None:
        if saver is Supervisor.USE_DEFAULT:
            saver = self._first_in_collection(GraphKeys.SAVERS)
            if saver is None and variables.global_variables():
                saver = Saver()
                self._graph.add_to_collection(GraphKeys.SAVERS, saver)
        self._saver = saver

    def _init_global_step(self, global_step: Any) -> None:
        if global_step is Supervisor.USE_DEFAULT:
            global_step = get_global_step(self._graph)
        self._global_step = global_step

    # --- properties ----------------------------------------------------------------------
    @property
    def is_chief(self) -> bool:
        return self._is_chief

    @property
    def session_manager(self) -> SessionManager:
        return self._session_manager

    @property
    def coord(self) -> Coordinator:
        return self._coord

    @property
    def init_op(self) -> Any:
        return self._init_op

    @property
    def init_feed_dict(self) -> Any:
        return self._init_feed_dict

    @property
    def ready_op(self) -> Any:
        return self._ready_op

    @property
    def ready_for_local_init_op(self) -> Any:
        return self._ready_for_local_init_op

    @property
    def summary_writer(self) -> Any:
        return self._summary_writer

    @property
    def summary_op(self) -> Any:
        return self._summary_op

    @property
    def save_summaries_secs(self) -> float:
        return self._save_summaries_secs

    @property
    def global_step(self) -> Any:
        return self._global_step

    @property
    def saver(self) -> Any:
        return self._saver

    @property
    def save_model_secs(self) -> float:
        return self._save_model_secs

    @property
    def save_path(self) -> str | None:
        return self._save_path

    # --- sessions and threads --------------------------------------------------------------
    def prepare_or_wait_for_session(self, master: str = "", config: Any = None, wait_for_checkpoint: bool = False,
                                    max_wait_secs: float = 7200, start_standard_services: bool = True) -> Any:
        """The chief restores from `logdir` or initializes; a worker waits until the model is ready."""
        self._coord.clear_stop()
        if self._is_chief:
            sess = self._session_manager.prepare_session(
                master, init_op=self._init_op, saver=self._saver, checkpoint_dir=self._logdir,
                wait_for_checkpoint=wait_for_checkpoint, max_wait_secs=max_wait_secs, config=config,
                init_feed_dict=self._init_feed_dict, init_fn=self._init_fn)
            if start_standard_services:
                logging.info("Starting standard services.")
                self.start_standard_services(sess)
        else:
            sess = self._session_manager.wait_for_session(master, config=config, max_wait_secs=max_wait_secs)
        return sess

    def start_standard_services(self, sess: Any) -> list[Any]:
        """Starts the checkpoint thread (chief only; needs logdir, a saver and save_model_secs)."""
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services. Because only chief "
                               "supervisors can write events.")
        threads: list[Any] = []
        if self._logdir and self._save_model_secs and self._saver is not None:
            threads.append(_CheckpointThread(self, sess))
        for t in threads:
            t.start()
        self._started_threads.extend(threads)
        return threads

    def start_queue_runners(self, sess: Any, queue_runners: Sequence[Any] | None = None) -> list[Any]:
        """Starts the graph's QueueRunners (or `queue_runners`) under this supervisor's coordinator."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord, daemon=True, start=True))
        return threads

    def loop(self, timer_interval_secs: float | None, target: Callable[..., Any], args: Sequence[Any] | None = None,
             kwargs: dict[str, Any] | None = None) -> LooperThread:
        """Calls `target(*args, **kwargs)` every `timer_interval_secs` on a thread until stop."""
        looper = LooperThread(self._coord, timer_interval_secs, target=target, args=args, kwargs=kwargs)
        looper.start()
        self._started_threads.append(looper)
        return looper

    def stop(self, threads: Sequence[Any] | None = None, close_summary_writer: bool = True,
             ignore_live_threads: bool = False) -> None:
        """Requests stop and joins the started threads (re-raising an error reported to coord)."""
        join_threads = list(self._started_threads)
        if threads is not None:
            join_threads.extend(threads)
        self._coord.request_stop()
        try:
            self._coord.join(join_threads, stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            self._started_threads = []

    def request_stop(self, ex: Any = None) -> None:
        self._coord.request_stop(ex=ex)

    def should_stop(self) -> bool:
        return self._coord.should_stop()

    def stop_on_exception(self) -> Any:
        return self._coord.stop_on_exception()

    def wait_for_stop(self) -> None:
        self._coord.wait_for_stop()

    @contextlib.contextmanager
    def managed_session(self, master: str = "", config: Any = None, start_standard_services: bool = True,
                        close_summary_writer: bool = True) -> Iterator[Any]:
        """A ready session; on exit stops the services and closes it (OutOfRangeError ends cleanly)."""
        sess = self.prepare_or_wait_for_session(master=master, config=config,
                                                start_standard_services=start_standard_services)
        try:
            yield sess
        except Exception as e:  # noqa: BLE001 (reported to coord; join re-raises what is not a clean stop)
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                try:
                    sess.close()
                except Exception:  # noqa: BLE001 (as TF: a failing close must not hide the real error)
                    pass

    # TF1's CamelCase aliases.
    PrepareSession = prepare_or_wait_for_session
    StartStandardServices = start_standard_services
    Stop = stop
    RequestStop = request_stop
    Loop = loop
    ShouldStop = should_stop
