"""Open findings, recognized so the random profiles report them instead of failing on them.

When the fuzzer finds a bug that is not fixed at once, its shrunk program goes into
counterexamples.json with an "xfail" reason (replayed as xfail(strict)), and a recognizer
goes here under the same name, so test_fuzz_fast/long count new instances of it instead of
failing on them:

    def _pad_of_empty(program: Program, finding: Finding) -> bool:
        nodes = program["nodes"]
        return finding.kind == "bounds" and any(
            n["op"] == "pad" and size_of(nodes[n["args"][0]]["shape"]) == 0 for n in nodes)

    KNOWN = {"pad-of-empty-input": _pad_of_empty}

When the bug is fixed the counterexample XPASSes, which fails (strict): delete its "xfail"
and its recognizer, so a fixed bug cannot stay masked. test_known_findings_are_pinned
checks that every recognizer has its xfail counterexample.
"""

from __future__ import annotations

from typing import Callable

from .check import Finding
from .program import Program

# no open findings: every counterexample found so far is fixed and replayed as a regression
KNOWN: dict[str, Callable[[Program, Finding], bool]] = {}


def known_as(program: Program, finding: Finding) -> str | None:
    """The counterexample name of the open bug `finding` is an instance of, if any."""
    return next((name for name, matches in KNOWN.items() if matches(program, finding)), None)
