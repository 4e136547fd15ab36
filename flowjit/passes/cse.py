"""Common subexpression elimination: compute each distinct pure value once.

Two nodes are merged when they have the same op type, the same data inputs (after the inputs
themselves were merged; visiting in topological order does that), the same control inputs
(as a set), equal attrs (exactly: dtypes, shapes, array bytes, float bits), the same device and
the same output types. For commutative ops (Add, AddV2, Mul, and the logical/equality ops) the
two inputs are compared in either order; IEEE addition and multiplication commute exactly.

Never merged: stateful ops (variables, assignments, random ops: two draws are two values),
host ops (Print, Assert), lazily read variables, ops with nested graphs, ops without outputs.
Control dependencies are respected: nodes waiting for different things are different, and
whoever waited for a merged node waits for the survivor instead.

The survivor is the first of the equal nodes in topological order; a merged node's name is
noted in the report ("merged a into b").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir.dtypes import DType
from ..ir.graph import Graph, Node
from ..ir.shapes import TensorShape
from .manager import Pass, note
from .rewrite import Edit, is_pure

COMMUTATIVE_OPS = frozenset({"Add", "AddV2", "Mul", "Equal", "NotEqual", "LogicalAnd", "LogicalOr",
                             "BitwiseAnd", "BitwiseOr", "BitwiseXor"})


def _freeze(v: Any) -> Any:
    """A hashable, exact key for an attr value."""
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O":
            return ("ndarray", v.dtype.str, v.shape, tuple(_freeze(x) for x in v.reshape(-1).tolist()))
        return ("ndarray", v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes())
    if isinstance(v, np.generic):
        return ("scalar", np.asarray(v).dtype.str, np.asarray(v).tobytes())
    if isinstance(v, float):
        return ("float", np.float64(v).tobytes())
    if isinstance(v, (bool, int, str, bytes, type(None))):
        return (type(v).__name__, v)
    if isinstance(v, DType):
        return ("dtype", v.name)
    if isinstance(v, TensorShape):
        return ("shape", v.dims)
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, tuple(_freeze(x) for x in v))
    return ("id", id(v))  # anything else (nested graphs are excluded before) only equals itself


def _key(node: Node, edit: Edit) -> tuple:
    inputs = []
    for v in node.inputs:
        v = edit.resolve(v)
        inputs.append((id(v.node), v.index))
    if node.op in COMMUTATIVE_OPS and len(inputs) == 2:
        inputs.sort()
    attrs = tuple(sorted((k, _freeze(a)) for k, a in node.attrs.items()))
    controls = frozenset(id(c) for c in node.control_inputs)
    outputs = tuple((s.dtype.name, s.shape.dims) for s in node.outputs)
    return (node.op, node.device, tuple(inputs), controls, attrs, outputs)


def eliminate_common_subexpressions(graph: Graph) -> tuple[Graph, bool]:
    """The pass, in place; returns (graph, changed)."""
    seen: dict[tuple, Node] = {}
    params = {id(p) for p in graph.params}
    edit = Edit(graph)
    for node in graph.topological_order():
        if not node.outputs or id(node) in params or not is_pure(node):
            continue
        if node.control_inputs and any(id(c) in edit.node_map for c in node.control_inputs):
            deps: list[Node] = []
            for c in node.control_inputs:
                c = edit.node_map.get(id(c), c)
                if all(c is not d for d in deps):
                    deps.append(c)
            node.control_inputs = deps  # wait for survivors, so equal waits compare equal
        key = _key(node, edit)
        survivor = seen.get(key)
        if survivor is None:
            seen[key] = node
            continue
        edit.replace_node(node, survivor)
        note(f"merged {node.name} into {survivor.name}")
    return graph, edit.commit()


def cse() -> Pass:
    """The CSE pass (see the module docstring)."""
    return Pass("cse", eliminate_common_subexpressions, doc=__doc__.split("\n")[0], builtin=True)
