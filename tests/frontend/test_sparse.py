"""SparseTensor, tf.sparse_* and tf.sparse.*: values vs NumPy on both backends, Session fetch
and feed round trips, TF's index checks and error words, gradients vs finite differences, and
real TensorFlow as an oracle."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS


IND = np.array([[0, 1], [1, 0], [1, 3], [2, 2]], np.int64)
VAL = np.array([1.5, -2.0, 3.0, 4.0], np.float32)
SHAPE = np.array([3, 4], np.int64)


def dense_of(ind, val, shape, default=0):
    out = np.full(tuple(shape), default, dtype=np.asarray(val).dtype)
    for i, v in zip(np.asarray(ind).tolist(), np.asarray(val).tolist()):
        out[tuple(i)] = v
    return out


def sparse_of(dense):
    """Row-major nonzero entries of a dense array, written out."""
    ind = [list(i) for i in np.ndindex(dense.shape) if dense[i] != 0]
    return (np.array(ind, np.int64).reshape(-1, dense.ndim), np.array([dense[tuple(i)] for i in ind], dense.dtype),
            np.array(dense.shape, np.int64))


def run(backend, fetches, feed=None):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def sp():
    return tf.SparseTensor(IND, VAL, SHAPE)


# --- the SparseTensor object --------------------------------------------------------------

def test_sparse_tensor_holds_three_tensors_with_tf_names_and_static_shape():
    with tf.Graph().as_default():
        s = sp()
        assert (s.indices.name, s.values.name, s.dense_shape.name) == \
            ("SparseTensor/indices:0", "SparseTensor/values:0", "SparseTensor/dense_shape:0")
        assert s.indices.dtype == tf.int64 and s.dense_shape.dtype == tf.int64 and s.dtype == tf.float32
        assert s.get_shape().as_list() == [3, 4] and s.shape.as_list() == [3, 4]
        assert s.op is s.values.op and s.graph is tf.get_default_graph()
        assert repr(s).startswith("SparseTensor(indices=")
        unknown = tf.SparseTensor(IND, VAL, tf.placeholder(tf.int64, [2]))
        assert unknown.get_shape().as_list() == [None, None]


def test_sparse_tensor_checks_ranks_and_agreeing_dims():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank 2"):
            tf.SparseTensor([0, 0], [1.0], [3])
        with pytest.raises(ValueError, match="Dimensions 1 and 2 are not compatible"):
            tf.SparseTensor([[0, 0]], [1.0, 2.0], [3, 4])
        with pytest.raises(ValueError, match="Dimensions 2 and 3 are not compatible"):
            tf.SparseTensor([[0, 0]], [1.0], [3, 4, 5])


def test_convert_to_tensor_refuses_a_sparse_tensor_with_tf_words():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match=r"Failed to convert elements of SparseTensor\(indices=.* to Tensor"):
            tf.convert_to_tensor(sp())
        with pytest.raises(TypeError, match="Failed to convert elements"):
            tf.reduce_sum(sp())


@pytest.mark.parametrize("backend", BACKENDS)
def test_fetch_gives_a_sparse_tensor_value_in_any_structure(backend):
    with tf.Graph().as_default():
        s = sp()
        dense = tf.sparse_tensor_to_dense(s)
        got, (again, d) = run(backend, [s, (s, dense)])
        assert isinstance(got, tf.SparseTensorValue) and isinstance(again, tf.SparseTensorValue)
        np.testing.assert_array_equal(got.indices, IND)
        np.testing.assert_array_equal(got.values, VAL)
        np.testing.assert_array_equal(got.dense_shape, SHAPE)
        np.testing.assert_array_equal(d, dense_of(IND, VAL, SHAPE))
        with tf.Session(backend=backend) as sess:
            value = s.eval(session=sess)
            assert isinstance(value, tf.SparseTensorValue)
            assert sess.run({"s": s})["s"].values.tolist() == VAL.tolist()


def test_sparse_placeholder_names_and_shapes_as_tf1():
    with tf.Graph().as_default():
        a = tf.sparse_placeholder(tf.float32, name="sp")
        assert [a.indices.name, a.values.name, a.dense_shape.name] == ["sp/indices:0", "sp/values:0", "sp/shape:0"]
        assert a.dense_shape.op.type == "Placeholder" and a.get_shape().rank is None
        assert a.indices.shape.as_list() == [None, None]
        b = tf.sparse_placeholder(tf.float32, shape=[None, 5], name="sq")
        assert b.dense_shape.op.type == "PlaceholderWithDefault"
        assert b.dense_shape.op.inputs[0].name == "sq/shape_default:0"
        assert b.get_shape().as_list() == [None, 5] and b.indices.shape.as_list() == [None, 2]
        c = tf.sparse_placeholder(tf.float32)
        assert [c.indices.name, c.values.name, c.dense_shape.name] == ["Placeholder_2:0", "Placeholder_1:0",
                                                                       "Placeholder:0"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_a_sparse_placeholder_a_value_or_a_tuple_repeatedly(backend):
    with tf.Graph().as_default():
        p = tf.sparse_placeholder(tf.float32, name="p")
        dense = tf.sparse.to_dense(p)
        total = tf.sparse.reduce_sum(p)
        with tf.Session(backend=backend) as sess:
            for k in range(3):  # repeated identical calls must not take a fast path that loses the feed
                got = sess.run(dense, {p: tf.SparseTensorValue([[0, 1]], [3.0 + k], [2, 2])})
                np.testing.assert_array_equal(got, [[0, 3.0 + k], [0, 0]])
            got = sess.run(dense, {p: (IND, VAL, SHAPE)})
            np.testing.assert_array_equal(got, dense_of(IND, VAL, SHAPE))
            assert sess.run(total, {p: (IND, VAL, SHAPE)}) == pytest.approx(VAL.sum())
            back = sess.run(p, {p: (IND, VAL, SHAPE)})
            assert isinstance(back, tf.SparseTensorValue) and back.values.tolist() == VAL.tolist()
            with pytest.raises(TypeError, match="SparseTensorValue or an \\(indices, values, dense_shape\\) tuple"):
                sess.run(dense, {p: np.ones([2, 2])[0]})


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_a_sparse_tensor_made_of_constants(backend):
    """Feeding a SparseTensor feeds its three tensors, whatever made them."""
    with tf.Graph().as_default():
        s = sp()
        ind = [[0, 0], [0, 3], [1, 1], [2, 3]]
        got = run(backend, tf.sparse_tensor_to_dense(s), {s: (ind, [9.0, 8.0, 7.0, 6.0], [3, 4])})
        np.testing.assert_array_equal(got, dense_of(ind, np.float32([9.0, 8.0, 7.0, 6.0]), [3, 4]))


# --- to dense -----------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_to_dense_and_sparse_to_dense(backend):
    with tf.Graph().as_default():
        s = sp()
        outs = run(backend, [tf.sparse_tensor_to_dense(s), tf.sparse.to_dense(s, default_value=-1.0),
                             tf.sparse_to_dense([1, 3], [5], 7.0, default_value=-1.0),
                             tf.sparse_to_dense(2, [5], 7),
                             tf.sparse_to_dense(IND, SHAPE, VAL)])
    np.testing.assert_array_equal(outs[0], dense_of(IND, VAL, SHAPE))
    np.testing.assert_array_equal(outs[1], dense_of(IND, VAL, SHAPE, default=-1.0))
    np.testing.assert_array_equal(outs[2], [-1, 7, -1, 7, -1])
    np.testing.assert_array_equal(outs[3], [0, 0, 7, 0, 0])
    assert outs[3].dtype == np.int32
    np.testing.assert_array_equal(outs[4], dense_of(IND, VAL, SHAPE))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("indices, words", [
    ([[0, 1], [0, 0]], r"indices\[1\] = \[0,0\] is out of order. Many sparse ops require sorted indices.\n"
                       r"    Use `tf.sparse.reorder` to create a correctly ordered copy."),
    ([[0, 0], [0, 0]], r"indices\[1\] = \[0,0\] is repeated"),
    ([[0, 0], [5, 0]], r"indices\[1\] = \[5,0\] is out of bounds: need 0 <= index < \[3,4\]"),
])
def test_validate_indices_errors_name_the_bad_index_and_the_node(backend, indices, words):
    with tf.Graph().as_default():
        d = tf.sparse_tensor_to_dense(tf.SparseTensor(indices, [1.0, 2.0], [3, 4]), name="todense")
        with pytest.raises(tf.errors.InvalidArgumentError, match=words) as info:
            run(backend, d)
        assert "todense" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_unvalidated_indices_and_bad_value_counts(backend):
    with tf.Graph().as_default():
        d = tf.sparse_tensor_to_dense(tf.SparseTensor([[0, 1], [0, 0]], [1.0, 2.0], [2, 2]), validate_indices=False)
        np.testing.assert_array_equal(run(backend, d), [[2, 1], [0, 0]])
        bad = tf.sparse_to_dense([[0, 0], [1, 1]], [3, 4], [1.0, 2.0, 3.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"sparse_values has incorrect shape \[3\], "
                                                                 r"should be \[\] or \[2\]"):
            run(backend, bad)
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="Input must be a SparseTensor."):
            tf.sparse_tensor_to_dense([1, 2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_from_dense_round_trip(backend):
    dense = np.array([[0, 1.5, 0], [2.0, 0, -3.0]], np.float32)
    with tf.Graph().as_default():
        s = tf.sparse.from_dense(dense)
        assert s.indices.name.startswith("dense_to_sparse/")
        got, back = run(backend, [s, tf.sparse.to_dense(s)])
    ind, val, shape = sparse_of(dense)
    np.testing.assert_array_equal(got.indices, ind)
    np.testing.assert_array_equal(got.values, val)
    np.testing.assert_array_equal(got.dense_shape, shape)
    np.testing.assert_array_equal(back, dense)


# --- reductions and arithmetic ----------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_reduce_sum_over_axes_with_static_shapes(backend):
    d = dense_of(IND, VAL, SHAPE)
    with tf.Graph().as_default():
        s = sp()
        outs = [tf.sparse_reduce_sum(s), tf.sparse_reduce_sum(s, 1), tf.sparse_reduce_sum(s, 0, keepdims=True),
                tf.sparse.reduce_sum(s, [-1, 0]), tf.sparse_reduce_sum(s, reduction_axes=1, keep_dims=True)]
        assert [o.shape.as_list() for o in outs] == [[], [3], [1, 4], [], [3, 1]]
        got = run(backend, outs)
    for g, want in zip(got, [d.sum(), d.sum(1), d.sum(0, keepdims=True), d.sum(), d.sum(1, keepdims=True)]):
        np.testing.assert_allclose(g, want, rtol=1e-6)
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Invalid reduction dimension 2, for input with 2 dimensions."):
            tf.sparse_reduce_sum(sp(), 2)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_add_dense_and_sparse(backend):
    dense = np.arange(12, dtype=np.float32).reshape(3, 4)
    b_ind = np.array([[0, 1], [0, 2], [2, 2]], np.int64)
    b_val = np.array([-1.5, 5.0, -3.9], np.float32)
    with tf.Graph().as_default():
        s, t = sp(), tf.SparseTensor(b_ind, b_val, SHAPE)
        sd, ds = tf.sparse_add(s, dense), tf.sparse.add(dense, s)
        assert sd.name == "SparseTensorDenseAdd:0" and isinstance(sd, tf.Tensor)
        ss, thresh = tf.sparse_add(s, t), tf.sparse_add(s, t, threshold=0.5)
        assert isinstance(ss, tf.SparseTensor) and ss.get_shape().as_list() == [3, 4]
        got = run(backend, [sd, ds, ss, thresh])
    np.testing.assert_array_equal(got[0], dense + dense_of(IND, VAL, SHAPE))
    np.testing.assert_array_equal(got[1], dense + dense_of(IND, VAL, SHAPE))
    total = dense_of(IND, VAL, SHAPE) + dense_of(b_ind, b_val, SHAPE)
    # the union of both operands' coordinates, in row-major order; [2,2] sums to 0.1, [0,1] to 0
    ind = np.array([[0, 1], [0, 2], [1, 0], [1, 3], [2, 2]])
    np.testing.assert_array_equal(got[2].indices, ind)
    np.testing.assert_allclose(got[2].values, total[tuple(ind.T)], rtol=1e-6)
    np.testing.assert_array_equal(got[3].indices, ind[[1, 2, 3]])  # |0| and |0.1| are below the threshold
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="At least one input should be SparseTensor; do you mean to use tf.add"):
            tf.sparse_add(dense, dense)
        with pytest.raises(ValueError, match=r"Shapes \(3, 4\) and \(3, 5\) are incompatible"):
            tf.sparse_add(sp(), tf.SparseTensor([[0, 0]], [1.0], [3, 5]))
        bad = tf.sparse_add(sp(), tf.ones([3, 5]))
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Dimension 1 does not equal \\(no broadcasting is supported\\): sparse side 4 vs "
                                 "dense side 5"):
            run(backend, bad)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("adjoint_a, adjoint_b", [(False, False), (True, False), (False, True), (True, True)])
def test_sparse_dense_matmul_with_adjoints(backend, adjoint_a, adjoint_b):
    rng = np.random.RandomState(1)
    a = dense_of(IND, VAL, SHAPE)
    a_op = a.T if adjoint_a else a
    b = rng.randn(*((2, a_op.shape[1]) if adjoint_b else (a_op.shape[1], 2))).astype(np.float32)
    with tf.Graph().as_default():
        out = tf.sparse_tensor_dense_matmul(sp(), b, adjoint_a=adjoint_a, adjoint_b=adjoint_b)
        assert out.shape.as_list() == [a_op.shape[0], 2]
        assert out.name == "SparseTensorDenseMatMul/SparseTensorDenseMatMul:0"
        got = run(backend, out)
    np.testing.assert_allclose(got, a_op @ (b.T if adjoint_b else b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_matmul_errors(backend):
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 5"):
            tf.sparse.matmul(sp(), tf.ones([5, 2]))
        bad = tf.sparse.sparse_dense_matmul(tf.SparseTensor([[3, 2]], [1.0], [2, 3]), tf.ones([3, 2]), name="mm")
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"m \(3\) from index\[0,0\] out of bounds \(>=2\)") \
                as info:
            run(backend, bad)
        assert "mm/SparseTensorDenseMatMul" in str(info.value)


# --- reordering, reshaping, selecting, joining ------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_reorder_transpose_retain(backend):
    ind = np.array([[1, 0], [0, 3], [0, 1]], np.int64)
    val = np.array([1.0, 2.0, 3.0], np.float32)
    with tf.Graph().as_default():
        s = tf.SparseTensor(ind, val, SHAPE)
        r, t = tf.sparse_reorder(s), tf.sparse.transpose(s)
        kept = tf.sparse_retain(sp(), [True, False, False, True])
        assert r.get_shape().as_list() == [3, 4] and t.get_shape().as_list() == [4, 3]
        got = run(backend, [r, t, kept, tf.sparse_transpose(s, [1, 0])])
    order = np.lexsort(ind.T[::-1])
    np.testing.assert_array_equal(got[0].indices, ind[order])
    np.testing.assert_array_equal(got[0].values, val[order])
    t_ind, t_val, t_shape = sparse_of(dense_of(ind, val, SHAPE).T)
    for g in (got[1], got[3]):
        np.testing.assert_array_equal(g.indices, t_ind)
        np.testing.assert_array_equal(g.values, t_val)
        np.testing.assert_array_equal(g.dense_shape, t_shape)
    np.testing.assert_array_equal(got[2].indices, IND[[0, 3]])
    np.testing.assert_array_equal(got[2].values, VAL[[0, 3]])
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Dimensions 4 and 3 are not compatible"):
            tf.sparse_retain(sp(), [True, False, True])


@pytest.mark.parametrize("backend", BACKENDS)
def test_reshape(backend):
    d = dense_of(IND, VAL, SHAPE)
    with tf.Graph().as_default():
        s = sp()
        r1, r2 = tf.sparse_reshape(s, [2, -1]), tf.sparse.reshape(s, [2, 2, 3])
        assert r1.get_shape().as_list() == [2, 6] and r2.get_shape().as_list() == [2, 2, 3]
        shape_in = tf.placeholder(tf.int64, [2])
        r3 = tf.sparse_reshape(s, shape_in)
        got = run(backend, [tf.sparse.to_dense(r1), tf.sparse.to_dense(r2), tf.sparse.to_dense(r3)],
                  {shape_in: [4, 3]})
        np.testing.assert_array_equal(got[0], d.reshape(2, 6))
        np.testing.assert_array_equal(got[1], d.reshape(2, 2, 3))
        np.testing.assert_array_equal(got[2], d.reshape(4, 3))
        with pytest.raises(ValueError, match=r"Cannot reshape a tensor with 12 elements to shape \[2, 7\] "
                                             r"\(14 elements\)."):
            tf.sparse_reshape(s, [2, 7])
        with pytest.raises(ValueError, match=r"At most one dimension can be inferred \(-1\)"):
            tf.sparse_reshape(s, [-1, -1])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input to reshape is a tensor with 12 dense "
                                                                 "values, but the requested shape has 10"):
            run(backend, r3.indices, {shape_in: [5, 2]})


@pytest.mark.parametrize("backend", BACKENDS)
def test_concat_and_expand_dims(backend):
    other_ind = np.array([[0, 0], [2, 1]], np.int64)
    other_val = np.array([5.0, 6.0], np.float32)
    with tf.Graph().as_default():
        a, b = sp(), tf.SparseTensor(other_ind, other_val, [3, 2])
        c1, c0 = tf.sparse_concat(1, [a, b]), tf.sparse.concat(0, [a, tf.SparseTensor([[0, 3]], [7.0], [1, 4])])
        wide = tf.sparse_concat(1, [a, tf.SparseTensor([[4, 0]], [8.0], [5, 1])], expand_nonconcat_dim=True)
        assert c1.get_shape().as_list() == [3, 6] and c0.get_shape().as_list() == [4, 4]
        assert wide.get_shape().as_list() == [5, 5]
        e0, e_last = tf.sparse.expand_dims(a, 0), tf.sparse.expand_dims(a, -1)
        assert e0.get_shape().as_list() == [1, 3, 4] and e_last.get_shape().as_list() == [3, 4, 1]
        got = run(backend, [c1, tf.sparse.to_dense(c0), tf.sparse.to_dense(wide), tf.sparse.to_dense(e0),
                            tf.sparse.to_dense(e_last)])
        d = dense_of(IND, VAL, SHAPE)
        want = np.concatenate([d, dense_of(other_ind, other_val, [3, 2])], 1)
        ind, val, shape = sparse_of(want)
        np.testing.assert_array_equal(got[0].indices, ind)
        np.testing.assert_array_equal(got[0].values, val)
        np.testing.assert_array_equal(got[0].dense_shape, shape)
        np.testing.assert_array_equal(got[1], np.concatenate([d, [[0, 0, 0, 7.0]]], 0))
        big = np.zeros([5, 5], np.float32)
        big[:3, :4] = d
        big[4, 4] = 8.0
        np.testing.assert_array_equal(got[2], big)
        np.testing.assert_array_equal(got[3], d[None])
        np.testing.assert_array_equal(got[4], d[..., None])
        bad = tf.sparse_concat(1, [a, tf.SparseTensor([[0, 0]], [5.0], [2, 2])])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Input shapes must match: expected 3 for dimension 0 but got 2 at position 1"):
            run(backend, bad.indices)
        with pytest.raises(TypeError, match="All inputs must be SparseTensors"):
            tf.sparse_concat(0, [a, tf.ones([3, 4])])


@pytest.mark.parametrize("backend", BACKENDS)
def test_sparse_softmax(backend):
    ind = np.array([[0, 0], [0, 2], [1, 1], [2, 0], [2, 3]], np.int64)
    val = np.array([1.0, 2.0, 3.0, -1.0, 0.5], np.float32)
    with tf.Graph().as_default():
        got = run(backend, tf.sparse_softmax(tf.SparseTensor(ind, val, SHAPE)))
    want = np.array([np.exp(1) / (np.exp(1) + np.exp(2)), np.exp(2) / (np.exp(1) + np.exp(2)), 1.0,
                     np.exp(-1) / (np.exp(-1) + np.exp(0.5)), np.exp(0.5) / (np.exp(-1) + np.exp(0.5))])
    np.testing.assert_array_equal(got.indices, ind)
    np.testing.assert_allclose(got.values, want, rtol=1e-6)


# --- gradients vs central finite differences (float64) ------------------------------------------

def _check_grads(build, inputs, backend="reference", eps=1e-6, tol=1e-6):
    """build(*placeholders) -> a tensor; the gradient of sum(out * w) vs finite differences."""
    with tf.Graph().as_default():
        phs = [tf.placeholder(tf.float64, x.shape) for x in inputs]
        out = build(*phs)
        w = np.random.RandomState(3).randn(*out.shape.as_list())
        loss = tf.reduce_sum(out * w)
        grads = tf.gradients(loss, phs)
        with tf.Session(backend=backend) as sess:
            feed = dict(zip(phs, inputs))
            got = sess.run(grads, feed)
            for k, x in enumerate(inputs):
                num = np.zeros_like(x)
                for i in np.ndindex(x.shape):
                    for sign in (1, -1):
                        xs = [v.copy() for v in inputs]
                        xs[k][i] += sign * eps
                        num[i] += sign * sess.run(loss, dict(zip(phs, xs))) / (2 * eps)
                np.testing.assert_allclose(got[k], num, rtol=tol, atol=tol)


VAL64 = VAL.astype(np.float64)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_of_to_dense_and_dense_add(backend):
    _check_grads(lambda v, d: tf.sparse.to_dense(tf.SparseTensor(IND, v, SHAPE), default_value=d),
                 [VAL64, np.array(0.5)], backend)
    _check_grads(lambda v, b: tf.sparse_add(tf.SparseTensor(IND, v, SHAPE), b),
                 [VAL64, np.arange(12.0).reshape(3, 4)], backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_of_sparse_add_reduce_sum_reorder_softmax(backend):
    b_ind = np.array([[0, 1], [2, 0]], np.int64)
    _check_grads(lambda v, u: tf.sparse.to_dense(tf.sparse_add(tf.SparseTensor(IND, v, SHAPE),
                                                               tf.SparseTensor(b_ind, u, SHAPE))),
                 [VAL64, np.array([0.25, -1.0])], backend)
    _check_grads(lambda v: tf.sparse_reduce_sum(tf.SparseTensor(IND, v, SHAPE), 1), [VAL64], backend)
    _check_grads(lambda v: tf.sparse_reduce_sum(tf.SparseTensor(IND, v, SHAPE), 0, keepdims=True), [VAL64], backend)
    unordered = IND[[2, 0, 3, 1]]
    _check_grads(lambda v: tf.sparse_reorder(tf.SparseTensor(unordered, v, SHAPE)).values, [VAL64], backend)
    _check_grads(lambda v: tf.sparse_softmax(tf.SparseTensor(IND, v, SHAPE)).values, [VAL64], backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("adjoint_a, adjoint_b", [(False, False), (True, False), (False, True), (True, True)])
def test_gradients_of_sparse_dense_matmul(backend, adjoint_a, adjoint_b):
    inner = 3 if adjoint_a else 4
    b = np.random.RandomState(2).randn(*((2, inner) if adjoint_b else (inner, 2)))
    _check_grads(lambda v, bb: tf.sparse_tensor_dense_matmul(tf.SparseTensor(IND, v, SHAPE), bb,
                                                             adjoint_a=adjoint_a, adjoint_b=adjoint_b),
                 [VAL64, b], backend)


# --- real TensorFlow ------------------------------------------------------------------------------

@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    unordered = IND[[2, 0, 3, 1]]

    def parts(s):
        return [s.indices, s.values, s.dense_shape]

    def prog(t):
        a = t.SparseTensor(IND, VAL, SHAPE)
        b = t.SparseTensor(np.array([[0, 1], [2, 0]], np.int64), np.float32([0.25, -1.5]), SHAPE)
        dense = np.arange(12, dtype=np.float32).reshape(3, 4)
        return P(fetch=[t.sparse_tensor_to_dense(a), t.sparse_to_dense([1, 3], [5], 7.0, default_value=-1.0),
                        t.sparse_reduce_sum(a, 1), t.sparse_reduce_sum(a, 0, keepdims=True), t.sparse_reduce_sum(a),
                        t.sparse_add(a, dense)] + parts(t.sparse_add(a, b)) + parts(t.sparse_add(a, b, 0.3))
                 + [t.sparse_tensor_dense_matmul(a, dense.T), t.sparse_tensor_dense_matmul(a, dense, adjoint_a=True)]
                 + parts(t.sparse_reorder(t.SparseTensor(unordered, VAL, SHAPE)))
                 + parts(t.sparse_reshape(a, [2, -1])) + parts(t.sparse_retain(a, [True, False, True, False]))
                 + parts(t.sparse.transpose(a)) + parts(t.sparse_concat(1, [a, b]))
                 + parts(t.sparse.from_dense(dense - 5)) + parts(t.sparse.expand_dims(a, 1))
                 + parts(t.sparse_softmax(a)),
                 static=[t.sparse_reduce_sum(a, 1).get_shape(), t.sparse_reshape(a, [2, -1]).get_shape(),
                         t.sparse_concat(1, [a, b]).get_shape(), t.sparse.transpose(a).get_shape()])

    check(prog, names=False)

    def grads(t):
        v = t.constant(VAL)
        m = t.constant(np.arange(8, dtype=np.float32).reshape(4, 2))
        a = t.SparseTensor(IND, v, SHAPE)
        ys = [t.sparse_tensor_dense_matmul(a, m), t.sparse_reduce_sum(a, 1), t.sparse_tensor_to_dense(a),
              t.sparse_softmax(a).values]
        return P(fetch=[g for y in ys for g in t.gradients(t.reduce_sum(y * y), [v, m]) if g is not None])

    check(grads, names=False, rtol=1e-5)


# --- filling empty rows, sparse embedding lookups -------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_fill_empty_rows(backend):
    with tf.Graph().as_default():
        s = tf.SparseTensor([[1, 0], [0, 1], [3, 2]], [1.0, 2.0, 3.0], [5, 4])
        filled, empty = tf.sparse.fill_empty_rows(s, -1.0)
        got, e = run(backend, [filled, empty])
        np.testing.assert_array_equal(got.indices, [[0, 1], [1, 0], [2, 0], [3, 2], [4, 0]])
        np.testing.assert_array_equal(got.values, [2.0, 1.0, -1.0, 3.0, -1.0])
        np.testing.assert_array_equal(e, [False, False, True, False, True])
        bad, _ = tf.sparse_fill_empty_rows(tf.SparseTensor([[5, 0]], [1.0], [3, 4]), 0.0)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\(0, 0\) is invalid: 5 >= 3"):
            run(backend, bad.values)
    _check_grads(lambda v, d: tf.sparse.to_dense(tf.sparse.fill_empty_rows(tf.SparseTensor([[1, 0], [1, 2]], v, [3, 4]),
                                                                            d)[0]),
                 [np.array([1.0, 2.0]), np.array(0.5)], backend)


PARAMS = np.arange(20, dtype=np.float64).reshape(5, 4) / 7.0
ID_IND = np.array([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1], [3, 2]], np.int64)
IDS = np.array([1, 3, 0, 4, 1, 1], np.int64)
WEIGHTS = np.array([0.5, 2.0, 1.0, -1.0, 0.0, 3.0])


def np_lookup(rows, weights, combiner):
    """Row r: the combination of PARAMS[id] over the ids of row r, written out."""
    out = []
    for r in range(rows):
        sel = ID_IND[:, 0] == r
        e, w = PARAMS[IDS[sel]], weights[sel]
        total = (e * w[:, None]).sum(0)
        if combiner == "mean":
            total = total / w.sum() if w.sum() else total * 0
        elif combiner == "sqrtn":
            total = total / np.sqrt((w ** 2).sum()) if (w ** 2).sum() else total * 0
        out.append(total)
    return np.array(out)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("combiner", ["sum", "mean", "sqrtn"])
def test_embedding_lookup_sparse_vs_numpy(backend, combiner):
    with tf.Graph().as_default():
        ids = tf.SparseTensor(ID_IND, IDS, [4, 3])
        w = tf.SparseTensor(ID_IND, WEIGHTS, [4, 3])
        p = tf.constant(PARAMS)
        plain = tf.nn.embedding_lookup_sparse(p, ids, None, combiner=combiner)
        weighted = tf.nn.embedding_lookup_sparse(p, ids, w, combiner=combiner)
        safe = tf.nn.safe_embedding_lookup_sparse(p, ids, w, combiner=combiner)
        assert safe.shape.as_list() == [4, 4]
        got = run(backend, [plain, weighted, safe])
    np.testing.assert_allclose(got[0], np_lookup(4, np.ones(6), combiner), rtol=1e-12)
    np.testing.assert_allclose(got[1], np_lookup(4, WEIGHTS, combiner), rtol=1e-12)
    keep = (WEIGHTS > 0) | (combiner == "sum")  # safe: ids < 0 and (unless summing) weights <= 0 dropped
    np.testing.assert_allclose(got[2], np_lookup(4, np.where(keep, WEIGHTS, 0), combiner), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_safe_embedding_lookup_sparse_default_id_rank_3_and_gradient(backend):
    with tf.Graph().as_default():
        ids3 = tf.SparseTensor([[0, 0, 0], [0, 1, 0], [1, 1, 1]], np.array([1, -1, 2], np.int64), [2, 2, 2])
        p = tf.constant(PARAMS)
        out = tf.nn.safe_embedding_lookup_sparse(p, ids3, None)
        with_default = tf.nn.safe_embedding_lookup_sparse(p, tf.SparseTensor(ID_IND, IDS, [4, 3]), None,
                                                          default_id=2)
        assert out.shape.as_list() == [2, 2, 4]
        got, d = run(backend, [out, with_default])
    np.testing.assert_allclose(got, [[PARAMS[1], 0 * PARAMS[0]], [0 * PARAMS[0], PARAMS[2]]], rtol=1e-12)
    np.testing.assert_allclose(d[2], PARAMS[2], rtol=1e-12)  # the empty row reads default_id
    _check_grads(lambda pp: tf.nn.safe_embedding_lookup_sparse(pp, tf.SparseTensor(ID_IND, IDS, [4, 3]),
                                                               tf.SparseTensor(ID_IND, WEIGHTS, [4, 3])),
                 [PARAMS.copy()], backend)


def test_embedding_lookup_sparse_argument_checks():
    with tf.Graph().as_default():
        ids = tf.SparseTensor(ID_IND, IDS, [4, 3])
        with pytest.raises(ValueError, match="combiner must be one of 'mean', 'sqrtn' or 'sum'"):
            tf.nn.embedding_lookup_sparse(PARAMS, ids, None, combiner="max")
        with pytest.raises(TypeError, match="sp_ids must be SparseTensor"):
            tf.nn.embedding_lookup_sparse(PARAMS, IDS, None)
        with pytest.raises(TypeError, match="sp_weights must be either None or SparseTensor"):
            tf.nn.embedding_lookup_sparse(PARAMS, ids, WEIGHTS)


@pytest.mark.tf
def test_embedding_lookups_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        p = t.constant(PARAMS.astype(np.float32))
        ids = t.SparseTensor(ID_IND, IDS, [4, 3])
        w = t.SparseTensor(ID_IND, WEIGHTS.astype(np.float32), [4, 3])
        outs = []
        for c in ("sum", "mean", "sqrtn"):
            outs += [t.nn.embedding_lookup_sparse(p, ids, None, combiner=c),
                     t.nn.embedding_lookup_sparse(p, ids, w, combiner=c),
                     t.nn.safe_embedding_lookup_sparse(p, ids, w, combiner=c),
                     t.nn.safe_embedding_lookup_sparse(p, ids, None, combiner=c, default_id=2)]
        filled, empty = t.sparse.fill_empty_rows(ids, 9)
        loss = t.reduce_sum(outs[5] ** 2) + t.reduce_sum(outs[10] ** 2)
        return P(fetch=outs + [filled.indices, filled.values, empty, t.convert_to_tensor(t.gradients(loss, p)[0])],
                 static=[o.get_shape() for o in outs])

    check(prog, names=False, rtol=1e-5)
