"""Library routines: scans, top-k selection, scatters and histograms, one LLVM function per call.

Lowering produces a LIR `routine` node (lir.py) for the ops that are neither maps nor
reductions: Cumsum/Cumprod (a serial scan along an axis), TopKV2 (a selection in every row) and
the scatter family (data-dependent writes). The scheduler treats a routine like a matmul: its
operands and its result are materialized in row-major buffers and it becomes a `Call` item
(its `Routine` says how much workspace and work it has); the segment function calls the function
emitted here for that node, with every shape baked in as a constant.

  scan     the input seen as [outer, n, inner] around the axis. inner == 1: one task per row
           holding a scalar running value (rows run in parallel); inner > 1: a task is one
           (outer, block of inner) pair and the loop over the block, out[s] = out[s-1] op x[s],
           vectorizes. Sequential in the dtype (float16 rounds every step), as the reference:
           results are bit-identical to it.
  topk     one task per row (rows run in parallel), by `TopK.method`: insertion into the
           k-long output row for small k, a heap of the k best (root: the worst of them) while
           k is a small part of the row, else a stable bottom-up merge sort of (value, index)
           pairs; heap and merge sort work in a per-thread workspace. The order is total
           (descending, NaN largest, ties by the lower index), so any method gives the
           reference's result.
  scatter  serial: every index is checked first (out of range: an error naming the node is
           recorded and nothing is written), then the base is copied to the output (zeros
           without a base; nothing when a variable is updated in place) and the updates are
           applied in order (update: the last write wins; add/sub: duplicates accumulate).
  histogram  serial: HistogramStats (TF's histogram buckets and sequential double sums) in one
           pass, each value's bucket from a table on its top bits (routines/histogram.py).
"""

from __future__ import annotations

from typing import Any

import llvmlite.ir as ir

from ..lir import L
from .base import Routine
from .histogram import Histogram
from .scan import Scan
from .scatter import Scatter
from .topk import TopK

ROUTINES: dict[str, type[Routine]] = {r.kind: r for r in (Scan, TopK, Scatter, Histogram)}


def routine_for(n: L) -> Routine:
    """The routine of a LIR `routine` node."""
    try:
        return ROUTINES[n.attrs["kind"]](n)
    except KeyError:
        raise AssertionError(f"routine kind {n.attrs['kind']!r} has no Routine") from None


def plan(n: L, nthreads: int, min_work: int) -> tuple[int, int, bool]:
    """(workspace bytes, work estimate, parallel) of a routine Call (for the scheduler)."""
    r = routine_for(n)
    work = r.work()
    parallel = nthreads > 1 and work >= min_work and r.tasks() >= 2
    return nthreads * r.workspace(), work, parallel


def emit_call(gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
    """Emit the routine of one Call and call it from the segment function being built (codegen)."""
    routine_for(call.node).emit(gen, b, argv, call)


__all__ = ["ROUTINES", "Routine", "emit_call", "plan", "routine_for"]
