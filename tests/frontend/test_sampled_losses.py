"""tf.nn.nce_loss / sampled_softmax_loss with explicit sampled_values (exact vs NumPy and TF),
their gradients (vs finite differences), the candidate samplers' distributions and expected
counts, compute_accidental_hits, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors

BACKENDS = ["reference", "cpu"]
FLT_MAX = np.finfo(np.float32).max

RS = np.random.RandomState(0)
W = RS.randn(10, 4)
B = RS.randn(10)
X = RS.randn(3, 4)
LABELS = np.array([[1, 2], [3, 1], [0, 9]], np.int64)
SAMPLED = np.array([1, 5, 7, 5], np.int64)
TRUE_EXP = RS.rand(3, 2) + 0.1
SAMPLED_EXP = RS.rand(4) + 0.1


def _np_logits(remove_hits: bool):
    """NumPy transcription of TF's _compute_sampled_logits (num_true=2, subtract_log_q)."""
    true_logits = np.einsum("bd,btd->bt", X, W[LABELS]) + B[LABELS] - np.log(TRUE_EXP)
    sampled_logits = X @ W[SAMPLED].T + B[SAMPLED]
    if remove_hits:
        last = {int(v): j for j, v in enumerate(SAMPLED)}
        for i, row in enumerate(LABELS):
            for c in row:
                if int(c) in last:
                    sampled_logits[i, last[int(c)]] += -FLT_MAX
    sampled_logits = sampled_logits - np.log(SAMPLED_EXP)
    logits = np.concatenate([true_logits, sampled_logits], 1)
    labels = np.concatenate([np.full((3, 2), 0.5), np.zeros((3, 4))], 1)
    return logits, labels


def _np_nce(remove_hits=False):
    x, z = _np_logits(remove_hits)
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).sum(1)


def _np_sampled_softmax(remove_hits=True):
    x, z = _np_logits(remove_hits)
    m = x.max(1, keepdims=True)
    logp = x - m - np.log(np.exp(x - m).sum(1, keepdims=True))
    return -(z * logp).sum(1)


def _sv(dtype=tf.float32):
    return (tf.constant(SAMPLED), tf.constant(TRUE_EXP, dtype), tf.constant(SAMPLED_EXP, dtype))


@pytest.mark.parametrize("backend", BACKENDS)
def test_losses_with_explicit_sampled_values(backend):
    with tf.Graph().as_default():
        w, b, x = tf.constant(W, tf.float32), tf.constant(B, tf.float32), tf.constant(X, tf.float32)
        nce = tf.nn.nce_loss(w, b, LABELS, x, 4, 10, num_true=2, sampled_values=_sv())
        nce_hits = tf.nn.nce_loss(w, b, LABELS, x, 4, 10, num_true=2, sampled_values=_sv(),
                                  remove_accidental_hits=True)
        ssm = tf.nn.sampled_softmax_loss(w, b, LABELS, x, 4, 10, num_true=2, sampled_values=_sv())
        ssm_div = tf.nn.sampled_softmax_loss([w[:5], w[5:]], b, LABELS, x, 4, 10, num_true=2,
                                             sampled_values=_sv(), partition_strategy="div")
        ssm_mod = tf.nn.sampled_softmax_loss([w[0::2], w[1::2]], b, LABELS, x, 4, 10, num_true=2,
                                             sampled_values=_sv(), remove_accidental_hits=False)
        assert nce.shape.as_list() == [3] and ssm.shape.as_list() == [3]
        assert nce.name == "Reshape:0"  # as TF: _sum_rows runs outside the nce_loss scope
        with tf.Session(backend=backend) as s:
            got = s.run([nce, nce_hits, ssm, ssm_div, ssm_mod])
    np.testing.assert_allclose(got[0], _np_nce(False), rtol=1e-5)
    np.testing.assert_allclose(got[1], _np_nce(True), rtol=1e-5)
    np.testing.assert_allclose(got[2], _np_sampled_softmax(True), rtol=1e-5)
    np.testing.assert_allclose(got[3], _np_sampled_softmax(True), rtol=1e-5)
    np.testing.assert_allclose(got[4], _np_sampled_softmax(False), rtol=1e-5)


@pytest.mark.parametrize("loss", ["nce", "softmax"])
def test_gradients_match_finite_differences(loss):
    fn = tf.nn.nce_loss if loss == "nce" else tf.nn.sampled_softmax_loss
    with tf.Graph().as_default():
        w = tf.placeholder(tf.float64, [10, 4])
        b = tf.placeholder(tf.float64, [10])
        x = tf.placeholder(tf.float64, [3, 4])
        total = tf.reduce_sum(fn(w, b, LABELS, x, 4, 10, num_true=2, sampled_values=_sv(tf.float64)))
        grads = tf.gradients(total, [w, b, x])
        with tf.Session(backend="reference") as s:
            feed = {w: W, b: B, x: X}
            got = s.run(grads, feed)
            for k, (ph, val) in enumerate(((w, W), (b, B), (x, X))):
                num = np.zeros_like(val)
                for idx in np.ndindex(val.shape):
                    hi, lo = val.copy(), val.copy()
                    hi[idx] += 1e-6
                    lo[idx] -= 1e-6
                    num[idx] = (s.run(total, {**feed, ph: hi}) - s.run(total, {**feed, ph: lo})) / 2e-6
                np.testing.assert_allclose(got[k], num, rtol=1e-5, atol=1e-7)
            assert np.any(got[0] != 0) and np.all(got[0][[4, 6, 8]] == 0)  # rows never looked up


def _log_uniform_p(k, n):
    return (np.log(k + 2.0) - np.log(k + 1.0)) / np.log(n + 1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_samplers_distribution_and_expected_counts(backend):
    with tf.Graph().as_default():
        tc = tf.constant([[0], [3]], tf.int64)
        lu = tf.nn.log_uniform_candidate_sampler(tc, 1, 5000, False, 20, seed=3)
        un = tf.nn.uniform_candidate_sampler(tc, 1, 4000, False, 8, seed=4)
        lu_u = tf.nn.log_uniform_candidate_sampler(tc, 1, 6, True, 20, seed=5)
        un_u = tf.nn.uniform_candidate_sampler(tc, 1, 8, True, 8)
        assert lu.sampled_candidates.shape.as_list() == [5000]
        assert lu.true_expected_count.shape.as_list() == [2, 1]
        with tf.Session(backend=backend) as s:
            a, b, c, d = s.run([lu, un, lu_u, un_u])
            again = s.run(lu_u)
    p = _log_uniform_p(np.arange(20), 20)
    counts = np.bincount(a.sampled_candidates, minlength=20)
    assert counts.sum() == 5000 and a.sampled_candidates.min() >= 0 and a.sampled_candidates.max() < 20
    sd = np.sqrt(5000 * p * (1 - p))
    assert np.all(np.abs(counts - 5000 * p) < 5 * sd + 1)
    np.testing.assert_allclose(a.true_expected_count[:, 0], 5000 * p[[0, 3]], rtol=1e-5)
    np.testing.assert_allclose(a.sampled_expected_count, 5000 * p[a.sampled_candidates], rtol=1e-5)
    uc = np.bincount(b.sampled_candidates, minlength=8)
    assert np.all(np.abs(uc - 500) < 5 * np.sqrt(4000 / 8 * 7 / 8))
    np.testing.assert_allclose(b.sampled_expected_count, 4000 / 8, rtol=1e-6)
    # unique: distinct candidates; expected counts 1 - (1 - p)^tries for one tries >= num_sampled
    assert len(set(c.sampled_candidates)) == 6
    tries = np.log1p(-c.sampled_expected_count.astype(np.float64)) / np.log1p(-p[c.sampled_candidates])
    assert tries.min() >= 6 - 1e-3 and np.allclose(tries, np.round(tries[0]), atol=1e-2)
    np.testing.assert_allclose(c.true_expected_count[:, 0], -np.expm1(np.round(tries[0]) * np.log1p(-p[[0, 3]])),
                               rtol=1e-4)
    assert sorted(d.sampled_candidates) == list(range(8))  # all of the range
    assert len(set(again.sampled_candidates)) == 6  # a second run draws again, still unique


def test_seeded_sampler_is_deterministic():
    def draw():
        with tf.Graph().as_default():
            out = tf.nn.log_uniform_candidate_sampler([[1]], 1, 50, False, 100, seed=7)
            with tf.Session(backend="reference") as s:
                return s.run(out.sampled_candidates)
    np.testing.assert_array_equal(draw(), draw())


@pytest.mark.parametrize("backend", BACKENDS)
def test_compute_accidental_hits(backend):
    with tf.Graph().as_default():
        h = tf.nn.compute_accidental_hits(tf.constant([[1, 2], [3, 5], [0, 9]], tf.int64),
                                          tf.constant([5, 1, 7, 5], tf.int64), num_true=2)
        with tf.Session(backend=backend) as s:
            got = s.run(h)
    np.testing.assert_array_equal(got.indices, [0, 1])
    np.testing.assert_array_equal(got.ids, [1, 3])  # the last position of the repeated 5
    np.testing.assert_array_equal(got.weights, [-FLT_MAX, -FLT_MAX])
    assert got.indices.dtype == np.int32 and got.ids.dtype == np.int64


def test_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="num_true=2 columns"):
            tf.nn.log_uniform_candidate_sampler(tf.constant([[1]], tf.int64), 2, 3, True, 10)
        with pytest.raises(TypeError, match="int64"):
            tf.nn.uniform_candidate_sampler(tf.constant([[1]], tf.int32), 1, 3, True, 10)
        with pytest.raises(ValueError, match="sampled_values"):
            tf.nn.nce_loss(tf.zeros([10, 4]), tf.zeros([10]), [[1]], tf.zeros([1, 4]), 2, 10,
                           sampled_values=(tf.constant([1, 2], tf.int64),))
        out = tf.nn.uniform_candidate_sampler(tf.constant([[1]], tf.int64), 1, 5, True, 3)
        with tf.Session(backend="reference") as s:
            with pytest.raises(errors.InvalidArgumentError, match="range is too small") as e:
                s.run(out.sampled_candidates)
            assert "UniformCandidateSampler" in str(e.value)


@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(tf):
        w, b, x = tf.constant(W, tf.float32), tf.constant(B, tf.float32), tf.constant(X, tf.float32)
        sv = (tf.constant(SAMPLED), tf.constant(TRUE_EXP, tf.float32), tf.constant(SAMPLED_EXP, tf.float32))
        nce = tf.nn.nce_loss(w, b, LABELS, x, 4, 10, num_true=2, sampled_values=sv, remove_accidental_hits=True)
        ssm = tf.nn.sampled_softmax_loss([w[:5], w[5:]], b, LABELS, x, 4, 10, num_true=2, sampled_values=sv,
                                         partition_strategy="div")
        grads = tf.gradients(tf.reduce_sum(nce) + tf.reduce_sum(ssm), [w, x])
        hits = tf.nn.compute_accidental_hits(tf.constant(LABELS), sv[0], num_true=2)
        samp = tf.nn.log_uniform_candidate_sampler(tf.constant(LABELS), 2, 5, True, 10)
        return P(fetch=[nce, ssm, [tf.convert_to_tensor(g) for g in grads], list(hits)],
                 static=[t.get_shape().as_list() for t in samp])

    # names=False: softmax_cross_entropy_with_logits_v2's and the gradients' internal names differ
    check(prog, rtol=1e-5, atol=1e-6, names=False)
