"""Gradients of the linear-algebra ops, as TF's linalg_grad.py."""

from __future__ import annotations

from typing import Any

from ..ops import array_ops, math_ops
from ..ops import linalg_ops as L
from .gradients import RegisterGradient


@RegisterGradient("MatrixInverse")
def _matrix_inverse_grad(op: Any, grad: Any) -> list:
    ainv = op.outputs[0]
    grad_a = -math_ops.matmul(ainv, math_ops.matmul(grad, ainv, transpose_b=True), transpose_a=True)
    if op.get_attr("adjoint"):  # the op inverted adjoint(a): its gradient is the adjoint one
        grad_a = array_ops.matrix_transpose(grad_a)
    return [grad_a]


@RegisterGradient("MatrixDeterminant")
def _matrix_determinant_grad(op: Any, grad: Any) -> list:
    a, c = op.inputs[0], op.outputs[0]
    a_adj_inv = L.matrix_inverse(a, adjoint=True)
    multipliers = array_ops.reshape(grad * c, array_ops.concat([array_ops.shape(c), [1, 1]], 0))
    return [multipliers * a_adj_inv]


@RegisterGradient("MatrixSolve")
def _matrix_solve_grad(op: Any, grad: Any) -> list:
    a, c = op.inputs[0], op.outputs[0]
    adjoint = bool(op.get_attr("adjoint"))
    grad_b = L.matrix_solve(a, grad, adjoint=not adjoint)
    if adjoint:
        grad_a = -math_ops.matmul(c, grad_b, transpose_b=True)
    else:
        grad_a = -math_ops.matmul(grad_b, c, transpose_b=True)
    return [grad_a, grad_b]
