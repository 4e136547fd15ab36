"""HistogramStats: TF's histogram of a tensor in one serial pass (what Histogram::Add does).

The output is the float64 vector of ir/ops/summary.py: [min, max, count, sum, sum of squares,
first non-finite kind, the counts of the ~1,550 buckets]. Every value is widened to double and
added in order (sequential double sums, no contraction), so the vector is bit-identical to the
reference's.

Finding a value's bucket without a binary search: TF's limits are +-1e-12 * 1.1^k plus 0 and
+-DBL_MAX. For |v| the top 16 bits of the double (exponent and 4 mantissa bits) cut the line into
ranges each narrower than a factor 1.0625 < 1.1, so each holds at most one limit; a table indexed
by those bits (only the ~1,700 ranges between 1e-12 and 1e20; clamped outside) gives the number
of positive limits below the range and a second the first limit not below it (both loads
independent), and one comparison with that limit finishes it:

  j  = #(positive limits b_k < |v|)       (and b_k == v counts too when v > 0)
  bucket = 776 + j (v > 0), 775 - j (v < 0), 776 (v == 0)   (bucket i: limits[i-1] <= v < limits[i])
"""

from __future__ import annotations

import bisect
import functools
import struct
from typing import Any

import llvmlite.ir as ir
import numpy as np

from ...ir.ops.summary import NONFINITE_INF, NONFINITE_NAN, STATS_HEAD, default_bucket_limits
from ..llvm.emit import F64, I1, I16, I64, PTR, VOID, declare, for_range
from .base import Routine, Values, internal_function, local_var

KEY_SHIFT = 48  # sign + 11 exponent bits + 4 mantissa bits
LANES = 4  # value i counts into sub-histogram i % LANES: an increment never waits on the one before


def _key(x: float) -> int:
    return struct.unpack("<q", struct.pack("<d", x))[0] >> KEY_SHIFT


@functools.lru_cache(maxsize=1)
def start_table() -> tuple[int, np.ndarray, np.ndarray]:
    """(first key, starts, checks) per key from `first` on: starts[r] is the number of positive
    limits below the smallest double of key first + r, checks[r] the limit after those (the
    only one the key's range can hold), +inf for the last key (DBL_MAX: the last bucket, where
    the reference puts what lies beyond the limits)."""
    limits = default_bucket_limits()
    positive = limits[limits.size // 2 + 1:]  # 1e-12 ... DBL_MAX
    first, last = _key(float(positive[0])) - 1, _key(1.0e20) + 2
    bounds = [struct.unpack("<d", struct.pack("<q", k << KEY_SHIFT))[0] for k in range(first, last + 1)]
    starts = np.array([bisect.bisect_left(positive.tolist(), lo) for lo in bounds], np.int16)
    checks = positive[starts.astype(np.intp)].copy()
    checks[-1] = np.inf
    return first, starts, checks


def bucket_index(v: float) -> int:
    """The bucket of one finite value, computed as the emitted code does (for the tests)."""
    first, starts, checks = start_table()
    n_pos = (default_bucket_limits().size - 1) // 2
    bits = struct.unpack("<q", struct.pack("<d", v))[0] & ((1 << 64) - 1)
    neg = int(bits > 1 << 63)  # v < 0 (-0.0 is not)
    adjusted = (bits & ((1 << 63) - 1)) - neg  # |v|, one ulp lower for v < 0: "<=" then counts "<"
    row = min(max(adjusted >> KEY_SHIFT, first), first + starts.size - 1) - first
    a = struct.unpack("<d", struct.pack("<q", adjusted))[0]
    k = int(starts[row]) + (checks[row] <= a)
    return n_pos - k if neg else n_pos + 1 + k


class Histogram(Routine):
    """HistogramStats of one tensor: serial (the sums are sequential), shapes baked in."""

    kind = "histogram"

    def work(self) -> int:
        return 8 * self.node.inputs[0].size

    def counter_type(self) -> ir.IntType:
        """int32 counters (the sub-histograms stay in L1) unless a lane could overflow them."""
        return ir.IntType(32) if self.node.inputs[0].size < 2 ** 31 else I64

    def workspace(self) -> int:
        return LANES * default_bucket_limits().size * self.counter_type().width // 8

    def emit(self, gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
        fn, allocas, fb = internal_function(gen, "histogram", [PTR, PTR, PTR])
        for a in fn.args:
            a.add_attribute("noalias")
        self._body(gen, fn, allocas, fb)
        fb.ret_void()
        b.call(fn, [gen.buffer_ptr(b, argv, call.output), gen.buffer_ptr(b, argv, call.inputs[0]),
                    gen.buffer_ptr(b, argv, call.workspace)])

    def _global(self, gen: Any, name: str, typ: ir.Type, values: list) -> ir.GlobalVariable:
        arr = ir.ArrayType(typ, len(values))
        g = ir.GlobalVariable(gen.module, arr, gen.fresh(name))
        g.linkage = "internal"
        g.global_constant = True
        g.initializer = ir.Constant(arr, values)
        return g

    def _body(self, gen: Any, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        out, x, lanes = fn.args
        ct = self.counter_type()
        src = self.node.inputs[0]
        first, starts, checks = start_table()
        n_pos = (default_bucket_limits().size - 1) // 2
        nbuckets = default_bucket_limits().size
        table = self._global(gen, "hist_starts", I16, [int(s) for s in starts])
        limits = self._global(gen, "hist_checks", F64, [float(c) for c in checks])
        memset = declare(b.module, "llvm.memset", VOID, [PTR, ir.IntType(8), I64, I1], overloads=[PTR, I64])
        b.call(memset, [out, ir.IntType(8)(0), I64(8 * (STATS_HEAD + nbuckets)), I1(0)])
        b.call(memset, [lanes, ir.IntType(8)(0), I64(self.workspace()), I1(0)])
        dbl_max = float(np.finfo(np.float64).max)
        lo = local_var(allocas, b, F64, F64(dbl_max))
        hi = local_var(allocas, b, F64, F64(-dbl_max))
        total = local_var(allocas, b, F64, F64(0.0))
        squares = local_var(allocas, b, F64, F64(0.0))
        bad = local_var(allocas, b, F64, F64(0.0))
        vals = Values(b, src.dtype)
        counts = b.gep(out, [I64(STATS_HEAD)], inbounds=True, source_etype=F64)
        lane_counts = [b.gep(lanes, [I64(j * nbuckets)], inbounds=True, source_etype=ct) for j in range(LANES)]

        def widen(v: ir.Value) -> ir.Value:
            if src.dtype.is_floating:
                return v if v.type == F64 else b.fpext(v, F64)
            return b.uitofp(v, F64) if src.dtype.is_unsigned else b.sitofp(v, F64)


        sign_mask, abs_mask = I64(1 << 63), I64((1 << 63) - 1)
        exp_all_ones = I64(0x7FF << 52)
        last_row = starts.size - 1

        def one(i: ir.Value, lane: int) -> None:
            v = widen(vals.load(x, i))
            bits = b.bitcast(v, I64)
            magnitude = b.and_(bits, abs_mask)
            nonfinite = b.icmp_unsigned(">=", magnitude, exp_all_ones)
            with b.if_else(nonfinite, likely=False) as (then, otherwise):
                with then:
                    kind = b.select(b.icmp_unsigned(">", magnitude, exp_all_ones), F64(NONFINITE_NAN), F64(NONFINITE_INF))
                    cur = b.load(bad, typ=F64)
                    b.store(b.select(b.fcmp_ordered("oeq", cur, F64(0.0)), kind, cur), bad)
                with otherwise:
                    m = b.load(lo, typ=F64)
                    b.store(b.select(b.fcmp_ordered("olt", v, m), v, m), lo)
                    m = b.load(hi, typ=F64)
                    b.store(b.select(b.fcmp_ordered("ogt", v, m), v, m), hi)
                    b.store(b.fadd(b.load(total, typ=F64), v), total)
                    b.store(b.fadd(b.load(squares, typ=F64), b.fmul(v, v)), squares)
                    neg_flag = b.icmp_unsigned(">", bits, sign_mask)  # v < 0 (-0.0 is not)
                    neg = b.zext(neg_flag, I64)
                    adjusted = b.sub(magnitude, neg)  # one ulp lower for v < 0: "<=" then counts "<"
                    row = b.sub(b.lshr(adjusted, I64(KEY_SHIFT)), I64(first))
                    row = b.select(b.icmp_signed("<", row, I64(0)), I64(0), row)
                    row = b.select(b.icmp_signed(">", row, I64(last_row)), I64(last_row), row)
                    k = b.zext(b.load(b.gep(table, [I64(0), row], inbounds=True, source_etype=table.value_type),
                                      typ=I16), I64)
                    check = b.load(b.gep(limits, [I64(0), row], inbounds=True, source_etype=limits.value_type), typ=F64)
                    k = b.add(k, b.zext(b.fcmp_ordered("ole", check, b.bitcast(adjusted, F64)), I64))
                    idx = b.select(neg_flag, b.sub(I64(n_pos), k), b.add(I64(n_pos + 1), k))
                    p = b.gep(lane_counts[lane], [idx], inbounds=True, source_etype=ct)
                    b.store(b.add(b.load(p, typ=ct), ct(1)), p)

        n = src.size
        rounds = n // LANES

        def round_(t: ir.Value) -> None:
            for lane in range(LANES):  # in order: the sums stay sequential
                one(b.add(b.mul(t, I64(LANES)), I64(lane)), lane)

        for_range(b, I64(0), I64(rounds), round_, "h")
        for_range(b, I64(rounds * LANES), I64(n), lambda i: one(i, 0), "ht")

        def total_of(j: ir.Value) -> None:
            c = b.load(b.gep(lane_counts[0], [j], inbounds=True, source_etype=ct), typ=ct)
            for lane in range(1, LANES):
                c = b.add(c, b.load(b.gep(lane_counts[lane], [j], inbounds=True, source_etype=ct), typ=ct))
            b.store(b.uitofp(c, F64), b.gep(counts, [j], inbounds=True, source_etype=F64))

        for_range(b, I64(0), I64(nbuckets), total_of, "hb")
        flag = b.load(bad, typ=F64)
        with b.if_else(b.fcmp_ordered("one", flag, F64(0.0)), likely=False) as (then, otherwise):
            with then:  # the reference's vector for rejected values: zeros and the kind
                b.call(memset, [out, ir.IntType(8)(0), I64(8 * (STATS_HEAD + nbuckets)), I1(0)])
                b.store(flag, b.gep(out, [I64(5)], inbounds=True, source_etype=F64))
            with otherwise:
                for slot, value in enumerate((b.load(lo, typ=F64), b.load(hi, typ=F64), F64(float(n)),
                                              b.load(total, typ=F64), b.load(squares, typ=F64))):
                    b.store(value, b.gep(out, [I64(slot)], inbounds=True, source_etype=F64))
