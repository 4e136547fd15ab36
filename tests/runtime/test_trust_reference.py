"""The reference backend against the cpu backend: 0-d erf/erfc, and results that are the
caller's own arrays (never a fed array, a variable's storage, a constant or another result).

Every test runs on both backends, which must agree; TF is the judge where it is installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import flowjit as tf
from flowjit.runtime import available_backends
from flowjit.runtime.devices import reference

BACKENDS = ["reference"] + (["cpu"] if "cpu" in available_backends() else [])


@pytest.fixture(params=BACKENDS)
def backend(request):
    tf.reset_default_graph()
    yield request.param
    tf.reset_default_graph()


def session(backend):
    return tf.Session(backend=backend)


# --- erf / erfc of every rank ------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(), (1,), (2, 3)])
def test_erf_erfc_any_rank(backend, dtype, shape):
    x = np.linspace(-2.5, 2.5, int(np.prod(shape)) or 1).astype(dtype).reshape(shape)
    p = tf.placeholder(tf.as_dtype(dtype), shape)
    fetches = [tf.erf(p), tf.erfc(p), tf.erf(tf.constant(x)), tf.erfc(tf.constant(x))]
    with session(backend) as s:
        got = s.run(fetches, {p: x})
    want_erf = np.vectorize(math.erf)(x.astype(np.float64)).astype(dtype)
    want_erfc = np.vectorize(math.erfc)(x.astype(np.float64)).astype(dtype)
    for value, want in zip(got, [want_erf, want_erfc, want_erf, want_erfc]):
        assert np.asarray(value).dtype == dtype and np.shape(value) == shape
        np.testing.assert_allclose(value, want, rtol=1e-6 if dtype != np.float16 else 1e-3)


def test_erf_scalar_python_value(backend):
    with session(backend) as s:
        assert s.run(tf.erf(0.0)) == 0.0
        assert s.run(tf.erfc(0.0)) == 1.0
        assert np.isnan(s.run(tf.erf(float("nan"))))


@pytest.mark.tf
def test_erf_scalar_matches_tensorflow():
    real = pytest.importorskip("tensorflow").compat.v1
    tf.reset_default_graph()
    values = [np.float32(v) for v in (-3.0, -0.5, 0.0, 0.25, 1.0, 4.0)]
    g = real.Graph()
    with g.as_default():
        ops = [(real.math.erf(real.constant(v)), real.math.erfc(real.constant(v))) for v in values]
        with real.Session(graph=g) as s:
            want = s.run(ops)
    for backend in BACKENDS:
        with tf.Graph().as_default(), session(backend) as s:
            got = s.run([(tf.erf(tf.constant(v)), tf.erfc(tf.constant(v))) for v in values])
        np.testing.assert_allclose(np.array(got, np.float32), np.array(want, np.float32), rtol=2e-6, atol=1e-7)


# --- results never alias what the caller or the session still holds ----------------------

def test_result_does_not_alias_the_feed(backend):
    x = tf.placeholder(tf.float32, [3])
    y = tf.identity(x)
    view = tf.reshape(x, [3, 1])
    with session(backend) as s:
        a = np.ones(3, np.float32)
        r, rv = s.run([y, view], {x: a})
        a[:] = 7
        np.testing.assert_array_equal(r, [1, 1, 1])
        np.testing.assert_array_equal(rv, [[1], [1], [1]])
        assert not np.shares_memory(r, a) and not np.shares_memory(rv, a)


def test_result_does_not_alias_a_feed_through_cond(backend):
    x = tf.placeholder(tf.float32, [2])
    pred = tf.placeholder(tf.bool, [])
    y = tf.cond(pred, lambda: tf.identity(x), lambda: x * 2.0)
    with session(backend) as s:
        a = np.array([1.0, 2.0], np.float32)
        r = s.run(y, {x: a, pred: True})
        a[:] = 0
        np.testing.assert_array_equal(r, [1.0, 2.0])


def test_result_does_not_alias_variable_storage(backend):
    v = tf.Variable(np.arange(4, dtype=np.float32), name="v")
    assigned = tf.assign(v, np.full(4, 3.0, np.float32))
    with session(backend) as s:
        s.run(tf.global_variables_initializer())
        r = s.run(v)
        r[:] = -1
        np.testing.assert_array_equal(s.run(v), [0, 1, 2, 3])
        r = s.run(assigned)
        r[:] = -1
        np.testing.assert_array_equal(s.run(v), [3, 3, 3, 3])


def test_result_does_not_alias_constants(backend):
    c = tf.constant([1.0, 2.0])
    pred = tf.placeholder(tf.bool, [])
    inner = tf.cond(pred, lambda: tf.constant([5.0, 6.0]), lambda: tf.constant([7.0, 8.0]))
    with session(backend) as s:
        for fetch, want in ((c, [1.0, 2.0]), (inner, [5.0, 6.0])):
            r = s.run(fetch, {pred: True})
            r[:] = 0
            np.testing.assert_array_equal(s.run(fetch, {pred: True}), want)


def test_results_do_not_alias_each_other(backend):
    x = tf.placeholder(tf.float32, [2])
    y = x * 2.0
    z = tf.identity(y)
    with session(backend) as s:
        ry, rz = s.run([y, z], {x: np.ones(2, np.float32)})
        ry[:] = 0
        np.testing.assert_array_equal(rz, [2.0, 2.0])


def test_backends_agree_on_pass_through_fetches():
    """The same program on both backends gives equal values and the same aliasing (none)."""
    runs = []
    for backend in BACKENDS:
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float64, [2, 2])
            v = tf.Variable(np.eye(2), name="v")
            fetches = [tf.identity(x), tf.transpose(x), v, tf.identity(v) + x]
            with session(backend) as s:
                s.run(tf.global_variables_initializer())
                a = np.arange(4.0).reshape(2, 2)
                out = s.run(fetches, {x: a})
                shared = [np.shares_memory(o, a) for o in out]
                runs.append((out, shared))
    for out, shared in runs:
        assert shared == [False] * 4
        for got, want in zip(out, runs[0][0]):
            np.testing.assert_array_equal(got, want)


# --- the copy happens only where needed ---------------------------------------------------

def test_fresh_results_are_not_copied():
    fresh = np.ones(3)
    fed = np.zeros(3)
    out = reference._detach([fresh, fed[1:], fresh.reshape(3, 1)], {id(fed)})
    assert out[0] is fresh  # owned by nobody else: handed over as it is
    assert out[1] is not fed and not np.shares_memory(out[1], fed)  # a view of a feed
    assert not np.shares_memory(out[2], fresh)  # a view of an earlier result


def test_only_the_aliasing_result_is_copied(monkeypatch):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [3])
    fetches = [tf.identity(x), x + 1.0]
    copies = []
    real = reference._detach

    def spy(results, shared):
        out = real(results, shared)
        copies.extend(o is not r for o, r in zip(out, results))
        return out

    monkeypatch.setattr(reference, "_detach", spy)
    with tf.Session(backend="reference") as s:
        s.run(fetches, {x: np.ones(3, np.float32)})
    assert copies == [True, False]
