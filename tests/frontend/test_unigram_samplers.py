"""tf.nn.fixed_unigram_candidate_sampler and learned_unigram_candidate_sampler: expected counts
by hand, sampled frequencies against the distribution, reserved ids, shards, vocab files,
per-session learning, errors, and expected counts against real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf

TRUE = np.array([[0], [3]], np.int64)


def run(build, runs=1, backend=None):
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(7)
        out = build()
    with tf.Session(graph=g, backend=backend) as s:
        return [s.run(out) for _ in range(runs)]


@pytest.mark.parametrize("backend", ["reference", None])
def test_fixed_unigram_expected_counts_and_frequencies(backend):
    unigrams = [1.0, 2.0, 3.0, 4.0]
    n = 20000
    (sampled, true_exp, samp_exp), = run(lambda: tf.nn.fixed_unigram_candidate_sampler(
        TRUE, 1, n, False, 4, unigrams=unigrams, distortion=0.5), backend=backend)
    p = np.sqrt(unigrams) / np.sqrt(unigrams).sum()
    np.testing.assert_allclose(true_exp[:, 0], n * p[[0, 3]], rtol=1e-6)
    np.testing.assert_allclose(samp_exp, n * p[sampled], rtol=1e-6)
    freq = np.bincount(sampled, minlength=4) / n
    np.testing.assert_allclose(freq, p, atol=0.015)  # ~5 sigma at n = 20000


def test_fixed_unigram_reserved_ids_shards_and_vocab_file(tmp_path):
    # reserved ids weigh 0: never drawn
    (s, _, _), = run(lambda: tf.nn.fixed_unigram_candidate_sampler(TRUE, 1, 500, False, 5, unigrams=[1, 1, 1],
                                                                    num_reserved_ids=2))
    assert s.min() >= 2 and s.max() <= 4
    # shard 1 of 2 over ids [r0, r1, u0..u3]: ids 1, 3, 5 -> weights 0, 2, 4 (local ids 0..2)
    (s, t, _), = run(lambda: tf.nn.fixed_unigram_candidate_sampler(
        np.array([[1]], np.int64), 1, 600, False, 3, unigrams=[1, 2, 3, 4], num_reserved_ids=2, num_shards=2,
        shard=1))
    assert set(np.unique(s)) <= {1, 2} and t[0, 0] == pytest.approx(600 * 2 / 6)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("the,10\nof,5\nand,5\n")
    (s, t, _), = run(lambda: tf.nn.fixed_unigram_candidate_sampler(np.array([[0]], np.int64), 1, 8, False, 3,
                                                                    vocab_file=str(vocab)))
    assert t[0, 0] == pytest.approx(8 * 10 / 20)
    with pytest.raises(tf.errors.InvalidArgumentError, match="range_max \\(4\\) must equal"):
        run(lambda: tf.nn.fixed_unigram_candidate_sampler(TRUE, 1, 2, False, 4, unigrams=[1, 2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Must provide either vocab_file or unigrams"):
        run(lambda: tf.nn.fixed_unigram_candidate_sampler(TRUE, 1, 2, False, 4))
    with pytest.raises(ValueError, match="shard must be in"):
        tf.nn.fixed_unigram_candidate_sampler(TRUE, 1, 2, False, 4, unigrams=[1] * 4, num_shards=2, shard=2)


def test_fixed_unigram_unique_draws_distinct_ids():
    (s, t, se), = run(lambda: tf.nn.fixed_unigram_candidate_sampler(TRUE, 1, 4, True, 6, unigrams=[6, 5, 4, 3, 2, 1]))
    assert len(set(s.tolist())) == 4
    assert np.all((se > 0) & (se <= 1))  # 1 - (1 - p)^tries


@pytest.mark.parametrize("backend", ["reference", None])
def test_learned_unigram_learns_in_the_session(backend):
    true = np.array([[2], [2]], np.int64)
    runs = run(lambda: tf.nn.learned_unigram_candidate_sampler(true, 1, 10, False, 4), runs=3, backend=backend)
    # run 1: all counts 1 -> p = 1/4; then class 2 counts twice more: [1, 1, 3, 1] -> p(2) = 1/2
    np.testing.assert_allclose(runs[0][1][:, 0], [2.5, 2.5], rtol=1e-6)
    np.testing.assert_allclose(runs[1][1][:, 0], [5.0, 5.0], rtol=1e-6)
    np.testing.assert_allclose(runs[2][1][:, 0], [10 * 5 / 8, 10 * 5 / 8], rtol=1e-6)
    # a second session starts from scratch
    again = run(lambda: tf.nn.learned_unigram_candidate_sampler(true, 1, 10, False, 4))
    np.testing.assert_allclose(again[0][1][:, 0], [2.5, 2.5], rtol=1e-6)


@pytest.mark.tf
def test_expected_counts_against_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    true = np.array([[1, 2], [3, 0]], np.int64)
    g = tf1.Graph()
    with g.as_default():
        fixed = tf1.nn.fixed_unigram_candidate_sampler(true, 2, 6, False, 6, unigrams=[5, 1, 2, 3], distortion=0.75,
                                                       num_reserved_ids=2, seed=1)
        learned = tf1.nn.learned_unigram_candidate_sampler(true, 2, 6, False, 5, seed=1)
        with tf1.Session() as s:
            want = [s.run([fixed.true_expected_count, learned.true_expected_count]) for _ in range(3)]
    got = run(lambda: [tf.nn.fixed_unigram_candidate_sampler(true, 2, 6, False, 6, unigrams=[5, 1, 2, 3],
                                                             distortion=0.75, num_reserved_ids=2, seed=1)[1],
                       tf.nn.learned_unigram_candidate_sampler(true, 2, 6, False, 5, seed=1)[1]], runs=3)
    for w, g_ in zip(want, got):
        for a, b in zip(w, g_):
            np.testing.assert_allclose(b, a, rtol=1e-5)
