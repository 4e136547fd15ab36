"""Element-by-element agreement of one fetched array with the reference, under its bound.

Agreement means: the same dtype and shape; NaN exactly where the reference has NaN; the same
infinities; and every other element within the bound of bounds.py (bit-equal, signed zeros
included where they are determined, when the bound is 0). Uncertain elements are skipped.
"""

from __future__ import annotations

import numpy as np

from .bounds import Bound

SHOW = 4  # elements quoted per mismatching output


def disagreement(ref: np.ndarray, got: np.ndarray, bound: Bound) -> str | None:
    """None when `got` agrees with `ref`; else a short description of how it does not."""
    ref, got = np.asarray(ref), np.asarray(got)
    if got.dtype != ref.dtype:
        return f"dtype {got.dtype}, reference {ref.dtype}"
    if got.shape != ref.shape:
        return f"shape {list(got.shape)}, reference {list(ref.shape)}"
    d = bound.d
    if ref.dtype.kind == "f":
        r, g = ref.astype(np.float64), got.astype(np.float64)
        with np.errstate(all="ignore"):
            same = (r == g) & (~bound.signed | (r != 0) | (np.signbit(r) == np.signbit(g)))
            close = np.isfinite(r) & np.isfinite(g) & (d > 0) & (np.abs(g - r) <= d)
        ok = (np.isnan(r) & np.isnan(g)) | same | close
    else:
        ok = ref == got
    bad = ~ok & ~np.isinf(d)
    if not bad.any():
        return None
    where = np.argwhere(bad)[:SHOW]
    parts = [f"[{','.join(map(str, ix))}] {ref[tuple(ix)]!r} vs {got[tuple(ix)]!r} (bound {d[tuple(ix)]:.3g})"
             for ix in where]
    return f"{int(bad.sum())} of {bad.size} elements differ (reference vs backend): " + "; ".join(parts)
