"""Pruning: keep only what the fetches and targets need, cut at the feeds.

This is what makes "only what a fetch needs runs" true: an unfed placeholder or a failing
Assert outside the needed subgraph is never executed.
"""

from __future__ import annotations

from typing import Sequence

from ..ir.graph import Graph, Node, Provenance, Value, _copy_attr


def prune(graph: Graph, fetches: Sequence[Value], targets: Sequence[Node], feeds: Sequence[Value]) -> Graph:
    """Return a plain plan graph: params = one Placeholder per feed (in order), results =
    fetches, targets = targets. Every read of a fed value reads its Placeholder instead, so the
    producer runs only when something else needs it.
    """
    fed = {v: k for k, v in enumerate(feeds)}
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

    kept = [n for n in graph.topological_order() if id(n) in needed]
    for n in kept:
        mapping[id(n)] = plan.add_node(
            n.op, [mapped(v) for v in n.inputs], {k: _copy_attr(a) for k, a in n.attrs.items()}, name=n.name,
            exact_name=True, control_inputs=[mapping[id(c)] for c in n.control_inputs], device=n.device,
            outputs=list(n.outputs), source=n.source, provenance=n.provenance)
    plan.params = params
    plan.results = [mapped(v) for v in fetches]
    plan.targets = [mapping[id(t)] for t in targets]
    return plan
