"""Gradients of the linear-algebra ops, as TF's linalg_grad.py."""

from __future__ import annotations

from typing import Any

from ..ops import array_ops, math_ops
from ..ops import linalg_ops as L
from ..ops import matrix_index_ops as M
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


def _adjoint(x: Any) -> Any:
    return array_ops.matrix_transpose(x)


def _safe_reciprocal(x: Any, epsilon: float = 1e-20) -> Any:
    """x / (x^2 + eps): TF's Lorentz broadening against degenerate eigen/singular values."""
    return x * math_ops.reciprocal(x * x + epsilon)


@RegisterGradient("Cholesky")
def _cholesky_grad(op: Any, grad: Any) -> list:
    """l^-T ((l^T grad) * (tril(ones) - eye/2)) l^-1, symmetrized."""
    l = op.outputs[0]  # noqa: E741  (TF's name)
    shape = array_ops.shape(l)
    l_inverse = L.matrix_triangular_solve(l, array_ops.eye(shape[-1], batch_shape=shape[:-2], dtype=l.dtype))
    middle = math_ops.matmul(l, grad, adjoint_a=True)
    middle = M.matrix_set_diag(middle, 0.5 * M.matrix_diag_part(middle))
    middle = M.matrix_band_part(middle, -1, 0)
    grad_a = math_ops.matmul(math_ops.matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    grad_a += _adjoint(grad_a)
    return [grad_a * 0.5]


@RegisterGradient("MatrixTriangularSolve")
def _matrix_triangular_solve_grad(op: Any, grad: Any) -> list:
    a, b, c = op.inputs[0], op.inputs[1], op.outputs[0]
    adjoint_a, lower_a = bool(op.get_attr("adjoint")), bool(op.get_attr("lower"))
    grad_b = L.matrix_triangular_solve(a, grad, lower=lower_a, adjoint=not adjoint_a)
    if adjoint_a:
        grad_a = -math_ops.matmul(c, grad_b, adjoint_b=True)
    else:
        grad_a = -math_ops.matmul(grad_b, c, adjoint_b=True)
    grad_a = M.matrix_band_part(grad_a, -1, 0) if lower_a else M.matrix_band_part(grad_a, 0, -1)
    if a.shape.is_fully_defined() and b.shape.is_fully_defined() and a.shape[:-2] == b.shape[:-2]:
        return [grad_a, grad_b]
    a_shape, b_shape = array_ops.shape(a), array_ops.shape(b)  # batch dims broadcast: sum them back
    ra, rb = array_ops.broadcast_gradient_args(a_shape[:-2], b_shape[:-2])
    return [array_ops.reshape(math_ops.reduce_sum(grad_a, axis=ra), a_shape),
            array_ops.reshape(math_ops.reduce_sum(grad_b, axis=rb), b_shape)]


@RegisterGradient("LogMatrixDeterminant")
def _log_matrix_determinant_grad(op: Any, _: Any, grad_b: Any) -> list:
    """d log|det a| / da = a^-T; the sign has no gradient."""
    a, c = op.inputs[0], op.outputs[1]
    a_adj_inv = L.matrix_inverse(a, adjoint=True)
    multipliers = array_ops.reshape(grad_b, array_ops.concat([array_ops.shape(c), [1, 1]], 0))
    return [multipliers * a_adj_inv]


def _qr_triangular_solve(x: Any, r: Any) -> Any:
    """x @ inverse(r)^T for upper-triangular r."""
    return _adjoint(L.matrix_triangular_solve(r, _adjoint(x), lower=False, adjoint=False))


def _qr_grad_square_and_deep(q: Any, r: Any, dq: Any, dr: Any) -> Any:
    qdq = math_ops.matmul(q, dq, adjoint_a=True)
    qdq_ = qdq - _adjoint(qdq)
    rdr = math_ops.matmul(r, dr, adjoint_b=True)
    rdr_ = rdr - _adjoint(rdr)
    tril = M.matrix_band_part(qdq_ + rdr_, -1, 0)
    grad_a = math_ops.matmul(q, dr + _qr_triangular_solve(tril, r))
    grad_b = _qr_triangular_solve(dq - math_ops.matmul(q, qdq), r)
    return grad_a + grad_b


@RegisterGradient("Qr")
def _qr_grad(op: Any, dq: Any, dr: Any) -> list:
    """TF's _QrGrad (arXiv:2009.10071): square and deep matrices directly, wide ones by
    partitioning a = [x, y]; static shapes only, and not for full_matrices with nrows > ncols."""
    q, r = op.outputs
    if r.shape.ndims is None or r.shape.as_list()[-2] is None or r.shape.as_list()[-1] is None:
        raise NotImplementedError(f"QrGrad not implemented with dynamic shapes. Received r.shape: {r.shape}")
    r_rows, r_cols = r.shape.as_list()[-2:]
    q_rows, q_cols = q.shape.as_list()[-2:]
    if r_rows > r_cols and q_rows == q_cols:
        raise NotImplementedError("QrGrad not implemented when nrows > ncols and full_matrices is true. Received "
                                  f"r.shape={r.shape} with nrows={r_rows}and ncols={r_cols}.")
    num_rows, num_cols = q_rows, r_cols
    if num_rows >= num_cols:
        return [_qr_grad_square_and_deep(q, r, dq, dr)]
    a = op.inputs[0]
    y = a[..., :, num_rows:]
    u = r[..., :, :num_rows]
    dv = dr[..., :, num_rows:]
    du = dr[..., :, :num_rows]
    dy = math_ops.matmul(q, dv)
    dx = _qr_grad_square_and_deep(q, u, dq + math_ops.matmul(y, dv, adjoint_b=True), du)
    return [array_ops.concat([dx, dy], axis=-1)]


@RegisterGradient("SelfAdjointEigV2")
def _self_adjoint_eig_v2_grad(op: Any, grad_e: Any, grad_v: Any) -> list:
    """v (diag(grad_e) + f * (v^T grad_v)) v^T with f_ij = 1/(e_j - e_i), then symmetrized onto
    the lower triangle, which is all the op reads."""
    e = op.outputs[0]
    if op.get_attr("compute_v"):
        v = op.outputs[1]
        f = M.matrix_set_diag(_safe_reciprocal(array_ops.expand_dims(e, -2) - array_ops.expand_dims(e, -1)),
                              array_ops.zeros_like(e))
        grad_a = math_ops.matmul(v, math_ops.matmul(M.matrix_diag(grad_e) +
                                                    f * math_ops.matmul(v, grad_v, adjoint_a=True),
                                                    v, adjoint_b=True))
    else:
        _, v = L.self_adjoint_eig(op.inputs[0])
        grad_a = math_ops.matmul(v, math_ops.matmul(M.matrix_diag(grad_e), v, adjoint_b=True))
    grad_a = M.matrix_band_part(grad_a + _adjoint(grad_a), -1, 0)
    return [M.matrix_set_diag(grad_a, 0.5 * M.matrix_diag_part(grad_a))]


@RegisterGradient("Svd")
def _svd_grad(op: Any, grad_s: Any, grad_u: Any, grad_v: Any) -> list:
    """TF's _SvdGrad (Giles; Townsend for full_matrices=False); static inner dimensions only, and
    for full_matrices only when |m - n| <= 1, as in TF."""
    a = op.inputs[0]
    a_shape = a.get_shape()
    grad_s_mat = M.matrix_diag(grad_s)
    if not op.get_attr("compute_uv"):
        _, u, v = L.svd(a, compute_uv=True)
        return [math_ops.matmul(u, math_ops.matmul(grad_s_mat, v, adjoint_b=True))]
    full_matrices = bool(op.get_attr("full_matrices"))
    dims = a_shape.as_list() if a_shape.ndims is not None else [None, None]
    m, n = dims[-2], dims[-1]
    if m is None or n is None:
        raise NotImplementedError("SVD gradient has not been implemented for input with unknown inner matrix shape.")
    s, u, v = op.outputs
    use_adjoint = False
    if m > n:  # the gradient of a^T = v s u^T, transposed at the end
        use_adjoint = True
        m, n = n, m
        u, v = v, u
        grad_u, grad_v = grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError("svd gradient is not implemented for abs(m - n) > 1 when full_matrices is True. "
                                  f"Received: m={m} and n={n} from op input={a.name} with shape={a_shape}.")
    s_mat = M.matrix_diag(s)
    s2 = math_ops.square(s)
    f = M.matrix_set_diag(_safe_reciprocal(array_ops.expand_dims(s2, -2) - array_ops.expand_dims(s2, -1)),
                          array_ops.zeros_like(s))
    s_inv_mat = M.matrix_diag(_safe_reciprocal(s))
    v1 = v[..., :, :m]
    grad_v1 = grad_v[..., :, :m]
    u_gu = math_ops.matmul(u, grad_u, adjoint_a=True)
    v_gv = math_ops.matmul(v1, grad_v1, adjoint_a=True)
    f_u = f * u_gu
    f_v = f * v_gv
    term1_nouv = (grad_s_mat + math_ops.matmul(f_u + _adjoint(f_u), s_mat) +
                  math_ops.matmul(s_mat, f_v + _adjoint(f_v)))
    grad_a = math_ops.matmul(u, math_ops.matmul(term1_nouv, v1, adjoint_b=True))
    if m != n:
        gv1t = _adjoint(grad_v1)
        term2_nous = gv1t - math_ops.matmul(math_ops.matmul(gv1t, v1), v1, adjoint_b=True)
        if full_matrices:
            v2 = v[..., :, m:n]
            grad_v2 = grad_v[..., :, m:n]
            term2_nous -= math_ops.matmul(math_ops.matmul(v1, grad_v2, adjoint_a=True), v2, adjoint_b=True)
        grad_a = grad_a + math_ops.matmul(math_ops.matmul(u, s_inv_mat), term2_nous)
    if use_adjoint:
        grad_a = _adjoint(grad_a)
    return [grad_a]


@RegisterGradient("MatrixSolveLs")
def _matrix_solve_ls_grad(op: Any, grad: Any) -> list:
    """TF's _MatrixSolveLsGrad: through the regularized normal equations; none for fast=False."""
    if not op.get_attr("fast"):
        raise ValueError("Gradient not defined for fast=False")
    a, b, x = op.inputs[0], op.inputs[1], op.outputs[0]
    l2 = math_ops.cast(op.inputs[2], a.dtype)
    dims = a.get_shape().as_list()[-2:] if a.get_shape().ndims is not None else [None, None]
    if dims[0] is None or dims[1] is None:
        raise NotImplementedError("MatrixSolveLs gradient needs the matrix dimensions known when the graph is built")
    if dims[0] >= dims[1]:
        chol = L._regularized_gramian_cholesky(a, l2, first_kind=True)
        z = L.cholesky_solve(chol, grad)
        xzt = math_ops.matmul(x, z, adjoint_b=True)
        zx_sym = xzt + _adjoint(xzt)
        grad_a = -math_ops.matmul(a, zx_sym) + math_ops.matmul(b, z, adjoint_b=True)
        return [grad_a, math_ops.matmul(a, z), None]
    chol = L._regularized_gramian_cholesky(a, l2, first_kind=False)
    grad_b = L.cholesky_solve(chol, math_ops.matmul(a, grad))
    tmp = L.cholesky_solve(chol, b)
    a1 = -math_ops.matmul(grad_b, math_ops.matmul(tmp, a, adjoint_a=True))
    a2 = math_ops.matmul(tmp, grad - math_ops.matmul(a, grad_b, adjoint_a=True), adjoint_b=True)
    return [a1 + a2, grad_b, None]


def _kronecker_product(b1: Any, b2: Any) -> Any:
    """Kronecker products of two batches of square matrices of one batch shape."""
    s1, s2 = array_ops.shape(b1), array_ops.shape(b2)
    o1, o2 = s1[-1], s2[-1]
    batch = s1[:-2]
    r1 = array_ops.reshape(b1, array_ops.concat([batch, [o1], [1], [o1], [1]], 0))
    r2 = array_ops.reshape(b2, array_ops.concat([batch, [1], [o2], [1], [o2]], 0))
    return array_ops.reshape(r1 * r2, array_ops.concat([batch, [o1 * o2], [o1 * o2]], 0))


@RegisterGradient("MatrixSquareRoot")
def _matrix_square_root_grad(op: Any, grad: Any) -> list:
    """dA = R dR + dR R: solve that Sylvester equation for the gradient through the Kronecker
    sum I (x) R^T + R (x) I, as TF's _MatrixSquareRootGrad."""
    sqrtm = op.outputs[0]
    shape = array_ops.shape(sqrtm)
    eye = array_ops.eye(shape[-1], batch_shape=shape[:-2], dtype=sqrtm.dtype)
    ksum = _kronecker_product(eye, _adjoint(sqrtm)) + _kronecker_product(sqrtm, eye)
    vec_da = array_ops.reshape(_adjoint(grad), array_ops.concat([shape[:-2], [shape[-1] * shape[-1]], [1]], 0))
    vec_dsqrtm = L.matrix_solve(ksum, vec_da)
    return [_adjoint(array_ops.reshape(vec_dsqrtm, shape))]
