"""Fixtures of the fuzz tests: one worker process for the session, and the run statistics.

The statistics (graphs, graphs/s, mismatches, known findings, per profile) are printed in
pytest's terminal summary and written to <pytest basetemp>/fuzz-stats.json.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from .worker import Worker

STATS = pytest.StashKey[dict]()


@pytest.fixture(scope="session")
def fuzz_worker() -> Iterator[Worker]:
    worker = Worker()
    yield worker
    worker.close()


@pytest.fixture(scope="session")
def fuzz_stats(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    stats: dict[str, Any] = {}
    request.config.stash[STATS] = stats
    yield stats
    for profile in stats.values():
        profile["graphs_per_second"] = round(profile["graphs"] / profile["seconds"], 2) if profile["seconds"] else None
    path = tmp_path_factory.getbasetemp() / "fuzz-stats.json"
    path.write_text(json.dumps(stats, indent=1))
    stats["_path"] = str(path)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    stats = config.stash.get(STATS, None)
    if not stats:
        return
    terminalreporter.section("fuzz")
    for name, p in stats.items():
        if name.startswith("_"):
            continue
        rate = p["graphs"] / p["seconds"] if p["seconds"] else 0.0
        terminalreporter.write_line(
            f"{name}: {p['graphs']} graphs in {p['seconds']:.1f} s ({rate:.1f} graphs/s), "
            f"{p['mismatches']} mismatching, {p['invalid']} invalid, known: {p['known'] or 'none'}")
    if "_path" in stats:
        terminalreporter.write_line(f"written to {stats['_path']}")
