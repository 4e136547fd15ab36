"""Gradients of If, While and the debugging ops.

If
--
The gradient of an `If` is another `If` on the same predicate whose branches are the
gradients of the forward branches: each forward branch is copied ("inlined") into a new
function graph and differentiated there with `tf.gradients`. Values of the forward branch
that the gradient needs (a Mul's other input, a dropout mask, ...) are not recomputed: the
forward `If` is extended to *export* them as extra outputs (the other branch exports zeros in
those positions; attr `num_exports` counts them), and the gradient branch reads them from
there. So random or stateful ops in a branch run once, and the gradient sees their values.

While
-----
The forward `While` is extended to *record* what the gradient needs: the loop variables at
the start of every iteration and the body intermediates the gradient uses, each stacked
over the iterations ([trip_count, ...], attr `num_exports`). The gradient is a second
`while_loop` running the trip count backwards: iteration k reads the recorded values of
forward iteration k, applies the gradient of the body (again an inlined copy, differentiated
with `tf.gradients`) to the incoming loop-variable gradients, and accumulates the gradients of
captured tensors (weights used inside the body).

Exported and recorded values are differentiable like any output (their gradients enter the
branch/body gradient as extra output gradients), so gradients of gradients are exact.
Gradients that are literally zero (tf.gradients passes zeros for unused outputs of a
multi-output op) are skipped.

Supported: any trip count (dynamic or bounded by `maximum_iterations`), nested loops and
conds, float loop variables and captured float tensors, higher-order gradients.
Not supported: loop variables or
recorded values whose shape changes between iterations (run-time InvalidArgumentError),
`back_prop=False` loops (no gradient flows), gradients with respect to variables used only
through `v.read_value()`/ref ops inside the body (only captured values are differentiated).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...ir.graph import Graph as IRGraph
from ...ir.graph import Node, OutputSpec, Value, copy_attr
from ...ir.loops import static_trip_count
from ...ir.ops.control import most_specific_compatible_shape, record_shape
from ...ir.registry import static_value
from ..framework.func_graph import FuncGraph, build_bodies, inline_body, needed_nodes
from .gradients import NotDifferentiable, RegisterGradient, gradients
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor


# --- growing a node's outputs --------------------------------------------------------------

def _append_output(node: Node, spec: OutputSpec) -> None:
    """Add an output to an existing node (and to its front-end Operation, if any)."""
    node.outputs.append(spec)
    node._values.append(Value(node, len(node._values)))
    graph = node.graph
    graph.version += 1
    ops = getattr(graph, "_ops", None)
    if ops is not None:
        op = ops.get(node.name)
        if op is not None and op.node is node:
            op._outputs.append(Tensor(op, len(op._outputs)))


def _sync(orig: Node, copy: Node) -> None:
    """Make `orig` (in a function body) match its inlined `copy` that a nested gradient grew."""
    orig.attrs = {k: copy_attr(a) for k, a in copy.attrs.items()}
    for spec in copy.outputs[len(orig.outputs):]:
        _append_output(orig, spec)


def _orig_value(v: Value, origin: dict[int, Node]) -> Value:
    orig = origin[id(v.node)]
    if v.index >= len(orig.outputs):
        _sync(orig, v.node)
    return orig.output(v.index)


def _frontier(fg: FuncGraph, origin: dict[int, Node], roots: Sequence[Tensor]) -> list[Value]:
    """Values of the inlined forward copy that the gradient computation reads.

    Constants are left to be recomputed; everything else will be taken from the forward op.
    """
    need = needed_nodes(fg, [t.op.node for t in roots])
    found: list[Value] = []
    seen: set[Value] = set()

    def consider(v: Value) -> None:
        if id(v.node) in origin and v.node.op != "Const" and v not in seen:
            seen.add(v)
            found.append(v)

    for n in fg.nodes:
        if id(n) in need and id(n) not in origin:
            for v in n.inputs:
                consider(v)
    for t in roots:
        consider(t.value)
    return found


def _replace(fg: FuncGraph, old: Value, new: Tensor, roots: list[Tensor]) -> list[Tensor]:
    fg.replace_all_uses_with(old, new.value)
    return [new if t.value == old else t for t in roots]


def _zeros_like(t: Tensor) -> Tensor:
    from ..ops import array_ops

    return array_ops.zeros_like(t)


def _is_zero(g: Tensor | None) -> bool:
    """True for a gradient that is literally zero (what tf.gradients passes for an unused output
    of a multi-output op): skipping it is exact and saves differentiating that output."""
    if g is None:
        return True
    node = g.op.node
    if node.op == "ZerosLike":
        return True
    if node.op == "Fill":
        known = static_value(node.inputs[1])
        return known is not None and not np.any(known)
    if node.op == "Const":
        return not np.any(node.attrs["value"])
    return False


# --- If ------------------------------------------------------------------------------------

def _dummy(body: IRGraph, like: Value) -> Value:
    """A zero of `like`'s dtype (and static shape where known) for the branch that lacks it."""
    dims = [0 if d is None else d for d in like.shape.dims] if like.shape.rank is not None else []
    if like.dtype.name == "string":
        value = np.full(dims, "", dtype=object)
    else:
        value = np.zeros(dims, dtype=like.dtype.np_dtype)
    value.setflags(write=False)
    node = body.add_node("Const", [], {"value": value, "dtype": like.dtype}, name="grad_export_zeros")
    return node.output(0)


def _export_from_if(node: Node, then_vals: list[Value], else_vals: list[Value]) -> tuple[list[int], list[int]]:
    """Make the forward If also output `then_vals` (of then_branch) and `else_vals`; their output indices."""
    tb, eb = node.attrs["then_branch"], node.attrs["else_branch"]
    n_user = len(node.outputs) - int(node.attrs.get("num_exports", 0))

    def export(own: IRGraph, other: IRGraph, v: Value) -> int:
        for k in range(n_user, len(own.results)):
            if own.results[k] == v:
                return k
        own.results.append(v)
        other.results.append(_dummy(other, v))
        spec = OutputSpec(v.dtype, most_specific_compatible_shape(own.results[-1].shape, other.results[-1].shape))
        _append_output(node, spec)
        node.attrs["num_exports"] = int(node.attrs.get("num_exports", 0)) + 1
        own.version += 1
        other.version += 1
        return len(own.results) - 1

    return [export(tb, eb, v) for v in then_vals], [export(eb, tb, v) for v in else_vals]


@RegisterGradient("If")
def _if_grad(op: Operation, *grads: Tensor) -> list[Tensor | None]:
    node = op.node
    pred, caps = op.inputs[0], op.inputs[1:]
    wrt = [i for i, c in enumerate(caps) if c.dtype.is_floating]
    # exported intermediates are differentiated too (they carry gradients of gradients)
    outs = [k for k, g in enumerate(grads) if op.outputs[k].dtype.is_floating and not _is_zero(g)]
    if not wrt or not outs:
        return [None] * len(op.inputs)
    graph = get_default_graph()
    scope = graph.get_name_scope()
    traced = []
    for which in ("then_branch", "else_branch"):
        fg = FuncGraph(f"{which}_grad", graph, scope)
        with fg.as_default():
            args = [fg.capture(c) for c in caps]
            gys = [fg.capture(grads[k]) for k in outs]
            results, origin = inline_body(node.attrs[which], args)
            dxs = gradients([results[k] for k in outs], [args[i] for i in wrt], grad_ys=gys)
            dxs = [d if d is not None else _zeros_like(args[i]) for d, i in zip(dxs, wrt)]
        traced.append((fg, dxs, origin, _frontier(fg, origin, dxs)))
    (t_fg, t_dx, t_origin, t_front), (e_fg, e_dx, e_origin, e_front) = traced
    t_idx, e_idx = _export_from_if(node, [_orig_value(v, t_origin) for v in t_front],
                                   [_orig_value(v, e_origin) for v in e_front])
    for v, k in zip(t_front, t_idx):
        t_dx = _replace(t_fg, v, t_fg.capture(op.outputs[k]), t_dx)
    for v, k in zip(e_front, e_idx):
        e_dx = _replace(e_fg, v, e_fg.capture(op.outputs[k]), e_dx)
    shared, (then_body, else_body) = build_bodies([t_fg, e_fg], [t_dx, e_dx], [[], []])
    grad_op = graph.create_op("If", [pred] + shared,
                              {"then_branch": then_body, "else_branch": else_body, "num_exports": 0}, name="If")
    result: list[Tensor | None] = [None] * len(op.inputs)
    for j, i in enumerate(wrt):
        result[1 + i] = grad_op.outputs[j]
    return result


# --- While ---------------------------------------------------------------------------------

def _export_from_while(node: Node, values: list[Value]) -> list[int]:
    """Make the forward While record `values` (of its body) in every iteration; their output indices."""
    body = node.attrs["body"]
    n_vars = len(body.results) - int(node.attrs.get("num_exports", 0))
    trips = static_trip_count(node.inputs, node.attrs)
    out = []
    for v in values:
        found = next((k for k in range(n_vars, len(body.results)) if body.results[k] == v), None)
        if found is None:
            body.results.append(v)
            node.attrs["num_exports"] = int(node.attrs.get("num_exports", 0)) + 1
            _append_output(node, OutputSpec(v.dtype, record_shape(trips, v.shape)))
            body.version += 1
            found = len(body.results) - 1
        out.append(found)
    return out


@RegisterGradient("While")
def _while_grad(op: Operation, *grads: Tensor) -> list[Tensor | None]:
    from ..ops import array_ops, math_ops
    from ..ops.control_flow import while_loop

    node = op.node
    if not node.attrs.get("back_prop", True):
        return [None] * len(op.inputs)
    body: IRGraph = node.attrs["body"]
    n = len(body.results) - int(node.attrs.get("num_exports", 0))
    loop_in, caps = op.inputs[:n], op.inputs[n:]
    fvars = [j for j in range(n) if loop_in[j].dtype.is_floating]
    fcaps = [i for i, c in enumerate(caps) if c.dtype.is_floating]
    # recorded values that receive gradients (gradients of gradients): body value n + e at
    # iteration k gets row k of the incoming gradient
    fexp = [e for e in range(n, len(grads)) if op.outputs[e].dtype.is_floating and not _is_zero(grads[e])]
    if not fvars and not fcaps:
        return [None] * len(op.inputs)
    if all(_is_zero(grads[j]) for j in fvars) and not fexp:
        return [None] * len(op.inputs)
    g_init = [_zeros_like(op.outputs[j]) if _is_zero(grads[j]) else grads[j] for j in fvars]
    g_exp = [grads[e] for e in fexp]
    hist = _export_from_while(node, [p.output(0) for p in body.params[:n]])
    trips = array_ops.shape(op.outputs[hist[0]])[0]
    acc_init = [_zeros_like(caps[i]) for i in fcaps]
    nf = len(fvars)

    def back_cond(k, *rest):
        return math_ops.greater_equal(k, 0)

    def back_body(k, *rest):
        fg = get_default_graph()
        gs, accs = list(rest[:nf]), list(rest[nf:])
        x_k = [array_ops.gather(op.outputs[hist[j]], k) for j in range(n)]
        cap_args = [fg.capture(c) for c in caps]
        results, origin = inline_body(body, x_k + cap_args)
        xs = [x_k[j] for j in fvars] + [cap_args[i] for i in fcaps]
        ys = [results[j] for j in fvars] + [results[e] for e in fexp]
        gys = gs + [array_ops.gather(g, k) for g in g_exp]
        dx = gradients(ys, xs, grad_ys=gys)
        dx = [d if d is not None else _zeros_like(x) for d, x in zip(dx, xs)]
        outs = [k - 1] + dx[:nf] + [a + d for a, d in zip(accs, dx[nf:])]
        frontier = _frontier(fg, origin, outs)
        if frontier:
            idx = _export_from_while(node, [_orig_value(v, origin) for v in frontier])
            for v, i in zip(frontier, idx):
                outs = _replace(fg, v, array_ops.gather(op.outputs[i], k), outs)
        return outs

    final = while_loop(back_cond, back_body, [trips - 1] + g_init + acc_init, return_same_structure=True)
    result: list[Tensor | None] = [None] * len(op.inputs)
    for pos, j in enumerate(fvars):
        result[j] = final[1 + pos]
    for pos, i in enumerate(fcaps):
        result[n + i] = final[1 + nf + pos]
    return result


# --- debugging ops -------------------------------------------------------------------------

@RegisterGradient("Print")
def _print_grad(op: Operation, *grads: Tensor) -> list[Tensor | None]:
    return [grads[0]] + [None] * (len(op.inputs) - 1)


@RegisterGradient("CheckNumerics")
def _check_numerics_grad(op: Operation, grad: Tensor) -> Tensor:
    from ..ops.control_flow import check_numerics

    return check_numerics(grad, "Not a number (NaN) or infinity (Inf) values detected in gradient. "
                                f"{op.get_attr('message')}")


for _op_type in ("Assert", "PrintV2", "StringFormat"):
    NotDifferentiable(_op_type)
