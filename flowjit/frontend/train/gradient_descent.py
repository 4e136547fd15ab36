"""`tf.train.GradientDescentOptimizer` (TF's training/gradient_descent.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor
from ..ops import variables
from .optimizer import Optimizer
from .updates import assign_sub

__all__ = ["GradientDescentOptimizer"]


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        return assign_sub(var, lr * grad, name="ApplyGradientDescent").op

    def _apply_sparse(self, grad: Any, var: Any) -> Any:
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        return variables.scatter_sub(var, grad.indices, lr * grad.values, name="ScatterSub").op
