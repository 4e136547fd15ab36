"""Feed conversion follows TF1's `Session.run` exactly (ConfigProto(strict_feeds=True) refuses
lossy feeds instead), and `Session.list_devices()` returns TF's device attribute objects.

Every case runs twice on each backend: the first call takes the general path, the second the
repeat-call fast path, and both must convert alike.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def feed_flowjit(backend: str, dtype: str, value, shape=None, strict: bool = False):
    """What `identity(placeholder)` returns for the feed (or the exception raised), twice."""
    tf.reset_default_graph()
    p = tf.placeholder(getattr(tf, dtype), shape=shape)
    y = tf.identity(p)
    config = tf.ConfigProto(strict_feeds=strict)
    with tf.Session(backend=backend, config=config) as s, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns about NaN and overflowing casts, as under TF
        try:
            first = s.run(y, {p: value})
        except Exception as e:  # noqa: BLE001
            return type(e)
        second = s.run(y, {p: value})
    assert_same(first, second)
    return first


def assert_same(got, want) -> None:
    assert not isinstance(want, type), f"expected {want.__name__}, got {got!r}"
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)


# (placeholder dtype, fed value, hand-computed TF result or exception). The out-of-range float
# casts (NaN, 3e9, 1e19 into integers) give what x86's cvttsd2si gives, as NumPy and TF do there.
CASES = [
    ("int32", np.array([1.7, -2.7]), np.array([1, -2], np.int32)),
    ("int32", [1.7, -2.7], np.array([1, -2], np.int32)),
    ("int32", (1.5, 2.5), np.array([1, 2], np.int32)),
    ("int32", [1, 2.5], np.array([1, 2], np.int32)),
    ("int32", 1.7, np.int32(1)),
    ("int32", -2.7, np.int32(-2)),
    ("int32", np.float32(2.9), np.int32(2)),
    ("int32", np.array([[1.9]], np.float32), np.array([[1]], np.int32)),
    ("int64", np.array([1.7, -2.7]), np.array([1, -2], np.int64)),
    ("int32", np.array([2 ** 31], np.int64), np.array([-2 ** 31], np.int32)),   # arrays wrap
    ("int32", [2 ** 31], np.array([-2 ** 31], np.int32)),
    ("int32", np.int64(2 ** 40), np.int32(0)),                                  # NumPy ints too
    ("int8", [200], np.array([-56], np.int8)),
    ("uint8", np.array([-1]), np.array([255], np.uint8)),
    ("uint8", np.array([1.7, 300.0]), np.array([1, 44], np.uint8)),
    ("int32", 2 ** 31, TypeError),                                              # a Python int must fit
    ("int8", 200, TypeError),
    ("uint8", -1, TypeError),
    ("uint8", 255, np.uint8(255)),
    ("bool", 2, TypeError),
    ("bool", 1, np.True_),
    ("int32", 2 ** 70, OverflowError),
    ("bool", np.array([0.0, 0.5, 2.0]), np.array([False, True, True])),
    ("bool", [0.0, 0.5, 2.0], np.array([False, True, True])),
    ("bool", 0.5, np.True_),
    ("bool", np.array([0, 1, 2]), np.array([False, True, True])),
    ("bool", np.array([np.nan]), np.array([True])),
    ("float32", np.array([1, 2], np.int64), np.array([1.0, 2.0], np.float32)),
    ("float32", [1, 2], np.array([1.0, 2.0], np.float32)),
    ("float32", 3, np.float32(3.0)),
    ("float32", [True, 2.5], np.array([1.0, 2.5], np.float32)),
    ("float32", np.array([1e40]), np.array([np.inf], np.float32)),
    ("float16", 70000, np.float16(np.inf)),
    ("float64", np.array([True, False]), np.array([1.0, 0.0])),
    ("int32", np.array([True, False]), np.array([1, 0], np.int32)),
    ("int32", True, np.int32(1)),
    ("int32", "3", np.int32(3)),
    ("float32", "3.5", np.float32(3.5)),
    ("int32", "abc", ValueError),
    ("int32", [[1], [2, 3]], ValueError),
    ("int32", None, TypeError),
    ("int32", [], np.array([], np.int32)),
    ("int32", np.array([], np.float64), np.array([], np.int32)),
]
PLATFORM_CASES = [  # results of the platform's float -> int cast: compared with TF only
    ("int32", np.array([np.nan, np.inf, -np.inf])),
    ("int32", np.array([3e9])),
    ("int64", np.array([1e19])),
    ("int16", -32769.0),
]


def _id(case) -> str:
    return f"{case[0]}-{case[1]!r}"[:40]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_feed_converts_like_tf(backend, case):
    dtype, value, want = case
    got = feed_flowjit(backend, dtype, value)
    if isinstance(want, type):
        assert got is want
    else:
        assert_same(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fed_shape_still_checked_after_conversion(backend):
    assert feed_flowjit(backend, "int32", [1.5, 2.5], shape=[3]) is ValueError
    assert_same(feed_flowjit(backend, "int32", 1.5, shape=[]), np.int32(1))


# --- strict feeds -------------------------------------------------------------------------

LOSSY = [
    ("int32", 1.5), ("int32", np.array([1.7, -2.7])), ("int32", [0.5]), ("int32", np.array([np.nan])),
    ("int32", np.array([3e9])), ("int32", np.array([2 ** 31], np.int64)), ("int32", np.int64(2 ** 40)),
    ("uint8", np.array([-1])), ("int8", [200]), ("bool", np.array([0.5])), ("bool", np.array([0, 2])),
    ("float32", np.array([1e40])), ("float16", np.array([70000])), ("int32", 2 ** 31),
]
EXACT = [
    ("int32", 2.0, np.int32(2)), ("int32", np.array([1.0, -3.0]), np.array([1, -3], np.int32)),
    ("bool", np.array([0.0, 1.0]), np.array([False, True])), ("bool", np.array([1, 0]), np.array([True, False])),
    ("int32", np.array([True]), np.array([1], np.int32)),
    ("uint8", np.array([255], np.int64), np.array([255], np.uint8)),
    ("float32", np.array([0.1]), np.array([0.1], np.float32)),  # rounding to float32 is no change
    ("float32", np.array([np.nan, np.inf]), np.array([np.nan, np.inf], np.float32)),
    ("float32", 7, np.float32(7.0)),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", LOSSY, ids=_id)
def test_strict_feeds_refuse_what_the_conversion_changes(backend, case):
    dtype, value = case
    assert feed_flowjit(backend, dtype, value, strict=True) is TypeError


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", EXACT, ids=_id)
def test_strict_feeds_accept_exact_conversions(backend, case):
    dtype, value, want = case
    assert_same(feed_flowjit(backend, dtype, value, strict=True), want)


def test_strict_error_names_the_tensor_and_the_option():
    i = tf.placeholder(tf.int32, shape=[], name="count")
    with tf.Session(backend="reference", config=tf.ConfigProto(strict_feeds=True)) as s:
        with pytest.raises(TypeError, match=r"'count:0'.*strict_feeds=True"):
            s.run(i, {i: 1.5})


def test_strict_float_scalar_overflow_is_refused_on_the_fast_path_too():
    x = tf.placeholder(tf.float32, shape=[])
    y = x * 2.0
    with tf.Session(config=tf.ConfigProto(strict_feeds=True)) as s:
        for _ in range(3):
            assert s.run(y, {x: 1.0}) == 2.0
        with pytest.raises(TypeError, match="strict_feeds"):
            s.run(y, {x: 1e40})


# --- list_devices -------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_list_devices_returns_device_attributes(backend):
    with tf.Session(backend=backend) as s:
        devices = s.list_devices()
        again = s.list_devices()
    assert len(devices) == 1
    d = devices[0]
    assert d.name == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert d.device_type == "CPU"
    assert d.memory_limit_bytes == 268435456 and isinstance(d.memory_limit_bytes, int)
    assert isinstance(d.incarnation, int) and d.incarnation != 0
    assert again[0].incarnation == d.incarnation  # one session, one incarnation
    assert repr(d) == f"_DeviceAttributes({d.name}, CPU, 268435456, {d.incarnation})"


def test_device_requests_still_place_on_the_listed_device():
    with tf.device("/cpu:0"):
        a = tf.constant(2.0) * 3.0
    with tf.Session(backend="reference") as s:
        assert s.run(a) == 6.0


# --- against TensorFlow -------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    real = pytest.importorskip("tensorflow")
    v1 = real.compat.v1
    v1.disable_eager_execution()
    return v1


def feed_tf(tf1, dtype: str, value, shape=None):
    g = tf1.Graph()
    with g.as_default():
        p = tf1.placeholder(getattr(tf1, dtype), shape=shape)
        y = tf1.identity(p)
        with tf1.Session(graph=g) as s, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return s.run(y, {p: value})
            except Exception as e:  # noqa: BLE001
                return type(e)


@pytest.mark.tf
@pytest.mark.parametrize("backend", BACKENDS)
def test_feed_conversion_matches_tf(tf1, backend):
    for dtype, value, want in CASES:
        real = feed_tf(tf1, dtype, value)
        if isinstance(want, type):
            assert real is want, (dtype, value, real)  # the hand-computed table is TF's behaviour
        else:
            assert_same(real, want)
    for dtype, value in PLATFORM_CASES:
        real = feed_tf(tf1, dtype, value)
        assert_same(feed_flowjit(backend, dtype, value), real)


@pytest.mark.tf
def test_list_devices_matches_tf(tf1):
    with tf1.Session(graph=tf1.Graph()) as s:
        real = s.list_devices()
    with tf.Session(backend="reference") as s:
        ours = s.list_devices()
    assert [(d.name, d.device_type, d.memory_limit_bytes) for d in ours] == \
        [(d.name, d.device_type, d.memory_limit_bytes) for d in real if d.device_type == "CPU"]
    assert all(isinstance(d.incarnation, int) for d in ours)
