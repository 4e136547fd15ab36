"""`import flowjit.compat.v1 as tf`: a classic TF1 program trains, and every flowjit name resolves."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit
import flowjit.compat.v1 as tf


def _public(module) -> list[str]:
    return [n for n in dir(module) if not n.startswith("_")]


def test_every_public_flowjit_name_resolves_through_compat_v1():
    for name in _public(flowjit):
        assert getattr(tf, name) is getattr(flowjit, name), name
    assert set(_public(flowjit)) <= set(dir(tf))


def test_scaffolding_modules_and_switches():
    assert tf.logging is flowjit.logging and tf.app is flowjit.app and tf.flags is flowjit.flags
    assert tf.gfile is flowjit.gfile and tf.io.gfile is flowjit.io.gfile
    assert tf.compat is flowjit.compat and tf.compat.v1 is tf and flowjit.compat.v1 is tf
    for switch in (tf.disable_v2_behavior, tf.disable_eager_execution, tf.disable_resource_variables,
                   tf.disable_v2_tensorshape):
        assert switch() is None
    assert tf.executing_eagerly() is False and flowjit.executing_eagerly() is False
    assert flowjit.disable_v2_behavior is tf.disable_v2_behavior


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_tf_name"):
        tf.no_such_tf_name  # noqa: B018


def _linear_regression(tf_mod, backend: str) -> tuple[float, float, float]:
    """The TF1 tutorial's linear regression: fit y = 3x + 2 by gradient descent.

    Real TF is not switched globally (that would leak into other tests): its Graph context is
    graph mode already.
    """
    if tf_mod is tf:
        tf_mod.disable_v2_behavior()
    rng = np.random.RandomState(0)
    xs = rng.uniform(-1, 1, size=(64, 1)).astype(np.float32)
    ys = 3 * xs + 2
    with tf_mod.Graph().as_default():
        x = tf_mod.placeholder(tf_mod.float32, [None, 1])
        y = tf_mod.placeholder(tf_mod.float32, [None, 1])
        w = tf_mod.Variable(tf_mod.zeros([1, 1]), name="w")
        b = tf_mod.Variable(tf_mod.zeros([1]), name="b")
        loss = tf_mod.reduce_mean(tf_mod.square(tf_mod.matmul(x, w) + b - y))
        train = tf_mod.train.GradientDescentOptimizer(0.5).minimize(loss)
        kwargs = {"backend": backend} if backend else {}
        with tf_mod.Session(**kwargs) as sess:
            sess.run(tf_mod.global_variables_initializer())
            for _ in range(200):
                sess.run(train, {x: xs, y: ys})
            assert not tf_mod.executing_eagerly()
            return float(sess.run(w)[0, 0]), float(sess.run(b)[0]), float(sess.run(loss, {x: xs, y: ys}))


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_classic_program_trains(backend):
    w, b, loss = _linear_regression(tf, backend)
    assert abs(w - 3) < 1e-3 and abs(b - 2) < 1e-3 and loss < 1e-6


@pytest.mark.tf
def test_classic_program_matches_tensorflow():
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as real

    ours = _linear_regression(tf, "reference")
    theirs = _linear_regression(real, "")
    np.testing.assert_allclose(ours[:2], theirs[:2], rtol=1e-4, atol=1e-5)


@pytest.mark.tf
def test_tf1_names_in_our_compat_exist_in_tensorflow():
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as real

    for name in ("disable_v2_behavior", "disable_eager_execution", "disable_resource_variables",
                 "disable_v2_tensorshape", "executing_eagerly", "logging", "app", "flags", "gfile", "io", "compat"):
        assert hasattr(real, name), name
