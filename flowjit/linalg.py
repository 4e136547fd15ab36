"""`tf.linalg`: re-exports; implementations live in flowjit/frontend/ops/."""

from .frontend.ops.array_ops import eye, matrix_transpose
from .frontend.ops.linalg_ops import matrix_determinant, matrix_inverse, matrix_solve
from .frontend.ops.linalg_ops import cholesky, cholesky_solve, logdet, qr, svd
from .frontend.ops.linalg_ops import matrix_square_root as sqrtm
from .frontend.ops.linalg_ops import log_matrix_determinant as slogdet, matrix_solve_ls as lstsq, \
    matrix_triangular_solve as triangular_solve, self_adjoint_eig as eigh, self_adjoint_eigvals as eigvalsh
from .frontend.ops.linalg_norm import norm
from .frontend.ops.math_ops import matmul, trace
from .frontend.ops.matrix_index_ops import diag as tensor_diag, diag_part as tensor_diag_part, matrix_band_part, \
    matrix_diag, matrix_diag_part, matrix_set_diag

inv = matrix_inverse
det = matrix_determinant
solve = matrix_solve
transpose = matrix_transpose
band_part = matrix_band_part
diag = matrix_diag
diag_part = matrix_diag_part
set_diag = matrix_set_diag

__all__ = ["inv", "det", "solve", "matmul", "transpose", "matrix_transpose", "trace", "eye", "band_part", "diag", "diag_part",
           "set_diag", "tensor_diag", "tensor_diag_part", "cholesky", "cholesky_solve", "triangular_solve", "qr",
           "svd", "slogdet", "logdet", "eigh", "eigvalsh", "norm", "lstsq", "sqrtm"]
