"""tf.nn and tf.losses under flowjit and real TensorFlow: convolutions and pooling in their
variants, normalization, cross entropies, losses with weights and reductions, embeddings."""

import functools

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check, data  # noqa: E402

pytestmark = MARKS

IMG = data(50, [2, 7, 6, 3])
FILT = data(51, [3, 2, 3, 4], scale=0.5)


def convs(tf, padding):
    x = tf.placeholder(tf.float32, [None, 7, 6, 3])
    w = tf.constant(FILT)
    outs = [tf.nn.conv2d(x, w, [1, 1, 1, 1], padding), tf.nn.conv2d(x, w, [1, 2, 2, 1], padding),
            tf.nn.conv2d(x, w, [1, 3, 1, 1], padding),
            tf.nn.conv2d(x, w, [1, 1, 1, 1], padding, dilations=[1, 2, 2, 1]),
            tf.nn.conv2d(x, w, strides=[1, 2, 1, 1], padding=padding, use_cudnn_on_gpu=False),
            tf.nn.convolution(x, w, padding, strides=[2, 2]),
            tf.nn.depthwise_conv2d(x, tf.constant(data(52, [2, 2, 3, 2])), [1, 1, 1, 1], padding),
            tf.nn.depthwise_conv2d(x, tf.constant(data(52, [2, 2, 3, 2])), [1, 2, 2, 1], padding),
            tf.nn.separable_conv2d(x, tf.constant(data(53, [2, 2, 3, 2])), tf.constant(data(54, [1, 1, 6, 5])),
                                   [1, 1, 1, 1], padding),
            tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], padding),
            tf.nn.max_pool(x, [1, 3, 3, 1], [1, 1, 2, 1], padding),
            tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], padding),
            tf.nn.avg_pool(x, [1, 3, 2, 1], [1, 2, 1, 1], padding),
            tf.nn.pool(x, [2, 2], "MAX", padding, strides=[2, 2]), tf.nn.pool(x, [2, 3], "AVG", padding),
            tf.nn.conv1d(tf.reshape(x, [-1, 42, 3]), tf.constant(data(55, [3, 3, 2])), 2, padding),
            tf.nn.max_pool2d(x, 2, 2, padding)]
    return P(fetch=outs, feed={x: IMG}, static=[o.get_shape() for o in outs])


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_convolutions_and_pooling(padding):
    check(functools.partial(convs, padding=padding), rtol=1e-5, atol=1e-5, names="scope")


def atrous(tf, padding):
    """TF builds a dilated convolution from SpaceToBatch/BatchToSpace: values only."""
    x = tf.placeholder(tf.float32, [None, 7, 6, 3])
    outs = [tf.nn.atrous_conv2d(x, tf.constant(FILT), 2, padding),
            tf.nn.convolution(x, tf.constant(FILT), padding, dilation_rate=[2, 1])]
    return P(fetch=outs, feed={x: IMG}, static=[o.get_shape() for o in outs])


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_dilated_convolutions(padding):
    check(functools.partial(atrous, padding=padding), rtol=1e-5, atol=1e-5, names=False)


def conv_transpose(tf):
    x = tf.placeholder(tf.float32, [2, 4, 3, 4])
    w = tf.constant(FILT)
    outs = [tf.nn.conv2d_transpose(x, w, [2, 7, 6, 3], [1, 2, 2, 1], "SAME"),
            tf.nn.conv2d_transpose(x, w, [2, 9, 4, 3], [1, 2, 1, 1], "VALID"),
            tf.nn.conv2d_backprop_input([2, 7, 6, 3], w, x, [1, 2, 2, 1], "SAME"),
            tf.nn.conv2d_backprop_filter(tf.constant(IMG), [3, 2, 3, 4], x, [1, 2, 2, 1], "SAME")]
    return P(fetch=outs, feed={x: data(56, [2, 4, 3, 4])}, static=[o.get_shape() for o in outs])


def test_conv_transpose_and_backprops():
    check(conv_transpose, rtol=1e-5, atol=1e-5)


def activations(tf):
    x = tf.constant(data(57, [3, 5]) * 3.0)
    outs = [tf.nn.relu(x), tf.nn.relu6(x), tf.nn.crelu(x), tf.nn.elu(x), tf.nn.selu(x), tf.nn.leaky_relu(x, 0.1),
            tf.nn.softplus(x), tf.nn.softsign(x), tf.nn.sigmoid(x), tf.nn.tanh(x), tf.nn.softmax(x),
            tf.nn.softmax(x, axis=0), tf.nn.softmax(x, dim=0), tf.nn.log_softmax(x), tf.nn.log_softmax(x, axis=0),
            tf.nn.bias_add(x, tf.range(5.0)), tf.nn.xw_plus_b(x, tf.ones([5, 2]), [1.0, -1.0]),
            tf.nn.relu_layer(x, tf.ones([5, 2]), [1.0, -1.0]), tf.nn.l2_normalize(x, 1), tf.nn.l2_normalize(x, dim=0),
            tf.nn.zero_fraction(tf.nn.relu(x)), tf.nn.softmax(tf.reshape(x, [5, 3, 1]), axis=1)]
    return P(fetch=outs, static=[o.get_shape() for o in outs])


def test_activations():
    check(activations, rtol=1e-5, atol=1e-6)


def cross_entropies(tf):
    logits = tf.placeholder(tf.float32, [None, 4])
    onehot = tf.placeholder(tf.float32, [None, 4])
    sparse = tf.placeholder(tf.int64, [None])
    targets = tf.placeholder(tf.float32, [None, 4])
    outs = [tf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=logits),
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot, logits=logits),
            tf.nn.softmax_cross_entropy_with_logits(labels=tf.nn.softmax(targets), logits=logits),
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=logits),
            tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(sparse, tf.int32), logits=logits),
            tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits),
            tf.nn.weighted_cross_entropy_with_logits(targets=targets, logits=logits, pos_weight=2.0),
            tf.nn.log_poisson_loss(targets * 3.0, logits), tf.nn.log_poisson_loss(targets * 3.0, logits, True)]
    feed = {logits: data(58, [5, 4]) * 4.0, onehot: np.eye(4, dtype=np.float32)[[0, 3, 1, 1, 2]],
            sparse: [0, 3, 1, 1, 2], targets: np.abs(data(59, [5, 4])) % 1.0}
    return P(fetch=outs, feed=feed, static=[o.get_shape() for o in outs])


def test_cross_entropies():
    # the results' names are TF-version internals (TF 1.15 reshapes the cost, TF 2 not always)
    check(cross_entropies, rtol=1e-5, atol=1e-6, names=False)


def sparse_xent_bad_label(tf):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[5], logits=[[1.0, 2.0]])


def test_sparse_xent_label_out_of_range():
    check(sparse_xent_bad_label, expect="run")


def xent_rank_mismatch(tf):
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[1]], logits=[[1.0, 2.0]])


def test_sparse_xent_rank_mismatch():
    check(xent_rank_mismatch, expect="build")


def normalization(tf):
    x = tf.placeholder(tf.float32, [4, 3, 3, 2])
    mean, var = tf.nn.moments(x, [0, 1, 2])
    mk, vk = tf.nn.moments(x, [1], keep_dims=True)
    counts, msum, vsum, shift = tf.nn.sufficient_statistics(x, [0, 1, 2])
    nm, nv = tf.nn.normalize_moments(counts, msum, vsum, None)
    wm, wv = tf.nn.weighted_moments(x, [1, 2], tf.constant(data(60, [4, 1, 1, 2]) ** 2))
    bn = tf.nn.batch_normalization(x, mean, var, tf.constant([0.1, 0.2]), tf.constant([1.5, 0.5]), 1e-3)
    bn_none = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    fy, fm, fv = tf.nn.fused_batch_norm(x, tf.constant([1.5, 0.5]), tf.constant([0.1, 0.2]))
    fm, fv = fm + 0.0, fv + 0.0  # TF's fused kernel returns them as its outputs 1 and 2: values only
    iy, _, _ = tf.nn.fused_batch_norm(x, tf.constant([1.5, 0.5]), tf.constant([0.1, 0.2]), mean=mean, variance=var,
                                      is_training=False)
    lrn = tf.nn.local_response_normalization(x, depth_radius=1, bias=0.5, alpha=0.2, beta=0.6)
    lrn2 = tf.nn.lrn(x)
    outs = [mean, var, mk, vk, counts, msum, vsum, nm, nv, wm, wv, bn, bn_none, fy, fm, fv, iy, lrn, lrn2]
    return P(fetch=outs, feed={x: data(61, [4, 3, 3, 2]) * 2.0 + 1.0}, static=[o.get_shape() for o in outs])


def test_normalization():
    check(normalization, rtol=1e-4, atol=1e-5, names="scope")


def embeddings_and_topk(tf):
    params = tf.constant(data(62, [6, 3]))
    ids = tf.placeholder(tf.int32, [None, 2])
    v, i = tf.nn.top_k(tf.constant([[1.0, 5.0, 3.0, 5.0], [0.0, -1.0, 2.0, 2.0]]), k=2)
    v1, i1 = tf.nn.top_k(tf.constant([3, 1, 2]))
    outs = [tf.nn.embedding_lookup(params, ids), tf.nn.embedding_lookup(params, [5, 0]),
            tf.nn.embedding_lookup([params[:3], params[3:]], [0, 1, 4, 5]),
            tf.nn.embedding_lookup([params[:3], params[3:]], [0, 1, 4, 5], partition_strategy="div"),
            v, i, v1, i1, tf.nn.in_top_k(tf.constant([[1.0, 5.0, 3.0], [2.0, 2.0, 1.0]]), [2, 1], 1),
            tf.nn.in_top_k(tf.constant([[1.0, 5.0, 3.0], [2.0, 2.0, 1.0]]), [2, 2], 2),
            tf.nn.dropout(params, keep_prob=1.0), tf.nn.dropout(params, rate=0.0)]
    return P(fetch=outs, feed={ids: [[1, 2], [3, 3]]}, static=[o.get_shape() for o in outs])


def test_embeddings_and_top_k():
    check(embeddings_and_topk, names="scope")


def dropout_statistics(tf):
    x = tf.ones([400, 50])
    d = tf.nn.dropout(x, keep_prob=0.75)
    d2 = tf.nn.dropout(x, rate=0.25, noise_shape=[400, 1])
    kept = tf.reduce_mean(tf.cast(d > 0, tf.float32))
    row_consistent = tf.reduce_all(tf.logical_or(tf.equal(tf.reduce_min(d2, 1), tf.reduce_max(d2, 1)), False))
    return P(fetch=[tf.abs(kept - 0.75) < 0.02, tf.reduce_max(d), row_consistent], static=[d.get_shape()])


def test_dropout_statistics():
    check(dropout_statistics)


LOSSES = ["mean_squared_error", "absolute_difference", "huber_loss", "log_loss", "hinge_loss", "cosine_distance",
          "softmax_cross_entropy", "sparse_softmax_cross_entropy", "sigmoid_cross_entropy"]
REDUCTIONS = ["SUM_BY_NONZERO_WEIGHTS", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "NONE"]


def losses_prog(tf, name, reduction):
    labels01 = tf.constant((np.abs(data(63, [4, 3])) > 0.5).astype(np.float32))
    preds = tf.constant(np.abs(data(64, [4, 3])) % 1.0 * 0.9 + 0.05)
    logits = tf.constant(data(65, [4, 3]) * 2.0)
    weights = tf.constant([[1.0], [0.0], [2.0], [0.5]])
    red = getattr(tf.losses.Reduction, reduction)
    fn = getattr(tf.losses, name)
    kw = {"reduction": red}
    outs = []
    for w in (1.0, weights):
        if name in ("mean_squared_error", "absolute_difference", "huber_loss", "log_loss"):
            outs.append(fn(labels01, preds, weights=w, **kw))
        elif name == "hinge_loss":
            outs.append(fn(labels01, logits, weights=w, **kw))
        elif name == "cosine_distance":
            outs.append(fn(tf.nn.l2_normalize(labels01 + 0.1, 1), tf.nn.l2_normalize(preds, 1), axis=1, weights=w,
                           **kw))
        elif name == "softmax_cross_entropy":
            outs.append(fn(tf.one_hot([0, 2, 1, 1], 3), logits, weights=tf.reshape(w, [-1]) if w is weights else w,
                           label_smoothing=0.1, **kw))
        elif name == "sparse_softmax_cross_entropy":
            outs.append(fn([0, 2, 1, 1], logits, weights=w, **kw))
        else:
            outs.append(fn(labels01, logits, weights=w, label_smoothing=0.2, **kw))
    collected = tf.losses.get_losses()
    return P(fetch=outs + [tf.losses.get_total_loss()], static=[len(collected), [o.get_shape() for o in outs]])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", LOSSES)
def test_losses(name, reduction):
    check(functools.partial(losses_prog, name=name, reduction=reduction), rtol=1e-5, atol=1e-6,
          names=reduction != "NONE" or "scope")


def regularization(tf):
    x = tf.constant(data(66, [3, 4]))
    d = tf.layers.dense(x, 2, kernel_regularizer=tf.contrib.layers.l2_regularizer(0.1))
    c = tf.contrib.layers.fully_connected(x, 2, weights_regularizer=tf.contrib.layers.l1_regularizer(0.05),
                                          biases_regularizer=tf.contrib.layers.l2_regularizer(0.5))
    with tf.variable_scope("reg", regularizer=tf.contrib.layers.l2_regularizer(0.01)):
        v = tf.get_variable("v", [3], initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
    penalty = tf.contrib.layers.apply_regularization(tf.contrib.layers.l1_l2_regularizer(0.1, 0.2), [v])
    losses = tf.losses.get_regularization_losses()
    total = tf.losses.get_regularization_loss()

    def run(sess):
        from .harness import load_weights

        load_weights(tf, sess)
        return sess.run([d, c, losses, total, penalty])

    return P(run=run, static=[[t.name for t in losses], total, [t.get_shape() for t in losses]])


def test_regularization_losses():
    check(regularization, rtol=1e-5, atol=1e-6)
