"""Where the generator's choices come from: a seeded NumPy RNG, behind a three-question API.

The generator only asks for an integer, a pick and a coin flip, so a program is a pure
function of its seed (`generate(RandomDraw(seed))`): a seed in a failure message replays
it. Another source of choices (a Hypothesis `draw`, say) needs only these three methods.
"""

from __future__ import annotations

from typing import Protocol, Sequence, TypeVar

import numpy as np

T = TypeVar("T")


class Draw(Protocol):
    def int(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""

    def pick(self, options: Sequence[T]) -> T:
        """One of `options` (repeat an entry to weight it)."""

    def chance(self, p: float) -> bool:
        """True with probability p."""


class RandomDraw:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def int(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)
