"""TF1 CTC: `tf.nn.ctc_loss` and `tf.nn.ctc_greedy_decoder` over the ops of ir/ops/ctc.py.

Labels are a SparseTensor of int32 class ids (row b holds example b's label sequence); inputs
are logits [max_time, batch, num_classes] (or batch-major with time_major=False), the blank is
class num_classes - 1.
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, math_ops

__all__ = ["ctc_loss", "ctc_greedy_decoder"]


def ctc_loss(labels: Any, inputs: Any = None, sequence_length: Any = None, preprocess_collapse_repeated: bool = False,
             ctc_merge_repeated: bool = True, ignore_longer_outputs_than_inputs: bool = False,
             time_major: bool = True, logits: Any = None) -> Tensor:
    """The negative log probability of each example's label sequence ([batch]); its gradient
    with respect to the logits is the CTCLoss op's second output."""
    if not isinstance(labels, SparseTensor):
        raise TypeError(f"Expected argument `labels` to be a SparseTensor. Received labels={labels} of type: "
                        f"{type(labels).__name__}")
    if inputs is not None and logits is not None:
        raise ValueError("Cannot specify both 'logits' and 'inputs'")
    inputs = logits if inputs is None else inputs
    x = convert_to_tensor(inputs, name="logits")
    if not time_major:
        x = array_ops.transpose(x, [1, 0, 2])  # (batch, time, classes) -> (time, batch, classes)
    orig = x.dtype
    if orig == dtypes.float16:
        x = math_ops.cast(x, dtypes.float32)
    seq = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    attrs = {"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
             "ctc_merge_repeated": bool(ctc_merge_repeated),
             "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs)}
    op = get_default_graph().create_op("CTCLoss", [x, labels.indices, labels.values, seq], attrs, name="CTCLoss")
    loss = op.outputs[0]
    return math_ops.cast(loss, orig) if orig == dtypes.float16 else loss


def ctc_greedy_decoder(inputs: Any, sequence_length: Any, merge_repeated: bool = True,
                       blank_index: int | None = None) -> tuple[list[SparseTensor], Tensor]:
    """Best path decoding: ([SparseTensor of int64 class ids, shape [batch, longest]],
    neg_sum_logits [batch, 1]); repeated classes are merged when `merge_repeated`, blanks dropped
    (the blank is `blank_index`, by default num_classes - 1; a negative one counts from the end)."""
    x = convert_to_tensor(inputs, name="inputs")
    seq = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    attrs = {"merge_repeated": bool(merge_repeated), "blank_index": -1 if blank_index is None else int(blank_index)}
    ix, val, shape, log_prob = get_default_graph().create_op("CTCGreedyDecoder", [x, seq], attrs,
                                                             name="CTCGreedyDecoder").outputs
    return [SparseTensor(ix, val, shape)], log_prob
