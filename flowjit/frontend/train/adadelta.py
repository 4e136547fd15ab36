"""`tf.train.AdadeltaOptimizer` (TF's training/adadelta.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import assign_moving_average, assign_sub, group, read

__all__ = ["AdadeltaOptimizer"]


class AdadeltaOptimizer(Optimizer):
    """accum = rho * accum + (1 - rho) * g^2
    update = sqrt(accum_update + eps) / sqrt(accum + eps) * g
    accum_update = rho * accum_update + (1 - rho) * update^2;  var -= lr * update."""

    def __init__(self, learning_rate: Any = 0.001, rho: Any = 0.95, epsilon: Any = 1e-8, use_locking: bool = False,
                 name: str = "Adadelta") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        dt = var.dtype
        lr = self._hyper("learning_rate", self._lr, dt)
        rho = self._hyper("rho", self._rho, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        accum_t = assign_moving_average(accum, rho, one, grad, m.square)
        update = m.sqrt(read(accum_update) + eps) * m.rsqrt(accum_t + eps) * grad
        accum_update_t = assign_moving_average(accum_update, rho, one, update, m.square)
        var_update = assign_sub(var, update * lr, name="ApplyAdadelta")
        return group([var_update.op, accum_update_t.op], name="ApplyAdadelta_group")
