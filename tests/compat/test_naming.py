"""Node names TF1 programs rely on: automatic op names, name scopes, variable scopes,
get_variable, tf.layers and tf.contrib.layers variables, gradients, optimizer slots."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check  # noqa: E402

pytestmark = MARKS


def auto_names(tf):
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = a + b
    d = a + b
    e = a * b
    f = tf.add(a, b)
    g = tf.multiply(a, b)
    h = a - b
    i = a / b
    j = -a
    k = tf.matmul([[1.0]], [[2.0]])
    l = a ** b  # noqa: E741
    m = tf.constant(7) // 2
    n = tf.constant(7) % 2
    o = tf.abs(a)
    p = a < b
    q = tf.reduce_sum([a, b])
    r = tf.identity(a)
    s = tf.placeholder(tf.float32)
    t = tf.placeholder(tf.float32)
    u = tf.cast(a, tf.int32)
    v = tf.reshape(k, [1])
    w = tf.square(a)
    x = tf.sqrt(a)
    y = 3.0 * a
    z = a + 1
    return P(static=[a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z])


def test_automatic_op_names():
    check(auto_names)


def more_auto_names(tf):
    """Not here: random_uniform and linspace, whose internals TF 2 rewrote (flowjit names them as
    TF 1.15 does: `random_uniform:0`, `LinSpace:0`)."""
    x = tf.placeholder(tf.float32, [None, 3])
    outs = [tf.nn.relu(x), tf.nn.softmax(x), tf.nn.sigmoid(x), tf.tanh(x), tf.exp(x), tf.log(x),
            tf.reduce_mean(x), tf.reduce_max(x, 1), tf.argmax(x, 1), tf.concat([x, x], 1), tf.stack([x, x]),
            tf.transpose(x), tf.expand_dims(x, 0), tf.squeeze(tf.expand_dims(x, 0)), tf.shape(x), tf.size(x),
            tf.rank(x), tf.zeros([2]), tf.ones([2]), tf.fill([2], 1.0), tf.zeros_like(x), tf.ones_like(x),
            tf.range(5), tf.one_hot([1, 2], 3), tf.gather(x, [0]), tf.tile(x, [1, 2]), tf.pad(x, [[1, 1], [0, 0]]),
            tf.slice(x, [0, 0], [1, 1]), x[0], x[:, 1:], tf.equal(x, x), tf.maximum(x, 0.0), tf.minimum(x, 0.0),
            tf.where(x > 0.0, x, x), tf.clip_by_value(x, 0.0, 1.0), tf.nn.l2_loss(x), tf.add_n([x, x]),
            tf.reduce_sum(x, reduction_indices=[1], keep_dims=True), tf.nn.bias_add(x, [1.0, 2.0, 3.0]),
            tf.nn.dropout(x, keep_prob=1.0), tf.stop_gradient(x), tf.sign(x), tf.round(x), tf.floor(x),
            tf.nn.log_softmax(x), tf.nn.softplus(x), tf.nn.elu(x), tf.nn.relu6(x), tf.nn.leaky_relu(x),
            tf.split(x, 3, axis=1), tf.unstack(x, axis=1), tf.reverse(x, [1]), tf.cumsum(x, 1),
            tf.reduce_prod(x), tf.reduce_min(x), tf.reduce_any(x > 0), tf.reduce_all(x > 0),
            tf.logical_not(x > 0), tf.logical_and(x > 0, x < 1), tf.random_normal([2]),
            tf.truncated_normal([2]), tf.count_nonzero(x), tf.nn.moments(x, [0]),
            tf.to_float(tf.constant(1)), tf.to_int32(x), tf.nn.top_k(x, 2), tf.sequence_mask([1, 2], 3),
            tf.boolean_mask(x, [True, False, True], axis=1), tf.norm(x)]
    return P(static=outs)


def test_more_automatic_op_names():
    check(more_auto_names)


def name_scopes(tf):
    with tf.name_scope("layer1"):
        a = tf.constant(1.0, name="a")
        b = tf.add(a, a)
        with tf.name_scope("inner"):
            c = b * 2.0
        with tf.name_scope("inner"):
            d = b * 2.0
    with tf.name_scope("layer1"):
        e = tf.constant(1.0, name="a")
    with tf.name_scope("layer1/"):  # re-enter verbatim
        f = tf.constant(1.0, name="a")
    with tf.name_scope(None):
        g = tf.constant(1.0)
    with tf.name_scope("outer") as scope:
        h = tf.identity(a, name=scope)
        with tf.name_scope(""):
            i = tf.constant(3.0)
    with tf.name_scope("x", "default", [a]) as s2:
        j = tf.identity(a)
    with tf.name_scope(None, "default", [a]) as s3:
        k = tf.identity(a)
    with tf.name_scope(None, "default", [a]) as s4:
        l = tf.identity(a)  # noqa: E741
    m = tf.constant(0.0, name="layer1")
    n = tf.constant(0.0, name="a/b")
    o = tf.constant(0.0, name="Layer1")
    return P(static=[a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, scope, s2, s3, s4,
                     tf.get_default_graph().get_name_scope()])


def test_name_scopes():
    check(name_scopes)


def variable_names(tf):
    v1 = tf.Variable(1.0)
    v2 = tf.Variable(2.0)
    v3 = tf.Variable(3.0, name="w")
    v4 = tf.Variable(4.0, name="w")
    with tf.name_scope("scope"):
        v5 = tf.Variable(5.0)
        v6 = tf.get_variable("gv", shape=[2])
    v7 = tf.Variable([1, 2], name="ints")
    reads = [v.value() for v in (v1, v2, v3, v4, v5, v6)]
    ops = [v.op for v in (v1, v2, v3, v4, v5, v6, v7)]
    inits = [v.initializer for v in (v1, v2, v5, v6)]
    initial = [v1.initial_value, v3.initial_value]
    used = v1 + v2
    return P(static=[v1, v2, v3, v4, v5, v6, v7, reads, ops, inits, initial, used,
                     [v.name for v in tf.global_variables()], [v.name for v in tf.trainable_variables()],
                     v1.dtype.base_dtype, v7.dtype.base_dtype, v6.get_shape()],
             fetch=[v1, v7, used])


def test_variable_names():
    check(variable_names)


def variable_scopes(tf):
    with tf.variable_scope("foo"):
        a = tf.get_variable("v", [1])
        b = tf.constant(1.0)
        with tf.variable_scope("bar"):
            c = tf.get_variable("v", [1])
            d = tf.constant(1.0)
    with tf.variable_scope("foo", reuse=True):
        e = tf.get_variable("v", [1])
        f = tf.constant(1.0)
    with tf.variable_scope("foo") as scope:
        scope.reuse_variables()
        g = tf.get_variable("bar/v", [1])
    with tf.variable_scope(scope):
        h = tf.constant(1.0)
    with tf.variable_scope(scope, reuse=True):
        i = tf.get_variable("v")
    with tf.variable_scope(None, default_name="dflt"):
        j = tf.get_variable("v", [1])
    with tf.variable_scope(None, default_name="dflt"):
        k = tf.get_variable("v", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        m = tf.get_variable("v", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        n = tf.get_variable("v", [1])
    with tf.name_scope("ns"):
        with tf.variable_scope("vs"):
            o = tf.get_variable("v", [1])
            p = tf.constant(1.0)
    with tf.variable_scope("dflt_1"):
        q = tf.constant(1.0)
    with tf.variable_scope(None, default_name="dflt"):
        r = tf.get_variable("v", [1])
    return P(static=[a, b, c, d, e, f, g, h, i, j, k, m, n, o, p, q, r, a is e, c is g, m is n,
                     scope.name, scope.original_name_scope,
                     [v.name for v in tf.global_variables()]])


def test_variable_scopes():
    check(variable_scopes)


def variable_scope_reentry_counts(tf):
    """Re-entering a scope resets the default-name counts below it (so layers share names)."""
    names = []
    for _ in range(2):
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            with tf.variable_scope(None, default_name="block"):
                names.append(tf.get_variable("w", [1]).name)
            with tf.variable_scope(None, default_name="block"):
                names.append(tf.get_variable("w", [1]).name)
    with tf.name_scope("dense"):
        pass
    with tf.variable_scope(None, default_name="dense"):
        names.append(tf.get_variable("w", [1]).name)
        names.append(tf.constant(1.0).name)
    with tf.variable_scope("dense_1"):
        pass
    with tf.variable_scope(None, default_name="dense"):
        names.append(tf.get_variable("w", [1]).name)
    return P(static=names)


def test_variable_scope_reentry_counts():
    check(variable_scope_reentry_counts)


def variable_scope_errors_reuse(tf):
    with tf.variable_scope("s"):
        tf.get_variable("v", [1])
    with tf.variable_scope("s"):
        tf.get_variable("v", [1])  # exists, reuse not set
    return P()


def variable_scope_errors_missing(tf):
    with tf.variable_scope("s", reuse=True):
        tf.get_variable("v", [1])
    return P()


def variable_scope_errors_shape(tf):
    with tf.variable_scope("s"):
        tf.get_variable("v", [1])
    with tf.variable_scope("s", reuse=True):
        tf.get_variable("v", [2])
    return P()


@pytest.mark.parametrize("prog", [variable_scope_errors_reuse, variable_scope_errors_missing,
                                  variable_scope_errors_shape])
def test_get_variable_errors(prog):
    check(prog, expect="build")


def gradient_names(tf):
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.Variable(np.ones(3, np.float32), name="w")
    y = tf.reduce_sum(w * x)
    z = tf.reduce_sum(x * x)
    g1 = tf.gradients(y, w)
    g2 = tf.gradients(y, [w, x])
    g3 = tf.gradients(z, x)
    g4 = tf.gradients(y, x, name="mygrads")
    with tf.name_scope("outer"):
        g5 = tf.gradients(y, w)
    return P(static=[g1, g2, g3, g4, g5], fetch=[g1, g2, g3], feed={x: [1.0, 2.0, 3.0]})


def test_gradient_names():
    check(gradient_names)


def optimizer_names(tf):
    x = tf.constant([[1.0, 2.0]])
    w = tf.Variable([[0.5], [0.25]], name="w")
    b = tf.get_variable("b", shape=[1], initializer=tf.zeros_initializer())
    loss = tf.reduce_sum(tf.matmul(x, w) + b)
    gs = tf.train.get_or_create_global_step()
    step_sgd = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    m = tf.train.MomentumOptimizer(0.1, 0.9)
    step_m = m.minimize(loss)
    adam = tf.train.AdamOptimizer(0.1)
    step_adam = adam.minimize(loss, name="train_adam")
    slots = [m.get_slot(w, "momentum"), adam.get_slot(w, "m"), adam.get_slot(b, "v"),
             sorted(m.get_slot_names()), sorted(adam.get_slot_names())]
    return P(static=[gs, step_sgd, step_m, step_adam, slots, [v.name for v in tf.global_variables()],
                     [v.name for v in tf.trainable_variables()]])


def test_optimizer_names():
    check(optimizer_names)


def layers_names(tf):
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    c1 = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    p1 = tf.layers.max_pooling2d(c1, 2, 2)
    c2 = tf.layers.conv2d(p1, 4, 3, name="named_conv")
    p2 = tf.layers.average_pooling2d(c2, 2, 1)
    f = tf.layers.flatten(p2)
    d1 = tf.layers.dense(f, 5, activation=tf.nn.relu)
    d2 = tf.layers.dense(d1, 3, use_bias=False)
    bn = tf.layers.batch_normalization(d1, training=True)
    dr = tf.layers.dropout(d1, rate=0.0, training=True)
    with tf.variable_scope("tower"):
        d3 = tf.layers.dense(f, 2)
    d4 = tf.layers.dense(f, 2, name="shared")
    d5 = tf.layers.dense(f, 2, name="shared", reuse=True)
    layer = tf.layers.Dense(7, name="obj")
    d6 = layer(f)
    d7 = layer(f)
    return P(static=[c1, p1, c2, p2, f, d1, d2, bn, dr, d3, d4, d5, d6, d7,
                     [v.name for v in tf.global_variables()], [v.name for v in tf.trainable_variables()],
                     [v.name for v in layer.weights], [t.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)]])


def test_layers_names():
    check(layers_names)


def contrib_names(tf):
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    a = tf.contrib.layers.conv2d(x, 4, [3, 3])
    b = tf.contrib.layers.max_pool2d(a, [2, 2])
    c = tf.contrib.layers.conv2d(b, 4, [3, 3], scope="myconv")
    d = tf.contrib.layers.avg_pool2d(c, [2, 2])
    e = tf.contrib.layers.flatten(d)
    f = tf.contrib.layers.fully_connected(e, 5)
    g = tf.contrib.layers.fully_connected(f, 3, activation_fn=None)
    h = tf.contrib.layers.dropout(g, 0.5, is_training=False)
    i = tf.contrib.layers.linear(g, 2)
    # its output is named after TF's fused kernel (BatchNorm/Reshape_1, BatchNorm/FusedBatchNormV3),
    # which flowjit does not use: only its variables and update ops are compared
    j = tf.contrib.layers.batch_norm(f, is_training=True).op.name.split("/")[0]
    k = tf.contrib.layers.fully_connected(e, 5, weights_regularizer=tf.contrib.layers.l2_regularizer(0.1))
    with tf.variable_scope("net"):
        m = tf.contrib.layers.fully_connected(e, 5)
        n = tf.contrib.layers.flatten(d)
    o = tf.contrib.layers.flatten(d)
    return P(static=[a, b, c, d, e, f, g, h, i, j, k, m, n, o,
                     [v.name for v in tf.global_variables()], [v.name for v in tf.trainable_variables()],
                     [v.name for v in tf.model_variables()],
                     [t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)],
                     [t.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)]])


def test_contrib_layers_names():
    check(contrib_names)


def flatten_names(tf):
    x = tf.placeholder(tf.float32, [None, 3, 4])
    a = tf.contrib.layers.flatten(x)
    b = tf.contrib.layers.flatten(x)
    c = tf.layers.flatten(x)
    d = tf.layers.flatten(x)
    with tf.variable_scope("vs"):
        e = tf.contrib.layers.flatten(x)
        f = tf.layers.flatten(x)
    g = tf.contrib.layers.flatten(tf.placeholder(tf.float32, [2, 3, 4]))
    return P(static=[a, b, c, d, e, f, g])


def test_flatten_names():
    check(flatten_names)


def get_by_name(tf):
    x = tf.placeholder(tf.float32, [2], name="input")
    with tf.name_scope("model"):
        y = tf.multiply(x, 2.0, name="double")
    g = tf.get_default_graph()
    t = g.get_tensor_by_name("model/double:0")
    op = g.get_operation_by_name("model/double")
    return P(fetch=["model/double:0", t], feed={"input:0": [1.0, 2.0]},
             static=[t, op, op.type, [i.name for i in op.inputs], [o.name for o in op.outputs], t is y])


def test_lookup_by_name():
    check(get_by_name)


def control_flow_names(tf):
    """cond/while results (cond/Merge, while/Exit_1) and the names around them: what a branch
    builds does not take top-level names."""
    x = tf.placeholder(tf.float32, [], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    c = tf.cond(p, lambda: x * 2.0 + 1.0, lambda: x - 1.0)
    c2 = tf.cond(p, lambda: (x, x * 2.0), lambda: (x, x), name="pair")
    y = x * 3.0
    z = x + 1.0
    i, w = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0 + x), [0, x])
    m = tf.while_loop(lambda v: v < 10.0, lambda v: v * 2.0, [x], maximum_iterations=3, name="bounded")
    k = tf.case([(p, lambda: x)], default=lambda: -x)
    v = x * 4.0
    return P(static=[c, c2, y, z, i, w, m, k, v])


def test_control_flow_names():
    check(control_flow_names)
