"""A host step whose kernel returns a view of a temporary (a Slice of an arena buffer) must not
keep pointing into the arena: later native segments reuse those bytes."""

from __future__ import annotations

import numpy as np

import flowjit as tf
from flowjit.frontend.ops import control_flow


def test_host_slice_of_a_temporary_survives_later_native_code():
    tf.reset_default_graph()
    x0 = np.random.RandomState(6).uniform(0, 1, (2, 5, 6, 3)).astype(np.float32)
    d = tf.placeholder(tf.float32, [None, None, None, 3])
    x = d[0]  # a temporary in the arena
    h = tf.shape(x)[0]
    start = tf.cast((tf.cast(h, tf.float64) * 0.3) / 2, tf.int32)
    window = tf.slice(x, tf.stack([start, 0, 0]), tf.stack([h - 2 * start, -1, -1]))  # dynamic begin: a host step
    checked = control_flow.with_dependencies([tf.assert_positive(tf.shape(d)[-3:])], d)  # another host step after
    other = tf.slice(checked, [0, 0, 1, 0], [-1, 2, 4, -1])
    with tf.Session() as s:
        got, rest = s.run([window, other], {d: x0})
        assert list(s._cache.values())[-1].executable.fallback_ops  # the Slice did run on the host
    np.testing.assert_array_equal(got, x0[0])
    np.testing.assert_array_equal(rest, x0[:, :2, 1:5])
