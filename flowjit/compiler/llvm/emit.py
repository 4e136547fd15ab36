"""Small helpers over llvmlite.ir shared by the code generators."""

from __future__ import annotations

from typing import Callable

import llvmlite.ir as ir

from ...ir import dtypes

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I16 = ir.IntType(16)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
F16 = ir.HalfType()
F32 = ir.FloatType()
F64 = ir.DoubleType()
PTR = ir.PointerType()
VOID = ir.VoidType()


def type_suffix(t: ir.Type) -> str:
    """LLVM's intrinsic name mangling for one overloaded type: f32, f64, i32, v8f32 ..."""
    if isinstance(t, ir.VectorType):
        return f"v{t.count}{type_suffix(t.element)}"
    if isinstance(t, ir.FloatType):
        return "f32"
    if isinstance(t, ir.DoubleType):
        return "f64"
    if isinstance(t, ir.HalfType):
        return "f16"
    if isinstance(t, ir.IntType):
        return f"i{t.width}"
    if isinstance(t, ir.PointerType):
        return "p0"
    raise TypeError(f"no intrinsic suffix for {t}")


def declare(module: ir.Module, name: str, ret: ir.Type, args: list[ir.Type], overloads: list[ir.Type] | None = None,
            var_arg: bool = False) -> ir.Function:
    """Declare (once per module) intrinsic `name` mangled by `overloads` (default: [ret])."""
    if name.startswith("llvm."):
        over = [ret] if overloads is None else overloads
        full = name + "".join("." + type_suffix(t) for t in over)
    else:
        full = name
    existing = module.globals.get(full)
    if existing is not None:
        return existing
    return ir.Function(module, ir.FunctionType(ret, args, var_arg=var_arg), full)


def call_intrinsic(builder: ir.IRBuilder, name: str, *args: ir.Value, ret: ir.Type | None = None) -> ir.Value:
    """Call an overloaded intrinsic whose result and arguments share the first argument's type."""
    t = args[0].type if ret is None else ret
    fn = declare(builder.module, name, t, [a.type for a in args], [t])
    return builder.call(fn, list(args))


def storage_type(dtype: dtypes.DType) -> ir.Type:
    """How a dtype is laid out in memory."""
    kind = dtype.np_dtype.kind
    size = dtype.np_dtype.itemsize
    if kind == "f":
        return {2: F16, 4: F32, 8: F64}[size]
    if kind in "iub":
        return ir.IntType(8 * size)
    raise TypeError(f"dtype {dtype.name} has no native representation")


def compute_type(dtype: dtypes.DType) -> ir.Type:
    """How a dtype is held in registers: bool as i1, float16 as float."""
    if dtype.is_bool:
        return I1
    if dtype == dtypes.float16:
        return F32
    return storage_type(dtype)


def is_float_type(t: ir.Type) -> bool:
    if isinstance(t, ir.VectorType):
        t = t.element
    return isinstance(t, (ir.FloatType, ir.DoubleType, ir.HalfType))


def const(t: ir.Type, value) -> ir.Constant:
    if isinstance(t, ir.VectorType):
        return ir.Constant(t, [ir.Constant(t.element, value)] * t.count)
    if isinstance(t, ir.IntType):
        v = int(value)
        if t.width == 1:
            return ir.Constant(t, 1 if v else 0)
        v &= (1 << t.width) - 1
        if v >= 1 << (t.width - 1):
            v -= 1 << t.width
        return ir.Constant(t, v)
    return ir.Constant(t, float(value))


def indirect_call(builder: ir.IRBuilder, fnptr: ir.Value, fnty: ir.FunctionType, args: list[ir.Value]) -> ir.Value:
    """Call through an opaque pointer (llvmlite reads the callee's type from `function_type`)."""
    return builder.call(_Callee(fnptr, fnty), args)


class _Callee:
    """A pointer operand that knows the type of the function it points to."""

    def __init__(self, ptr: ir.Value, fnty: ir.FunctionType) -> None:
        self._ptr = ptr
        self.function_type = fnty
        self.type = ptr.type

    def get_reference(self) -> str:
        return self._ptr.get_reference()

    def __getattr__(self, name: str):
        return getattr(self._ptr, name)


class LoopHint:
    """`!llvm.loop` metadata asking the vectorizer to interleave (emitted as raw text)."""

    _next = 100000

    def __init__(self, interleave: int) -> None:
        self.id = LoopHint._next
        LoopHint._next += 2
        self.interleave = interleave

    def get_reference(self) -> str:
        return f"!{self.id}"

    def definition(self) -> str:
        return (f"!{self.id} = distinct !{{!{self.id}, !{self.id + 1}}}\n"
                f"!{self.id + 1} = !{{!\"llvm.loop.interleave.count\", i32 {self.interleave}}}\n")


def for_range(b: ir.IRBuilder, start: ir.Value, end: ir.Value, body: Callable[[ir.Value], None],
              name: str = "i", hint: LoopHint | None = None) -> None:
    """for (i = start; i < end; ++i) body(i), in rotated form."""
    fn = b.function
    pre = b.block
    loop = fn.append_basic_block(f"{name}.loop")
    done = fn.append_basic_block(f"{name}.done")
    b.cbranch(b.icmp_signed("<", start, end), loop, done)
    b.position_at_end(loop)
    i = b.phi(I64, name=name)
    i.add_incoming(start, pre)
    body(i)
    nxt = b.add(i, I64(1), flags=("nuw", "nsw"))
    i.add_incoming(nxt, b.block)
    br = b.cbranch(b.icmp_signed("<", nxt, end), loop, done)
    if hint is not None:
        br.set_metadata("llvm.loop", hint)
    b.position_at_end(done)
