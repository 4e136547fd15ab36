"""`tf.image`: resizing, flips, rotations, crops and pads, brightness/contrast, dtype conversion,
as TF1's image_ops_impl.py (the `tensorflow.compat.v1` names, signatures and defaults).

The resizers are the ops of ir/ops/image.py (ResizeBilinear, ResizeNearestNeighbor,
ResizeBicubic, ResizeArea: TF's op types and kernels, compiled as index maps); everything else
is composed of existing ops (ReverseV2, Transpose, Slice, Pad, Tile, Cast, reductions, cond/case
for unknown ranks), so it compiles and differentiates through them. Checks follow TF: a bad
static shape or argument is a ValueError while building; a dynamic one an Assert at run time.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import as_dtype
from ...ir.registry import partial_shape_value, static_value
from ...ir.shapes import TensorShape
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, control_flow, math_ops, random_ops
from .variables import Variable

__all__ = ["ResizeMethod", "resize_images", "resize", "resize_bilinear", "resize_nearest_neighbor", "resize_bicubic",
           "resize_area", "resize_image_with_crop_or_pad", "resize_with_crop_or_pad", "resize_image_with_pad",
           "flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down", "transpose_image",
           "transpose", "rot90", "central_crop", "crop_to_bounding_box", "pad_to_bounding_box",
           "per_image_standardization", "adjust_brightness", "adjust_contrast", "random_brightness",
           "random_contrast", "rgb_to_grayscale", "grayscale_to_rgb", "convert_image_dtype", "random_crop"]

random_crop = random_ops.random_crop


# --- shape checks (TF's _Check*/_Assert* helpers) -----------------------------------------------------

def _is_tensor(x: Any) -> bool:
    return isinstance(x, (Tensor, Variable))


def _assert(cond: Any, ex_type: type, msg: str) -> list:
    """A run-time Assert when `cond` is a tensor, else the check now (raising ex_type)."""
    if _is_tensor(cond):
        return [control_flow.Assert(cond, [msg])]
    if not cond:
        raise ex_type(msg)
    return []


def _with_rank_at_least(shape: TensorShape, rank: int) -> TensorShape:
    if shape.ndims is not None and shape.ndims < rank:
        raise ValueError(f"Shape {shape} must have rank at least {rank}")
    return shape


def _image_dimensions(image: Tensor, rank: int) -> list:
    """The dimensions of `image`: Python ints where static, scalar int32 tensors where not."""
    if image.get_shape().is_fully_defined():
        return image.get_shape().as_list()
    static = image.get_shape().with_rank(rank).as_list()
    dynamic = array_ops.unstack(array_ops.shape(image), rank)
    return [s if s is not None else d for s, d in zip(static, dynamic)]


def _check_at_least_3d_image(image: Tensor, require_static: bool = True) -> list:
    try:
        if image.get_shape().ndims is None:
            image_shape = image.get_shape().with_rank(3)
        else:
            image_shape = _with_rank_at_least(image.get_shape(), 3)
    except ValueError:
        raise ValueError(f"'image' (shape {image.shape}) must be at least three-dimensional.") from None
    if require_static and not image_shape.is_fully_defined():
        raise ValueError("'image' must be fully defined.")
    inner = image_shape[-3:]
    if any(d == 0 for d in inner.as_list()):
        raise ValueError(f"inner 3 dims of 'image.shape' must be > 0: {image_shape}")
    if not inner.is_fully_defined():
        return [control_flow.assert_positive(array_ops.shape(image)[-3:],
                                             ["inner 3 dims of 'image.shape' must be > 0."]),
                control_flow.assert_greater_equal(array_ops.rank(image), 3,
                                                  message="'image' must be at least three-dimensional.")]
    return []


def _assert_at_least_3d_image(image: Tensor) -> Tensor:
    return control_flow.with_dependencies(_check_at_least_3d_image(image, require_static=False), image)


def _check_grayscale_image(image: Tensor) -> list:
    try:
        if image.get_shape().ndims is None:
            image_shape = image.get_shape().with_rank(2)
        else:
            image_shape = _with_rank_at_least(image.get_shape(), 2)
    except ValueError:
        raise ValueError(f"A grayscale image (shape {image.shape}) must be at least two-dimensional.") from None
    if image_shape.is_fully_defined():
        if image_shape.as_list()[-1] != 1:
            raise ValueError("Last dimension of a grayscale image should be size 1.")
        return []
    return [control_flow.assert_equal(array_ops.shape(image)[-1], 1,
                                      message="Last dimension of a grayscale image should be size 1."),
            control_flow.assert_greater_equal(array_ops.rank(image), 3,
                                              message="A grayscale image must be at least two-dimensional.")]


def _fix_image_flip_shape(image: Tensor, result: Tensor) -> Tensor:
    if image.get_shape().ndims is None:
        result.set_shape([None, None, None])
    else:
        result.set_shape(image.get_shape())
    return result


def _by_rank(image: Tensor, f_rank3: Callable[[], Tensor], f_rank4: Callable[[], Tensor], what: str = "") -> Tensor:
    """f_rank3() or f_rank4() by the static rank, a cond on the run-time rank when it is unknown."""
    ndims = image.get_shape().ndims
    if ndims is None:
        return control_flow.cond(math_ops.equal(array_ops.rank(image), 3), f_rank3, f_rank4)
    if ndims == 3:
        return f_rank3()
    if ndims == 4:
        return f_rank4()
    raise ValueError(f"'image' (shape {image.get_shape()}){what} must have either 3 or 4 dimensions.")


# --- flips, transposes, rotations ----------------------------------------------------------------------

def _flip(image: Any, flip_index: int, scope_name: str) -> Tensor:
    with name_scope(None, scope_name):
        image = convert_to_tensor(image, name="image")
        image = _assert_at_least_3d_image(image)
        return _by_rank(image, lambda: _fix_image_flip_shape(image, array_ops.reverse(image, [flip_index])),
                        lambda: array_ops.reverse(image, [flip_index + 1]), what="")


def flip_left_right(image: Any) -> Tensor:
    """The image (3-D [H, W, C] or 4-D [N, H, W, C]) mirrored along its width."""
    return _flip(image, 1, "flip_left_right")


def flip_up_down(image: Any) -> Tensor:
    """The image (3-D or 4-D) mirrored along its height."""
    return _flip(image, 0, "flip_up_down")


def _random_flip(image: Any, flip_index: int, seed: int | None, scope_name: str) -> Tensor:
    with name_scope(None, scope_name) as scope:
        image = convert_to_tensor(image, name="image")
        image = _assert_at_least_3d_image(image)

        def f_rank3() -> Tensor:
            uniform = random_ops.random_uniform([], 0, 1.0, seed=seed)
            mirror = math_ops.less(uniform, 0.5)
            result = control_flow.cond(mirror, lambda: array_ops.reverse(image, [flip_index]), lambda: image,
                                       name=scope)
            return _fix_image_flip_shape(image, result)

        def f_rank4() -> Tensor:
            batch = array_ops.shape(image)[0]
            uniform = random_ops.random_uniform(array_ops.stack([batch]), 0, 1.0, seed=seed)
            flips = math_ops.round(array_ops.reshape(uniform, array_ops.stack([batch, 1, 1, 1])))
            flips = math_ops.cast(flips, image.dtype)
            flipped = array_ops.reverse(image, [flip_index + 1])
            return flips * flipped + (1 - flips) * image  # TF's own blend (a NaN pixel spreads, as in TF)

        return _by_rank(image, f_rank3, f_rank4)


def random_flip_left_right(image: Any, seed: int | None = None) -> Tensor:
    """Mirror the image along its width with probability 1/2 (each image of a batch on its own)."""
    return _random_flip(image, 1, seed, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: int | None = None) -> Tensor:
    """Mirror the image along its height with probability 1/2 (each image of a batch on its own)."""
    return _random_flip(image, 0, seed, "random_flip_up_down")


def transpose(image: Any, name: str | None = None) -> Tensor:
    """Swap height and width ([H, W, C] -> [W, H, C], batched alike)."""
    with name_scope(name, "transpose"):
        image = convert_to_tensor(image, name="image")
        image = _assert_at_least_3d_image(image)
        return _by_rank(image, lambda: array_ops.transpose(image, [1, 0, 2], name=name),
                        lambda: array_ops.transpose(image, [0, 2, 1, 3], name=name))


transpose_image = transpose


def rot90(image: Any, k: Any = 1, name: str | None = None) -> Tensor:
    """The image rotated counter-clockwise by k quarter turns (k a scalar, taken mod 4)."""
    with name_scope(name, "rot90") as scope:
        image = convert_to_tensor(image, name="image")
        image = _assert_at_least_3d_image(image)
        k = convert_to_tensor(k, dtype=dtypes.int32, name="k") if not isinstance(k, Tensor) else k
        if k.get_shape().ndims not in (None, 0):
            raise ValueError(f"Shape {k.get_shape()} must have rank 0")
        k = math_ops.mod(k, 4)
        return _by_rank(image, lambda: _rot90(image, k, scope, 0), lambda: _rot90(image, k, scope, 1))


def _rot90(image: Tensor, k: Tensor, scope: str, batch: int) -> Tensor:
    h, w = batch, batch + 1
    perm = list(range(batch)) + [w, h, w + 1]
    cases = [(math_ops.equal(k, 1), lambda: array_ops.transpose(array_ops.reverse(image, [w]), perm)),
             (math_ops.equal(k, 2), lambda: array_ops.reverse(image, [h, w])),
             (math_ops.equal(k, 3), lambda: array_ops.reverse(array_ops.transpose(image, perm), [w]))]
    result = control_flow.case(cases, default=lambda: image, exclusive=True, name=scope)
    shape = result.get_shape()
    if batch:
        result.set_shape([shape[0], None, None, shape[3]] if shape.ndims is not None else [None] * 4)
    else:
        result.set_shape([None, None, image.get_shape()[2] if image.get_shape().ndims is not None else None])
    return result


# --- crops and pads ---------------------------------------------------------------------------------

def _batched(image: Tensor) -> tuple[Tensor, bool]:
    """image as a 4-D batch, and whether it was one (3-D and unknown-rank images get a batch of 1)."""
    ndims = image.get_shape().ndims
    if ndims == 3:
        return array_ops.expand_dims(image, 0), False
    if ndims is None:
        image = array_ops.expand_dims(image, 0)
        image.set_shape([None] * 4)
        return image, False
    if ndims != 4:
        raise ValueError(f"'image' (shape {image.get_shape()}) must have either 3 or 4 dimensions.")
    return image, True


def _with_checks(checks: list, image: Tensor) -> Tensor:
    """image after the checks (an Identity even without any, as TF's with_dependencies: the
    names of what follows match TF's)."""
    return control_flow.with_dependencies(checks, image)


def _pad_to_bounding_box(image: Any, offset_height: Any, offset_width: Any, target_height: Any,
                         target_width: Any, check_dims: bool) -> Tensor:
    with name_scope(None, "pad_to_bounding_box"):
        image = convert_to_tensor(image, name="image")
        image, is_batch = _batched(image)
        batch, height, width, depth = _image_dimensions(image, rank=4)
        after_padding_width = target_width - offset_width - width
        after_padding_height = target_height - offset_height - height
        if check_dims:
            checks = _check_at_least_3d_image(image, require_static=False)
            checks += _assert(offset_height >= 0, ValueError, "offset_height must be >= 0")
            checks += _assert(offset_width >= 0, ValueError, "offset_width must be >= 0")
            checks += _assert(after_padding_width >= 0, ValueError, "width must be <= target - offset")
            checks += _assert(after_padding_height >= 0, ValueError, "height must be <= target - offset")
            image = _with_checks(checks, image)
        paddings = array_ops.reshape(
            _int_stack([0, 0, offset_height, after_padding_height, offset_width, after_padding_width, 0, 0]), [4, 2])
        padded = array_ops.pad(image, paddings)
        padded.set_shape([None if _is_tensor(i) else i for i in [batch, target_height, target_width, depth]])
        if not is_batch:
            padded = array_ops.squeeze(padded, axis=[0])
        return padded


def _int_stack(values: list) -> Tensor:
    """A 1-D int32 tensor of Python ints and scalar int32 tensors (TF's auto-packing)."""
    if not any(_is_tensor(v) for v in values):
        return convert_to_tensor(np.array(values, np.int32))
    return array_ops.stack([v if _is_tensor(v) else convert_to_tensor(np.int32(v)) for v in values])


def pad_to_bounding_box(image: Any, offset_height: Any, offset_width: Any, target_height: Any,
                        target_width: Any) -> Tensor:
    """Zero-pad the image to target_height x target_width, its top-left corner at the offsets."""
    return _pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width, check_dims=True)


def crop_to_bounding_box(image: Any, offset_height: Any, offset_width: Any, target_height: Any,
                         target_width: Any) -> Tensor:
    """The target_height x target_width window of the image whose top-left corner is at the offsets."""
    with name_scope(None, "crop_to_bounding_box"):
        image = convert_to_tensor(image, name="image")
        image, is_batch = _batched(image)
        checks = _check_at_least_3d_image(image, require_static=False)
        batch, height, width, depth = _image_dimensions(image, rank=4)
        checks += _assert(offset_width >= 0, ValueError, "offset_width must be >= 0.")
        checks += _assert(offset_height >= 0, ValueError, "offset_height must be >= 0.")
        checks += _assert(target_width > 0, ValueError, "target_width must be > 0.")
        checks += _assert(target_height > 0, ValueError, "target_height must be > 0.")
        checks += _assert(width >= target_width + offset_width, ValueError, "width must be >= target + offset.")
        checks += _assert(height >= target_height + offset_height, ValueError, "height must be >= target + offset.")
        image = _with_checks(checks, image)
        shape = array_ops.shape(image)
        cropped = array_ops.slice(image, _int_stack([0, offset_height, offset_width, 0]),
                                  _int_stack([shape[0], target_height, target_width, shape[3]]))
        cropped.set_shape([None if _is_tensor(i) else i for i in [batch, target_height, target_width, depth]])
        if not is_batch:
            cropped = array_ops.squeeze(cropped, axis=[0])
        return cropped


def _max(x: Any, y: Any) -> Any:
    return math_ops.maximum(x, y) if _is_tensor(x) or _is_tensor(y) else max(x, y)


def _min(x: Any, y: Any) -> Any:
    return math_ops.minimum(x, y) if _is_tensor(x) or _is_tensor(y) else min(x, y)


def _equal(x: Any, y: Any) -> Any:
    return math_ops.equal(x, y) if _is_tensor(x) or _is_tensor(y) else x == y


def resize_image_with_crop_or_pad(image: Any, target_height: Any, target_width: Any) -> Tensor:
    """Centre-crop and/or zero-pad the image to target_height x target_width."""
    with name_scope(None, "resize_image_with_crop_or_pad"):
        image = convert_to_tensor(image, name="image")
        image, is_batch = _batched(image)
        checks = _check_at_least_3d_image(image, require_static=False)
        checks += _assert(target_width > 0, ValueError, "target_width must be > 0.")
        checks += _assert(target_height > 0, ValueError, "target_height must be > 0.")
        image = _with_checks(checks, image)
        if _is_tensor(target_height):
            target_height = _with_checks(checks, target_height)
        if _is_tensor(target_width):
            target_width = _with_checks(checks, target_width)
        _, height, width, _ = _image_dimensions(image, rank=4)
        width_diff = target_width - width
        offset_crop_width = _max(-width_diff // 2, 0)
        offset_pad_width = _max(width_diff // 2, 0)
        height_diff = target_height - height
        offset_crop_height = _max(-height_diff // 2, 0)
        offset_pad_height = _max(height_diff // 2, 0)
        cropped = crop_to_bounding_box(image, offset_crop_height, offset_crop_width, _min(target_height, height),
                                       _min(target_width, width))
        resized = pad_to_bounding_box(cropped, offset_pad_height, offset_pad_width, target_height, target_width)
        if resized.get_shape().ndims is None:
            raise ValueError("resized contains no shape.")
        _, resized_height, resized_width, _ = _image_dimensions(resized, rank=4)
        checks = _assert(_equal(resized_height, target_height), ValueError, "resized height is not correct.")
        checks += _assert(_equal(resized_width, target_width), ValueError, "resized width is not correct.")
        resized = _with_checks(checks, resized)
        if not is_batch:
            resized = array_ops.squeeze(resized, axis=[0])
        return resized


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def central_crop(image: Any, central_fraction: Any) -> Tensor:
    """The central `central_fraction` (in (0, 1]) of the image's height and width."""
    with name_scope(None, "central_crop"):
        image = convert_to_tensor(image, name="image")
        fraction = static_value(central_fraction.value) if isinstance(central_fraction, Tensor) else central_fraction
        if fraction is not None:
            fraction = float(fraction)
            if fraction <= 0.0 or fraction > 1.0:
                raise ValueError("central_fraction must be within (0, 1]")
            if fraction == 1.0:
                return image
        else:
            checks = _assert(math_ops.logical_or(central_fraction > 0.0, central_fraction <= 1.0), ValueError,
                             "central_fraction must be within (0, 1]")
            image = _with_checks(checks, image)
        _assert_at_least_3d_image(image)
        rank = image.get_shape().ndims
        if rank != 3 and rank != 4:
            raise ValueError(f"`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = {rank}.")
        dims = image.get_shape().as_list()
        hi, wi = (0, 1) if rank == 3 else (1, 2)

        def dim(idx: int) -> tuple[Any, bool]:
            return (dims[idx], False) if dims[idx] is not None else (array_ops.shape(image)[idx], True)

        img_h, dynamic_h = dim(hi)
        img_w, dynamic_w = dim(wi)
        dynamic_h = dynamic_h or fraction is None
        dynamic_w = dynamic_w or fraction is None

        def start(size: Any, dynamic: bool) -> Any:
            if dynamic:
                sd = math_ops.cast(size, dtypes.float64)
                frac = math_ops.cast(central_fraction, dtypes.float64)
                return math_ops.cast((sd - sd * frac) / 2, dtypes.int32)
            sd = float(size)
            return int((sd - sd * fraction) / 2)

        h_start, w_start = start(img_h, dynamic_h), start(img_w, dynamic_w)
        h_size, w_size = img_h - h_start * 2, img_w - w_start * 2
        if rank == 3:
            begin, size = _int_stack([h_start, w_start, 0]), _int_stack([h_size, w_size, -1])
        else:
            begin, size = _int_stack([0, h_start, w_start, 0]), _int_stack([-1, h_size, w_size, -1])
        image = array_ops.slice(image, begin, size)
        inner = [None if dynamic_h else h_size, None if dynamic_w else w_size, dims[-1]]
        image.set_shape(inner if rank == 3 else [dims[0]] + inner)
        return image


# --- resizing -------------------------------------------------------------------------------------

class ResizeMethod:
    """TF1's `tf.image.ResizeMethod` (compat.v1: integers)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_V2_METHODS = {"bilinear": 0, "nearest": 1, "bicubic": 2, "area": 3}  # TF2's string spellings, also accepted


def _resize_op(op_type: str, images: Any, size: Any, attrs: dict, name: str | None) -> Tensor:
    """One resize op; its converted inputs are named inside its scope, as TF's generated wrappers do."""
    with name_scope(name, op_type) as scope:
        images = convert_to_tensor(images, name="images")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size") if not isinstance(size, Tensor) else size
        return get_default_graph().create_op(op_type, [images, size], attrs, name=scope).outputs[0]


def resize_bilinear(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                    half_pixel_centers: bool = False) -> Tensor:
    """ResizeBilinear: 4-D images resized to size = [new_height, new_width], float32 out."""
    return _resize_op("ResizeBilinear", images, size, {"align_corners": bool(align_corners),
                                                       "half_pixel_centers": bool(half_pixel_centers)}, name)


def resize_nearest_neighbor(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                            half_pixel_centers: bool = False) -> Tensor:
    """ResizeNearestNeighbor: 4-D images resized by copying the nearest pixel (dtype kept)."""
    return _resize_op("ResizeNearestNeighbor", images, size, {"align_corners": bool(align_corners),
                                                              "half_pixel_centers": bool(half_pixel_centers)}, name)


def resize_bicubic(images: Any, size: Any, align_corners: bool = False, name: str | None = None,
                   half_pixel_centers: bool = False) -> Tensor:
    """ResizeBicubic: 4-D images resized by bicubic interpolation, float32 out."""
    return _resize_op("ResizeBicubic", images, size, {"align_corners": bool(align_corners),
                                                      "half_pixel_centers": bool(half_pixel_centers)}, name)


def resize_area(images: Any, size: Any, align_corners: bool = False, name: str | None = None) -> Tensor:
    """ResizeArea: 4-D images resized by averaging the input area under each output pixel, float32 out."""
    return _resize_op("ResizeArea", images, size, {"align_corners": bool(align_corners)}, name)


def _resize_images_common(images: Any, resizer_fn: Callable[[Tensor, Tensor], Tensor], size: Any,
                          preserve_aspect_ratio: bool, name: str | None, skip_resize_if_same: bool) -> Tensor:
    with name_scope(name, "resize"):
        images = convert_to_tensor(images, name="images")
        if images.get_shape().ndims is None:
            raise ValueError("'images' contains no shape.")
        is_batch = True
        if images.get_shape().ndims == 3:
            is_batch = False
            images = array_ops.expand_dims(images, 0)
        elif images.get_shape().ndims != 4:
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        _, height, width, _ = images.get_shape().as_list()
        try:
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size") if not isinstance(size, Tensor) else size
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if size.dtype != dtypes.int32:
            raise ValueError("'size' must be a 1-D int32 Tensor")
        if not size.get_shape().is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        if preserve_aspect_ratio:
            _, current_height, current_width, _ = _image_dimensions(images, rank=4)
            f32 = dtypes.float32
            scale_h = math_ops.cast(size[0], f32) / math_ops.cast(current_height, f32)
            scale_w = math_ops.cast(size[1], f32) / math_ops.cast(current_width, f32)
            scale = math_ops.minimum(scale_h, scale_w)
            new_h = math_ops.cast(math_ops.round(scale * math_ops.cast(current_height, f32)), dtypes.int32)
            new_w = math_ops.cast(math_ops.round(scale * math_ops.cast(current_width, f32)), dtypes.int32)
            size = array_ops.stack([new_h, new_w], name="size")
        known = partial_shape_value(size.value)
        new_height, new_width = known if known is not None and len(known) == 2 else (None, None)
        if (skip_resize_if_same and None not in (new_width, width, new_height, height) and width == new_width
                and height == new_height):
            return images if is_batch else array_ops.squeeze(images, axis=[0])
        images = resizer_fn(images, size)
        images.set_shape([None, new_height, new_width, None])
        if not is_batch:
            images = array_ops.squeeze(images, axis=[0])
        return images


def resize_images(images: Any, size: Any, method: Any = ResizeMethod.BILINEAR, align_corners: bool = False,
                  preserve_aspect_ratio: bool = False, name: str | None = None) -> Tensor:
    """Resize 3-D or 4-D images to size = [new_height, new_width] by `method` (a ResizeMethod).

    Bilinear, bicubic and area results are float32; nearest neighbour keeps the dtype; a resize
    to the image's own static size returns the images unchanged."""
    code = _V2_METHODS.get(method, method) if isinstance(method, str) else method
    ops = {ResizeMethod.BILINEAR: resize_bilinear, ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor,
           ResizeMethod.BICUBIC: resize_bicubic, ResizeMethod.AREA: resize_area}

    def resize_fn(images_t: Tensor, new_size: Tensor) -> Tensor:
        try:
            fn = ops.get(code)
        except TypeError:  # unhashable
            fn = None
        if fn is None:
            raise ValueError(f"Resize method is not implemented: {method}")
        return fn(images_t, new_size, align_corners=align_corners)

    return _resize_images_common(images, resize_fn, size, preserve_aspect_ratio=preserve_aspect_ratio, name=name,
                                 skip_resize_if_same=True)


resize = resize_images


def resize_image_with_pad(image: Any, target_height: Any, target_width: Any, method: Any = ResizeMethod.BILINEAR,
                          align_corners: bool = False) -> Tensor:
    """Resize keeping the aspect ratio so the image fits target_height x target_width, then
    zero-pad it (centred) to exactly that size."""
    with name_scope(None, "resize_image_with_pad"):
        image = convert_to_tensor(image, name="image")
        image, is_batch = _batched(image)
        checks = _check_at_least_3d_image(image, require_static=False)
        checks += _assert(target_width > 0, ValueError, "target_width must be > 0.")
        checks += _assert(target_height > 0, ValueError, "target_height must be > 0.")
        image = _with_checks(checks, image)
        _, height, width, _ = _image_dimensions(image, rank=4)
        f32 = dtypes.float32
        f_height, f_width = math_ops.cast(height, f32), math_ops.cast(width, f32)
        f_target_height, f_target_width = math_ops.cast(target_height, f32), math_ops.cast(target_width, f32)
        ratio = _max(f_width / f_target_width, f_height / f_target_height)
        resized_height_float, resized_width_float = f_height / ratio, f_width / ratio
        resized_height = math_ops.cast(math_ops.floor(resized_height_float), dtype=dtypes.int32)
        resized_width = math_ops.cast(math_ops.floor(resized_width_float), dtype=dtypes.int32)
        padding_height = (f_target_height - resized_height_float) / 2
        padding_width = (f_target_width - resized_width_float) / 2
        p_height = _max(0, math_ops.cast(math_ops.floor(padding_height), dtype=dtypes.int32))
        p_width = _max(0, math_ops.cast(math_ops.floor(padding_width), dtype=dtypes.int32))
        resized = resize_images(image, array_ops.stack([resized_height, resized_width]), method,
                                align_corners=align_corners)
        padded = pad_to_bounding_box(resized, p_height, p_width, target_height, target_width)
        if padded.get_shape().ndims is None:
            raise ValueError("padded contains no shape.")
        _image_dimensions(padded, rank=4)
        if not is_batch:
            padded = array_ops.squeeze(padded, axis=[0])
        return padded


# --- pixel values -----------------------------------------------------------------------------------

def per_image_standardization(image: Any) -> Tensor:
    """(image - mean) / max(stddev, 1/sqrt(num_pixels)) per image, in float32."""
    with name_scope(None, "per_image_standardization") as scope:
        image = convert_to_tensor(image, name="image")
        image = _assert_at_least_3d_image(image)
        image = math_ops.cast(image, dtype=dtypes.float32)
        num_pixels = math_ops.reduce_prod(array_ops.shape(image)[-3:])
        image_mean = math_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = math_ops.reduce_std(image, axis=[-1, -2, -3], keepdims=True)
        min_stddev = math_ops.rsqrt(math_ops.cast(num_pixels, dtypes.float32))
        adjusted_stddev = math_ops.maximum(stddev, min_stddev)
        image = image - image_mean
        return math_ops.divide(image, adjusted_stddev, name=scope)


def _float_image(image: Tensor) -> Tensor:
    """float16/float32 images as they are, any other dtype converted to float32 in [0, 1]."""
    if image.dtype in (dtypes.float16, dtypes.float32):
        return image
    return convert_image_dtype(image, dtypes.float32)


def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """image + delta, computed in float (integer images scaled to [0, 1] and back, saturating)."""
    with name_scope(None, "adjust_brightness") as name:
        image = convert_to_tensor(image, name="image")
        orig_dtype = image.dtype
        flt_image = _float_image(image)
        adjusted = math_ops.add(flt_image, math_ops.cast(delta, flt_image.dtype), name=name)
        return convert_image_dtype(adjusted, orig_dtype, saturate=True)


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """(x - mean) * contrast_factor + mean, the mean over each image's height and width per channel
    (TF's AdjustContrastv2, composed here of a mean and elementwise ops)."""
    with name_scope(None, "adjust_contrast") as name:
        images = convert_to_tensor(images, name="images")
        orig_dtype = images.dtype
        flt_images = _float_image(images)
        adjusted = _adjust_contrast_v2(flt_images, contrast_factor, name)
        return convert_image_dtype(adjusted, orig_dtype, saturate=True)


def _adjust_contrast_v2(images: Tensor, contrast_factor: Any, name: str) -> Tensor:
    if images.get_shape().ndims is not None and images.get_shape().ndims < 3:
        raise ValueError(f"Shape must be at least rank 3 but is rank {images.get_shape().ndims} for "
                         f"'{name.rstrip('/')}' (op: 'AdjustContrastv2')")
    factor = convert_to_tensor(contrast_factor, dtype=dtypes.float32, name="contrast_factor") if not isinstance(
        contrast_factor, Tensor) else contrast_factor
    if factor.dtype != dtypes.float32:
        raise TypeError(f"contrast_factor must be float32, got {factor.dtype.name}")
    if factor.get_shape().ndims not in (None, 0):
        raise ValueError(f"Shape {factor.get_shape()} must have rank 0")
    x = math_ops.cast(images, dtypes.float32) if images.dtype != dtypes.float32 else images
    mean = math_ops.reduce_mean(x, axis=[-3, -2], keepdims=True)
    out = (x - mean) * factor + mean
    return math_ops.cast(out, images.dtype, name=name) if images.dtype != dtypes.float32 else array_ops.identity(
        out, name=name)


def random_brightness(image: Any, max_delta: float, seed: int | None = None) -> Tensor:
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image: Any, lower: float, upper: float, seed: int | None = None) -> Tensor:
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    contrast_factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, contrast_factor)


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> Tensor:
    """Convert between image dtypes, rescaling: floats are in [0, 1), integers in [0, dtype.max]."""
    image = convert_to_tensor(image, name="image")
    dtype = as_dtype(dtype)
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError("dtype must be either floating point or integer")
    if not image.dtype.is_floating and not image.dtype.is_integer:
        raise AttributeError("image dtype must be either floating point or integer")
    if dtype == image.dtype:
        return array_ops.identity(image, name=name)
    with name_scope(name, "convert_image") as name:
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = int(image.dtype.max), int(dtype.max)
            if scale_in > scale_out:
                scaled = math_ops.floordiv(image, (scale_in + 1) // (scale_out + 1))
                if saturate:
                    return math_ops.saturate_cast(scaled, dtype, name=name)
                return math_ops.cast(scaled, dtype, name=name)
            cast = math_ops.saturate_cast(image, dtype) if saturate else math_ops.cast(image, dtype)
            return math_ops.multiply(cast, (scale_out + 1) // (scale_in + 1), name=name)
        if image.dtype.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype, name=name)
        if image.dtype.is_integer:
            cast = math_ops.cast(image, dtype)
            return math_ops.multiply(cast, 1.0 / float(image.dtype.max), name=name)
        scaled = math_ops.multiply(image, float(dtype.max) + 0.5)
        if saturate:
            return math_ops.saturate_cast(scaled, dtype, name=name)
        return math_ops.cast(scaled, dtype, name=name)


def rgb_to_grayscale(images: Any, name: str | None = None) -> Tensor:
    """[..., 3] RGB -> [..., 1] luma (0.2989 R + 0.587 G + 0.114 B), in the images' dtype."""
    with name_scope(name, "rgb_to_grayscale") as name:
        images = convert_to_tensor(images, name="images")
        orig_dtype = images.dtype
        flt_image = convert_image_dtype(images, dtypes.float32)
        rgb_weights = [0.2989, 0.587, 0.114]
        gray_float = math_ops.tensordot(flt_image, rgb_weights, [-1, -1])
        gray_float = array_ops.expand_dims(gray_float, -1)
        return convert_image_dtype(gray_float, orig_dtype, name=name)


def grayscale_to_rgb(images: Any, name: str | None = None) -> Tensor:
    """[..., 1] -> [..., 3], the one channel repeated."""
    with name_scope(name, "grayscale_to_rgb") as name:
        images = convert_to_tensor(images, name="images")
        images = _with_checks(_check_grayscale_image(images), images)
        rank_1 = array_ops.expand_dims(array_ops.rank(images) - 1, 0)
        multiples = array_ops.concat([array_ops.ones(rank_1, dtype=dtypes.int32), array_ops.expand_dims(3, 0)], 0)
        rgb = array_ops.tile(images, multiples, name=name)
        shape = images.get_shape()
        rgb.set_shape(shape[:-1].concatenate([3]) if shape.ndims is not None else TensorShape(None))
        return rgb
