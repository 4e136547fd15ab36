"""Matrix factorizations and the solvers built on them: Cholesky, MatrixTriangularSolve, Qr,
Svd, LogMatrixDeterminant, SelfAdjointEigV2, MatrixSolveLs, MatrixSquareRoot.

Host ops (LAPACK through NumPy) running their reference kernels on batches [..., M, N] of
float32/float64; results are cast back to the input dtype. Run-time failures are TF1's
InvalidArgumentErrors with TF1's wording (a Cholesky of a matrix that is not positive definite,
a triangular solve with a zero on the diagonal).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ..shapes import TensorShape, broadcast_shapes
from ._util import spec
from .linalg import _FLOATS, _square


def _float_matrix(op: str, v: Value, what: str = "input") -> tuple[list[int | None], int | None, int | None] | None:
    """Checks dtype and rank >= 2; returns (batch dims, rows, cols), or None for unknown rank."""
    if v.dtype not in _FLOATS:
        raise TypeError(f"{op} {what} must be one of ['float32', 'float64'], got {v.dtype.name}")
    if v.shape.ndims is None:
        return None
    if v.shape.ndims < 2:
        raise ValueError(f"{op}: {what} must be at least rank 2, got shape {v.shape}")
    dims = v.shape.as_list()
    return dims[:-2], dims[-2], dims[-1]


def _shape(batch: list[int | None] | None, *tail: int | None) -> TensorShape:
    return TensorShape(None) if batch is None else TensorShape(list(batch) + list(tail))


def _min(m: int | None, n: int | None) -> int | None:
    return None if m is None or n is None else min(m, n)


# --- inference -------------------------------------------------------------------------------

def _cholesky_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _square("Cholesky", inputs[0])
    return [spec(inputs[0].dtype, inputs[0].shape)]


def _triangular_solve_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    a, b = inputs
    _square("MatrixTriangularSolve", a, "matrix")
    if b.dtype != a.dtype:
        raise TypeError(f"Input 'rhs' of 'MatrixTriangularSolve' Op has type {b.dtype.name} that does not match "
                        f"type {a.dtype.name} of argument 'matrix'.")
    fb = _float_matrix("MatrixTriangularSolve", b, "rhs")
    fa = _float_matrix("MatrixTriangularSolve", a, "matrix")
    if fa is None or fb is None:
        return [spec(b.dtype, TensorShape(None))]
    if fa[1] is not None and fb[1] is not None and fa[1] != fb[1]:
        raise ValueError(f"MatrixTriangularSolve: Dimensions must be equal, but are {fa[1]} and {fb[1]} "
                         f"(matrix shape {a.shape}, rhs shape {b.shape})")
    try:
        batch = broadcast_shapes(TensorShape(fa[0]), TensorShape(fb[0]))
    except ValueError:
        raise ValueError(f"MatrixTriangularSolve: batch shapes of matrix {a.shape} and rhs {b.shape} do not "
                         f"broadcast") from None
    return [spec(b.dtype, batch.concatenate([fa[1] if fa[1] is not None else fb[1], fb[2]]))]


def _qr_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x = inputs[0]
    f = _float_matrix("Qr", x)
    if f is None:
        return [spec(x.dtype, TensorShape(None))] * 2
    batch, m, n = f
    p = m if attrs.get("full_matrices", False) else _min(m, n)
    return [spec(x.dtype, _shape(batch, m, p)), spec(x.dtype, _shape(batch, p, n))]


def _svd_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x = inputs[0]
    f = _float_matrix("Svd", x)
    compute_uv, full = bool(attrs.get("compute_uv", True)), bool(attrs.get("full_matrices", False))
    if f is None:
        vecs = TensorShape(None) if compute_uv else TensorShape([0])
        return [spec(x.dtype, TensorShape(None)), spec(x.dtype, vecs), spec(x.dtype, vecs)]
    batch, m, n = f
    p = _min(m, n)
    s = spec(x.dtype, _shape(batch, p))
    if not compute_uv:  # TF's Svd still has u and v outputs, empty
        return [s, spec(x.dtype, TensorShape([0])), spec(x.dtype, TensorShape([0]))]
    return [s, spec(x.dtype, _shape(batch, m, m if full else p)), spec(x.dtype, _shape(batch, n, n if full else p))]


def _slogdet_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x = inputs[0]
    _square("LogMatrixDeterminant", x)
    batch = TensorShape(None) if x.shape.ndims is None else TensorShape(x.shape.as_list()[:-2])
    return [spec(x.dtype, batch), spec(x.dtype, batch)]


def _eigh_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x = inputs[0]
    _square("SelfAdjointEigV2", x)
    compute_v = bool(attrs.get("compute_v", True))
    if x.shape.ndims is None:
        return [spec(x.dtype, TensorShape(None)), spec(x.dtype, TensorShape(None if compute_v else [0]))]
    dims = x.shape.as_list()
    n = dims[-1] if dims[-1] is not None else dims[-2]
    v = TensorShape(dims[:-2] + [n, n]) if compute_v else TensorShape([0])
    return [spec(x.dtype, TensorShape(dims[:-2] + [n])), spec(x.dtype, v)]


def _solve_ls_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    a, b, l2 = inputs
    fa = _float_matrix("MatrixSolveLs", a, "matrix")
    if b.dtype != a.dtype:
        raise TypeError(f"Input 'rhs' of 'MatrixSolveLs' Op has type {b.dtype.name} that does not match "
                        f"type {a.dtype.name} of argument 'matrix'.")
    fb = _float_matrix("MatrixSolveLs", b, "rhs")
    if l2.dtype != dtypes.float64 or l2.shape.ndims not in (None, 0):
        raise TypeError(f"MatrixSolveLs l2_regularizer must be a float64 scalar, got {l2.dtype.name} {l2.shape}")
    if fa is None or fb is None:
        return [spec(a.dtype, TensorShape(None))]
    if fa[1] is not None and fb[1] is not None and fa[1] != fb[1]:
        raise ValueError(f"MatrixSolveLs: Dimensions must be equal, but are {fa[1]} and {fb[1]} "
                         f"(matrix shape {a.shape}, rhs shape {b.shape})")
    batch = TensorShape(fa[0]).merge_with(TensorShape(fb[0]))
    return [spec(a.dtype, batch.concatenate([fa[2], fb[2]]))]


# --- kernels ---------------------------------------------------------------------------------

def _cholesky_kernel(ctx: Any, a: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return np.zeros_like(a)
    lower = np.tril(a)  # TF reads only the lower triangle
    try:
        out = np.linalg.cholesky(lower + np.swapaxes(np.tril(a, -1), -1, -2))
    except np.linalg.LinAlgError:
        raise ctx.error(errors.InvalidArgumentError,
                        "Cholesky decomposition was not successful. The input might not be valid.") from None
    return out.astype(a.dtype)


def _triangular_solve_kernel(ctx: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.shape[-1] != b.shape[-2]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Incompatible matrix and rhs shapes {list(a.shape)} and {list(b.shape)}")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Incompatible batch shapes of matrix {list(a.shape)} and rhs {list(b.shape)}") from None
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    if a.shape[-1] == 0 or b.shape[-1] == 0:
        return np.zeros(batch + b.shape[-2:], b.dtype)
    tri = np.tril(a) if ctx.attrs.get("lower", True) else np.triu(a)
    if np.min(np.abs(np.diagonal(tri, axis1=-2, axis2=-1))) == 0:
        raise ctx.error(errors.InvalidArgumentError, "Input matrix is not invertible.")
    if ctx.attrs.get("adjoint", False):
        tri = np.swapaxes(tri, -1, -2)
    return np.linalg.solve(tri, b).astype(b.dtype)


def _qr_kernel(ctx: Any, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    q, r = np.linalg.qr(a, mode="complete" if ctx.attrs.get("full_matrices", False) else "reduced")
    return q.astype(a.dtype), r.astype(a.dtype)


def _svd_kernel(ctx: Any, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    compute_uv, full = bool(ctx.attrs.get("compute_uv", True)), bool(ctx.attrs.get("full_matrices", False))
    m, n = a.shape[-2:]
    p = min(m, n)
    if not compute_uv:
        empty = np.zeros([0], a.dtype)
        if a.size == 0:
            return np.zeros(a.shape[:-2] + (p,), a.dtype), empty, empty
        try:
            s = np.linalg.svd(a, compute_uv=False)
        except np.linalg.LinAlgError:  # non-finite input: NaNs as TF's Jacobi SVD gives
            s = np.full(a.shape[:-2] + (p,), np.nan)
        return s.astype(a.dtype), empty, empty
    ku, kv = (m, n) if full else (p, p)
    if a.size == 0:
        eye = np.broadcast_to(np.eye(max(m, n), dtype=a.dtype), a.shape[:-2] + (max(m, n),) * 2)
        return (np.zeros(a.shape[:-2] + (p,), a.dtype), eye[..., :m, :ku].copy(), eye[..., :n, :kv].copy())
    try:
        u, s, vh = np.linalg.svd(a, full_matrices=full)
    except np.linalg.LinAlgError:
        nan = np.nan
        return (np.full(a.shape[:-2] + (p,), nan, a.dtype), np.full(a.shape[:-2] + (m, ku), nan, a.dtype),
                np.full(a.shape[:-2] + (n, kv), nan, a.dtype))
    return s.astype(a.dtype), u.astype(a.dtype), np.swapaxes(vh, -1, -2).astype(a.dtype)


def _slogdet_kernel(ctx: Any, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sign, logdet = np.linalg.slogdet(a)
    return np.asarray(sign, a.dtype), np.asarray(logdet, a.dtype)


def _eigh_kernel(ctx: Any, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    compute_v = bool(ctx.attrs.get("compute_v", True))
    n = a.shape[-1]
    if a.size == 0:
        v = np.zeros(a.shape, a.dtype) if compute_v else np.zeros([0], a.dtype)
        return np.zeros(a.shape[:-2] + (n,), a.dtype), v
    try:
        if compute_v:
            e, v = np.linalg.eigh(a, UPLO="L")  # TF reads only the lower triangle
            return e.astype(a.dtype), v.astype(a.dtype)
        return np.linalg.eigvalsh(a, UPLO="L").astype(a.dtype), np.zeros([0], a.dtype)
    except np.linalg.LinAlgError:
        raise ctx.error(errors.InvalidArgumentError, "Self-adjoint eigen decomposition was not successful. "
                        "The input might not be valid.") from None


def _solve_ls_kernel(ctx: Any, a: np.ndarray, b: np.ndarray, l2: np.ndarray) -> np.ndarray:
    if a.shape[:-2] != b.shape[:-2] or a.shape[-2] != b.shape[-2]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Incompatible matrix and rhs shapes {list(a.shape)} and {list(b.shape)}")
    m, n = a.shape[-2:]
    out = np.zeros(a.shape[:-2] + (n, b.shape[-1]), np.float64)
    a64, b64, lam = a.astype(np.float64), b.astype(np.float64), float(l2)
    for i in np.ndindex(*a.shape[:-2]):
        ai, bi = a64[i], b64[i]
        if not ctx.attrs.get("fast", True):  # complete orthogonal decomposition: minimum-norm solution
            out[i] = np.linalg.lstsq(ai, bi, rcond=None)[0]
        elif m >= n:
            out[i] = np.linalg.solve(ai.T @ ai + lam * np.eye(n), ai.T @ bi)
        else:
            out[i] = ai.T @ np.linalg.solve(ai @ ai.T + lam * np.eye(m), bi)
    return out.astype(a.dtype)


def _sqrtm(a: np.ndarray) -> np.ndarray:
    """Principal square root of one real matrix by the Denman-Beavers iteration (NumPy has no
    Schur form); NaN where it has no real principal root (an eigenvalue on (-inf, 0]), as TF gives."""
    n = a.shape[-1]
    if n == 0:
        return a
    ev = np.linalg.eigvals(a)
    scale = max(1.0, float(np.max(np.abs(ev)))) if np.all(np.isfinite(ev)) else np.inf
    if not np.isfinite(scale) or np.any((np.abs(ev.imag) <= 1e-12 * scale) & (ev.real <= 1e-14 * scale)):
        return np.full_like(a, np.nan)
    y, z = a, np.eye(n)
    for _ in range(100):
        y_inv, z_inv = np.linalg.inv(y), np.linalg.inv(z)
        y_next, z = 0.5 * (y + z_inv), 0.5 * (z + y_inv)
        done = np.linalg.norm(y_next - y) <= 1e-15 * n * np.linalg.norm(y_next)
        y = y_next
        if done:
            break
    return y


def _sqrtm_kernel(ctx: Any, a: np.ndarray) -> np.ndarray:
    out = np.empty(a.shape, np.float64)
    for i in np.ndindex(*a.shape[:-2]):
        out[i] = _sqrtm(a[i].astype(np.float64))
    return out.astype(a.dtype)


def _sqrtm_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _square("MatrixSquareRoot", inputs[0])
    return [spec(inputs[0].dtype, inputs[0].shape)]


register_op("Cholesky", infer=_cholesky_infer, kernel=_cholesky_kernel, num_inputs=1, host=True,
            doc="lower Cholesky factor of each [..., M, M] matrix (reads its lower triangle).")
register_op("MatrixTriangularSolve", infer=_triangular_solve_infer, kernel=_triangular_solve_kernel, num_inputs=2,
            host=True, doc="X with tri(matrix) @ X = rhs (attrs lower, adjoint), batch dims broadcast.")
register_op("Qr", infer=_qr_infer, kernel=_qr_kernel, num_inputs=1, host=True,
            doc="q, r of each [..., M, N] matrix (attr full_matrices).")
register_op("Svd", infer=_svd_infer, kernel=_svd_kernel, num_inputs=1, host=True,
            doc="s, u, v with a = u diag(s) v^T (attrs compute_uv, full_matrices).")
register_op("LogMatrixDeterminant", infer=_slogdet_infer, kernel=_slogdet_kernel, num_inputs=1, host=True,
            doc="sign and log|det| of each [..., M, M] matrix.")
register_op("SelfAdjointEigV2", infer=_eigh_infer, kernel=_eigh_kernel, num_inputs=1, host=True,
            doc="ascending eigenvalues e and eigenvectors v (attr compute_v) of symmetric matrices.")
register_op("MatrixSolveLs", infer=_solve_ls_infer, kernel=_solve_ls_kernel, num_inputs=3, host=True,
            doc="least-squares solutions of matrix @ X = rhs (attr fast: normal equations with l2).")
register_op("MatrixSquareRoot", infer=_sqrtm_infer, kernel=_sqrtm_kernel, num_inputs=1, host=True,
            doc="principal square root of each [..., M, M] matrix (NaN where no real one exists).")
