"""Static facts about `While` loops: the trip count of counted loops.

A loop whose condition compares a counter with a bound known while building (`i < n`,
`k >= 0`, either side), whose body steps the counter by a known constant (`i + 1`, `k - 1`),
and whose counter starts at a known value runs a trip count known before it runs. The While
shape rule uses it for the loop's recorded values ([trip_count, ...] instead of [?, ...]), so
the gradient loop of `dynamic_rnn`, `tf.scan` or `map_fn` over a static length is statically
shaped and the cpu backend compiles both loops natively.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .graph import Graph, Value
from .registry import static_value

_FLIP = {"Less": "Greater", "LessEqual": "GreaterEqual", "Greater": "Less", "GreaterEqual": "LessEqual"}
_STEPS = {"AddV2": 1, "Add": 1, "Sub": -1}


def _scalar_int(a: np.ndarray | None) -> int | None:
    if a is None:
        return None
    a = np.asarray(a)
    if a.shape != () or a.dtype.kind not in "iu":
        return None
    return int(a)


def _param_index(graph: Graph, v: Value) -> int | None:
    for k, p in enumerate(graph.params):
        if p.output(0) == v:
            return k
    return None


def _bound(cond: Graph, body: Graph, inputs: Sequence[Value], n_vars: int, v: Value) -> int | None:
    """The value of `v` (in `cond`) if it is known for the whole loop: a constant, a captured
    value known while building, or a loop variable the body passes through unchanged."""
    k = _param_index(cond, v)
    if k is None:
        return _scalar_int(static_value(v))
    if k < n_vars and body.results[k] != body.params[k].output(0):
        return None
    return _scalar_int(static_value(inputs[k])) if k < len(inputs) else None


def _step(body: Graph, k: int) -> int | None:
    """The constant the body adds to loop variable k each iteration (None: not a counter)."""
    res = body.results[k]
    sign = _STEPS.get(res.node.op)
    if sign is None:
        return None
    a, b = res.node.inputs
    me = body.params[k].output(0)
    if a == me:
        c = _scalar_int(static_value(b))
        return None if c is None else sign * c
    if b == me and sign == 1:
        return _scalar_int(static_value(a))
    return None


def _trips(op: str, start: int, bound: int, step: int) -> int | None:
    """Iterations of `for (c = start; c OP bound; c += step)`; None when it would not end."""
    holds = {"Less": start < bound, "LessEqual": start <= bound,
             "Greater": start > bound, "GreaterEqual": start >= bound}[op]
    if not holds:
        return 0
    if op in ("Less", "LessEqual") and step > 0:
        span = bound - start + (1 if op == "LessEqual" else 0)
        return math.ceil(span / step)
    if op in ("Greater", "GreaterEqual") and step < 0:
        span = start - bound + (1 if op == "GreaterEqual" else 0)
        return math.ceil(span / -step)
    return None  # the counter moves away from the bound: only maximum_iterations ends it


def static_trip_count(inputs: Sequence[Value], attrs: dict[str, Any]) -> int | None:
    """How many times the While with these inputs and attrs runs its body, if that is known
    while building (see the module docstring); else None."""
    cond, body = attrs["cond"], attrs["body"]
    n_vars = len(body.results) - int(attrs.get("num_exports", 0))
    max_iter = attrs.get("maximum_iterations")
    if len(cond.results) != 1:
        return None
    pred = cond.results[0].node
    if pred.op not in _FLIP or len(pred.inputs) != 2:
        return None
    for lhs, rhs, op in ((pred.inputs[0], pred.inputs[1], pred.op), (pred.inputs[1], pred.inputs[0], _FLIP[pred.op])):
        k = _param_index(cond, lhs)
        if k is None or k >= n_vars or k >= len(inputs):
            continue
        step, start = _step(body, k), _scalar_int(static_value(inputs[k]))
        bound = _bound(cond, body, inputs, n_vars, rhs)
        if step is None or step == 0 or start is None or bound is None:
            continue
        trips = _trips(op, start, bound, step)
        if trips is None:
            return None if max_iter is None else int(max_iter)
        return trips if max_iter is None else min(trips, int(max_iter))
    return None
