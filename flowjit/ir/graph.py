"""The graph IR: plain data that can be printed, parsed, hashed and shipped to another process.

A `Graph` owns `Node`s; a `Node` has an op type, a unique name, data inputs (`Value`s, i.e.
outputs of other nodes), control inputs (nodes that must run first), attrs (plain data:
numbers, strings, DTypes, TensorShapes, NumPy arrays, lists of these, and nested `Graph`s for
structured control flow and fused kernels), a device string, the dtype and static shape of each
output, the user's source line that created it, and provenance (which pass made it and from
which original nodes).

A graph used as a function body (the branches of `cond`, the body of `while_loop`, a fused
kernel) lists its parameter nodes (op `Arg`) in `params` and its returned values in `results`.

Graph surgery reads like prose: `graph.replace_all_uses_with(old, new)`, `graph.erase_node(n)`,
`graph.users(value)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from . import registry
from .dtypes import DType
from .errors import GraphBuildTypeError, GraphBuildValueError, describe_node
from .shapes import TensorShape, as_shape


@dataclass(frozen=True)
class SourceLocation:
    """Where user code created a node."""

    file: str
    line: int
    function: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class OutputSpec:
    dtype: DType
    shape: TensorShape


@dataclass(frozen=True)
class Provenance:
    """Which pass created a node, and from which original node names."""

    created_by: str = "frontend"
    origins: tuple[str, ...] = ()


class Value:
    """Output `index` of `node`: an edge of the dataflow graph (`name:index` in TF)."""

    __slots__ = ("node", "index")

    def __init__(self, node: "Node", index: int) -> None:
        self.node = node
        self.index = index

    @property
    def dtype(self) -> DType:
        return self.node.outputs[self.index].dtype

    @property
    def shape(self) -> TensorShape:
        return self.node.outputs[self.index].shape

    @property
    def name(self) -> str:
        return f"{self.node.name}:{self.index}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Value) and other.node is self.node and other.index == self.index

    def __hash__(self) -> int:
        return hash((id(self.node), self.index))

    def __repr__(self) -> str:
        return f"<Value {self.name} {self.dtype.name}{self.shape}>"


class Node:
    """One operation of the graph.

    Fields:
      op              op type, a key of the op registry ("MatMul", "Add", ...)
      name            unique within its graph; "scope/name" style
      inputs          data inputs, Values of other nodes of the same graph
      control_inputs  nodes that must run before this one (no data flows)
      attrs           op attributes: plain data only (see module docstring)
      device          requested device string, "" when unconstrained
      outputs         OutputSpec (dtype and static shape) of each output
      source          the user's line that created the node, or None
      provenance      the pass that created the node and the nodes it came from
    """

    __slots__ = ("graph", "op", "name", "inputs", "control_inputs", "attrs", "device", "outputs",
                 "source", "provenance", "_values")

    def __init__(self, graph: "Graph", op: str, name: str, inputs: list[Value], control_inputs: list["Node"],
                 attrs: dict[str, Any], device: str, outputs: list[OutputSpec],
                 source: SourceLocation | None, provenance: Provenance) -> None:
        self.graph = graph
        self.op = op
        self.name = name
        self.inputs = inputs
        self.control_inputs = control_inputs
        self.attrs = attrs
        self.device = device
        self.outputs = outputs
        self.source = source
        self.provenance = provenance
        self._values = [Value(self, i) for i in range(len(outputs))]

    @property
    def values(self) -> list[Value]:
        return self._values

    def output(self, index: int = 0) -> Value:
        if not 0 <= index < len(self._values):
            raise IndexError(f"{describe_node(self)} has {len(self._values)} outputs; no output {index}")
        return self._values[index]

    @property
    def op_def(self) -> "registry.OpDef":
        return registry.get_op(self.op)

    def set_output_shape(self, index: int, shape: TensorShape) -> None:
        self.outputs[index] = OutputSpec(self.outputs[index].dtype, as_shape(shape))

    def __repr__(self) -> str:
        ins = ", ".join(v.name for v in self.inputs)
        return f"<Node {self.name} = {self.op}({ins})>"


_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


class Graph:
    """A dataflow graph: an ordered collection of uniquely named nodes.

    Node order is insertion order; `topological_order()` gives an order that respects data and
    control edges (passes may insert nodes anywhere).
    """

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._names_in_use: dict[str, int] = {}
        self.params: list[Node] = []
        self.results: list[Value] = []
        self.targets: list[Node] = []
        self.seed: int | None = None
        self.version = 0  # bumped on every mutation; caches key on it

    # --- naming ---------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF's naming: `name`, then `name_1`, `name_2`, ... (case-insensitive like TF)."""
        key = name.lower()
        count = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = count + 1
        if count > 0:
            base = key
            while True:
                candidate_key = f"{base}_{count}"
                if candidate_key not in self._names_in_use:
                    break
                count += 1
            if mark_as_used:
                self._names_in_use[candidate_key] = 1
            return f"{name}_{count}"
        return name

    def _reserve_exact(self, name: str) -> None:
        if name in self._nodes:
            raise ValueError(f"duplicate node name {name!r} in graph")
        key = name.lower()
        self._names_in_use[key] = max(self._names_in_use.get(key, 0), 1)

    # --- building -------------------------------------------------------------------
    def add_node(self, op: str, inputs: Sequence[Value] = (), attrs: dict[str, Any] | None = None, *,
                 name: str | None = None, control_inputs: Sequence[Node] = (), device: str = "",
                 outputs: Sequence[OutputSpec] | None = None, source: SourceLocation | None = None,
                 provenance: Provenance | None = None, exact_name: bool = False) -> Node:
        """Create a node. Output types come from the op's inference rule unless given.

        `name` is made unique (TF style) unless `exact_name`, in which case it must be free.
        """
        attrs = dict(attrs or {})
        inputs = list(inputs)
        for v in inputs:
            if not isinstance(v, Value):
                raise TypeError(f"input of {op} must be an ir.Value, got {type(v).__name__}")
            if v.node.graph is not self:
                raise ValueError(f"{v.name} belongs to another graph than the {op} node being created")
        for c in control_inputs:
            if c.graph is not self:
                raise ValueError(f"control input {c.name} belongs to another graph")
        base = name or op
        if exact_name:
            self._reserve_exact(base)
            final = base
        else:
            final = self.unique_name(base)
            while final in self._nodes:
                final = self.unique_name(base)
        if outputs is None:
            try:
                outputs = registry.get_op(op).infer(inputs, attrs)
            except (ValueError, TypeError) as e:
                where = f" created at {source}" if source else ""
                self._names_in_use.pop(final.lower(), None)
                cls = GraphBuildTypeError if isinstance(e, TypeError) else GraphBuildValueError
                raise cls(None, None, f"{op} node '{final}'{where}: {e}") from e
        node = Node(self, op, final, inputs, list(control_inputs), attrs, device, list(outputs), source,
                    provenance or Provenance())
        self._nodes[final] = node
        self.version += 1
        return node

    # --- queries --------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def node(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node named {name!r} in the graph") from None

    def get_node(self, name: str) -> Node | None:
        return self._nodes.get(name)

    def value(self, name: str) -> Value:
        """`"scope/x:0"` -> Value; `"scope/x"` means output 0."""
        node_name, _, index = name.rpartition(":")
        if not node_name or not index.isdigit():
            node_name, index = name, "0"
        return self.node(node_name).output(int(index))

    def users(self, value: Value) -> list[Node]:
        """Nodes that read `value` (each listed once)."""
        return [n for n in self._nodes.values() if any(i == value for i in n.inputs)]

    def consumers(self) -> dict[Value, list[Node]]:
        """All value -> readers, computed once (cheaper than many `users` calls)."""
        out: dict[Value, list[Node]] = {}
        for n in self._nodes.values():
            for v in n.inputs:
                lst = out.setdefault(v, [])
                if not lst or lst[-1] is not n:
                    lst.append(n)
        return out

    def control_users(self, node: Node) -> list[Node]:
        return [n for n in self._nodes.values() if any(c is node for c in n.control_inputs)]

    def topological_order(self, nodes: Iterable[Node] | None = None) -> list[Node]:
        """Nodes ordered so that every data and control input comes first (stable)."""
        subset = list(self._nodes.values()) if nodes is None else list(nodes)
        wanted = {id(n) for n in subset}
        order: list[Node] = []
        state: dict[int, int] = {}
        for root in subset:
            if state.get(id(root)) == 2:
                continue
            stack: list[tuple[Node, int]] = [(root, 0)]
            while stack:
                node, i = stack.pop()
                deps = [v.node for v in node.inputs] + node.control_inputs
                if i == 0:
                    if state.get(id(node)) == 2:
                        continue
                    state[id(node)] = 1
                if i < len(deps):
                    stack.append((node, i + 1))
                    dep = deps[i]
                    if id(dep) in wanted:
                        s = state.get(id(dep))
                        if s == 1:
                            raise ValueError(f"graph has a cycle through {describe_node(dep)}")
                        if s is None:
                            stack.append((dep, 0))
                else:
                    state[id(node)] = 2
                    order.append(node)
        return order

    # --- surgery --------------------------------------------------------------------
    def replace_all_uses_with(self, old: Value, new: Value) -> int:
        """Point every reader of `old` (and `results`) at `new`; returns how many were changed."""
        changed = 0
        for n in self._nodes.values():
            for k, v in enumerate(n.inputs):
                if v == old:
                    n.inputs[k] = new
                    changed += 1
        for k, v in enumerate(self.results):
            if v == old:
                self.results[k] = new
                changed += 1
        if changed:
            self.version += 1
        return changed

    def replace_uses(self, mapping: dict[Value, Value]) -> int:
        """Many `replace_all_uses_with` at once, in one sweep over the graph (passes use this)."""
        if not mapping:
            return 0
        changed = 0
        for n in self._nodes.values():
            for k, v in enumerate(n.inputs):
                new = mapping.get(v)
                if new is not None:
                    n.inputs[k] = new
                    changed += 1
        for k, v in enumerate(self.results):
            new = mapping.get(v)
            if new is not None:
                self.results[k] = new
                changed += 1
        if changed:
            self.version += 1
        return changed

    def erase_nodes(self, nodes: Iterable[Node]) -> None:
        """Erase many nodes at once (one sweep); none of them may be read by a surviving node."""
        doomed = {id(n): n for n in nodes}
        if not doomed:
            return
        for n in self._nodes.values():
            if id(n) in doomed:
                continue
            for v in n.inputs:
                if id(v.node) in doomed:
                    raise ValueError(f"cannot erase {describe_node(v.node)}: {n.name} still reads it")
            if any(id(c) in doomed for c in n.control_inputs):
                n.control_inputs = [c for c in n.control_inputs if id(c) not in doomed]
        for v in self.results:
            if id(v.node) in doomed:
                raise ValueError(f"cannot erase {describe_node(v.node)}: it is a result of the graph")
        for n in doomed.values():
            del self._nodes[n.name]
        self.params = [p for p in self.params if id(p) not in doomed]
        self.targets = [t for t in self.targets if id(t) not in doomed]
        self.version += 1

    def erase_node(self, node: Node) -> None:
        """Remove a node that nothing reads any more."""
        for n in self._nodes.values():
            if n is node:
                continue
            if any(v.node is node for v in n.inputs):
                raise ValueError(f"cannot erase {describe_node(node)}: {n.name} still reads it")
        for n in self._nodes.values():
            if any(c is node for c in n.control_inputs):
                n.control_inputs = [c for c in n.control_inputs if c is not node]
        if any(v.node is node for v in self.results):
            raise ValueError(f"cannot erase {describe_node(node)}: it is a result of the graph")
        del self._nodes[node.name]
        self.params = [p for p in self.params if p is not node]
        self.targets = [t for t in self.targets if t is not node]
        self.version += 1

    def rename_node(self, node: Node, new_name: str) -> None:
        if new_name in self._nodes:
            raise ValueError(f"name {new_name!r} is already used")
        del self._nodes[node.name]
        node.name = new_name
        self._reserve_exact(new_name)
        self._nodes[new_name] = node
        self.version += 1

    def reorder(self, order: Sequence[Node]) -> None:
        """Make `order` (a permutation of the nodes) the insertion order."""
        if len(order) != len(self._nodes):
            raise ValueError("reorder needs every node exactly once")
        self._nodes = {n.name: n for n in order}
        self.version += 1

    # --- text and pictures (flowjit/ir/text.py, flowjit/ir/dot.py) -------------------
    def as_text(self, **kw: Any) -> str:
        """The graph as IR text (see `flowjit.ir.text.print_graph` for the options)."""
        from .text.printer import print_graph
        return print_graph(self, **kw)

    @classmethod
    def from_text(cls, text: str) -> "Graph":
        """Parse IR text printed by `as_text` (see `flowjit.ir.text.parse_graph`)."""
        from .text.parser import parse_graph
        return parse_graph(text, graph_type=cls)

    def to_dot(self, **kw: Any) -> str:
        """The graph as Graphviz DOT text (see `flowjit.ir.dot.to_dot` for the options)."""
        from .dot import to_dot
        return to_dot(self, **kw)

    # --- copying --------------------------------------------------------------------
    def copy(self) -> "Graph":
        """A deep structural copy of the same class (attrs are shared except nested graphs,
        which are copied)."""
        new = type(self).__new__(type(self))
        Graph.__init__(new)
        mapping = self._copy_nodes_into(new, None)
        self._copy_interface_into(new, mapping)
        return new

    def extract(self, keep: Iterable[Node]) -> "Graph":
        """A plain `ir.Graph` holding copies of `keep` (their inputs must be kept too)."""
        new = Graph()
        self._copy_nodes_into(new, {id(n) for n in keep})
        return new

    def as_ir_graph(self) -> "Graph":
        """A copy that is a plain `ir.Graph` (drops front-end state of subclasses)."""
        plain = Graph()
        self._copy_interface_into(plain, self._copy_nodes_into(plain, None))
        return plain

    def _copy_nodes_into(self, new: "Graph", keep_ids: set[int] | None) -> dict[int, Node]:
        """Copy the nodes (all, or those whose id is in `keep_ids`) into the empty graph `new`,
        keeping names and insertion order; returns original id -> copy."""
        new._names_in_use = dict(self._names_in_use)
        new.seed = self.seed
        kept = [n for n in self._nodes.values() if keep_ids is None or id(n) in keep_ids]
        mapping: dict[int, Node] = {}
        for n in self.topological_order(kept):
            missing = [v.name for v in n.inputs if id(v.node) not in mapping]
            if missing:
                raise ValueError(f"extract: {n.name} reads {missing}, which are not kept")
            mapping[id(n)] = Node(new, n.op, n.name, [mapping[id(v.node)].output(v.index) for v in n.inputs],
                                  [mapping[id(d)] for d in n.control_inputs if id(d) in mapping],
                                  {k: copy_attr(v) for k, v in n.attrs.items()}, n.device, list(n.outputs),
                                  n.source, n.provenance)
        new._nodes = {n.name: mapping[id(n)] for n in kept}
        return mapping

    def _copy_interface_into(self, new: "Graph", mapping: dict[int, Node]) -> None:
        new.params = [mapping[id(p)] for p in self.params]
        new.results = [mapping[id(v.node)].output(v.index) for v in self.results]
        new.targets = [mapping[id(t)] for t in self.targets]


def copy_attr(v: Any) -> Any:
    """A copy of an attr value that shares nothing mutable with the original (function-body
    graphs and lists are copied; arrays and scalars are immutable by convention)."""
    if isinstance(v, Graph):
        return v.copy()
    if isinstance(v, list):
        return [copy_attr(x) for x in v]
    return v
