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
from .rewrite import is_pure, replace_node

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


def _key(node: Node) -> tuple:
    inputs = [(id(v.node), v.index) for v in node.inputs]
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
    changed = False
    for node in graph.topological_order():
        if not node.outputs or id(node) in params or not is_pure(node):
            continue
        key = _key(node)
        survivor = seen.get(key)
        if survivor is None:
            seen[key] = node
            continue
        replace_node(graph, node, survivor)
        node.inputs = []
        node.control_inputs = []
        graph.erase_node(node)
        note(f"merged {node.name} into {survivor.name}")
        changed = True
    return graph, changed


def cse() -> Pass:
    """The CSE pass (see the module docstring)."""
    return Pass("cse", eliminate_common_subexpressions, doc=__doc__.split("\n")[0], builtin=True)
