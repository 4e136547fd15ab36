"""tf.gradients under flowjit and real TensorFlow: composite models w.r.t. every variable, and
op by op (float64, broadcasting, reductions, indexing, control flow)."""

import functools

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check, data, load_weights  # noqa: E402

pytestmark = MARKS


def _grads_of(tf, loss, xs):
    grads = tf.gradients(loss, xs)
    return [g if g is not None else tf.constant(-1.0) for g in grads], [g is None for g in grads]


def mlp(tf, xent):
    x = tf.placeholder(tf.float32, [None, 5], name="x")
    labels = tf.placeholder(tf.float32, [None, 3], name="labels")
    h1 = tf.layers.dense(x, 7, activation=tf.nn.relu)
    h2 = tf.layers.dense(h1, 6, activation=tf.tanh)
    logits = tf.layers.dense(h2, 3)
    if xent == "v1":
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    elif xent == "v2":
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits))
    elif xent == "manual":
        loss = tf.reduce_mean(-tf.reduce_sum(labels * tf.log(tf.nn.softmax(logits)), reduction_indices=[1]))
    elif xent == "sigmoid":
        loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits))
    else:
        loss = tf.losses.softmax_cross_entropy(labels, logits)
    xs = tf.trainable_variables() + [x]
    grads, missing = _grads_of(tf, loss, xs)
    feed = {x: data(1, [8, 5]), labels: np.eye(3, dtype=np.float32)[np.arange(8) % 3]}

    def run(sess):
        load_weights(tf, sess)
        return sess.run([loss] + grads, feed)

    return P(run=run, static=[missing, [v.name for v in xs], [g.get_shape() for g in grads]])


@pytest.mark.parametrize("xent", ["v1", "v2", "manual", "sigmoid", "losses"])
def test_mlp_gradients(xent):
    check(functools.partial(mlp, xent=xent), rtol=1e-4, atol=1e-6)


def convnet(tf):
    x = tf.placeholder(tf.float32, [None, 12, 12, 2], name="x")
    labels = tf.placeholder(tf.int64, [None])
    w1 = tf.Variable(tf.zeros([3, 3, 2, 4]), name="w1")
    b1 = tf.Variable(tf.zeros([4]), name="b1")
    c1 = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME"), b1))
    p1 = tf.nn.max_pool(c1, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    w2 = tf.Variable(tf.zeros([3, 3, 4, 5]), name="w2")
    c2 = tf.nn.elu(tf.nn.conv2d(p1, w2, [1, 2, 2, 1], "VALID"))
    p2 = tf.nn.avg_pool(c2, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    flat = tf.reshape(p2, [-1, 2 * 2 * 5])
    w3 = tf.Variable(tf.zeros([20, 4]), name="w3")
    b3 = tf.Variable(tf.zeros([4]), name="b3")
    logits = tf.matmul(flat, w3) + b3
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    loss += 1e-3 * tf.add_n([tf.nn.l2_loss(w) for w in (w1, w2, w3)])
    xs = [w1, b1, w2, w3, b3, x]
    grads, missing = _grads_of(tf, loss, xs)
    feed = {x: data(2, [3, 12, 12, 2]), labels: [0, 3, 1]}

    def run(sess):
        load_weights(tf, sess)
        return sess.run([loss, logits] + grads, feed)

    return P(run=run, static=[missing, [g.get_shape() for g in grads], loss])


def test_convnet_gradients():
    check(convnet, rtol=1e-4, atol=1e-6)


def contrib_cnn_gradients(tf):
    images = tf.placeholder(tf.float32, [None, 10, 10, 1])
    labels = tf.placeholder(tf.int32, [None])
    x = tf.contrib.layers.conv2d(images, 4, [3, 3])
    x = tf.contrib.layers.max_pool2d(x, [2, 2])
    x = tf.contrib.layers.flatten(x)
    x = tf.contrib.layers.fully_connected(x, 8)
    logits = tf.contrib.layers.linear(x, 3)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
    grads, missing = _grads_of(tf, loss, tf.trainable_variables())

    def run(sess):
        load_weights(tf, sess, scale=0.2)
        return sess.run([loss] + grads, {images: data(3, [4, 10, 10, 1]), labels: [0, 1, 2, 1]})

    return P(run=run, static=[missing, loss, [v.name for v in tf.trainable_variables()]])


def test_contrib_cnn_gradients():
    check(contrib_cnn_gradients, rtol=1e-4, atol=1e-6)


# --- op by op -----------------------------------------------------------------------------

X = data(4, [3, 4], dtype=np.float64)
POS = np.abs(X) + 0.5
Y = data(5, [1, 4], dtype=np.float64)

UNARY_GRADS = ["abs", "negative", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "sin", "cos", "tan",
               "asin", "acos", "atan", "sinh", "cosh", "asinh", "tanh", "sigmoid", "log_sigmoid", "erf", "erfc",
               "reciprocal", "nn.relu", "nn.relu6", "nn.elu", "nn.selu", "nn.softplus", "nn.softsign",
               "nn.leaky_relu", "nn.softmax", "nn.log_softmax", "sign", "floor", "round", "nn.l2_loss",
               "reduce_logsumexp", "math.reduce_std", "nn.l2_normalize", "nn.swish", "identity", "stop_gradient",
               "transpose", "matrix_transpose", "reduce_prod", "cumsum", "cumprod", "atanh", "acosh"]


def _fn(tf, dotted):
    obj = tf
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def unary_grad(tf, name):
    domain = {"sqrt": POS, "rsqrt": POS, "log": POS, "reciprocal": POS, "log1p": POS,
              "asin": X * 0.3, "acos": X * 0.3, "atanh": X * 0.3, "acosh": POS + 1.0, "tan": X * 0.5}.get(name, X)
    x = tf.placeholder(tf.float64, [None, 4])
    w = tf.constant(data(6, [3, 4], dtype=np.float64))
    y = _fn(tf, name)(x)
    loss = tf.reduce_sum(y * w[:, :y.get_shape().as_list()[1]] if y.get_shape().ndims == 2 and
                         y.get_shape().as_list()[0] is None else y * 1.5)
    g = tf.gradients(loss, x)[0]
    return P(fetch=[y, g] if g is not None else [y], feed={x: domain}, static=[g is None])


@pytest.mark.parametrize("name", UNARY_GRADS)
def test_unary_gradients(name):
    # the gradient's own node is a TF internal (mul, SqrtGrad ...): its scope is compared; for
    # composites (log_sigmoid, TF's custom-gradient swish) not even that
    check(functools.partial(unary_grad, name=name), rtol=1e-9, atol=1e-12,
          names=False if name in ("log_sigmoid", "nn.swish") else "scope")


BINARY_GRADS = ["add", "subtract", "multiply", "truediv", "divide", "pow", "maximum", "minimum",
                "squared_difference", "atan2", "div_no_nan", "math.xlogy", "math.xdivy", "floordiv", "mod",
                "truncatediv", "realdiv", "matmul_t"]


def binary_grad(tf, name):
    x = tf.placeholder(tf.float64, [3, 4])
    y = tf.placeholder(tf.float64, [1, 4])
    if name == "matmul_t":
        z = tf.matmul(x, y, transpose_b=True)
    else:
        z = _fn(tf, name)(x, y)
    w = tf.constant(data(7, [3, 4], dtype=np.float64))
    loss = tf.reduce_sum(z * w[:, :z.get_shape().as_list()[1]])
    grads = tf.gradients(loss, [x, y])
    fetch = [z] + [g for g in grads if g is not None]
    xv = POS if name in ("pow", "math.xlogy") else X
    yv = np.abs(Y) + 0.5 if name in ("math.xlogy", "pow", "math.xdivy") else Y
    return P(fetch=fetch, feed={x: xv, y: yv}, static=[[g is None for g in grads]])


@pytest.mark.parametrize("name", BINARY_GRADS)
def test_binary_gradients_broadcasting(name):
    check(functools.partial(binary_grad, name=name), rtol=1e-9, atol=1e-12, names="scope")


def structural_grads(tf):
    x = tf.placeholder(tf.float64, [3, 4])
    i = tf.constant([2, 0, 2])
    fns = [lambda t: tf.reduce_sum(t, 1), lambda t: tf.reduce_mean(t, 0, keep_dims=True),
           lambda t: tf.reduce_max(t, 1), lambda t: tf.reduce_min(t), lambda t: tf.gather(t, i),
           lambda t: tf.gather(t, [1, 3], axis=1), lambda t: tf.gather_nd(t, [[0, 1], [2, 2], [0, 1]]),
           lambda t: tf.concat([t, t * 2.0], 1), lambda t: tf.stack([t, t], 2), lambda t: tf.unstack(t)[1],
           lambda t: tf.split(t, 2, 1)[1], lambda t: t[1:, ::2], lambda t: t[..., -1], lambda t: tf.reshape(t, [2, 6]),
           lambda t: tf.tile(t, [2, 1]), lambda t: tf.pad(t, [[1, 0], [0, 2]]), lambda t: tf.reverse(t, [1]),
           lambda t: tf.where(t > 0.0, t, -2.0 * t), lambda t: tf.clip_by_value(t, -0.5, 0.5),
           lambda t: tf.expand_dims(t, 1), lambda t: tf.squeeze(tf.expand_dims(t, 0)),
           lambda t: tf.slice(t, [1, 1], [2, 2]),
           lambda t: tf.boolean_mask(t, [True, False, True]), lambda t: tf.cast(t, tf.float32),
           lambda t: tf.transpose(t) @ t, lambda t: tf.nn.moments(t, [0])[1], lambda t: tf.norm(t, axis=1),
           lambda t: tf.clip_by_norm(t, 1.0), lambda t: tf.nn.dropout(t, keep_prob=1.0),
           lambda t: tf.maximum(t, tf.reduce_mean(t)), lambda t: tf.add_n([t, t, 3.0 * t]),
           lambda t: tf.nn.top_k(t, 2).values, lambda t: tf.strided_slice(t, [0, 1], [3, 4], [2, 2]),
           lambda t: tf.one_hot(i, 4, dtype=tf.float64) * t, lambda t: tf.broadcast_to(t[:1], [3, 4]),
           lambda t: tf.tensordot(t, t, [[1], [1]])]
    w = tf.constant(data(8, [64], dtype=np.float64))
    fetch = []
    for f in fns:
        y = tf.reshape(tf.cast(f(x), tf.float64), [-1])
        loss = tf.reduce_sum(y * w[:tf.size(y)])
        # TF's gathers give IndexedSlices, flowjit's gradients are dense (documented): compare dense
        fetch.append(tf.convert_to_tensor(tf.gradients(loss, x)[0]))
    return P(fetch=fetch, feed={x: X})


def test_structural_gradients():
    check(structural_grads, rtol=1e-9, atol=1e-12, names=False)


def gradient_features(tf):
    x = tf.placeholder(tf.float64, [3])
    y = tf.placeholder(tf.float64, [3])
    z = x * y + tf.sin(x)
    u = tf.constant(5.0, tf.float64)
    stopped = tf.stop_gradient(x * 2.0) * x
    outs = [tf.gradients(z, [x, y]), tf.gradients(z, x, grad_ys=tf.constant([1.0, 2.0, 3.0], tf.float64)),
            tf.gradients([z, x * x], x), tf.gradients(stopped, x), tf.gradients(z, [x, u])[0],
            tf.gradients(z, x, stop_gradients=[y]), tf.gradients(tf.reduce_sum(z * z), [z, x]),
            tf.hessians(tf.reduce_sum(x * x * y), x), tf.gradients(z, x, name="named")]
    unconnected = [tf.gradients(z, u)[0] is None, tf.gradients(tf.constant(1.0), x)[0] is None]
    return P(fetch=outs, feed={x: [1.0, 2.0, 3.0], y: [0.5, -1.0, 2.0]}, static=[unconnected])


def test_gradient_features():
    check(gradient_features, rtol=1e-12, atol=1e-12, names="scope")


def integer_and_zero_grads(tf):
    x = tf.placeholder(tf.float32, [4])
    k = tf.argmax(x, 0)
    g1 = tf.gradients(tf.cast(k, tf.float32) * x, x)[0]
    g2 = tf.gradients(tf.reduce_sum(tf.round(x) + tf.floor(x) + tf.sign(x)), x)[0]
    g3 = tf.gradients(tf.reduce_sum(tf.nn.relu(x)), x)[0]  # relu'(0) is 0
    g4 = tf.gradients(tf.reduce_max(tf.stack([x, x])), x)[0]  # ties share the gradient
    g5 = tf.gradients(tf.reduce_sum(tf.abs(x)), x)[0]
    g6 = tf.gradients(tf.reduce_sum(tf.sqrt(x)), x)[0]  # inf at 0
    g7 = tf.gradients(tf.reduce_sum(tf.maximum(x, 1.0)), x)[0]  # ties go to x
    return P(fetch=[g1, g2, g3, g4, g5, g6, g7], feed={x: [0.0, 1.0, -2.0, 1.0]})


def test_gradients_at_kinks():
    check(integer_and_zero_grads, names="scope")


def control_flow_grads(tf):
    x = tf.placeholder(tf.float64, [])
    p = tf.placeholder(tf.bool, [])
    c = tf.cond(p, lambda: x * x * 3.0, lambda: tf.sin(x))
    i, acc = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a * x + 1.0), [0, tf.constant(1.0, tf.float64)])
    w = tf.Variable(tf.constant([0.5, -1.0], tf.float64))
    loop_w = tf.while_loop(lambda k, v: k < 3, lambda k, v: (k + 1, v * w), [0, tf.ones([2], tf.float64)])[1]
    grads = [tf.gradients(c, x)[0], tf.gradients(acc, x)[0], tf.gradients(tf.reduce_sum(loop_w), w)[0],
             tf.gradients(tf.cond(p, lambda: acc, lambda: c), x)[0]]

    def run(sess):
        return [sess.run(grads, {x: 1.5, p: True}), sess.run(grads, {x: -0.5, p: False})]

    return P(run=run)


def test_control_flow_gradients():
    check(control_flow_grads, rtol=1e-12, atol=1e-12)


def batch_norm_grads(tf):
    x = tf.placeholder(tf.float64, [6, 3])
    mean, var = tf.nn.moments(x, [0])
    gamma = tf.constant([1.0, 2.0, 0.5], tf.float64)
    beta = tf.constant([0.0, 0.1, -0.1], tf.float64)
    y = tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)
    loss = tf.reduce_sum(y * tf.constant(data(9, [6, 3], dtype=np.float64)))
    img = tf.placeholder(tf.float32, [2, 3, 3, 2])
    fy, fm, fv = tf.nn.fused_batch_norm(img, tf.constant([1.0, 0.5]), tf.constant([0.0, 1.0]))
    floss = tf.reduce_sum(fy * tf.constant(data(10, [2, 3, 3, 2])))
    return P(fetch=[y, tf.gradients(loss, x)[0], fy, fm, fv, tf.gradients(floss, img)[0]],
             feed={x: data(11, [6, 3], dtype=np.float64), img: data(12, [2, 3, 3, 2])})


def test_batch_norm_gradients():
    check(batch_norm_grads, rtol=1e-5, atol=1e-6, names=False)
