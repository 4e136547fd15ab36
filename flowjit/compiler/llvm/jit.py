"""The JIT: optimization pipeline, MCJIT engines and the in-memory library cache.

Every module goes the same way: LLVM IR text -> parse -> verify -> intrinsic allow-list ->
optimize -> object code (`TargetMachine.emit_object`) -> loaded into a fresh MCJIT engine.
Object code is cached in memory here (least recently used first out,
`FLOWJIT_JIT_CACHE_SIZE` libraries) and on disk (cache.py). A cache hit loads the object
without running LLVM's optimizer or code generator at all.

LLVM in this llvmlite build has assertions on: malformed IR or an intrinsic the target cannot
lower aborts the process instead of raising. Hence the strict order above: nothing reaches
the optimizer before `verify()` and `check_intrinsics()` have passed; an object that needs a
symbol the process lacks is refused before it is loaded (MCJIT would bind it to address 0).

Options (flowjit/options.py): FLOWJIT_JIT_CACHE_SIZE, FLOWJIT_OPT_LEVEL, FLOWJIT_LLVM_REMARKS.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Iterable

import llvmlite.binding as llvm

from ... import options
from . import dump as _dump
from .cache import TrimSchedule, cache_dir, read_entry, stats, write_entry
from ..targets.cpu import host_target

_lock = threading.RLock()
_TRIM = TrimSchedule()  # the disk cache is rescanned for trimming now and then, not per write


class CompileError(RuntimeError):
    """LLVM refused a module (verification failed, or an intrinsic is not allowed)."""


def check_intrinsics(mod: "llvm.ModuleRef", allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for fn in mod.functions:
        name = fn.name
        if name.startswith("llvm.") and not name.startswith(allowed):
            raise CompileError(f"intrinsic {name} is not on the allow-list for this target")


# --- optimization ------------------------------------------------------------------------

def optimize(mod: "llvm.ModuleRef", level: int | None = None, unroll: bool = True) -> None:
    """LLVM's default pipeline at `level`, with loop and SLP vectorization; `unroll=False`
    skips the loop unroller (vectorized loops keep their interleaving): generated plans
    compile about 40% faster that way for the same speed."""
    t = host_target()
    level = t.opt_level if level is None else level
    if level <= 0:
        return
    pto = llvm.create_pipeline_tuning_options(speed_level=level)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pto.loop_unrolling = unroll
    pb = llvm.create_pass_builder(t.tm, pto)
    pb.getModulePassManager().run(mod, pb)


# --- compiled libraries ------------------------------------------------------------------

class JitLibrary:
    """One loaded object: its engine (kept alive as long as the library) and symbol addresses."""

    def __init__(self, name: str, key: str, engine: "llvm.ExecutionEngine", symbols: Iterable[str],
                 from_cache: str, compile_ms: float, meta: Any = None) -> None:
        self.name = name
        self.key = key
        self.meta = meta  # JSON data stored next to the object (what the caller needs besides code)
        self._engine = engine
        self.addresses = {s: engine.get_function_address(s) for s in symbols}
        self.from_cache = from_cache  # "memory", "disk" or "" (compiled now)
        self.compile_ms = compile_ms

    def __getitem__(self, symbol: str) -> int:
        return self.addresses[symbol]


_memory_cache: "OrderedDict[str, JitLibrary]" = OrderedDict()  # least recently used first
_DEFAULT_MEMORY_CACHE_SIZE = 512


def memory_cache_limit() -> int:
    """FLOWJIT_JIT_CACHE_SIZE, read at every insertion so a test or a long-running process can
    change it; an unreadable value means the default."""
    try:
        return max(0, options.get("FLOWJIT_JIT_CACHE_SIZE"))
    except ValueError:
        return _DEFAULT_MEMORY_CACHE_SIZE


def lookup(key: str, name: str, symbols: list[str]) -> JitLibrary | None:
    """A compiled library for `key` from memory or disk, or None: no LLVM work at all."""
    with _lock:
        lib = _memory_cache.get(key)
        if lib is not None:
            _memory_cache.move_to_end(key)
            stats["memory_hits"] += 1
            return lib
        d = cache_dir()
        if d is None:
            return None
        entry = read_entry(d, name, key)
        if entry is None:
            return None
        obj, meta = entry
        t0 = time.perf_counter()
        try:
            lib = _load(name, key, obj, symbols, "disk", t0, meta)
        except CompileError:
            return None
        stats["disk_hits"] += 1
        try:
            # recently used: the size limit evicts least recently used objects first
            os.utime(d / f"{name}-{key}.o")
        except OSError:
            pass
        _remember(key, lib)
        return lib


def compile_ir(ir_text: str | Callable[[], str], key: str, name: str, symbols: list[str],
               meta: Any = None, unroll: bool = True) -> JitLibrary:
    """Compile LLVM IR (or a function producing it, called only on a cache miss) to a library.

    `meta` (JSON-serializable) is cached with the object and comes back as `lib.meta`."""
    lib = lookup(key, name, symbols)
    if lib is not None:
        return lib
    with _lock:
        t0 = time.perf_counter()
        text = ir_text() if callable(ir_text) else ir_text
        t = host_target()
        _dump.emit(name, "ll", text)
        try:
            mod = llvm.parse_assembly(text)
            mod.verify()
        except RuntimeError as e:
            raise CompileError(f"LLVM rejected module {name}: {e}") from None
        check_intrinsics(mod, t.intrinsics)
        mod.name = f"{name}-{key}"
        mod.triple = t.triple
        mod.data_layout = t.data_layout
        optimize(mod, unroll=unroll)
        if _dump.active():
            _dump.emit(name, "opt.ll", str(mod))
            _dump.emit(name, "s", t.tm.emit_assembly(mod.clone()))
        obj = t.tm.emit_object(mod)
        lib = _load(name, key, obj, symbols, "", t0, meta)
        d = cache_dir()
        if d is not None:
            write_entry(d, name, key, obj, meta)
            _TRIM.wrote(d, len(obj))
        stats["compiled"] += 1
        _remember(key, lib)
        return lib


def undefined_symbols(obj: bytes) -> list[str]:
    """Names an ELF64 object needs from outside (undefined entries of its symbol table)."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2:
        return []
    little = obj[5] == 1
    e = "<" if little else ">"
    shoff, = struct.unpack_from(e + "Q", obj, 0x28)
    shentsize, shnum = struct.unpack_from(e + "HH", obj, 0x3A)
    sections = [struct.unpack_from(e + "IIQQQQIIQQ", obj, shoff + k * shentsize) for k in range(shnum)]
    out = []
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        str_off = strtab[4]
        off, size, entsize = sh[4], sh[5], sh[9] or 24
        for k in range(size // entsize):
            st_name, st_info, st_other, st_shndx, st_value, st_size = struct.unpack_from(e + "IBBHQQ", obj, off + k * entsize)
            if st_shndx == 0 and st_name:  # SHN_UNDEF
                end = obj.index(b"\0", str_off + st_name)
                out.append(obj[str_off + st_name:end].decode())
    return out


_process = None


def _resolvable(symbol: str) -> bool:
    """Registered with add_symbol, or exported by something loaded in the process (dlsym)."""
    global _process
    if llvm.address_of_symbol(symbol):
        return True
    if _process is None:
        import ctypes

        _process = ctypes.CDLL(None)
    try:
        getattr(_process, symbol)
        return True
    except AttributeError:
        return False


def check_symbols(name: str, obj: bytes) -> None:
    """Refuse an object that calls a function this process does not have (a libcall LLVM
    introduced, such as __truncdfhf2): MCJIT would bind it to address 0 and the call would crash."""
    missing = [s for s in undefined_symbols(obj) if not _resolvable(s)]
    if missing:
        raise CompileError(f"module {name} needs symbols that are not available: {', '.join(missing)}")


def _load(name: str, key: str, obj: bytes, symbols: Iterable[str], source: str, t0: float,
          meta: Any = None) -> JitLibrary:
    check_symbols(name, obj)
    t = host_target()
    empty = llvm.parse_assembly("")
    empty.triple = t.triple
    empty.data_layout = t.data_layout
    engine = llvm.create_mcjit_compiler(empty, t.create_tm())
    engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
    engine.finalize_object()
    return JitLibrary(name, key, engine, symbols, source, (time.perf_counter() - t0) * 1e3, meta)


def _remember(key: str, lib: JitLibrary) -> None:
    _memory_cache[key] = lib
    _memory_cache.move_to_end(key)
    limit = memory_cache_limit()
    while len(_memory_cache) > limit:
        _memory_cache.popitem(last=False)


def clear_key(key: str) -> None:
    """Forget an in-memory library (its metadata was unusable; it is about to be rebuilt)."""
    with _lock:
        _memory_cache.pop(key, None)


def clear_memory_cache() -> None:
    with _lock:
        _memory_cache.clear()


def add_symbol(name: str, address: int) -> None:
    """Make a runtime function visible to JIT-compiled code under `name`."""
    llvm.add_symbol(name, address)
