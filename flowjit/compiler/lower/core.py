"""The translator from graph nodes to LIR (see lir.py) and the registry of lowering rules.

A rule gets the translator, the graph node and the LIR nodes of its data inputs, and returns
one LIR node per output. It raises `Unsupported` for anything it does not handle exactly as
the reference kernel does (an attr value, a dtype, a shape-like input that is not known at
compile time): the node then runs on the host with its reference kernel, so the backend stays
complete while the native set grows.

Semantics follow the reference kernels in flowjit/ir/ops/*.py, the oracle the tests compare
against. The rules themselves live beside this module, one module per op family, mirroring
flowjit/ir/ops/.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...ir.dtypes import DType
from ...ir import dtypes
from ..lir import L, broadcast_shapes, size_of


class Unsupported(Exception):
    """The rule cannot lower this node; it runs on the host."""


Rule = Callable[["Translator", Any, list[L]], list[L]]
RULES: dict[str, Rule] = {}
NATIVE_DTYPES = {dtypes.bool_, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
                 dtypes.float16, dtypes.float32, dtypes.float64}


def rule(*names: str):
    def deco(fn: Rule) -> Rule:
        for n in names:
            RULES[n] = fn
        return fn
    return deco


class Translator:
    """Creates LIR nodes for one graph node at a time (`origin`)."""

    def __init__(self, static_value: Callable[[Any], np.ndarray | None],
                 make_const: Callable[[np.ndarray], Any] | None = None) -> None:
        self._static = static_value
        self.make_const = make_const  # ndarray -> a constant Buffer (the program builder's)
        self.origin: Any = None

    # --- construction ------------------------------------------------------------------
    def node(self, op: str, inputs: Sequence[L], dtype: DType, shape: Sequence[int], **attrs: Any) -> L:
        return L(op, inputs, dtype, shape, self.origin, **attrs)

    def const(self, value: Any, dtype: DType, shape: Sequence[int] = ()) -> L:
        return self.node("const", [], dtype, shape, value=value)

    def unary(self, op: str, x: L, dtype: DType | None = None, **attrs: Any) -> L:
        return self.node(op, [x], dtype or x.dtype, x.shape, **attrs)

    def binary(self, op: str, a: L, b: L, dtype: DType | None = None, **attrs: Any) -> L:
        return self.node(op, [a, b], dtype or a.dtype, broadcast_shapes(a.shape, b.shape), **attrs)

    def cmp(self, pred: str, a: L, b: L) -> L:
        return self.node("cmp", [a, b], dtypes.bool_, broadcast_shapes(a.shape, b.shape), pred=pred)

    def select(self, c: L, a: L, b: L) -> L:
        return self.node("select", [c, a, b], a.dtype, broadcast_shapes(c.shape, a.shape, b.shape))

    def cast(self, x: L, dtype: DType) -> L:
        if x.dtype == dtype:
            return x
        return self.node("cast", [x], dtype, x.shape)

    def reshape(self, x: L, shape: Sequence[int]) -> L:
        shape = tuple(int(d) for d in shape)
        if shape == x.shape:
            return x
        if size_of(shape) != x.size:
            raise Unsupported(f"reshape {x.shape} -> {shape}")
        return self.node("reshape", [x], x.dtype, shape)

    def reduce(self, kind: str, x: L, axes: Sequence[int], keepdims: bool, dtype: DType | None = None) -> L:
        axes = tuple(sorted({a % x.rank for a in axes})) if x.rank else ()
        if keepdims:
            shape = tuple(1 if k in axes else d for k, d in enumerate(x.shape))
        else:
            shape = tuple(d for k, d in enumerate(x.shape) if k not in axes)
        return self.node("reduce", [x], dtype or x.dtype, shape, kind=kind, axes=axes, keepdims=keepdims)

    def array(self, value: np.ndarray, dtype: DType) -> L:
        """A constant array known at compile time (made into a constant buffer by the builder)."""
        return self.node("buffer", [], dtype, value.shape, buf=self.make_const(np.ascontiguousarray(value, dtype.np_dtype)))

    def in_memory(self, x: L) -> L:
        """x as a library operand, which must live in memory: a constant scalar broadcast to a
        shape (a size-1 graph constant) becomes a constant array."""
        if x.op == "const":
            return self.array(np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype), x.dtype)
        return x

    def iota(self, shape: Sequence[int], axis: int, dtype: DType = dtypes.int64) -> L:
        return self.node("iota", [], dtype, shape, axis=axis)

    # --- static inputs -----------------------------------------------------------------
    def static(self, value: Any) -> np.ndarray:
        v = self._static(value)
        if v is None:
            raise Unsupported(f"{value.name} is not known at compile time")
        return np.asarray(v)

    def static_ints(self, value: Any) -> list[int]:
        return [int(a) for a in self.static(value).reshape(-1)]


def out_dtype(node: Any, k: int = 0) -> DType:
    return node.outputs[k].dtype


def out_shape(node: Any, k: int = 0) -> tuple[int, ...]:
    shape = node.outputs[k].shape
    if not shape.is_fully_defined():
        raise Unsupported("output shape not known")
    return tuple(shape.as_list())


def require(cond: bool, why: str = "") -> None:
    if not cond:
        raise Unsupported(why)
