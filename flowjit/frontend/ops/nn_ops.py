"""`tf.nn`: activations, convolution, pooling, normalization, losses, embeddings.

Signatures, defaults and old keyword spellings follow TF 1.15 (`dim=`, `keep_dims=`,
`keep_prob=`, `_sentinel`). Ops that TF implements as one kernel are one node here
(`Relu`, `Conv2D`, `SoftmaxCrossEntropyWithLogits`, ...); what TF composes in Python
(`dropout`, `moments`, `batch_normalization`, `sigmoid_cross_entropy_with_logits`,
`l2_normalize`) is composed here the same way, from math and array ops, so its gradient
and its fusion come for free.

Image ops are NHWC only; `data_format="NCHW"` is refused with an error naming the node.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import as_dtype
from ...ir.registry import static_value
from . import array_ops, math_ops
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor import Tensor, constant, convert_to_tensor

__all__ = [
    # activations
    "relu", "relu6", "crelu", "elu", "selu", "leaky_relu", "softplus", "softsign", "swish", "sigmoid", "tanh",
    "softmax", "log_softmax", "bias_add", "xw_plus_b", "relu_layer",
    # convolution and pooling
    "conv1d", "conv2d", "conv2d_transpose", "conv2d_backprop_input", "conv2d_backprop_filter", "atrous_conv2d",
    "convolution", "depthwise_conv2d", "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
    "depthwise_conv2d_native_backprop_filter", "separable_conv2d", "max_pool", "avg_pool", "pool",
    "max_pool2d", "avg_pool2d", "max_pool_v2", "avg_pool_v2", "max_pool_with_argmax",
    # normalization and regularization
    "dropout", "moments", "batch_normalization", "fused_batch_norm", "l2_normalize", "l2_loss", "zero_fraction",
    "local_response_normalization", "lrn", "sufficient_statistics", "normalize_moments", "weighted_moments",
    # losses
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits", "log_poisson_loss",
    # lookup and ranking
    "embedding_lookup", "top_k", "in_top_k",
]


def _op(op_type: str, inputs: Sequence[Any], attrs: dict | None = None, name: str | None = None) -> Tensor:
    return get_default_graph().create_op(op_type, list(inputs), attrs or {}, name=name).outputs[0]


def _ops(op_type: str, inputs: Sequence[Any], attrs: dict | None = None, name: str | None = None) -> list[Tensor]:
    return get_default_graph().create_op(op_type, list(inputs), attrs or {}, name=name).outputs


def _tensor(x: Any, name: str | None = None, dtype: Any = None) -> Tensor:
    return convert_to_tensor(x, dtype=dtype, name=name or "Const") if dtype is not None else convert_to_tensor(
        x, name=name)


def _like(y: Any, x: Tensor) -> Tensor:
    """A second operand in x's dtype: Python values become x.dtype, tensors must match."""
    return convert_to_tensor(y, dtype_hint=x.dtype)


def _lookup(new_name: str, new_value: Any, old_name: str, old_value: Any) -> Any:
    """TF's deprecated_argument_lookup: at most one of two spellings may be given."""
    if old_value is not None:
        if new_value is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'")
        return old_value
    return new_value


def shape_tensor(x: Tensor) -> Tensor:
    """x's shape as an int32 tensor: a constant when static, a Shape op otherwise."""
    if x.shape.is_fully_defined():
        return constant(np.array(x.shape.as_list(), dtype=np.int32), name="Shape")
    return array_ops.shape(x)


# --- activations --------------------------------------------------------------------

def relu(features: Any, name: str | None = None) -> Tensor:
    return _op("Relu", [_tensor(features)], name=name or "Relu")


def relu6(features: Any, name: str | None = None) -> Tensor:
    return _op("Relu6", [_tensor(features)], name=name or "Relu6")


def elu(features: Any, name: str | None = None) -> Tensor:
    return _op("Elu", [_tensor(features)], name=name or "Elu")


def selu(features: Any, name: str | None = None) -> Tensor:
    return _op("Selu", [_tensor(features)], name=name or "Selu")


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    features = _tensor(features)
    if features.dtype.is_integer:
        features = math_ops.cast(features, dtypes.float32)
    if isinstance(alpha, Tensor):
        with name_scope(name, "LeakyRelu"):
            return math_ops.maximum(alpha * features, features)
    # TF's `alpha` attr is a 32-bit float: float64 features see float32(0.2), not 0.2
    return _op("LeakyRelu", [features], {"alpha": float(np.float32(alpha))}, name=name or "LeakyRelu")


def softplus(features: Any, name: str | None = None) -> Tensor:
    return _op("Softplus", [_tensor(features)], name=name or "Softplus")


def softsign(features: Any, name: str | None = None) -> Tensor:
    return _op("Softsign", [_tensor(features)], name=name or "Softsign")


def crelu(features: Any, name: str | None = None, axis: int = -1) -> Tensor:
    """Concatenated ReLU: concat([relu(x), relu(-x)], axis)."""
    with name_scope(name, "CRelu") as scope:  # as in TF: the concat is CRelu, the result CRelu/Relu
        features = _tensor(features)
        c = array_ops.concat([features, math_ops.negative(features)], axis, name=scope)
        return relu(c)


def swish(features: Any, name: str | None = None) -> Tensor:
    """x * sigmoid(x)."""
    with name_scope(name, "swish") as scope:
        features = _tensor(features)
        return math_ops.multiply(features, math_ops.sigmoid(features), name=scope)


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    return math_ops.sigmoid(x, name=name)


def tanh(x: Any, name: str | None = None) -> Tensor:
    return math_ops.tanh(x, name=name)


def _swap_to_last(x: Tensor, axis: int) -> tuple[Tensor, list[int] | None]:
    """Transpose `axis` to the end (for ops that work on the last axis); returns the perm."""
    rank = x.shape.rank
    if rank is None:
        if axis == -1:
            return x, None
        raise ValueError(f"axis {axis} needs a tensor of known rank, got {x!r}")
    if not -rank <= axis < rank:
        raise ValueError(f"axis {axis} is out of range for a tensor of rank {rank}")
    axis %= rank
    if axis == rank - 1:
        return x, None
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return array_ops.transpose(x, perm), perm


def _softmax(op_type: str, logits: Any, axis: Any, name: str | None) -> Tensor:
    logits = _tensor(logits)
    axis = -1 if axis is None else int(axis)
    moved, perm = _swap_to_last(logits, axis)
    if perm is None:
        return _op(op_type, [logits], name=name or op_type)
    out = _op(op_type, [moved])
    return array_ops.transpose(out, perm, name=name)


def softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Tensor:
    """exp(logits) / sum(exp(logits), axis); `dim` is the old spelling of `axis`."""
    return _softmax("Softmax", logits, _lookup("axis", axis, "dim", dim), name)


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None, dim: int | None = None) -> Tensor:
    return _softmax("LogSoftmax", logits, _lookup("axis", axis, "dim", dim), name)


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None) -> Tensor:
    """value + bias, bias 1-D along the channel axis (last for NHWC, axis 1 for NCHW)."""
    with name_scope(name, "BiasAdd") as scope:
        value = _tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype_hint=value.dtype, name="bias")
        fmt = data_format or "NHWC"
        if fmt.startswith("NC"):
            fmt = "NCHW"
        elif fmt.startswith("N") and fmt.endswith("C"):
            fmt = "NHWC"
        return _op("BiasAdd", [value, bias], {"data_format": fmt}, name=scope)


def xw_plus_b(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """matmul(x, weights) + biases."""
    with name_scope(name, "xw_plus_b") as scope:
        mm = math_ops.matmul(x, weights)
        return bias_add(mm, biases, name=scope)


def relu_layer(x: Any, weights: Any, biases: Any, name: str | None = None) -> Tensor:
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer") as scope:
        xw_b = bias_add(math_ops.matmul(x, weights), biases)
        return relu(xw_b, name=scope)


# --- convolution --------------------------------------------------------------------

def _get_sequence(value: Any, n: int, channel_index: int, what: str) -> list[int]:
    """TF's _get_sequence: an int, or n ints, or n+2 ints -> [1, ..., 1] of length n+2."""
    if value is None:
        value = 1
    if isinstance(value, (int, np.integer)):
        value = [int(value)]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    if len(value) != n:
        raise ValueError(f"{what} should be of length 1, {n} or {n + 2} but was {len(value)}")
    return [1] + value + [1] if channel_index != 1 else [1, 1] + value


def _convert_padding(padding: Any) -> tuple[str, list[int]]:
    """'SAME'/'VALID', or explicit [[before, after]] * 4 -> ('EXPLICIT', flat list)."""
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        padding = padding.upper()
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or a list of paddings, got {padding!r}")
        return padding, []
    if isinstance(padding, (list, tuple)):
        pairs = [list(p) for p in padding]
        if len(pairs) != 4 or any(len(p) != 2 for p in pairs):
            raise ValueError(f"explicit padding must be a list of 4 [before, after] pairs, got {padding}")
        return "EXPLICIT", [int(v) for p in pairs for v in p]
    raise ValueError(f"padding must be 'SAME', 'VALID' or a list of paddings, got {padding!r}")


def _conv_attrs(strides: Any, padding: Any, data_format: str | None, dilations: Any) -> dict:
    fmt = data_format or "NHWC"
    channel_index = 1 if fmt.startswith("NC") else 3
    pad, explicit = _convert_padding(padding)
    return {"strides": _get_sequence(strides, 2, channel_index, "strides"), "padding": pad,
            "explicit_paddings": explicit, "dilations": _get_sequence(dilations, 2, channel_index, "dilations"),
            "data_format": fmt, "use_cudnn_on_gpu": True}


def conv2d(input: Any, filter: Any = None, strides: Any = None, padding: Any = None,  # noqa: A002
           use_cudnn_on_gpu: bool = True, data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1),
           name: str | None = None, filters: Any = None) -> Tensor:
    """2-D cross-correlation: input [N, H, W, C], filter [KH, KW, C, O] -> [N, OH, OW, O]."""
    filter = _lookup("filters", filters, "filter", filter)
    if strides is None or padding is None or filter is None:
        raise TypeError("conv2d() needs input, filter, strides and padding")
    x = _tensor(input)
    f = convert_to_tensor(filter, dtype_hint=x.dtype)
    return _op("Conv2D", [x, f], _conv_attrs(strides, padding, data_format, dilations), name=name or "Conv2D")


def conv2d_backprop_input(input_sizes: Any, filter: Any = None, out_backprop: Any = None,  # noqa: A002
                          strides: Any = None, padding: Any = None, use_cudnn_on_gpu: bool = True,
                          data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1), name: str | None = None,
                          filters: Any = None) -> Tensor:
    filter = _lookup("filters", filters, "filter", filter)
    dy = _tensor(out_backprop)
    f = convert_to_tensor(filter, dtype_hint=dy.dtype)
    sizes = convert_to_tensor(input_sizes, dtype_hint=dtypes.int32)
    return _op("Conv2DBackpropInput", [sizes, f, dy], _conv_attrs(strides, padding, data_format, dilations),
               name=name or "Conv2DBackpropInput")


def conv2d_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any, strides: Any,  # noqa: A002
                           padding: Any, use_cudnn_on_gpu: bool = True, data_format: str = "NHWC",
                           dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Tensor:
    x = _tensor(input)
    dy = convert_to_tensor(out_backprop, dtype_hint=x.dtype)
    sizes = convert_to_tensor(filter_sizes, dtype_hint=dtypes.int32)
    return _op("Conv2DBackpropFilter", [x, sizes, dy], _conv_attrs(strides, padding, data_format, dilations),
               name=name or "Conv2DBackpropFilter")


def _int_shape_tensor(shape: Any) -> Tensor:
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        return array_ops.stack([convert_to_tensor(d, dtype_hint=dtypes.int32) for d in shape])
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return convert_to_tensor(shape, dtype_hint=dtypes.int32)


def conv2d_transpose(value: Any = None, filter: Any = None, output_shape: Any = None,  # noqa: A002
                     strides: Any = None, padding: str = "SAME", data_format: str = "NHWC",
                     name: str | None = None, input: Any = None, filters: Any = None,  # noqa: A002
                     dilations: Any = None) -> Tensor:
    """The gradient of conv2d w.r.t. its input: value [N, H, W, in], filter [KH, KW, out, in]."""
    value = _lookup("input", input, "value", value)
    filter = _lookup("filters", filters, "filter", filter)
    with name_scope(name, "conv2d_transpose") as scope:
        value = _tensor(value, name="value")
        f = convert_to_tensor(filter, dtype_hint=value.dtype, name="filter")
        out_shape = _int_shape_tensor(output_shape)
        known = static_value(out_shape.value)
        if known is not None and f.shape.rank == 4 and f.shape.dims[2] is not None:
            channels = int(np.asarray(known).reshape(-1)[-1])
            if channels != f.shape.dims[2]:
                raise ValueError(f"output_shape does not match filter's output channels, {channels} != "
                                 f"{f.shape.dims[2]}")
        return _op("Conv2DBackpropInput", [out_shape, f, value],
                   _conv_attrs(strides, padding, data_format, dilations), name=scope)


def atrous_conv2d(value: Any, filters: Any, rate: int, padding: str, name: str | None = None) -> Tensor:
    """Dilated convolution with stride 1 and dilation `rate`."""
    if rate < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return conv2d(value, filters, strides=[1, 1, 1, 1], padding=padding, dilations=[1, rate, rate, 1],
                  name=name or "convolution")


def conv1d(value: Any = None, filters: Any = None, stride: Any = None, padding: Any = None,
           use_cudnn_on_gpu: Any = None, data_format: str | None = None, name: str | None = None,
           input: Any = None, dilations: Any = None) -> Tensor:  # noqa: A002
    """1-D convolution of [N, W, C] with [K, C, O], through conv2d on a height-1 image."""
    value = _lookup("input", input, "value", value)
    if data_format not in (None, "NWC", "NHWC"):
        raise ValueError(f"conv1d supports only data_format='NWC' on flowjit, got {data_format!r}")
    with name_scope(name, "conv1d"):
        value = _tensor(value)
        filters = convert_to_tensor(filters, dtype_hint=value.dtype)
        x = array_ops.expand_dims(value, 1)
        f = array_ops.expand_dims(filters, 0)
        stride_w = _get_sequence(stride, 1, 2, "stride")[1]
        dil_w = _get_sequence(dilations, 1, 2, "dilations")[1]
        pad = padding
        if isinstance(padding, (list, tuple)):
            pairs = [list(p) for p in padding]
            pad = [pairs[0], [0, 0], pairs[1], pairs[2]]
        y = conv2d(x, f, strides=[1, 1, stride_w, 1], padding=pad, dilations=[1, 1, dil_w, 1])
        return array_ops.squeeze(y, [1])  # conv1d/Squeeze, as in TF


def convolution(input: Any, filter: Any = None, padding: Any = None, strides: Any = None,  # noqa: A002
                dilation_rate: Any = None, name: str | None = None, data_format: str | None = None,
                filters: Any = None, dilations: Any = None) -> Tensor:
    """N-D convolution for N = 1 or 2 (inputs of rank 3 or 4), channels last."""
    filter = _lookup("filters", filters, "filter", filter)
    dilation_rate = _lookup("dilations", dilations, "dilation_rate", dilation_rate)
    x = _tensor(input)
    rank = x.shape.rank
    if rank == 3:
        return conv1d(x, filter, stride=strides or 1, padding=padding, data_format=data_format,
                      dilations=dilation_rate, name=name or "convolution")
    if rank == 4:
        return conv2d(x, filter, strides=strides or 1, padding=padding, data_format=data_format,
                      dilations=dilation_rate, name=name or "convolution")
    raise ValueError(f"convolution supports inputs of rank 3 or 4 on flowjit, got shape {x.shape}")


def depthwise_conv2d_native(input: Any, filter: Any, strides: Any, padding: Any,  # noqa: A002
                            data_format: str = "NHWC", dilations: Any = (1, 1, 1, 1),
                            name: str | None = None) -> Tensor:
    x = _tensor(input)
    f = convert_to_tensor(filter, dtype_hint=x.dtype)
    return _op("DepthwiseConv2dNative", [x, f], _conv_attrs(strides, padding, data_format, dilations),
               name=name or "DepthwiseConv2dNative")


def depthwise_conv2d_native_backprop_input(input_sizes: Any, filter: Any, out_backprop: Any,  # noqa: A002
                                           strides: Any, padding: Any, data_format: str = "NHWC",
                                           dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Tensor:
    dy = _tensor(out_backprop)
    return _op("DepthwiseConv2dNativeBackpropInput",
               [convert_to_tensor(input_sizes, dtype_hint=dtypes.int32), _like(filter, dy), dy],
               _conv_attrs(strides, padding, data_format, dilations), name=name or "DepthwiseConv2dNativeBackpropInput")


def depthwise_conv2d_native_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any,  # noqa: A002
                                            strides: Any, padding: Any, data_format: str = "NHWC",
                                            dilations: Any = (1, 1, 1, 1), name: str | None = None) -> Tensor:
    x = _tensor(input)
    return _op("DepthwiseConv2dNativeBackpropFilter",
               [x, convert_to_tensor(filter_sizes, dtype_hint=dtypes.int32), _like(out_backprop, x)],
               _conv_attrs(strides, padding, data_format, dilations),
               name=name or "DepthwiseConv2dNativeBackpropFilter")


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any, rate: Any = None,  # noqa: A002
                     name: str | None = None, data_format: str | None = None, dilations: Any = None) -> Tensor:
    """Per-channel convolution: filter [KH, KW, C, multiplier] -> C * multiplier channels."""
    rate = _lookup("dilations", dilations, "rate", rate)
    dil = [1, 1, 1, 1] if rate is None else _get_sequence(rate, 2, 3, "rate")
    with name_scope(name, "depthwise") as scope:
        return depthwise_conv2d_native(input, filter, strides, padding, data_format=data_format or "NHWC",
                                       dilations=dil, name=scope)


def separable_conv2d(input: Any, depthwise_filter: Any, pointwise_filter: Any, strides: Any,  # noqa: A002
                     padding: Any, rate: Any = None, name: str | None = None, data_format: str | None = None,
                     dilations: Any = None) -> Tensor:
    """depthwise_conv2d followed by a 1x1 conv2d with pointwise_filter."""
    with name_scope(name, "separable_conv2d") as scope:
        depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, rate=rate, dilations=dilations,
                                     data_format=data_format, name="depthwise")
        return conv2d(depthwise, pointwise_filter, [1, 1, 1, 1], padding="VALID", data_format=data_format or "NHWC",
                      name=scope)


# --- pooling ------------------------------------------------------------------------

def _pool_attrs(ksize: Any, strides: Any, padding: Any, data_format: str | None) -> dict:
    fmt = data_format or "NHWC"
    channel_index = 1 if fmt.startswith("NC") else 3
    if isinstance(padding, bytes):
        padding = padding.decode()
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"pooling padding must be 'SAME' or 'VALID', got {padding!r}")
    return {"ksize": _get_sequence(ksize, 2, channel_index, "ksize"),
            "strides": _get_sequence(strides, 2, channel_index, "strides"), "padding": padding.upper(),
            "data_format": fmt}


def max_pool(value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Tensor:  # noqa: A002
    value = _lookup("input", input, "value", value)
    return _op("MaxPool", [_tensor(value)], _pool_attrs(ksize, strides, padding, data_format), name=name or "MaxPool")


def avg_pool(value: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",
             name: str | None = None, input: Any = None) -> Tensor:  # noqa: A002
    """Mean over each window; with SAME padding only real elements are counted, as TF."""
    value = _lookup("input", input, "value", value)
    return _op("AvgPool", [_tensor(value)], _pool_attrs(ksize, strides, padding, data_format), name=name or "AvgPool")


def max_pool_v2(input: Any, ksize: Any, strides: Any, padding: str, data_format: str | None = None,  # noqa: A002
                name: str | None = None) -> Tensor:
    return max_pool(input, ksize, strides, padding, data_format=data_format or "NHWC", name=name)


def avg_pool_v2(input: Any, ksize: Any, strides: Any, padding: str, data_format: str | None = None,  # noqa: A002
                name: str | None = None) -> Tensor:
    return avg_pool(input, ksize, strides, padding, data_format=data_format or "NHWC", name=name)


max_pool2d = max_pool_v2
avg_pool2d = avg_pool_v2


def max_pool_with_argmax(input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC",  # noqa: A002
                         Targmax: Any = None, name: str | None = None, output_dtype: Any = None,  # noqa: N803
                         include_batch_in_index: bool = False) -> tuple[Tensor, Tensor]:
    """(max_pool output, flat index of each maximum: (y * width + x) * channels + c)."""
    targmax = _lookup("output_dtype", output_dtype, "Targmax", Targmax)
    attrs = _pool_attrs(ksize, strides, padding, data_format)
    attrs["Targmax"] = as_dtype(targmax or dtypes.int64)
    attrs["include_batch_in_index"] = bool(include_batch_in_index)
    outs = _ops("MaxPoolWithArgmax", [_tensor(input)], attrs, name=name or "MaxPoolWithArgmax")
    return outs[0], outs[1]


def pool(input: Any, window_shape: Any, pooling_type: str, padding: str, dilation_rate: Any = None,  # noqa: A002
         strides: Any = None, name: str | None = None, data_format: str | None = None,
         dilations: Any = None) -> Tensor:
    """2-D MAX or AVG pooling (dilation 1) through max_pool / avg_pool."""
    dilation_rate = _lookup("dilations", dilations, "dilation_rate", dilation_rate)
    if dilation_rate is not None and any(int(d) != 1 for d in np.reshape(dilation_rate, -1)):
        raise ValueError("pool with dilation_rate != 1 is not supported by flowjit")
    if len(window_shape) != 2:
        raise ValueError(f"pool supports 2-D windows on flowjit, got window_shape {window_shape}")
    fn = {"MAX": max_pool, "AVG": avg_pool}.get(pooling_type.upper())
    if fn is None:
        raise ValueError(f"pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    return fn(input, list(window_shape), strides if strides is not None else [1, 1], padding,
              data_format=data_format or "NHWC", name=name)


# --- normalization and regularization -------------------------------------------------

def _get_noise_shape(x: Tensor, noise_shape: Any) -> Any:
    if noise_shape is None:
        return shape_tensor(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    dims = list(noise_shape.as_list() if hasattr(noise_shape, "as_list") else noise_shape)
    if x.shape.rank is not None and len(dims) == x.shape.rank:
        dims = [x.shape.dims[i] if d is None else d for i, d in enumerate(dims)]
    if any(d is None for d in dims):
        full = array_ops.shape(x)
        dims = [full[i] if d is None else d for i, d in enumerate(dims)]
    return dims


def dropout(x: Any, keep_prob: Any = None, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None, rate: Any = None) -> Tensor:
    """Keep each element with probability keep_prob (= 1 - rate), scaling kept ones by 1/keep_prob."""
    from . import random_ops

    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'keep_prob' and 'rate'")
    if keep_prob is None and rate is None:
        raise ValueError("dropout needs keep_prob or rate")
    with name_scope(name, "dropout") as scope:
        x = _tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be scaled. Got a "
                             f"{x.dtype.name} tensor instead.")
        if keep_prob is not None:
            if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
                raise ValueError(f"keep_prob must be a scalar tensor or a float in the range (0, 1], got {keep_prob}")
            rate = 1 - keep_prob if isinstance(keep_prob, numbers.Real) else math_ops.subtract(
                _like(1, _tensor(keep_prob)), keep_prob)
        if isinstance(rate, numbers.Real):
            if not 0 <= rate < 1:
                raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate:g}")
            if rate == 0:
                return x
            scale: Any = constant(1.0 / (1.0 - rate), dtype=x.dtype, name="scale")
            rate_t: Any = constant(rate, dtype=x.dtype, name="rate")
        else:
            rate_t = convert_to_tensor(rate, dtype=x.dtype, name="rate")
            if rate_t.shape.rank not in (None, 0):
                raise ValueError(f"rate must be a scalar tensor, got shape {rate_t.shape}")
            scale = math_ops.truediv(_like(1, rate_t), math_ops.subtract(_like(1, rate_t), rate_t))
        random_tensor = random_ops.random_uniform(_get_noise_shape(x, noise_shape), seed=seed, dtype=x.dtype)
        keep_mask = math_ops.cast(math_ops.greater_equal(random_tensor, rate_t), x.dtype)
        ret = math_ops.multiply(math_ops.multiply(x, scale), keep_mask, name=scope)
        ret.set_shape(x.shape)
        return ret


def _axes_list(axes: Any) -> Any:
    if isinstance(axes, Tensor):
        return axes
    if isinstance(axes, (int, np.integer)):
        return [int(axes)]
    return [int(a) for a in axes]


def moments(x: Any, axes: Any, shift: Any = None, name: str | None = None, keep_dims: bool | None = None,
            keepdims: bool | None = None) -> tuple[Tensor, Tensor]:
    """Mean and variance of x over `axes` (float16 is reduced in float32)."""
    keep = _lookup("keepdims", keepdims, "keep_dims", keep_dims)
    keep = bool(keep) if keep is not None else False
    with name_scope(name, "moments"):
        x = _tensor(x)
        y = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        axes = _axes_list(axes)
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
                                        keepdims=True, name="variance")
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype == dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keep_dims: bool | None = None,
                          name: str | None = None, keepdims: bool | None = None) -> tuple:
    """(count, sum(x - shift), sum((x - shift)**2), shift) over `axes` (x of static shape there)."""
    keep = bool(_lookup("keepdims", keepdims, "keep_dims", keep_dims))
    with name_scope(name, "sufficient_statistics"):
        x = _tensor(x, name="x")
        axes = _axes_list(axes)
        dims = x.shape.dims
        if dims is None or any(dims[a] is None for a in axes):
            sizes = math_ops.cast(array_ops.gather(array_ops.shape(x), axes), x.dtype)
            counts = math_ops.reduce_prod(sizes, name="count")
        else:
            counts = constant(float(np.prod([dims[a] for a in axes])), dtype=x.dtype, name="count")
        if shift is not None:
            shift = _like(shift, x)
            m_ss = math_ops.subtract(x, shift)
            v_ss = math_ops.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
        return counts, m_ss, v_ss, shift


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any, name: str | None = None) -> tuple:
    """Mean and variance from sufficient statistics."""
    with name_scope(name, "normalize"):
        mean_ss = _tensor(mean_ss)
        divisor = math_ops.reciprocal(_like(counts, mean_ss), name="divisor")
        shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
        mean = shifted_mean if shift is None else math_ops.add(shifted_mean, _like(shift, mean_ss), name="mean")
        variance = math_ops.subtract(math_ops.multiply(_like(variance_ss, mean_ss), divisor),
                                     math_ops.square(shifted_mean), name="variance")
        return mean, variance


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, name: str | None = None,
                     keep_dims: bool | None = None, keepdims: bool | None = None) -> tuple:
    """Frequency-weighted mean and variance of x over `axes`."""
    keep = bool(_lookup("keepdims", keepdims, "keep_dims", keep_dims))
    with name_scope(name, "weighted_moments"):
        x = _tensor(x)
        w = _like(frequency_weights, x)
        axes = _axes_list(axes)
        weighted_sum = math_ops.reduce_sum(math_ops.multiply(w, x), axes, keepdims=True)
        sum_w = math_ops.reduce_sum(math_ops.add(w, array_ops.zeros_like(x)), axes, keepdims=True)
        divisor = math_ops.reciprocal(sum_w)
        mean = math_ops.multiply(weighted_sum, divisor)
        variance = math_ops.multiply(
            math_ops.reduce_sum(math_ops.multiply(w, math_ops.squared_difference(x, mean)), axes, keepdims=True),
            divisor)
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        return mean, variance


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: float,
                        name: str | None = None) -> Tensor:
    """(x - mean) * scale / sqrt(variance + epsilon) + offset (offset, scale may be None).

    Built as TF1 builds it, so the nodes are named as there: batchnorm/add, Rsqrt, mul,
    mul_1, mul_2, sub and the result batchnorm/add_1."""
    with name_scope(name, "batchnorm"):
        x = _tensor(x)
        inv = math_ops.rsqrt(_like(variance, x) + _like(variance_epsilon, x))
        if scale is not None:
            inv = inv * _like(scale, x)
        scaled = x * inv
        shift = -_like(mean, x) * inv if offset is None else _like(offset, x) - _like(mean, x) * inv
        return scaled + shift


def fused_batch_norm(x: Any, scale: Any, offset: Any, mean: Any = None, variance: Any = None,
                     epsilon: float = 0.001, data_format: str = "NHWC", is_training: bool = True,
                     name: str | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """Batch norm of a 4-D NHWC tensor: (y, batch_mean, batch_variance).

    In training the returned variance is the unbiased (n / (n - 1)) one, for moving averages,
    while y is normalized with the biased one, as TF's fused kernel does.
    """
    if data_format != "NHWC":
        raise ValueError(f"fused_batch_norm supports only data_format='NHWC' on flowjit, got {data_format!r}")
    with name_scope(name, "FusedBatchNorm") as scope:
        x = _tensor(x, name="input")
        x32 = math_ops.cast(x, dtypes.float32) if x.dtype == dtypes.float16 else x
        epsilon = max(float(epsilon), 1.001e-5)
        if is_training:
            if mean is not None or variance is not None:
                raise ValueError("Both 'mean' and 'variance' must be None when is_training is True")
            batch_mean, batch_var = moments(x32, [0, 1, 2])
            n = x32.shape.num_elements() // x32.shape.dims[-1] if x32.shape.is_fully_defined() else None
            if n is not None:
                factor = constant(n / max(n - 1, 1), dtype=x32.dtype)
            else:
                s = math_ops.cast(array_ops.shape(x32), x32.dtype)
                cnt = s[0] * s[1] * s[2]
                factor = math_ops.truediv(cnt, math_ops.maximum(cnt - 1, _like(1, cnt)))
            out_var = math_ops.multiply(batch_var, factor)
        else:
            if mean is None or variance is None:
                raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False.")
            batch_mean, batch_var = _like(mean, x32), _like(variance, x32)
            out_var = batch_var
        y = batch_normalization(x32, batch_mean, batch_var, offset, scale, epsilon)
        if x.dtype == dtypes.float16:
            y = math_ops.cast(y, dtypes.float16)
        y = array_ops.identity(y, name=scope)
        return y, batch_mean, out_var


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0,  # noqa: A002
                                 beta: float = 0.5, name: str | None = None) -> Tensor:
    """x / (bias + alpha * sum(x**2 over channels c - r .. c + r)) ** beta, on NHWC input."""
    return _op("LRN", [_tensor(input)], {"depth_radius": int(depth_radius), "bias": float(bias),
                                          "alpha": float(alpha), "beta": float(beta)}, name=name or "LRN")


lrn = local_response_normalization


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None,
                 dim: Any = None) -> Tensor:
    """x / sqrt(max(sum(x**2, axis), epsilon))."""
    axis = _lookup("axis", axis, "dim", dim)
    with name_scope(name, "l2_normalize") as scope:
        x = _tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, _like(epsilon, square_sum)))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """sum(t ** 2) / 2."""
    return _op("L2Loss", [_tensor(t)], name=name or "L2Loss")


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """The fraction of zeros in value, as a float32 scalar."""
    with name_scope(name, "zero_fraction"):
        value = _tensor(value, name="value")
        zero = constant(0, dtype=value.dtype, name="zero")
        return math_ops.reduce_mean(math_ops.cast(math_ops.equal(value, zero), dtypes.float32), name="fraction")


# --- losses -------------------------------------------------------------------------

def _ensure_xent_args(fn: str, sentinel: Any, labels: Any, logits: Any) -> None:
    if sentinel is not None:
        raise ValueError(f"Only call `{fn}` with named arguments (labels=..., logits=..., ...)")
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")


def _flatten_outer(x: Tensor) -> Tensor:
    """[d0, ..., dn-1, C] -> [d0 * ... * dn-1, C]."""
    c = x.shape.dims[-1] if x.shape.rank else None
    if c is None:
        c = array_ops.shape(x)[-1]
        return array_ops.reshape(x, array_ops.stack([-1, c]))
    return array_ops.reshape(x, [-1, c])


def _outer_shape(x: Tensor) -> Any:
    if x.shape.rank is not None and all(d is not None for d in x.shape.dims[:-1]):
        return list(x.shape.dims[:-1])
    return array_ops.shape(x)[:-1]


def _softmax_xent(labels: Tensor, logits: Tensor, axis: int, scope: str) -> Tensor:
    """The loss of SoftmaxCrossEntropyWithLogits for any rank and axis; the last op is named `scope`."""
    half = logits.dtype == dtypes.float16
    precise = math_ops.cast(logits, dtypes.float32) if half else logits
    if labels.dtype != precise.dtype:
        labels = math_ops.cast(labels, precise.dtype)
    logits_m, perm = _swap_to_last(precise, axis)
    labels_m = labels if perm is None else array_ops.transpose(labels, perm)
    rank = logits_m.shape.rank
    if rank is None or rank < 1:
        raise ValueError(f"logits must have a known rank >= 1, got shape {logits_m.shape}")
    if rank == 2:
        cost = _ops("SoftmaxCrossEntropyWithLogits", [logits_m, labels_m], name=None if half else scope)[0]
    else:
        cost = _ops("SoftmaxCrossEntropyWithLogits", [_flatten_outer(logits_m), _flatten_outer(labels_m)])[0]
        cost = array_ops.reshape(cost, _outer_shape(logits_m), name=None if half else scope)
    if half:
        cost = math_ops.cast(cost, dtypes.float16, name=scope)
    return cost


def softmax_cross_entropy_with_logits_v2(labels: Any = None, logits: Any = None, axis: int | None = None,
                                         name: str | None = None, dim: int | None = None) -> Tensor:
    """-sum(labels * log_softmax(logits), axis); gradients flow to labels too."""
    axis = _lookup("axis", axis, "dim", dim)
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    with name_scope(name, "softmax_cross_entropy_with_logits") as scope:
        logits = _tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype_hint=logits.dtype, name="labels")
        return _softmax_xent(labels, logits, -1 if axis is None else int(axis), scope)


def softmax_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None, logits: Any = None, dim: int = -1,
                                      name: str | None = None, axis: int | None = None) -> Tensor:
    """TF1's version: like _v2, but no gradient flows into labels."""
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    axis = _lookup("axis", axis, "dim", dim if dim != -1 else None)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg") as scope:
        logits_t = _tensor(logits, name="logits")
        labels_t = array_ops.stop_gradient(convert_to_tensor(labels, dtype_hint=logits_t.dtype, name="labels"),
                                           name="labels_stop_gradient")
        return _softmax_xent(labels_t, logits_t, -1 if axis is None else int(axis), scope)


def sparse_softmax_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None, logits: Any = None,
                                             name: str | None = None) -> Tensor:
    """-log_softmax(logits)[labels]; labels int32/int64 of shape logits.shape[:-1]."""
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits") as scope:
        logits = _tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype_hint=dtypes.int64, name="labels")
        precise = math_ops.cast(logits, dtypes.float32) if logits.dtype == dtypes.float16 else logits
        lr, kr = labels.shape.rank, logits.shape.rank
        if lr is not None and kr is not None and lr != kr - 1:
            raise ValueError(f"Rank mismatch: Rank of labels (received {lr}) should equal rank of logits minus 1 "
                             f"(received {kr}).")
        if kr == 0:
            raise ValueError(f"Logits cannot be scalars - received shape {logits.shape}.")
        if kr is not None and lr is not None and not logits.shape[:-1].is_compatible_with(labels.shape):
            raise ValueError(f"Shape mismatch: The shape of labels (received {labels.shape}) should equal the shape "
                             f"of logits except for the last dimension (received {logits.shape}).")
        half = logits.dtype == dtypes.float16
        if kr == 2:
            cost = _ops("SparseSoftmaxCrossEntropyWithLogits", [precise, labels], name=None if half else scope)[0]
        else:
            if kr is None:
                raise ValueError("sparse_softmax_cross_entropy_with_logits needs logits of known rank")
            cost = _ops("SparseSoftmaxCrossEntropyWithLogits",
                        [_flatten_outer(precise), array_ops.reshape(labels, [-1])])[0]
            cost = array_ops.reshape(cost, _outer_shape(precise), name=None if half else scope)
        if half:
            cost = math_ops.cast(cost, dtypes.float16, name=scope)
        return cost


def sigmoid_cross_entropy_with_logits(_sentinel: Any = None, labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Tensor:
    """max(x, 0) - x * z + log(1 + exp(-|x|)), elementwise; x = logits, z = labels."""
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss") as scope:
        logits = _tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype_hint=logits.dtype, name="labels")
        if labels.dtype != logits.dtype:
            raise ValueError(f"labels ({labels.dtype.name}) and logits ({logits.dtype.name}) must have one dtype")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs {labels.shape})")
        zeros = array_ops.zeros_like(logits)
        cond = math_ops.greater_equal(logits, zeros)
        relu_logits = math_ops.where(cond, logits, zeros)
        neg_abs_logits = math_ops.where(cond, math_ops.negative(logits), logits)
        return math_ops.add(math_ops.subtract(relu_logits, math_ops.multiply(logits, labels)),
                            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels: Any = None, logits: Any = None, pos_weight: Any = None,
                                       name: str | None = None, targets: Any = None) -> Tensor:
    """Sigmoid cross entropy with the positive term weighted by pos_weight."""
    labels = _lookup("labels", labels, "targets", targets)
    with name_scope(name, "logistic_loss") as scope:
        logits = _tensor(logits, name="logits")
        labels = convert_to_tensor(labels, dtype_hint=logits.dtype, name="targets")
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError(f"logits and targets must have the same shape ({logits.shape} vs {labels.shape})")
        pos_weight = _like(pos_weight, logits)
        one = _like(1, logits)
        log_weight = math_ops.add(one, math_ops.multiply(math_ops.subtract(pos_weight, one), labels))
        soft = math_ops.add(math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(logits)))),
                            relu(math_ops.negative(logits)))
        return math_ops.add(math_ops.multiply(math_ops.subtract(one, labels), logits),
                            math_ops.multiply(log_weight, soft), name=scope)


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Tensor:
    """exp(log_input) - log_input * targets (+ Stirling's term when compute_full_loss)."""
    with name_scope(name, "log_poisson_loss") as scope:
        log_input = _tensor(log_input, name="log_input")
        targets = convert_to_tensor(targets, dtype_hint=log_input.dtype, name="targets")
        if not targets.shape.is_compatible_with(log_input.shape):
            raise ValueError(f"log_input and targets must have the same shape ({log_input.shape} vs {targets.shape})")
        result = math_ops.subtract(math_ops.exp(log_input), math_ops.multiply(log_input, targets))
        if compute_full_loss:
            stirling = math_ops.add(
                math_ops.subtract(math_ops.multiply(targets, math_ops.log(targets)), targets),
                math_ops.multiply(_like(0.5, targets), math_ops.log(math_ops.multiply(_like(2 * math.pi, targets),
                                                                                      targets))))
            zeros = array_ops.zeros_like(targets)
            ones = array_ops.ones_like(targets)
            cond = math_ops.logical_and(math_ops.greater_equal(targets, zeros), math_ops.less_equal(targets, ones))
            result = math_ops.add(result, math_ops.where(cond, zeros, stirling))
        return array_ops.identity(result, name=scope)


# --- lookup and ranking ---------------------------------------------------------------

def embedding_lookup(params: Any, ids: Any, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: Any = None) -> Tensor:
    """Rows of params (a tensor, a variable, or a list of shards) for each id.

    With a list of n shards, id i lives in shard i % n at row i // n ("mod"), or in
    contiguous blocks ("div"); the shards are concatenated in id order and one Gather reads
    them, so the gradient flows to each shard through ConcatV2.
    """
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    if params is None or (isinstance(params, (list, tuple)) and not params):
        raise ValueError("Need at least one param")
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if hasattr(params, "_get_variable_list"):  # a PartitionedVariable
        shards = list(params._get_variable_list())
    with name_scope(name, "embedding_lookup") as scope:
        ids = convert_to_tensor(ids, dtype_hint=dtypes.int32, name="ids")
        if not ids.dtype.is_integer:
            raise TypeError(f"embedding_lookup ids must be integers, got {ids.dtype.name}")
        n = len(shards)
        if n == 1:
            table = _tensor(shards[0])
            rows = ids
        else:
            tensors = [_tensor(s) for s in shards]
            table = array_ops.concat(tensors, 0)
            if partition_strategy == "div":
                rows = ids
            else:
                sizes = [t.shape.dims[0] if t.shape.rank else None for t in tensors]
                if any(s is None for s in sizes):
                    raise ValueError("embedding_lookup with partition_strategy='mod' needs shards of known size")
                offsets = constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(ids.dtype.np_dtype),
                                   name="shard_offsets")
                n_t = _like(n, ids)
                rows = math_ops.add(array_ops.gather(offsets, math_ops.floormod(ids, n_t)),
                                    math_ops.floordiv(ids, n_t))
        result = array_ops.gather(table, rows, name=None if max_norm is not None else scope)
        if max_norm is not None:
            result = _clip_rows(result, max_norm, ids, scope)
        return array_ops.identity(result)  # embedding_lookup/Identity, as in TF


def _clip_rows(embeddings: Tensor, max_norm: Any, ids: Tensor, name: str) -> Tensor:
    """Rescale each embedding (the trailing dims below ids' rank) to L2 norm <= max_norm."""
    rank = embeddings.shape.rank
    ids_rank = ids.shape.rank
    if rank is None or ids_rank is None:
        raise ValueError("embedding_lookup with max_norm needs inputs of known rank")
    axes = list(range(ids_rank, rank))
    if not axes:
        return array_ops.identity(embeddings, name=name)
    sq = math_ops.reduce_sum(math_ops.square(embeddings), axes, keepdims=True)
    norm = math_ops.sqrt(sq)
    limit = _like(max_norm, embeddings)
    factor = math_ops.truediv(limit, math_ops.maximum(norm, limit))
    return math_ops.multiply(embeddings, factor, name=name)


def top_k(input: Any, k: Any = 1, sorted: bool = True, name: str | None = None) -> Any:  # noqa: A002
    """The k largest entries of the last axis and their indices (array_ops.top_k)."""
    return array_ops.top_k(input, k=k, sorted=sorted, name=name)


def in_top_k(predictions: Any, targets: Any, k: Any, name: str | None = None) -> Tensor:
    """For each row, whether predictions[i, targets[i]] is among the k largest (ties count)."""
    with name_scope(name, "in_top_k"):  # in_top_k/InTopKV2, as in TF
        predictions = _tensor(predictions)
        targets = convert_to_tensor(targets, dtype_hint=dtypes.int32)
        k = convert_to_tensor(k, dtype_hint=targets.dtype)
        if k.dtype != targets.dtype:
            k = math_ops.cast(k, targets.dtype)
        return _op("InTopKV2", [predictions, targets, k], name="InTopKV2")
