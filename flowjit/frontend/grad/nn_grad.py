"""Gradients of the nn ops, expressed as ops (so the backward pass is compiled like the forward).

Each function gets the forward `op` and the gradient of each of its outputs and returns one
gradient per input (None where there is none). Formulas follow TF's nn_grad.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import array_ops, math_ops
from .gradients import NotDifferentiable, RegisterGradient
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor


def _op(op_type: str, inputs: list[Any], attrs: dict | None = None, name: str | None = None) -> Tensor:
    return get_default_graph().create_op(op_type, inputs, attrs or {}, name=name).outputs[0]


def _copy_attrs(op: Operation, *keys: str) -> dict:
    return {k: op.node.attrs[k] for k in keys if k in op.node.attrs}


_CONV_KEYS = ("strides", "padding", "explicit_paddings", "dilations", "data_format", "use_cudnn_on_gpu")
_POOL_KEYS = ("ksize", "strides", "padding", "data_format")


def _shape(x: Tensor) -> Tensor:
    from ..ops.nn_ops import shape_tensor

    return shape_tensor(x)


def _is_zero(t: Tensor) -> bool:
    """Whether t is known to be all zeros (the filler gradients() gives an unused output)."""
    if t.op.type in ("ZerosLike",):
        return True
    from ...ir.registry import static_value

    value = static_value(t.value)
    if value is not None:
        return not np.any(value)
    if t.op.type == "Fill":
        fill = static_value(t.op.node.inputs[1])
        return fill is not None and not np.any(fill)
    return False


# --- activations --------------------------------------------------------------------

@RegisterGradient("Relu")
def _relu_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("ReluGrad", [grad, op.outputs[0]])


@RegisterGradient("Relu6")
def _relu6_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("Relu6Grad", [grad, op.outputs[0]])


@RegisterGradient("Elu")
def _elu_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("EluGrad", [grad, op.outputs[0]])


@RegisterGradient("Selu")
def _selu_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("SeluGrad", [grad, op.outputs[0]])


@RegisterGradient("LeakyRelu")
def _leaky_relu_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("LeakyReluGrad", [grad, op.inputs[0]], _copy_attrs(op, "alpha"))


@RegisterGradient("Softplus")
def _softplus_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("SoftplusGrad", [grad, op.inputs[0]])


@RegisterGradient("Softsign")
def _softsign_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("SoftsignGrad", [grad, op.inputs[0]])


# Second order: the *Grad ops are linear in their first input.

@RegisterGradient("ReluGrad")
def _relu_grad_grad(op: Operation, grad: Tensor) -> list:
    return [_op("ReluGrad", [grad, op.inputs[1]]), array_ops.zeros_like(op.inputs[1])]


@RegisterGradient("Relu6Grad")
def _relu6_grad_grad(op: Operation, grad: Tensor) -> list:
    return [_op("Relu6Grad", [grad, op.inputs[1]]), array_ops.zeros_like(op.inputs[1])]


@RegisterGradient("LeakyReluGrad")
def _leaky_relu_grad_grad(op: Operation, grad: Tensor) -> list:
    return [_op("LeakyReluGrad", [grad, op.inputs[1]], _copy_attrs(op, "alpha")), array_ops.zeros_like(op.inputs[1])]


@RegisterGradient("EluGrad")
def _elu_grad_grad(op: Operation, grad: Tensor) -> list:
    y = op.inputs[1]
    zeros = array_ops.zeros_like(y)
    return [_op("EluGrad", [grad, y]),
            math_ops.where(math_ops.less(y, zeros), math_ops.multiply(grad, op.inputs[0]), zeros)]


@RegisterGradient("SeluGrad")
def _selu_grad_grad(op: Operation, grad: Tensor) -> list:
    y = op.inputs[1]
    zeros = array_ops.zeros_like(y)
    return [_op("SeluGrad", [grad, y]),
            math_ops.where(math_ops.less(y, zeros), math_ops.multiply(grad, op.inputs[0]), zeros)]


@RegisterGradient("SoftplusGrad")
def _softplus_grad_grad(op: Operation, grad: Tensor) -> list:
    dy, x = op.inputs
    s = math_ops.sigmoid(x)
    # d/dx [dy * sigmoid(x)] = dy * s * (1 - s)
    ddx = math_ops.multiply(math_ops.multiply(grad, dy), math_ops.multiply(s, math_ops.subtract(
        convert_to_tensor(1, dtype_hint=s.dtype), s)))
    return [_op("SoftplusGrad", [grad, x]), ddx]


@RegisterGradient("SoftsignGrad")
def _softsign_grad_grad(op: Operation, grad: Tensor) -> list:
    dy, x = op.inputs
    one = convert_to_tensor(1, dtype_hint=x.dtype)
    denom = math_ops.add(one, math_ops.abs(x))
    # d/dx [dy / (1 + |x|)^2] = -2 dy sign(x) / (1 + |x|)^3
    ddx = math_ops.multiply(math_ops.multiply(grad, dy), math_ops.truediv(
        math_ops.multiply(convert_to_tensor(-2, dtype_hint=x.dtype), math_ops.sign(x)),
        math_ops.multiply(denom, math_ops.square(denom))))
    return [_op("SoftsignGrad", [grad, x]), ddx]


# --- softmax ------------------------------------------------------------------------

@RegisterGradient("Softmax")
def _softmax_grad(op: Operation, grad: Tensor) -> Tensor:
    # (grad - sum(grad * y, -1)) * y
    y = op.outputs[0]
    s = math_ops.reduce_sum(math_ops.multiply(grad, y), -1, keepdims=True)
    return math_ops.multiply(math_ops.subtract(grad, s), y)


@RegisterGradient("LogSoftmax")
def _log_softmax_grad(op: Operation, grad: Tensor) -> Tensor:
    # grad - exp(y) * sum(grad, -1)
    y = op.outputs[0]
    return math_ops.subtract(grad, math_ops.multiply(math_ops.exp(y),
                                                     math_ops.reduce_sum(grad, -1, keepdims=True)))


# --- bias ---------------------------------------------------------------------------

@RegisterGradient("BiasAdd")
def _bias_add_grad(op: Operation, grad: Tensor) -> list:
    return [grad, _op("BiasAddGrad", [grad], _copy_attrs(op, "data_format"))]


@RegisterGradient("BiasAddGrad")
def _bias_add_grad_grad(op: Operation, grad: Tensor) -> Tensor:
    # broadcast grad back along the channel axis of the original shape
    return _op("BiasAdd", [array_ops.zeros_like(op.inputs[0]), grad], _copy_attrs(op, "data_format"))


# --- convolution --------------------------------------------------------------------

@RegisterGradient("Conv2D")
def _conv2d_grad(op: Operation, grad: Tensor) -> list:
    x, f = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [_op("Conv2DBackpropInput", [_shape(x), f, grad], attrs),
            _op("Conv2DBackpropFilter", [x, _shape(f), grad], attrs)]


@RegisterGradient("Conv2DBackpropInput")
def _conv2d_backprop_input_grad(op: Operation, grad: Tensor) -> list:
    _, f, dy = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [None, _op("Conv2DBackpropFilter", [grad, _shape(f), dy], attrs), _op("Conv2D", [grad, f], attrs)]


@RegisterGradient("Conv2DBackpropFilter")
def _conv2d_backprop_filter_grad(op: Operation, grad: Tensor) -> list:
    x, _, dy = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [_op("Conv2DBackpropInput", [_shape(x), grad, dy], attrs), None, _op("Conv2D", [x, grad], attrs)]


@RegisterGradient("DepthwiseConv2dNative")
def _depthwise_grad(op: Operation, grad: Tensor) -> list:
    x, f = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [_op("DepthwiseConv2dNativeBackpropInput", [_shape(x), f, grad], attrs),
            _op("DepthwiseConv2dNativeBackpropFilter", [x, _shape(f), grad], attrs)]


@RegisterGradient("DepthwiseConv2dNativeBackpropInput")
def _depthwise_backprop_input_grad(op: Operation, grad: Tensor) -> list:
    _, f, dy = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [None, _op("DepthwiseConv2dNativeBackpropFilter", [grad, _shape(f), dy], attrs),
            _op("DepthwiseConv2dNative", [grad, f], attrs)]


@RegisterGradient("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_backprop_filter_grad(op: Operation, grad: Tensor) -> list:
    x, _, dy = op.inputs
    attrs = _copy_attrs(op, *_CONV_KEYS)
    return [_op("DepthwiseConv2dNativeBackpropInput", [_shape(x), grad, dy], attrs), None,
            _op("DepthwiseConv2dNative", [x, grad], attrs)]


# --- pooling ------------------------------------------------------------------------

@RegisterGradient("MaxPool")
def _max_pool_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], _copy_attrs(op, *_POOL_KEYS))


@RegisterGradient("MaxPoolWithArgmax")
def _max_pool_with_argmax_grad(op: Operation, grad: Tensor, unused_argmax_grad: Tensor) -> Tensor:
    return _op("MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], _copy_attrs(op, *_POOL_KEYS))


@RegisterGradient("MaxPoolGrad")
def _max_pool_grad_grad(op: Operation, grad: Tensor) -> list:
    x, y, _ = op.inputs
    return [None, None, _op("MaxPoolGradGrad", [x, y, grad], _copy_attrs(op, *_POOL_KEYS))]


@RegisterGradient("MaxPoolGradGrad")
def _max_pool_grad_grad_grad(op: Operation, grad: Tensor) -> list:
    x, y, _ = op.inputs
    return [None, None, _op("MaxPoolGrad", [x, y, grad], _copy_attrs(op, *_POOL_KEYS))]


@RegisterGradient("AvgPool")
def _avg_pool_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("AvgPoolGrad", [_shape(op.inputs[0]), grad], _copy_attrs(op, *_POOL_KEYS))


@RegisterGradient("AvgPoolGrad")
def _avg_pool_grad_grad(op: Operation, grad: Tensor) -> list:
    return [None, _op("AvgPool", [grad], _copy_attrs(op, *_POOL_KEYS))]


# --- losses -------------------------------------------------------------------------

@RegisterGradient("L2Loss")
def _l2_loss_grad(op: Operation, grad: Tensor) -> Tensor:
    return math_ops.multiply(op.inputs[0], grad)


def _broadcast_mul(vec: Tensor, mat: Tensor) -> Tensor:
    """vec [batch] * mat [batch, classes]."""
    return math_ops.multiply(array_ops.expand_dims(vec, -1), mat)


def _xent_backprop_grad(grad_grad: Tensor, logits: Tensor) -> Tensor:
    """Gradient w.r.t. logits that reaches them through the `backprop` output (softmax - labels)."""
    softmax = _op("Softmax", [logits])
    inner = math_ops.reduce_sum(math_ops.multiply(grad_grad, softmax), -1, keepdims=True)
    return math_ops.multiply(math_ops.subtract(grad_grad, inner), softmax)


@RegisterGradient("SoftmaxCrossEntropyWithLogits")
def _softmax_xent_grad(op: Operation, grad_loss: Tensor, grad_grad: Tensor) -> list:
    logits = op.inputs[0]
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if not _is_zero(grad_grad):
        grad = math_ops.add(grad, _xent_backprop_grad(grad_grad, logits))
    labels_grad = _broadcast_mul(grad_loss, math_ops.negative(_op("LogSoftmax", [logits])))
    return [grad, labels_grad]


@RegisterGradient("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_xent_grad(op: Operation, grad_loss: Tensor, grad_grad: Tensor) -> list:
    grad = _broadcast_mul(grad_loss, op.outputs[1])
    if not _is_zero(grad_grad):
        grad = math_ops.add(grad, _xent_backprop_grad(grad_grad, op.inputs[0]))
    return [grad, None]


@RegisterGradient("LRN")
def _lrn_grad(op: Operation, grad: Tensor) -> Tensor:
    return _op("LRNGrad", [grad, op.inputs[0], op.outputs[0]],
               _copy_attrs(op, "depth_radius", "bias", "alpha", "beta"))


NotDifferentiable("InTopKV2")
