"""The scatter family: checked indices, then a copy of the base and the updates in order."""

from __future__ import annotations

from typing import Any, Callable

import llvmlite.ir as ir

from ...ir.dtypes import DType
from ..lir import L, size_of
from ..llvm.emit import I1, I8, I64, PTR, VOID, declare, for_range, storage_type
from ..llvm.values import ERR_SLOT, ValueEmitter
from .base import Routine, Values, internal_function



class Scatter(Routine):
    """ScatterNd, TensorScatter* and the variable scatters: serial, every index checked first."""

    kind = "scatter"

    def work(self) -> int:
        return 2 * self.node.inputs[1].size + self.node.size

    def emit(self, gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
        """Check every index, then copy the base and apply the updates; emitted even when the
        output is empty, since the indices are still checked."""
        _scatter(gen, b, argv, call)


def _scatter(gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
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
    fn, allocas, fb = internal_function(gen, "scatter", [PTR] * len(bufs) + [PTR])
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

    ptrs = [gen.buffer_ptr(b, argv, buf) for buf in bufs]
    errp = b.load(b.gep(argv, [I64(ERR_SLOT)], source_etype=PTR), typ=PTR)
    b.call(fn, ptrs + [errp])


def _checked_offsets(gen: Any, b: ir.IRBuilder, idx: ir.Value, dtype: DType, nidx: int, depth: int,
                     dims: tuple[int, ...], n: L, err: ir.Value) -> Callable[[ir.Value], ir.Value]:
    """Emit the check of every index (return from the function at the first bad one); returns
    a function giving the slice number (row-major over `dims`) of index row i."""

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
    vals = Values(b, dtype)

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
