"""Sparse ops (TF's sparse_ops): a sparse tensor is three inputs, `indices` (int64 [N, rank]),
`values` ([N]) and `shape` (int64 [rank]).

All are host ops running their NumPy reference kernels: most outputs have a data-dependent
length (SparseAdd, SparseConcat, SparseReshape's indices), and the rest scatter into or gather
from a dense tensor at run-time coordinates. Index checks are TF's (SparseTensor::IndicesValid):
the first bad entry is named, out of bounds before out of order before repeated.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import partial_shape_value, register_op, static_value
from ..shapes import TensorShape
from ._util import spec

_INDEX = (dtypes.int32, dtypes.int64)
_NUMERIC = dtypes.NUMERIC_DTYPES


# --- shared checks -----------------------------------------------------------------------

def _require(op: str, v: Value, allowed: Sequence[dtypes.DType], what: str) -> None:
    if v.dtype not in allowed:
        raise TypeError(f"{op} {what} must be one of {[d.name for d in allowed]}, got {v.dtype.name}")


def _require_rank(op: str, v: Value, rank: int, what: str) -> None:
    if v.shape.rank is not None and v.shape.rank != rank:
        raise ValueError(f"{op}: {what} must be rank {rank}, got shape {v.shape}")


def _sparse_rank(indices: Value, shape: Value) -> int | None:
    """The rank of a sparse operand, from its indices' dim 1 or its shape's length."""
    if indices.shape.rank == 2 and indices.shape.dims[1] is not None:
        return indices.shape.dims[1]
    if shape.shape.rank == 1:
        return shape.shape.dims[0]
    return None


def _check_sparse(op: str, indices: Value, values: Value, shape: Value, prefix: str = "") -> None:
    _require(op, indices, (dtypes.int64,), f"{prefix}indices")
    _require(op, shape, (dtypes.int64,), f"{prefix}shape")
    _require_rank(op, indices, 2, f"{prefix}indices")
    _require_rank(op, values, 1, f"{prefix}values")
    _require_rank(op, shape, 1, f"{prefix}shape")


def _dense_shape_of(v: Value) -> TensorShape:
    """A shape tensor's static value as a TensorShape (negative or unknown entries: None)."""
    known = partial_shape_value(v)
    if known is None:
        n = v.shape.dims[0] if v.shape.rank == 1 else None
        return TensorShape(None) if n is None else TensorShape([None] * n)
    return TensorShape([None if d is None or d < 0 else d for d in known])


def _fmt(row: Any) -> str:
    return "[" + ",".join(str(int(x)) for x in np.asarray(row).reshape(-1)) + "]"


def indices_error(indices: np.ndarray, shape: Sequence[int], check_order: bool = True) -> str | None:
    """TF's IndicesValid: the first entry out of bounds, out of order or repeated, or None."""
    n = indices.shape[0]
    if n == 0:
        return None
    shape_arr = np.asarray(shape, dtype=np.int64).reshape(1, -1)
    out = np.any((indices < 0) | (indices >= shape_arr), axis=1)
    order = np.zeros(n, dtype=bool)
    repeat = np.zeros(n, dtype=bool)
    if check_order and n > 1 and indices.shape[1]:
        diff = indices[1:] - indices[:-1]
        nonzero = diff != 0
        first = np.argmax(nonzero, axis=1)
        sign = diff[np.arange(n - 1), first]
        any_diff = np.any(nonzero, axis=1)
        order[1:] = any_diff & (sign < 0)
        repeat[1:] = ~any_diff
    elif check_order and n > 1:
        repeat[1:] = True
    bad = np.nonzero(out | order | repeat)[0]
    if not bad.size:
        return None
    i = int(bad[0])
    where = f"indices[{i}] = {_fmt(indices[i])}"
    if out[i]:
        return f"{where} is out of bounds: need 0 <= index < {_fmt(shape)}"
    if order[i]:
        return (f"{where} is out of order. Many sparse ops require sorted indices.\n"
                "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n")
    return f"{where} is repeated"


def _lex_order(indices: np.ndarray) -> np.ndarray:
    """The stable permutation putting index rows in row-major (lexicographic) order."""
    if indices.shape[1] == 0:
        return np.arange(indices.shape[0])
    return np.lexsort(indices.T[::-1])


def _row_ids(*blocks: np.ndarray) -> list[np.ndarray]:
    """One integer id per distinct index row across `blocks` (rows equal iff ids equal)."""
    rows = np.concatenate(blocks, axis=0)
    if rows.shape[0] == 0:
        return [np.zeros(0, dtype=np.int64) for _ in blocks]
    if rows.shape[1] == 0:
        ids = np.zeros(rows.shape[0], dtype=np.int64)
    else:
        _, ids = np.unique(rows, axis=0, return_inverse=True)
        ids = ids.reshape(-1)
    out, start = [], 0
    for b in blocks:
        out.append(ids[start:start + b.shape[0]])
        start += b.shape[0]
    return out


def _scatter_add(shape: Sequence[int], indices: np.ndarray, values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    out = np.zeros(tuple(int(d) for d in shape), dtype=dtype)
    if indices.shape[1] == 0:  # a scalar: every entry lands on it
        out[()] = np.sum(values, dtype=dtype)
    elif indices.shape[0]:
        np.add.at(out, tuple(indices.T), values)
    return out


def _check_bounds(ctx: Any, indices: np.ndarray, shape: np.ndarray) -> None:
    message = indices_error(indices, shape, check_order=False)
    if message is not None:
        raise ctx.error(errors.InvalidArgumentError, message)


def _check_entries(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray) -> None:
    if indices.ndim != 2 or values.shape != (indices.shape[0],) or shape.shape != (indices.shape[1],):
        raise ctx.error(errors.InvalidArgumentError,
                        f"a sparse tensor needs indices [N, rank], values [N] and shape [rank], got indices "
                        f"{list(indices.shape)}, values {list(values.shape)} and shape {list(shape.shape)}")


# --- SparseToDense -------------------------------------------------------------------------

def _sparse_to_dense_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, output_shape, values, default = inputs
    op = "SparseToDense"
    _require(op, indices, _INDEX, "sparse_indices")
    _require(op, output_shape, _INDEX, "output_shape")
    if values.dtype != default.dtype:
        raise TypeError(f"{op}: default_value ({default.dtype.name}) must have the dtype of sparse_values "
                        f"({values.dtype.name})")
    if indices.shape.rank is not None and indices.shape.rank > 2:
        raise ValueError(f"{op}: sparse_indices should be a scalar, vector, or matrix, got shape {indices.shape}")
    if output_shape.shape.rank not in (None, 1):
        raise ValueError(f"{op}: output_shape must be rank 1, got shape {output_shape.shape}")
    if values.shape.rank not in (None, 0, 1):
        raise ValueError(f"{op}: sparse_values must be a scalar or vector, got shape {values.shape}")
    if default.shape.rank not in (None, 0):
        raise ValueError(f"{op}: default_value must be a scalar, got shape {default.shape}")
    return [spec(values.dtype, _dense_shape_of(output_shape))]


def _sparse_to_dense_kernel(ctx: Any, indices: np.ndarray, output_shape: np.ndarray, values: np.ndarray,
                            default: np.ndarray) -> np.ndarray:
    shape = [int(d) for d in output_shape.reshape(-1)]
    idx = indices.astype(np.int64)
    idx = idx.reshape(1, 1) if idx.ndim == 0 else (idx.reshape(-1, 1) if idx.ndim == 1 else idx)
    n = idx.shape[0]
    if idx.shape[1] != len(shape):
        raise ctx.error(errors.InvalidArgumentError,
                        f"sparse_indices[0].size() = {idx.shape[1]} does not match output_shape.size() = "
                        f"{len(shape)}")
    if (values.ndim == 1 and values.shape[0] != n) or values.ndim > 1:
        raise ctx.error(errors.InvalidArgumentError,
                        f"sparse_values has incorrect shape {list(values.shape)}, should be [] or [{n}]")
    message = indices_error(idx, shape, check_order=bool(ctx.attrs.get("validate_indices", True)))
    if message is not None:
        raise ctx.error(errors.InvalidArgumentError, message)
    out = np.full(shape, default.reshape(()), dtype=values.dtype)
    if n:
        out[tuple(idx.T)] = values
    return out


register_op("SparseToDense", infer=_sparse_to_dense_infer, kernel=_sparse_to_dense_kernel, num_inputs=4, host=True,
            doc="SparseToDense(sparse_indices, output_shape, sparse_values, default_value); attr validate_indices.")


# --- SparseTensorDenseAdd ----------------------------------------------------------------

def _dense_add_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape, b = inputs
    op = "SparseTensorDenseAdd"
    _require(op, indices, _INDEX, "a_indices")
    _require(op, shape, _INDEX, "a_shape")
    _require(op, values, _NUMERIC, "a_values")
    if values.dtype != b.dtype:
        raise TypeError(f"{op}: b ({b.dtype.name}) must have the dtype of a_values ({values.dtype.name})")
    return [spec(b.dtype, b.shape)]  # a differing sparse shape is a run-time error, as in TF


def _dense_add_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray,
                      b: np.ndarray) -> np.ndarray:
    if shape.shape[0] != b.ndim:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Rank of the sparse side ({shape.shape[0]}) does not equal the dense side's ({b.ndim})")
    for d, (s, t) in enumerate(zip(shape.tolist(), b.shape)):
        if s != t:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Dimension {d} does not equal (no broadcasting is supported): sparse side {s} vs "
                            f"dense side {t}")
    idx = indices.astype(np.int64)
    _check_bounds(ctx, idx, shape)
    out = b.copy()
    if idx.shape[0]:
        np.add.at(out, tuple(idx.T), values)
    return out


register_op("SparseTensorDenseAdd", infer=_dense_add_infer, kernel=_dense_add_kernel, num_inputs=4, host=True,
            doc="SparseTensorDenseAdd(a_indices, a_values, a_shape, b) -> dense a + b.")


# --- SparseAdd, SparseAddGrad --------------------------------------------------------------

def _sparse_add_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    ai, av, ash, bi, bv, bsh, thresh = inputs
    op = "SparseAdd"
    _check_sparse(op, ai, av, ash, "a_")
    _check_sparse(op, bi, bv, bsh, "b_")
    _require(op, av, _NUMERIC, "a_values")
    if av.dtype != bv.dtype:
        raise TypeError(f"{op}: a_values ({av.dtype.name}) and b_values ({bv.dtype.name}) differ in dtype")
    _require(op, thresh, _NUMERIC, "thresh")
    rank = _sparse_rank(ai, ash) or _sparse_rank(bi, bsh)
    return [spec(dtypes.int64, [None, rank]), spec(av.dtype, [None]), spec(dtypes.int64, [rank])]


def _sparse_add_kernel(ctx: Any, ai: np.ndarray, av: np.ndarray, ash: np.ndarray, bi: np.ndarray, bv: np.ndarray,
                       bsh: np.ndarray, thresh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    _check_entries(ctx, ai, av, ash)
    _check_entries(ctx, bi, bv, bsh)
    if ash.shape != bsh.shape:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Operands do not have the same ranks; got shapes: {_fmt(ash)} and {_fmt(bsh)}")
    for d, (s, t) in enumerate(zip(ash.tolist(), bsh.tolist())):
        if s != t:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Operands' shapes do not match: got {s} and {t} for dimension {d}")
    # merge as TF does: entries of one side pass through, coinciding entries are summed and
    # kept only when |sum| >= thresh; the output is in row-major order
    rows = np.concatenate([ai, bi], axis=0)
    vals = np.concatenate([av, bv], axis=0)
    side = np.concatenate([np.zeros(len(av), np.int8), np.ones(len(bv), np.int8)])
    order = _lex_order(np.concatenate([rows, side[:, None].astype(np.int64)], axis=1))
    rows, vals, side = rows[order], vals[order], side[order]
    same = np.zeros(len(vals), dtype=bool)
    if len(vals) > 1:
        same[1:] = np.all(rows[1:] == rows[:-1], axis=1) & (side[1:] == 1) & (side[:-1] == 0)
    first_of_pair = np.zeros(len(vals), dtype=bool)
    first_of_pair[:-1] = same[1:]
    summed = vals.copy()
    summed[first_of_pair] = vals[first_of_pair] + vals[1:][same[1:]]
    keep = ~same
    dropped = first_of_pair & (np.abs(summed) < thresh.reshape(()))
    keep &= ~dropped
    return rows[keep].astype(np.int64), summed[keep].astype(av.dtype), ash.astype(np.int64)


register_op("SparseAdd", infer=_sparse_add_infer, kernel=_sparse_add_kernel, num_inputs=7, host=True,
            doc="SparseAdd(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh) -> sparse sum.")


def _sparse_add_grad_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    grad, ai, bi, si = inputs
    return [spec(grad.dtype, [ai.shape.dims[0] if ai.shape.rank == 2 else None]),
            spec(grad.dtype, [bi.shape.dims[0] if bi.shape.rank == 2 else None])]


def _sparse_add_grad_kernel(ctx: Any, grad: np.ndarray, ai: np.ndarray, bi: np.ndarray,
                            si: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each input entry gets the sum's gradient at its coordinates (0 where thresh dropped it)."""
    sid, aid, bid = _row_ids(si, ai, bi)
    where = np.full(len(sid) + len(aid) + len(bid), -1, dtype=np.int64)
    where[sid] = np.arange(len(sid))
    out = []
    for ids in (aid, bid):
        pos = where[ids]
        g = np.zeros(len(ids), dtype=grad.dtype)
        g[pos >= 0] = grad[pos[pos >= 0]]
        out.append(g)
    return out[0], out[1]


register_op("SparseAddGrad", infer=_sparse_add_grad_infer, kernel=_sparse_add_grad_kernel, num_inputs=4, host=True,
            doc="SparseAddGrad(backprop_val_grad, a_indices, b_indices, sum_indices) -> (a_val_grad, b_val_grad).")


# --- SparseReduceSum ---------------------------------------------------------------------

def _reduce_sum_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape, axes = inputs
    op = "SparseReduceSum"
    _check_sparse(op, indices, values, shape, "input_")
    _require(op, values, _NUMERIC, "input_values")
    _require(op, axes, (dtypes.int32,), "reduction_axes")
    dense = _dense_shape_of(shape)
    known_axes = static_value(axes)
    keep = bool(attrs.get("keep_dims", False))
    if dense.rank is None or known_axes is None:
        return [spec(values.dtype, TensorShape(None) if dense.rank is None or not keep else [None] * dense.rank)]
    rank = dense.rank
    picked = set()
    for a in np.asarray(known_axes).reshape(-1).tolist():
        if not -rank <= a < rank:
            raise ValueError(f"Invalid reduction dimension {a}, for input with {rank} dimensions.")
        picked.add(a % rank)
    dims = dense.dims
    out = [1 if i in picked else dims[i] for i in range(rank)] if keep else \
        [dims[i] for i in range(rank) if i not in picked]
    return [spec(values.dtype, out)]


def _reduce_sum_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray,
                       axes: np.ndarray) -> np.ndarray:
    _check_entries(ctx, indices, values, shape)
    rank = shape.shape[0]
    picked = []
    for a in axes.reshape(-1).tolist():
        if not -rank <= a < rank:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Invalid reduction dimension {a}, for input with {rank} dimensions.")
        picked.append(a % rank)
    _check_bounds(ctx, indices, shape)
    # sum each entry into its output coordinates (the kept axes): no dense copy of the input
    kept = [d for d in range(rank) if d not in set(picked)]
    out = _scatter_add([shape[d] for d in kept], indices[:, kept], values, values.dtype)
    if ctx.attrs.get("keep_dims", False):
        out = out.reshape([1 if d in set(picked) else int(shape[d]) for d in range(rank)])
    return out


register_op("SparseReduceSum", infer=_reduce_sum_infer, kernel=_reduce_sum_kernel, num_inputs=4, host=True,
            doc="SparseReduceSum(input_indices, input_values, input_shape, reduction_axes) -> dense; attr keep_dims.")


# --- SparseTensorDenseMatMul -------------------------------------------------------------

def _matmul_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape, b = inputs
    op = "SparseTensorDenseMatMul"
    _require(op, indices, _INDEX, "a_indices")
    _require(op, shape, (dtypes.int64,), "a_shape")
    _require(op, values, _NUMERIC, "a_values")
    if values.dtype != b.dtype:
        raise TypeError(f"{op}: b ({b.dtype.name}) must have the dtype of a_values ({values.dtype.name})")
    _require_rank(op, b, 2, "b")
    dense = _dense_shape_of(shape)
    if dense.rank not in (None, 2):
        raise ValueError(f"{op}: a must be a matrix, got dense shape {dense}")
    a_dims = dense.dims if dense.rank == 2 else [None, None]
    b_dims = b.shape.dims if b.shape.rank == 2 else [None, None]
    if attrs.get("adjoint_a"):
        a_dims = a_dims[::-1]
    if attrs.get("adjoint_b"):
        b_dims = b_dims[::-1]
    if a_dims[1] is not None and b_dims[0] is not None and a_dims[1] != b_dims[0]:
        raise ValueError(f"Dimensions must be equal, but are {a_dims[1]} and {b_dims[0]} for {op} with a of shape "
                         f"{dense} and b of shape {b.shape}")
    return [spec(b.dtype, [a_dims[0], b_dims[1]])]


def _matmul_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray,
                   b: np.ndarray) -> np.ndarray:
    adj_a, adj_b = bool(ctx.attrs.get("adjoint_a")), bool(ctx.attrs.get("adjoint_b"))
    if shape.shape != (2,):
        raise ctx.error(errors.InvalidArgumentError, f"Tensor 'a_shape' is not a vector of 2 elements, got "
                        f"{_fmt(shape)}")
    idx = indices.astype(np.int64)
    rows_col, inner_col = (1, 0) if adj_a else (0, 1)
    out_rows = int(shape[rows_col])
    inner = int(shape[inner_col])
    bm = b.conj().T if adj_b else b
    vals = values.conj() if adj_a else values
    if inner != bm.shape[0]:
        raise ctx.error(errors.InvalidArgumentError, f"Cannot multiply A and B because inner dimension does not "
                        f"match: {inner} vs. {bm.shape[0]}.  Did you forget a transpose?  Dimensions of A: "
                        f"{_fmt(shape)}).  Dimensions of B: {list(b.shape)}")
    rows, cols = idx[:, rows_col], idx[:, inner_col]
    bad_k = (cols < 0) | (cols >= inner)
    bad_m = (rows < 0) | (rows >= out_rows)
    bad = np.nonzero(bad_k | bad_m)[0]
    if bad.size:  # TF checks entry by entry, k before m
        i = int(bad[0])
        which, v, col, limit = ("k", cols[i], inner_col, inner) if bad_k[i] else ("m", rows[i], rows_col, out_rows)
        raise ctx.error(errors.InvalidArgumentError, f"{which} ({v}) from index[{i},{col}] out of bounds (>={limit})")
    out = np.zeros((out_rows, bm.shape[1]), dtype=b.dtype)
    if len(vals):
        np.add.at(out, rows, vals[:, None] * bm[cols])
    return out


register_op("SparseTensorDenseMatMul", infer=_matmul_infer, kernel=_matmul_kernel, num_inputs=4, host=True,
            doc="SparseTensorDenseMatMul(a_indices, a_values, a_shape, b); attrs adjoint_a, adjoint_b.")


# --- SparseReorder, SparseReshape --------------------------------------------------------

def _reorder_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape = inputs
    _check_sparse("SparseReorder", indices, values, shape, "input_")
    return [spec(dtypes.int64, indices.shape), spec(values.dtype, values.shape)]


def _reorder_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray,
                    shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _check_entries(ctx, indices, values, shape)
    order = _lex_order(indices)
    return indices[order], values[order]


register_op("SparseReorder", infer=_reorder_infer, kernel=_reorder_kernel, num_inputs=3, host=True,
            doc="SparseReorder(input_indices, input_values, input_shape) -> entries in row-major order.")


def _reshape_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, shape, new_shape = inputs
    op = "SparseReshape"
    for v, what in ((indices, "input_indices"), (shape, "input_shape"), (new_shape, "new_shape")):
        _require(op, v, (dtypes.int64,), what)
    _require_rank(op, indices, 2, "input_indices")
    _require_rank(op, new_shape, 1, "new_shape")
    rank = new_shape.shape.dims[0] if new_shape.shape.rank == 1 else None
    n = indices.shape.dims[0] if indices.shape.rank == 2 else None
    return [spec(dtypes.int64, [n, rank]), spec(dtypes.int64, [rank])]


def reshape_target(dense_size: int, input_shape: Sequence[int], requested: Sequence[int]) -> tuple[list[int], str]:
    """The new dense shape (one -1 inferred) and '' or TF's error message (reshape_util.cc)."""
    unknown = -1
    product = 1
    out = list(requested)
    for d, size in enumerate(out):
        if size == -1:
            if unknown != -1:
                return out, f"only one output dimension may be -1, not both {unknown} and {d}"
            unknown = d
        elif size < 0:
            return out, f"size {d} must be non-negative, not {size}"
        else:
            product *= size
    where = f". inputShape={_fmt(input_shape)} outputShape={_fmt(requested)}"
    if unknown != -1:
        if product == 0 or dense_size % product:
            if product == 0:
                return out, ("Reshape cannot infer the missing input size for an empty tensor unless all "
                             "specified input sizes are non-zero")
            return out, (f"Input to reshape is a SparseTensor with {dense_size} dense values, but the requested "
                         f"shape requires a multiple of {product}{where}")
        out[unknown] = dense_size // product
    elif product != dense_size:
        return out, (f"Input to reshape is a tensor with {dense_size} dense values, but the requested shape has "
                     f"{product}{where}")
    return out, ""


def _reshape_kernel(ctx: Any, indices: np.ndarray, shape: np.ndarray,
                    new_shape: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    in_shape = [int(d) for d in shape.tolist()]
    if indices.shape[1] != len(in_shape):
        raise ctx.error(errors.InvalidArgumentError,
                        f"Input tensor rank must match input shape length: {indices.shape[1]} vs. {len(in_shape)}")
    dense_size = int(np.prod(in_shape, dtype=np.int64)) if in_shape else 1
    out_shape, message = reshape_target(dense_size, in_shape, [int(d) for d in new_shape.tolist()])
    if message:
        raise ctx.error(errors.InvalidArgumentError, message)
    strides_in = _strides(in_shape)
    linear = indices.astype(np.int64) @ strides_in if in_shape else np.zeros(indices.shape[0], np.int64)
    strides_out = _strides(out_shape)
    out = np.empty((indices.shape[0], len(out_shape)), dtype=np.int64)
    rest = linear
    for d, s in enumerate(strides_out.tolist()):
        out[:, d] = rest // s if s else 0
        rest = rest - out[:, d] * s
    return out, np.array(out_shape, dtype=np.int64)


def _strides(shape: Sequence[int]) -> np.ndarray:
    strides = np.ones(len(shape), dtype=np.int64)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    return strides


register_op("SparseReshape", infer=_reshape_infer, kernel=_reshape_kernel, num_inputs=3, host=True,
            doc="SparseReshape(input_indices, input_shape, new_shape) -> (output_indices, output_shape).")


# --- SparseConcat --------------------------------------------------------------------------

def _concat_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    op = "SparseConcat"
    if len(inputs) % 3 or not inputs:
        raise ValueError(f"{op} takes N indices, N values and N shapes, got {len(inputs)} inputs")
    n = len(inputs) // 3
    ind, val, shp = inputs[:n], inputs[n:2 * n], inputs[2 * n:]
    for i in range(n):
        _check_sparse(op, ind[i], val[i], shp[i])
        if val[i].dtype != val[0].dtype:
            raise TypeError(f"{op}: values {i} ({val[i].dtype.name}) differ in dtype from values 0 "
                            f"({val[0].dtype.name})")
    ranks = [r for r in (_sparse_rank(a, b) for a, b in zip(ind, shp)) if r is not None]
    rank = ranks[0] if ranks else None
    if rank is not None:
        dim = int(attrs.get("concat_dim", 0))
        if not -rank <= dim < rank:
            raise ValueError(f"Concat dimension must be in range [{-rank}, {rank}), got {dim}")
    counts = [v.shape.dims[0] if v.shape.rank == 1 else None for v in val]
    nnz = None if None in counts else sum(counts)  # every entry is kept
    return [spec(dtypes.int64, [nnz, rank]), spec(val[0].dtype, [nnz]), spec(dtypes.int64, [rank])]


def _concat_kernel(ctx: Any, *arrays: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(arrays) // 3
    ind, val, shp = arrays[:n], arrays[n:2 * n], arrays[2 * n:]
    for i in range(n):
        _check_entries(ctx, ind[i], val[i], shp[i])
    rank = shp[0].shape[0]
    dim = int(ctx.attrs.get("concat_dim", 0))
    if not -rank <= dim < rank:
        raise ctx.error(errors.InvalidArgumentError, f"Concat dimension must be in range [{-rank}, {rank}), got {dim}")
    dim %= rank
    for i in range(1, n):
        if shp[i].shape[0] != rank:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Ranks of all input tensors must match: expected {rank} but got {shp[i].shape[0]} at "
                            f"position {i}")
        for d in range(rank):
            if d != dim and shp[i][d] != shp[0][d]:
                raise ctx.error(errors.InvalidArgumentError,
                                f"Input shapes must match: expected {shp[0][d]} for dimension {d} but got "
                                f"{shp[i][d]} at position {i}")
    offset = 0
    parts = []
    for i in range(n):
        moved = ind[i].astype(np.int64).copy()
        moved[:, dim] += offset
        offset += int(shp[i][dim])
        parts.append(moved)
    indices = np.concatenate(parts, axis=0)
    values = np.concatenate(val, axis=0)
    order = _lex_order(indices)
    shape = shp[0].astype(np.int64).copy()
    shape[dim] = offset
    return indices[order], values[order], shape


register_op("SparseConcat", infer=_concat_infer, kernel=_concat_kernel, host=True,
            doc="SparseConcat(indices * N, values * N, shapes * N); attr concat_dim. Output in row-major order.")


# --- SparseSoftmax -------------------------------------------------------------------------

def _softmax_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape = inputs
    _check_sparse("SparseSoftmax", indices, values, shape, "sp_")
    _require("SparseSoftmax", values, dtypes.FLOAT_DTYPES, "sp_values")
    return [spec(values.dtype, values.shape)]


def _softmax_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Softmax over the last dimension among the entries sharing the other coordinates."""
    _check_entries(ctx, indices, values, shape)
    if shape.shape[0] < 2:
        raise ctx.error(errors.InvalidArgumentError, f"Input should have rank >= 2, but received shape: "
                        f"{_fmt(shape)}")
    if not len(values):
        return values.copy()
    (group,) = _row_ids(indices[:, :-1])
    k = int(group.max()) + 1
    top = np.full(k, -np.inf, dtype=values.dtype)
    np.maximum.at(top, group, values)
    e = np.exp(values - top[group])
    total = np.zeros(k, dtype=values.dtype)
    np.add.at(total, group, e)
    return (e / total[group]).astype(values.dtype)


register_op("SparseSoftmax", infer=_softmax_infer, kernel=_softmax_kernel, num_inputs=3, host=True,
            doc="SparseSoftmax(sp_indices, sp_values, sp_shape) -> softmax of each innermost row's entries.")


# --- SparseFillEmptyRows -------------------------------------------------------------------

def _fill_empty_rows_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    indices, values, shape, default = inputs
    op = "SparseFillEmptyRows"
    _check_sparse(op, indices, values, shape)
    if default.dtype != values.dtype:
        raise TypeError(f"{op}: default_value ({default.dtype.name}) must have the dtype of values "
                        f"({values.dtype.name})")
    if default.shape.rank not in (None, 0):
        raise ValueError(f"{op}: default_value must be a scalar, got shape {default.shape}")
    rank = _sparse_rank(indices, shape)
    dense = _dense_shape_of(shape)
    rows = dense.dims[0] if dense.rank else None
    n = values.shape.dims[0] if values.shape.rank == 1 else None
    return [spec(dtypes.int64, [None, rank]), spec(values.dtype, [None]), spec(dtypes.bool_, [rows]),
            spec(dtypes.int64, [n])]


def _fill_empty_rows_kernel(ctx: Any, indices: np.ndarray, values: np.ndarray, shape: np.ndarray,
                            default: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each row of dim 0 without an entry gets one, [row, 0, ..., 0] = default; entries are
    stably sorted by row; reverse_index_map[i] is where input entry i went."""
    _check_entries(ctx, indices, values, shape)
    if shape.shape[0] == 0:
        raise ctx.error(errors.InvalidArgumentError, "Dense shape cannot be empty.")
    n_rows = int(shape[0])
    rows = indices[:, 0]
    bad = np.nonzero((rows < 0) | (rows >= n_rows))[0]
    if bad.size:
        i = int(bad[0])
        raise ctx.error(errors.InvalidArgumentError, f"indices({i}, 0) is invalid: {rows[i]} >= {n_rows}"
                        if rows[i] >= 0 else f"indices({i}, 0) is invalid: {rows[i]} < 0")
    empty = np.bincount(rows, minlength=n_rows)[:n_rows] == 0 if n_rows else np.zeros(0, dtype=bool)
    fill_rows = np.nonzero(empty)[0]
    fill = np.zeros((fill_rows.size, indices.shape[1]), dtype=np.int64)
    fill[:, 0] = fill_rows
    all_ind = np.concatenate([indices.astype(np.int64), fill], axis=0)
    all_val = np.concatenate([values, np.full(fill_rows.size, default.reshape(()), dtype=values.dtype)])
    order = np.argsort(all_ind[:, 0], kind="stable")
    where = np.empty(order.size, dtype=np.int64)
    where[order] = np.arange(order.size)
    return all_ind[order], all_val[order], empty, where[:indices.shape[0]]


register_op("SparseFillEmptyRows", infer=_fill_empty_rows_infer, kernel=_fill_empty_rows_kernel, num_inputs=4,
            host=True, doc="SparseFillEmptyRows(indices, values, dense_shape, default_value) -> (output_indices, "
                           "output_values, empty_row_indicator, reverse_index_map).")
