"""Regression tests for what the TF comparison found, with TensorFlow's answers written in
(these run without TensorFlow; the comparisons themselves are in the other test_*.py here)."""

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None):
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_operator_names_and_scopes():
    p, q = tf.constant([True, False]), tf.constant([True, True])
    assert [(p & q).name, (p | q).name, (p ^ q).name, (~p).name] == ["and:0", "or:0", "xor:0", "LogicalNot:0"]
    # a composite's inner nodes (and a converted operand) live in the operator's scope
    assert [op.name for op in tf.get_default_graph().get_operations() if op.name.startswith("xor/")]
    assert (tf.constant(1.0) + 2.0).op.inputs[1].name == "add/y:0"


def test_layer_output_names():
    x = tf.placeholder(tf.float32, [None, 3, 4])
    assert tf.contrib.layers.flatten(x).name == "Flatten/flatten/Reshape:0"
    assert tf.layers.flatten(x).name == "flatten_1/Reshape:0"
    bn = tf.layers.batch_normalization(tf.layers.flatten(x), training=True)
    assert bn.name == "batch_normalization/batchnorm/add_1:0"
    assert [op.name for op in tf.get_collection(tf.GraphKeys.UPDATE_OPS)] == [
        "batch_normalization/AssignMovingAvg", "batch_normalization/AssignMovingAvg_1"]
    layer = tf.layers.Dense(2, name="obj")
    f = tf.layers.flatten(x)
    assert [layer(f).name, layer(f).name] == ["obj/BiasAdd:0", "obj/BiasAdd_1:0"]  # one scope, reused


def test_variable_scope_counts_reset_on_reentry():
    names = []
    for _ in range(2):
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            for _ in range(2):
                with tf.variable_scope(None, default_name="block"):
                    names.append(tf.get_variable("w", [1]).name)
    assert names == ["model/block/w:0", "model/block_1/w:0"] * 2
    with tf.name_scope("dense"):
        pass
    with tf.variable_scope(None, default_name="dense"):  # the variable scope and name scope count apart
        assert tf.get_variable("w", [1]).name == "dense/w:0" and tf.constant(1.0).name == "dense_1/Const:0"
    with tf.variable_scope("dense_1"):
        pass
    with tf.variable_scope(None, default_name="dense"):
        assert tf.get_variable("w", [1]).name == "dense_2/w:0"
    with tf.variable_scope("s") as s:
        pass
    with tf.variable_scope(s) as again:
        assert again.original_name_scope == "s/"


def test_control_flow_result_names():
    x = tf.placeholder(tf.float32, [])
    a, b = tf.cond(x > 0, lambda: (x, -x), lambda: (-x, x))
    i, s = tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2.0), [0, x])
    assert [a.name, b.name, i.name, s.name] == ["cond/Merge:0", "cond/Merge_1:0", "while/Exit:0", "while/Exit_1:0"]
    assert run([a, s], {x: 2.0}) == [2.0, 16.0]
    with pytest.raises(ValueError, match="same type"):  # TF1 raises a ValueError, not a TypeError
        tf.cond(x > 0, lambda: tf.constant(1), lambda: tf.constant(1.0))


def test_function_result_names():
    x = tf.constant([[3.0, -4.0], [1.0, 2.0]])
    clipped, norm = tf.clip_by_global_norm([x], 1.0)
    got = [tf.losses.mean_squared_error(x, x * 2.0).name, tf.nn.crelu(x).name,
           tf.nn.embedding_lookup(x, [1]).name, tf.nn.conv1d(tf.ones([1, 4, 2]), tf.ones([2, 2, 3]), 1, "SAME").name,
           tf.matrix_transpose(x).name, clipped[0].name, norm.name, tf.global_norm([x]).name,
           tf.math.reduce_std(x).name, tf.math.reduce_variance(x).name, tf.math.xdivy(x, x).name,
           tf.nn.in_top_k(x, [0, 1], 1).name, tf.boolean_mask(x, [True, False]).name]
    assert got == ["mean_squared_error/value:0", "CRelu/Relu:0", "embedding_lookup/Identity:0", "conv1d/Squeeze:0",
                   "matrix_transpose/transpose:0", "clip_by_global_norm/clip_by_global_norm/_0:0",
                   "global_norm/global_norm:0", "global_norm_1/global_norm:0", "reduce_std/Sqrt:0",
                   "reduce_variance/Mean_1:0", "xdivy/Xdivy:0", "in_top_k/InTopKV2:0", "boolean_mask/GatherV2:0"]


def test_regularizer_names():
    x = tf.ones([3, 4])
    tf.contrib.layers.fully_connected(x, 2, weights_regularizer=tf.contrib.layers.l2_regularizer(0.1))
    v = tf.get_variable("v", [3])
    total = tf.contrib.layers.apply_regularization(tf.contrib.layers.l1_l2_regularizer(0.1, 0.2), [v])
    assert [t.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)] == [
        "fully_connected/kernel/Regularizer/l2_regularizer:0", "get_regularization_penalty:0"]
    assert total.op.inputs[0].name == "get_regularization_penalty/sum_regularizer:0"


def test_norm():
    v = np.array([[3.0, -4.0], [1.0, 2.0]])
    x = tf.constant(v)
    got = run([tf.norm(x), tf.norm(x, axis=1), tf.norm(x, ord=1), tf.norm(x, ord=np.inf, axis=0),
               tf.norm(x, ord=3, axis=1, keepdims=True), tf.norm(x, ord=1, axis=(0, 1)),
               tf.norm(x, ord=np.inf, axis=[0, 1])])
    want = [np.sqrt(30.0), np.hypot(v[:, 0], v[:, 1]), 10.0, [3.0, 4.0], np.cbrt((np.abs(v) ** 3).sum(1))[:, None],
            6.0, 7.0]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)
    assert tf.norm(x).name == "norm_7/Squeeze:0"  # as in TF: sqrt(sum(x * x)) squeezed, in scope "norm"
    with pytest.raises(ValueError):
        tf.norm(x, ord=-1)


def test_leaky_relu_alpha_is_float32():
    x = tf.constant([-1.0], tf.float64)
    assert run(tf.nn.leaky_relu(x))[0] == -np.float64(np.float32(0.2))


def test_strings_come_back_as_bytes_and_feed_as_either():
    p = tf.placeholder(tf.string, [None])
    got = run([tf.constant("hi"), p, tf.equal(p, "a")], {p: [b"a", "b"]})
    assert got[0] == b"hi" and got[1].tolist() == [b"a", b"b"] and got[2].tolist() == [True, False]


def test_feeds_convert_as_numpy_does():
    i = tf.placeholder(tf.int32, [None])
    b = tf.placeholder(tf.bool, [None])
    f = tf.placeholder(tf.float32, [])
    got = run([i, b, f], {i: [1.0, -2.0], b: [0, 3], f: "2.5"})
    assert got[0].tolist() == [1, -2] and got[1].tolist() == [False, True] and got[2] == 2.5
    assert run(i, {i: [2 ** 40]}).tolist() == [0]  # TF: a list is cast as NumPy casts, wrapping
    with pytest.raises(TypeError, match="not compatible"):  # a lone Python int must fit
        k = tf.placeholder(tf.int32, [])
        run(k + 1, {k: 2 ** 40})
    assert run(i, {i: [1.5, -2.7]}).tolist() == [1, -2]  # TF truncates towards zero
    with tf.Session(backend="reference", config=tf.ConfigProto(strict_feeds=True)) as sess:
        with pytest.raises(TypeError, match="would change"):  # the stricter option refuses
            sess.run(i, {i: [1.5, -2.7]})
    with pytest.raises(ValueError, match="cannot be interpreted"):
        run("missing:0")


def test_fused_batch_norm_moves_toward_the_unbiased_variance():
    x = tf.placeholder(tf.float32, [2, 1, 1, 1])
    y = tf.layers.batch_normalization(x, training=True, momentum=0.0)  # 4-D: TF's fused kernel
    z = tf.contrib.layers.batch_norm(tf.reshape(x, [2, 1]), decay=0.0, updates_collections=None)  # rank 2: fused
    w = tf.layers.batch_normalization(tf.reshape(x, [2, 1]), training=True, momentum=0.0)  # rank 2: not fused
    moving = [v for v in tf.global_variables() if "moving_variance" in v.name]
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([y, z, w] + tf.get_collection(tf.GraphKeys.UPDATE_OPS), {x: [[[[1.0]]], [[[3.0]]]]})
        assert [float(v) for v in np.ravel(sess.run(moving))] == [2.0, 2.0, 1.0]  # n/(n-1) * 1.0 where fused


def test_sparse_softmax_loss_squeezes_weights():
    logits = tf.constant([[1.0, 2.0], [3.0, 0.0]])
    loss = tf.losses.sparse_softmax_cross_entropy([[0], [1]], logits, weights=[[1.0], [0.0]])
    xent = run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1], logits=logits))
    np.testing.assert_allclose(run(loss), xent[0], rtol=1e-6)
