"""`FuncGraph`: the graph a branch of `cond` or the cond/body of `while_loop` is traced into.

Calling the user's Python function with a `FuncGraph` as the default graph records the ops it
builds; the result becomes a plain `ir.Graph` function body (`params` are `Arg` nodes,
`results` the returned values, `targets` the returned operations) held in an attr of the
`If`/`While` node of the enclosing graph.

Tensors of enclosing graphs used inside are *captured*: the first use of an outer tensor
creates an `Arg` for it (once), and the pair (outer tensor, Arg) is remembered in `captures`;
the control-flow op passes the outer tensors as inputs. Capturing through several levels of
nesting captures in each intermediate graph in turn.

Variables inside a body:
  * `v` used as a value (`v + 1`, `tf.matmul(x, v)`) is its snapshot `v/read`, a tensor of the
    outer graph: captured, i.e. read once when the If/While node starts (TF1 reads a variable
    snapshot used inside a while loop once, before the loop, too).
  * Ops that name the variable itself (`tf.assign(v, ...)`, `v.assign_add`, `v.read_value()`,
    `tf.is_variable_initialized(v)`) get a copy of the `VariableV2` node inside the body; the
    value is read or written when the op runs, iteration by iteration (TF1 ref semantics).
    Use `v.read_value()` inside a loop body to see updates made by earlier iterations.
  * Variables *created* inside a body (`tf.get_variable` in an RNN cell called by a loop) are
    lifted to the outermost graph (`init_scope`), so their initializers run from
    `tf.global_variables_initializer()`; the variable store, variable scopes and collections
    are shared with the enclosing graph.

Control dependencies on outer operations taken inside a body
(`with tf.control_dependencies([outer_op]):`) become control inputs of the If/While node
(`outer_control_inputs`).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

from ...ir.graph import Graph as IRGraph
from ...ir.graph import Node, Value
from ...ir.registry import get_op
from .graph import Graph, get_default_graph, _graph_stack
from .tensor import Operation, Tensor, as_node


class FuncGraph(Graph):
    """A function body being traced; `outer_graph` is the graph the control-flow op goes into."""

    def __init__(self, name: str, outer_graph: Graph, name_scope: str = "") -> None:
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        root = outer_graph
        while root.outer_graph is not None:
            root = root.outer_graph
        # front-end state shared with the enclosing graphs (see the module docstring)
        self._variable_store = root._variable_store
        self._variable_scope_stack = outer_graph._variable_scope_stack
        self.__dict__["_variable_scope_counts"] = outer_graph.__dict__.setdefault("_variable_scope_counts", {})
        self._collections = root._collections
        self._device_stack = list(outer_graph._device_stack)
        override = outer_graph.__dict__.get("_gradient_override_map")
        if override:
            self.__dict__["_gradient_override_map"] = dict(override)
        self.seed = outer_graph.seed
        self._name_stack = name_scope
        self._base_scope = name_scope
        self.inputs: list[Tensor] = []  # explicit parameters (loop variables), in order
        self.captures: list[tuple[Tensor, Tensor]] = []  # (outer tensor, inner Arg tensor)
        self._captured: dict[Value, Tensor] = {}
        self.outer_control_inputs: list[Node] = []

    # --- parameters -------------------------------------------------------------------
    def add_input(self, dtype: Any, shape: Any, name: str = "arg") -> Tensor:
        """A new explicit parameter (e.g. a loop variable), placed before every capture."""
        if self.captures:
            raise ValueError("explicit inputs of a FuncGraph must be added before any capture")
        t = self._new_arg(dtype, shape, name, None)
        self.inputs.append(t)
        return t

    def add_late_input(self, dtype: Any, shape: Any, name: str = "arg") -> Tensor:
        """An explicit parameter found while tracing (a TensorArray's buffer, first written in a
        loop body); the caller puts `inputs` back in order before `build_bodies`."""
        t = self._new_arg(dtype, shape, name, None)
        self.inputs.append(t)
        return t

    def _new_arg(self, dtype: Any, shape: Any, name: str, source: Any) -> Tensor:
        index = len(self.inputs) + len(self.captures)
        base = f"{self._base_scope}/{name}" if self._base_scope else name
        node = self.add_node("Arg", [], {"index": index, "dtype": dtype, "shape": shape}, name=base, source=source)
        return self.wrap(node).outputs[0]

    def capture(self, tensor: Tensor) -> Tensor:
        """The inner tensor standing for `tensor` of an enclosing graph (created on first use)."""
        if tensor.graph is self:
            return tensor
        hit = self._captured.get(tensor.value)
        if hit is not None:
            return hit
        outer = self.outer_graph
        outer_t = tensor if tensor.graph is outer else outer._capture(tensor)
        hit = self._captured.get(outer_t.value)
        if hit is None:
            if get_op(outer_t.op.type).extra.get("lazy"):
                hit = self._copy_lazy(outer_t)
            else:
                short = outer_t.op.name.rsplit("/", 1)[-1]
                hit = self._new_arg(outer_t.dtype, outer_t.shape, short, outer_t.op.source)
                self.captures.append((outer_t, hit))
            self._captured[outer_t.value] = hit
        self._captured[tensor.value] = hit
        return hit

    def _copy_lazy(self, outer_t: Tensor) -> Tensor:
        """A copy of a lazily read source (VariableV2): reads happen inside the body."""
        src = outer_t.op.node
        node = self.add_node(src.op, [], dict(src.attrs), name=src.name, outputs=list(src.outputs),
                             source=src.source, device=src.device)
        return self.wrap(node).outputs[outer_t.value_index]

    # --- ops ----------------------------------------------------------------------------
    def create_op(self, op_type: str, inputs: Sequence[Any] = (), attrs: dict[str, Any] | None = None,
                  name: str | None = None, **kwargs: Any) -> Operation:
        """`Graph.create_op`, remembering control dependencies on ops of enclosing graphs."""
        explicit = [as_node(c, self) for c in kwargs.get("control_inputs", ())]
        for n in self.current_control_inputs() + explicit:
            if n.graph is not self and n not in self.outer_control_inputs:
                self.outer_control_inputs.append(n)
        return super().create_op(op_type, inputs, attrs, name, **kwargs)

    def get_operation_by_name(self, name: str) -> Operation:
        """Names not in this body resolve in the enclosing graphs (using them captures them)."""
        if self.get_node(name) is None:
            return self.outer_graph.get_operation_by_name(name)
        return super().get_operation_by_name(name)

    def make_local(self, value: Any) -> Tensor:
        """`value` (Tensor of any enclosing graph, Variable or Python value) as a tensor of this graph."""
        from .tensor import convert_to_tensor

        with self.as_default():
            t = convert_to_tensor(value)
        return self._capture(t)


def needed_nodes(graph: IRGraph, roots: Sequence[Node]) -> set[int]:
    """ids of `roots` and every node they need through data and control edges."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.extend(v.node for v in n.inputs)
        stack.extend(n.control_inputs)
    return seen


def build_bodies(fgs: Sequence[FuncGraph], results: Sequence[Sequence[Tensor]],
                 targets: Sequence[Sequence[Operation]]) -> tuple[list[Tensor], list[IRGraph]]:
    """Turn traced FuncGraphs that share one parameter list into plain `ir.Graph` bodies.

    Every body gets params = its explicit inputs, then one Arg per outer tensor captured (and
    still needed) by any of them, in one shared order; nodes needed by neither the results nor
    the targets are dropped (TF1: ops a branch builds but neither returns nor depends on do not
    run). Returns (the captured outer tensors, in param order; the bodies).
    """
    needed = []
    for fg, res, tgt in zip(fgs, results, targets):
        for t in res:
            if t.graph is not fg:
                raise ValueError(f"result {t.name} does not belong to the function graph {fg.name}")
        needed.append(needed_nodes(fg, [t.op.node for t in res] + [op.node for op in tgt]))
    shared: list[Tensor] = []
    seen: set[Value] = set()
    for fg, need in zip(fgs, needed):
        for outer_t, inner in fg.captures:
            if id(inner.op.node) in need and outer_t.value not in seen:
                seen.add(outer_t.value)
                shared.append(outer_t)
    bodies = []
    for fg, res, tgt, need in zip(fgs, results, targets, needed):
        inner_of = {outer_t.value: inner for outer_t, inner in fg.captures}
        params = [t.op.node for t in fg.inputs]
        for outer_t in shared:
            inner = inner_of.get(outer_t.value)
            if inner is None:  # captured by another body only: an unused parameter here
                short = outer_t.op.name.rsplit("/", 1)[-1]
                base = f"{fg._base_scope}/{short}" if fg._base_scope else short
                node = fg.add_node("Arg", [], {"index": 0, "dtype": outer_t.dtype, "shape": outer_t.shape},
                                   name=base)
                params.append(node)
            else:
                params.append(inner.op.node)
        keep = [n for n in fg.nodes if id(n) in need or any(n is p for p in params)]
        body = fg.extract(keep)
        body.params = [body.node(p.name) for p in params]
        for k, p in enumerate(body.params):
            p.attrs["index"] = k
        body.results = [body.node(t.op.name).output(t.value_index) for t in res]
        body.targets = [body.node(op.name) for op in tgt]
        bodies.append(body)
    return shared, bodies


@contextlib.contextmanager
def init_scope() -> Iterator[Graph]:
    """Build in the outermost graph (TF's `init_scope`): for variables created inside a body.

    The name scope in force inside the body is kept, control dependencies are cleared.
    """
    inner = get_default_graph()
    outer = inner
    while outer.outer_graph is not None:
        outer = outer.outer_graph
    if outer is inner:
        with inner.control_dependencies(None):
            yield inner
        return
    saved = outer._name_stack
    outer._name_stack = inner._name_stack
    _graph_stack.append(outer)
    try:
        with outer.control_dependencies(None):
            yield outer
    finally:
        _graph_stack.pop()
        outer._name_stack = saved


def inline_body(body: IRGraph, args: Sequence[Tensor], graph: Graph | None = None) \
        -> tuple[list[Tensor], dict[int, Node]]:
    """Copy the nodes of function body `body` into `graph` (default: the default graph), its
    params bound to `args`. Returns the copies of its results and a map id(copy) -> original
    node. Used to differentiate bodies: the copy is ordinary front-end graph, so every op's
    registered gradient applies.
    """
    from ...ir.graph import copy_attr

    graph = graph or get_default_graph()
    if len(args) != len(body.params):
        raise ValueError(f"body takes {len(body.params)} parameters, got {len(args)} arguments")
    env: dict[int, Operation | Tensor] = {}
    for p, a in zip(body.params, args):
        env[id(p)] = a
    origin: dict[int, Node] = {}

    def value_of(v: Value) -> Tensor:
        got = env[id(v.node)]
        if isinstance(got, Tensor):
            return got
        return got.outputs[v.index]

    for node in body.topological_order():
        if id(node) in env:
            continue
        inputs = [value_of(v) for v in node.inputs]
        controls = []
        for c in node.control_inputs:
            got = env[id(c)]
            controls.append(got if isinstance(got, Operation) else got.op)
        attrs = {k: copy_attr(a) for k, a in node.attrs.items()}
        if get_op(node.op).extra.get("lazy"):
            new = graph.wrap(graph.add_node(node.op, [], attrs, name=graph.scoped_name(node.name.rsplit("/", 1)[-1]),
                                            exact_name=True, outputs=list(node.outputs), source=node.source,
                                            device=node.device))
        else:
            new = graph.create_op(node.op, inputs, attrs, name=node.name.rsplit("/", 1)[-1], control_inputs=controls)
            new.node.source = node.source
            for k, (got, orig) in enumerate(zip(new.node.outputs, node.outputs)):
                if got.dtype == orig.dtype and got.shape.is_compatible_with(orig.shape):
                    new.node.set_output_shape(k, got.shape.merge_with(orig.shape))
        env[id(node)] = new
        origin[id(new.node)] = node
    results = [value_of(v) for v in body.results]
    return results, origin
