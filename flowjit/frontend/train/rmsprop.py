"""`tf.train.RMSPropOptimizer` (TF's training/rmsprop.py)."""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import assign, assign_moving_average, assign_sub, group, read

__all__ = ["RMSPropOptimizer"]


class RMSPropOptimizer(Optimizer):
    """ms = decay * ms + (1 - decay) * g^2   (ms starts at ones, as in TF1)
    centered: mg = decay * mg + (1 - decay) * g; denominator ms - mg^2
    mom = momentum * mom + lr * g / sqrt(denominator + epsilon); var -= mom."""

    def __init__(self, learning_rate: Any, decay: Any = 0.9, momentum: Any = 0.0, epsilon: Any = 1e-10,
                 use_locking: bool = False, centered: bool = False, name: str = "RMSProp") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._filled_slot(v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = math_ops
        dt = var.dtype
        lr = self._hyper("learning_rate", self._learning_rate, dt)
        decay = self._hyper("decay", self._decay, dt)
        momentum = self._hyper("momentum", self._momentum, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        rms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum")
        ms_t = assign_moving_average(rms, decay, one, grad, m.square)
        ops = [ms_t.op]
        denom = ms_t
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = assign_moving_average(mg, decay, one, grad)
            ops.append(mg_t.op)
            denom = ms_t - m.square(mg_t)
        mom_t = assign(mom, read(mom) * momentum + lr * grad * m.rsqrt(denom + eps))
        var_update = assign_sub(var, mom_t, name="ApplyCenteredRMSProp" if self._centered else "ApplyRMSProp")
        return group([var_update.op, mom_t.op] + ops, name="ApplyRMSProp_group")
