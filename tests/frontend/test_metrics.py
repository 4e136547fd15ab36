"""tf.metrics: streaming values across Session.run calls, variable names and collections, errors."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors

BACKENDS = ["reference", "cpu"]

LAB = [np.array([1, 0, 1, 0]), np.array([1, 1, 0, 0])]
PRED = [np.array([0.9, 0.3, 0.2, 0.6], np.float32), np.array([0.7, 0.55, 0.1, 0.45], np.float32)]
W = [np.array([1, 2, 1, 0.5], np.float32), np.array([1, 1, 3, 1], np.float32)]


def _stream(build, backend: str):
    """Build metrics from (lab, pred, w) placeholders, feed both batches; (updates per batch, values)."""
    with tf.Graph().as_default():
        lab = tf.placeholder(tf.int64, [None])
        pred = tf.placeholder(tf.float32, [None])
        w = tf.placeholder(tf.float32, [None])
        value, update = build(lab, pred, w)
        with tf.Session(backend=backend) as s:
            s.run(tf.local_variables_initializer())
            ups = [s.run(update, {lab: LAB[i], pred: PRED[i], w: W[i]}) for i in range(2)]
            return ups, s.run(value)


def _np_auc(labels, preds, weights, n=200, curve="ROC"):
    """NumPy transcription of TF's threshold-bucket AUC (trapezoidal)."""
    th = np.array([-1e-7] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1 + 1e-7], np.float32)
    pos = preds[None, :] > th[:, None]
    lp = labels.astype(bool)[None, :]
    tp = ((pos & lp) * weights).sum(1)
    fn = ((~pos & lp) * weights).sum(1)
    tn = ((~pos & ~lp) * weights).sum(1)
    fp = ((pos & ~lp) * weights).sum(1)
    eps = 1e-6
    rec = (tp + eps) / (tp + fn + eps)
    if curve == "ROC":
        x, y = fp / (fp + tn + eps), rec
    else:
        x, y = rec, (tp + eps) / (tp + fp + eps)
    return np.sum((x[:-1] - x[1:]) * (y[:-1] + y[1:]) / 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_accuracy_and_mean_stream(backend):
    ups, val = _stream(lambda l, p, w: tf.metrics.accuracy(l, tf.cast(p > 0.5, tf.int64), weights=w), backend)
    correct = [np.array([1, 1, 0, 0.0]), np.array([1, 1, 1, 1.0])]
    want1 = (correct[0] * W[0]).sum() / W[0].sum()
    want2 = ((correct[0] * W[0]).sum() + (correct[1] * W[1]).sum()) / (W[0].sum() + W[1].sum())
    np.testing.assert_allclose(ups, [want1, want2], rtol=1e-6)
    np.testing.assert_allclose(val, want2, rtol=1e-6)
    ups, val = _stream(lambda l, p, w: tf.metrics.mean(p), backend)
    np.testing.assert_allclose(ups, [PRED[0].mean(), np.concatenate(PRED).mean()], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_auc_precision_recall_errors(backend):
    lab, pred, w = np.concatenate(LAB), np.concatenate(PRED), np.concatenate(W)
    _, val = _stream(lambda l, p, w_: tf.metrics.auc(l, p, weights=w_), backend)
    np.testing.assert_allclose(val, _np_auc(lab, pred, w), rtol=1e-5)
    _, val = _stream(lambda l, p, w_: tf.metrics.auc(l, p, curve="PR"), backend)
    np.testing.assert_allclose(val, _np_auc(lab, pred, np.ones_like(w), curve="PR"), rtol=1e-5)
    cls = (pred > 0.5)
    tp, fp, fn = (cls & (lab == 1)).sum(), (cls & (lab == 0)).sum(), (~cls & (lab == 1)).sum()
    _, val = _stream(lambda l, p, w_: tf.metrics.precision(l, p > 0.5), backend)
    np.testing.assert_allclose(val, tp / (tp + fp), rtol=1e-6)
    _, val = _stream(lambda l, p, w_: tf.metrics.recall(l, p > 0.5), backend)
    np.testing.assert_allclose(val, tp / (tp + fn), rtol=1e-6)
    _, val = _stream(lambda l, p, w_: tf.metrics.precision_at_thresholds(l, p, [0.3, 0.6]), backend)
    want = [((pred > t) & (lab == 1)).sum() / (1e-7 + (pred > t).sum()) for t in (0.3, 0.6)]
    np.testing.assert_allclose(val, want, rtol=1e-6)
    _, val = _stream(lambda l, p, w_: tf.metrics.false_negatives_at_thresholds(l, p, [0.1, 0.5], weights=w_),
                     backend)
    np.testing.assert_allclose(val, [((pred <= t) & (lab == 1)) @ w for t in (0.1, 0.5)], rtol=1e-6)
    y = lab.astype(np.float32)
    _, val = _stream(lambda l, p, w_: tf.metrics.root_mean_squared_error(tf.cast(l, tf.float32), p, weights=w_),
                     backend)
    np.testing.assert_allclose(val, np.sqrt(((pred - y) ** 2 * w).sum() / w.sum()), rtol=1e-6)
    _, val = _stream(lambda l, p, w_: tf.metrics.mean_absolute_error(tf.cast(l, tf.float32), p), backend)
    np.testing.assert_allclose(val, np.abs(pred - y).mean(), rtol=1e-6)
    _, val = _stream(lambda l, p, w_: tf.metrics.percentage_below(p, 0.4), backend)
    np.testing.assert_allclose(val, (pred < 0.4).mean(), rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_mean_iou_and_per_class_accuracy(backend):
    lab, pred = np.concatenate(LAB), np.concatenate(PRED) > 0.5
    cm = np.zeros((2, 2))
    for a, b in zip(lab, pred.astype(int)):
        cm[a, b] += 1
    iou = np.diag(cm) / (cm.sum(0) + cm.sum(1) - np.diag(cm))
    _, val = _stream(lambda l, p, w: tf.metrics.mean_iou(l, tf.cast(p > 0.5, tf.int64), 2), backend)
    np.testing.assert_allclose(val, iou.mean(), rtol=1e-6)
    ups, val = _stream(lambda l, p, w: tf.metrics.mean_per_class_accuracy(l, tf.cast(p > 0.5, tf.int64), 2),
                       backend)
    per_class = np.diag(cm) / cm.sum(1)
    np.testing.assert_allclose(ups[1], per_class, rtol=1e-6)  # TF's update_op: the per-class accuracies
    np.testing.assert_allclose(val, per_class.mean(), rtol=1e-6)


def test_variable_names_and_collections():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        acc, acc_up = tf.metrics.accuracy([1, 0], [1, 1], metrics_collections=["mc"], updates_collections=["uc"])
        tf.metrics.mean(x)
        tf.metrics.auc([1, 0], x / 2.0)
        tf.metrics.mean_iou([1, 0], [1, 1], 3)
        names = [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)]
        assert names == ["accuracy/total:0", "accuracy/count:0", "mean/total:0", "mean/count:0",
                         "auc/true_positives:0", "auc/false_negatives:0", "auc/true_negatives:0",
                         "auc/false_positives:0", "mean_iou/total_confusion_matrix:0"]
        assert [v.name for v in tf.local_variables()] == names
        assert tf.global_variables() == [] and tf.trainable_variables() == []
        assert tf.get_collection("mc") == [acc] and tf.get_collection("uc") == [acc_up]
        assert (acc.name, acc_up.name) == ("accuracy/value:0", "accuracy/update_op:0")
        assert tf.local_variables()[4].shape.as_list() == [200]
        assert tf.local_variables()[-1].dtype == tf.float64


def test_bad_arguments():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="`specificity` must be in the range"):
            tf.metrics.sensitivity_at_specificity([1, 0], [0.5, 0.2], 1.5)
        with pytest.raises(ValueError, match="Curve must be either ROC or PR"):
            tf.metrics.auc([1, 0], [0.5, 0.2], curve="XY")
        with pytest.raises(ValueError, match="Invalid summation_method"):
            tf.metrics.auc([1, 0], [0.5, 0.2], summation_method="simpson")
        with pytest.raises(ValueError):
            tf.metrics.accuracy([1, 0, 1], [1, 0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_predictions_outside_unit_interval(backend):
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [2])
        _, up = tf.metrics.auc([1, 0], p)
        with tf.Session(backend=backend) as s:
            s.run(tf.local_variables_initializer())
            assert s.run(up, {p: [0.9, 0.2]}) > 0.99
            with pytest.raises(errors.InvalidArgumentError, match="predictions must be in"):
                s.run(up, {p: [1.5, 0.2]})
        with pytest.raises(errors.InvalidArgumentError, match="predictions must be in"):  # constants: at build
            tf.metrics.auc([1, 0], tf.constant([-0.5, 0.2]))


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(tf):
        lab = tf.placeholder(tf.int64, [None], name="lab")
        pred = tf.placeholder(tf.float32, [None], name="pred")
        w = tf.placeholder(tf.float32, [None], name="w")
        cls = tf.cast(pred > 0.5, tf.int64)
        y = tf.cast(lab, tf.float32)
        ms = [tf.metrics.accuracy(lab, cls, weights=w), tf.metrics.mean(pred, weights=w),
              tf.metrics.mean_tensor(tf.reshape(pred, [2, 2])), tf.metrics.auc(lab, pred, weights=w),
              tf.metrics.auc(lab, pred, curve="PR", summation_method="careful_interpolation"),
              tf.metrics.auc(lab, pred, num_thresholds=10, summation_method="majoring"),
              tf.metrics.precision(lab, cls, weights=w), tf.metrics.recall(lab, cls),
              tf.metrics.precision_at_thresholds(lab, pred, [0.3, 0.6]),
              tf.metrics.recall_at_thresholds(lab, pred, [0.3, 0.6], weights=w),
              tf.metrics.mean_squared_error(y, pred), tf.metrics.root_mean_squared_error(y, pred, weights=w),
              tf.metrics.mean_absolute_error(y, pred),
              tf.metrics.mean_relative_error(y, pred, normalizer=pred - 0.2),
              tf.metrics.mean_iou(lab, cls, 2, weights=w), tf.metrics.mean_per_class_accuracy(lab, cls, 2),
              tf.metrics.true_positives(lab, cls), tf.metrics.false_positives(lab, cls),
              tf.metrics.true_negatives(lab, cls), tf.metrics.false_negatives(lab, cls, weights=w),
              tf.metrics.true_positives_at_thresholds(lab, pred, [0.5]),
              tf.metrics.true_negatives_at_thresholds(lab, pred, [0.5]),
              tf.metrics.false_positives_at_thresholds(lab, pred, [0.5]),
              tf.metrics.percentage_below(pred, 0.4),
              tf.metrics.sensitivity_at_specificity(lab, pred, 0.6, weights=w),
              tf.metrics.specificity_at_sensitivity(lab, pred, 0.5, num_thresholds=20)]
        values = [m[0] for m in ms]
        updates = [m[1] for m in ms]

        def run(sess):
            ups = [sess.run(updates, {lab: LAB[i], pred: PRED[i], w: W[i]}) for i in range(2)]
            return ups, sess.run(values)

        static = ([v.name for v in tf.local_variables()],
                  [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)],
                  [t.name for t in values], [t.name for t in updates])
        return P(run=run, static=static)

    check(prog, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_control_dependency_on_fed_placeholder(backend):
    """TF moves a fed node's control edges onto the feed (mean() depends on its fed values)."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [None])
        with tf.control_dependencies([p]):
            y = tf.identity(tf.constant(3.0))
        with tf.Session(backend=backend) as s:
            assert s.run(y, {p: [1.0]}) == 3.0
            with pytest.raises(errors.InvalidArgumentError, match="must feed a value"):
                s.run(y)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sensitivity_at_specificity(backend):
    lab, pred = np.concatenate(LAB), np.concatenate(PRED)
    _, val = _stream(lambda l, p, w: tf.metrics.sensitivity_at_specificity(l, p, 0.75, num_thresholds=11), backend)
    th = np.array([-1e-7] + [(i + 1) / 10 for i in range(9)] + [1 + 1e-7], np.float32)
    pos = pred[None] > th[:, None]
    tp, fn = (pos & (lab == 1)).sum(1), (~pos & (lab == 1)).sum(1)
    tn, fp = (~pos & (lab == 0)).sum(1), (pos & (lab == 0)).sum(1)
    i = np.argmin(np.abs(tn / (tn + fp + 1e-7) - 0.75))
    np.testing.assert_allclose(val, tp[i] / (tp[i] + fn[i] + 1e-7), rtol=1e-6)
