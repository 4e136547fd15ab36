"""The TF1 optimizers, each update written as ordinary math plus Assign ops.

Every `_apply_dense` below is the update rule of TF's kernel (`ApplyAdam`, `ApplyFtrl`, ...)
spelled out on tensors, so a training step is one graph the compiler can fuse end to end.
The formulas are in each class docstring; `tests/test_optimizers.py` checks them against
NumPy and, when installed, against TensorFlow.
"""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from .optimizer import Optimizer
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "AdagradOptimizer",
           "AdadeltaOptimizer", "RMSPropOptimizer", "AdagradDAOptimizer", "FtrlOptimizer",
           "ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer"]


def _math():
    from ..ops import math_ops

    return math_ops


def _assign(var: Any, value: Any, name: str | None = None) -> Tensor:
    from ..ops import variables

    return variables.assign(var, value, use_locking=False, name=name)


def _assign_sub(var: Any, value: Any, name: str | None = None) -> Tensor:
    from ..ops import variables

    return variables.assign_sub(var, value, name=name)


def _assign_add(var: Any, value: Any, name: str | None = None) -> Tensor:
    from ..ops import variables

    return variables.assign_add(var, value, name=name)


def _group(ops: list[Any], name: str) -> Any:
    from ..ops.variables import group_ops

    return group_ops(ops, name=name)


def _read(var: Any) -> Tensor:
    """The value of `var` as the update sees it (its `read` snapshot)."""
    return var.value()


def _assign_moving_average(slot: Any, decay: Tensor, one: Tensor, x: Tensor, fn: Any = None) -> Tensor:
    """slot = slot * decay + fn(x) * (1 - decay), the decayed-average slot update (fn: identity
    when None; applied after `slot * decay` is built, keeping TF's node order)."""
    decayed = _read(slot) * decay
    value = x if fn is None else fn(x)
    return _assign(slot, decayed + value * (one - decay))


def _apply_proximal(var: Any, grad: Tensor, lr: Tensor, l1: Tensor, l2: Tensor, one: Tensor, l1_is_zero: bool,
                    name: str) -> Any:
    """var = shrink(var - lr * grad, lr * l1) / (1 + lr * l2), the proximal step shared by
    ProximalGradientDescent and ProximalAdagrad (no shrink when l1 is a Python zero)."""
    prox = _read(var) - lr * grad
    if l1_is_zero:
        new = prox / (one + lr * l2)
    else:
        new = _shrink(prox, lr * l1, one + lr * l2)
    return _assign(var, new, name=name).op


def _lr_l1_l2(opt: Optimizer, dtype: Any) -> tuple[Tensor, Tensor, Tensor]:
    """The learning rate and L1/L2 strengths of `opt` (its `_learning_rate`, `_l1`, `_l2`) as
    tensors of `dtype`, for the regularized optimizers (AdagradDA, Ftrl, the proximal ones)."""
    return (opt._hyper("learning_rate", opt._learning_rate, dtype), opt._hyper("l1", opt._l1, dtype),
            opt._hyper("l2", opt._l2, dtype))


def _shrink(prox: Tensor, threshold: Tensor, scale: Tensor) -> Tensor:
    """sign(prox) * max(|prox| - threshold, 0) / scale (the proximal L1/L2 step)."""
    m = _math()
    zero = convert_to_tensor(0, dtype=prox.dtype)
    return m.sign(prox) * m.maximum(m.abs(prox) - threshold, zero) / scale


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate: Any, use_locking: bool = False, name: str = "GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        return _assign_sub(var, lr * grad, name="ApplyGradientDescent").op

    def _apply_sparse(self, grad: Any, var: Any) -> Any:
        from ..ops import variables

        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        return variables.scatter_sub(var, grad.indices, lr * grad.values, name="ScatterSub").op


class MomentumOptimizer(Optimizer):
    """accum = momentum * accum + grad; var -= lr * accum
    (Nesterov: var -= lr * grad + lr * momentum * accum, with the new accum)."""

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        mom = self._hyper("momentum", self._momentum, var.dtype)
        accum = self.get_slot(var, "momentum")
        accum_t = _assign(accum, _read(accum) * mom + grad)
        if self._use_nesterov:
            step = grad * lr + accum_t * mom * lr
        else:
            step = accum_t * lr
        return _assign_sub(var, step, name="ApplyMomentum").op


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
        self._create_non_slot_variable(initial_value=_initial(self._beta1, first), name="beta1_power",
                                       colocate_with=first)
        self._create_non_slot_variable(initial_value=_initial(self._beta2, first), name="beta2_power",
                                       colocate_with=first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m_ = _math()
        dt = var.dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        b1p = _cast_to(_read(beta1_power), dt)
        b2p = _cast_to(_read(beta2_power), dt)
        lr = self._hyper("learning_rate", self._lr, dt)
        beta1 = self._hyper("beta1", self._beta1, dt)
        beta2 = self._hyper("beta2", self._beta2, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        lr_t = lr * m_.sqrt(one - b2p) / (one - b1p)
        m = self.get_slot(var, "m")
        v = self.get_slot(var, "v")
        m_t = _assign_moving_average(m, beta1, one, grad)
        v_t = _assign_moving_average(v, beta2, one, grad, m_.square)
        var_update = _assign_sub(var, lr_t * m_t / (m_.sqrt(v_t) + eps), name="ApplyAdam")
        return _group([var_update.op, m_t.op, v_t.op], name="ApplyAdam_group")

    def _finish(self, update_ops: list[Any], name_scope: str) -> Any:
        graph = get_default_graph()
        beta1_power, beta2_power = self._get_beta_accumulators()
        with graph.control_dependencies(update_ops), graph.device(beta1_power.device or None):
            b1 = self._hyper("beta1", self._beta1, beta1_power.dtype)
            b2 = self._hyper("beta2", self._beta2, beta2_power.dtype)
            update_beta1 = _assign(beta1_power, _read(beta1_power) * b1)
            update_beta2 = _assign(beta2_power, _read(beta2_power) * b2)
        return _group(list(update_ops) + [update_beta1.op, update_beta2.op], name=name_scope)


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
        m = _math()
        lr = self._hyper("learning_rate", self._learning_rate, var.dtype)
        acc = self.get_slot(var, "accumulator")
        acc_t = _assign_add(acc, m.square(grad))
        return _assign_sub(var, lr * grad * m.rsqrt(acc_t), name="ApplyAdagrad").op


class AdadeltaOptimizer(Optimizer):
    """accum = rho * accum + (1 - rho) * g^2
    update = sqrt(accum_update + eps) / sqrt(accum + eps) * g
    accum_update = rho * accum_update + (1 - rho) * update^2;  var -= lr * update."""

    def __init__(self, learning_rate: Any = 0.001, rho: Any = 0.95, epsilon: Any = 1e-8, use_locking: bool = False,
                 name: str = "Adadelta") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = _math()
        dt = var.dtype
        lr = self._hyper("learning_rate", self._lr, dt)
        rho = self._hyper("rho", self._rho, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        accum_t = _assign_moving_average(accum, rho, one, grad, m.square)
        update = m.sqrt(_read(accum_update) + eps) * m.rsqrt(accum_t + eps) * grad
        accum_update_t = _assign_moving_average(accum_update, rho, one, update, m.square)
        var_update = _assign_sub(var, update * lr, name="ApplyAdadelta")
        return _group([var_update.op, accum_update_t.op], name="ApplyAdadelta_group")


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
        m = _math()
        dt = var.dtype
        lr = self._hyper("learning_rate", self._learning_rate, dt)
        decay = self._hyper("decay", self._decay, dt)
        momentum = self._hyper("momentum", self._momentum, dt)
        eps = self._hyper("epsilon", self._epsilon, dt)
        one = convert_to_tensor(1, dtype=dt)
        rms = self.get_slot(var, "rms")
        mom = self.get_slot(var, "momentum")
        ms_t = _assign_moving_average(rms, decay, one, grad, m.square)
        ops = [ms_t.op]
        denom = ms_t
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = _assign_moving_average(mg, decay, one, grad)
            ops.append(mg_t.op)
            denom = ms_t - m.square(mg_t)
        mom_t = _assign(mom, _read(mom) * momentum + lr * grad * m.rsqrt(denom + eps))
        var_update = _assign_sub(var, mom_t, name="ApplyCenteredRMSProp" if self._centered else "ApplyRMSProp")
        return _group([var_update.op, mom_t.op] + ops, name="ApplyRMSProp_group")


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
        from ..ops import array_ops

        self._global_step_on_worker = array_ops.identity(convert_to_tensor(self._global_step)) + 1

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = _math()
        dt = var.dtype
        lr, l1, l2 = _lr_l1_l2(self, dt)
        t = m.cast(self._global_step_on_worker, dt)
        g_acc = self.get_slot(var, "gradient_accumulator")
        gg_acc = self.get_slot(var, "gradient_squared_accumulator")
        g_acc_t = _assign_add(g_acc, grad)
        gg_acc_t = _assign_add(gg_acc, m.square(grad))
        if _is_zero(self._l1):
            numer = g_acc_t
        else:
            zero = convert_to_tensor(0, dtype=dt)
            numer = m.sign(g_acc_t) * m.maximum(m.abs(g_acc_t) - l1 * t, zero)
        value = -lr * numer / (l2 * t * lr + m.sqrt(gg_acc_t))
        return _assign(var, value, name="ApplyAdagradDA").op


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
        m = _math()
        dt = var.dtype
        lr, l1, l2 = _lr_l1_l2(self, dt)
        accum = self.get_slot(var, "accum")
        linear = self.get_slot(var, "linear")
        w = _read(var)
        acc = _read(accum)
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
        if not _is_zero(self._l2_shrinkage):
            g_shrunk = grad + self._hyper("two_l2_shrinkage", 2.0 * self._l2_shrinkage, dt) * w
        sigma = (scale(new_accum) - scale(acc)) / lr
        linear_t = _assign_add(linear, g_shrunk - sigma * w)
        two = convert_to_tensor(2, dtype=dt)
        quadratic = scale(new_accum) / lr + two * l2
        x = m.sign(linear_t) * l1 - linear_t
        new_w = _where(m.greater(m.abs(linear_t), l1), x / quadratic, _zeros_like(w))
        var_update = _assign(var, new_w, name="ApplyFtrl")
        with get_default_graph().control_dependencies([var_update.op]):
            accum_t = _assign(accum, new_accum)
        return _group([var_update.op, linear_t.op, accum_t.op], name="ApplyFtrl_group")


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
        lr, l1, l2 = _lr_l1_l2(self, dt)
        one = convert_to_tensor(1, dtype=dt)
        return _apply_proximal(var, grad, lr, l1, l2, one, _is_zero(self._l1), "ApplyProximalGradientDescent")


class ProximalAdagradOptimizer(Optimizer):
    """accum += g^2; lr_t = lr / sqrt(accum); prox = var - lr_t * g;
    var = sign(prox) * max(|prox| - lr_t * l1, 0) / (1 + lr_t * l2)."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0, l2_regularization_strength: float = 0.0,
                 use_locking: bool = False, name: str = "ProximalAdagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength

    def _create_slots(self, var_list: list[Any]) -> None:
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        m = _math()
        dt = var.dtype
        lr, l1, l2 = _lr_l1_l2(self, dt)
        one = convert_to_tensor(1, dtype=dt)
        acc = self.get_slot(var, "accumulator")
        acc_t = _assign_add(acc, m.square(grad))
        lr_t = lr * m.rsqrt(acc_t)
        return _apply_proximal(var, grad, lr_t, l1, l2, one, _is_zero(self._l1), "ApplyProximalAdagrad")


# --- helpers --------------------------------------------------------------------------

def _is_zero(value: Any) -> bool:
    return isinstance(value, (int, float)) and value == 0


def _cast_to(t: Tensor, dtype: Any) -> Tensor:
    return t if t.dtype == dtype else _math().cast(t, dtype)


def _where(cond: Tensor, x: Tensor, y: Tensor) -> Tensor:
    from ..ops import math_ops

    return math_ops.where(cond, x, y)


def _zeros_like(t: Tensor) -> Tensor:
    from ..ops import array_ops

    return array_ops.zeros_like(t)


def _initial(value: Any, like: Any) -> Any:
    """The initial value of a beta power: a Python float stays a float (a constant of the
    variable's dtype); a tensor hyperparameter is used as is."""
    if isinstance(value, (int, float)):
        return float(value)
    return value
