"""From a specialized plan graph to a `Program`: translation, fusion, stages, regions.

1. Translation (translate.py). Nodes are visited in the reference interpreter's order.
   Feeds, variables and constants become buffer leaves; a node with a lowering rule
   (compiler/lower/) becomes LIR nodes (a *unit*); a `Fused` node's body is translated as one
   unit; everything else is a `HostStep` run with its reference kernel (counted in
   `Program.fallback_ops`).
2. Fusion (kernels.py). Units are merged into kernels: a unit joins the kernel of its latest
   producer when all its inputs exist by then, so a plan of elementwise ops and reductions
   becomes a few kernels. A `Fused` node from the pass pipeline is one kernel of its own;
   library calls (lir.LIBRARY: matmul, routines) and variable updates close their kernel.
3. Stages (stages.py). Inside a kernel every value needed outside, every reduction and every
   library call and its operands are *materialized*; the rest is inlined into the loops that
   consume it. A stage computes materialized values over one iteration domain (maps store,
   reductions accumulate).
4. Regions (stages.py, with the index analysis of access.py). Consecutive stages whose
   domains share the first dimension and that only read each other's values of the same row
   run inside one loop over that dimension: softmax is one loop over rows holding three inner
   loops. Values produced and consumed inside a region live in per-thread row scratch, not in
   full temporaries. The row loop is split into chunks that run on all cores; reductions
   across rows go through per-chunk partials that are combined afterwards (the chunking
   depends on sizes only, so results do not depend on the thread count).

steps.py puts it together (`ProgramBuilder`): kernels and control-flow steps in order, and
buffer lifetimes (lifetimes.py) for the memory plan.
"""

from __future__ import annotations

from ...ir.graph import Graph
from ..program import Program
from .steps import ProgramBuilder

__all__ = ["ProgramBuilder", "build_program"]


def build_program(graph: Graph, nthreads: int) -> Program:
    return ProgramBuilder(graph, nthreads).build()
