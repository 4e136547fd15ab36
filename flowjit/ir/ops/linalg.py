"""Batched dense linear algebra: MatrixInverse, MatrixDeterminant, MatrixSolve. Host ops
(LAPACK-backed through NumPy) running their reference kernels; inputs [..., M, M]."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ..shapes import TensorShape
from ._util import spec

_FLOATS = (dtypes.float32, dtypes.float64)


def _square(op: str, v: Value, what: str = "input") -> None:
    if v.dtype not in _FLOATS:
        raise TypeError(f"{op} {what} must be one of ['float32', 'float64'], got {v.dtype.name}")
    if v.shape.ndims is None:
        return
    if v.shape.ndims < 2:
        raise ValueError(f"{op}: {what} must be at least rank 2, got shape {v.shape}")
    m, n = v.shape.as_list()[-2:]
    if m is not None and n is not None and m != n:
        raise ValueError(f"{op}: {what} must be a square matrix, got shape {v.shape}")


def _inverse_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _square("MatrixInverse", inputs[0])
    return [spec(inputs[0].dtype, inputs[0].shape)]


def _det_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _square("MatrixDeterminant", inputs[0])
    shape = inputs[0].shape
    return [spec(inputs[0].dtype, TensorShape(None) if shape.ndims is None else TensorShape(shape.as_list()[:-2]))]


def _solve_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    a, b = inputs
    _square("MatrixSolve", a, "matrix")
    if b.dtype != a.dtype:
        raise TypeError(f"MatrixSolve rhs must have the matrix's dtype {a.dtype.name}, got {b.dtype.name}")
    if b.shape.ndims is not None and b.shape.ndims < 2:
        raise ValueError(f"MatrixSolve: rhs must be at least rank 2, got shape {b.shape}")
    if a.shape.ndims is not None and b.shape.ndims is not None:
        ma, mb = a.shape.as_list()[-2], b.shape.as_list()[-2]
        if ma is not None and mb is not None and ma != mb:
            raise ValueError(f"MatrixSolve: matrix has {ma} rows but rhs has {mb}")
    return [spec(b.dtype, b.shape)]


def _adj(x: np.ndarray, adjoint: bool) -> np.ndarray:
    return np.swapaxes(x, -1, -2) if adjoint else x


def _inverse_kernel(ctx: Any, a: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(_adj(a, bool(ctx.attrs.get("adjoint", False)))).astype(a.dtype)
    except np.linalg.LinAlgError:
        raise ctx.error(errors.InvalidArgumentError, "Input is not invertible.") from None


def _det_kernel(ctx: Any, a: np.ndarray) -> np.ndarray:
    return np.asarray(np.linalg.det(a), dtype=a.dtype)


def _solve_kernel(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[:-2] != b.shape[:-2]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"matrix and rhs must have the same batch shape, got {list(a.shape)} and {list(b.shape)}")
    try:
        return np.linalg.solve(_adj(a, bool(ctx.attrs.get("adjoint", False))), b).astype(b.dtype)
    except np.linalg.LinAlgError:
        raise ctx.error(errors.InvalidArgumentError, "Input matrix is not invertible.") from None


register_op("MatrixInverse", infer=_inverse_infer, kernel=_inverse_kernel, num_inputs=1, host=True,
            doc="inverse of each [..., M, M] matrix (of its adjoint with attr adjoint).")
register_op("MatrixDeterminant", infer=_det_infer, kernel=_det_kernel, num_inputs=1, host=True,
            doc="determinant of each [..., M, M] matrix.")
register_op("MatrixSolve", infer=_solve_infer, kernel=_solve_kernel, num_inputs=2, host=True,
            doc="X with matrix @ X = rhs (adjoint(matrix) with attr adjoint), batched.")
