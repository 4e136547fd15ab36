"""What the scheduler produces and the code generator and runtime consume.

A `Program` is a specialized plan graph cut into `Step`s executed in order:
  KernelStep  native code: one fusion group lowered to `Item`s (parallel loop regions and
              library calls), all inside the segment function of its native run of steps
  HostStep    one graph node run on the host with its reference kernel (Print, Assert,
              queues, random ops, and anything the compiler does not lower)
  IfStep      native control flow: a branch on a bool buffer between two lists of kernel
  WhileStep   steps / a loop of cond steps and body steps over loop-carried buffers
Consecutive kernel and control steps form one native *segment* function; a plan without host
steps is a single native call.

`Buffer`s are the memory the steps read and write: feeds, variables, constants, results
(fresh arrays per run), arena temporaries (placed by the memory plan) and per-thread scratch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..ir.dtypes import DType
from .lir import L, size_of


class Buffer:
    """A region of memory of one dtype and shape.

    kind: "feed" (index = feed position), "var" (name), "const" (array), "result" (index =
    result position), "host" (the output of a host step), "temp" (arena, `offset` set by the
    memory plan), "scratch" (arena, one row per thread, `offset` set by the memory plan).
    """

    __slots__ = ("id", "dtype", "shape", "kind", "index", "name", "array", "offset", "first", "last", "per_thread")

    def __init__(self, id: int, dtype: DType, shape: tuple[int, ...], kind: str, *, index: int = -1, name: str = "",
                 array: np.ndarray | None = None) -> None:
        self.id = id
        self.dtype = dtype
        self.shape = tuple(shape)
        self.kind = kind
        self.index = index
        self.name = name
        self.array = array
        self.offset = -1
        self.first = -1  # first step that writes it
        self.last = -1  # last step that reads it
        self.per_thread = False

    @property
    def nbytes(self) -> int:
        return size_of(self.shape) * self.dtype.size

    def __repr__(self) -> str:
        return f"<Buffer b{self.id} {self.kind} {self.dtype.name}{list(self.shape)}>"


@dataclass
class Region:
    """A loop nest: `stages` run one after the other inside a loop over the first dimension
    (`outer` iterations, split into `chunks` that run in parallel), or once when outer == 0."""

    outer: int
    chunks: int
    stages: list["Stage"]
    partials: list[Any] = field(default_factory=list)  # reductions across the outer loop
    parallel: bool = False
    work: int = 0


@dataclass
class Stage:
    """All points of `domain`; at each, store `maps` (node -> buffer) and accumulate `reduces`."""

    domain: tuple[int, ...]
    maps: list[tuple[L, Buffer]] = field(default_factory=list)
    reduces: list[tuple[L, Buffer]] = field(default_factory=list)


@dataclass
class Call:
    """A library call (kind "matmul" or "routine", the LIR node's op) on materialized buffers.

    `parallel`: the call runs parallel loops on the thread pool (the runtime starts it)."""

    kind: str
    node: L
    inputs: list[Buffer]
    output: Buffer
    work: int = 0
    workspace: Buffer | None = None
    parallel: bool = False


@dataclass
class KernelStep:
    name: str
    items: list[Any]  # Region | Call
    reads: list[Buffer]
    writes: list[Buffer]
    origins: list[Any]  # graph nodes lowered into this kernel
    checks: bool = False  # may report a run-time error
    inline_ids: set[int] = field(default_factory=set)  # LIR nodes computed where they are used


@dataclass
class HostStep:
    node: Any
    inputs: list[Any]  # Buffer, or ("value", ir.Value) for a host-only value
    outputs: list[Any]


@dataclass
class IfStep:
    """`If` compiled natively: run `branches[0]` when `pred` is true, else `branches[1]`.

    `pred` is a bool buffer, or a Python bool when the predicate is known at compile time.
    Each branch writes its results into the If's output buffers."""

    node: Any
    pred: Any  # Buffer | bool
    branches: list[list[Any]]


@dataclass
class WhileStep:
    """`While` compiled natively: `init` copies the entry values into the loop-carried
    buffers; then, while fewer than `max_iter` iterations ran, the `cond` steps compute `pred`
    and, if it is true, the `body` steps run one iteration (ending with the copies of the next
    values into the carried buffers). Only steps without host work are nested here."""

    node: Any
    init: list[Any]
    cond: list[Any]
    pred: Any  # Buffer
    body: list[Any]
    max_iter: int | None


NATIVE_STEPS = (KernelStep, IfStep, WhileStep)


def nested_steps(step: Any) -> list[Any]:
    """The steps a control step holds, in program order (empty for kernel and host steps)."""
    if isinstance(step, IfStep):
        return [s for branch in step.branches for s in branch]
    if isinstance(step, WhileStep):
        return step.init + step.cond + step.body
    return []


def walk_steps(steps: list[Any]):
    """Every step, control steps' nested steps included (pre-order)."""
    for s in steps:
        yield s
        yield from walk_steps(nested_steps(s))


@dataclass
class Program:
    buffers: list[Buffer]
    steps: list[Any]
    feeds: list[Buffer]
    results: list[Any]  # per plan result: Buffer, ("const", array) or ("host", Value)
    fallback_ops: dict[str, int] = field(default_factory=dict)
    native_ops: dict[str, int] = field(default_factory=dict)
    mat: dict[int, Buffer] = field(default_factory=dict)  # LIR node id -> buffer holding it
    nthreads: int = 1
    host_driven: dict[str, str] = field(default_factory=dict)  # If/While run from the host, and why


class _LocalIds(dict):
    """LIR node ids numbered in order of first mention: LIR ids come from a process-wide
    counter, and the listing is part of the plan cache key, so it must not carry them."""

    def __missing__(self, key: int) -> int:
        self[key] = len(self)
        return self[key]


def _describe_item(item: Any, ids: _LocalIds) -> list[str]:
    if isinstance(item, Call):
        return [f"    call {item.node.attrs.get('kind', item.kind)} {list(item.node.shape)} <- {[f'b{b.id}' for b in item.inputs]} -> b{item.output.id}"]
    head = (f"    region outer={item.outer} chunks={item.chunks} {'parallel' if item.parallel else 'serial'} "
            f"work~{item.work}")
    lines = [head]
    for st in item.stages:
        maps = ", ".join(f"L{ids[n.id]}:{n.op}->b{b.id}" for n, b in st.maps)
        reds = ", ".join(f"L{ids[n.id]}:{n.attrs['kind']}{list(n.attrs['axes'])}->b{b.id}" for n, b in st.reduces)
        lines.append(f"      stage {list(st.domain)}: " + "; ".join(x for x in (maps, reds) if x))
    for n, dest, partial in item.partials:
        lines.append(f"      partials b{partial.id} -> b{dest.id} (L{ids[n.id]})")
    return lines


def describe(program: "Program") -> str:
    """A readable listing of a program: buffers, then every step (kernels and host steps)."""
    lines = [f"# threads {program.nthreads}; native ops {program.native_ops}; host fallback {program.fallback_ops}",
             "buffers:"]
    for name, why in program.host_driven.items():
        lines.insert(1, f"# host-driven control flow '{name}': {why}")
    for b in program.buffers:
        extra = f" {b.name}" if b.name else (f" #{b.index}" if b.index >= 0 else "")
        lines.append(f"  b{b.id} {b.kind}{extra} {b.dtype.name}{list(b.shape)} steps [{b.first}, {b.last}]"
                     + (f" @{b.offset}" if b.offset >= 0 else ""))
    lines.append("steps:")
    _describe_steps(program.steps, lines, "  ", _LocalIds())
    return "\n".join(lines) + "\n"


def _describe_steps(steps: list[Any], lines: list[str], indent: str, ids: _LocalIds) -> None:
    for k, step in enumerate(steps):
        if isinstance(step, HostStep):
            lines.append(f"{indent}{k}: host {step.node.op} '{step.node.name}'")
        elif isinstance(step, IfStep):
            pred = f"b{step.pred.id}" if isinstance(step.pred, Buffer) else repr(step.pred)
            lines.append(f"{indent}{k}: if {pred} ('{step.node.name}')")
            for label, branch in zip(("then", "else"), step.branches):
                lines.append(f"{indent}  {label}:")
                _describe_steps(branch, lines, indent + "    ", ids)
        elif isinstance(step, WhileStep):
            limit = "" if step.max_iter is None else f" at most {step.max_iter} times"
            lines.append(f"{indent}{k}: while b{step.pred.id}{limit} ('{step.node.name}')")
            for label, part in (("init", step.init), ("cond", step.cond), ("body", step.body)):
                lines.append(f"{indent}  {label}:")
                _describe_steps(part, lines, indent + "    ", ids)
        else:
            names = ", ".join(f"{n.op} '{n.name}'" for n in step.origins)
            lines.append(f"{indent}{k}: kernel {step.name} [{names}]")
            for item in step.items:
                lines.extend(indent[2:] + line for line in _describe_item(item, ids))


def leaf_reads(root: Any, inline: set[int], buffer_of: Callable[[Any], "Buffer | None"]) -> list["Buffer"]:
    """Buffers the expression of a stage root loads: the walk goes through inlined LIR nodes
    (ids in `inline`) and stops at the first node with a buffer (`buffer_of`). The scheduler
    (a kernel's reads) and codegen (a region's arguments) must agree on this set, so both call
    this one walk."""
    out: list[Buffer] = []
    stack = list(root.inputs)
    seen: set[int] = set()
    while stack:
        x = stack.pop()
        if x.id in seen:
            continue
        seen.add(x.id)
        if x.id not in inline:
            buf = buffer_of(x)
            if buf is not None:
                out.append(buf)
                continue
        stack.extend(x.inputs)
    return out


Program.describe = describe  # type: ignore[attr-defined]
