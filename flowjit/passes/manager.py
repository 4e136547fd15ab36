"""The pass manager: an ordered, editable pipeline of graph -> graph passes.

A *pass* is a plain function. It takes an `ir.Graph` and returns one of
  - a Graph                 (the same graph edited in place, or a new one),
  - (graph, changed)        (what torch.fx passes return; lets a fixed point stop early),
  - None                    (the graph was edited in place).
When a pass does not say whether it changed anything, the manager compares the graph's
structure (nodes, edges, results) before and after.

A `Pipeline` is a list of passes and `FixedPoint` groups (a group reruns its passes until none
of them changes the graph). Passes are found by name, so a pipeline is edited like a list:

    p = default_pipeline()
    p.insert_after("simplification", my_pass)      # or insert_before / replace / remove
    sess = tf.Session(pipeline=p)                  # or: with pipeline_context(p): ...

`PassManager.run(graph)` runs the pipeline under the current `PassContext` and returns the
graph and a `PipelineReport` (the passes that ran, in order, each with its time, whether it
changed the graph, node counts and the notes it logged, e.g. fusion decisions). Instruments
(TVM's idea) observe the run without being part of any pass: the verifier (on by default,
`FLOWJIT_VERIFY=0` or `pipeline_context(verify=False)` turns it off), the IR dump
(`FLOWJIT_DUMP=<dir>` or `pipeline_context(dump_dir=...)`), and any user object with the hook
methods of `Instrument`.

A pass that raises, or leaves a graph the verifier rejects, stops the pipeline with a
`PassError` naming the pass and the passes that ran before it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

from .. import options
from ..ir.graph import Graph, Provenance

logger = logging.getLogger("flowjit.passes")

PassFn = Callable[[Graph], Any]


# --- passes and pipelines ---------------------------------------------------------------

@dataclass
class Pass:
    """A named pass. `fn(graph)` returns a Graph, (Graph, changed) or None (edited in place)."""

    name: str
    fn: PassFn
    doc: str = ""
    builtin: bool = False

    def __call__(self, graph: Graph) -> Any:
        return self.fn(graph)

    def __repr__(self) -> str:
        return f"Pass({self.name!r})"


@dataclass
class FixedPoint:
    """A group of passes rerun, in order, until a whole round changes nothing."""

    name: str
    passes: list[Pass]
    max_iterations: int = 10

    def __repr__(self) -> str:
        return f"FixedPoint({self.name!r}, {[p.name for p in self.passes]})"


Entry = Union[Pass, FixedPoint]

_BUILTIN_PASSES: dict[str, Callable[[], Pass]] = {}


def register_pass(name: str, factory: Callable[[], Pass]) -> None:
    """Make `name` usable wherever a pass is expected (`Session(pipeline=["cse", ...])`)."""
    _BUILTIN_PASSES[name] = factory


def get_pass(name: str) -> Pass:
    _load_builtin_passes()
    if name not in _BUILTIN_PASSES:
        raise KeyError(f"no pass named {name!r}; known passes: {sorted(_BUILTIN_PASSES)}")
    return _BUILTIN_PASSES[name]()


def available_passes() -> list[str]:
    _load_builtin_passes()
    return sorted(_BUILTIN_PASSES)


def _load_builtin_passes() -> None:
    from . import pipeline  # noqa: F401  (registers the built-in passes)


def as_pass(obj: Any, name: str | None = None) -> Entry:
    """A Pass (or FixedPoint) from a Pass, a FixedPoint, a built-in pass name or a function."""
    if isinstance(obj, (Pass, FixedPoint)):
        if name is not None and name != obj.name:
            raise ValueError(f"pass {obj.name!r} cannot be renamed to {name!r}; wrap its function instead")
        return obj
    if isinstance(obj, str):
        return get_pass(obj)
    if callable(obj):
        pass_name = name or getattr(obj, "pass_name", None) or getattr(obj, "__name__", None)
        if not pass_name or pass_name == "<lambda>":
            raise ValueError("a pass made from a lambda needs a name: Pass('my_pass', fn)")
        return Pass(pass_name, obj, doc=(getattr(obj, "__doc__", "") or "").strip())
    raise TypeError(f"cannot use {obj!r} as a pass: expected a function graph -> graph, a Pass, or a pass name")


class Pipeline:
    """An ordered list of passes and fixed-point groups, edited by pass name.

    Editing methods change the pipeline in place and return it, so they chain. A name refers
    to a pass at the top level or inside a group ("cse" finds the CSE pass inside
    "simplification"); a name that is not there is a KeyError listing the names that are, so
    an inserted pass is never silently left out. An edit also drops the plans sessions
    compiled, so a session using this pipeline runs the edited one from its next `run`.
    """

    def __init__(self, entries: Iterable[Any] = (), name: str = "custom") -> None:
        self.name = name
        self.entries: list[Entry] = [as_pass(e) for e in entries]
        self._check_unique()

    # --- reading ---------------------------------------------------------------------
    def names(self) -> list[str]:
        """Flat names in run order; passes of a group are written 'group/pass'."""
        out: list[str] = []
        for e in self.entries:
            if isinstance(e, FixedPoint):
                out.extend(f"{e.name}/{p.name}" for p in e.passes)
            else:
                out.append(e.name)
        return out

    def describe(self) -> str:
        """One line: 'simplification*(constant_folding, simplify, cse, dce) > fusion > cleanup'."""
        parts = []
        for e in self.entries:
            if isinstance(e, FixedPoint):
                parts.append(f"{e.name}*({', '.join(p.name for p in e.passes)})")
            else:
                parts.append(e.name)
        return " > ".join(parts) if parts else "(no passes)"

    def __contains__(self, name: str) -> bool:
        try:
            self._locate(name)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[Entry]:
        return iter(list(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, name: str) -> Entry:
        container, k = self._locate(name)
        return container[k]

    def __repr__(self) -> str:
        return f"<Pipeline {self.name}: {self.describe()}>"

    def copy(self) -> "Pipeline":
        new = Pipeline(name=self.name)
        new.entries = [FixedPoint(e.name, list(e.passes), e.max_iterations) if isinstance(e, FixedPoint) else e
                       for e in self.entries]
        return new

    # --- editing ---------------------------------------------------------------------
    def append(self, p: Any, name: str | None = None) -> "Pipeline":
        return self._edit(self.entries, len(self.entries), 0, as_pass(p, name))

    def prepend(self, p: Any, name: str | None = None) -> "Pipeline":
        return self._edit(self.entries, 0, 0, as_pass(p, name))

    def insert_before(self, anchor: str, p: Any, name: str | None = None) -> "Pipeline":
        container, k = self._locate(anchor)
        return self._edit(container, k, 0, self._entry_for(container, p, name))

    def insert_after(self, anchor: str, p: Any, name: str | None = None) -> "Pipeline":
        container, k = self._locate(anchor)
        return self._edit(container, k + 1, 0, self._entry_for(container, p, name))

    def replace(self, anchor: str, p: Any, name: str | None = None) -> "Pipeline":
        container, k = self._locate(anchor)
        return self._edit(container, k, 1, self._entry_for(container, p, name))

    def remove(self, anchor: str) -> "Pipeline":
        container, k = self._locate(anchor)
        return self._edit(container, k, 1, None)

    def _edit(self, container: list, k: int, drop: int, entry: Entry | None) -> "Pipeline":
        """container[k:k+drop] = [entry]; then no compiled plan may outlive the old pipeline."""
        old = list(container)
        container[k:k + drop] = [] if entry is None else [entry]
        try:
            self._check_unique()
        except ValueError:
            container[:] = old
            raise
        _notify_context_change()  # sessions compiled with this pipeline compile again
        return self

    def _entry_for(self, container: list, p: Any, name: str | None) -> Entry:
        entry = as_pass(p, name)
        if isinstance(entry, FixedPoint) and container is not self.entries:
            raise ValueError(f"a group ({entry.name!r}) cannot be nested inside another group")
        return entry

    def _locate(self, name: str) -> tuple[list, int]:
        group, _, inner = name.partition("/")
        for k, e in enumerate(self.entries):
            if e.name == group and not inner:
                return self.entries, k
        for e in self.entries:
            if isinstance(e, FixedPoint) and (not inner or e.name == group):
                wanted = inner or name
                for k, p in enumerate(e.passes):
                    if p.name == wanted:
                        return e.passes, k
        known = [e.name for e in self.entries] + [n for n in self.names() if "/" in n]
        raise KeyError(f"no pass named {name!r} in pipeline {self.name!r}; it has: {', '.join(known) or 'nothing'}")

    def _check_unique(self) -> None:
        seen: set[str] = set()
        for e in self.entries:
            for n in [e.name] + ([p.name for p in e.passes] if isinstance(e, FixedPoint) else []):
                if n in seen:
                    raise ValueError(f"pipeline {self.name!r} already has a pass named {n!r}; "
                                     "give the new pass another name")
                seen.add(n)

    # --- running ---------------------------------------------------------------------
    def run(self, graph: Graph, context: "PassContext | None" = None) -> Graph:
        """Run over `graph`; the report is `PassManager(self).run(graph)[1]` if you need it."""
        return PassManager(self, context).run(graph)[0]


# --- the context ------------------------------------------------------------------------

class PassContext:
    """Options of a pipeline run (TVM's PassContext): which pipeline, verify, dump, instruments.

    `pipeline` None means "the session's pipeline, else the default one". `verify` None means
    `FLOWJIT_VERIFY` (on unless set to 0). `dump_dir` None means `FLOWJIT_DUMP`. `disabled`
    names passes to leave out of whatever pipeline runs (as `FLOWJIT_DISABLE_PASSES=a,b`).
    """

    def __init__(self, pipeline: Any = None, *, verify: bool | None = None, dump_dir: str | None = None,
                 instruments: Sequence[Any] = (), disabled: Sequence[str] = ()) -> None:
        self.pipeline = None if pipeline is None else as_pipeline(pipeline)
        self.verify = verify
        self.dump_dir = dump_dir
        self.instruments = list(instruments)
        self.disabled = list(disabled)

    def should_verify(self) -> bool:
        if self.verify is not None:
            return self.verify
        return options.get("FLOWJIT_VERIFY")

    def dump_directory(self) -> str | None:
        return self.dump_dir or options.get("FLOWJIT_DUMP") or None

    def disabled_passes(self) -> list[str]:
        return self.disabled + options.get("FLOWJIT_DISABLE_PASSES")


_context: contextvars.ContextVar[PassContext | None] = contextvars.ContextVar("flowjit_pass_context", default=None)
_context_listeners: list[Callable[[], None]] = []


def current_context() -> PassContext:
    ctx = _context.get()
    return ctx if ctx is not None else PassContext()


def on_context_change(fn: Callable[[], None]) -> None:
    """Call `fn()` whenever a `pipeline_context` is entered or left, or a Pipeline is edited.

    Session uses this to drop its compiled plans, so that a plan compiled under one context is
    never reused under another (a pass added by a context is never silently skipped).
    """
    _context_listeners.append(fn)


def _notify_context_change() -> None:
    for fn in list(_context_listeners):
        fn()


@contextlib.contextmanager
def pipeline_context(pipeline: Any = None, *, verify: bool | None = None, dump_dir: str | None = None,
                     instruments: Sequence[Any] = (), disabled: Sequence[str] = ()) -> Iterator[PassContext]:
    """Run plans compiled inside the block with these pass options.

        with flowjit.passes.pipeline_context(dump_dir="/tmp/ir"):
            sess.run(y)                     # compiles (again) and dumps every stage

    A Session's own `pipeline=` wins over this block's `pipeline`; the other options apply to
    every plan compiled inside. Entering and leaving the block drops the sessions' compiled
    plans, so the block's options always apply.
    """
    outer = _context.get()
    ctx = PassContext(pipeline if pipeline is not None else (outer.pipeline if outer else None),
                      verify=verify if verify is not None else (outer.verify if outer else None),
                      dump_dir=dump_dir or (outer.dump_dir if outer else None),
                      instruments=(outer.instruments if outer else []) + list(instruments),
                      disabled=(outer.disabled if outer else []) + list(disabled))
    token = _context.set(ctx)
    _notify_context_change()
    try:
        yield ctx
    finally:
        _context.reset(token)
        _notify_context_change()


def as_pipeline(config: Any) -> Pipeline:
    """A Pipeline from a Pipeline, a list of passes/names, one pass, or a name."""
    if isinstance(config, Pipeline):
        return config
    if isinstance(config, (list, tuple)):
        return Pipeline(config)
    if isinstance(config, (Pass, FixedPoint, str)) or callable(config):
        return Pipeline([config])
    raise TypeError(f"cannot use {config!r} as a pipeline: expected a Pipeline, a list of passes, or a pass")


# --- the report --------------------------------------------------------------------------

@dataclass
class PassRecord:
    """One run of one pass."""

    name: str
    group: str | None
    iteration: int
    seconds: float
    changed: bool
    nodes_before: int
    nodes_after: int
    notes: list[Any] = field(default_factory=list)

    @property
    def qualified_name(self) -> str:
        return f"{self.group}/{self.name}" if self.group else self.name


@dataclass
class PipelineReport:
    """What a pipeline run did: `passes_run()`, `timings()`, `records`, `format()`, and the
    optimized `graph`."""

    pipeline: str
    records: list[PassRecord] = field(default_factory=list)
    total_seconds: float = 0.0
    verified: bool = False
    dump_dir: str | None = None
    warnings: list[str] = field(default_factory=list)
    dump: Any = None  # the plan's dump writer (dump.PlanDump) when dumping
    graph: Graph | None = None  # the optimized graph the pipeline returned

    def passes_run(self) -> list[str]:
        return [r.qualified_name for r in self.records]

    def timings(self) -> dict[str, float]:
        """Seconds per pass, summed over fixed-point iterations."""
        out: dict[str, float] = {}
        for r in self.records:
            out[r.qualified_name] = out.get(r.qualified_name, 0.0) + r.seconds
        return out

    def notes(self, pass_name: str | None = None) -> list[Any]:
        return [n for r in self.records if pass_name in (None, r.name, r.qualified_name) for n in r.notes]

    @property
    def fusion_decisions(self) -> list[Any]:
        return self.notes("fusion")

    def format(self) -> str:
        lines = [f"pipeline: {self.pipeline}",
                 f"{'#':>3}  {'pass':<34} {'iter':>4} {'ms':>9}  {'changed':<7} nodes"]
        for k, r in enumerate(self.records, 1):
            lines.append(f"{k:>3}  {r.qualified_name:<34} {r.iteration:>4} {r.seconds * 1e3:>9.3f}  "
                         f"{'yes' if r.changed else 'no':<7} {r.nodes_before} -> {r.nodes_after}")
        lines.append(f"total {self.total_seconds * 1e3:.3f} ms; verifier {'on' if self.verified else 'off'}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    @contextlib.contextmanager
    def backend_stage(self) -> Iterator[Any]:
        """While the backend compiles this plan, `dump.current()` is this plan's dump (or None)."""
        from . import dump as _dump

        with _dump.active(self.dump):
            yield self.dump


class PassError(Exception):
    """A pass raised or produced an invalid graph; names the pass and the passes before it."""

    def __init__(self, pass_name: str, passes_before: Sequence[str], message: str) -> None:
        before = ", ".join(passes_before) if passes_before else "none"
        super().__init__(f"pass {pass_name!r} failed: {message}\n  passes run before it: {before}")
        self.pass_name = pass_name
        self.passes_before = list(passes_before)
        self.message = message


# --- instruments -----------------------------------------------------------------------

class Instrument:
    """Hooks called around a pipeline run; subclass and override what you need."""

    def enter_pipeline(self, graph: Graph, report: PipelineReport) -> None:
        pass

    def before_pass(self, name: str, graph: Graph) -> None:
        pass

    def after_pass(self, record: PassRecord, graph: Graph) -> None:
        pass

    def exit_pipeline(self, graph: Graph, report: PipelineReport) -> None:
        pass


class PrintIR(Instrument):
    """Print the IR after every pass that changed it (LLVM's -print-after-all)."""

    def __init__(self, file: Any = None, only_changed: bool = True) -> None:
        self.file = file
        self.only_changed = only_changed

    def after_pass(self, record: PassRecord, graph: Graph) -> None:
        from ..ir.text import print_graph

        if record.changed or not self.only_changed:
            print(f"# IR after {record.qualified_name} (iteration {record.iteration})", file=self.file)
            print(print_graph(graph), file=self.file)


# --- notes: how a pass logs decisions ----------------------------------------------------

_notes: contextvars.ContextVar[list | None] = contextvars.ContextVar("flowjit_pass_notes", default=None)


def note(item: Any) -> None:
    """Record a decision of the running pass (shown in its report record and in the dump)."""
    target = _notes.get()
    if target is not None:
        target.append(item)
    logger.debug("%s", item)


# --- running -----------------------------------------------------------------------------

def structure_signature(graph: Graph) -> tuple:
    """A cheap fingerprint of nodes, edges, results and targets (not attrs)."""
    nodes = tuple((n.name, n.op, tuple((v.node.name, v.index) for v in n.inputs),
                   tuple(c.name for c in n.control_inputs), len(n.attrs)) for n in graph)
    return (nodes, tuple((v.node.name, v.index) for v in graph.results), tuple(t.name for t in graph.targets))


def verify_graph(graph: Graph) -> None:
    """Run the IR verifier (`flowjit.ir.verifier.verify`)."""
    from ..ir.verifier import verify

    verify(graph)


class PassManager:
    """Runs a Pipeline under a PassContext; `run(graph) -> (graph, PipelineReport)`."""

    def __init__(self, pipeline: Any = None, context: PassContext | None = None) -> None:
        self.context = context or current_context()
        if pipeline is None:
            pipeline = self.context.pipeline
        if pipeline is None:
            from .pipeline import default_pipeline

            pipeline = default_pipeline()
        self.pipeline = as_pipeline(pipeline)

    def _effective_pipeline(self) -> Pipeline:
        disabled = self.context.disabled_passes()
        if not disabled:
            return self.pipeline
        p = self.pipeline.copy()
        for name in disabled:
            if name in p:
                p.remove(name)
        return p

    def run(self, graph: Graph, source: Graph | None = None) -> tuple[Graph, PipelineReport]:
        """Run the pipeline on `graph`. `source` is the graph `graph` was pruned from (a
        Session's plan): the dump then shows it as `input` before `graph` as `pruned`."""
        pipeline = self._effective_pipeline()
        ctx = self.context
        report = PipelineReport(pipeline.describe(), verified=ctx.should_verify())
        instruments = list(ctx.instruments)
        dump_dir = ctx.dump_directory()
        if dump_dir:
            from .dump import DumpInstrument

            instruments.insert(0, DumpInstrument(dump_dir, [] if source is None else [("input", source)]))
            report.dump_dir = dump_dir
        logger.info("running pipeline %s", report.pipeline)
        start = time.perf_counter()
        for inst in instruments:
            inst.enter_pipeline(graph, report)
        if report.verified:
            self._verify(graph, "(input)", report, "the graph given to the pipeline")
        for entry in pipeline.entries:
            if isinstance(entry, FixedPoint):
                for iteration in range(1, entry.max_iterations + 1):
                    changed_any = False
                    for p in entry.passes:
                        graph, changed = self._run_one(p, graph, report, instruments, entry.name, iteration)
                        changed_any = changed_any or changed
                    if not changed_any:
                        break
                else:
                    message = f"{entry.name} did not reach a fixed point in {entry.max_iterations} iterations"
                    report.warnings.append(message)
                    logger.warning(message)
            else:
                graph, _ = self._run_one(entry, graph, report, instruments, None, 1)
        report.total_seconds = time.perf_counter() - start
        report.graph = graph
        for inst in instruments:
            inst.exit_pipeline(graph, report)
        logger.info("pipeline done in %.3f ms: %s", report.total_seconds * 1e3, ", ".join(report.passes_run()))
        return graph, report

    def _run_one(self, p: Pass, graph: Graph, report: PipelineReport, instruments: list,
                 group: str | None, iteration: int) -> tuple[Graph, bool]:
        for inst in instruments:
            inst.before_pass(p.name, graph)
        before_ids = {id(n) for n in graph}
        nodes_before = len(graph)
        signature = None if p.builtin else structure_signature(graph)
        notes: list[Any] = []
        token = _notes.set(notes)
        t0 = time.perf_counter()
        try:
            out = p.fn(graph)
        except PassError:
            raise
        except Exception as e:
            raise PassError(p.name, report.passes_run(), f"{type(e).__name__}: {e}") from e
        finally:
            seconds = time.perf_counter() - t0
            _notes.reset(token)
        changed: bool | None = None
        if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], Graph):
            out, changed = out
            changed = bool(changed)
        if out is None:
            out = graph
        if not isinstance(out, Graph):
            raise PassError(p.name, report.passes_run(),
                            f"a pass must return a Graph, (Graph, changed) or None; it returned {type(out).__name__}")
        if changed is None:
            changed = out is not graph or signature != structure_signature(out)
        _stamp_provenance(out, before_ids, p.name)
        record = PassRecord(p.name, group, iteration, seconds, changed, nodes_before, len(out), notes)
        report.records.append(record)
        logger.debug("pass %s: %.3f ms, changed=%s, %d -> %d nodes", record.qualified_name, seconds * 1e3,
                     changed, nodes_before, len(out))
        if report.verified and (changed or not p.builtin):
            self._verify(out, p.name, report, None)
        if changed:
            try:  # keep the node list in dependency order, so dumps read top to bottom
                out.reorder(out.topological_order())
            except ValueError as e:
                raise PassError(p.name, report.passes_run()[:-1], str(e)) from e
        for inst in instruments:
            inst.after_pass(record, out)
        return out, changed

    def _verify(self, graph: Graph, pass_name: str, report: PipelineReport, what: str | None) -> None:
        try:
            verify_graph(graph)
        except Exception as e:
            before = report.passes_run()
            if pass_name != "(input)":
                before = before[:-1]
            raise PassError(pass_name, before, f"the IR verifier rejected {what or 'its output'}: {e}") from e


def _stamp_provenance(graph: Graph, before_ids: set[int], pass_name: str) -> None:
    """Nodes a pass added without saying where they came from get the pass's name."""
    for n in graph:
        if id(n) not in before_ids and n.provenance.created_by == "frontend" and not n.provenance.origins:
            n.provenance = Provenance(pass_name, ())


def run_passes(graph: Graph, passes: Any, **context: Any) -> tuple[Graph, PipelineReport]:
    """Run a pipeline (or a list of passes) once over `graph`: handy in tests and notebooks."""
    ctx = PassContext(**context) if context else current_context()
    return PassManager(as_pipeline(passes), ctx).run(graph)
