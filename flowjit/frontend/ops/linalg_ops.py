"""`tf.linalg` backed by host ops: inv, det, solve, cholesky, triangular_solve, qr, svd, slogdet,
eigh/eigvalsh (TF1 top-level names matrix_inverse, matrix_determinant, matrix_solve, cholesky,
matrix_triangular_solve, qr, svd, log_matrix_determinant, self_adjoint_eig(vals)) and TF's
composites of them: cholesky_solve, logdet, matrix_solve_ls (tf.linalg.lstsq); sqrtm
(matrix_square_root)."""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, control_flow, math_ops
from .matrix_index_ops import matrix_diag_part

__all__ = ["matrix_inverse", "matrix_determinant", "matrix_solve", "cholesky", "matrix_triangular_solve",
           "cholesky_solve", "qr", "svd", "log_matrix_determinant", "self_adjoint_eig", "self_adjoint_eigvals",
           "matrix_solve_ls", "matrix_square_root"]


def matrix_inverse(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.linalg.inv`: inverse of each [..., M, M] matrix; a singular one is InvalidArgumentError."""
    return get_default_graph().create_op("MatrixInverse", [input], {"adjoint": bool(adjoint)},
                                         name=name or "MatrixInverse").outputs[0]


def matrix_determinant(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.linalg.det`: determinant of each [..., M, M] matrix."""
    return get_default_graph().create_op("MatrixDeterminant", [input], {},
                                         name=name or "MatrixDeterminant").outputs[0]


def matrix_solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """`tf.linalg.solve`: X with matrix @ X = rhs, batched."""
    return get_default_graph().create_op("MatrixSolve", [matrix, rhs], {"adjoint": bool(adjoint)},
                                         name=name or "MatrixSolve").outputs[0]


def _op(op_type: str, inputs: list[Any], attrs: dict, name: str | None) -> Any:
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def cholesky(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.linalg.cholesky`: lower L with L L^T = input (only its lower triangle is read); a matrix
    that is not positive definite is an InvalidArgumentError at run time."""
    return _op("Cholesky", [input], {}, name).outputs[0]


def matrix_triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                            name: str | None = None) -> Tensor:
    """`tf.linalg.triangular_solve`: X with tri(matrix) @ X = rhs (adjoint(tri(matrix)) with
    `adjoint`); the other triangle of `matrix` is never read."""
    with get_default_graph().name_scope(name or "MatrixTriangularSolve") as scope:  # inputs named inside, as TF
        matrix = convert_to_tensor(matrix, name="matrix")
        rhs = convert_to_tensor(rhs, dtype_hint=matrix.dtype, name="rhs")  # a Python list takes the matrix's dtype
        return _op("MatrixTriangularSolve", [matrix, rhs], {"lower": bool(lower), "adjoint": bool(adjoint)},
                   scope).outputs[0]


def cholesky_solve(chol: Any, rhs: Any, name: str | None = None) -> Tensor:
    """`tf.linalg.cholesky_solve`: X with (chol chol^T) X = rhs, two triangular solves as in TF."""
    with name_scope(name, "cholesky_solve"):
        y = matrix_triangular_solve(chol, rhs, adjoint=False, lower=True)
        return matrix_triangular_solve(chol, y, adjoint=True, lower=True)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """`tf.linalg.qr`: (q, r) with input = q r, q orthonormal columns, r upper triangular."""
    q, r = _op("Qr", [input], {"full_matrices": bool(full_matrices)}, name).outputs
    return q, r


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None) -> Any:
    """`tf.linalg.svd`: (s, u, v) with tensor = u diag(s) v^T -- TF's order, and v, not v^T;
    only s when `compute_uv` is False. s is sorted in decreasing order."""
    s, u, v = _op("Svd", [tensor], {"compute_uv": bool(compute_uv), "full_matrices": bool(full_matrices)},
                  name).outputs
    return (s, u, v) if compute_uv else s


def log_matrix_determinant(input: Any, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """`tf.linalg.slogdet`: (sign, log|det|) of each square matrix; a singular one gives (0, -inf)."""
    sign, log_abs_det = _op("LogMatrixDeterminant", [input], {}, name).outputs
    return sign, log_abs_det


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """`tf.linalg.logdet`: log det of Hermitian positive definite matrices, 2 sum(log diag(chol))
    as TF computes it."""
    with name_scope(name, "logdet"):
        chol = cholesky(matrix)
        return 2.0 * math_ops.reduce_sum(math_ops.log(math_ops.real(matrix_diag_part(chol))), axis=[-1])


def matrix_square_root(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.linalg.sqrtm`: the principal square root R (R R = input) of each square matrix; NaN for
    a matrix with an eigenvalue on the closed negative real axis."""
    return _op("MatrixSquareRoot", [input], {}, name).outputs[0]


def self_adjoint_eig(tensor: Any, name: str | None = None) -> tuple[Tensor, Tensor]:
    """`tf.linalg.eigh`: ascending eigenvalues e and eigenvectors v (columns) of symmetric matrices,
    reading only their lower triangle."""
    e, v = _op("SelfAdjointEigV2", [tensor], {"compute_v": True}, name).outputs
    return e, v


def self_adjoint_eigvals(tensor: Any, name: str | None = None) -> Tensor:
    """`tf.linalg.eigvalsh`: the ascending eigenvalues only."""
    return _op("SelfAdjointEigV2", [tensor], {"compute_v": False}, name).outputs[0]


def _regularized_gramian_cholesky(matrix: Tensor, l2_regularizer: Any, first_kind: bool) -> Tensor:
    """Cholesky factor of A^T A + l2 I (first kind) or A A^T + l2 I (TF's _RegularizedGramianCholesky)."""
    gramian = math_ops.matmul(matrix, matrix, adjoint_a=first_kind, adjoint_b=not first_kind)
    if isinstance(l2_regularizer, Tensor) or l2_regularizer != 0:
        shape = array_ops.shape(matrix)
        small = shape[-1] if first_kind else shape[-2]
        identity = array_ops.eye(small, batch_shape=shape[:-2], dtype=matrix.dtype)
        l2 = math_ops.cast(l2_regularizer, matrix.dtype) if isinstance(l2_regularizer, Tensor) else \
            convert_to_tensor(l2_regularizer, dtype=matrix.dtype)  # a Python float straight to the dtype
        gramian += l2 * identity
    return cholesky(gramian)


def matrix_solve_ls(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True,
                    name: str | None = None) -> Tensor:
    """`tf.linalg.lstsq`: least-squares X of matrix @ X = rhs, [..., N, K]. `fast`: the regularized
    normal equations solved through Cholesky (TF's composite); otherwise a MatrixSolveLs op computing
    the minimum-norm solution (l2_regularizer ignored, no gradient, as in TF)."""
    matrix = convert_to_tensor(matrix, name="matrix")
    if not fast:
        rhs = convert_to_tensor(rhs, dtype_hint=matrix.dtype, name="rhs")
        l2 = convert_to_tensor(l2_regularizer, dtype=dtypes.float64, name="l2_regularizer")
        return _op("MatrixSolveLs", [matrix, rhs, l2], {"fast": False}, name).outputs[0]
    with name_scope(name, "matrix_solve_ls"):
        rhs = convert_to_tensor(rhs, dtype_hint=matrix.dtype, name="rhs")
        dims = matrix.get_shape().as_list()[-2:] if matrix.get_shape().ndims is not None else [None, None]
        if dims[0] is not None and dims[1] is not None:
            return (_overdetermined if dims[0] >= dims[1] else _underdetermined)(matrix, rhs, l2_regularizer)
        shape = array_ops.shape(matrix)[-2:]  # decided at run time, as TF does
        return control_flow.cond(shape[0] >= shape[1], lambda: _overdetermined(matrix, rhs, l2_regularizer),
                                 lambda: _underdetermined(matrix, rhs, l2_regularizer))


def _overdetermined(matrix: Tensor, rhs: Tensor, l2_regularizer: Any) -> Tensor:
    """(A^T A + l2 I)^-1 A^T rhs."""
    chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=True)
    return cholesky_solve(chol, math_ops.matmul(matrix, rhs, adjoint_a=True))


def _underdetermined(matrix: Tensor, rhs: Tensor, l2_regularizer: Any) -> Tensor:
    """A^T (A A^T + l2 I)^-1 rhs: the minimum-norm solution for l2 = 0."""
    chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=False)
    return math_ops.matmul(matrix, cholesky_solve(chol, rhs), adjoint_a=True)
