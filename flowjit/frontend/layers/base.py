"""`tf.layers`: Dense, Conv2D, pooling, Flatten, Dropout, BatchNormalization.

Each layer is a class (TF1's `tf.layers.Dense`, ...) with a functional form
(`tf.layers.dense(x, 10)`). Variables are made with `tf.get_variable` inside a variable scope
named after the layer, unique per graph: the first `dense` layer owns `dense/kernel` and
`dense/bias`, the next `dense_1/...`; `name="fc", reuse=True` shares `fc/...`.

`training` (Dropout, BatchNormalization) is a Python bool, decided while building, or a
boolean tensor, decided per run; the tensor case is written as arithmetic selects so it fuses.
Batch normalization's moving-average updates go to the UPDATE_OPS collection, as in TF:
run them with the train op (`with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))`).

This module holds `Layer` (variable scopes, reuse, losses, `apply`), `InputSpec` and the
argument checks and bias/activation helpers the layer families share; each family has its
own module (core, convolutional, pooling, normalization), as in TF's `tf.layers`.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from ...ir import dtypes
from ...ir.shapes import TensorShape
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, math_ops, nn_ops

__all__ = ["Layer", "InputSpec"]

def _to_snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def ops_modules() -> tuple[Any, Any, Any]:
    """(math_ops, array_ops, nn_ops), the op modules layers build with."""
    return math_ops, array_ops, nn_ops


def int_single(value: Any, name: str) -> int:
    """An int or a 1-tuple of one int, as TF's conv_utils.normalize_tuple(value, 1, name)."""
    if isinstance(value, int):
        return value
    value = tuple(int(v) for v in value)
    if len(value) != 1:
        raise ValueError(f"The `{name}` argument must be a tuple of 1 integers. Received: {value}")
    return value[0]



def int_pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: {value}")
    return value  # type: ignore[return-value]


def normalized_padding(padding: str) -> str:
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding}")
    return p


def normalized_data_format(data_format: str) -> str:
    f = str(data_format).lower()
    if f not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
                         f"Received: {data_format}")
    return f


def static_bool(x: Any) -> bool | None:
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
    m, _, _ = ops_modules()
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


def zeros_init() -> Any:
    from ..ops import init_ops

    return init_ops.zeros_initializer()


def ones_init() -> Any:
    from ..ops import init_ops

    return init_ops.ones_initializer()


def store_kernel_bias_args(layer: Any, activation: Any, use_bias: bool, kernel_initializer: Any,
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


def build_bias(layer: Any, units: int) -> None:
    """`layer.bias`: a [units] weight (zeros unless bias_initializer is set), or None without use_bias."""
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight("bias", shape=[units], initializer=layer.bias_initializer or zeros_init(),
                                      regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def bias_and_activation(layer: Any, out: Tensor) -> Tensor:
    """`out` plus layer.bias (with use_bias), then layer.activation."""
    if layer.use_bias:
        _, _, nn = ops_modules()
        out = nn.bias_add(out, layer.bias)
    return _activation(out, layer.activation)


def activity_loss(layer: Any, out: Tensor) -> Tensor:
    """Record layer.activity_regularizer(out) as a layer loss when set; returns `out`."""
    if layer.activity_regularizer is not None:
        layer.add_loss(layer.activity_regularizer(out))
    return out
