"""`tensor[key]` against NumPy indexing: random index expressions (hypothesis), tensor indices,
dynamic shapes, names and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowjit as tf
from flowjit import errors

BUILD_ERRORS = (ValueError, TypeError, IndexError, errors.InvalidArgumentError)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session(backend="reference") as sess:
        return sess.run(fetches, feed)


# --- random index expressions -------------------------------------------------------------

bound = st.one_of(st.none(), st.integers(-7, 7))
step = st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0))
item = st.one_of(
    st.integers(-6, 6),
    st.builds(slice, bound, bound, step),
    st.just(None),
    st.just(Ellipsis),
)


@st.composite
def case(draw):
    shape = draw(st.lists(st.integers(0, 4), min_size=0, max_size=4))
    key = draw(st.lists(item, min_size=0, max_size=5))
    if key.count(Ellipsis) > 1 and not draw(st.booleans()):
        first = key.index(Ellipsis)
        key = key[:first + 1] + [k for k in key[first + 1:] if k is not Ellipsis]
    as_tuple = draw(st.booleans()) or len(key) != 1
    return shape, tuple(key) if as_tuple else key[0]


def numpy_or_error(v, key):
    try:
        return v[key]
    except (IndexError, ValueError):
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case())
def test_getitem_matches_numpy_static(c):
    shape, key = c
    v = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    want = numpy_or_error(v, key)
    with tf.Graph().as_default():
        x = tf.constant(v)
        if want is None:
            with pytest.raises(BUILD_ERRORS):
                x[key]
            return
        t = x[key]
        assert t.op.type == "StridedSlice"
        assert t.shape.as_list() == list(want.shape), (shape, key, t.shape)
        got = run(t)
    np.testing.assert_array_equal(got, want)
    assert np.shape(got) == want.shape


def _tensorize(key, dtype, feeds):
    """Replace ints (and slice bounds) of `key` by fed scalar placeholders."""
    def one(k):
        if isinstance(k, int) and not isinstance(k, bool):
            p = tf.placeholder(dtype, [])
            feeds[p] = k
            return p
        return k

    def conv(k):
        if isinstance(k, slice):
            return slice(one(k.start), one(k.stop), one(k.step))
        return one(k)

    return tuple(conv(k) for k in key) if isinstance(key, tuple) else conv(key)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case(), st.sampled_from(["int32", "int64"]), st.sampled_from(["static", "none_dims", "unknown_rank"]))
def test_getitem_tensor_indices_and_dynamic_inputs(c, index_dtype, input_kind):
    shape, key = c
    v = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    want = numpy_or_error(v, key)
    if want is None:
        return
    with tf.Graph().as_default():
        feeds = {}
        if input_kind == "static":
            x = tf.constant(v)
        else:
            x = tf.placeholder(tf.float32, None if input_kind == "unknown_rank" else [None] * len(shape))
            feeds[x] = v
        tkey = _tensorize(key, tf.as_dtype(index_dtype), feeds)
        t = x[tkey]
        assert t.shape.is_compatible_with(want.shape), (shape, key, t.shape)
        got = run(t, feeds)
    np.testing.assert_array_equal(got, want)


# --- fixed cases --------------------------------------------------------------------------


def test_names_and_operands_like_tf():
    x = tf.zeros([4, 5])
    t = x[1:3, 2]
    assert t.op.name == "strided_slice" and t.op.type == "StridedSlice"
    names = [i.op.name for i in t.op.inputs[1:]]
    assert names == ["strided_slice/stack", "strided_slice/stack_1", "strided_slice/stack_2"]
    assert t.op.get_attr("shrink_axis_mask") == 2 and t.op.get_attr("begin_mask") == 0
    assert x[0].op.name == "strided_slice_1"
    assert x[...].op.get_attr("ellipsis_mask") == 1
    assert x[tf.newaxis].op.get_attr("new_axis_mask") == 1


def test_tensor_index_keeps_other_dims_static():
    x = tf.placeholder(tf.float32, [None, 5, 6])
    i = tf.placeholder(tf.int32, [])
    t = x[i, 1:4]
    assert t.shape.as_list() == [3, 6]
    u = x[:, i]
    assert u.shape.as_list() == [None, 6]
    v = np.arange(2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6)
    got = run([t, u], {x: v, i: 1})
    np.testing.assert_array_equal(got[0], v[1, 1:4])
    np.testing.assert_array_equal(got[1], v[:, 1])
    j = tf.placeholder(tf.int64, [])
    w = x[i, j]  # int32 and int64 tensor indices together
    assert w.shape.as_list() == [6]
    np.testing.assert_array_equal(run(w, {x: v, i: 0, j: 4}), v[0, 4])
    k = tf.placeholder(tf.int32, [])
    s = x[:, k:]
    np.testing.assert_array_equal(run(s, {x: v, k: 3}), v[:, 3:])


def test_index_out_of_range_at_run_time_names_node():
    x = tf.placeholder(tf.float32, [None])
    i = tf.placeholder(tf.int32, [])
    t = x[i]
    with pytest.raises(errors.InvalidArgumentError, match="slice index 3 of dimension 0 out of bounds") as info:
        run(t, {x: np.zeros(3, np.float32), i: 3})
    assert "strided_slice" in str(info.value)
    with pytest.raises(BUILD_ERRORS, match="out of bounds"):
        tf.zeros([3])[3]


def test_list_key_is_a_multi_dim_index_as_in_tf1():
    v = np.arange(12).reshape(3, 4).astype(np.int32)
    x = tf.constant(v)
    np.testing.assert_array_equal(run(x[[1, 2]]), v[1, 2])


def test_boolean_mask_key():
    v = np.arange(6, dtype=np.float32)
    x = tf.constant(v)
    m = np.array([True, False, True, True, False, False])
    np.testing.assert_array_equal(run(x[m]), v[m])


def test_invalid_index_types():
    x = tf.zeros([3, 4])
    for bad in (1.5, "a", tf.constant(1.0), tf.constant([1, 2]), np.array([1, 2])):
        with pytest.raises(TypeError, match="Only integers, slices"):
            x[bad]
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[1:tf.constant(2.0)]


def test_dimension_and_numpy_ints_as_indices():
    x = tf.constant(np.arange(12).reshape(3, 4))
    d = tf.TensorShape([2])[0]
    np.testing.assert_array_equal(run(x[d]), np.arange(12).reshape(3, 4)[2])
    np.testing.assert_array_equal(run(x[np.int64(1), np.array(2)]), 6)
    np.testing.assert_array_equal(run(x[()]), np.arange(12).reshape(3, 4))


def test_variable_getitem():
    v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    t = v[1, ::2]
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(t), [3.0, 5.0])


@pytest.mark.tf
def test_getitem_against_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    v = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    keys = [(1,), (slice(None, None, -1), None, 2), (Ellipsis, slice(1, None, 2)), (None, Ellipsis, None, -1),
            (slice(-2, None), slice(None, -5, -2)), (-1, -1, -1), (slice(5, -7, -1), Ellipsis, slice(0, 0))]
    g = tf1.Graph()
    with g.as_default():
        x = tf1.constant(v)
        want_t = [x[k] for k in keys]
        shapes = [t.shape.as_list() for t in want_t]
        with tf1.Session() as sess:
            want = sess.run(want_t)
    x = tf.constant(v)
    got_t = [x[k] for k in keys]
    for t, s in zip(got_t, shapes):
        assert t.shape.as_list() == s
    for a, b in zip(run(got_t), want):
        np.testing.assert_array_equal(a, b)
