"""Connectionist temporal classification: CTCLoss and CTCGreedyDecoder (TF's ctc_ops).

CTCLoss(inputs [max_time, batch, num_classes] logits, labels_indices int64 [N, 2],
labels_values int32 [N], sequence_length int32 [batch]) -> (loss [batch], gradient [max_time,
batch, num_classes]): the negative log likelihood of each label sequence and its gradient
with respect to the logits (softmax minus the label posteriors, as TF's CTCLossCalculator).
The blank is class num_classes - 1. Forward and backward variables are kept in log space
(no underflow over long sequences), vectorised over the states of the label lattice
l' = [blank, l1, blank, l2, ..., blank]; only time is a Python loop.

CTCGreedyDecoder(inputs, sequence_length) -> (decoded indices, values, shape, log_probability):
the best class per frame, repeats merged (attr merge_repeated), blanks dropped; the log
probability is minus the sum of the frames' largest logits, as TF computes it.

Host ops: the decoder's output length depends on the data, and the loss is a sequential
recursion over time.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ._util import spec
from .sparse import indices_error

_FLOATS = (dtypes.float32, dtypes.float64)


def _require(op: str, v: Value, allowed: Sequence[dtypes.DType], what: str, rank: int) -> None:
    if v.dtype not in allowed:
        raise TypeError(f"{op} {what} must be one of {[d.name for d in allowed]}, got {v.dtype.name}")
    if v.shape.rank is not None and v.shape.rank != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {v.shape.rank} for {op} {what} (shape {v.shape})")


def _dims(v: Value, rank: int) -> list[int | None]:
    return v.shape.as_list() if v.shape.rank is not None else [None] * rank


def _merge(a: int | None, b: int | None, what: str) -> int | None:
    if a is not None and b is not None and a != b:
        raise ValueError(f"Dimensions must be equal, but are {a} and {b} ({what})")
    return a if a is not None else b


# --- CTCLoss ---------------------------------------------------------------------------------

def _loss_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x, indices, values, seq = inputs
    op = "CTCLoss"
    _require(op, x, _FLOATS, "inputs", 3)
    _require(op, indices, (dtypes.int64,), "labels_indices", 2)
    _require(op, values, (dtypes.int32,), "labels_values", 1)
    _require(op, seq, (dtypes.int32,), "sequence_length", 1)
    t, b, c = _dims(x, 3)
    b = _merge(b, _dims(seq, 1)[0], "the batch of inputs and the length of sequence_length")
    _merge(_dims(indices, 2)[0], _dims(values, 1)[0], "labels_indices rows and labels_values")
    return [spec(x.dtype, [b]), spec(x.dtype, [t, b, c])]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    top = np.max(x, axis=-1, keepdims=True)
    shifted = x - top
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _logsumexp(*terms: np.ndarray) -> np.ndarray:
    stack = np.stack(terms)
    top = np.max(stack, axis=0)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.sum(np.exp(stack - safe), axis=0))


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """a moved k states right (toward later states), -inf shifted in."""
    out = np.full_like(a, -np.inf)
    if k < a.shape[0]:
        out[k:] = a[:a.shape[0] - k]
    return out


def _unshift(a: np.ndarray, k: int) -> np.ndarray:
    """a moved k states left (toward earlier states), -inf shifted in."""
    out = np.full_like(a, -np.inf)
    if k < a.shape[0]:
        out[:a.shape[0] - k] = a[k:]
    return out


def ctc_sequence(logp: np.ndarray, labels: Sequence[int], blank: int,
                 merge_repeated: bool) -> tuple[float, np.ndarray]:
    """-log p(labels | frames) and the posterior of each class per frame ([T, C]), from the
    log-softmax `logp` ([T, C]) of one sequence. The transitions are TF's: a state may repeat
    (non-blank ones only when merge_repeated), advance one state, or skip a blank between two
    labels (not between equal labels when merge_repeated)."""
    n_frames, n_classes = logp.shape
    lp = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    lp[1::2] = labels
    n_states = lp.shape[0]
    stay = (lp == blank) | merge_repeated
    skip = np.zeros(n_states, dtype=bool)  # state u may be entered from u - 2
    if n_states > 2:
        skip[2:] = (lp[2:] != blank) & ~(merge_repeated & (lp[2:] == lp[:-2]))
    skip_from = np.zeros(n_states, dtype=bool)  # state u may go on to u + 2
    skip_from[:-2] = skip[2:]
    emit = logp[:, lp]  # [T, U]: log y of each state's class per frame
    alpha = np.full((n_frames, n_states), -np.inf)
    alpha[0, 0] = emit[0, 0]
    if n_states > 1:
        alpha[0, 1] = emit[0, 1]
    for t in range(1, n_frames):
        prev = alpha[t - 1]
        alpha[t] = _logsumexp(np.where(stay, prev, -np.inf), _shift(prev, 1),
                              np.where(skip, _shift(prev, 2), -np.inf)) + emit[t]
    beta = np.full((n_frames, n_states), -np.inf)
    beta[-1, -1] = 0.0
    if n_states > 1:
        beta[-1, -2] = 0.0
    for t in range(n_frames - 2, -1, -1):
        nxt = beta[t + 1] + emit[t + 1]
        beta[t] = _logsumexp(np.where(stay, nxt, -np.inf), _unshift(nxt, 1),
                             np.where(skip_from, _unshift(nxt, 2), -np.inf))
    log_p = float(_logsumexp(*(alpha[0] + beta[0])))
    if not np.isfinite(log_p):
        return np.inf, np.zeros((n_frames, n_classes))
    occupancy = np.exp(alpha + beta - log_p)  # [T, U], each <= 1: no overflow
    posterior = np.zeros((n_frames, n_classes))
    np.add.at(posterior.T, lp, occupancy.T)
    return -log_p, posterior


def _label_sequences(ctx: Any, indices: np.ndarray, values: np.ndarray, batch: int) -> list[list[int]]:
    """The labels of each batch entry, checked as TF's CTCLoss op checks its SparseTensor."""
    if indices.shape[0] != values.shape[0]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"labels_indices and labels_values must contain the same number of rows, but saw shapes: "
                        f"{list(indices.shape)} vs. {list(values.shape)}")
    max_len = int(indices[:, 1].max()) + 1 if indices.shape[0] else 0
    message = indices_error(indices, [batch, max_len])
    if message is not None:
        raise ctx.error(errors.InvalidArgumentError, f"label SparseTensor is not valid: {message}")
    out: list[list[int]] = [[] for _ in range(batch)]
    for (b, _), v in zip(indices.tolist(), values.tolist()):
        out[b].append(int(v))
    return out


def _prepare_label(ctx: Any, label: list[int], b: int, num_classes: int, collapse: bool) -> list[int]:
    """TF's PopulateLPrimes for one entry: collapse repeats if asked, stop at the first null
    label (>= num_classes - 1), check the range."""
    if not label:
        raise ctx.error(errors.InvalidArgumentError, f"Labels length is zero in batch {b}")
    kept: list[int] = []
    finished = False
    for i, v in enumerate(label):
        if i == 0 or not collapse or v != label[i - 1]:
            if v >= num_classes - 1:
                finished = True
            elif finished:
                raise ctx.error(errors.InvalidArgumentError,
                                f"Saw a non-null label (index >= num_classes - 1) following a null label, batch: {b} "
                                f"num_classes: {num_classes} labels: {','.join(map(str, label))} labels seen so far: "
                                f"{','.join(map(str, kept))}")
            else:
                kept.append(v)
    if any(v < 0 for v in kept):
        raise ctx.error(errors.InvalidArgumentError,
                        f"All labels must be nonnegative integers, batch: {b} labels: {','.join(map(str, kept))}")
    return kept


def _loss_kernel(ctx: Any, x: np.ndarray, indices: np.ndarray, values: np.ndarray,
                 seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_frames, batch, n_classes = x.shape
    if seq.shape[0] != batch:
        raise ctx.error(errors.InvalidArgumentError, f"len(sequence_length) != batch_size.  len(sequence_length):  "
                        f"{seq.shape[0]} batch_size: {batch}")
    if batch == 0:
        raise ctx.error(errors.InvalidArgumentError, "batch_size must not be 0")
    labels = _label_sequences(ctx, indices, values, batch)
    for b in range(batch):
        if seq[b] > n_frames:
            raise ctx.error(errors.InvalidArgumentError, f"sequence_length({b}) <= {n_frames}")
    for b in range(batch):
        if seq[b] < 0:
            raise ctx.error(errors.InvalidArgumentError, f"seq_len({b}) < 0")
    collapse = bool(ctx.attrs.get("preprocess_collapse_repeated", False))
    merge = bool(ctx.attrs.get("ctc_merge_repeated", True))
    ignore_longer = bool(ctx.attrs.get("ignore_longer_outputs_than_inputs", False))
    blank = n_classes - 1
    loss = np.zeros(batch, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    logp = _log_softmax(x.astype(np.float64))
    for b in range(batch):
        kept = _prepare_label(ctx, labels[b], b, n_classes, collapse)
        n = int(seq[b])
        if len(labels[b]) > n:
            if ignore_longer:
                continue  # TF: loss 0 and gradient 0 for this entry
            raise ctx.error(errors.InvalidArgumentError,
                            f"Not enough time for target transition sequence (required: {len(labels[b])}, available: "
                            f"{n}){b}You can turn this error into a warning by using the flag "
                            "ignore_longer_outputs_than_inputs")
        nll, posterior = ctc_sequence(logp[:n, b], kept, blank, merge)
        loss[b] = nll
        grad[:n, b] = np.exp(logp[:n, b]) - posterior  # no valid path: the softmax itself, as TF
    return loss.astype(x.dtype), grad.astype(x.dtype)


register_op("CTCLoss", infer=_loss_infer, kernel=_loss_kernel, host=True, num_inputs=4,
            doc="CTCLoss(inputs, labels_indices, labels_values, sequence_length) -> (loss, gradient); attrs "
                "preprocess_collapse_repeated, ctc_merge_repeated, ignore_longer_outputs_than_inputs.")


# --- CTCGreedyDecoder ----------------------------------------------------------------------

def _greedy_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x, seq = inputs
    op = "CTCGreedyDecoder"
    _require(op, x, _FLOATS, "inputs", 3)
    _require(op, seq, (dtypes.int32,), "sequence_length", 1)
    b = _merge(_dims(x, 3)[1], _dims(seq, 1)[0], "the batch of inputs and the length of sequence_length")
    return [spec(dtypes.int64, [None, 2]), spec(dtypes.int64, [None]), spec(dtypes.int64, [2]),
            spec(x.dtype, [b, 1])]


def _greedy_kernel(ctx: Any, x: np.ndarray, seq: np.ndarray) -> tuple[np.ndarray, ...]:
    n_frames, batch, n_classes = x.shape
    if seq.shape[0] != batch:
        raise ctx.error(errors.FailedPreconditionError, f"len(sequence_length) != batch_size.  len(sequence_length):  "
                        f"{seq.shape[0]} batch_size: {batch}")
    for b in range(batch):
        if seq[b] > n_frames:
            raise ctx.error(errors.FailedPreconditionError, f"sequence_length({b}) <= {n_frames}")
    merge = bool(ctx.attrs.get("merge_repeated", True))
    blank = int(ctx.attrs.get("blank_index", -1))
    blank = blank + n_classes if blank < 0 else blank
    if not 0 <= blank < max(n_classes, 1):
        raise ctx.error(errors.InvalidArgumentError, f"blank_index expected to be between {-n_classes} and "
                        f"{n_classes - 1} but was {ctx.attrs.get('blank_index')}")
    best = np.argmax(x, axis=2) if n_classes else np.zeros((n_frames, batch), np.int64)  # first maximum, as TF
    top = np.max(x, axis=2) if n_classes else np.zeros((n_frames, batch), x.dtype)
    log_prob = np.zeros((batch, 1), dtype=x.dtype)
    rows: list[tuple[int, int]] = []
    vals: list[int] = []
    longest = 0
    for b in range(batch):
        n = max(int(seq[b]), 0)
        cls = best[:n, b]
        log_prob[b, 0] = 0.0 - np.sum(top[:n, b], dtype=x.dtype)  # 0, not -0, for an empty sequence
        keep = cls != blank
        if merge and n > 1:
            keep[1:] &= cls[1:] != cls[:-1]
        decoded = cls[keep].tolist()
        rows.extend((b, i) for i in range(len(decoded)))
        vals.extend(decoded)
        longest = max(longest, len(decoded))
    indices = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return (indices, np.array(vals, dtype=np.int64), np.array([batch, longest], dtype=np.int64), log_prob)


register_op("CTCGreedyDecoder", infer=_greedy_infer, kernel=_greedy_kernel, host=True, num_inputs=2,
            doc="CTCGreedyDecoder(inputs, sequence_length) -> (decoded_indices, decoded_values, decoded_shape, "
                "log_probability); attrs merge_repeated, blank_index (-1: the last class).")
