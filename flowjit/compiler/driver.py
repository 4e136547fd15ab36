"""The compile driver: a specialized plan graph -> a scheduled Program and its native code.

`compile_plan(graph)` schedules the plan (compiler/schedule/), looks the generated code up in
the JIT's memory and disk cache (compiler/llvm/jit.py, cache.py) and on a miss generates it
(compiler/codegen.py) and compiles it through LLVM. It returns the compiled parts as a
`CompiledPlan`; running them (the pointer table, the arena, host steps) is the runtime's job
(runtime/devices/cpu.py wraps them in a `NativePlan`). This module lives in the compiler, not
in the runtime, because nothing here runs a plan: it only depends on the compiler below it.

Also here: `RUNTIME`, the process-wide runtime library every plan links against (the native
thread pool and the GEMM), since the compiled code needs its symbols; the error-site table
that turns a native error record into the node that raised it, encoded by node path so a
cache hit gets it back; and `TIMES`, milliseconds spent per compile stage (`tick`).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import options
from ..ir.graph import Graph, Node
from . import codegen, schedule
from .llvm import cache, jit
from .llvm import dump as _dump
from .program import Program
from .targets.cpu import gemm as _gemm
from .targets.cpu import host, parallel

_WORKER = ctypes.CFUNCTYPE(None, ctypes.c_int64)


# --- the process-wide runtime library: thread pool and GEMM --------------------------------------

class _Runtime:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.lib: jit.JitLibrary | None = None
        self.nthreads = self._threads()
        self.workers_started = False

    @staticmethod
    def _threads() -> int:
        if options.get("FLOWJIT_NUM_THREADS") is not None:
            return options.get("FLOWJIT_NUM_THREADS")
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):
            return max(1, os.cpu_count() or 1)

    def library(self) -> jit.JitLibrary:
        if self.lib is None:
            with self.lock:
                if self.lib is None:
                    import llvmlite.ir as ir

                    def text() -> str:
                        mod = ir.Module(name="flowjit_runtime")
                        t = host.host_target()
                        mod.triple, mod.data_layout = t.triple, t.data_layout
                        parallel.build_pool(mod)
                        _gemm.build_library(mod)
                        return str(mod)

                    symbols = parallel.POOL_SYMBOLS + _gemm.SYMBOLS
                    lib = jit.compile_ir(text, cache.cache_key("flowjit-runtime"), "flowjit_runtime", symbols)
                    for s in symbols:
                        jit.add_symbol(s, lib[s])
                    self.lib = lib
        return self.lib

    def start_workers(self) -> None:
        if self.workers_started or self.nthreads <= 1:
            return
        with self.lock:
            if self.workers_started:
                return
            lib = self.library()
            worker = _WORKER(lib["flowjit_worker_main"])
            self._worker_fn = worker
            ready = ctypes.CFUNCTYPE(ctypes.c_int32)(lib["flowjit_pool_ready"])
            for tid in range(1, self.nthreads):
                t = threading.Thread(target=worker, args=(tid,), name=f"flowjit-worker-{tid}", daemon=True)
                t.start()
            while ready() < self.nthreads - 1:
                time.sleep(0.0001)
            ctypes.CFUNCTYPE(None, ctypes.c_int32)(lib["flowjit_pool_set_workers"])(self.nthreads - 1)
            self.workers_started = True

    def after_fork(self) -> None:
        self.lock = threading.RLock()
        if self.lib is not None:
            ctypes.CFUNCTYPE(None)(self.lib["flowjit_pool_reset"])()
        self.workers_started = False


RUNTIME = _Runtime()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=RUNTIME.after_fork)


# --- per-stage timing ----------------------------------------------------------------------------

TIMES: dict[str, float] = {}


def tick(name: str, t0: float) -> float:
    """Add the milliseconds since `t0` to `TIMES[name]`; return now (the next stage's t0)."""
    t = time.perf_counter()
    TIMES[name] = TIMES.get(name, 0.0) + (t - t0) * 1e3
    return t



# --- compiling a plan ----------------------------------------------------------------------------

PLAN_FORMAT = "plan-v2"  # v2: the key holds the scheduled program


@dataclass
class CompiledPlan:
    """What `compile_plan` makes of a plan graph: the Program, the library holding its native
    segments (`segments[k]` runs the program steps `segment_steps[k]`) and the error sites
    (`(node, kind, extra)` per site number the native code reports)."""

    program: Program
    graph: Graph
    lib: jit.JitLibrary
    segments: list[str]
    segment_steps: list[list[int]]
    error_sites: list[Any]


def fingerprint(graph: Graph) -> str:
    """What the generated code depends on: the specialized plan graph as IR text (large
    constant arrays elided: they reach the code through pointers, never as literals)."""
    from ..ir.text import print_graph

    return print_graph(graph, locations=False, provenance=False, elide_large=64)


def compile_plan(graph: Graph, split_segments: bool = False) -> CompiledPlan:
    """Lower, generate and compile a specialized plan graph.

    The cache key is the plan graph's text and the program scheduled from it (options such as
    FLOWJIT_NATIVE_CONTROL_FLOW and FLOWJIT_PARALLEL_MIN_WORK change the program, not the
    graph), plus everything cache.cache_key adds, so a hit, in memory or on disk, skips code generation as well as LLVM: the program
    is rebuilt from the graph (cheap) and the error sites come back from the cache's metadata.
    """
    t0 = time.perf_counter()
    program = schedule.build_program(graph, RUNTIME.nthreads)
    t0 = tick("schedule", t0)
    RUNTIME.library()  # the runtime symbols must exist before plan objects are loaded
    t0 = tick("runtime", t0)
    unroll = options.get("FLOWJIT_UNROLL")  # LLVM's loop unroller on plans
    key = cache.cache_key(PLAN_FORMAT, fingerprint(graph), program.describe(), f"unroll={unroll}",
                         f"bounds={codegen.check_bounds_enabled()}", *(["split"] if split_segments else []))
    name = f"plan_{key[:12]}"
    segments, segment_steps = codegen.ModuleGen.segments(program, name, split_segments)
    t0 = tick("fingerprint", t0)
    lib = jit.lookup(key, name, segments)
    sites = None
    if lib is not None and lib.meta is not None:
        sites = _decode_sites(graph, lib.meta.get("error_sites", []))
    if _dump.active():
        _dump.emit(name, "program", program.describe())
    if sites is None:
        gen = codegen.ModuleGen(program, name)
        gen.split_segments = split_segments
        text, segments, segment_steps = gen.build()
        t0 = tick("codegen", t0)
        sites = gen.error_sites
        jit.clear_key(key)
        lib = jit.compile_ir(text, key, name, segments, meta={"error_sites": _encode_sites(graph, sites)},
                             unroll=unroll)
    tick("llvm", t0)
    return CompiledPlan(program, graph, lib, segments, segment_steps, sites)


# --- error sites, by node path (they survive the disk cache) -------------------------------------

def _node_paths(graph: Graph, prefix: tuple = ()) -> dict[int, list[str]]:
    """id(node) -> its path from the plan graph: [name] for a plan node, [name, attr, name, ...]
    for a node inside a function body (Fused, If branches, While cond and body, nested)."""
    paths: dict[int, list[str]] = {}
    for n in graph.nodes:
        path = prefix + (n.name,)
        paths[id(n)] = list(path)
        for key, value in n.attrs.items():
            if isinstance(value, Graph):
                paths.update(_node_paths(value, path + (key,)))
    return paths


def _encode_sites(graph: Graph, sites: list[Any]) -> list[Any]:
    paths = _node_paths(graph)
    return [[paths.get(id(node)) if node is not None else None, kind, list(extra) if extra else None]
            for node, kind, extra in sites]


def _find_node(graph: Graph, path: list[str]) -> Node | None:
    node = graph.get_node(path[0])
    rest = path[1:]
    while node is not None and rest:
        body = node.attrs.get(rest[0]) if len(rest) >= 2 else None
        if not isinstance(body, Graph):
            return None
        node = body.get_node(rest[1])
        rest = rest[2:]
    return node


def _decode_sites(graph: Graph, data: list[Any]) -> list[Any] | None:
    out = []
    for path, kind, extra in data:
        node = None
        if path:
            node = _find_node(graph, path)
            if node is None:
                return None
        out.append((node, kind, tuple(extra) if extra else None))
    return out
