"""Gradients of the image resizers, as TF's image_grad.py: bilinear, nearest-neighbour and bicubic
resizes backpropagate through their *Grad ops; ResizeArea has no gradient in TF (nor here)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..framework.graph import get_default_graph
from ..framework.tensor import convert_to_tensor
from ..ops import array_ops
from ...ir import dtypes
from .gradients import RegisterGradient


def _flags(op: Any) -> dict:
    return {"align_corners": bool(op.get_attr("align_corners")),
            "half_pixel_centers": bool(op.get_attr("half_pixel_centers"))}


def _create(op_type: str, inputs: list, attrs: dict) -> Any:
    return get_default_graph().create_op(op_type, inputs, attrs, name=op_type).outputs[0]


@RegisterGradient("ResizeNearestNeighbor")
def _resize_nearest_neighbor_grad(op: Any, grad: Any) -> list:
    image = op.inputs[0]
    hw = image.get_shape()[1:3] if image.get_shape().ndims is not None else None
    if hw is not None and hw.is_fully_defined():
        image_shape = convert_to_tensor(np.array(hw.as_list(), np.int32))
    else:
        image_shape = array_ops.shape(image)[1:3]
    return [_create("ResizeNearestNeighborGrad", [grad, image_shape], _flags(op)), None]


@RegisterGradient("ResizeBilinear")
def _resize_bilinear_grad(op: Any, grad: Any) -> list:
    return [_create("ResizeBilinearGrad", [grad, op.inputs[0]], _flags(op)), None]


@RegisterGradient("ResizeBicubic")
def _resize_bicubic_grad(op: Any, grad: Any) -> list:
    if op.inputs[0].dtype not in (dtypes.float32, dtypes.float64):  # TF: no gradient for other dtypes
        return [None, None]
    return [_create("ResizeBicubicGrad", [grad, op.inputs[0]], _flags(op)), None]
