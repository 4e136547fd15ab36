"""Run one program everywhere and say how the runs disagree.

The oracle is the reference backend with no passes (`pipeline=[]`), fetching every node: it
gives the values the bounds are computed from, and it cannot share a pass bug with the
others. The candidates fetch only the program's outputs, so fusion sees the real program:
the reference backend with the default pipeline, the cpu backend, and, with
`check_bounds`, the cpu backend under FLOWJIT_CHECK_BOUNDS=1. When the oracle raises at run
time (integer division by zero, an index out of range), every candidate must raise the same
error class. A worker crash or timeout in any run is a finding.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .bounds import bounds_for
from .compare import disagreement
from .program import Program
from .worker import Worker

ORACLE = {"backend": "reference", "pipeline": "none", "fetch": "all"}
CANDIDATES = {
    "reference": {"backend": "reference"},
    "cpu": {"backend": "cpu"},
}
BOUNDS_RUN = {"cpu+bounds": {"backend": "cpu", "env": {"FLOWJIT_CHECK_BOUNDS": "1"}}}


@dataclass
class Finding:
    run: str  # "oracle", "reference", "cpu", "cpu+bounds"
    kind: str  # "value", "error", "dead-error", "crash", "timeout", "bounds", "spec"
    detail: str

    def __str__(self) -> str:
        return f"{self.run}: {self.kind}: {self.detail}"

    @property
    def flavor(self) -> str:
        """Tells apart findings of one kind that are likely different bugs (for the shrinker)."""
        if self.kind == "bounds":
            shape = re.search(r"buffer b\d+ \[([\d, ]*)\]", self.detail)
            return "empty buffer" if shape and "0" in shape.group(1).replace(" ", "").split(",") else "buffer"
        if self.kind == "value":  # the op of the output (node numbers change while shrinking)
            op = re.match(r"output \d+ \(node \d+, (\w+)\)", self.detail)
            return op.group(1) if op else ""
        if self.kind == "error":
            return self.detail.split(":")[0]  # the error class
        return ""


@dataclass
class Outcome:
    status: str  # "ok", "mismatch" or "invalid" (the program does not build: a generator bug)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    oracle_error: str | None = None
    fallback: dict[str, Any] = field(default_factory=dict)

    def signature(self) -> set[tuple[str, str, str]]:
        """What a shrunk program must keep failing with: run, kind and flavor."""
        return {(f.run, f.kind, f.flavor) for f in self.findings}


def _failure(run: str, reply: dict[str, Any]) -> Finding:
    phase = reply.get("phase")
    kind = phase if phase in ("crash", "timeout") else ("bounds" if reply.get("kind") == "bounds" else "error")
    return Finding(run, kind, f"{reply.get('error')}: {reply.get('message', '')[:1500]}")


def _missed_error(worker: Worker, program: Program, name: str, config: dict[str, Any], error: str) -> Finding:
    """The oracle raised and `name` did not. "dead-error" when `name` raises too once every
    node is fetched: it only skipped a check in elements no output reads (TF1 still raises)."""
    again = worker.run({"program": program, "pipeline": "default", **config, "fetch": "all"})
    if not again["ok"] and again["phase"] == "run" and again["error"] == error:
        return Finding(name, "dead-error", f"ran, but the oracle raised {error}; fetching every node raises it")
    return Finding(name, "error", f"ran, but the oracle raised {error}, also when every node is fetched")


def _spec_findings(program: Program, values: list[np.ndarray]) -> list[Finding]:
    found = []
    for k, (node, v) in enumerate(zip(program["nodes"], values)):
        if str(v.dtype) != node["dtype"] or list(v.shape) != node["shape"]:
            found.append(Finding("oracle", "spec", f"node {k} ({node['op']}) is {v.dtype}{list(v.shape)}, "
                                                    f"TF's rules give {node['dtype']}{node['shape']}"))
    return found


def check(worker: Worker, program: Program, check_bounds: bool = False) -> Outcome:
    start = time.perf_counter()
    outcome = Outcome("ok")
    oracle = worker.run({"program": program, **ORACLE})
    if not oracle["ok"] and oracle["phase"] == "build":
        outcome.status = "invalid"
        outcome.oracle_error = f"{oracle['error']}: {oracle['message']}"
        outcome.seconds = time.perf_counter() - start
        return outcome
    bounds = None
    if oracle["ok"]:
        outcome.findings += _spec_findings(program, oracle["values"])
        bounds = bounds_for(program, oracle["values"])
    elif oracle["phase"] in ("crash", "timeout"):
        outcome.findings.append(_failure("oracle", oracle))
    else:
        outcome.oracle_error = oracle["error"]
    runs = {**CANDIDATES, **(BOUNDS_RUN if check_bounds else {})}
    for name, config in runs.items():
        reply = worker.run({"program": program, "pipeline": "default", "fetch": "outputs", **config})
        if reply.get("fallback"):
            outcome.fallback.update(reply["fallback"])
        if not reply["ok"]:
            if reply["phase"] != "run" or reply["error"] != outcome.oracle_error or reply.get("kind") == "bounds":
                outcome.findings.append(_failure(name, reply))
            continue
        if bounds is None:
            if outcome.oracle_error is not None:
                outcome.findings.append(_missed_error(worker, program, name, config, outcome.oracle_error))
            continue
        for pos, k in enumerate(program["outputs"]):
            why = disagreement(oracle["values"][k], reply["values"][pos], bounds[k])
            if why:
                outcome.findings.append(Finding(name, "value", f"output {pos} (node {k}, "
                                                               f"{program['nodes'][k]['op']}): {why}"))
    outcome.status = "mismatch" if outcome.findings else "ok"
    outcome.seconds = time.perf_counter() - start
    return outcome
