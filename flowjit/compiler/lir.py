"""The lowering IR (LIR): small tensor-expression nodes between the graph IR and LLVM.

Graph ops are translated (compiler/lower/) into LIR nodes of a small fixed vocabulary, which
the scheduler groups into loop nests and the code generator emits. Every node has a concrete
shape (tuple of ints) and a flowjit DType; `origin` is the graph node it came from (for error
messages).

Vocabulary (attrs in brackets):
  leaves        buffer [buf]                 data materialized in memory (feed, variable,
                                             constant, host output, or another kernel's result)
                const [value]                a scalar broadcast to `shape`
                iota [axis]                  the index along `axis` (int64)
  elementwise   unary ops (UNARY), binary ops (BINARY), cmp [pred], select, cast
                (inputs broadcast to the node's shape by NumPy rules)
  index maps    reshape, transpose [perm], slice [begin, step], pad (below), concat [axis],
                gather [axis] (checks indices), gather_nd (checks indices), unslice [begin, step]
                (the adjoint of a strided slice: zeros around), tile, broadcast (explicit),
                check [lo, hi, what],
                window [kh, kw, sh, sw, dh, dw, pt, pl, lhs] (the taps of a 2-D NHWC window:
                [N, OH, OW, KH, KW, C]; input 1 is the value outside the input)
                pad [pads, mode]             pads: (before, after) per dim; mode "CONSTANT" (the
                                             default; input 1 is the value outside), "REFLECT"
                                             or "SYMMETRIC" (MirrorPad's index maps: no input 1)
  reductions    reduce [kind, axes, keepdims]   kind: sum prod max min any all
  library       (inputs and output materialized in row-major buffers; a library node closes
                its kernel and is emitted as a `Call`, see compiler/schedule/ and codegen.py)
                matmul [ta, tb]                 batched, broadcast batch dims
                routine [kind, ...]             compiler/routines/, one LLVM function per call:
                  scan [axis, fn, exclusive, reverse]   running sum/prod along `axis` (Cumsum,
                                                        Cumprod; fn sum or prod), sequential
                  topk [k]                       int32 indices of the k largest of every last-axis
                                                 row, largest first, ties by lower index, NaN
                                                 largest
                  scatter [mode, depth, base]    inputs (indices [N, depth], updates [N, S][,
                                                 base]): a copy of base (zeros without one) with
                                                 updates written (mode update) or added (add,
                                                 sub) at the indexed slices; indices are checked
                                                 before anything is written (error kind "index")
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

from ..ir import dtypes
from ..ir.dtypes import DType

UNARY = {
    "neg", "abs", "sign", "square", "exp", "expm1", "log", "log1p", "tanh", "sigmoid", "softplus",
    "sqrt", "rsqrt", "recip", "floor", "ceil", "rint", "trunc", "not", "isnan", "isinf", "isfinite",
    "libm",  # attrs name: a math function (sin, cos, erf, ...) inlined from compiler/llvm/mathlib.py
}
BINARY = {
    "add", "sub", "mul", "div", "max", "min", "pow", "and", "or",
    "idiv_trunc", "idiv_floor", "imod_trunc", "imod_floor",  # integer division (checked for zero)
    "fmod", "fmod_floor",  # float remainders: C fmod, and TF's FloorMod
    "libm2",  # attrs name: a two-argument math function (atan2), inlined from compiler/llvm/mathlib.py
}
ELEMENTWISE = UNARY | BINARY | {"cmp", "select", "cast", "const", "iota"}
INDEX_MAPS = {"reshape", "transpose", "slice", "pad", "concat", "gather", "gather_nd", "tile", "broadcast", "check",
              "window", "unslice"}
REDUCE_KINDS = ("sum", "prod", "max", "min", "any", "all")
LIBRARY = frozenset({"matmul", "routine"})  # materialized operands, emitted as library Calls
CHECKED = frozenset({"gather", "gather_nd", "check", "idiv_trunc", "idiv_floor", "imod_trunc",
                     "imod_floor"})  # ops whose code may record a run-time error

_ids = itertools.count()


class L:
    """One LIR node."""

    __slots__ = ("op", "inputs", "attrs", "dtype", "shape", "origin", "id")

    def __init__(self, op: str, inputs: Sequence["L"], dtype: DType, shape: Sequence[int], origin: Any = None,
                 **attrs: Any) -> None:
        self.op = op
        self.inputs = list(inputs)
        self.attrs = attrs
        self.dtype = dtype
        self.shape = tuple(int(d) for d in shape)
        self.origin = origin
        self.id = next(_ids)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def rank(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items() if k != "buf")
        return f"<L{self.id} {self.op}({', '.join('L%d' % i.id for i in self.inputs)}) {self.dtype.name}{list(self.shape)} {extra}>"


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for k in range(rank):
        dims = {s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def size_of(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def strides_of(shape: Sequence[int]) -> tuple[int, ...]:
    """Row-major element strides."""
    out = [0] * len(shape)
    s = 1
    for k in range(len(shape) - 1, -1, -1):
        out[k] = s
        s *= shape[k]
    return tuple(out)


def is_elementwise(n: L) -> bool:
    return n.op in ELEMENTWISE


def work_dtype(dtype: DType) -> DType:
    """float16 arithmetic runs in float32."""
    return dtypes.float32 if dtype == dtypes.float16 else dtype


def reports_errors(n: L) -> bool:
    """Whether the code of `n` may record a run-time error (its kernel then checks the record)."""
    return n.op in CHECKED or (n.op == "routine" and n.attrs.get("kind") == "scatter")
