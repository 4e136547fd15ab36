"""Small helpers shared by the op definition modules."""

from __future__ import annotations

from typing import Any, Sequence

from ..dtypes import DType, as_dtype
from ..graph import OutputSpec, Value
from ..shapes import TensorShape, as_shape, broadcast_all


def spec(dtype: Any, shape: Any) -> OutputSpec:
    return OutputSpec(as_dtype(dtype), as_shape(shape))


def same_as_input(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    """Output 0 has the dtype and shape of input 0 (unary elementwise ops)."""
    return [spec(inputs[0].dtype, inputs[0].shape)]


def require_same_dtype(op: str, inputs: Sequence[Value]) -> DType:
    """TF never promotes between tensors: all inputs must share one dtype."""
    dts = {v.dtype for v in inputs}
    if len(dts) != 1:
        names = ", ".join(f"{v.name}: {v.dtype.name}" for v in inputs)
        raise TypeError(f"{op} needs inputs of one dtype, got {names}")
    return inputs[0].dtype


def require_dtype(op: str, value: Value, allowed: Sequence[DType], what: str = "input") -> None:
    if value.dtype not in allowed:
        raise TypeError(f"{op} {what} must be one of {[d.name for d in allowed]}, got {value.dtype.name}")


def broadcast_inputs(op: str, inputs: Sequence[Value]) -> TensorShape:
    try:
        return broadcast_all([v.shape for v in inputs])
    except ValueError as e:
        raise ValueError(f"{op}: {e}") from None


def normalize_axis(axis: int, rank: int | None, op: str = "") -> int:
    if rank is None:
        return axis
    if not -rank <= axis < max(rank, 1):
        raise ValueError(f"{op} axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank if rank else 0
