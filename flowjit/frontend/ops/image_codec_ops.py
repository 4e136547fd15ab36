"""`tf.image.decode_png`, `decode_jpeg`, `decode_image`, `encode_png`, `encode_jpeg` (and tf.io.*).

Wrappers over the Pillow-backed host ops in flowjit/ir/ops/image_codec.py (the `images` extra).
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["decode_image", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png"]


def _op(op_type: str, x: Any, attrs: dict, name: str | None, dtype: Any = dtypes.string) -> Tensor:
    t = convert_to_tensor(x, dtype=dtype)
    return get_default_graph().create_op(op_type, [t], attrs, name=name or op_type).outputs[0]


def decode_png(contents: Any, channels: int = 0, dtype: Any = dtypes.uint8, name: str | None = None) -> Tensor:
    """Decode a PNG-encoded image to a uint8 tensor [height, width, channels]."""
    return _op("DecodePng", contents, {"channels": int(channels), "dtype": dtypes.as_dtype(dtype)}, name)


def decode_jpeg(contents: Any, channels: int = 0, ratio: int = 1, fancy_upscaling: bool = True,
                try_recover_truncated: bool = False, acceptable_fraction: float = 1, dct_method: str = "",
                name: str | None = None) -> Tensor:
    """Decode a JPEG-encoded image to a uint8 tensor [height, width, channels] (ratio 1, 2, 4 or 8)."""
    if int(ratio) not in (1, 2, 4, 8):
        raise ValueError(f"ratio must be 1, 2, 4 or 8, got {ratio}")
    attrs = {"channels": int(channels), "ratio": int(ratio), "fancy_upscaling": bool(fancy_upscaling),
             "try_recover_truncated": bool(try_recover_truncated),
             "acceptable_fraction": float(acceptable_fraction), "dct_method": str(dct_method)}
    return _op("DecodeJpeg", contents, attrs, name)


def decode_image(contents: Any, channels: int | None = None, dtype: Any = dtypes.uint8, name: str | None = None,
                 expand_animations: bool = True) -> Tensor:
    """Decode a PNG, JPEG, BMP ([H, W, C]) or GIF ([frames, H, W, 3]) image; dtype converts the pixels."""
    dt = dtypes.as_dtype(dtype)
    graph = get_default_graph()
    with graph.name_scope(name or "decode_image") as scope:
        attrs = {"channels": int(channels or 0), "dtype": dtypes.uint8, "expand_animations": bool(expand_animations)}
        img = _op("DecodeImage", contents, attrs, "DecodeImage")
        if dt == dtypes.uint8:
            return img
        from .image_ops import convert_image_dtype
        return convert_image_dtype(img, dt, name=scope.rstrip("/") + "/convert_image_dtype" if scope else None)


def encode_png(image: Any, compression: int = -1, name: str | None = None) -> Tensor:
    """Encode a uint8 image [height, width, 1..4] as PNG bytes (compression -1 or 0..9)."""
    return _op("EncodePng", image, {"compression": int(compression)}, name, dtype=None)


def encode_jpeg(image: Any, format: str = "", quality: int = 95, progressive: bool = False,  # noqa: A002
                optimize_size: bool = False, chroma_downsampling: bool = True, density_unit: str = "in",
                x_density: int = 300, y_density: int = 300, xmp_metadata: str = "",
                name: str | None = None) -> Tensor:
    """Encode a uint8 image [height, width, 1 or 3] as JPEG bytes."""
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"format must be '', 'grayscale' or 'rgb', got {format!r}")
    if density_unit not in ("in", "cm"):
        raise ValueError(f"density_unit must be 'in' or 'cm', got {density_unit!r}")
    if not 0 <= int(quality) <= 100:
        raise ValueError(f"quality must be in [0, 100], got {quality}")
    attrs = {"format": format, "quality": int(quality), "progressive": bool(progressive),
             "optimize_size": bool(optimize_size), "chroma_downsampling": bool(chroma_downsampling),
             "density_unit": density_unit, "x_density": int(x_density), "y_density": int(y_density),
             "xmp_metadata": str(xmp_metadata)}
    return _op("EncodeJpeg", image, attrs, name, dtype=None)
