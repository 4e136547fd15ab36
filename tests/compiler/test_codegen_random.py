"""Hypothesis-generated random graphs: the cpu backend must agree with the reference backend.

A graph is grown op by op from a few placeholders of broadcast-compatible shapes: elementwise
unary and binary ops, reductions over random axes, softmax, transposes, reshapes, slices,
concatenation and casts, so fusion, stages, row regions and materialization all get exercised.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flowjit as tf
import flowjit.runtime.devices.cpu  # noqa: F401  (registers the cpu backend)

UNARY = [tf.tanh, tf.sigmoid, tf.abs, tf.negative, tf.square, tf.nn.relu, lambda x: tf.sqrt(tf.abs(x)),
         lambda x: tf.log(tf.abs(x) + 1.0), lambda x: tf.exp(tf.minimum(x, 5.0)), tf.floor, tf.nn.softplus]
BINARY = [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum, lambda x, y: x / (tf.abs(y) + 0.5),
          lambda x, y: tf.where_v2(x > y, x, y * 2.0)]


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def graphs(draw):
    """A recipe: input shapes and a list of steps, replayed inside a tf.Graph by `build`."""
    rows = draw(st.integers(1, 9))
    cols = draw(st.integers(1, 9))
    shapes = draw(st.lists(st.sampled_from([(rows, cols), (cols,), (rows, 1), (), (1, cols)]), min_size=1,
                           max_size=3))
    steps = []
    pool = list(shapes)  # static shapes of the values built so far
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "softmax", "shape", "concat"]))
        i = draw(st.integers(0, len(pool) - 1))
        s = pool[i]
        if kind == "unary":
            steps.append(("unary", i, draw(st.integers(0, len(UNARY) - 1))))
            pool.append(s)
        elif kind == "binary":
            j = draw(st.integers(0, len(pool) - 1))
            if not _broadcastable(s, pool[j]):
                continue
            steps.append(("binary", i, j, draw(st.integers(0, len(BINARY) - 1))))
            pool.append(np.broadcast_shapes(s, pool[j]))
        elif kind == "reduce":
            rank = len(s)
            axes = draw(st.lists(st.integers(0, max(rank - 1, 0)), unique=True, max_size=rank)) if rank else []
            keep = draw(st.booleans())
            op = draw(st.sampled_from(["sum", "max", "mean", "min"]))
            steps.append(("reduce", i, op, axes or None, keep))
            if not axes:
                pool.append(tuple(1 for _ in s) if keep else ())
            else:
                pool.append(tuple(1 if k in axes else d for k, d in enumerate(s)) if keep else
                            tuple(d for k, d in enumerate(s) if k not in axes))
        elif kind == "softmax":
            if not s:
                continue
            steps.append(("softmax", i))
            pool.append(s)
        elif kind == "shape":
            if len(s) == 2:
                which = draw(st.sampled_from(["transpose", "reshape", "slice"]))
                if which == "transpose":
                    steps.append(("transpose", i))
                    pool.append((s[1], s[0]))
                elif which == "reshape":
                    steps.append(("reshape", i))
                    pool.append((s[0] * s[1],))
                elif s[0] > 1:
                    steps.append(("slice", i))
                    pool.append((s[0] - 1, s[1]))
        elif kind == "concat":
            j = draw(st.integers(0, len(pool) - 1))
            if len(s) >= 1 and len(pool[j]) == len(s) and pool[j][1:] == s[1:]:
                steps.append(("concat", i, j))
                pool.append((s[0] + pool[j][0],) + s[1:])
    outs = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=3, unique=True))
    seed = draw(st.integers(0, 2**31 - 1))
    return shapes, steps, outs, seed


def build(shapes, steps, outs):
    phs = [tf.placeholder(tf.float32, s) for s in shapes]
    vals = list(phs)
    for step in steps:
        kind = step[0]
        if kind == "unary":
            vals.append(UNARY[step[2]](vals[step[1]]))
        elif kind == "binary":
            vals.append(BINARY[step[3]](vals[step[1]], vals[step[2]]))
        elif kind == "reduce":
            _, i, op, axes, keep = step
            fn = {"sum": tf.reduce_sum, "max": tf.reduce_max, "mean": tf.reduce_mean, "min": tf.reduce_min}[op]
            vals.append(fn(vals[i], axes, keepdims=keep))
        elif kind == "softmax":
            vals.append(tf.nn.softmax(vals[step[1]]))
        elif kind == "transpose":
            vals.append(tf.transpose(vals[step[1]]) * 1.5)
        elif kind == "reshape":
            vals.append(tf.reshape(vals[step[1]], [-1]) + 0.25)
        elif kind == "slice":
            vals.append(vals[step[1]][1:] * 2.0)
        elif kind == "concat":
            vals.append(tf.concat([vals[step[1]], vals[step[2]]], 0))
    return phs, [vals[k] for k in outs]


def run_and_compare(recipe):
    shapes, steps, outs, seed = recipe
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        phs, fetches = build(shapes, steps, outs)
    feeds = {p: (rng.standard_normal(s) * 2).astype(np.float32) for p, s in zip(phs, shapes)}
    results = {}
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            results[backend] = s.run(fetches, feeds)
            if backend == "cpu":
                ex = list(s._cache.values())[-1].executable
                assert ex.fallback_ops == {}, ex.fallback_ops
    for r, c in zip(results["reference"], results["cpu"]):
        r, c = np.asarray(r), np.asarray(c)
        assert r.shape == c.shape and r.dtype == c.dtype
        np.testing.assert_allclose(c, r, rtol=2e-4, atol=2e-4, equal_nan=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_agree(recipe):
    run_and_compare(recipe)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_agree_many(recipe):
    run_and_compare(recipe)
