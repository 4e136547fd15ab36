"""tf.py_func / tf.numpy_function / tf.py_function: host calls into Python, on both backends."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_values_structure_and_static_facts(backend):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        y = tf.py_func(lambda a: a * 2, [x + 1.0], tf.float32, name="dbl")
        pair = tf.py_func(lambda a: [a, (a > 1).astype(np.int64)], [x], [tf.float32, tf.int64])
        one = tf.numpy_function(lambda a: a - 1, [x], [tf.float32])
        pf = tf.py_function(lambda a: a.sum(), [x], tf.float32)
        z = y * 3.0  # compiled consumer of a host op
        assert y.op.type == "PyFunc" and y.op.name == "dbl" and y.get_shape().ndims is None
        assert tf.py_func(np.sin, [x], tf.float32, stateful=False).op.type == "PyFuncStateless"
        assert isinstance(pair, list) and len(pair) == 2 and isinstance(one, list) and len(one) == 1
        with tf.Session(backend=backend) as sess:
            yv, pv, ov, pfv, zv = sess.run([y, pair, one, pf, z], {x: [1.0, 2.0]})
    np.testing.assert_array_equal(yv, np.array([4.0, 6.0], np.float32))
    assert yv.dtype == np.float32
    np.testing.assert_array_equal(pv[1], [0, 1])
    assert pv[1].dtype == np.int64
    np.testing.assert_array_equal(ov[0], [0.0, 1.0])
    assert pfv == np.float32(3.0)
    np.testing.assert_array_equal(zv, [12.0, 18.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_stateful_runs_every_time_and_is_not_merged(backend):
    calls = []

    def f(a):
        calls.append(1)
        return np.float32(len(calls))

    with tf.Graph().as_default():
        x = tf.constant(1.0)
        a = tf.py_func(f, [x], tf.float32)
        b = tf.py_func(f, [x], tf.float32)
        with tf.Session(backend=backend) as sess:
            first = sess.run([a, b])
            second = sess.run(a)
    assert sorted(first) == [1.0, 2.0] and second == 3.0 and len(calls) == 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_wrong_dtype_is_invalid_argument_naming_node(backend):
    with tf.Graph().as_default():
        y = tf.py_func(lambda: np.float64(1.0), [], tf.float32, name="wrong")
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError) as ei:
                sess.run(y)
    msg = str(ei.value)
    assert "wrong" in msg and "0-th value returned by pyfunc_0 is double, but expects float" in msg


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("exc,cls", [(ValueError, "InvalidArgumentError"), (ZeroDivisionError, "UnknownError"),
                                     (StopIteration, "OutOfRangeError")])
def test_exception_inside_func_maps_as_tf(backend, exc, cls):
    def boom(a):
        raise exc("inside func")

    with tf.Graph().as_default():
        y = tf.py_func(boom, [tf.constant(1.0)], tf.float32, name="boom")
        with tf.Session(backend=backend) as sess:
            with pytest.raises(getattr(tf.errors, cls)) as ei:
                sess.run(y)
    msg = str(ei.value)
    assert "boom" in msg and "inside func" in msg and "Traceback" in msg


def test_inside_cond_branch_uses_the_outer_graph_table():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])
        out = tf.cond(p, lambda: tf.py_func(lambda: np.int32(7), [], tf.int32),
                      lambda: tf.constant(0))
        with tf.Session(backend="reference") as sess:
            assert sess.run(out, {p: True}) == 7 and sess.run(out, {p: False}) == 0


def test_no_gradient_and_bad_args():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        y = tf.py_func(lambda a: a, [x], tf.float32)
        assert tf.gradients(y, x) == [None]
        with pytest.raises(ValueError, match="callable"):
            tf.py_func(3, [x], tf.float32)
        with pytest.raises(TypeError, match="Tout"):
            tf.py_func(lambda a: a, [x], "nonsense")


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        x = t.placeholder(t.float32, [3], name="x")
        y = t.py_func(lambda a: np.cumsum(a).astype(np.float32), [x], t.float32, name="cs")
        ys = t.numpy_function(lambda a: [a * 2, np.int32(a.size)], [x], [t.float32, t.int32])
        return P(fetch=[y, ys], feed={x: np.array([1.0, 2.0, 3.0], np.float32)},
                 static=[y.get_shape().ndims, y.op.type, len(ys)])

    check(prog)

    def bad(t):
        return t.py_func(lambda: np.int64(1), [], t.int32, name="bad")

    check(bad, expect="run")
