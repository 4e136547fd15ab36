"""LLVM IR for a `Program`: one function per native segment, loop nests per region.

Kernel ABI
----------
Every buffer of the program has a slot in an array of pointers, `argv` (slot 0 is the error
record: i64 code, i64 site, i64 value). The runtime fills the slots (arena temporaries once,
feeds, results and variables on every run) and calls

    i32 seg<k>(ptr argv)        0 on success, 1 when a kernel reported an error

for each native segment. A region becomes a *task* `void (ptr argv, i64 lo, i64 hi, i64 tid)`
that runs chunks [lo, hi) of its row loop; the task loads the buffer pointers and calls the
region's body, whose pointer arguments are `noalias` (buffers never overlap), so the loops
vectorize. Parallel regions go through `flowjit_parallel_for(task, argv, chunks)`.

Loops are emitted in rotated form with i64 induction variables; memory is addressed with
in-bounds GEPs from the buffer base (never inttoptr arithmetic). Float arithmetic carries no
fast-math flags: every op's result is rounded to its dtype as the reference rounds it, so no
`contract` (a product fused into the next op's sum would skip that rounding: `x*x - max(x*x)`
must cancel to 0). Only reduction accumulators carry `reassoc`, so they vectorize; the sums
are blocked and pairwise (see `RegionGen`). No nnan/ninf: NaN and inf behave as in the
reference backend.
"""

from __future__ import annotations

from typing import Any, Callable

import llvmlite.ir as ir

from .. import options
from . import routines
from .lir import L, size_of
from .llvm import summation
from .llvm.emit import I32, I64, I8, LoopHint, PTR, VOID, compute_type, declare, for_range
from .cost import node_cost
from .program import Buffer, Call, IfStep, KernelStep, NATIVE_STEPS, Program, Region, Stage, WhileStep, leaf_reads
from .targets.cpu import gemm, host_target
from .targets.cpu.parallel import TASK_TYPE
from .llvm.values import ERR_SLOT, ValueEmitter, identity_of, reduce_combine

SEGMENT_TYPE = ir.FunctionType(I32, [PTR])
# library Calls (lir.LIBRARY) by kind: emit(gen, builder, argv, call) in the segment function
LIBRARY_CALLS: dict[str, Callable[..., None]] = {"matmul": gemm.emit_matmul_call, "routine": routines.emit_call}
INTERLEAVE_COST = 10


def check_bounds_enabled() -> bool:
    """FLOWJIT_CHECK_BOUNDS=1: every load and store of generated loops checks its index (a
    debugging and fuzzing aid; part of the plan cache key, off by default)."""
    return options.get("FLOWJIT_CHECK_BOUNDS")


def slot_of(buf: Buffer) -> int:
    return 1 + buf.id


class ModuleGen:
    """Builds the LLVM module of one program."""

    def __init__(self, program: Program, name: str) -> None:
        self.program = program
        self.name = name
        self.module = ir.Module(name=name)
        t = host_target()
        self.module.triple = t.triple
        self.module.data_layout = t.data_layout
        self.has_fma = t.has_fma
        self.check_bounds = check_bounds_enabled()
        self.symbols: list[str] = []
        self.error_sites: list[tuple[Any, str, Any]] = []  # (graph node, kind, extra)
        self._counter = 0
        self.parallel_for = declare(self.module, "flowjit_parallel_for", VOID, [PTR, PTR, I64])
        self.hints: list[LoopHint] = []
        self.split_segments = False  # one segment per top-level step (traced plans)

    def hint(self, cost: int) -> "LoopHint | None":
        """Interleave the vectorized loops of expensive bodies (transcendentals) to hide latency."""
        if cost < INTERLEAVE_COST:
            return None
        h = LoopHint(4)
        self.hints.append(h)
        return h

    def fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def error_site(self, node: Any, kind: str, extra: Any = None) -> int:
        self.error_sites.append((node, kind, extra))
        return len(self.error_sites)  # 0 means "no error"

    # --- segments -----------------------------------------------------------------------------
    @staticmethod
    def segments(program: Program, name: str, split: bool = False) -> tuple[list[str], list[list[int]]]:
        """The native segments of a program: symbol names and the step indices of each.
        `split`: one segment per top-level step (traced runs time each kernel on its own)."""
        segments: list[list[int]] = []
        cur: list[int] = []
        for k, step in enumerate(program.steps):
            if isinstance(step, NATIVE_STEPS):
                if split and cur:
                    segments.append(cur)
                    cur = []
                cur.append(k)
            else:
                if cur:
                    segments.append(cur)
                cur = []
        if cur:
            segments.append(cur)
        return [f"{name}_seg{si}" for si in range(len(segments))], segments

    def build(self) -> tuple[str, list[str], list[list[int]]]:
        """Returns (IR text, segment symbols, step indices of each segment)."""
        names, segments = self.segments(self.program, self.name, self.split_segments)
        for name, seg in zip(names, segments):
            self._segment(name, [self.program.steps[k] for k in seg])
        self.symbols = names
        text = str(self.module) + "".join(h.definition() for h in self.hints)
        return text, names, segments

    def _segment(self, name: str, steps: list[Any]) -> None:
        fn = ir.Function(self.module, SEGMENT_TYPE, name)
        fn.attributes.add("nounwind")
        (argv,) = fn.args
        argv.add_attribute("noalias")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        fail = fn.append_basic_block("fail")
        errp = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
        b.store(I64(0), errp)  # no error so far
        self._steps(b, fn, argv, fail, steps)
        b.ret(I32(0))
        b.position_at_end(fail)
        b.ret(I32(1))

    def _steps(self, b: ir.IRBuilder, fn: ir.Function, argv: ir.Value, fail: ir.Block, steps: list[Any]) -> None:
        """Emit kernel and control steps at the builder's position (which moves to the end)."""
        for step in steps:
            if isinstance(step, IfStep):
                self._if(b, fn, argv, fail, step)
            elif isinstance(step, WhileStep):
                self._while(b, fn, argv, fail, step)
            else:
                self._kernel(b, fn, argv, fail, step)

    def _kernel(self, b: ir.IRBuilder, fn: ir.Function, argv: ir.Value, fail: ir.Block, step: KernelStep) -> None:
        for item in step.items:
            if isinstance(item, Region):
                task, combine = RegionGen(self, step, item).emit()
                if item.parallel and item.chunks > 1:
                    b.call(self.parallel_for, [task, argv, I64(item.chunks)])
                else:
                    b.call(task, [argv, I64(0), I64(item.chunks), I64(0)])
                if combine is not None:
                    b.call(combine, [argv])
            elif isinstance(item, Call):
                self._call(b, argv, item)
        if step.checks or self.check_bounds:
            code = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
            err = b.load(code, typ=I64)
            nxt = fn.append_basic_block("ok")
            b.cbranch(b.icmp_signed("!=", err, I64(0)), fail, nxt)
            b.position_at_end(nxt)

    def _flag(self, b: ir.IRBuilder, argv: ir.Value, buf: Buffer) -> ir.Value:
        """The i1 value of a scalar bool buffer."""
        return b.icmp_unsigned("!=", b.load(self.buffer_ptr(b, argv, buf), typ=I8), I8(0))

    def _if(self, b: ir.IRBuilder, fn: ir.Function, argv: ir.Value, fail: ir.Block, step: IfStep) -> None:
        if not isinstance(step.pred, Buffer):  # known at compile time: only the taken branch
            self._steps(b, fn, argv, fail, step.branches[0 if step.pred else 1])
            return
        then_bb, else_bb = fn.append_basic_block("if_then"), fn.append_basic_block("if_else")
        done = fn.append_basic_block("if_done")
        b.cbranch(self._flag(b, argv, step.pred), then_bb, else_bb)
        for block, branch in ((then_bb, step.branches[0]), (else_bb, step.branches[1])):
            b.position_at_end(block)
            self._steps(b, fn, argv, fail, branch)
            b.branch(done)
        b.position_at_end(done)

    def _while(self, b: ir.IRBuilder, fn: ir.Function, argv: ir.Value, fail: ir.Block, step: WhileStep) -> None:
        self._steps(b, fn, argv, fail, step.init)
        with b.goto_entry_block():
            trips = b.alloca(I64, name="trips")
        b.store(I64(0), trips)
        head, cond_bb = fn.append_basic_block("while_head"), fn.append_basic_block("while_cond")
        body_bb, done = fn.append_basic_block("while_body"), fn.append_basic_block("while_done")
        b.branch(head)
        b.position_at_end(head)
        if step.max_iter is None:
            b.branch(cond_bb)
        else:  # maximum_iterations is checked before cond runs, as TF does
            b.cbranch(b.icmp_signed("<", b.load(trips, typ=I64), I64(step.max_iter)), cond_bb, done)
        b.position_at_end(cond_bb)
        self._steps(b, fn, argv, fail, step.cond)
        b.cbranch(self._flag(b, argv, step.pred), body_bb, done)
        b.position_at_end(body_bb)
        self._steps(b, fn, argv, fail, step.body)
        b.store(b.add(b.load(trips, typ=I64), I64(1)), trips)
        b.branch(head)
        b.position_at_end(done)

    def _call(self, b: ir.IRBuilder, argv: ir.Value, call: Call) -> None:
        emit = LIBRARY_CALLS.get(call.kind)
        if emit is None:
            raise AssertionError(f"library call {call.kind!r} has no emitter (LIBRARY_CALLS)")
        emit(self, b, argv, call)

    def buffer_ptr(self, b: ir.IRBuilder, argv: ir.Value, buf: Buffer) -> ir.Value:
        return b.load(b.gep(argv, [I64(slot_of(buf))], source_etype=PTR), typ=PTR)


# --- loops ----------------------------------------------------------------------------------------------

# --- regions --------------------------------------------------------------------------------------------

class RegionGen:
    """The task (and combine) function of one region."""

    def __init__(self, gen: ModuleGen, step: KernelStep, region: Region) -> None:
        self.gen = gen
        self.step = step
        self.region = region
        self.mat = gen.program.mat
        self.inline_ids = step.inline_ids

    def buffers(self) -> list[Buffer]:
        seen: dict[int, Buffer] = {}
        r = self.region
        for st in r.stages:
            for n, buf in st.maps + st.reduces:
                seen[buf.id] = buf
                for leaf in _leaves_read(n, self.inline_ids, self.mat, st):
                    seen[leaf.id] = leaf
        for n, dest, pbuf in r.partials:
            seen[dest.id] = dest
            seen[pbuf.id] = pbuf
        return sorted(seen.values(), key=lambda x: x.id)

    def emit(self) -> tuple[ir.Function, ir.Function | None]:
        gen = self.gen
        mod = gen.module
        bufs = self.buffers()
        name = gen.fresh(f"{self.step.name}_r")
        # body(noalias ptrs..., err, lo, hi)
        body_ty = ir.FunctionType(VOID, [PTR] * len(bufs) + [PTR, I64, I64])
        body = ir.Function(mod, body_ty, name + "_body")
        body.linkage = "internal"
        body.attributes.add("nounwind")
        for a in body.args[:len(bufs)]:
            a.add_attribute("noalias")
        for a, buf in zip(body.args, bufs):
            a.attributes.align = 64 if buf.kind in ("temp", "scratch", "var") else max(1, buf.dtype.size)
        ptrs = {buf.id: a for buf, a in zip(bufs, body.args)}
        err, lo, hi = body.args[len(bufs):]
        self._body(body, ptrs, err, lo, hi)
        # task(argv, lo, hi, tid)
        task = ir.Function(mod, TASK_TYPE, name)
        task.linkage = "internal"
        task.attributes.add("nounwind")
        argv, tlo, thi, tid = task.args
        b = ir.IRBuilder(task.append_basic_block("entry"))
        args = []
        for buf in bufs:
            p = gen.buffer_ptr(b, argv, buf)
            if buf.kind == "scratch":
                row = size_of(buf.shape[1:]) * buf.dtype.size
                row = (row + 63) // 64 * 64
                p = b.gep(p, [b.mul(tid, I64(row))], inbounds=True, source_etype=I8)
            args.append(p)
        errp = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
        b.call(body, args + [errp, tlo, thi])
        b.ret_void()
        combine = self._combine(name) if self.region.partials else None
        return task, combine

    def _body(self, fn: ir.Function, ptrs: dict[int, ir.Value], err: ir.Value, lo: ir.Value, hi: ir.Value) -> None:
        r = self.region
        entry = fn.append_basic_block("entry")
        b = ir.IRBuilder(entry)
        self.allocas = b
        start_block = fn.append_basic_block("start")
        b.branch(start_block)
        b.position_at_end(start_block)
        ve = ValueEmitter(self.gen, b, ptrs, self.inline_ids, self.mat)
        ve.err_ptr = err
        self.ve = ve
        self.entry_builder = ir.IRBuilder(entry)
        self.entry_builder.position_at_start(entry)
        partial_of = {n.id: pbuf for n, dest, pbuf in r.partials}
        self.row_accs = {}
        if r.outer == 0:
            for st in r.stages:  # no rows: a partial has one chunk, chunk 0
                self._stage(b, st, None, I64(0), partial_of)
            b.ret_void()
            return
        csize = -(-r.outer // r.chunks)

        # float sums over whole rows: rows are taken in blocks summed in a stack slot, whose
        # totals are cascaded per chunk (compiler/llvm/summation.py); the chunk's partial is the
        # cascade's total
        cascaded = [n for n, dest, pbuf in r.partials
                    if summation.float_sum(n.attrs["kind"], n.dtype) and pbuf.shape[1:] == ()]
        self.row_accs = {n.id: self.entry_builder.alloca(compute_type(n.dtype)) for n in cascaded}
        cascades = {n.id: summation.Cascade(self.entry_builder, compute_type(n.dtype)) for n in cascaded}
        row_size = max((size_of(st.domain[1:]) for st in r.stages for n, _ in st.reduces if n.id in cascades),
                       default=1)
        rows_per_block = max(1, summation.BLOCK // max(row_size, 1))
        smin = declare(b.module, "llvm.smin", I64, [I64, I64])
        innermost = all(len(st.domain) == 1 for st in r.stages)
        hint = self.gen.hint(max(self._cost(st) for st in r.stages)) if innermost else None

        def start_block() -> None:
            for n in cascaded:
                b.store(identity_of(n), self.row_accs[n.id])

        def end_block() -> None:
            for n in cascaded:
                cascades[n.id].insert(b, b.load(self.row_accs[n.id]))

        def chunk(c: ir.Value) -> None:
            def row(o: ir.Value) -> None:
                for st in r.stages:
                    self._stage(b, st, o, c, partial_of)

            start = b.mul(c, I64(csize), flags=("nuw", "nsw"))
            end = b.call(smin, [b.add(start, I64(csize)), I64(r.outer)])
            for n, dest, pbuf in r.partials:
                if n.id not in cascades:
                    self._init_partial(b, n, pbuf, c)
            if not cascaded:
                for_range(b, start, end, row, "o", hint)
                return
            for casc in cascades.values():
                casc.reset(b)
            nblocks = b.udiv(b.add(b.sub(end, start), I64(rows_per_block - 1)), I64(rows_per_block))

            def block(q: ir.Value) -> None:
                first = b.add(start, b.mul(q, I64(rows_per_block)))
                start_block()
                for_range(b, first, b.call(smin, [b.add(first, I64(rows_per_block)), end]), row, "o", hint)
                end_block()

            for_range(b, I64(0), nblocks, block, "ob")
            for n, dest, pbuf in r.partials:
                if n.id in cascades:
                    self.ve.store(pbuf, (c,), cascades[n.id].total(b, identity_of(n)))

        for_range(b, lo, hi, chunk, "c")
        b.ret_void()

    def _cost(self, st: Stage) -> int:
        inline = self.inline_ids | {n.id for n, _ in st.maps}
        total = 0
        seen: set[int] = set()
        stack = [n if n.op != "reduce" else n.inputs[0] for n, _ in st.maps + st.reduces]
        while stack:
            x = stack.pop()
            if x.id in seen:
                continue
            seen.add(x.id)
            total += node_cost(x)
            stack.extend(i for i in x.inputs if i.id in inline)
        return total

    def _init_partial(self, b: ir.IRBuilder, n: L, pbuf: Buffer, c: ir.Value) -> None:
        ve = self.ve
        kept = pbuf.shape[1:]
        ident = identity_of(n)

        def rec(level: int, idx: tuple) -> None:
            if level == len(kept):
                ve.store(pbuf, (c,) + idx, ident)
                return
            for_range(b, I64(0), I64(kept[level]), lambda i: rec(level + 1, idx + (i,)), "pi")

        rec(0, ())

    def _stage(self, b: ir.IRBuilder, st: Stage, o: ir.Value | None, c: ir.Value | None,
               partial_of: dict[int, Buffer]) -> None:
        ve = self.ve
        dom = st.domain
        rank = len(dom)
        level0 = 0 if o is None else 1
        stage_ids = {n.id for n, _ in st.maps}
        inline = self.inline_ids | stage_ids
        axes = st.reduces[0][0].attrs["axes"] if st.reduces else ()
        # t: first loop level from which every remaining level is reduced
        t = rank
        if st.reduces:
            while t > level0 and (t - 1) in axes:
                t -= 1
        cross = o is not None and 0 in axes
        needs_init = bool(st.reduces) and any(k in axes for k in range(level0, t))
        dests = []
        for n, buf in st.reduces:
            pbuf = partial_of.get(n.id)
            dests.append((n, pbuf if pbuf is not None else buf, pbuf is not None))

        def dest_index(n: L, idx: tuple, partial: bool) -> tuple:
            kept = tuple(i for k, i in enumerate(idx) if k not in n.attrs["axes"])
            if partial:
                return (c,) + kept
            if n.attrs["keepdims"]:
                return tuple(ve.i64(0) if k in n.attrs["axes"] else i for k, i in enumerate(idx))
            return kept

        if needs_init and not cross:
            # kept elements are visited several times: start them at the identity
            def init_rec(level: int, idx: tuple) -> None:
                if level == rank:
                    for n, dbuf, partial in dests:
                        ve.store(dbuf, dest_index(n, idx, partial), identity_of(n))
                    return
                if level in axes:
                    init_rec(level + 1, idx + (ve.i64(0),))
                else:
                    for_range(b, I64(0), I64(dom[level]), lambda i: init_rec(level + 1, idx + (i,)), "z")

            init_rec(level0, () if o is None else (o,))

        accs: list[ir.Value] = []
        run = size_of(dom[t:])
        # float sums over runs longer than a block are summed block by block into a cascade
        blocked = [k for k, (n, dbuf, partial) in enumerate(dests)
                   if summation.float_sum(n.attrs["kind"], n.dtype) and run > summation.BLOCK]
        cascades = {k: summation.Cascade(self.entry_builder, compute_type(dests[k][0].dtype)) for k in blocked}
        block_slots = {k: self.entry_builder.alloca(compute_type(dests[k][0].dtype)) for k in blocked}
        runs = self.entry_builder.alloca(I64) if blocked else None
        inner_len = dom[rank - 1] if rank else 1
        runs_per_block = max(1, summation.BLOCK // max(inner_len, 1))

        def point(idx: tuple) -> None:
            ve.reset()
            saved = ve.inline_ids
            ve.inline_ids = inline
            for n, buf in st.maps:
                ve.store(buf, idx, ve.value(n, idx))
            for k, (n, dbuf, partial) in enumerate(dests):
                x = ve.value(n.inputs[0], idx)
                a = b.load(accs[k], typ=compute_type(n.dtype))
                b.store(reduce_combine(b, n.attrs["kind"], n.dtype, a, x), accs[k])
            ve.inline_ids = saved

        def flush() -> None:
            """End a block: cascade its totals and start the next one at the identity."""
            for k in blocked:
                cascades[k].insert(b, b.load(block_slots[k]))
                b.store(identity_of(dests[k][0]), block_slots[k])

        def blocked_run(level: int, idx: tuple) -> None:
            """Levels t.. of a blocked run: the innermost loop in blocks of BLOCK elements, or
            whole innermost loops grouped runs_per_block at a time."""
            hint = self.gen.hint(self._cost(st))
            if level < rank - 1:
                for_range(b, I64(0), I64(dom[level]), lambda i: blocked_run(level + 1, idx + (i,)), "j")
                return
            if inner_len > summation.BLOCK:
                nblocks = -(-inner_len // summation.BLOCK)
                smin = declare(b.module, "llvm.smin", I64, [I64, I64])

                def one_block(q: ir.Value) -> None:
                    first = b.mul(q, I64(summation.BLOCK), flags=("nuw", "nsw"))
                    last = b.call(smin, [b.add(first, I64(summation.BLOCK)), I64(inner_len)])
                    for_range(b, first, last, lambda i: point(idx + (i,)), "j", hint)
                    flush()

                for_range(b, I64(0), I64(nblocks), one_block, "jb")
                return
            for_range(b, I64(0), I64(inner_len), lambda i: point(idx + (i,)), "j", hint)
            count = b.add(b.load(runs), I64(1))
            full = b.icmp_unsigned(">=", count, I64(runs_per_block))
            b.store(b.select(full, I64(0), count), runs)
            with b.if_then(full):
                flush()

        def rec(level: int, idx: tuple) -> None:
            if st.reduces and level == t:
                accs.clear()
                first = idx + tuple(ve.i64(0) for _ in range(level, rank))
                row_acc = {}
                for k, (n, dbuf, partial) in enumerate(dests):
                    ct = compute_type(n.dtype)
                    if partial and n.id in self.row_accs:
                        row_acc[k] = self.row_accs[n.id]  # a cascaded cross-row sum
                        slot = self.entry_builder.alloca(ct)
                        b.store(b.load(row_acc[k]), slot)
                    else:
                        slot = self.entry_builder.alloca(ct)
                        init = ve.load(dbuf, dest_index(n, first, partial)) if needs_init or cross \
                            else identity_of(n)
                        b.store(init, slot)
                    if k in blocked:  # slot keeps the start; the block slot accumulates
                        b.store(identity_of(n), block_slots[k])
                        cascades[k].reset(b)
                        starts[k] = slot
                        slot = block_slots[k]
                    accs.append(slot)
                if blocked:
                    b.store(I64(0), runs)
                    blocked_run(level, idx)
                    flush()
                else:
                    inner(level, idx)
                for k, (n, dbuf, partial) in enumerate(dests):
                    if k in blocked:
                        v = b.fadd(b.load(starts[k]), cascades[k].total(b, identity_of(n)))
                    else:
                        v = b.load(accs[k], typ=compute_type(n.dtype))
                    if k in row_acc:
                        b.store(v, row_acc[k])
                    else:
                        ve.store(dbuf, dest_index(n, first, partial), v)
                return
            inner(level, idx)

        def inner(level: int, idx: tuple) -> None:
            if level == rank:
                point(idx)
                return
            nxt = (lambda i: rec(level + 1, idx + (i,))) if (not st.reduces or level + 1 <= t) else \
                (lambda i: inner(level + 1, idx + (i,)))
            hint = self.gen.hint(self._cost(st)) if level == rank - 1 else None
            for_range(b, I64(0), I64(dom[level]), nxt, "j", hint)

        starts: dict[int, ir.Value] = {}
        start_idx = () if o is None else (o,)
        rec(level0, start_idx)

    def _combine(self, name: str) -> ir.Function:
        """Fold the per-chunk partials of cross-row reductions into their destinations."""
        gen = self.gen
        r = self.region
        fn = ir.Function(gen.module, ir.FunctionType(VOID, [PTR]), name + "_combine")
        fn.linkage = "internal"
        (argv,) = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        ptrs = {}
        for n, dest, pbuf in r.partials:
            ptrs[dest.id] = gen.buffer_ptr(b, argv, dest)
            ptrs[pbuf.id] = gen.buffer_ptr(b, argv, pbuf)
        ve = ValueEmitter(gen, b, ptrs, set(), {})
        ve.err_ptr = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
        for n, dest, pbuf in r.partials:
            kept = pbuf.shape[1:]
            ct = compute_type(n.dtype)
            kind = n.attrs["kind"]

            def rec(level: int, idx: tuple, n=n, dest=dest, pbuf=pbuf, kept=kept, ct=ct, kind=kind) -> None:
                if level == len(kept):
                    # unrolled over the chunks (at most 64), combined in chunk order
                    loads = [ve.load(pbuf, (I64(cc),) + idx) for cc in range(r.chunks)]
                    if summation.float_sum(kind, n.dtype):  # neighbours first, as a tree
                        a = summation.pairwise(loads, lambda x, y: b.fadd(x, y))
                    else:
                        a = identity_of(n)
                        for x in loads:
                            a = reduce_combine(b, kind, n.dtype, a, x)
                    if n.attrs["keepdims"]:
                        full = []
                        it = iter(idx)
                        for k in range(len(n.inputs[0].shape)):
                            full.append(I64(0) if k in n.attrs["axes"] else next(it))
                        ve.store(dest, tuple(full), a)
                    else:
                        ve.store(dest, idx, a)
                    return
                for_range(b, I64(0), I64(kept[level]), lambda i: rec(level + 1, idx + (i,)), "k")

            rec(0, ())
        b.ret_void()
        return fn


def _leaves_read(root: L, inline_ids: set[int], mat: dict[int, Buffer], st: Stage) -> list[Buffer]:
    """Buffers a stage root reads: materialized values that it does not compute itself."""
    inline = inline_ids | {n.id for n, _ in st.maps}
    return leaf_reads(root, inline, lambda x: mat.get(x.id) or (x.attrs["buf"] if x.op == "buffer" else None))
