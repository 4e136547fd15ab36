"""Cumsum / Cumprod: a serial scan along one axis, rows in parallel (see the package docstring)."""

from __future__ import annotations

import llvmlite.ir as ir

from ..lir import size_of
from ..llvm.emit import I64, for_range
from .base import ParallelRoutine, Values, local_var

SCAN_BLOCK = 256  # inner elements per scan task when the scan axis is not the last


def scan_geometry(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    """(outer, n, inner): the dims before the axis, the axis, the dims after it."""
    return size_of(shape[:axis]), shape[axis], size_of(shape[axis + 1:])


class Scan(ParallelRoutine):
    """Cumsum / Cumprod along one axis (attrs axis, fn, exclusive, reverse)."""

    kind = name = "scan"

    def tasks(self) -> int:
        outer, _, inner = scan_geometry(self.node.shape, self.node.attrs["axis"])
        return outer if inner == 1 else outer * -(-inner // SCAN_BLOCK)

    def work(self) -> int:
        return 2 * self.node.inputs[0].size

    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        out, x, first, end, _tid = fn.args
        a = self.node.attrs
        outer, n, inner = scan_geometry(self.node.shape, a["axis"])
        vals = Values(b, self.node.dtype)
        if inner == 1:
            for_range(b, first, end, lambda t: self.row(vals, allocas, x, out, b.mul(t, I64(n)), n), "t")
        else:
            nib = -(-inner // SCAN_BLOCK)

            def task(t: ir.Value) -> None:
                o = b.udiv(t, I64(nib))
                i0 = b.mul(b.urem(t, I64(nib)), I64(SCAN_BLOCK))
                i1 = b.add(i0, I64(SCAN_BLOCK))
                i1 = b.select(b.icmp_signed("<", i1, I64(inner)), i1, I64(inner))
                self.block(vals, x, out, b.mul(o, I64(n * inner)), i0, i1, n, inner)

            for_range(b, first, end, task, "t")

    def pos(self, b: ir.IRBuilder, s: ir.Value, n: int) -> ir.Value:
        """The position of scan step s along the axis."""
        return b.sub(I64(n - 1), s) if self.node.attrs["reverse"] else s

    def row(self, vals: Values, allocas: ir.IRBuilder, x: ir.Value, out: ir.Value, base: ir.Value,
            n: int) -> None:
        """One contiguous row: a scalar running value."""
        b = vals.b
        op, exclusive = self.node.attrs["fn"], self.node.attrs["exclusive"]
        acc = local_var(allocas, b, vals.ct, vals.const(0 if op == "sum" else 1))

        def step(s: ir.Value) -> None:
            off = b.add(base, self.pos(b, s, n))
            v = vals.load(x, off)
            cur = b.load(acc, typ=vals.ct)
            new = vals.combine(op, cur, v)
            b.store(new, acc)
            vals.store(out, off, cur if exclusive else new)

        for_range(b, I64(0), I64(n), step, "s")

    def block(self, vals: Values, x: ir.Value, out: ir.Value, base: ir.Value, i0: ir.Value, i1: ir.Value,
              n: int, inner: int) -> None:
        """Columns [i0, i1) of one [n, inner] slab: out row s from out row s-1 (vectorizes)."""
        b = vals.b
        op, exclusive = self.node.attrs["fn"], self.node.attrs["exclusive"]
        p0 = b.mul(self.pos(b, I64(0), n), I64(inner))
        first_base = b.add(base, p0)

        def first(i: ir.Value) -> None:
            off = b.add(first_base, i)
            vals.store(out, off, vals.const(0 if op == "sum" else 1) if exclusive else vals.load(x, off))

        for_range(b, i0, i1, first, "i")

        def step(s: ir.Value) -> None:
            cur = b.add(base, b.mul(self.pos(b, s, n), I64(inner)))
            prev = b.add(base, b.mul(self.pos(b, b.sub(s, I64(1)), n), I64(inner)))
            src = prev if exclusive else cur

            def col(i: ir.Value) -> None:
                v = vals.combine(op, vals.load(out, b.add(prev, i)), vals.load(x, b.add(src, i)))
                vals.store(out, b.add(cur, i), v)

            for_range(b, i0, i1, col, "i")

        for_range(b, I64(1), I64(n), step, "s")
