"""GraphDefs flowjit writes are TF's: real TensorFlow imports them (`tf.import_graph_def`) and
runs them to flowjit's answers, function bodies (cond branches, while bodies) included; and the
output arg names FunctionDefs spell are TF's."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.frontend.framework import output_arg_names


def test_output_names_spell_tf_args():
    assert output_arg_names.output_name("Mul", 0, 1) == "z:0"
    assert output_arg_names.output_name("Const", 0, 1) == "output:0"
    assert output_arg_names.output_name("Unique", 1, 2) == "idx:0"
    assert output_arg_names.output_name("Split", 2, 3) == "output:2"
    assert output_arg_names.output_name("NoSuchOp", 1, 2) == "output:1"


@pytest.mark.tf
def test_output_arg_table_is_tfs():
    pytest.importorskip("tensorflow")
    want = output_arg_names.generate(output_arg_names.flowjit_tf_op_types())
    table = {op: [list(a) for a in args] for op, args in output_arg_names.table().items()}
    missing = {op: args for op, args in want.items() if table.get(op) != args}
    assert not missing, f"regenerate with python -m flowjit.frontend.framework.output_arg_names: {missing}"


def _programs():
    def cond_and_loop():
        x = tf.placeholder(tf.float32, [3], name="x")
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: tf.negative(x), name="branch")
        i = tf.constant(0)
        _, acc = tf.while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, a * 1.5 + x), [i, tf.zeros([3])],
                               name="loop")
        return {"x:0": np.array([1.0, -2.0, 3.5], np.float32)}, [y, acc]

    def multi_output_bodies():
        x = tf.placeholder(tf.int32, [6], name="x")

        def true_fn():
            uniq, idx = tf.unique(x)
            a, b = tf.split(tf.cast(idx, tf.float32), 2)
            return tf.reduce_sum(a) - tf.reduce_sum(b) + tf.cast(tf.size(uniq), tf.float32)

        z = tf.cond(x[0] > 0, true_fn, lambda: tf.constant(-1.0))
        return {"x:0": np.array([3, 1, 3, 2, 1, 5], np.int32)}, [z]

    def nested():
        x = tf.placeholder(tf.float32, [], name="x")

        def body(i, a):
            return i + 1, tf.cond(i % 2 == 0, lambda: a + x, lambda: a * 2.0)

        _, out = tf.while_loop(lambda i, a: i < 5, body, [tf.constant(0), tf.constant(1.0)])
        return {"x:0": np.float32(0.5)}, [out]

    return [cond_and_loop, multi_output_bodies, nested]


@pytest.mark.tf
@pytest.mark.parametrize("program", _programs(), ids=lambda p: p.__name__)
def test_tensorflow_imports_and_runs_flowjit_graph_defs(program):
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as tf1

    with tf.Graph().as_default() as g:
        feeds, fetches = program()
        with tf.Session(graph=g) as sess:
            want = sess.run(fetches, {g.get_tensor_by_name(k): v for k, v in feeds.items()})
        data = g.as_graph_def().SerializeToString()
    with tf1.Graph().as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(data), name="")
        with tf1.Session() as s:
            got = s.run([t.name for t in fetches], feeds)
    for w, r in zip(want, got):
        np.testing.assert_allclose(r, w, rtol=1e-6)
