"""Split each HistogramSummary into its numeric half and its host half.

TF's HistogramSummary does two things: it counts the values into ~1,550 buckets and sums them
(work over every value: a weight matrix has hundreds of thousands), and it writes a Summary
proto (a few hundred bytes, strings). flowjit's backends run string-producing ops on the host,
so left whole the counting would run in NumPy; split, the counting is `HistogramStats` (a float64
vector: min, max, count, sum, sum of squares, the first non-finite value's kind, the bucket
counts), which the cpu backend compiles (compiler/routines/histogram.py), and the proto is
`HistogramSummaryFromStats`, a host op. Both halves' reference kernels are the ones the whole op
uses (ir/ops/summary.py), so the split never changes a byte of the Summary.

The host half takes over the summary's name, device, source line and control edges, so an error
("Nan in summary histogram for: <name>") and a fetch by name still find it.
"""

from __future__ import annotations

from ..ir.graph import Graph
from .manager import Pass, note


def split_histogram_summaries(graph: Graph) -> tuple[Graph, bool]:
    doomed = [n for n in graph.nodes if n.op == "HistogramSummary"]
    for old in doomed:
        tag, values = old.inputs
        common = dict(device=old.device, source=old.source, provenance=old.provenance)
        stats = graph.add_node("HistogramStats", [values], name=f"{old.name}/stats", **common)
        new = graph.add_node("HistogramSummaryFromStats", [tag, stats.output(0)], name=f"{old.name}/from_stats",
                             control_inputs=list(old.control_inputs), **common)
        graph.replace_all_uses_with(old.output(0), new.output(0))
        for user in graph.control_users(old):
            user.control_inputs = [new if c is old else c for c in user.control_inputs]
        graph.targets = [new if t is old else t for t in graph.targets]
        name = old.name
        graph.erase_node(old)
        graph.rename_node(new, name)
        note(f"split {name} into {stats.name} (compiled) and its Summary proto (host)")
    return graph, bool(doomed)


def split_summaries() -> Pass:
    return Pass("split_summaries", split_histogram_summaries,
                doc="HistogramSummary -> HistogramStats (native counting) + HistogramSummaryFromStats (host)",
                builtin=True)
