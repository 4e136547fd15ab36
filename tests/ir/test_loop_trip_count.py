"""ir/loops.static_trip_count: counted loops whose trip count is known while building, and the
loops it must leave unknown (a wrong count would be a wrong record shape)."""

from __future__ import annotations

import pytest

import flowjit as tf
from flowjit.ir.loops import static_trip_count


def _while_node(g):
    """The graph's first While (the forward loop when there is also a gradient loop)."""
    return next(op.node for op in g.get_operations() if op.type == "While")


def trips_of(cond, body, loop_vars, **kw):
    """`loop_vars`: a function making them (inside the loop's graph)."""
    g = tf.Graph()
    with g.as_default():
        tf.while_loop(cond, body, loop_vars(), **kw)
        node = _while_node(g)
        return static_trip_count(node.inputs, node.attrs)


@pytest.mark.parametrize("start,stop,step,want", [(0, 5, 1, 5), (0, 0, 1, 0), (3, 1, 1, 0), (0, 5, 2, 3),
                                                   (-4, 4, 3, 3), (0, 1, 7, 1)])
def test_counting_up_with_less(start, stop, step, want):
    assert trips_of(lambda i: i < stop, lambda i: i + step, lambda: [tf.constant(start)]) == want
    assert trips_of(lambda i: stop > i, lambda i: step + i, lambda: [tf.constant(start)]) == want  # bound on the left


@pytest.mark.parametrize("start,stop,step,want", [(0, 5, 1, 6), (0, 5, 2, 3), (6, 5, 1, 0)])
def test_counting_up_with_less_equal(start, stop, step, want):
    assert trips_of(lambda i: i <= stop, lambda i: i + step, lambda: [tf.constant(start)]) == want


@pytest.mark.parametrize("start,stop,step,want", [(4, 0, 1, 5), (4, -1, 2, 3), (-1, 0, 1, 0)])
def test_counting_down(start, stop, step, want):
    assert trips_of(lambda k: k >= stop, lambda k: k - step, lambda: [tf.constant(start)]) == want
    assert trips_of(lambda k: k > stop - 1, lambda k: k + (-step), lambda: [tf.constant(start)]) == want


def test_bound_captured_or_passed_through_and_other_loop_vars():
    g = tf.Graph()
    with g.as_default():
        n = tf.constant(7)
        tf.while_loop(lambda i, x: i < n, lambda i, x: (i + 1, x * 2.0), [tf.constant(2), tf.ones([3])])
        node = _while_node(g)
        assert static_trip_count(node.inputs, node.attrs) == 5
    # the bound as a loop variable the body returns unchanged
    assert trips_of(lambda i, m: i < m, lambda i, m: (i + 1, m), lambda: [tf.constant(0), tf.constant(4)]) == 4


def test_maximum_iterations_caps_the_count():
    assert trips_of(lambda i: i < 10, lambda i: i + 1, lambda: [tf.constant(0)], maximum_iterations=4) == 4
    assert trips_of(lambda i: i < 3, lambda i: i + 1, lambda: [tf.constant(0)], maximum_iterations=4) == 3
    # a counter moving away from its bound ends only by maximum_iterations
    assert trips_of(lambda i: i < 3, lambda i: i - 1, lambda: [tf.constant(0)], maximum_iterations=6) == 6
    assert trips_of(lambda i: i < 3, lambda i: i - 1, lambda: [tf.constant(0)]) is None


def test_unknown_counts_stay_unknown():
    g = tf.Graph()
    with g.as_default():
        n = tf.placeholder(tf.int32, [])
        tf.while_loop(lambda i: i < n, lambda i: i + 1, [tf.constant(0)])
        node = _while_node(g)
        assert static_trip_count(node.inputs, node.attrs) is None  # fed bound
    g = tf.Graph()
    with g.as_default():
        start = tf.placeholder(tf.int32, [])
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [start])
        node = _while_node(g)
        assert static_trip_count(node.inputs, node.attrs) is None  # fed start
    assert trips_of(lambda i, m: i < m, lambda i, m: (i + 1, m + 1), lambda: [tf.constant(0), tf.constant(4)]) is None
    assert trips_of(lambda i: i < 5, lambda i: i * 2, lambda: [tf.constant(1)]) is None  # not a constant step
    assert trips_of(lambda i: i < 5, lambda i: i + 0, lambda: [tf.constant(1)]) is None  # no progress
    assert trips_of(lambda x: tf.reduce_sum(x) < 5.0, lambda x: x + 1.0, lambda: [tf.zeros([2])]) is None


def test_recorded_values_of_a_counted_loop_are_statically_shaped():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3])
        _, y = tf.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, tf.sin(v) * v), [tf.constant(0), x])
        tf.gradients(tf.reduce_sum(y), x)
        node = _while_node(g)
        n_vars = len(node.attrs["body"].results) - node.attrs["num_exports"]
        records = node.outputs[n_vars:]
        assert records and all(r.shape.as_list()[0] == 4 for r in records)
