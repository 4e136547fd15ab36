"""Segment reductions (sorted and unsorted): values vs NumPy, gradients vs finite differences,
run-time id errors naming the node, both backends, and real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS, numeric_grad


DATA = np.array([[1.0, 5.0], [2.0, -1.0], [7.0, 3.0], [4.0, 4.0], [0.5, 2.0]])
SORTED = np.array([0, 0, 2, 2, 3], np.int32)
UNSORTED = np.array([3, 0, -1, 3, 1], np.int32)


def np_segments(kind, data, ids, n, sorted_ids):
    """Per-segment reductions written out; empty segments as TF documents them."""
    out = []
    for s in range(n):
        rows = data[ids == s]
        if not len(rows):
            empty = 0.0 if sorted_ids or kind in ("sum", "mean", "sqrt_n") else \
                (np.finfo(data.dtype).min if kind == "max" else np.finfo(data.dtype).max)
            out.append(np.full(data.shape[1:], empty))
        else:
            out.append({"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0), "min": rows.min(0),
                        "sqrt_n": rows.sum(0) / np.sqrt(len(rows))}[kind])
    return np.array(out, dtype=data.dtype)


@pytest.mark.parametrize("backend", BACKENDS)
def test_values(backend):
    with tf.Graph().as_default():
        x = tf.constant(DATA)
        out = {k: getattr(tf.math, f"segment_{k}")(x, SORTED) for k in ("sum", "mean", "max", "min")}
        out.update({("u", k): getattr(tf.math, f"unsorted_segment_{k}")(x, UNSORTED, 4)
                    for k in ("sum", "mean", "max", "min", "sqrt_n")})
        assert out["sum"].get_shape().as_list() == [None, 2]
        assert out[("u", "sum")].get_shape().as_list() == [4, 2]
        assert tf.segment_sum is tf.math.segment_sum
        with tf.Session(backend=backend) as sess:
            got = sess.run(out)
    for k in ("sum", "mean", "max", "min"):
        np.testing.assert_allclose(got[k], np_segments(k, DATA, SORTED, 4, True), err_msg=k)
    for k in ("sum", "max", "min", "mean", "sqrt_n"):
        want = np_segments(k, DATA, UNSORTED, 4, False)
        np.testing.assert_allclose(got[("u", k)], want, err_msg=k)


@pytest.mark.parametrize("op", ["segment_sum", "segment_mean", "segment_max", "segment_min",
                                "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
                                "unsorted_segment_mean", "unsorted_segment_sqrt_n"])
def test_gradients_match_finite_differences(op):
    rng = np.random.default_rng(0)
    a = rng.normal(size=DATA.shape)  # distinct values: no ties at the max/min
    w = rng.normal(size=(4, 2))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, DATA.shape)
        f = getattr(tf.math, op)
        y = f(x, SORTED) if op.startswith("segment") else f(x, UNSORTED, 4)
        loss = tf.reduce_sum(tf.gather(y * w, [0, 1, 3]))  # segment 2 is empty (lowest value for max)
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: a})
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), a)
    np.testing.assert_allclose(gv, ng, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_ids_are_invalid_argument_naming_the_node(backend):
    with tf.Graph().as_default():
        x = tf.constant(DATA)
        bad_sorted = tf.math.segment_sum(x, [0, 2, 1, 3, 3], name="seg")
        out_of_range = tf.math.unsorted_segment_sum(x, [0, 1, 5, 0, 0], 3, name="useg")
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing") as ei:
                sess.run(bad_sorted)
            assert "seg" in str(ei.value)
            with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[2\] = 5 is out of range \[0, 3\)") as ei:
                sess.run(out_of_range)
            assert "useg" in str(ei.value)
        with pytest.raises(TypeError, match="segment_ids"):
            tf.math.segment_sum(x, tf.constant([0.0, 1.0, 1.0, 1.0, 1.0]))


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        x = t.constant(DATA.astype(np.float32))
        return P(fetch=[t.math.segment_sum(x, SORTED), t.math.segment_mean(x, SORTED),
                        t.math.segment_max(x, SORTED), t.math.unsorted_segment_sum(x, UNSORTED, 4),
                        t.math.unsorted_segment_max(x, UNSORTED, 4), t.math.unsorted_segment_min(x, UNSORTED, 4),
                        t.math.unsorted_segment_mean(x, UNSORTED, 4)])

    check(prog, names=False)
