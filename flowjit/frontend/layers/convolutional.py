"""`tf.layers` convolutions: Conv2D (alias Convolution2D) and `conv2d`."""

from __future__ import annotations

from typing import Any

from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor
from .base import (
    Layer, activity_loss, bias_and_activation, build_bias, int_pair, normalized_data_format,
    normalized_padding, ops_modules, store_kernel_bias_args
)

__all__ = ["Conv2D", "Convolution2D", "conv2d"]


class Conv2D(Layer):
    """2-D convolution: kernel [kh, kw, in_channels, filters], optional bias and activation."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = (1, 1), activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.filters = int(filters)
        self.kernel_size = int_pair(kernel_size, "kernel_size")
        self.strides = int_pair(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)
        self.dilation_rate = int_pair(dilation_rate, "dilation_rate")
        store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        if input_shape.rank is not None and input_shape.rank != 4:
            raise ValueError(f"Input 0 of layer {self._base_name} is incompatible with the layer: expected ndim=4, "
                             f"found ndim={input_shape.rank}. Full shape received: {input_shape}")
        axis = -1 if self.data_format == "channels_last" else 1
        channels = None if input_shape.rank is None else input_shape.dims[axis]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        self.kernel = self.add_weight("kernel", shape=list(self.kernel_size) + [channels, self.filters],
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        build_bias(self, self.filters)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        m, a, nn = ops_modules()
        x = inputs
        if self.data_format == "channels_first":
            x = a.transpose(x, [0, 2, 3, 1])
        kwargs = {}
        if self.dilation_rate != (1, 1):
            kwargs["dilations"] = [1, self.dilation_rate[0], self.dilation_rate[1], 1]
        out = nn.conv2d(x, self.kernel, strides=[1, self.strides[0], self.strides[1], 1], padding=self.padding,
                        **kwargs)
        out = bias_and_activation(self, out)
        if self.data_format == "channels_first":
            out = a.transpose(out, [0, 3, 1, 2])
        return activity_loss(self, out)


Convolution2D = Conv2D


def conv2d(inputs: Any, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
           data_format: str = "channels_last", dilation_rate: Any = (1, 1), activation: Any = None,
           use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
           kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
           kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
           name: str | None = None, reuse: Any = None) -> Tensor:
    layer = Conv2D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                   kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                   kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                   activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                   bias_constraint=bias_constraint, trainable=trainable, name=name, _reuse=reuse)
    return layer.apply(inputs)
