"""TF1 sparse ops (TF's sparse_ops.py): `tf.sparse_placeholder`, `tf.sparse_tensor_to_dense`,
`tf.sparse_to_dense`, `tf.sparse_add`, `tf.sparse_reduce_sum`, `tf.sparse_tensor_dense_matmul`,
`tf.sparse_reorder`, `tf.sparse_reshape`, `tf.sparse_retain`, `tf.sparse_transpose`,
`tf.sparse_concat`, `tf.sparse_softmax` and the `tf.sparse.*` helpers (from_dense,
expand_dims). Wrappers build the ops of ir/ops/sparse.py, or compose dense ops where TF does
(retain, transpose, from_dense, expand_dims), with TF's argument checks and static shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.registry import static_value
from ...ir.shapes import TensorShape
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor, SparseTensorValue, convert_to_tensor_or_sparse_tensor
from ..framework.tensor import Tensor, constant, convert_to_tensor
from . import array_ops, math_ops

__all__ = ["SparseTensor", "SparseTensorValue", "sparse_placeholder", "sparse_tensor_to_dense", "sparse_to_dense",
           "sparse_add", "sparse_reduce_sum", "sparse_tensor_dense_matmul", "sparse_reorder", "sparse_reshape",
           "sparse_retain", "sparse_transpose", "sparse_concat", "sparse_softmax", "sparse_fill_empty_rows",
           "convert_to_tensor_or_sparse_tensor"]

_SPARSE = (SparseTensor, SparseTensorValue)


def _as_sparse(sp_input: Any) -> SparseTensor:
    """TF's _convert_to_sparse_tensor: a SparseTensorValue becomes constants; anything else
    that is not a SparseTensor is refused."""
    if isinstance(sp_input, SparseTensorValue):
        return SparseTensor.from_value(sp_input)
    if not isinstance(sp_input, SparseTensor):
        raise TypeError("Input must be a SparseTensor.")
    return sp_input


def _create(op_type: str, inputs: list[Any], attrs: dict[str, Any], name: str | None) -> Any:
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _with_static_shape(sp: SparseTensor, shape: TensorShape) -> SparseTensor:
    """Record a dense shape known while building that the shape tensor cannot show."""
    if shape.rank is not None and sp.get_shape().rank in (None, shape.rank):
        sp._dense_shape_default = sp.get_shape().merge_with(shape) if sp.get_shape().rank is not None else shape
    return sp


# --- placeholders and conversion to dense --------------------------------------------------

def sparse_placeholder(dtype: Any, shape: Any = None, name: str | None = None) -> SparseTensor:
    """`tf.sparse_placeholder`: three placeholders, `name/indices`, `name/values` and
    `name/shape` (a PlaceholderWithDefault holding `shape` when it is given)."""
    shape_name = f"{name}/shape" if name is not None else None
    if shape is None:
        dense_shape = array_ops.placeholder(dtypes.int64, shape=[None], name=shape_name)
        static = TensorShape(None)
        rank = None
    else:
        if isinstance(shape, Tensor):
            rank = shape.shape.dims[0] if shape.shape.rank == 1 else None
            static = TensorShape(None) if rank is None else TensorShape([None] * rank)
            default = shape
        else:
            dims = list(TensorShape(shape).as_list()) if isinstance(shape, TensorShape) else list(shape)
            rank = len(dims)
            static = TensorShape([None if d is None or d == -1 else int(d) for d in dims])
            default = convert_to_tensor([-1 if d is None else int(d) for d in dims], dtype=dtypes.int64,
                                        name=f"{name}/shape_default" if name is not None else None)
        dense_shape = array_ops.placeholder_with_default(default, shape=default.shape, name=shape_name)
    values = array_ops.placeholder(dtype, shape=[None], name=f"{name}/values" if name is not None else None)
    indices = array_ops.placeholder(dtypes.int64, shape=[None, rank],
                                    name=f"{name}/indices" if name is not None else None)
    result = SparseTensor(indices=indices, values=values, dense_shape=dense_shape)
    result._dense_shape_default = static
    return result


def sparse_to_dense(sparse_indices: Any, output_shape: Any, sparse_values: Any, default_value: Any = 0,
                    validate_indices: bool = True, name: str | None = None) -> Tensor:
    """`tf.sparse_to_dense`: a dense tensor of `default_value` with `sparse_values` at
    `sparse_indices` (a scalar, vector or [N, rank] matrix)."""
    indices = convert_to_tensor(sparse_indices, dtype_hint=dtypes.int32, name="sparse_indices")
    shape = convert_to_tensor(output_shape, dtype_hint=indices.dtype, name="output_shape")
    if shape.dtype != indices.dtype and indices.dtype in (dtypes.int32, dtypes.int64):
        shape = math_ops.cast(shape, indices.dtype)
    values = convert_to_tensor(sparse_values, name="sparse_values")
    default = convert_to_tensor(default_value, dtype=values.dtype, name="default_value")
    return _create("SparseToDense", [indices, shape, values, default], {"validate_indices": bool(validate_indices)},
                   name).outputs[0]


def sparse_tensor_to_dense(sp_input: Any, default_value: Any = 0, validate_indices: bool = True,
                           name: str | None = None) -> Tensor:
    """`tf.sparse_tensor_to_dense` / `tf.sparse.to_dense`: the dense tensor a SparseTensor
    stands for; indices must be sorted and distinct when `validate_indices`."""
    sp = _as_sparse(sp_input)
    if default_value is None:
        default_value = 0
    default = convert_to_tensor(default_value, dtype=sp.dtype, name="default_value")
    return _create("SparseToDense", [sp.indices, sp.dense_shape, sp.values, default],
                   {"validate_indices": bool(validate_indices)}, name).outputs[0]


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse.from_dense`: the nonzero entries of a dense tensor, in row-major order."""
    with get_default_graph().name_scope(name or "dense_to_sparse"):
        t = convert_to_tensor(tensor)
        zero = convert_to_tensor(np.zeros([], dtype=t.dtype.np_dtype) if t.dtype.name != "string" else "",
                                 dtype=t.dtype)
        indices = math_ops.where(math_ops.not_equal(t, zero))
        values = array_ops.gather_nd(t, indices)
        shape = array_ops.shape(t, out_type=dtypes.int64)
        return SparseTensor(indices, values, shape)


# --- arithmetic ---------------------------------------------------------------------------

def sparse_add(a: Any, b: Any, threshold: Any = None, thresh: Any = None) -> Any:
    """`tf.sparse_add` / `tf.sparse.add`: sparse + dense is a dense Tensor; sparse + sparse a
    SparseTensor, where coinciding entries whose sum is below `threshold` in magnitude are dropped."""
    if threshold is not None and thresh is not None:
        raise ValueError("Cannot specify both 'threshold' and 'thresh'")
    threshold = thresh if threshold is None else threshold
    if threshold is None:
        threshold = 0
    if not any(isinstance(x, _SPARSE) for x in (a, b)):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if all(isinstance(x, _SPARSE) for x in (a, b)):
        a, b = _as_sparse(a), _as_sparse(b)
        thresh_t = convert_to_tensor(threshold, dtype=a.dtype, name="threshold")
        ind, val, shp = _create("SparseAdd", [a.indices, a.values, a.dense_shape, b.indices, b.values,
                                              b.dense_shape, thresh_t], {}, None).outputs
        sa, sb = a.get_shape(), b.get_shape()
        if not sa.is_compatible_with(sb):
            raise ValueError(f"Shapes {_tf_shape(sa)} and {_tf_shape(sb)} are incompatible")
        merged = sa.merge_with(sb) if sa.rank is not None or sb.rank is not None else TensorShape(None)
        dense_shape: Any = merged.as_list() if merged.is_fully_defined() else shp
        return SparseTensor(ind, val, dense_shape)
    if isinstance(b, _SPARSE):
        a, b = b, a
    sp = _as_sparse(a)
    dense = convert_to_tensor(b, dtype_hint=sp.dtype)
    return _create("SparseTensorDenseAdd", [sp.indices, sp.values, sp.dense_shape, dense], {}, None).outputs[0]


def _tf_shape(shape: TensorShape) -> str:
    if shape.rank is None:
        return "<unknown>"
    dims = ["None" if d is None else str(d) for d in shape.as_list()]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _reduction_axes(sp: SparseTensor, axis: Any) -> Tensor:
    """TF's _ReductionDims for a SparseTensor: every axis when `axis` is None."""
    if axis is not None:
        return convert_to_tensor(axis, dtype=dtypes.int32, name="reduction_axes")
    rank = sp.dense_shape.shape.dims[0] if sp.dense_shape.shape.rank == 1 else None
    if rank is not None:
        return constant(np.arange(rank, dtype=np.int32))
    n = math_ops.cast(array_ops.size(sp.dense_shape), dtypes.int32)
    return math_ops.range(0, n, 1)


def sparse_reduce_sum(sp_input: Any, axis: Any = None, keepdims: Any = None, reduction_axes: Any = None,
                      keep_dims: Any = None) -> Tensor:
    """`tf.sparse_reduce_sum` / `tf.sparse.reduce_sum`: the sum over `axis` (all axes when None)
    of the dense tensor `sp_input` stands for, as a dense Tensor."""
    if axis is not None and reduction_axes is not None:
        raise ValueError("Cannot specify both 'axis' and 'reduction_axes'")
    if keepdims is not None and keep_dims is not None:
        raise ValueError("Cannot specify both 'keepdims' and 'keep_dims'")
    axis = reduction_axes if axis is None else axis
    keepdims = keep_dims if keepdims is None else keepdims
    sp = _as_sparse(sp_input)
    axes = _reduction_axes(sp, axis)
    return _create("SparseReduceSum", [sp.indices, sp.values, sp.dense_shape, axes],
                   {"keep_dims": bool(keepdims)}, None).outputs[0]


def sparse_tensor_dense_matmul(sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False,
                               name: str | None = None) -> Tensor:
    """`tf.sparse_tensor_dense_matmul` / `tf.sparse.matmul`: op(sp_a) @ op(b) for a sparse
    matrix and a dense one (op: adjoint when asked), a dense Tensor."""
    sp = _as_sparse(sp_a)
    with get_default_graph().name_scope(name or "SparseTensorDenseMatMul"):
        dense = convert_to_tensor(b, name="b")
        return _create("SparseTensorDenseMatMul", [sp.indices, sp.values, sp.dense_shape, dense],
                       {"adjoint_a": bool(adjoint_a), "adjoint_b": bool(adjoint_b)}, None).outputs[0]


def sparse_softmax(sp_input: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse_softmax` / `tf.sparse.softmax`: softmax over the innermost dimension, among
    the present entries only (missing ones count as -inf)."""
    sp = _as_sparse(sp_input)
    with get_default_graph().name_scope(name or "SparseSoftmax") as scope:
        out = _create("SparseSoftmax", [sp.indices, sp.values, sp.dense_shape], {}, scope).outputs[0]
        return SparseTensor(sp.indices, out, sp.dense_shape)


# --- reordering and reshaping ------------------------------------------------------------

def sparse_reorder(sp_input: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse_reorder` / `tf.sparse.reorder`: the same SparseTensor with its entries in
    row-major order."""
    sp = _as_sparse(sp_input)
    ind, val = _create("SparseReorder", [sp.indices, sp.values, sp.dense_shape], {}, name).outputs
    static = sp.get_shape()
    dense_shape: Any = static.as_list() if static.is_fully_defined() else array_ops.identity(sp.dense_shape)
    out = SparseTensor(ind, val, dense_shape)
    return _with_static_shape(out, static)


def sparse_reshape(sp_input: Any, shape: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse_reshape` / `tf.sparse.reshape`: the same entries in a dense shape of as many
    elements (one dimension may be -1); static shapes are checked while building, as in TF."""
    sp = _as_sparse(sp_input)
    new_shape = math_ops.cast(shape, dtypes.int64)
    with get_default_graph().name_scope(name or "SparseReshape") as scope:
        ind, out_shape = _create("SparseReshape", [sp.indices, sp.dense_shape, new_shape], {}, scope).outputs
        requested = static_value(new_shape.value)
        dense_shape: Any = out_shape
        in_static = sp.get_shape()
        if requested is not None and in_static.is_fully_defined():
            wanted = [int(d) for d in np.asarray(requested).reshape(-1)]
            if sum(d == -1 for d in wanted) > 1:
                raise ValueError(f"At most one dimension can be inferred (-1). Found: {np.asarray(requested)}")
            size = int(np.prod(in_static.as_list(), dtype=np.int64))
            shown = [None if d == -1 else d for d in wanted]
            if -1 in wanted and size != 0:
                known = int(np.prod([d for d in wanted if d != -1], dtype=np.int64))
                if known and size % known == 0:
                    wanted[wanted.index(-1)] = size // known
            if -1 not in wanted:
                total = int(np.prod(wanted, dtype=np.int64))
                if total != size:
                    raise ValueError(f"Cannot reshape a tensor with {size} elements to shape {shown} ({total} "
                                     "elements).")
                dense_shape = constant(np.array(wanted, dtype=np.int64))
        return SparseTensor(ind, array_ops.identity(sp.values), dense_shape)


def sparse_retain(sp_input: Any, to_retain: Any) -> SparseTensor:
    """`tf.sparse_retain` / `tf.sparse.retain`: the entries whose `to_retain` flag is true."""
    sp = _as_sparse(sp_input)
    keep = convert_to_tensor(to_retain)
    if keep.shape.rank is not None and keep.shape.rank != 1:
        raise ValueError(f"Shape {_tf_shape(keep.shape)} must have rank 1")
    n_values = sp.values.shape.dims[0] if sp.values.shape.rank == 1 else None
    n_keep = keep.shape.dims[0] if keep.shape.rank == 1 else None
    if n_values is not None and n_keep is not None and n_values != n_keep:
        raise ValueError(f"Dimensions {n_values} and {n_keep} are not compatible")
    where_true = array_ops.reshape(math_ops.where(keep), [-1])
    new_indices = array_ops.gather(sp.indices, where_true)
    new_values = array_ops.gather(sp.values, where_true)
    return _with_static_shape(SparseTensor(new_indices, new_values, array_ops.identity(sp.dense_shape)),
                              sp.get_shape())


def sparse_transpose(sp_input: Any, perm: Any = None, name: str | None = None) -> SparseTensor:
    """`tf.sparse_transpose` / `tf.sparse.transpose`: dimensions permuted by `perm` (reversed
    when None), entries reordered to row-major order."""
    sp = _as_sparse(sp_input)
    with get_default_graph().name_scope(name or "SparseTranspose"):
        static = sp.get_shape()
        if perm is None:
            if static.rank is not None:
                perm = np.arange(static.rank - 1, -1, -1, dtype=np.int32)
            else:
                rank = math_ops.cast(array_ops.size(sp.dense_shape), dtypes.int32)
                perm = (rank - 1) - math_ops.range(0, rank, 1)
        perm_t = convert_to_tensor(perm, dtype_hint=dtypes.int32)
        indices = array_ops.transpose(array_ops.gather(array_ops.transpose(sp.indices), perm_t))
        known = static_value(perm_t.value)
        if known is not None and static.is_fully_defined():
            old = static.as_list()
            dense_shape: Any = [old[int(p)] for p in np.asarray(known).reshape(-1)]
        else:
            dense_shape = array_ops.gather(sp.dense_shape, perm_t)
        return sparse_reorder(SparseTensor(indices, sp.values, dense_shape))


def sparse_concat(axis: Any, sp_inputs: Any, name: str | None = None, expand_nonconcat_dim: bool = False,
                  concat_dim: Any = None, expand_nonconcat_dims: Any = None) -> SparseTensor:
    """`tf.sparse_concat` / `tf.sparse.concat`: SparseTensors joined along `axis` (the other
    dimensions must match unless `expand_nonconcat_dim`, which takes their maximum)."""
    if axis is not None and concat_dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'concat_dim'")
    axis = concat_dim if axis is None else axis
    if expand_nonconcat_dims is not None:
        expand_nonconcat_dim = expand_nonconcat_dims
    if not isinstance(sp_inputs, list):
        raise TypeError("Inputs must be a list")
    if not all(isinstance(x, SparseTensor) for x in sp_inputs):
        raise TypeError("All inputs must be SparseTensors")
    if len(sp_inputs) == 1:
        return sp_inputs[0]
    axis = int(axis)
    inds = [x.indices for x in sp_inputs]
    vals = [x.values for x in sp_inputs]
    shapes = [x.dense_shape for x in sp_inputs]
    if expand_nonconcat_dim:
        biggest = math_ops.reduce_max(array_ops.concat([array_ops.reshape(s, [1, -1]) for s in shapes], 0), 0)
        shapes = [array_ops.concat([biggest[:axis], s[-1:] if axis == -1 else s[axis:axis + 1],
                                    [] if axis == -1 else biggest[axis + 1:]], 0) for s in shapes]
    ind, val, shp = _create("SparseConcat", inds + vals + shapes, {"concat_dim": axis, "N": len(sp_inputs)},
                            name).outputs
    out = SparseTensor(ind, val, shp)
    statics = [x.get_shape() for x in sp_inputs]
    if all(s.is_fully_defined() for s in statics) and statics[0].rank:
        rank = statics[0].rank
        dim = axis % rank
        dims = [max(s.as_list()[d] for s in statics) if expand_nonconcat_dim else statics[0].as_list()[d]
                for d in range(rank)]
        dims[dim] = sum(s.as_list()[dim] for s in statics)
        _with_static_shape(out, TensorShape(dims))
    return out


def expand_dims(sp_input: Any, axis: Any = None, name: str | None = None) -> SparseTensor:
    """`tf.sparse.expand_dims`: a dimension of size 1 inserted at `axis` (-1: at the end)."""
    sp = _as_sparse(sp_input)
    rank_static = sp.dense_shape.shape.dims[0] if sp.dense_shape.shape.rank == 1 else None
    axis = -1 if axis is None else axis
    with get_default_graph().name_scope(name or "expand_dims"):
        if isinstance(axis, (int, np.integer)) and rank_static is not None:
            a = int(axis)
            if not -rank_static - 1 <= a <= rank_static:
                raise ValueError(f"axis {a} is out of range for a SparseTensor of rank {rank_static}")
            a = a if a >= 0 else a + rank_static + 1
            n = array_ops.shape(sp.indices, out_type=dtypes.int64)[:1]
            zeros = array_ops.zeros(array_ops.concat([n, constant(np.array([1], np.int64))], 0), dtype=dtypes.int64)
            indices = array_ops.concat([sp.indices[:, :a], zeros, sp.indices[:, a:]], 1)
            one = convert_to_tensor([1], dtype=dtypes.int64, name="new_shape")
            shape = array_ops.concat([sp.dense_shape[:a], one, sp.dense_shape[a:]], 0)
            out = SparseTensor(indices, sp.values, shape)
            static = sp.get_shape()
            if static.rank is not None:
                dims = static.as_list()
                _with_static_shape(out, TensorShape(dims[:a] + [1] + dims[a:]))
            return out
        if not isinstance(axis, (int, np.integer, Tensor)):
            raise TypeError("axis must be an int or tensor")
        raise ValueError("tf.sparse.expand_dims needs a Python int axis and a SparseTensor of known rank here "
                         f"(got axis {axis!r}, rank {rank_static})")


def sparse_fill_empty_rows(sp_input: Any, default_value: Any, name: str | None = None) -> tuple[SparseTensor, Tensor]:
    """`tf.sparse_fill_empty_rows` / `tf.sparse.fill_empty_rows`: every row (dim 0) without an
    entry gets `default_value` at column 0; also returns which rows were empty (bool [rows])."""
    sp = _as_sparse(sp_input)
    with get_default_graph().name_scope(name or "SparseFillEmptyRows"):
        default = convert_to_tensor(default_value, dtype=sp.dtype)
        ind, val, empty, _ = _create("SparseFillEmptyRows", [sp.indices, sp.values, sp.dense_shape, default], {},
                                     None).outputs
        out = SparseTensor(ind, val, sp.dense_shape)
        return _with_static_shape(out, sp.get_shape()), empty
