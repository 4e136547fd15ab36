"""Gradients of the CTC ops (TF's ctc_ops.py): CTCLoss's gradient is its own second output,
scaled by the incoming gradient per example and guarded by PreventGradient (a second
derivative is an error, as in TF); the greedy decoder is not differentiable."""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from ..ops import array_ops
from .gradients import NotDifferentiable, RegisterGradient

_NO_SECOND = ("Currently there is no way to take the second  derivative of ctc_loss due to the fused "
              "implementation's interaction  with tf.gradients()")


@RegisterGradient("PreventGradient")
def _prevent_gradient_grad(op: Any, grad: Any) -> list:
    raise LookupError(f"Gradient explicitly disabled. Reason: {str(op.get_attr('message')).encode()!r}")


@RegisterGradient("CTCLoss")
def _ctc_loss_grad(op: Any, grad_loss: Any, _grad_gradient: Any) -> list:
    guarded = get_default_graph().create_op("PreventGradient", [op.outputs[1]], {"message": _NO_SECOND},
                                            name="PreventGradient").outputs[0]
    # [batch] -> [batch, 1] broadcasts against [time, batch, classes]
    return [array_ops.expand_dims(grad_loss, -1) * guarded, None, None, None]


NotDifferentiable("CTCGreedyDecoder")
