"""Element types with TensorFlow's names and conversion rules.

TF does no implicit promotion between two tensors: `int32 + float32` is an error. What TF
does decide is the dtype of Python literals (int -> int32, float -> float32, bool -> bool) and
of NumPy arrays (kept as they are). `DType` mirrors `tf.DType` closely enough that user code
comparing `x.dtype == tf.float32` or reading `x.dtype.name` keeps working.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class DType:
    """One element type; instances are interned, so `is` and `==` agree."""

    __slots__ = ("name", "np_dtype")

    def __init__(self, name: str, np_dtype: np.dtype) -> None:
        self.name = name
        self.np_dtype = np.dtype(np_dtype)

    # --- classification -------------------------------------------------------------
    @property
    def is_floating(self) -> bool:
        return self.np_dtype.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self.np_dtype.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self.np_dtype.kind == "u"

    @property
    def is_bool(self) -> bool:
        return self.np_dtype.kind == "b"

    @property
    def is_numeric(self) -> bool:
        return self.is_floating or self.is_integer

    @property
    def size(self) -> int:
        return self.np_dtype.itemsize

    @property
    def as_numpy_dtype(self) -> type:
        return self.np_dtype.type

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def min(self) -> Any:
        if self.is_floating:
            return np.finfo(self.np_dtype).min
        if self.is_integer:
            return np.iinfo(self.np_dtype).min
        return False

    @property
    def max(self) -> Any:
        if self.is_floating:
            return np.finfo(self.np_dtype).max
        if self.is_integer:
            return np.iinfo(self.np_dtype).max
        return True

    def is_compatible_with(self, other: Any) -> bool:
        return self == as_dtype(other)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.name == other.name
        try:
            return self.name == as_dtype(other).name
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return (as_dtype, (self.name,))


bool_ = DType("bool", np.bool_)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
string = DType("string", np.object_)  # byte/str values: Print messages, variable names, summaries

ALL_DTYPES: tuple[DType, ...] = (bool_, int8, int16, int32, int64, uint8, float16, float32, float64, string)
FLOAT_DTYPES: tuple[DType, ...] = (float16, float32, float64)
INT_DTYPES: tuple[DType, ...] = (int8, int16, int32, int64, uint8)
NUMERIC_DTYPES: tuple[DType, ...] = FLOAT_DTYPES + INT_DTYPES

_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update({"float": float32, "double": float64, "half": float16, "int": int32, "long": int64})
_BY_NP = {d.np_dtype: d for d in ALL_DTYPES}


def as_dtype(value: Any) -> DType:
    """Convert a DType, its name, a NumPy dtype or a Python type to a `DType`.

    >>> as_dtype("float32") is float32
    True
    """
    if isinstance(value, DType):
        return value
    if value is None:  # np.dtype(None) would say float64
        raise TypeError("None is not a dtype")
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise TypeError(f"unknown dtype name {value!r}; expected one of {sorted(_BY_NAME)}")
    if value is float:
        return float32
    if value is int:
        return int32
    if value is bool:
        return bool_
    try:
        np_dt = np.dtype(value)
    except TypeError:
        raise TypeError(f"cannot interpret {value!r} as a dtype") from None
    if np_dt.kind in "USO":
        return string
    if np_dt in _BY_NP:
        return _BY_NP[np_dt]
    raise TypeError(f"dtype {np_dt} is not supported by flowjit; supported: {[d.name for d in ALL_DTYPES]}")


def dtype_of_python_value(value: Any) -> DType:
    """The dtype TF gives a Python literal or NumPy value when it becomes a constant."""
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return as_dtype(value.dtype)
    if isinstance(value, (str, bytes)):
        return string
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int32 if -(2**31) <= value < 2**31 else int64
    if isinstance(value, float):
        return float32
    if isinstance(value, (list, tuple)):
        kinds = [dtype_of_python_value(v) for v in _flatten(value)]
        if not kinds:
            return float32
        if any(k.is_floating for k in kinds):
            return float32
        if all(k.is_bool for k in kinds):
            return bool_
        if all(k == string for k in kinds):
            return string
        return int64 if any(k == int64 for k in kinds) else int32
    raise TypeError(f"cannot convert {type(value).__name__} {value!r} to a tensor")


def _flatten(value: Any):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def fits(values: Any, dtype: DType) -> bool:
    """Whether integer `values` (a Python int, or an array of ints, also of Python ints too large
    for NumPy) are all representable in the integer `dtype` (no wrap-around)."""
    arr = np.asarray(values)
    if not arr.size or arr.dtype.kind not in "iuO":
        return True
    info = np.iinfo(dtype.np_dtype)
    try:
        return int(arr.min()) >= info.min and int(arr.max()) <= info.max
    except (TypeError, ValueError):  # not integers after all: the conversion will say so
        return True


def truediv_result(dtype: DType) -> DType:
    """TF's `truediv`: small ints become float32, int32/int64 become float64."""
    if dtype.is_floating:
        return dtype
    if dtype in (int8, int16, uint8):
        return float32
    if dtype in (int32, int64):
        return float64
    raise TypeError(f"truediv is not defined for {dtype.name}")
