"""The `flowjit` command line (also `python -m flowjit`).

    flowjit dump [OPTIONS] SCRIPT.py [ARGS...]   run a TF1 script; print every compiled plan's stages
    flowjit dump [OPTIONS] GRAPH.txt             optimize a saved graph (IR text, as `print_graph`
                                                 and the dumps write it); print every stage
    flowjit passes                               list the passes and the default pipeline

`dump` prints what `FLOWJIT_DUMP=<dir>` writes: the IR after each pass that changed it, the
fusion groups with their reasons, the pipeline run with each pass's timing (and, from the LLVM
backend, its IR and assembly). Options (before the script; what follows it is the script's):

    --out DIR          keep the dump files in DIR (default: a temporary folder, removed after)
    --pipeline A,B     run these passes instead of the default pipeline
    --disable A,B      leave these passes out
    --stage TEXT       print only files whose stage name contains TEXT (e.g. fusion)
    --dot              print the DOT pictures too
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import sys
import tempfile
from typing import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowjit", description="flowjit tools")
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump", help="print the IR after every pass for a script or a saved graph")
    dump.add_argument("target", help="a Python script (.py) or a saved graph (IR text)")
    dump.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    dump.add_argument("--out", help="folder to keep the dump in (default: temporary)")
    dump.add_argument("--pipeline", help="comma-separated pass names to run instead of the default pipeline")
    dump.add_argument("--disable", help="comma-separated pass names to leave out")
    dump.add_argument("--stage", help="print only the stages whose name contains this text")
    dump.add_argument("--dot", action="store_true", help="print the DOT pictures too")
    sub.add_parser("passes", help="list the built-in passes and the default pipeline")
    return parser


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _plans(root: str) -> set[str]:
    return {d for d in os.listdir(root) if d.startswith("plan_")} if os.path.isdir(root) else set()


def _print_dump(root: str, stage: str | None, dot: bool, skip: set[str] = frozenset(), out=None) -> int:
    out = out or sys.stdout
    plans = sorted(_plans(root) - set(skip))
    if not plans:
        print("no plan was compiled (nothing was run in a Session)", file=out)
        return 0
    for plan in plans:
        folder = os.path.join(root, plan)
        files = sorted(os.listdir(folder))
        files = [f for f in files if f != "pipeline.txt"] + (["pipeline.txt"] if "pipeline.txt" in files else [])
        for name in files:
            if name.endswith(".dot") and not dot:
                continue
            if stage and stage not in name:
                continue
            print(f"===== {plan}/{name} =====", file=out)
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            print(text, end="" if text.endswith("\n") else "\n", file=out)
    return len(plans)


def _dump_script(path: str, args: Sequence[str], context: dict) -> None:
    from .passes import pipeline_context

    old_argv = sys.argv
    sys.argv = [path, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        with pipeline_context(**context):
            runpy.run_path(path, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    finally:
        sys.argv = old_argv
        sys.path.pop(0)


def _dump_graph(path: str, context: dict) -> None:
    from .ir.text import parse_graph
    from .passes import PassManager, pipeline_context

    with open(path, encoding="utf-8") as f:
        graph = parse_graph(f.read())
    with pipeline_context(**context):
        PassManager().run(graph)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "passes":
        from .passes import available_passes, default_pipeline

        print("built-in passes: " + ", ".join(available_passes()))
        print("default pipeline: " + default_pipeline().describe())
        return 0

    target = args.target
    if not os.path.exists(target):
        print(f"flowjit dump: no such file: {target}", file=sys.stderr)
        return 2
    out = args.out or tempfile.mkdtemp(prefix="flowjit-dump-")
    earlier = _plans(out)
    context: dict = {"dump_dir": out, "disabled": _names(args.disable)}
    if args.pipeline:
        context["pipeline"] = _names(args.pipeline)
    try:
        if target.endswith(".py"):
            _dump_script(target, args.args, context)
        else:
            _dump_graph(target, context)
        _print_dump(out, args.stage, args.dot, earlier)
        if args.out:
            print(f"(dump files are in {out})")
    finally:
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
