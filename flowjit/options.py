"""Every `FLOWJIT_*` option, defined once: name, type, default and what it is for.

Options are read when used, never at import time, so a test or a user can set the environment
late or override a value for a block of code (as JAX's config and tinygrad's context
variables allow):

    with flowjit.options.override(FLOWJIT_CHECK_BOUNDS=True):
        sess.run(y)

An override lives in a context variable: it holds for the current thread (and tasks started
from it) until the block ends. `python -m flowjit.options` prints the table in docs/options.md.
This module imports nothing from flowjit: every layer may read options.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from dataclasses import dataclass
from typing import Any, Iterator

_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Flag:
    """One option: `kind` is "bool", "int", "float", "str" or "list" (comma-separated)."""

    name: str
    kind: str
    default: Any
    doc: str
    minimum: float | None = None
    keep_empty: bool = False  # "" is a value of its own, not "the default"

    def parse(self, text: str) -> Any:
        """The value of the environment text `text` ("" means the default)."""
        text = text.strip()
        if text == "":
            return "" if self.keep_empty else self.default
        if self.kind == "bool":
            return text.lower() not in _FALSE
        if self.kind == "list":
            return [part.strip() for part in text.split(",") if part.strip()]
        if self.kind == "str":
            return text
        try:
            value = int(text) if self.kind == "int" else float(text)
        except ValueError:
            raise ValueError(f"{self.name} must be {'an integer' if self.kind == 'int' else 'a number'}, "
                             f"got {text!r}") from None
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.name} must be at least {self.minimum:g}, got {text!r}")
        return value


FLAGS: dict[str, Flag] = {}


def define(name: str, kind: str, default: Any, doc: str, minimum: float | None = None,
           keep_empty: bool = False) -> Flag:
    flag = Flag(name, kind, default, doc, minimum, keep_empty)
    FLAGS[name] = flag
    return flag


define("FLOWJIT_BACKEND", "str", None, "Backend of sessions that name none: `cpu` (LLVM, the default where it "
       "is available) or `reference` (NumPy).")
define("FLOWJIT_NUM_THREADS", "int", None, "Threads of the cpu backend's pool (default: the CPUs this process may "
       "use).", minimum=1)
define("FLOWJIT_PLAN_CACHE_SIZE", "int", None, "Plans a session keeps (LRU; default 64) and shape-specialized "
       "plans per cpu executable (default 32); `ConfigProto(plan_cache_size=...)` wins.", minimum=1)
define("FLOWJIT_CACHE", "bool", True, "The on-disk compile cache (0 turns it off).")
define("FLOWJIT_CACHE_DIR", "str", None, "Folder of the on-disk compile cache (default "
       "`$XDG_CACHE_HOME/flowjit` or `~/.cache/flowjit`).")
define("FLOWJIT_CACHE_MAX_MB", "float", 1024.0, "Size limit of the on-disk compile cache in MiB (least recently "
       "used entries go first).", minimum=0)
define("FLOWJIT_JIT_CACHE_SIZE", "int", 512, "Compiled objects kept in memory (LRU; 0 keeps none).", minimum=0)
define("FLOWJIT_CPU_NAME", "str", None, "LLVM CPU name to compile for instead of the host's (e.g. `x86-64`, "
       "`znver4`).")
define("FLOWJIT_CPU_FEATURES", "str", None, "LLVM feature string for that CPU (set but empty: exactly what the "
       "CPU name implies; unset: the host's).", keep_empty=True)
define("FLOWJIT_OPT_LEVEL", "int", 3, "LLVM optimization level, 0 to 3.", minimum=0)
define("FLOWJIT_UNROLL", "bool", False, "Run LLVM's loop unroller on plans.")
define("FLOWJIT_LLVM_REMARKS", "bool", False, "Print LLVM's optimization remarks (vectorization) to stderr.")
define("FLOWJIT_CHECK_BOUNDS", "bool", False, "Check every load and store of generated loops against its buffer "
       "and report a miss as an InternalError (a debugging and fuzzing mode; part of the cache key).")
define("FLOWJIT_NATIVE_CONTROL_FLOW", "bool", True, "Compile If/While as branches and loops (0: drive them from "
       "the host, for comparison).")
define("FLOWJIT_PARALLEL_MIN_WORK", "int", 60000, "Work (elements times cost) below which a region runs on one "
       "thread.", minimum=0)
define("FLOWJIT_VERIFY", "bool", True, "Run the IR verifier after every pass.")
define("FLOWJIT_DUMP", "str", None, "Folder to write the IR of every stage of every compiled plan to.")
define("FLOWJIT_DISABLE_PASSES", "list", [], "Passes to leave out of every pipeline (comma-separated names).")

_overrides: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("flowjit_flags", default={})


def get(name: str) -> Any:
    """The value of option `name`: an active override, else the environment, else the default."""
    flag = FLAGS[name]
    active = _overrides.get()
    if name in active:
        return active[name]
    text = os.environ.get(name)
    return flag.default if text is None else flag.parse(text)


def is_set(name: str) -> bool:
    """Whether `name` is overridden or present in the environment (empty counts as set)."""
    return name in _overrides.get() or name in os.environ


@contextlib.contextmanager
def override(**values: Any) -> Iterator[None]:
    """Set options for the duration of a block, e.g. `override(FLOWJIT_CHECK_BOUNDS=True)`."""
    unknown = [name for name in values if name not in FLAGS]
    if unknown:
        raise KeyError(f"unknown flowjit option(s) {unknown}; known: {sorted(FLAGS)}")
    token = _overrides.set({**_overrides.get(), **values})
    try:
        yield
    finally:
        _overrides.reset(token)


def describe() -> str:
    """The options as a Markdown table (docs/options.md is this text)."""
    rows = ["# flowjit options", "", "Generated by `python -m flowjit.options` from `flowjit/options.py`; every option",
            "is read when used and can be overridden in a block with `flowjit.options.override(...)`.", "",
            "| option | type | default | what it does |", "|---|---|---|---|"]
    for flag in FLAGS.values():
        default = "(none)" if flag.default is None else ("" if flag.default == [] else repr(flag.default))
        rows.append(f"| `{flag.name}` | {flag.kind} | {default} | {flag.doc} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(describe(), end="")
