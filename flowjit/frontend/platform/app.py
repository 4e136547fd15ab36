"""`tf.app.run`: absl's app runner with TF1's tolerant flag parsing.

TF1 parses only the flags it knows (`known_only=True`) and hands `main` the program name plus
every argument it did not consume, so scripts may take their own extra arguments.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, NoReturn, Sequence

from absl import app as _absl_app

from . import flags

__all__ = ["run", "flags"]


def _parse_flags_tolerate_undef(argv: Sequence[str]) -> list[str]:
    """Parses known flags out of `argv` and returns the rest (argv[0] first)."""
    return flags.FLAGS(list(argv), known_only=True)


def run(main: Callable[[list[str]], Any] | None = None, argv: Sequence[str] | None = None) -> NoReturn:
    """Runs `main` (default: `__main__.main`) with the unparsed arguments, then exits."""
    main = main or sys.modules["__main__"].main
    if not callable(main):
        raise TypeError(f"tf.app.run expected a callable main, got {type(main).__name__}")
    _absl_app.run(main=main, argv=None if argv is None else list(argv), flags_parser=_parse_flags_tolerate_undef)
