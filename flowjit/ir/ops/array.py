"""Array ops: shapes, reshaping, slicing, joining, gathering and scattering (TF's array_ops).

Shape-valued operands (Reshape's shape, Tile's multiples, Slice's begin and size, the axis of
ConcatV2 ...) are input tensors, as in TF. Inference reads them with `static_value` /
`partial_shape_value` when they are known while building, and falls back to unknown dims
otherwise; the kernels read the run-time arrays and check them again, so a fed value that
contradicts the graph gets an InvalidArgumentError naming the node.

The small, pure ops are registered `foldable`, so shape arithmetic such as
`tf.reshape(x, tf.concat([tf.shape(x)[:1], [-1]], 0))` keeps static shapes.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import errors
from ..dtypes import DType, int32, int64, string, uint8
from ..graph import Value
from ..registry import partial_shape_value, register_op, static_value
from ..shapes import TensorShape, unknown_shape
from ._util import require_same_dtype, same_as_input, spec

INDEX_DTYPES = (int32, int64)

# --- helpers ----------------------------------------------------------------------------


def _require_index(op: str, v: Value, what: str, allowed: Sequence[DType] = INDEX_DTYPES) -> None:
    if v.dtype not in allowed:
        raise TypeError(f"{op} {what} must be {' or '.join(d.name for d in allowed)}, got {v.dtype.name}")


def _require_rank(v: Value, ranks: Sequence[int], what: str) -> None:
    r = v.shape.rank
    if r is not None and r not in ranks:
        want = " or ".join(str(k) for k in ranks)
        raise ValueError(f"{what} must be rank {want}, but is rank {r} (shape {v.shape})")


def _scalar_value(v: Value) -> int | None:
    """A static int from a scalar (or one-element) index tensor."""
    known = static_value(v)
    if known is None:
        return None
    arr = np.asarray(known).reshape(-1)
    return int(arr[0]) if arr.size == 1 else None


def _dims(v: Value) -> list[int | None] | None:
    return None if v.shape.dims is None else list(v.shape.dims)


def _vector_len(v: Value) -> int | None:
    """The static length of a 1-D tensor, else None."""
    if v.shape.rank == 1:
        return v.shape.dims[0]
    return None


def _fmt(shape: Any) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _run_error(ctx: Any, message: str) -> Exception:
    return ctx.error(errors.InvalidArgumentError, message)


def _prod(values: Sequence[int]) -> int:
    n = 1
    for v in values:
        n *= int(v)
    return n


def _index_vector(ctx: Any, arr: np.ndarray, what: str) -> list[int]:
    arr = np.asarray(arr)
    if arr.ndim != 1:
        raise _run_error(ctx, f"{what} must be a vector, got shape {list(arr.shape)}")
    return [int(d) for d in arr]


def _reg(name: str, infer: Any, kernel: Any, op_class: str = "injective", *, foldable: bool = True,
         **kwargs: Any) -> None:
    register_op(name, infer=infer, kernel=kernel, op_class=op_class, foldable=foldable, **kwargs)


# --- Shape, ShapeN, Size, Rank ----------------------------------------------------------


def _out_type(attrs: dict) -> DType:
    out_type = attrs.get("out_type", int32)
    if out_type not in INDEX_DTYPES:
        raise TypeError(f"out_type must be int32 or int64, got {out_type}")
    return out_type


def _shape_n_kernel(ctx, *xs):
    return tuple(np.array(np.shape(x), dtype=ctx.attrs.get("out_type", int32).np_dtype) for x in xs)


def _shape_n_partial(node, index):
    dims = node.inputs[index].shape.dims
    return None if dims is None else list(dims)


register_op("Shape", infer=lambda inputs, attrs: [spec(_out_type(attrs), [inputs[0].shape.rank])],
            kernel=lambda ctx, x: _shape_n_kernel(ctx, x)[0], num_inputs=1, op_class="opaque",
            doc="The shape of input 0 as a vector; attr out_type (int32|int64).")
register_op("ShapeN", infer=lambda inputs, attrs: [spec(_out_type(attrs), [v.shape.rank]) for v in inputs],
            kernel=_shape_n_kernel, op_class="opaque", partial_value=_shape_n_partial,
            doc="The shapes of N inputs; attrs N, out_type.")
register_op("Size", infer=lambda inputs, attrs: [spec(_out_type(attrs), [])], num_inputs=1, op_class="opaque",
            kernel=lambda ctx, x: np.array(np.size(x), dtype=ctx.attrs.get("out_type", int32).np_dtype))
register_op("Rank", infer=lambda inputs, attrs: [spec(int32, [])], num_inputs=1, op_class="opaque",
            kernel=lambda ctx, x: np.array(np.ndim(x), dtype=np.int32))


# --- Reshape ----------------------------------------------------------------------------


def _reshape_dims(in_dims: list[int | None] | None, target: list[int | None], runtime: bool = False) -> list[int | None]:
    """TF's Reshape rule: one -1 is inferred; sizes must agree. Raises ValueError.

    `target` entries are ints (-1 to infer) or None (unknown while building). With a zero in
    `target`, the -1 is inferred from the non-zero dims only, as TF does.
    """
    minus = [i for i, d in enumerate(target) if d == -1]
    if len(minus) > 1:
        raise ValueError(f"Only one input size may be -1, not both {minus[0]} and {minus[1]}")
    for i, d in enumerate(target):
        if d is not None and d < -1:
            raise ValueError(f"Size {i} must be non-negative, not {d}")
    out = [None if d == -1 else d for d in target]
    if in_dims is None or any(d is None for d in in_dims):
        if in_dims is not None and 0 in in_dims and not minus and None not in target and 0 not in target:
            raise ValueError(f"Cannot reshape a tensor with 0 elements to shape {_fmt(target)} "
                             f"({_prod(target)} elements)")
        return out
    n_in = _prod(in_dims)
    if None in target:
        return out
    if minus:
        has_zero = 0 in target
        product = _prod([d for d in target if d not in (-1, 0)])
        n_eff = _prod([d for d in in_dims if d > 0 or not has_zero])
        missing = n_eff // product
        if 0 not in in_dims or not has_zero:
            if product * missing != n_eff:
                raise ValueError(f"Input to reshape is a tensor with {n_in} values, but the requested shape "
                                 f"requires a multiple of {product}")
        out[minus[0]] = missing
    if _prod(out) != n_in:  # type: ignore[arg-type]
        if runtime:
            raise ValueError(f"Input to reshape is a tensor with {n_in} values, but the requested shape has "
                             f"{_prod(out)}")  # type: ignore[arg-type]
        raise ValueError(f"Cannot reshape a tensor with {n_in} elements to shape {_fmt(target)} "
                         f"({_prod(out)} elements)")  # type: ignore[arg-type]
    return out


def _reshape_infer(inputs, attrs):
    x, shape = inputs
    _require_index("Reshape", shape, "shape")
    _require_rank(shape, (1,), "Reshape shape")
    target = partial_shape_value(shape)
    if target is None:
        return [spec(x.dtype, unknown_shape(_vector_len(shape)))]
    return [spec(x.dtype, _reshape_dims(_dims(x), target))]


def _reshape_kernel(ctx, x, shape):
    target = _index_vector(ctx, shape, "shape")
    try:
        out = _reshape_dims(list(x.shape), target, runtime=True)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return x.reshape(out)


_reg("Reshape", _reshape_infer, _reshape_kernel, num_inputs=2,
     doc="Reshape(tensor, shape): one -1 in shape is inferred.")


# --- Transpose, InvertPermutation -------------------------------------------------------


def _check_perm(perm: list[int], rank: int | None) -> list[int]:
    n = len(perm)
    if rank is not None and n != rank:
        raise ValueError(f"Dimension must be {rank} but is {n} (transpose permutation {perm} for a rank-{rank} tensor)")
    fixed = [p + n if p < 0 else p for p in perm]
    if sorted(fixed) != list(range(n)):
        raise ValueError(f"{perm} is not a permutation of [0, ..., {n - 1}]")
    return fixed


def _transpose_infer(inputs, attrs):
    x, perm = inputs
    _require_index("Transpose", perm, "perm")
    _require_rank(perm, (1,), "Transpose perm")
    known = static_value(perm)
    rank = x.shape.rank
    if known is None:
        return [spec(x.dtype, unknown_shape(rank if rank is not None else _vector_len(perm)))]
    p = _check_perm([int(v) for v in known], rank)
    if rank is None:
        return [spec(x.dtype, unknown_shape(len(p)))]
    return [spec(x.dtype, [x.shape.dims[i] for i in p])]


def _transpose_kernel(ctx, x, perm):
    try:
        p = _check_perm(_index_vector(ctx, perm, "perm"), x.ndim)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return np.transpose(x, p)


_reg("Transpose", _transpose_infer, _transpose_kernel, num_inputs=2, doc="Transpose(x, perm).")


def _invert_permutation_kernel(ctx, x):
    n = x.shape[0] if x.ndim == 1 else -1
    if x.ndim != 1:
        raise _run_error(ctx, f"invert_permutation expects a 1-D vector, got shape {list(x.shape)}")
    out = np.full(n, -1, dtype=x.dtype)
    for i, d in enumerate(x):
        if not 0 <= d < n:
            raise _run_error(ctx, f"{int(d)} is not between 0 and {n}")
        if out[d] != -1:
            raise _run_error(ctx, f"{int(d)} is duplicated in the input.")
        out[d] = i
    return out


def _invert_permutation_infer(inputs, attrs):
    _require_index("InvertPermutation", inputs[0], "input")
    _require_rank(inputs[0], (1,), "InvertPermutation input")
    return [spec(inputs[0].dtype, [_vector_len(inputs[0])])]


_reg("InvertPermutation", _invert_permutation_infer, _invert_permutation_kernel, "opaque", num_inputs=1)


# --- ConcatV2, Pack, Unpack -------------------------------------------------------------


def _merge_dims(shapes: Sequence[TensorShape], skip: int | None = None) -> list[int | None]:
    """Merge equal-rank shapes dim by dim (except `skip`), raising on a known mismatch."""
    out = list(shapes[0].dims)
    for s in shapes[1:]:
        for i, d in enumerate(s.dims):
            if i == skip or d is None:
                continue
            if out[i] is None:
                out[i] = d
            elif out[i] != d:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {out[i]} and {d}. "
                                 f"Shapes are {_fmt(shapes[0].dims)} and {_fmt(s.dims)}.")
    return out


def _concat_infer(inputs, attrs):
    values, axis = list(inputs[:-1]), inputs[-1]
    if not values:
        raise ValueError("ConcatV2 needs at least one value")
    dtype = require_same_dtype("ConcatV2", values)
    _require_index("ConcatV2", axis, "axis")
    _require_rank(axis, (0,), "ConcatV2 axis")
    known = [v.shape for v in values if v.shape.rank is not None]
    ranks = {s.rank for s in known}
    if len(ranks) > 1:
        a, b = sorted(ranks)[:2]
        raise ValueError(f"Shape must be rank {a} but is rank {b}: all values of ConcatV2 need one rank")
    rank = known[0].rank if known else None
    if rank == 0:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    a = _scalar_value(axis)
    if rank is None or a is None:
        return [spec(dtype, unknown_shape(rank))]
    if not -rank <= a < rank:
        raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range [{-rank}, {rank}), but got {a}")
    a %= rank
    out = _merge_dims(known, skip=a)
    sizes = [v.shape.dims[a] if v.shape.rank is not None else None for v in values]
    out[a] = None if any(s is None for s in sizes) else sum(sizes)
    return [spec(dtype, out)]


def _concat_kernel(ctx, *arrays):
    values, axis = arrays[:-1], int(np.asarray(arrays[-1]).reshape(-1)[0])
    rank = values[0].ndim
    if rank == 0:
        raise _run_error(ctx, "Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        raise _run_error(ctx, f"ConcatOp : Expected concatenating dimensions in the range [{-rank}, {rank}), "
                              f"but got {axis}")
    axis %= rank
    first = values[0].shape
    for k, v in enumerate(values[1:], 1):
        if v.ndim != rank:
            raise _run_error(ctx, f"ConcatOp : Ranks of all input tensors should match: shape[0] = {_fmt(first)} "
                                  f"vs. shape[{k}] = {_fmt(v.shape)}")
        for i, (a, b) in enumerate(zip(first, v.shape)):
            if i != axis and a != b:
                raise _run_error(ctx, f"ConcatOp : Dimension {i} in both shapes must be equal: shape[0] = "
                                      f"{_fmt(first)} vs. shape[{k}] = {_fmt(v.shape)}")
    if len(values) == 1:
        return values[0]
    return np.concatenate(values, axis=axis)


_reg("ConcatV2", _concat_infer, _concat_kernel, doc="ConcatV2(values..., axis); attr N.")


def _pack_infer(inputs, attrs):
    if not inputs:
        raise ValueError("Pack needs at least one value")
    dtype = require_same_dtype("Pack", inputs)
    known = [v.shape for v in inputs if v.shape.rank is not None]
    ranks = {s.rank for s in known}
    if len(ranks) > 1:
        a, b = sorted(ranks)[:2]
        raise ValueError(f"Shapes must be equal rank, but are {a} and {b}")
    axis = attrs.get("axis", 0)
    if not known:
        return [spec(dtype, unknown_shape())]
    rank = known[0].rank
    if not -(rank + 1) <= axis <= rank:
        raise ValueError(f"axis = {axis} not in [{-(rank + 1)}, {rank + 1})")
    if axis < 0:
        axis += rank + 1
    out = _merge_dims(known)
    return [spec(dtype, out[:axis] + [len(inputs)] + out[axis:])]


def _pack_kernel(ctx, *values):
    first = values[0].shape
    for k, v in enumerate(values[1:], 1):
        if v.shape != first:
            raise _run_error(ctx, f"Shapes of all inputs must match: values[0].shape = {_fmt(first)} != "
                                  f"values[{k}].shape = {_fmt(v.shape)}")
    axis = ctx.attrs.get("axis", 0)
    if not -(len(first) + 1) <= axis <= len(first):
        raise _run_error(ctx, f"axis = {axis} not in [{-(len(first) + 1)}, {len(first) + 1})")
    return np.stack(values, axis=axis)


_reg("Pack", _pack_infer, _pack_kernel, doc="Pack(values...); attrs N, axis.")


def _unpack_infer(inputs, attrs):
    (x,) = inputs
    num, axis = attrs["num"], attrs.get("axis", 0)
    if num is None or num < 0:
        raise ValueError(f"Unpack needs a non-negative attr num, got {num}")
    if x.shape.rank is None:
        return [spec(x.dtype, unknown_shape()) for _ in range(num)]
    rank = x.shape.rank
    if not -rank <= axis < rank:
        raise ValueError(f"axis = {axis} not in [{-rank}, {rank})")
    axis %= rank
    d = x.shape.dims[axis]
    if d is not None and d != num:
        raise ValueError(f"Dimension must be {num} but is {d} (unstacking axis {axis} of shape {x.shape})")
    rest = list(x.shape.dims[:axis]) + list(x.shape.dims[axis + 1:])
    return [spec(x.dtype, rest) for _ in range(num)]


def _unpack_kernel(ctx, x):
    num, axis = ctx.attrs["num"], ctx.attrs.get("axis", 0)
    if not -x.ndim <= axis < x.ndim:
        raise _run_error(ctx, f"axis = {axis} not in [{-x.ndim}, {x.ndim})")
    axis %= x.ndim
    if x.shape[axis] != num:
        raise _run_error(ctx, f"Input shape axis {axis} must equal {num}, got shape {_fmt(x.shape)}")
    return tuple(np.take(x, i, axis=axis) for i in range(num))


_reg("Unpack", _unpack_infer, _unpack_kernel, num_inputs=1, doc="Unpack(value); attrs num, axis.")


# --- Split, SplitV ----------------------------------------------------------------------


def _split_axis(op: str, axis: Value, x: Value) -> int | None:
    _require_index(op, axis, "split_dim", (int32, int64))
    _require_rank(axis, (0,), f"{op} split_dim")
    a = _scalar_value(axis)
    rank = x.shape.rank
    if a is None or rank is None:
        return None
    if not -rank <= a < rank:
        raise ValueError(f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {a}")
    return a % rank


def _split_infer(inputs, attrs):
    axis, x = inputs
    n = attrs["num_split"]
    if n < 1:
        raise ValueError(f"num_split must be >= 1, got {n}")
    a = _split_axis("Split", axis, x)
    if a is None:
        return [spec(x.dtype, unknown_shape(x.shape.rank)) for _ in range(n)]
    dims = list(x.shape.dims)
    if dims[a] is not None:
        if dims[a] % n:
            raise ValueError(f"Dimension size must be evenly divisible by {n} but is {dims[a]}")
        dims[a] //= n
    return [spec(x.dtype, dims) for _ in range(n)]


def _split_kernel(ctx, axis, x):
    n = ctx.attrs["num_split"]
    rank = x.ndim
    a = int(axis)
    if not -rank <= a < rank:
        raise _run_error(ctx, f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {a}")
    a %= rank
    if x.shape[a] % n:
        raise _run_error(ctx, f"Number of ways to split should evenly divide the split dimension, but got "
                              f"split_dim {a} (size = {x.shape[a]}) and num_split {n}")
    return tuple(np.split(x, n, axis=a))


_reg("Split", _split_infer, _split_kernel, num_inputs=2, doc="Split(split_dim, value); attr num_split.")


def _split_sizes(sizes: list[int | None], dim: int | None) -> list[int | None]:
    """Resolve SplitV's size_splits (one -1 allowed) against the split dimension."""
    minus = [i for i, s in enumerate(sizes) if s == -1]
    if len(minus) > 1:
        raise ValueError(f"Only one dimensions can have a value of -1. Second one found at dimension {minus[1]}")
    for s in sizes:
        if s is not None and s < -1:
            raise ValueError(f"size_splits must be non-negative (or one -1), got {sizes}")
    out = [None if s == -1 else s for s in sizes]
    if dim is None or any(s is None for s in sizes):
        return out
    known = sum(s for s in sizes if s != -1)
    if (minus and known > dim) or (not minus and known != dim):
        raise ValueError("Determined shape must either match input shape along split_dim exactly if fully "
                         "specified, or be less than the size of the input along split_dim if not fully "
                         f"specified.  Got: {known}")
    if minus:
        out[minus[0]] = dim - known
    return out


def _splitv_infer(inputs, attrs):
    x, size_splits, axis = inputs
    n = attrs["num_split"]
    _require_index("SplitV", size_splits, "size_splits")
    _require_rank(size_splits, (1,), "SplitV size_splits")
    length = _vector_len(size_splits)
    if length is not None and length != n:
        raise ValueError(f"Number of split sizes ({length}) must equal num_split ({n})")
    a = _split_axis("SplitV", axis, x)
    sizes = partial_shape_value(size_splits)
    if a is None or sizes is None:
        return [spec(x.dtype, unknown_shape(x.shape.rank)) for _ in range(n)]
    resolved = _split_sizes(sizes, x.shape.dims[a])
    return [spec(x.dtype, [s if i == a else d for i, d in enumerate(x.shape.dims)]) for s in resolved]


def _splitv_kernel(ctx, x, size_splits, axis):
    rank = x.ndim
    a = int(axis)
    if not -rank <= a < rank:
        raise _run_error(ctx, f"-input rank(-{rank}) <= split_dim < input rank ({rank}), but got {a}")
    a %= rank
    try:
        sizes = _split_sizes(_index_vector(ctx, size_splits, "size_splits"), x.shape[a])
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    if len(sizes) != ctx.attrs["num_split"]:
        raise _run_error(ctx, f"Number of split sizes ({len(sizes)}) must equal num_split ({ctx.attrs['num_split']})")
    bounds = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, bounds, axis=a))


_reg("SplitV", _splitv_infer, _splitv_kernel, num_inputs=3,
     doc="SplitV(value, size_splits, split_dim); attr num_split; one size may be -1.")


# --- Squeeze, ExpandDims ----------------------------------------------------------------


def _squeeze_infer(inputs, attrs):
    (x,) = inputs
    axes = list(attrs.get("squeeze_dims") or [])
    rank = x.shape.rank
    if rank is None:
        return [spec(x.dtype, unknown_shape())]
    norm = set()
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"Tried to squeeze dim index {a} for tensor with {rank} dimensions.")
        a %= rank
        d = x.shape.dims[a]
        if d is not None and d != 1:
            raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got {d}")
        norm.add(a)
    if not axes:
        if any(d is None for d in x.shape.dims):
            return [spec(x.dtype, unknown_shape())]
        return [spec(x.dtype, [d for d in x.shape.dims if d != 1])]
    return [spec(x.dtype, [d for i, d in enumerate(x.shape.dims) if i not in norm])]


def _squeeze_kernel(ctx, x):
    axes = list(ctx.attrs.get("squeeze_dims") or [])
    if not axes:
        return x.reshape([d for d in x.shape if d != 1])
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise _run_error(ctx, f"Tried to squeeze dim index {a} for tensor with {x.ndim} dimensions.")
    norm = sorted({a % x.ndim for a in axes})
    for a in norm:
        if x.shape[a] != 1:
            raise _run_error(ctx, f"Can not squeeze dim[{a}], expected a dimension of 1, got {x.shape[a]}")
    return x.reshape([d for i, d in enumerate(x.shape) if i not in norm])


_reg("Squeeze", _squeeze_infer, _squeeze_kernel, num_inputs=1, doc="Squeeze(x); attr squeeze_dims (list).")


def _expand_dims_infer(inputs, attrs):
    x, axis = inputs
    _require_index("ExpandDims", axis, "dim")
    if axis.shape.num_elements() not in (None, 1):
        raise ValueError(f"'dim' input must be a tensor with a single value, got shape {axis.shape}")
    a = _scalar_value(axis)
    rank = x.shape.rank
    if rank is None:
        return [spec(x.dtype, unknown_shape())]
    if a is None:
        return [spec(x.dtype, unknown_shape(rank + 1))]
    if not -(rank + 1) <= a <= rank:
        raise ValueError(f"Tried to expand dim index {a} for tensor with {rank} dimensions.")
    if a < 0:
        a += rank + 1
    dims = list(x.shape.dims)
    return [spec(x.dtype, dims[:a] + [1] + dims[a:])]


def _expand_dims_kernel(ctx, x, axis):
    axis = np.asarray(axis)
    if axis.size != 1:
        raise _run_error(ctx, f"'dim' must be a tensor with a single value, got shape {list(axis.shape)}")
    a = int(axis.reshape(-1)[0])
    if not -(x.ndim + 1) <= a <= x.ndim:
        raise _run_error(ctx, f"Tried to expand dim index {a} for tensor with {x.ndim} dimensions.")
    return np.expand_dims(x, a)


_reg("ExpandDims", _expand_dims_infer, _expand_dims_kernel, num_inputs=2, doc="ExpandDims(input, dim).")


# --- Tile -------------------------------------------------------------------------------


def _tile_infer(inputs, attrs):
    x, multiples = inputs
    _require_index("Tile", multiples, "multiples")
    _require_rank(multiples, (1,), "Tile multiples")
    n = _vector_len(multiples)
    rank = x.shape.rank
    if rank is not None and n is not None and n != rank:
        raise ValueError(f"Expected multiples argument to be a vector of length {rank} but got length {n}")
    mult = partial_shape_value(multiples)
    if mult is None or rank is None:
        return [spec(x.dtype, unknown_shape(rank if rank is not None else n))]
    for i, m in enumerate(mult):
        if m is not None and m < 0:
            raise ValueError(f"Expected multiples[{i}] >= 0, but got {m}")
    out = []
    for d, m in zip(x.shape.dims, mult):
        out.append(0 if d == 0 or m == 0 else (None if d is None or m is None else d * m))
    return [spec(x.dtype, out)]


def _tile_kernel(ctx, x, multiples):
    mult = _index_vector(ctx, multiples, "multiples")
    if len(mult) != x.ndim:
        raise _run_error(ctx, f"Expected multiples argument to be a vector of length {x.ndim} but got length "
                              f"{len(mult)}")
    for i, m in enumerate(mult):
        if m < 0:
            raise _run_error(ctx, f"Expected multiples[{i}] >= 0, but got {m}")
    if x.ndim == 0:
        return x
    return np.tile(x, mult)


_reg("Tile", _tile_infer, _tile_kernel, num_inputs=2, doc="Tile(input, multiples).")


# --- Pad, PadV2, MirrorPad, MirrorPadGrad -----------------------------------------------


def _paddings_value(op: str, x: Value, paddings: Value) -> tuple[int | None, np.ndarray | None]:
    _require_index(op, paddings, "paddings")
    _require_rank(paddings, (2,), f"{op} paddings")
    rank = x.shape.rank
    pdims = paddings.shape.dims
    if pdims is not None:
        if pdims[1] is not None and pdims[1] != 2:
            raise ValueError(f"paddings must be a matrix with 2 columns, got shape {paddings.shape}")
        if rank is not None and pdims[0] is not None and pdims[0] != rank:
            raise ValueError(f"The first dimension of paddings must be the rank of inputs [{pdims[0]},2] "
                             f"{x.shape}")
        if rank is None:
            rank = pdims[0]
    known = static_value(paddings)
    return rank, (None if known is None else np.asarray(known).reshape(-1, 2))


def _check_paddings(pads: np.ndarray, dims: Sequence[int | None], mode: str) -> None:
    for i, (before, after) in enumerate(pads):
        if before < 0 or after < 0:
            raise ValueError(f"Paddings must be non-negative: {before} {after}")
        d = dims[i]
        if mode == "CONSTANT" or d is None:
            continue
        if mode == "REFLECT" and (before >= d or after >= d):
            raise ValueError(f"paddings must be less than the dimension size: {before}, {after} not less than {d}")
        if mode == "SYMMETRIC" and (before > d or after > d):
            raise ValueError(f"paddings must be no greater than the dimension size: {before}, {after} greater "
                             f"than {d}")


def _make_pad_infer(op: str, mode_of):
    def infer(inputs, attrs):
        x, paddings = inputs[0], inputs[1]
        if op == "PadV2":
            if inputs[2].dtype != x.dtype:
                raise TypeError(f"PadV2 constant_values must be {x.dtype.name}, got {inputs[2].dtype.name}")
            _require_rank(inputs[2], (0,), "PadV2 constant_values")
        mode = mode_of(attrs)
        if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
            raise ValueError(f"mode must be REFLECT or SYMMETRIC, got {mode!r}")
        rank, pads = _paddings_value(op, x, paddings)
        if rank is None:
            return [spec(x.dtype, unknown_shape())]
        if pads is None or x.shape.rank is None:
            return [spec(x.dtype, unknown_shape(rank))]
        if pads.shape[0] != rank:
            raise ValueError(f"The first dimension of paddings must be the rank of inputs {list(pads.shape)} {x.shape}")
        _check_paddings(pads, x.shape.dims, mode)
        return [spec(x.dtype, [None if d is None else d + int(b) + int(a) for d, (b, a) in zip(x.shape.dims, pads)])]
    return infer


def _runtime_pads(ctx, x, paddings, mode):
    pads = np.asarray(paddings)
    if pads.ndim != 2 or pads.shape != (x.ndim, 2):
        raise _run_error(ctx, f"The first dimension of paddings must be the rank of inputs{_fmt(pads.shape)} "
                              f"{_fmt(x.shape)}")
    try:
        _check_paddings(pads, x.shape, mode)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return [(int(b), int(a)) for b, a in pads]


def _pad_constant(x: np.ndarray, pads: list, value: Any) -> np.ndarray:
    out = np.full([d + b + a for d, (b, a) in zip(x.shape, pads)], value, dtype=x.dtype)
    out[tuple(slice(b, b + d) for d, (b, _) in zip(x.shape, pads))] = x
    return out


def _pad_kernel(ctx, x, paddings):
    pads = _runtime_pads(ctx, x, paddings, "CONSTANT")
    return _pad_constant(x, pads, "" if x.dtype == object else 0)


def _padv2_kernel(ctx, x, paddings, value):
    return _pad_constant(x, _runtime_pads(ctx, x, paddings, "CONSTANT"), value)


def _mirror_pad_kernel(ctx, x, paddings):
    mode = ctx.attrs["mode"]
    pads = _runtime_pads(ctx, x, paddings, mode)
    if x.ndim == 0:
        return x
    return np.pad(x, pads, mode="reflect" if mode == "REFLECT" else "symmetric")


_reg("Pad", _make_pad_infer("Pad", lambda attrs: "CONSTANT"), _pad_kernel, num_inputs=2,
     doc="Pad(input, paddings): zeros around; paddings is [rank, 2].")
_reg("PadV2", _make_pad_infer("PadV2", lambda attrs: "CONSTANT"), _padv2_kernel, num_inputs=3,
     doc="PadV2(input, paddings, constant_values).")
_reg("MirrorPad", _make_pad_infer("MirrorPad", lambda attrs: attrs.get("mode")), _mirror_pad_kernel, num_inputs=2,
     doc="MirrorPad(input, paddings); attr mode REFLECT|SYMMETRIC.")


def _mirror_pad_grad_infer(inputs, attrs):
    g, paddings = inputs
    rank, pads = _paddings_value("MirrorPadGrad", g, paddings)
    if pads is None or g.shape.rank is None:
        return [spec(g.dtype, unknown_shape(rank))]
    return [spec(g.dtype, [None if d is None else d - int(b) - int(a) for d, (b, a) in zip(g.shape.dims, pads)])]


def _mirror_pad_grad_kernel(ctx, g, paddings):
    """Fold the mirrored borders of `g` back onto the positions they copy."""
    symmetric = ctx.attrs["mode"] == "SYMMETRIC"
    out = g
    for axis, (before, after) in enumerate(np.asarray(paddings)):
        before, after = int(before), int(after)
        n = out.shape[axis] - before - after
        if n < 0:
            raise _run_error(ctx, f"paddings {before}, {after} exceed dimension {out.shape[axis]}")
        source = list(range(n))
        left = [before - 1 - j if symmetric else before - j for j in range(before)]
        right = [n - 1 - j if symmetric else n - 2 - j for j in range(after)]
        index = np.array(left + source + right, dtype=np.int64)
        moved = np.moveaxis(out, axis, 0)
        folded = np.zeros((n,) + moved.shape[1:], dtype=g.dtype)
        np.add.at(folded, index, moved)
        out = np.moveaxis(folded, 0, axis)
    return np.ascontiguousarray(out)


_reg("MirrorPadGrad", _mirror_pad_grad_infer, _mirror_pad_grad_kernel, "opaque", num_inputs=2,
     doc="Gradient of MirrorPad: sums the mirrored borders back; attr mode.")


# --- Slice ------------------------------------------------------------------------------


def _slice_dims(dims: Sequence[int | None], begin: list[int | None], size: list[int | None]) -> list[int | None]:
    out: list[int | None] = []
    for i, (d, b, s) in enumerate(zip(dims, begin, size)):
        if b is not None and d is not None and not 0 <= b <= d:
            raise ValueError(f"Expected begin[{i}] in [0, {d}], but got {b}")
        if s is not None and s < -1:
            raise ValueError(f"Expected size[{i}] >= -1, but got {s}")
        if s == -1:
            out.append(None if d is None or b is None else d - b)
            continue
        if s is not None and b is not None and d is not None and b + s > d:
            raise ValueError(f"Expected size[{i}] in [0, {d - b}], but got {s}")
        out.append(s)
    return out


def _slice_infer(inputs, attrs):
    x, begin, size = inputs
    _require_index("Slice", begin, "begin")
    _require_index("Slice", size, "size")
    if begin.dtype != size.dtype:
        raise TypeError(f"Slice begin and size must have one dtype, got {begin.dtype.name} and {size.dtype.name}")
    _require_rank(begin, (1,), "Slice begin")
    _require_rank(size, (1,), "Slice size")
    rank = x.shape.rank
    for v, what in ((begin, "begin"), (size, "size")):
        n = _vector_len(v)
        if n is not None and rank is not None and n != rank:
            raise ValueError(f"Expected {what} argument to be a vector of length {rank} but got length {n}")
    b, s = partial_shape_value(begin), partial_shape_value(size)
    if rank is None:
        rank = len(s) if s is not None else (len(b) if b is not None else None)
        if rank is None or s is None:
            return [spec(x.dtype, unknown_shape(rank))]
        return [spec(x.dtype, [None if v is None or v == -1 else v for v in s])]
    b = b if b is not None else [None] * rank
    s = s if s is not None else [None] * rank
    return [spec(x.dtype, _slice_dims(x.shape.dims, b, s))]


def _slice_kernel(ctx, x, begin, size):
    b = _index_vector(ctx, begin, "begin")
    s = _index_vector(ctx, size, "size")
    if len(b) != x.ndim or len(s) != x.ndim:
        raise _run_error(ctx, f"Expected begin and size arguments to be 1-D tensors of size {x.ndim}, but got "
                              f"shapes [{len(b)}] and [{len(s)}] instead.")
    try:
        sizes = _slice_dims(x.shape, b, s)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return x[tuple(slice(bi, bi + si) for bi, si in zip(b, sizes))]


_reg("Slice", _slice_infer, _slice_kernel, num_inputs=3, doc="Slice(input, begin, size); size -1: to the end.")


# --- StridedSlice, StridedSliceGrad -----------------------------------------------------

_NEW_AXIS, _SHRINK = -2, -1
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def strided_slice_plan(dims: Sequence[int | None], begin: Sequence[int | None], end: Sequence[int | None],
                       strides: Sequence[int | None], attrs: dict) -> tuple[list, list[int | None]]:
    """TF's ValidateStridedSliceOp, on possibly unknown values (None).

    Returns `(dense, final_shape)`: for each input dim, `(begin, end, stride, shrink, size)` in
    canonical form (begin/end made non-negative and clamped; None where unknown), and the
    output shape. Raises ValueError for an invalid spec.
    """
    begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_mask = (int(attrs.get(k, 0)) for k in _MASKS)
    if ellipsis_mask & (ellipsis_mask - 1):
        raise ValueError("Multiple ellipses in slice spec not allowed")
    rank = len(dims)
    n_sparse = len(strides)
    num_add_after = 0
    seen = False
    for i in range(n_sparse):
        if seen and (1 << i) & new_axis_mask:
            num_add_after += 1
        if (1 << i) & ellipsis_mask:
            seen = True
    if not seen:  # an implicit ellipsis at the end
        ellipsis_mask |= 1 << n_sparse
        n_sparse += 1

    # Step 2: the dense spec, one entry per input dim (ellipsis expanded, new axes apart)
    dense_in: list[tuple] = []
    gather: list[int] = []
    full = 0
    for i in range(n_sparse):
        bit = 1 << i
        if bit & ellipsis_mask:
            stop = min(rank - (n_sparse - i) + 1 + num_add_after, rank)
            while full < stop:
                dense_in.append((0, 0, 1, True, True, False))
                gather.append(full)
                full += 1
        elif bit & new_axis_mask:
            gather.append(_NEW_AXIS)
        else:
            if full == rank:
                raise ValueError(f"Index out of range using input dim {full}; input has only {rank} dims")
            shrink = bool(bit & shrink_mask)
            dense_in.append((begin[i], end[i], strides[i], bool(bit & begin_mask), bool(bit & end_mask), shrink))
            gather.append(_SHRINK if shrink else full)
            full += 1

    # Step 3: canonical bounds and the size of each dim
    dense: list[tuple] = []
    for i, (b, e, s, bmask, emask, shrink) in enumerate(dense_in):
        d = dims[i]
        if s == 0:
            raise ValueError(f"strides[{i}] must be non-zero")
        if shrink and s is not None and s <= 0:
            raise ValueError("only stride 1 allowed on non-range indexing.")
        if d is None or s is None:
            dense.append((None, None, s, shrink, 1 if shrink else None))
            continue
        lo, hi = (0, d) if s > 0 else (-1, d - 1)

        def canonical(x: int | None, masked: bool, c: int) -> int | None:
            if masked:
                return (lo, hi)[c] if s > 0 else (lo, hi)[(c + 1) & 1]
            if x is None:
                return None
            x_fwd = d + x if x < 0 else x
            return min(max(x_fwd, lo), hi)

        if shrink:
            if b is None:
                dense.append((None, None, s, True, 1))
                continue
            x_fwd = d + b if b < 0 else b
            if x_fwd < 0 or x_fwd >= d:
                raise ValueError(f"slice index {x_fwd} of dimension {i} out of bounds.")
            dense.append((x_fwd, x_fwd + 1, s, True, 1))
            continue
        bi, ei = canonical(b, bmask, 0), canonical(e, emask, 1)
        if bi is None or ei is None:
            size = None
            if bmask and emask:
                size = _interval_size(d if s > 0 else -d, s) if d > 0 else None
            dense.append((bi, ei, s, False, size))
            continue
        dense.append((bi, ei, s, False, _interval_size(ei - bi, s)))

    # Step 4: the final shape
    final: list[int | None] = []
    for g in gather:
        if g >= 0:
            final.append(dense[g][4])
        elif g == _NEW_AXIS:
            final.append(1)
    return dense, final


def _interval_size(length: int, stride: int) -> int:
    if length == 0 or (length < 0) != (stride < 0):
        return 0
    return -(-length // stride)  # ceil(length / stride); both have one sign here


def _strided_index(dense: list) -> tuple:
    """NumPy basic index for a fully known plan (shrunk dims become ints)."""
    index: list[Any] = []
    for b, e, s, shrink, size in dense:
        if shrink:
            index.append(b)
        elif size == 0:
            index.append(slice(0, 0))
        else:
            index.append(slice(b, e if e >= 0 else None, s))
    return tuple(index)


def _ss_operands(op: str, begin: Value, end: Value, strides: Value) -> tuple | None:
    """Partially known begin/end/strides of a StridedSlice, or None when even their length is unknown."""
    for v, what in ((begin, "begin"), (end, "end"), (strides, "strides")):
        _require_index(op, v, what)
        _require_rank(v, (1,), f"{op} {what}")
    if not begin.dtype == end.dtype == strides.dtype:
        raise TypeError(f"{op} begin, end and strides must have one dtype, got {begin.dtype.name}, "
                        f"{end.dtype.name}, {strides.dtype.name}")
    lengths = {n for n in (_vector_len(begin), _vector_len(end), _vector_len(strides)) if n is not None}
    if len(lengths) > 1:
        raise ValueError(f"Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
                         f"{begin.shape}, {end.shape}, and {strides.shape} instead.")
    if not lengths:
        return None
    (n,) = lengths
    if n >= 32:
        raise ValueError(f"StridedSlice supports at most 31 index entries, got {n}")
    parts = [partial_shape_value(v) or [None] * n for v in (begin, end, strides)]
    return tuple(parts)


def _strided_slice_infer(inputs, attrs):
    x, begin, end, strides = inputs
    operands = _ss_operands("StridedSlice", begin, end, strides)
    if operands is None or x.shape.rank is None:
        return [spec(x.dtype, unknown_shape())]
    _, final = strided_slice_plan(x.shape.dims, *operands, attrs)
    return [spec(x.dtype, final)]


def _runtime_plan(ctx, dims, begin, end, strides):
    b, e, s = (_index_vector(ctx, v, what) for v, what in ((begin, "begin"), (end, "end"), (strides, "strides")))
    if not len(b) == len(e) == len(s):
        raise _run_error(ctx, f"Expected begin, end, and strides to be 1D equal size tensors, but got shapes "
                              f"[{len(b)}], [{len(e)}], and [{len(s)}] instead.")
    try:
        return strided_slice_plan(list(dims), b, e, s, ctx.attrs)
    except ValueError as err:
        raise _run_error(ctx, str(err)) from None


def _strided_slice_kernel(ctx, x, begin, end, strides):
    dense, final = _runtime_plan(ctx, x.shape, begin, end, strides)
    return np.asarray(x[_strided_index(dense)]).reshape(final)


def _strided_slice_partial(node, index):
    """`tf.shape(x)[1:]`, `tf.shape(x)[0]` on a partially known shape vector."""
    x = node.inputs[0]
    if x.shape.rank != 1:
        return None
    source = partial_shape_value(x)
    operands = [static_value(v) for v in node.inputs[1:]]
    if source is None or any(v is None for v in operands):
        return None
    try:
        dense, final = strided_slice_plan([len(source)], *([int(d) for d in v] for v in operands), node.attrs)
    except ValueError:
        return None
    if len(final) > 1:
        return None
    b, e, s, shrink, size = dense[0]
    if shrink:
        return source[b] if not final else [source[b]]
    if len(final) == 0:
        return None
    return [source[k] for k in range(b, b + s * size, s)] if size else []


_reg("StridedSlice", _strided_slice_infer, _strided_slice_kernel, num_inputs=4, partial_value=_strided_slice_partial,
     doc="StridedSlice(input, begin, end, strides); attrs begin_mask, end_mask, ellipsis_mask, "
         "new_axis_mask, shrink_axis_mask (TF semantics).")


def _ss_grad_infer(inputs, attrs):
    shape, begin, end, strides, dy = inputs
    _require_index("StridedSliceGrad", shape, "shape")
    _ss_operands("StridedSliceGrad", begin, end, strides)
    dims = partial_shape_value(shape)
    return [spec(dy.dtype, unknown_shape(_vector_len(shape)) if dims is None else dims)]


def _ss_grad_kernel(ctx, shape, begin, end, strides, dy):
    dims = _index_vector(ctx, shape, "shape")
    dense, final = _runtime_plan(ctx, dims, begin, end, strides)
    if list(dy.shape) != final:
        raise _run_error(ctx, f"shape of dy was {_fmt(dy.shape)} instead of {_fmt(final)}")
    out = np.zeros(dims, dtype=dy.dtype)
    index = _strided_index(dense)
    out[index] = dy.reshape(np.shape(out[index]))
    return out


_reg("StridedSliceGrad", _ss_grad_infer, _ss_grad_kernel, "opaque", num_inputs=5,
     doc="Gradient of StridedSlice: dy placed into zeros of `shape`; same attrs.")


# --- GatherV2, GatherNd, ScatterNd ------------------------------------------------------


def _gather_infer(inputs, attrs):
    params, indices, axis = inputs
    _require_index("GatherV2", indices, "indices")
    _require_index("GatherV2", axis, "axis")
    _require_rank(axis, (0,), "GatherV2 axis")
    batch_dims = attrs.get("batch_dims", 0)
    pr, ir = params.shape.rank, indices.shape.rank
    if batch_dims < 0:
        if ir is None:
            return [spec(params.dtype, unknown_shape())]
        batch_dims += ir
    if ir is not None and not 0 <= batch_dims <= ir:
        raise ValueError(f"batch_dims ({attrs.get('batch_dims', 0)}) must be in the range [{-ir}, {ir}]")
    a = _scalar_value(axis)
    if a is None or pr is None or ir is None:
        rank = None if pr is None or ir is None else pr - 1 + ir - batch_dims
        return [spec(params.dtype, unknown_shape(rank))]
    if not -pr <= a < pr:
        raise ValueError(f"Expected axis in the range [{-pr}, {pr}), but got {a}")
    a %= pr
    if batch_dims > a:
        raise ValueError(f"batch_dims ({batch_dims}) must be less than or equal to axis ({a}).")
    p, q = list(params.shape.dims), list(indices.shape.dims)
    for i in range(batch_dims):
        if p[i] is not None and q[i] is not None and p[i] != q[i]:
            raise ValueError(f"params.shape[{i}]: {p[i]} should be equal to indices.shape[{i}]: {q[i]}")
        p[i] = p[i] if p[i] is not None else q[i]
    return [spec(params.dtype, p[:a] + q[batch_dims:] + p[a + 1:])]


def _gather_kernel(ctx, params, indices, axis):
    batch_dims = ctx.attrs.get("batch_dims", 0)
    if batch_dims < 0:
        batch_dims += indices.ndim
    a = int(axis)
    if not -params.ndim <= a < params.ndim:
        raise _run_error(ctx, f"Expected axis in the range [{-params.ndim}, {params.ndim}), but got {a}")
    a %= params.ndim
    n = params.shape[a]
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        pos = tuple(int(k) for k in np.argwhere(bad)[0])
        raise _run_error(ctx, f"indices[{','.join(map(str, pos))}] = {indices[pos]} is not in [0, {n})")
    if batch_dims == 0:
        return np.take(params, indices, axis=a)
    if params.shape[:batch_dims] != indices.shape[:batch_dims]:
        raise _run_error(ctx, f"params.shape[:{batch_dims}] {_fmt(params.shape[:batch_dims])} should equal "
                              f"indices.shape[:{batch_dims}] {_fmt(indices.shape[:batch_dims])}")
    batch = params.shape[:batch_dims]
    nb = _prod(batch)
    p = params.reshape((nb,) + params.shape[batch_dims:])
    q = indices.reshape((nb,) + indices.shape[batch_dims:])
    out_shape = params.shape[:a] + indices.shape[batch_dims:] + params.shape[a + 1:]
    parts = [np.take(p[k], q[k], axis=a - batch_dims) for k in range(nb)]
    if not parts:
        return np.zeros(out_shape, dtype=params.dtype)
    return np.stack(parts).reshape(out_shape)


def _gather_partial(node, index):
    params = node.inputs[0]
    if params.shape.rank != 1 or node.attrs.get("batch_dims", 0) != 0:
        return None
    source = partial_shape_value(params)
    idx, axis = static_value(node.inputs[1]), static_value(node.inputs[2])
    if source is None or idx is None or axis is None or np.ndim(idx) > 1:
        return None
    if any(not 0 <= int(i) < len(source) for i in np.reshape(idx, -1)):
        return None
    if np.ndim(idx) == 0:
        return source[int(idx)]
    return [source[int(i)] for i in idx]


_reg("GatherV2", _gather_infer, _gather_kernel, num_inputs=3, partial_value=_gather_partial,
     doc="GatherV2(params, indices, axis); attr batch_dims.")


def _gather_nd_infer(inputs, attrs):
    params, indices = inputs
    _require_index("GatherNd", indices, "indices")
    if indices.shape.rank == 0:
        raise ValueError("indices must be at least a vector")
    if indices.shape.rank is None or indices.shape.dims[-1] is None or params.shape.rank is None:
        return [spec(params.dtype, unknown_shape())]
    k = indices.shape.dims[-1]
    if k > params.shape.rank:
        raise ValueError(f"index innermost dimension length must be <= params rank; saw: {k} vs. {params.shape.rank}")
    return [spec(params.dtype, list(indices.shape.dims[:-1]) + list(params.shape.dims[k:]))]


def _check_nd_indices(ctx, indices: np.ndarray, shape: Sequence[int], what: str) -> None:
    k = indices.shape[-1]
    if k > len(shape):
        raise _run_error(ctx, f"index innermost dimension length must be <= rank; saw: {k} vs. {len(shape)}")
    if indices.size == 0:
        return
    bad = ((indices < 0) | (indices >= np.array(shape[:k], dtype=np.int64))).any(axis=-1)
    if bad.any():
        pos = tuple(int(v) for v in np.argwhere(bad)[0])
        where = ",".join(map(str, pos))
        raise _run_error(ctx, f"indices[{where}] = [{', '.join(str(int(v)) for v in indices[pos])}] does not index "
                              f"into {what}shape {_fmt(shape)}")


def _gather_nd_kernel(ctx, params, indices):
    _check_nd_indices(ctx, indices, params.shape, "param ")
    k = indices.shape[-1]
    batch = indices.shape[:-1]
    if k == 0:
        return np.array(np.broadcast_to(params, batch + params.shape))
    return params[tuple(np.moveaxis(indices, -1, 0))]


_reg("GatherNd", _gather_nd_infer, _gather_nd_kernel, num_inputs=2, doc="GatherNd(params, indices).")


def _scatter_nd_infer(inputs, attrs):
    indices, updates, shape = inputs
    _require_index("ScatterNd", indices, "indices")
    _require_index("ScatterNd", shape, "shape")
    if indices.dtype != shape.dtype:
        raise TypeError(f"ScatterNd indices and shape must have one dtype, got {indices.dtype.name} and {shape.dtype.name}")
    _require_rank(shape, (1,), "ScatterNd shape")
    out = partial_shape_value(shape)
    if out is None:
        return [spec(updates.dtype, unknown_shape(_vector_len(shape)))]
    for d in out:
        if d is not None and d < 0:
            raise ValueError(f"ScatterNd shape must be non-negative, got {out}")
    q, u = indices.shape, updates.shape
    if q.rank is not None and u.rank is not None and q.dims[-1] is not None:
        k = q.dims[-1]
        if k > len(out):
            raise ValueError(f"Output must have rank at least {k} (the inner dimension of indices), got shape {out}")
        want = TensorShape(list(q.dims[:-1]) + out[k:])
        if not want.is_compatible_with(u):
            raise ValueError(f"updates shape must be indices.shape[:-1] + shape[indices.shape[-1]:] = {want}, "
                             f"got {u}")
    return [spec(updates.dtype, out)]


def _scatter_nd_kernel(ctx, indices, updates, shape):
    dims = _index_vector(ctx, shape, "shape")
    if any(d < 0 for d in dims):
        raise _run_error(ctx, f"Indices and updates specified for empty output shape {_fmt(dims)}")
    _check_nd_indices(ctx, indices, dims, "")
    k = indices.shape[-1]
    want = indices.shape[:-1] + tuple(dims[k:])
    if updates.shape != want:
        raise _run_error(ctx, f"updates shape {_fmt(updates.shape)} must be indices.shape[:-1] + shape[{k}:] = "
                              f"{_fmt(want)}")
    out = np.zeros(dims, dtype=updates.dtype)
    if k == 0:
        if updates.size:
            raise _run_error(ctx, "ScatterNd needs indices with a non-empty last dimension")
        return out
    np.add.at(out, tuple(np.moveaxis(indices, -1, 0)), updates)
    return out


_reg("ScatterNd", _scatter_nd_infer, _scatter_nd_kernel, "opaque", num_inputs=3, foldable=False,
     doc="ScatterNd(indices, updates, shape): zeros with updates added at indices (duplicates sum).")


# --- OneHot -----------------------------------------------------------------------------


def _one_hot_infer(inputs, attrs):
    indices, depth, on, off = inputs
    _require_index("OneHot", indices, "indices", (uint8, int32, int64))
    _require_index("OneHot", depth, "depth", (int32,))
    _require_rank(depth, (0,), "OneHot depth")
    if on.dtype != off.dtype:
        raise TypeError(f"OneHot on_value and off_value must have one dtype, got {on.dtype.name} and {off.dtype.name}")
    _require_rank(on, (0,), "OneHot on_value")
    _require_rank(off, (0,), "OneHot off_value")
    axis = attrs.get("axis", -1)
    rank = indices.shape.rank
    if axis < -1 or (rank is not None and axis > rank):
        raise ValueError(f"Expected axis to be -1 or between [0, {(rank or 0) + 1}).  But received: {axis}")
    if rank is None:
        return [spec(on.dtype, unknown_shape())]
    d = _scalar_value(depth)
    if d is not None and d < 0:
        raise ValueError(f"depth must be non-negative, got: {d}")
    dims = list(indices.shape.dims)
    a = rank if axis == -1 else axis
    return [spec(on.dtype, dims[:a] + [d] + dims[a:])]


def _one_hot_kernel(ctx, indices, depth, on, off):
    depth = int(depth)
    if depth < 0:
        raise _run_error(ctx, f"depth must be non-negative, got: {depth}")
    axis = ctx.attrs.get("axis", -1)
    hot = indices[..., None].astype(np.int64) == np.arange(depth, dtype=np.int64)
    if axis != -1:
        hot = np.moveaxis(hot, -1, axis)
    return np.where(hot, on, off).astype(on.dtype)


_reg("OneHot", _one_hot_infer, _one_hot_kernel, num_inputs=4,
     doc="OneHot(indices, depth, on_value, off_value); attr axis (-1: last).")


# --- Fill, ZerosLike, OnesLike, BroadcastTo ---------------------------------------------


def _fill_infer(inputs, attrs):
    dims, value = inputs
    _require_index("Fill", dims, "dims")
    _require_rank(dims, (1,), "Fill dims")
    _require_rank(value, (0,), "Fill value")
    out = partial_shape_value(dims)
    if out is None:
        return [spec(value.dtype, unknown_shape(_vector_len(dims)))]
    for d in out:
        if d is not None and d < 0:
            raise ValueError(f"Dimension {d} must be >= 0")
    return [spec(value.dtype, out)]


def _fill_kernel(ctx, dims, value):
    shape = _index_vector(ctx, dims, "dims")
    for d in shape:
        if d < 0:
            raise _run_error(ctx, f"Dimension {d} must be >= 0")
    return np.full(shape, value, dtype=value.dtype)


_reg("Fill", _fill_infer, _fill_kernel, "broadcast", num_inputs=2, doc="Fill(dims, value).")


def _zeros_like_kernel(ctx, x):
    if x.dtype == object:
        return np.full(x.shape, "", dtype=object)
    return np.zeros_like(x)


def _ones_like_infer(inputs, attrs):
    if inputs[0].dtype == string:
        raise TypeError("OnesLike is not defined for strings")
    return same_as_input(inputs, attrs)


_reg("ZerosLike", same_as_input, _zeros_like_kernel, "elementwise", num_inputs=1)
_reg("OnesLike", _ones_like_infer, lambda ctx, x: np.ones_like(x), "elementwise", num_inputs=1)


def _broadcast_to_dims(in_dims: Sequence[int | None], target: Sequence[int | None]) -> list[int | None]:
    if len(in_dims) > len(target):
        raise ValueError(f"Rank of input ({len(in_dims)}) must be no greater than rank of output shape "
                         f"({len(target)}).")
    out = list(target)
    offset = len(target) - len(in_dims)
    for i, d in enumerate(in_dims):
        t = target[offset + i]
        if d is None or d == 1:
            continue
        if t is None:
            out[offset + i] = d
        elif t != d:
            raise ValueError(f"Incompatible shapes: {_fmt(in_dims)} vs. {_fmt(target)}")
    return out


def _broadcast_to_infer(inputs, attrs):
    x, shape = inputs
    _require_index("BroadcastTo", shape, "shape")
    _require_rank(shape, (1,), "BroadcastTo shape")
    target = partial_shape_value(shape)
    if target is None:
        return [spec(x.dtype, unknown_shape(_vector_len(shape)))]
    if x.shape.rank is None:
        return [spec(x.dtype, target)]
    return [spec(x.dtype, _broadcast_to_dims(x.shape.dims, target))]


def _broadcast_to_kernel(ctx, x, shape):
    target = _index_vector(ctx, shape, "shape")
    try:
        _broadcast_to_dims(x.shape, target)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return np.array(np.broadcast_to(x, target))


_reg("BroadcastTo", _broadcast_to_infer, _broadcast_to_kernel, num_inputs=2, doc="BroadcastTo(input, shape).")


def _broadcast_shape(a: Sequence[int | None], b: Sequence[int | None]) -> list[int | None]:
    n = max(len(a), len(b))
    pa, pb = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    out: list[int | None] = []
    for x, y in zip(pa, pb):
        if x == 1:
            out.append(y)
        elif y == 1 or x == y:
            out.append(x)
        elif x is None or y is None:
            out.append(x if y is None else y)
        else:
            raise ValueError(f"Incompatible shapes: {_fmt(a)} vs. {_fmt(b)}")
    return out


def _broadcast_args_infer(inputs, attrs):
    s0, s1 = inputs
    for v in inputs:
        _require_index("BroadcastArgs", v, "input")
        _require_rank(v, (1,), "BroadcastArgs input")
    if s0.dtype != s1.dtype:
        raise TypeError(f"BroadcastArgs inputs must have one dtype, got {s0.dtype.name} and {s1.dtype.name}")
    n0, n1 = _vector_len(s0), _vector_len(s1)
    return [spec(s0.dtype, [None if n0 is None or n1 is None else max(n0, n1)])]


def _broadcast_args_kernel(ctx, s0, s1):
    try:
        return np.array(_broadcast_shape([int(d) for d in s0], [int(d) for d in s1]), dtype=s0.dtype)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None


_reg("BroadcastArgs", _broadcast_args_infer, _broadcast_args_kernel, "opaque", num_inputs=2,
     doc="BroadcastArgs(s0, s1): the broadcast shape of two shape vectors.")


# --- TopKV2, ReverseV2, ReverseSequence -------------------------------------------------


def _top_k_infer(inputs, attrs):
    x, k = inputs
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"TopKV2 input must be a real number type, got {x.dtype.name}")
    _require_index("TopKV2", k, "k", (int32,))
    _require_rank(k, (0,), "TopKV2 k")
    kv = _scalar_value(k)
    if kv is not None and kv < 0:
        raise ValueError(f"Need k >= 0, got {kv}")
    if x.shape.rank is None:
        return [spec(x.dtype, unknown_shape()), spec(int32, unknown_shape())]
    if x.shape.rank == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    last = x.shape.dims[-1]
    if kv is not None and last is not None and last < kv:
        raise ValueError(f"input must have last dimension >= k = {kv} but is {last}")
    out = list(x.shape.dims[:-1]) + [kv]
    return [spec(x.dtype, out), spec(int32, out)]


def _top_k_kernel(ctx, x, k):
    k = int(k)
    if k < 0:
        raise _run_error(ctx, f"Need k >= 0, got {k}")
    if x.ndim == 0 or x.shape[-1] < k:
        raise _run_error(ctx, f"input must have at least k columns. Had {x.shape[-1] if x.ndim else 0}, needed {k}")
    n = x.shape[-1]
    # a stable ascending sort of the reversed row, read backwards: largest first, ties by lower index
    order = np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    indices = (n - 1 - order[..., :k]).astype(np.int32)
    return np.take_along_axis(x, indices.astype(np.int64), axis=-1), indices


register_op("TopKV2", infer=_top_k_infer, kernel=_top_k_kernel, num_inputs=2, op_class="opaque",
            doc="TopKV2(input, k) -> (values, int32 indices); attr sorted. Ties: lower index first.")


def _reverse_axes(axes: Sequence[int], rank: int) -> list[int]:
    out = []
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(f"'axis'[{len(out)}] = {a} is out of valid range [{-rank}, {rank - 1}]")
        a %= rank
        if a in out:
            raise ValueError(f"axis {a} specified more than once.")
        out.append(a)
    return out


def _reverse_infer(inputs, attrs):
    x, axis = inputs
    _require_index("ReverseV2", axis, "axis")
    _require_rank(axis, (1,), "ReverseV2 axis")
    known = static_value(axis)
    if known is not None and x.shape.rank is not None:
        _reverse_axes([int(a) for a in known], x.shape.rank)
    return [spec(x.dtype, x.shape)]


def _reverse_kernel(ctx, x, axis):
    try:
        axes = _reverse_axes(_index_vector(ctx, axis, "axis"), x.ndim)
    except ValueError as e:
        raise _run_error(ctx, str(e)) from None
    return np.flip(x, axis=tuple(axes)) if axes else x


_reg("ReverseV2", _reverse_infer, _reverse_kernel, num_inputs=2, doc="ReverseV2(tensor, axis).")


def _reverse_sequence_infer(inputs, attrs):
    x, lengths = inputs
    _require_index("ReverseSequence", lengths, "seq_lengths")
    _require_rank(lengths, (1,), "ReverseSequence seq_lengths")
    seq, batch = attrs["seq_dim"], attrs.get("batch_dim", 0)
    rank = x.shape.rank
    if rank is not None:
        for what, a in (("seq_dim", seq), ("batch_dim", batch)):
            if not 0 <= a < rank:
                raise ValueError(f"{what} must be < input rank: {a} vs. {rank}")
        if seq == batch:
            raise ValueError(f"seq_dim == batch_dim == {seq}")
        n, b = _vector_len(lengths), x.shape.dims[batch]
        if n is not None and b is not None and n != b:
            raise ValueError(f"Length of seq_lengths != input.dims({batch}), ({n} vs. {b})")
    return [spec(x.dtype, x.shape)]


def _reverse_sequence_kernel(ctx, x, lengths):
    seq, batch = ctx.attrs["seq_dim"], ctx.attrs.get("batch_dim", 0)
    if lengths.shape[0] != x.shape[batch]:
        raise _run_error(ctx, f"Length of seq_lengths != input.dims({batch}), ({lengths.shape[0]} vs. {x.shape[batch]})")
    out = np.array(x, copy=True)
    for b, n in enumerate(lengths):
        if not 0 <= n <= x.shape[seq]:
            raise _run_error(ctx, f"seq_lens[{b}] > input.dims({seq})" if n > 0 else f"seq_lens[{b}] < 0")
        src = [slice(None)] * x.ndim
        src[batch] = b
        src[seq] = slice(0, int(n))
        dst = list(src)
        out[tuple(dst)] = np.flip(x[tuple(src)], axis=seq - (1 if batch < seq else 0))
    return out


_reg("ReverseSequence", _reverse_sequence_infer, _reverse_sequence_kernel, "opaque", num_inputs=2, foldable=False,
     doc="ReverseSequence(input, seq_lengths); attrs seq_dim, batch_dim.")


# --- Unique, ListDiff -------------------------------------------------------------------


def _unique_infer(inputs, attrs):
    (x,) = inputs
    _require_rank(x, (1,), "Unique input")
    out_idx = attrs.get("out_idx", int32)
    return [spec(x.dtype, [None]), spec(out_idx, x.shape)]


def _unique_kernel(ctx, x):
    out_idx = ctx.attrs.get("out_idx", int32).np_dtype
    first: dict[Any, int] = {}
    idx = np.empty(x.shape[0], dtype=out_idx)
    for i, v in enumerate(x.tolist()):
        idx[i] = first.setdefault(v, len(first))
    y = np.array(list(first), dtype=x.dtype).reshape(len(first))
    return y, idx


register_op("Unique", infer=_unique_infer, kernel=_unique_kernel, num_inputs=1, op_class="opaque",
            doc="Unique(x) -> (y, idx): distinct values in order of first appearance.")


def _list_diff_infer(inputs, attrs):
    x, y = inputs
    require_same_dtype("ListDiff", inputs)
    _require_rank(x, (1,), "ListDiff x")
    _require_rank(y, (1,), "ListDiff y")
    return [spec(x.dtype, [None]), spec(attrs.get("out_idx", int32), [None])]


def _list_diff_kernel(ctx, x, y):
    drop = set(y.tolist())
    keep = [i for i, v in enumerate(x.tolist()) if v not in drop]
    return x[keep], np.array(keep, dtype=ctx.attrs.get("out_idx", int32).np_dtype)


register_op("ListDiff", infer=_list_diff_infer, kernel=_list_diff_kernel, num_inputs=2, op_class="opaque",
            doc="ListDiff(x, y) -> (out, idx): values of x not in y, in order.")


# --- SpaceToDepth, DepthToSpace ---------------------------------------------------------


def _s2d_infer(op: str):
    def infer(inputs, attrs):
        (x,) = inputs
        bs = attrs["block_size"]
        fmt = attrs.get("data_format", "NHWC")
        if bs < 2:
            raise ValueError(f"Value for attr 'block_size' of {bs} must be at least 2")
        if fmt not in ("NHWC", "NCHW"):
            raise ValueError(f"data_format must be NHWC or NCHW, got {fmt!r}")
        _require_rank(x, (4,), f"{op} input")
        if x.shape.rank is None:
            return [spec(x.dtype, unknown_shape(4))]
        n, h, w, c = x.shape.dims if fmt == "NHWC" else [x.shape.dims[i] for i in (0, 2, 3, 1)]
        if op == "SpaceToDepth":
            for what, d in (("height", h), ("width", w)):
                if d is not None and d % bs:
                    raise ValueError(f"Image {what} {d} must be divisible by block_size: {bs}")
            out = [n, None if h is None else h // bs, None if w is None else w // bs, None if c is None else c * bs * bs]
        else:
            if c is not None and c % (bs * bs):
                raise ValueError(f"Input depth dimension {c} should be divisible by: {bs * bs}")
            out = [n, None if h is None else h * bs, None if w is None else w * bs, None if c is None else c // (bs * bs)]
        if fmt == "NCHW":
            out = [out[0], out[3], out[1], out[2]]
        return [spec(x.dtype, out)]
    return infer


def _s2d_kernel(op: str):
    def kernel(ctx, x):
        bs = ctx.attrs["block_size"]
        nchw = ctx.attrs.get("data_format", "NHWC") == "NCHW"
        if nchw:
            x = x.transpose(0, 2, 3, 1)
        n, h, w, c = x.shape
        if op == "SpaceToDepth":
            if h % bs or w % bs:
                raise _run_error(ctx, f"Image height {h} and width {w} must be divisible by block_size: {bs}")
            out = x.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5).reshape(
                n, h // bs, w // bs, bs * bs * c)
        else:
            if c % (bs * bs):
                raise _run_error(ctx, f"Input depth dimension {c} should be divisible by: {bs * bs}")
            out = x.reshape(n, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5).reshape(
                n, h * bs, w * bs, c // (bs * bs))
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2) if nchw else out)
    return kernel


for _name in ("SpaceToDepth", "DepthToSpace"):
    _reg(_name, _s2d_infer(_name), _s2d_kernel(_name), num_inputs=1, foldable=False,
         doc=f"{_name}(input); attrs block_size, data_format (NHWC|NCHW).")
del _name


# --- TensorScatterUpdate, TensorScatterAdd, TensorScatterSub ----------------------------


def _tensor_scatter_infer(inputs, attrs):
    tensor, indices, updates = inputs
    _require_index("TensorScatter", indices, "indices")
    if tensor.dtype != updates.dtype:
        raise TypeError(f"updates must be {tensor.dtype.name}, got {updates.dtype.name}")
    q, t, u = indices.shape, tensor.shape, updates.shape
    if q.rank is not None and t.rank is not None and q.dims[-1] is not None:
        k = q.dims[-1]
        if k > t.rank:
            raise ValueError(f"Output must have rank at least {k}, got shape {t}")
        want = TensorShape(list(q.dims[:-1]) + list(t.dims[k:]))
        if not want.is_compatible_with(u):
            raise ValueError(f"updates shape must be {want}, got {u}")
    return [spec(tensor.dtype, tensor.shape)]


def _tensor_scatter_kernel(mode: str):
    def kernel(ctx, tensor, indices, updates):
        _check_nd_indices(ctx, indices, tensor.shape, "")
        k = indices.shape[-1]
        want = indices.shape[:-1] + tensor.shape[k:]
        if updates.shape != want:
            raise _run_error(ctx, f"updates shape {_fmt(updates.shape)} must be {_fmt(want)}")
        out = np.array(tensor, copy=True)
        where = tuple(np.moveaxis(indices, -1, 0))
        if mode == "update":
            out[where] = updates
        elif mode == "add":
            np.add.at(out, where, updates)
        else:
            np.subtract.at(out, where, updates)
        return out
    return kernel


for _name, _mode in (("TensorScatterUpdate", "update"), ("TensorScatterAdd", "add"), ("TensorScatterSub", "sub")):
    _reg(_name, _tensor_scatter_infer, _tensor_scatter_kernel(_mode), "opaque", num_inputs=3, foldable=False,
         doc=f"{_name}(tensor, indices, updates): a copy of tensor with updates applied at indices.")
del _name, _mode

