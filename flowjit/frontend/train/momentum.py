"""`tf.train.MomentumOptimizer` (TF's training/momentum.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor
from .optimizer import Optimizer
from .updates import assign, assign_sub, read

__all__ = ["MomentumOptimizer"]


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum
    (Nesterov: var -= lr * grad + lr * momentum * accum, with the new accum)."""

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        mom = self._hyper("momentum", self._momentum, var.dtype)
        accum = self.get_slot(var, "momentum")
        accum_t = assign(accum, read(accum) * mom + grad)
        if self._use_nesterov:
            step = grad * lr + accum_t * mom * lr
        else:
            step = accum_t * lr
        return assign_sub(var, step, name="ApplyMomentum").op
