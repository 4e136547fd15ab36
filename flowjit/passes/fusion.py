"""Fusion: group nodes into kernels, each becoming one `Fused` node (see ir/ops/fused.py).

Ops have a fusion class (registry `op_class`): elementwise < broadcast < injective <
reduction < matmul < opaque. The rules are conservative; a group is formed only where one
loop nest computes it without recomputing expensive work or reordering effects:

1. matmul/conv epilogue, kind "matmul" or "conv". A MatMul/BatchMatMulV2 (or any op of class
   matmul; the kind is the op definition's `fusion_kind`, "conv" for the convolutions) is the group's first op. It
   absorbs a chain of elementwise/broadcast consumers (BiasAdd, Add of a bias, Relu, ...):
   the chain grows while the last value has exactly one consumer, that consumer is
   elementwise, and each of its other inputs cannot broadcast the result to a larger shape
   (so the chain keeps the matmul's output shape) and comes from before the matmul in
   topological order (so the group cannot be part of a cycle).
2. reduction, kind "reduction". A reduction (Sum, Mean, Max, Min, Prod, ArgMax, L2Loss, ...,
   and Softmax/LogSoftmax: any single-output op of class reduction whose other inputs, e.g.
   the axes, are constants) absorbs the elementwise producers of its data input (input 0),
   as in rule 3, and then an elementwise epilogue as in rule 1 (the divide of a mean, a
   sqrt of a norm). The reduction is the last op before the epilogue.
3. elementwise, kind "elementwise". A maximal cone of elementwise/broadcast ops: starting
   from a node, producers are absorbed while every consumer of the producer is already in
   the group. So an intermediate value is never needed outside the kernel, and the group
   has exactly one result.

Never fused: stateful ops (variables, assignments, random ops), host ops (Print, Assert),
lazily read variables, ops with nested graphs (If, While, Fused), ops with several outputs
or string values, nodes run as targets. Fetched values and values other nodes wait for
(control dependencies) are never internal to a group: they can only be its result. Fed
values are graph parameters (Placeholders) and so always external inputs. All members share
one device. Matmul groups are formed first, then reduction groups (in topological order),
then elementwise groups (from the last node backwards); a node belongs to at most one group,
and a "group" of one node is left as it is.

The Fused node: inputs are the values the group reads from outside (in first-use order);
its body's params are `Arg` nodes with attrs {index, dtype, shape}; constants of at most
`LITERAL_LIMIT` elements the group reads are copied into the body (so reduction axes stay
static); the body's results are the group's values used outside it (fetched, read by other
nodes). Its name is `fused_<kind>` (made unique), its provenance `Provenance("fusion",
origins)` lists the original nodes, its control inputs are the members' control inputs, and
whoever waited for a member waits for the Fused node.

Every decision is noted (`FusionDecision`) with a reason code: "fused", or "not fused: ..."
(e.g. "not fused: producer has 2 consumers"); the dump's fusion_groups file lists them.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from ..ir import registry
from ..ir.graph import Graph, Node, OutputSpec, Provenance, Value, copy_attr
from ..ir.dtypes import string
from .constant_folding import LITERAL_LIMIT
from .manager import Pass, note
from .rewrite import Edit, cannot_expand, erase_dead_nodes, origins_of

ELEMENTWISE_CLASSES = ("elementwise", "broadcast")


@dataclass(frozen=True)
class FusionDecision:
    """One fusion decision: `node` went into `group` ("fused") or not, and why."""

    node: str
    op: str
    reason: str
    group: str | None = None
    role: str = ""

    @property
    def fused(self) -> bool:
        return self.reason == "fused"

    def __str__(self) -> str:
        where = f" [{self.group}]" if self.group else ""
        role = f" as {self.role}" if self.role else ""
        return f"{self.node} ({self.op}){where}: {self.reason}{role}"


@dataclass
class FusionGroup:
    """A set of nodes that becomes one Fused node."""

    kind: str
    anchor: Node
    members: list[Node] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    label: str = ""   # a temporary name used in decisions until the Fused node exists
    tail: Node | None = None  # the group's result: the anchor or the end of its epilogue
    fused: Node | None = None

    def add(self, node: Node, role: str) -> None:
        self.members.append(node)
        self.roles[node.name] = role


class _Fuser:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.order = graph.topological_order()
        self.index = {id(n): k for k, n in enumerate(self.order)}
        self.consumers: dict[int, list[Node]] = {id(n): [] for n in self.order}
        for n in self.order:
            for v in n.inputs:
                lst = self.consumers[id(v.node)]
                if not lst or lst[-1] is not n:
                    lst.append(n)
        self.waited_for = {id(c) for n in self.order for c in n.control_inputs}
        self.fetched = {id(v.node) for v in graph.results}
        self.targets = {id(t) for t in graph.targets}
        self.params = {id(p) for p in graph.params}
        self.group_of: dict[int, FusionGroup] = {}
        self.groups: list[FusionGroup] = []
        self.decisions: list[FusionDecision] = []

    # --- facts --------------------------------------------------------------------------
    def blocked(self, node: Node) -> str | None:
        """Why `node` can never be in a group, or None."""
        if id(node) in self.params:
            return "not fused: fed value"
        op = registry.get_op(node.op)
        if op.extra.get("lazy"):
            return "not fused: variable"
        if op.host:
            return "not fused: host op"
        if op.stateful:
            return "not fused: stateful op"
        if any(isinstance(a, Graph) for a in node.attrs.values()):
            return "not fused: has a nested graph"
        if len(node.outputs) != 1:
            return "not fused: several outputs"
        if any(s.dtype == string for s in node.outputs) or any(v.dtype == string for v in node.inputs):
            return "not fused: string values"
        if id(node) in self.targets:
            return "not fused: run as a target"
        return None

    def member_reason(self, node: Node, group: FusionGroup) -> str | None:
        """Why elementwise `node` cannot join `group` (None: it can)."""
        g = self.group_of.get(id(node))
        if g is not None:
            return f"not fused: already in {g.label}"
        reason = self.blocked(node)
        if reason:
            return reason
        op_class = registry.get_op(node.op).op_class
        if op_class not in ELEMENTWISE_CLASSES:
            return f"not fused: {op_class} op"
        if node.device != group.anchor.device:
            return "not fused: different device"
        return None

    def internal_reason(self, node: Node, members: set[int]) -> str | None:
        """Why `node`'s value cannot be internal to a group with `members` (None: it can)."""
        if id(node) in self.fetched:
            return "not fused: value is fetched"
        if id(node) in self.waited_for:
            return "not fused: other nodes wait for it (control dependency)"
        consumers = self.consumers[id(node)]
        if any(id(c) not in members for c in consumers):
            return f"not fused: producer has {len(consumers)} consumers"
        return None

    def decide(self, node: Node, reason: str, group: FusionGroup | None, role: str = "") -> None:
        self.decisions.append(FusionDecision(node.name, node.op, reason, group.label if group else None, role))

    # --- growing groups -------------------------------------------------------------------
    def new_group(self, kind: str, anchor: Node, role: str) -> FusionGroup:
        group = FusionGroup(kind, anchor, label=f"the {kind} group at {anchor.name}")
        group.add(anchor, role)
        return group

    def grow_producers(self, group: FusionGroup, start: Node, role: str) -> None:
        """Absorb elementwise producers of `start` whose every consumer is in the group."""
        members = {id(n) for n in group.members}
        heap: list[tuple[int, int, Node]] = []
        seen: set[int] = set()

        def push_inputs(n: Node) -> None:
            for v in n.inputs:
                p = v.node
                if id(p) not in seen and id(p) not in members:
                    seen.add(id(p))
                    heapq.heappush(heap, (-self.index[id(p)], id(p), p))

        push_inputs(start)
        while heap:
            _, _, p = heapq.heappop(heap)
            if p.op == "Const":
                continue
            reason = self.member_reason(p, group) or self.internal_reason(p, members)
            if reason is not None:
                self.decide(p, reason, group)
                continue
            group.add(p, role)
            members.add(id(p))
            push_inputs(p)

    def grow_epilogue(self, group: FusionGroup) -> None:
        """Absorb a chain of elementwise consumers that keep the anchor's shape."""
        anchor = group.anchor
        tail = anchor
        members = {id(n) for n in group.members}
        while True:
            consumers = self.consumers[id(tail)]
            if len(consumers) != 1:
                return
            e = consumers[0]
            reason = self.internal_reason(tail, members | {id(e)})
            if reason is not None:
                reason += f" ({tail.name})"
            reason = reason or self.member_reason(e, group) or self.epilogue_reason(e, tail, anchor, members)
            if reason is not None:
                self.decide(e, reason, group, "epilogue")
                return
            group.add(e, "epilogue")
            members.add(id(e))
            tail = group.tail = e

    def epilogue_reason(self, e: Node, tail: Node, anchor: Node, members: set[int]) -> str | None:
        shape = tail.outputs[0].shape
        if e.outputs[0].shape != shape:
            return "not fused: changes the shape"
        for k, v in enumerate(e.inputs):
            if v.node is tail:
                continue
            if id(v.node) in members:
                return "not fused: reads the group twice"
            if (v.node.op != "Const" or v.node.control_inputs) and self.index[id(v.node)] > self.index[id(anchor)]:
                return "not fused: an input is computed after the group's first op"
            bias_of_biasadd = e.op == "BiasAdd" and k == 1 and e.inputs[0].node is tail
            if not bias_of_biasadd and not cannot_expand(shape, v.shape):
                return "not fused: an input may broadcast the result"
        return None

    # --- the three rules ------------------------------------------------------------------
    def matmul_groups(self) -> None:
        for n in self.order:
            if registry.get_op(n.op).op_class != "matmul" or id(n) in self.group_of:
                continue
            reason = self.blocked(n)
            if reason:
                self.decide(n, reason, None)
                continue
            group = self.new_group(registry.get_op(n.op).fusion_kind, n, "anchor")
            self.grow_epilogue(group)
            self.commit(group)

    def reduction_groups(self) -> None:
        for n in self.order:
            if registry.get_op(n.op).op_class != "reduction" or id(n) in self.group_of:
                continue
            reason = self.blocked(n)
            if reason is None and any(v.node.op != "Const" for v in n.inputs[1:]):
                reason = "not fused: reduction parameters (axes) are not constant"
            if reason:
                self.decide(n, reason, None)
                continue
            group = self.new_group("reduction", n, "anchor")
            self.grow_producers(group, n, "prologue")
            self.grow_epilogue(group)
            self.commit(group)

    def elementwise_groups(self) -> None:
        for n in reversed(self.order):
            if id(n) in self.group_of or n.op == "Const":
                continue
            op_class = registry.get_op(n.op).op_class
            if op_class not in ELEMENTWISE_CLASSES:
                continue
            reason = self.blocked(n)
            if reason:
                self.decide(n, reason, None)
                continue
            group = self.new_group("elementwise", n, "result")
            self.grow_producers(group, n, "member")
            self.commit(group)

    def commit(self, group: FusionGroup) -> None:
        last = group.tail or group.anchor
        if not self.consumers[id(last)] and id(last) not in self.fetched and id(last) not in self.waited_for:
            self.decide(group.anchor, "not fused: nothing uses it (dead code)", None)
            return
        if len(group.members) < 2:
            self.decide(group.anchor, "not fused: nothing to fuse with", None)
            return
        self.groups.append(group)
        for m in group.members:
            self.group_of[id(m)] = group

    def run(self) -> list[FusionGroup]:
        self.matmul_groups()
        self.reduction_groups()
        self.elementwise_groups()
        decided = {d.node for d in self.decisions}
        for n in self.order:
            if id(n) in self.group_of or n.op in ("Const", "NoOp") or id(n) in self.params or n.name in decided:
                continue
            op_class = registry.get_op(n.op).op_class
            if op_class in ("injective", "opaque"):
                self.decide(n, self.blocked(n) or f"not fused: {op_class} op", None)
        return self.groups


# --- building Fused nodes ------------------------------------------------------------------

def fuse_nodes(graph: Graph, members: list[Node], kind: str, *, name: str | None = None,
               provenance: Provenance | None = None) -> Node:
    """Replace `members` (a convex set of pure, single-output nodes) by one Fused node.

    Public so that user passes can fuse their own groups. Returns the Fused node; values of
    members used outside the group become its outputs, in member order.
    """
    edit = Edit(graph)
    fused = _build_fused(graph, members, kind, graph.consumers(), edit, name=name, provenance=provenance)
    read_consts = [v.node for n in members for v in n.inputs if v.node.op == "Const"]
    edit.commit()
    erase_dead_nodes(graph, read_consts)  # constants copied into the body that nothing else reads
    return fused


def _build_fused(graph: Graph, members: list[Node], kind: str, consumers: dict[Value, list[Node]], edit: Edit, *,
                 name: str | None = None, provenance: Provenance | None = None,
                 waited: set[int] | None = None) -> Node:
    """Add the Fused node for `members` and record in `edit` that it replaces them.

    `consumers` is `graph.consumers()`, `waited` the ids of nodes others wait for (control
    inputs, targets); both are computed once for many groups."""
    order = graph.topological_order(members)
    member_ids = {id(n) for n in order}
    taken = {n.name for n in order}
    ext: list[Value] = []
    consts: list[Node] = []
    for n in order:
        for v in n.inputs:
            if id(v.node) in member_ids:
                continue
            if _inline_const(v.node):
                if all(c is not v.node for c in consts):
                    consts.append(v.node)
                    taken.add(v.node.name)
            elif v not in ext:
                ext.append(v)
    results = set(graph.results)
    if waited is None:
        waited = _waited_for(graph)
    exported = [v for n in order for k, v in enumerate(n.values)
                if v in results or any(id(c) not in member_ids for c in consumers.get(v, []))
                or (k == 0 and id(n) in waited)]  # a kernel others wait for has an output to compute
    if not exported:
        raise ValueError("fuse_nodes: nothing outside the group uses its values")

    body = Graph()
    mapping: dict[Value, Value] = {}
    for k, v in enumerate(ext):
        arg_name = f"arg{k}"
        while arg_name in taken:
            arg_name += "_"
        arg = body.add_node("Arg", [], {"index": k, "dtype": v.dtype, "shape": v.shape}, name=arg_name,
                            exact_name=True, outputs=[OutputSpec(v.dtype, v.shape)])
        body.params.append(arg)
        mapping[v] = arg.output(0)
    for c in consts:
        copy = body.add_node("Const", [], {k: copy_attr(a) for k, a in c.attrs.items()}, name=c.name,
                             exact_name=True, outputs=list(c.outputs), source=c.source, provenance=c.provenance)
        mapping[c.output(0)] = copy.output(0)
    for n in order:
        copy = body.add_node(n.op, [mapping[v] for v in n.inputs], {k: copy_attr(a) for k, a in n.attrs.items()},
                             name=n.name, exact_name=True, outputs=list(n.outputs), source=n.source,
                             provenance=n.provenance, device=n.device)
        for v, cv in zip(n.values, copy.values):
            mapping[v] = cv
    body.results = [mapping[v] for v in exported]

    controls: list[Node] = []
    for n in order:
        for c in n.control_inputs:
            if id(c) not in member_ids and all(c is not d for d in controls):
                controls.append(c)
    fused = graph.add_node("Fused", ext, {"body": body, "kind": kind}, name=name or f"fused_{kind}",
                           control_inputs=controls, device=order[0].device, source=order[-1].source,
                           provenance=provenance or Provenance("fusion", origins_of(order)))
    for k, v in enumerate(exported):
        edit.replace_value(v, fused.output(k))
    for n in order:
        edit.redirect_waiters(n, fused)  # whoever waited for a member waits for the kernel
        edit.erase(n)
    return fused


def _waited_for(graph: Graph) -> set[int]:
    return {id(c) for n in graph for c in n.control_inputs} | {id(t) for t in graph.targets}


def _inline_const(node: Node) -> bool:
    if node.op != "Const" or node.control_inputs or node.attrs.get("_large"):
        return False
    value = node.attrs.get("value")
    return getattr(value, "size", LITERAL_LIMIT + 1) <= LITERAL_LIMIT and node.outputs[0].dtype != string


def plan_fusion(graph: Graph) -> tuple[list[FusionGroup], list[FusionDecision]]:
    """The groups fusion would form and every decision, without changing the graph."""
    fuser = _Fuser(graph)
    groups = fuser.run()
    return groups, fuser.decisions


def fuse(graph: Graph) -> tuple[Graph, bool]:
    """The pass, in place; returns (graph, changed). Decisions are noted for the report."""
    fuser = _Fuser(graph)
    groups = fuser.run()
    renames: dict[str, str] = {}
    consumers = graph.consumers()
    waited = _waited_for(graph)
    edit = Edit(graph)
    for group in groups:
        group.fused = _build_fused(graph, group.members, group.kind, consumers, edit, waited=waited)
        renames[group.label] = group.fused.name
    read_consts = [v.node for g in groups for n in g.members for v in n.inputs if v.node.op == "Const"]
    edit.commit()
    erase_dead_nodes(graph, read_consts)  # constants copied into bodies that nothing else reads
    for d in fuser.decisions:
        reason = d.reason
        for label, name in renames.items():
            reason = reason.replace(label, name)
        note(FusionDecision(d.node, d.op, reason, renames.get(d.group, d.group), d.role))
    for group in groups:
        for m in group.members:
            note(FusionDecision(m.name, m.op, "fused", group.fused.name, group.roles[m.name]))
    return graph, bool(groups)


def format_decisions(decisions: list[Any]) -> str:
    """The text of the dump's fusion file: groups with their members, then what was not fused."""
    fused: dict[str, list[FusionDecision]] = {}
    rest: list[FusionDecision] = []
    for d in decisions:
        if not isinstance(d, FusionDecision):
            continue
        if d.fused:
            fused.setdefault(d.group or "?", []).append(d)
        else:
            rest.append(d)
    lines: list[str] = []
    for group, members in fused.items():
        lines.append(f"{group}:")
        for d in members:
            lines.append(f"  {d.node:<40} {d.op:<20} {d.role}")
    if rest:
        lines.append("not fused:")
        for d in rest:
            where = f"  (considered for {d.group})" if d.group else ""
            lines.append(f"  {d.node:<40} {d.op:<20} {d.reason}{where}")
    return "\n".join(lines) + ("\n" if lines else "")


def fusion() -> Pass:
    """The fusion pass (see the module docstring)."""
    return Pass("fusion", fuse, doc=__doc__.split("\n")[0], builtin=True)
