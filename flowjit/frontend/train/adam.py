"""`tf.train.AdamOptimizer` (TF's training/adam.py)."""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops
from .optimizer import Optimizer
from .updates import assign, assign_moving_average, assign_sub, cast_to, group, initial, read

__all__ = ["AdamOptimizer"]


class AdamOptimizer(Optimizer):
    """lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
    var -= lr_t * m / (sqrt(v) + epsilon); then beta1_power *= beta1, beta2_power *= beta2."""

    def __init__(self, learning_rate: Any = 0.001, beta1: Any = 0.9, beta2: Any = 0.999, epsilon: Any = 1e-8,
                 use_locking: bool = False, name: str = "Adam") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self) -> tuple[Any, Any]:
        graph = get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list: list[Any]) -> None:
        first = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(initial_value=initial(self._beta1, first), name="beta1_power",
                                       colocate_with=first)
        self._create_non_slot_variable(initial_value=initial(self._beta2, first), name="beta2_power",
                                       colocate_with=first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m_ = math_ops
        dt = var.dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        b1p = cast_to(read(beta1_power), dt)
        b2p = cast_to(read(beta2_power), dt)
        lr = self._hyper("learning_rate", self._lr, dt)
        beta1 = self._hyper("beta1", self._beta1, dt)
        beta2 = self._hyper("beta2", self._beta2, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        lr_t = lr * m_.sqrt(one - b2p) / (one - b1p)
        m = self.get_slot(var, "m")
        v = self.get_slot(var, "v")
        m_t = assign_moving_average(m, beta1, one, grad)
        v_t = assign_moving_average(v, beta2, one, grad, m_.square)
        var_update = assign_sub(var, lr_t * m_t / (m_.sqrt(v_t) + eps), name="ApplyAdam")
        return group([var_update.op, m_t.op, v_t.op], name="ApplyAdam_group")

    def _finish(self, update_ops: list[Any], name_scope: str) -> Any:
        graph = get_default_graph()
        beta1_power, beta2_power = self._get_beta_accumulators()
        with graph.control_dependencies(update_ops), graph.device(beta1_power.device or None):
            b1 = self._hyper("beta1", self._beta1, beta1_power.dtype)
            b2 = self._hyper("beta2", self._beta2, beta2_power.dtype)
            update_beta1 = assign(beta1_power, read(beta1_power) * b1)
            update_beta2 = assign(beta2_power, read(beta2_power) * b2)
        return group(list(update_ops) + [update_beta1.op, update_beta2.op], name=name_scope)
