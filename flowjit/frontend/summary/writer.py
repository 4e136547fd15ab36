"""`tf.summary.FileWriter` and `tf.summary.FileWriterCache` (TF1's summary/writer/writer.py).

A FileWriter appends `Event` protos to one event file in `logdir`: TF's record format
(length, masked CRC-32C of the length, data, masked CRC-32C of the data), written by
TensorBoard's `RecordWriter` from the background thread of its `_AsyncWriter` (the parts of
`tensorboard.summary.writer.event_file_writer.EventFileWriter`): events wait in a queue of
`max_queue`, the thread flushes every `flush_secs`, `flush()`/`close()` write everything, so a
crash loses at most what was still queued.

The file is named as TF 1.x names it, `events.out.tfevents.<10-digit seconds>.<hostname>`
+ `filename_suffix`; if that name is already taken (two writers in one second) `.<pid>.<n>` is
added before the suffix, as later TF does, rather than truncating the other file.
The first event is `Event(wall_time, file_version="brain.Event:2")`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from ...ir import errors
from ...ir.formats import records
from .proto import tb_import, tb_proto

_log = logging.getLogger("flowjit.summary")
_uid_lock = threading.Lock()
_uid = [0]
_WHAT = "tf.summary.FileWriter"


def _next_uid() -> int:
    with _uid_lock:
        _uid[0] += 1
        return _uid[0] - 1


def _make_logdir(logdir: str) -> None:
    """Create logdir (and parents); an unwritable or clashing path is a TF error naming it."""
    try:
        os.makedirs(logdir, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise errors.FailedPreconditionError(
            None, None, f"FileWriter logdir {logdir!r} is not a directory (a file is in the way)") from None
    except PermissionError as exc:
        raise errors.PermissionDeniedError(
            None, None, f"FileWriter cannot create logdir {logdir!r}: {exc.strerror}") from None
    except OSError as exc:
        raise errors.UnknownError(None, None, f"FileWriter cannot create logdir {logdir!r}: {exc}") from None
    if not os.access(logdir, os.W_OK | os.X_OK):
        raise errors.PermissionDeniedError(None, None, f"FileWriter logdir {logdir!r} is not writable")


def event_file_name(logdir: str, filename_suffix: str = "") -> str:
    """TF 1.x's event file name in `logdir`, made unique if a file of that name exists."""
    stem = os.path.join(logdir, "events.out.tfevents.%010d.%s" % (int(time.time()), socket.gethostname()))
    path = stem + filename_suffix
    if os.path.exists(path):
        path = "%s.%d.%d%s" % (stem, os.getpid(), _next_uid(), filename_suffix)
    return path


class EventFileWriter:
    """Writes serialized Events to a new event file, asynchronously (TF1's EventFileWriter)."""

    def __init__(self, logdir: str, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str | None = None) -> None:
        if not isinstance(logdir, (str, os.PathLike)):
            raise TypeError(f"FileWriter logdir must be a path string, got {type(logdir).__name__}")
        self._logdir = os.fspath(logdir)
        self._max_queue = int(max_queue)
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix or ""
        self._event_pb2 = tb_proto("event_pb2", _WHAT)
        self._closed = True
        self._open()

    def _open(self) -> None:
        async_mod = tb_import("tensorboard.summary.writer.event_file_writer", _WHAT)
        _make_logdir(self._logdir)
        self._file_name = event_file_name(self._logdir, self._suffix)
        try:
            self._file = open(self._file_name, "wb")
        except OSError as exc:
            raise errors.PermissionDeniedError(
                None, None, f"FileWriter cannot open event file {self._file_name!r}: {exc.strerror}") from None
        self._writer = async_mod._AsyncWriter(records.RecordWriter(self._file), self._max_queue,
                                              self._flush_secs)
        self._closed = False
        first = self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        self.add_event(first)
        self.flush()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def file_name(self) -> str:
        return self._file_name

    def get_logdir(self) -> str:
        return self._logdir

    def add_event(self, event: Any) -> None:
        if not self._closed:
            self._writer.write(event.SerializeToString())

    def flush(self) -> None:
        if not self._closed:
            self._writer.flush()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._writer.close()

    def reopen(self) -> None:
        """A closed writer starts a new event file; an open one stays as it is."""
        if self._closed:
            self._open()


def _is_graph(obj: Any) -> bool:
    return hasattr(obj, "as_graph_def") and hasattr(obj, "get_operations")


def _graph_def_of(graph: Any) -> Any:
    """`graph.as_graph_def(add_shapes=True)` as a GraphDef proto (anything serializable)."""
    try:
        graph_def = graph.as_graph_def(add_shapes=True)
    except TypeError:
        graph_def = graph.as_graph_def()
    if not hasattr(graph_def, "SerializeToString"):
        raise TypeError("FileWriter.add_graph: graph.as_graph_def() did not return a GraphDef proto "
                        f"(got {type(graph_def).__name__})")
    return graph_def


class FileWriter:
    """`tf.summary.FileWriter`: writes summaries, the graph, run metadata and session logs to an
    event file in `logdir` for TensorBoard.

    `session` is accepted for TF1 compatibility; events are written from Python either way.
    """

    def __init__(self, logdir: str, graph: Any = None, max_queue: int = 10, flush_secs: float = 120,
                 graph_def: Any = None, filename_suffix: str | None = None, session: Any = None) -> None:
        self.event_writer = EventFileWriter(logdir, max_queue, flush_secs, filename_suffix)
        self._pb = {n: tb_proto(n, _WHAT) for n in ("event_pb2", "summary_pb2", "meta_graph_pb2")}
        self._seen_summary_tags: set[str] = set()
        self._session_run_tags: dict[str, bool] = {}
        self._session = session
        if graph is not None or graph_def is not None:
            as_def = self._resolve_graph_def(graph, graph_def)
            self._add_graph_def(as_def)
            meta = self._pb["meta_graph_pb2"].MetaGraphDef()  # TF also writes the graph as a MetaGraphDef
            meta.graph_def.ParseFromString(as_def.SerializeToString())
            self.add_meta_graph(meta)

    # --- context manager ------------------------------------------------------------
    def __enter__(self) -> "FileWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # --- events ---------------------------------------------------------------------
    def _add_event(self, event: Any, step: Any) -> None:
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def _warn_if_closed(self) -> bool:
        if self.event_writer.closed:
            _log.warning("Attempting to use a closed FileWriter. The operation will be a noop unless the "
                         "FileWriter is explicitly reopened.")
            return True
        return False

    def add_event(self, event: Any) -> None:
        """Write one `Event` proto as is (a noop, with a warning, after close())."""
        if not hasattr(event, "SerializeToString") or type(event).__name__ != "Event":
            raise TypeError(f"add_event expects an Event proto, got {type(event).__name__}")
        if self._warn_if_closed():
            return
        self.event_writer.add_event(event)

    def add_summary(self, summary: Any, global_step: Any = None) -> None:
        """Add a `Summary` (a proto or its serialized bytes, e.g. `sess.run(merged)`) at `global_step`.
        Plugin metadata is kept only on the first value of each tag, as TF does."""
        summary_pb2 = self._pb["summary_pb2"]
        if isinstance(summary, (bytes, bytearray)):
            parsed = summary_pb2.Summary()
            try:
                parsed.ParseFromString(bytes(summary))
            except Exception as exc:  # protobuf's DecodeError
                raise ValueError(f"add_summary: the bytes are not a serialized Summary ({exc})") from None
            summary = parsed
        elif hasattr(summary, "SerializeToString") and type(summary).__name__ == "Summary":
            if not isinstance(summary, summary_pb2.Summary):  # e.g. TensorFlow's own Summary class
                summary = summary_pb2.Summary.FromString(summary.SerializeToString())
        else:
            raise TypeError(f"add_summary expects a Summary proto or its serialized bytes, got "
                            f"{type(summary).__name__}")
        for value in summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
                continue
            self._seen_summary_tags.add(value.tag)
        self._add_event(self._pb["event_pb2"].Event(summary=summary), global_step)

    def add_session_log(self, session_log: Any, global_step: Any = None) -> None:
        """Add a `SessionLog` (START, STOP, CHECKPOINT) at `global_step`."""
        event = self._pb["event_pb2"].Event()
        event.session_log.ParseFromString(session_log.SerializeToString())
        self._add_event(event, global_step)

    def add_graph(self, graph: Any, global_step: Any = None, graph_def: Any = None) -> None:
        """Add a graph: a `tf.Graph` (its `as_graph_def(add_shapes=True)`) or a GraphDef proto."""
        self._add_graph_def(self._resolve_graph_def(graph, graph_def), global_step)

    @staticmethod
    def _resolve_graph_def(graph: Any, graph_def: Any) -> Any:
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        source = graph if graph is not None else graph_def
        if _is_graph(source):
            return _graph_def_of(source)
        if hasattr(source, "SerializeToString") and hasattr(source, "node"):
            return source
        raise TypeError("The passed graph must be an instance of `Graph` or the deprecated `GraphDef`")

    def _add_graph_def(self, graph_def: Any, global_step: Any = None) -> None:
        event = self._pb["event_pb2"].Event(graph_def=graph_def.SerializeToString())
        self._add_event(event, global_step)

    def add_meta_graph(self, meta_graph_def: Any, global_step: Any = None) -> None:
        """Add a `MetaGraphDef` proto."""
        if type(meta_graph_def).__name__ != "MetaGraphDef" or not hasattr(meta_graph_def, "SerializeToString"):
            raise TypeError(f"meta_graph_def must be type MetaGraphDef, saw type: {type(meta_graph_def)}")
        event = self._pb["event_pb2"].Event(meta_graph_def=meta_graph_def.SerializeToString())
        self._add_event(event, global_step)

    def add_run_metadata(self, run_metadata: Any, tag: str, global_step: Any = None) -> None:
        """Add a `RunMetadata` (step stats for TensorBoard's compute-time view) under a new `tag`."""
        if tag in self._session_run_tags:
            raise ValueError("The provided tag was already used for this event type")
        if isinstance(run_metadata, (bytes, bytearray)):
            data = bytes(run_metadata)
        elif hasattr(run_metadata, "SerializeToString"):
            data = run_metadata.SerializeToString()
        else:
            raise TypeError(f"add_run_metadata expects a RunMetadata proto, got {type(run_metadata).__name__}")
        self._session_run_tags[tag] = True
        event = self._pb["event_pb2"].Event()
        event.tagged_run_metadata.tag = tag
        event.tagged_run_metadata.run_metadata = data
        self._add_event(event, global_step)

    # --- file -----------------------------------------------------------------------
    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def flush(self) -> None:
        """Write every queued event to disk now."""
        if not self._warn_if_closed():
            self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file; `reopen()` starts a new one."""
        self.event_writer.close()

    def reopen(self) -> None:
        """Reopen a closed writer on a new event file in the same logdir."""
        self.event_writer.reopen()


class FileWriterCache:
    """`tf.summary.FileWriterCache`: one FileWriter per logdir, shared (TF1's writer_cache.py)."""

    _cache: dict[str, FileWriter] = {}
    _lock = threading.RLock()

    @staticmethod
    def get(logdir: str) -> FileWriter:
        """The FileWriter for `logdir`, created with the default graph the first time."""
        from ..framework.graph import get_default_graph

        with FileWriterCache._lock:
            if logdir not in FileWriterCache._cache:
                FileWriterCache._cache[logdir] = FileWriter(logdir, graph=get_default_graph())
            return FileWriterCache._cache[logdir]

    @staticmethod
    def clear() -> None:
        """Close every cached writer and forget them."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}
