"""`tf.layers` pooling: MaxPooling2D, AveragePooling2D (aliases MaxPool2D, AvgPool2D) and their
functional forms.
"""

from __future__ import annotations

from typing import Any

from ..framework.tensor import Tensor
from .base import Layer, normalized_data_format, ops_modules, normalized_padding, int_pair

__all__ = ["MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D", "max_pooling2d", "average_pooling2d"]


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
