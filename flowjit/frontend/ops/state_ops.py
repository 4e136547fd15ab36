"""`tf.count_up_to` (TF's state_ops.count_up_to): the epoch counter of limit_epochs."""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor
from .variables import _var_tensor

__all__ = ["count_up_to"]


def count_up_to(ref: Any, limit: int, name: str | None = None) -> Tensor:
    """Increments `ref` until it reaches `limit`; returns the old value; then OutOfRangeError."""
    if not isinstance(limit, int):
        raise TypeError(f"count_up_to limit must be an int, got {type(limit).__name__}")
    var, key = _var_tensor(ref)
    return get_default_graph().create_op("CountUpTo", [var], {"var": key, "limit": int(limit)},
                                         name=name or "CountUpTo").outputs[0]
