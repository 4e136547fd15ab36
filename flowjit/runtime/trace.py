"""Per-step timing of one traced run (`RunOptions(trace_level=FULL_TRACE)`).

A backend given a `StepTrace` records one entry per step it executes: a node run on the host
(every node on the reference backend), or a compiled kernel with the plan nodes lowered into
it. Times come from `time.perf_counter`, anchored once to the wall clock so entries carry
epoch microseconds as TF's `NodeExecStats.all_start_micros` does. Untraced runs never build
one, so they pay nothing for it. The front end turns the entries into `RunMetadata.step_stats`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class StepRecord:
    """One executed step: `name` (the node, or the kernel's first plan node), its op type (or
    "Kernel"), start and end in perf_counter seconds, and the plan nodes it computed."""

    name: str
    op: str
    start: float
    end: float
    members: tuple[str, ...] = ()
    kernel: str = ""
    thread_id: int = 0


@dataclass
class StepTrace:
    """The records of one run, in execution order."""

    records: list[StepRecord] = field(default_factory=list)
    wall_anchor: float = field(default_factory=time.time)
    perf_anchor: float = field(default_factory=time.perf_counter)

    def add(self, name: str, op: str, start: float, end: float, members: tuple[str, ...] = (),
            kernel: str = "") -> None:
        self.records.append(StepRecord(name, op, start, end, members, kernel, threading.get_ident() & 0x7FFFFFFF))

    def epoch_micros(self, t: float) -> int:
        """A perf_counter time as microseconds since the epoch."""
        return int(round((self.wall_anchor + (t - self.perf_anchor)) * 1e6))


def members_of(node: object) -> tuple[str, ...]:
    """The user's nodes a plan node computes: a `Fused` kernel's body nodes (its Arg params
    excepted), else the node itself."""
    attrs = getattr(node, "attrs", {})
    body = attrs.get("body") if getattr(node, "op", "") == "Fused" else None
    if body is None:
        return (getattr(node, "name", str(node)),)
    params = {id(p) for p in body.params}
    return tuple(n.name for n in body.nodes if id(n) not in params)
