"""`tf.metrics`: TF1's streaming metrics, built from existing ops.

Each metric returns `(value, update_op)`; its accumulators are local variables (collections
LOCAL_VARIABLES and METRIC_VARIABLES) named as TF1 names them (`accuracy/total`, ...), and the
math follows tensorflow/python/ops/metrics_impl.py so values agree across Session.run calls.
"""

from __future__ import annotations

from typing import Any, Sequence

from ...ir.dtypes import bool_, float32, float64, int32, int64
from ..framework.graph import GraphKeys, add_to_collections, control_dependencies
from ..framework.tensor import Tensor, constant, convert_to_tensor
from . import array_ops, control_flow, math_ops
from .variables import Variable, assign_add, scatter_add, variable_scope

__all__ = ["accuracy", "auc", "false_negatives", "false_negatives_at_thresholds", "false_positives",
           "false_positives_at_thresholds", "mean", "mean_absolute_error", "mean_iou", "mean_per_class_accuracy",
           "mean_relative_error", "mean_squared_error", "mean_tensor", "percentage_below", "precision",
           "precision_at_thresholds", "recall", "recall_at_thresholds", "root_mean_squared_error",
           "true_negatives", "true_negatives_at_thresholds", "true_positives", "true_positives_at_thresholds"]

METRIC_VARIABLES = GraphKeys.METRIC_VARIABLES


def metric_variable(shape: Sequence[int], dtype: Any, validate_shape: bool = True, name: str | None = None) -> Variable:
    """A zero-initialized, non-trainable local variable in LOCAL_VARIABLES and METRIC_VARIABLES."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _collect(collections: Sequence[str] | None, value: Any) -> None:
    if collections:
        add_to_collections(collections, value)


def _remove_squeezable(labels: Tensor, predictions: Tensor) -> tuple[Tensor, Tensor]:
    """Squeeze the last dimension of the one whose rank is one larger and whose last dim is 1."""
    lr, pr = labels.shape.ndims, predictions.shape.ndims
    if lr is not None and pr is not None:
        if lr - pr == 1 and labels.shape.as_list()[-1] in (1, None):
            labels = array_ops.squeeze(labels, [-1])
        elif pr - lr == 1 and predictions.shape.as_list()[-1] in (1, None):
            predictions = array_ops.squeeze(predictions, [-1])
    return labels, predictions


def _remove_squeezable_dimensions(predictions: Any, labels: Any, weights: Any
                                  ) -> tuple[Tensor, Tensor | None, Tensor | None]:
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels, predictions = _remove_squeezable(convert_to_tensor(labels), predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible")
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    wr, pr = weights.shape.ndims, predictions.shape.ndims
    if wr == 0 or wr is None or pr is None:
        return predictions, labels, weights
    if wr - pr == 1:
        weights = array_ops.squeeze(weights, [-1])
    elif pr - wr == 1:
        weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def _broadcast_weights(weights: Tensor, values: Tensor) -> Tensor:
    weights = math_ops.cast(weights, float32)
    if weights.shape.is_fully_defined() and values.shape.is_fully_defined() and weights.shape == values.shape:
        return weights
    return math_ops.multiply(weights, array_ops.ones_like(values))


def _safe_div(num: Tensor, den: Tensor, name: str) -> Tensor:
    return math_ops.div_no_nan(num, math_ops.maximum(den, 0.0), name=name)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.mean`: weighted running mean; variables `mean/total`, `mean/count`."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(values, float32)
        total = metric_variable([], float32, name="total")
        count = metric_variable([], float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = assign_add(total, math_ops.reduce_sum(values))
        with control_dependencies([values]):
            update_count = assign_add(count, num_values)
        mean_t = _safe_div(total, count, "value")
        _collect(metrics_collections, mean_t)
        update_op = _safe_div(update_total, update_count, "update_op")
        _collect(updates_collections, update_op)
        return mean_t, update_op


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.mean_tensor`: element-wise running mean of a fixed-shape tensor."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(values, float32)
        total = metric_variable(values.shape, float32, name="total_tensor")
        count = metric_variable(values.shape, float32, name="count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = assign_add(total, values)
        with control_dependencies([values]):
            update_count = assign_add(count, num_values)
        mean_t = _safe_div(total, count, "value")
        _collect(metrics_collections, mean_t)
        update_op = _safe_div(update_total, update_count, "update_op")
        _collect(updates_collections, update_op)
        return mean_t, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.accuracy`: the mean of `predictions == labels`."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    if labels.dtype != predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or "accuracy")


def _count_condition(values: Tensor, weights: Any, metrics_collections: Any, updates_collections: Any):
    count = metric_variable([], float32, name="count")
    values = math_ops.cast(values, float32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, float32))
    value_tensor = array_ops.identity(count)
    _collect(metrics_collections, value_tensor)
    update_op = assign_add(count, math_ops.reduce_sum(values))
    _collect(updates_collections, update_op)
    return value_tensor, update_op


def _bool_condition(default: str, which: str):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with variable_scope(name, default, (predictions, labels, weights)):
            predictions, labels, weights = _remove_squeezable_dimensions(
                math_ops.cast(predictions, bool_), math_ops.cast(labels, bool_), weights)
            lab = labels if which in ("tp", "fn") else math_ops.logical_not(labels)
            pred = predictions if which in ("tp", "fp") else math_ops.logical_not(predictions)
            return _count_condition(math_ops.logical_and(lab, pred), weights, metrics_collections,
                                    updates_collections)
    metric.__name__ = default
    metric.__doc__ = f"`tf.metrics.{default}`: the weighted count of {default.replace('_', ' ')}."
    return metric


true_positives = _bool_condition("true_positives", "tp")
false_positives = _bool_condition("false_positives", "fp")
true_negatives = _bool_condition("true_negatives", "tn")
false_negatives = _bool_condition("false_negatives", "fn")


def _ratio(default: str, other, name_fn):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with variable_scope(name, default, (predictions, labels, weights)):
            predictions, labels, weights = _remove_squeezable_dimensions(
                math_ops.cast(predictions, bool_), math_ops.cast(labels, bool_), weights)
            tp, tp_up = true_positives(labels, predictions, weights)
            o, o_up = other(labels, predictions, weights)

            def compute(a: Tensor, b: Tensor, nm: str) -> Tensor:
                return math_ops.where(math_ops.greater(a + b, 0), math_ops.div(a, a + b),
                                      array_ops.zeros_like(a), name=nm)

            value = compute(tp, o, "value")
            _collect(metrics_collections, value)
            update_op = compute(tp_up, o_up, "update_op")
            _collect(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default
    metric.__doc__ = f"`tf.metrics.{default}`: tp / (tp + {name_fn}), 0 when both are 0."
    return metric


precision = _ratio("precision", false_positives, "fp")
recall = _ratio("recall", false_negatives, "fn")


def _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights=None, includes=None):
    """TF's per-threshold tp/fn/tn/fp accumulators (prediction > threshold counts as positive)."""
    all_includes = ("tp", "fn", "tn", "fp")
    includes = all_includes if includes is None else includes
    for k in includes:
        if k not in all_includes:
            raise ValueError(f"Invalid key: {k}")
    predictions = convert_to_tensor(predictions)
    with control_dependencies([
            control_flow.assert_greater_equal(predictions, math_ops.cast(0.0, predictions.dtype),
                                              message="predictions must be in [0, 1]"),
            control_flow.assert_less_equal(predictions, math_ops.cast(1.0, predictions.dtype),
                                           message="predictions must be in [0, 1]")]):
        predictions, labels, weights = _remove_squeezable_dimensions(
            math_ops.cast(predictions, float32), math_ops.cast(labels, bool_), weights)
    n = len(thresholds)
    preds_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(math_ops.cast(labels, bool_), [1, -1])
    num_predictions = array_ops.shape(preds_2d)[0]
    thresh_tiled = array_ops.tile(array_ops.expand_dims(constant(thresholds, dtype=float32), 1),
                                  array_ops.stack([1, num_predictions]))
    preds_tiled = array_ops.tile(array_ops.transpose(preds_2d), [n, 1])
    pred_is_pos = math_ops.greater(preds_tiled, thresh_tiled)
    label_is_pos = array_ops.tile(labels_2d, [n, 1])
    label_is_neg = math_ops.logical_not(label_is_pos)
    weights_tiled = None
    if weights is not None:
        w = _broadcast_weights(weights, predictions)
        weights_tiled = array_ops.tile(array_ops.reshape(w, [1, -1]), [n, 1])
    conds = {"tp": (label_is_pos, pred_is_pos, "true_positives"),
             "fn": (label_is_pos, math_ops.logical_not(pred_is_pos), "false_negatives"),
             "tn": (label_is_neg, math_ops.logical_not(pred_is_pos), "true_negatives"),
             "fp": (label_is_neg, pred_is_pos, "false_positives")}
    values: dict[str, Any] = {}
    update_ops: dict[str, Tensor] = {}
    for k in all_includes:
        if k not in includes:
            continue
        lab, pred, vname = conds[k]
        var = metric_variable([n], float32, name=vname)
        hit = math_ops.cast(math_ops.logical_and(lab, pred), float32)
        if weights_tiled is not None:
            hit = hit * weights_tiled
        update_ops[k] = assign_add(var, math_ops.reduce_sum(hit, 1))
        values[k] = var
    return values, update_ops


def _at_thresholds_count(default: str, key: str):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default, (predictions, labels, weights)):
            values, update_ops = _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights,
                                                                 includes=(key,))
            value = array_ops.identity(values[key])
            _collect(metrics_collections, value)
            _collect(updates_collections, update_ops[key])
            return value, update_ops[key]
    metric.__name__ = default + "_at_thresholds"
    metric.__doc__ = f"`tf.metrics.{default}_at_thresholds`: per-threshold weighted counts."
    return metric


true_positives_at_thresholds = _at_thresholds_count("true_positives", "tp")
false_positives_at_thresholds = _at_thresholds_count("false_positives", "fp")
true_negatives_at_thresholds = _at_thresholds_count("true_negatives", "tn")
false_negatives_at_thresholds = _at_thresholds_count("false_negatives", "fn")


def _ratio_at_thresholds(default: str, other: str):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, default, (predictions, labels, weights)):
            values, update_ops = _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights,
                                                                 includes=("tp", other))
            prefix = default.split("_")[0] + "_"

            def compute(tp: Tensor, o: Tensor, nm: str) -> Tensor:
                return math_ops.div(tp, 1e-7 + tp + o, name=prefix + nm)

            value = compute(values["tp"], values[other], "value")
            update_op = compute(update_ops["tp"], update_ops[other], "update_op")
            _collect(metrics_collections, value)
            _collect(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default
    metric.__doc__ = f"`tf.metrics.{default}`: tp / (tp + {other} + 1e-7) per threshold."
    return metric


precision_at_thresholds = _ratio_at_thresholds("precision_at_thresholds", "fp")
recall_at_thresholds = _ratio_at_thresholds("recall_at_thresholds", "fn")


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None,
        curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """`tf.metrics.auc`: Riemann-sum ROC or PR area over `num_thresholds` thresholds."""
    with variable_scope(name, "auc", (labels, predictions, weights)):
        if curve != "ROC" and curve != "PR":
            raise ValueError(f"Curve must be either ROC or PR. Curve {curve} is unknown.")
        if summation_method not in ("trapezoidal", "careful_interpolation", "minoring", "majoring"):
            raise ValueError(f"Invalid summation_method: {summation_method} summation_method should be "
                             "'trapezoidal', 'careful_interpolation', 'minoring', or 'majoring'.")
        kepsilon = 1e-7
        if thresholds is not None:
            thresholds = sorted(thresholds)
            num_thresholds = len(thresholds) + 2
        else:
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        thresholds = [0.0 - kepsilon] + list(thresholds) + [1.0 + kepsilon]
        values, update_ops = _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights)
        n = num_thresholds
        epsilon = 1.0e-6

        def interpolate_pr_auc(tp: Tensor, fp: Tensor, fn: Tensor) -> Tensor:
            dtp = tp[:n - 1] - tp[1:]
            p = tp + fp
            slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[:n - 1] - p[1:], 0.0), name="prec_slope")
            intercept = tp[1:] - math_ops.multiply(slope, p[1:])
            ratio = math_ops.where(math_ops.logical_and(p[:n - 1] > 0, p[1:] > 0),
                                   math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0.0),
                                                       name="recall_relative_ratio"),
                                   array_ops.ones_like(p[1:]))
            return math_ops.reduce_sum(math_ops.div_no_nan(slope * (dtp + intercept * math_ops.log(ratio)),
                                                           math_ops.maximum(tp[1:] + fn[1:], 0.0),
                                                           name="pr_auc_increment"), name="interpolate_pr_auc")

        def compute_auc(tp: Tensor, fn: Tensor, tn: Tensor, fp: Tensor, nm: str) -> Tensor:
            if curve == "PR" and summation_method == "careful_interpolation":
                return interpolate_pr_auc(tp, fp, fn)
            rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.divide(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
            if summation_method in ("trapezoidal", "careful_interpolation"):
                height = (y[:n - 1] + y[1:]) / 2.0
            elif summation_method == "minoring":
                height = math_ops.minimum(y[:n - 1], y[1:])
            else:
                height = math_ops.maximum(y[:n - 1], y[1:])
            return math_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], height), name=nm)

        value = compute_auc(values["tp"], values["fn"], values["tn"], values["fp"], "value")
        update_op = compute_auc(update_ops["tp"], update_ops["fn"], update_ops["tn"], update_ops["fp"], "update_op")
        _collect(metrics_collections, value)
        _collect(updates_collections, update_op)
        return value, update_op


def _error_mean(default: str, fn):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
        return mean(fn(labels, predictions), weights, metrics_collections, updates_collections, name or default)
    metric.__name__ = default
    metric.__doc__ = f"`tf.metrics.{default}`: the running mean of the per-element error."
    return metric


mean_absolute_error = _error_mean("mean_absolute_error", lambda l, p: math_ops.abs(p - l))
mean_squared_error = _error_mean("mean_squared_error", lambda l, p: math_ops.squared_difference(p, l))


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                            name=None):
    """`tf.metrics.root_mean_squared_error`: sqrt of the running mean squared error."""
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None, name or "root_mean_squared_error")
    rmse = math_ops.sqrt(mse)
    _collect(metrics_collections, rmse)
    update_op = math_ops.sqrt(update_mse)
    _collect(updates_collections, update_op)
    return rmse, update_op


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """`tf.metrics.mean_relative_error`: mean of |labels - predictions| / normalizer (0 where it is 0)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    normalizer, predictions = _remove_squeezable(convert_to_tensor(normalizer, dtype_hint=predictions.dtype),
                                                 predictions)
    if not predictions.shape.is_compatible_with(normalizer.shape):
        raise ValueError(f"Shapes {predictions.shape} and {normalizer.shape} are incompatible")
    relative = math_ops.where(math_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                              math_ops.div(math_ops.abs(labels - predictions), normalizer))
    return mean(relative, weights, metrics_collections, updates_collections, name or "mean_relative_error")


def percentage_below(values, threshold, weights=None, metrics_collections=None, updates_collections=None,
                     name=None):
    """`tf.metrics.percentage_below`: the weighted fraction of values below `threshold`."""
    values = convert_to_tensor(values)
    is_below = math_ops.cast(math_ops.less(values, threshold), float32)
    return mean(is_below, weights, metrics_collections, updates_collections, name or "percentage_below_threshold")


def _flat(t: Any) -> Tensor:
    t = convert_to_tensor(t)
    return array_ops.reshape(t, [-1]) if t.shape.ndims is None or t.shape.ndims > 1 else t


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """`tf.metrics.mean_iou`: mean intersection-over-union from a running float64 confusion matrix."""
    with variable_scope(name, "mean_iou", (predictions, labels, weights)):
        predictions, labels = convert_to_tensor(predictions), convert_to_tensor(labels)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible")
        total_cm = metric_variable([num_classes, num_classes], float64, name="total_confusion_matrix")
        lab = array_ops.one_hot(_flat(math_ops.cast(labels, int64)), num_classes, dtype=float64)
        pred = array_ops.one_hot(_flat(math_ops.cast(predictions, int64)), num_classes, dtype=float64)
        if weights is not None:
            w = math_ops.cast(_flat(weights), float64)
            lab = lab * array_ops.expand_dims(w * array_ops.ones([array_ops.shape(lab)[0]], float64), 1)
        update_op = assign_add(total_cm, math_ops.matmul(lab, pred, transpose_a=True))
        eye = array_ops.eye(num_classes, dtype=float64)
        row = math_ops.cast(math_ops.reduce_sum(total_cm, 0), float32)
        col = math_ops.cast(math_ops.reduce_sum(total_cm, 1), float32)
        diag = math_ops.cast(math_ops.reduce_sum(total_cm * eye, 1), float32)
        den = row + col - diag
        num_valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(den, 0.0), float32))
        den = math_ops.where(math_ops.greater(den, 0.0), den, array_ops.ones_like(den))
        iou = math_ops.div(diag, den)
        value = math_ops.where(math_ops.greater(num_valid, 0.0), math_ops.reduce_sum(iou, name="mean_iou") / num_valid,
                               constant(0.0))
        _collect(metrics_collections, value)
        _collect(updates_collections, update_op)
        return value, update_op


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """`tf.metrics.mean_per_class_accuracy`: update_op gives per-class accuracies, value their mean."""
    with variable_scope(name, "mean_accuracy", (predictions, labels, weights)):
        labels = _flat(math_ops.cast(labels, int64))
        predictions = _flat(predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible")
        total = metric_variable([num_classes], float32, name="total")
        count = metric_variable([num_classes], float32, name="count")
        ones = array_ops.ones(array_ops.stack([array_ops.size(labels)]), float32)
        if labels.dtype != predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), float32)
        if weights is not None:
            w = math_ops.cast(_flat(weights), float32)
            is_correct = is_correct * w
            ones = ones * w
        update_total = scatter_add(total, labels, ones)
        update_count = scatter_add(count, labels, is_correct)
        value = math_ops.reduce_mean(_safe_div(count, total, None), name="mean_accuracy")
        _collect(metrics_collections, value)
        update_op = _safe_div(update_count, update_total, "update_op")
        _collect(updates_collections, update_op)
        return value, update_op


def _at_rate(default: str, rate_name: str, upper: float, pick):
    def metric(labels, predictions, rate, weights=None, num_thresholds=200, metrics_collections=None,
               updates_collections=None, name=None):
        if rate < 0 or rate > 1:
            verb = "got" if rate_name == "specificity" else "is"
            raise ValueError(f"`{rate_name}` must be in the range [0, 1]. Currently, `{rate_name}` {verb} {rate}.")
        with variable_scope(name, default, (predictions, labels, weights)):
            kepsilon = 1e-7
            thresholds = ([0.0 - kepsilon] + [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
                          + [upper])
            values, update_ops = _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights)
            value = pick(values["tp"], values["tn"], values["fp"], values["fn"], rate, "value")
            update_op = pick(update_ops["tp"], update_ops["tn"], update_ops["fp"], update_ops["fn"], rate,
                             "update_op")
            _collect(metrics_collections, value)
            _collect(updates_collections, update_op)
            return value, update_op
    metric.__name__ = default
    return metric


def _sensitivity_pick(tp, tn, fp, fn, specificity, name):
    """Sensitivity at the first threshold whose specificity is nearest to `specificity`."""
    specificities = math_ops.divide(tn, tn + fp + 1e-7)
    i = math_ops.cast(math_ops.argmin(math_ops.abs(specificities - specificity), 0), int32)
    tp_i, fn_i = array_ops.gather(tp, i), array_ops.gather(fn, i)
    return math_ops.divide(tp_i, tp_i + fn_i + 1e-7, name)


def _specificity_pick(tp, tn, fp, fn, sensitivity, name):
    """Specificity at the last threshold whose sensitivity is nearest to `sensitivity`."""
    dist = math_ops.abs(math_ops.divide(tp, tp + fn + 1e-7) - sensitivity)
    at_min = math_ops.cumsum(math_ops.cast(math_ops.equal(dist, math_ops.reduce_min(dist)), int64))
    i = math_ops.cast(math_ops.argmax(at_min, 0), int32)
    tn_i, fp_i = array_ops.gather(tn, i), array_ops.gather(fp, i)
    return math_ops.divide(tn_i, tn_i + fp_i + 1e-7, name)


_sens = _at_rate("sensitivity_at_specificity", "specificity", 1.0 + 1e-7, _sensitivity_pick)
_spec = _at_rate("specificity_at_sensitivity", "sensitivity", 1.0 - 1e-7, _specificity_pick)


def sensitivity_at_specificity(labels, predictions, specificity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.sensitivity_at_specificity`: recall where the specificity is nearest `specificity`."""
    return _sens(labels, predictions, specificity, weights, num_thresholds, metrics_collections,
                 updates_collections, name)


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """`tf.metrics.specificity_at_sensitivity`: specificity where the sensitivity is nearest `sensitivity`."""
    return _spec(labels, predictions, sensitivity, weights, num_thresholds, metrics_collections,
                 updates_collections, name)


__all__ += ["sensitivity_at_specificity", "specificity_at_sensitivity"]
