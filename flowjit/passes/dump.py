"""IR dumps: every stage of every compiled plan, as files, numbered in pipeline order.

Turn on with `FLOWJIT_DUMP=<dir>` or `flowjit.passes.pipeline_context(dump_dir=<dir>)`. Each
compiled plan gets a folder `<dir>/plan_NNNN/` holding

    000_input.txt / .dot            a Session's plan: the user's whole graph as given
    001_pruned.txt / .dot           the plan graph pruning made of it, which the pipeline
                                    starts from (highlighted: what pruning changed, e.g. fed
                                    values become Placeholders); a graph given straight to
                                    `run_passes` or `flowjit dump` has just `000_input`
    001_simplification.constant_folding.1.txt / .dot
                                    the IR after each pass that changed it (the file name has
                                    the group, the pass and the fixed-point iteration); the DOT
                                    picture highlights the nodes the pass added or changed
    ...
    00N_fusion.txt / .dot           after fusion (Fused nodes show their bodies in the text)
    00N_fusion_groups.txt           the fusion groups and every "not fused: ..." reason
    00M_<backend stages>            LLVM IR before/after optimization, assembly: written by the
                                    backend through `dump.current()` while it compiles the plan
    pipeline.txt                    the pipeline configured, the passes run, their timings

Every text file starts with `#` comment lines naming the stage and the pipeline; the IR text
parser skips comments, so a dumped IR file parses back (unless it has constants of more than
LITERAL_LIMIT elements, which dumps abbreviate).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from typing import Iterator, Sequence

from ..ir.graph import Graph
from .manager import Instrument, PassRecord, PipelineReport

_lock = threading.Lock()
_current: contextvars.ContextVar["PlanDump | None"] = contextvars.ContextVar("flowjit_dump", default=None)


def current() -> "PlanDump | None":
    """The dump of the plan being compiled, for backends to add their stages; None if not dumping."""
    return _current.get()


@contextlib.contextmanager
def active(dump: "PlanDump | None") -> Iterator["PlanDump | None"]:
    token = _current.set(dump)
    try:
        yield dump
    finally:
        _current.reset(token)


def _new_plan_dir(root: str) -> str:
    os.makedirs(root, exist_ok=True)
    with _lock:
        k = 1
        while True:
            path = os.path.join(root, f"plan_{k:04d}")
            try:
                os.mkdir(path)
                return path
            except FileExistsError:
                k += 1


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)


class PlanDump:
    """The dump folder of one compiled plan; `write(stage, text, ext)` adds the next file."""

    def __init__(self, root: str, pipeline: str) -> None:
        self.path = _new_plan_dir(root)
        self.pipeline = pipeline
        self.counter = 0
        self.files: list[str] = []

    def write(self, stage: str, text: str, ext: str = "txt", *, header: bool = True, number: int | None = None,
              numbered: bool = True) -> str:
        """Write the next stage's file (`NNN_<stage>.<ext>`) and return its path.

        `number` reuses a number already taken (a stage's .txt and .dot share one);
        `numbered=False` writes `<stage>.<ext>` (pipeline.txt).
        """
        if not numbered:
            name = f"{_safe(stage)}.{ext}"
        else:
            if number is None:
                number = self.next_number()
            name = f"{number:03d}_{_safe(stage)}.{ext}"
        if header and ext in ("txt", "ll", "s"):
            mark = ";" if ext == "ll" else "#"
            text = f"{mark} flowjit dump: {stage}\n{mark} pipeline: {self.pipeline}\n" + text
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.files.append(path)
        return path

    def next_number(self) -> int:
        number = self.counter
        self.counter += 1
        return number

    def write_graph(self, stage: str, graph: Graph, highlight: set[str] | None = None) -> None:
        """The IR as text (arrays over LITERAL_LIMIT elements abbreviated) and as DOT."""
        from ..ir.dot import to_dot

        number = self.next_number()
        self.write(stage, dump_text(graph), number=number)
        self.write(stage, to_dot(graph, highlight=highlight or set(), title=stage), ext="dot", number=number)


def _node_signatures(graph: Graph) -> dict[str, tuple]:
    return {n.name: (n.op, tuple(v.name for v in n.inputs), tuple(c.name for c in n.control_inputs), len(n.attrs))
            for n in graph}


class DumpInstrument(Instrument):
    """Writes the IR after every pass that changed it (see the module docstring)."""

    def __init__(self, root: str, earlier: Sequence[tuple[str, Graph]] = ()) -> None:
        self.root = root
        self.earlier = list(earlier)  # stages before the pipeline's input (a Session: the whole graph)
        self.dump: PlanDump | None = None
        self.previous: dict[str, tuple] = {}

    def enter_pipeline(self, graph: Graph, report: PipelineReport) -> None:
        self.dump = PlanDump(self.root, report.pipeline)
        report.dump = self.dump
        report.dump_dir = self.dump.path
        for stage, earlier in self.earlier:
            self.dump.write_graph(stage, earlier)
            self.previous = _node_signatures(earlier)
        now = _node_signatures(graph)
        changed = {name for name, sig in now.items() if self.previous.get(name) != sig} if self.earlier else None
        self.dump.write_graph("pruned" if self.earlier else "input", graph, changed)
        self.previous = now

    def after_pass(self, record: PassRecord, graph: Graph) -> None:
        assert self.dump is not None
        if not record.changed and record.name != "fusion":
            return
        now = _node_signatures(graph)
        changed = {name for name, sig in now.items() if self.previous.get(name) != sig}
        self.previous = now
        stage = record.qualified_name.replace("/", ".")
        if record.group:
            stage += f".{record.iteration}"
        self.dump.write_graph(stage, graph, changed)
        if record.name == "fusion":
            from .fusion import format_decisions

            self.dump.write("fusion_groups", format_decisions(record.notes))

    def exit_pipeline(self, graph: Graph, report: PipelineReport) -> None:
        assert self.dump is not None
        self.dump.write("pipeline", pipeline_text(report, graph), numbered=False, header=False)


def pipeline_text(report: PipelineReport, graph: Graph | None = None) -> str:
    lines = [report.format(), ""]
    if graph is not None:
        lines.append("results: " + ", ".join(v.name for v in graph.results))
        if graph.params:
            lines.append("params: " + ", ".join(p.name for p in graph.params))
        if graph.targets:
            lines.append("targets: " + ", ".join(t.name for t in graph.targets))
    for r in report.records:
        if r.notes and r.name != "fusion":
            lines.append("")
            lines.append(f"{r.qualified_name} (iteration {r.iteration}):")
            lines.extend(f"  {n}" for n in r.notes)
    return "\n".join(lines) + "\n"


def dump_text(graph: Graph) -> str:
    """`graph` as dump text: constants over LITERAL_LIMIT elements are abbreviated (such text
    is for reading; it parses back only when nothing was abbreviated)."""
    from ..ir.text import print_graph
    from .constant_folding import LITERAL_LIMIT

    return print_graph(graph, elide_large=LITERAL_LIMIT)
