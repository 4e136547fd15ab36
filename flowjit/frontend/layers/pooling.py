"""`tf.layers` pooling: MaxPooling1D/2D, AveragePooling1D/2D (aliases MaxPool*, AvgPool*) and
their functional forms. 1-D pools run the 2-D pooling ops on a height-1 image, as TF does.
"""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor
from .base import Layer, int_pair, int_single, normalized_data_format, normalized_padding, ops_modules

__all__ = ["MaxPooling1D", "AveragePooling1D", "MaxPool1D", "AvgPool1D", "max_pooling1d", "average_pooling1d",
           "MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D", "max_pooling2d", "average_pooling2d"]


class _Pooling2D(Layer):
    _pool_fn = ""

    def __init__(self, pool_size: Any, strides: Any, padding: str = "valid", data_format: str = "channels_last",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = int_pair(pool_size, "pool_size")
        self.strides = int_pair(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        _, a, nn = ops_modules()
        x = inputs
        if self.data_format == "channels_first":
            x = a.transpose(x, [0, 2, 3, 1])
        fn = getattr(nn, self._pool_fn)
        out = fn(x, ksize=[1, self.pool_size[0], self.pool_size[1], 1],
                 strides=[1, self.strides[0], self.strides[1], 1], padding=self.padding)
        if self.data_format == "channels_first":
            out = a.transpose(out, [0, 3, 1, 2])
        return out


class MaxPooling2D(_Pooling2D):
    _pool_fn = "max_pool"


class AveragePooling2D(_Pooling2D):
    _pool_fn = "avg_pool"
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


def max_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return MaxPooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)


def average_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return AveragePooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)


class _Pooling1D(Layer):
    _pool_fn = ""

    def __init__(self, pool_size: Any, strides: Any, padding: str = "valid", data_format: str = "channels_last",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = int_single(pool_size, "pool_size")
        self.strides = int_single(strides, "strides")
        self.padding = normalized_padding(padding)
        self.data_format = normalized_data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        _, a, nn = ops_modules()
        if inputs.shape.rank is not None and inputs.shape.rank != 3:
            raise ValueError(f"Input 0 of layer {self._base_name} is incompatible with the layer: expected ndim=3, "
                             f"found ndim={inputs.shape.rank}. Full shape received: {inputs.shape}")
        x = a.transpose(inputs, [0, 2, 1]) if self.data_format == "channels_first" else inputs
        out = getattr(nn, self._pool_fn)(a.expand_dims(x, 1), ksize=[1, 1, self.pool_size, 1],
                                         strides=[1, 1, self.strides, 1], padding=self.padding)
        out = a.squeeze(out, [1])
        return a.transpose(out, [0, 2, 1]) if self.data_format == "channels_first" else out


class MaxPooling1D(_Pooling1D):
    """Max over windows of `pool_size` along the width."""

    _pool_fn = "max_pool"


class AveragePooling1D(_Pooling1D):
    """Mean over windows of `pool_size` along the width (SAME counts only real elements)."""

    _pool_fn = "avg_pool"


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D


def max_pooling1d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:
    """`tf.layers.max_pooling1d`."""
    return MaxPooling1D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)


def average_pooling1d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:
    """`tf.layers.average_pooling1d`."""
    return AveragePooling1D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)
