"""The disk compile cache never loads a damaged object (compiler/llvm/jit.py).

Loading machine code is where a bad cache file used to kill every process that read it
(SIGSEGV or SIGILL from an empty, truncated or flipped `.o`). Each case here populates a cache
in one process, damages it on disk, and checks that a second process still exits cleanly with
the right answer and a `CacheIntegrityWarning` naming the file, and that a third process finds
the repaired entry and loads it without a warning. Plus the in-memory cache's LRU order.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest

from flowjit.compiler.llvm import cache, jit

SCRIPT = """
import numpy as np, flowjit as tf
from flowjit.compiler.llvm import cache, jit
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [4])
    y = x * 2.0 + 1.0
with tf.Session(graph=g, backend="cpu") as s:
    print("RESULT", s.run(y, {x: np.arange(4, dtype=np.float32)}).tolist())
print("STATS", jit.stats["compiled"], jit.stats["disk_hits"], jit.stats["disk_damaged"])
"""
RESULT = "RESULT [1.0, 3.0, 5.0, 7.0]"
WARNING = "CacheIntegrityWarning"


def run_graph(cache: pathlib.Path) -> subprocess.CompletedProcess:
    """Run SCRIPT in a fresh process on `cache` (one thread: the plan's key includes the count)."""
    env = dict(os.environ, FLOWJIT_CACHE_DIR=str(cache), FLOWJIT_NUM_THREADS="1", PYTHONWARNINGS="default")
    env.pop("FLOWJIT_CACHE", None)
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)


def check_run(proc: subprocess.CompletedProcess) -> tuple[int, int, int]:
    """Assert a clean exit with the right result; returns (compiled, disk hits, damaged entries)."""
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert RESULT in proc.stdout, proc.stdout
    compiled, hits, damaged = (int(v) for v in proc.stdout.split("STATS")[1].split())
    return compiled, hits, damaged


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> pathlib.Path:
    """A cache with two complete entries (the runtime library and the plan), built once."""
    cache = tmp_path_factory.mktemp("pristine")
    proc = run_graph(cache)
    compiled, _, damaged = check_run(proc)
    assert compiled == 2 and damaged == 0 and WARNING not in proc.stderr, proc.stderr
    assert len(list(cache.glob("*.o"))) == 2 and len(list(cache.glob("*.json"))) == 2
    return cache


# --- ways to damage a cache: each takes the cache folder ---------------------------------------

def _each(cache: pathlib.Path, suffix: str, change: Callable[[bytes], bytes]) -> None:
    for path in sorted(cache.glob(f"*{suffix}")):
        path.write_bytes(change(path.read_bytes()))


def _replace_with_empty(cache: pathlib.Path) -> None:
    for path in cache.glob("*.o"):
        path.unlink()
        path.touch()


def _truncate_to_zero(cache: pathlib.Path) -> None:
    for path in cache.glob("*.o"):
        os.truncate(path, 0)


def _flip(offset: Callable[[int], int]) -> Callable[[pathlib.Path], None]:
    def damage(cache: pathlib.Path) -> None:
        def change(data: bytes) -> bytes:
            k = offset(len(data))
            return data[:k] + bytes([data[k] ^ 0x10]) + data[k + 1:]

        _each(cache, ".o", change)

    return damage


def _garbage(data: bytes) -> bytes:
    return bytes((k * 151 + 7) % 256 for k in range(len(data)))


def _change_size_field(data: bytes) -> bytes:
    record = json.loads(data)
    record["size"] += 1  # still valid JSON, but the record's digest no longer matches
    return json.dumps(record).encode()


def _swap_records(cache: pathlib.Path) -> None:
    """Each record is intact but describes the other entry (another key, another object)."""
    a, b = sorted(cache.glob("*.json"))
    ra, rb = a.read_bytes(), b.read_bytes()
    a.write_bytes(rb)
    b.write_bytes(ra)


DAMAGE: dict[str, Callable[[pathlib.Path], None]] = {
    "object-empty-file": _replace_with_empty,
    "object-truncated-to-zero": _truncate_to_zero,
    "object-truncated-half": lambda c: _each(c, ".o", lambda d: d[: len(d) // 2]),
    "object-garbage": lambda c: _each(c, ".o", _garbage),
    "object-flip-elf-magic": _flip(lambda n: 1),
    "object-flip-section-header-offset": _flip(lambda n: 0x28),
    "object-flip-middle": _flip(lambda n: n // 2),
    "object-flip-last-byte": _flip(lambda n: n - 1),
    "record-empty": lambda c: _each(c, ".json", lambda d: b""),
    "record-truncated": lambda c: _each(c, ".json", lambda d: d[: len(d) // 2]),
    "record-garbage": lambda c: _each(c, ".json", lambda d: b"\xff\xfe" + _garbage(d)),
    "record-field-changed": lambda c: _each(c, ".json", _change_size_field),
    "record-of-another-key": _swap_records,
}


def damage_and_rerun(damage: str, pristine: pathlib.Path, cache: pathlib.Path) -> list:
    """A copy of the pristine cache, damaged, then the second and the third process."""
    shutil.copytree(pristine, cache, dirs_exist_ok=True)
    DAMAGE[damage](cache)
    return [cache, run_graph(cache), run_graph(cache)]


@pytest.fixture(scope="module")
def outcomes(pristine, tmp_path_factory) -> dict[str, list]:
    """Every damage case, run side by side (each is two processes of about a second)."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(damage_and_rerun, name, pristine, tmp_path_factory.mktemp(name))
                   for name in DAMAGE}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_entry_is_a_warned_miss_and_gets_replaced(damage, outcomes):
    cache, second, third = outcomes[damage]
    compiled, hits, damaged = check_run(second)
    assert WARNING in second.stderr, second.stderr
    assert str(cache) in second.stderr, "the warning names the damaged file"
    assert second.stderr.count(WARNING) == 1, "one warning per process"
    assert compiled == 2 and hits == 0 and damaged >= 2, second.stdout

    assert check_run(third) == (0, 2, 0), "the recompiled entries are loaded from disk"
    assert WARNING not in third.stderr, third.stderr


# --- ordinary misses, in process (no object is loaded) -----------------------------------------

def _entry(tmp_path: pathlib.Path) -> tuple[str, str, bytes]:
    name, key, obj = "unit", "0123456789abcdef0123456789abcdef", b"\x7fELF not really an object"
    cache.write_entry(tmp_path, name, key, obj, {"error_sites": [[1, "a"]], 3: (4, 5)})
    return name, key, obj


def test_entry_round_trip_keeps_metadata_as_json(tmp_path):
    name, key, obj = _entry(tmp_path)
    assert cache.read_entry(tmp_path, name, key) == (obj, {"error_sites": [[1, "a"]], "3": [4, 5]})
    assert not list(tmp_path.glob(".tmp-*")), "no temporary file is left behind"


@pytest.mark.parametrize("missing", [".json", ".o"])
def test_unfinished_or_trimmed_entry_is_a_silent_miss(missing, tmp_path, recwarn):
    """An object without its record is a write still under way (the record goes last); a
    record without its object was trimmed meanwhile (the record goes first): neither warns."""
    name, key, _ = _entry(tmp_path)
    (tmp_path / f"{name}-{key}{missing}").unlink()
    damaged = jit.stats["disk_damaged"]
    assert cache.read_entry(tmp_path, name, key) is None
    assert jit.stats["disk_damaged"] == damaged
    assert not [w for w in recwarn if issubclass(w.category, cache.CacheIntegrityWarning)]


def test_trim_removes_record_and_object_together(tmp_path):
    name, key, _ = _entry(tmp_path)
    assert cache.trim_disk_cache(tmp_path, limit=1) == 1
    assert not list(tmp_path.iterdir())


# --- the in-memory cache is least recently used first out ---------------------------------------

@pytest.fixture
def memory_cache(monkeypatch):
    """The module's memory cache, emptied for the test and restored afterwards."""
    saved = list(jit._memory_cache.items())
    jit._memory_cache.clear()
    monkeypatch.setenv("FLOWJIT_JIT_CACHE_SIZE", "3")
    yield jit._memory_cache
    jit._memory_cache.clear()
    jit._memory_cache.update(saved)


def test_memory_cache_hit_moves_to_the_end_and_lru_is_evicted(memory_cache):
    libs = {k: object() for k in "abcd"}  # stand-ins: the cache only stores and returns them
    for k in "abc":
        jit._remember(k, libs[k])
    assert jit.lookup("a", "unused", []) is libs["a"]  # a hit: "a" is now the most recent
    assert list(memory_cache) == ["b", "c", "a"]
    jit._remember("d", libs["d"])
    assert list(memory_cache) == ["c", "a", "d"], "the least recently used ('b') went, not the oldest"


def test_memory_cache_size_comes_from_the_environment(memory_cache, monkeypatch):
    assert jit.memory_cache_limit() == 3
    monkeypatch.setenv("FLOWJIT_JIT_CACHE_SIZE", "not a number")
    assert jit.memory_cache_limit() == 512
    monkeypatch.setenv("FLOWJIT_JIT_CACHE_SIZE", "0")
    jit._remember("a", object())
    assert not memory_cache


def test_trim_scans_now_and_then_not_per_write(tmp_path, monkeypatch):
    """A scan stats every object: it runs on a process's first write and after a tenth of the
    limit has been written since, not after every compile."""
    scans = []
    monkeypatch.setattr(cache, "trim_disk_cache", lambda d, limit=None: scans.append(limit) or 0)
    monkeypatch.setattr(cache, "cache_limit_bytes", lambda: 1000)
    schedule = cache.TrimSchedule()
    schedule.wrote(tmp_path, 10)
    assert len(scans) == 1
    for _ in range(9):
        schedule.wrote(tmp_path, 10)
    assert len(scans) == 1  # 90 bytes since the scan: under a tenth of 1000
    schedule.wrote(tmp_path, 10)
    assert len(scans) == 2 and scans[-1] == 1000
