"""What every library routine is: a `Routine` plans its Call (work, workspace, parallel tasks)
for the scheduler and emits its LLVM function for codegen, so the two never disagree; plus the
helpers the routines share (typed loads and stores, internal functions, locals, the launch of
task-parallel routines on the thread pool)."""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import llvmlite.ir as ir

from ...ir import dtypes
from ...ir.dtypes import DType
from ..lir import L
from ..llvm.emit import F32, I64, PTR, VOID, compute_type, storage_type
from ..targets.cpu.parallel import TASK_TYPE

CHUNKS_PER_THREAD = 8


class Routine(abc.ABC):
    """One LIR `routine` node (attr `kind`): planned by the scheduler, emitted by codegen."""

    kind: ClassVar[str]

    def __init__(self, node: L) -> None:
        self.node = node

    def tasks(self) -> int:
        """Independent pieces of work that may run in parallel (0: a serial routine)."""
        return 0

    def workspace(self) -> int:
        """Bytes of scratch space one thread needs."""
        return 0

    @abc.abstractmethod
    def work(self) -> int:
        """An estimate of the work, in element operations (decides whether to go parallel)."""

    @abc.abstractmethod
    def emit(self, gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
        """Emit the routine for `call` (a program Call of this node) and call it from `b`."""


def key_size(dtype: DType) -> int:
    """Bytes of a sort key (float16 keys are held as float32)."""
    return 4 if dtype == dtypes.float16 else dtype.size


def round64(nbytes: int) -> int:
    return (nbytes + 63) // 64 * 64



class Values:
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



def internal_function(gen: Any, name: str, args: list[ir.Type]) -> tuple[ir.Function, ir.IRBuilder, ir.IRBuilder]:
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


def local_var(allocas: ir.IRBuilder, b: ir.IRBuilder, t: ir.Type, init: ir.Value) -> ir.Value:
    """A mutable local (an entry-block alloca, promoted to registers by LLVM)."""
    slot = allocas.alloca(t)
    b.store(init, slot)
    return slot



class ParallelRoutine(Routine):
    """A routine run as tasks [0, ntasks) split into chunks on the thread pool (or serially):
    `body(ptrs..., first task, end task, tid)` with noalias pointers to distinct buffers."""

    name = "routine"

    def emit(self, gen: Any, b: ir.IRBuilder, argv: ir.Value, call: Any) -> None:
        if self.node.size == 0:
            return
        self.gen = gen
        self.call = call
        self.buffers = [call.output] + list(call.inputs)
        ntasks = self.tasks()
        if ntasks == 0:
            return
        threads = max(1, gen.program.nthreads)
        chunks = min(ntasks, CHUNKS_PER_THREAD * threads) if self.call.parallel else 1
        per = -(-ntasks // chunks)
        body = self.bodyinternal_function()
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

    def bodyinternal_function(self) -> ir.Function:
        nptr = len(self.buffers) + (self.call.workspace is not None)
        fn, allocas, b = internal_function(self.gen, f"{self.name}_body", [PTR] * nptr + [I64, I64, I64])
        for a in fn.args[:nptr]:
            a.add_attribute("noalias")
        self.emit_body(fn, allocas, b)
        b.ret_void()
        return fn

    @abc.abstractmethod
    def emit_body(self, fn: ir.Function, allocas: ir.IRBuilder, b: ir.IRBuilder) -> None:
        """The loop over tasks [lo, hi) of one chunk (each routine's own)."""


