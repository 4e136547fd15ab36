"""`tf.layers` batch normalization: BatchNormalization and `batch_normalization`.

The moving-average updates go to the UPDATE_OPS collection, as in TF: run them with the train
op (`with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))`).
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor, convert_to_tensor
from .base import Layer, ones_init, ops_modules, static_bool, zeros_init, select

__all__ = ["BatchNormalization", "batch_normalization"]


class BatchNormalization(Layer):
    """Batch normalization (Ioffe & Szegedy 2015) over all axes but `axis`.

    Training: normalize with the batch mean and (biased) variance and move the moving
    statistics toward them: moving -= (moving - batch) * (1 - momentum). Inference: normalize
    with the moving statistics."""

    def __init__(self, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = None, gamma_initializer: Any = None,
                 moving_mean_initializer: Any = None, moving_variance_initializer: Any = None,
                 beta_regularizer: Any = None, gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, renorm: bool = False, renorm_clipping: Any = None,
                 renorm_momentum: float = 0.99, fused: Any = None, trainable: bool = True,
                 virtual_batch_size: Any = None, adjustment: Any = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("batch renormalization, virtual batches and adjustment are not supported")
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = fused

    def build(self, input_shape: TensorShape) -> None:
        rank = input_shape.rank
        if rank is None:
            raise ValueError("Input has undefined rank.")
        axes = list(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        axes = [ax % rank for ax in axes]
        if len(axes) != 1:
            raise NotImplementedError("BatchNormalization over several axes is not supported")
        self._axis = axes[0]
        channels = input_shape.dims[self._axis]
        if channels is None:
            raise ValueError(f"Input has undefined `axis` dimension. Input shape: {input_shape}")
        dtype = self.dtype if self.dtype is not None and self.dtype != dtypes.float16 else dtypes.float32
        self.gamma = self.add_weight("gamma", [channels], dtype=dtype, initializer=self.gamma_initializer or ones_init(),
                                     regularizer=self.gamma_regularizer, constraint=self.gamma_constraint) \
            if self.scale else None
        self.beta = self.add_weight("beta", [channels], dtype=dtype, initializer=self.beta_initializer or zeros_init(),
                                    regularizer=self.beta_regularizer, constraint=self.beta_constraint) \
            if self.center else None
        self.moving_mean = self.add_weight("moving_mean", [channels], dtype=dtype,
                                           initializer=self.moving_mean_initializer or zeros_init(), trainable=False)
        self.moving_variance = self.add_weight("moving_variance", [channels], dtype=dtype,
                                               initializer=self.moving_variance_initializer or ones_init(),
                                               trainable=False)
        self.built = True

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:
        # TF1 uses its fused kernel for 4-D inputs normalized over the channels (axis 1 or 3)
        # unless fused=False; that kernel moves the moving variance toward the unbiased variance
        fused = self.fused is not False and inputs.shape.rank == 4 and self._axis in (1, 3)
        out, updates = batch_norm_core(inputs, self._axis, training, self.momentum, self.epsilon, self.gamma,
                                       self.beta, self.moving_mean, self.moving_variance,
                                       unbiased_moving_variance=fused)
        if updates:
            self.add_update([u.op for u in updates])
        return out


def batch_norm_core(inputs: Tensor, axis: int, training: Any, momentum: Any, epsilon: float, gamma: Any, beta: Any,
                    moving_mean: Any, moving_variance: Any,
                    unbiased_moving_variance: bool = False) -> tuple[Tensor, list[Any]]:
    """(normalized output, [moving-average updates, as Tensors]) — shared by tf.layers and
    tf.contrib.layers (the latter collects the tensors, the former their ops, as in TF).

    The output is normalized with the batch's biased variance; `unbiased_moving_variance` (TF's
    fused kernel) moves the moving variance toward the unbiased one, n / (n - 1) times larger."""
    from ..train.moving_averages import assign_moving_average

    m, a, nn = ops_modules()
    rank = inputs.shape.rank
    reduction_axes = [i for i in range(rank) if i != axis]
    bshape = [1] * rank
    bshape[axis] = inputs.shape.dims[axis]

    def param(p: Any) -> Any:
        if p is None:
            return None
        t = p.value()
        t = t if t.dtype == inputs.dtype else m.cast(t, inputs.dtype)
        return t if axis == rank - 1 else a.reshape(t, bshape)

    static = static_bool(training)
    updates: list[Any] = []
    if static is False:
        mean, variance = param(moving_mean), param(moving_variance)
    else:
        batch_mean, batch_var = nn.moments(inputs, reduction_axes, keep_dims=False)
        stat_dtype = moving_mean.dtype

        def as_stat(t: Tensor) -> Tensor:
            return t if t.dtype == stat_dtype else m.cast(t, stat_dtype)

        if static is True:
            decay = momentum
            mean_b, var_b = batch_mean, batch_var
        else:
            one = convert_to_tensor(1.0, dtype=stat_dtype)
            decay = select(training, convert_to_tensor(momentum, dtype=stat_dtype), one)
            mean_b = select(training, batch_mean, param_flat(moving_mean, inputs.dtype))
            var_b = select(training, batch_var, param_flat(moving_variance, inputs.dtype))
        moving_var_target = batch_var
        if unbiased_moving_variance:
            moving_var_target = batch_var * _bessel_factor(inputs, reduction_axes)
        updates.append(assign_moving_average(moving_mean, as_stat(batch_mean), decay))
        updates.append(assign_moving_average(moving_variance, as_stat(moving_var_target), decay))
        if axis != rank - 1:
            mean_b = a.reshape(mean_b, bshape)
            var_b = a.reshape(var_b, bshape)
        mean, variance = mean_b, var_b
    out = nn.batch_normalization(inputs, mean, variance, param(beta), param(gamma), epsilon)
    return out, updates


def _bessel_factor(inputs: Tensor, axes: list[int]) -> Tensor:
    """n / (n - 1) for the n elements each statistic is taken over (1 when n is 1)."""
    m, a, _ = ops_modules()
    dims = [inputs.shape.dims[i] for i in axes]
    if all(d is not None for d in dims):
        n = 1
        for d in dims:
            n *= d
        return convert_to_tensor(n / max(n - 1, 1), dtype=inputs.dtype)
    shape = m.cast(a.shape(inputs), inputs.dtype)
    n = m.reduce_prod(a.gather(shape, axes))
    return n / m.maximum(n - convert_to_tensor(1, dtype=inputs.dtype), convert_to_tensor(1, dtype=inputs.dtype))


def param_flat(p: Any, dtype: Any) -> Tensor:
    m, _, _ = ops_modules()
    t = p.value()
    return t if t.dtype == dtype else m.cast(t, dtype)


def batch_normalization(inputs: Any, axis: Any = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                        center: bool = True, scale: bool = True, beta_initializer: Any = None,
                        gamma_initializer: Any = None, moving_mean_initializer: Any = None,
                        moving_variance_initializer: Any = None, beta_regularizer: Any = None,
                        gamma_regularizer: Any = None, beta_constraint: Any = None, gamma_constraint: Any = None,
                        training: Any = False, trainable: bool = True, name: str | None = None, reuse: Any = None,
                        renorm: bool = False, renorm_clipping: Any = None, renorm_momentum: float = 0.99,
                        fused: Any = None, virtual_batch_size: Any = None, adjustment: Any = None) -> Tensor:
    layer = BatchNormalization(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                               beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                               moving_mean_initializer=moving_mean_initializer,
                               moving_variance_initializer=moving_variance_initializer,
                               beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                               beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
                               renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
                               trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
                               name=name, _reuse=reuse)
    return layer.apply(inputs, training=training)
