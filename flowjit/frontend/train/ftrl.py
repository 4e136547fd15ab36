"""`tf.train.FtrlOptimizer` (TF's training/ftrl.py)."""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import assign, assign_add, group, is_zero, lr_l1_l2, read, where, zeros_like

__all__ = ["FtrlOptimizer"]


class FtrlOptimizer(Optimizer):
    """FTRL-Proximal (McMahan et al. 2013), TF's ApplyFtrl / ApplyFtrlV2:
    g' = g + 2 * l2_shrinkage * var;  new_accum = accum + g^2
    linear += g' - (new_accum^-p - accum^-p) / lr * var          (p = learning_rate_power)
    quadratic = new_accum^-p / lr + 2 * l2
    var = (sign(linear) * l1 - linear) / quadratic  if |linear| > l1 else 0;  accum = new_accum."""

    def __init__(self, learning_rate: Any, learning_rate_power: float = -0.5, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "Ftrl", accum_name: str | None = None,
                 linear_name: str | None = None, l2_shrinkage_regularization_strength: float = 0.0) -> None:
        super().__init__(use_locking, name)
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative or zero")
        if l1_regularization_strength < 0.0:
            raise ValueError(f"l1_regularization_strength {l1_regularization_strength} needs to be positive or zero")
        if l2_regularization_strength < 0.0:
            raise ValueError(f"l2_regularization_strength {l2_regularization_strength} needs to be positive or zero")
        if l2_shrinkage_regularization_strength < 0.0:
            raise ValueError("l2_shrinkage_regularization_strength "
                             f"{l2_shrinkage_regularization_strength} needs to be positive or zero")
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength
        self._accum_name = accum_name
        self._linear_name = linear_name

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accum", self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        dt = var.dtype
        lr, l1, l2 = lr_l1_l2(self, dt)
        accum = self.get_slot(var, "accum")
        linear = self.get_slot(var, "linear")
        w = read(var)
        acc = read(accum)
        new_accum = acc + m.square(grad)
        power = self._learning_rate_power
        if power == -0.5:
            def scale(a: Tensor) -> Tensor:
                return m.sqrt(a)
        else:
            p = self._hyper("neg_lr_power", -power, dt)

            def scale(a: Tensor) -> Tensor:
                return m.pow(a, p)
        g_shrunk = grad
        if not is_zero(self._l2_shrinkage):
            g_shrunk = grad + self._hyper("two_l2_shrinkage", 2.0 * self._l2_shrinkage, dt) * w
        sigma = (scale(new_accum) - scale(acc)) / lr
        linear_t = assign_add(linear, g_shrunk - sigma * w)
        two = convert_to_tensor(2, dtype=dt)
        quadratic = scale(new_accum) / lr + two * l2
        x = m.sign(linear_t) * l1 - linear_t
        new_w = where(m.greater(m.abs(linear_t), l1), x / quadratic, zeros_like(w))
        var_update = assign(var, new_w, name="ApplyFtrl")
        with get_default_graph().control_dependencies([var_update.op]):
            accum_t = assign(accum, new_accum)
        return group([var_update.op, linear_t.op, accum_t.op], name="ApplyFtrl_group")
