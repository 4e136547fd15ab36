"""Library routines: scans, top-k selection and scatters, one LLVM function per call.

Lowering produces a LIR `routine` node (lir.py) for the ops that are neither maps nor
reductions: Cumsum/Cumprod (a serial scan along an axis), TopKV2 (a selection in every row) and
the scatter family (data-dependent writes). The scheduler treats a routine like a matmul: its
operands and its result are materialized in row-major buffers and it becomes a `Call` item
(`plan` says how much workspace and work it has); the segment function calls the function
emitted here for that node, with every shape baked in as a constant.

  scan     the input seen as [outer, n, inner] around the axis. inner == 1: one task per row
           holding a scalar running value (rows run in parallel); inner > 1: a task is one
           (outer, block of inner) pair and the loop over the block, out[s] = out[s-1] op x[s],
           vectorizes. Sequential in the dtype (float16 rounds every step), as the reference:
           results are bit-identical to it.
  topk     one task per row (rows run in parallel), by `topk_method`: insertion into the
           k-long output row for small k, a heap of the k best (root: the worst of them) while
           k is a small part of the row, else a stable bottom-up merge sort of (value, index)
           pairs; heap and merge sort work in a per-thread workspace. The order is total
           (descending, NaN largest, ties by the lower index), so any method gives the
           reference's result.
  scatter  serial: every index is checked first (out of range: an error naming the node is
           recorded and nothing is written), then the base is copied to the output (zeros
           without a base; nothing when a variable is updated in place) and the updates are
           applied in order (update: the last write wins; add/sub: duplicates accumulate).
"""

from __future__ import annotations

import abc
from typing import Any, Callable

import llvmlite.ir as ir

from ..ir import dtypes
from ..ir.dtypes import DType
from .lir import L, size_of
from .llvmutil import F32, I1, I8, I32, I64, PTR, VOID, compute_type, declare, for_range, storage_type
from .parallel import TASK_TYPE

SCAN_BLOCK = 256  # inner elements per scan task when the scan axis is not the last
INSERTION_MAX_K = 32  # top-k by insertion up to this k
HEAP_MAX_FRACTION = 4  # top-k by a heap while k <= row / 4, by merge sort above
CHUNKS_PER_THREAD = 8


# --- planning (schedule.py) ---------------------------------------------------------------------------

def scan_geometry(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    """(outer, n, inner): the dims before the axis, the axis, the dims after it."""
    return size_of(shape[:axis]), shape[axis], size_of(shape[axis + 1:])


def _tasks(n: L) -> int:
    """Independent pieces of work of a parallel routine (0 for a serial one)."""
    kind = n.attrs["kind"]
    if kind == "scan":
        outer, _, inner = scan_geometry(n.shape, n.attrs["axis"])
        return outer if inner == 1 else outer * -(-inner // SCAN_BLOCK)
    if kind == "topk":
        return size_of(n.shape[:-1]) if n.shape[-1] else 0
    return 0


def topk_method(n: L) -> str:
    """insertion for small k (cheap, O(n k) at worst), a heap while k is a small part of the
    row (O(n log k)), a merge sort of the row otherwise (O(n log n))."""
    k, row = n.attrs["k"], n.inputs[0].shape[-1]
    if k <= INSERTION_MAX_K:
        return "insertion"
    return "heap" if k * HEAP_MAX_FRACTION <= row else "merge"


def _workspace(n: L) -> int:
    """Bytes of one thread's top-k space: (key, int32 index) arrays, each aligned to its type."""
    x = n.inputs[0]
    method = topk_method(n) if n.attrs["kind"] == "topk" else ""
    if method == "merge":
        return _r64(2 * x.shape[-1] * (4 + _key_size(x.dtype)))
    if method == "heap":
        return _r64(n.attrs["k"] * _key_size(x.dtype)) + _r64(n.attrs["k"] * 4)
    return 0


def plan(n: L, nthreads: int, min_work: int) -> tuple[int, int, bool]:
    """(workspace bytes, work estimate, parallel) of a routine Call."""
    x = n.inputs[0]
    kind = n.attrs["kind"]
    if kind == "scan":
        work = 2 * x.size
    elif kind == "topk":
        row = x.shape[-1]
        work = size_of(x.shape[:-1]) * row * 4 * (max(1, row.bit_length()) if topk_method(n) == "merge" else 1)
    else:
        work = 2 * n.inputs[1].size + n.size
    parallel = nthreads > 1 and work >= min_work and _tasks(n) >= 2
    return nthreads * _workspace(n), work, parallel


def _key_size(dtype: DType) -> int:
    """Bytes of a sort key (float16 keys are held as float32)."""
    return 4 if dtype == dtypes.float16 else dtype.size


def _r64(nbytes: int) -> int:
    return (nbytes + 63) // 64 * 64


# --- emission (codegen.py) ---------------------------------------------------------------------------------

def emit_call(gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
    """Emit the routine of one Call and call it from the segment function being built."""
    n = call.node
    kind = n.attrs["kind"]
    if kind == "scatter":  # checks its indices even when the output is empty
        _scatter(gen, b, argv, call)
    elif n.size == 0:
        return
    elif kind == "scan":
        _Scan(gen, call).launch(b, argv)
    elif kind == "topk":
        _TopK(gen, call).launch(b, argv)
    else:
        raise AssertionError(f"routine kind {kind!r} has no emitter")


class _Values:
    """Loads, stores and arithmetic of one dtype (float16 is computed in float32)."""

    def __init__(self, b: ir.IRBuilder, dtype: DType) -> None:
        self.b = b
        self.dtype = dtype
        self.st = storage_type(dtype)
        self.ct = compute_type(dtype) if not dtype.is_bool else self.st

    def at(self, base: ir.Value, off: ir.Value) -> ir.Value:
        return self.b.gep(base, [off], inbounds=True, source_etype=self.st)

    def load(self, base: ir.Value, off: ir.Value) -> ir.Value:
        v = self.b.load(self.at(base, off), typ=self.st, align=self.dtype.size)
        return self.b.fpext(v, F32) if self.dtype == dtypes.float16 else v

    def store(self, base: ir.Value, off: ir.Value, v: ir.Value) -> None:
        if self.dtype == dtypes.float16:
            v = self.b.fptrunc(v, ir.HalfType())
        self.b.store(v, self.at(base, off), align=self.dtype.size)

    def rounded(self, v: ir.Value) -> ir.Value:
        """v rounded to the dtype (float16 results are held in float32)."""
        if self.dtype == dtypes.float16:
            return self.b.fpext(self.b.fptrunc(v, ir.HalfType()), F32)
        return v

    def const(self, value: float) -> ir.Value:
        return ir.Constant(self.ct, float(value) if self.dtype.is_floating else int(value))

    def combine(self, op: str, acc: ir.Value, x: ir.Value) -> ir.Value:
        """acc op x, exactly as one NumPy step (no reassociation, no contraction)."""
        b = self.b
        fl = self.dtype.is_floating
        if op == "sum":
            return self.rounded(b.fadd(acc, x)) if fl else b.add(acc, x)
        if op == "sub":
            return self.rounded(b.fsub(acc, x)) if fl else b.sub(acc, x)
        if op == "prod":
            return self.rounded(b.fmul(acc, x)) if fl else b.mul(acc, x)
        raise AssertionError(f"scan or scatter combine {op!r} has no code")

    def greater(self, x: ir.Value, y: ir.Value) -> ir.Value:
        """x sorts before y in a descending order where NaN is the largest value."""
        b = self.b
        if self.dtype.is_floating:
            nan_first = b.and_(b.fcmp_unordered("uno", x, x), b.fcmp_ordered("ord", y, y))
            return b.or_(b.fcmp_ordered(">", x, y), nan_first)
        if self.dtype.is_unsigned:
            return b.icmp_unsigned(">", x, y)
        return b.icmp_signed(">", x, y)


def _function(gen: Any, name: str, args: list[ir.Type]) -> tuple[ir.Function, ir.IRBuilder, ir.IRBuilder]:
    """An internal nounwind function; returns it, a builder for allocas at the top of its entry
    block, and a builder for its body."""
    fn = ir.Function(gen.module, ir.FunctionType(VOID, args), gen.fresh(name))
    fn.linkage = "internal"
    fn.attributes.add("nounwind")
    entry = fn.append_basic_block("entry")
    body = fn.append_basic_block("body")
    allocas = ir.IRBuilder(entry)
    allocas.branch(body)
    allocas.position_at_start(entry)
    return fn, allocas, ir.IRBuilder(body)


def _var(allocas: ir.IRBuilder, b: ir.IRBuilder, t: ir.Type, init: ir.Value) -> ir.Value:
    """A mutable local (an entry-block alloca, promoted to registers by LLVM)."""
    slot = allocas.alloca(t)
    b.store(init, slot)
    return slot


class _Parallel(abc.ABC):
    """A routine run as tasks [0, ntasks) split into chunks on the thread pool (or serially):
    `body(ptrs..., first task, end task, tid)` with noalias pointers to distinct buffers."""

    name = "routine"

    def __init__(self, gen: Any, call: Any) -> None:
        self.gen = gen
        self.call = call
        self.node = call.node
        self.buffers = [call.output] + list(call.inputs)

    def ntasks(self) -> int:
        return _tasks(self.node)

    def launch(self, b: ir.IRBuilder, argv: ir.Value) -> None:
        gen = self.gen
        ntasks = self.ntasks()
        if ntasks == 0:
            return
        threads = max(1, gen.program.nthreads)
        chunks = min(ntasks, CHUNKS_PER_THREAD * threads) if self.call.parallel else 1
        per = -(-ntasks // chunks)
        body = self.body_function()
        task = ir.Function(gen.module, TASK_TYPE, gen.fresh(f"{self.name}_task"))
        task.linkage = "internal"
        task.attributes.add("nounwind")
        targv, lo, hi, tid = task.args
        tb = ir.IRBuilder(task.append_basic_block("entry"))
        ptrs = [gen.buffer_ptr(tb, targv, buf) for buf in self.buffers]
        if self.call.workspace is not None:
            ptrs.append(gen.buffer_ptr(tb, targv, self.call.workspace))
        first = tb.mul(lo, I64(per))
        end = tb.mul(hi, I64(per))
        end = tb.select(tb.icmp_signed("<", end, I64(ntasks)), end, I64(ntasks))
        tb.call(body, ptrs + [first, end, tid])
        tb.ret_void()
        if chunks > 1:
            b.call(gen.parallel_for, [task, argv, I64(chunks)])
        else:
            b.call(task, [argv, I64(0), I64(1), I64(0)])

    def body_function(self) -> ir.Function:
        nptr = len(self.buffers) + (self.call.workspace is not None)
        fn, allocas, b = _function(self.gen, f"{self.name}_body", [PTR] * nptr + [I64, I64, I64])
        for a in fn.args[:nptr]:
            a.add_attribute("noalias")
        self.emit_body(fn, allocas, b)
        b.ret_void()
        return fn

    @abc.abstractmethod
    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        """The loop over tasks [lo, hi) of one chunk (each routine's own)."""


# --- scan ---------------------------------------------------------------------------------------------------

class _Scan(_Parallel):
    """Cumsum / Cumprod along one axis (attrs axis, fn, exclusive, reverse)."""

    name = "scan"

    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        out, x, first, end, _tid = fn.args
        a = self.node.attrs
        outer, n, inner = scan_geometry(self.node.shape, a["axis"])
        vals = _Values(b, self.node.dtype)
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

    def row(self, vals: _Values, allocas: ir.IRBuilder, x: ir.Value, out: ir.Value, base: ir.Value,
            n: int) -> None:
        """One contiguous row: a scalar running value."""
        b = vals.b
        op, exclusive = self.node.attrs["fn"], self.node.attrs["exclusive"]
        acc = _var(allocas, b, vals.ct, vals.const(0 if op == "sum" else 1))

        def step(s: ir.Value) -> None:
            off = b.add(base, self.pos(b, s, n))
            v = vals.load(x, off)
            cur = b.load(acc, typ=vals.ct)
            new = vals.combine(op, cur, v)
            b.store(new, acc)
            vals.store(out, off, cur if exclusive else new)

        for_range(b, I64(0), I64(n), step, "s")

    def block(self, vals: _Values, x: ir.Value, out: ir.Value, base: ir.Value, i0: ir.Value, i1: ir.Value,
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


# --- top-k -------------------------------------------------------------------------------------------------

class _TopK(_Parallel):
    """int32 indices of the k largest entries of every last-axis row (attr k)."""

    name = "topk"

    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        x = self.node.inputs[0]
        n, k = x.shape[-1], self.node.attrs["k"]
        vals = _Values(b, x.dtype)
        method = topk_method(self.node)
        if method != "insertion":
            out, xp, ws, first, end, tid = fn.args
            mine = b.gep(ws, [b.mul(tid, I64(_workspace(self.node)))], inbounds=True, source_etype=I8)
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
    def value_at(vals: _Values, xrow: ir.Value, idx: ir.Value, m: ir.Value, valid: ir.Value) -> ir.Value:
        """x[idx[m]] for an int32 index array `idx`; x[0] where `valid` is false (idx[m] may
        not be written yet: memory stays safe, the caller ignores the value)."""
        b = vals.b
        j = b.load(b.gep(idx, [m], inbounds=True, source_etype=I32), typ=I32, align=4)
        return vals.load(xrow, b.select(valid, b.sext(j, I64), I64(0)))

    def insertion_row(self, vals: _Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value, n: int,
                      k: int) -> None:
        """Keep the output row sorted; an entry enters when there is room or it beats the last
        (strictly: equal values keep the lower index first) and moves up past smaller ones."""
        b = vals.b
        count = _var(allocas, b, I64, I64(0))
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

    def heap_row(self, vals: _Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value, ws: ir.Value,
                 n: int, k: int) -> None:
        """The k best entries seen so far in a heap whose root is the worst of them: a later
        entry replaces the root when it is strictly greater (an equal value has the higher
        index); at the end the roots are popped into the output from the back."""
        b = vals.b
        keys = ws
        idxs = b.gep(ws, [I64(_r64(k * _key_size(vals.dtype)))], inbounds=True, source_etype=I8)
        sift = self.sift_function(vals.dtype)

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

    def sift_function(self, dtype: DType) -> ir.Function:
        """void sift(ptr keys, ptr idx, i64 start, i64 size): move the entry at `start` down
        below every child that is worse (a worse entry sits nearer the root)."""
        fn, _allocas, b = _function(self.gen, "topk_sift", [PTR, PTR, I64, I64])
        keys, idxs, start, size = fn.args
        vals = _Values(b, dtype)
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

    def merge_sort_row(self, vals: _Values, allocas: ir.IRBuilder, xrow: ir.Value, orow: ir.Value,
                       ws: ir.Value, n: int, k: int) -> None:
        """Stable bottom-up merge sort of (value, index) pairs, descending; runs are cut to k
        entries (nothing after the k-th of a run can reach the top k), then the first k indices."""
        b = vals.b
        ksize = _key_size(vals.dtype)  # indices first: every array stays aligned to its type
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

    def merge_pass(self, vals: _Values, allocas: ir.IRBuilder, src: tuple[ir.Value, ir.Value],
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


# --- scatter -----------------------------------------------------------------------------------------------

def _scatter(gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
    """Check every index, then copy the base and apply the updates (see the module docstring)."""
    n = call.node
    indices = n.inputs[0]
    nidx, depth = indices.shape
    if nidx == 0 and not n.attrs["base"]:
        _zero(b, gen.buffer_ptr(b, argv, call.output), call.output.nbytes)
        return
    in_place = n.attrs["base"] and call.inputs[2] is call.output
    bufs = [call.output, call.inputs[0], call.inputs[1]]
    if n.attrs["base"] and not in_place:
        bufs.append(call.inputs[2])
    fn, allocas, fb = _function(gen, "scatter", [PTR] * len(bufs) + [PTR])
    for a in fn.args[:len(bufs)]:
        a.add_attribute("noalias")
    out, idx, upd = fn.args[:3]
    err = fn.args[len(bufs)]
    dims = n.shape[:depth]
    offsets = _checked_offsets(gen, fb, idx, indices.dtype, nidx, depth, dims, n, err)
    if not n.attrs["base"]:
        _zero(fb, out, call.output.nbytes)
    elif not in_place:
        _copy(fb, out, fn.args[3], call.output.nbytes)
    _apply(fb, out, upd, offsets, nidx, size_of(n.shape[depth:]), n.dtype, n.attrs["mode"])
    fb.ret_void()
    from .codegen import ERR_SLOT

    ptrs = [gen.buffer_ptr(b, argv, buf) for buf in bufs]
    errp = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
    b.call(fn, ptrs + [errp])


def _checked_offsets(gen: Any, b: ir.IRBuilder, idx: ir.Value, dtype: DType, nidx: int, depth: int,
                     dims: tuple[int, ...], n: L, err: ir.Value) -> Callable[[ir.Value], ir.Value]:
    """Emit the check of every index (return from the function at the first bad one); returns
    a function giving the slice number (row-major over `dims`) of index row i."""
    from .codegen import ValueEmitter

    ve = ValueEmitter(gen, b, {}, set(), {})
    ve.err_ptr = err
    st = storage_type(dtype)
    sites = [gen.error_site(n.origin, "index", (0, d)) for d in dims]

    def component(i: ir.Value, j: int) -> ir.Value:
        p = b.gep(idx, [b.add(b.mul(i, I64(depth)), I64(j))], inbounds=True, source_etype=st)
        return ve.to_i64(b.load(p, typ=st, align=dtype.size), dtype)

    def check(i: ir.Value) -> None:
        for j, d in enumerate(dims):
            v = component(i, j)
            bad = b.or_(b.icmp_signed("<", v, I64(0)), b.icmp_signed(">=", v, I64(d)))
            with b.if_then(bad, likely=False):
                ve.report(sites[j], v)
                b.ret_void()

    for_range(b, I64(0), I64(nidx), check, "chk")
    strides = [size_of(dims[j + 1:]) for j in range(depth)]

    def offset(i: ir.Value) -> ir.Value:
        off = I64(0)
        for j in range(depth):
            off = b.add(off, b.mul(component(i, j), I64(strides[j])))
        return off

    return offset


def _apply(b: ir.IRBuilder, out: ir.Value, upd: ir.Value, offset: Callable[[ir.Value], ir.Value], nidx: int,
           slice_size: int, dtype: DType, mode: str) -> None:
    """out[slice(i)] (=, +=, -=) updates[i] for every index row i, in order."""
    vals = _Values(b, dtype)

    def one(i: ir.Value) -> None:
        dst = b.mul(offset(i), I64(slice_size))
        src = b.mul(i, I64(slice_size))

        def elem(e: ir.Value) -> None:
            if mode == "update":
                v = b.load(vals.at(upd, b.add(src, e)), typ=vals.st, align=dtype.size)
                b.store(v, vals.at(out, b.add(dst, e)), align=dtype.size)
                return
            r = vals.combine("sum" if mode == "add" else "sub", vals.load(out, b.add(dst, e)),
                             vals.load(upd, b.add(src, e)))
            vals.store(out, b.add(dst, e), r)

        for_range(b, I64(0), I64(slice_size), elem, "e")

    for_range(b, I64(0), I64(nidx), one, "u")


def _zero(b: ir.IRBuilder, ptr: ir.Value, nbytes: int) -> None:
    if nbytes:
        fn = declare(b.module, "llvm.memset", VOID, [PTR, I8, I64, I1], overloads=[PTR, I64])
        b.call(fn, [ptr, I8(0), I64(nbytes), I1(0)])


def _copy(b: ir.IRBuilder, dst: ir.Value, src: ir.Value, nbytes: int) -> None:
    if nbytes:
        fn = declare(b.module, "llvm.memcpy", VOID, [PTR, PTR, I64, I1], overloads=[PTR, PTR, I64])
        b.call(fn, [dst, src, I64(nbytes), I1(0)])
