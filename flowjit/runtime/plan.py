"""The plan driver: from the user's graph and one run's fetches and feeds to an executable.

    prune (passes/prune.py) -> the pass pipeline (passes/) -> placement (placement.py)
        -> the backend's compile (devices/)

`build_plan` is that sequence, once per plan. Session (frontend/client/session.py) keeps what is
the client's business: turning fetch structures and feed dicts into values, converting the fed
arrays, and caching plans per signature; on a cache miss it calls `build_plan`. The sequence
lives here, in the runtime, so that it does not depend on the TF front end (any client of the
runtime builds a plan the same way) and the order of the steps is written down in one place.

With the IR dump on (`FLOWJIT_DUMP=<dir>` or `pipeline_context(dump_dir=...)`) the plan's dump
shows where the plan came from before the passes' stages: `000_input` is the user's whole
graph as given, `001_pruned` the plan graph pruning made of it (what the pipeline starts
from), then the passes' stages and the backend's (passes/dump.py).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

from ..ir.graph import Graph, Node, Value
from ..passes.manager import PassManager, PipelineReport, as_pipeline
from ..passes.prune import prune
from .executor import Backend
from .placement import LOCAL_CPU, place


class Plan(NamedTuple):
    """What `build_plan` returns (a tuple: `executable, graph, report = build_plan(...)`)."""

    executable: Any  # the backend's Executable: `run(feeds, state) -> results`
    graph: Graph  # the plan graph the backend compiled (pruned, optimized, placed)
    report: PipelineReport  # what the pass pipeline did (passes run, timings, dump folder)


def build_plan(graph: Graph, fetches: Sequence[Value], targets: Sequence[Node], feeds: Sequence[Value], *,
               backend: Backend, pipeline: Any = None, devices: Sequence[str] = (LOCAL_CPU,),
               allow_soft_placement: bool = False,
               on_report: Callable[[PipelineReport], None] | None = None) -> Plan:
    """Prune `graph` to what `fetches` and `targets` need (cut at `feeds`, which become the plan's
    params in order), run the pass pipeline, place every node on one of `devices` (the first is
    the default) and compile the plan with `backend`.

    `pipeline` is the session's pipeline (None: the current `pipeline_context`'s, else the
    default one). `on_report` is called with the pipeline's report as soon as the passes have
    run, so a plan that then fails to place or compile still leaves its report with the caller.
    """
    plan_graph = prune(graph, fetches, targets, feeds)
    plan_graph, report = PassManager(None if pipeline is None else as_pipeline(pipeline)).run(plan_graph, source=graph)
    if on_report is not None:
        on_report(report)
    place(plan_graph, list(devices), allow_soft_placement)
    with report.backend_stage():  # the backend may add its stages to this plan's dump
        executable = backend.compile(plan_graph)
    return Plan(executable, plan_graph, report)
