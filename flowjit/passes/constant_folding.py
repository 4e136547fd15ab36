"""Constant folding: evaluate, at compile time, nodes whose inputs are all constants.

A node is folded when
  - every data input is a Const (folding in topological order folds whole constant subgraphs),
    or it is Shape/Size/Rank/ZerosLike/OnesLike of a value whose static shape is fully known;
  - it is pure: not stateful (variables, random ops, Placeholder), not a host op (Print,
    Assert), not a lazily read variable, and has no nested graph attrs;
  - its reference kernel (the same NumPy kernel the reference backend runs) succeeds and
    returns the declared dtype and shape. A kernel that raises is left alone, so the error
    happens at run time, and only if the node runs;
  - the result is not a large expansion of small inputs: a result of more than
    `LITERAL_LIMIT` elements that is also larger than all its inputs together (Fill, Tile,
    BroadcastTo, OneHot, ...) is left to be computed at run time.

Each folded output becomes a Const named after the node (`name`, or `name/output_K` for a
multi-output node), with `Provenance("constant_folding", origins)`. It keeps the control
inputs of the node and of the constants it read, so folding never drops an ordering.

Large constants. A folded result of more than `LITERAL_LIMIT` (1024) elements is a Const with
the extra attr `_large=True`: backends keep it as a runtime buffer (bound once when the plan is
compiled) rather than writing it into the code as a literal. Backends should treat any Const
with more than `LITERAL_LIMIT` elements the same way, `_large` or not.

Shape facts. Shape/Size/Rank/ZerosLike/OnesLike do not read their input's values, so they
fold whenever its static shape is fully known; the input then still has to be computed
for its effects only if it (or something it depends on) is stateful or a host op, and only
then the Const keeps a control input on it (TF's grappler does the same).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import errors, registry
from ..ir.graph import Graph, Node, Provenance
from .manager import Pass, note
from .rewrite import Edit, origins_of

LITERAL_LIMIT = 1024

_SHAPE_OPS = ("Shape", "Size", "Rank", "ZerosLike", "OnesLike", "ShapeN")


class _FoldContext:
    """The `ctx` a reference kernel sees while folding: no state, no randomness, no I/O."""

    __slots__ = ("node",)

    def __init__(self, node: Node) -> None:
        self.node = node

    @property
    def attrs(self) -> dict[str, Any]:
        return self.node.attrs

    @property
    def state(self) -> Any:
        raise RuntimeError("constant folding has no session state")

    def error(self, cls: type[errors.OpError], message: str) -> errors.OpError:
        return errors.node_error(cls, self.node, message)

    def error_unbound_arg(self) -> None:
        raise RuntimeError("an Arg cannot be folded")

    def run_graph(self, graph: Graph, args: Any) -> Any:
        raise RuntimeError("constant folding does not run nested graphs")

    def rng(self) -> Any:
        raise RuntimeError("random ops are never folded")

    def print(self, text: str) -> None:
        raise RuntimeError("host ops are never folded")


def _foldable_op(node: Node) -> bool:
    op = registry.get_op(node.op)
    if op.stateful or op.host or op.extra.get("lazy") or op.extra.get("random"):
        return False
    if node.op in ("Const", "Arg", "Placeholder", "NoOp"):
        return False
    if not node.outputs:
        return False
    return not any(isinstance(a, Graph) for a in node.attrs.values())


def _evaluate(node: Node, arrays: list[np.ndarray]) -> list[np.ndarray] | None:
    op = registry.get_op(node.op)
    try:
        with np.errstate(all="ignore"):
            result = op.kernel(_FoldContext(node), *arrays)
    except Exception:  # noqa: BLE001 - the error belongs to run time
        return None
    results = [result] if len(node.outputs) == 1 else list(result)
    if len(results) != len(node.outputs):
        return None
    out = []
    for spec, r in zip(node.outputs, results):
        arr = np.asarray(r)
        if arr.dtype != spec.dtype.np_dtype or not spec.shape.is_compatible_with(arr.shape):
            return None  # leave the mismatch for the reference backend to report
        out.append(arr)
    return out


def _static_shape_result(node: Node) -> list[np.ndarray] | None:
    """Values of Shape/Size/Rank/ZerosLike/OnesLike(/ShapeN) known from static shapes."""
    shapes = [v.shape for v in node.inputs]
    if node.op == "Rank":
        if shapes[0].rank is None:
            return None
    elif not all(s.is_fully_defined() for s in shapes[:len(node.outputs)]):
        return None
    out = []
    for k, spec in enumerate(node.outputs):
        dt = spec.dtype.np_dtype
        s = shapes[min(k, len(shapes) - 1)]
        if node.op in ("Shape", "ShapeN"):
            arr = np.array(s.as_list(), dtype=dt)
        elif node.op == "Size":
            arr = np.array(s.num_elements(), dtype=dt)
        elif node.op == "Rank":
            arr = np.array(s.rank, dtype=dt)
        elif node.op == "ZerosLike":
            arr = np.zeros(s.as_tuple(), dtype=dt)
        else:
            arr = np.ones(s.as_tuple(), dtype=dt)
        if not spec.shape.is_compatible_with(arr.shape):
            return None
        out.append(arr)
    return out


class _Purity:
    """Whether computing a value can be skipped: no stateful or host node behind it (fed
    placeholders, the graph's params, are fine)."""

    def __init__(self, graph: Graph) -> None:
        self.params = {id(p) for p in graph.params}
        self.memo: dict[int, bool] = {}

    def skippable(self, node: Node) -> bool:
        stack = [node]
        order: list[Node] = []
        seen: set[int] = set()
        while stack:
            n = stack.pop()
            if id(n) in self.memo or id(n) in seen:
                continue
            seen.add(id(n))
            order.append(n)
            stack.extend(v.node for v in n.inputs)
            stack.extend(n.control_inputs)
        for n in reversed(order):
            if id(n) in self.memo:
                continue
            op = registry.get_op(n.op)
            own = id(n) in self.params or not (op.stateful or op.host)
            self.memo[id(n)] = own and all(self.memo.get(id(v.node), False) for v in n.inputs) and \
                all(self.memo.get(id(c), False) for c in n.control_inputs)
        return self.memo[id(node)]


def fold_constants(graph: Graph, literal_limit: int = LITERAL_LIMIT) -> tuple[Graph, bool]:
    """The pass: fold what can be folded, in place; returns (graph, changed)."""
    purity = _Purity(graph)
    targets = {id(t) for t in graph.targets}
    edit = Edit(graph)
    renames: list[tuple[Node, str]] = []
    for node in graph.topological_order():
        if not _foldable_op(node) or id(node) in targets:
            continue
        inputs = [edit.resolve(v) for v in node.inputs]  # earlier folds, not yet committed
        from_shapes = False
        if node.op in _SHAPE_OPS and not all(v.node.op == "Const" for v in inputs):
            arrays = _static_shape_result(node)
            from_shapes = True
        elif inputs and all(v.node.op == "Const" for v in inputs):
            arrays = _evaluate(node, [v.node.attrs["value"] for v in inputs])
        else:
            continue
        if arrays is None:
            continue
        biggest = max(a.size for a in arrays)
        inputs_size = 0 if from_shapes else sum(v.node.attrs["value"].size for v in inputs)
        if biggest > literal_limit and biggest > inputs_size:
            note(f"not folded: {node.name} ({node.op}) would make a constant of {biggest} elements "
                 f"from {inputs_size}")
            continue
        controls = list(node.control_inputs)
        if from_shapes:
            for v in inputs:
                if not purity.skippable(v.node):
                    controls = _merge_controls(controls, [v.node])
        else:
            controls = _merge_controls(controls, *[v.node.control_inputs for v in inputs])
        provenance = Provenance("constant_folding", origins_of([node] + [v.node for v in inputs]))
        single = len(arrays) == 1
        consts = []
        for k, (arr, spec) in enumerate(zip(arrays, node.outputs)):
            c = graph.add_node("Const", [], _const_attrs(arr, spec.dtype, literal_limit),
                               name=f"{node.name}/folded" if single else f"{node.name}/output_{k}", outputs=[spec],
                               device=node.device, source=node.source, provenance=provenance,
                               control_inputs=controls)
            edit.replace_value(node.output(k), c.output(0))
            consts.append(c)
        edit.redirect_waiters(node, consts[0])  # every Const waits for what the node waited for
        edit.erase(node)
        if single:
            renames.append((consts[0], node.name))
        note(f"folded {node.name} ({node.op})" + (" from static shapes" if from_shapes else ""))
    changed = edit.commit()
    for const, name in renames:  # the Const takes the folded node's place and name
        if name not in graph:
            graph.rename_node(const, name)
    return graph, changed


def _merge_controls(*lists: list[Node]) -> list[Node]:
    out: list[Node] = []
    for lst in lists:
        for c in lst:
            if all(c is not d for d in out):
                out.append(c)
    return out


def _const_attrs(arr: np.ndarray, dtype: Any, literal_limit: int) -> dict[str, Any]:
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
    attrs: dict[str, Any] = {"value": arr, "dtype": dtype}
    if arr.size > literal_limit:
        attrs["_large"] = True
    return attrs


def constant_folding(literal_limit: int = LITERAL_LIMIT) -> Pass:
    """The constant folding pass (see the module docstring)."""
    return Pass("constant_folding", lambda g: fold_constants(g, literal_limit), doc=__doc__.split("\n")[0],
                builtin=True)
