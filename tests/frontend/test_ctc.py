"""tf.nn.ctc_loss and tf.nn.ctc_greedy_decoder: losses against every alignment enumerated by
hand, gradients against finite differences and the op's own gradient output, long sequences
(log space), TF's error words, both backends, and real TensorFlow as an oracle."""

import itertools

import numpy as np
import pytest

import flowjit as tf
from flowjit.runtime import available_backends
from checks import BACKENDS


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def decode_path(path, blank, merge_repeated):
    """What an alignment spells: repeats merged (if asked), then blanks dropped."""
    out, prev = [], None
    for c in path:
        if c != blank and not (merge_repeated and c == prev):
            out.append(c)
        prev = c
    return out


def brute_force_nll(logits, label, merge_repeated=True):
    """-log of the summed probability of every alignment of `label` ([T, C] logits)."""
    probs = softmax(logits.astype(np.float64))
    n_frames, n_classes = probs.shape
    total = 0.0
    for path in itertools.product(range(n_classes), repeat=n_frames):
        if decode_path(path, n_classes - 1, merge_repeated) == list(label):
            total += np.prod([probs[t, c] for t, c in enumerate(path)])
    return -np.log(total)


def sparse_labels(labels):
    ind = [[b, i] for b, lab in enumerate(labels) for i in range(len(lab))]
    val = [v for lab in labels for v in lab]
    return tf.SparseTensor(np.array(ind, np.int64).reshape(-1, 2), np.array(val, np.int32),
                           [len(labels), max(len(lab) for lab in labels)])


def run(backend, fetches, feed=None):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


# --- the hand-worked example --------------------------------------------------------------------

def test_two_label_example_worked_by_hand():
    """T = 3 frames, classes {a=0, b=1, blank=2}, label "ab". The alignments spelling ab are
    a a b, a b b, a b -, a - b, - a b: the loss is minus the log of their summed probability."""
    p = np.array([[0.5, 0.2, 0.3], [0.3, 0.4, 0.3], [0.1, 0.6, 0.3]])
    alignments = [(0, 0, 1), (0, 1, 1), (0, 1, 2), (0, 2, 1), (2, 0, 1)]
    want = -np.log(sum(p[0, x] * p[1, y] * p[2, z] for x, y, z in alignments))
    assert want == pytest.approx(brute_force_nll(np.log(p), [0, 1]))  # the enumeration agrees
    with tf.Graph().as_default():
        loss = tf.nn.ctc_loss(sparse_labels([[0, 1]]), np.log(p)[:, None, :], [3])
        for backend in ("reference", "cpu") if "cpu" in available_backends() else ("reference",):
            np.testing.assert_allclose(run(backend, loss), [want], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("merge_repeated", [True, False])
def test_losses_equal_brute_force_enumeration(backend, merge_repeated):
    rng = np.random.RandomState(0)
    labels = [[0, 1], [1, 1], [2], [0, 2, 0]]
    lengths = [5, 5, 3, 6]
    x = rng.randn(6, len(labels), 4)
    with tf.Graph().as_default():
        loss = tf.nn.ctc_loss(sparse_labels(labels), tf.constant(x), lengths, ctc_merge_repeated=merge_repeated)
        assert loss.shape.as_list() == [4] and loss.dtype == tf.float64
        got = run(backend, loss)
    want = [brute_force_nll(x[:n, b], lab, merge_repeated) for b, (lab, n) in enumerate(zip(labels, lengths))]
    np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_collapse_repeated_labels_and_batch_major_inputs(backend):
    rng = np.random.RandomState(1)
    x = rng.randn(5, 2, 3).astype(np.float32)
    with tf.Graph().as_default():
        labels = sparse_labels([[0, 0, 1], [1, 1]])
        collapsed = tf.nn.ctc_loss(labels, x, [5, 4], preprocess_collapse_repeated=True)
        batch_major = tf.nn.ctc_loss(labels, np.transpose(x, [1, 0, 2]), [5, 4], time_major=False)
        time_major = tf.nn.ctc_loss(labels, x, [5, 4])
        got = run(backend, [collapsed, batch_major, time_major])
    want = [brute_force_nll(x[:5, 0], [0, 1]), brute_force_nll(x[:4, 1], [1])]
    np.testing.assert_allclose(got[0], want, rtol=1e-5)
    np.testing.assert_allclose(got[1], got[2], rtol=1e-6)
    np.testing.assert_allclose(got[2], [brute_force_nll(x[:5, 0], [0, 0, 1]), brute_force_nll(x[:4, 1], [1, 1])],
                               rtol=1e-5)


# --- gradients -------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_vs_finite_differences_and_the_op_output(backend):
    rng = np.random.RandomState(2)
    x = rng.randn(5, 2, 4)
    weights = np.array([0.7, -1.3])
    with tf.Graph().as_default():
        inputs = tf.placeholder(tf.float64, x.shape)
        loss = tf.nn.ctc_loss(sparse_labels([[0, 2], [1]]), inputs, [5, 3])
        total = tf.reduce_sum(loss * weights)
        (grad,) = tf.gradients(total, [inputs])
        with tf.Session(backend=backend) as sess:
            got, op_grad = sess.run([grad, loss.op.outputs[1]], {inputs: x})
            num = np.zeros_like(x)
            eps = 1e-6
            for i in np.ndindex(x.shape):
                d = np.zeros_like(x)
                d[i] = eps
                num[i] = (sess.run(total, {inputs: x + d}) - sess.run(total, {inputs: x - d})) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, op_grad * weights[None, :, None], rtol=1e-12)
    assert np.all(op_grad[3:, 1] == 0)  # frames past a sequence's end get no gradient
    np.testing.assert_allclose(op_grad[:3].sum(-1), 0, atol=1e-12)  # softmax minus a posterior


def test_second_derivative_is_refused_as_in_tf():
    with tf.Graph().as_default():
        x = tf.constant(np.zeros([3, 1, 3], np.float32))
        (g,) = tf.gradients(tf.nn.ctc_loss(sparse_labels([[0]]), x, [3]), [x])
        with pytest.raises(LookupError, match="Gradient explicitly disabled. Reason: b\"Currently there is no way "
                                              "to take the second  derivative of ctc_loss"):
            tf.gradients(g, [x])


@pytest.mark.parametrize("backend", BACKENDS)
def test_long_sequences_stay_finite_in_log_space(backend):
    """2,000 frames of a 30-class softmax: the path probability is far below float64's range
    (about e^-6000), yet the loss is finite and the gradient exact."""
    rng = np.random.RandomState(3)
    n_frames, n_classes = 2000, 30
    x = rng.randn(n_frames, 1, n_classes).astype(np.float32)
    label = list(rng.randint(0, n_classes - 1, size=200))
    with tf.Graph().as_default():
        loss = tf.nn.ctc_loss(sparse_labels([label]), x, [n_frames])
        (grad,) = tf.gradients(loss, [loss.op.inputs[0]])
        got, g = run(backend, [loss, grad])
    assert np.isfinite(got[0]) and got[0] > 1000 * np.log(2)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(-1), 0, atol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_valid_path_is_an_infinite_loss_with_the_softmax_as_gradient(backend):
    x = np.random.RandomState(4).randn(2, 1, 3).astype(np.float32)
    with tf.Graph().as_default():
        loss = tf.nn.ctc_loss(sparse_labels([[1, 1]]), x, [2])  # "bb" needs a blank between: 3 frames
        got, g = run(backend, [loss, loss.op.outputs[1]])
    assert got[0] == np.inf
    np.testing.assert_allclose(g, softmax(x), rtol=1e-6)


# --- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_run_time_errors_use_tf_words_and_name_the_node(backend):
    x = np.zeros([4, 2, 3], np.float32)
    cases = [
        (lambda: sparse_labels([[0, 1], [1]]), [5, 3], r"sequence_length\(0\) <= 4"),
        (lambda: sparse_labels([[0, 1], [1]]), [1, 3],
         r"Not enough time for target transition sequence \(required: 2, available: 1\)0You can turn this error "
         "into a warning"),
        (lambda: tf.SparseTensor([[0, 0], [0, 1]], np.int32([1, 1]), [2, 2]), [4, 3],
         "Labels length is zero in batch 1"),
        (lambda: tf.SparseTensor([[0, 1], [0, 0], [1, 0]], np.int32([1, 1, 0]), [2, 2]), [4, 3],
         r"label SparseTensor is not valid: indices\[1\] = \[0,0\] is out of order"),
        (lambda: sparse_labels([[0, 1], [1]]), [-1, 3], r"seq_len\(0\) < 0"),
        (lambda: sparse_labels([[-1, 0], [1]]), [4, 3],
         "All labels must be nonnegative integers, batch: 0 labels: -1,0"),
        (lambda: sparse_labels([[2, 0], [1]]), [4, 3], "Saw a non-null label .* following a null label, batch: 0"),
    ]
    for labels, lengths, words in cases:
        with tf.Graph().as_default():
            loss = tf.nn.ctc_loss(labels(), x, lengths)
            with pytest.raises(tf.errors.InvalidArgumentError, match=words) as info:
                run(backend, loss)
            assert "CTCLoss" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ignore_longer_outputs_than_inputs_gives_zero(backend):
    x = np.random.RandomState(5).randn(4, 2, 3).astype(np.float32)
    with tf.Graph().as_default():
        loss = tf.nn.ctc_loss(sparse_labels([[0, 1], [1]]), x, [1, 3], ignore_longer_outputs_than_inputs=True)
        got, g = run(backend, [loss, loss.op.outputs[1]])
    assert got[0] == 0 and np.all(g[:, 0] == 0)
    assert got[1] == pytest.approx(brute_force_nll(x[:3, 1], [1]), rel=1e-5)


def test_build_time_errors():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="Expected argument `labels` to be a SparseTensor. Received labels="):
            tf.nn.ctc_loss(tf.constant([[1]]), np.zeros([4, 1, 3], np.float32), [4])
        with pytest.raises(TypeError, match="labels_values must be one of \\['int32'\\], got float32"):
            tf.nn.ctc_loss(tf.SparseTensor([[0, 0]], [1.0], [1, 1]), np.zeros([4, 1, 3], np.float32), [4])
        with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2"):
            tf.nn.ctc_loss(sparse_labels([[0]]), tf.ones([4, 3]), [4])


# --- greedy decoding -------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("merge_repeated", [True, False])
def test_greedy_decoder_vs_numpy(backend, merge_repeated):
    rng = np.random.RandomState(6)
    x = rng.randn(6, 3, 4).astype(np.float32)
    x[1, 0] = x[0, 0]  # a repeat to merge
    lengths = [6, 4, 0]
    with tf.Graph().as_default():
        (decoded,), neg_sum = tf.nn.ctc_greedy_decoder(x, lengths, merge_repeated=merge_repeated)
        assert isinstance(decoded, tf.SparseTensor) and neg_sum.shape.as_list() == [3, 1]
        got, logp = run(backend, [decoded, neg_sum])
    rows = [decode_path(np.argmax(x[:n, b], -1).tolist(), 3, merge_repeated) for b, n in enumerate(lengths)]
    ind = [[b, i] for b, r in enumerate(rows) for i in range(len(r))]
    np.testing.assert_array_equal(got.indices, np.array(ind).reshape(-1, 2))
    np.testing.assert_array_equal(got.values, [v for r in rows for v in r])
    assert got.values.dtype == np.int64
    np.testing.assert_array_equal(got.dense_shape, [3, max(len(r) for r in rows)])
    np.testing.assert_allclose(logp[:, 0], [-x[:n, b].max(-1).sum() for b, n in enumerate(lengths)], rtol=1e-6)
    assert logp[2, 0] == 0 and not np.signbit(logp[2, 0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_greedy_decoder_sequence_too_long(backend):
    with tf.Graph().as_default():
        (decoded,), _ = tf.nn.ctc_greedy_decoder(np.zeros([4, 2, 3], np.float32), [5, 3])
        with pytest.raises(tf.errors.FailedPreconditionError, match=r"sequence_length\(0\) <= 4"):
            run(backend, decoded.values)


# --- real TensorFlow ------------------------------------------------------------------------------

@pytest.mark.tf
def test_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    rng = np.random.RandomState(7)
    x = rng.randn(8, 3, 5).astype(np.float32)
    ind = np.array([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], np.int64)
    val = np.array([0, 3, 3, 1, 1, 2], np.int32)

    def prog(t):
        labels = t.SparseTensor(ind, val, [3, 3])
        inputs = t.constant(x)
        fetch = []
        for kw in ({}, {"ctc_merge_repeated": False}, {"preprocess_collapse_repeated": True}):
            loss = t.nn.ctc_loss(labels, inputs, [8, 6, 3], **kw)
            fetch += [loss, t.gradients(t.reduce_sum(loss * [1.0, 2.0, -0.5]), inputs)[0]]
        (decoded,), neg_sum = t.nn.ctc_greedy_decoder(inputs, [8, 6, 3])
        (unmerged,), _ = t.nn.ctc_greedy_decoder(inputs, [8, 6, 3], merge_repeated=False)
        fetch += [decoded.indices, decoded.values, decoded.dense_shape, neg_sum, unmerged.values]
        return P(fetch=fetch)

    check(prog, rtol=1e-5, atol=1e-6, names=False)
