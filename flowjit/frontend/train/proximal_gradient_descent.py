"""`tf.train.ProximalGradientDescentOptimizer` (TF's training/proximal_gradient_descent.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from .optimizer import Optimizer
from .updates import apply_proximal, is_zero, lr_l1_l2

__all__ = ["ProximalGradientDescentOptimizer"]


class ProximalGradientDescentOptimizer(Optimizer):
    """prox = var - lr * g; var = sign(prox) * max(|prox| - lr * l1, 0) / (1 + lr * l2)."""

    def __init__(self, learning_rate: Any, l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "ProximalGradientDescent") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        dt = var.dtype
        lr, l1, l2 = lr_l1_l2(self, dt)
        one = convert_to_tensor(1, dtype=dt)
        return apply_proximal(var, grad, lr, l1, l2, one, is_zero(self._l1), "ApplyProximalGradientDescent")
