"""`tf.train.AdagradDAOptimizer` (TF's training/adagrad_da.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, math_ops
from .optimizer import Optimizer
from .updates import assign, assign_add, is_zero, lr_l1_l2

__all__ = ["AdagradDAOptimizer"]


class AdagradDAOptimizer(Optimizer):
    """Adagrad dual averaging. With t = global_step + 1:
    g_acc += g; gg_acc += g^2
    var = -lr * shrink(g_acc, l1 * t) / (l2 * t * lr + sqrt(gg_acc)),
    shrink(a, k) = sign(a) * max(|a| - k, 0) (just a when l1 == 0)."""

    def __init__(self, learning_rate: Any, global_step: Any, initial_gradient_squared_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "AdagradDA") -> None:
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError("initial_gradient_squared_accumulator_value must be positive: "
                             f"{initial_gradient_squared_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_gsa = initial_gradient_squared_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength
        self._global_step = global_step

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._zeros_slot(v, "gradient_accumulator", self._name)
            self._filled_slot(v, self._initial_gsa, "gradient_squared_accumulator", self._name)

    def _prepare(self) -> None:
        self._global_step_on_worker = array_ops.identity(convert_to_tensor(self._global_step)) + 1

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        dt = var.dtype
        lr, l1, l2 = lr_l1_l2(self, dt)
        t = m.cast(self._global_step_on_worker, dt)
        g_acc = self.get_slot(var, "gradient_accumulator")
        gg_acc = self.get_slot(var, "gradient_squared_accumulator")
        g_acc_t = assign_add(g_acc, grad)
        gg_acc_t = assign_add(gg_acc, m.square(grad))
        if is_zero(self._l1):
            numer = g_acc_t
        else:
            zero = convert_to_tensor(0, dtype=dt)
            numer = m.sign(g_acc_t) * m.maximum(m.abs(g_acc_t) - l1 * t, zero)
        value = -lr * numer / (l2 * t * lr + m.sqrt(gg_acc_t))
        return assign(var, value, name="ApplyAdagradDA").op
