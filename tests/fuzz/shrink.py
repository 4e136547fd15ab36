"""Greedy shrinking of a failing program, for the CLI (Hypothesis shrinks the pytest profiles).

A candidate edit is kept when the program still fails with the finding being chased: the
run, kind and flavor (`Finding.flavor`) of the first finding. Edits, tried to a fixed point: keep one output; bypass
an op whose input has its dtype and shape; freeze a node into an input holding the oracle's
value of it (cuts everything above it); make inputs constants or static; zero or one out
chunks of input data.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

from .check import ORACLE, Outcome, check
from .generate import prune
from .program import Program, encode
from .worker import Worker


def _candidates(program: Program, oracle_values: list[Any] | None) -> Iterator[Program]:
    nodes, outputs = program["nodes"], program["outputs"]
    if len(outputs) > 1:
        for o in outputs:
            yield prune({"nodes": nodes, "outputs": [o]})
    for k in range(len(nodes) - 1, -1, -1):
        node = nodes[k]
        if node["op"] == "input":
            continue
        for a in node["args"]:
            if nodes[a]["dtype"] == node["dtype"] and nodes[a]["shape"] == node["shape"]:
                yield _rewire(program, k, a)
        if oracle_values is not None and k not in outputs:
            frozen = copy.deepcopy(program)
            frozen["nodes"][k] = {"op": "input", "dtype": node["dtype"], "shape": node["shape"],
                                  "data": encode(oracle_values[k])}
            yield prune(frozen)
    for k, node in enumerate(nodes):
        if node["op"] != "input":
            continue
        for edit in ({"feed": False}, {"feed": True}, {"decl": None}):
            if any(node.get(key) == value for key, value in edit.items()) or ("decl" in edit and "decl" not in node):
                continue
            changed = copy.deepcopy(program)
            changed["nodes"][k].update(edit)
            if changed["nodes"][k].get("decl", 0) is None:
                del changed["nodes"][k]["decl"]
            yield changed
        data = node["data"]
        smallest = 1 if len(data) <= 16 else 8  # element by element only for small inputs
        for fill in (0, 1):
            value = bool(fill) if node["dtype"] == "bool" else fill
            step = len(data)
            while step >= smallest:
                for start in range(0, len(data), step):
                    new = data[:start] + [value] * len(data[start:start + step]) + data[start + step:]
                    if new != data:
                        changed = copy.deepcopy(program)
                        changed["nodes"][k]["data"] = new
                        yield changed
                step //= 2


def _rewire(program: Program, k: int, a: int) -> Program:
    nodes = copy.deepcopy(program["nodes"])
    for node in nodes[k + 1:]:
        if "args" in node:
            node["args"] = [a if x == k else x for x in node["args"]]
    outputs = [a if o == k else o for o in program["outputs"]]
    return prune({"nodes": nodes, "outputs": list(dict.fromkeys(outputs))})


def shrink(worker: Worker, program: Program, outcome: Outcome, check_bounds: bool = False,
           budget: int = 400, log: Callable[[str], None] = lambda s: None) -> tuple[Program, Outcome]:
    """The smallest program found (within `budget` checks) failing like `outcome` does."""
    first = outcome.findings[0]
    target = (first.run, first.kind, first.flavor)
    best, best_outcome = program, outcome
    tried = 0
    progress = True
    while progress and tried < budget:
        progress = False
        reply = worker.run({"program": best, **ORACLE})
        values = reply["values"] if reply["ok"] else None
        for candidate in _candidates(best, values):
            if tried >= budget:
                break
            tried += 1
            result = check(worker, candidate, check_bounds)
            if target in result.signature():
                best, best_outcome, progress = candidate, result, True
                log(f"shrunk to {len(best['nodes'])} nodes")
                break
    return best, best_outcome
