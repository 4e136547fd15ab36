"""Accurate float sums for generated reduction loops: blocks, then a pairwise cascade.

A float32 sum accumulated in one running total loses about n * eps of its value over n
terms; NumPy sums contiguous data pairwise and loses about log2(n) * eps. Generated
reductions match that without giving up vectorized inner loops:

1. The reduced elements are taken in *blocks* of about `BLOCK` elements. Inside a block the
   loop is the plain vectorized reduction (LLVM keeps vector-width times interleave partial
   sums, then adds them as a tree), so each partial sum sees only a few dozen terms.
2. Block totals go into a *cascade*: a binary counter of partial sums, where the slot of
   level l holds the sum of 2**l consecutive blocks. Inserting block k adds it to the slots
   of the levels whose bit is set in k (carrying, as in binary addition), so every total is
   summed pairwise with one of equal weight: exactly pairwise summation over the blocks, with
   constant work per block and `LEVELS` slots of stack.
3. Per-chunk partials of parallel row loops are combined as a balanced tree (`pairwise`).

The result is independent of the thread count (blocks and chunks depend on sizes only).
"""

from __future__ import annotations

from typing import Callable, Sequence

import llvmlite.ir as ir

from ...ir.dtypes import DType
from .emit import I1, I64

BLOCK = 1024  # elements summed by the plain vectorized loop before a block total is cascaded
LEVELS = 64  # cascade depth: 2**64 blocks


def float_sum(kind: str, dtype: DType) -> bool:
    """Whether a reduction of this kind is summed in blocks and cascades."""
    return kind == "sum" and dtype.is_floating


class Cascade:
    """A pairwise cascade of block totals kept in stack slots of one function."""

    def __init__(self, entry: ir.IRBuilder, t: ir.Type) -> None:
        self.t = t
        self.slots = entry.alloca(ir.ArrayType(t, LEVELS))
        self.count = entry.alloca(I64)

    def reset(self, b: ir.IRBuilder) -> None:
        b.store(I64(0), self.count)

    def slot(self, b: ir.IRBuilder, level: ir.Value) -> ir.Value:
        return b.gep(self.slots, [I64(0), level], inbounds=True)

    def insert(self, b: ir.IRBuilder, value: ir.Value) -> None:
        """Add one block total: carry through the occupied levels, then park the sum."""
        fn = b.function
        count = b.load(self.count)
        pre = b.block
        head = fn.append_basic_block("casc.carry")
        carry = fn.append_basic_block("casc.add")
        done = fn.append_basic_block("casc.park")
        b.branch(head)
        b.position_at_end(head)
        level = b.phi(I64, name="lvl")
        acc = b.phi(self.t, name="acc")
        level.add_incoming(I64(0), pre)
        acc.add_incoming(value, pre)
        occupied = b.trunc(b.lshr(count, level), I1)
        b.cbranch(occupied, carry, done)
        b.position_at_end(carry)
        summed = b.fadd(b.load(self.slot(b, level)), acc)  # earlier blocks on the left
        level.add_incoming(b.add(level, I64(1)), carry)
        acc.add_incoming(summed, carry)
        b.branch(head)
        b.position_at_end(done)
        b.store(acc, self.slot(b, level))
        b.store(b.add(count, I64(1)), self.count)

    def total(self, b: ir.IRBuilder, empty: ir.Constant) -> ir.Value:
        """The sum of everything inserted (`empty` when nothing was): the parked sums from the
        most recent (smallest) level up, earlier blocks on the left; the loop stops at the
        count's top bit."""
        fn = b.function
        count = b.load(self.count)
        pre = b.block
        head = fn.append_basic_block("casc.level")
        body = fn.append_basic_block("casc.take")
        done = fn.append_basic_block("casc.total")
        b.branch(head)
        b.position_at_end(head)
        level = b.phi(I64, name="lvl")
        acc = b.phi(self.t, name="tot")
        level.add_incoming(I64(0), pre)
        acc.add_incoming(empty, pre)
        rest = b.lshr(count, level)
        b.cbranch(b.icmp_unsigned("!=", rest, I64(0)), body, done)
        b.position_at_end(body)
        parked = b.fadd(b.load(self.slot(b, level)), acc)
        taken = b.select(b.trunc(rest, I1), parked, acc)
        level.add_incoming(b.add(level, I64(1)), body)
        acc.add_incoming(taken, body)
        b.branch(head)
        b.position_at_end(done)
        return acc


def pairwise(values: Sequence[ir.Value], combine: Callable[[ir.Value, ir.Value], ir.Value]) -> ir.Value:
    """Combine values as a balanced tree (neighbours first, left to right)."""
    level = list(values)
    while len(level) > 1:
        nxt = [combine(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
