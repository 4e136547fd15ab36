"""Long fuzz runs from the command line: graphs/s, mismatches, and each one shrunk.

    python -m tests.fuzz.run --graphs 1000 --seed 0 [--check-bounds] [--out findings.json]

Program i is `generate(RandomDraw(seed + i))`, so `--graphs 1 --seed S` replays one. A
mismatch that known.py recognizes as an open bug is only counted; any other is shrunk
(tests/fuzz/shrink.py) and printed, and `--out` writes those in the entry format of
counterexamples.json, ready to be triaged into it. Exit status 1 on a new mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .check import check
from .draw import RandomDraw
from .generate import generate
from .known import known_as
from .program import dumps
from .shrink import shrink
from .worker import Worker, WorkerError


def fuzz(graphs: int, seed: int, check_bounds: bool = False, max_ops: int = 10, shrinking: bool = True,
         echo: Any = print) -> dict[str, Any]:
    """Run `graphs` programs; return the summary (with the shrunk findings)."""
    worker = Worker()
    stats: dict[str, Any] = {"graphs": 0, "ok": 0, "invalid": 0, "mismatches": 0, "new": 0, "known": {},
                             "fallback": {}, "findings": []}
    fuzz_seconds = 0.0
    try:
        for i in range(graphs):
            if i and i % 100 == 0:
                echo(f"{i} graphs, {stats['mismatches']} mismatches")
            program = generate(RandomDraw(seed + i), max_ops)
            outcome = check(worker, program, check_bounds)
            fuzz_seconds += outcome.seconds
            stats["graphs"] += 1
            stats[outcome.status if outcome.status != "mismatch" else "mismatches"] += 1
            for op in outcome.fallback:
                stats["fallback"][op] = stats["fallback"].get(op, 0) + 1
            if outcome.status == "invalid":
                echo(f"seed {seed + i}: invalid program ({outcome.oracle_error})")
            if outcome.status != "mismatch":
                continue
            known = [known_as(program, f) for f in outcome.findings]
            if all(known):  # an open bug with a pinned counterexample: count it, don't shrink it
                for name in set(known):
                    stats["known"][name] = stats["known"].get(name, 0) + 1
                continue
            stats["new"] += 1
            echo(f"seed {seed + i}: MISMATCH\n  " + "\n  ".join(str(f)[:800] for f in outcome.findings))
            small, small_outcome = shrink(worker, program, outcome, check_bounds) if shrinking else (program, outcome)
            echo("  shrunk to:\n" + dumps(small) + "\n  " + "\n  ".join(str(f)[:800] for f in small_outcome.findings))
            stats["findings"].append({"name": f"seed{seed + i}", "seed": seed + i, "program": small,
                                      "findings": [str(f) for f in small_outcome.findings]})
    except WorkerError as e:  # flowjit does not import (being edited?): report what ran
        stats["aborted"] = str(e).splitlines()[-1]
        echo(f"stopped after {stats['graphs']} graphs: {e}")
    finally:
        worker.close()
    stats["seconds"] = round(fuzz_seconds, 2)
    stats["graphs_per_second"] = round(stats["graphs"] / fuzz_seconds, 2) if fuzz_seconds else None
    stats["worker_restarts"] = worker.restarts
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n")[0])
    parser.add_argument("--graphs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-ops", type=int, default=10)
    parser.add_argument("--check-bounds", action="store_true",
                        help="also run the cpu backend with FLOWJIT_CHECK_BOUNDS=1")
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--out", help="write the shrunk findings here (JSON)")
    args = parser.parse_args(argv)
    stats = fuzz(args.graphs, args.seed, args.check_bounds, args.max_ops, not args.no_shrink)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(stats["findings"], f, indent=1)
    summary = {k: v for k, v in stats.items() if k != "findings"}
    print(f"{stats['graphs']} graphs in {stats['seconds']} s: {stats['graphs_per_second']} graphs/s, "
          f"{stats['mismatches']} mismatches ({stats['new']} new, the rest known: {stats['known']}), "
          f"{stats['invalid']} invalid")
    print(json.dumps(summary))
    return 1 if stats["new"] else 0


if __name__ == "__main__":
    sys.exit(main())
