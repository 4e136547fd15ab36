"""tf.linalg basics (inv, det, solve as host ops; matmul/transpose/trace/eye re-exported):
values vs NumPy, gradients vs finite differences, errors naming the node, real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS, numeric_grad


RNG = np.random.default_rng(0)
A = RNG.normal(size=(2, 3, 3)) + 3 * np.eye(3)  # well conditioned batch
B = RNG.normal(size=(2, 3, 2))


@pytest.mark.parametrize("backend", BACKENDS)
def test_values(backend):
    with tf.Graph().as_default():
        a, b = tf.constant(A), tf.constant(B)
        out = [tf.linalg.inv(a), tf.matrix_inverse(a, adjoint=True), tf.linalg.det(a), tf.matrix_solve(a, b),
               tf.linalg.solve(a, b, adjoint=True), tf.linalg.trace(a), tf.linalg.matmul(a, b),
               tf.linalg.transpose(b), tf.linalg.eye(2)]
        assert out[2].get_shape().as_list() == [2] and out[3].get_shape().as_list() == [2, 3, 2]
        with tf.Session(backend=backend) as sess:
            got = sess.run(out)
    at = np.swapaxes(A, -1, -2)
    want = [np.linalg.inv(A), np.linalg.inv(at), np.linalg.det(A), np.linalg.solve(A, B), np.linalg.solve(at, B),
            np.trace(A, axis1=-2, axis2=-1), A @ B, np.swapaxes(B, -1, -2), np.eye(2)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("which", ["inv", "inv_adj", "det", "solve_a", "solve_b", "solve_adj"])
def test_gradients_match_finite_differences(which):
    w = RNG.normal(size=(2, 3, 3))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [2, 3, 3])
        b = tf.constant(B)
        if which == "inv":
            loss = tf.reduce_sum(tf.linalg.inv(x) * w)
        elif which == "inv_adj":
            loss = tf.reduce_sum(tf.linalg.inv(x, adjoint=True) * w)
        elif which == "det":
            loss = tf.reduce_sum(tf.linalg.det(x) * [1.5, -0.5])
        elif which == "solve_a":
            loss = tf.reduce_sum(tf.linalg.solve(x, b) * w[..., :2])
        elif which == "solve_b":
            loss = tf.reduce_sum(tf.linalg.solve(tf.constant(A), x) * w)
        else:
            loss = tf.reduce_sum(tf.linalg.solve(x, b, adjoint=True) * w[..., :2])
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: A})
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), A)
    np.testing.assert_allclose(gv, ng, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_errors(backend):
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="square"):
            tf.linalg.inv(tf.ones([2, 3], tf.float64))
        with pytest.raises(TypeError, match="float32"):
            tf.linalg.det(tf.ones([2, 2], tf.int32))
        with pytest.raises(ValueError, match="rows"):
            tf.linalg.solve(tf.ones([3, 3]), tf.ones([2, 1]))
        singular = tf.linalg.inv(tf.zeros([2, 2]), name="sing")
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible") as ei:
                sess.run(singular)
    assert "sing" in str(ei.value)


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        a, b = t.constant(A), t.constant(B)
        return P(fetch=[t.linalg.inv(a), t.matrix_inverse(a, adjoint=True), t.linalg.det(a),
                        t.matrix_determinant(a), t.linalg.solve(a, b), t.matrix_solve(a, b, adjoint=True),
                        t.linalg.trace(a)])

    check(prog, names=False)
