"""Images and audio as TF's summary kernels encode them: PNG (zlib, no Pillow) and 16-bit WAV.

The pixel and sample arithmetic follows tensorflow/core/kernels/summary_image_op.cc
(NormalizeFloatImage) and core/lib/wav/wav_io.cc (EncodeAudioAsS16LEWav); the PNG bytes
differ from libpng's (filter choice, zlib window) but decode to the same pixels.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_PNG_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> gray, gray+alpha, RGB, RGBA
_ZERO_THRESHOLD = np.float32(1e-6)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(pixels: np.ndarray) -> bytes:
    """An 8-bit PNG of a [height, width, channels] uint8 array (filter type 0 on every row)."""
    h, w, c = pixels.shape
    header = struct.pack(">IIBBBBB", w, h, 8, _PNG_COLOR_TYPE[c], 0, 0, 0)
    rows = np.concatenate([np.zeros((h, 1), np.uint8), pixels.reshape(h, w * c)], axis=1)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + _chunk(b"IEND", b""))


def normalize_float_image(values: np.ndarray, bad_color: np.ndarray) -> np.ndarray:
    """One [hw, depth] float image to uint8 as TF does: scale to 255 when nothing is negative,
    else centre 0 at 128 and scale by 127/max|v|; pixels with a non-finite channel get bad_color."""
    t = values.dtype.type
    finite = np.isfinite(values).all(axis=1)
    good = values[finite].astype(np.float32)
    image_min = np.float32(good.min()) if good.size else np.float32(np.inf)
    image_max = np.float32(good.max()) if good.size else np.float32(-np.inf)
    if image_min < 0:
        max_val = max(abs(image_min), abs(image_max))
        scale = t(0.0 if max_val < _ZERO_THRESHOLD else np.float32(127.0) / max_val)
        offset = t(128.0)
    else:
        scale = t(0.0 if image_max < _ZERO_THRESHOLD else np.float32(255.0) / image_max)
        offset = t(0.0)
    out = np.empty(values.shape, np.uint8)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = (values * scale + offset)[finite]
    out[finite] = scaled.astype(np.uint8)
    out[~finite] = bad_color[:values.shape[1]]
    return out


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    """roundf(x * 32768) clamped to int16, in float32 as wav_io.cc does (round half away from 0)."""
    x = samples.astype(np.float32) * np.float32(1 << 15)
    x = np.nan_to_num(x.astype(np.float64), nan=0.0)
    rounded = np.sign(x) * np.floor(np.abs(x) + 0.5)  # exact in float64
    return np.clip(rounded, -32768, 32767).astype("<i2")


def encode_wav(samples: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit PCM WAV of a [frames, channels] float array."""
    frames, channels = samples.shape
    data = float_to_int16(samples).tobytes()
    header = (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
              + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate, sample_rate * 2 * channels,
                                      2 * channels, 16)
              + b"data" + struct.pack("<I", len(data)))
    return header + data
