"""TF1 API: array_ops -- placeholders, shapes, reshaping, slicing, joining, gathering.

Signatures, defaults, old keyword spellings and node names follow TF1: `tf.reshape(x, [2, -1])`
makes a node `Reshape` reading a constant `Reshape/shape`; `x[1:, None]` makes
`strided_slice` with `strided_slice/stack*` operands. Shape-valued arguments may be Python
lists, TensorShapes, tensors, or lists mixing ints and scalar tensors (auto-packed, as in TF).
"""

from __future__ import annotations

import builtins
import collections
import numbers
from typing import Any, Sequence

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import DType, as_dtype
from ...ir.shapes import Dimension, TensorShape, broadcast_shapes
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, constant, convert_to_tensor, register_tensor_conversion_function

__all__ = [
    "placeholder", "placeholder_with_default", "identity", "identity_n", "stop_gradient",
    "shape", "shape_n", "size", "rank",
    "reshape", "transpose", "matrix_transpose", "squeeze", "expand_dims",
    "concat", "stack", "pack", "parallel_stack", "unstack", "unpack", "split",
    "tile", "pad", "slice", "strided_slice", "reverse", "reverse_v2", "reverse_sequence",
    "gather", "gather_nd", "batch_gather", "boolean_mask", "one_hot", "sequence_mask",
    "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub",
    "tensor_scatter_update", "tensor_scatter_add", "tensor_scatter_sub",
    "fill", "zeros", "ones", "zeros_like", "ones_like", "eye",
    "broadcast_to", "broadcast_static_shape", "broadcast_dynamic_shape",
    "invert_permutation", "unique", "setdiff1d", "meshgrid", "space_to_depth", "depth_to_space",
]

_SLICE_TYPE_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                     "tf.int32/tf.int64 tensors are valid indices")

# --- helpers ----------------------------------------------------------------------------


def _create(op_type: str, inputs: Sequence[Any], attrs: dict[str, Any], scope: str) -> Any:
    """Create `op_type` named by the current name scope (`scope` ends in '/')."""
    return get_default_graph().create_op(op_type, list(inputs), attrs, name=scope)


def _renamed_arg(name: str, value: Any, old_name: str, old_value: Any, end: str = "") -> Any:
    """The value of an argument TF1 also accepts under an old keyword: at most one may be given
    (TF's messages differ in a final period, given as `end`)."""
    if old_value is not None:
        if value is not None:
            raise ValueError(f"Cannot specify both '{name}' and '{old_name}'{end}")
        return old_value
    return value


def _scope(name: str | None, default: str) -> Any:
    return get_default_graph().name_scope(name or default)


def _index_tensor(value: Any, name: str, dtype: Any = None, hint: Any = dtypes.int32) -> Tensor:
    """A shape-like or index-like argument as an int tensor: Python values become `dtype` (or
    `hint`, int32 by default); tensors pass through."""
    if isinstance(value, TensorShape):
        value = _shape_list(value)
    return convert_to_tensor(value, dtype=dtype, dtype_hint=hint, name=name)


def _shape_list(shape: TensorShape) -> list[int]:
    if not shape.is_fully_defined():
        raise ValueError(f"Cannot convert a partially known TensorShape to a Tensor: {shape}")
    return shape.as_list()


def _is_tensor_like(v: Any) -> bool:
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_element")


def _first_tensor_dtype(values: Any) -> DType | None:
    for v in values:
        if _is_tensor_like(v):
            return convert_to_tensor(v).dtype
        if isinstance(v, (list, tuple)):
            d = _first_tensor_dtype(v)
            if d is not None:
                return d
    return None


def _has_dimension(values: Any) -> bool:
    return any(isinstance(v, Dimension) or (isinstance(v, (list, tuple)) and _has_dimension(v)) for v in values)


def _dims_to_ints(values: Any) -> Any:
    if isinstance(values, (list, tuple)):
        return [_dims_to_ints(v) for v in values]
    if isinstance(values, Dimension):
        if values.value is None:
            raise ValueError("Cannot convert an unknown Dimension to a Tensor: ?")
        return values.value
    return values


def _autopack(values: Sequence[Any], dtype: DType, name: str) -> Tensor:
    """TF's auto-packing: a (nested) list holding tensors becomes a Pack of its elements."""
    if not any(_is_tensor_like(v) or isinstance(v, (list, tuple)) for v in values):
        return constant(_dims_to_ints(values), dtype=dtype, name=name)
    with _scope(name, "packed") as scope:
        elems = []
        for v in values:
            if _is_tensor_like(v):
                t = convert_to_tensor(v)
                if t.dtype != dtype:
                    raise TypeError(f"Cannot convert a list containing a tensor of dtype {t.dtype.name} to "
                                    f"{dtype.name} (Tensor is: {t!r})")
                elems.append(t)
            elif isinstance(v, (list, tuple)):
                elems.append(_autopack(v, dtype, "packed"))
            else:
                elems.append(constant(_dims_to_ints(v), dtype=dtype))
        return _create("Pack", elems, {"N": len(elems), "axis": 0}, scope).outputs[0]


def _autopacking_conversion(value: Any, dtype: Any = None, name: str | None = None) -> Any:
    """Lists holding tensors (or Dimensions) convert by packing; other lists are left to core."""
    tensor_dtype = _first_tensor_dtype(value)
    if tensor_dtype is None:
        if _has_dimension(value):
            return constant(_dims_to_ints(value), dtype=dtype, name=name or "Const")
        return NotImplemented
    return _autopack(value, as_dtype(dtype) if dtype is not None else tensor_dtype, name or "packed")


def _dimension_conversion(value: Dimension, dtype: Any = None, name: str | None = None) -> Tensor:
    if value.value is None:
        raise ValueError("Cannot convert an unknown Dimension to a Tensor: ?")
    return constant(value.value, dtype=dtype or dtypes.int32, name=name or "Const")


def _tensor_shape_conversion(value: TensorShape, dtype: Any = None, name: str | None = None) -> Tensor:
    dims = _shape_list(value)
    if dtype is None:
        dtype = dtypes.int64 if any(d >= 2**31 for d in dims) else dtypes.int32
    return constant(dims, dtype=dtype, name=name or "Const")


register_tensor_conversion_function((list, tuple), _autopacking_conversion)
register_tensor_conversion_function(Dimension, _dimension_conversion)
register_tensor_conversion_function(TensorShape, _tensor_shape_conversion)


def _convert_values(values: Sequence[Any], name: str = "values") -> list[Tensor]:
    """Convert a list of op inputs to one dtype: Python values take the first tensor's dtype."""
    hint = _first_tensor_dtype(values)
    return [convert_to_tensor(v, dtype_hint=hint, name=name) for v in values]


def _math():
    from . import math_ops

    return math_ops


# --- placeholders and plumbing --------------------------------------------------------


def placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> Tensor:
    """`tf.placeholder(dtype, shape=None, name=None)`: a value that must be fed (`None` dims: any size)."""
    attrs = {"dtype": as_dtype(dtype), "shape": TensorShape(shape)}
    return get_default_graph().create_op("Placeholder", [], attrs, name=name or "Placeholder").outputs[0]


def placeholder_with_default(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.placeholder_with_default(input, shape)`: `input` unless fed; `shape` may be less specific."""
    with _scope(name, "PlaceholderWithDefault") as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"dtype": x.dtype, "shape": TensorShape(shape)}
        return _create("PlaceholderWithDefault", [x], attrs, scope).outputs[0]


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "Identity") as scope:
        return _create("Identity", [convert_to_tensor(input, name="input")], {}, scope).outputs[0]


def identity_n(input: Sequence[Any], name: str | None = None) -> list[Tensor]:  # noqa: A002
    with _scope(name, "IdentityN") as scope:
        values = [convert_to_tensor(v, name="input") for v in input]
        return _create("IdentityN", values, {}, scope).outputs


def stop_gradient(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "StopGradient") as scope:
        return _create("StopGradient", [convert_to_tensor(input, name="input")], {}, scope).outputs[0]


# --- shapes -----------------------------------------------------------------------------


def shape(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> Tensor:  # noqa: A002
    """`tf.shape`: a constant when the static shape is fully known (TF1's optimize=True)."""
    return _shape_internal(input, name, optimize=True, out_type=out_type)


def _shape_internal(input: Any, name: str | None, optimize: bool, out_type: Any = dtypes.int32) -> Tensor:  # noqa: A002
    out_type = as_dtype(out_type)
    with _scope(name, "Shape") as scope:
        x = convert_to_tensor(input)
        if optimize and x.shape.is_fully_defined():
            return constant(x.shape.as_list(), dtype=out_type, name=scope)
        return _create("Shape", [x], {"out_type": out_type}, scope).outputs[0]


def shape_n(input: Sequence[Any], out_type: Any = dtypes.int32, name: str | None = None) -> list[Tensor]:  # noqa: A002
    with _scope(name, "ShapeN") as scope:
        values = [convert_to_tensor(v) for v in input]
        return _create("ShapeN", values, {"out_type": as_dtype(out_type), "N": len(values)}, scope).outputs


def size(input: Any, name: str | None = None, out_type: Any = dtypes.int32) -> Tensor:  # noqa: A002
    out_type = as_dtype(out_type)
    with _scope(name, "Size") as scope:
        x = convert_to_tensor(input)
        n = x.shape.num_elements()
        if n is None and x.shape.rank is not None and 0 in x.shape.dims:
            n = 0
        if n is not None:
            return constant(n, dtype=out_type, name=scope)
        return _create("Size", [x], {"out_type": out_type}, scope).outputs[0]


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "Rank") as scope:
        x = convert_to_tensor(input)
        if x.shape.rank is not None:
            return constant(x.shape.rank, dtype=dtypes.int32, name=scope)
        return _create("Rank", [x], {}, scope).outputs[0]


# --- reshaping --------------------------------------------------------------------------


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """`tf.reshape(tensor, shape)`: one -1 in `shape` is inferred."""
    with _scope(name, "Reshape") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        return _create("Reshape", [x, _index_tensor(shape, "shape")], {}, scope).outputs[0]


def transpose(a: Any, perm: Any = None, name: str = "transpose", conjugate: bool = False) -> Tensor:
    """`tf.transpose(a, perm=None)`: `perm` defaults to reversing the dims (`conjugate` is moot: no complex)."""
    with _scope(name, "transpose") as scope:
        x = convert_to_tensor(a, name="a")
        if perm is None:
            r = x.shape.rank
            if r is not None:
                perm = constant(list(range(r - 1, -1, -1)), dtype=dtypes.int32, name="perm")
            else:
                n = rank(x)
                perm = _math().range(n - 1, -1, -1, name="perm")
        return _create("Transpose", [x, _index_tensor(perm, "perm")], {}, scope).outputs[0]


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """Swap the last two dims (`tf.linalg.transpose`)."""
    with _scope(name, "matrix_transpose"):
        x = convert_to_tensor(a, name="a")
        r = x.shape.rank
        if r is not None:
            if r < 2:
                raise ValueError(f"Argument 'a' should be a (batch) matrix, with rank >= 2.  Found: {x.shape}")
            perm: Any = list(range(r - 2)) + [r - 1, r - 2]
        else:
            n = rank(x)
            perm = concat([_math().range(0, n - 2, 1), stack([n - 1, n - 2])], 0)
        return transpose(x, perm=perm)  # matrix_transpose/transpose, as in TF


def squeeze(input: Any, axis: Any = None, name: str | None = None, squeeze_dims: Any = None) -> Tensor:  # noqa: A002
    """`tf.squeeze(input, axis=None)` (TF1 also spells it `squeeze_dims`)."""
    axis = _renamed_arg("axis", axis, "squeeze_dims", squeeze_dims, ".")
    if np.isscalar(axis) and axis is not None:
        axis = [axis]
    dims = [int(a) for a in (axis or [])]
    with _scope(name, "Squeeze") as scope:
        x = convert_to_tensor(input, name="input")
        return _create("Squeeze", [x], {"squeeze_dims": dims}, scope).outputs[0]


def expand_dims(input: Any, axis: Any = None, name: str | None = None, dim: Any = None) -> Tensor:  # noqa: A002
    """`tf.expand_dims(input, axis)` (TF1's old keyword: `dim`)."""
    axis = _renamed_arg("axis", axis, "dim", dim, ".")
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    with _scope(name, "ExpandDims") as scope:
        x = convert_to_tensor(input, name="input")
        return _create("ExpandDims", [x, _index_tensor(axis, "dim")], {}, scope).outputs[0]


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "BroadcastTo") as scope:
        x = convert_to_tensor(input, name="input")
        return _create("BroadcastTo", [x, _index_tensor(shape, "shape")], {}, scope).outputs[0]


def broadcast_static_shape(shape_x: Any, shape_y: Any) -> TensorShape:
    return broadcast_shapes(TensorShape(shape_x), TensorShape(shape_y))


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Tensor:
    with _scope(None, "BroadcastArgs") as scope:
        sx, sy = _index_tensor(shape_x, "s0"), _index_tensor(shape_y, "s1")
        return _create("BroadcastArgs", [sx, sy], {}, scope).outputs[0]


def broadcast_gradient_args(s0: Any, s1: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """The axes each operand of a broadcasting binary op sums its gradient over (TF's raw op)."""
    with _scope(name, "BroadcastGradientArgs") as scope:
        out = _create("BroadcastGradientArgs", [_index_tensor(s0, "s0"), _index_tensor(s1, "s1")], {}, scope)
        return out.outputs[0], out.outputs[1]


# --- joining and splitting ----------------------------------------------------------------


def concat(values: Any, axis: Any, name: str = "concat") -> Tensor:
    """`tf.concat(values, axis)` (TF1 argument order)."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        with _scope(name, "concat") as scope:
            a = _index_tensor(axis, "concat_dim", dtype=dtypes.int32)
            if a.shape.rank not in (None, 0):
                raise ValueError(f"Shape must be rank 0 but is rank {a.shape.rank} for concat axis")
            return identity(values[0], name=scope)
    with _scope(name, "concat") as scope:
        tensors = _convert_values(values)
        a = _index_tensor(axis, "axis")
        return _create("ConcatV2", tensors + [a], {"N": len(tensors)}, scope).outputs[0]


def stack(values: Sequence[Any], axis: int = 0, name: str = "stack") -> Tensor:
    """`tf.stack(values, axis=0)`: a constant list becomes a Const, as in TF."""
    if axis == 0:
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass
    with _scope(name, "stack") as scope:
        tensors = _convert_values(values)
        rank_ = tensors[0].shape.rank if tensors else None
        if rank_ is not None:
            n = rank_ + 1
            if axis < -n or axis >= n:
                raise ValueError(f"axis = {axis} not in [{-n}, {n})")
        return _create("Pack", tensors, {"N": len(tensors), "axis": int(axis)}, scope).outputs[0]


pack = stack


def parallel_stack(values: Sequence[Any], name: str = "parallel_stack") -> Tensor:
    with _scope(name, "parallel_stack") as scope:
        tensors = _convert_values(values)
        return _create("Pack", tensors, {"N": len(tensors), "axis": 0}, scope).outputs[0]


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """`tf.unstack(value, num=None, axis=0)`; `num` is read from the static shape when omitted."""
    with _scope(name, "unstack") as scope:
        x = convert_to_tensor(value)
        if num is None:
            r = x.shape.rank
            if r is not None:
                if axis < -r or axis >= r:
                    raise ValueError(f"axis = {axis} not in [{-r}, {r})")
                num = x.shape.dims[axis]
            if num is None:
                raise ValueError(f"Cannot infer num from shape {x.shape}")
        return _create("Unpack", [x], {"num": int(num), "axis": int(axis)}, scope).outputs


unpack = unstack


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None,
          name: str = "split") -> list[Tensor]:
    """`tf.split(value, num_or_size_splits, axis=0, num=None)`: an int gives equal parts; a list
    gives the sizes (one may be -1)."""
    if isinstance(num_or_size_splits, Dimension):
        num_or_size_splits = num_or_size_splits.value
    with _scope(name, "split") as scope:
        x = convert_to_tensor(value, name="value")
        a = _index_tensor(axis, "split_dim", dtype=dtypes.int32)
        if isinstance(num_or_size_splits, numbers.Integral) and not isinstance(num_or_size_splits, bool):
            return _create("Split", [a, x], {"num_split": int(num_or_size_splits)}, scope).outputs
        sizes = _index_tensor(num_or_size_splits, "size_splits")
        if sizes.shape.rank == 0:
            raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument to split. "
                             f"Argument provided: {num_or_size_splits}")
        if num is None:
            num = sizes.shape.dims[0] if sizes.shape.rank == 1 else None
            if num is None:
                raise ValueError(f"Cannot infer num from shape {num_or_size_splits}")
        return _create("SplitV", [x, sizes, a], {"num_split": int(num)}, scope).outputs


# --- tiling, padding, reversing -----------------------------------------------------------


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "Tile") as scope:
        x = convert_to_tensor(input, name="input")
        return _create("Tile", [x, _index_tensor(multiples, "multiples")], {}, scope).outputs[0]


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", name: str | None = None, constant_values: Any = 0) -> Tensor:
    """`tf.pad(tensor, paddings, mode='CONSTANT', constant_values=0)`; modes CONSTANT, REFLECT, SYMMETRIC."""
    mode = mode.upper()
    if mode == "CONSTANT":
        plain = not _is_tensor_like(constant_values) and np.ndim(constant_values) == 0 and constant_values == 0
        op_type = "Pad" if plain else "PadV2"
    elif mode in ("REFLECT", "SYMMETRIC"):
        op_type = "MirrorPad"
    else:
        raise ValueError(f"Unknown padding mode: {mode}")
    with _scope(name, op_type) as scope:
        x = convert_to_tensor(tensor, name="input")
        p = _index_tensor(paddings, "paddings")
        if op_type == "Pad":
            return _create("Pad", [x, p], {}, scope).outputs[0]
        if op_type == "PadV2":
            cv = convert_to_tensor(constant_values, dtype=x.dtype, name="constant_values")
            return _create("PadV2", [x, p, cv], {}, scope).outputs[0]
        return _create("MirrorPad", [x, p], {"mode": mode}, scope).outputs[0]


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """`tf.reverse(tensor, axis)`: `axis` lists the dims to reverse (TF1.x's reverse_v2)."""
    with _scope(name, "ReverseV2") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        if isinstance(axis, numbers.Integral):
            axis = [axis]
        return _create("ReverseV2", [x, _index_tensor(axis, "axis")], {}, scope).outputs[0]


reverse_v2 = reverse


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: int | None = None, batch_axis: int | None = None,  # noqa: A002
                     name: str | None = None, seq_dim: int | None = None, batch_dim: int | None = None) -> Tensor:
    seq_axis = _renamed_arg("seq_axis", seq_axis, "seq_dim", seq_dim)
    batch_axis = _renamed_arg("batch_axis", batch_axis, "batch_dim", batch_dim)
    if seq_axis is None:
        raise ValueError("reverse_sequence needs seq_axis")
    with _scope(name, "ReverseSequence") as scope:
        x = convert_to_tensor(input, name="input")
        lengths = _index_tensor(seq_lengths, "seq_lengths", hint=dtypes.int64)
        attrs = {"seq_dim": int(seq_axis), "batch_dim": int(batch_axis or 0)}
        return _create("ReverseSequence", [x, lengths], attrs, scope).outputs[0]


# --- slicing ------------------------------------------------------------------------------


def slice(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:  # noqa: A001
    """`tf.slice(input_, begin, size)`: `size[i] = -1` takes the rest of dim i."""
    with _scope(name, "Slice") as scope:
        x = convert_to_tensor(input_, name="input")
        b = _index_tensor(begin, "begin")
        s = _index_tensor(size, "size", hint=b.dtype)
        return _create("Slice", [x, b, s], {}, scope).outputs[0]


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0, end_mask: int = 0,
                  ellipsis_mask: int = 0, new_axis_mask: int = 0, shrink_axis_mask: int = 0, var: Any = None,
                  name: str | None = None) -> Tensor:
    """`tf.strided_slice`: TF's full semantics (masks are bit fields over the index entries)."""
    with _scope(name, "StridedSlice") as scope:
        x = convert_to_tensor(input_, name="input")
        b = _index_tensor(begin, "begin")
        e = _index_tensor(end, "end", hint=b.dtype)
        if strides is None:
            n = b.shape.dims[0] if b.shape.rank == 1 else None
            s = constant([1] * n, dtype=b.dtype, name="strides") if n is not None else ones_like(b, name="strides")
        else:
            s = _index_tensor(strides, "strides", hint=b.dtype)
        attrs = {"begin_mask": int(begin_mask), "end_mask": int(end_mask), "ellipsis_mask": int(ellipsis_mask),
                 "new_axis_mask": int(new_axis_mask), "shrink_axis_mask": int(shrink_axis_mask)}
        return _create("StridedSlice", [x, b, e, s], attrs, scope).outputs[0]


def _check_index(idx: Any) -> Any:
    """A valid single index (int, Dimension, scalar int tensor) -> itself; else TypeError as TF."""
    if isinstance(idx, Dimension):
        if idx.value is None:
            raise TypeError(f"{_SLICE_TYPE_ERROR}, got {idx!r}")
        return idx.value
    if isinstance(idx, numbers.Integral):
        return int(idx)
    if isinstance(idx, np.ndarray) and idx.ndim == 0 and idx.dtype.kind in "iu":
        return int(idx)
    if _is_tensor_like(idx):
        t = convert_to_tensor(idx)
        if t.dtype in (dtypes.int32, dtypes.int64) and t.shape.rank in (None, 0):
            return t
    raise TypeError(f"{_SLICE_TYPE_ERROR}, got {idx!r}")


def getitem(tensor: Any, key: Any) -> Tensor:
    """`tensor[key]` (TF's _slice_helper): ints, slices with steps, `tf.newaxis`, `...` and scalar
    int tensors become one StridedSlice; a boolean mask becomes `boolean_mask`."""
    x = convert_to_tensor(tensor)
    if isinstance(key, bool) or (isinstance(key, Tensor) and key.dtype == dtypes.bool_) or (
            isinstance(key, np.ndarray) and key.dtype == np.bool_):
        return boolean_mask(x, key)
    if not isinstance(key, (list, tuple)):
        key = [key]
    begin: list[Any] = []
    end: list[Any] = []
    strides: list[Any] = []
    masks = {"begin_mask": 0, "end_mask": 0, "ellipsis_mask": 0, "new_axis_mask": 0, "shrink_axis_mask": 0}
    for index, s in enumerate(key):
        bit = 1 << index
        if isinstance(s, builtins.slice):  # `slice` here is tf.slice
            if s.start is None:
                begin.append(0)
                masks["begin_mask"] |= bit
            else:
                begin.append(_check_index(s.start))
            if s.stop is None:
                end.append(0)
                masks["end_mask"] |= bit
            else:
                end.append(_check_index(s.stop))
            strides.append(1 if s.step is None else _check_index(s.step))
        elif s is Ellipsis or s is None:  # None is tf.newaxis
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask" if s is Ellipsis else "new_axis_mask"] |= bit
        else:
            s = _check_index(s)
            # a shrunk dim reads only `begin` (TF ignores its end), so a tensor index needs no `+ 1`
            begin.append(s)
            end.append(s + 1 if isinstance(s, int) else s)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    graph = get_default_graph()
    with graph.name_scope("strided_slice") as scope:
        if begin:
            operands = [begin, end, strides]
            found = [_first_tensor_dtype(o) for o in operands]
            index_dtype = dtypes.int64 if dtypes.int64 in found else dtypes.int32
            packed = []
            for o, name in zip(operands, ("stack", "stack_1", "stack_2")):
                o = [_math().cast(v, index_dtype) if isinstance(v, Tensor) and v.dtype != index_dtype else v
                     for v in o]
                packed.append(_autopack(o, index_dtype, name))
        else:
            empty = constant([], dtype=dtypes.int32)
            packed = [empty, empty, empty]
        return _create("StridedSlice", [x] + packed, masks, scope).outputs[0]


# --- gathering and scattering -------------------------------------------------------------


def gather(params: Any, indices: Any, validate_indices: Any = None, name: str | None = None, axis: Any = None,
           batch_dims: int = 0) -> Tensor:
    """`tf.gather(params, indices, axis=None, batch_dims=0)`; an index out of range is an
    InvalidArgumentError at run time."""
    if axis is None:
        axis = batch_dims
    with _scope(name, "GatherV2") as scope:
        p = convert_to_tensor(params, name="params")
        i = _index_tensor(indices, "indices")
        a = _index_tensor(axis, "axis")
        return _create("GatherV2", [p, i, a], {"batch_dims": int(batch_dims)}, scope).outputs[0]


def batch_gather(params: Any, indices: Any, name: str | None = None) -> Tensor:
    """`tf.batch_gather`: gather along the first non-batch dim of `indices`."""
    with _scope(name, "BatchGather") as scope:
        i = _index_tensor(indices, "indices")
        k = i.shape.rank
        if k is None:
            raise ValueError("batch_gather does not allow indices with unknown shape.")
        return gather(params, i, axis=max(k - 1, 0), batch_dims=max(k - 1, 0), name=scope)


def gather_nd(params: Any, indices: Any, name: str | None = None, batch_dims: int = 0) -> Tensor:
    """`tf.gather_nd(params, indices, batch_dims=0)`; batch_dims > 0 needs static batch dims."""
    with _scope(name, "GatherNd") as scope:
        p = convert_to_tensor(params, name="params")
        i = _index_tensor(indices, "indices")
        if batch_dims:
            i = _batch_nd_indices(p, i, int(batch_dims))
        return _create("GatherNd", [p, i], {}, scope).outputs[0]


def _batch_nd_indices(params: Tensor, indices: Tensor, batch_dims: int) -> Tensor:
    """Prefix each index tuple with its batch coordinates, so a plain GatherNd does the rest."""
    batch = params.shape[:batch_dims]
    if indices.shape.rank is None or not batch.is_fully_defined():
        raise ValueError("gather_nd with batch_dims needs statically known batch dimensions")
    b = batch.as_list()
    inner = indices.shape.rank - 1 - batch_dims
    grid = np.stack(np.meshgrid(*[np.arange(d) for d in b], indexing="ij"), axis=-1) if b else np.zeros([0])
    grid = grid.reshape(b + [1] * inner + [batch_dims]).astype(indices.dtype.np_dtype)
    coords = broadcast_to(constant(grid), concat([shape(indices)[:-1], [batch_dims]], 0))
    return concat([coords, indices], -1)


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    with _scope(name, "ScatterNd") as scope:
        i = _index_tensor(indices, "indices")
        u = convert_to_tensor(updates, name="updates")
        s = _index_tensor(shape, "shape", hint=i.dtype)
        return _create("ScatterNd", [i, u, s], {}, scope).outputs[0]


def _tensor_scatter(op_type: str):
    def fn(tensor: Any, indices: Any, updates: Any, name: str | None = None) -> Tensor:
        with _scope(name, op_type) as scope:
            t = convert_to_tensor(tensor, name="tensor")
            i = _index_tensor(indices, "indices")
            u = convert_to_tensor(updates, dtype_hint=t.dtype, name="updates")
            return _create(op_type, [t, i, u], {}, scope).outputs[0]
    fn.__name__ = op_type
    fn.__doc__ = f"`tf.{op_type}`: a copy of `tensor` with `updates` applied at `indices`."
    return fn


tensor_scatter_nd_update = tensor_scatter_update = _tensor_scatter("TensorScatterUpdate")
tensor_scatter_nd_add = tensor_scatter_add = _tensor_scatter("TensorScatterAdd")
tensor_scatter_nd_sub = tensor_scatter_sub = _tensor_scatter("TensorScatterSub")


def boolean_mask(tensor: Any, mask: Any, name: str = "boolean_mask", axis: Any = None) -> Tensor:
    """`tf.boolean_mask(tensor, mask, axis=None)`: the entries where `mask` is true, flattened over its dims."""
    with _scope(name, "boolean_mask"):
        x = convert_to_tensor(tensor, name="tensor")
        m = convert_to_tensor(mask, name="mask")
        nd = m.shape.rank
        if nd == 0:
            raise ValueError("mask cannot be scalar.")
        if nd is None:
            raise ValueError("Number of mask dimensions must be specified, even if some dimensions are None.  "
                             "E.g. shape=[None] is ok, but shape=None is not.")
        axis = 0 if axis is None else int(axis)
        x.shape[axis:axis + nd].assert_is_compatible_with(m.shape)
        xs = shape(x)
        flat = reshape(x, concat([xs[:axis], [-1], xs[axis + nd:]], 0))
        n = x.shape[axis:axis + nd].num_elements()
        if x.shape.rank is not None:
            flat.set_shape(x.shape[:axis].concatenate([n]).concatenate(x.shape[axis + nd:]))
        indices = squeeze(_math().where(reshape(m, [-1])), axis=[1])
        return gather(flat, indices, axis=axis)  # boolean_mask/GatherV2, as in TF


def one_hot(indices: Any, depth: Any, on_value: Any = None, off_value: Any = None, axis: Any = None,
            dtype: Any = None, name: str | None = None) -> Tensor:
    """`tf.one_hot`: float32 unless `dtype` or on/off values say otherwise; out-of-range indices give all-off."""
    with _scope(name, "one_hot") as scope:
        i = _index_tensor(indices, "indices")
        want = as_dtype(dtype) if dtype is not None else None
        on = convert_to_tensor(on_value, dtype_hint=want, name="on_value") if on_value is not None else None
        off = convert_to_tensor(off_value, dtype_hint=want, name="off_value") if off_value is not None else None
        if on is not None or off is not None:
            if want is not None:
                for t, what in ((on, "on_value"), (off, "off_value")):
                    if t is not None and t.dtype != want:
                        raise TypeError(f"dtype {t.dtype.name} of {what} does not match dtype parameter {want.name}")
            else:
                want = on.dtype if on is not None else off.dtype  # type: ignore[union-attr]
            if on is not None and off is not None and on.dtype != off.dtype:
                raise TypeError(f"dtype {on.dtype.name} of on_value does not match dtype {off.dtype.name} of off_value")
        want = want or dtypes.float32
        if on is None:
            on = constant(True if want.is_bool else 1, dtype=want, name="on_value")
        if off is None:
            off = constant(False if want.is_bool else 0, dtype=want, name="off_value")
        d = _index_tensor(depth, "depth", dtype=dtypes.int32)
        attrs = {"axis": -1 if axis is None else int(axis)}
        return _create("OneHot", [i, d, on, off], attrs, scope).outputs[0]


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = dtypes.bool_, name: str | None = None) -> Tensor:
    """`tf.sequence_mask(lengths, maxlen=None, dtype=tf.bool)`: mask[..., j] = j < lengths[...]."""
    math = _math()
    with _scope(name, "SequenceMask"):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = math.reduce_max(lengths, list(range(lengths.shape.rank or 0)))
            maxlen = math.maximum(constant(0, dtype=lengths.dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        if maxlen.shape.rank not in (None, 0):
            raise ValueError(f"maxlen must be scalar for sequence_mask, got shape {maxlen.shape}")
        row = math.range(constant(0, dtype=maxlen.dtype), maxlen, constant(1, dtype=maxlen.dtype))
        matrix = expand_dims(lengths, -1)
        if matrix.dtype != maxlen.dtype:
            matrix = math.cast(matrix, maxlen.dtype)
        result = math.less(row, matrix)
        want = as_dtype(dtype)
        return result if want == dtypes.bool_ else math.cast(result, want)


# --- filling ------------------------------------------------------------------------------


def _python_dims(shape_: Any) -> list[int] | None:
    """The ints of a shape given as Python values (lists, TensorShape), or None for tensors."""
    if isinstance(shape_, TensorShape):
        shape_ = _shape_list(shape_)
    if _is_tensor_like(shape_):
        return None
    try:
        return [int(d) for d in np.reshape(np.asarray(_dims_to_ints(shape_), dtype=object), -1)]
    except (TypeError, ValueError):
        return None


def _check_fill_dims(dims: Sequence[int], scope: str) -> None:
    """Refuse negative dims with TF's ValueError (TF's shape rule words), naming the node.

    TF reads -1 as an unknown dim, then Fill rejects it; below -1 the shape itself is invalid.
    """
    bad = [d for d in dims if d < 0]
    if not bad:
        return
    from ...ir.errors import GraphBuildValueError
    from ..framework.graph import user_source_location

    node = scope.rstrip("/")
    where = user_source_location()
    head = f"Fill node '{node}'" + (f" created at {where}" if where else "")
    invalid = [d for d in bad if d < -1]
    if invalid:
        raise GraphBuildValueError(None, None, f"{head}: Invalid value in tensor used for shape: {invalid[0]}")
    partial = ",".join("?" if d == -1 else str(d) for d in dims)
    raise GraphBuildValueError(None, None, f"{head}: Fill dimensions must be >= 0 for '{{{{node {node}}}}} = Fill' "
                               f"with input shapes: [{len(dims)}], [] and with input tensors computed as partial "
                               f"shapes: input[0] = [{partial}].")


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    with _scope(name, "Fill") as scope:
        known = _python_dims(dims)
        if known is not None:
            _check_fill_dims(known, scope)
        d = _index_tensor(dims, "dims")
        v = convert_to_tensor(value, name="value")
        return _create("Fill", [d, v], {}, scope).outputs[0]


def _filled(shape_: Any, dtype: Any, name: str | None, default: str, value: Any) -> Tensor:
    dtype = as_dtype(dtype)
    fill_value = value(dtype)
    with _scope(name, default) as scope:
        if isinstance(shape_, TensorShape):
            shape_ = _shape_list(shape_)
        dims = _python_dims(shape_)
        if dims is not None:
            _check_fill_dims(dims, scope)
            if _prod(dims) < 1000:
                return constant(fill_value, shape=dims, dtype=dtype, name=scope)
        s = _index_tensor(shape_, "shape")
        if s.shape.rank == 0:
            s = reshape(s, [-1])
        return fill(s, constant(fill_value, dtype=dtype), name=scope)


def _prod(dims: Sequence[int]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


def _zero(dtype: DType) -> Any:
    return "" if dtype == dtypes.string else (False if dtype.is_bool else 0)


def _one(dtype: DType) -> Any:
    return True if dtype.is_bool else 1


def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.zeros(shape, dtype=tf.float32)`: a Const when small, else Fill."""
    return _filled(shape, dtype, name, "zeros", _zero)


def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:  # noqa: A002
    return _filled(shape, dtype, name, "ones", _one)


def zeros_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Tensor:
    with _scope(name, "zeros_like") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        if optimize and x.shape.is_fully_defined():
            return zeros(x.shape.as_list(), dtype=dtype or x.dtype, name=scope)
        if dtype is not None and as_dtype(dtype) != x.dtype:
            return zeros(_shape_internal(x, None, optimize=optimize), dtype=dtype, name=scope)
        return _create("ZerosLike", [x], {}, scope).outputs[0]


def ones_like(tensor: Any, dtype: Any = None, name: str | None = None, optimize: bool = True) -> Tensor:
    with _scope(name, "ones_like") as scope:
        x = convert_to_tensor(tensor, name="tensor")
        out = ones(_shape_internal(x, None, optimize=optimize), dtype=dtype or x.dtype, name=scope)
        out.set_shape(x.shape)
        return out


def eye(num_rows: Any, num_columns: Any = None, batch_shape: Any = None, dtype: Any = dtypes.float32,
        name: str | None = None) -> Tensor:
    """`tf.eye(num_rows, num_columns=None, batch_shape=None, dtype=tf.float32)`."""
    dtype = as_dtype(dtype)
    with _scope(name, "eye") as scope:
        cols = num_rows if num_columns is None else num_columns
        dynamic = any(_is_tensor_like(v) for v in (num_rows, cols, batch_shape))
        if not dynamic:
            for v in (num_rows, cols):
                if not isinstance(v, numbers.Integral) or v < 0:
                    raise TypeError("num_rows and num_columns must be positive integer values.")
            batch = [] if batch_shape is None else [int(d) for d in batch_shape]
            value = np.broadcast_to(np.eye(int(num_rows), int(cols), dtype=dtype.np_dtype),
                                    batch + [int(num_rows), int(cols)])
            return constant(value, dtype=dtype, name=scope)
        math = _math()
        rows = _index_tensor(num_rows, "num_rows", dtype=dtypes.int32)
        cols_t = _index_tensor(cols, "num_columns", dtype=dtypes.int32)
        matrix = one_hot(math.range(0, rows, 1), cols_t, dtype=dtype)
        if batch_shape is None:
            return identity(matrix, name=scope)
        batch_t = _index_tensor(batch_shape, "batch_shape", dtype=dtypes.int32)
        return broadcast_to(matrix, concat([batch_t, stack([rows, cols_t])], 0), name=scope)


# --- permutations, sets, spatial ----------------------------------------------------------


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    with _scope(name, "InvertPermutation") as scope:
        return _create("InvertPermutation", [_index_tensor(x, "x")], {}, scope).outputs[0]


UniqueResult = collections.namedtuple("Unique", ["y", "idx"])
ListDiffResult = collections.namedtuple("ListDiff", ["out", "idx"])
TopKResult = collections.namedtuple("TopKV2", ["values", "indices"])


def unique(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Any:
    """`tf.unique(x)` -> (y, idx): distinct values in order of first appearance, and x's position in y."""
    with _scope(name, "Unique") as scope:
        t = convert_to_tensor(x, name="x")
        outs = _create("Unique", [t], {"out_idx": as_dtype(out_idx)}, scope).outputs
        return UniqueResult(*outs)


def setdiff1d(x: Any, y: Any, index_dtype: Any = dtypes.int32, name: str | None = None) -> Any:
    """`tf.setdiff1d(x, y)` -> (out, idx): the values of x not in y, in order, and their positions."""
    with _scope(name, "ListDiff") as scope:
        tx, ty = _convert_values([x, y], name="x")
        outs = _create("ListDiff", [tx, ty], {"out_idx": as_dtype(index_dtype)}, scope).outputs
        return ListDiffResult(*outs)


def top_k(input: Any, k: Any = 1, sorted: bool = True, name: str | None = None) -> Any:  # noqa: A002
    """`tf.nn.top_k` / `tf.math.top_k`: the k largest entries of the last dim (ties: lower index first)."""
    with _scope(name, "TopKV2") as scope:
        x = convert_to_tensor(input, name="input")
        kt = _index_tensor(k, "k", dtype=dtypes.int32)
        outs = _create("TopKV2", [x, kt], {"sorted": bool(sorted)}, scope).outputs
        return TopKResult(*outs)


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """`tf.meshgrid(*args, indexing='xy', name='meshgrid')`."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        key = list(kwargs)[0]
        raise TypeError(f"'{key}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    with _scope(name, "meshgrid"):
        n = len(args)
        ones_ = (1,) * n
        output = [reshape(stack(x), ones_[:i] + (-1,) + ones_[i + 1:]) for i, x in enumerate(args)]
        sizes = [size(x) for x in args]
        if indexing == "xy" and n > 1:
            output[0] = reshape(output[0], (1, -1) + (1,) * (n - 2))
            output[1] = reshape(output[1], (-1, 1) + (1,) * (n - 2))
            sizes[0], sizes[1] = sizes[1], sizes[0]
        target = stack(sizes)
        return [broadcast_to(x, target) for x in output]


def space_to_depth(input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC") -> Tensor:  # noqa: A002
    with _scope(name, "SpaceToDepth") as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"block_size": int(block_size), "data_format": data_format}
        return _create("SpaceToDepth", [x], attrs, scope).outputs[0]


def depth_to_space(input: Any, block_size: int, name: str | None = None, data_format: str = "NHWC") -> Tensor:  # noqa: A002
    with _scope(name, "DepthToSpace") as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"block_size": int(block_size), "data_format": data_format}
        return _create("DepthToSpace", [x], attrs, scope).outputs[0]
