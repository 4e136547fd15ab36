"""Algebraic simplification: local rewrites that never change a result.

The rules are data: `RULES` is a list of (pattern, function) pairs, each with a one-line
comment, applied by the one driver `rewrite.apply_rules`. A rule applies only where it is
exact for the dtype, bit for bit, at run time too (unknown dimensions included):

  - `x + 0 -> x` holds for integers, but for floats only with -0.0 (-0.0 + 0.0 is +0.0);
    `x - 0 -> x` holds for floats only with +0.0;
  - `x * 0 -> 0` holds only for integers (inf * 0 and NaN * 0 are NaN, -1.0 * 0 is -0.0);
  - rules that drop an operand (`x * 1 -> x`) require that the operand could not have
    broadcast `x` to a larger shape (`Match.keeps_shape`).

Patterns match only pure nodes without control inputs, so no rule loses an ordering or an
effect. Add a rule: append `(Pat(...), fn)` to `RULES` (or pass your own list to
`simplify(rules=...)`); `fn(m)` returns the replacement value or None.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir.graph import Value
from .constant_folding import LITERAL_LIMIT
from .manager import Pass, note
from .rewrite import Match, Pat, apply_rules, cannot_expand, splat_value

# Binary elementwise ops with NumPy broadcasting (an operand's splat may become a scalar).
BROADCASTING_BINARY_OPS = ("AddV2", "Add", "Sub", "Mul", "RealDiv", "Div", "FloorDiv", "FloorMod", "TruncateDiv",
                           "TruncateMod", "Maximum", "Minimum", "Pow", "SquaredDifference", "Equal", "NotEqual",
                           "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "DivNoNan",
                           "MulNoNan", "Xlogy", "Xdivy", "Atan2")

X = Pat.any("x")
Y = Pat.any("y")
ANY = Pat.any()


def _keep(m: Match, x: Value) -> Value | None:
    """`x` when it surely has the matched value's type and shape, else no rewrite."""
    return x if m.keeps_shape(x) else None


def _is_zero_of_sign(v: Value, negative: bool) -> bool:
    if v.dtype.is_integer:
        return True
    if not v.dtype.is_floating:
        return False
    value = splat_value(v)
    return value is not None and bool(np.signbit(value)) == negative


def _same_static_shape(a: Value, b: Value) -> bool:
    return a.shape.is_fully_defined() and b.shape.is_fully_defined() and a.shape == b.shape


def _zeros(m: Match) -> Value | None:
    shape = m.root.shape
    if not m.root.dtype.is_integer or not shape.is_fully_defined() or shape.num_elements() > LITERAL_LIMIT:
        return None
    return m.const(np.zeros(shape.as_tuple(), dtype=m.root.dtype.np_dtype))


def _perm(v: Value) -> list[int] | None:
    if v.node.op != "Const":
        return None
    return [int(p) for p in np.asarray(v.node.attrs["value"]).reshape(-1)]


def _identity_transpose(m: Match) -> Value | None:
    perm = _perm(m.perm)
    return m.x if perm is not None and perm == list(range(len(perm))) else None


def _compose_transposes(m: Match) -> Value | None:
    p, q = _perm(m.p), _perm(m.q)
    if p is None or q is None or len(p) != len(q):
        return None
    combined = [p[k] for k in q]
    if combined == list(range(len(combined))):
        return m.x
    perm = m.const(np.array(combined, dtype=m.q.dtype.np_dtype), dtype=m.q.dtype, name=f"{m.node.name}/perm")
    return m.new("Transpose", [m.x, perm], dict(m.node.attrs), outputs=list(m.node.outputs))


def _scalar_of(v: Value, m: Match) -> Value | None:
    """A rank-0 value equal to every element of `v` (a splat), if one is at hand."""
    if v.node.op == "Fill" and v.node.inputs[1].shape.rank == 0:
        return v.node.inputs[1]
    if v.node.op == "BroadcastTo" and v.node.inputs[0].shape.rank == 0:
        return v.node.inputs[0]
    if v.node.op == "Const":
        value = splat_value(v)
        if value is not None:
            return m.const(np.asarray(value, dtype=v.dtype.np_dtype), dtype=v.dtype, name=f"{m.node.name}/scalar")
    return None


def _scalarize_operand(m: Match) -> Value | None:
    """x op splat(c) -> x op c, where x alone already has the result's shape."""
    inputs = list(m.node.inputs)
    for k in (0, 1):
        v, other = inputs[k], inputs[1 - k]
        if v.shape.rank in (None, 0) or not cannot_expand(other.shape, v.shape):
            continue
        scalar = _scalar_of(v, m)
        if scalar is None or scalar.dtype != v.dtype:
            continue
        inputs[k] = scalar
        return m.new(m.node.op, inputs, dict(m.node.attrs), outputs=list(m.node.outputs))
    return None


RULES: list[tuple[Pat, Any]] = [
    # x * 1 -> x
    (Pat("Mul", [X, Pat.splat(1)], commutative=True), lambda m: _keep(m, m.x)),
    # x / 1 -> x
    (Pat(("RealDiv", "Div"), [X, Pat.splat(1)]), lambda m: _keep(m, m.x)),
    # x ** 1 -> x
    (Pat("Pow", [X, Pat.splat(1)]), lambda m: _keep(m, m.x)),
    # x + 0 -> x   (integers; floats only with -0.0)
    (Pat(("AddV2", "Add"), [X, Pat.splat(0, "zero")], commutative=True),
     lambda m: _keep(m, m.x) if _is_zero_of_sign(m.zero, negative=True) else None),
    # x - 0 -> x   (integers; floats only with +0.0)
    (Pat("Sub", [X, Pat.splat(0, "zero")]),
     lambda m: _keep(m, m.x) if _is_zero_of_sign(m.zero, negative=False) else None),
    # x * 0 -> 0   (integers only)
    (Pat("Mul", [X, Pat.splat(0)], commutative=True), _zeros),
    # -(-x) -> x
    (Pat("Neg", [Pat("Neg", [X])]), lambda m: m.x),
    # x + (-y) -> x - y
    (Pat(("AddV2", "Add"), [X, Pat("Neg", [Y])], commutative=True),
     lambda m: m.new("Sub", [m.x, m.y], outputs=list(m.node.outputs))),
    # x - (-y) -> x + y
    (Pat("Sub", [X, Pat("Neg", [Y])]), lambda m: m.new("AddV2", [m.x, m.y], outputs=list(m.node.outputs))),
    # not(not(x)) -> x
    (Pat("LogicalNot", [Pat("LogicalNot", [X])]), lambda m: m.x),
    # identity(x) -> x   (not of a variable: an Identity snapshots its value; the driver checks)
    (Pat(("Identity", "StopGradient", "PlaceholderWithDefault"), [X]), lambda m: m.x),
    # cast(x: T -> T) -> x
    (Pat("Cast", [X]), lambda m: m.x if m.x.dtype == m.root.dtype else None),
    # reshape(x, s) -> x   when the shape stays the same
    (Pat("Reshape", [X, ANY]), lambda m: m.x if _same_static_shape(m.x, m.root) else None),
    # reshape(reshape(x, s1), s2) -> reshape(x, s2)
    (Pat("Reshape", [Pat("Reshape", [X, ANY]), Pat.any("s")]),
     lambda m: m.new("Reshape", [m.x, m.s], dict(m.node.attrs), outputs=list(m.node.outputs))),
    # transpose(x, [0, 1, ..]) -> x
    (Pat("Transpose", [X, Pat.const("perm")]), _identity_transpose),
    # transpose(transpose(x, p), q) -> transpose(x, p[q])
    (Pat("Transpose", [Pat("Transpose", [X, Pat.const("p")]), Pat.const("q")]), _compose_transposes),
    # broadcast_to(x, s) -> x   when nothing is broadcast
    (Pat("BroadcastTo", [X, ANY]), lambda m: m.x if _same_static_shape(m.x, m.root) else None),
    # squeeze(x) -> x   when the shape stays the same
    (Pat("Squeeze", [X]), lambda m: m.x if _same_static_shape(m.x, m.root) else None),
    # concat([x], axis) -> x
    (Pat("ConcatV2", [X, ANY]), lambda m: _keep(m, m.x)),
    # add_n([x]) -> x
    (Pat("AddN", [X]), lambda m: m.x),
    # x op fill(c) -> x op c   (a broadcast scalar stays a scalar when x has the result's shape)
    (Pat(BROADCASTING_BINARY_OPS), _scalarize_operand),
]


def simplify_graph(graph: Any, rules: list | None = None) -> tuple[Any, bool]:
    """The pass, in place; returns (graph, changed)."""
    def log(m: Match, new: Value) -> None:
        made = new.node.provenance.created_by == "simplify" and new.node.name.startswith(m.node.name + "/")
        note(f"rewrote {m.node.name} ({m.node.op}) -> " + (f"a new {new.node.op}" if made else new.name))

    changed = apply_rules(graph, RULES if rules is None else rules, pass_name="simplify", on_rewrite=log)
    return graph, changed


def simplify(rules: list | None = None) -> Pass:
    """The algebraic simplification pass (see the module docstring)."""
    return Pass("simplify", lambda g: simplify_graph(g, rules), doc=__doc__.split("\n")[0], builtin=True)
