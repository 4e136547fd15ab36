"""`tf.layers` convolutions: Conv1D, Conv2D, Conv2DTranspose, SeparableConv1D/2D (with their
Convolution* aliases) and the functional forms.

Variable names and shapes follow TF1: `kernel` ([k, in, filters] for Conv1D, [kh, kw, in,
filters] for Conv2D, [kh, kw, filters, in] for Conv2DTranspose), `depthwise_kernel`,
`pointwise_kernel`, `bias`.
"""

from __future__ import annotations

from typing import Any

from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor
from .base import (
    Layer, activity_loss, bias_and_activation, build_bias, int_pair, normalized_data_format,
    normalized_padding, ops_modules, store_kernel_bias_args, int_single
)

__all__ = ["Conv1D", "Convolution1D", "conv1d", "Conv2D", "Convolution2D", "conv2d", "Conv2DTranspose",
           "Convolution2DTranspose", "conv2d_transpose", "SeparableConv1D", "SeparableConvolution1D",
           "separable_conv1d", "SeparableConv2D", "SeparableConvolution2D", "separable_conv2d"]


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


def _check_rank(layer: Layer, input_shape: TensorShape, ndim: int) -> int:
    """The channel count of `input_shape` (rank `ndim`), or a ValueError as TF's InputSpec gives."""
    if input_shape.rank is not None and input_shape.rank != ndim:
        raise ValueError(f"Input 0 of layer {layer._base_name} is incompatible with the layer: expected "
                         f"ndim={ndim}, found ndim={input_shape.rank}. Full shape received: {input_shape}")
    axis = -1 if layer.data_format == "channels_last" else 1
    channels = None if input_shape.rank is None else input_shape.dims[axis]
    if channels is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
    return channels


class Conv1D(Layer):
    """1-D convolution over [batch, width, channels]: kernel [k, in_channels, filters]."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = None, bias_initializer: Any = None,
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.filters = int(filters)
        self.kernel_size = int_single(kernel_size, "kernel_size")
        self.strides = int_single(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)
        self.dilation_rate = int_single(dilation_rate, "dilation_rate")
        store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        channels = _check_rank(self, input_shape, 3)
        self.kernel = self.add_weight("kernel", shape=[self.kernel_size, channels, self.filters],
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        build_bias(self, self.filters)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        _, a, nn = ops_modules()
        x = a.transpose(inputs, [0, 2, 1]) if self.data_format == "channels_first" else inputs
        out = nn.conv1d(x, self.kernel, stride=self.strides, padding=self.padding, dilations=self.dilation_rate)
        out = bias_and_activation(self, out)
        if self.data_format == "channels_first":
            out = a.transpose(out, [0, 2, 1])
        return activity_loss(self, out)


def deconv_length(size: int | None, kernel: int, padding: str, stride: int) -> int | None:
    """TF's conv_utils.deconv_output_length without output_padding or dilation."""
    if size is None:
        return None
    return size * stride + max(kernel - stride, 0) if padding == "VALID" else size * stride


class Conv2DTranspose(Layer):
    """Transposed 2-D convolution: kernel [kh, kw, filters, in_channels] (TF1's layout)."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str = "channels_last", activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.filters = int(filters)
        self.kernel_size = int_pair(kernel_size, "kernel_size")
        self.strides = int_pair(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)
        store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        channels = _check_rank(self, input_shape, 4)
        self.kernel = self.add_weight("kernel", shape=list(self.kernel_size) + [self.filters, channels],
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        build_bias(self, self.filters)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        m, a, nn = ops_modules()
        x = a.transpose(inputs, [0, 2, 3, 1]) if self.data_format == "channels_first" else inputs
        dyn = a.shape(x)
        dims = []
        for i, k, s in ((1, self.kernel_size[0], self.strides[0]), (2, self.kernel_size[1], self.strides[1])):
            static = deconv_length(x.shape.dims[i], k, self.padding, s)
            if static is not None:
                dims.append(static)
            else:
                extra = max(k - s, 0) if self.padding == "VALID" else 0
                dims.append(dyn[i] * s + extra)
        out_shape = a.stack([dyn[0], dims[0], dims[1], self.filters])
        out = nn.conv2d_transpose(x, self.kernel, out_shape, strides=[1, self.strides[0], self.strides[1], 1],
                                  padding=self.padding)
        out.set_shape([x.shape.dims[0]] + [d if isinstance(d, int) else None for d in dims] + [self.filters])
        out = bias_and_activation(self, out)
        if self.data_format == "channels_first":
            out = a.transpose(out, [0, 3, 1, 2])
        return activity_loss(self, out)


class SeparableConv2D(Layer):
    """Depthwise [kh, kw, in, depth_multiplier] then pointwise [1, 1, in * depth_multiplier, filters]."""

    _rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = None,
                 pointwise_initializer: Any = None, bias_initializer: Any = None, depthwise_regularizer: Any = None,
                 pointwise_regularizer: Any = None, bias_regularizer: Any = None, activity_regularizer: Any = None,
                 depthwise_constraint: Any = None, pointwise_constraint: Any = None, bias_constraint: Any = None,
                 trainable: bool = True, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        norm = int_pair if self._rank == 2 else (lambda v, n: (1, int_single(v, n)))
        self.filters = int(filters)
        self.kernel_size = norm(kernel_size, "kernel_size")
        self.strides = norm(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)
        self.dilation_rate = norm(dilation_rate, "dilation_rate")
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer, self.pointwise_initializer = depthwise_initializer, pointwise_initializer
        self.depthwise_regularizer, self.pointwise_regularizer = depthwise_regularizer, pointwise_regularizer
        self.depthwise_constraint, self.pointwise_constraint = depthwise_constraint, pointwise_constraint
        store_kernel_bias_args(self, activation, use_bias, None, bias_initializer, None, bias_regularizer, None,
                               bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        channels = _check_rank(self, input_shape, self._rank + 2)
        k = list(self.kernel_size) if self._rank == 2 else [self.kernel_size[1]]
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=k + [channels, self.depth_multiplier], initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", shape=[1] * self._rank + [channels * self.depth_multiplier, self.filters],
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        build_bias(self, self.filters)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        _, a, nn = ops_modules()
        first = self.data_format == "channels_first"
        x = inputs
        if self._rank == 1:
            x = a.transpose(x, [0, 2, 1]) if first else x
            x = a.expand_dims(x, 1)
            dw, pw = a.expand_dims(self.depthwise_kernel, 0), a.expand_dims(self.pointwise_kernel, 0)
        else:
            x = a.transpose(x, [0, 2, 3, 1]) if first else x
            dw, pw = self.depthwise_kernel, self.pointwise_kernel
        kwargs = {"rate": list(self.dilation_rate)} if self.dilation_rate != (1, 1) else {}
        out = nn.separable_conv2d(x, dw, pw, strides=[1, self.strides[0], self.strides[1], 1], padding=self.padding,
                                  **kwargs)
        out = bias_and_activation(self, out)
        if self._rank == 1:
            out = a.squeeze(out, [1])
            out = a.transpose(out, [0, 2, 1]) if first else out
        elif first:
            out = a.transpose(out, [0, 3, 1, 2])
        return activity_loss(self, out)


class SeparableConv1D(SeparableConv2D):
    """Separable 1-D convolution: depthwise [k, in, depth_multiplier], pointwise [1, in * dm, filters]."""

    _rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, depth_multiplier: int = 1,
                 **kwargs: Any) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, **kwargs)


Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D


def conv1d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
           data_format: str = "channels_last", dilation_rate: Any = 1, activation: Any = None, use_bias: bool = True,
           kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
           bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
           bias_constraint: Any = None, trainable: bool = True, name: str | None = None, reuse: Any = None) -> Tensor:
    """`tf.layers.conv1d`."""
    return Conv1D(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                  dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                  bias_constraint=bias_constraint, trainable=trainable, name=name, _reuse=reuse).apply(inputs)


def conv2d_transpose(inputs: Any, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                     data_format: str = "channels_last", activation: Any = None, use_bias: bool = True,
                     kernel_initializer: Any = None, bias_initializer: Any = None, kernel_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None, kernel_constraint: Any = None,
                     bias_constraint: Any = None, trainable: bool = True, name: str | None = None,
                     reuse: Any = None) -> Tensor:
    """`tf.layers.conv2d_transpose`."""
    return Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                           activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                           bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                           bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                           name=name, _reuse=reuse).apply(inputs)


def _separable(cls: type, inputs: Any, filters: int, kernel_size: Any, strides: Any, padding: str, data_format: str,
               dilation_rate: Any, depth_multiplier: int, reuse: Any, **kw: Any) -> Tensor:
    return cls(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
               dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, _reuse=reuse, **kw).apply(inputs)


def separable_conv2d(inputs: Any, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                     activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = None,
                     pointwise_initializer: Any = None, bias_initializer: Any = None,
                     depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None, depthwise_constraint: Any = None,
                     pointwise_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                     name: str | None = None, reuse: Any = None) -> Tensor:
    """`tf.layers.separable_conv2d`."""
    return _separable(SeparableConv2D, inputs, filters, kernel_size, strides, padding, data_format, dilation_rate,
                      depth_multiplier, reuse, activation=activation, use_bias=use_bias,
                      depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
                      bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                      pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                      activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                      pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
                      trainable=trainable, name=name)


def separable_conv1d(inputs: Any, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                     data_format: str = "channels_last", dilation_rate: Any = 1, depth_multiplier: int = 1,
                     activation: Any = None, use_bias: bool = True, depthwise_initializer: Any = None,
                     pointwise_initializer: Any = None, bias_initializer: Any = None,
                     depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                     bias_regularizer: Any = None, activity_regularizer: Any = None, depthwise_constraint: Any = None,
                     pointwise_constraint: Any = None, bias_constraint: Any = None, trainable: bool = True,
                     name: str | None = None, reuse: Any = None) -> Tensor:
    """`tf.layers.separable_conv1d`."""
    return _separable(SeparableConv1D, inputs, filters, kernel_size, strides, padding, data_format, dilation_rate,
                      depth_multiplier, reuse, activation=activation, use_bias=use_bias,
                      depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
                      bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                      pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                      activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
                      pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint,
                      trainable=trainable, name=name)
