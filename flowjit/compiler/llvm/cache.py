"""The disk object cache: keys, fingerprints and integrity-checked entries.

Object code is cached on disk (`FLOWJIT_CACHE_DIR`, default `~/.cache/flowjit`), keyed by
the caller's key plus everything that changes machine code: target triple, CPU name and
features, LLVM and llvmlite versions, optimization level and the compiler's own source
(`compiler_fingerprint`).

Loading machine code is the one step where a bad file crashes the process (SIGSEGV, SIGILL)
instead of raising, so every disk entry is a pair written in this order: `<name>-<key>.o`, then
`<name>-<key>.json`, a record holding the key, the object's size and sha256, the caller's
metadata and a sha256 over all of that. Both files are written to a temporary file, fsynced and
renamed into place; the record is the commit point (an object without one is an unfinished
write, a plain miss). An entry whose record or object does not match (empty, truncated,
garbage, a flipped byte, another key) is never loaded: it counts as a miss, is recompiled and
replaced, and the first one in a process raises a `CacheIntegrityWarning`.

Options: FLOWJIT_CACHE_DIR, FLOWJIT_CACHE=0 (no disk cache), FLOWJIT_CACHE_MAX_MB (after a
write, the least recently used objects go until the folder is under 80% of the limit).
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import tempfile
import threading
import warnings
from typing import Any

import llvmlite
import llvmlite.binding as llvm

from ... import options
from ..targets.cpu import host_target


stats = {"compiled": 0, "disk_hits": 0, "memory_hits": 0, "disk_damaged": 0}  # of this process

# --- fingerprints and keys ---------------------------------------------------------------

_fingerprint: str | None = None


def compiler_fingerprint() -> str:
    """A hash of the sources that decide what code is generated: the compiler and the op
    definitions it lowers (their attrs and geometry helpers). Any change invalidates caches."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256()
        compiler = pathlib.Path(__file__).parents[1]
        for root in (compiler, compiler.parent / "ir" / "ops"):
            for path in sorted(root.rglob("*.py")):
                h.update(path.name.encode())
                h.update(path.read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def cache_key(*parts: str) -> str:
    """sha256 over the caller's parts and everything that changes the machine code."""
    from ..._version import __version__

    t = host_target()
    h = hashlib.sha256()
    for p in [*parts, __version__, ".".join(map(str, llvm.llvm_version_info)), llvmlite.__version__,
              *t.key_parts(), compiler_fingerprint()]:
        h.update(p.encode())
        h.update(b"\0")
    return h.hexdigest()[:32]


def cache_dir() -> pathlib.Path | None:
    if not options.get("FLOWJIT_CACHE"):
        return None
    d = options.get("FLOWJIT_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "flowjit")
    return pathlib.Path(d)


# --- the disk entries: object plus integrity record ----------------------------------------

ENTRY_FORMAT = 1  # the layout of the .json record beside each object


class CacheIntegrityWarning(RuntimeWarning):
    """A disk cache entry did not match its record and was recompiled instead of loaded."""


class _Damaged(Exception):
    """Why a disk cache entry cannot be trusted (internal to the cache reader)."""


_warned_damage = False


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _record_digest(record: dict) -> str:
    """sha256 over every field but the digest itself, in a canonical JSON form, so a changed
    key, size, object hash or metadata value all show."""
    body = {k: v for k, v in record.items() if k != "digest"}
    return _sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def _make_record(name: str, key: str, obj: bytes, meta: Any) -> dict:
    """The record for an object; `meta` goes through JSON first (int dict keys become strings,
    tuples lists), so the digest is computed over exactly what a reader will load."""
    meta = json.loads(json.dumps(meta))
    record = {"format": ENTRY_FORMAT, "name": name, "key": key, "key_sha256": _sha256(key.encode()),
              "size": len(obj), "sha256": _sha256(obj), "meta": meta}
    record["digest"] = _record_digest(record)
    return record


def _check_record(record: Any, name: str, key: str) -> None:
    if not isinstance(record, dict) or record.get("format") != ENTRY_FORMAT:
        raise _Damaged("the record is not a flowjit cache record of this format")
    if record.get("digest") != _record_digest(record):
        raise _Damaged("the record's checksum does not match its contents")
    if (record.get("key") != key or record.get("name") != name
            or record.get("key_sha256") != _sha256(key.encode())):
        raise _Damaged(f"the record belongs to another entry ({record.get('name')}-{record.get('key')})")


def _check_object(record: dict, obj: bytes) -> None:
    if len(obj) != record.get("size"):
        raise _Damaged(f"the object has {len(obj)} bytes, the record says {record.get('size')}")
    if _sha256(obj) != record.get("sha256"):
        raise _Damaged("the object's sha256 does not match the record")


def read_entry(d: pathlib.Path, name: str, key: str) -> tuple[bytes, Any] | None:
    """The verified object bytes and metadata of an entry, or None for a miss. No record or no
    object is an ordinary miss (not written yet, or trimmed meanwhile); anything else that does
    not match is damage: a miss with a warning, and the recompile replaces the entry."""
    obj_path = d / f"{name}-{key}.o"
    try:
        try:
            raw = obj_path.with_suffix(".json").read_bytes()
        except FileNotFoundError:
            return None
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise _Damaged(f"the record is not valid JSON ({e})") from None
        _check_record(record, name, key)
        try:
            obj = obj_path.read_bytes()
        except FileNotFoundError:
            return None
        _check_object(record, obj)
        return obj, record.get("meta")
    except (_Damaged, OSError) as e:
        _report_damage(obj_path, str(e))
        return None


def _report_damage(path: pathlib.Path, reason: str) -> None:
    """Warn about the first damaged entry of the process (the rest are only counted)."""
    global _warned_damage
    stats["disk_damaged"] += 1
    if _warned_damage:
        return
    _warned_damage = True
    warnings.warn(f"flowjit: ignoring damaged compile cache entry {path}: {reason}; recompiling it "
                  f"(further damaged entries in this process are not reported)",
                  CacheIntegrityWarning, stacklevel=4)


def write_entry(d: pathlib.Path, name: str, key: str, obj: bytes, meta: Any) -> None:
    """Object first, record last: a reader that finds the record finds a complete object (or,
    racing a writer that replaces a damaged entry, a mismatch it treats as a miss)."""
    base = d / f"{name}-{key}"
    record = json.dumps(_make_record(name, key, obj, meta)).encode()
    if _write_atomic(base.with_suffix(".o"), obj):
        _write_atomic(base.with_suffix(".json"), record)


def cache_limit_bytes() -> int:
    try:
        return int(options.get("FLOWJIT_CACHE_MAX_MB") * (1 << 20))
    except ValueError:
        return 1024 << 20


class TrimSchedule:
    """When a process rescans the cache to trim it: after it has written a tenth of the limit
    since its last scan (and on its first write). A scan stats every object, so scanning after
    every write made each compile cost O(cache size); the cache may now overshoot its limit by
    a tenth per writing process before the scan trims it back under 80%."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._written: int | None = None  # bytes since the last scan; None: never scanned

    def wrote(self, d: pathlib.Path, nbytes: int) -> int:
        """Note `nbytes` written into `d`; trim if due. Returns the number of objects removed."""
        limit = cache_limit_bytes()
        with self._lock:
            due = self._written is None or self._written + nbytes >= limit // 10
            self._written = 0 if due else self._written + nbytes
        return trim_disk_cache(d, limit) if due else 0


def trim_disk_cache(d: pathlib.Path, limit: int | None = None) -> int:
    """Keep the disk cache under `limit` bytes (default FLOWJIT_CACHE_MAX_MB): when it is over,
    delete the least recently used objects (and their metadata) until it is under 80% of the
    limit. Returns the number of objects removed. Other processes may share the folder: a file
    that vanished meanwhile is skipped, and the record goes before its object, so a reader never
    sees a record whose object was trimmed away as damage."""
    limit = cache_limit_bytes() if limit is None else limit
    entries = []
    total = 0
    try:
        for f in d.glob("*.o"):
            try:
                st = f.stat()
                meta = f.with_suffix(".json")
                size = st.st_size + (meta.stat().st_size if meta.exists() else 0)
            except OSError:
                continue
            entries.append((st.st_mtime, f, size))
            total += size
    except OSError:
        return 0
    if total <= limit:
        return 0
    removed = 0
    for _, f, size in sorted(entries, key=lambda e: e[0]):
        if total <= limit * 0.8:
            break
        for path in (f.with_suffix(".json"), f):
            try:
                path.unlink()
            except OSError:
                pass
        total -= size
        removed += 1
    return removed


def _write_atomic(path: pathlib.Path, data: bytes) -> bool:
    """Write `data` to `path` so that readers see the old file or the whole new one, also after
    a crash or power loss: a temporary file in the same folder, fsynced, renamed over `path`,
    then the folder fsynced (where the platform can). False if the folder refused (read-only or
    full: that only costs recompilation)."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
    _fsync_dir(path.parent)
    return True


def _fsync_dir(d: pathlib.Path) -> None:
    """Make a rename in `d` durable (POSIX; Windows cannot open folders, which is fine)."""
    try:
        fd = os.open(d, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
