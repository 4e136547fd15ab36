"""Band and diagonal views of matrices: tf.linalg.band_part, matrix_diag, matrix_diag_part,
matrix_set_diag, tf.diag and tf.diag_part.

They are index maps, so they are composed from ops that compile natively and differentiate
(Range, comparisons, SelectV2, GatherV2, Reshape) instead of being host ops. Elements are
selected, never multiplied by a 0/1 mask, so an inf or NaN outside the band or diagonal does
not leak in (as in TF's kernels). The innermost two dimensions may be dynamic; the rank must be
known when the graph is built.
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops, math_ops

__all__ = ["matrix_band_part", "matrix_diag", "matrix_diag_part", "matrix_set_diag", "diag", "diag_part"]


def _rank(x: Tensor, at_least: int, what: str) -> int:
    rank = x.shape.rank
    if rank is None:
        raise ValueError(f"{what}: the rank of {x.name} must be known when the graph is built")
    if rank < at_least:
        raise ValueError(f"{what}: input must be at least {at_least}-D, got shape {x.shape} ({x.name})")
    return rank


def _index_grid(m: Any, n: Any) -> tuple[Tensor, Tensor]:
    """Row and column indices of an [m, n] matrix, shaped [m, 1] and [1, n] (int32)."""
    return array_ops.expand_dims(math_ops.range(m), 1), array_ops.expand_dims(math_ops.range(n), 0)


def _diagonal_mask(m: Any, n: Any) -> Tensor:
    i, j = _index_grid(m, n)
    return math_ops.equal(i, j)


def matrix_band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Keep the band of each innermost matrix: element (i, j) when (num_lower < 0 or
    i - j <= num_lower) and (num_upper < 0 or j - i <= num_upper); zeros elsewhere."""
    with get_default_graph().name_scope(name or "MatrixBandPart") as scope:
        x = convert_to_tensor(input, name="input")
        _rank(x, 2, "matrix_band_part")
        lower = math_ops.cast(convert_to_tensor(num_lower, name="num_lower"), dtypes.int32)
        upper = math_ops.cast(convert_to_tensor(num_upper, name="num_upper"), dtypes.int32)
        shape = array_ops.shape(x)
        i, j = _index_grid(shape[-2], shape[-1])
        below = math_ops.logical_or(math_ops.less(lower, 0), math_ops.less_equal(i - j, lower))
        above = math_ops.logical_or(math_ops.less(upper, 0), math_ops.less_equal(j - i, upper))
        return math_ops.where_v2(math_ops.logical_and(below, above), x, array_ops.zeros_like(x), name=scope)


def matrix_diag_part(input: Any, name: str = "matrix_diag_part") -> Tensor:  # noqa: A002
    """The main diagonal of each innermost [m, n] matrix: [..., min(m, n)]."""
    with get_default_graph().name_scope(name) as scope:
        x = convert_to_tensor(input, name="input")
        _rank(x, 2, "matrix_diag_part")
        shape = array_ops.shape(x)
        m, n = shape[-2], shape[-1]
        flat = array_ops.reshape(x, array_ops.concat([shape[:-2], array_ops.expand_dims(m * n, 0)], 0))
        index = math_ops.range(math_ops.minimum(m, n)) * (n + 1)  # (i, i) of a row-major [m, n]
        return array_ops.gather(flat, index, axis=-1, name=scope)


def matrix_diag(diagonal: Any, name: str = "matrix_diag") -> Tensor:
    """[..., k] -> [..., k, k] with `diagonal` on the main diagonal and zeros elsewhere."""
    with get_default_graph().name_scope(name) as scope:
        d = convert_to_tensor(diagonal, name="diagonal")
        _rank(d, 1, "matrix_diag")
        k = array_ops.shape(d)[-1]
        column = array_ops.expand_dims(d, -1)  # [..., k, 1], broadcast along each row by the select
        return math_ops.where_v2(_diagonal_mask(k, k), column, array_ops.zeros([], d.dtype), name=scope)


def matrix_set_diag(input: Any, diagonal: Any, name: str = "set_diag") -> Tensor:  # noqa: A002
    """`input` with the main diagonal of each innermost matrix replaced by `diagonal`
    ([..., min(m, n)])."""
    with get_default_graph().name_scope(name) as scope:
        x = convert_to_tensor(input, name="input")
        rank = _rank(x, 2, "matrix_set_diag")
        d = convert_to_tensor(diagonal, dtype_hint=x.dtype, name="diagonal")
        if d.shape.rank is not None and d.shape.rank != rank - 1:
            raise ValueError(f"matrix_set_diag: diagonal must be {rank - 1}-D for input of shape {x.shape}, "
                             f"got shape {d.shape} ({d.name})")
        shape = array_ops.shape(x)
        rows_missing = shape[-2] - math_ops.minimum(shape[-2], shape[-1])
        paddings = array_ops.concat([array_ops.zeros([rank - 2, 2], dtypes.int32),
                                     array_ops.reshape(array_ops.stack([0, rows_missing]), [1, 2])], 0)
        per_row = array_ops.expand_dims(array_ops.pad(d, paddings), -1)  # [..., m, 1]; padding never selected
        return math_ops.where_v2(_diagonal_mask(shape[-2], shape[-1]), per_row, x, name=scope)


def diag(diagonal: Any, name: str | None = None) -> Tensor:
    """tf.diag: rank r -> rank 2r, out[i..., j...] = diagonal[i...] where i... == j..."""
    with get_default_graph().name_scope(name or "Diag") as scope:
        d = convert_to_tensor(diagonal, name="diagonal")
        _rank(d, 1, "diag")
        shape = array_ops.shape(d)
        square = matrix_diag(array_ops.reshape(d, [-1]))
        return array_ops.reshape(square, array_ops.concat([shape, shape], 0), name=scope)


def diag_part(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """tf.diag_part: rank 2r -> rank r, the inverse of tf.diag."""
    with get_default_graph().name_scope(name or "DiagPart") as scope:
        x = convert_to_tensor(input, name="input")
        rank = _rank(x, 2, "diag_part")
        if rank % 2:
            raise ValueError(f"diag_part: input must have even rank, got shape {x.shape} ({x.name})")
        dims = x.shape.as_list()
        for a, b in zip(dims[:rank // 2], dims[rank // 2:]):
            if a is not None and b is not None and a != b:
                raise ValueError(f"Invalid shape {x.shape}: dimensions {dims[:rank // 2]} and {dims[rank // 2:]} "
                                 f"must match ({x.name})")
        half = array_ops.shape(x)[:rank // 2]
        size = math_ops.reduce_prod(half)
        square = array_ops.reshape(x, array_ops.stack([size, size]))
        return array_ops.reshape(matrix_diag_part(square), half, name=scope)
