"""Session semantics, one by one (reference backend and the default backend)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "default"]


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def make_session(backend: str, **kw):
    return tf.Session(**kw) if backend == "default" else tf.Session(backend=backend, **kw)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fetch_structures(backend):
    a = tf.constant(1.0, name="a")
    b = tf.constant([2.0, 3.0], name="b")
    c = a + b
    Pair = collections.namedtuple("Pair", "x y")
    with make_session(backend) as s:
        out = s.run({"one": a, "rest": [b, (c, Pair(a, c))], "od": collections.OrderedDict([("k", b)])})
    assert out["one"] == np.float32(1.0)
    assert isinstance(out["one"], np.float32)
    np.testing.assert_array_equal(out["rest"][0], [2.0, 3.0])
    assert isinstance(out["rest"][1], tuple)
    assert isinstance(out["rest"][1][1], Pair)
    np.testing.assert_array_equal(out["rest"][1][1].y, [3.0, 4.0])
    assert isinstance(out["od"], collections.OrderedDict)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fetch_by_name_and_operation(backend):
    x = tf.placeholder(tf.float32, shape=[None], name="x")
    y = tf.multiply(x, 2.0, name="y")
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 1.0, name="inc")
    with make_session(backend) as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run("y:0", {"x:0": [1.0, 2.0]}), [2.0, 4.0])
        assert s.run(inc.op) is None
        assert s.run("inc") is None
        assert s.run(v) == 2.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_only_what_fetch_needs_runs(backend):
    x = tf.placeholder(tf.float32, name="x")
    unfed = tf.placeholder(tf.float32, name="unfed")
    bad = tf.Assert(tf.constant(False), [unfed], name="never")
    with tf.control_dependencies([bad]):
        guarded = tf.identity(unfed)
    y = x + 1.0
    with make_session(backend) as s:
        assert s.run(y, {x: 1.0}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="unfed"):
            s.run(unfed * 2.0)
        _ = guarded


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_any_tensor(backend):
    a = tf.constant(3.0)
    b = a * 2.0
    c = b + 1.0
    with make_session(backend) as s:
        assert s.run(c) == 7.0
        assert s.run(c, {b: 10.0}) == 11.0
        assert s.run(c, {a: 0.5}) == 2.0
        assert s.run(b, {b: 4.0}) == 4.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_variables_persist_and_sessions_are_separate(backend):
    v = tf.Variable(tf.constant([1.0, 2.0]), name="v")
    step = v.assign(v * 2.0)
    with make_session(backend) as s1, make_session(backend) as s2:
        s1.run(v.initializer)
        s2.run(v.initializer)
        s1.run(step)
        s1.run(step)
        np.testing.assert_array_equal(s1.run(v), [4.0, 8.0])
        np.testing.assert_array_equal(s2.run(v), [1.0, 2.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_uninitialized_variable_is_failed_precondition(backend):
    v = tf.Variable(1.0, name="weights")
    with make_session(backend) as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="weights") as info:
            s.run(v + 1.0)
        assert "test_session.py" in str(info.value)
        assert list(s.run(tf.report_uninitialized_variables())) == [b"weights"]
        assert not s.run(tf.is_variable_initialized(v))
        s.run(tf.global_variables_initializer())
        assert s.run(tf.is_variable_initialized(v))


@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_errors_are_clear(backend):
    x = tf.placeholder(tf.float32, shape=[2, 3], name="images")
    i = tf.placeholder(tf.int32, shape=[], name="count")
    y = x * 2.0
    with make_session(backend) as s:
        with pytest.raises(ValueError, match=r"shape \(3, 2\).*images"):
            s.run(y, {x: np.zeros((3, 2))})
        with pytest.raises(TypeError, match="count"):
            s.run(i + 1, {i: 2 ** 40})
        assert s.run(i + 1, {i: 1.5}) == 2  # TF truncates 1.5 to 1 (ConfigProto(strict_feeds=True) refuses)
        assert s.run(i + 1, {i: 2.0}) == 3  # a whole float converts exactly
        with pytest.raises(TypeError, match="tf.Tensor"):
            s.run(y, {x: y})
        with pytest.raises(tf.errors.InvalidArgumentError, match="You must feed a value for placeholder tensor 'images'"):
            s.run(y)
        # float64 data into a float32 placeholder is converted, as TF does
        np.testing.assert_array_equal(s.run(y, {x: np.ones((2, 3))}), np.full((2, 3), 2.0, np.float32))


def test_tensor_from_another_graph():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        a = tf.constant(1.0)
    with g2.as_default():
        b = tf.constant(2.0)
        with pytest.raises(ValueError, match="same graph"):
            tf.add(a, b)
        with tf.Session(backend="reference") as s:
            with pytest.raises(ValueError, match="graph"):
                s.run(a)


def test_eval_and_run_with_default_session():
    x = tf.constant([1, 2, 3])
    v = tf.Variable(5, name="v")
    with tf.Session(backend="reference") as s:
        v.initializer.run()
        np.testing.assert_array_equal(x.eval(), [1, 2, 3])
        assert v.eval() == 5
        assert tf.get_default_session() is s
    assert tf.get_default_session() is None
    with pytest.raises(ValueError, match="No default session"):
        x.eval()


def test_interactive_session():
    sess = tf.InteractiveSession(backend="reference")
    try:
        assert (tf.constant(2) * 3).eval() == 6
    finally:
        sess.close()
    assert tf.get_default_session() is None


def test_closed_session_raises():
    s = tf.Session(backend="reference")
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.run(tf.constant(1))


def test_fetch_errors():
    with tf.Session(backend="reference") as s:
        with pytest.raises(TypeError):
            s.run(None)
        with pytest.raises((KeyError, ValueError)):
            s.run("nope:0")
        with pytest.raises(TypeError):
            s.run(object())


def test_repeat_runs_hit_the_plan_cache():
    x = tf.placeholder(tf.float32, shape=[None])
    y = x * 3.0
    with tf.Session(backend="reference") as s:
        for k in range(3):
            np.testing.assert_array_equal(s.run(y, {x: [1.0, float(k)]}), [3.0, 3.0 * k])
        assert len(s._cache) == 1
        s.run(y, {x: [1.0, 2.0, 3.0]})  # a new feed shape is a new signature
        assert len(s._cache) == 2


def test_graph_built_after_a_run_is_seen():
    a = tf.constant(1.0)
    with tf.Session(backend="reference") as s:
        assert s.run(a) == 1.0
        b = a + 1.0
        assert s.run(b) == 2.0
