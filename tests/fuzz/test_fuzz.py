"""Differential fuzzing: random programs must agree on the reference and cpu backends.

Profiles: `test_fuzz_fast` (80 derandomized programs, in every run) and `test_fuzz_long`
(1000 larger programs, also under FLOWJIT_CHECK_BOUNDS=1; marked slow). A failure prints
its seed and the shrunk program as JSON: add that to counterexamples.json, which
`test_counterexample` replays (xfail(strict) for open bugs, with a recognizer in known.py so
the random profiles count them instead of failing). Longer or seeded runs:
`python -m tests.fuzz.run --graphs N --seed S`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .bounds import bounds_for
from .check import ORACLE, check
from .compare import disagreement
from .draw import RandomDraw
from .generate import generate
from .known import KNOWN, known_as
from .program import Program, dumps
from .shrink import shrink
from .worker import Worker

ENTRIES = json.loads((Path(__file__).parent / "counterexamples.json").read_text())
# Hypothesis only picks the seeds (derandomized: the same programs in every run); the
# program comes from RandomDraw(seed), which spreads over the op set far better than
# Hypothesis' small-first choices, and a failure is shrunk by shrink.py, not by Hypothesis.
PROFILE = dict(deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
               suppress_health_check=list(HealthCheck))
SEEDS = st.integers(0, 2**32 - 1)


def _fuzz_one(worker: Worker, stats: dict[str, Any], profile: str, seed: int, max_ops: int,
              check_bounds: bool) -> None:
    program = generate(RandomDraw(seed), max_ops)
    outcome = check(worker, program, check_bounds)
    p = stats.setdefault(profile, {"graphs": 0, "seconds": 0.0, "mismatches": 0, "invalid": 0, "known": {}})
    p["graphs"] += 1
    p["seconds"] += outcome.seconds
    if outcome.status == "invalid":
        p["invalid"] += 1
        pytest.fail(f"seed {seed}: the generator made an invalid program ({outcome.oracle_error}):\n{dumps(program)}")
    unknown = []
    for finding in outcome.findings:
        name = known_as(program, finding)
        if name is None:
            unknown.append(finding)
        else:
            p["known"][name] = p["known"].get(name, 0) + 1
    if unknown:
        p["mismatches"] += 1
        small, small_outcome = shrink(worker, program, outcome, check_bounds, budget=150)
        raise AssertionError(f"seed {seed} (python -m tests.fuzz.run --graphs 1 --seed {seed}): backends disagree; "
                             f"shrunk program:\n{dumps(small)}\n" + "\n".join(map(str, small_outcome.findings)))


@settings(max_examples=80, **PROFILE)
@given(seed=SEEDS)
def test_fuzz_fast(seed: int, fuzz_worker: Worker, fuzz_stats: dict[str, Any]) -> None:
    _fuzz_one(fuzz_worker, fuzz_stats, "fast", seed, max_ops=10, check_bounds=False)


@pytest.mark.slow
@settings(max_examples=1000, **PROFILE)
@given(seed=SEEDS)
def test_fuzz_long(seed: int, fuzz_worker: Worker, fuzz_stats: dict[str, Any]) -> None:
    _fuzz_one(fuzz_worker, fuzz_stats, "long", seed, max_ops=14, check_bounds=True)


def _entry_param(entry: dict[str, Any]) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=entry["xfail"])] if entry.get("xfail") else []
    return pytest.param(entry, id=entry["name"], marks=marks)


@pytest.mark.parametrize("entry", [_entry_param(e) for e in ENTRIES])
def test_counterexample(entry: dict[str, Any], fuzz_worker: Worker) -> None:
    """Every shrunk counterexample, replayed on all runs (FLOWJIT_CHECK_BOUNDS=1 included)."""
    program = entry["program"]
    outcome = check(fuzz_worker, program, check_bounds=True)
    assert outcome.status == "ok", entry["name"] + "\n" + "\n".join(map(str, outcome.findings))
    if "expect" in entry:
        oracle = fuzz_worker.run({"program": program, **ORACLE})
        for pos, want in enumerate(entry["expect"]):
            got = oracle["values"][program["outputs"][pos]]
            np.testing.assert_allclose(got, np.asarray(want, dtype=got.dtype), rtol=1e-6, equal_nan=True)


def test_known_findings_are_pinned() -> None:
    """Each recognizer in known.py masks a bug that an xfail counterexample keeps open."""
    pinned = {e["name"] for e in ENTRIES if e.get("xfail")}
    assert set(KNOWN) <= pinned


# --- the comparison itself: it must catch small wrong answers --------------------------

def _program(op: str, dtype: str, data: list[Any], **attrs: Any) -> Program:
    shape = attrs.pop("shape", [len(data)])
    return {"nodes": [{"op": "input", "dtype": dtype, "shape": [len(data)], "data": data},
                      {"op": op, "args": [0], **attrs, "dtype": dtype, "shape": shape}],
            "outputs": [1]}


@pytest.mark.parametrize("op, dtype, ulps, caught", [
    ("neg", "float32", 1, True),  # exact op: one ulp off is wrong
    ("exp", "float32", 2, False),  # within mathlib's 2 ulp + NumPy's
    ("exp", "float32", 40, True),
    ("tanh", "float64", 3, False),
    ("tanh", "float64", 100, True),
])
def test_bounds_catch_wrong_values(op: str, dtype: str, ulps: int, caught: bool) -> None:
    program = _program(op, dtype, [0.5, 1.5, -2.25])
    x = np.array([0.5, 1.5, -2.25], dtype=dtype)
    ref = {"neg": np.negative, "exp": np.exp, "tanh": np.tanh}[op](x)
    bound = bounds_for(program, [x, ref])[1]
    wrong = ref.copy()
    for _ in range(ulps):
        wrong = np.nextafter(wrong, np.asarray(np.inf, dtype))
    assert (disagreement(ref, wrong, bound) is not None) == caught


def test_bounds_catch_signed_zero_and_nan() -> None:
    program = _program("neg", "float32", [0.0, 1.0])
    x = np.array([0.0, 1.0], np.float32)
    bound = bounds_for(program, [x, -x])[1]
    assert disagreement(-x, np.array([0.0, -1.0], np.float32), bound) is not None
    assert disagreement(-x, np.array([np.nan, -1.0], np.float32), bound) is not None
    assert disagreement(-x, -x, bound) is None


def test_bounds_give_up_where_an_ulp_flips_the_result() -> None:
    """floormod(exp(x), tiny): the quotient overflows, so one ulp of exp(x) changes everything."""
    x = np.array([-2.25, 0.5])
    program = {"nodes": [{"op": "input", "dtype": "float64", "shape": [2], "data": x.tolist()},
                         {"op": "exp", "args": [0], "dtype": "float64", "shape": [2]},
                         {"op": "input", "dtype": "float64", "shape": [2], "data": [-2e-310, 3.0]},
                         {"op": "floormod", "args": [1, 2], "dtype": "float64", "shape": [2]}],
               "outputs": [3]}
    values = [x, np.exp(x), np.array([-2e-310, 3.0]), np.mod(np.exp(x), [-2e-310, 3.0])]
    assert np.isinf(bounds_for(program, values)[3].d).tolist() == [True, False]


def test_bounds_allow_reordered_sums_only() -> None:
    x = np.array([1e8, 1.0, -1e8, 3.0], np.float32)
    program = _program("reduce_sum", "float32", x.tolist(), axis=None, keepdims=False, shape=[])
    ref = np.float32(4.0)
    bound = bounds_for(program, [x, ref])[1]
    assert disagreement(ref, np.float32(3.0), bound) is None  # another order of the same sum
    assert disagreement(ref, np.float32(1e3), bound) is not None


def test_worker_survives_crashes_and_hangs() -> None:
    worker = Worker(timeout=3)
    try:
        crash = worker.run({"selftest": "crash"})
        assert crash["phase"] == "crash" and "exit code -11" in crash["error"]
        hang = worker.run({"selftest": 60})
        assert hang["phase"] == "timeout"
        assert worker.run({"selftest": 0})["ok"] and worker.restarts == 2
    finally:
        worker.close()
