"""Grouping translated units into kernels (step 2 of schedule/).

A unit joins the kernel of its latest producer when that kernel is still the last step and
may grow; an independent unit may share the last kernel when its loops look alike.
"""

from __future__ import annotations

from typing import Any

from ..lir import LIBRARY
from .translate import Unit

MAX_KERNEL_NODES = 400


def group_units(steps_seq: list[Any], unit_of: dict[int, Unit]) -> list[Any]:
    """Group units into kernels; returns the step order: lists of units and HostSteps."""
    order: list[Any] = []
    kernel_of: dict[int, int] = {}  # unit index -> position in `order`
    for item in steps_seq:
        if not isinstance(item, Unit):  # host and control steps run on their own
            order.append(item)
            continue
        producers = set()
        latest = -1
        for n in item.nodes:
            for x in n.inputs:
                u = unit_of.get(x.id)
                if u is not None and u is not item:
                    producers.add(u.index)
        for p in producers:
            latest = max(latest, kernel_of[p])
        # only the last step can grow: every unit still runs after everything before it
        # in the interpreter's order (host steps, variable writes, control inputs)
        joined = False
        if latest >= 0 and isinstance(order[latest], list) and latest == _last_kernel(order):
            kernel = order[latest]
            if _can_join(kernel, item):
                kernel.append(item)
                kernel_of[item.index] = latest
                joined = True
        if not joined and not producers and order and isinstance(order[-1], list):
            kernel = order[-1]
            if _can_join(kernel, item) and _independent_ok(kernel, item):
                kernel.append(item)
                kernel_of[item.index] = len(order) - 1
                joined = True
        if not joined:
            order.append([item])
            kernel_of[item.index] = len(order) - 1
    return order

def _last_kernel(order: list[Any]) -> int:
    return len(order) - 1 if order and isinstance(order[-1], list) else -2

def _can_join(kernel: list[Unit], unit: Unit) -> bool:
    if any(u.closed for u in kernel):
        return False
    if any(n.op in LIBRARY for n in unit.nodes):
        return False
    if sum(len(u.nodes) for u in kernel) + len(unit.nodes) > MAX_KERNEL_NODES:
        return False
    if unit.var_write:
        # the kernel must not read the variable anywhere but at the written element
        for u in kernel:
            if unit.var_write in u.reads_vars:
                return False
    for u in kernel:
        if u.var_write and u.var_write in unit.reads_vars:
            return False
    return True

def _independent_ok(kernel: list[Unit], unit: Unit) -> bool:
    """An independent unit may share a kernel if its loops look alike (same output size)."""
    if unit.var_write:
        return False
    sizes = {o.size for u in kernel for o in u.outs}
    return all(o.size in sizes and o.size >= 4096 for o in unit.outs)

