"""What many tests share: the backends to run on and central finite differences."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from flowjit.runtime import available_backends

# the reference interpreter always; the LLVM cpu backend where llvmlite works
BACKENDS = [pytest.param("reference"),
            pytest.param("cpu", marks=pytest.mark.skipif("cpu" not in available_backends(),
                                                          reason="llvmlite backend not available"))]


def numeric_grad(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function f at x (use float64 x)."""
    x = np.array(x, dtype=np.float64) if np.asarray(x).dtype.kind != "f" else np.asarray(x)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g
