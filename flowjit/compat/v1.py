"""`tf.compat.v1`: the whole `flowjit` namespace, so `import flowjit.compat.v1 as tf` works.

Names are looked up on `flowjit` when read (module `__getattr__`), so every name flowjit has,
including ones added later, resolves here without a second list to keep in step.
"""

from __future__ import annotations

import sys
from typing import Any

from ..frontend.platform.v2_compat import *  # noqa: F401,F403
from ..frontend.platform.v2_compat import __all__ as _switches
from .. import app, flags, gfile, io, logging  # noqa: F401


def _flowjit() -> Any:
    return sys.modules["flowjit"]


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_flowjit(), name)
    except AttributeError:
        raise AttributeError(f"module 'flowjit.compat.v1' has no attribute {name!r} "
                             "(flowjit has no such TF1 name)") from None


def __dir__() -> list[str]:
    own = [n for n in globals() if not n.startswith("_")]
    return sorted(set(own) | {n for n in dir(_flowjit()) if not n.startswith("_")})


__all__ = list(_switches) + ["app", "flags", "gfile", "io", "logging"]
