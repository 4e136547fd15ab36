"""Pruning: keep only what the fetches and targets need, cut at the feeds.

This is what makes "only what a fetch needs runs" true: an unfed placeholder or a failing
Assert outside the needed subgraph is never executed.
"""

from __future__ import annotations

from typing import Sequence

from ..ir.graph import Graph, Node, Provenance, Value, copy_attr
from ..ir.registry import get_op


def prune(graph: Graph, fetches: Sequence[Value], targets: Sequence[Node], feeds: Sequence[Value]) -> Graph:
    """Return a plain plan graph: params = one Placeholder per feed (in order), results =
    fetches, targets = targets. Every read of a fed value reads its Placeholder instead, so the
    producer runs only when something else needs it.
    """
    fed = {v: k for k, v in enumerate(feeds)}
    # as in TF, a control edge from a node whose output is fed comes from the feed instead
    fed_nodes = {id(v.node): k for v, k in fed.items()}
    needed: set[int] = set()
    stack: list[Node] = []

    def want_node(n: Node) -> None:
        if id(n) not in needed:
            needed.add(id(n))
            stack.append(n)

    def want_value(v: Value) -> None:
        if v not in fed:
            want_node(v.node)

    for v in fetches:
        want_value(v)
    for t in targets:
        want_node(t)
    while stack:
        n = stack.pop()
        for v in n.inputs:
            want_value(v)
        for c in n.control_inputs:
            if id(c) not in fed_nodes:
                want_node(c)

    plan = Graph()
    plan._names_in_use = dict(graph._names_in_use)
    plan.seed = graph.seed
    params: list[Node] = []
    for v in feeds:
        if v.node.op == "Placeholder" and id(v.node) not in needed:
            name, prov = v.node.name, v.node.provenance
        else:
            name, prov = plan.unique_name(f"{v.node.name}/fed_{v.index}"), Provenance("prune", (v.node.name,))
        params.append(plan.add_node("Placeholder", attrs={"dtype": v.dtype, "shape": v.shape}, name=name,
                                    exact_name=True, outputs=[v.node.outputs[v.index]], source=v.node.source,
                                    provenance=prov, device=v.node.device))
    mapping: dict[int, Node] = {}

    def mapped(v: Value) -> Value:
        if v in fed:
            return params[fed[v]].output(0)
        return mapping[id(v.node)].output(v.index)

    def control(c: Node) -> Node:
        return params[fed_nodes[id(c)]] if id(c) in fed_nodes else mapping[id(c)]

    kept = [n for n in graph.topological_order() if id(n) in needed]
    for n in kept:
        mapping[id(n)] = plan.add_node(
            n.op, [mapped(v) for v in n.inputs], {k: copy_attr(a) for k, a in n.attrs.items()}, name=n.name,
            exact_name=True, control_inputs=[control(c) for c in n.control_inputs], device=n.device,
            outputs=list(n.outputs), source=n.source, provenance=n.provenance)
    plan.params = params
    plan.results = [mapped(v) for v in fetches]
    plan.targets = [mapping[id(t)] for t in targets]
    order_reads_before_writes(plan)
    return plan


def order_reads_before_writes(plan: Graph) -> int:
    """Make "a read of a variable that does not depend on its update sees the value from
    before the step" explicit: every such read becomes a control input of the update.

    In TF a read with no path from the assign runs as soon as the variable is ready, which is
    before any update computed from gradients (`_, l = sess.run([train_op, loss])` fetches the
    loss of the old weights, an L2 penalty term included). Here the execution order is a
    topological order that fusion and scheduling may change, so the order is written into the
    plan: both backends then read before they write, however they fuse. An edge that would
    close a cycle (the read depends on this update through some other path) is left out.
    Returns the number of edges added.
    """
    writes: dict[str, list[Node]] = {}
    reads: dict[str, list[Node]] = {}
    consumers: dict[int, list[Node]] = {}
    for n in plan.nodes:
        for v in n.inputs:
            consumers.setdefault(id(v.node), []).append(n)

    def read_by(node: Node, name: str) -> None:
        # an Identity of a variable (`v/read`, `tf.identity(v)`) is a view of its buffer, as a
        # TF1 ref read is: the value is taken where the view is consumed, so the consumers
        # read (a view under control_dependencies([update]) sees the update)
        if node.op != "Identity":
            reads.setdefault(name, []).append(node)
            return
        for c in consumers.get(id(node), ()):
            read_by(c, name)

    for n in plan.nodes:
        opdef = get_op(n.op)
        refs = opdef.extra.get("ref_inputs", ())
        if n.op == "ReadVariable":
            reads.setdefault(n.attrs["var"], []).append(n)
        for k, v in enumerate(n.inputs):
            if v.node.op == "VariableV2" and k not in refs:
                read_by(n, v.node.attrs["var"])
        for name in vars_written_by(n):
            writes.setdefault(name, []).append(n)
    added = 0
    for name, ws in writes.items():
        for r in reads.get(name, ()):
            ancestors = None
            for w in ws:
                if w is r or r in w.control_inputs:
                    continue
                if ancestors is None:
                    ancestors = _ancestor_ids(r)
                if id(w) in ancestors:  # r reads after w (it depends on it)
                    continue
                w.control_inputs.append(r)
                added += 1
    return added


def _ancestor_ids(node: Node) -> set[int]:
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        for dep in [v.node for v in n.inputs] + n.control_inputs:
            if id(dep) not in seen:
                seen.add(id(dep))
                stack.append(dep)
    return seen


def vars_written_by(node: Node) -> set[str]:
    """The variables `node` updates: its own `var` (Assign, Scatter*) and its bodies' ones."""
    own = {node.attrs["var"]} if get_op(node.op).extra.get("writes_variable") else set()
    return own | vars_written_by_bodies(node)


def vars_written_by_bodies(node: Node) -> set[str]:
    """Variables assigned inside the function bodies (If branches, While bodies) of `node`."""
    out: set[str] = set()
    for value in node.attrs.values():
        if isinstance(value, Graph):
            for n in value.nodes:
                if get_op(n.op).extra.get("writes_variable"):
                    out.add(n.attrs["var"])
                out |= vars_written_by_bodies(n)
    return out
