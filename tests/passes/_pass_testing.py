"""Helpers for the pass tests: IR text in, IR text out; reference results before and after."""

from __future__ import annotations

import textwrap
from typing import Any, Callable, Sequence

import numpy as np

from flowjit.ir.graph import Graph
from flowjit.ir.text import assert_graphs_equal, parse_graph
from flowjit.passes import run_passes
from flowjit.runtime.devices.reference import Interpreter
from flowjit.runtime.state import SessionState


def ir(text: str) -> Graph:
    return parse_graph(textwrap.dedent(text))


def assert_ir(graph: Graph, expected: str) -> None:
    assert_graphs_equal(graph, textwrap.dedent(expected))


def run_reference(graph: Graph, feeds: Sequence[np.ndarray] = (),
                  state: Callable[[], SessionState] | None = None) -> list[np.ndarray]:
    return Interpreter(graph).run(list(feeds), state() if state else SessionState())


def assert_same_arrays(expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> None:
    """Equal bit for bit, up to NaN signs and payloads: same dtype, shape, values, NaNs and signs
    of zero."""
    assert len(expected) == len(actual)
    for k, (a, b) in enumerate(zip(expected, actual)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, f"result {k}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), f"result {k}:\n{a}\n!=\n{b}"
            numbers = ~np.isnan(a)  # a NaN's sign and payload are not specified by IEEE arithmetic
            assert np.array_equal(np.signbit(a)[numbers], np.signbit(b)[numbers]), f"result {k}: signs differ"
        else:
            assert np.array_equal(a, b), f"result {k}:\n{a}\n!=\n{b}"


def check_preserves(graph: Graph, passes: Any, feeds: Sequence[np.ndarray] = (),
                    state: Callable[[], SessionState] | None = None) -> Graph:
    """Run `passes` (verifier on) over a copy of `graph`; assert the reference results agree."""
    before = run_reference(graph, feeds, state)
    optimized, _ = run_passes(graph.copy(), passes, verify=True)
    after = run_reference(optimized, feeds, state)
    assert_same_arrays(before, after)
    return optimized
