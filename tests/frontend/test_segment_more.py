"""segment_prod, unsorted_segment_prod and the sparse segment reductions (sparse_segment_sum, _mean,
_sqrt_n, with and without num_segments): values vs NumPy on both backends, gradients vs finite
differences (prod through zeros as TF handles them), errors naming the node, and real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS, numeric_grad


# segment 0 has one zero in column 0, segment 2 two zeros in column 1; segment 1 is empty
DATA = np.array([[1.5, 2.0], [0.0, -4.0], [5.0, 0.0], [-2.0, 0.0], [0.5, 3.0]])
SORTED = np.array([0, 0, 2, 2, 3], np.int32)
UNSORTED = np.array([2, 0, -1, 2, 0], np.int32)
INDICES = np.array([4, 0, 0, 2, 1, 3], np.int32)  # repeats row 0
SPARSE_IDS = np.array([0, 0, 1, 3, 3, 3], np.int32)  # segment 2 is empty


def np_prod(data, ids, n):
    out = np.ones((n,) + data.shape[1:], data.dtype)
    for row, s in zip(data, ids):
        if s >= 0:
            out[s] *= row
    return out


def np_sparse(kind, data, indices, ids, n):
    out = np.zeros((n,) + data.shape[1:])
    for s in range(n):
        rows = data[indices[ids == s]]
        if len(rows):
            out[s] = rows.sum(0) / {"sum": 1, "mean": len(rows), "sqrt_n": np.sqrt(len(rows))}[kind]
    return out.astype(data.dtype)


@pytest.mark.parametrize("backend", BACKENDS)
def test_values(backend):
    ints = DATA.astype(np.int32) + 1
    with tf.Graph().as_default():
        x, xi = tf.constant(DATA), tf.constant(ints)
        out = {"prod": tf.segment_prod(x, SORTED), "uprod": tf.math.unsorted_segment_prod(x, UNSORTED, 4),
               "iprod": tf.math.segment_prod(xi, SORTED), "iuprod": tf.unsorted_segment_prod(xi, UNSORTED, 3)}
        for kind in ("sum", "mean", "sqrt_n"):
            f = getattr(tf, f"sparse_segment_{kind}")
            out[kind] = f(x, INDICES, SPARSE_IDS)
            out[kind + "_n"] = f(x, INDICES, SPARSE_IDS, num_segments=6)
        out["sum64"] = tf.sparse_segment_sum(x, INDICES.astype(np.int64), SPARSE_IDS)
        out["isum"] = tf.sparse_segment_sum(xi, INDICES, SPARSE_IDS)
        shapes = {k: v.get_shape().as_list() for k, v in out.items()}
        got = tf.Session(backend=backend).run(out)
    assert shapes["prod"] == [None, 2] and shapes["uprod"] == [4, 2] and shapes["sum"] == [None, 2]
    assert shapes["mean_n"] == [6, 2]
    np.testing.assert_array_equal(got["prod"], np_prod(DATA, SORTED, 4))
    np.testing.assert_array_equal(got["uprod"], np_prod(DATA, UNSORTED, 4))
    np.testing.assert_array_equal(got["iprod"], np_prod(ints, SORTED, 4))
    np.testing.assert_array_equal(got["iuprod"], np_prod(ints, UNSORTED, 3))
    assert got["iprod"].dtype == np.int32 and got["isum"].dtype == np.int32
    for kind in ("sum", "mean", "sqrt_n"):
        np.testing.assert_allclose(got[kind], np_sparse(kind, DATA, INDICES, SPARSE_IDS, 4), err_msg=kind)
        np.testing.assert_allclose(got[kind + "_n"], np_sparse(kind, DATA, INDICES, SPARSE_IDS, 6), err_msg=kind)
    np.testing.assert_allclose(got["sum64"], got["sum"])
    np.testing.assert_array_equal(got["isum"], np_sparse("sum", ints, INDICES, SPARSE_IDS, 4))


def test_float16_and_float32_sparse_means():
    with tf.Graph().as_default():
        out = [tf.sparse_segment_mean(tf.constant(DATA.astype(dt)), INDICES, SPARSE_IDS)
               for dt in (np.float16, np.float32)]
        got = tf.Session(backend="reference").run(out)
    for g, dt in zip(got, (np.float16, np.float32)):
        assert g.dtype == dt
        np.testing.assert_allclose(g, np_sparse("mean", DATA, INDICES, SPARSE_IDS, 4), rtol=1e-3)


# case -> (the reduction, its number of output rows)
GRAD_CASES = {
    "segment_prod": (lambda x: tf.segment_prod(x, SORTED), 4),
    "unsorted_segment_prod": (lambda x: tf.unsorted_segment_prod(x, UNSORTED, 4), 4),
    "sparse_segment_sum": (lambda x: tf.sparse_segment_sum(x, INDICES, SPARSE_IDS), 4),
    "sparse_segment_mean": (lambda x: tf.sparse_segment_mean(x, INDICES, SPARSE_IDS), 4),
    "sparse_segment_sqrt_n": (lambda x: tf.sparse_segment_sqrt_n(x, INDICES, SPARSE_IDS), 4),
    "sparse_segment_sum_with_num": (lambda x: tf.sparse_segment_sum(x, INDICES, SPARSE_IDS, num_segments=5), 5),
    "sparse_segment_mean_with_num": (lambda x: tf.sparse_segment_mean(x, INDICES, SPARSE_IDS, num_segments=5), 5),
    "sparse_segment_sqrt_n_with_num": (lambda x: tf.sparse_segment_sqrt_n(x, INDICES, SPARSE_IDS, num_segments=5), 5),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_match_finite_differences(case):
    fn, rows = GRAD_CASES[case]
    w = np.random.default_rng(1).normal(size=(rows, 2))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, DATA.shape)
        loss = tf.reduce_sum(fn(x) * w)
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: DATA})  # at DATA itself: the prods' zeros are where TF's cases differ
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), DATA)
    np.testing.assert_allclose(gv, ng, rtol=1e-6, atol=1e-8)


def test_prod_gradient_at_zeros_by_hand():
    """One zero: the product of the others at the zero, 0 elsewhere; two zeros: all 0."""
    with tf.Graph().as_default():
        x = tf.constant([[0.0], [3.0], [0.0], [0.0], [2.0]], tf.float64)
        g = tf.gradients(tf.reduce_sum(tf.segment_prod(x, [0, 0, 1, 1, 1])), x)[0]
        gu = tf.gradients(tf.reduce_sum(tf.unsorted_segment_prod(x, [1, 1, -1, 0, 0], 2)), x)[0]
        got = tf.Session(backend="reference").run([g, gu])
    np.testing.assert_array_equal(got[0][:, 0], [3.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(got[1][:, 0], [3.0, 0.0, 0.0, 2.0, 0.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_time_errors_name_the_node(backend):
    with tf.Graph().as_default():
        x = tf.constant(DATA)
        cases = [(tf.sparse_segment_sum(x, [0, 7, 1], [0, 0, 1], name="bad_index"),
                  r"indices\[1\] == 7 out of range \[0, 5\)"),
                 (tf.sparse_segment_mean(x, [0, 2, 1], [0, 2, 1], name="unsorted"), "segment ids are not increasing"),
                 (tf.sparse_segment_sqrt_n(x, [0, 2, 1], [0, 0, 3], num_segments=2, name="few"),
                  "segment ids must be < num_segments"),
                 (tf.sparse_segment_sum(x, [0, 1], [-1, 0], name="negative"), r"Segment id -1 out of range \[0, 1\)"),
                 (tf.segment_prod(x, [0, 1, 0, 2, 2], name="sprod"), "not increasing"),
                 (tf.unsorted_segment_prod(x, [0, 1, 4, 0, 0], 3, name="uprod"),
                  r"segment_ids\[2\] = 4 is out of range")]
        with tf.Session(backend=backend) as sess:
            for t, msg in cases:
                with pytest.raises(tf.errors.InvalidArgumentError, match=msg) as ei:
                    sess.run(t)
                assert t.op.name in str(ei.value)


def test_build_time_errors():
    with tf.Graph().as_default():
        x = tf.constant(DATA)
        with pytest.raises(ValueError, match="same length"):
            tf.sparse_segment_sum(x, [0, 2], [0, 0, 1])
        with pytest.raises(ValueError, match="rank 1"):
            tf.sparse_segment_sum(x, [[0, 2, 1]], [0, 0, 1])
        with pytest.raises(TypeError, match="indices must be int32 or int64"):
            tf.sparse_segment_sum(x, [0.0, 1.0], [0, 0])
        with pytest.raises(TypeError, match="data must be one of"):
            tf.sparse_segment_mean(tf.constant([[1, 2]]), [0], [0])
        with pytest.raises(TypeError, match="segment_ids"):
            tf.segment_prod(x, tf.constant([0.0] * 5))


def test_names_and_namespaces():
    with tf.Graph().as_default():
        x = tf.constant(DATA)
        assert tf.sparse_segment_sum(x, [0], [0]).name == "SparseSegmentSum:0"
        assert tf.sparse_segment_mean(x, [0], [0], num_segments=2).name == "SparseSegmentMeanWithNumSegments:0"
        assert tf.sparse_segment_sqrt_n(x, [0], [0], name="s").name == "s:0"
        assert tf.segment_prod(x, SORTED).name == "SegmentProd:0"
        assert tf.unsorted_segment_prod(x, UNSORTED, 3).name == "UnsortedSegmentProd:0"
    assert tf.math.segment_prod is tf.segment_prod and tf.math.unsorted_segment_prod is tf.unsorted_segment_prod
    assert tf.sparse.segment_sum is tf.sparse_segment_sum and tf.sparse.segment_mean is tf.sparse_segment_mean
    assert tf.sparse.segment_sqrt_n is tf.sparse_segment_sqrt_n


@pytest.mark.tf
def test_values_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        x = t.constant(DATA)
        return P(fetch=[t.segment_prod(x, SORTED), t.unsorted_segment_prod(x, UNSORTED, 4),
                        t.math.unsorted_segment_sqrt_n(x, UNSORTED, 4),
                        t.sparse_segment_sum(x, INDICES, SPARSE_IDS), t.sparse.segment_mean(x, INDICES, SPARSE_IDS),
                        t.sparse_segment_sqrt_n(x, INDICES, SPARSE_IDS, num_segments=6),
                        t.sparse_segment_sum(t.constant(DATA.astype(np.float32)), INDICES, SPARSE_IDS, num_segments=4)])

    check(prog)


@pytest.mark.tf
@pytest.mark.parametrize("case", ["segment_prod", "unsorted_segment_prod", "sparse_segment_sum",
                                  "sparse_segment_mean_with_num", "sparse_segment_sqrt_n"])
def test_gradients_against_tensorflow(case):
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    rows = GRAD_CASES[case][1]
    w = np.random.default_rng(1).normal(size=(rows, 2))

    def prog(t):
        x = t.placeholder(t.float64, DATA.shape)
        if case == "segment_prod":
            y = t.segment_prod(x, SORTED)
        elif case == "unsorted_segment_prod":
            y = t.unsorted_segment_prod(x, UNSORTED, 4)
        elif case == "sparse_segment_mean_with_num":
            y = t.sparse_segment_mean(x, INDICES, SPARSE_IDS, num_segments=5)
        else:
            y = getattr(t, case)(x, INDICES, SPARSE_IDS)
        loss = t.reduce_sum(y * w)
        return P(fetch=[loss, t.convert_to_tensor(t.gradients(loss, x)[0])], feed={x: DATA})

    check(prog, names=False)
