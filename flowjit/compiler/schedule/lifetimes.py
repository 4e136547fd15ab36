"""Buffer lifetimes: the first and last step that touches each buffer (for the memory plan)."""

from __future__ import annotations

from typing import Any

from ..program import Buffer, HostStep, IfStep, KernelStep, WhileStep


def lifetimes(steps: list[Any], results: list[Any]) -> None:
    """[first, last] step positions of every buffer, steps numbered in program order with
    control steps' nested steps inline. A buffer a loop reads but that was written before the
    loop lives until the loop's end (the next iteration reads it again); one a step in the loop
    updates in place (a record) lives over the whole loop."""
    clock = [0]

    def write(b: Buffer, k: int) -> None:
        if b.first < 0:
            b.first = k
        b.last = max(b.last, k)

    def read(b: Buffer, k: int) -> None:
        b.last = max(b.last, k)
        if b.first < 0:
            b.first = k

    in_place: set[int] = set()  # buffers a step reads and writes: in a loop they carry rows across iterations

    def walk(steps: list[Any]) -> dict[int, Buffer]:
        touched: dict[int, Buffer] = {}
        for step in steps:
            if isinstance(step, KernelStep):
                k = clock[0]
                clock[0] += 1
                for b in step.writes:
                    write(b, k)
                    touched[b.id] = b
                for b in step.reads:
                    read(b, k)
                    touched[b.id] = b
                in_place.update(b.id for b in step.reads if any(w is b for w in step.writes))
            elif isinstance(step, HostStep):
                k = clock[0]
                clock[0] += 1
                for x in step.inputs:
                    if isinstance(x, Buffer):
                        x.last = max(x.last, k)
                        touched[x.id] = x
            elif isinstance(step, IfStep):
                if isinstance(step.pred, Buffer):
                    read(step.pred, clock[0])
                    touched[step.pred.id] = step.pred
                clock[0] += 1
                for branch in step.branches:
                    touched.update(walk(branch))
            elif isinstance(step, WhileStep):
                touched.update(walk(step.init))
                start = clock[0]
                inner = walk(step.cond)
                read(step.pred, clock[0])
                inner[step.pred.id] = step.pred
                clock[0] += 1
                inner.update(walk(step.body))
                end = clock[0]
                clock[0] += 1
                for b in inner.values():
                    if b.first < start:
                        b.last = max(b.last, end)
                    elif b.id in in_place:  # a record: rows of earlier iterations stay
                        b.first, b.last = start, max(b.last, end)
                touched.update(inner)
        return touched

    walk(steps)
    for r in results:
        if isinstance(r, Buffer):
            r.last = clock[0]

