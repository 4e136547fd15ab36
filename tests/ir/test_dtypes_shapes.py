"""dtypes and static shapes behave like TF1's `tf.DType` and `tf.TensorShape`."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from flowjit.ir import dtypes
from flowjit.ir.dtypes import as_dtype, dtype_of_python_value, truediv_result
from flowjit.ir.shapes import (Dimension, TensorShape, as_shape, broadcast_all, broadcast_shapes, scalar,
                               shape_from_dims, unknown_shape)

# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------

TF_NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64", "string"]


def test_tf_names_and_numpy_types():
    assert [d.name for d in dtypes.ALL_DTYPES] == TF_NAMES
    assert dtypes.float32.as_numpy_dtype is np.float32
    assert dtypes.bool_.as_numpy_dtype is np.bool_
    assert dtypes.string.as_numpy_dtype is np.object_
    assert dtypes.int64.size == 8 and dtypes.float16.size == 2
    assert repr(dtypes.float32) == "tf.float32"
    assert dtypes.float32.base_dtype is dtypes.float32


@pytest.mark.parametrize("value,expected", [
    ("float32", dtypes.float32), ("float", dtypes.float32), ("double", dtypes.float64), ("half", dtypes.float16),
    ("int", dtypes.int32), ("long", dtypes.int64), ("bool", dtypes.bool_), ("string", dtypes.string),
    (np.float32, dtypes.float32), (np.dtype("float64"), dtypes.float64), (np.int8, dtypes.int8),
    (np.uint8, dtypes.uint8), (np.bool_, dtypes.bool_), (float, dtypes.float32), (int, dtypes.int32),
    (bool, dtypes.bool_), (str, dtypes.string), (bytes, dtypes.string), (np.object_, dtypes.string),
    (dtypes.int16, dtypes.int16),
])
def test_as_dtype(value, expected):
    assert as_dtype(value) is expected


@pytest.mark.parametrize("value", ["float33", "complex64", np.complex64, np.uint16, object(), [1]])
def test_as_dtype_rejects_unknown_types(value):
    with pytest.raises(TypeError):
        as_dtype(value)


def test_dtypes_are_interned_and_compare_with_names_and_numpy():
    assert as_dtype("float32") is dtypes.float32
    assert dtypes.float32 == "float32" and dtypes.float32 == np.float32 and dtypes.float32 == dtypes.float32
    assert dtypes.float32 != dtypes.float64 and dtypes.float32 != "int32"
    assert not (dtypes.float32 == 3) and not (dtypes.float32 == "nonsense")
    assert hash(dtypes.float32) == hash(as_dtype("float"))
    assert {dtypes.float32: 1}[as_dtype(np.float32)] == 1
    assert pickle.loads(pickle.dumps(dtypes.int64)) is dtypes.int64
    assert dtypes.int32.is_compatible_with("int32") and not dtypes.int32.is_compatible_with(dtypes.int64)


def test_none_is_not_a_dtype():
    assert not (dtypes.float64 == None)  # noqa: E711
    with pytest.raises(TypeError):
        as_dtype(None)


def test_classification():
    assert dtypes.float16.is_floating and not dtypes.float16.is_integer
    assert dtypes.uint8.is_integer and dtypes.uint8.is_unsigned and not dtypes.int8.is_unsigned
    assert dtypes.bool_.is_bool and not dtypes.bool_.is_numeric
    assert dtypes.int32.is_numeric and dtypes.float64.is_numeric and not dtypes.string.is_numeric
    assert set(dtypes.NUMERIC_DTYPES) == set(dtypes.FLOAT_DTYPES) | set(dtypes.INT_DTYPES)


def test_min_and_max():
    assert dtypes.int8.min == -128 and dtypes.int8.max == 127
    assert dtypes.uint8.min == 0 and dtypes.uint8.max == 255
    assert dtypes.float32.max == np.finfo(np.float32).max
    assert dtypes.float16.min == -65504.0
    assert dtypes.bool_.min is False and dtypes.bool_.max is True


@pytest.mark.parametrize("value,expected", [
    (1, dtypes.int32), (2**31 - 1, dtypes.int32), (-(2**31), dtypes.int32), (2**31, dtypes.int64),
    (-(2**31) - 1, dtypes.int64), (1.0, dtypes.float32), (True, dtypes.bool_), ("s", dtypes.string),
    (b"s", dtypes.string), ([1, 2], dtypes.int32), ([1, 2.0], dtypes.float32), ([[1], [2**40]], dtypes.int64),
    ([True, False], dtypes.bool_), ([], dtypes.float32), ((1, 2), dtypes.int32), (["a", b"b"], dtypes.string),
    ([[1.5], [2]], dtypes.float32), (np.float64(1), dtypes.float64), (np.array([1], np.int64), dtypes.int64),
    (np.array(True), dtypes.bool_), (np.int8(3), dtypes.int8),
])
def test_dtype_of_python_value(value, expected):
    assert dtype_of_python_value(value) is expected


def test_dtype_of_python_value_rejects_other_objects():
    with pytest.raises(TypeError, match="cannot convert dict"):
        dtype_of_python_value({})
    with pytest.raises(TypeError):
        dtype_of_python_value([None])


@pytest.mark.parametrize("dtype,expected", [
    (dtypes.int8, dtypes.float32), (dtypes.int16, dtypes.float32), (dtypes.uint8, dtypes.float32),
    (dtypes.int32, dtypes.float64), (dtypes.int64, dtypes.float64), (dtypes.float16, dtypes.float16),
    (dtypes.float32, dtypes.float32), (dtypes.float64, dtypes.float64),
])
def test_truediv_result(dtype, expected):
    assert truediv_result(dtype) is expected


@pytest.mark.parametrize("dtype", [dtypes.bool_, dtypes.string])
def test_truediv_result_undefined(dtype):
    with pytest.raises(TypeError, match=f"truediv is not defined for {dtype.name}"):
        truediv_result(dtype)


# --------------------------------------------------------------------------------------
# Dimension
# --------------------------------------------------------------------------------------

def test_dimension():
    assert Dimension(3) == 3 and Dimension(3) == Dimension(3) and Dimension(3) != 4
    assert Dimension(None).value is None and str(Dimension(None)) == "?" and str(Dimension(3)) == "3"
    assert Dimension(None) != 3
    assert int(Dimension(5)) == 5 and [0, 1, 2][Dimension(1)] == 1
    with pytest.raises(ValueError, match="unknown dimension"):
        int(Dimension(None))
    assert hash(Dimension(2)) == hash(Dimension(2))


# --------------------------------------------------------------------------------------
# TensorShape
# --------------------------------------------------------------------------------------

def test_construction_and_queries():
    s = TensorShape([None, 3])
    assert s.dims == (None, 3) and s.rank == 2 and s.ndims == 2
    assert not s.is_fully_defined() and s.num_elements() is None
    assert s.as_list() == [None, 3]
    full = TensorShape([2, 3])
    assert full.is_fully_defined() and full.num_elements() == 6 and full.as_tuple() == (2, 3)
    assert TensorShape([]).num_elements() == 1 and TensorShape([]).rank == 0
    assert TensorShape([0, 5]).num_elements() == 0
    assert TensorShape(3).dims == (3,)
    assert TensorShape([Dimension(2), Dimension(None)]).dims == (2, None)
    assert TensorShape(TensorShape([1])).dims == (1,)
    assert TensorShape((np.int64(4),)).dims == (4,)
    assert TensorShape([-1, 2]).dims == (None, 2)  # -1 means unknown, as in tf.reshape


def test_unknown_rank():
    s = TensorShape(None)
    assert s.dims is None and s.rank is None and not s.is_fully_defined() and s.num_elements() is None
    assert unknown_shape().dims is None and unknown_shape(2).dims == (None, None)
    with pytest.raises(ValueError, match="as_list\\(\\) is not defined on an unknown TensorShape"):
        s.as_list()
    with pytest.raises(ValueError, match="unknown rank"):
        len(s)
    with pytest.raises(ValueError, match="unknown rank"):
        list(s)
    assert s[0].value is None and s[1:].dims is None
    assert not bool(s) and bool(TensorShape([]))


@pytest.mark.parametrize("bad,exc", [([-2], ValueError), ([True], TypeError), (["x"], TypeError), ([1.5j], TypeError)])
def test_invalid_dims(bad, exc):
    with pytest.raises(exc):
        TensorShape(bad)


def test_str_and_repr_like_tf1():
    assert str(TensorShape([None, 3])) == "(?, 3)"
    assert str(TensorShape([3])) == "(3,)"
    assert str(TensorShape([])) == "()"
    assert str(TensorShape(None)) == "<unknown>"
    assert repr(TensorShape([None, 3])) == "TensorShape([None, 3])"


def test_sequence_protocol():
    s = TensorShape([2, None, 4])
    assert len(s) == 3
    assert [d.value for d in s] == [2, None, 4]
    assert s[0] == 2 and s[-1].value == 4 and s[1].value is None
    assert s[1:].dims == (None, 4)


def test_equality_and_hash():
    assert TensorShape([1, 2]) == [1, 2] and TensorShape([1, 2]) == (1, 2)
    assert TensorShape([None]) == TensorShape([None])
    assert TensorShape([1]) != TensorShape([None])
    assert TensorShape(None) == TensorShape(None) and TensorShape(None) != TensorShape([])
    assert TensorShape([1]) != "not a shape"
    assert hash(TensorShape([1, None])) == hash(TensorShape([1, None]))
    assert pickle.loads(pickle.dumps(TensorShape([None, 2]))) == TensorShape([None, 2])
    assert pickle.loads(pickle.dumps(TensorShape(None))).dims is None


@pytest.mark.parametrize("a,b,compatible", [
    ([None, 3], [2, 3], True), ([None, 3], [2, 4], False), ([1, 2], [1, 2, 3], False), (None, [5, 6], True),
    ([], [], True), ([], [1], False), ([None], [None], True), (None, None, True),
])
def test_compatibility(a, b, compatible):
    assert TensorShape(a).is_compatible_with(b) is compatible
    assert TensorShape(b).is_compatible_with(a) is compatible
    if compatible:
        TensorShape(a).assert_is_compatible_with(b)
    else:
        with pytest.raises(ValueError, match="are incompatible"):
            TensorShape(a).assert_is_compatible_with(b)


def test_merge_with():
    assert TensorShape([None, 3]).merge_with([2, None]).dims == (2, 3)
    assert TensorShape(None).merge_with([1]).dims == (1,)
    assert TensorShape([1]).merge_with(None).dims == (1,)
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \(3,\) are not compatible"):
        TensorShape([2]).merge_with([3])
    with pytest.raises(ValueError):
        TensorShape([2]).merge_with([2, 2])


def test_with_rank_and_concatenate():
    assert TensorShape(None).with_rank(2).dims == (None, None)
    assert TensorShape([1, 2]).with_rank(2).dims == (1, 2)
    with pytest.raises(ValueError, match="must have rank 3"):
        TensorShape([1, 2]).with_rank(3)
    assert TensorShape([1]).concatenate([None, 2]).dims == (1, None, 2)
    assert TensorShape([1]).concatenate(None).dims is None
    with pytest.raises(ValueError, match="is not fully defined"):
        TensorShape([None]).as_tuple()


def test_helpers():
    assert scalar().dims == ()
    assert shape_from_dims(iter([2, 3])).dims == (2, 3)
    s = TensorShape([1])
    assert as_shape(s) is s and as_shape([1]).dims == (1,) and as_shape(None).dims is None


@pytest.mark.parametrize("a,b,expected", [
    ([2, 3], [3], (2, 3)), ([2, 1], [1, 4], (2, 4)), ([], [5], (5,)), ([None, 3], [4, 1], (4, 3)),
    ([None], [3], (3,)), ([None], [1], (None,)), ([1], [None], (None,)), ([None], [None], (None,)),
    ([5, 1, 2], [3, 1], (5, 3, 2)), (None, [2], None), ([2], None, None), ([0], [1], (0,)),
])
def test_broadcast_shapes(a, b, expected):
    assert broadcast_shapes(TensorShape(a), TensorShape(b)).dims == expected
    assert broadcast_shapes(TensorShape(b), TensorShape(a)).dims == expected
    if expected is not None and None not in (a or []) and None not in (b or []) and a is not None and b is not None:
        assert np.broadcast_shapes(tuple(a), tuple(b)) == expected  # NumPy agrees where fully known


@pytest.mark.parametrize("a,b", [([2], [3]), ([2, 3], [3, 2]), ([0], [2])])
def test_broadcast_shapes_incompatible(a, b):
    with pytest.raises(ValueError, match="Incompatible shapes for broadcasting"):
        broadcast_shapes(TensorShape(a), TensorShape(b))


def test_broadcast_all():
    assert broadcast_all([TensorShape([2, 1]), TensorShape([3]), TensorShape([])]).dims == (2, 3)
    assert broadcast_all([]).dims == ()
