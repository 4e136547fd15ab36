"""`tf.norm` / `tf.linalg.norm` (TF1 signature): vector and matrix norms composed of math ops, as
TF's linalg_ops.norm, so they compile natively; only the matrix 2-norm (the largest singular
value) needs the Svd host op, which is why norm lives beside the linalg wrappers."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ...ir import dtypes
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, math_ops
from .linalg_ops import svd

__all__ = ["norm"]

_MATRIX_NORMS = ["euclidean", "fro", 1, 2, np.inf]
_VECTOR_NORMS = ["euclidean", 1, 2, np.inf]


def _is_positive_real(ord: Any) -> bool:  # noqa: A002
    return isinstance(ord, numbers.Real) and ord > 0


def _check_args(ord: Any, axis: Any) -> tuple[bool, tuple[int, ...] | None]:  # noqa: A002
    """TF's argument rules: returns (is a matrix norm, axes) or raises TF's ValueError."""
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis) or axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        if ord not in _MATRIX_NORMS:
            raise ValueError(f"'ord' must be a supported matrix norm in {_MATRIX_NORMS}, got {ord}")
        return True, (int(axis[0]), int(axis[1]))
    if not (axis is None or (isinstance(axis, (int, np.integer)) and not isinstance(axis, bool))):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    if ord != "euclidean" and not _is_positive_real(ord):
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    return False, None if axis is None else (int(axis),)


def _matrix_2_norm(x: Tensor, axis: tuple[int, int]) -> Tensor:
    """Largest singular value over the two axes, kept as size-1 dims (TF's svd path)."""
    rank = x.get_shape().ndims
    if rank is not None:
        pos = [a + rank if a < 0 else a for a in axis]
        if not all(0 <= a < rank for a in pos) or pos[0] == pos[1]:
            raise ValueError(f"'axis' {axis} is out of range for a tensor of rank {rank} ({x.name})")
        perm_before = [i for i in range(rank) if i not in pos] + pos
        perm_after = list(np.argsort(perm_before))
    else:
        r = array_ops.rank(x)
        pos_t = convert_to_tensor(list(axis), dtype=dtypes.int32)
        pos_t = math_ops.where_v2(pos_t >= 0, pos_t, pos_t + r)
        perm_before = array_ops.concat([array_ops.setdiff1d(math_ops.range(r), pos_t)[0], pos_t], 0)
        perm_after = array_ops.invert_permutation(perm_before)
    permed = array_ops.transpose(x, perm=perm_before)
    s = svd(permed, compute_uv=False)
    top = array_ops.expand_dims(math_ops.reduce_max(math_ops.abs(s), axis=-1, keepdims=True), -1)
    return array_ops.transpose(top, perm=perm_after)


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,  # noqa: A002
         name: str | None = None, keep_dims: Any = None) -> Tensor:
    """Vector norms (axis None: the flattened tensor; an int: along it) and matrix norms (a pair of
    axes): 'euclidean'/'fro', 1, 2 and inf for matrices; any p > 0 for vectors."""
    keepdims = bool(math_ops._lookup("keepdims", keepdims, "keep_dims", keep_dims))
    is_matrix, axes = _check_args(ord, axis)
    with name_scope(name, "norm"):
        x = convert_to_tensor(tensor)
        if ord in ("fro", "euclidean", 2, 2.0):
            if is_matrix and ord in (2, 2.0):
                result = _matrix_2_norm(x, axes)
            else:
                result = math_ops.sqrt(math_ops.reduce_sum(x * x, axes, keepdims=True))  # x * conj(x): no complex
        else:
            result = math_ops.abs(x)
            if ord == 1:
                result = math_ops.reduce_sum(result, None if axes is None else axes[0], keepdims=True)
                if is_matrix:
                    result = math_ops.reduce_max(result, axes[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix:
                    result = math_ops.reduce_sum(result, axes[1], keepdims=True)
                result = math_ops.reduce_max(result, None if axes is None else axes[0], keepdims=True)
            else:  # a general p-norm, p > 0
                p = convert_to_tensor(ord, dtype=x.dtype)
                result = math_ops.pow(math_ops.reduce_sum(math_ops.pow(result, p), axes, keepdims=True), 1.0 / p)
        if not keepdims:
            result = array_ops.squeeze(result, None if axes is None else list(axes))
        return result
