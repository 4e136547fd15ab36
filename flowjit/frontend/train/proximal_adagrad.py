"""`tf.train.ProximalAdagradOptimizer` (TF's training/proximal_adagrad.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import apply_proximal, assign_add, is_zero, lr_l1_l2

__all__ = ["ProximalAdagradOptimizer"]


class ProximalAdagradOptimizer(Optimizer):
    """accum += g^2; lr_t = lr / sqrt(accum); prox = var - lr_t * g;
    var = sign(prox) * max(|prox| - lr_t * l1, 0) / (1 + lr_t * l2)."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "ProximalAdagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        dt = var.dtype
        lr, l1, l2 = lr_l1_l2(self, dt)
        one = convert_to_tensor(1, dtype=dt)
        acc = self.get_slot(var, "accumulator")
        acc_t = assign_add(acc, m.square(grad))
        lr_t = lr * m.rsqrt(acc_t)
        return apply_proximal(var, grad, lr_t, l1, l2, one, is_zero(self._l1), "ApplyProximalAdagrad")
