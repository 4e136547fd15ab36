"""The IR verifier: checks that a graph is well formed, in time linear in its size.

The pass manager runs it after every pass, so a broken graph is reported by the pass that
broke it, not by a backend three stages later. Each problem names the node and what is wrong:

    >>> verify(graph)                                             # doctest: +SKIP
    VerificationError: node 'y' (AddV2): input 1 reads 'x:0' of another graph

Checks, for the graph and (recursively) every nested graph attr:
  - every node is registered under its own name, belongs to this graph, and no two nodes
    share a name; its op type is registered
  - data inputs are Values of live nodes of this graph (not erased, not of another graph) with
    an existing output index; control inputs are live nodes of this graph
  - the number of data inputs matches the op's `num_inputs` when the op declares one
  - data and control edges form no cycle
  - attrs are plain data: int, float, bool, str, bytes, None, DType, TensorShape, np.ndarray
    (not of Python objects other than str/bytes/scalars), NumPy scalars, lists/tuples of these,
    nested Graphs; never callables or other objects
  - output specs are OutputSpec(DType, TensorShape) and agree with re-running the op's
    inference rule: same number, dtypes exactly equal, shapes compatible. When the rule itself
    fails (it may need information the graph no longer has) the check is skipped, unless
    `strict_inference=True`
  - device is a str, source a SourceLocation or None, provenance a Provenance
  - params are Arg or Placeholder nodes of the graph; results are Values and targets nodes of it
  - the seed is None or an int
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import registry
from .dtypes import DType
from .errors import InternalError
from .graph import Graph, Node, OutputSpec, Provenance, SourceLocation, Value
from .shapes import TensorShape

__all__ = ["VerificationError", "verify", "find_problems"]

_PARAM_OPS = ("Arg", "Placeholder")
_SCALARS = (bool, int, float, str, bytes, type(None))


class VerificationError(InternalError):
    """A malformed graph: a bug in whatever built or transformed it.

    `problems` lists every problem found (the message shows the first few); `op` is the first
    offending node when there is one.
    """

    def __init__(self, node_def: Any = None, op: Any = None, message: str = "",
                 problems: list[str] | None = None) -> None:
        super().__init__(node_def, op, message)
        self.problems = list(problems) if problems is not None else [message]


def verify(graph: Graph, *, strict_inference: bool = False, max_problems: int = 20) -> None:
    """Raise `VerificationError` if `graph` (or a nested graph) is malformed; else return None."""
    checker = _Checker(strict_inference, max_problems)
    checker.check_graph(graph, "")
    if checker.problems:
        problems = checker.problems
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems in the graph:\n  " + "\n  ".join(problems)
        if checker.truncated:
            head += f"\n  ... (stopped after {max_problems})"
        raise VerificationError(None, checker.first_node, head, problems)


def find_problems(graph: Graph, *, strict_inference: bool = False, max_problems: int = 1000) -> list[str]:
    """Every problem `verify` would report, one line each (empty for a well-formed graph)."""
    checker = _Checker(strict_inference, max_problems)
    checker.check_graph(graph, "")
    return checker.problems


class _Stop(Exception):
    pass


class _Checker:
    def __init__(self, strict_inference: bool, max_problems: int) -> None:
        self.strict_inference = strict_inference
        self.max_problems = max_problems
        self.problems: list[str] = []
        self.first_node: Node | None = None
        self.truncated = False

    def report(self, where: str, message: str, node: Node | None = None) -> None:
        self.problems.append(where + message)
        if node is not None and self.first_node is None:
            self.first_node = node
        if len(self.problems) >= self.max_problems:
            self.truncated = True
            raise _Stop

    def check_graph(self, graph: Graph, where: str) -> None:
        try:
            self._check_graph(graph, where)
        except _Stop:
            if where:
                raise

    def _check_graph(self, graph: Graph, where: str) -> None:
        nodes = graph._nodes
        live: set[int] = set()
        names_seen: dict[str, Node] = {}
        for key, node in nodes.items():
            if not isinstance(node, Node):
                self.report(where, f"graph entry {key!r} is a {type(node).__name__}, not a Node")
                continue
            live.add(id(node))
            if node.name != key:
                self.report(where, f"{_desc(node)} is registered under the name {key!r}", node)
            if node.name in names_seen and names_seen[node.name] is not node:
                self.report(where, f"duplicate node name {node.name!r} ({names_seen[node.name].op} and {node.op})", node)
            names_seen[node.name] = node
            if node.graph is not graph:
                self.report(where, f"{_desc(node)} belongs to another graph", node)

        for node in nodes.values():
            if isinstance(node, Node):
                self._check_node(graph, node, live, where)
        self._check_cycles(graph, live, where)

        for k, p in enumerate(graph.params):
            if not isinstance(p, Node) or id(p) not in live:
                self.report(where, f"params[{k}] ({_name(p)}) is not a node of this graph")
            elif p.op not in _PARAM_OPS:
                self.report(where, f"params[{k}] is {_desc(p)}; a parameter must be an Arg or Placeholder node", p)
        for k, v in enumerate(graph.results):
            if not isinstance(v, Value) or id(v.node) not in live:
                self.report(where, f"results[{k}] ({_name(v)}) is not a value of this graph")
            elif not 0 <= v.index < len(v.node.outputs):
                self.report(where, f"results[{k}] reads output {v.index} of {_desc(v.node)}, which has "
                                   f"{len(v.node.outputs)} output(s)", v.node)
        for k, t in enumerate(graph.targets):
            if not isinstance(t, Node) or id(t) not in live:
                self.report(where, f"targets[{k}] ({_name(t)}) is not a node of this graph")
        if graph.seed is not None and (isinstance(graph.seed, bool) or not isinstance(graph.seed, (int, np.integer))):
            self.report(where, f"graph seed must be None or an int, got {graph.seed!r}")

    def _check_node(self, graph: Graph, node: Node, live: set[int], where: str) -> None:
        desc = _desc(node)
        opdef = registry.get_op(node.op) if isinstance(node.op, str) and registry.has_op(node.op) else None
        if opdef is None:
            self.report(where, f"{desc}: op type {node.op!r} is not registered", node)

        inputs_ok = True
        for k, v in enumerate(node.inputs):
            if not isinstance(v, Value):
                self.report(where, f"{desc}: input {k} is a {type(v).__name__}, not an ir.Value", node)
                inputs_ok = False
            elif v.node.graph is not graph:
                self.report(where, f"{desc}: input {k} reads {_value_name(v)} of another graph", node)
                inputs_ok = False
            elif id(v.node) not in live:
                self.report(where, f"{desc}: input {k} reads {_value_name(v)}, a node that was erased from "
                                   "the graph", node)
                inputs_ok = False
            elif not 0 <= v.index < len(v.node.outputs):
                self.report(where, f"{desc}: input {k} reads output {v.index} of {_desc(v.node)}, which has "
                                   f"{len(v.node.outputs)} output(s)", node)
                inputs_ok = False
        for k, c in enumerate(node.control_inputs):
            if not isinstance(c, Node):
                self.report(where, f"{desc}: control input {k} is a {type(c).__name__}, not a Node", node)
            elif c.graph is not graph:
                self.report(where, f"{desc}: control input {k} is node {c.name!r} of another graph", node)
            elif id(c) not in live:
                self.report(where, f"{desc}: control input {k} is node {c.name!r}, which was erased from the "
                                   "graph", node)
        if opdef is not None and opdef.num_inputs is not None and len(node.inputs) != opdef.num_inputs:
            self.report(where, f"{desc}: {node.op} takes {opdef.num_inputs} input(s), the node has "
                               f"{len(node.inputs)}", node)
            inputs_ok = False

        if not isinstance(node.attrs, dict):
            self.report(where, f"{desc}: attrs must be a dict, got {type(node.attrs).__name__}", node)
        else:
            for key, value in node.attrs.items():
                if not isinstance(key, str):
                    self.report(where, f"{desc}: attr name {key!r} is not a str", node)
                self._check_attr(value, f"attr {key!r}", node, where)

        specs_ok = isinstance(node.outputs, list)
        if not specs_ok:
            self.report(where, f"{desc}: outputs must be a list of OutputSpec, got {type(node.outputs).__name__}", node)
        else:
            for k, s in enumerate(node.outputs):
                if not isinstance(s, OutputSpec) or not isinstance(s.dtype, DType) or not isinstance(s.shape, TensorShape):
                    self.report(where, f"{desc}: output {k} spec {s!r} is not OutputSpec(DType, TensorShape)", node)
                    specs_ok = False
            if len(node.values) != len(node.outputs):
                self.report(where, f"{desc}: has {len(node.outputs)} output specs but {len(node.values)} values", node)
        if not isinstance(node.device, str):
            self.report(where, f"{desc}: device must be a str, got {node.device!r}", node)
        if node.source is not None and not isinstance(node.source, SourceLocation):
            self.report(where, f"{desc}: source must be a SourceLocation or None, got {node.source!r}", node)
        if not isinstance(node.provenance, Provenance):
            self.report(where, f"{desc}: provenance must be a Provenance, got {node.provenance!r}", node)

        if opdef is not None and inputs_ok and specs_ok and isinstance(node.attrs, dict):
            self._check_inference(opdef, node, desc, where)

    def _check_inference(self, opdef: registry.OpDef, node: Node, desc: str, where: str) -> None:
        try:
            inferred = opdef.infer(node.inputs, node.attrs)
        except Exception as e:  # noqa: BLE001 - a rule may need what the graph no longer has
            if self.strict_inference:
                self.report(where, f"{desc}: its inference rule fails: {e}", node)
            return
        if len(inferred) != len(node.outputs):
            self.report(where, f"{desc}: has {len(node.outputs)} output(s), its inference rule gives "
                               f"{len(inferred)}", node)
            return
        for k, (have, want) in enumerate(zip(node.outputs, inferred)):
            if have.dtype != want.dtype:
                self.report(where, f"{desc}: output {k} is declared {have.dtype.name}, inference gives "
                                   f"{want.dtype.name}", node)
            elif not have.shape.is_compatible_with(want.shape):
                self.report(where, f"{desc}: output {k} is declared with shape {have.shape}, inference gives "
                                   f"{want.shape}, which is not compatible", node)

    def _check_attr(self, value: Any, what: str, node: Node, where: str) -> None:
        if isinstance(value, _SCALARS) or isinstance(value, (DType, TensorShape)):
            return
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "O":
                for x in value.reshape(-1).tolist():
                    if not isinstance(x, _SCALARS):
                        self.report(where, f"{_desc(node)}: {what} is an object array holding a "
                                           f"{type(x).__name__}; only str, bytes and scalars are allowed", node)
                        return
            elif value.dtype.kind not in "biufUS":
                self.report(where, f"{_desc(node)}: {what} is an array of unsupported dtype {value.dtype}", node)
            return
        if isinstance(value, np.generic):
            if np.asarray(value).dtype.kind not in "biufUS":
                self.report(where, f"{_desc(node)}: {what} is a NumPy scalar of unsupported dtype", node)
            return
        if isinstance(value, (list, tuple)):
            for k, x in enumerate(value):
                self._check_attr(x, f"{what}[{k}]", node, where)
            return
        if isinstance(value, Graph):
            self.check_graph(value, f"{where}in {what} of node {node.name!r}: ")
            return
        kind = "a callable" if callable(value) else f"a {type(value).__name__}"
        self.report(where, f"{_desc(node)}: {what} is {kind}, not plain data (int, float, bool, str, None, "
                           "DType, TensorShape, ndarray, list/tuple, Graph)", node)

    def _check_cycles(self, graph: Graph, live: set[int], where: str) -> None:
        """Iterative three-colour DFS over live nodes; reports one cycle, with its path."""
        state: dict[int, int] = {}
        for root in graph._nodes.values():
            if not isinstance(root, Node) or id(root) in state:
                continue
            path: list[Node] = [root]
            iters = [iter(_deps(root, live))]
            state[id(root)] = 1
            while iters:
                dep = next(iters[-1], None)
                if dep is None:
                    iters.pop()
                    state[id(path.pop())] = 2
                    continue
                s = state.get(id(dep))
                if s is None:
                    state[id(dep)] = 1
                    path.append(dep)
                    iters.append(iter(_deps(dep, live)))
                elif s == 1:
                    cycle = path[next(k for k, n in enumerate(path) if n is dep):]
                    names = " -> ".join(repr(n.name) for n in reversed(cycle)) + f" -> {cycle[-1].name!r}"
                    self.report(where, f"{_desc(dep)} is on a cycle: {names}", dep)
                    return


def _deps(node: Node, live: set[int]) -> list[Node]:
    out = [v.node for v in node.inputs if isinstance(v, Value) and id(v.node) in live]
    out += [c for c in node.control_inputs if isinstance(c, Node) and id(c) in live]
    return out


def _desc(node: Node) -> str:
    text = f"node {node.name!r} ({node.op})"
    if isinstance(node.source, SourceLocation):
        text += f" created at {node.source}"
    return text


def _name(x: Any) -> str:
    if isinstance(x, Value):
        return _value_name(x)
    if isinstance(x, Node):
        return repr(x.name)
    return repr(x)


def _value_name(v: Value) -> str:
    return f"'{v.node.name}:{v.index}'"
