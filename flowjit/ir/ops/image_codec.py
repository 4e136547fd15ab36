"""Image codecs through Pillow (the `images` extra): DecodePng, DecodeJpeg, DecodeImage (PNG,
JPEG, GIF, BMP), EncodePng, EncodeJpeg.

Host ops, not stateful, not differentiable. Decoding follows TF's kernels: `channels` 0 keeps the
file's channels, otherwise the image is converted (gray replicated to RGB, alpha added as 255 or
stripped, color to gray by libpng's weights for PNG and libjpeg's Y channel for JPEG); a palette
PNG expands to RGB (RGBA with transparency); 16-bit samples keep their high byte as uint8.
"""

from __future__ import annotations

import io
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ._util import spec
from .string_util import text_array, to_bytes

PNG_SIG = b"\x89PNG\r\n\x1a\n"
JPEG_SIG = b"\xff\xd8\xff"
GIF_SIG = b"GIF8"
BMP_SIG = b"BM"


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("image decoding and encoding need Pillow: pip install flowjit[images]") from None
    return Image


def _scalar_contents(ctx: Any, contents: np.ndarray) -> bytes:
    arr = np.asarray(contents, dtype=object)
    if arr.shape != ():
        raise ctx.error(errors.InvalidArgumentError, f"contents must be scalar, got shape "
                        f"[{','.join(str(d) for d in arr.shape)}]")
    return to_bytes(arr.item())


def _gray(rgb: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.float64) for i in range(3))
    y = weights[0] * r + weights[1] * g + weights[2] * b
    return np.clip(np.floor(y + 0.5), 0, 255).astype(np.uint8)[..., None]


# TF's PNG decoder asks libpng for png_set_rgb_to_gray(.., 0.299, 0.587): BT.601 weights
PNG_GRAY = (0.299, 0.587, 0.114)
JPEG_GRAY = (0.299, 0.587, 0.114)


def convert_channels(pix: np.ndarray, channels: int, gray_weights: tuple[float, float, float]) -> np.ndarray:
    """Convert an [H, W, c] uint8 image with c in 1..4 to `channels` (0 keeps c), as TF's decoders do."""
    c = pix.shape[-1]
    if channels in (0, c):
        return pix
    alpha = pix[..., c - 1:c] if c in (2, 4) else None
    color = pix[..., :3] if c >= 3 else np.repeat(pix[..., :1], 3, axis=-1)
    opaque = np.full(pix.shape[:-1] + (1,), 255, np.uint8)
    if channels == 1:
        return pix[..., :1] if c == 2 else _gray(color, gray_weights)
    if channels == 2:
        gray = pix[..., :1] if c <= 2 else _gray(color, gray_weights)
        return np.concatenate([gray, alpha if alpha is not None else opaque], axis=-1)
    if channels == 3:
        return color
    return np.concatenate([color, alpha if alpha is not None else opaque], axis=-1)


def _pixels(img: Any) -> np.ndarray:
    """An [H, W, c] uint8 array of a Pillow image in its own channels (palette expanded)."""
    mode = img.mode
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "PA":
        img = img.convert("RGBA")
    elif mode == "1":
        img = img.convert("L")
    elif mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img).astype(np.int64)
        return (np.clip(arr, 0, 65535) >> 8).astype(np.uint8)[..., None]
    elif mode == "CMYK":
        img = img.convert("RGB")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGB")
    arr = np.asarray(img, dtype=np.uint8)
    return arr[..., None] if arr.ndim == 2 else arr


def _open(ctx: Any, data: bytes, what: str) -> Any:
    Image = _pil()
    try:
        return Image.open(io.BytesIO(data))
    except Exception:
        raise ctx.error(errors.InvalidArgumentError, f"Invalid {what} data or header.") from None


def _load(ctx: Any, img: Any, what: str, size: int) -> None:
    try:
        img.load()
    except Exception as exc:
        raise ctx.error(errors.InvalidArgumentError, f"Invalid {what} data, size {size}: {exc}") from None


def decode_png(ctx: Any, data: bytes, channels: int) -> np.ndarray:
    if not data.startswith(PNG_SIG):
        raise ctx.error(errors.InvalidArgumentError, "Invalid PNG data, size " + str(len(data)))
    img = _open(ctx, data, "PNG")
    _load(ctx, img, "PNG", len(data))
    return convert_channels(_pixels(img), channels, PNG_GRAY)


def decode_jpeg(ctx: Any, data: bytes, channels: int, ratio: int = 1) -> np.ndarray:
    if not data.startswith(JPEG_SIG):
        raise ctx.error(errors.InvalidArgumentError, "Invalid JPEG data or crop window, data size " + str(len(data)))
    img = _open(ctx, data, "JPEG")
    if ratio != 1:
        img.draft(img.mode, (max(1, img.size[0] // ratio), max(1, img.size[1] // ratio)))
    if channels == 1 and img.mode in ("RGB", "YCbCr"):
        img.draft("L", img.size if ratio == 1 else None)  # libjpeg's own gray output: the Y channel
    _load(ctx, img, "JPEG", len(data))
    return convert_channels(_pixels(img), channels, JPEG_GRAY)


def _channels_attr(op: str, attrs: dict, allowed: Sequence[int]) -> int:
    c = int(attrs["channels"])
    if c not in allowed:
        names = [str(a) for a in allowed]
        raise ValueError(f"`channels` must be {', '.join(names[:-1])} or {names[-1]} but got {c}")
    return c


def _decode_infer(op: str, allowed: Sequence[int], rank: int | None = 3):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        (contents,) = inputs
        if contents.dtype != dtypes.string:
            raise TypeError(f"{op} contents must be a string tensor, got {contents.dtype.name}")
        if contents.shape.rank not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {contents.shape.rank} ({op} contents)")
        c = _channels_attr(op, attrs, allowed)
        dt = attrs.get("dtype", dtypes.uint8)
        if dt != dtypes.uint8:
            raise TypeError(f"{op}: dtype must be uint8 (uint16 is not supported), got {dt.name}")
        if rank is None and attrs.get("expand_animations", True):
            return [spec(dt, None)]
        return [spec(dt, [None, None, c or None])]
    return infer


def _decode_png_kernel(ctx: Any, contents: np.ndarray) -> np.ndarray:
    return decode_png(ctx, _scalar_contents(ctx, contents), int(ctx.attrs["channels"]))


def _decode_jpeg_kernel(ctx: Any, contents: np.ndarray) -> np.ndarray:
    return decode_jpeg(ctx, _scalar_contents(ctx, contents), int(ctx.attrs["channels"]), int(ctx.attrs["ratio"]))


def _decode_image_kernel(ctx: Any, contents: np.ndarray) -> np.ndarray:
    data = _scalar_contents(ctx, contents)
    channels = int(ctx.attrs["channels"])
    if data.startswith(PNG_SIG):
        return decode_png(ctx, data, channels)
    if data.startswith(JPEG_SIG):
        return decode_jpeg(ctx, data, channels)
    if data.startswith(GIF_SIG) or data.startswith(BMP_SIG):
        what = "GIF" if data.startswith(GIF_SIG) else "BMP"
        if what == "GIF" and channels not in (0, 3):
            raise ctx.error(errors.InvalidArgumentError, f"channels must be 0 or 3 for GIF, got {channels}")
        img = _open(ctx, data, what)
        frames = []
        try:
            while True:
                frames.append(np.asarray(img.convert("RGB"), dtype=np.uint8))
                if what == "BMP":
                    break
                img.seek(img.tell() + 1)
        except EOFError:
            pass
        if what == "BMP":
            return convert_channels(frames[0], channels, JPEG_GRAY)
        stack = np.stack(frames)
        return stack if ctx.attrs["expand_animations"] else stack[0]
    raise ctx.error(errors.InvalidArgumentError, "Unknown image file format. One of JPEG, PNG, GIF, BMP required.")


register_op("DecodePng", infer=_decode_infer("DecodePng", (0, 1, 3, 4)), kernel=_decode_png_kernel,
            num_inputs=1, host=True, doc="Decode a PNG image to uint8 [H, W, C] (attr channels: 0 keeps the file's).")
register_op("DecodeJpeg", infer=_decode_infer("DecodeJpeg", (0, 1, 3)), kernel=_decode_jpeg_kernel,
            num_inputs=1, host=True, doc="Decode a JPEG image to uint8 [H, W, C] (attrs channels, ratio).")
register_op("DecodeImage", infer=_decode_infer("DecodeImage", (0, 1, 3, 4), rank=None), kernel=_decode_image_kernel,
            num_inputs=1, host=True, doc="Decode PNG, JPEG, BMP ([H, W, C]) or GIF ([frames, H, W, 3]).")


def _encode_infer(op: str, allowed: Sequence[int]):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        (image,) = inputs
        if image.dtype != dtypes.uint8:
            raise TypeError(f"{op} image must be uint8, got {image.dtype.name}")
        if image.shape.rank not in (None, 3):
            raise ValueError(f"Shape must be rank 3 but is rank {image.shape.rank} ({op} image)")
        c = image.shape.dims[2] if image.shape.rank == 3 else None
        if c is not None and c not in allowed:
            raise ValueError(f"{op}: image must have {' or '.join(map(str, allowed))} channels, got {c}")
        return [spec(dtypes.string, [])]
    return infer


_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _encode_png_kernel(ctx: Any, image: np.ndarray) -> np.ndarray:
    Image = _pil()
    img = np.ascontiguousarray(image)
    c = img.shape[2]
    if c not in _MODES:
        raise ctx.error(errors.InvalidArgumentError, f"image must have 1, 2, 3 or 4 channels, got {c}")
    pil = Image.fromarray(img[..., 0] if c == 1 else img, _MODES[c])
    level = int(ctx.attrs["compression"])
    buf = io.BytesIO()
    pil.save(buf, format="PNG", compress_level=6 if level < 0 else min(level, 9))
    return text_array([buf.getvalue()], ())


def _encode_jpeg_kernel(ctx: Any, image: np.ndarray) -> np.ndarray:
    Image = _pil()
    a = ctx.attrs
    img = np.ascontiguousarray(image)
    c = img.shape[2]
    fmt = a["format"] or {1: "grayscale", 3: "rgb"}.get(c, "")
    if (fmt, c) not in (("grayscale", 1), ("rgb", 3)):
        raise ctx.error(errors.InvalidArgumentError, f"image must have 1 or 3 channels matching format "
                        f"'{a['format']}', got {c}")
    pil = Image.fromarray(img[..., 0] if c == 1 else img, "L" if c == 1 else "RGB")
    buf = io.BytesIO()
    density = (int(a["x_density"]), int(a["y_density"]))
    if a["density_unit"] == "cm":  # Pillow writes dots per inch
        density = (round(density[0] * 2.54), round(density[1] * 2.54))
    pil.save(buf, format="JPEG", quality=int(a["quality"]), progressive=bool(a["progressive"]),
             optimize=bool(a["optimize_size"]), subsampling=2 if a["chroma_downsampling"] else 0, dpi=density)
    return text_array([buf.getvalue()], ())


register_op("EncodePng", infer=_encode_infer("EncodePng", (1, 2, 3, 4)), kernel=_encode_png_kernel,
            num_inputs=1, host=True, doc="Encode a uint8 [H, W, C] image as PNG (attr compression -1..9).")
register_op("EncodeJpeg", infer=_encode_infer("EncodeJpeg", (1, 3)), kernel=_encode_jpeg_kernel,
            num_inputs=1, host=True, doc="Encode a uint8 [H, W, 1 or 3] image as JPEG (attrs quality, ...).")

IMAGE_CODEC_OPS = ("DecodePng", "DecodeJpeg", "DecodeImage", "EncodePng", "EncodeJpeg")
