"""Dumps of what the compiler produced: LLVM IR before and after optimization, and assembly.

Two ways to get them:
  * `flowjit.compiler.dump.set_dump_hook(fn)`: `fn(name, kind, text)` is called for every
    compiled module, with kind "ll" (IR as generated), "opt.ll" (after the optimizer) and "s"
    (assembly). The FLOWJIT_DUMP writer of the pass pipeline installs one to put the LLVM
    stages next to its IR dumps. `flowjit.compiler.dump_hook` is the same function.
  * `FLOWJIT_DUMP=<folder>` with no hook installed: files `<folder>/llvm/<name>.<kind>`.
Dumps are produced only on a compile (a cache hit has nothing to show); set FLOWJIT_CACHE=0
to force compilation.
"""

from __future__ import annotations

import os
import pathlib
from typing import Callable

_hook: Callable[[str, str, str], None] | None = None


def set_dump_hook(fn: Callable[[str, str, str], None] | None) -> None:
    global _hook
    _hook = fn


def active() -> bool:
    return _hook is not None or bool(os.environ.get("FLOWJIT_DUMP"))


def emit(name: str, kind: str, text: str) -> None:
    if _hook is not None:
        _hook(name, kind, text)
        return
    folder = os.environ.get("FLOWJIT_DUMP")
    if folder:
        path = pathlib.Path(folder) / "llvm" / f"{name}.{kind}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError:
            pass
