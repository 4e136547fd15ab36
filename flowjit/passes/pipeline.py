"""The pass pipeline Session runs on every plan graph, and the built-in passes by name.

The default pipeline (`default_pipeline()`):

    simplification*(constant_folding, simplify, cse, dce) > split_summaries > fusion > cleanup

`simplification` is a fixed-point group: its four passes rerun until a whole round changes
nothing (at most 10 rounds). `cleanup` is DCE again, for what passes inserted after the group
(a user's, fusion) leave behind. `split_summaries` hands a histogram's counting to the backend
(passes/split_summaries.py). Pruning to the fetches (passes/prune.py) runs before, in
Session, since it needs the fetches and feeds. `flowjit.passes.manager` explains how to edit a
pipeline; `optimize` is what Session calls.
"""

from __future__ import annotations

from typing import Any

from ..ir.graph import Graph
from .constant_folding import constant_folding
from .cse import cse
from .dce import dce, eliminate_dead_code
from .fusion import fusion
from .manager import FixedPoint, Pass, PassManager, Pipeline, PipelineReport, as_pipeline, register_pass
from .simplify import simplify
from .split_summaries import split_summaries

register_pass("constant_folding", constant_folding)
register_pass("simplify", simplify)
register_pass("cse", cse)
register_pass("dce", dce)
register_pass("fusion", fusion)
register_pass("split_summaries", split_summaries)


def simplification() -> FixedPoint:
    """The fixed-point group: folding, simplification, CSE and DCE until nothing changes."""
    return FixedPoint("simplification", [constant_folding(), simplify(), cse(), dce()])


def cleanup() -> Pass:
    """DCE at the end of the pipeline."""
    return Pass("cleanup", eliminate_dead_code, doc="dead code elimination after the last pass", builtin=True)


register_pass("cleanup", cleanup)


def default_pipeline() -> Pipeline:
    """A fresh copy of the default pipeline (edit it freely)."""
    return Pipeline([simplification(), split_summaries(), fusion(), cleanup()], name="default")


def no_optimization() -> Pipeline:
    """A pipeline with no passes: the plan graph goes to the backend as pruned."""
    return Pipeline([], name="none")


def run_pipeline(graph: Graph, config: Any = None) -> tuple[Graph, PipelineReport]:
    """Run `config` (None: the current pipeline_context's pipeline, else the default) over
    `graph`; return the optimized graph and the report."""
    pipeline = None if config is None else as_pipeline(config)
    return PassManager(pipeline).run(graph)


def optimize(graph: Graph, config: Any = None) -> Graph:
    """Run the configured pipeline over a pruned plan graph and return the result."""
    return run_pipeline(graph, config)[0]
