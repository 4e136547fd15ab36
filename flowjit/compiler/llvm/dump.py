"""Dumps of what the compiler produced: the lowered program, LLVM IR before and after
optimization, and assembly.

Where they go, in this order:
  * a hook installed with `flowjit.compiler.set_dump_hook(fn)` (also `flowjit.compiler.dump_hook`):
    `fn(name, kind, text)` is called for every compiled module, kind "program" (the kernels,
    stages and buffers of a plan), "ll" (LLVM IR as generated), "opt.ll" (after the optimizer)
    or "s" (assembly);
  * the plan's dump folder of the pass pipeline (`FLOWJIT_DUMP=<dir>` or
    `pipeline_context(dump_dir=...)`): the cpu backend writes `NNN_cpu_program.txt`,
    `NNN_llvm_ir.<module>.ll`, `NNN_llvm_ir_optimized.<module>.ll` and `NNN_assembly.<module>.s`
    after the pass stages of the same plan (through `flowjit.passes.dump.current()`);
  * otherwise, with FLOWJIT_DUMP set, `<dir>/llvm/<module>.<kind>` (modules compiled outside
    any plan, such as the runtime library).
Dumps happen only when something is compiled: a cache hit has no LLVM stages to show (set
FLOWJIT_CACHE=0 to force compilation).
"""

from __future__ import annotations

import pathlib
from typing import Callable
from ... import options

_hook: Callable[[str, str, str], None] | None = None

_STAGES = {"program": ("cpu_program", "txt"), "ll": ("llvm_ir", "ll"), "opt.ll": ("llvm_ir_optimized", "ll"),
           "s": ("assembly", "s")}


def set_dump_hook(fn: Callable[[str, str, str], None] | None) -> None:
    global _hook
    _hook = fn


def _plan_dump():
    from ...passes import dump as pass_dump

    return pass_dump.current()


def active() -> bool:
    return _hook is not None or _plan_dump() is not None or bool(options.get("FLOWJIT_DUMP"))


def emit(name: str, kind: str, text: str) -> None:
    if _hook is not None:
        _hook(name, kind, text)
        return
    plan = _plan_dump()
    if plan is not None:
        stage, ext = _STAGES.get(kind, (kind, "txt"))
        plan.write(stage if kind == "program" else f"{stage}.{name}", text, ext)
        return
    folder = options.get("FLOWJIT_DUMP")
    if folder:
        path = pathlib.Path(folder) / "llvm" / f"{name}.{kind}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError:
            pass
