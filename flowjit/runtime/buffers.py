"""Memory for compiled plans: 64-byte aligned arrays and the arena memory plan.

Every temporary of a compiled plan lives in one arena allocated once per plan. The memory plan
gives each temporary an offset such that two temporaries that are alive at the same time never
overlap, and a temporary whose last reader has run is reused by later ones (greedy best fit
over lifetimes, largest buffers first, as TFLite's arena planner does). Per-thread row scratch
gets one 64-byte aligned row per thread.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

ALIGN = 64


def aligned_empty(shape: Sequence[int] | int, dtype, align: int = ALIGN) -> np.ndarray:
    """An uninitialized C-contiguous array whose data starts on an `align`-byte boundary."""
    dtype = np.dtype(dtype)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    nbytes = n * dtype.itemsize
    raw = np.empty(nbytes + align, dtype=np.uint8)
    offset = (-raw.ctypes.data) % align
    return raw[offset:offset + nbytes].view(dtype).reshape(shape)


def aligned_copy(a: np.ndarray, align: int = ALIGN) -> np.ndarray:
    out = aligned_empty(a.shape, a.dtype, align)
    np.copyto(out, a)
    return out


def is_aligned(a: np.ndarray, align: int = ALIGN) -> bool:
    return a.ctypes.data % align == 0


def _round(n: int, align: int = ALIGN) -> int:
    return (n + align - 1) // align * align


def buffer_bytes(buf, nthreads: int) -> int:
    """Arena bytes of a temporary (per-thread scratch holds one row per thread)."""
    if buf.kind == "scratch":
        row = 1
        for d in buf.shape[1:]:
            row *= d
        return _round(row * buf.dtype.size) * max(1, nthreads)
    return _round(max(buf.nbytes, 1))


def plan_memory(buffers: Iterable, nthreads: int) -> int:
    """Assign `offset` to every "temp"/"scratch" buffer; returns the arena size in bytes.

    Two buffers may share memory when their lifetimes [first, last] (step indices) are disjoint.
    """
    temps = [b for b in buffers if b.kind in ("temp", "scratch")]
    for b in temps:
        if b.first < 0:
            b.first = max(b.last, 0)
        if b.last < b.first:
            b.last = b.first
    order = sorted(temps, key=lambda b: (-buffer_bytes(b, nthreads), b.first, b.id))
    placed: list[tuple[int, int, int, int]] = []  # (offset, end, first, last)
    total = 0
    for b in order:
        size = buffer_bytes(b, nthreads)
        busy = sorted((o, e) for o, e, f, l in placed if not (l < b.first or f > b.last))
        offset = 0
        best = None
        for o, e in busy:
            if o - offset >= size and (best is None or o - offset < best[1]):
                best = (offset, o - offset)
            offset = max(offset, e)
        if best is not None:
            offset = best[0]
        b.offset = offset
        placed.append((offset, offset + size, b.first, b.last))
        total = max(total, offset + size)
    return total
