"""`tf.nn.nce_loss` and `tf.nn.sampled_softmax_loss`, built as TF1's nn_impl._compute_sampled_logits:
logits of the true classes and of `num_sampled` sampled classes, minus log(expected count)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, constant, convert_to_tensor
from . import array_ops, math_ops, nn_ops
from .candidate_sampling_ops import log_uniform_candidate_sampler

__all__ = ["nce_loss", "sampled_softmax_loss"]

_FLT_MAX = float(np.finfo(np.float32).max)


def _sum_rows(x: Tensor) -> Tensor:
    """Row sums through a matmul with ones, as TF does (a faster gradient than reduce_sum)."""
    cols = array_ops.shape(x)[1]
    ones = array_ops.ones(array_ops.stack([cols, 1]), x.dtype)
    return array_ops.reshape(math_ops.matmul(x, ones), [-1])


def _accidental_hit_mask(labels: Tensor, sampled: Tensor, num_sampled: int) -> Tensor:
    """[batch, num_sampled] float: 1 where sampled[j] is a true class of the row (the last position of a
    repeated sampled value only, as TF's ComputeAccidentalHits), else 0."""
    eq_true = math_ops.reduce_any(math_ops.equal(array_ops.expand_dims(labels, 2),
                                                 array_ops.reshape(sampled, [1, 1, -1])), axis=1)
    later = constant(np.triu(np.ones((num_sampled, num_sampled), bool), 1))
    repeated_later = math_ops.reduce_any(math_ops.logical_and(
        math_ops.equal(array_ops.expand_dims(sampled, 1), array_ops.expand_dims(sampled, 0)), later), axis=1)
    hit = math_ops.logical_and(eq_true, array_ops.expand_dims(math_ops.logical_not(repeated_later), 0))
    return math_ops.cast(hit, dtypes.float32)


def _compute_sampled_logits(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
                            num_true: int = 1, sampled_values: Any = None, subtract_log_q: bool = True,
                            remove_accidental_hits: bool = False, partition_strategy: str = "mod",
                            name: str | None = None, seed: int | None = None) -> tuple[Tensor, Tensor]:
    if not isinstance(weights, (list, tuple)):
        weights = [weights]
    with name_scope(name, "compute_sampled_logits"):
        inputs = convert_to_tensor(inputs, name="inputs")
        labels = convert_to_tensor(labels, dtype_hint=dtypes.int64, name="labels")
        if labels.dtype != dtypes.int64:
            labels = math_ops.cast(labels, dtypes.int64)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = log_uniform_candidate_sampler(true_classes=labels, num_true=num_true,
                                                           num_sampled=num_sampled, unique=True,
                                                           range_max=num_classes, seed=seed)
        if len(sampled_values) != 3:
            raise ValueError("sampled_values must be a tuple of (sampled_candidates, true_expected_count, "
                             f"sampled_expected_count), got {len(sampled_values)} values")
        sampled, true_expected, sampled_expected = (array_ops.stop_gradient(s) for s in sampled_values)
        sampled = math_ops.cast(sampled, dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)
        all_w = nn_ops.embedding_lookup(list(weights) if len(weights) > 1 else weights[0], all_ids,
                                        partition_strategy=partition_strategy)
        if all_w.dtype != inputs.dtype:
            all_w = math_ops.cast(all_w, inputs.dtype)
        n_true = array_ops.shape(labels_flat)[0]
        true_w = array_ops.slice(all_w, [0, 0], array_ops.stack([n_true, -1]))
        sampled_w = array_ops.slice(all_w, array_ops.stack([n_true, 0]), [-1, -1])
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)
        all_b = nn_ops.embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_b.dtype != inputs.dtype:
            all_b = math_ops.cast(all_b, inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.shape(labels_flat))
        sampled_b = array_ops.slice(all_b, array_ops.shape(labels_flat), [-1])
        dim = array_ops.shape(true_w)[1:2]
        row_dots = math_ops.multiply(array_ops.expand_dims(inputs, 1),
                                     array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0)))
        dots = array_ops.reshape(row_dots, array_ops.concat([[-1], dim], 0))
        true_logits = array_ops.reshape(_sum_rows(dots), [-1, num_true]) + array_ops.reshape(true_b, [-1, num_true])
        sampled_logits = sampled_logits + sampled_b
        if remove_accidental_hits:
            mask = _accidental_hit_mask(array_ops.reshape(labels, [-1, num_true]), sampled, int(num_sampled))
            sampled_logits = sampled_logits + math_ops.cast(mask, inputs.dtype) * (-_FLT_MAX)
        if subtract_log_q:
            true_logits = true_logits - math_ops.log(math_ops.cast(true_expected, inputs.dtype))
            sampled_logits = sampled_logits - math_ops.log(math_ops.cast(sampled_expected, inputs.dtype))
        out_logits = array_ops.concat([true_logits, sampled_logits], 1)
        out_labels = array_ops.concat([array_ops.ones_like(true_logits) / num_true,
                                       array_ops.zeros_like(sampled_logits)], 1)
        return out_logits, out_labels


def nce_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
             num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = False,
             partition_strategy: str = "mod", name: str = "nce_loss") -> Tensor:
    """Noise-contrastive estimation loss per example: [batch] (sum of sigmoid cross-entropies)."""
    logits, labels = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                             num_true=num_true, sampled_values=sampled_values, subtract_log_q=True,
                                             remove_accidental_hits=remove_accidental_hits,
                                             partition_strategy=partition_strategy, name=name)
    losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name="sampled_losses")
    return _sum_rows(losses)


def sampled_softmax_loss(weights: Any, biases: Any, labels: Any, inputs: Any, num_sampled: int, num_classes: int,
                         num_true: int = 1, sampled_values: Any = None, remove_accidental_hits: bool = True,
                         partition_strategy: str = "mod", name: str = "sampled_softmax_loss",
                         seed: int | None = None) -> Tensor:
    """Sampled softmax cross-entropy per example: [batch]."""
    logits, labels = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                             num_true=num_true, sampled_values=sampled_values, subtract_log_q=True,
                                             remove_accidental_hits=remove_accidental_hits,
                                             partition_strategy=partition_strategy, name=name, seed=seed)
    labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return nn_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
