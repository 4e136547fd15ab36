"""Random ops and initializers: the streams differ from TF's by design, so each program
computes statistics (moments, bounds, shapes, orthogonality) that both must satisfy."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check  # noqa: E402

pytestmark = MARKS

N = 20000


def _close(tf, value, target, tol):
    return tf.abs(value - target) < tol


def random_ops(tf):
    tf.set_random_seed(1234)
    n = tf.random_normal([N], mean=2.0, stddev=3.0)
    u = tf.random_uniform([N], minval=-1.0, maxval=3.0)
    ui = tf.random_uniform([N], minval=-5, maxval=5, dtype=tf.int32)
    t = tf.truncated_normal([N], mean=1.0, stddev=0.5)
    g = tf.random_gamma([N], alpha=3.0, beta=2.0)
    m = tf.multinomial(tf.log([[0.1, 0.6, 0.3]]), N)
    s = tf.random_shuffle(tf.range(100))
    c = tf.random_crop(tf.reshape(tf.range(60), [6, 10]), [3, 4])
    mean, var = tf.nn.moments(n, [0])
    counts = [tf.reduce_mean(tf.cast(tf.equal(m, k), tf.float32)) for k in range(3)]
    checks = [_close(tf, mean, 2.0, 0.1), _close(tf, tf.sqrt(var), 3.0, 0.1),
              tf.reduce_min(u) >= -1.0, tf.reduce_max(u) < 3.0, _close(tf, tf.reduce_mean(u), 1.0, 0.05),
              tf.reduce_min(ui) >= -5, tf.reduce_max(ui) <= 4, tf.equal(tf.size(tf.unique(ui)[0]), 10),
              tf.reduce_max(tf.abs(t - 1.0)) <= 1.0, _close(tf, tf.reduce_mean(t), 1.0, 0.02),
              _close(tf, tf.reduce_mean(g), 1.5, 0.05), _close(tf, counts[1], 0.6, 0.02),
              _close(tf, counts[2], 0.3, 0.02),
              tf.reduce_all(tf.equal(-tf.nn.top_k(-s, 100).values, tf.range(100))),  # a permutation
              tf.reduce_all(tf.equal(c[:, 1:] - c[:, :-1], 1)), tf.reduce_all(tf.equal(c[1:, :] - c[:-1, :], 10))]
    outs = [n, u, ui, t, g, m, s, c]
    return P(fetch=checks, static=[[o.get_shape() for o in outs], [o.dtype for o in outs]])


def test_random_op_statistics():
    check(random_ops)


def seeded_determinism(tf):
    """With an op seed, two sessions give the same numbers (each framework its own)."""
    tf.set_random_seed(7)
    a = tf.random_normal([5], seed=3)
    b = tf.random_uniform([5], seed=3)

    def run(sess):
        first = sess.run([a, b])
        second = sess.run([a, b])
        return [bool(np.all(first[0] != second[0])), bool(np.all(first[1] != second[1]))]

    return P(run=run)


def test_successive_runs_draw_new_numbers():
    check(seeded_determinism)


INITIALIZERS = {
    "zeros": lambda tf: tf.zeros_initializer(),
    "ones": lambda tf: tf.ones_initializer(),
    "constant": lambda tf: tf.constant_initializer(0.5),
    "random_normal": lambda tf: tf.random_normal_initializer(0.5, 2.0),
    "random_uniform": lambda tf: tf.random_uniform_initializer(-2.0, 1.0),
    "truncated_normal": lambda tf: tf.truncated_normal_initializer(0.0, 0.5),
    "glorot_uniform": lambda tf: tf.glorot_uniform_initializer(),
    "glorot_normal": lambda tf: tf.glorot_normal_initializer(),
    "he": lambda tf: tf.variance_scaling_initializer(2.0),
    "lecun_uniform": lambda tf: tf.variance_scaling_initializer(1.0, "fan_in", "uniform"),
    "fan_avg_normal": lambda tf: tf.variance_scaling_initializer(1.0, "fan_avg", "truncated_normal"),
    "uniform_unit": lambda tf: tf.uniform_unit_scaling_initializer(1.5),
    "orthogonal": lambda tf: tf.orthogonal_initializer(2.0),
    "xavier": lambda tf: tf.contrib.layers.xavier_initializer(),
    "xavier_normal": lambda tf: tf.contrib.layers.xavier_initializer(uniform=False),
    "contrib_he": lambda tf: tf.contrib.layers.variance_scaling_initializer(),
}


UNTRUNCATED_NORMAL = {"random_normal"}  # its extremes are not bounds


def initializer_stats(tf, name):
    tf.set_random_seed(11)  # each framework deterministic; the two streams still differ
    shape = [60, 80, 3] if name not in ("orthogonal",) else [80, 60]
    v = tf.get_variable("v", shape, initializer=INITIALIZERS[name](tf))
    flat = tf.reshape(tf.cast(v, tf.float64), [-1])
    mean, var = tf.nn.moments(flat, [0])
    stats = [mean, tf.sqrt(var), tf.reduce_min(flat), tf.reduce_max(flat)]
    if name == "orthogonal":
        gram = tf.matmul(v, v, transpose_a=True) / 4.0  # gain 2: Q^T Q = 4 I
        stats.append(tf.cast(tf.reduce_max(tf.abs(gram - tf.eye(60))), tf.float64))
    return P(run=lambda sess: sess.run(stats), static=[v])


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_initializer_statistics(name):
    """The same distribution from a different stream: moments agree within sampling error
    (6 standard errors), bounds of bounded distributions within 2% of the spread."""
    import functools

    from .harness import flowjit_backends, run_flowjit, tf_outcome

    prog = functools.partial(initializer_stats, name=name)
    want = tf_outcome(prog)
    assert want.phase == "ok", want.error
    n = 60 * 80 * 3 if name != "orthogonal" else 80 * 60
    for backend in flowjit_backends():
        got = run_flowjit(prog, backend)
        assert got.phase == "ok", got.error
        assert got.static == want.static
        g, w = np.array(got.values, float), np.array(want.values, float)
        sigma = w[1]
        assert abs(g[0] - w[0]) <= 6 * sigma * np.sqrt(2.0 / n) + 1e-7, (g, w)
        assert abs(g[1] - w[1]) <= 6 * sigma * np.sqrt(1.0 / n) + 1e-7, (g, w)
        if name == "orthogonal":
            assert g[4] < 1e-4 and w[4] < 1e-4, (g, w)
        elif name not in UNTRUNCATED_NORMAL:
            np.testing.assert_allclose(g[2:4], w[2:4], atol=0.02 * (w[3] - w[2]) + 1e-7)
        assert np.all(np.abs(g[2:4] - g[0]) <= 6 * sigma + 1e-7), (g, w)
