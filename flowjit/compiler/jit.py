"""The JIT: host target machine, optimization pipeline, MCJIT engines and the object cache.

Every module goes the same way: LLVM IR text -> parse -> verify -> intrinsic allow-list ->
optimize -> object code (`TargetMachine.emit_object`) -> loaded into a fresh MCJIT engine.
The object code is cached in memory and on disk (`FLOWJIT_CACHE_DIR`, default
`~/.cache/flowjit`), keyed by the caller's key plus everything that changes machine code:
target triple, CPU name and features, LLVM and llvmlite versions, optimization level and the
compiler's own source (`compiler_fingerprint`). A cache hit loads the object without running
LLVM's optimizer or code generator at all.

Loading machine code is the one step where a bad file crashes the process (SIGSEGV, SIGILL)
instead of raising, so every disk entry is a pair written in this order: `<name>-<key>.o`, then
`<name>-<key>.json`, a record holding the key, the object's size and sha256, the caller's
metadata and a sha256 over all of that. Both files are written to a temporary file, fsynced and
renamed into place; the record is the commit point (an object without one is an unfinished
write, a plain miss). An entry whose record or object does not match (empty, truncated,
garbage, a flipped byte, another key) is never loaded: it counts as a miss, is recompiled and
replaced, and the first one in a process raises a `CacheIntegrityWarning`.

The in-memory cache is least recently used first out, `FLOWJIT_JIT_CACHE_SIZE` libraries.

Vector width: `Target.vector_bits` is the width LLVM's vectorizers really use, measured once
per process by vectorizing a probe loop with the target machine the JIT uses. On x86 flowjit
asks for 256-bit vectors (`+prefer-256-bit`: AVX-512 frequency throttling rarely pays for these
kernels); CPUs whose LLVM tuning lacks that preference (znver4, x86-64 with AVX-512 features)
would otherwise get 512-bit loops. A `prefer-256-bit` or `prefer-128-bit` entry in
FLOWJIT_CPU_FEATURES wins (`-prefer-256-bit` gives 512-bit vectors on AVX-512).

LLVM in this llvmlite build has assertions on: malformed IR or an intrinsic the target cannot
lower aborts the process instead of raising. Hence the strict order above: nothing reaches
the optimizer before `verify()` and `check_intrinsics()` have passed.

Environment:
  FLOWJIT_CACHE_DIR      where compiled objects go (default ~/.cache/flowjit)
  FLOWJIT_CACHE=0        disable the disk cache (the in-memory cache stays)
  FLOWJIT_CACHE_MAX_MB   size limit of the disk cache (default 1024): after a write, the least
                         recently used objects go until it is under 80% of the limit
  FLOWJIT_JIT_CACHE_SIZE how many compiled libraries the in-memory cache keeps (default 512,
                         least recently used go first; 0 keeps none)
  FLOWJIT_OPT_LEVEL      0..3 (default 3)
  FLOWJIT_CPU_NAME       override the host CPU name (e.g. "haswell"); alone it keeps the host's
                         features, so add FLOWJIT_CPU_FEATURES for that CPU's own set
  FLOWJIT_CPU_FEATURES   override the host feature string ("+avx2,+fma,..."); empty: only what
                         the CPU name implies (FLOWJIT_CPU_NAME=x86-64 FLOWJIT_CPU_FEATURES= is SSE2)
  FLOWJIT_LLVM_REMARKS=1 print LLVM's loop-vectorizer remarks (why a loop did not vectorize)
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import struct
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import llvmlite
import llvmlite.binding as llvm

from .. import options
from . import dump as _dump

_lock = threading.RLock()
_initialized = False


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        if options.get("FLOWJIT_LLVM_REMARKS"):
            llvm.set_option("", "-pass-remarks=loop-vectorize")
            llvm.set_option("", "-pass-remarks-missed=loop-vectorize")
            llvm.set_option("", "-pass-remarks-analysis=loop-vectorize")
        _initialized = True


class CompileError(RuntimeError):
    """LLVM refused a module (verification failed, or an intrinsic is not allowed)."""


# --- the target ------------------------------------------------------------------------

@dataclass
class Target:
    triple: str
    cpu: str
    features: str
    opt_level: int
    vector_bits: int  # the vectorizers' width (probed): 128 SSE, 256 AVX2 and AVX-512, 512 if asked
    has_fma: bool
    data_layout: str = ""
    _tm: object = field(default=None, repr=False)

    def create_tm(self) -> "llvm.TargetMachine":
        """A fresh target machine (an MCJIT engine takes ownership of the one it gets)."""
        t = llvm.Target.from_triple(self.triple)
        return t.create_target_machine(cpu=self.cpu, features=self.features, opt=self.opt_level,
                                       reloc="static", codemodel="jitdefault", jit=True)

    @property
    def tm(self) -> "llvm.TargetMachine":
        """A long-lived target machine for optimization and code generation (never given away)."""
        if self._tm is None:
            self._tm = self.create_tm()
        return self._tm

    def key_parts(self) -> list[str]:
        return [self.triple, self.cpu, self.features, f"O{self.opt_level}"]


_target: Target | None = None


def host_target() -> Target:
    """The host CPU as LLVM sees it (overridable with FLOWJIT_CPU_NAME / FLOWJIT_CPU_FEATURES)."""
    global _target
    with _lock:
        if _target is None:
            _init()
            _target = _make_target()
        return _target


def _make_target() -> Target:
    """The target from the environment, with its vector width and FMA measured on LLVM itself:
    a CPU name implies features the feature string does not list, and the CPU's tuning decides
    the vector width, so neither can be read off the feature string reliably."""
    cpu = options.get("FLOWJIT_CPU_NAME") or llvm.get_host_cpu_name()
    features = options.get("FLOWJIT_CPU_FEATURES")
    if features is None:
        features = llvm.get_host_cpu_features().flatten()
    triple = llvm.get_process_triple()
    features = _with_vector_preference(triple, features)
    opt = options.get("FLOWJIT_OPT_LEVEL")
    feats = set(features.split(","))
    t = Target(triple, cpu, features, opt, _vector_bits_from_features(feats), "+fma" in feats)
    t.data_layout = str(t.tm.target_data)
    probed = _probe_vector_bits(t)
    if probed:
        t.vector_bits = probed
    t.has_fma = _probe_fma(t, t.has_fma)
    return t


def _with_vector_preference(triple: str, features: str) -> str:
    """Ask x86 LLVM for 256-bit vectors unless the features already state a preference.

    Only LLVM's CPU tuning decides otherwise: skylake-avx512 or sapphirerapids prefer 256 bits,
    znver4 or a generic CPU with AVX-512 features take 512, so without this the width flowjit
    plans for (GEMM tiles, tests) and the width of the vectorized loops could disagree."""
    if not re.match(r"(x86_64|i[3-6]86)", triple) or "prefer-256-bit" in features or "prefer-128-bit" in features:
        return features
    return f"{features},+prefer-256-bit" if features else "+prefer-256-bit"


def _vector_bits_from_features(feats: set[str]) -> int:
    """The width the feature string alone suggests (used if the probe finds no vector loop)."""
    if "+prefer-128-bit" in feats:
        return 128
    if "+avx512f" in feats and "-prefer-256-bit" in feats:
        return 512
    return 256 if "+avx" in feats else 128


_PROBE_LOOP = """
define void @probe(ptr noalias %src, ptr noalias %dst, i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %p = getelementptr inbounds float, ptr %src, i64 %i
  %q = getelementptr inbounds float, ptr %dst, i64 %i
  %x = load float, ptr %p
  %y = fmul float %x, 2.0
  %z = fadd float %y, 1.0
  store float %z, ptr %q
  %next = add i64 %i, 1
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  ret void
}
"""

_PROBE_FMA = """
declare float @llvm.fma.f32(float, float, float)
define float @probe(float %a, float %b, float %c) {
  %r = call float @llvm.fma.f32(float %a, float %b, float %c)
  ret float %r
}
"""


def _probe_vector_bits(t: Target) -> int:
    """The widest float vector LLVM's loop vectorizer makes of a plain elementwise loop with
    this target machine: the truth about the width, whatever CPU tuning and features imply.
    Runs at -O3 whatever FLOWJIT_OPT_LEVEL says (GEMM's explicit vectors use the width too).
    0 if nothing vectorized."""
    mod = llvm.parse_assembly(_PROBE_LOOP)
    mod.triple, mod.data_layout = t.triple, t.data_layout
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pb = llvm.create_pass_builder(t.tm, pto)
    pb.getModulePassManager().run(mod, pb)
    lanes = [int(n) for n in re.findall(r"<(\d+) x float>", str(mod))]
    return 32 * max(lanes) if lanes else 0


def _probe_fma(t: Target, default: bool) -> bool:
    """Whether llvm.fma is an instruction here (not a call to libm's fmaf), which the CPU name
    alone can imply (FLOWJIT_CPU_NAME=haswell FLOWJIT_CPU_FEATURES=)."""
    try:
        mod = llvm.parse_assembly(_PROBE_FMA)
        mod.triple, mod.data_layout = t.triple, t.data_layout
        return "fmaf" not in t.tm.emit_assembly(mod)
    except RuntimeError:
        return default


# --- fingerprints and keys ---------------------------------------------------------------

_fingerprint: str | None = None


def compiler_fingerprint() -> str:
    """A hash of the sources that decide what code is generated: the compiler and the op
    definitions it lowers (their attrs and geometry helpers). Any change invalidates caches."""
    global _fingerprint
    if _fingerprint is None:
        h = hashlib.sha256()
        here = pathlib.Path(__file__).parent
        for root in (here, here.parent / "ir" / "ops"):
            for path in sorted(root.rglob("*.py")):
                h.update(path.name.encode())
                h.update(path.read_bytes())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def cache_key(*parts: str) -> str:
    """sha256 over the caller's parts and everything that changes the machine code."""
    from .._version import __version__

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


# --- intrinsics ------------------------------------------------------------------------

# Intrinsic families the x86-64 backend lowers (checked before codegen; anything else would
# abort the process inside LLVM). Matching is by prefix of the mangled name.
X86_INTRINSICS = (
    "llvm.sqrt.", "llvm.fabs.", "llvm.floor.", "llvm.ceil.", "llvm.trunc.", "llvm.rint.",
    "llvm.nearbyint.", "llvm.round.", "llvm.roundeven.", "llvm.fma.", "llvm.fmuladd.",
    "llvm.copysign.", "llvm.minnum.", "llvm.maxnum.", "llvm.minimum.", "llvm.maximum.",
    "llvm.exp.", "llvm.exp2.", "llvm.log.", "llvm.log2.", "llvm.log10.", "llvm.pow.", "llvm.sin.",
    "llvm.cos.", "llvm.fptosi.sat.", "llvm.fptoui.sat.", "llvm.smax.", "llvm.smin.",
    "llvm.umax.", "llvm.umin.", "llvm.abs.", "llvm.ctpop.", "llvm.memcpy.", "llvm.memset.",
    "llvm.memmove.", "llvm.prefetch", "llvm.assume", "llvm.lifetime.", "llvm.vector.reduce.",
    "llvm.stacksave", "llvm.stackrestore", "llvm.expect.", "llvm.is.fpclass.", "llvm.x86.sse2.pause",
)


def check_intrinsics(mod: "llvm.ModuleRef", allowed: Iterable[str] = X86_INTRINSICS) -> None:
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
stats = {"compiled": 0, "disk_hits": 0, "memory_hits": 0, "disk_damaged": 0}


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
        entry = _read_entry(d, name, key)
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
        check_intrinsics(mod)
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
            _write_entry(d, name, key, obj, meta)
            trim_disk_cache(d)
        stats["compiled"] += 1
        _remember(key, lib)
        return lib


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


def _read_entry(d: pathlib.Path, name: str, key: str) -> tuple[bytes, Any] | None:
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


def _write_entry(d: pathlib.Path, name: str, key: str, obj: bytes, meta: Any) -> None:
    """Object first, record last: a reader that finds the record finds a complete object (or,
    racing a writer that replaces a damaged entry, a mismatch it treats as a miss)."""
    base = d / f"{name}-{key}"
    record = json.dumps(_make_record(name, key, obj, meta)).encode()
    if _write_atomic(base.with_suffix(".o"), obj):
        _write_atomic(base.with_suffix(".json"), record)


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


def cache_limit_bytes() -> int:
    try:
        return int(options.get("FLOWJIT_CACHE_MAX_MB") * (1 << 20))
    except ValueError:
        return 1024 << 20


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
