"""The compiler's cost model: rough vector-instruction counts per element of each LIR op.

Fusion (what to materialize, what to inline), region threading (FLOWJIT_PARALLEL_MIN_WORK)
and code generation (how far to interleave a loop) all read the same numbers, so they live
here, below schedule/ and codegen.
"""

from __future__ import annotations

from .lir import L, size_of

COST = {"exp": 12, "expm1": 14, "log": 14, "log1p": 18, "tanh": 18, "sigmoid": 16, "softplus": 30, "libm": 30,
        "libm2": 40, "pow": 45, "div": 4, "sqrt": 4, "rsqrt": 5, "recip": 4, "fmod": 40, "fmod_floor": 44,
        "idiv_trunc": 8, "idiv_floor": 10, "imod_trunc": 8, "imod_floor": 10, "gather": 4, "concat": 2,
        "pad": 2, "reshape": 2, "tile": 3}
EXPENSIVE = 8  # an inlined value at least this costly is materialized when several stages read it


def node_cost(n: L) -> int:
    """Cost of computing one element of `n` (leaves are free: they are loads)."""
    if n.op in ("buffer", "const", "iota"):
        return 0
    return COST.get(n.op, 1)


def matmul_work(n: L) -> int:
    """Multiply-adds of a matmul LIR node (its output size times the contracted length)."""
    a, b = n.inputs
    k = a.shape[-2] if n.attrs["ta"] else a.shape[-1]
    return size_of(n.shape) * k
