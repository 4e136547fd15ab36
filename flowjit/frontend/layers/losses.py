"""`tf.losses`: weighted losses that register themselves in the LOSSES collection.

Every loss is `compute_weighted_loss(per_example_losses, weights, reduction=...)`; TF1's
default reduction SUM_BY_NONZERO_WEIGHTS divides the weighted sum by the number of non-zero
weights (with weights=1.0 that is the mean). `get_total_loss()` adds the regularization
losses (from `kernel_regularizer=`, `tf.contrib.layers.l2_regularizer`, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..ops import array_ops, math_ops, nn_ops
from ...ir import dtypes

__all__ = ["Reduction", "compute_weighted_loss", "add_loss", "get_losses", "get_regularization_losses",
           "get_regularization_loss", "get_total_loss", "mean_squared_error", "absolute_difference", "huber_loss",
           "log_loss", "hinge_loss", "softmax_cross_entropy", "sparse_softmax_cross_entropy",
           "sigmoid_cross_entropy", "cosine_distance", "mean_pairwise_squared_error"]


class Reduction:
    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


def _float(x: Any, like: Tensor | None = None) -> Tensor:
    m = math_ops
    if isinstance(x, Tensor) or hasattr(x, "_as_graph_element"):
        t = convert_to_tensor(x)
        want = like.dtype if like is not None else (t.dtype if t.dtype.is_floating else dtypes.float32)
        return t if t.dtype == want else m.cast(t, want)
    return convert_to_tensor(x, dtype=like.dtype if like is not None else dtypes.float32)


def _num_present(losses: Tensor, weights: Tensor) -> Tensor:
    """How many of the (broadcast) weights are non-zero."""
    m = math_ops
    a = array_ops
    zero = convert_to_tensor(0, dtype=weights.dtype)
    present = m.cast(m.not_equal(weights, zero), losses.dtype)
    present = present * a.ones_like(losses)
    return m.reduce_sum(present)


def compute_weighted_loss(losses: Any, weights: Any = 1.0, scope: str | None = None,
                          loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    Reduction.validate(reduction)
    m = math_ops
    a = array_ops
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        if not input_dtype.is_floating:
            losses = m.cast(losses, dtypes.float32)
        weights = _float(weights, losses)
        weighted = m.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            total = m.reduce_sum(weighted)
            # TF's _safe_mean: div_no_nan(total, n, name="value"), so a loss is "<scope>/value"
            if reduction == Reduction.SUM:
                loss = total
            elif reduction == Reduction.MEAN:
                loss = m.div_no_nan(total, m.reduce_sum(m.multiply(a.ones_like(losses), weights)), name="value")
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = m.div_no_nan(total, m.cast(a.size(losses), losses.dtype), name="value")
            else:
                loss = m.div_no_nan(total, _num_present(losses, weights), name="value")
        if loss.dtype != input_dtype and input_dtype.is_floating:
            loss = m.cast(loss, input_dtype)
        if loss_collection:
            graph.add_to_collection(loss_collection, loss)
        return loss


def add_loss(loss: Any, loss_collection: str | None = GraphKeys.LOSSES) -> None:
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope: str | None = None, loss_collection: str = GraphKeys.LOSSES) -> list[Any]:
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list[Any]:
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope: str | None = None, name: str = "total_regularization_loss") -> Tensor:
    m = math_ops
    losses = get_regularization_losses(scope)
    if losses:
        return m.add_n(losses, name=name)
    return convert_to_tensor(0.0, dtype=dtypes.float32)


def get_total_loss(add_regularization_losses: bool = True, name: str = "total_loss", scope: str | None = None) -> Tensor:
    m = math_ops
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("No losses found in the graph (tf.losses.* add their result to the LOSSES collection).")
    return m.add_n(losses, name=name)


def _check(labels: Any, predictions: Any) -> tuple[Tensor, Tensor]:
    if labels is None:
        raise ValueError("labels must not be None.")
    if predictions is None:
        raise ValueError("predictions must not be None.")
    return _convert_pair(labels, predictions)


def _convert_pair(labels: Any, predictions: Any) -> tuple[Tensor, Tensor]:
    """`predictions` as a tensor and `labels` as floats of its dtype, checked to have compatible shapes."""
    predictions = convert_to_tensor(predictions)
    labels = _float(labels, predictions)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible")
    return labels, predictions


def _pointwise_loss(default_scope: str, labels: Any, predictions: Any, weights: Any, scope: str | None,
                    loss_collection: str | None, reduction: str, formula: Any) -> Tensor:
    """The body shared by the element-wise losses: in the loss's name scope, check the inputs,
    apply `formula(labels, predictions)` per element and reduce it with `compute_weighted_loss`."""
    with get_default_graph().name_scope(scope or default_scope) as scope:
        labels, predictions = _check(labels, predictions)
        losses = formula(labels, predictions)
        return compute_weighted_loss(losses, weights, scope, loss_collection=loss_collection, reduction=reduction)


def mean_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
                       loss_collection: str | None = GraphKeys.LOSSES,
                       reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    m = math_ops
    return _pointwise_loss("mean_squared_error", labels, predictions, weights, scope, loss_collection, reduction,
                           lambda labels, predictions: m.square(predictions - labels))


def absolute_difference(labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
                        loss_collection: str | None = GraphKeys.LOSSES,
                        reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    m = math_ops
    return _pointwise_loss("absolute_difference", labels, predictions, weights, scope, loss_collection, reduction,
                           lambda labels, predictions: m.abs(predictions - labels))


def huber_loss(labels: Any, predictions: Any, weights: Any = 1.0, delta: float = 1.0, scope: str | None = None,
               loss_collection: str | None = GraphKeys.LOSSES,
               reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """0.5 * e^2 where |e| <= delta, else delta * (|e| - 0.5 * delta)."""
    m = math_ops

    def formula(labels: Tensor, predictions: Tensor) -> Tensor:
        abs_error = m.abs(predictions - labels)
        d = convert_to_tensor(delta, dtype=predictions.dtype)
        quadratic = m.minimum(abs_error, d)
        linear = abs_error - quadratic
        half = convert_to_tensor(0.5, dtype=predictions.dtype)
        return half * m.square(quadratic) + d * linear

    return _pointwise_loss("huber_loss", labels, predictions, weights, scope, loss_collection, reduction, formula)


def log_loss(labels: Any, predictions: Any, weights: Any = 1.0, epsilon: float = 1e-7, scope: str | None = None,
             loss_collection: str | None = GraphKeys.LOSSES,
             reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    m = math_ops

    def formula(labels: Tensor, predictions: Tensor) -> Tensor:
        eps = convert_to_tensor(epsilon, dtype=predictions.dtype)
        one = convert_to_tensor(1, dtype=predictions.dtype)
        return -labels * m.log(predictions + eps) - (one - labels) * m.log(one - predictions + eps)

    return _pointwise_loss("log_loss", labels, predictions, weights, scope, loss_collection, reduction, formula)


def hinge_loss(labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
               loss_collection: str | None = GraphKeys.LOSSES,
               reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """max(0, 1 - (2 * labels - 1) * logits) for labels in {0, 1}."""
    nn = nn_ops

    def formula(labels: Tensor, logits: Tensor) -> Tensor:
        one = convert_to_tensor(1, dtype=logits.dtype)
        two = convert_to_tensor(2, dtype=logits.dtype)
        return nn.relu(one - (two * labels - one) * logits)

    return _pointwise_loss("hinge_loss", labels, logits, weights, scope, loss_collection, reduction, formula)


def softmax_cross_entropy(onehot_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    m = math_ops
    a = array_ops
    nn = nn_ops
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as scope:
        labels, logits = _convert_pair(onehot_labels, logits)
        if label_smoothing > 0:
            num_classes = logits.shape.dims[-1]
            if num_classes is None:
                num_classes_t = m.cast(a.shape(logits)[-1], logits.dtype)
            else:
                num_classes_t = convert_to_tensor(float(num_classes), dtype=logits.dtype)
            ls = convert_to_tensor(label_smoothing, dtype=logits.dtype)
            one = convert_to_tensor(1, dtype=logits.dtype)
            labels = labels * (one - ls) + ls / num_classes_t
        fn = getattr(nn, "softmax_cross_entropy_with_logits_v2", None) or nn.softmax_cross_entropy_with_logits
        losses = fn(labels=a.stop_gradient(labels), logits=logits)
        return compute_weighted_loss(losses, weights, scope, loss_collection=loss_collection, reduction=reduction)


def sparse_softmax_cross_entropy(labels: Any, logits: Any, weights: Any = 1.0, scope: str | None = None,
                                 loss_collection: str | None = GraphKeys.LOSSES,
                                 reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    a = array_ops
    nn = nn_ops
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as scope:
        # TF's _remove_squeezable_dimensions: labels [batch, 1] and weights [batch, 1] lose
        # their last axis (weights of labels' shape plus a trailing 1 must not broadcast)
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels)
        if labels.shape.rank is not None and logits.shape.rank is not None and \
                labels.shape.rank == logits.shape.rank:
            labels = a.squeeze(labels, [-1])
        if isinstance(weights, Tensor) or hasattr(weights, "_as_graph_element") or np.ndim(weights) > 0:
            weights = convert_to_tensor(weights)
            if labels.shape.rank is not None and weights.shape.rank == labels.shape.rank + 1:
                weights = a.squeeze(weights, [-1])
        losses = nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection=loss_collection, reduction=reduction)


def sigmoid_cross_entropy(multi_class_labels: Any, logits: Any, weights: Any = 1.0, label_smoothing: float = 0,
                          scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    nn = nn_ops
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as scope:
        labels, logits = _convert_pair(multi_class_labels, logits)
        if label_smoothing > 0:
            ls = convert_to_tensor(label_smoothing, dtype=logits.dtype)
            one = convert_to_tensor(1, dtype=logits.dtype)
            half = convert_to_tensor(0.5, dtype=logits.dtype)
            labels = labels * (one - ls) + half * ls
        losses = nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return compute_weighted_loss(losses, weights, scope, loss_collection=loss_collection, reduction=reduction)


def cosine_distance(labels: Any, predictions: Any, axis: int | None = None, weights: Any = 1.0,
                    scope: str | None = None, loss_collection: str | None = GraphKeys.LOSSES,
                    reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS, dim: int | None = None) -> Tensor:
    """1 - sum(labels * predictions, axis) for unit-normalized inputs."""
    m = math_ops
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify 'axis'.")

    def formula(labels: Tensor, predictions: Tensor) -> Tensor:
        one = convert_to_tensor(1, dtype=predictions.dtype)
        return one - m.reduce_sum(m.multiply(predictions, labels), axis=axis, keepdims=True)

    return _pointwise_loss("cosine_distance_loss", labels, predictions, weights, scope, loss_collection, reduction,
                           formula)


def mean_pairwise_squared_error(labels: Any, predictions: Any, weights: Any = 1.0, scope: str | None = None,
                                loss_collection: str | None = GraphKeys.LOSSES) -> Tensor:
    raise NotImplementedError("tf.losses.mean_pairwise_squared_error is not supported by flowjit")
