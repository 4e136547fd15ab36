"""The contract between Session and the backends.

The plan driver (plan.py, called by Session) prunes the user's graph to a *plan graph*: a
plain `ir.Graph` whose `params` are the fed values (Placeholder nodes, bound in order), whose
`results` are the fetched values and whose `targets` are nodes run only for their effects.
After the pass pipeline and placement, a `Backend` compiles it into an `Executable`;
`Executable.run(feeds, state)` returns one NumPy array per result. Session never looks inside;
any backend (reference, cpu/LLVM, gpu, remote) slots in.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

from ..ir.graph import Graph
from .state import SessionState


class Executable(Protocol):
    # `trace` (runtime/trace.py, given only for RunOptions(trace_level=FULL_TRACE)): record each step run
    def run(self, feeds: Sequence[np.ndarray], state: SessionState, trace: Any = None) -> list[np.ndarray]: ...


class Backend(Protocol):
    name: str

    def compile(self, graph: Graph) -> Executable: ...


_BACKENDS: dict[str, type] = {}


def register_backend(name: str, factory: type) -> None:
    _BACKENDS[name] = factory


def get_backend(name: str) -> Backend:
    if name not in _BACKENDS:
        raise ValueError(f"unknown backend {name!r}; available: {sorted(_BACKENDS)}")
    return _BACKENDS[name]()


def available_backends() -> list[str]:
    return sorted(_BACKENDS)
