"""Lowering rules of the image ops (flowjit/ir/ops/image.py): ResizeNearestNeighbor, ResizeBilinear
and ResizeBicubic as index maps.

Once the image and the size are known at compile time, each output row and column reads fixed
input rows and columns with fixed weights: the rules gather along H and W with constant index
tables (the reference kernels' own tables, `ir.ops.image.*_taps`) and combine the taps with
constant float32 weights in the reference kernels' operation order, so native results equal
the reference bit for bit. ResizeArea (a variable number of taps per pixel) and the gradient
ops (scatter-accumulations) run their reference kernels on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.ops import image as image_ops
from ..lir import L
from .core import Translator, require, out_shape, rule


def _geometry(t: Translator, node: Any, ins: list[L]) -> tuple[L, int, int, bool, bool]:
    """(images, out_height, out_width, align_corners, half_pixel_centers), or Unsupported for
    anything the reference kernel reports as an error."""
    images = ins[0]
    align = bool(node.attrs.get("align_corners", False))
    half = bool(node.attrs.get("half_pixel_centers", False))
    require(not (align and half), "align_corners with half_pixel_centers (the reference reports it)")
    require(images.rank == 4 and all(d > 0 for d in images.shape[1:]), "empty image (the reference reports it)")
    size = t.static_ints(node.inputs[1])
    require(len(size) == 2 and size[0] > 0 and size[1] > 0, "invalid size (the reference reports it)")
    require(tuple(out_shape(node)) == (images.shape[0], size[0], size[1], images.shape[3]))
    return images, size[0], size[1], align, half


def _take(t: Translator, x: L, index: np.ndarray, axis: int) -> L:
    """x gathered along `axis` at constant in-range indices; the identity map is x itself."""
    if index.shape[0] == x.shape[axis] and np.array_equal(index, np.arange(x.shape[axis])):
        return x
    shape = x.shape[:axis] + (index.shape[0],) + x.shape[axis + 1:]
    return t.node("gather", [x, t.array(index.astype(np.int64), dtypes.int64)], x.dtype, shape, axis=axis)


def _weights(t: Translator, w: np.ndarray, axis: int) -> L:
    """A float32 weight per output row (axis 1) or column (axis 2), broadcast over NHWC."""
    shape = [1, 1, 1, 1]
    shape[axis] = w.shape[0]
    return t.array(w.astype(np.float32).reshape(shape), dtypes.float32)


@rule("ResizeNearestNeighbor")
def _resize_nearest(t: Translator, node: Any, ins: list[L]) -> list[L]:
    images, oh, ow, align, half = _geometry(t, node, ins)
    rows = image_ops.nearest_index(images.shape[1], oh, align, half)
    cols = image_ops.nearest_index(images.shape[2], ow, align, half)
    return [_take(t, _take(t, images, rows, 1), cols, 2)]


@rule("ResizeBilinear")
def _resize_bilinear(t: Translator, node: Any, ins: list[L]) -> list[L]:
    images, oh, ow, align, half = _geometry(t, node, ins)
    ylo, yhi, yl = image_ops.bilinear_taps(images.shape[1], oh, align, half)
    xlo, xhi, xl = image_ops.bilinear_taps(images.shape[2], ow, align, half)
    x = t.cast(images, dtypes.float32)
    top_rows, bottom_rows = _take(t, x, ylo, 1), _take(t, x, yhi, 1)
    x_lerp, y_lerp = _weights(t, xl, 2), _weights(t, yl, 1)

    def lerp(a: L, b: L, w: L) -> L:  # a + (b - a) * w, as compute_lerp
        return t.binary("add", a, t.binary("mul", t.binary("sub", b, a), w))

    top = lerp(_take(t, top_rows, xlo, 2), _take(t, top_rows, xhi, 2), x_lerp)
    bottom = lerp(_take(t, bottom_rows, xlo, 2), _take(t, bottom_rows, xhi, 2), x_lerp)
    return [lerp(top, bottom, y_lerp)]


def _dot4(t: Translator, values: list[L], weights: list[L]) -> L:
    """((v0*w0 + v1*w1) + v2*w2) + v3*w3, Interpolate1D's order."""
    acc = t.binary("mul", values[0], weights[0])
    for v, w in zip(values[1:], weights[1:]):
        acc = t.binary("add", acc, t.binary("mul", v, w))
    return acc


@rule("ResizeBicubic")
def _resize_bicubic(t: Translator, node: Any, ins: list[L]) -> list[L]:
    images, oh, ow, align, half = _geometry(t, node, ins)
    yi, yw = image_ops.bicubic_taps(images.shape[1], oh, align, half)
    xi, xw = image_ops.bicubic_taps(images.shape[2], ow, align, half)
    x = t.cast(images, dtypes.float32)
    rows = [_take(t, x, yi[:, k], 1) for k in range(4)]
    wy = [_weights(t, yw[:, k], 1) for k in range(4)]
    wx = [_weights(t, xw[:, j], 2) for j in range(4)]
    # the y interpolation at each of the 4 x taps first, then the x interpolation, as TF
    cols = [_dot4(t, [_take(t, r, xi[:, j], 2) for r in rows], wy) for j in range(4)]
    return [_dot4(t, cols, wx)]
