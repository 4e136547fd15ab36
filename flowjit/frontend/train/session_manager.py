"""`tf.train.SessionManager`: a Session that is restored from a checkpoint or initialized.

The chief calls `prepare_session` (restore the latest checkpoint of `checkpoint_dir`, else run
`init_op`/`init_fn`), others `wait_for_session` (poll until `ready_op` reports no
uninitialized variable). `local_init_op` runs in every new session once
`ready_for_local_init_op` is satisfied, as in TF.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ...ir import errors
from ..client.session import Session
from ..framework.graph import get_default_graph
from ..platform import tf_logging as logging
from .saver import get_checkpoint_state

__all__ = ["SessionManager"]


def _ready(op: Any, sess: Session, what: str) -> tuple[bool, str | None]:
    """Runs a report_uninitialized_variables-like op: ready when it returns no names.

    As TF's: an int32 result counts as ready, and a FailedPreconditionError about
    uninitialized values is "not ready" rather than an error.
    """
    if op is None:
        return True, None
    try:
        value = sess.run(op)
    except errors.FailedPreconditionError as e:
        if "uninitialized" not in str(e):
            logging.warning("%s : error [%s]", what, e)
            raise
        return False, str(e)
    names = np.asarray(value) if value is not None else None
    if names is None or names.dtype == np.int32 or names.size == 0:
        return True, None
    listed = ", ".join(n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names.ravel())
    return False, f"{what}: {listed}"


class SessionManager:
    """Creates Sessions that are ready to use: restored or initialized, local init done."""

    def __init__(self, local_init_op: Any = None, ready_op: Any = None, ready_for_local_init_op: Any = None,
                 graph: Any = None, recovery_wait_secs: float = 30, local_init_run_options: Any = None,
                 local_init_feed_dict: Any = None) -> None:
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph if graph is not None else get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_run_options = local_init_run_options
        self._local_init_feed_dict = local_init_feed_dict
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError("If you pass a ready_for_local_init_op you must also pass a local_init_op , "
                             f"ready_for_local_init_op [{ready_for_local_init_op}]")

    def _restore_checkpoint(self, master: str, saver: Any = None, checkpoint_dir: str | None = None,
                            checkpoint_filename_with_path: str | None = None, wait_for_checkpoint: bool = False,
                            max_wait_secs: float = 7200, config: Any = None) -> tuple[Session, bool]:
        """A new Session, and whether a checkpoint was restored into it."""
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and checkpoint_filename_with_path.")
        sess = Session(master, graph=self._graph, config=config)
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        waited = 0.0
        ckpt = get_checkpoint_state(checkpoint_dir)
        while not ckpt or not ckpt.model_checkpoint_path:
            if wait_for_checkpoint and waited < max_wait_secs:
                logging.info("Waiting for checkpoint to be available.")
                time.sleep(self._recovery_wait_secs)
                waited += self._recovery_wait_secs
                ckpt = get_checkpoint_state(checkpoint_dir)
            else:
                return sess, False
        saver.restore(sess, ckpt.model_checkpoint_path)
        saver.recover_last_checkpoints(ckpt.all_model_checkpoint_paths)
        return sess, True

    def _try_run_local_init_op(self, sess: Session) -> tuple[bool, str | None]:
        if self._local_init_op is None:
            return True, None
        ok, msg = _ready(self._ready_for_local_init_op, sess, "Variables not initialized")
        if not ok:
            return False, msg
        logging.info("Running local_init_op.")
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict, options=self._local_init_run_options)
        logging.info("Done running local_init_op.")
        return True, None

    def prepare_session(self, master: str, init_op: Any = None, saver: Any = None, checkpoint_dir: str | None = None,
                        checkpoint_filename_with_path: str | None = None, wait_for_checkpoint: bool = False,
                        max_wait_secs: float = 7200, config: Any = None, init_feed_dict: Any = None,
                        init_fn: Any = None) -> Session:
        """A Session restored from the latest checkpoint, or initialized by init_op/init_fn."""
        sess, is_loaded = self._restore_checkpoint(master, saver, checkpoint_dir=checkpoint_dir,
                                                   checkpoint_filename_with_path=checkpoint_filename_with_path,
                                                   wait_for_checkpoint=wait_for_checkpoint,
                                                   max_wait_secs=max_wait_secs, config=config)
        if not is_loaded:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        local_ok, msg = self._try_run_local_init_op(sess)
        if not local_ok:
            raise RuntimeError(f"Init operations did not make model ready for local_init.  Init op: {_name(init_op)}, "
                               f"init fn: {init_fn}, error: {msg}")
        ready, msg = _ready(self._ready_op, sess, "Variables not initialized")
        if not ready:
            raise RuntimeError(f"Init operations did not make model ready.  Init op: {_name(init_op)}, "
                               f"init fn: {init_fn}, local_init_op: {_name(self._local_init_op)}, error: {msg}")
        return sess

    def recover_session(self, master: str, saver: Any = None, checkpoint_dir: str | None = None,
                        checkpoint_filename_with_path: str | None = None, wait_for_checkpoint: bool = False,
                        max_wait_secs: float = 7200, config: Any = None) -> tuple[Session, bool]:
        """A Session and whether it was restored from a checkpoint and is ready."""
        sess, is_loaded = self._restore_checkpoint(master, saver, checkpoint_dir=checkpoint_dir,
                                                   checkpoint_filename_with_path=checkpoint_filename_with_path,
                                                   wait_for_checkpoint=wait_for_checkpoint,
                                                   max_wait_secs=max_wait_secs, config=config)
        local_ok, msg = self._try_run_local_init_op(sess)
        if not is_loaded:
            return sess, False
        if not local_ok:
            logging.info("Restoring model from checkpoint did not make model ready for local init: %s", msg)
            return sess, False
        ready, msg = _ready(self._ready_op, sess, "Variables not initialized")
        if not ready:
            logging.info("Restoring model from checkpoint did not make model ready: %s", msg)
            return sess, False
        logging.info("Restored model from checkpoint.")
        return sess, True

    def wait_for_session(self, master: str, config: Any = None, max_wait_secs: float = float("Inf")) -> Session:
        """Polls new Sessions until the model is ready (another process initialized it)."""
        if max_wait_secs is None:
            max_wait_secs = float("Inf")
        start = time.monotonic()
        while True:
            sess = Session(master, graph=self._graph, config=config)
            local_ok, msg = self._try_run_local_init_op(sess)
            if local_ok:
                ready, msg = _ready(self._ready_op, sess, "Variables not initialized")
                if ready:
                    return sess
            sess.close()
            remaining = max_wait_secs - (time.monotonic() - start)
            if remaining < self._recovery_wait_secs:
                raise errors.DeadlineExceededError(
                    None, None, "Session was not ready after waiting %d secs." % (max_wait_secs,))
            logging.info("Waiting for model to be ready.  Ready_for_local_init_op:  %s, ready: %s",
                         _name(self._ready_for_local_init_op), msg)
            time.sleep(self._recovery_wait_secs)


def _name(op: Any) -> str:
    return str(getattr(op, "name", op))
