"""The value emitter: LLVM IR for the value of one LIR node at one index.

`ValueEmitter` turns an LIR expression (elementwise math, index maps, casts, comparisons,
bounds-checked loads) into instructions at a loop's current index; codegen.py (kernels and
regions) and the library routines (routines/) both build on it, so neither imports the
other. Float arithmetic carries no fast-math flags: each op rounds as the reference does.
The reduction helpers (identities, combines) live here too, since routines use them as well.
"""

from __future__ import annotations

import math
from typing import Any

import llvmlite.ir as ir
import numpy as np

from ...ir.dtypes import DType
from ...ir import dtypes
from .emit import F32, I1, I32, I64, I8, call_intrinsic, compute_type, const, declare, storage_type
from .mathlib import MathEmitter
from ..lir import INDEX_MAPS, L, size_of, strides_of
from ..program import Buffer


ERR_SLOT = 0

# LIR "libm"/"libm2"/"pow" functions still emitted as libm calls (a call keeps the loop scalar);
# every other one (sin ... erfc, atan2, pow) is inlined from mathlib and vectorizes
_LIBM = {"fmod"}


# --- values -----------------------------------------------------------------------------------------

class ValueEmitter:
    """Emits LIR expressions at an index (a tuple of i64 values) with memoization."""

    def __init__(self, gen: Any, b: ir.IRBuilder, ptrs: dict[int, ir.Value], inline_ids: set[int],
                 mat: dict[int, Buffer]) -> None:
        self.gen = gen
        self.b = b
        self.ptrs = ptrs  # buffer id -> pointer value
        self.inline_ids = inline_ids  # LIR nodes computed here rather than loaded
        self.mat = mat
        self.memo: dict[tuple, ir.Value] = {}
        self.math = MathEmitter(b, gen.has_fma)
        self._iconst: dict[int, ir.Constant] = {}
        self.err_ptr: ir.Value | None = None

    def i64(self, v: int) -> ir.Constant:
        c = self._iconst.get(v)
        if c is None:
            c = self._iconst[v] = I64(v)
        return c

    def reset(self) -> None:
        self.memo = {}

    # --- memory --------------------------------------------------------------------------------
    def offset(self, idx: tuple, shape: tuple) -> ir.Value:
        strides = strides_of(shape)
        off = None
        for i, s, d in zip(idx, strides, shape):
            if d == 1:
                continue
            term = i if s == 1 else self.b.mul(i, self.i64(s), flags=("nuw", "nsw"))
            off = term if off is None else self.b.add(off, term, flags=("nuw", "nsw"))
        return off if off is not None else self.i64(0)

    def address(self, buf: Buffer, idx: tuple) -> ir.Value:
        ptr = self.ptrs[buf.id]
        if buf.kind == "scratch":
            idx, shape = idx[1:], buf.shape[1:]
        else:
            shape = buf.shape
        if self.gen.check_bounds:
            idx = self.bounds_checked(buf, idx, shape)
        return self.b.gep(ptr, [self.offset(idx, shape)], inbounds=True, source_etype=storage_type(buf.dtype))

    def load(self, buf: Buffer, idx: tuple) -> ir.Value:
        st = storage_type(buf.dtype)
        v = self.b.load(self.address(buf, idx), typ=st, align=buf.dtype.size)
        return self.from_storage(v, buf.dtype)

    def store(self, buf: Buffer, idx: tuple, value: ir.Value) -> None:
        self.b.store(self.to_storage(value, buf.dtype), self.address(buf, idx), align=buf.dtype.size)

    def from_storage(self, v: ir.Value, dtype: DType) -> ir.Value:
        if dtype.is_bool:
            return self.b.icmp_unsigned("!=", v, I8(0))
        if dtype == dtypes.float16:
            return self.b.fpext(v, F32)
        return v

    def to_storage(self, v: ir.Value, dtype: DType) -> ir.Value:
        if dtype.is_bool:
            return self.b.zext(v, I8)
        if dtype == dtypes.float16:
            return self.b.fptrunc(v, ir.HalfType())
        return v

    # --- expressions ---------------------------------------------------------------------------
    def value(self, n: L, idx: tuple) -> ir.Value:
        key = (n.id, tuple(id(i) for i in idx))
        v = self.memo.get(key)
        if v is not None:
            return v
        if n.id not in self.inline_ids and n.id in self.mat:
            v = self.load(self.mat[n.id], idx)
        else:  # inlined here, or a leaf (const, iota, buffer)
            v = self._compute(n, idx)
            if n.dtype == dtypes.float16 and n.op not in INDEX_MAPS and n.op not in ("buffer", "const", "select"):
                v = self.b.fpext(self.b.fptrunc(v, ir.HalfType()), F32)
        self.memo[key] = v
        return v

    def input_index(self, n: L, idx: tuple, k: int) -> tuple:
        """Index of input k for elementwise broadcasting (NumPy rules)."""
        x = n.inputs[k]
        r = x.rank
        out = []
        for j in range(r):
            oj = n.rank - r + j
            out.append(self.i64(0) if x.shape[j] == 1 else idx[oj])
        return tuple(out)

    def arg(self, n: L, idx: tuple, k: int) -> ir.Value:
        return self.value(n.inputs[k], self.input_index(n, idx, k))

    def _compute(self, n: L, idx: tuple) -> ir.Value:
        op = n.op
        b = self.b
        if op == "const":
            return self.const_value(n.attrs["value"], n.dtype)
        if op == "iota":
            i = idx[n.attrs["axis"]]
            return self.convert(i, dtypes.int64, n.dtype)
        if op == "buffer":
            return self.load(n.attrs["buf"], idx)
        if op == "cast":
            return self.convert(self.arg(n, idx, 0), n.inputs[0].dtype, n.dtype)
        if op == "select":
            c = self.arg(n, idx, 0)
            return b.select(c, self.arg(n, idx, 1), self.arg(n, idx, 2))
        if op == "cmp":
            return self.compare(n.attrs["pred"], self.arg(n, idx, 0), self.arg(n, idx, 1), n.inputs[0].dtype)
        if op == "broadcast":
            return self.arg(n, idx, 0)
        if op in INDEX_MAPS:
            return self.index_map(n, idx)
        if len(n.inputs) == 1:
            return self.unary(op, self.arg(n, idx, 0), n)
        if len(n.inputs) == 2:
            return self.binary(op, self.arg(n, idx, 0), self.arg(n, idx, 1), n)
        raise AssertionError(f"lowering produced LIR op {op!r}, which has no code (lir.py vocabulary)")

    def const_value(self, value: Any, dtype: DType) -> ir.Value:
        ct = compute_type(dtype)
        if dtype.is_bool:
            return ir.Constant(I1, 1 if value else 0)
        if dtype.is_floating:
            v = float(value)
            if dtype == dtypes.float16:
                v = float(np.float16(v))
            elif dtype == dtypes.float32:
                v = float(np.float32(v))
            return ir.Constant(ct, v)
        return const(ct, int(value))

    # --- index maps ----------------------------------------------------------------------------
    def index_map(self, n: L, idx: tuple) -> ir.Value:
        b = self.b
        op = n.op
        x = n.inputs[0]
        if op == "reshape":
            return self.value(x, self.reshape_index(x.shape, n.shape, idx))
        if op == "transpose":
            perm = n.attrs["perm"]
            src = [None] * x.rank
            for j, p in enumerate(perm):
                src[p] = idx[j]
            return self.value(x, tuple(src))
        if op == "slice":
            src = []
            for i, bg, st, d in zip(idx, n.attrs["begin"], n.attrs["step"], n.shape):
                if d == 1:
                    src.append(self.i64(bg))
                    continue
                v = i if st == 1 else b.mul(i, self.i64(st))
                if bg:
                    v = b.add(v, self.i64(bg))
                src.append(v)
            return self.value(x, tuple(src))
        if op == "tile":
            src = []
            for i, di, do in zip(idx, x.shape, n.shape):
                if di == do:
                    src.append(i)
                elif di == 1:
                    src.append(self.i64(0))
                else:
                    src.append(b.urem(i, self.i64(di)))
            return self.value(x, tuple(src))
        if op == "pad":
            pads = n.attrs["pads"]
            if size_of(x.shape) == 0:  # nothing to read: every element is the padding
                return self.value(n.inputs[1], ()) if len(n.inputs) > 1 else ir.Constant(compute_type(n.dtype), 0)
            if n.attrs.get("mode", "CONSTANT") != "CONSTANT":
                return self.value(x, self.mirror_index(idx, pads, x.shape, n.attrs["mode"]))
            inside = None
            src = []
            for i, (lo, hi), d in zip(idx, pads, x.shape):
                if lo == 0 and hi == 0:
                    src.append(i)
                    continue
                j = b.sub(i, self.i64(lo)) if lo else i
                ok = b.icmp_unsigned("<", j, self.i64(d))
                inside = ok if inside is None else b.and_(inside, ok)
                jc = b.select(ok, j, self.i64(0))
                src.append(jc)
            v = self.value(x, tuple(src))
            if inside is None:
                return v
            return b.select(inside, v, self.value(n.inputs[1], ()))
        if op == "concat":
            # Every piece is evaluated at every position (a select chain keeps the loop
            # branch-free), so each one reads at its own index clamped into its bounds: a piece
            # is a whole expression (a gather reading its index buffer, a division checking
            # its divisor), and it must never see a position outside its shape.
            a = n.attrs["axis"]
            i = idx[a]
            result = None
            start = 0
            pieces = []
            for part in n.inputs:
                if part.shape[a]:  # an empty piece has nothing to read
                    pieces.append((start, part))
                start += part.shape[a]
            for k in range(len(pieces) - 1, -1, -1):  # from the last piece backwards
                s0, part = pieces[k]
                local = b.sub(i, self.i64(s0)) if s0 else i
                if len(pieces) > 1:
                    inside = b.icmp_unsigned("<", local, self.i64(part.shape[a]))
                    local = b.select(inside, local, self.i64(0))
                src = tuple(local if j == a else idx[j] for j in range(n.rank))
                v = self.value(part, src)
                if result is None:
                    result = v
                else:
                    ge = b.icmp_unsigned(">=", i, self.i64(pieces[k + 1][0]))
                    result = b.select(ge, result, v)
            return result
        if op == "gather":
            a = n.attrs["axis"]
            params, indices = n.inputs
            ri = indices.rank
            iv = self.value(indices, tuple(idx[a:a + ri]))
            iv = self.to_i64(iv, indices.dtype)
            iv = self.checked(iv, 0, params.shape[a], n, "index")
            src = tuple(idx[:a]) + (iv,) + tuple(idx[a + ri:])
            return self.value(params, src)
        if op == "window":
            a = n.attrs
            nn, oh, ow, kh, kw, c = idx
            inside = None
            src = []
            for o, k, s_, d_, p_, lhs, size in ((oh, kh, a["sh"], a["dh"], a["pt"], a["lhs"][0], x.shape[1]),
                                                  (ow, kw, a["sw"], a["dw"], a["pl"], a["lhs"][1], x.shape[2])):
                pos = b.add(b.mul(o, self.i64(s_)), b.mul(k, self.i64(d_)))
                if p_:
                    pos = b.sub(pos, self.i64(p_))
                ok = None
                if lhs > 1:  # the input is dilated by `lhs`: only every lhs-th position is real
                    ok = b.and_(b.icmp_signed(">=", pos, self.i64(0)),
                                b.icmp_signed("==", b.srem(pos, self.i64(lhs)), self.i64(0)))
                    pos = b.sdiv(pos, self.i64(lhs))
                inb = b.icmp_unsigned("<", pos, self.i64(size))
                ok = inb if ok is None else b.and_(ok, inb)
                inside = ok if inside is None else b.and_(inside, ok)
                src.append(b.select(ok, pos, self.i64(0)))
            v = self.value(x, (nn, src[0], src[1], c))
            return b.select(inside, v, self.value(n.inputs[1], ()))
        if op == "gather_nd":
            params, indices = n.inputs
            k = indices.shape[-1]
            batch = tuple(idx[:indices.rank - 1])
            src = []
            for j in range(k):
                iv = self.to_i64(self.value(indices, batch + (self.i64(j),)), indices.dtype)
                src.append(self.checked(iv, 0, params.shape[j], n, "index"))
            return self.value(params, tuple(src) + tuple(idx[indices.rank - 1:]))
        if op == "unslice":
            inside = None
            src = []
            for i, bg, st, size in zip(idx, n.attrs["begin"], n.attrs["step"], x.shape):
                k = b.sub(i, self.i64(bg)) if st > 0 else b.sub(self.i64(bg), i)
                a = abs(st)
                ok = b.icmp_signed(">=", k, self.i64(0))
                q = k
                if a != 1:
                    ok = b.and_(ok, b.icmp_signed("==", b.srem(k, self.i64(a)), self.i64(0)))
                    q = b.sdiv(k, self.i64(a))
                ok = b.and_(ok, b.icmp_signed("<", q, self.i64(size)))
                inside = ok if inside is None else b.and_(inside, ok)
                src.append(b.select(ok, q, self.i64(0)))
            v = self.value(x, tuple(src))
            if inside is None:
                return v
            return b.select(inside, v, self.const_value(0, n.dtype))
        if op == "check":
            v = self.value(x, idx)
            iv = self.to_i64(v, x.dtype)
            iv = self.checked(iv, n.attrs["lo"], n.attrs["hi"], n, n.attrs.get("what", "index"))
            return self.convert(iv, dtypes.int64, x.dtype)
        raise AssertionError(f"index map {op!r} has no code (lir.py vocabulary)")

    def mirror_index(self, idx: tuple, pads: tuple, shape: tuple, mode: str) -> tuple:
        """MirrorPad's source index: positions before a dim reflect about its first element,
        after it about its last (REFLECT excludes the edge, SYMMETRIC repeats it); the pads
        are small enough (checked by inference) that one reflection suffices."""
        b = self.b
        edge = 0 if mode == "REFLECT" else 1
        src = []
        for i, (lo, hi), d in zip(idx, pads, shape):
            if lo == 0 and hi == 0:
                src.append(i)
                continue
            j = b.sub(i, self.i64(lo)) if lo else i
            if lo:  # j < 0: -j (REFLECT) or -j - 1 (SYMMETRIC)
                j = b.select(b.icmp_signed("<", j, self.i64(0)), b.sub(self.i64(-edge), j), j)
            if hi:  # j >= d: 2d - 2 - j (REFLECT) or 2d - 1 - j (SYMMETRIC)
                j = b.select(b.icmp_signed(">=", j, self.i64(d)), b.sub(self.i64(2 * d - 2 + edge), j), j)
            src.append(j)
        return tuple(src)

    def reshape_index(self, in_shape: tuple, out_shape: tuple, idx: tuple) -> tuple:
        b = self.b
        a = [(j, d) for j, d in enumerate(in_shape) if d != 1]
        bb = [(j, d) for j, d in enumerate(out_shape) if d != 1]
        if [d for _, d in a] == [d for _, d in bb]:
            src = [self.i64(0)] * len(in_shape)
            for (ja, _), (jb, _) in zip(a, bb):
                src[ja] = idx[jb]
            return tuple(src)
        p = 0
        while p < min(len(in_shape), len(out_shape)) and in_shape[p] == out_shape[p]:
            p += 1
        # linearize the rest of the output index, then split it over the rest of the input
        lin = None
        for i, s, d in zip(idx[p:], strides_of(out_shape[p:]), out_shape[p:]):
            if d == 1:
                continue
            t = i if s == 1 else b.mul(i, self.i64(s), flags=("nuw", "nsw"))
            lin = t if lin is None else b.add(lin, t, flags=("nuw", "nsw"))
        if lin is None:
            lin = self.i64(0)
        src = list(idx[:p])
        for s, d in zip(strides_of(in_shape[p:]), in_shape[p:]):
            if d == 1:
                src.append(self.i64(0))
                continue
            q = lin if s == 1 else b.udiv(lin, self.i64(s))
            src.append(b.urem(q, self.i64(d)) if s * d < size_of(in_shape[p:]) or True else q)
        return tuple(src)

    def bounds_checked(self, buf: Buffer, idx: tuple, shape: tuple) -> tuple:
        """`idx` with every component checked against `shape` (FLOWJIT_CHECK_BOUNDS=1): an
        access outside its buffer is a compiler bug, reported as an InternalError naming the
        buffer instead of reading or writing memory it does not own."""
        out = []
        for k, (i, d) in enumerate(zip(idx, shape)):
            if isinstance(i, ir.Constant) and 0 <= i.constant < max(d, 1):
                out.append(i)
                continue
            out.append(self.checked(i, 0, d, None, "bounds", (buf.id, buf.kind, tuple(buf.shape), k)))
        return tuple(out)

    def checked(self, iv: ir.Value, lo: int, hi: int, n: L | None, what: str, extra: Any = None) -> ir.Value:
        """iv if lo <= iv < hi; otherwise report an error and return lo (memory stays safe)."""
        b = self.b
        bad = b.or_(b.icmp_signed("<", iv, self.i64(lo)), b.icmp_signed(">=", iv, self.i64(hi)))
        site = self.gen.error_site(n.origin if n is not None else None, what, (lo, hi) if extra is None else extra)
        with b.if_then(bad, likely=False):
            self.report(site, iv)
        return b.select(bad, self.i64(lo if hi > lo else 0), iv)

    def report(self, site: int, value: ir.Value | None = None) -> None:
        """Record a run-time error in the error record [code, site, value]; the first one wins
        (loops running on several threads may find several)."""
        b = self.b
        rec = self.err_ptr
        won = b.extract_value(b.cmpxchg(rec, I64(0), I64(1), "monotonic", "monotonic"), 1)
        with b.if_then(won):
            b.store(I64(site), b.gep(rec, [self.i64(1)], source_etype=I64))
            b.store(value if value is not None else I64(0), b.gep(rec, [self.i64(2)], source_etype=I64))

    # --- scalar ops ----------------------------------------------------------------------------
    def to_i64(self, v: ir.Value, dtype: DType) -> ir.Value:
        if dtype == dtypes.int64:
            return v
        if dtype.is_unsigned or dtype.is_bool:
            return self.b.zext(v, I64)
        return self.b.sext(v, I64)

    def convert(self, v: ir.Value, src: DType, dst: DType) -> ir.Value:
        b = self.b
        if src == dst:
            return v
        st, dt = compute_type(src), compute_type(dst)
        if dst.is_bool:
            if src.is_floating:
                return b.fcmp_unordered("une", v, ir.Constant(st, 0.0))
            return b.icmp_unsigned("!=", v, ir.Constant(st, 0))
        if src.is_bool:
            return b.uitofp(v, dt) if dst.is_floating else b.zext(v, dt)
        if src.is_floating and dst.is_floating:
            if dst == dtypes.float16:  # double -> half would be a libcall: go through float
                f = v if isinstance(st, ir.FloatType) else b.fptrunc(v, F32)
                return b.fpext(b.fptrunc(f, ir.HalfType()), F32)
            if st == dt:
                return v
            return b.fpext(v, dt) if _fbits(dt) > _fbits(st) else b.fptrunc(v, dt)
        if src.is_floating:
            # float -> int: truncate toward zero; NaN and out-of-range give the x86 "integer
            # indefinite" value, as the reference (NumPy on x86) does, without LLVM poison.
            wide = I64 if dst.size == 8 else I32
            bound = 2.0 ** (wide.width - 1)
            sat = b.call(declare(b.module, "llvm.fptosi.sat", wide, [st], [wide, st]), [v])
            bad = b.or_(b.fcmp_unordered("uno", v, v),
                        b.or_(b.fcmp_ordered(">=", v, ir.Constant(st, bound)),
                              b.fcmp_ordered("<", v, ir.Constant(st, -bound))))
            r = b.select(bad, ir.Constant(wide, -(1 << (wide.width - 1))), sat)
            return r if wide.width == dt.width else b.trunc(r, dt)
        if dst.is_floating:
            return b.uitofp(v, dt) if src.is_unsigned else b.sitofp(v, dt)
        # int -> int
        if dt.width == st.width:
            return v
        if dt.width < st.width:
            return b.trunc(v, dt)
        return b.zext(v, dt) if src.is_unsigned else b.sext(v, dt)

    def compare(self, pred: str, a: ir.Value, c: ir.Value, dtype: DType) -> ir.Value:
        b = self.b
        if dtype.is_floating:
            if pred == "!=":
                return b.fcmp_unordered("!=", a, c)
            return b.fcmp_ordered(pred, a, c)
        if dtype.is_unsigned or dtype.is_bool:
            return b.icmp_unsigned(pred, a, c)
        return b.icmp_signed(pred, a, c)

    def unary(self, op: str, x: ir.Value, n: L) -> ir.Value:
        b = self.b
        dtype = n.inputs[0].dtype
        fl = dtype.is_floating
        m = self.math
        if op == "neg":
            return b.fneg(x) if fl else b.sub(ir.Constant(x.type, 0), x)
        if op == "abs":
            return call_intrinsic(b, "llvm.fabs", x) if fl else b.call(
                declare(b.module, "llvm.abs", x.type, [x.type, I1]), [x, I1(0)])
        if op == "sign":
            if fl:
                one, zero = ir.Constant(x.type, 1.0), ir.Constant(x.type, 0.0)
                rest = b.fadd(x, zero)  # zeros and NaN: -0.0 + 0.0 is +0.0, as in TF and the reference
                return b.select(b.fcmp_ordered(">", x, zero), one,
                                b.select(b.fcmp_ordered("<", x, zero), ir.Constant(x.type, -1.0), rest))
            pos = b.zext(b.icmp_signed(">", x, ir.Constant(x.type, 0)), x.type)
            neg = b.zext(b.icmp_signed("<", x, ir.Constant(x.type, 0)), x.type)
            return b.sub(pos, neg)
        if op == "square":
            return b.fmul(x, x) if fl else b.mul(x, x)
        if op in ("exp", "expm1", "log", "log1p", "tanh", "sigmoid", "softplus"):
            return getattr(m, op)(x)
        if op == "sqrt":
            return call_intrinsic(b, "llvm.sqrt", x)
        if op == "rsqrt":
            return b.fdiv(ir.Constant(x.type, 1.0), call_intrinsic(b, "llvm.sqrt", x))
        if op == "recip":
            return b.fdiv(ir.Constant(x.type, 1.0), x)
        if op in ("floor", "ceil", "rint", "trunc"):
            return call_intrinsic(b, f"llvm.{op}", x)
        if op == "not":
            return b.xor(x, I1(1))
        if op == "isnan":
            return b.fcmp_unordered("uno", x, x)
        if op == "isinf":
            return b.fcmp_ordered("==", call_intrinsic(b, "llvm.fabs", x), ir.Constant(x.type, math.inf))
        if op == "isfinite":
            return b.fcmp_ordered("<", call_intrinsic(b, "llvm.fabs", x), ir.Constant(x.type, math.inf))
        if op == "libm":
            return self.libm(n.attrs["name"], [x])
        raise AssertionError(f"unary LIR op {op!r} has no code (lir.UNARY)")

    def libm(self, name: str, args: list[ir.Value]) -> ir.Value:
        """`name` from mathlib (inline, branch-free: the loop still vectorizes), or a libm call
        for the names in _LIBM. Binary ones take (x, y) in C order: atan2(y, x), pow(x, y)."""
        inline = getattr(self.math, name, None) if name not in _LIBM else None
        if inline is not None:
            return inline(*args)
        t = args[0].type
        cname = name + ("f" if isinstance(t, ir.FloatType) else "")
        fn = declare(self.b.module, cname, t, [t] * len(args))
        return self.b.call(fn, args)

    def binary(self, op: str, x: ir.Value, y: ir.Value, n: L) -> ir.Value:
        b = self.b
        dtype = n.inputs[0].dtype
        fl = dtype.is_floating
        uns = dtype.is_unsigned
        if op == "add":
            return b.fadd(x, y) if fl else b.add(x, y)
        if op == "sub":
            return b.fsub(x, y) if fl else b.sub(x, y)
        if op == "mul":
            return b.fmul(x, y) if fl else b.mul(x, y)
        if op == "div":
            return b.fdiv(x, y)
        if op in ("max", "min"):
            if fl:
                pick = b.select(b.fcmp_ordered(">" if op == "max" else "<", x, y), x, y)
                return b.select(b.fcmp_unordered("uno", x, x), x, pick)
            if dtype.is_bool:
                return b.or_(x, y) if op == "max" else b.and_(x, y)
            name = ("llvm.umax" if op == "max" else "llvm.umin") if uns else ("llvm.smax" if op == "max" else "llvm.smin")
            return call_intrinsic(b, name, x, y)
        if op == "and":
            return b.and_(x, y)
        if op == "or":
            return b.or_(x, y)
        if op == "pow":
            return self.libm("pow", [x, y])
        if op == "libm2":
            return self.libm(n.attrs["name"], [x, y])
        if op == "fmod":
            return b.frem(x, y)
        if op == "fmod_floor":
            r = b.frem(x, y)
            zero = ir.Constant(x.type, 0.0)
            fix = b.and_(b.fcmp_unordered("!=", r, zero),
                         b.xor(b.fcmp_ordered("<", y, zero), b.fcmp_ordered("<", r, zero)))
            return b.select(fix, b.fadd(r, y), r)
        if op in ("idiv_trunc", "idiv_floor", "imod_trunc", "imod_floor"):
            return self.int_division(op, x, y, n, uns)
        raise AssertionError(f"binary LIR op {op!r} has no code (lir.BINARY)")

    def int_division(self, op: str, x: ir.Value, y: ir.Value, n: L, uns: bool) -> ir.Value:
        """Integer division and remainder that never trap: zero divisors report an error."""
        b = self.b
        t = x.type
        zero, one, mone = ir.Constant(t, 0), ir.Constant(t, 1), ir.Constant(t, -1)
        is0 = b.icmp_unsigned("==", y, zero)
        site = self.gen.error_site(n.origin, "div0")
        with b.if_then(is0, likely=False):
            self.report(site)
        if uns:
            ys = b.select(is0, one, y)
            if op in ("idiv_trunc", "idiv_floor"):
                return b.udiv(x, ys)
            return b.urem(x, ys)
        ism1 = b.icmp_signed("==", y, mone)
        ys = b.select(b.or_(is0, ism1), one, y)
        q = b.sdiv(x, ys)
        r = b.srem(x, ys)
        q = b.select(ism1, b.sub(zero, x), q)  # x / -1 wraps (INT_MIN / -1 == INT_MIN)
        r = b.select(ism1, zero, r)
        if op == "idiv_trunc":
            return q
        if op == "imod_trunc":
            return r
        adjust = b.and_(b.icmp_signed("!=", r, zero), b.xor(b.icmp_signed("<", r, zero), b.icmp_signed("<", y, zero)))
        if op == "idiv_floor":
            return b.select(adjust, b.sub(q, one), q)
        return b.select(adjust, b.add(r, y), r)


def _fbits(t: ir.Type) -> int:
    return 64 if isinstance(t, ir.DoubleType) else 32 if isinstance(t, ir.FloatType) else 16


# --- reductions ---------------------------------------------------------------------------------------

def reduce_identity(kind: str, dtype: DType, t: ir.Type) -> ir.Value:
    """Where an accumulator starts (a float sum at +0.0, as NumPy's and Eigen's: a sum of
    negative zeros is +0.0)."""
    if kind == "sum":
        return ir.Constant(t, 0.0 if dtype.is_floating else 0)
    if kind == "prod":
        return ir.Constant(t, 1.0 if dtype.is_floating else 1)
    if kind == "any":
        return ir.Constant(I1, 0)
    if kind == "all":
        return ir.Constant(I1, 1)
    if dtype.is_floating:
        return ir.Constant(t, -math.inf if kind == "max" else math.inf)
    if dtype.is_bool:
        return ir.Constant(I1, 0 if kind == "max" else 1)
    info = np.iinfo(dtype.np_dtype)
    return const(t, int(info.min if kind == "max" else info.max))


def identity_of(n: L) -> ir.Value:
    """The accumulator start of reduce node n."""
    return reduce_identity(n.attrs["kind"], n.dtype, compute_type(n.dtype))


def reduce_combine(b: ir.IRBuilder, kind: str, dtype: DType, acc: ir.Value, x: ir.Value) -> ir.Value:
    fl = dtype.is_floating
    if kind == "sum":
        return b.fadd(acc, x, flags=("reassoc",)) if fl else b.add(acc, x)
    if kind == "prod":
        return b.fmul(acc, x, flags=("reassoc",)) if fl else b.mul(acc, x)
    if kind == "any":
        return b.or_(acc, x)
    if kind == "all":
        return b.and_(acc, x)
    if fl:
        return call_intrinsic(b, "llvm.maximum" if kind == "max" else "llvm.minimum", acc, x)
    if dtype.is_bool:
        return b.or_(acc, x) if kind == "max" else b.and_(acc, x)
    uns = dtype.is_unsigned
    name = ("llvm.umax" if kind == "max" else "llvm.umin") if uns else ("llvm.smax" if kind == "max" else "llvm.smin")
    return call_intrinsic(b, name, acc, x)
