"""Array ops against NumPy: values, static shapes, dtypes, edge shapes and errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors
from flowjit.passes.pipeline import no_optimization

BUILD_ERRORS = (ValueError, TypeError, errors.InvalidArgumentError)
HERE = os.path.basename(__file__)

# every dtype an array op moves around, with a sample-making function
DTYPES = [tf.bool, tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.float16, tf.float32, tf.float64, tf.string]


def sample(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dtype == tf.string:
        return np.array([f"s{i}" for i in range(n)], dtype=object).reshape(shape)
    if dtype == tf.bool:
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if dtype.is_integer:
        return rng.integers(0, 100, n).astype(dtype.np_dtype).reshape(shape)
    return rng.standard_normal(n).astype(dtype.np_dtype).reshape(shape)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _text(value):
    """Session.run gives strings back as bytes, as TF does; these tests compare them as text."""
    if isinstance(value, list):
        return [_text(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.vectorize(lambda v: v.decode() if isinstance(v, bytes) else v, otypes=[object])(value) \
            if value.size else value
    return value


def run(fetches, feed=None, pipeline=None):
    with tf.Session(backend="reference", pipeline=pipeline) as sess:
        return _text(sess.run(fetches, feed))


def check(t, expected, static=True):
    """Run `t`, compare with `expected` (exact, same dtype), and check the static shape agrees."""
    got = run(t)
    expected = np.asarray(expected)
    assert np.asarray(got).dtype == expected.dtype, (np.asarray(got).dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)
    if static:
        assert t.shape.is_compatible_with(expected.shape), (t.shape, expected.shape)
        assert t.shape.as_list() == list(expected.shape), (t.shape, expected.shape)
    return got


# --- placeholders and plumbing ------------------------------------------------------------


def test_placeholder_attrs_and_none_dims():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    assert x.op.type == "Placeholder" and x.name == "x:0"
    assert x.op.get_attr("shape") == tf.TensorShape([None, 3]) and x.op.get_attr("dtype") == tf.float32
    y = tf.identity(x)
    for n in (0, 1, 5):
        v = np.ones([n, 3], np.float32)
        np.testing.assert_array_equal(run(y, {x: v}), v)
    with pytest.raises(ValueError, match="shape"):
        run(y, {x: np.ones([2, 4], np.float32)})


def test_placeholder_unknown_rank():
    x = tf.placeholder(tf.int32)
    assert x.shape.rank is None and tf.placeholder(tf.int32, None).shape.rank is None
    y = tf.identity(x)
    for v in (np.int32(3), np.arange(4, dtype=np.int32), np.ones([2, 2, 2], np.int32)):
        np.testing.assert_array_equal(run(y, {x: v}), v)


def test_unfed_placeholder_error_names_node_dtype_shape_and_line():
    x = tf.placeholder(tf.float32, [None, 3], name="images")
    y = x * 2.0 if hasattr(tf, "multiply") else tf.identity(x)
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(y)
    msg = str(info.value)
    assert "You must feed a value for placeholder tensor 'images'" in msg
    assert "float32" in msg and "[?,3]" in msg
    assert HERE in msg


def test_placeholder_with_default_fed_and_unfed():
    d = tf.placeholder_with_default(np.array([1.0, 2.0], np.float32), shape=[None], name="d")
    assert d.op.type == "PlaceholderWithDefault" and d.shape.as_list() == [None]
    y = tf.identity(d)
    np.testing.assert_array_equal(run(y), [1.0, 2.0])
    np.testing.assert_array_equal(run(y, {d: [5.0, 6.0, 7.0]}), [5.0, 6.0, 7.0])
    s = tf.placeholder_with_default(3, shape=[])
    assert s.dtype == tf.int32
    assert run(s) == 3 and run(s, {s: 9}) == 9
    with pytest.raises(BUILD_ERRORS):
        tf.placeholder_with_default([1.0, 2.0], shape=[3])


def test_identity_identity_n_stop_gradient():
    x = tf.constant([1, 2, 3])
    check(tf.identity(x), np.array([1, 2, 3], np.int32))
    a, b = tf.identity_n([x, tf.constant(2.5)])
    assert run([a, b])[1] == np.float32(2.5)
    s = tf.stop_gradient(x, name="sg")
    assert s.op.type == "StopGradient" and s.op.name == "sg"
    check(s, np.array([1, 2, 3], np.int32))


# --- shapes -------------------------------------------------------------------------------


def test_shape_size_rank_static_are_constants():
    x = tf.zeros([2, 3, 4])
    for t, want in ((tf.shape(x), [2, 3, 4]), (tf.size(x), 24), (tf.rank(x), 3)):
        assert t.op.type == "Const"
        check(t, np.array(want, np.int32))
    assert tf.shape(x, out_type=tf.int64).dtype == tf.int64
    check(tf.size(x, out_type=tf.int64), np.int64(24))


def test_shape_size_rank_dynamic():
    x = tf.placeholder(tf.float32, [None, 3])
    u = tf.placeholder(tf.float32)
    s, n, r = tf.shape(x), tf.size(x), tf.rank(u)
    assert (s.op.type, n.op.type, r.op.type) == ("Shape", "Size", "Rank")
    assert s.shape.as_list() == [2]
    v = np.zeros([5, 3], np.float32)
    got = run([s, n, r, tf.shape(u)], {x: v, u: np.zeros([2, 0, 1], np.float32)})
    np.testing.assert_array_equal(got[0], [5, 3])
    assert got[1] == 15 and got[2] == 3
    np.testing.assert_array_equal(got[3], [2, 0, 1])
    z = tf.placeholder(tf.float32, [None, 0])
    assert tf.size(z).op.type == "Const"  # any zero dim: size 0
    sn = tf.shape_n([x, u], out_type=tf.int64)
    got = run(sn, {x: v, u: np.zeros([7], np.float32)})
    assert got[0].dtype == np.int64
    np.testing.assert_array_equal(got[1], [7])


def test_shape_of_scalar_and_empty():
    check(tf.shape(tf.constant(1.0)), np.zeros([0], np.int32))
    check(tf.shape(tf.zeros([0, 2])), np.array([0, 2], np.int32))
    check(tf.size(tf.constant(1.0)), np.int32(1))


# --- reshape ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape,target", [
    ([2, 3], [6]), ([2, 3], [-1]), ([2, 3], [3, -1]), ([6], [1, 2, 1, 3]), ([], [1]), ([1], []),
    ([1, 1], []), ([0, 4], [-1, 2]), ([0, 6], [-1, 0, 3]), ([2, 0], [0, -1]), ([2, 0], [-1]), ([4], [2, 2]),
])
def test_reshape_values_and_static_shape(shape, target):
    v = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    t = tf.reshape(tf.constant(v), target)
    expected = np.reshape(v, target) if 0 not in shape else np.zeros(_tf_reshape_dims(shape, target), np.float32)
    check(t, expected)


def _tf_reshape_dims(shape, target):
    known = [d for d in target if d not in (-1, 0)]
    n = int(np.prod([d for d in shape if d > 0 or 0 not in target]))
    return [n // int(np.prod(known)) if d == -1 else d for d in target]


@pytest.mark.parametrize("dtype", DTYPES)
def test_reshape_all_dtypes(dtype):
    v = sample([2, 3], dtype)
    check(tf.reshape(tf.constant(v, dtype=dtype), [3, 2]), v.reshape(3, 2))


def test_reshape_static_inference_from_partial_shapes():
    x = tf.placeholder(tf.float32, [None, 4, 3])
    a = tf.reshape(x, [-1, 12])
    assert a.shape.as_list() == [None, 12]
    b = tf.reshape(x, tf.stack([tf.shape(x)[0], -1]))
    assert b.shape.as_list() == [None, None]
    c = tf.reshape(x, [tf.shape(x)[0], 2, 6])  # auto-packed list with a tensor
    assert c.shape.as_list() == [None, 2, 6]
    d = tf.reshape(x, tf.shape(x)[1:])  # StridedSlice of a Shape: partially known values
    assert d.shape.as_list() == [4, 3]
    e = tf.reshape(x, tf.concat([tf.shape(x)[:1], [3, 4]], 0))
    assert e.shape.as_list() == [None, 3, 4]
    f = tf.reshape(x, [x.shape[1], -1])  # a Dimension in the list
    assert f.shape.as_list() == [4, None]
    y = tf.placeholder(tf.float32, [6, 2])
    g = tf.reshape(y, tf.shape(y)[::-1])
    assert g.shape.as_list() == [2, 6]
    v = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    got = run([a, b, c, d, e, f], {x: v[:1]})
    np.testing.assert_array_equal(got[2], v[:1].reshape(1, 2, 6))
    np.testing.assert_array_equal(got[5], v[:1].reshape(4, 3))
    h = tf.reshape(x, tf.placeholder(tf.int32, [3]))
    assert h.shape.as_list() == [None, None, None]
    assert tf.reshape(x, tf.placeholder(tf.int32)).shape.rank is None


def test_reshape_names_like_tf():
    t = tf.reshape(tf.zeros([2, 3]), [6])
    assert t.op.name == "Reshape" and t.op.inputs[1].op.name == "Reshape/shape"
    t2 = tf.reshape(t, [2, 3], name="back")
    assert t2.op.name == "back"
    assert tf.reshape(t, [6]).op.name == "Reshape_1"


def test_reshape_build_time_errors_name_the_node():
    x = tf.zeros([2, 3])
    with pytest.raises(BUILD_ERRORS) as info:
        tf.reshape(x, [4], name="bad_reshape")
    assert "bad_reshape" in str(info.value) and "6" in str(info.value) and HERE in str(info.value)
    with pytest.raises(BUILD_ERRORS, match="-1"):
        tf.reshape(x, [-1, -1])
    with pytest.raises(BUILD_ERRORS, match="multiple of 4"):
        tf.reshape(x, [-1, 4])
    with pytest.raises(BUILD_ERRORS):
        tf.reshape(x, [[6]])
    with pytest.raises(BUILD_ERRORS):
        tf.reshape(x, [6.5])


def test_reshape_run_time_error_names_node_and_line():
    x = tf.placeholder(tf.float32, [None])
    y = tf.reshape(x, [2, 3], name="my_reshape")
    with pytest.raises(errors.InvalidArgumentError) as info:
        run(y, {x: np.zeros(5, np.float32)})
    msg = str(info.value)
    assert "Input to reshape is a tensor with 5 values, but the requested shape has 6" in msg
    assert "my_reshape" in msg and HERE in msg
    s = tf.placeholder(tf.int32, [2])
    y2 = tf.reshape(x, s)
    with pytest.raises(errors.InvalidArgumentError, match="requires a multiple of 4"):
        run(y2, {x: np.zeros(6, np.float32), s: [-1, 4]})
    with pytest.raises(errors.InvalidArgumentError, match="Only one input size may be -1"):
        run(y2, {x: np.zeros(6, np.float32), s: [-1, -1]})


# --- transpose ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_default_and_perm(dtype):
    v = sample([2, 3, 4], dtype)
    x = tf.constant(v, dtype=dtype)
    check(tf.transpose(x), v.transpose())
    check(tf.transpose(x, [1, 0, 2]), v.transpose(1, 0, 2))
    check(tf.transpose(x, [-1, 0, 1]), v.transpose(2, 0, 1))


def test_transpose_names_scalar_and_dynamic():
    t = tf.transpose(tf.zeros([2, 3]))
    assert t.op.name == "transpose" and t.op.type == "Transpose"
    check(tf.transpose(tf.constant(5)), np.int32(5))
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.transpose(x).shape.as_list() == [3, None]
    p = tf.placeholder(tf.int32, [2])
    y = tf.transpose(x, p)
    assert y.shape.as_list() == [None, None]
    v = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(run(y, {x: v, p: [1, 0]}), v.T)
    with pytest.raises(errors.InvalidArgumentError, match="permutation"):
        run(y, {x: v, p: [0, 0]})
    with pytest.raises(BUILD_ERRORS, match="Dimension must be 2"):
        tf.transpose(x, [0, 1, 2])


def test_transpose_unknown_rank():
    x = tf.placeholder(tf.float32)
    v = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(run(tf.transpose(x), {x: v}), v.transpose())


def test_matrix_transpose():
    v = np.arange(24).reshape(2, 3, 4).astype(np.int64)
    check(tf.matrix_transpose(tf.constant(v)), v.transpose(0, 2, 1))
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.matrix_transpose(tf.constant([1, 2]))


# --- concat, stack, unstack, split --------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_concat_all_dtypes(dtype):
    a, b = sample([2, 3], dtype, 1), sample([2, 1], dtype, 2)
    check(tf.concat([tf.constant(a, dtype=dtype), tf.constant(b, dtype=dtype)], 1), np.concatenate([a, b], 1))
    check(tf.concat([tf.constant(a, dtype=dtype), tf.constant(a, dtype=dtype)], -2), np.concatenate([a, a], 0))


def test_concat_shapes_names_and_single_value():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [2, None])
    c = tf.concat([x, y], 0)
    assert c.op.type == "ConcatV2" and c.op.name == "concat" and c.shape.as_list() == [None, 3]
    assert tf.concat([x, y], 1).shape.as_list() == [2, None]
    one = tf.concat([x], 0)
    assert one.op.type == "Identity" and one.shape.as_list() == [None, 3]
    check(tf.concat([tf.zeros([0, 2]), tf.ones([1, 2])], 0), np.ones([1, 2], np.float32))
    check(tf.concat([[1, 2], tf.constant([3])], 0), np.array([1, 2, 3], np.int32))
    a = tf.placeholder(tf.int32, [])
    d = tf.concat([x, x], a)
    assert d.shape.as_list() == [None, None]
    v = np.ones([2, 3], np.float32)
    assert run(d, {x: v, a: 1}).shape == (2, 6)


def test_concat_errors():
    with pytest.raises(BUILD_ERRORS, match="Dimension 1 in both shapes must be equal"):
        tf.concat([tf.zeros([2, 3]), tf.zeros([2, 4])], 0)
    with pytest.raises(BUILD_ERRORS, match="scalars"):
        tf.concat([tf.constant(1.0), tf.constant(2.0)], 0)
    with pytest.raises(BUILD_ERRORS, match="range"):
        tf.concat([tf.zeros([2]), tf.zeros([2])], 1)
    with pytest.raises(BUILD_ERRORS, match="dtype"):
        tf.concat([tf.zeros([2]), tf.zeros([2], tf.int32)], 0)
    x = tf.placeholder(tf.float32, [None, 3])
    c = tf.concat([x, tf.zeros([2, 3])], 1, name="cc")
    with pytest.raises(errors.InvalidArgumentError, match="ConcatOp : Dimension 0 in both shapes") as info:
        run(c, {x: np.zeros([3, 3], np.float32)})
    assert "cc" in str(info.value) and HERE in str(info.value)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_unstack(dtype, axis):
    parts = [sample([2, 3], dtype, k) for k in range(4)]
    s = tf.stack([tf.constant(p, dtype=dtype) for p in parts], axis=axis)
    expected = np.stack(parts, axis=axis)
    check(s, expected)
    un = tf.unstack(s, axis=axis)
    assert len(un) == 4 and un[0].op.type == "Unpack"
    for got, want in zip(run(un), parts):
        np.testing.assert_array_equal(got, want)


def test_stack_constants_and_packing():
    c = tf.stack([1, 2, 3])
    assert c.op.type == "Const"
    check(c, np.array([1, 2, 3], np.int32))
    x = tf.placeholder(tf.int64, [])
    p = tf.stack([x, 2, 3], name="packed")
    assert p.op.type == "Pack" and p.dtype == tf.int64 and p.op.name == "packed"
    np.testing.assert_array_equal(run(p, {x: 7}), [7, 2, 3])
    assert tf.pack is tf.stack and tf.unpack is tf.unstack
    check(tf.stack([tf.constant(1.0)]), np.array([1.0], np.float32))
    check(tf.parallel_stack([tf.constant([1, 2]), tf.constant([3, 4])]), np.array([[1, 2], [3, 4]], np.int32))
    with pytest.raises(ValueError, match="axis = 3 not in"):
        tf.stack([tf.zeros([2]), tf.zeros([2])], axis=3)
    with pytest.raises(BUILD_ERRORS):
        tf.stack([tf.zeros([2]), tf.zeros([3])], axis=1)


def test_unstack_num_and_errors():
    x = tf.placeholder(tf.float32, [None, 2])
    a, b = tf.unstack(x, axis=1)
    assert a.shape.as_list() == [None]
    with pytest.raises(ValueError, match="Cannot infer num"):
        tf.unstack(x)
    parts = tf.unstack(x, num=3)
    v = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(run(parts, {x: v})[2], [4, 5])
    with pytest.raises(errors.InvalidArgumentError):
        run(parts, {x: v[:2]})
    assert tf.unstack(tf.zeros([0, 3])) == []
    check(tf.unstack(tf.zeros([3, 0]))[1], np.zeros([0], np.float32))
    # Tensor iteration goes through unstack
    assert len(list(tf.zeros([4, 2]))) == 4


@pytest.mark.parametrize("dtype", DTYPES)
def test_split_equal_and_sizes(dtype):
    v = sample([6, 4], dtype)
    x = tf.constant(v, dtype=dtype)
    parts = tf.split(x, 3)
    assert [p.shape.as_list() for p in parts] == [[2, 4]] * 3 and parts[0].op.type == "Split"
    for got, want in zip(run(parts), np.split(v, 3)):
        np.testing.assert_array_equal(got, want)
    parts = tf.split(x, [1, -1, 2], axis=-1)
    assert parts[0].op.type == "SplitV" and [p.shape.as_list() for p in parts] == [[6, 1], [6, 1], [6, 2]]
    for got, want in zip(run(parts), np.split(v, [1, 2], axis=1)):
        np.testing.assert_array_equal(got, want)


def test_split_edge_cases_and_errors():
    x = tf.placeholder(tf.float32, [None, 4])
    parts = tf.split(x, 2, axis=1)
    assert parts[0].shape.as_list() == [None, 2]
    parts = tf.split(x, [0, 4], axis=1)
    got = run(parts, {x: np.ones([3, 4], np.float32)})
    assert got[0].shape == (3, 0) and got[1].shape == (3, 4)
    with pytest.raises(BUILD_ERRORS, match="evenly divisible"):
        tf.split(x, 3, axis=1)
    with pytest.raises(BUILD_ERRORS, match="Determined shape must either match"):
        tf.split(x, [1, 2], axis=1)
    with pytest.raises(BUILD_ERRORS, match="Only one"):
        tf.split(x, [-1, -1], axis=1)
    with pytest.raises(ValueError, match="Rank-0"):
        tf.split(x, tf.constant(2), axis=1)
    y = tf.split(x, 3, axis=0)
    with pytest.raises(errors.InvalidArgumentError, match="evenly divide"):
        run(y, {x: np.ones([4, 4], np.float32)})
    sizes = tf.placeholder(tf.int32, [2])
    z = tf.split(x, sizes, axis=1)
    got = run(z, {x: np.ones([1, 4], np.float32), sizes: [3, -1]})
    assert got[1].shape == (1, 1)


# --- squeeze, expand_dims, tile, pad ------------------------------------------------------


def test_squeeze():
    v = np.arange(6, dtype=np.float32).reshape(1, 2, 1, 3, 1)
    x = tf.constant(v)
    check(tf.squeeze(x), v.reshape(2, 3))
    check(tf.squeeze(x, [0, -1]), v.reshape(2, 1, 3))
    check(tf.squeeze(x, axis=2), v.reshape(1, 2, 3, 1))
    check(tf.squeeze(x, squeeze_dims=[2]), v.reshape(1, 2, 3, 1))
    check(tf.squeeze(tf.constant([[5]])), np.int32(5))
    with pytest.raises(BUILD_ERRORS, match="Can not squeeze dim\\[1\\]"):
        tf.squeeze(x, [1])
    with pytest.raises(BUILD_ERRORS, match="squeeze dim index 5"):
        tf.squeeze(x, [5])
    p = tf.placeholder(tf.float32, [None, 1])
    assert tf.squeeze(p).shape.rank is None
    assert tf.squeeze(p, [1]).shape.as_list() == [None]
    q = tf.squeeze(p, [0])
    with pytest.raises(errors.InvalidArgumentError, match="expected a dimension of 1, got 2"):
        run(q, {p: np.zeros([2, 1], np.float32)})
    np.testing.assert_array_equal(run(tf.squeeze(p), {p: np.zeros([2, 1], np.float32)}), [0, 0])


def test_expand_dims():
    v = np.arange(6).reshape(2, 3).astype(np.int32)
    x = tf.constant(v)
    for a in (0, 1, 2, -1, -3):
        check(tf.expand_dims(x, a), np.expand_dims(v, a))
    check(tf.expand_dims(x, dim=1), np.expand_dims(v, 1))
    check(tf.expand_dims(tf.constant(3.0), 0), np.array([3.0], np.float32))
    with pytest.raises(ValueError, match="Must specify an axis"):
        tf.expand_dims(x)
    with pytest.raises(ValueError, match="both"):
        tf.expand_dims(x, 0, dim=0)
    with pytest.raises(BUILD_ERRORS, match="expand dim index 3"):
        tf.expand_dims(x, 3)
    a = tf.placeholder(tf.int32, [])
    y = tf.expand_dims(x, a)
    assert y.shape.as_list() == [None, None, None]
    assert run(y, {a: -1}).shape == (2, 3, 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tile(dtype):
    v = sample([2, 3], dtype)
    check(tf.tile(tf.constant(v, dtype=dtype), [2, 3]), np.tile(v, [2, 3]))
    check(tf.tile(tf.constant(v, dtype=dtype), [1, 0]), np.tile(v, [1, 0]))


def test_tile_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.tile(x, [2, 2]).shape.as_list() == [None, 6]
    m = tf.placeholder(tf.int32, [2])
    y = tf.tile(x, m)
    assert y.shape.as_list() == [None, None]
    v = np.ones([1, 3], np.float32)
    assert run(y, {x: v, m: [4, 1]}).shape == (4, 3)
    with pytest.raises(errors.InvalidArgumentError, match="Expected multiples\\[1\\] >= 0"):
        run(y, {x: v, m: [1, -1]})
    with pytest.raises(BUILD_ERRORS, match="length 2"):
        tf.tile(x, [1, 2, 3])
    check(tf.tile(tf.constant(7), tf.zeros([0], tf.int32)), np.int32(7))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_constant_all_dtypes(dtype):
    v = sample([2, 3], dtype)
    t = tf.pad(tf.constant(v, dtype=dtype), [[1, 0], [2, 1]])
    assert t.op.type == "Pad"
    fill = "" if dtype == tf.string else 0
    expected = np.pad(v, [[1, 0], [2, 1]], constant_values=np.array(fill, dtype=v.dtype))
    check(t, expected.astype(v.dtype))


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC", "reflect", "symmetric"])
def test_mirror_pad(mode):
    v = np.arange(12, dtype=np.float64).reshape(3, 4)
    pads = [[2, 1], [0, 3]]
    t = tf.pad(tf.constant(v), pads, mode=mode)
    assert t.op.type == "MirrorPad"
    check(t, np.pad(v, pads, mode=mode.lower()))


def test_pad_constant_values_shapes_and_errors():
    v = np.arange(6, dtype=np.int32).reshape(2, 3)
    t = tf.pad(tf.constant(v), [[0, 1], [1, 1]], constant_values=9)
    assert t.op.type == "PadV2"
    check(t, np.pad(v, [[0, 1], [1, 1]], constant_values=9))
    check(tf.pad(tf.constant(1.5), tf.zeros([0, 2], tf.int32)), np.float32(1.5))
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.pad(x, [[1, 1], [2, 2]]).shape.as_list() == [None, 7]
    p = tf.placeholder(tf.int32, [2, 2])
    y = tf.pad(x, p)
    assert y.shape.as_list() == [None, None]
    with pytest.raises(errors.InvalidArgumentError, match="non-negative"):
        run(y, {x: np.zeros([1, 3], np.float32), p: [[0, -1], [0, 0]]})
    with pytest.raises(BUILD_ERRORS, match="less than the dimension size"):
        tf.pad(tf.zeros([3]), [[3, 0]], mode="REFLECT")
    with pytest.raises(BUILD_ERRORS, match="no greater than"):
        tf.pad(tf.zeros([3]), [[4, 0]], mode="SYMMETRIC")
    check(tf.pad(tf.zeros([3]), [[3, 0]], mode="SYMMETRIC"), np.zeros(6, np.float32))
    with pytest.raises(ValueError, match="Unknown padding mode"):
        tf.pad(x, [[0, 0], [0, 0]], mode="WRAP")
    with pytest.raises(BUILD_ERRORS):
        tf.pad(x, [[0, 0]])


# --- slice and strided_slice --------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_slice(dtype):
    v = sample([4, 5, 2], dtype)
    x = tf.constant(v, dtype=dtype)
    check(tf.slice(x, [1, 0, 1], [2, -1, 1]), v[1:3, :, 1:2])
    check(tf.slice(x, [4, 5, 2], [0, 0, 0]), v[4:4, 5:5, 2:2])


def test_slice_shapes_and_errors():
    x = tf.placeholder(tf.float32, [None, 5])
    assert tf.slice(x, [0, 1], [2, -1]).shape.as_list() == [2, 4]
    assert tf.slice(x, [1, 1], [-1, 2]).shape.as_list() == [None, 2]
    b = tf.placeholder(tf.int32, [2])
    y = tf.slice(x, b, [1, 2])
    assert y.shape.as_list() == [1, 2]
    v = np.arange(15, dtype=np.float32).reshape(3, 5)
    np.testing.assert_array_equal(run(y, {x: v, b: [2, 3]}), v[2:3, 3:5])
    with pytest.raises(errors.InvalidArgumentError, match="Expected size\\[1\\] in \\[0, 1\\], but got 2"):
        run(y, {x: v, b: [0, 4]})
    with pytest.raises(errors.InvalidArgumentError, match="Expected begin\\[0\\] in \\[0, 3\\], but got 4"):
        run(y, {x: v, b: [4, 0]})
    with pytest.raises(BUILD_ERRORS, match="Expected size\\[0\\] in \\[0, 2\\]"):
        tf.slice(tf.zeros([3]), [1], [3])
    with pytest.raises(BUILD_ERRORS, match="length 2"):
        tf.slice(x, [0], [1])


def _numpy_key(begin, end, strides, masks):
    """The NumPy index equivalent to a StridedSlice spec (TF precedence: ellipsis, new axis, shrink)."""
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            key.append(Ellipsis)
        elif masks["new_axis_mask"] & bit:
            key.append(None)
        elif masks["shrink_axis_mask"] & bit:
            key.append(b)
        else:
            key.append(slice(None if masks["begin_mask"] & bit else b, None if masks["end_mask"] & bit else e, s))
    return tuple(key)


MASK_NAMES = ["begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"]


def _masks(bits, n):
    return {name: (bits >> (k * n)) & ((1 << n) - 1) for k, name in enumerate(MASK_NAMES)}


def _expect(v, begin, end, strides, masks):
    """NumPy's answer, or None where TF raises (NumPy's IndexError, or a shrunk dim with stride <= 0)."""
    other = masks["ellipsis_mask"] | masks["new_axis_mask"]
    if any(masks["shrink_axis_mask"] & ~other & (1 << i) and s <= 0 for i, s in enumerate(strides)):
        return None
    try:
        return v[_numpy_key(begin, end, strides, masks)]
    except IndexError:
        return None


class _Ctx:
    def __init__(self, attrs):
        self.attrs = attrs

    def error(self, cls, message):
        return cls(None, None, message)


@pytest.mark.parametrize("spec", [
    ([1, -1, 0], [3, 0, 2], [1, -1, 1]),
    ([-2, 0, 1], [0, 3, 3], [-1, 2, 1]),
    ([0, 2, -1], [5, -5, 0], [2, -2, -1]),
])
def test_strided_slice_kernel_every_mask_combination(spec):
    """All 2^15 values of the five masks over three index entries, against NumPy indexing."""
    from flowjit.ir.registry import get_op

    kernel = get_op("StridedSlice").kernel
    v = np.arange(4 * 5 * 3, dtype=np.int32).reshape(4, 5, 3)
    begin, end, strides = (np.array(a, np.int32) for a in spec)
    for bits in range(1 << 15):
        masks = _masks(bits, 3)
        want = _expect(v, list(spec[0]), list(spec[1]), list(spec[2]), masks)
        if want is None:
            with pytest.raises(errors.InvalidArgumentError):
                kernel(_Ctx(masks), v, begin, end, strides)
            continue
        got = kernel(_Ctx(masks), v, begin, end, strides)
        assert got.shape == want.shape and (got == want).all(), masks


@pytest.mark.parametrize("spec", [([1, -1], [3, 0], [1, -1]), ([-3, 4], [0, -6], [-2, 2])])
def test_strided_slice_graph_every_mask_combination(spec):
    """All 2^10 mask values over two entries through the graph: static shapes and values."""
    v = np.arange(4 * 5, dtype=np.float32).reshape(4, 5)
    x = tf.constant(v)
    begin, end, strides = spec
    cases = []
    for bits in range(1 << 10):
        masks = _masks(bits, 2)
        want = _expect(v, begin, end, strides, masks)
        if want is None:
            with pytest.raises(BUILD_ERRORS):
                tf.strided_slice(x, begin, end, strides, **masks)
            continue
        t = tf.strided_slice(x, begin, end, strides, **masks)
        assert t.shape.as_list() == list(want.shape), (masks, t.shape, want.shape)
        cases.append((t, want, masks))
    got = run([t for t, _, _ in cases], pipeline=no_optimization())  # hundreds of nodes: skip the passes
    for g, (_, want, masks) in zip(got, cases):
        np.testing.assert_array_equal(g, want, err_msg=str(masks))


def test_strided_slice_dynamic_operands_and_runtime_errors():
    v = np.arange(20, dtype=np.float32).reshape(4, 5)
    x = tf.placeholder(tf.float32, [None, 5])
    b = tf.placeholder(tf.int32, [2])
    y = tf.strided_slice(x, b, [4, 5], [1, 2])
    assert y.shape.as_list() == [None, None]
    np.testing.assert_array_equal(run(y, {x: v, b: [1, 0]}), v[1:4, 0:5:2])
    z = tf.strided_slice(x, b, [0, 0], [1, 1], shrink_axis_mask=1, end_mask=2)
    assert z.shape.as_list() == [None]
    with pytest.raises(errors.InvalidArgumentError, match="slice index 7 of dimension 0 out of bounds") as info:
        run(z, {x: v, b: [7, 0]})
    assert HERE in str(info.value)
    s = tf.placeholder(tf.int32, [2])
    w = tf.strided_slice(x, [0, 0], [4, 5], s)
    with pytest.raises(errors.InvalidArgumentError, match="strides\\[1\\] must be non-zero"):
        run(w, {x: v, s: [1, 0]})
    assert tf.strided_slice(x, [0, 0], [1, 1]).op.inputs[3].op.type == "Const"  # strides default to ones
    with pytest.raises(BUILD_ERRORS, match="Multiple ellipses"):
        tf.strided_slice(x, [0, 0], [0, 0], [1, 1], ellipsis_mask=3)
    with pytest.raises(BUILD_ERRORS, match="equal size"):
        tf.strided_slice(x, [0, 0], [1], [1, 1])


def test_strided_slice_int64_and_empty_spec():
    v = np.arange(6, dtype=np.int16).reshape(2, 3)
    x = tf.constant(v)
    check(tf.strided_slice(x, np.array([0, 1], np.int64), np.array([2, 3], np.int64),
                           np.array([1, 2], np.int64)), v[0:2, 1:3:2])
    empty = tf.zeros([0], tf.int32)
    check(tf.strided_slice(x, empty, empty, empty), v)
    check(tf.strided_slice(tf.constant(4.0), empty, empty, empty), np.float32(4.0))


# --- gather, gather_nd, scatter -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_all_dtypes(dtype):
    v = sample([5, 3], dtype)
    idx = np.array([[4, 0], [1, 1]], np.int32)
    check(tf.gather(tf.constant(v, dtype=dtype), idx), v[idx])


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("indices", [np.array(2), np.array([3, 0, 3]), np.array([[1, 2], [0, 0]]), np.zeros([0], int)])
def test_gather_axes(axis, indices):
    v = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    idx = indices.astype(np.int64)
    t = tf.gather(tf.constant(v), idx, axis=axis)
    assert t.op.type == "GatherV2"
    check(t, np.take(v, idx, axis=axis))


def test_gather_batch_dims():
    rng = np.random.default_rng(0)
    params = rng.standard_normal([2, 3, 4, 5]).astype(np.float32)
    indices = rng.integers(0, 4, [2, 3, 6]).astype(np.int32)
    t = tf.gather(tf.constant(params), indices, axis=2, batch_dims=2)
    expected = np.stack([np.stack([params[i, j][indices[i, j]] for j in range(3)]) for i in range(2)])
    check(t, expected)
    idx1 = rng.integers(0, 5, [2, 7]).astype(np.int32)
    t1 = tf.gather(tf.constant(params), idx1, axis=3, batch_dims=1)
    expected1 = np.stack([np.take(params[i], idx1[i], axis=2) for i in range(2)])
    check(t1, expected1)
    t2 = tf.gather(tf.constant(params), indices, axis=-2, batch_dims=-1)
    check(t2, expected)
    check(tf.batch_gather(tf.constant(params[:, 0, 0]), idx1 % 5),
          np.take_along_axis(params[:, 0, 0], idx1 % 5, axis=1))
    with pytest.raises(BUILD_ERRORS, match="batch_dims"):
        tf.gather(tf.constant(params), indices, axis=1, batch_dims=2)


def test_gather_out_of_range_names_node():
    params = tf.constant([1.0, 2.0, 3.0])
    i = tf.placeholder(tf.int32, [None])
    g = tf.gather(params, i, name="lookup")
    np.testing.assert_array_equal(run(g, {i: [2, 0]}), [3.0, 1.0])
    for bad, where in (([0, 3], "indices[1] = 3 is not in [0, 3)"), ([-1], "indices[0] = -1 is not in [0, 3)")):
        with pytest.raises(errors.InvalidArgumentError) as info:
            run(g, {i: bad})
        msg = str(info.value)
        assert where in msg and "lookup" in msg and HERE in msg


def test_gather_shapes_and_errors():
    p = tf.placeholder(tf.float32, [None, 4])
    assert tf.gather(p, [1, 2, 3], axis=1).shape.as_list() == [None, 3]
    a = tf.placeholder(tf.int32, [])
    assert tf.gather(p, [[1]], axis=a).shape.as_list() == [None, None, None]
    with pytest.raises(BUILD_ERRORS, match="axis"):
        tf.gather(p, [0], axis=2)
    with pytest.raises(BUILD_ERRORS):
        tf.gather(p, [0.5])
    check(tf.gather(tf.constant(np.arange(6).reshape(2, 3)), tf.constant(1, tf.int64), axis=1),
          np.array([1, 4]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_nd(dtype):
    v = sample([3, 4, 2], dtype)
    idx = np.array([[[0, 1], [2, 3]], [[1, 0], [1, 1]]], np.int32)
    check(tf.gather_nd(tf.constant(v, dtype=dtype), idx), v[idx[..., 0], idx[..., 1]])
    check(tf.gather_nd(tf.constant(v, dtype=dtype), [[2]]), v[[2]])
    full = np.array([[0, 1, 1], [2, 3, 0]], np.int64)
    check(tf.gather_nd(tf.constant(v, dtype=dtype), full), v[full[:, 0], full[:, 1], full[:, 2]])
    check(tf.gather_nd(tf.constant(v, dtype=dtype), np.zeros([2, 0], np.int32)), np.stack([v, v]))


def test_gather_nd_batch_dims_and_errors():
    rng = np.random.default_rng(1)
    params = rng.standard_normal([2, 3, 4]).astype(np.float32)
    idx = rng.integers(0, 3, [2, 5, 1]).astype(np.int32)
    t = tf.gather_nd(tf.constant(params), idx, batch_dims=1)
    check(t, np.stack([params[b][idx[b, :, 0]] for b in range(2)]))
    i = tf.placeholder(tf.int32, [None, 2])
    g = tf.gather_nd(tf.constant(params[0]), i, name="gnd")
    with pytest.raises(errors.InvalidArgumentError, match="indices\\[1\\] = \\[3, 0\\] does not index into "
                                                         "param shape \\[3,4\\]") as info:
        run(g, {i: [[0, 0], [3, 0]]})
    assert "gnd" in str(info.value)
    with pytest.raises(BUILD_ERRORS, match="innermost"):
        tf.gather_nd(tf.constant(params[0]), [[0, 0, 0]])


def test_scatter_nd_sums_duplicates():
    t = tf.scatter_nd([[1], [3], [1]], tf.constant([1.0, 2.0, 5.0]), [5])
    check(t, np.array([0, 6, 0, 2, 0], np.float32))
    upd = np.arange(6, dtype=np.int64).reshape(2, 3)
    t2 = tf.scatter_nd(tf.constant([[0], [2]]), tf.constant(upd), tf.constant([3, 3]))
    expected = np.zeros([3, 3], np.int64)
    expected[[0, 2]] = upd
    check(t2, expected)
    t3 = tf.scatter_nd([[0, 1], [1, 0]], [7, 8], [2, 2])
    check(t3, np.array([[0, 7], [8, 0]], np.int32))
    i = tf.placeholder(tf.int32, [None, 1])
    bad = tf.scatter_nd(i, tf.constant([1.0]), [4])
    with pytest.raises(errors.InvalidArgumentError, match="indices\\[0\\] = \\[5\\] does not index into shape \\[4\\]"):
        run(bad, {i: [[5]]})
    with pytest.raises(BUILD_ERRORS, match="updates shape"):
        tf.scatter_nd([[0]], tf.constant([[1.0, 2.0]]), [4, 3])


def test_tensor_scatter():
    base = np.arange(8, dtype=np.float32).reshape(4, 2)
    idx = [[1], [3]]
    upd = np.array([[10, 11], [12, 13]], np.float32)
    u = base.copy()
    u[[1, 3]] = upd
    check(tf.tensor_scatter_nd_update(tf.constant(base), idx, upd), u)
    a = base.copy()
    a[[1, 3]] += upd
    check(tf.tensor_scatter_nd_add(tf.constant(base), idx, upd), a)
    s = base.copy()
    s[[1, 3]] -= upd
    check(tf.tensor_scatter_nd_sub(tf.constant(base), idx, upd), s)
    assert tf.tensor_scatter_update is tf.tensor_scatter_nd_update


# --- one_hot, fill, zeros, ones, eye ------------------------------------------------------


def test_one_hot():
    idx = np.array([[0, 2], [1, -1]], np.int64)
    check(tf.one_hot(idx, 3), (idx[..., None] == np.arange(3)).astype(np.float32))
    got = check(tf.one_hot(idx, 3, on_value=5.0, off_value=-1.0, axis=1),
                np.moveaxis(np.where(idx[..., None] == np.arange(3), 5.0, -1.0), -1, 1).astype(np.float32))
    assert got.shape == (2, 3, 2)
    check(tf.one_hot([1, 3], 3, dtype=tf.int32, axis=0), np.array([[0, 0], [1, 0], [0, 0]], np.int32))
    check(tf.one_hot(tf.constant([0], tf.uint8), 2, on_value=True, off_value=False), np.array([[True, False]]))
    check(tf.one_hot(2, 4, on_value=tf.constant(3, tf.int64)), np.array([0, 0, 3, 0], np.int64))
    check(tf.one_hot(tf.zeros([0], tf.int32), 2), np.zeros([0, 2], np.float32))
    with pytest.raises(TypeError, match="does not match"):
        tf.one_hot([0], 2, on_value=1.5, dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.one_hot([0], 2, on_value=1.0, off_value=tf.constant(0.0, tf.float64))
    d = tf.placeholder(tf.int32, [])
    t = tf.one_hot([0, 1], d)
    assert t.shape.as_list() == [2, None]
    assert run(t, {d: 4}).shape == (2, 4)


def test_fill_zeros_ones():
    check(tf.fill([2, 3], 7), np.full([2, 3], 7, np.int32))
    f = tf.fill(tf.constant([2], tf.int64), tf.constant(1.5, tf.float64))
    assert f.op.type == "Fill"
    check(f, np.full([2], 1.5))
    d = tf.placeholder(tf.int32, [2])
    g = tf.fill(d, 0.5)
    assert g.shape.as_list() == [None, None]
    with pytest.raises(errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        run(g, {d: [2, -1]})
    for fn, value in ((tf.zeros, 0), (tf.ones, 1)):
        z = fn([2, 3])
        assert z.op.type == "Const" and z.dtype == tf.float32
        check(z, np.full([2, 3], value, np.float32))
        big = fn([10, 200], tf.int64)
        assert big.op.type == "Fill"
        check(big, np.full([10, 200], value, np.int64))
        check(fn([], tf.bool), np.array(bool(value)))
        check(fn(tf.TensorShape([3]), tf.int8), np.full([3], value, np.int8))
        dyn = fn(tf.stack([tf.shape(tf.placeholder(tf.float32, [None]))[0], 2]))
        assert dyn.shape.as_list() == [None, 2]
        check(fn(tf.constant(2)), np.full([2], value, np.float32))
    check(tf.zeros([2], tf.string), np.array(["", ""], dtype=object))


def test_zeros_like_ones_like():
    v = np.arange(6).reshape(2, 3).astype(np.int16)
    for fn, value in ((tf.zeros_like, 0), (tf.ones_like, 1)):
        check(fn(tf.constant(v)), np.full([2, 3], value, np.int16))
        check(fn(v, dtype=tf.float64), np.full([2, 3], value, np.float64))
        x = tf.placeholder(tf.float32, [None, 3])
        y = fn(x)
        assert y.shape.as_list() == [None, 3]
        np.testing.assert_array_equal(run(y, {x: np.ones([4, 3], np.float32) * 9}), np.full([4, 3], value))
        z = fn(x, dtype=tf.int32)
        assert run(z, {x: np.ones([1, 3], np.float32)}).dtype == np.int32
        w = fn(tf.constant([1.0, 2.0]), optimize=False)
        assert w.op.type != "Const"
        check(w, np.full([2], value, np.float32))
    assert tf.zeros_like(tf.placeholder(tf.float32, [None])).op.type == "ZerosLike"
    check(tf.zeros_like(tf.constant(["a"])), np.array([""], dtype=object))
    check(tf.ones_like(tf.constant([True, False])), np.array([True, True]))


def test_eye():
    check(tf.eye(3), np.eye(3, dtype=np.float32))
    check(tf.eye(2, 4, dtype=tf.int32), np.eye(2, 4, dtype=np.int32))
    check(tf.eye(2, batch_shape=[3], dtype=tf.float64), np.broadcast_to(np.eye(2), [3, 2, 2]))
    n = tf.placeholder(tf.int32, [])
    e = tf.eye(n, 3, batch_shape=[2])
    got = run(e, {n: 4})
    np.testing.assert_array_equal(got, np.broadcast_to(np.eye(4, 3, dtype=np.float32), [2, 4, 3]))
    np.testing.assert_array_equal(run(tf.eye(n), {n: 2}), np.eye(2))


# --- top_k, reverse, masks, broadcasting, sets, misc --------------------------------------


def test_top_k_values_indices_and_ties():
    from flowjit.frontend.ops.array_ops import top_k

    v = np.array([[1, 3, 3, 2, 3], [5, 4, 3, 2, 1]], np.int32)
    values, indices = top_k(tf.constant(v), k=3)
    got = run([values, indices])
    np.testing.assert_array_equal(got[0], [[3, 3, 3], [5, 4, 3]])
    np.testing.assert_array_equal(got[1], [[1, 2, 4], [0, 1, 2]])
    assert got[1].dtype == np.int32 and values.shape.as_list() == [2, 3]
    r = top_k(tf.constant([0.5, -1.0, 2.0]))
    assert run(r.values).tolist() == [2.0] and run(r.indices).tolist() == [2]
    assert run(top_k(tf.constant(np.zeros([2, 4], np.float64)), k=0).values).shape == (2, 0)
    with pytest.raises(BUILD_ERRORS, match="k = 3"):
        top_k(tf.constant([1.0, 2.0]), k=3)
    k = tf.placeholder(tf.int32, [])
    t = top_k(tf.constant([1.0, 2.0]), k=k)
    with pytest.raises(errors.InvalidArgumentError, match="at least k columns"):
        run(t.values, {k: 3})
    rng = np.random.default_rng(0)
    v = rng.standard_normal([3, 4, 6]).astype(np.float32)
    got = run(top_k(tf.constant(v), k=6))
    np.testing.assert_array_equal(got.values, -np.sort(-v, axis=-1))


@pytest.mark.parametrize("dtype", DTYPES)
def test_reverse(dtype):
    v = sample([2, 3, 4], dtype)
    x = tf.constant(v, dtype=dtype)
    check(tf.reverse(x, [1]), v[:, ::-1])
    check(tf.reverse(x, [0, -1]), v[::-1, :, ::-1])
    check(tf.reverse_v2(x, []), v)


def test_reverse_errors():
    with pytest.raises(BUILD_ERRORS, match="more than once"):
        tf.reverse(tf.zeros([2, 2]), [0, -2])
    with pytest.raises(BUILD_ERRORS, match="out of valid range"):
        tf.reverse(tf.zeros([2, 2]), [2])


def test_reverse_sequence():
    v = np.arange(2 * 4 * 3).reshape(2, 4, 3).astype(np.float32)
    t = tf.reverse_sequence(tf.constant(v), [3, 1], seq_axis=1, batch_axis=0)
    expected = v.copy()
    expected[0, :3] = v[0, :3][::-1]
    check(t, expected)
    t2 = tf.reverse_sequence(tf.constant(v.transpose(1, 0, 2)), tf.constant([4, 2], tf.int64), seq_dim=0, batch_dim=1)
    e2 = v.transpose(1, 0, 2).copy()
    e2[:4, 0] = e2[:4, 0][::-1]
    e2[:2, 1] = e2[:2, 1][::-1]
    check(t2, e2)


def test_boolean_mask():
    v = np.arange(24).reshape(2, 3, 4).astype(np.float32)
    mask = np.array([[True, False, True], [False, False, True]])
    t = tf.boolean_mask(tf.constant(v), mask)
    assert t.shape.as_list() == [None, 4]
    check(t, v[mask], static=False)
    m1 = np.array([True, False, False, True])
    check(tf.boolean_mask(tf.constant(v), m1, axis=2), v[:, :, m1], static=False)
    check(tf.constant(v)[tf.constant(mask)], v[mask], static=False)
    with pytest.raises(ValueError, match="scalar"):
        tf.boolean_mask(tf.constant(v), True)
    x = tf.placeholder(tf.float32, [None])
    m = tf.placeholder(tf.bool, [None])
    np.testing.assert_array_equal(run(tf.boolean_mask(x, m), {x: [1, 2, 3], m: [False, True, True]}), [2, 3])


def test_sequence_mask():
    lengths = np.array([1, 3, 0], np.int32)
    check(tf.sequence_mask(lengths, 4), np.arange(4) < lengths[:, None], static=False)
    check(tf.sequence_mask(lengths), np.arange(3) < lengths[:, None], static=False)
    check(tf.sequence_mask([[2], [1]], 3, dtype=tf.float32),
          (np.arange(3) < np.array([[2], [1]])[..., None]).astype(np.float32), static=False)


def test_broadcast_to_and_shapes():
    v = np.arange(3, dtype=np.int8)
    check(tf.broadcast_to(tf.constant(v), [2, 3]), np.broadcast_to(v, [2, 3]))
    check(tf.broadcast_to(tf.constant(5.0), [2, 0]), np.zeros([2, 0], np.float32))
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.broadcast_to(x, [4, 3])
    assert y.shape.as_list() == [4, 3]
    with pytest.raises(BUILD_ERRORS, match="Incompatible shapes"):
        tf.broadcast_to(tf.zeros([2, 3]), [4, 3])
    z = tf.broadcast_to(x, [2, 3])
    with pytest.raises(errors.InvalidArgumentError, match="Incompatible shapes"):
        run(z, {x: np.zeros([3, 1], np.float32)})
    assert tf.broadcast_static_shape(tf.TensorShape([2, 1]), tf.TensorShape([3])).as_list() == [2, 3]
    check(tf.broadcast_dynamic_shape([2, 1], [1, 3]), np.array([2, 3], np.int32))
    with pytest.raises(BUILD_ERRORS):
        run(tf.broadcast_dynamic_shape(tf.placeholder_with_default([2], [None]), [3]))


def test_invert_permutation():
    check(tf.invert_permutation([2, 0, 1]), np.array([1, 2, 0], np.int32))
    p = tf.placeholder(tf.int64, [None])
    q = tf.invert_permutation(p)
    np.testing.assert_array_equal(run(q, {p: [1, 0]}), [1, 0])
    with pytest.raises(errors.InvalidArgumentError, match="duplicated"):
        run(q, {p: [0, 0]})
    with pytest.raises(errors.InvalidArgumentError, match="is not between 0 and 2"):
        run(q, {p: [0, 2]})


def test_unique_and_setdiff1d():
    y, idx = tf.unique(tf.constant([3, 1, 3, 2, 1]))
    check(y, np.array([3, 1, 2], np.int32), static=False)
    check(idx, np.array([0, 1, 0, 2, 1], np.int32))
    r = tf.unique(tf.constant(["b", "a", "b"]), out_idx=tf.int64)
    assert run(r.idx).dtype == np.int64 and run(r.y).tolist() == ["b", "a"]
    out, idx = tf.setdiff1d([1, 2, 3, 4, 5], [2, 4])
    check(out, np.array([1, 3, 5], np.int32), static=False)
    check(idx, np.array([0, 2, 4], np.int32), static=False)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    a, b, c = np.arange(3), np.arange(4) * 10, np.arange(2) * 100
    got = run(tf.meshgrid(a, b, c, indexing=indexing))
    for g, w in zip(got, np.meshgrid(a, b, c, indexing=indexing)):
        np.testing.assert_array_equal(g, w)
    with pytest.raises(TypeError, match="invalid keyword"):
        tf.meshgrid(a, bogus=1)


@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_space_to_depth_and_back(data_format):
    v = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    nhwc = v
    n, h, w, c = v.shape
    expected = v.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h // 2, w // 2, 4 * c)
    if data_format == "NCHW":
        v = v.transpose(0, 3, 1, 2)
        expected = expected.transpose(0, 3, 1, 2)
    x = tf.constant(v)
    s = tf.space_to_depth(x, 2, data_format=data_format)
    check(s, expected)
    check(tf.depth_to_space(s, 2, data_format=data_format), v)
    assert nhwc.shape == (2, 4, 6, 3)
    with pytest.raises(BUILD_ERRORS, match="divisible"):
        tf.space_to_depth(tf.zeros([1, 3, 4, 1]), 2)


# --- conversion of shape arguments ------------------------------------------------------


def test_shape_arguments_accept_lists_dimensions_tensorshapes():
    x = tf.placeholder(tf.float32, [None, 6])
    batch = tf.shape(x)[0]
    y = tf.reshape(x, [batch, 2, 3])
    assert y.op.inputs[1].op.type == "Pack" and y.shape.as_list() == [None, 2, 3]
    check(tf.zeros(tf.TensorShape([2, 2])), np.zeros([2, 2], np.float32))
    check(tf.reshape(tf.zeros([4]), tf.TensorShape([2, 2])), np.zeros([2, 2], np.float32))
    with pytest.raises(ValueError, match="partially known"):
        tf.reshape(x, x.shape)
    c = tf.convert_to_tensor([tf.constant(1, tf.int64), 2])
    assert c.dtype == tf.int64 and c.op.type == "Pack"
    with pytest.raises(TypeError, match="Cannot convert a list containing a tensor of dtype int32 to int64"):
        tf.convert_to_tensor([tf.constant(1, tf.int64), tf.constant(2)])
    nested = tf.convert_to_tensor([[batch, 1], [2, 3]])
    np.testing.assert_array_equal(run(nested, {x: np.zeros([5, 6], np.float32)}), [[5, 1], [2, 3]])
    # a plain float list keeps core conversion (dtype hints reach it)
    assert tf.convert_to_tensor([1.0, 2.0], dtype_hint=tf.float64).dtype == tf.float64


def test_edge_shapes_scalar_empty_and_one():
    s = tf.constant(3.0)
    check(tf.reshape(s, [1, 1]), np.full([1, 1], 3.0, np.float32))
    check(tf.expand_dims(s, -1), np.array([3.0], np.float32))
    check(tf.stack([s, s]), np.array([3.0, 3.0], np.float32))
    check(tf.tile(tf.zeros([0, 2]), [3, 1]), np.zeros([0, 2], np.float32))
    check(tf.transpose(tf.zeros([0, 2, 1])), np.zeros([1, 2, 0], np.float32))
    check(tf.reverse(tf.zeros([0]), [0]), np.zeros([0], np.float32))
    check(tf.gather(tf.zeros([0, 3]), tf.zeros([0], tf.int32)), np.zeros([0, 3], np.float32))
    check(tf.gather(tf.ones([1, 3]), [0, 0]), np.ones([2, 3], np.float32))
    check(tf.broadcast_to(tf.ones([1]), [1, 1]), np.ones([1, 1], np.float32))
    check(tf.concat([tf.zeros([0]), tf.zeros([0])], 0), np.zeros([0], np.float32))
    check(tf.pad(tf.zeros([0]), [[1, 2]]), np.zeros([3], np.float32))


# --- real TensorFlow as the oracle ------------------------------------------------------


@pytest.mark.tf
def test_against_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    rng = np.random.default_rng(0)
    v = rng.standard_normal([3, 4, 5]).astype(np.float32)
    idx = np.array([[2, 0], [1, 1]], np.int32)

    from flowjit.frontend.ops.array_ops import top_k

    def build(lib, top_k):
        x = lib.constant(v)
        return [
            lib.reshape(x, [-1, 10]), lib.transpose(x, [2, 0, 1]), lib.concat([x, x], -1),
            lib.stack([x, x], axis=2), lib.split(x, [1, -1, 2], axis=1)[1], lib.tile(x, [1, 2, 1]),
            lib.pad(x, [[1, 0], [0, 2], [1, 1]], mode="SYMMETRIC"), lib.pad(x, [[0, 1], [1, 1], [2, 0]], mode="REFLECT"),
            lib.slice(x, [1, 0, 2], [-1, 2, 3]), lib.gather(x, idx, axis=1), lib.gather_nd(x, [[0, 1], [2, 3]]),
            lib.one_hot([1, 0, 3], 3, axis=0), lib.reverse(x, [0, 2]), lib.squeeze(x[:, 1:2]),
            lib.expand_dims(x, -2), lib.broadcast_to(x[:, :1], [2, 3, 4, 5]), top_k(x, 2)[1],
            x[1:, ::-2, lib.newaxis, -1], x[..., 0], x[-1, ..., 1::2], x[::-1, None, :3],
            lib.strided_slice(x, [0, 3, 1], [2, 0, 4], [1, -1, 2], begin_mask=1, shrink_axis_mask=4, new_axis_mask=2),
            lib.scatter_nd([[1], [1], [0]], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [3, 2]),
            lib.space_to_depth(lib.reshape(x[:2, :4, :4], [1, 2, 4, 4]), 2),
            lib.unique([4, 2, 4, 1])[0], lib.setdiff1d([4, 2, 7, 1], [2, 1])[1], lib.eye(3, 2, batch_shape=[2]),
        ]

    g = tf1.Graph()
    with g.as_default():
        want_t = build(tf1, tf1.nn.top_k)
        want_shapes = [t.shape.as_list() if t.shape.rank is not None else None for t in want_t]
        with tf1.Session() as sess:
            want = sess.run(want_t)
    got_t = build(tf, top_k)
    got = run(got_t)
    for k, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_array_equal(a, b, err_msg=f"case {k}")
        assert got_t[k].shape.as_list() == want_shapes[k], (k, got_t[k].shape, want_shapes[k])
