"""Decoders the summary tests check against: PNG (all five filter types, as libpng writes them)
and WAV (the stdlib's `wave`), independent of flowjit's encoders."""

from __future__ import annotations

import io
import struct
import wave
import zlib

import numpy as np

_CHANNELS = {0: 1, 4: 2, 2: 3, 6: 4}


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def decode_png(data: bytes) -> np.ndarray:
    """An 8-bit non-interlaced PNG as a [height, width, channels] uint8 array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, f"bad CRC in chunk {kind!r}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0
    c = _CHANNELS[color]
    raw = zlib.decompress(idat)
    stride = w * c
    out = np.zeros((h, stride), np.uint8)
    prev = [0] * stride
    for y in range(h):
        ftype = raw[y * (stride + 1)]
        line = list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - c] if x >= c else 0
            b = prev[x]
            cc = prev[x - c] if x >= c else 0
            pred = [0, a, b, (a + b) // 2, _paeth(a, b, cc)][ftype]
            line[x] = (line[x] + pred) & 0xFF
        out[y] = line
        prev = line
    return out.reshape(h, w, c)


def decode_wav(data: bytes) -> tuple[int, np.ndarray]:
    """(sample rate, [frames, channels] int16) of a 16-bit PCM WAV."""
    with wave.open(io.BytesIO(data)) as f:
        assert f.getsampwidth() == 2
        frames = np.frombuffer(f.readframes(f.getnframes()), "<i2")
        return f.getframerate(), frames.reshape(-1, f.getnchannels())


def default_bucket_limits() -> list[float]:
    """TF's histogram.cc rule, written out again: 1e-12 growing by 10% below 1e20, DBL_MAX,
    mirrored for negatives around 0."""
    pos, v = [], 1.0e-12
    while v < 1.0e20:
        pos.append(v)
        v *= 1.1
    pos.append(np.finfo(np.float64).max)
    return [-p for p in reversed(pos)] + [0.0] + pos
