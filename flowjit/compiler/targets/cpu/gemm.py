"""Matrix multiplication: a cache-blocked GEMM with a register-tiled vector micro-kernel.

`flowjit_gemm_f32` / `flowjit_gemm_f64` compute C = A @ B for strided A (M x K) and B (K x N)
(strides make transposed operands free) into a row-major C, in the BLIS structure:

    for jc in N by NC:                       B block (KC x NC) lives in L3
      for pc in K by KC:
        pack B[pc:pc+KC, jc:jc+NC] into NR-wide panels      (parallel over panels)
        for each M block (parallel, as many blocks as threads, or a multiple):
          pack A[block, pc:pc+KC] into MR-tall panels       (per-thread buffer, L2)
          for jr in B panels:                              (B panel stays in L1)
            for ir in A panels:
              micro-kernel: MR x NR tile of C += A panel @ B panel

The micro-kernel keeps the MR x NR tile in vector registers (6 x 16 floats = 12 AVX2
registers), loads one row of the B panel (2 vectors) per k and broadcasts the MR values of the
A panel into fused multiply-adds. Edge tiles are computed whole on zero-padded panels and
copied out through a small buffer. Packing buffers come from the caller's workspace (the
plan's arena): `workspace_bytes` says how much.
"""

from __future__ import annotations

import llvmlite.ir as ir

from .host import host_target
from ...llvm.emit import F32, F64, I8, I32, I64, PTR, VOID, declare, for_range, storage_type
from ...lir import size_of

MR = 6
KC = 256
MC_MAX = 144  # rows of A per block: MC_MAX x KC floats ~ 144 KB, in L2
NC = 4096
SERIAL_WORK = 1 << 21  # M*N*K below which the matmul runs on the calling thread only

GEMM_ARGS = [I64, I64, I64, PTR, I64, I64, PTR, I64, I64, PTR, I64, PTR, I64]
SYMBOLS = ["flowjit_gemm_f32", "flowjit_gemm_f64"]


def vector_width(elt: ir.Type) -> int:
    bits = host_target().vector_bits
    return bits // (64 if isinstance(elt, ir.DoubleType) else 32)


def nr_of(elt: ir.Type) -> int:
    return 2 * vector_width(elt)


def workspace_bytes(n: int, k: int, itemsize: int, nthreads: int) -> int:
    """Packing space for one call: a B block and one A block per thread (64-byte aligned)."""
    elt = F64 if itemsize == 8 else F32
    nr = nr_of(elt)
    kc = min(KC, max(k, 1))
    nc = min(NC, max(n, 1))
    b_bytes = kc * ((nc + nr - 1) // nr) * nr * itemsize
    a_bytes = kc * ((MC_MAX + MR - 1) // MR) * MR * itemsize
    return _r64(b_bytes) + nthreads * _r64(a_bytes) + 64


def _r64(n: int) -> int:
    return (n + 63) // 64 * 64


class _Gen:
    """Emits one precision's GEMM into a module."""

    def __init__(self, mod: ir.Module, elt: ir.Type, suffix: str) -> None:
        self.mod = mod
        self.elt = elt
        self.size = 8 if isinstance(elt, ir.DoubleType) else 4
        self.vl = vector_width(elt)
        self.nr = 2 * self.vl
        self.vt = ir.VectorType(elt, self.vl)
        self.suffix = suffix
        self.has_fma = host_target().has_fma
        self.parallel_for = mod.globals.get("flowjit_parallel_for") or declare(
            mod, "flowjit_parallel_for", VOID, [PTR, PTR, I64])
        # context passed to the parallel tasks: all i64 / ptr fields
        self.ctx_fields = ["M", "N", "K", "A", "rsA", "csA", "B", "rsB", "csB", "C", "ldc", "ws", "nthr",
                           "jc", "nc", "pc", "kc", "beta", "nblocks", "npanels"]
        self.ctx_t = ir.LiteralStructType([PTR if f in ("A", "B", "C", "ws") else I64 for f in self.ctx_fields])

    # --- helpers --------------------------------------------------------------------------------
    def field(self, b: ir.IRBuilder, ctx: ir.Value, name: str) -> ir.Value:
        k = self.ctx_fields.index(name)
        p = b.gep(ctx, [I32(0), I32(k)], source_etype=self.ctx_t)
        return b.load(p, typ=self.ctx_t.elements[k])

    def smin(self, b, x, y):
        return b.select(b.icmp_signed("<", x, y), x, y)

    def elem(self, b, base, off):
        return b.gep(base, [off], inbounds=True, source_etype=self.elt)

    def fma(self, b, a, x, y):
        if self.has_fma:
            fn = declare(self.mod, "llvm.fma", a.type, [a.type] * 3)
            return b.call(fn, [a, x, y])
        return b.fadd(b.fmul(a, x), y)

    def b_pack_ptr(self, b, ctx):
        return self.field(b, ctx, "ws")

    def a_pack_ptr(self, b, ctx, tid):
        """This thread's A block, after the B block (offsets as in `workspace_bytes`)."""
        ws = self.field(b, ctx, "ws")
        kcap = self.smin(b, self.field(b, ctx, "K"), I64(KC))
        kcap = b.select(b.icmp_signed("<", kcap, I64(1)), I64(1), kcap)
        ncap = self.smin(b, self.field(b, ctx, "N"), I64(NC))
        ncap = b.select(b.icmp_signed("<", ncap, I64(1)), I64(1), ncap)
        panels = b.sdiv(b.add(ncap, I64(self.nr - 1)), I64(self.nr))
        b_bytes = b.mul(b.mul(kcap, b.mul(panels, I64(self.nr))), I64(self.size))
        b_bytes = b.and_(b.add(b_bytes, I64(63)), I64(~63))
        a_bytes = b.mul(kcap, I64(((MC_MAX + MR - 1) // MR) * MR * self.size))
        a_bytes = b.and_(b.add(a_bytes, I64(63)), I64(~63))
        return b.gep(ws, [b.add(b_bytes, b.mul(tid, a_bytes))], inbounds=True, source_etype=I8)

    # --- the micro-kernel -----------------------------------------------------------------------
    def micro(self) -> ir.Function:
        """void micro(i64 kc, ptr Ap, ptr Bp, ptr C, i64 ldc, i64 mr, i64 nr, i64 beta)"""
        fn = ir.Function(self.mod, ir.FunctionType(VOID, [I64, PTR, PTR, PTR, I64, I64, I64, I64]),
                         f"gemm_micro_{self.suffix}")
        fn.linkage = "internal"
        fn.attributes.add("nounwind")
        kc, ap, bp, c, ldc, mr, nr, beta = fn.args
        for a in (ap, bp, c):
            a.add_attribute("noalias")
        ap.attributes.align = 64
        bp.attributes.align = 64
        entry = fn.append_basic_block("entry")
        loop = fn.append_basic_block("k")
        done = fn.append_basic_block("done")
        b = ir.IRBuilder(entry)
        vt, vl, nr_full = self.vt, self.vl, self.nr
        zero = ir.Constant(vt, [ir.Constant(self.elt, 0.0)] * vl)
        b.cbranch(b.icmp_signed(">", kc, I64(0)), loop, done)
        b.position_at_end(loop)
        k = b.phi(I64, "k")
        k.add_incoming(I64(0), entry)
        accs = []
        for i in range(MR):
            row = []
            for j in range(2):
                p = b.phi(vt)
                p.add_incoming(zero, entry)
                row.append(p)
            accs.append(row)
        boff = b.mul(k, I64(nr_full))
        bv = [b.load(b.gep(bp, [b.add(boff, I64(j * vl))], inbounds=True, source_etype=self.elt), typ=vt, align=32)
              for j in range(2)]
        aoff = b.mul(k, I64(MR))
        new = []
        undef = ir.Constant(vt, ir.Undefined)
        mask = ir.Constant(ir.VectorType(I32, vl), [I32(0)] * vl)
        for i in range(MR):
            a = b.load(b.gep(ap, [b.add(aoff, I64(i))], inbounds=True, source_etype=self.elt), typ=self.elt)
            av = b.shuffle_vector(b.insert_element(undef, a, I32(0)), undef, mask)
            new.append([self.fma(b, av, bv[j], accs[i][j]) for j in range(2)])
        k1 = b.add(k, I64(1))
        k.add_incoming(k1, loop)
        for i in range(MR):
            for j in range(2):
                accs[i][j].add_incoming(new[i][j], loop)
        b.cbranch(b.icmp_signed("<", k1, kc), loop, done)
        b.position_at_end(done)
        final = []
        for i in range(MR):
            row = []
            for j in range(2):
                p = b.phi(vt)
                p.add_incoming(zero, entry)
                p.add_incoming(new[i][j], loop)
                row.append(p)
            final.append(row)
        full = b.and_(b.icmp_signed("==", mr, I64(MR)), b.icmp_signed("==", nr, I64(nr_full)))
        acc_on = b.icmp_signed("!=", beta, I64(0))
        with b.if_else(full) as (then, otherwise):
            with then:
                for i in range(MR):
                    rowp = b.gep(c, [b.mul(I64(i), ldc)], inbounds=True, source_etype=self.elt)
                    for j in range(2):
                        p = b.gep(rowp, [I64(j * vl)], inbounds=True, source_etype=self.elt)
                        v = final[i][j]
                        old = b.load(p, typ=vt, align=self.size)
                        v = b.select(acc_on, b.fadd(old, v), v)
                        b.store(v, p, align=self.size)
            with otherwise:
                # allocas are typed pointers in llvmlite: address the tile through typed casts
                tile = b.bitcast(b.alloca(ir.ArrayType(self.elt, MR * nr_full)), self.elt.as_pointer())
                for i in range(MR):
                    for j in range(2):
                        p = b.gep(tile, [I64(i * nr_full + j * vl)], source_etype=self.elt)
                        b.store(final[i][j], b.bitcast(p, vt.as_pointer()), align=self.size)

                def copy_row(i):
                    def copy_col(j):
                        src = b.load(b.gep(tile, [b.add(b.mul(i, I64(nr_full)), j)], source_etype=self.elt),
                                     typ=self.elt)
                        dst = b.gep(c, [b.add(b.mul(i, ldc), j)], inbounds=True, source_etype=self.elt)
                        old = b.load(dst, typ=self.elt)
                        b.store(b.select(acc_on, b.fadd(old, src), src), dst)
                    for_range(b, I64(0), nr, copy_col, "cj")
                for_range(b, I64(0), mr, copy_row, "ci")
        b.ret_void()
        return fn

    # --- packing ---------------------------------------------------------------------------------
    def pack_b_task(self) -> ir.Function:
        """task(ctx, lo, hi, tid): pack B panels [lo, hi) of the current (pc, jc) block."""
        fn = ir.Function(self.mod, ir.FunctionType(VOID, [PTR, I64, I64, I64]), f"gemm_packb_{self.suffix}")
        fn.linkage = "internal"
        ctx, lo, hi, _tid = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        B = self.field(b, ctx, "B")
        rsB, csB = self.field(b, ctx, "rsB"), self.field(b, ctx, "csB")
        jc, nc, pc, kc = (self.field(b, ctx, f) for f in ("jc", "nc", "pc", "kc"))
        bp = self.b_pack_ptr(b, ctx)
        nr = self.nr
        zero = ir.Constant(self.elt, 0.0)

        def panel(q):
            dst = b.gep(bp, [b.mul(q, b.mul(kc, I64(nr)))], inbounds=True, source_etype=self.elt)
            col0 = b.add(jc, b.mul(q, I64(nr)))
            width = self.smin(b, I64(nr), b.sub(b.add(jc, nc), col0))
            contiguous = b.and_(b.icmp_signed("==", csB, I64(1)), b.icmp_signed("==", width, I64(nr)))
            with b.if_else(contiguous) as (then, otherwise):
                with then:
                    def rowk(k):
                        src = self.elem(b, B, b.add(b.mul(b.add(pc, k), rsB), col0))
                        d = b.gep(dst, [b.mul(k, I64(nr))], inbounds=True, source_etype=self.elt)
                        for j in range(2):
                            v = b.load(b.gep(src, [I64(j * self.vl)], source_etype=self.elt), typ=self.vt,
                                       align=self.size)
                            b.store(v, b.gep(d, [I64(j * self.vl)], source_etype=self.elt), align=32)
                    for_range(b, I64(0), kc, rowk, "pk")
                with otherwise:
                    def rowk2(k):
                        srow = b.mul(b.add(pc, k), rsB)

                        def colj(j):
                            inside = b.icmp_signed("<", j, width)
                            col = b.select(inside, b.add(col0, j), col0)
                            v = b.load(self.elem(b, B, b.add(srow, b.mul(col, csB))), typ=self.elt)
                            b.store(b.select(inside, v, zero),
                                    b.gep(dst, [b.add(b.mul(k, I64(nr)), j)], inbounds=True, source_etype=self.elt))
                        for_range(b, I64(0), I64(nr), colj, "pj")
                    for_range(b, I64(0), kc, rowk2, "pk2")

        for_range(b, lo, hi, panel, "q")
        b.ret_void()
        return fn

    def pack_a(self, b: ir.IRBuilder, ctx, ap, row0, rows) -> None:
        """Pack rows [row0, row0+rows) x [pc, pc+kc) of A into MR-tall panels at `ap`."""
        A = self.field(b, ctx, "A")
        rsA, csA = self.field(b, ctx, "rsA"), self.field(b, ctx, "csA")
        pc, kc = self.field(b, ctx, "pc"), self.field(b, ctx, "kc")
        zero = ir.Constant(self.elt, 0.0)
        npan = b.sdiv(b.add(rows, I64(MR - 1)), I64(MR))

        def panel(q):
            dst = b.gep(ap, [b.mul(q, b.mul(kc, I64(MR)))], inbounds=True, source_etype=self.elt)
            r0 = b.add(row0, b.mul(q, I64(MR)))
            height = self.smin(b, I64(MR), b.sub(b.add(row0, rows), r0))
            full = b.icmp_signed("==", height, I64(MR))
            with b.if_else(full) as (then, otherwise):
                with then:
                    bases = [b.mul(b.add(r0, I64(i)), rsA) for i in range(MR)]

                    def colk(k):
                        kk = b.mul(b.add(pc, k), csA)
                        for i in range(MR):
                            v = b.load(self.elem(b, A, b.add(bases[i], kk)), typ=self.elt)
                            b.store(v, b.gep(dst, [b.add(b.mul(k, I64(MR)), I64(i))], inbounds=True,
                                             source_etype=self.elt))
                    for_range(b, I64(0), kc, colk, "ak")
                with otherwise:
                    def colk2(k):
                        kk = b.mul(b.add(pc, k), csA)
                        for i in range(MR):
                            inside = b.icmp_signed("<", I64(i), height)
                            row = b.select(inside, b.add(r0, I64(i)), r0)
                            v = b.load(self.elem(b, A, b.add(b.mul(row, rsA), kk)), typ=self.elt)
                            b.store(b.select(inside, v, zero),
                                    b.gep(dst, [b.add(b.mul(k, I64(MR)), I64(i))], inbounds=True,
                                          source_etype=self.elt))
                    for_range(b, I64(0), kc, colk2, "ak2")

        for_range(b, I64(0), npan, panel, "ap")

    def macro_task(self, micro: ir.Function) -> ir.Function:
        """task(ctx, lo, hi, tid): M blocks [lo, hi): pack A, then every tile against packed B."""
        fn = ir.Function(self.mod, ir.FunctionType(VOID, [PTR, I64, I64, I64]), f"gemm_macro_{self.suffix}")
        fn.linkage = "internal"
        ctx, lo, hi, tid = fn.args
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        M = self.field(b, ctx, "M")
        C, ldc = self.field(b, ctx, "C"), self.field(b, ctx, "ldc")
        jc, nc, kc, beta = (self.field(b, ctx, f) for f in ("jc", "nc", "kc", "beta"))
        nblocks, npanels_m = self.field(b, ctx, "nblocks"), self.field(b, ctx, "npanels")
        ap = self.a_pack_ptr(b, ctx, tid)
        bp = self.b_pack_ptr(b, ctx)
        nr = self.nr

        def block(blk):
            # panels [p0, p1) of A: balanced split of all MR panels into nblocks
            p0 = b.sdiv(b.mul(blk, npanels_m), nblocks)
            p1 = b.sdiv(b.mul(b.add(blk, I64(1)), npanels_m), nblocks)
            row0 = b.mul(p0, I64(MR))
            row1 = self.smin(b, b.mul(p1, I64(MR)), M)
            rows = b.sub(row1, row0)
            self.pack_a(b, ctx, ap, row0, rows)
            njp = b.sdiv(b.add(nc, I64(nr - 1)), I64(nr))
            nip = b.sub(p1, p0)

            def jr(j):
                col = b.mul(j, I64(nr))
                ncols = self.smin(b, I64(nr), b.sub(nc, col))
                bpanel = b.gep(bp, [b.mul(j, b.mul(kc, I64(nr)))], inbounds=True, source_etype=self.elt)

                def ir_(i):
                    r = b.add(row0, b.mul(i, I64(MR)))
                    nrows = self.smin(b, I64(MR), b.sub(row1, r))
                    apanel = b.gep(ap, [b.mul(i, b.mul(kc, I64(MR)))], inbounds=True, source_etype=self.elt)
                    cptr = self.elem(b, C, b.add(b.mul(r, ldc), b.add(jc, col)))
                    b.call(micro, [kc, apanel, bpanel, cptr, ldc, nrows, ncols, beta])
                for_range(b, I64(0), nip, ir_, "ir")
            for_range(b, I64(0), njp, jr, "jr")

        for_range(b, lo, hi, block, "blk")
        b.ret_void()
        return fn

    # --- the driver -------------------------------------------------------------------------------
    def driver(self) -> None:
        micro = self.micro()
        packb = self.pack_b_task()
        macro = self.macro_task(micro)
        fn = ir.Function(self.mod, ir.FunctionType(VOID, GEMM_ARGS), f"flowjit_gemm_{self.suffix}")
        fn.attributes.add("nounwind")
        M, N, K, A, rsA, csA, B, rsB, csB, C, ldc, ws, nthr = fn.args
        entry = fn.append_basic_block("entry")
        b = ir.IRBuilder(entry)
        ctx = b.alloca(self.ctx_t)
        vals = dict(zip(["M", "N", "K", "A", "rsA", "csA", "B", "rsB", "csB", "C", "ldc", "ws", "nthr"], fn.args))
        def setf(name, v):  # ctx is a typed alloca pointer: its GEPs are typed too
            k = self.ctx_fields.index(name)
            b.store(v, b.gep(ctx, [I32(0), I32(k)]))

        for name, v in vals.items():
            setf(name, v)

        # K == 0: C = 0
        with b.if_then(b.icmp_signed("<=", K, I64(0))):
            def zrow(i):
                def zcol(j):
                    b.store(ir.Constant(self.elt, 0.0), self.elem(b, C, b.add(b.mul(i, ldc), j)))
                for_range(b, I64(0), N, zcol, "zj")
            for_range(b, I64(0), M, zrow, "zi")
        # blocks of M: a multiple of the thread count, each at most MC_MAX rows
        npan = b.sdiv(b.add(M, I64(MR - 1)), I64(MR))
        per = I64((MC_MAX + MR - 1) // MR)
        nb = b.sdiv(b.add(npan, b.sub(per, I64(1))), per)
        nb = b.mul(b.sdiv(b.add(nb, b.sub(nthr, I64(1))), nthr), nthr)
        nb = self.smin(b, nb, npan)
        nb = b.select(b.icmp_signed("<", nb, I64(1)), I64(1), nb)
        setf("nblocks", nb)
        setf("npanels", npan)
        work = b.mul(b.mul(M, N), K)
        serial = b.or_(b.icmp_signed("<", work, I64(SERIAL_WORK)), b.icmp_signed("<=", nthr, I64(1)))

        def jc_loop(jc):
            nc = self.smin(b, I64(NC), b.sub(N, jc))
            setf("jc", jc)
            setf("nc", nc)
            nkb = b.sdiv(b.add(K, I64(KC - 1)), I64(KC))

            def pc_loop(kb):
                pc = b.mul(kb, I64(KC))
                kc = self.smin(b, I64(KC), b.sub(K, pc))
                setf("pc", pc)
                setf("kc", kc)
                setf("beta", b.zext(b.icmp_signed(">", kb, I64(0)), I64))
                nbp = b.sdiv(b.add(nc, I64(self.nr - 1)), I64(self.nr))
                with b.if_else(serial) as (then, otherwise):
                    with then:
                        b.call(packb, [ctx, I64(0), nbp, I64(0)])
                        b.call(macro, [ctx, I64(0), nb, I64(0)])
                    with otherwise:
                        b.call(self.parallel_for, [packb, ctx, nbp])
                        b.call(self.parallel_for, [macro, ctx, nb])
            for_range(b, I64(0), nkb, pc_loop, "pc")

        ncb = b.sdiv(b.add(N, I64(NC - 1)), I64(NC))
        for_range(b, I64(0), ncb, lambda jb: jc_loop(b.mul(jb, I64(NC))), "jc")
        b.ret_void()


def build_library(mod: ir.Module) -> None:
    """Adds flowjit_gemm_f32 and flowjit_gemm_f64 to the runtime library module."""
    _Gen(mod, F32, "f32").driver()
    _Gen(mod, F64, "f64").driver()


# --- calls from plans -------------------------------------------------------------------------------

def emit_matmul_call(gen, b: ir.IRBuilder, argv: ir.Value, call) -> None:
    """C = A @ B for one Call item: a loop over the (broadcast) batch, one GEMM per matrix."""
    n = call.node
    a_buf, b_buf = call.inputs
    out = call.output
    ta, tb = n.attrs["ta"], n.attrs["tb"]
    # the operands' shapes, not their buffers': a buffer may hold a reshape's source (compiler/schedule/)
    a_shape, b_shape, c_shape = n.inputs[0].shape, n.inputs[1].shape, out.shape
    M, N = c_shape[-2], c_shape[-1]
    K = a_shape[-2] if ta else a_shape[-1]
    elt = storage_type(out.dtype)
    suffix = "f64" if isinstance(elt, ir.DoubleType) else "f32"
    fn = b.module.globals.get(f"flowjit_gemm_{suffix}") or declare(b.module, f"flowjit_gemm_{suffix}", VOID, GEMM_ARGS)
    pa = gen.buffer_ptr(b, argv, a_buf)
    pb = gen.buffer_ptr(b, argv, b_buf)
    pc = gen.buffer_ptr(b, argv, out)
    ws = gen.buffer_ptr(b, argv, call.workspace)
    a_rows, a_cols = a_shape[-2], a_shape[-1]
    b_rows, b_cols = b_shape[-2], b_shape[-1]
    rsA, csA = (1, a_cols) if ta else (a_cols, 1)
    rsB, csB = (1, b_cols) if tb else (b_cols, 1)
    batch = c_shape[:-2]
    nbatch = size_of(batch)
    if M == 0 or N == 0:
        return
    a_batch = (1,) * (len(batch) - len(a_shape[:-2])) + tuple(a_shape[:-2])
    b_batch = (1,) * (len(batch) - len(b_shape[:-2])) + tuple(b_shape[:-2])
    a_mat, b_mat = a_rows * a_cols, b_rows * b_cols

    def offset(bidx, bshape):
        off = I64(0)
        stride = 1
        for d in range(len(batch) - 1, -1, -1):
            if bshape[d] != 1:
                q = b.urem(b.udiv(bidx, I64(size_of(batch[d + 1:]))), I64(batch[d]))
                off = b.add(off, b.mul(q, I64(stride)))
            stride *= bshape[d]
        return off

    def one(bidx):
        oa = b.mul(offset(bidx, a_batch), I64(a_mat))
        ob = b.mul(offset(bidx, b_batch), I64(b_mat))
        oc = b.mul(bidx, I64(M * N))
        args = [I64(M), I64(N), I64(K),
                b.gep(pa, [oa], inbounds=True, source_etype=elt), I64(rsA), I64(csA),
                b.gep(pb, [ob], inbounds=True, source_etype=elt), I64(rsB), I64(csB),
                b.gep(pc, [oc], inbounds=True, source_etype=elt), I64(N), ws, I64(gen.program.nthreads)]
        b.call(fn, args)

    if nbatch == 1:
        one(I64(0))
    else:
        for_range(b, I64(0), I64(nbatch), one, "mb")
