"""Image resizing: ResizeBilinear, ResizeNearestNeighbor, ResizeBicubic, ResizeArea and the
gradient ops ResizeBilinearGrad, ResizeNearestNeighborGrad, ResizeBicubicGrad.

Images are NHWC, `size` a 1-D int32 [new_height, new_width]. The sampling maths are TF's CPU
kernels' (core/kernels/image/resize_*_op.cc, util/image_resizer_state.h), float32 step for float32
step, so results match TF bit for bit: the scale is in/out (align_corners: (in-1)/(out-1)), a
legacy sample point is x*scale, a half-pixel one (x+0.5)*scale-0.5 ((x+0.5)*scale for nearest).
The index tables (`bilinear_taps`, `nearest_index`, `bicubic_taps`) are shared with the lowering
rules, so native code reads exactly the taps the reference kernels read.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import partial_shape_value, register_op
from ..shapes import TensorShape
from ._util import spec

F32 = np.float32
_REAL = (dtypes.int8, dtypes.uint8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.float16, dtypes.float32,
         dtypes.float64)
_NN_GRAD = (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.float16, dtypes.float32, dtypes.float64)
_BILINEAR_GRAD = (dtypes.float16, dtypes.float32, dtypes.float64)
_BICUBIC_GRAD = (dtypes.float32, dtypes.float64)
_TABLE_SIZE = 1024  # ResizeBicubic's coefficient table resolution (kTableSize)


# --- the sampling maths (shared with compiler/lower/image.py) -------------------------------------

def resize_scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    """CalculateResizeScale: float32 in/out, or (in-1)/(out-1) when aligning corners (and both
    sizes exceed 1: TF 2's guard, so a 1-pixel side never gets a zero scale)."""
    if align_corners and in_size > 1 and out_size > 1:
        return F32(in_size - 1) / F32(out_size - 1)
    return F32(in_size) / F32(out_size)


def _points(out_size: int, scale: np.float32, half_pixel: bool, nearest: bool = False) -> np.ndarray:
    x = np.arange(out_size, dtype=F32)
    if not half_pixel:
        return x * scale
    centred = (x + F32(0.5)) * scale
    return centred if nearest else centred - F32(0.5)


def _roundf(x: np.ndarray) -> np.ndarray:
    """C's roundf (halves away from zero); NumPy's round goes to even."""
    a = np.abs(x)
    r = np.floor(a)
    r = r + (a - r >= F32(0.5)).astype(F32)
    return np.copysign(r, x)


def nearest_index(in_size: int, out_size: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """The input row (or column) each output one copies (ResizeNearestNeighbor's compute_indices)."""
    pts = _points(out_size, resize_scale(in_size, out_size, align_corners), half_pixel, nearest=True)
    idx = (_roundf(pts) if align_corners else np.floor(pts)).astype(np.int64)
    idx = np.minimum(idx, in_size - 1)
    return np.maximum(idx, 0) if half_pixel else idx


def bilinear_taps(in_size: int, out_size: int, align_corners: bool,
                  half_pixel: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, lerp) per output position (compute_interpolation_weights)."""
    pts = _points(out_size, resize_scale(in_size, out_size, align_corners), half_pixel)
    low = np.floor(pts)
    lower = np.maximum(low.astype(np.int64), 0)
    upper = np.minimum(np.ceil(pts).astype(np.int64), in_size - 1)
    return lower, upper, (pts - low).astype(F32)


@functools.lru_cache(maxsize=2)
def _coeffs_table(a: float) -> np.ndarray:
    """InitCoeffsTable: Keys' cubic at i/1024 (column 0) and 1 + i/1024 (column 1), in float32."""
    x = (np.arange(_TABLE_SIZE + 1, dtype=np.float64) * 1.0 / _TABLE_SIZE).astype(F32).astype(np.float64)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = (x + 1.0).astype(F32).astype(np.float64)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return np.stack([near, far], axis=1).astype(F32)


def bicubic_taps(in_size: int, out_size: int, align_corners: bool,
                 half_pixel: bool) -> tuple[np.ndarray, np.ndarray]:
    """(indices [out, 4] int64, weights [out, 4] float32) per output position (GetWeightsAndIndices);
    half-pixel centres use Keys' a=-0.5 with outside taps dropped and the rest renormalized."""
    pts = _points(out_size, resize_scale(in_size, out_size, align_corners), half_pixel)
    loc = np.floor(pts).astype(np.int64)
    delta = (pts - loc.astype(F32)).astype(F32)
    offset = np.rint(delta * F32(_TABLE_SIZE)).astype(np.int64)
    table = _coeffs_table(-0.5 if half_pixel else -0.75)
    weights = np.stack([table[offset, 1], table[offset, 0], table[_TABLE_SIZE - offset, 0],
                        table[_TABLE_SIZE - offset, 1]], axis=1).astype(F32)
    want = loc[:, None] + np.arange(-1, 3)[None, :]
    index = np.clip(want, 0, in_size - 1)
    if half_pixel:
        weights = np.where(index == want, weights, F32(0))
        total = ((weights[:, 0] + weights[:, 1]) + weights[:, 2]) + weights[:, 3]
        ok = np.abs(total) >= F32(1000) * np.finfo(F32).tiny
        inv = F32(1) / np.where(ok, total, F32(1))
        weights = np.where(ok[:, None], weights * inv[:, None], weights).astype(F32)
    return index, weights


def area_taps(in_size: int, out_size: int, scale: np.float32) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per output position, the input positions (clamped) and their float32 coverage (ResizeArea)."""
    taps = []
    for y in range(out_size):
        lo = F32(y) * scale
        hi = F32(y + 1) * scale
        start, end = int(np.floor(lo)), int(np.ceil(hi))
        idx, cover = [], []
        for i in range(start, end):
            if i < lo:
                c = scale if i + 1 > hi else F32(F32(i + 1) - lo)
            else:
                c = F32(hi - F32(i)) if i + 1 > hi else F32(1.0)
            idx.append(min(in_size - 1, max(0, i)))
            cover.append(c)
        taps.append((np.array(idx, np.int64), np.array(cover, F32)))
    return taps


# --- inference -------------------------------------------------------------------------------------

def _check_images(op: str, images: Value, allowed: Sequence[dtypes.DType], what: str = "images") -> None:
    if images.dtype not in allowed:
        raise TypeError(f"{op} {what} must be one of {[d.name for d in allowed]}, got {images.dtype.name}")
    rank = images.shape.ndims
    if rank is not None and rank != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {rank} for {what} of {op}")


def _size_dims(op: str, size: Value) -> list[int | None]:
    if size.dtype != dtypes.int32:
        raise TypeError(f"{op} size must be int32, got {size.dtype.name}")
    if size.shape.ndims is not None:
        if size.shape.ndims != 1:
            raise ValueError(f"Shape must be rank 1 but is rank {size.shape.ndims} for size of {op}")
        n = size.shape.as_list()[0]
        if n is not None and n != 2:
            raise ValueError(f"Dimension must be 2 but is {n} for size of {op}")
    dims = partial_shape_value(size)
    return [None, None] if dims is None or len(dims) != 2 else dims


def _dims(v: Value) -> list[int | None]:
    return v.shape.as_list() if v.shape.ndims is not None else [None] * 4


def _resize_infer(op: str, out_float: bool):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        images, size = inputs
        _check_images(op, images, _REAL)
        h, w = _size_dims(op, size)
        n, _, _, c = _dims(images)
        return [spec(dtypes.float32 if out_float else images.dtype, TensorShape([n, h, w, c]))]
    return infer


def _grad_from_image_infer(op: str, allowed: Sequence[dtypes.DType]):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        grads, original = inputs
        if grads.dtype != dtypes.float32:
            raise TypeError(f"{op} grads must be float32, got {grads.dtype.name}")
        _check_images(op, grads, (dtypes.float32,), "grads")
        _check_images(op, original, allowed, "original_image")
        n, _, _, c = _dims(grads)
        _, h, w, _ = _dims(original)
        return [spec(original.dtype, TensorShape([n, h, w, c]))]
    return infer


def _nn_grad_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    grads, size = inputs
    _check_images("ResizeNearestNeighborGrad", grads, _NN_GRAD, "grads")
    h, w = _size_dims("ResizeNearestNeighborGrad", size)
    n, _, _, c = _dims(grads)
    return [spec(grads.dtype, TensorShape([n, h, w, c]))]


# --- reference kernels ---------------------------------------------------------------------------------

def _flags(ctx: Any) -> tuple[bool, bool]:
    align = bool(ctx.attrs.get("align_corners", False))
    half = bool(ctx.attrs.get("half_pixel_centers", False))
    if align and half:
        raise ctx.error(errors.InvalidArgumentError, "If half_pixel_centers is True, align_corners must be False.")
    return align, half


def _validate(ctx: Any, images: np.ndarray, size: np.ndarray) -> tuple[int, int]:
    """ImageResizerState::ValidateAndCalculateOutputSize's checks, in its order."""
    if images.ndim != 4:
        raise ctx.error(errors.InvalidArgumentError, f"input must be 4-dimensional{list(images.shape)}")
    if images.shape[3] <= 0:
        raise ctx.error(errors.InvalidArgumentError, "image must have at least one channel")
    if images.shape[1] <= 0 or images.shape[2] <= 0:
        raise ctx.error(errors.InvalidArgumentError, "input image must be of non-zero size")
    if size.ndim != 1:
        raise ctx.error(errors.InvalidArgumentError, f"shape_t must be 1-dimensional{list(size.shape)}")
    if size.size != 2:
        raise ctx.error(errors.InvalidArgumentError, f"shape_t must have two elements{list(size.shape)}")
    h, w = int(size[0]), int(size[1])
    if h <= 0 or w <= 0:
        raise ctx.error(errors.InvalidArgumentError, "output dimensions must be positive")
    return h, w


def _bilinear_kernel(ctx: Any, images: np.ndarray, size: np.ndarray) -> np.ndarray:
    align, half = _flags(ctx)
    oh, ow = _validate(ctx, images, size)
    ylo, yhi, yl = bilinear_taps(images.shape[1], oh, align, half)
    xlo, xhi, xl = bilinear_taps(images.shape[2], ow, align, half)
    x = images.astype(F32)
    top_rows, bottom_rows = x[:, ylo], x[:, yhi]
    xl = xl[None, None, :, None]
    top = top_rows[:, :, xlo] + (top_rows[:, :, xhi] - top_rows[:, :, xlo]) * xl
    bottom = bottom_rows[:, :, xlo] + (bottom_rows[:, :, xhi] - bottom_rows[:, :, xlo]) * xl
    return (top + (bottom - top) * yl[None, :, None, None]).astype(F32)


def _nearest_kernel(ctx: Any, images: np.ndarray, size: np.ndarray) -> np.ndarray:
    align, half = _flags(ctx)
    oh, ow = _validate(ctx, images, size)
    rows = nearest_index(images.shape[1], oh, align, half)
    cols = nearest_index(images.shape[2], ow, align, half)
    return np.ascontiguousarray(images[:, rows][:, :, cols])


def _bicubic_kernel(ctx: Any, images: np.ndarray, size: np.ndarray) -> np.ndarray:
    align, half = _flags(ctx)
    oh, ow = _validate(ctx, images, size)
    yi, yw = bicubic_taps(images.shape[1], oh, align, half)
    xi, xw = bicubic_taps(images.shape[2], ow, align, half)
    x = images.astype(F32)
    rows = [x[:, yi[:, k]] for k in range(4)]  # [N, OH, W, C] each
    wy = [yw[None, :, None, None, k] for k in range(4)]
    cols = []
    for j in range(4):  # the y interpolation first, at each of the 4 x taps, as TF caches it
        r = [row[:, :, xi[:, j]] for row in rows]
        cols.append(((r[0] * wy[0] + r[1] * wy[1]) + r[2] * wy[2]) + r[3] * wy[3])
    wx = [xw[None, None, :, None, j] for j in range(4)]
    return (((cols[0] * wx[0] + cols[1] * wx[1]) + cols[2] * wx[2]) + cols[3] * wx[3]).astype(F32)


def _padded_taps(taps: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The taps of each output position as [out, k] arrays: indices, coverage and their count."""
    width = max(len(i) for i, _ in taps)
    idx = np.zeros((len(taps), width), np.int64)
    cover = np.zeros((len(taps), width), F32)
    for o, (i, c) in enumerate(taps):
        idx[o, :len(i)], cover[o, :len(c)] = i, c
    return idx, cover, np.array([len(i) for i, _ in taps])


def _area_kernel(ctx: Any, images: np.ndarray, size: np.ndarray) -> np.ndarray:
    align = bool(ctx.attrs.get("align_corners", False))
    oh, ow = _validate(ctx, images, size)
    n, ih, iw, c = images.shape
    hs, ws = resize_scale(ih, oh, align), resize_scale(iw, ow, align)
    with np.errstate(divide="ignore"):
        scale = F32(1.0 / np.float64(F32(hs * ws)))
    yi, yc, yn = _padded_taps(area_taps(ih, oh, hs))
    xi, xc, xn = _padded_taps(area_taps(iw, ow, ws))
    x = images.astype(F32)
    # per input row and output column (TF's sum_y): the first column weighted, the middle ones
    # plain, the last weighted; taps past a position's count leave its sum as it is
    row = x[:, :, xi[:, 0]] * xc[None, None, :, 0, None]
    for k in range(1, xi.shape[1]):
        middle = (k < xn - 1)[None, None, :, None]
        row = np.where(middle, row + x[:, :, xi[:, k]], row)
    last = xi[np.arange(ow), xn - 1]
    end = row + x[:, :, last] * xc[np.arange(ow), xn - 1][None, None, :, None]
    row = np.where((xn > 1)[None, None, :, None], end, row)  # [N, IH, OW, C]
    total = np.zeros((n, oh, ow, c), F32)
    for k in range(yi.shape[1]):
        term = total + row[:, yi[:, k]] * yc[None, :, k, None, None]
        total = np.where((k < yn)[None, :, None, None], term, total)
    return (total * scale).astype(F32)


def _grad_state(ctx: Any, grads: np.ndarray, original_shape: Sequence[int]) -> tuple[bool, bool]:
    align, half = _flags(ctx)
    if grads.ndim != 4:
        raise ctx.error(errors.InvalidArgumentError, f"input_grad must be 4-dimensional{list(grads.shape)}")
    if grads.shape[1] <= 0 or grads.shape[2] <= 0:
        raise ctx.error(errors.InvalidArgumentError, "resized dimensions must be positive")
    if len(original_shape) != 4:
        raise ctx.error(errors.InvalidArgumentError, f"original_image must be 4-dimensional{list(original_shape)}")
    if original_shape[1] <= 0 or original_shape[2] <= 0:
        raise ctx.error(errors.InvalidArgumentError, "original dimensions must be positive")
    return align, half


def _scatter_rows_cols(grads: np.ndarray, shape: tuple[int, ...], dtype: np.dtype,
                       terms: list[tuple[np.ndarray, np.ndarray, Any]]) -> np.ndarray:
    """out[b, rows[y], cols[x], c] += T(term) for each (rows, cols, term), pixel by pixel in
    row-major order and the terms in the order given, as TF's loops accumulate (np.add.at adds
    one index after the other)."""
    n, oh, ow, c = grads.shape
    yy, xx = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    rows = np.stack([r[yy].reshape(-1) for r, _, _ in terms], axis=1).reshape(-1)
    cols = np.stack([k[xx].reshape(-1) for _, k, _ in terms], axis=1).reshape(-1)
    vals = np.stack([np.broadcast_to(v, grads.shape).astype(dtype).reshape(n, oh * ow, c) for _, _, v in terms],
                    axis=2).reshape(n, -1, c)
    out = np.zeros(shape, dtype)
    np.add.at(out, (slice(None), rows, cols), vals)
    return out


def _bilinear_grad_kernel(ctx: Any, grads: np.ndarray, original: np.ndarray) -> np.ndarray:
    align, half = _grad_state(ctx, grads, original.shape)
    n, rh, rw, c = grads.shape
    oh, ow = original.shape[1:3]
    ylo, yhi, yl = bilinear_taps(oh, rh, align, half)
    xlo, xhi, xl = bilinear_taps(ow, rw, align, half)
    g = grads.astype(F32)
    iy, ix = (F32(1) - yl)[None, :, None, None], (F32(1) - xl)[None, None, :, None]
    yl, xl = yl[None, :, None, None], xl[None, None, :, None]
    terms = [(ylo, xlo, g * iy * ix), (ylo, xhi, g * iy * xl), (yhi, xlo, g * yl * ix), (yhi, xhi, g * yl * xl)]
    # TF accumulates a float16 gradient in float32 and rounds once at the end
    acc = F32 if original.dtype == np.float16 else original.dtype
    return _scatter_rows_cols(grads, (n, oh, ow, c), acc, terms).astype(original.dtype)


def _nearest_grad_kernel(ctx: Any, grads: np.ndarray, size: np.ndarray) -> np.ndarray:
    align, half = _flags(ctx)
    if grads.ndim != 4:
        raise ctx.error(errors.InvalidArgumentError, f"input must be 4-dimensional{list(grads.shape)}")
    if size.ndim != 1:
        raise ctx.error(errors.InvalidArgumentError, f"shape_t must be 1-dimensional{list(size.shape)}")
    if size.size != 2:
        raise ctx.error(errors.InvalidArgumentError, f"shape_t must have two elements{list(size.shape)}")
    oh, ow = int(size[0]), int(size[1])
    if oh <= 0 or ow <= 0:
        raise ctx.error(errors.InvalidArgumentError, "shape_t's elements must be positive")
    n, ih, iw, c = grads.shape
    if grads.size == 0:
        return np.zeros((n, oh, ow, c), grads.dtype)
    # the forward op's maths with the roles swapped: each gradient pixel lands on one input pixel
    rows = _nearest_from(ih, oh, align, half)
    cols = _nearest_from(iw, ow, align, half)
    return _scatter_rows_cols(grads, (n, oh, ow, c), grads.dtype, [(rows, cols, grads)])


def _nearest_from(resized: int, original: int, align: bool, half: bool) -> np.ndarray:
    """For each resized position, the original position it was copied from."""
    pts = _points(resized, resize_scale(original, resized, align), half, nearest=True)
    idx = (_roundf(pts) if align else np.floor(pts)).astype(np.int64)
    idx = np.minimum(idx, original - 1)
    return np.maximum(idx, 0) if half else idx


def _bicubic_grad_kernel(ctx: Any, grads: np.ndarray, original: np.ndarray) -> np.ndarray:
    align, half = _grad_state(ctx, grads, original.shape)
    n, rh, rw, c = grads.shape
    oh, ow = original.shape[1:3]
    yi, yw = bicubic_taps(oh, rh, align, half)
    xi, xw = bicubic_taps(ow, rw, align, half)
    dt = original.dtype  # TF reads each gradient as T and multiplies in T
    g, yw, xw = grads.astype(dt), yw.astype(dt), xw.astype(dt)
    terms = []
    for a in range(4):
        for b in range(4):
            term = g * yw[None, :, None, None, a] * xw[None, None, :, None, b]
            terms.append((yi[:, a], xi[:, b], term))
    return _scatter_rows_cols(grads, (n, oh, ow, c), original.dtype, terms)


def _resize_op(name: str, kernel: Any, out_float: bool, doc: str) -> None:
    register_op(name, infer=_resize_infer(name, out_float), kernel=kernel, num_inputs=2, allowed_dtypes=_REAL,
                doc=doc)


_resize_op("ResizeBilinear", _bilinear_kernel, True,
           "images [N,H,W,C] resized to size by bilinear interpolation (float32 out).")
_resize_op("ResizeNearestNeighbor", _nearest_kernel, False,
           "images [N,H,W,C] resized to size by copying the nearest pixel (dtype kept).")
_resize_op("ResizeBicubic", _bicubic_kernel, True,
           "images [N,H,W,C] resized to size by bicubic interpolation (float32 out).")
_resize_op("ResizeArea", _area_kernel, True,
           "images [N,H,W,C] resized to size by area averaging (float32 out).")
register_op("ResizeBilinearGrad", infer=_grad_from_image_infer("ResizeBilinearGrad", _BILINEAR_GRAD),
            kernel=_bilinear_grad_kernel, num_inputs=2, allowed_dtypes=_BILINEAR_GRAD,
            doc="the gradient of ResizeBilinear: grads [N,h,w,C] float32 spread onto original_image's shape.")
register_op("ResizeNearestNeighborGrad", infer=_nn_grad_infer, kernel=_nearest_grad_kernel, num_inputs=2,
            allowed_dtypes=_NN_GRAD, doc="the gradient of ResizeNearestNeighbor: grads summed onto size.")
register_op("ResizeBicubicGrad", infer=_grad_from_image_infer("ResizeBicubicGrad", _BICUBIC_GRAD),
            kernel=_bicubic_grad_kernel, num_inputs=2, allowed_dtypes=_BICUBIC_GRAD,
            doc="the gradient of ResizeBicubic: grads [N,h,w,C] float32 spread onto original_image's shape.")
