"""Gradients of the sparse ops, as TF's sparse_grad.py: values get gradients, indices and
shapes none. SparseAdd's go through the SparseAddGrad op (the sum's gradient looked up at each
operand's coordinates); SparseConcat, SparseReshape and SparseAddGrad are not differentiable
(TF registers none: their float outputs, if any, flow through identities)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor import constant
from ..ops import array_ops, math_ops
from ..ops import sparse_ops
from .gradients import NotDifferentiable, RegisterGradient

NotDifferentiable("SparseAddGrad")
NotDifferentiable("SparseConcat")
NotDifferentiable("SparseReshape")


@RegisterGradient("SparseToDense")
def _sparse_to_dense_grad(op: Any, grad: Any) -> list:
    indices = op.inputs[0]
    values_grad = array_ops.gather_nd(grad, indices)
    if op.inputs[2].shape.rank == 0:  # one scalar value broadcast to every index
        values_grad = math_ops.reduce_sum(values_grad)
    default_grad = math_ops.reduce_sum(grad) - math_ops.reduce_sum(values_grad)
    return [None, None, values_grad, default_grad]


@RegisterGradient("SparseTensorDenseAdd")
def _sparse_dense_add_grad(op: Any, grad: Any) -> list:
    return [None, array_ops.gather_nd(grad, op.inputs[0]), None, grad]


@RegisterGradient("SparseAdd")
def _sparse_add_grad(op: Any, *grads: Any) -> list:
    a_grad, b_grad = get_default_graph().create_op(
        "SparseAddGrad", [grads[1], op.inputs[0], op.inputs[3], op.outputs[0]], {}, name="SparseAddGrad").outputs
    return [None, a_grad, None, None, b_grad, None, None]


@RegisterGradient("SparseReduceSum")
def _sparse_reduce_sum_grad(op: Any, grad: Any) -> list:
    """The output gradient, reshaped to keep the reduced dims, read at each entry's coordinates
    with the reduced ones zeroed (TF's `indices // scale`)."""
    indices, shape, axes = op.inputs[0], op.inputs[2], op.inputs[3]
    kept = math_ops.cast(get_default_graph().create_op("ReducedShape", [shape, axes], {},
                                                        name="ReducedShape").outputs[0], dtypes.int64)
    reshaped = array_ops.reshape(grad, kept)
    scale = math_ops.floordiv(shape, kept)
    return [None, array_ops.gather_nd(reshaped, math_ops.floordiv(indices, scale)), None, None]


@RegisterGradient("SparseTensorDenseMatMul")
def _sparse_dense_matmul_grad(op: Any, grad: Any) -> list:
    """d values[i] = sum_j grad[r, j] * op(b)[c, j] at each entry (r, c) of op(a); d b = op(a)^T grad."""
    indices, values, shape, b = op.inputs
    adj_a, adj_b = bool(op.get_attr("adjoint_a")), bool(op.get_attr("adjoint_b"))
    if values.dtype != b.dtype:
        raise TypeError(f"SparseTensorDenseMatMul op received operands with different types: `{values.dtype.name}` "
                        f"and `{b.dtype.name}`.")
    b_grad = sparse_ops.sparse_tensor_dense_matmul(SparseTensor(indices, values, shape), grad, adjoint_a=not adj_a)
    if adj_b:
        b_grad = array_ops.transpose(b_grad)
    rows, cols = indices[:, 0], indices[:, 1]
    parts_a = array_ops.gather(grad, cols if adj_a else rows)
    parts_b = array_ops.gather(array_ops.transpose(b) if adj_b else b, rows if adj_a else cols)
    return [None, math_ops.reduce_sum(parts_a * parts_b, axis=1), None, b_grad]


@RegisterGradient("SparseReorder")
def _sparse_reorder_grad(op: Any, _indices_grad: Any, values_grad: Any) -> list:
    indices, shape = op.inputs[0], op.inputs[2]
    n = array_ops.shape(indices)[0]
    entry = math_ops.range(n)
    ordered = sparse_ops.sparse_reorder(SparseTensor(indices, entry, shape))
    return [None, array_ops.gather(values_grad, array_ops.invert_permutation(ordered.values)), None]


@RegisterGradient("SparseSoftmax")
def _sparse_softmax_grad(op: Any, grad: Any) -> list:
    """(grad - sum over the row of grad * softmax) * softmax, per innermost row of entries."""
    indices, shape = op.inputs[0], op.inputs[2]
    out = op.outputs[0]
    row_sums = sparse_ops.sparse_reduce_sum(SparseTensor(indices, out * grad, shape), axis=[-1], keepdims=True)
    n = array_ops.shape(indices, out_type=dtypes.int64)[:1]
    zeros = array_ops.zeros(array_ops.concat([n, constant(np.array([1], np.int64))], 0), dtype=dtypes.int64)
    row_of = array_ops.concat([indices[:, :-1], zeros], 1)  # each entry's coordinates in row_sums
    return [None, (grad - array_ops.gather_nd(row_sums, row_of)) * out, None]


@RegisterGradient("SparseFillEmptyRows")
def _fill_empty_rows_grad(op: Any, _indices_grad: Any, values_grad: Any, _empty_grad: Any, _map_grad: Any) -> list:
    """Each input value gets the gradient at the place it went; the default every filled one."""
    d_values = array_ops.gather(values_grad, op.outputs[3])
    return [None, d_values, None, math_ops.reduce_sum(values_grad) - math_ops.reduce_sum(d_values)]
