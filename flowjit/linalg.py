"""`tf.linalg`: re-exports; implementations live in flowjit/frontend/ops/."""

from .frontend.ops.array_ops import eye, matrix_transpose
from .frontend.ops.linalg_ops import matrix_determinant, matrix_inverse, matrix_solve
from .frontend.ops.math_ops import matmul, trace

inv = matrix_inverse
det = matrix_determinant
solve = matrix_solve
transpose = matrix_transpose

__all__ = ["inv", "det", "solve", "matmul", "transpose", "matrix_transpose", "trace", "eye"]
