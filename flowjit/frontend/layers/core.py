"""`tf.layers` core layers: Dense, Flatten, Dropout and their functional forms."""

from __future__ import annotations

from typing import Any

from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor, convert_to_tensor
from .base import (
    Layer, activity_loss, bias_and_activation, build_bias, normalized_data_format, ops_modules, select,
    static_bool, store_kernel_bias_args
)

__all__ = ["Dense", "Flatten", "Dropout", "dense", "flatten", "dropout"]


class Dense(Layer):
    """outputs = activation(inputs @ kernel + bias); inputs of rank > 2 use their last axis."""

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True, kernel_initializer: Any = None,
                 bias_initializer: Any = None, kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 trainable: bool = True, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        if input_shape.rank is None or input_shape.dims[-1] is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        last = input_shape.dims[-1]
        self.kernel = self.add_weight("kernel", shape=[last, self.units], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        build_bias(self, self.units)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        m, a, _ = ops_modules()
        rank = inputs.shape.rank
        if rank is not None and rank > 2:
            last = inputs.shape.dims[-1]
            flat = a.reshape(inputs, [-1, last])
            out = m.matmul(flat, self.kernel)
            outer = inputs.shape.as_list()[:-1]
            if all(d is not None for d in outer):
                out = a.reshape(out, outer + [self.units])
            else:
                lead = a.shape(inputs)[:-1]
                out = a.reshape(out, a.concat([lead, [self.units]], 0))
        else:
            out = m.matmul(inputs, self.kernel)
        return activity_loss(self, bias_and_activation(self, out))


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    def __init__(self, data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.data_format = normalized_data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        return flatten_tensor(inputs, channels_first=self.data_format == "channels_first")


def flatten_tensor(inputs: Tensor, channels_first: bool = False) -> Tensor:
    _, a, _ = ops_modules()
    x = inputs
    if channels_first and x.shape.rank is not None and x.shape.rank > 2:
        perm = [0] + list(range(2, x.shape.rank)) + [1]
        x = a.transpose(x, perm)
    dims = x.shape.as_list() if x.shape.rank is not None else None
    if dims is not None and len(dims) >= 1 and all(d is not None for d in dims[1:]):
        inner = 1
        for d in dims[1:]:
            inner *= d
        if dims[0] is not None:
            return a.reshape(x, [dims[0], inner])
        return a.reshape(x, [-1, inner])
    return a.reshape(x, a.stack([a.shape(x)[0], -1]))


class Dropout(Layer):
    """Zeroes a fraction `rate` of the inputs while training, scaling the rest by 1 / (1 - rate)."""

    def __init__(self, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs: Tensor, training: Any = False) -> Tensor:
        return dropout_tensor(inputs, self.rate, training, self.noise_shape, self.seed)


def dropout_tensor(inputs: Tensor, rate: Any, training: Any, noise_shape: Any = None, seed: Any = None) -> Tensor:
    _, a, nn = ops_modules()
    static = static_bool(training)
    if static is False:
        return a.identity(inputs)
    if isinstance(rate, (int, float)) and rate == 0:
        return a.identity(inputs)
    keep = (1.0 - rate) if isinstance(rate, (int, float)) else (1.0 - convert_to_tensor(rate, dtype=inputs.dtype))
    dropped = nn.dropout(inputs, keep_prob=keep, noise_shape=noise_shape, seed=seed)
    if static is True:
        return dropped
    return select(training, dropped, inputs)


def dense(inputs: Any, units: int, activation: Any = None, use_bias: bool = True, kernel_initializer: Any = None,
          bias_initializer: Any = None, kernel_regularizer: Any = None, bias_regularizer: Any = None,
          activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
          trainable: bool = True, name: str | None = None, reuse: Any = None) -> Tensor:
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                  name=name, _reuse=reuse)
    return layer.apply(inputs)


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    return Flatten(data_format=data_format, name=name).apply(inputs)


def dropout(inputs: Any, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None, training: Any = False,
            name: str | None = None) -> Tensor:
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)
