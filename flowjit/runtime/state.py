"""Per-session mutable state: variable values and random generators.

Two sessions on one graph have two `SessionState`s, hence separate variables.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Callable

import numpy as np

from ..ir import errors


class SessionState:
    def __init__(self) -> None:
        self.variables: dict[str, np.ndarray] = {}
        self._rngs: dict[str, np.random.Generator] = {}
        self.lock = threading.RLock()
        self.print_fn: Callable[[str], None] | None = None  # None: write to stderr
        self.resources: dict[str, Any] = {}  # queues, readers, ... keyed by shared name

    # --- variables ------------------------------------------------------------------
    def has_variable(self, name: str) -> bool:
        return name in self.variables

    def read_variable(self, name: str, ctx: Any = None) -> np.ndarray:
        try:
            return self.variables[name]
        except KeyError:
            message = f"Attempting to use uninitialized value {name}"
            if ctx is not None:
                raise ctx.error(errors.FailedPreconditionError, message) from None
            raise errors.FailedPreconditionError(None, None, message) from None

    def write_variable(self, name: str, value: np.ndarray) -> None:
        self.variables[name] = value

    # --- randomness -----------------------------------------------------------------
    def rng(self, key: str, graph_seed: int | None, op_seed: int | None) -> np.random.Generator:
        """A generator per random op, continuing across runs; deterministic when seeded.

        Follows TF1's rule: with neither seed set the stream is random; with either set the
        op gets a fixed stream derived from (graph seed, op seed, op name).
        """
        gen = self._rngs.get(key)
        if gen is None:
            if graph_seed is None and op_seed is None:
                gen = np.random.default_rng()
            else:
                text = f"{graph_seed}/{op_seed}/{key if op_seed is None else ''}"
                seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
                gen = np.random.default_rng(seed)
            self._rngs[key] = gen
        return gen
