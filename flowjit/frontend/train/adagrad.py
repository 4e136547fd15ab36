"""`tf.train.AdagradOptimizer` (TF's training/adagrad.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import assign_add, assign_sub

__all__ = ["AdagradOptimizer"]


class AdagradOptimizer(Optimizer):
    """accum += grad^2; var -= lr * grad / sqrt(accum)."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1, use_locking: bool = False,
                 name: str = "Adagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        acc = self.get_slot(var, "accumulator")
        acc_t = assign_add(acc, m.square(grad))
        return assign_sub(var, lr * grad * m.rsqrt(acc_t), name="ApplyAdagrad").op
