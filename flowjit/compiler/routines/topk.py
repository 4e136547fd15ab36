"""TopKV2: a selection in every row by insertion, a heap or a merge sort (see the package docstring)."""

from __future__ import annotations

import llvmlite.ir as ir

from ...ir.dtypes import DType
from ..lir import size_of
from ..llvm.emit import I8, I32, I64, PTR, for_range
from .base import ParallelRoutine, Values, internal_function, key_size, local_var, round64

INSERTION_MAX_K = 32  # top-k by insertion up to this k
HEAP_MAX_FRACTION = 4  # top-k by a heap while k <= row / 4, by merge sort above


class TopK(ParallelRoutine):
    """int32 indices of the k largest entries of every last-axis row (attr k)."""

    kind = name = "topk"

    def method(self) -> str:
        """insertion for small k (cheap, O(n k) at worst), a heap while k is a small part of the
        row (O(n log k)), a merge sort of the row otherwise (O(n log n))."""
        k, row = self.node.attrs["k"], self.node.inputs[0].shape[-1]
        if k <= INSERTION_MAX_K:
            return "insertion"
        return "heap" if k * HEAP_MAX_FRACTION <= row else "merge"

    def tasks(self) -> int:
        return size_of(self.node.shape[:-1]) if self.node.shape[-1] else 0

    def workspace(self) -> int:
        """Bytes of one thread's space: (key, int32 index) arrays, each aligned to its type."""
        x, k = self.node.inputs[0], self.node.attrs["k"]
        method = self.method()
        if method == "merge":
            return round64(2 * x.shape[-1] * (4 + key_size(x.dtype)))
        if method == "heap":
            return round64(k * key_size(x.dtype)) + round64(k * 4)
        return 0

    def work(self) -> int:
        x = self.node.inputs[0]
        row = x.shape[-1]
        return size_of(x.shape[:-1]) * row * 4 * (max(1, row.bit_length()) if self.method() == "merge" else 1)

    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        x = self.node.inputs[0]
        n, k = x.shape[-1], self.node.attrs["k"]
        vals = Values(b, x.dtype)
        method = self.method()
        if method != "insertion":
            out, xp, ws, first, end, tid = fn.args
            mine = b.gep(ws, [b.mul(tid, I64(self.workspace()))], inbounds=True, source_etype=I8)
            sort_row = self.merge_sort_row if method == "merge" else self.heap_row

            def row(t: ir.Value) -> None:
                sort_row(vals, allocas, b.gep(xp, [b.mul(t, I64(n))], inbounds=True, source_etype=vals.st),
                         b.gep(out, [b.mul(t, I64(k))], inbounds=True, source_etype=I32), mine, n, k)
        else:
            out, xp, first, end, _tid = fn.args

            def row(t: ir.Value) -> None:
                self.insertion_row(vals, allocas, b.gep(xp, [b.mul(t, I64(n))], inbounds=True, source_etype=vals.st),
                                   b.gep(out, [b.mul(t, I64(k))], inbounds=True, source_etype=I32), n, k)

        for_range(b, first, end, row, "t")

    @staticmethod
    def value_at(vals: Values, xrow: ir.Value, idx: ir.Value, m: ir.Value, valid: ir.Value) -> ir.Value:
        """x[idx[m]] for an int32 index array `idx`; x[0] where `valid` is false (idx[m] may
        not be written yet: memory stays safe, the caller ignores the value)."""
        b = vals.b
        j = b.load(b.gep(idx, [m], inbounds=True, source_etype=I32), typ=I32, align=4)
        return vals.load(xrow, b.select(valid, b.sext(j, I64), I64(0)))

    def insertion_row(self, vals: Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value, n: int,
                      k: int) -> None:
        """Keep the output row sorted; an entry enters when there is room or it beats the last
        (strictly: equal values keep the lower index first) and moves up past smaller ones."""
        b = vals.b
        count = local_var(allocas, b, I64, I64(0))
        j = allocas.alloca(I64)

        def element(i: ir.Value) -> None:
            v = vals.load(xrow, i)
            c = b.load(count, typ=I64)
            full = b.icmp_signed("==", c, I64(k))
            last = self.value_at(vals, xrow, orow, I64(k - 1), full)
            accept = b.or_(b.not_(full), vals.greater(v, last))
            with b.if_then(accept):
                b.store(b.select(full, c, b.add(c, I64(1))), count)
                b.store(b.select(full, I64(k - 1), c), j)
                fn = b.function
                head = fn.append_basic_block("shift.head")
                move = fn.append_basic_block("shift.move")
                done = fn.append_basic_block("shift.done")
                b.branch(head)
                b.position_at_end(head)
                jj = b.load(j, typ=I64)
                more = b.icmp_signed(">", jj, I64(0))
                prev = b.select(more, b.sub(jj, I64(1)), I64(0))
                b.cbranch(b.and_(more, vals.greater(v, self.value_at(vals, xrow, orow, prev, more))), move, done)
                b.position_at_end(move)
                src = b.load(b.gep(orow, [prev], inbounds=True, source_etype=I32), typ=I32, align=4)
                b.store(src, b.gep(orow, [jj], inbounds=True, source_etype=I32), align=4)
                b.store(prev, j)
                b.branch(head)
                b.position_at_end(done)
                b.store(b.trunc(i, I32), b.gep(orow, [b.load(j, typ=I64)], inbounds=True, source_etype=I32),
                        align=4)

        for_range(b, I64(0), I64(n), element, "e")

    def heap_row(self, vals: Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value, ws: ir.Value,
                 n: int, k: int) -> None:
        """The k best entries seen so far in a heap whose root is the worst of them: a later
        entry replaces the root when it is strictly greater (an equal value has the higher
        index); at the end the roots are popped into the output from the back."""
        b = vals.b
        keys = ws
        idxs = b.gep(ws, [I64(round64(k * key_size(vals.dtype)))], inbounds=True, source_etype=I8)
        sift = self.siftinternal_function(vals.dtype)

        def fill(i: ir.Value) -> None:
            b.store(vals.load(xrow, i), b.gep(keys, [i], inbounds=True, source_etype=vals.ct))
            b.store(b.trunc(i, I32), b.gep(idxs, [i], inbounds=True, source_etype=I32), align=4)

        for_range(b, I64(0), I64(k), fill, "hf")
        for_range(b, I64(0), I64(k // 2), lambda q: b.call(sift, [keys, idxs, b.sub(I64(k // 2 - 1), q), I64(k)]),
                  "hh")

        def offer(i: ir.Value) -> None:
            v = vals.load(xrow, i)
            root = b.load(keys, typ=vals.ct)
            with b.if_then(vals.greater(v, root)):
                b.store(v, keys)
                b.store(b.trunc(i, I32), idxs, align=4)
                b.call(sift, [keys, idxs, I64(0), I64(k)])

        for_range(b, I64(k), I64(n), offer, "ho")

        def pop(q: ir.Value) -> None:
            last = b.sub(I64(k - 1), q)
            b.store(b.load(idxs, typ=I32, align=4), b.gep(orow, [last], inbounds=True, source_etype=I32), align=4)
            b.store(b.load(b.gep(keys, [last], inbounds=True, source_etype=vals.ct), typ=vals.ct), keys)
            b.store(b.load(b.gep(idxs, [last], inbounds=True, source_etype=I32), typ=I32, align=4), idxs, align=4)
            b.call(sift, [keys, idxs, I64(0), last])

        for_range(b, I64(0), I64(k), pop, "hp")

    def siftinternal_function(self, dtype: DType) -> ir.Function:
        """void sift(ptr keys, ptr idx, i64 start, i64 size): move the entry at `start` down
        below every child that is worse (a worse entry sits nearer the root)."""
        fn, _allocas, b = internal_function(self.gen, "topk_sift", [PTR, PTR, I64, I64])
        keys, idxs, start, size = fn.args
        vals = Values(b, dtype)
        pre = b.block
        loop = fn.append_basic_block("sift")
        down = fn.append_basic_block("down")
        swap = fn.append_basic_block("swap")
        done = fn.append_basic_block("done")
        b.branch(loop)
        b.position_at_end(loop)
        p = b.phi(I64)
        p.add_incoming(start, pre)
        left = b.add(b.mul(p, I64(2)), I64(1))
        b.cbranch(b.icmp_signed("<", left, size), down, done)
        b.position_at_end(down)

        def entry(at: ir.Value) -> tuple[ir.Value, ir.Value]:
            key = b.load(b.gep(keys, [at], inbounds=True, source_etype=vals.ct), typ=vals.ct)
            return key, b.load(b.gep(idxs, [at], inbounds=True, source_etype=I32), typ=I32, align=4)

        def better(x: tuple[ir.Value, ir.Value], y: tuple[ir.Value, ir.Value]) -> ir.Value:
            tie = b.and_(b.not_(vals.greater(y[0], x[0])), b.icmp_signed("<", x[1], y[1]))
            return b.or_(vals.greater(x[0], y[0]), tie)

        right = b.add(left, I64(1))
        right = b.select(b.icmp_signed("<", right, size), right, left)
        lv, rv = entry(left), entry(right)
        pick_right = better(lv, rv)  # the worse child (the left one when there is no right one)
        child = b.select(pick_right, right, left)
        cv = (b.select(pick_right, rv[0], lv[0]), b.select(pick_right, rv[1], lv[1]))
        pv = entry(p)
        b.cbranch(better(pv, cv), swap, done)
        b.position_at_end(swap)
        for arr, t, k in ((keys, vals.ct, 0), (idxs, I32, 1)):
            b.store(cv[k], b.gep(arr, [p], inbounds=True, source_etype=t))
            b.store(pv[k], b.gep(arr, [child], inbounds=True, source_etype=t))
        p.add_incoming(child, swap)
        b.branch(loop)
        b.position_at_end(done)
        b.ret_void()
        return fn

    def merge_sort_row(self, vals: Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value,
                       ws: ir.Value, n: int, k: int) -> None:
        """Stable bottom-up merge sort of (value, index) pairs, descending; runs are cut to k
        entries (nothing after the k-th of a run can reach the top k), then the first k indices."""
        b = vals.b
        ksize = key_size(vals.dtype)  # indices first: every array stays aligned to its type
        idxs = [b.gep(ws, [I64(q * n * 4)], inbounds=True, source_etype=I8) for q in (0, 1)]
        keys = [b.gep(ws, [I64(8 * n + q * n * ksize)], inbounds=True, source_etype=I8) for q in (0, 1)]

        def init(i: ir.Value) -> None:
            b.store(vals.load(xrow, i), b.gep(keys[0], [i], inbounds=True, source_etype=vals.ct))
            b.store(b.trunc(i, I32), b.gep(idxs[0], [i], inbounds=True, source_etype=I32), align=4)

        for_range(b, I64(0), I64(n), init, "z")
        cur, width = 0, 1
        while width < n:
            self.merge_pass(vals, allocas, (keys[cur], idxs[cur]), (keys[1 - cur], idxs[1 - cur]), n, k, width)
            cur, width = 1 - cur, width * 2

        def copy(i: ir.Value) -> None:
            v = b.load(b.gep(idxs[cur], [i], inbounds=True, source_etype=I32), typ=I32, align=4)
            b.store(v, b.gep(orow, [i], inbounds=True, source_etype=I32), align=4)

        for_range(b, I64(0), I64(k), copy, "c")

    def merge_pass(self, vals: Values, allocas: ir.IRBuilder, src: tuple[ir.Value, ir.Value],
                   dst: tuple[ir.Value, ir.Value], n: int, k: int, width: int) -> None:
        """Merge the runs of `width` (at most k long) pairwise from src into dst; the left run
        wins ties."""
        b = vals.b
        ct = vals.ct
        i_var = allocas.alloca(I64)
        j_var = allocas.alloca(I64)
        cap = min(width, k)

        def run_end(start: ir.Value) -> ir.Value:
            end = b.add(start, I64(cap))
            return b.select(b.icmp_signed("<", end, I64(n)), end, I64(n))

        def load(arrays: tuple[ir.Value, ir.Value], at: ir.Value) -> tuple[ir.Value, ir.Value]:
            key = b.load(b.gep(arrays[0], [at], inbounds=True, source_etype=ct), typ=ct)
            return key, b.load(b.gep(arrays[1], [at], inbounds=True, source_etype=I32), typ=I32, align=4)

        def pair(q: ir.Value) -> None:
            lo = b.mul(q, I64(2 * width))
            right = b.add(lo, I64(width))
            right = b.select(b.icmp_signed("<", right, I64(n)), right, I64(n))
            left_end, right_end = run_end(lo), run_end(right)
            count = b.add(b.sub(left_end, lo), b.sub(right_end, right))
            count = b.select(b.icmp_signed("<", count, I64(k)), count, I64(k))
            b.store(lo, i_var)
            b.store(right, j_var)

            def out(p: ir.Value) -> None:
                i = b.load(i_var, typ=I64)
                j = b.load(j_var, typ=I64)
                left_ok = b.icmp_signed("<", i, left_end)
                right_ok = b.icmp_signed("<", j, right_end)
                ki, ii = load(src, b.select(left_ok, i, lo))
                kj, ij = load(src, b.select(right_ok, j, lo))
                take_right = b.and_(right_ok, b.or_(b.not_(left_ok), vals.greater(kj, ki)))
                b.store(b.select(take_right, kj, ki), b.gep(dst[0], [p], inbounds=True, source_etype=ct))
                b.store(b.select(take_right, ij, ii), b.gep(dst[1], [p], inbounds=True, source_etype=I32), align=4)
                b.store(b.add(j, b.zext(take_right, I64)), j_var)
                b.store(b.add(i, b.zext(b.not_(take_right), I64)), i_var)

            for_range(b, lo, b.add(lo, count), out, "m")

        for_range(b, I64(0), I64(-(-n // (2 * width))), pair, "pq")
