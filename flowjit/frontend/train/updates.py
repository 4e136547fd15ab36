"""The update math the TF1 optimizers share, written as ordinary ops plus Assign ops.

Every optimizer's `_apply_dense` is the update rule of TF's kernel (`ApplyAdam`, `ApplyFtrl`, ...)
spelled out on tensors with these helpers, so a training step is one graph the compiler can
fuse end to end. The formulas are in each class docstring (one module per optimizer, named as
in TF's `tensorflow/python/training/`); `tests/frontend/test_optimizers.py` checks them against NumPy
and, when installed, against TensorFlow.
"""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, math_ops, variables
from .optimizer import Optimizer

def assign(var: Any, value: Any, name: str | None = None) -> Tensor:
    return variables.assign(var, value, use_locking=False, name=name)


def assign_sub(var: Any, value: Any, name: str | None = None) -> Tensor:
    return variables.assign_sub(var, value, name=name)


def assign_add(var: Any, value: Any, name: str | None = None) -> Tensor:
    return variables.assign_add(var, value, name=name)


def group(ops: list[Any], name: str) -> Any:
    return variables.group_ops(ops, name=name)


def read(var: Any) -> Tensor:
    """The value of `var` as the update sees it (its `read` snapshot)."""
    return var.value()


def assign_moving_average(slot: Any, decay: Tensor, one: Tensor, x: Tensor, fn: Any = None) -> Tensor:
    """slot = slot * decay + fn(x) * (1 - decay), the decayed-average slot update (fn: identity
    when None; applied after `slot * decay` is built, keeping TF's node order)."""
    decayed = read(slot) * decay
    value = x if fn is None else fn(x)
    return assign(slot, decayed + value * (one - decay))


def apply_proximal(var: Any, grad: Tensor, lr: Tensor, l1: Tensor, l2: Tensor, one: Tensor, l1_is_zero: bool,
                    name: str) -> Any:
    """var = shrink(var - lr * grad, lr * l1) / (1 + lr * l2), the proximal step shared by
    ProximalGradientDescent and ProximalAdagrad (no shrink when l1 is a Python zero)."""
    prox = read(var) - lr * grad
    if l1_is_zero:
        new = prox / (one + lr * l2)
    else:
        new = shrink(prox, lr * l1, one + lr * l2)
    return assign(var, new, name=name).op


def lr_l1_l2(opt: Optimizer, dtype: Any) -> tuple[Tensor, Tensor, Tensor]:
    """The learning rate and L1/L2 strengths of `opt` (its `_learning_rate`, `_l1`, `_l2`) as
    tensors of `dtype`, for the regularized optimizers (AdagradDA, Ftrl, the proximal ones)."""
    return (opt._hyper("learning_rate", opt._learning_rate, dtype), opt._hyper("l1", opt._l1, dtype),
            opt._hyper("l2", opt._l2, dtype))


def shrink(prox: Tensor, threshold: Tensor, scale: Tensor) -> Tensor:
    """sign(prox) * max(|prox| - threshold, 0) / scale (the proximal L1/L2 step)."""
    m = math_ops
    zero = convert_to_tensor(0, dtype=prox.dtype)
    return m.sign(prox) * m.maximum(m.abs(prox) - threshold, zero) / scale


def is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == 0


def cast_to(t: Tensor, dtype: Any) -> Tensor:
    return t if t.dtype == dtype else math_ops.cast(t, dtype)


def where(cond: Tensor, x: Tensor, y: Tensor) -> Tensor:
    return math_ops.where(cond, x, y)


def zeros_like(t: Tensor) -> Tensor:
    return array_ops.zeros_like(t)


def initial(value: Any, like: Any) -> Any:
    """The initial value of a beta power: a Python float stays a float (a constant of the
    variable's dtype); a tensor hyperparameter is used as is."""
    if isinstance(value, (int, float)):
        return float(value)
    return value
