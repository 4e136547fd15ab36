"""Walks over LIR that translation needs: what a rule made, what it reads."""

from __future__ import annotations

from typing import Iterable

from ...ir import dtypes
from ..lir import L
from ..program import Buffer


def reads_buffer(x: L, buf: Buffer) -> bool:
    """Whether x is `buf` itself, possibly through reshapes (a library would read it in place)."""
    while x.op == "reshape":
        x = x.inputs[0]
    return x.op == "buffer" and x.attrs["buf"] is buf


def next_id() -> int:
    """LIR ids increase with creation: everything a rule makes has an id >= this."""
    return L("const", [], dtypes.int32, ()).id


def made_since(outs: Iterable[L], first_id: int) -> list[L]:
    """The computed LIR nodes reachable from `outs` that were created at or after `first_id`."""
    made: dict[int, L] = {}
    stack = list(outs)
    while stack:
        n = stack.pop()
        if n.id in made or n.id < first_id or n.op == "buffer":
            continue
        made[n.id] = n
        stack.extend(n.inputs)
    return sorted(made.values(), key=lambda n: n.id)


def buffer_leaves(outs: Iterable[L]) -> list[L]:
    out, seen, stack = [], set(), list(outs)
    while stack:
        n = stack.pop()
        if n.id in seen:
            continue
        seen.add(n.id)
        if n.op == "buffer":
            out.append(n)
        stack.extend(n.inputs)
    return out


