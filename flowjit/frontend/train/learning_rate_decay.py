"""Learning-rate schedules (`tf.train.exponential_decay` and friends).

Each returns a scalar tensor computed from `global_step`, so the learning rate changes as
the step advances while the training graph stays the same. Formulas, with
p = global_step / decay_steps (floored when `staircase`):

    exponential_decay     lr * decay_rate ^ p
    natural_exp_decay     lr * exp(-decay_rate * p)
    inverse_time_decay    lr / (1 + decay_rate * p)
    polynomial_decay      (lr - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end
    cosine_decay          lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)
    piecewise_constant    values[i] for boundaries[i-1] < x <= boundaries[i]
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import math_ops

__all__ = ["exponential_decay", "piecewise_constant", "polynomial_decay", "natural_exp_decay",
           "inverse_time_decay", "cosine_decay", "cosine_decay_restarts", "linear_cosine_decay"]


def _as(x: Any, dtype: Any) -> Tensor:
    """`x` (Python number, tensor or variable) as a tensor of `dtype`."""
    if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
        t = convert_to_tensor(x)
        return t if t.dtype == dtype else math_ops.cast(t, dtype)
    return convert_to_tensor(x, dtype=dtype)


def _require_step(global_step: Any, fn: str) -> None:
    if global_step is None:
        raise ValueError(f"global_step is required for {fn}.")


def _lr(learning_rate: Any) -> Tensor:
    if isinstance(learning_rate, Tensor) or hasattr(learning_rate, "_as_graph_element"):
        return convert_to_tensor(learning_rate)
    return convert_to_tensor(learning_rate, dtype=dtypes.float32, name="learning_rate")


def _fraction(global_step: Any, decay_steps: Any, dtype: Any, staircase: bool) -> Tensor:
    p = _as(global_step, dtype) / _as(decay_steps, dtype)
    return math_ops.floor(p) if staircase else p


def exponential_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:
    _require_step(global_step, "exponential_decay")
    with get_default_graph().name_scope(name or "ExponentialDecay"):
        lr = _lr(learning_rate)
        p = _fraction(global_step, decay_steps, lr.dtype, staircase)
        return math_ops.multiply(lr, math_ops.pow(_as(decay_rate, lr.dtype), p))


def natural_exp_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                      staircase: bool = False, name: str | None = None) -> Tensor:
    _require_step(global_step, "natural_exp_decay")
    with get_default_graph().name_scope(name or "NaturalExpDecay"):
        lr = _lr(learning_rate)
        p = _fraction(global_step, decay_steps, lr.dtype, staircase)
        return math_ops.multiply(lr, math_ops.exp(math_ops.negative(_as(decay_rate, lr.dtype)) * p))


def inverse_time_decay(learning_rate: Any, global_step: Any, decay_steps: Any, decay_rate: Any,
                       staircase: bool = False, name: str | None = None) -> Tensor:
    _require_step(global_step, "inverse_time_decay")
    with get_default_graph().name_scope(name or "InverseTimeDecay"):
        lr = _lr(learning_rate)
        p = _fraction(global_step, decay_steps, lr.dtype, staircase)
        one = convert_to_tensor(1, dtype=lr.dtype)
        return lr / (one + _as(decay_rate, lr.dtype) * p)


def polynomial_decay(learning_rate: Any, global_step: Any, decay_steps: Any, end_learning_rate: Any = 0.0001,
                     power: Any = 1.0, cycle: bool = False, name: str | None = None) -> Tensor:
    _require_step(global_step, "polynomial_decay")
    m = math_ops
    with get_default_graph().name_scope(name or "PolynomialDecay"):
        lr = _lr(learning_rate)
        dt = lr.dtype
        step = _as(global_step, dt)
        steps = _as(decay_steps, dt)
        one = convert_to_tensor(1, dtype=dt)
        if cycle:
            # the first multiple of decay_steps at or above the step (1 at step 0)
            steps = steps * m.maximum(m.ceil(step / steps), one)
        else:
            step = m.minimum(step, steps)
        p = step / steps
        end = _as(end_learning_rate, dt)
        return m.add(m.multiply(lr - end, m.pow(one - p, _as(power, dt))), end)


def cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str | None = None) -> Tensor:
    _require_step(global_step, "cosine_decay")
    m = math_ops
    with get_default_graph().name_scope(name or "CosineDecay"):
        lr = _lr(learning_rate)
        dt = lr.dtype
        steps = _as(decay_steps, dt)
        step = m.minimum(_as(global_step, dt), steps)
        fraction = step / steps
        half = convert_to_tensor(0.5, dtype=dt)
        one = convert_to_tensor(1, dtype=dt)
        cosine = half * (one + m.cos(convert_to_tensor(math.pi, dtype=dt) * fraction))
        a = _as(alpha, dt)
        return m.multiply(lr, (one - a) * cosine + a)


def cosine_decay_restarts(learning_rate: Any, global_step: Any, first_decay_steps: Any, t_mul: float = 2.0,
                          m_mul: float = 1.0, alpha: Any = 0.0, name: str | None = None) -> Tensor:
    """SGDR (Loshchilov & Hutter): cosine decay restarting after first_decay_steps, then
    t_mul times as long each period, each period's peak scaled by m_mul."""
    _require_step(global_step, "cosine_decay_restarts")
    m = math_ops
    with get_default_graph().name_scope(name or "SGDRDecay"):
        lr = _lr(learning_rate)
        dt = lr.dtype
        one = convert_to_tensor(1, dtype=dt)
        fraction = _as(global_step, dt) / _as(first_decay_steps, dt)
        tm = _as(t_mul, dt)
        if isinstance(t_mul, (int, float)) and t_mul == 1.0:
            i_restart = m.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = m.floor(m.log(one - fraction * (one - tm)) / m.log(tm))
            sum_r = (one - m.pow(tm, i_restart)) / (one - tm)
            fraction = (fraction - sum_r) / m.pow(tm, i_restart)
        m_fac = m.pow(_as(m_mul, dt), i_restart)
        half = convert_to_tensor(0.5, dtype=dt)
        cosine = half * m_fac * (one + m.cos(convert_to_tensor(math.pi, dtype=dt) * fraction))
        a = _as(alpha, dt)
        return m.multiply(lr, (one - a) * cosine + a)


def linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, num_periods: float = 0.5,
                        alpha: float = 0.0, beta: float = 0.001, name: str | None = None) -> Tensor:
    _require_step(global_step, "linear_cosine_decay")
    m = math_ops
    with get_default_graph().name_scope(name or "LinearCosineDecay"):
        lr = _lr(learning_rate)
        dt = lr.dtype
        steps = _as(decay_steps, dt)
        step = m.minimum(_as(global_step, dt), steps)
        linear = (steps - step) / steps
        fraction = _as(2.0 * num_periods, dt) * (step / steps)
        half = convert_to_tensor(0.5, dtype=dt)
        one = convert_to_tensor(1, dtype=dt)
        cosine = half * (one + m.cos(convert_to_tensor(math.pi, dtype=dt) * fraction))
        return m.multiply(lr, (_as(alpha, dt) + linear) * cosine + _as(beta, dt))


def piecewise_constant(x: Any, boundaries: Sequence[Any], values: Sequence[Any], name: str | None = None) -> Tensor:
    """values[0] while x <= boundaries[0], values[1] while x <= boundaries[1], ..., values[-1] after."""
    if len(values) != len(boundaries) + 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    m = math_ops
    with get_default_graph().name_scope(name or "PiecewiseConstant"):
        x = convert_to_tensor(x)
        vals = [convert_to_tensor(v) if isinstance(v, Tensor) else None for v in values]
        vdtype = next((v.dtype for v in vals if v is not None), None)
        if vdtype is None:
            vdtype = dtypes.float32 if any(isinstance(v, float) for v in values) else dtypes.int32
        vals = [v if v is not None else convert_to_tensor(values[i], dtype=vdtype) for i, v in enumerate(vals)]
        for v in vals:
            if v.dtype != vdtype:
                raise ValueError(f"Values must have elements all with the same dtype ({vdtype.name} vs {v.dtype.name}).")
        bounds = [_as(b, x.dtype) for b in boundaries]
        where = m.where
        result = vals[-1]
        for b, v in zip(reversed(bounds), reversed(vals[:-1])):
            result = where(m.less_equal(x, b), v, result)
        return result
