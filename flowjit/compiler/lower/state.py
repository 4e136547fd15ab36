"""Lowering of the variable scatters (flowjit/ir/ops/state.py): ScatterUpdate/Add/Sub become a
scatter routine the scheduler writes into the variable's buffer in place.
"""

from __future__ import annotations

from ..lir import L, broadcast_shapes
from .array import scatter
from .core import Translator, require

VAR_SCATTERS = {"ScatterUpdate": "update", "ScatterAdd": "add", "ScatterSub": "sub"}


def var_scatter(t: Translator, op: str, var: L, indices: L, updates: L) -> L:
    """ScatterUpdate/Add/Sub of variable value `var` along its first axis (updates broadcast
    to indices.shape + var.shape[1:], as the reference); the caller writes it in place."""
    require(var.rank >= 1)
    want = indices.shape + var.shape[1:]
    try:
        ok = broadcast_shapes(updates.shape, want) == want and updates.rank <= len(want)
    except ValueError:
        ok = False
    require(ok, "updates do not broadcast")
    if updates.shape != want:
        updates = t.node("broadcast", [updates], updates.dtype, want)
    return scatter(t, t.reshape(indices, indices.shape + (1,)), updates, var.shape, VAR_SCATTERS[op], var)
