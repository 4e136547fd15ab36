"""`tf.layers`: Dense, Conv2D, pooling, Flatten, Dropout, BatchNormalization.

Each layer is a class (TF1's `tf.layers.Dense`, ...) with a functional form
(`tf.layers.dense(x, 10)`). Variables are made with `tf.get_variable` inside a variable scope
named after the layer, unique per graph: the first `dense` layer owns `dense/kernel` and
`dense/bias`, the next `dense_1/...`; `name="fc", reuse=True` shares `fc/...`.

`training` (Dropout, BatchNormalization) is a Python bool, decided while building, or a
boolean tensor, decided per run; the tensor case is written as arithmetic selects so it fuses.
Batch normalization's moving-average updates go to the UPDATE_OPS collection, as in TF:
run them with the train op (`with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))`).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from ...ir import dtypes
from ...ir.shapes import TensorShape
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["Layer", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dropout",
           "BatchNormalization", "dense", "conv2d", "max_pooling2d", "average_pooling2d", "flatten", "dropout",
           "batch_normalization", "Convolution2D", "MaxPool2D", "AvgPool2D", "InputSpec"]


def _to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def _ops():
    from ..ops import array_ops, math_ops, nn_ops

    return math_ops, array_ops, nn_ops


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: {value}")
    return value  # type: ignore[return-value]


def _padding(padding: str) -> str:
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}")
    return p


def _data_format(data_format: str) -> str:
    f = str(data_format).lower()
    if f not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
                         f"Received: {data_format}")
    return f


def _static_bool(x: Any) -> bool | None:
    """The Python value of a training flag when it is known while building; None for a tensor."""
    if isinstance(x, (bool, int)):
        return bool(x)
    if isinstance(x, Tensor):
        from ...ir.registry import static_value

        v = static_value(x.value)
        return None if v is None else bool(v)
    if hasattr(x, "_as_graph_element"):
        return None
    return bool(x)


def select(flag: Any, when_true: Tensor, when_false: Tensor) -> Tensor:
    """flag ? when_true : when_false for a scalar boolean tensor, as arithmetic (fusible).

    Written as `f * a + (1 - f) * b` with f the flag cast to the values' dtype."""
    m, _, _ = _ops()
    f = m.cast(convert_to_tensor(flag), when_true.dtype)
    one = convert_to_tensor(1, dtype=when_true.dtype)
    return f * when_true + (one - f) * when_false


class InputSpec:
    def __init__(self, dtype: Any = None, shape: Any = None, ndim: int | None = None, max_ndim: int | None = None,
                 min_ndim: int | None = None, axes: dict | None = None) -> None:
        self.dtype = dtype
        self.shape = shape
        self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}


class Layer:
    """Base layer (`tf.layers.Layer`): owns variables made in its variable scope on first call."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        self.trainable = trainable
        self._reuse = kwargs.pop("_reuse", None)
        self._scope = kwargs.pop("_scope", None)
        kwargs.pop("activity_regularizer", None)
        self._base_name = name or _to_snake_case(type(self).__name__)
        self._name = self._base_name
        self.dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self.built = False
        self._trainable_weights: list[Any] = []
        self._non_trainable_weights: list[Any] = []
        self._updates: list[Any] = []
        self._losses: list[Any] = []
        self.input_spec: Any = None

    # --- properties -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def scope_name(self) -> str:
        return self._scope.name if self._scope is not None else self._name

    @property
    def trainable_weights(self) -> list[Any]:
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Any]:
        if self.trainable:
            return list(self._non_trainable_weights)
        return list(self._trainable_weights) + list(self._non_trainable_weights)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self) -> list[Any]:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self) -> list[Any]:
        return self.weights

    @property
    def updates(self) -> list[Any]:
        return list(self._updates)

    @property
    def losses(self) -> list[Any]:
        return list(self._losses)

    # --- building ---------------------------------------------------------------------
    def add_weight(self, name: str, shape: Any, dtype: Any = None, initializer: Any = None, regularizer: Any = None,
                   trainable: bool = True, constraint: Any = None, **kwargs: Any) -> Any:
        from ..ops import variables

        dtype = dtypes.as_dtype(dtype) if dtype is not None else (self.dtype or dtypes.float32)
        trainable = trainable and self.trainable
        before = len(get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES))
        var = variables.get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                                     regularizer=regularizer, trainable=trainable, constraint=constraint)
        new_losses = get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES)[before:]
        self._losses.extend(new_losses)
        if var in self._trainable_weights or var in self._non_trainable_weights:
            return var
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        return var

    add_variable = add_weight

    def build(self, input_shape: TensorShape) -> None:
        self.built = True

    def call(self, inputs: Tensor, **kwargs: Any) -> Tensor:
        return inputs

    def add_update(self, updates: Any, inputs: Any = None) -> None:
        updates = list(updates) if isinstance(updates, (list, tuple)) else [updates]
        self._updates.extend(updates)

    def add_loss(self, losses: Any, inputs: Any = None) -> None:
        losses = list(losses) if isinstance(losses, (list, tuple)) else [losses]
        self._losses.extend(losses)
        for loss in losses:
            get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        from ..ops import variables

        scope_arg = kwargs.pop("scope", None)
        graph = get_default_graph()
        if self._scope is None:  # TF1: capture the layer's scope once, then re-enter it on every call
            if self._reuse:
                capture = variables.variable_scope(scope_arg or self._base_name, reuse=self._reuse)
            else:
                capture = variables.variable_scope(scope_arg, default_name=self._base_name)
            with capture as scope:
                self._scope = scope
                self._name = scope.name.split("/")[-1] if scope.name else self._base_name
        ctx = variables.variable_scope(self._scope, reuse=True if self.built else self._reuse,
                                       auxiliary_name_scope=False)
        name_scope = self._scope.original_name_scope  # each call's ops go to the same name scope
        n_updates = len(self._updates)
        with ctx, (graph.name_scope(name_scope) if name_scope else contextlib.nullcontext()):
            if isinstance(inputs, (list, tuple)):
                inputs = [convert_to_tensor(x) for x in inputs]
                shape = [x.shape for x in inputs]
            else:
                inputs = convert_to_tensor(inputs)
                shape = inputs.shape
                if self.dtype is None and inputs.dtype.is_floating:
                    self.dtype = inputs.dtype
            if not self.built:
                self.build(shape)
                self.built = True
            outputs = self.call(inputs, *args, **kwargs)
        for u in self._updates[n_updates:]:
            graph.add_to_collection(GraphKeys.UPDATE_OPS, u)
        return outputs

    def apply(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.__call__(inputs, *args, **kwargs)

    def count_params(self) -> int:
        return int(sum(v.shape.num_elements() for v in self.weights))


def _activation(x: Tensor, activation: Any) -> Tensor:
    return activation(x) if activation is not None else x


def _zeros_init() -> Any:
    from ..ops import init_ops

    return init_ops.zeros_initializer()


def _ones_init() -> Any:
    from ..ops import init_ops

    return init_ops.ones_initializer()


def _store_kernel_bias_args(layer: Any, activation: Any, use_bias: bool, kernel_initializer: Any,
                            bias_initializer: Any, kernel_regularizer: Any, bias_regularizer: Any,
                            kernel_constraint: Any, bias_constraint: Any, activity_regularizer: Any) -> None:
    """Keep the constructor arguments that Dense and Conv2D share as attributes of `layer`."""
    layer.activation = activation
    layer.use_bias = use_bias
    layer.kernel_initializer = kernel_initializer
    layer.bias_initializer = bias_initializer
    layer.kernel_regularizer = kernel_regularizer
    layer.bias_regularizer = bias_regularizer
    layer.kernel_constraint = kernel_constraint
    layer.bias_constraint = bias_constraint
    layer.activity_regularizer = activity_regularizer


def _build_bias(layer: Any, units: int) -> None:
    """`layer.bias`: a [units] weight (zeros unless bias_initializer is set), or None without use_bias."""
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight("bias", shape=[units], initializer=layer.bias_initializer or _zeros_init(),
                                      regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def _bias_and_activation(layer: Any, out: Tensor) -> Tensor:
    """`out` plus layer.bias (with use_bias), then layer.activation."""
    if layer.use_bias:
        _, _, nn = _ops()
        out = nn.bias_add(out, layer.bias)
    return _activation(out, layer.activation)


def _activity_loss(layer: Any, out: Tensor) -> Tensor:
    """Record layer.activity_regularizer(out) as a layer loss when set; returns `out`."""
    if layer.activity_regularizer is not None:
        layer.add_loss(layer.activity_regularizer(out))
    return out


class Dense(Layer):
    """outputs = activation(inputs @ kernel + bias); inputs of rank > 2 use their last axis."""

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True, kernel_initializer: Any = None,
                 bias_initializer: Any = None, kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None, bias_constraint: Any = None,
                 trainable: bool = True, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        _store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                                bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer)

    def build(self, input_shape: TensorShape) -> None:
        if input_shape.rank is None or input_shape.dims[-1] is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. Found `None`.")
        last = input_shape.dims[-1]
        self.kernel = self.add_weight("kernel", shape=[last, self.units], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        _build_bias(self, self.units)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        m, a, _ = _ops()
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
        return _activity_loss(self, _bias_and_activation(self, out))


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
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        _store_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
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
        _build_bias(self, self.filters)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        m, a, nn = _ops()
        x = inputs
        if self.data_format == "channels_first":
            x = a.transpose(x, [0, 2, 3, 1])
        kwargs = {}
        if self.dilation_rate != (1, 1):
            kwargs["dilations"] = [1, self.dilation_rate[0], self.dilation_rate[1], 1]
        out = nn.conv2d(x, self.kernel, strides=[1, self.strides[0], self.strides[1], 1], padding=self.padding,
                        **kwargs)
        out = _bias_and_activation(self, out)
        if self.data_format == "channels_first":
            out = a.transpose(out, [0, 3, 1, 2])
        return _activity_loss(self, out)


class _Pooling2D(Layer):
    _pool_fn = ""

    def __init__(self, pool_size: Any, strides: Any, padding: str = "valid", data_format: str = "channels_last",
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = _pair(strides, "strides")
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        _, a, nn = _ops()
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


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    def __init__(self, data_format: str = "channels_last", name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        return flatten_tensor(inputs, channels_first=self.data_format == "channels_first")


def flatten_tensor(inputs: Tensor, channels_first: bool = False) -> Tensor:
    _, a, _ = _ops()
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
    _, a, nn = _ops()
    static = _static_bool(training)
    if static is False:
        return a.identity(inputs)
    if isinstance(rate, (int, float)) and rate == 0:
        return a.identity(inputs)
    keep = (1.0 - rate) if isinstance(rate, (int, float)) else (1.0 - convert_to_tensor(rate, dtype=inputs.dtype))
    dropped = nn.dropout(inputs, keep_prob=keep, noise_shape=noise_shape, seed=seed)
    if static is True:
        return dropped
    return select(training, dropped, inputs)


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
        self.gamma = self.add_weight("gamma", [channels], dtype=dtype, initializer=self.gamma_initializer or _ones_init(),
                                     regularizer=self.gamma_regularizer, constraint=self.gamma_constraint) \
            if self.scale else None
        self.beta = self.add_weight("beta", [channels], dtype=dtype, initializer=self.beta_initializer or _zeros_init(),
                                    regularizer=self.beta_regularizer, constraint=self.beta_constraint) \
            if self.center else None
        self.moving_mean = self.add_weight("moving_mean", [channels], dtype=dtype,
                                           initializer=self.moving_mean_initializer or _zeros_init(), trainable=False)
        self.moving_variance = self.add_weight("moving_variance", [channels], dtype=dtype,
                                               initializer=self.moving_variance_initializer or _ones_init(),
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

    m, a, nn = _ops()
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

    static = _static_bool(training)
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
    m, a, _ = _ops()
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
    m, _, _ = _ops()
    t = p.value()
    return t if t.dtype == dtype else m.cast(t, dtype)


Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


# --- functional forms -----------------------------------------------------------------

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


def max_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                  data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return MaxPooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)


def average_pooling2d(inputs: Any, pool_size: Any, strides: Any, padding: str = "valid",
                      data_format: str = "channels_last", name: str | None = None) -> Tensor:
    return AveragePooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name).apply(inputs)


def flatten(inputs: Any, name: str | None = None, data_format: str = "channels_last") -> Tensor:
    return Flatten(data_format=data_format, name=name).apply(inputs)


def dropout(inputs: Any, rate: float = 0.5, noise_shape: Any = None, seed: int | None = None, training: Any = False,
            name: str | None = None) -> Tensor:
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


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
