"""Backend `cpu`: plans compiled through LLVM, run as native code.

`CpuBackend.compile(graph)` returns a `CpuExecutable`. On the first run with a given signature
(the concrete feed shapes, and the shapes of variables whose declared shape is partial) the
plan graph is specialized to those shapes, lowered to a `Program` and compiled by the compile
driver (compiler/driver.py: compiler/schedule/, compiler/codegen.py, compiler/llvm/jit.py with
its memory and disk cache), and the compiled parts are wrapped in a `NativePlan`. A run of a
NativePlan fills the pointer table (`argv`) with this run's feeds, fresh result arrays and the
variables' arrays, and calls one native function per native segment; nodes without a lowering
(and host ops such as Print or Assert) run in between with their reference kernels
(runtime/host/). A plan with no such node is a single call into native code.

Memory: temporaries live in an arena allocated once per plan (runtime/buffers.py places them);
a second thread running the same plan at the same time gets a private arena. Variables are
updated in place in 64-byte aligned arrays owned by the session state; an array the backend
did not allocate (written by the reference path, or restored) is adopted by copying it once.

Slow path: a run that finds a variable uninitialized runs on the reference interpreter, which
raises the exact FailedPreconditionError (or initializes the variable, for `Assign`).
"""

from __future__ import annotations

import collections
import ctypes
import threading
import time
import warnings
from typing import Any, Sequence

import numpy as np

from ... import options
from ...compiler import driver
from ...compiler.driver import RUNTIME, CompiledPlan
from ...compiler.llvm import jit
from ...compiler.program import Buffer, HostStep, KernelStep, Program, walk_steps
from ...compiler.specialize import specialize
from ...ir import errors
from ...ir.graph import Graph, Node, Value
from ...ir.registry import get_op
from .. import buffers as _buffers
from ..executor import register_backend
from ..host.kernels import KernelContext, read_lazy, run_node
from ..state import SessionState
from ..trace import StepTrace, members_of
from .reference import Interpreter

_SEGMENT = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p)


# --- variables --------------------------------------------------------------------------------------

_OWNED = "cpu:owned_variables"


def _variable_array(state: SessionState, name: str, buf: Buffer) -> np.ndarray | None:
    """The variable's array, made writable in place (aligned, contiguous, owned); None if missing."""
    arr = state.variables.get(name)
    if arr is None:
        return None
    owned = state.resources.get(_OWNED)
    if owned is None:
        owned = state.resources[_OWNED] = {}
    if owned.get(name) is arr:
        return arr
    if arr.dtype != buf.dtype.np_dtype or arr.shape != buf.shape:
        return None
    new = _buffers.aligned_copy(np.asarray(arr))
    state.variables[name] = new
    owned[name] = new
    return new


def _may_write_variables(node: Node) -> bool:
    """Whether running `node` on the host may replace a variable's array (stateful ops, and
    ops whose function bodies may assign)."""
    if get_op(node.op).stateful:
        return True
    return any(isinstance(a, Graph) or (isinstance(a, (list, tuple)) and any(isinstance(g, Graph) for g in a))
               for a in node.attrs.values())


# --- native plans -------------------------------------------------------------------------------------

class NativePlan:
    """A Program with its compiled code, arena and pointer table."""

    def __init__(self, program: Program, graph: Graph, lib: jit.JitLibrary, segments: list[str],
                 segment_steps: list[list[int]], error_sites: list[Any]) -> None:
        self.program = program
        self.graph = graph
        self.lib = lib
        self.error_sites = error_sites
        self.nslots = 1 + len(program.buffers)
        self.arena_bytes = _buffers.plan_memory(program.buffers, program.nthreads)
        self.arena = _buffers.aligned_empty(max(self.arena_bytes, 64), np.uint8)
        self.argv = (ctypes.c_void_p * self.nslots)()
        self.err = np.zeros(4, dtype=np.int64)
        self.argv[0] = self.err.ctypes.data
        self._fill_static(self.argv, self.arena)
        self.argv_ptr = ctypes.addressof(self.argv)
        self.lock = threading.Lock()
        # the run sequence: ("native", fn) | ("host", HostStep)
        seg_of_step = {}
        for name, steps in zip(segments, segment_steps):
            seg_of_step[steps[0]] = (name, steps)
        self.sequence: list[tuple[str, Any]] = []
        self.sequence_steps: list[list[Any]] = []  # the program steps of each sequence item (tracing)
        k = 0
        while k < len(program.steps):
            if k in seg_of_step:
                name, steps = seg_of_step[k]
                self.sequence.append(("native", _SEGMENT(lib[name])))
                self.sequence_steps.append([program.steps[j] for j in steps])
                k = steps[-1] + 1
            else:
                self.sequence.append(("host", program.steps[k]))
                self.sequence_steps.append([program.steps[k]])
                k += 1
        self.feed_slots = [(1 + b.id, b.index) for b in program.feeds if b is not None]
        self.result_bufs = [b for b in program.buffers if b.kind == "result"]
        self.var_bufs = [b for b in program.buffers if b.kind == "var"]
        self.host_bufs = [b for b in program.buffers if b.kind == "host"]
        self.all_native = all(kind == "native" for kind, _ in self.sequence)
        self.uses_pool = any(isinstance(s, KernelStep) and any(getattr(i, "parallel", False) or
                                                                  getattr(i, "kind", "") == "matmul"
                                                                  for i in s.items)
                             for s in walk_steps(program.steps))
        self._interp = _CompiledBodies()
        # host steps that may give a variable a new array: stateful ops and ops with bodies
        self.may_write_variables = {id(item) for kind, item in self.sequence
                                    if kind == "host" and _may_write_variables(item.node)}
        self.epoch = 0  # bumped whenever argv's feed/result slots are repointed

    @classmethod
    def from_compiled(cls, compiled: CompiledPlan) -> "NativePlan":
        """The runnable plan of what `compiler.driver.compile_plan` returned."""
        return cls(compiled.program, compiled.graph, compiled.lib, compiled.segments, compiled.segment_steps,
                   compiled.error_sites)

    def _fill_static(self, argv: Any, arena: np.ndarray) -> None:
        base = arena.ctypes.data
        for b in self.program.buffers:
            if b.kind in ("temp", "scratch"):
                argv[1 + b.id] = base + b.offset
            elif b.kind == "const":
                argv[1 + b.id] = b.array.ctypes.data if b.array.size else base

    def temp_view(self, b: Buffer, arena: np.ndarray) -> np.ndarray:
        raw = arena[b.offset:b.offset + b.nbytes]
        return raw.view(b.dtype.np_dtype).reshape(b.shape)

    def run(self, feeds: Sequence[np.ndarray], state: SessionState, fallback: Any,
            trace: StepTrace | None = None) -> list[np.ndarray]:
        if not self.lock.acquire(blocking=False):
            # another thread runs this plan: use a private arena and pointer table
            argv = (ctypes.c_void_p * self.nslots)()
            arena = _buffers.aligned_empty(max(self.arena_bytes, 64), np.uint8)
            err = np.zeros(4, dtype=np.int64)
            argv[0] = err.ctypes.data
            self._fill_static(argv, arena)
            return self._run(feeds, state, fallback, argv, arena, err, trace)
        try:
            self.epoch += 1
            return self._run(feeds, state, fallback, self.argv, self.arena, self.err, trace)
        finally:
            self.lock.release()

    def _run(self, feeds, state, fallback, argv, arena, err, trace=None) -> list[np.ndarray]:
        prog = self.program
        for b in self.var_bufs:
            arr = _variable_array(state, b.name, b)
            if arr is None:
                return fallback(feeds, state)
            argv[1 + b.id] = arr.ctypes.data
        feeds = list(feeds)
        for slot, k in self.feed_slots:
            if not feeds[k].flags.c_contiguous:
                feeds[k] = np.array(feeds[k], order="C")  # kept alive by `feeds` until the end
            argv[slot] = feeds[k].ctypes.data
        results: dict[int, np.ndarray] = {}
        for b in self.result_bufs:
            a = _buffers.aligned_empty(b.shape, b.dtype.np_dtype) if b.nbytes >= 4096 else \
                np.empty(b.shape, b.dtype.np_dtype)
            results[b.id] = a
            argv[1 + b.id] = a.ctypes.data if a.size else arena.ctypes.data
        if self.uses_pool:
            RUNTIME.start_workers()
        env: dict[Value, np.ndarray] = {}
        for k, b in enumerate(prog.feeds):
            if b is None:  # a feed the compiled code never reads (strings): host steps get it
                env[self.graph.params[k].output(0)] = feeds[k]
        host_arrays: dict[int, np.ndarray] = {}
        argv_ptr = ctypes.addressof(argv)
        for position, (kind, item) in enumerate(self.sequence):
            if trace is not None:
                start = time.perf_counter()
            if kind == "native":
                if item(argv_ptr):
                    raise self._error(err)
                if trace is not None:
                    _record_native(trace, self.sequence_steps[position], start, time.perf_counter())
            else:
                self._host(item, feeds, state, env, host_arrays, results, argv, arena)
                for b in self.var_bufs if id(item) in self.may_write_variables else ():
                    # a stateful host step (or a control-flow body) may have given a variable a new array
                    arr = _variable_array(state, b.name, b)
                    if arr is None:
                        raise errors.node_error(errors.InternalError, item.node,
                                                f"variable {b.name} changed shape or dtype during the run")
                    argv[1 + b.id] = arr.ctypes.data
                if trace is not None:
                    trace.add(item.node.name, item.node.op, start, time.perf_counter())
        out = []
        seen: set[int] = set()
        for r in prog.results:
            value = self._result(r, feeds, state, env, host_arrays, results, arena)
            if id(value) in seen:  # the same buffer fetched twice comes back as two arrays
                value = value.copy()
            seen.add(id(value))
            out.append(value)
        return out

    # --- the repeat-call fast path ----------------------------------------------------------
    def fast_runner(self, specs: Sequence[tuple[np.dtype, tuple]], state: SessionState):
        """A callable `runner(values) -> results | None` for repeated runs of this plan.

        `values` are the raw fed objects (Python scalars or arrays) in feed order; the runner
        returns None (the caller then takes the general path) for anything that is not
        exactly a Python float/int/bool for a scalar feed of a compatible kind, or an array of
        the plan's dtype and shape. Small feeds are copied into staging buffers and small
        results come back through persistent buffers, so a call does no pointer lookups.
        """
        if not self.all_native or self.host_bufs:
            return None
        feed_buf = {b.index: b for b in self.program.feeds if b is not None}
        if len(feed_buf) != len(specs) or any(b.kind != "feed" for b in feed_buf.values()):
            return None
        SMALL = 1 << 16
        feeds = []  # (kind: 0 = scalar staging, 1 = small copy, 2 = pointer, slot, buf, dtype, shape, kinds)
        keep: list[np.ndarray] = []
        for k, (dtype, shape) in enumerate(specs):
            b = feed_buf.get(k)
            if b is None or b.dtype.np_dtype != dtype or b.shape != tuple(shape):
                return None
            if b.nbytes <= SMALL:
                stage = np.empty(b.shape, dtype) if b.shape == () else _buffers.aligned_empty(b.shape, dtype)
                keep.append(stage)
                kinds = {"f": (float,), "i": (int,), "u": (int,), "b": (bool,)}.get(dtype.kind, ()) + (dtype.type,)
                feeds.append((0 if b.shape == () else 1, 1 + b.id, stage, dtype, b.shape, kinds,
                              stage.ctypes.data, np.iinfo(dtype) if dtype.kind in "iu" else None))
            else:
                feeds.append((2, 1 + b.id, None, dtype, b.shape, (), 0, None))
        results = []  # (slot, persistent buffer or None, scalar?)
        for b in self.result_bufs:
            if b.nbytes <= SMALL:
                out = np.empty(b.shape, b.dtype.np_dtype) if b.shape == () else \
                    _buffers.aligned_empty(b.shape, b.dtype.np_dtype)
                keep.append(out)
                results.append((1 + b.id, out, b.shape == (), out.ctypes.data))
            else:
                results.append((1 + b.id, None, False, 0))
        order = []  # program result -> index into `results`, or the buffer to copy
        index = {b.id: i for i, b in enumerate(self.result_bufs)}
        for r in self.program.results:
            if not isinstance(r, Buffer) or r.kind != "result":
                return None
            order.append(index[r.id])
        var_slots = [(1 + b.id, b.name, b) for b in self.var_bufs]
        static_slots = [(slot, ptr) for kind, slot, stage, dtype, shape, kinds, ptr, info in feeds if kind != 2]
        static_slots += [(slot, ptr) for slot, out, scalar, ptr in results if out is not None]
        big_results = [(slot, self._shape_of(slot), self._dtype_of(slot)) for slot, out, _, _ in results if out is None]
        runner = _make_runner(self, state, feeds, results, order, var_slots, static_slots, big_results)
        runner.keep = keep  # staging buffers live as long as the runner
        return runner

    def _shape_of(self, slot: int) -> tuple:
        return self.program.buffers[slot - 1].shape

    def _dtype_of(self, slot: int) -> np.dtype:
        return self.program.buffers[slot - 1].dtype.np_dtype

    def _error(self, err: np.ndarray) -> errors.OpError:
        site = int(err[1])
        node, kind, extra = self.error_sites[site - 1] if 0 < site <= len(self.error_sites) else (None, "", None)
        value = int(err[2])
        if kind == "bounds":
            buf_id, buf_kind, shape, axis = extra
            message = (f"generated code indexed {buf_kind} buffer b{buf_id} {list(shape)} at {value} along "
                       f"axis {axis} (a compiler bug; FLOWJIT_CHECK_BOUNDS found it)")
            return errors.InternalError(None, None, message)
        if kind == "div0":
            message = "Integer division by zero"
        elif kind == "label":
            message = (f"Received a label value of {value} which is outside the valid range of "
                       f"[{extra[0]}, {extra[1]}).")
        else:
            message = f"indices = {value} is not in [{extra[0]}, {extra[1]})" if extra else "index out of range"
        if node is None:
            return errors.InvalidArgumentError(None, None, message)
        return errors.node_error(errors.InvalidArgumentError, node, message)

    def _value(self, x: Any, feeds, state, env, host_arrays, results, arena) -> Any:
        if isinstance(x, Buffer):
            if x.kind == "feed":
                return feeds[x.index]
            if x.kind == "var":
                return state.read_variable(x.name)
            if x.kind == "const":
                return x.array
            if x.kind == "result":
                return results[x.id]
            if x.kind == "host":
                return host_arrays[x.id]
            return self.temp_view(x, arena)
        if isinstance(x, tuple) and x[0] == "const":
            return x[1]
        if isinstance(x, tuple) and x[0] == "host":
            v = x[1]
            if v in env:
                return env[v]
            node = v.node
            if get_op(node.op).extra.get("lazy"):
                return read_lazy(node, KernelContext(node, state, self._interp))
            raise errors.InternalError(None, None, f"value {v.name} was not computed")
        raise errors.InternalError(None, None, f"bad host input {x!r}")

    def _host(self, step: HostStep, feeds, state, env, host_arrays, results, argv, arena) -> None:
        node = step.node
        opdef = get_op(node.op)
        refs = set(opdef.extra.get("ref_inputs", ()))
        inputs = [None if k in refs else self._value(x, feeds, state, env, host_arrays, results, arena)
                  for k, x in enumerate(step.inputs)]
        if node.op in ("If", "While"):
            # a variable read passed into a body is a snapshot: the compiled body updates the
            # variable's array in place
            inputs = [np.array(a, copy=True) if isinstance(x, Buffer) and x.kind == "var" else a
                      for x, a in zip(step.inputs, inputs)]
        outs = run_node(node, inputs, KernelContext(node, state, self._interp))
        live_vars = [state.variables[b.name] for b in self.var_bufs if b.name in state.variables] \
            if any(o.dtype != object for o in outs) else ()  # strings never alias a variable's numbers
        for v, o, slot in zip(node.values, outs, step.outputs):
            if any(np.may_share_memory(o, a) for a in live_vars):
                o = o.copy()  # a variable's array, which native code may update in place later
            elif np.may_share_memory(o, arena):
                o = o.copy()  # a view of a temporary (a Slice of one): the arena reuses its bytes later
            env[v] = o
            if isinstance(slot, Buffer):
                a = o if o.flags.c_contiguous else np.array(o, order="C")
                if a.shape != slot.shape:
                    raise errors.node_error(errors.InternalError, node, f"host output has shape {list(a.shape)}, "
                                                                       f"compiled for {list(slot.shape)}")
                host_arrays[slot.id] = a
                argv[1 + slot.id] = a.ctypes.data if a.size else arena.ctypes.data

    def _result(self, r: Any, feeds, state, env, host_arrays, results, arena) -> np.ndarray:
        if isinstance(r, Buffer):
            if r.kind == "result":
                return results[r.id]
            return np.array(self._value(r, feeds, state, env, host_arrays, results, arena), copy=True)
        value = self._value(r, feeds, state, env, host_arrays, results, arena)
        return np.array(value, copy=True)


def _make_runner(plan: NativePlan, state: SessionState, feeds: list, results: list, order: list[int],
                 var_slots: list, static_slots: list, big_results: list):
    """The fast runner of `NativePlan.fast_runner`, as straight-line Python generated for this
    plan's feeds and results (no loops or tuple unpacking on the per-call path)."""
    env: dict[str, Any] = {"plan": plan, "state": state, "argv": plan.argv, "lock": plan.lock, "np": np,
                           "RUNTIME": RUNTIME, "_variable_array": _variable_array, "aligned_empty": _buffers.aligned_empty,
                           "variables": state.variables, "static_slots": static_slots, "argv_ptr": plan.argv_ptr,
                           "mine": [-1]}
    lines = ["def runner(values):",
             "    if not lock.acquire(False):",
             "        return None",
             "    try:",
             "        if mine[0] != plan.epoch:",
             "            for slot, ptr in static_slots:",
             "                argv[slot] = ptr",
             "            plan.epoch += 1",
             "            mine[0] = plan.epoch"]
    if feeds:
        lines.append("        " + ", ".join(f"v{k}" for k in range(len(feeds))) + ", = values")
    for k, (kind, slot, stage, dtype, shape, kinds, ptr, info) in enumerate(feeds):
        env[f"stage{k}"], env[f"kinds{k}"], env[f"dtype{k}"], env[f"shape{k}"] = stage, kinds, dtype, shape
        if kind == 0:
            lines.append(f"        if type(v{k}) in kinds{k}:")
            if info is not None:  # an int feed must fit the placeholder's integer type
                lines += [f"            if not {int(info.min)} <= v{k} <= {int(info.max)}:",
                          "                return None"]
            lines += [f"            stage{k}[()] = v{k}",
                      f"        elif type(v{k}) is np.ndarray and v{k}.dtype == dtype{k} and v{k}.shape == shape{k}:",
                      f"            np.copyto(stage{k}, v{k})",
                      "        else:",
                      "            return None"]
        elif kind == 1:
            lines += [f"        if type(v{k}) is np.ndarray and v{k}.dtype == dtype{k} and v{k}.shape == shape{k}:",
                      f"            np.copyto(stage{k}, v{k})",
                      "        else:",
                      "            return None"]
        else:
            lines += [f"        if type(v{k}) is np.ndarray and v{k}.dtype == dtype{k} and v{k}.shape == shape{k} "
                      f"and v{k}.flags.c_contiguous:",
                      f"            argv[{slot}] = v{k}.ctypes.data",
                      "        else:",
                      "            return None"]
    for k, (slot, name, b) in enumerate(var_slots):
        env[f"vbuf{k}"], env[f"vlast{k}"] = b, [None]
        lines += [f"        a = variables.get({name!r})",
                  f"        if a is not vlast{k}[0]:",
                  f"            a = _variable_array(state, {name!r}, vbuf{k})",
                  "            if a is None:",
                  "                return None",
                  f"            argv[{slot}] = a.ctypes.data",
                  f"            vlast{k}[0] = a"]
    for k, (slot, shape, dtype) in enumerate(big_results):
        env[f"rshape{k}"], env[f"rdtype{k}"] = shape, dtype
        lines += [f"        r{slot} = aligned_empty(rshape{k}, rdtype{k})",
                  f"        argv[{slot}] = r{slot}.ctypes.data"]
    if plan.uses_pool:
        lines.append("        RUNTIME.start_workers()")
    for k, (_, fn) in enumerate(plan.sequence):
        env[f"fn{k}"] = fn
        lines += [f"        if fn{k}(argv_ptr):",
                  "            raise plan._error(plan.err)"]
    outs = []
    for k, (slot, out, scalar, ptr) in enumerate(results):
        if out is None:
            outs.append(f"r{slot}")
        else:
            env[f"out{k}"] = out
            outs.append(f"out{k}[()]" if scalar else f"out{k}.copy()")
    used: set[int] = set()
    items = []
    for i in order:  # a buffer fetched twice comes back as two arrays
        items.append(outs[i] if i not in used or outs[i].endswith(("[()]", ".copy()")) else outs[i] + ".copy()")
        used.add(i)
    lines.append("        return [" + ", ".join(items) + "]")
    lines += ["    finally:", "        lock.release()"]
    exec("\n".join(lines), env)
    runner = env["runner"]
    runner.outputs_final = True
    return runner


class _CompiledBodies:
    """Stands in for the interpreter in host steps' KernelContexts, so the function bodies of
    control flow (If branches, While cond and body) run compiled: each body graph becomes a
    CpuExecutable once, and every branch taken or loop iteration is one call into its native
    code (the loop itself is driven by the op's kernel on the host)."""

    def __init__(self) -> None:
        self._children: dict[int, tuple[Graph, int, CpuExecutable]] = {}

    def child(self, graph: Graph) -> "CpuExecutable":
        hit = self._children.get(id(graph))
        if hit is not None and hit[0] is graph and hit[1] == graph.version:
            return hit[2]
        ex = CpuExecutable(graph)
        self._children[id(graph)] = (graph, graph.version, ex)
        return ex


class _InterpretedPlan:
    """A signature the compiler refused: it runs on the reference interpreter."""

    def __init__(self, executable: "CpuExecutable", reason: str) -> None:
        self.executable = executable
        self.reason = reason
        counts: dict[str, int] = {}
        for n in executable.graph.nodes:
            counts[n.op] = counts.get(n.op, 0) + 1
        self.program = Program([], [], [], [], counts, {}, {}, 1)

    def run(self, feeds, state, fallback, trace=None):
        return fallback(feeds, state)

    def fast_runner(self, specs, state):
        return None


DEFAULT_MAX_PLANS = 32


def _default_max_plans() -> int:
    """`FLOWJIT_PLAN_CACHE_SIZE` (the setting that also bounds a session's plan cache), else 32."""
    value = options.get("FLOWJIT_PLAN_CACHE_SIZE")
    return DEFAULT_MAX_PLANS if value is None else value


class CpuExecutable:
    """A plan graph compiled for the host CPU, specialized per feed-shape signature.

    The specialized plans are kept least recently used first and at most `max_plans` of them
    (a session sets it from ConfigProto(plan_cache_size=...)), so feeding ever new shapes
    costs bounded memory: an evicted signature is compiled again (usually a JIT cache hit)."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._plans: collections.OrderedDict[Any, Any] = collections.OrderedDict()
        self.max_plans = _default_max_plans()
        self._reference: Interpreter | None = None
        self._dynamic_vars = [(n.attrs["var"]) for n in graph.nodes
                              if n.op == "VariableV2" and not n.outputs[0].shape.is_fully_defined()]
        from ...passes import dump as pass_dump

        self._dump = pass_dump.current()  # compiled lazily: keep the plan's dump folder for later
        self.last_plan: NativePlan | None = None
        self._traced: dict[Any, Any] = {}  # signature -> plan compiled for traced runs

    # --- reporting ------------------------------------------------------------------------------
    @property
    def fallback_ops(self) -> dict[str, int]:
        """Ops of the last compiled plan that run on the host with their reference kernels."""
        return dict(self.last_plan.program.fallback_ops) if self.last_plan else {}

    @property
    def native_ops(self) -> dict[str, int]:
        return dict(self.last_plan.program.native_ops) if self.last_plan else {}

    @property
    def program(self) -> Program | None:
        return self.last_plan.program if self.last_plan else None

    # --- running -------------------------------------------------------------------------------------
    def reference(self) -> Interpreter:
        if self._reference is None:
            self._reference = Interpreter(self.graph)
        return self._reference

    def _reference_run(self, feeds: Sequence[np.ndarray], state: SessionState,
                       trace: StepTrace | None = None) -> list[np.ndarray]:
        return [np.array(r, copy=True) for r in self.reference().run(feeds, state, trace)]

    def run(self, feeds: Sequence[np.ndarray], state: SessionState, trace: StepTrace | None = None) -> list[np.ndarray]:
        key = tuple(f.shape for f in feeds)
        if self._dynamic_vars:
            key += tuple(np.shape(state.variables.get(v)) for v in self._dynamic_vars)
        if trace is not None:
            return self._run_traced(key, feeds, state, trace)
        plan = self._cached_plan(key)
        if plan is None:
            if any(state.variables.get(v) is None for v in self._dynamic_vars):
                return self._reference_run(feeds, state)
            plan = self._compile(feeds, state)
            self._remember_plan(key, plan)
        return plan.run(feeds, state, self._reference_run)

    def _run_traced(self, key: Any, feeds: Sequence[np.ndarray], state: SessionState, trace: StepTrace) -> list[np.ndarray]:
        """A traced run: the plan compiled with one native segment per top-level step (a
        separate plan, cached beside the untraced one), each step timed into `trace`."""
        def fallback(f: Sequence[np.ndarray], s: SessionState) -> list[np.ndarray]:
            return self._reference_run(f, s, trace)

        plan = self._traced.get(key)
        if plan is None:
            if any(state.variables.get(v) is None for v in self._dynamic_vars):
                return fallback(feeds, state)
            plan = self._compile(feeds, state, split_segments=True)
            if len(self._traced) >= max(1, self.max_plans):
                self._traced.clear()
            self._traced[key] = plan
        return plan.run(feeds, state, fallback, trace)

    def _cached_plan(self, key: Any) -> Any:
        """The plan for `key`, now the most recently used; None on a miss. Each step is a single
        OrderedDict call (atomic under the GIL): a plan another thread evicted is just a miss."""
        plan = self._plans.get(key)
        if plan is not None:
            try:
                self._plans.move_to_end(key)
            except KeyError:
                pass
        return plan

    def _remember_plan(self, key: Any, plan: Any) -> None:
        self._plans[key] = plan
        self._plans.move_to_end(key)
        while len(self._plans) > max(1, self.max_plans):
            try:
                self._plans.popitem(last=False)
            except KeyError:
                break

    def fast_runner(self, specs: Sequence[tuple[np.dtype, tuple]], state: SessionState):
        """See NativePlan.fast_runner; None when this signature has no all-native plan yet."""
        if self._dynamic_vars:
            return None
        plan = self._cached_plan(tuple(tuple(shape) for _, shape in specs))
        return None if plan is None else plan.fast_runner(specs, state)

    def _compile(self, feeds: Sequence[np.ndarray], state: SessionState, split_segments: bool = False) -> Any:
        var_shapes = {v: np.shape(state.variables[v]) for v in self._dynamic_vars}
        graph = specialize(self.graph, [f.shape for f in feeds], var_shapes)
        from ...passes import dump as pass_dump

        try:
            with pass_dump.active(self._dump):
                plan = compile_native_plan(graph, split_segments)
        except errors.OpError:
            raise
        except Exception as e:  # noqa: BLE001  (a compiler failure must not stop the user's program)
            # this signature runs on the reference interpreter instead; `fallback_ops` lists
            # every op of the plan, so tests that expect native code notice
            warnings.warn(f"flowjit cpu backend: plan not compiled ({type(e).__name__}: {e}); running it on the "
                          "reference backend", RuntimeWarning, stacklevel=3)
            plan = _InterpretedPlan(self, f"{type(e).__name__}: {e}")
        if not split_segments:  # a traced plan is not what `program`/`fallback_ops` report
            self.last_plan = plan
        return plan


def _record_native(trace: StepTrace, steps: list[Any], start: float, end: float) -> None:
    """One record for a native segment: a kernel with the plan nodes it computes (or an
    If/While compiled natively). A traced plan has one top-level step per segment."""
    names: list[str] = []
    for step in steps:
        if isinstance(step, KernelStep):
            names += [m for n in step.origins if hasattr(n, "name") for m in members_of(n)]
        elif getattr(step, "node", None) is not None:
            names.append(step.node.name)
    first = steps[0]
    if isinstance(first, KernelStep):
        head = next((n.name for n in first.origins if hasattr(n, "name")), first.name)
        trace.add(head, "Kernel", start, end, tuple(names), kernel=first.name)
    else:
        trace.add(first.node.name, first.node.op, start, end, tuple(names))


def compile_native_plan(graph: Graph, split_segments: bool = False) -> NativePlan:
    """Compile a specialized plan graph (compiler/driver.py) and wrap it for running; the
    wrapping is timed as the compile stage "plan". `split_segments`: one native segment per
    top-level step, for traced runs."""
    compiled = driver.compile_plan(graph, split_segments)
    t0 = time.perf_counter()
    plan = NativePlan.from_compiled(compiled)
    driver.tick("plan", t0)
    return plan


class CpuBackend:
    """Backend `cpu`: the LLVM host backend."""

    name = "cpu"

    def compile(self, graph: Graph) -> CpuExecutable:
        return CpuExecutable(graph)


register_backend("cpu", CpuBackend)
