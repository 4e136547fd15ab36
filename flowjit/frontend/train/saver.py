"""`tf.train.Saver` and checkpoint files.

A checkpoint saved at prefix P (e.g. `ckpt/model-1000`) is ONE file, `P.fjckpt`, so a save
is atomic: the bytes go to a temporary file in the same folder, which is flushed, fsynced and
then renamed over the target with `os.replace`. A crash mid-save leaves the previous
checkpoint (and the `checkpoint` state file) untouched; the temporary a killed save leaves
behind (`.P.fjckpt.HOST-PID.RANDOM.tmp`) is deleted by the next save to P once its writer
is gone. The state file `checkpoint` in the folder is TF's text format and is replaced the
same way.

The file format (little-endian, no pickle):

    magic    8 bytes   b"FJCKPT\\x00\\x01"
    hlen     8 bytes   uint64, length of the header
    header   hlen      UTF-8 JSON: {"format": "flowjit-checkpoint", "version": 1,
                                    "tensors": [{"name", "dtype", "shape", "offset",
                                                 "nbytes", "crc32"}, ...]}
    hcrc     4 bytes   uint32 CRC-32 of the header bytes
    data               each tensor's bytes in C order (little-endian), at header offset
                       `offset` counted from the start of the data; strings are stored as
                       uint32 length + UTF-8 bytes per element

Each tensor carries its own CRC-32, so a damaged file is a `DataLossError` that names the
variable whose bytes are wrong; a variable missing from the file is a `NotFoundError` and a
shape or dtype that does not match the graph is an `InvalidArgumentError`, both naming it.
Restoring checks every variable before assigning any, so a failed restore changes nothing.
"""

from __future__ import annotations

import json
import numbers
import os
import re
import struct
import tempfile
import time
import zlib
from typing import Any, BinaryIO, Callable, Iterable, Sequence

import numpy as np

from ...ir import dtypes, errors
from ...ir.dtypes import as_dtype
from ..framework.graph import GraphKeys, get_default_graph

__all__ = ["Saver", "latest_checkpoint", "get_checkpoint_state", "update_checkpoint_state", "checkpoint_exists",
           "get_checkpoint_mtimes", "remove_checkpoint", "CheckpointState", "NewCheckpointReader",
           "CheckpointReader", "list_variables", "load_variable", "load_checkpoint", "SaverDef"]

CHECKPOINT_SUFFIX = ".fjckpt"
MAGIC = b"FJCKPT\x00\x01"
FORMAT_NAME = "flowjit-checkpoint"
FORMAT_VERSION = 1
_CHUNK = 1 << 22  # bytes written per call (crc and write in 4 MiB pieces)


class SaverDef:
    """Save format versions, accepted as `write_version` for TF compatibility."""

    LEGACY = 0
    V1 = 1
    V2 = 2


# --- the file format ------------------------------------------------------------------

def checkpoint_file(prefix: str) -> str:
    """The file that holds the checkpoint with prefix `prefix`."""
    return os.fspath(prefix) + CHECKPOINT_SUFFIX


def _encode(array: np.ndarray) -> tuple[str, bytes | None, np.ndarray | None]:
    """(dtype name, bytes for strings or None, contiguous little-endian array or None)."""
    dt = as_dtype(array.dtype) if array.dtype != object else dtypes.string
    if dt == dtypes.string:
        parts = []
        for item in array.reshape(-1):
            raw = item.encode("utf-8") if isinstance(item, str) else bytes(item)
            parts.append(struct.pack("<I", len(raw)) + raw)
        return dt.name, b"".join(parts), None
    little = np.array(array, dtype=array.dtype.newbyteorder("<"), order="C", copy=True)  # keeps 0-d shapes
    return dt.name, None, little


def _write_chunk(f: BinaryIO, data: Any) -> None:
    """Write one piece of the file (tests replace this to simulate a crash mid-save)."""
    f.write(data)


def write_checkpoint_file(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Write `tensors` (name -> array) to `path` atomically: temp file, fsync, os.replace."""
    entries = []
    payloads: list[Any] = []
    offset = 0
    for name, array in tensors.items():
        array = np.asarray(array)
        dtype_name, raw, little = _encode(array)
        if raw is not None:
            view = memoryview(raw)
        else:
            view = memoryview(little).cast("B") if little.size else memoryview(b"")
        crc = 0
        for start in range(0, len(view), _CHUNK):
            crc = zlib.crc32(view[start:start + _CHUNK], crc)
        entries.append({"name": name, "dtype": dtype_name, "shape": list(array.shape), "offset": offset,
                        "nbytes": len(view), "crc32": crc})
        payloads.append(view)
        offset += len(view)
    header = json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "tensors": entries},
                        separators=(",", ":")).encode("utf-8")

    def write(f: BinaryIO) -> None:
        _write_chunk(f, MAGIC + struct.pack("<Q", len(header)))
        _write_chunk(f, header)
        _write_chunk(f, struct.pack("<I", zlib.crc32(header)))
        for view in payloads:
            for start in range(0, len(view), _CHUNK):
                _write_chunk(f, view[start:start + _CHUNK])

    atomic_write(path, write)


def atomic_write(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Run `write(f)` on a temp file next to `path`, fsync it, then rename it over `path`.

    Temporaries left by an earlier writer that was killed (SIGKILL, power loss) are removed
    first, so repeated crashes cannot fill the disk; the temp of this write is removed if
    anything fails before the rename.
    """
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=_TEMP_SUFFIX, dir=folder)
    renamed = False
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        renamed = True
    finally:
        if not renamed:
            _unlink_quietly(tmp)
    _fsync_folder(folder)


# --- temporaries of interrupted writes ----------------------------------------------------
#
# The temp of a write to folder/NAME is folder/.NAME.HOST-PID.RANDOM.tmp: HOST is a short hash
# of the host name and PID the writer's process id, so a later save can tell a dead writer's
# leftover (remove it) from a write still running in another thread or process (keep it).

_TEMP_SUFFIX = ".tmp"
_FOREIGN_STALE_S = 3600.0  # a temp from another host untouched this long is abandoned


def _host_tag() -> str:
    """8 hex digits naming this machine (host names may hold dots, which the pattern avoids)."""
    import socket

    return zlib.crc32(socket.gethostname().encode("utf-8", "surrogateescape")).to_bytes(4, "big").hex()


def _temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}.{_host_tag()}-{os.getpid()}."


def _temp_pattern(path: str) -> "re.Pattern[str]":
    """Matches exactly the temp names `atomic_write(path)` makes (RANDOM has no dots)."""
    base = re.escape(os.path.basename(path))
    return re.compile(rf"\.{base}\.([0-9a-f]{{8}})-([0-9]+)\.[A-Za-z0-9_]+{re.escape(_TEMP_SUFFIX)}")


def _process_alive(pid: int) -> bool:
    """Whether process `pid` exists on this host (a zombie counts: it is not reaped yet)."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def _is_abandoned(full: str, host: str, pid: int) -> bool:
    if host == _host_tag():
        return pid != os.getpid() and not _process_alive(pid)
    try:
        return time.time() - os.stat(full).st_mtime > _FOREIGN_STALE_S
    except OSError:
        return False


def remove_stale_temporaries(path: str) -> list[str]:
    """Delete temps of interrupted writes to `path` whose writer is gone; returns their paths.

    Only names matching this module's temp pattern for `path` are touched, never other files.
    """
    folder = os.path.dirname(os.path.abspath(path))
    pattern = _temp_pattern(path)
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        full = os.path.join(folder, name)
        if _is_abandoned(full, m.group(1), int(m.group(2))) and _unlink_quietly(full):
            removed.append(full)
    return removed


def _unlink_quietly(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


def _fsync_folder(folder: str) -> None:
    """Make a rename in `folder` durable (not possible on every platform: then skipped)."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


class CheckpointReader:
    """Reads a checkpoint file; `tf.train.NewCheckpointReader(prefix)`."""

    def __init__(self, prefix: str) -> None:
        self._prefix = os.fspath(prefix)
        path = checkpoint_file(self._prefix)
        if not os.path.isfile(path):
            raise errors.NotFoundError(None, None, f"Unsuccessful checkpoint read: no checkpoint file {path!r} "
                                       f"for prefix {self._prefix!r}")
        self._path = path
        with open(path, "rb") as f:
            self._data = f.read()
        self._entries = self._parse_header()

    def _loss(self, message: str) -> errors.OpError:
        return errors.DataLossError(None, None, f"Checkpoint {self._path} is corrupt: {message}")

    def _parse_header(self) -> dict[str, dict[str, Any]]:
        data = self._data
        if len(data) < 16 or data[:8] != MAGIC:
            raise self._loss("not a flowjit checkpoint (bad magic bytes)")
        (hlen,) = struct.unpack("<Q", data[8:16])
        if 16 + hlen + 4 > len(data):
            raise self._loss(f"header of {hlen} bytes runs past the end of the file ({len(data)} bytes): "
                             "the file is truncated")
        header = data[16:16 + hlen]
        (hcrc,) = struct.unpack("<I", data[16 + hlen:20 + hlen])
        if zlib.crc32(header) != hcrc:
            raise self._loss("header checksum mismatch")
        try:
            meta = json.loads(header.decode("utf-8"))
        except ValueError as e:
            raise self._loss(f"unreadable header ({e})") from None
        if meta.get("format") != FORMAT_NAME:
            raise self._loss(f"unknown format {meta.get('format')!r}")
        if meta.get("version") != FORMAT_VERSION:
            raise errors.UnimplementedError(None, None, f"Checkpoint {self._path} has format version "
                                            f"{meta.get('version')}; this flowjit reads version {FORMAT_VERSION}")
        self._data_start = 20 + hlen
        entries = {}
        for e in meta["tensors"]:
            entries[e["name"]] = e
        return entries

    @property
    def path(self) -> str:
        return self._path

    def has_tensor(self, name: str) -> bool:
        return name in self._entries

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {n: list(e["shape"]) for n, e in self._entries.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        return {n: as_dtype(e["dtype"]) if e["dtype"] != "string" else dtypes.string
                for n, e in self._entries.items()}

    def get_tensor(self, name: str) -> np.ndarray:
        e = self._entries.get(name)
        if e is None:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint {self._path}")
        start = self._data_start + e["offset"]
        end = start + e["nbytes"]
        if end > len(self._data):
            raise errors.DataLossError(None, None, f"Checkpoint {self._path} is truncated: the data of variable "
                                       f"'{name}' ends at byte {end}, the file has {len(self._data)} bytes")
        raw = memoryview(self._data)[start:end]
        if zlib.crc32(raw) != e["crc32"]:
            raise errors.DataLossError(None, None, f"Checkpoint {self._path} is corrupt: checksum mismatch in the "
                                       f"data of variable '{name}'")
        shape = tuple(e["shape"])
        if e["dtype"] == "string":
            return _decode_strings(raw, shape, name, self._path)
        np_dtype = np.dtype(as_dtype(e["dtype"]).np_dtype).newbyteorder("<")
        count = int(np.prod(shape, dtype=np.int64))
        if count * np_dtype.itemsize != e["nbytes"]:
            raise errors.DataLossError(None, None, f"Checkpoint {self._path} is corrupt: variable '{name}' has "
                                       f"{e['nbytes']} bytes, its shape {list(shape)} needs "
                                       f"{count * np_dtype.itemsize}")
        arr = np.frombuffer(raw, dtype=np_dtype, count=count).reshape(shape)
        return arr.astype(np_dtype.newbyteorder("="), copy=True)

    def debug_string(self) -> bytes:
        lines = [f"{n} ({e['dtype']}) {e['shape']}" for n, e in sorted(self._entries.items())]
        return ("\n".join(lines) + "\n").encode()


def _decode_strings(raw: memoryview, shape: tuple[int, ...], name: str, path: str) -> np.ndarray:
    out = []
    pos = 0
    data = bytes(raw)
    count = int(np.prod(shape, dtype=np.int64))
    for _ in range(count):
        if pos + 4 > len(data):
            raise errors.DataLossError(None, None, f"Checkpoint {path} is corrupt: strings of '{name}' truncated")
        (n,) = struct.unpack("<I", data[pos:pos + 4])
        out.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n
    arr = np.empty(count, dtype=object)
    arr[:] = out
    return arr.reshape(shape)


def NewCheckpointReader(filepattern: str) -> CheckpointReader:  # noqa: N802 (TF's name)
    return CheckpointReader(filepattern)


def _reader_for(ckpt_dir_or_file: str) -> CheckpointReader:
    if os.path.isdir(ckpt_dir_or_file):
        prefix = latest_checkpoint(ckpt_dir_or_file)
        if prefix is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {ckpt_dir_or_file}")
        return CheckpointReader(prefix)
    return CheckpointReader(ckpt_dir_or_file)


def load_checkpoint(ckpt_dir_or_file: str) -> CheckpointReader:
    return _reader_for(ckpt_dir_or_file)


def list_variables(ckpt_dir_or_file: str) -> list[tuple[str, list[int]]]:
    """[(name, shape)] of the variables in a checkpoint (a prefix or a folder), sorted by name."""
    reader = _reader_for(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file: str, name: str) -> np.ndarray:
    if name.endswith(":0"):
        name = name[:-2]
    return _reader_for(ckpt_dir_or_file).get_tensor(name)


# --- the `checkpoint` state file ------------------------------------------------------

class CheckpointState:
    """The content of a folder's `checkpoint` file (TF's CheckpointState proto)."""

    def __init__(self, model_checkpoint_path: str = "", all_model_checkpoint_paths: Sequence[str] = (),
                 all_model_checkpoint_timestamps: Sequence[float] = (), last_preserved_timestamp: float = 0.0) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self) -> str:
        return _state_text(self)


def _quote(s: str) -> str:
    return json.dumps(s)


def _state_text(state: CheckpointState) -> str:
    lines = [f"model_checkpoint_path: {_quote(state.model_checkpoint_path)}"]
    lines += [f"all_model_checkpoint_paths: {_quote(p)}" for p in state.all_model_checkpoint_paths]
    lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in state.all_model_checkpoint_timestamps]
    if state.last_preserved_timestamp:
        lines.append(f"last_preserved_timestamp: {state.last_preserved_timestamp!r}")
    return "\n".join(lines) + "\n"


def _parse_state(text: str) -> CheckpointState:
    state = CheckpointState()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad line {line!r}")
        key, value = key.strip(), value.strip()
        if key == "model_checkpoint_path":
            state.model_checkpoint_path = json.loads(value)
        elif key == "all_model_checkpoint_paths":
            state.all_model_checkpoint_paths.append(json.loads(value))
        elif key == "all_model_checkpoint_timestamps":
            state.all_model_checkpoint_timestamps.append(float(value))
        elif key == "last_preserved_timestamp":
            state.last_preserved_timestamp = float(value)
        else:
            raise ValueError(f"unknown field {key!r}")
    return state


def _state_path(checkpoint_dir: str, latest_filename: str | None) -> str:
    return os.path.join(checkpoint_dir, latest_filename or "checkpoint")


def get_checkpoint_state(checkpoint_dir: str, latest_filename: str | None = None) -> CheckpointState | None:
    """The folder's `checkpoint` file, with relative paths made relative to the folder; None
    if there is no such file (or it cannot be read)."""
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            state = _parse_state(f.read())
    except (OSError, ValueError, UnicodeDecodeError) as e:
        import warnings

        warnings.warn(f"{path}: unreadable checkpoint state file ({e}); checkpoint ignored")
        return None
    if not state.model_checkpoint_path:
        raise ValueError(f"Invalid checkpoint state loaded from {checkpoint_dir}")

    def absolute(p: str) -> str:
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)

    state.model_checkpoint_path = absolute(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [absolute(p) for p in state.all_model_checkpoint_paths]
    return state


def update_checkpoint_state(save_dir: str, model_checkpoint_path: str,
                            all_model_checkpoint_paths: Sequence[str] | None = None,
                            latest_filename: str | None = None,
                            all_model_checkpoint_timestamps: Sequence[float] | None = None,
                            last_preserved_timestamp: float | None = None) -> None:
    """Write the folder's `checkpoint` file atomically; paths inside the folder are stored
    relative to it, so the folder can be moved."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths = [p for p in paths if p != model_checkpoint_path] + [model_checkpoint_path]

    def rel(p: str) -> str:
        try:
            r = os.path.relpath(os.path.abspath(p), os.path.abspath(save_dir or "."))
        except ValueError:
            return os.path.abspath(p)
        return r if not r.startswith("..") else os.path.abspath(p)

    state = CheckpointState(rel(model_checkpoint_path), [rel(p) for p in paths],
                            list(all_model_checkpoint_timestamps or []), last_preserved_timestamp or 0.0)
    text = _state_text(state).encode("utf-8")
    atomic_write(_state_path(save_dir or ".", latest_filename), lambda f: f.write(text))


def checkpoint_exists(checkpoint_prefix: str) -> bool:
    return os.path.isfile(checkpoint_file(checkpoint_prefix))


def latest_checkpoint(checkpoint_dir: str, latest_filename: str | None = None) -> str | None:
    """The prefix of the newest checkpoint recorded in `checkpoint_dir`, or None."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path and checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None


def get_checkpoint_mtimes(checkpoint_prefixes: Iterable[str]) -> list[float]:
    return [os.stat(checkpoint_file(p)).st_mtime for p in checkpoint_prefixes if checkpoint_exists(p)]


def remove_checkpoint(checkpoint_prefix: str, checkpoint_format_version: int = SaverDef.V2,
                      meta_graph_suffix: str = "meta") -> None:
    for path in (checkpoint_file(checkpoint_prefix), f"{checkpoint_prefix}.{meta_graph_suffix}"):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


# --- Saver ----------------------------------------------------------------------------

def _saveable_dict(var_list: Any) -> dict[str, Any]:
    """name in the checkpoint -> Variable."""
    from ..ops.variables import Variable

    if isinstance(var_list, dict):
        out = {}
        for name, var in var_list.items():
            if not isinstance(var, Variable):
                raise TypeError(f"Saver: the value for {name!r} must be a tf.Variable, got {var!r}")
            out[str(name)] = var
        return out
    out = {}
    for var in var_list:
        if not isinstance(var, Variable):
            raise TypeError(f"Variable to save is not a Variable: {var!r}")
        name = var.var_name
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = var
    return out


def _make_parent(parent: str, save_path: str) -> None:
    """Create the checkpoint's folder when only that last level is missing, as TF does.

    TF (2.21 checked) makes `ckpt/` for `ckpt/model` but refuses `a/b/model` when `a/` is
    missing too, so a mistyped path fails loudly instead of growing a tree of folders.
    """
    if not parent or os.path.isdir(parent):
        return
    grandparent = os.path.dirname(os.path.abspath(parent))
    if not os.path.isdir(grandparent):
        raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
    try:
        os.mkdir(parent)
    except FileExistsError:
        if not os.path.isdir(parent):  # a file of that name is in the way
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.") from None
    except OSError as e:
        raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save. ({e})") from e


class Saver:
    """Saves and restores variables (`tf.train.Saver`).

    `save(sess, "ckpt/model", global_step=step)` writes `ckpt/model-<step>.fjckpt`, records it
    in `ckpt/checkpoint` and deletes the oldest files beyond `max_to_keep`;
    `restore(sess, tf.train.latest_checkpoint("ckpt"))` loads it back.
    """

    def __init__(self, var_list: Any = None, reshape: bool = False, sharded: bool = False, max_to_keep: int | None = 5,
                 keep_checkpoint_every_n_hours: float = 10000.0, name: str | None = None,
                 restore_sequentially: bool = False, saver_def: Any = None, builder: Any = None,
                 defer_build: bool = False, allow_empty: bool = False, write_version: int = SaverDef.V2,
                 pad_step_number: bool = False, save_relative_paths: bool = False, filename: str | None = None) -> None:
        from ..ops import variables

        if var_list is None:
            var_list = variables.global_variables() + get_default_graph().get_collection("saveable_objects")
        self._var_list = var_list
        self._reshape = reshape
        self._sharded = sharded
        self._max_to_keep = max_to_keep
        self._keep_every_n_hours = keep_checkpoint_every_n_hours
        self._next_checkpoint_time = time.time() + keep_checkpoint_every_n_hours * 3600
        self._name = name or "save"
        self._allow_empty = allow_empty
        self._pad_step_number = pad_step_number
        self._filename = filename
        self._last_checkpoints: list[tuple[str, float]] = []
        self._checkpoints_to_be_deleted: list[tuple[str, float]] = []
        self._built = False
        self._names_to_vars: dict[str, Any] = {}
        self._restore_feeds: dict[str, Any] = {}
        self._restore_op: Any = None
        if not defer_build:
            self.build()

    def build(self) -> None:
        """Add the restore ops (one placeholder and Assign per variable) to the graph."""
        if self._built:
            return
        self._names_to_vars = _saveable_dict(self._var_list)
        self._is_empty = not self._names_to_vars
        if self._is_empty:
            if not self._allow_empty:
                raise ValueError("No variables to save")
            self._built = True
            return
        graph = next(iter(self._names_to_vars.values())).graph
        from ..ops.variables import assign, group_ops

        assigns = []
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(self._name):
            for ckpt_name, var in self._names_to_vars.items():
                with graph.device(var.device or None):
                    ph = graph.create_op("Placeholder", [], {"dtype": var.dtype, "shape": var.shape},
                                         name="restore_value").outputs[0]
                    assigns.append(assign(var, ph, validate_shape=True, name="Assign").op)
                self._restore_feeds[ckpt_name] = ph
            self._restore_op = group_ops(assigns, name="restore_all")
        self._graph = graph
        graph.add_to_collection(GraphKeys.SAVERS, self)
        self._built = True

    # --- bookkeeping of old checkpoints ---------------------------------------------------
    @property
    def last_checkpoints(self) -> list[str]:
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints: Sequence[str]) -> None:
        self._last_checkpoints = [(p, time.time()) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time: Sequence[tuple[str, float]]) -> None:
        self._last_checkpoints = list(last_checkpoints_with_time)

    def recover_last_checkpoints(self, checkpoint_paths: Sequence[str]) -> None:
        """Adopt existing checkpoints (oldest first) so that max_to_keep deletes them in turn."""
        mtimes = {p: os.stat(checkpoint_file(p)).st_mtime for p in checkpoint_paths if checkpoint_exists(p)}
        self.set_last_checkpoints_with_time([(p, mtimes[p]) for p in checkpoint_paths if p in mtimes])

    def _record_last_checkpoint(self, path: str) -> None:
        if not self._max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        while len(self._last_checkpoints) > self._max_to_keep:
            self._checkpoints_to_be_deleted.append(self._last_checkpoints.pop(0))

    def _maybe_delete_old_checkpoints(self, meta_graph_suffix: str) -> None:
        while self._checkpoints_to_be_deleted:
            path, stamp = self._checkpoints_to_be_deleted.pop(0)
            if self._next_checkpoint_time <= stamp:  # keep one every N hours
                self._next_checkpoint_time += self._keep_every_n_hours * 3600
                continue
            remove_checkpoint(path, meta_graph_suffix=meta_graph_suffix)

    # --- save / restore -------------------------------------------------------------------
    def save(self, sess: Any, save_path: str, global_step: Any = None, latest_filename: str | None = None,
             meta_graph_suffix: str = "meta", write_meta_graph: bool = True, write_state: bool = True,
             strip_default_attrs: bool = False, save_debug_info: bool = False) -> str | None:
        """Write the variables' values; returns the checkpoint prefix (`save_path-<step>`)."""
        self.build()
        if latest_filename is None:
            latest_filename = "checkpoint"
        save_path = os.fspath(save_path)
        if global_step is not None:
            if not isinstance(global_step, numbers.Number):
                global_step = int(sess.run(global_step))
            prefix = f"{save_path}-{int(global_step):08d}" if self._pad_step_number else f"{save_path}-{int(global_step)}"
        else:
            prefix = save_path
            if os.path.basename(save_path) == latest_filename:
                raise ValueError(f"'latest_filename' collides with 'save_path': '{latest_filename}' and '{save_path}'")
        parent = os.path.dirname(save_path)
        if self._is_empty:
            return None
        _make_parent(parent, save_path)
        if sess is None:
            from ..client.session import get_default_session

            sess = get_default_session()
        names = list(self._names_to_vars)
        values = sess.run([self._names_to_vars[n] for n in names])
        tensors = {n: np.asarray(v) for n, v in zip(names, values)}
        write_checkpoint_file(checkpoint_file(prefix), tensors)
        if write_state:
            self._record_last_checkpoint(prefix)
            update_checkpoint_state(parent, prefix, self.last_checkpoints if self._max_to_keep else [prefix],
                                    latest_filename=latest_filename)
            self._maybe_delete_old_checkpoints(meta_graph_suffix)
        return prefix

    def restore(self, sess: Any, save_path: str | None) -> None:
        """Load every variable from the checkpoint at prefix `save_path`.

        All values are read and checked first (missing key: NotFoundError; shape or dtype
        mismatch: InvalidArgumentError; damaged bytes: DataLossError, each naming the
        variable), then assigned in one run, so a failed restore leaves the session as it was.
        """
        self.build()
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if not checkpoint_exists(save_path):
            raise errors.NotFoundError(None, None, f"The passed save_path is not a valid checkpoint: {save_path} "
                                       f"(no file {checkpoint_file(save_path)})")
        if self._is_empty:
            return
        reader = CheckpointReader(save_path)
        feeds = {}
        for name, var in self._names_to_vars.items():
            node = var.op.node
            if not reader.has_tensor(name):
                raise errors.node_error(errors.NotFoundError, node,
                                        f"Key {name} not found in checkpoint {reader.path} (restoring variable "
                                        f"{var.name})")
            try:
                value = reader.get_tensor(name)
            except errors.DataLossError as e:
                raise errors.node_error(errors.DataLossError, node, f"{e.message} (restoring variable {var.name})") from None
            want = var.dtype
            got_name = "string" if value.dtype == object else as_dtype(value.dtype).name
            if got_name != want.name:
                raise errors.node_error(errors.InvalidArgumentError, node,
                                        f"dtype mismatch restoring variable {name}: the graph has {want.name}, "
                                        f"checkpoint {reader.path} has {got_name}")
            if not var.shape.is_compatible_with(value.shape):
                if self._reshape and var.shape.num_elements() == value.size:
                    value = value.reshape(var.shape.as_list())
                else:
                    raise errors.node_error(errors.InvalidArgumentError, node,
                                            f"Assign requires shapes of both tensors to match: variable {name} has "
                                            f"shape {var.shape.as_list()} in the graph, {list(value.shape)} in "
                                            f"checkpoint {reader.path}")
            feeds[self._restore_feeds[name]] = value
        sess.run(self._restore_op, feed_dict=feeds)

    def export_meta_graph(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("flowjit checkpoints hold variable values only; rebuild the graph in Python "
                                  "and restore into it")

    def to_proto(self, export_scope: Any = None) -> Any:
        raise NotImplementedError("Saver.to_proto is not supported by flowjit")
