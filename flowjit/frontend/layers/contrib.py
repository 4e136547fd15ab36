"""`tf.contrib.layers`: the layers, initializers and regularizers TF1 programs use.

Defaults are TF1's, so code written for TF1 runs as written:
    conv2d            activation_fn=relu, padding='SAME', stride 1, scope 'Conv'
    fully_connected   activation_fn=relu, scope 'fully_connected'
    weights           xavier_initializer() (Glorot uniform); biases zeros
    max_pool2d        stride 2, padding 'VALID'
    dropout           keep_prob=0.5, is_training=True
Variables are `<scope>/weights` and `<scope>/biases`, in GLOBAL_VARIABLES, TRAINABLE_VARIABLES
and MODEL_VARIABLES.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Callable, Sequence

from ...ir import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..train.adagrad import AdagradOptimizer
from ..train.adam import AdamOptimizer
from ..train.ftrl import FtrlOptimizer
from ..train.gradient_descent import GradientDescentOptimizer
from ..train.momentum import MomentumOptimizer
from ..train.optimizer import Optimizer
from ..train.rmsprop import RMSPropOptimizer
from ..ops import array_ops, nn_ops
from . import base as _base
from .convolutional import deconv_length
from . import core as _core
from . import normalization as _normalization

__all__ = ["conv2d", "convolution2d", "max_pool2d", "avg_pool2d", "fully_connected", "linear", "relu", "dropout",
           "flatten", "batch_norm", "xavier_initializer", "xavier_initializer_conv2d",
           "variance_scaling_initializer", "l1_regularizer", "l2_regularizer", "l1_l2_regularizer",
           "sum_regularizer", "apply_regularization", "optimize_loss", "one_hot_encoding", "softmax",
           "OPTIMIZER_CLS_NAMES", "conv2d_transpose", "convolution2d_transpose", "separable_conv2d",
           "separable_convolution2d"]


def _relu(x: Tensor) -> Tensor:
    return nn_ops.relu(x)


def _collect(outputs_collections: Any, alias: str, value: Tensor) -> Tensor:
    if outputs_collections:
        names = [outputs_collections] if isinstance(outputs_collections, str) else list(outputs_collections)
        get_default_graph().add_to_collections(names, value)
    return value


def _model_variable(name: str, shape: Sequence[int], dtype: Any, initializer: Any, regularizer: Any,
                    trainable: bool, collections: Any) -> Any:
    from ..ops import variables

    cols = [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
    if collections:
        extra = [collections] if isinstance(collections, str) else list(collections)
        cols += [c for c in extra if c not in cols]
    return variables.get_variable(name, shape=list(shape), dtype=dtype, initializer=initializer,
                                  regularizer=regularizer, trainable=trainable, collections=cols)


def _regularize(variable: Any, regularizer: Any, weight_name: str) -> None:
    """TF1.15's contrib layers are tf.layers underneath: the loss of `weights` is made in the
    layer's name scope under the tf.layers weight name, `<scope>/kernel/Regularizer/...`."""
    if regularizer is None:
        return
    graph = get_default_graph()
    with graph.name_scope(weight_name + "/Regularizer"):
        loss = regularizer(variable)
    if loss is not None:
        graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)


def _var_collections(variables_collections: Any, name: str) -> Any:
    if isinstance(variables_collections, dict):
        return variables_collections.get(name)
    return variables_collections


# --- initializers ----------------------------------------------------------------------

def _fans(shape: Sequence[int]) -> tuple[float, float]:
    shape = [int(d) for d in shape]
    if not shape:
        return 1.0, 1.0
    fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
    fan_out = float(shape[-1])
    for d in shape[:-2]:
        fan_in *= d
        fan_out *= d
    return fan_in, fan_out


def variance_scaling_initializer(factor: float = 2.0, mode: str = "FAN_IN", uniform: bool = False,
                                 seed: int | None = None, dtype: Any = dtypes.float32) -> Callable:
    """TF1 contrib's He/Xavier family: n = fan_in | fan_out | (fan_in + fan_out) / 2;
    uniform in +-sqrt(3 * factor / n), else truncated normal with stddev sqrt(1.3 * factor / n)."""
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    if not dtypes.as_dtype(dtype).is_floating:
        raise TypeError("Cannot create initializer for non-floating point type.")

    def _initializer(shape: Any, dtype: Any = dtype, partition_info: Any = None) -> Tensor:
        from ..ops import random_ops

        dt = dtypes.as_dtype(dtype)
        if not dt.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        shape = [int(d) for d in (shape.as_list() if hasattr(shape, "as_list") else shape)]
        fan_in, fan_out = _fans(shape)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[mode]
        if uniform:
            limit = math.sqrt(3.0 * factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dt, seed=seed)
        stddev = math.sqrt(1.3 * factor / n)
        return random_ops.truncated_normal(shape, 0.0, stddev, dt, seed=seed)

    return _initializer


def xavier_initializer(uniform: bool = True, seed: int | None = None, dtype: Any = dtypes.float32) -> Callable:
    """Glorot & Bengio (2010): uniform in +-sqrt(6 / (fan_in + fan_out))."""
    return variance_scaling_initializer(factor=1.0, mode="FAN_AVG", uniform=uniform, seed=seed, dtype=dtype)


xavier_initializer_conv2d = xavier_initializer


def _zeros() -> Any:
    from ..ops import init_ops

    return init_ops.zeros_initializer()


_DEFAULT = object()


# --- regularizers ------------------------------------------------------------------------

def _scaled_regularizer(scale: float, scope: str | None, default_scope: str, penalty: Callable,
                        negative_suffix: str, fn_name: str) -> Callable:
    """weights -> scale * penalty(weights), named `scope or default_scope` with a `scale` const.

    TF's checks on `scale`: no integers, no negatives (TF's messages differ only by
    `negative_suffix`); a zero scale gives a regularizer that returns None."""
    if isinstance(scale, numbers.Integral):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if isinstance(scale, numbers.Real):
        if scale < 0.0:
            raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}{negative_suffix}")
        if scale == 0.0:
            return lambda _: None

    def regularizer(weights: Any) -> Tensor:
        from ..ops import math_ops

        with get_default_graph().name_scope(scope or default_scope) as name:
            w = convert_to_tensor(weights)
            my_scale = convert_to_tensor(scale, dtype=w.dtype, name="scale")
            return math_ops.multiply(my_scale, penalty(w), name=name)

    regularizer.__name__ = fn_name
    return regularizer


def l2_regularizer(scale: float, scope: str | None = None) -> Callable:
    """weights -> scale * sum(weights ** 2) / 2 (`scale * tf.nn.l2_loss(weights)`)."""
    return _scaled_regularizer(scale, scope, "l2_regularizer", lambda w: nn_ops.l2_loss(w), ".", "l2")


def l1_regularizer(scale: float, scope: str | None = None) -> Callable:
    """weights -> scale * sum(|weights|)."""
    from ..ops import math_ops

    return _scaled_regularizer(scale, scope, "l1_regularizer", lambda w: math_ops.reduce_sum(math_ops.abs(w)), "",
                               "l1")


def sum_regularizer(regularizer_list: Sequence[Callable], scope: str | None = None) -> Callable:
    regs = [r for r in regularizer_list if r]

    def total(weights: Any) -> Any:
        from ..ops import math_ops

        with get_default_graph().name_scope(scope or "sum_regularizer") as name:
            parts = [p for p in (r(weights) for r in regs) if p is not None]
            if not parts:
                return None
            return math_ops.add_n(parts, name=name)

    return total


def l1_l2_regularizer(scale_l1: float = 1.0, scale_l2: float = 1.0, scope: str | None = None) -> Callable:
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def apply_regularization(regularizer: Callable, weights_list: Sequence[Any] | None = None) -> Tensor:
    """Sum of `regularizer(w)` over weights (default: the WEIGHTS collection); also added to
    REGULARIZATION_LOSSES."""
    from ..ops import math_ops

    graph = get_default_graph()
    if weights_list is None:
        weights_list = graph.get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with graph.name_scope("get_regularization_penalty") as scope:
        penalties = [p if p is not None else convert_to_tensor(0.0) for p in (regularizer(w) for w in weights_list)]
        total = math_ops.add_n(penalties, name=scope)  # named get_regularization_penalty, as in TF
    graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, total)
    return total


# --- layers ---------------------------------------------------------------------------

def _variable_scope(scope: Any, default: str, reuse: Any) -> Any:
    from ..ops import variables

    return variables.variable_scope(scope, default_name=default, reuse=reuse)


def _default_initializers(weights_initializer: Any, biases_initializer: Any) -> tuple[Any, Any]:
    """TF1 contrib's defaults for unset initializers: xavier weights, zero biases."""
    if weights_initializer is _DEFAULT:
        weights_initializer = xavier_initializer()
    if biases_initializer is _DEFAULT:
        biases_initializer = _zeros()
    return weights_initializer, biases_initializer


def _maybe_biases(num_outputs: int, dtype: Any, normalizer_fn: Any, biases_initializer: Any, trainable: bool,
                  variables_collections: Any) -> Any:
    """The `biases` model variable, or None when a normalizer replaces it or there is no initializer."""
    if normalizer_fn is None and biases_initializer is not None:
        return _model_variable("biases", [num_outputs], dtype, biases_initializer, None,
                               trainable, _var_collections(variables_collections, "biases"))
    return None


def _finish_layer(out: Tensor, weights: Any, biases: Any, weights_regularizer: Any, biases_regularizer: Any,
                  normalizer_fn: Any, normalizer_params: Any, activation_fn: Any) -> Tensor:
    """The common tail of conv2d and fully_connected: add biases, record the regularization
    losses, then normalizer_fn and activation_fn."""
    nn = nn_ops
    if biases is not None:
        out = nn.bias_add(out, biases)
    _regularize(weights, weights_regularizer, "kernel")
    if biases is not None:
        _regularize(biases, biases_regularizer, "bias")
    if normalizer_fn is not None:
        out = normalizer_fn(out, **(normalizer_params or {}))
    if activation_fn is not None:
        out = activation_fn(out)
    return out


def conv2d(inputs: Any, num_outputs: int, kernel_size: Any, stride: Any = 1, padding: str = "SAME",
           data_format: str | None = None, rate: Any = 1, activation_fn: Any = _relu, normalizer_fn: Any = None,
           normalizer_params: Any = None, weights_initializer: Any = _DEFAULT, weights_regularizer: Any = None,
           biases_initializer: Any = _DEFAULT, biases_regularizer: Any = None, reuse: Any = None,
           variables_collections: Any = None, outputs_collections: Any = None, trainable: bool = True,
           scope: Any = None) -> Tensor:
    """2-D convolution + bias + activation (TF1 contrib defaults: SAME padding, relu)."""

    if data_format not in (None, "NHWC", "NCHW"):
        raise ValueError(f"data_format has to be either NCHW or NHWC, got {data_format}")
    weights_initializer, biases_initializer = _default_initializers(weights_initializer, biases_initializer)
    nn = nn_ops
    with _variable_scope(scope, "Conv", reuse) as sc:
        x = convert_to_tensor(inputs)
        channels_first = data_format == "NCHW"
        if channels_first:
            x = array_ops.transpose(x, [0, 2, 3, 1])
        if x.shape.rank != 4:
            raise ValueError(f"Convolution expects inputs of rank 4, got {x.shape}")
        in_channels = x.shape.dims[-1]
        if in_channels is None:
            raise ValueError("Number of in_channels of the inputs must be known")
        kh, kw = _base.int_pair(kernel_size, "kernel_size")
        sh, sw = _base.int_pair(stride, "stride")
        rh, rw = _base.int_pair(rate, "rate")
        weights = _model_variable("weights", [kh, kw, in_channels, num_outputs], x.dtype, weights_initializer,
                                  None, trainable, _var_collections(variables_collections, "weights"))
        biases = _maybe_biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, trainable,
                               variables_collections)
        kwargs = {"dilations": [1, rh, rw, 1]} if (rh, rw) != (1, 1) else {}
        out = nn.conv2d(x, weights, strides=[1, sh, sw, 1], padding=padding.upper(), **kwargs)
        out = _finish_layer(out, weights, biases, weights_regularizer, biases_regularizer, normalizer_fn,
                            normalizer_params, activation_fn)
        if channels_first:
            out = array_ops.transpose(out, [0, 3, 1, 2])
        return _collect(outputs_collections, sc.name, out)


convolution2d = conv2d


def fully_connected(inputs: Any, num_outputs: int, activation_fn: Any = _relu, normalizer_fn: Any = None,
                    normalizer_params: Any = None, weights_initializer: Any = _DEFAULT,
                    weights_regularizer: Any = None, biases_initializer: Any = _DEFAULT,
                    biases_regularizer: Any = None, reuse: Any = None, variables_collections: Any = None,
                    outputs_collections: Any = None, trainable: bool = True, scope: Any = None) -> Tensor:
    """inputs @ weights + biases, then activation (relu by default); rank > 2 uses the last axis."""
    from ..ops import array_ops, math_ops

    if not isinstance(num_outputs, numbers.Integral):
        raise ValueError(f"num_outputs type should be one of (int, long), got {type(num_outputs)}.")
    weights_initializer, biases_initializer = _default_initializers(weights_initializer, biases_initializer)
    with _variable_scope(scope, "fully_connected", reuse) as sc:
        x = convert_to_tensor(inputs)
        if x.shape.rank is None or x.shape.dims[-1] is None:
            raise ValueError(f"The last dimension of the inputs to fully_connected must be known, got {x.shape}")
        last = x.shape.dims[-1]
        weights = _model_variable("weights", [last, num_outputs], x.dtype, weights_initializer,
                                  None, trainable, _var_collections(variables_collections, "weights"))
        biases = _maybe_biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, trainable,
                               variables_collections)
        if x.shape.rank > 2:
            outer = x.shape.as_list()[:-1]
            out = math_ops.matmul(array_ops.reshape(x, [-1, last]), weights)
            if all(d is not None for d in outer):
                out = array_ops.reshape(out, outer + [num_outputs])
            else:
                out = array_ops.reshape(out, array_ops.concat([array_ops.shape(x)[:-1], [num_outputs]], 0))
        else:
            out = math_ops.matmul(x, weights)
        out = _finish_layer(out, weights, biases, weights_regularizer, biases_regularizer, normalizer_fn,
                            normalizer_params, activation_fn)
        return _collect(outputs_collections, sc.name, out)


linear = functools.partial(fully_connected, activation_fn=None)
relu = functools.partial(fully_connected, activation_fn=_relu)


def _pool(kind: str, inputs: Any, kernel_size: Any, stride: Any, padding: str, data_format: str,
          outputs_collections: Any, scope: Any, default: str) -> Tensor:

    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format has to be either NCHW or NHWC, got {data_format}")
    nn = nn_ops
    graph = get_default_graph()
    with graph.name_scope(scope or default) as sc:
        x = convert_to_tensor(inputs)
        if data_format == "NCHW":
            x = array_ops.transpose(x, [0, 2, 3, 1])
        kh, kw = _base.int_pair(kernel_size, "kernel_size")
        sh, sw = _base.int_pair(stride, "stride")
        fn = nn.max_pool if kind == "max" else nn.avg_pool
        out = fn(x, ksize=[1, kh, kw, 1], strides=[1, sh, sw, 1], padding=padding.upper())
        if data_format == "NCHW":
            out = array_ops.transpose(out, [0, 3, 1, 2])
        return _collect(outputs_collections, sc, out)


def max_pool2d(inputs: Any, kernel_size: Any, stride: Any = 2, padding: str = "VALID", data_format: str = "NHWC",
               outputs_collections: Any = None, scope: Any = None) -> Tensor:
    return _pool("max", inputs, kernel_size, stride, padding, data_format, outputs_collections, scope, "MaxPool2D")


def avg_pool2d(inputs: Any, kernel_size: Any, stride: Any = 2, padding: str = "VALID", data_format: str = "NHWC",
               outputs_collections: Any = None, scope: Any = None) -> Tensor:
    return _pool("avg", inputs, kernel_size, stride, padding, data_format, outputs_collections, scope, "AvgPool2D")


def dropout(inputs: Any, keep_prob: Any = 0.5, noise_shape: Any = None, is_training: Any = True,
            outputs_collections: Any = None, scope: Any = None, seed: int | None = None) -> Tensor:
    """Keep each element with probability keep_prob (scaled by 1/keep_prob) while is_training."""
    from ..ops import math_ops

    graph = get_default_graph()
    with graph.name_scope(scope or "Dropout") as sc:
        x = convert_to_tensor(inputs)
        if isinstance(keep_prob, (int, float)):
            rate: Any = 1.0 - keep_prob
        else:
            one = convert_to_tensor(1, dtype=x.dtype)
            kp = convert_to_tensor(keep_prob)
            rate = one - (kp if kp.dtype == x.dtype else math_ops.cast(kp, x.dtype))
        out = _core.dropout_tensor(x, rate, is_training, noise_shape, seed)
        return _collect(outputs_collections, sc, out)


def flatten(inputs: Any, outputs_collections: Any = None, scope: Any = None) -> Tensor:
    """[batch, ...] -> [batch, k]."""
    graph = get_default_graph()
    with graph.name_scope(scope or "Flatten") as sc:
        x = convert_to_tensor(inputs)
        if x.shape.rank is not None and x.shape.rank < 2:
            raise ValueError(f"Inputs must have a least 2 dimensions, got {x.shape}")
        return _collect(outputs_collections, sc, _core.flatten(x))  # TF1.15: Flatten/flatten/Reshape


def batch_norm(inputs: Any, decay: float = 0.999, center: bool = True, scale: bool = False, epsilon: float = 0.001,
               activation_fn: Any = None, param_initializers: Any = None, param_regularizers: Any = None,
               updates_collections: Any = GraphKeys.UPDATE_OPS, is_training: Any = True, reuse: Any = None,
               variables_collections: Any = None, outputs_collections: Any = None, trainable: bool = True,
               batch_weights: Any = None, fused: Any = None, data_format: str = "NHWC",
               zero_debias_moving_mean: bool = False, scope: Any = None, renorm: bool = False,
               renorm_clipping: Any = None, renorm_decay: float = 0.99, adjustment: Any = None) -> Tensor:
    """TF1 contrib batch_norm: scope 'BatchNorm', beta (center) and gamma (scale, off by default),
    moving_mean / moving_variance updated through `updates_collections` (None: in place)."""
    if batch_weights is not None or renorm or zero_debias_moving_mean or adjustment is not None:
        raise NotImplementedError("batch_norm: batch_weights, renorm, zero_debias and adjustment are not supported")
    inits = param_initializers or {}
    regs = param_regularizers or {}
    with _variable_scope(scope, "BatchNorm", reuse) as sc:
        x = convert_to_tensor(inputs)
        rank = x.shape.rank
        axis = 1 if (data_format == "NCHW" and rank and rank > 2) else rank - 1
        channels = x.shape.dims[axis]
        dt = x.dtype if x.dtype != dtypes.float16 else dtypes.float32
        beta = _model_variable("beta", [channels], dt, inits.get("beta", _zeros()), regs.get("beta"), trainable,
                               _var_collections(variables_collections, "beta")) if center else None
        gamma = None
        if scale:
            from ..ops import init_ops

            gamma = _model_variable("gamma", [channels], dt, inits.get("gamma", init_ops.ones_initializer()),
                                    regs.get("gamma"), trainable, _var_collections(variables_collections, "gamma"))
        from ..ops import init_ops

        cols_mean = _var_collections(variables_collections, "moving_mean")
        cols_var = _var_collections(variables_collections, "moving_variance")
        moving_mean = _model_variable("moving_mean", [channels], dt, inits.get("moving_mean", _zeros()), None, False,
                                      cols_mean)
        moving_var = _model_variable("moving_variance", [channels], dt,
                                     inits.get("moving_variance", init_ops.ones_initializer()), None, False, cols_var)
        # TF1 takes its fused kernel for rank 2 and 4 (unless fused=False), which moves the
        # moving variance toward the unbiased variance
        out, updates = _normalization.batch_norm_core(x, axis, is_training, decay, epsilon, gamma, beta, moving_mean,
                                             moving_var, unbiased_moving_variance=fused is not False and rank in (2, 4))
        if updates:
            if updates_collections is None:
                from ..ops import array_ops

                with get_default_graph().control_dependencies(updates):
                    out = array_ops.identity(out)
            else:
                names = [updates_collections] if isinstance(updates_collections, str) else list(updates_collections)
                for u in updates:
                    get_default_graph().add_to_collections(names, u)
        if activation_fn is not None:
            out = activation_fn(out)
        return _collect(outputs_collections, sc.name, out)


def one_hot_encoding(labels: Any, num_classes: int, on_value: float = 1.0, off_value: float = 0.0,
                     outputs_collections: Any = None, scope: Any = None) -> Tensor:

    with get_default_graph().name_scope(scope or "OneHotEncoding") as sc:
        out = array_ops.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return _collect(outputs_collections, sc, out)


def softmax(logits: Any, scope: Any = None) -> Tensor:
    with get_default_graph().name_scope(scope or "softmax"):
        return nn_ops.softmax(logits)


# --- optimize_loss ----------------------------------------------------------------------

OPTIMIZER_CLS_NAMES = {  # as in TF: optimizer name -> class
    "Adagrad": AdagradOptimizer,
    "Adam": AdamOptimizer,
    "Ftrl": FtrlOptimizer,
    "Momentum": MomentumOptimizer,
    "RMSProp": RMSPropOptimizer,
    "SGD": GradientDescentOptimizer,
}


def optimize_loss(loss: Any, global_step: Any, learning_rate: Any, optimizer: Any, gradient_noise_scale: Any = None,
                  gradient_multipliers: Any = None, clip_gradients: Any = None, learning_rate_decay_fn: Any = None,
                  update_ops: Any = None, variables: Any = None, name: str | None = None, summaries: Any = None,
                  colocate_gradients_with_ops: bool = False, increment_global_step: bool = True) -> Tensor:
    """Build a training op: optimizer by name ('SGD', 'Adam', ...), class or instance;
    optional learning-rate decay and global-norm gradient clipping. Returns the loss,
    computed after the update runs (TF1 contrib's `train_op`)."""
    from ..ops import array_ops, math_ops
    from ..ops import variables as vars_mod
    from ..train.training_util import get_global_step

    graph = get_default_graph()
    if global_step is None:
        global_step = get_global_step()
    if gradient_noise_scale is not None:
        raise NotImplementedError("optimize_loss(gradient_noise_scale=...) is not supported")
    with graph.name_scope(name or "OptimizeLoss"):
        if update_ops is None:
            update_ops = set(graph.get_collection(GraphKeys.UPDATE_OPS))
        if update_ops:
            with graph.control_dependencies(list(update_ops)):
                loss = array_ops.identity(loss)
        lr = None
        if learning_rate is not None:
            if isinstance(learning_rate, (Tensor,)) or hasattr(learning_rate, "_as_graph_element"):
                lr = learning_rate
            else:
                lr = convert_to_tensor(float(learning_rate), dtype=dtypes.float32, name="learning_rate")
        if learning_rate_decay_fn is not None:
            if lr is None:
                raise ValueError("learning_rate must be set with learning_rate_decay_fn")
            lr = learning_rate_decay_fn(lr, global_step)
        if isinstance(optimizer, str):
            if optimizer not in OPTIMIZER_CLS_NAMES:
                raise ValueError(f"Optimizer name should be one of [{', '.join(OPTIMIZER_CLS_NAMES)}], got {optimizer}.")
            if lr is None:
                raise ValueError(f"Learning rate is None, but should be specified if optimizer is string ({optimizer}).")
            cls = OPTIMIZER_CLS_NAMES[optimizer]
            opt = cls(lr, 0.9) if optimizer == "Momentum" else cls(lr)
        elif isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
            opt = optimizer(learning_rate=lr)
        elif isinstance(optimizer, Optimizer):
            opt = optimizer
        elif callable(optimizer):
            opt = optimizer(lr) if lr is not None else optimizer()
        else:
            raise ValueError(f"Unrecognized optimizer: should be string, subclass of Optimizer, instance of "
                             f"subclass of Optimizer or function with one argument. Got {optimizer}.")
        if variables is None:
            variables = vars_mod.trainable_variables()
        grads_and_vars = opt.compute_gradients(loss, variables,
                                               colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gradient_multipliers is not None:
            scaled = []
            for g, v in grads_and_vars:
                mult = gradient_multipliers.get(v, gradient_multipliers.get(v.var_name))
                scaled.append((g if g is None or mult is None else g * convert_to_tensor(mult, dtype=g.dtype), v))
            grads_and_vars = scaled
        if clip_gradients is not None:
            if callable(clip_gradients):
                grads_and_vars = clip_gradients(grads_and_vars)
            else:
                grads = [g for g, _ in grads_and_vars]
                present = [g for g in grads if g is not None]
                norm_sq = math_ops.add_n([math_ops.reduce_sum(math_ops.square(g)) for g in present])
                norm = math_ops.sqrt(norm_sq)
                clip = convert_to_tensor(float(clip_gradients), dtype=norm.dtype)
                factor = clip / math_ops.maximum(norm, clip)
                grads_and_vars = [(None if g is None else g * math_ops.cast(factor, g.dtype), v)
                                  for g, v in grads_and_vars]
        grad_updates = opt.apply_gradients(grads_and_vars,
                                           global_step=global_step if increment_global_step else None,
                                           name="train")
        with graph.control_dependencies([grad_updates]):
            train_tensor = array_ops.identity(loss)
        return train_tensor


# --- conv2d_transpose, separable_conv2d (TF1 contrib defaults: SAME padding, relu, xavier weights,
# zero biases; names Conv2d_transpose/weights [kh, kw, out, in], SeparableConv2d/depthwise_weights,
# pointwise_weights, biases) ---
def _nhwc(inputs: Any, data_format: str) -> tuple[Tensor, bool]:
    """The inputs as NHWC, and whether they came as NCHW; ValueError for another format or rank."""
    if data_format not in (None, "NHWC", "NCHW"):
        raise ValueError(f"data_format has to be either NCHW or NHWC, got {data_format}")
    x = convert_to_tensor(inputs)
    first = data_format == "NCHW"
    if first:
        x = array_ops.transpose(x, [0, 2, 3, 1])
    if x.shape.rank != 4:
        raise ValueError(f"Convolution expects inputs of rank 4, got {x.shape}")
    if x.shape.dims[-1] is None:
        raise ValueError("Number of in_channels of the inputs must be known")
    return x, first


def conv2d_transpose(inputs: Any, num_outputs: int, kernel_size: Any, stride: Any = 1, padding: str = "SAME",
                     data_format: str = "NHWC", activation_fn: Any = _relu, normalizer_fn: Any = None,
                     normalizer_params: Any = None, weights_initializer: Any = _DEFAULT,
                     weights_regularizer: Any = None, biases_initializer: Any = _DEFAULT,
                     biases_regularizer: Any = None, reuse: Any = None, variables_collections: Any = None,
                     outputs_collections: Any = None, trainable: bool = True, scope: Any = None) -> Tensor:
    """Transposed 2-D convolution + bias + activation; weights [kh, kw, num_outputs, in_channels]."""
    weights_initializer, biases_initializer = _default_initializers(weights_initializer, biases_initializer)
    with _variable_scope(scope, "Conv2d_transpose", reuse) as sc:
        x, first = _nhwc(inputs, data_format)
        kh, kw = _base.int_pair(kernel_size, "kernel_size")
        sh, sw = _base.int_pair(stride, "stride")
        pad = _base.normalized_padding(padding)
        weights = _model_variable("weights", [kh, kw, num_outputs, x.shape.dims[-1]], x.dtype, weights_initializer,
                                  None, trainable, _var_collections(variables_collections, "weights"))
        biases = _maybe_biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, trainable,
                               variables_collections)
        dyn = array_ops.shape(x)
        dims: list[Any] = []
        for i, k, s in ((1, kh, sh), (2, kw, sw)):
            static = deconv_length(x.shape.dims[i], k, pad, s)
            dims.append(static if static is not None else dyn[i] * s + (max(k - s, 0) if pad == "VALID" else 0))
        out = nn_ops.conv2d_transpose(x, weights, array_ops.stack([dyn[0], dims[0], dims[1], num_outputs]),
                                      strides=[1, sh, sw, 1], padding=pad)
        out.set_shape([x.shape.dims[0]] + [d if isinstance(d, int) else None for d in dims] + [num_outputs])
        out = _finish_layer(out, weights, biases, weights_regularizer, biases_regularizer, normalizer_fn,
                            normalizer_params, activation_fn)
        if first:
            out = array_ops.transpose(out, [0, 3, 1, 2])
        return _collect(outputs_collections, sc.name, out)


def separable_conv2d(inputs: Any, num_outputs: Any, kernel_size: Any, depth_multiplier: int = 1, stride: Any = 1,
                     padding: str = "SAME", data_format: str = "NHWC", rate: Any = 1, activation_fn: Any = _relu,
                     normalizer_fn: Any = None, normalizer_params: Any = None, weights_initializer: Any = _DEFAULT,
                     pointwise_initializer: Any = None, weights_regularizer: Any = None,
                     biases_initializer: Any = _DEFAULT, biases_regularizer: Any = None, reuse: Any = None,
                     variables_collections: Any = None, outputs_collections: Any = None, trainable: bool = True,
                     scope: Any = None) -> Tensor:
    """Depthwise then (when num_outputs is not None) pointwise convolution, + bias + activation."""
    weights_initializer, biases_initializer = _default_initializers(weights_initializer, biases_initializer)
    if pointwise_initializer is None:
        pointwise_initializer = weights_initializer
    with _variable_scope(scope, "SeparableConv2d", reuse) as sc:
        x, first = _nhwc(inputs, data_format)
        kh, kw = _base.int_pair(kernel_size, "kernel_size")
        sh, sw = _base.int_pair(stride, "stride")
        rh, rw = _base.int_pair(rate, "rate")
        pad = _base.normalized_padding(padding)
        c = x.shape.dims[-1]
        dw = _model_variable("depthwise_weights", [kh, kw, c, depth_multiplier], x.dtype, weights_initializer, None,
                             trainable, _var_collections(variables_collections, "weights"))
        _regularize(dw, weights_regularizer, "depthwise_kernel")
        kwargs = {"rate": [rh, rw]} if (rh, rw) != (1, 1) else {}
        if num_outputs is not None:
            pw = _model_variable("pointwise_weights", [1, 1, c * depth_multiplier, num_outputs], x.dtype,
                                 pointwise_initializer, None, trainable,
                                 _var_collections(variables_collections, "weights"))
            _regularize(pw, weights_regularizer, "pointwise_kernel")
            biases = _maybe_biases(num_outputs, x.dtype, normalizer_fn, biases_initializer, trainable,
                                   variables_collections)
            out = nn_ops.separable_conv2d(x, dw, pw, strides=[1, sh, sw, 1], padding=pad, **kwargs)
        else:
            biases = _maybe_biases(c * depth_multiplier, x.dtype, normalizer_fn, biases_initializer, trainable,
                                   variables_collections)
            out = nn_ops.depthwise_conv2d(x, dw, strides=[1, sh, sw, 1], padding=pad, **kwargs)
        out = _finish_layer(out, dw, biases, None, biases_regularizer, normalizer_fn,
                            normalizer_params, activation_fn)
        if first:
            out = array_ops.transpose(out, [0, 3, 1, 2])
        return _collect(outputs_collections, sc.name, out)


convolution2d_transpose = conv2d_transpose
separable_convolution2d = separable_conv2d
