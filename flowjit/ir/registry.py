"""The op registry: one `OpDef` per op type, one line per concern.

An op declares
  infer(inputs, attrs) -> [OutputSpec]   dtype/shape rule, run when the node is built, so
                                         `matmul([2,3], [4,5])` fails at graph-build time;
                                         raise ValueError/TypeError with a plain message
  kernel(ctx, *arrays) -> array | tuple  the NumPy reference kernel (the oracle); returns one
                                         array for single-output ops, a tuple otherwise
  stateful                               reads or writes state / randomness: never folded,
                                         never merged by CSE, never pruned from a target
  op_class                               fusion class: elementwise < broadcast < injective <
                                         reduction < matmul < opaque
  fusion_kind                            the kind of the Fused group a matmul-class op anchors
                                         ("matmul" or "conv"; see ir/ops/fused.py)
  allowed_dtypes                         dtypes its data inputs may have (TF's type list); infer
                                         and the front end's wrappers both check it, so a wrong
                                         dtype is a TypeError at the user's call, as in TF
  ref_inputs (extra)                     input positions that name a variable without reading it
  lazy (extra)                           value produced when a consumer reads it (VariableV2)
  writes_variable (extra)                updates the variable named by attr `var` (Assign,
                                         Scatter*): reads that do not depend on it run first
  host                                   runs in the runtime between native segments (Print,
                                         Assert, queues), never compiled
  foldable (extra)                       pure and cheap: `static_value` may run the kernel at
                                         build time on small known inputs (shape arithmetic)
  partial_value (extra)                  fn(node, index) -> partially known int value (int|None
                                         or list of int|None), for `partial_shape_value`

Kernels get a `ctx` (see runtime.host.KernelContext): `ctx.node`, `ctx.attrs`,
`ctx.state` (variables, RNG), `ctx.run_graph(subgraph, args)` for structured control flow,
and `ctx.error(cls, message)` to raise an error that names the node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from .dtypes import DType
    from .graph import OutputSpec, Value

OP_CLASSES = ("elementwise", "broadcast", "injective", "reduction", "matmul", "opaque")
FUSION_KINDS = ("matmul", "conv")  # the group kinds a matmul-class anchor makes


@dataclass
class OpDef:
    name: str
    infer: Callable[[Sequence["Value"], dict[str, Any]], list["OutputSpec"]]
    kernel: Callable[..., Any]
    stateful: bool = False
    op_class: str = "opaque"
    host: bool = False
    num_inputs: int | None = None  # None: variadic (checked by infer)
    doc: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    allowed_dtypes: tuple["DType", ...] | None = None  # None: infer decides alone
    fusion_kind: str | None = None  # matmul-class ops only


_REGISTRY: dict[str, OpDef] = {}


def register_op(name: str, *, infer: Callable, kernel: Callable, stateful: bool = False,
                op_class: str = "opaque", host: bool = False, num_inputs: int | None = None,
                doc: str = "", allowed_dtypes: Sequence["DType"] | None = None, fusion_kind: str | None = None,
                **extra: Any) -> OpDef:
    """Register an op type; registering a name twice is an error (ops are global facts)."""
    if name in _REGISTRY:
        raise ValueError(f"op {name!r} is already registered")
    if op_class not in OP_CLASSES:
        raise ValueError(f"op_class must be one of {OP_CLASSES}, got {op_class!r}")
    if op_class == "matmul":
        fusion_kind = fusion_kind or "matmul"
        if fusion_kind not in FUSION_KINDS:
            raise ValueError(f"fusion_kind must be one of {FUSION_KINDS}, got {fusion_kind!r}")
    elif fusion_kind is not None:
        raise ValueError(f"{name}: only matmul-class ops anchor a fused group (fusion_kind {fusion_kind!r})")

    if num_inputs is not None:
        inner = infer

        def infer(inputs, attrs, _inner=inner, _n=num_inputs, _name=name):  # type: ignore[no-redef]
            if len(inputs) != _n:
                raise ValueError(f"{_name} takes {_n} inputs, got {len(inputs)}")
            return _inner(inputs, attrs)

    opdef = OpDef(name, infer, kernel, stateful, op_class, host, num_inputs, doc, dict(extra),
                  None if allowed_dtypes is None else tuple(allowed_dtypes), fusion_kind)
    _REGISTRY[name] = opdef
    return opdef


def get_op(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"op type {name!r} is not registered") from None


def has_op(name: str) -> bool:
    return name in _REGISTRY


def all_ops() -> dict[str, OpDef]:
    return dict(_REGISTRY)




def static_value(value: "Value") -> np.ndarray | None:
    """The value of `value` if it is known while building the graph, else None.

    Used by inference rules (e.g. Reshape's shape argument). Knows Const, Shape/Size/Rank of
    statically shaped inputs, Identity/Cast/Pack of known values, and ops registered
    `foldable` whose inputs are small and known.
    """
    node = value.node
    op = node.op
    if op == "Const":
        return node.attrs["value"]
    if op == "Shape":
        shape = node.inputs[0].shape
        if shape.is_fully_defined():
            return np.array(shape.as_list(), dtype=node.outputs[0].dtype.np_dtype)
    if op == "Size":
        n = node.inputs[0].shape.num_elements()
        if n is not None:
            return np.array(n, dtype=node.outputs[0].dtype.np_dtype)
    if op == "Rank":
        r = node.inputs[0].shape.rank
        if r is not None:
            return np.array(r, dtype=np.int32)
    if op in ("Identity", "StopGradient"):
        return static_value(node.inputs[0])
    if op == "Cast":
        inner = static_value(node.inputs[0])
        if inner is not None:
            return inner.astype(node.outputs[0].dtype.np_dtype)
    if op == "Pack":
        parts = [static_value(v) for v in node.inputs]
        if all(p is not None for p in parts):
            return np.stack(parts, axis=node.attrs.get("axis", 0))
    opdef = _REGISTRY.get(op)
    if opdef is not None and opdef.extra.get("foldable"):
        return _fold(node, value.index)
    return None


_FOLD_LIMIT = 1024  # elements; folding is for shape-sized tensors, never for data


class _FoldContext:
    """The little a `foldable` op's kernel may use when it runs at graph-build time."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = node

    @property
    def attrs(self) -> dict[str, Any]:
        return self.node.attrs

    def error(self, cls: type, message: str) -> Exception:
        return cls(None, None, message)


def _fold(node: Any, index: int) -> np.ndarray | None:
    """Evaluate a `foldable` op (pure, cheap: Reshape, StridedSlice, ConcatV2 ...) whose inputs
    are all known while building, so shape arithmetic like `tf.shape(x)[1:]` stays static."""
    for shape in [v.shape for v in node.inputs] + [node.outputs[index].shape]:
        n = shape.num_elements()
        if n is None or n > _FOLD_LIMIT:
            return None
    args = [static_value(v) for v in node.inputs]
    if any(a is None for a in args):
        return None
    try:
        result = _REGISTRY[node.op].kernel(_FoldContext(node), *args)
    except Exception:  # invalid at run time too; the kernel will say so then
        return None
    out = np.asarray(result if len(node.outputs) == 1 else result[index])
    spec = node.outputs[index]
    if out.dtype != spec.dtype.np_dtype or not spec.shape.is_compatible_with(out.shape):
        return None
    return out


def partial_shape_value(value: "Value"):
    """Like `static_value` for a 1-D shape tensor, but allows unknown entries (None).

    Returns a list of int|None, or None when even the length is unknown.
    """
    known = static_value(value)
    if known is not None:
        return [int(d) for d in np.asarray(known).reshape(-1)]
    node = value.node
    if node.op == "Shape":
        shape = node.inputs[0].shape
        return None if shape.rank is None else shape.as_list()
    if node.op == "Pack":
        out = []
        for v in node.inputs:
            s = partial_scalar_value(v)
            out.append(None if s is None else int(s))
        return out
    if node.op == "ConcatV2":
        out = []
        for v in node.inputs[:-1]:
            part = partial_shape_value(v)
            if part is None:
                return None
            out.extend(part)
        return out
    hook = _partial_hook(node)
    if hook is not None:
        part = hook(node, value.index)
        if isinstance(part, list):
            return part
    if value.shape.is_fully_defined() and value.shape.rank == 1:
        return [None] * value.shape.as_list()[0]
    return None


def partial_scalar_value(value: "Value") -> int | None:
    """A scalar int known while building (`tf.shape(x)[1]` where dim 1 of x is static), else None."""
    known = static_value(value)
    if known is not None:
        return int(np.asarray(known).reshape(-1)[0]) if np.size(known) == 1 else None
    hook = _partial_hook(value.node)
    if hook is not None:
        part = hook(value.node, value.index)
        if part is not None and not isinstance(part, list):
            return int(part)
    return None


def _partial_hook(node: Any) -> Callable | None:
    """An op's `partial_value(node, index)` rule: a partially known value of a small int tensor,
    as an int|None (0-d) or a list of int|None (1-d); e.g. StridedSlice of a Shape."""
    opdef = _REGISTRY.get(node.op)
    return None if opdef is None else opdef.extra.get("partial_value")
