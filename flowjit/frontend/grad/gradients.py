"""Automatic differentiation: `tf.gradients` adds gradient ops to the graph, as TF does.

Gradients are ordinary IR, so the pass pipeline optimizes them and the backend compiles and
fuses the backward pass like any other code.

Each op type registers its gradient function once:

    @RegisterGradient("Square")
    def _square_grad(op, grad):            # op: Operation, grad: dL/d(output 0)
        x = op.inputs[0]
        return grad * 2.0 * x                # one entry per input (None: no gradient)

Multi-output ops receive one gradient per output (zeros where an output is unused).
`NotDifferentiable("Shape")` marks ops that pass no gradient. A graph can route an op type to
another registered gradient with `graph.gradient_override_map({"Square": "MySquare"})`.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Sequence

from ...ir.graph import Node, Value
from ..framework.graph import Graph, get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor

_GRADIENTS: dict[str, Callable | None] = {}


class RegisterGradient:
    """Decorator: `@RegisterGradient("OpType")` registers `fn(op, *grads) -> input grads`."""

    def __init__(self, op_type: str) -> None:
        if not isinstance(op_type, str):
            raise TypeError("op_type must be a string")
        self._op_type = op_type

    def __call__(self, fn: Callable) -> Callable:
        if self._op_type in _GRADIENTS:
            raise KeyError(f"Registering two gradient with name '{self._op_type}'!")
        _GRADIENTS[self._op_type] = fn
        return fn


def NotDifferentiable(op_type: str) -> None:  # noqa: N802 (TF's name)
    """Declare that `op_type` has no gradient (gradients stop there silently)."""
    if op_type in _GRADIENTS:
        raise KeyError(f"Gradient for '{op_type}' is already registered")
    _GRADIENTS[op_type] = None


NoGradient = NotDifferentiable


def get_gradient_function(op: Operation) -> Callable | None:
    key = op.node.attrs.get("_gradient_op_type", op.type)
    if key not in _GRADIENTS:
        src = op.source
        raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {key})"
                          + (f", created at {src}" if src else ""))
    return _GRADIENTS[key]


def has_gradient(op_type: str) -> bool:
    return op_type in _GRADIENTS


@contextlib.contextmanager
def gradient_override_map(graph: Graph, op_type_map: dict[str, str]) -> Iterator[None]:
    old = dict(graph.__dict__.get("_gradient_override_map", {}))
    graph.__dict__["_gradient_override_map"] = {**old, **op_type_map}
    try:
        yield
    finally:
        graph.__dict__["_gradient_override_map"] = old


Graph.gradient_override_map = gradient_override_map  # type: ignore[attr-defined]


def _as_tensor_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _target_value(x: Any) -> Tensor:
    """Variables are differentiated at their VariableV2 output (reads flow from it)."""
    if hasattr(x, "_variable") and hasattr(x, "_snapshot"):
        return x._variable
    return convert_to_tensor(x)


def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients", colocate_gradients_with_ops: bool = False,
              gate_gradients: bool = False, aggregation_method: Any = None, stop_gradients: Any = None,
              unconnected_gradients: str = "none") -> list[Tensor | None]:
    """`tf.gradients`: symbolic d(sum(ys))/d(xs), one entry per x (None if unconnected)."""
    from ..ops import array_ops

    graph = get_default_graph()
    ys = [convert_to_tensor(y) for y in _as_tensor_list(ys)]
    xs = [_target_value(x) for x in _as_tensor_list(xs)]
    grad_ys = [None] * len(ys) if grad_ys is None else _as_tensor_list(grad_ys)
    stops = {(_target_value(s)).value for s in _as_tensor_list(stop_gradients)} if stop_gradients is not None else set()
    if len(grad_ys) != len(ys):
        raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")

    x_values = {x.value for x in xs}
    # nodes reachable forward from xs (through data edges), and backward from ys
    forward: set[int] = set()
    consumers = graph.consumers()
    stack = [x.value.node for x in xs]
    for x in xs:
        forward.add(id(x.value.node))
    while stack:
        n = stack.pop()
        for out in n.values:
            for c in consumers.get(out, []):
                if id(c) not in forward:
                    forward.add(id(c))
                    stack.append(c)
    between: dict[int, Node] = {}
    stack = [y.value.node for y in ys]
    while stack:
        n = stack.pop()
        if id(n) in between or id(n) not in forward:
            continue
        between[id(n)] = n
        for v in n.inputs:
            stack.append(v.node)

    grads: dict[Value, list[Tensor]] = {}
    with graph.name_scope(name):
        for y, gy in zip(ys, grad_ys):
            if gy is None:
                gy = array_ops.ones_like(y)
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype)
            grads.setdefault(y.value, []).append(gy)

        order = graph.topological_order(list(between.values()))
        for node in reversed(order):
            op = graph.wrap(node)
            out_grads: list[Tensor | None] = []
            for out in node.values:
                out_grads.append(_aggregate(grads.get(out), graph))
            if all(g is None for g in out_grads):
                continue
            if any(v in stops for v in node.values):
                continue
            if node.op == "VariableV2" or node.op == "Placeholder" or (not node.inputs):
                continue
            if all(v in x_values for v in node.values) and not any(id(v.node) in between for v in node.inputs):
                continue
            fn = get_gradient_function(op)
            if fn is None:
                continue
            if len(out_grads) > 1:
                out_grads = [g if g is not None else array_ops.zeros_like(op.outputs[k])
                             for k, g in enumerate(out_grads)]
            with graph.name_scope(f"{node.name}_grad"):
                in_grads = fn(op, *out_grads)
            in_grads = _as_tensor_list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
            if len(in_grads) != len(node.inputs):
                raise ValueError(f"Gradient function for '{node.name}' ({node.op}) returned {len(in_grads)} "
                                 f"gradients for {len(node.inputs)} inputs")
            for inp, g in zip(node.inputs, in_grads):
                if g is None or id(inp.node) not in forward:
                    continue
                if not inp.dtype.is_floating:
                    continue
                g = convert_to_tensor(g)
                if g.dtype != inp.dtype:
                    raise TypeError(f"Gradient for input {inp.name} of '{node.name}' has dtype {g.dtype.name}, "
                                    f"expected {inp.dtype.name}")
                grads.setdefault(inp, []).append(g)

        result: list[Tensor | None] = []
        for x in xs:
            g = _aggregate(grads.get(x.value), graph)
            if g is None and unconnected_gradients == "zero":
                g = array_ops.zeros_like(x)
            result.append(g)
    return result


def _aggregate(parts: list[Tensor] | None, graph: Graph) -> Tensor | None:
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    from ..ops import math_ops

    total = math_ops.add_n(parts)
    parts[:] = [total]
    return total


def hessians(ys: Any, xs: Any, name: str = "hessians", **kwargs: Any) -> list[Tensor]:
    """Second derivatives of sum(ys) w.r.t. each x (one matrix per x, flattened as TF does)."""
    from ..ops import array_ops

    xs = _as_tensor_list(xs)
    out = []
    for x in xs:
        x_t = _target_value(x)
        (g,) = gradients(ys, [x], name=name)
        n = x_t.shape.num_elements()
        if n is None:
            raise ValueError("hessians needs statically shaped xs")
        flat = array_ops.reshape(g, [n])
        rows = [array_ops.reshape(gradients(flat[i], [x])[0], [n]) for i in range(n)]
        out.append(array_ops.reshape(array_ops.stack(rows), x_t.shape.as_list() + x_t.shape.as_list()))
    return out


def register_stop_gradient_ops(op_types: Sequence[str]) -> None:
    for t in op_types:
        if t not in _GRADIENTS:
            NotDifferentiable(t)


# Ops of the foundation that carry no gradient
register_stop_gradient_ops(["Const", "Placeholder", "VariableV2", "NoOp", "Assign", "AssignAdd", "AssignSub",
                            "IsVariableInitialized", "ReportUninitialized", "ScatterUpdate", "ScatterAdd",
                            "ScatterSub", "StopGradient"])


@RegisterGradient("Identity")
def _identity_grad(op: Operation, grad: Tensor) -> Tensor:
    return grad


@RegisterGradient("IdentityN")
def _identity_n_grad(op: Operation, *grads: Tensor) -> list[Tensor]:
    return list(grads)


@RegisterGradient("ReadVariable")
def _read_variable_grad(op: Operation, grad: Tensor) -> Tensor:
    return grad


@RegisterGradient("PlaceholderWithDefault")
def _pwd_grad(op: Operation, grad: Tensor) -> Tensor:
    return grad
