"""`tf.linalg` basics backed by host ops: inv, det, solve (TF1 top-level names
matrix_inverse, matrix_determinant, matrix_solve)."""

from __future__ import annotations

from typing import Any

from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor

__all__ = ["matrix_inverse", "matrix_determinant", "matrix_solve"]


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

