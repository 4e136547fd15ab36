"""Input data for fuzz programs: calm numbers, and the values where kernels break.

Each input gets a flavor: "calm" (small exact numbers, so a mismatch is about code, not
rounding), "edgy" (a fifth specials) or "wild" (mostly specials: huge, tiny, denormal, NaN,
+-inf, -0.0, the dtype's extremes, the edges of exp's range). Large inputs repeat a drawn
palette in a drawn stride pattern (runs and repeats, which vector loops care about).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .draw import Draw

_F32 = np.finfo(np.float32)
_F64 = np.finfo(np.float64)

FLOAT_SPECIALS: dict[str, list[float]] = {
    "float32": [0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"), float(_F32.max),
                -float(_F32.max), float(_F32.tiny), float(np.float32(1.4e-45)), float(np.float32(-3e-42)),
                float(np.float32(1e30)), float(np.float32(-1e30)), float(np.float32(1e-30)),
                float(np.float32(1.1e9)), float(np.float32(88.72)), float(np.float32(-103.97)),
                float(np.float32(0.1)), float(np.float32(16777217.0)), 0.5, 2.0],
    "float64": [0.0, -0.0, 1.0, -1.0, float("nan"), float("inf"), float("-inf"), float(_F64.max),
                -float(_F64.max), float(_F64.tiny), 5e-324, -2e-310, 1e300, -1e300, 1e-300, 1e30, 1e150,
                709.78, -745.1, 0.1, 9007199254740993.0, 0.5, 2.0],
}
INT_SPECIALS: dict[str, list[int]] = {
    "int32": [0, 1, -1, 2, -2, 2**31 - 1, -2**31, -2**31 + 1, 1000, 65536, 46341, 7, -7],
    "int64": [0, 1, -1, 2, -2, 2**63 - 1, -2**63, -2**63 + 1, 2**32, 2**31, 3037000500, 7, -7],
}
FLAVORS = ("calm", "calm", "edgy", "wild")
PALETTE_ABOVE = 24  # elements; larger inputs use a palette


def _element(d: Draw, dtype: str, flavor: str, positive: bool) -> Any:
    special = flavor == "wild" and d.chance(0.7) or flavor == "edgy" and d.chance(0.2)
    if dtype == "bool":
        return d.chance(0.5)
    if dtype.startswith("int"):
        if positive:
            return d.int(1, 5) if not special else d.pick([1, 2, 3, 7, 1000, 2**31 - 1])
        return d.pick(INT_SPECIALS[dtype]) if special else d.int(-5, 5)
    if special:
        v = d.pick(FLOAT_SPECIALS[dtype])
        return abs(v) if positive else v
    v = d.int(-6, 6) / 2 if d.chance(0.5) else d.int(-2000, 2000) / 128
    return abs(v) if positive else v


def draw_data(d: Draw, dtype: str, size: int, positive: bool = False) -> list[Any]:
    """`size` elements for an input of `dtype`; `positive` keeps integer divisors and
    exponents out of the error cases (zero, negative), most of the time."""
    flavor = d.pick(FLAVORS)
    positive = positive and not d.chance(0.1)
    if size <= PALETTE_ABOVE:
        values = [_element(d, dtype, flavor, positive) for _ in range(size)]
    else:
        palette = [_element(d, dtype, flavor, positive) for _ in range(d.int(1, 6))]
        a, b = d.int(0, 7), d.int(0, 7)
        values = [palette[(i * a + b + i // 5) % len(palette)] for i in range(size)]
    if dtype.startswith("float"):
        return [v if v == v and abs(v) != float("inf") else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
                for v in (float(np.asarray(x, dtype=dtype)) for x in values)]
    return values
