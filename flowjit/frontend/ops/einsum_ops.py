"""`tf.einsum` (TF1.15 signature), composed in Python from Transpose, Reshape, MatMul /
BatchMatMulV2 and Sum, so it compiles and differentiates through existing ops.

Operands are contracted left to right, two at a time. Supported: explicit and implicit output
(labels seen once, sorted), `...` (the ellipsis dims must have equal static shapes), labels
summed away inside one operand. Not supported, as in TF1.15's einsum: a label repeated inside
one input (traces/diagonals) - a ValueError. Reshapes need static shapes: an input with an
unknown dimension is a ValueError naming it.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from . import array_ops, math_ops
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["einsum"]

_ELLIPSIS_LABELS = "0123456789"  # stand-ins for ellipsis dims (never valid user labels)


def _parse(equation: str, inputs: Sequence[Tensor]) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    match = re.fullmatch(r"([a-zA-Z,.]+)(->([a-zA-Z.]*))?", equation)
    if not match:
        raise ValueError(f"Indices have incorrect format: {equation}")
    in_specs = match.group(1).split(",")
    if len(in_specs) != len(inputs):
        raise ValueError(f"Got {len(inputs)} arguments for equation \"{equation}\", expecting {len(in_specs)}")
    ell_rank = 0
    resolved = []
    for spec, t in zip(in_specs, inputs):
        ndims = t.get_shape().ndims
        if "..." in spec:
            if ndims is None:
                raise ValueError(f"einsum: an input with '...' needs a known rank: {t.name}")
            n = ndims - (len(spec) - 3)
            if n < 0 or spec.count("...") != 1 or "." in spec.replace("...", ""):
                raise ValueError(f"Indices have incorrect format: {equation}")
            ell_rank = max(ell_rank, n)
            spec = spec.replace("...", _ELLIPSIS_LABELS[:n])  # provisional, aligned below
        elif "." in spec:
            raise ValueError(f"Indices have incorrect format: {equation}")
        if ndims is not None and len(spec) != ndims:
            raise ValueError(f"Input {t.name} with rank {ndims} does not match subscripts {spec!r}")
        for c in set(spec):
            if spec.count(c) > 1:
                raise ValueError(f"Subscript not supported: an axis appears more than once: {spec}")
        resolved.append(spec)
    # right-align ellipsis labels: an operand with fewer ellipsis dims uses the last ones
    ell = _ELLIPSIS_LABELS[:ell_rank]
    fixed = []
    for spec, raw in zip(resolved, in_specs):
        if "..." in raw:
            n = len(spec) - (len(raw) - 3)
            spec = raw.replace("...", ell[ell_rank - n:])
        fixed.append(spec)
    if match.group(2) is not None:
        out = match.group(3)
        out = out.replace("...", ell)  # an output without '...' sums the ellipsis dims away
        for c in out:
            if not any(c in s for s in fixed):
                raise ValueError(f"Output subscripts contain a label that does not appear in the input "
                                 f"subscripts: {c}")
            if out.count(c) > 1:
                raise ValueError(f"Subscript not supported: an axis appears more than once: {out}")
    else:
        counts: dict[str, int] = {}
        for s in fixed:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return fixed, out


def _static_dims(t: Tensor, labels: str) -> dict[str, int]:
    dims = t.get_shape().as_list() if t.get_shape().ndims is not None else [None] * len(labels)
    if any(d is None for d in dims):
        raise ValueError(f"einsum needs fully known input shapes here, got {t.get_shape()} for {t.name}")
    return dict(zip(labels, dims))


def _transpose_to(t: Tensor, labels: str, order: str) -> Tensor:
    if labels == order:
        return t
    return array_ops.transpose(t, [labels.index(c) for c in order])


def _sum_away(t: Tensor, labels: str, keep: set[str]) -> tuple[Tensor, str]:
    """Sum the axes whose labels are not needed any more."""
    axes = [i for i, c in enumerate(labels) if c not in keep]
    if not axes:
        return t, labels
    return math_ops.reduce_sum(t, axis=axes), "".join(c for c in labels if c in keep)


def _contract(a: Tensor, la: str, b: Tensor, lb: str, keep: set[str]) -> tuple[Tensor, str]:
    """a (labels la) times b (labels lb), keeping the labels in `keep`, via one (batch) matmul."""
    a, la = _sum_away(a, la, keep | set(lb))
    b, lb = _sum_away(b, lb, keep | set(la))
    da, db = _static_dims(a, la), _static_dims(b, lb)
    for c in set(la) & set(lb):
        if da[c] != db[c]:
            raise ValueError(f"einsum: dimension {c!r} is {da[c]} in one input and {db[c]} in another")
    batch = "".join(c for c in la if c in lb and c in keep)
    contract = "".join(c for c in la if c in lb and c not in keep)
    free_a = "".join(c for c in la if c not in lb)
    free_b = "".join(c for c in lb if c not in la)
    a2 = _transpose_to(a, la, batch + free_a + contract)
    b2 = _transpose_to(b, lb, batch + contract + free_b)
    bshape = [da[c] for c in batch]
    m = int(np.prod([da[c] for c in free_a], dtype=np.int64))
    k = int(np.prod([da[c] for c in contract], dtype=np.int64))
    n = int(np.prod([db[c] for c in free_b], dtype=np.int64))
    a3 = array_ops.reshape(a2, bshape + [m, k])
    b3 = array_ops.reshape(b2, bshape + [k, n])
    prod = math_ops.matmul(a3, b3)
    out = array_ops.reshape(prod, bshape + [da[c] for c in free_a] + [db[c] for c in free_b])
    return out, batch + free_a + free_b


def einsum(equation: str, *inputs: Any, **kwargs: Any) -> Tensor:
    """`tf.einsum(equation, *inputs, name=None)`: a generalized contraction in Einstein notation."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"invalid keyword arguments for this function: {', '.join(sorted(kwargs))}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum equation must be a string, got {type(equation).__name__}")
    with name_scope(name, "einsum", list(inputs)):
        tensors = [convert_to_tensor(x) for x in inputs]
        if not tensors:
            raise ValueError("einsum needs at least one input")
        if len({t.dtype for t in tensors}) != 1:
            raise TypeError(f"einsum inputs must share one dtype, got {[t.dtype.name for t in tensors]}")
        specs, out = _parse(equation, tensors)
        acc, labels = tensors[0], specs[0]
        for i in range(1, len(tensors)):
            later = set(out).union(*[set(s) for s in specs[i + 1:]])
            acc, labels = _contract(acc, labels, tensors[i], specs[i], later)
        acc, labels = _sum_away(acc, labels, set(out))
        return _transpose_to(acc, labels, out)
