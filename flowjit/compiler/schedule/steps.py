"""Kernels to steps (steps 3 and 4 of schedule/): the `Program` of a translated graph.

`ProgramBuilder` extends the translation with what comes after it: grouping units into
kernels, scheduling each kernel (stages.py), control-flow steps with their bodies' results
landing in the node's buffers, and buffer lifetimes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.graph import Node
from ..lir import ELEMENTWISE, L
from ..program import Buffer, HostStep, IfStep, KernelStep, Program, WhileStep
from .kernels import group_units
from .lifetimes import lifetimes
from .stages import KernelScheduler
from .translate import ControlUnit, GraphTranslation, Unit


class ProgramBuilder(GraphTranslation):
    def fuse(self) -> list[Any]:
        """Group units into kernels; returns the step order: lists of units and HostSteps."""
        return group_units(self.steps_seq, self.unit_of)

    # --- 3./4. kernels to steps ---------------------------------------------------------------
    def build(self) -> Program:
        self.translate()
        g = self.graph
        wanted = [self.value_of.get(v) for v in g.results]
        # a value computed by a kernel writes straight into the result
        steps = self.build_steps(wanted, lambda i, x: self.buffer(x.dtype, x.shape, "result", index=i))
        results: list[Any] = []
        for v, x in zip(g.results, wanted):
            if isinstance(x, L):
                buf = self.mat.get(x.id)
                if buf is not None:
                    results.append(buf)
                elif x.op == "const":
                    results.append(("const", np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype)))
                else:
                    raise AssertionError(f"result {v.name} was not materialized")
            elif isinstance(x, tuple) and x[0] in ("const", "host"):
                results.append(x)  # a host value: maybe of an expanded Fused body, not v itself
            else:
                results.append(("host", v))
        # host step inputs now refer to buffers
        for step in steps:
            if isinstance(step, HostStep):
                step.inputs = [self.mat[x.id] if isinstance(x, L) and x.id in self.mat else
                               (("const", np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype))
                                if isinstance(x, L) and x.op == "const" else x)
                               for x in step.inputs]
        lifetimes(steps, results)
        return Program(self.buffers, steps, self.feeds, results, self.fallback_ops, self.native_ops, self.mat,
                       self.nthreads, self.host_reasons)

    def build_steps(self, results: list[Any], make_target: Any) -> list[Any]:
        """Fuse the translated units into kernels and schedule them; `make_target(i, x)` may
        name the buffer result i (LIR value x, computed by one of the kernels) is written to."""
        order = self.fuse()
        need: dict[int, L] = {x.id: x for x in results if isinstance(x, L)}
        kernel_index: dict[int, int] = {}
        for k, step in enumerate(order):
            if isinstance(step, list):
                for u in step:
                    for n in u.nodes:
                        kernel_index[n.id] = k
        for k, step in enumerate(order):
            if isinstance(step, HostStep):
                need.update((x.id, x) for x in step.inputs if isinstance(x, L))
            elif isinstance(step, ControlUnit):
                need.update((x.id, x) for x in step.inputs)
            else:
                for u in step:
                    for n in u.nodes:
                        for x in n.inputs:
                            kx = kernel_index.get(x.id)
                            if kx is not None and kx != k:
                                need[x.id] = x
        targets: dict[int, Buffer] = {}
        for i, x in enumerate(results):
            if isinstance(x, L) and x.id in kernel_index and x.id not in targets and x.id not in self.mat:
                buf = make_target(i, x)
                if buf is not None:
                    targets[x.id] = buf
        steps: list[Any] = []
        for k, step in enumerate(order):
            if isinstance(step, HostStep):
                steps.append(step)
            elif isinstance(step, ControlUnit):
                steps.append(self._control_step(step))
            else:
                steps.append(self._kernel_step(step, need, targets, f"k{len(steps)}"))
        return steps

    def _kernel_step(self, units: list[Unit], need: dict[int, L], targets: dict[int, Buffer], name: str) -> KernelStep:
        nodes = sorted((n for u in units for n in u.nodes), key=lambda n: n.id)
        outputs: dict[int, Buffer] = {}
        for n in nodes:
            if n.id in need or n.id in targets:
                buf = targets.get(n.id)
                if buf is None:
                    buf = self.buffer(n.dtype, n.shape, "temp")
                outputs[n.id] = buf
        writes_var: dict[int, Buffer] = {}
        for u in units:
            if u.var_write:
                writes_var[u.outs[0].id] = self.var_buffers[u.var_write]
        step = self._scheduled(nodes, outputs, writes_var, name, [u.node for u in units])
        for n_id, buf in outputs.items():
            self.mat[n_id] = buf
        return step

    def _scheduled(self, nodes: list[L], outputs: dict[int, Buffer], writes_var: dict[int, Buffer], name: str,
                   origins: list[Node]) -> KernelStep:
        ks = KernelScheduler(self, nodes, outputs, writes_var, name)
        items = ks.schedule()
        reads = sorted({b.id: b for b in ks.reads}.values(), key=lambda b: b.id)
        writes = sorted({b.id: b for b in ks.writes}.values(), key=lambda b: b.id)
        return KernelStep(name, items, reads, writes, origins, ks.checks, ks.inline_ids)

    def copy_step(self, src: L, dst: Buffer, origin: Node, name: str) -> KernelStep:
        """A kernel that stores `src` (materialized, or a constant) into `dst`."""
        n = L("broadcast", [src], dst.dtype, dst.shape, origin)
        return self._scheduled([n], {n.id: dst}, {}, name, [origin])

    def _landing(self, body: "ProgramBuilder", dests: list[Buffer], make_target: Any, prefix: str) -> list[Any]:
        """The steps of `body` with its results stored into `dests` (straight from the kernel
        that computes a result when `make_target` gives its buffer, else by a copy)."""
        steps = body.build_steps(body.results_l, make_target)
        for i, (x, dst) in enumerate(zip(body.results_l, dests)):
            if self.mat.get(x.id) is not dst:
                steps.append(self.copy_step(x, dst, body.graph.results[i].node, f"{prefix}_out{i}"))
        return steps

    def _control_step(self, unit: ControlUnit) -> Any:
        node = unit.node
        if node.op == "If":
            branches = []
            for label, body in zip(("then", "else"), unit.bodies):
                branches.append(self._landing(body, unit.outputs, lambda i, x: unit.outputs[i], f"{node.name}_{label}"))
            p = unit.inputs[0]
            pred: Any = bool(p.attrs["value"]) if p.op == "const" else self.mat[p.id]
            return IfStep(node, pred, branches)
        cond, body = unit.bodies
        carried, entry = list(unit.carried), list(unit.inputs[:len(unit.carried)])
        if unit.counter is not None:  # the iteration number, for the rows of the records
            carried.append(unit.counter)
            entry.append(L("const", [], unit.counter.dtype, (), node, value=0))
        n = len(carried)
        init = [self.copy_step(x, buf, node, f"{node.name}_init{i}") for i, (x, buf) in enumerate(zip(entry, carried))]
        pred = self.buffer(dtypes.bool_, (), "temp")
        cond_steps = self._landing(cond, [pred], lambda i, x: pred, f"{node.name}_cond")
        # next values land in fresh buffers (a body may still read the current ones), then are
        # copied over; a loop variable the body passes through unchanged is not copied at all
        carried_ids = {buf.id: i for i, buf in enumerate(carried)}
        in_place = _in_place_updates(body, carried, n)
        nexts: list[Buffer | None] = []
        for i, (x, buf) in enumerate(zip(body.results_l, carried)):
            src = self.mat.get(x.id) if x.op == "buffer" else None
            if src is buf:
                nexts.append(None)
            elif i in in_place:
                nexts.append(buf)  # computed straight into the carried buffer (an accumulator)
            elif src is not None and src.id not in carried_ids or x.op == "const":
                nexts.append(buf)  # not a carried value: copied straight in, after the others
            else:
                nexts.append(self.buffer(buf.dtype, buf.shape, "temp"))
        pending = {i: b for i, b in enumerate(nexts) if b is not None and b is not carried[i]}
        pending.update((i, carried[i]) for i in in_place)
        # a record's row is scattered into the record itself (in place)
        pending.update((n + e, rec) for e, rec in enumerate(unit.records))
        body_steps = body.build_steps(body.results_l, lambda i, x: pending.get(i))
        for e, rec in enumerate(unit.records):
            x = body.results_l[n + e]
            if self.mat.get(x.id) is not rec:
                body_steps.append(self.copy_step(x, rec, node, f"{node.name}_record{e}"))
        # every read of the current values comes before the first write of a carried buffer
        for i, (x, nxt) in enumerate(zip(body.results_l, nexts)):
            if nxt is not None and nxt is not carried[i] and self.mat.get(x.id) is not nxt:
                body_steps.append(self.copy_step(x, nxt, node, f"{node.name}_next{i}"))
        for i, (x, nxt) in enumerate(zip(body.results_l, nexts)):
            if i in in_place and self.mat.get(x.id) is nxt:
                continue  # already written in place
            if nxt is carried[i]:
                body_steps.append(self.copy_step(x, nxt, node, f"{node.name}_carry{i}"))
            elif nxt is not None:
                body_steps.append(self.copy_step(self.leaf(nxt, node), carried[i], node, f"{node.name}_carry{i}"))
        max_iter = node.attrs.get("maximum_iterations")
        return WhileStep(node, init, cond_steps, pred, body_steps, None if max_iter is None else int(max_iter))


def _in_place_updates(body: GraphTranslation, carried: list[Buffer], n: int) -> set[int]:
    """Loop variables whose next value the body may compute straight into their carried buffer
    (an accumulator `acc + d`): the next value is an elementwise expression of the same shape,
    and the current value is read only by that expression, element by element at the index it
    writes, and nothing else reads the parts of it that depend on the current value (no other
    kernel recomputes them from the overwritten buffer); or a scatter (a TensorArray write) whose
    base is the current value and nothing else reads it. Saves a fresh buffer and a copy per
    variable per iteration (and the scatter's copy of its base)."""
    results = body.results_l
    nodes = [m for u in body.units for m in u.nodes]
    consumers: dict[int, list[L]] = {}
    for m in nodes:
        for inp in m.inputs:
            consumers.setdefault(inp.id, []).append(m)
    outside: set[int] = set()  # values read by something that is not an LIR node of the body
    for step in body.steps_seq:
        if isinstance(step, (ControlUnit, HostStep)):
            outside.update(x.id for x in step.inputs if isinstance(x, L))
    out: set[int] = set()
    for i in range(min(n, len(results))):
        x, buf = results[i], carried[i]
        param = body.graph.params[i].output(0) if i < len(body.graph.params) else None
        leaf = body.value_of.get(param) if param is not None else None
        if not isinstance(leaf, L) or leaf.op != "buffer" or leaf.attrs.get("buf") is not buf:
            continue
        if x.shape != buf.shape or x.dtype != buf.dtype:
            continue
        if _scatters_into(x, leaf):  # a TensorArray write: the scatter updates its base in place
            if leaf.id not in outside and all(c is x for c in consumers.get(leaf.id, ())) and \
                    not any(r.id == leaf.id for k, r in enumerate(results) if k != i):
                out.add(i)
            continue
        if x.op not in ELEMENTWISE or x.op in ("const", "iota"):
            continue
        chain: dict[int, L] = {}
        stack, ok = [x], True
        while stack and ok:
            m = stack.pop()
            if m.id in chain:
                continue
            chain[m.id] = m
            for inp in m.inputs:
                if inp.id == leaf.id:
                    ok = inp.shape == x.shape
                elif inp.op in ELEMENTWISE and inp.shape == x.shape and inp.op not in ("const", "iota"):
                    stack.append(inp)
        if not ok or not any(inp.id == leaf.id for m in chain.values() for inp in m.inputs):
            continue
        if leaf.id in outside or any(c.id not in chain for c in consumers.get(leaf.id, ())):
            continue
        # the parts of the expression that read the old value: nothing else may read them
        tainted: set[int] = set()
        grew = True
        while grew:
            grew = False
            for m in chain.values():
                if m.id not in tainted and any(inp.id == leaf.id or inp.id in tainted for inp in m.inputs):
                    tainted.add(m.id)
                    grew = True
        if any(c.id not in chain for t in tainted if t != x.id for c in consumers.get(t, ())):
            continue
        if any(t in outside for t in tainted):
            continue
        if any(r.id == leaf.id or r.id in tainted for k, r in enumerate(results) if k != i):
            continue
        out.add(i)
    return out


def _scatters_into(x: L, leaf: L) -> bool:
    """Whether x is a scatter routine whose base operand is `leaf` itself."""
    return (x.op == "routine" and x.attrs.get("kind") == "scatter" and bool(x.attrs.get("base"))
            and len(x.inputs) == 3 and x.inputs[2].id == leaf.id)
