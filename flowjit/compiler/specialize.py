"""Shape specialization: a plan graph with the concrete shapes of one run's feeds.

A plan graph may have unknown dimensions (`placeholder(shape=[None, 784])`). The compiled
code is specialized on the shapes a run actually feeds (the session's cache keys on them), so
before lowering, every node's output shape is re-inferred from the concrete feed and variable
shapes. Nodes whose shapes stay unknown (data-dependent ops such as `Where`, `Unique`) keep
their partial shapes; the backend runs them, and whatever depends on them, on the host.
"""

from __future__ import annotations

from typing import Sequence

from ..ir.graph import Graph, Node, OutputSpec
from ..ir.shapes import TensorShape


def is_static(graph: Graph) -> bool:
    for n in graph.nodes:
        for o in n.outputs:
            if not o.shape.is_fully_defined():
                return False
        if n.op in _BODIES and not all(is_static(n.attrs[k]) for k in _BODIES[n.op]):
            return False
    return True


_BODIES = {"Fused": ("body",), "If": ("then_branch", "else_branch"), "While": ("cond", "body")}


def specialize(graph: Graph, feed_shapes: Sequence[tuple[int, ...]],
               var_shapes: dict[str, tuple[int, ...]] | None = None) -> Graph:
    """A copy of `graph` whose params have `feed_shapes`, with shapes re-inferred downstream."""
    var_shapes = var_shapes or {}
    params = {id(p): k for k, p in enumerate(graph.params)}
    declared_ok = all(tuple(p.outputs[0].shape.as_list() or []) == tuple(s)
                      for p, s in zip(graph.params, feed_shapes) if p.outputs[0].shape.is_fully_defined())
    if declared_ok and is_static(graph) and all(
            n.op != "VariableV2" or n.attrs.get("var") not in var_shapes
            or tuple(n.outputs[0].shape.as_list()) == tuple(var_shapes[n.attrs["var"]]) for n in graph.nodes):
        return graph
    new = Graph()
    new._names_in_use = dict(graph._names_in_use)
    new.seed = graph.seed
    mapping: dict[int, Node] = {}
    for n in graph.topological_order():
        inputs = [mapping[id(v.node)].output(v.index) for v in n.inputs]
        controls = [mapping[id(c)] for c in n.control_inputs]
        attrs = dict(n.attrs)
        outputs = None
        k = params.get(id(n))
        if k is not None:
            outputs = [OutputSpec(n.outputs[0].dtype, TensorShape(list(feed_shapes[k])))]
        elif n.op == "VariableV2" and n.attrs.get("var") in var_shapes:
            outputs = [OutputSpec(n.outputs[0].dtype, TensorShape(list(var_shapes[n.attrs["var"]])))]
        elif n.op == "Arg":
            outputs = list(n.outputs)
        elif n.op == "Fused":
            shapes = [tuple(v.shape.as_list()) if v.shape.is_fully_defined() else None for v in inputs]
            if all(s is not None for s in shapes):
                body = specialize_body(attrs["body"], shapes)
                attrs["body"] = body
                outputs = [OutputSpec(r.dtype, r.shape) for r in body.results]
            else:
                outputs = list(n.outputs)
        elif n.op in ("If", "While"):
            attrs = _specialize_control(n, attrs, inputs, var_shapes)
        try:
            made = new.add_node(n.op, inputs, attrs, name=n.name, exact_name=True, control_inputs=controls,
                                device=n.device, outputs=outputs, source=n.source, provenance=n.provenance)
        except Exception:
            made = new.add_node(n.op, inputs, attrs, name=n.name, exact_name=True, control_inputs=controls,
                                device=n.device, outputs=list(n.outputs), source=n.source,
                                provenance=n.provenance)
        mapping[id(n)] = made
    new.params = [mapping[id(p)] for p in graph.params]
    new.results = [mapping[id(v.node)].output(v.index) for v in graph.results]
    new.targets = [mapping[id(t)] for t in graph.targets]
    return new


def _specialize_control(node: Node, attrs: dict, inputs: list, var_shapes: dict) -> dict:
    """If/While bodies specialized to the concrete input shapes, so the node's outputs get
    concrete shapes and the backend can compile it as native control flow.

    A While keeps its declared bodies unless the specialized body maps the entry shapes of the
    loop variables to themselves (then every iteration has those shapes, so the declared
    shape invariants can never be violated)."""
    if not all(v.shape.is_fully_defined() for v in inputs):
        return attrs
    shapes = [tuple(v.shape.as_list()) for v in inputs]
    out = dict(attrs)
    try:
        if node.op == "If":
            for key in ("then_branch", "else_branch"):
                out[key] = specialize_body(attrs[key], shapes[1:], var_shapes)
            return out
        body = specialize_body(attrs["body"], shapes, var_shapes)
        n_vars = len(body.results) - int(attrs.get("num_exports", 0))
        if any(not r.shape.is_fully_defined() or tuple(r.shape.as_list()) != s
               for r, s in zip(body.results[:n_vars], shapes)):
            return attrs
        out["body"] = body
        out["cond"] = specialize_body(attrs["cond"], shapes, var_shapes)
        return out
    except Exception:  # noqa: BLE001  (a body that does not re-infer stays as declared)
        return attrs


def specialize_body(body: Graph, arg_shapes: Sequence[tuple[int, ...]],
                    var_shapes: dict[str, tuple[int, ...]] | None = None) -> Graph:
    """A function body (Fused, If branch, While cond/body) whose Arg params take `arg_shapes`."""
    if all(p.outputs[0].shape.is_fully_defined() and tuple(p.outputs[0].shape.as_list()) == tuple(s)
           for p, s in zip(body.params, arg_shapes)) and is_static(body):
        return body
    return specialize(body, arg_shapes, var_shapes)
