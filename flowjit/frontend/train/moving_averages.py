"""Moving averages: `assign_moving_average` and `tf.train.ExponentialMovingAverage`.

    shadow -= (1 - decay) * (shadow - value)

written with AssignSub, so it fuses into the step like any other update.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["ExponentialMovingAverage"]


def assign_moving_average(variable: Any, value: Any, decay: Any, zero_debias: bool = False,
                          name: str | None = None) -> Tensor:
    """variable -= (1 - decay) * (variable - value); returns the updated value."""
    from ..ops import math_ops, variables

    if zero_debias:
        raise NotImplementedError("assign_moving_average(zero_debias=True) is not supported by flowjit")
    graph = get_default_graph()
    with graph.name_scope(name or "AssignMovingAvg") as scope:
        dt = variable.dtype
        decay_t = convert_to_tensor(decay, dtype=dt) if not isinstance(decay, Tensor) else decay
        if decay_t.dtype != dt:
            decay_t = math_ops.cast(decay_t, dt)
        value = convert_to_tensor(value, dtype_hint=dt)
        one = convert_to_tensor(1, dtype=dt)
        update_delta = (variable.value() - value) * (one - decay_t)
        return variables.assign_sub(variable, update_delta, name=scope)  # named as its scope, as in TF


class ExponentialMovingAverage:
    """Shadow copies of variables that track their exponential moving average.

    `apply(var_list)` creates a shadow `<var>/ExponentialMovingAverage` per variable (starting
    at the variable's initial value) and returns the op that updates them all; with
    `num_updates`, the decay is min(decay, (1 + num_updates) / (10 + num_updates)).
    """

    def __init__(self, decay: float, num_updates: Any = None, zero_debias: bool = False,
                 name: str = "ExponentialMovingAverage") -> None:
        if zero_debias:
            raise NotImplementedError("ExponentialMovingAverage(zero_debias=True) is not supported by flowjit")
        self._decay = decay
        self._num_updates = num_updates
        self._name = name
        self._averages: dict[tuple[int, str], Any] = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list: Sequence[Any] | None = None) -> Any:
        from ..ops import math_ops, variables
        from ..ops.variables import Variable, group_ops

        graph = get_default_graph()
        if var_list is None:
            var_list = variables.trainable_variables()
        var_list = list(var_list)
        for var in var_list:
            if not isinstance(var, Variable):
                raise TypeError(f"ExponentialMovingAverage.apply needs tf.Variables, got {var!r}")
            if not var.dtype.is_floating:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            key = (id(var.graph), var.var_name)
            if key in self._averages:
                continue
            with graph.control_dependencies(None), graph.name_scope(None), graph.device(var.device or None):
                avg = Variable(var.initial_value, name=f"{var.var_name}/{self._name}", trainable=False,
                               dtype=var.dtype)
            self._averages[key] = avg
            graph._variable_store.setdefault(avg.var_name, avg)
            if var not in graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES):
                graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
        with graph.name_scope(self._name) as scope:
            updates = []
            for var in var_list:
                dt = var.dtype
                decay: Any = convert_to_tensor(self._decay, dtype=dt, name="decay")
                if self._num_updates is not None:
                    n = math_ops.cast(convert_to_tensor(self._num_updates), dt)
                    one = convert_to_tensor(1, dtype=dt)
                    ten = convert_to_tensor(10, dtype=dt)
                    decay = math_ops.minimum(decay, (one + n) / (ten + n))
                updates.append(assign_moving_average(self.average(var), var.value(), decay).op)
            return group_ops(updates, name=scope)

    def average(self, var: Any) -> Any:
        return self._averages.get((id(var.graph), var.var_name))

    def average_name(self, var: Any) -> str:
        return f"{var.var_name}/{self._name}"

    def variables_to_restore(self, moving_avg_variables: Sequence[Any] | None = None) -> dict[str, Any]:
        """{checkpoint name: variable} that loads the averages into the variables themselves."""
        from ..ops import variables

        graph = get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = variables.trainable_variables() + variables.moving_average_variables()
        result: dict[str, Any] = {}
        averaged = {id(v) for v in moving_avg_variables}
        shadows = {id(a) for a in self._averages.values()}
        for v in variables.global_variables():
            if id(v) in shadows:
                continue
            name = self.average_name(v) if id(v) in averaged else v.var_name
            result[name] = v
        del graph
        return result
