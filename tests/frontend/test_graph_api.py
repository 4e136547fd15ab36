"""Graph building: names, scopes, collections, devices, variables and get_variable."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_automatic_names_are_tf_style():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = tf.add(a, b)
    d = tf.add(a, b)
    assert (a.name, b.name) == ("Const:0", "Const_1:0")
    assert (c.op.name, d.op.name) == ("Add", "Add_1")
    e = tf.constant(3.0, name="x")
    f = tf.constant(3.0, name="x")
    assert (e.name, f.name) == ("x:0", "x_1:0")


def test_name_scopes_nest_and_uniquify():
    with tf.name_scope("layer"):
        a = tf.constant(1.0, name="w")
        with tf.name_scope("inner"):
            b = tf.constant(1.0, name="w")
    with tf.name_scope("layer"):
        c = tf.constant(1.0, name="w")
    with tf.name_scope("layer/"):
        d = tf.constant(1.0, name="z")
    assert a.op.name == "layer/w"
    assert b.op.name == "layer/inner/w"
    assert c.op.name == "layer_1/w"
    assert d.op.name == "layer/z"
    with tf.name_scope("s") as scope:
        assert scope == "s/"


def test_variable_layout_matches_tf():
    v = tf.Variable(tf.zeros([2]), name="W")
    names = {op.name for op in tf.get_default_graph().get_operations()}
    assert {"W", "W/Assign", "W/read"} <= names
    assert v.name == "W:0"
    assert v.value().name == "W/read:0"
    assert v.initializer.name == "W/Assign"
    assert v in tf.trainable_variables() and v in tf.global_variables()
    frozen = tf.Variable(1.0, trainable=False, name="step")
    assert frozen not in tf.trainable_variables()
    assert frozen in tf.global_variables()


def test_get_variable_and_reuse():
    with tf.variable_scope("model"):
        w = tf.get_variable("w", shape=[3, 2], initializer=tf.zeros_initializer())
        with pytest.raises(ValueError, match="already exists"):
            tf.get_variable("w", shape=[3, 2])
    with tf.variable_scope("model", reuse=True):
        assert tf.get_variable("w") is w
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("nope", shape=[1])
    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("w", shape=[3, 2]) is w
        fresh = tf.get_variable("b", shape=[2], initializer=tf.constant_initializer(0.5))
    assert w.name == "model/w:0"
    assert fresh.name == "model/b:0"
    with tf.Session(backend="reference") as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(fresh), [0.5, 0.5])
        np.testing.assert_array_equal(s.run(w), np.zeros((3, 2), np.float32))


def test_get_variable_seeded_initializers_are_deterministic():
    def build_and_run():
        tf.reset_default_graph()
        tf.set_random_seed(7)
        v = tf.get_variable("v", shape=[4, 4])
        with tf.Session(backend="reference") as s:
            s.run(tf.global_variables_initializer())
            return s.run(v)

    a, b = build_and_run(), build_and_run()
    np.testing.assert_array_equal(a, b)
    limit = np.sqrt(6.0 / 8.0)
    assert np.all(np.abs(a) <= limit) and a.dtype == np.float32


def test_collections():
    tf.add_to_collection("stuff", 1)
    tf.add_to_collections(["stuff", "more"], 2)
    assert tf.get_collection("stuff") == [1, 2]
    assert tf.get_collection("more") == [2]
    ref = tf.get_collection_ref("stuff")
    ref.append(3)
    assert tf.get_collection("stuff") == [1, 2, 3]
    with tf.variable_scope("a"):
        va = tf.get_variable("v", shape=[1])
    with tf.variable_scope("b"):
        tf.get_variable("v", shape=[1])
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="a") == [va]


def test_control_dependencies_order_effects():
    v = tf.Variable(1.0, name="v")
    assign = tf.assign(v, 10.0)
    with tf.control_dependencies([assign]):
        read = v.read_value()
        assert assign.op in read.op.control_inputs
    with tf.Session(backend="reference") as s:
        s.run(v.initializer)
        assert s.run(read) == 10.0


def test_devices_are_recorded_and_merged():
    with tf.device("/job:ps/task:0"):
        a = tf.constant(1.0)
        with tf.device("/cpu:0"):
            b = tf.constant(2.0)
    assert a.device == "/job:ps/task:0"
    assert b.device == "/job:ps/task:0/device:CPU:0"
    with tf.Session(backend="reference", config=tf.ConfigProto(allow_soft_placement=True)) as s:
        assert s.run(a + b) == 3.0


def test_source_location_points_at_user_line():
    c = tf.constant(1.0)  # this line
    src = c.op.source
    assert src.file.endswith("test_graph_api.py")
    import inspect

    lines = inspect.getsource(test_source_location_points_at_user_line).splitlines()
    assert "tf.constant(1.0)  # this line" in lines[1]


def test_build_time_shape_error_names_node_and_line():
    a = tf.constant(np.zeros((2, 3), np.float32))
    b = tf.constant(np.zeros((4, 5), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.matmul(a, b, name="bad_matmul")
    text = str(info.value)
    assert "bad_matmul" in text and "MatMul" in text and "test_graph_api.py" in text


def test_tensor_shape_api():
    x = tf.placeholder(tf.float32, shape=[None, 3])
    assert x.get_shape().as_list() == [None, 3]
    assert x.shape[1] == 3
    assert x.shape.ndims == 2
    x.set_shape([5, 3])
    assert x.shape.as_list() == [5, 3]
    with pytest.raises(ValueError):
        x.set_shape([4, 3])
    assert tf.TensorShape([1, None]).is_compatible_with([1, 7])
    assert tf.TensorShape(None).ndims is None


def test_tensor_is_not_a_bool():
    with pytest.raises(TypeError, match="bool"):
        if tf.constant(True):
            pass


def test_graph_element_lookup():
    c = tf.constant(1.0, name="c")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("c:0") is c
    assert g.get_operation_by_name("c") is c.op
    with pytest.raises(KeyError):
        g.get_operation_by_name("missing")
    assert c.op.outputs[0] is c


def test_finalized_graph_refuses_new_ops():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        g.finalize()
        with pytest.raises(RuntimeError, match="finalized"):
            tf.constant(2.0)


def test_placement_without_soft_placement_names_the_node():
    with tf.device("/gpu:0"):
        on_gpu = tf.placeholder(tf.float32, name="on_gpu")
    y = on_gpu * 2.0
    with tf.Session(backend="reference") as s:
        with pytest.raises(tf.errors.InvalidArgumentError, match="on_gpu.*|.*GPU"):
            s.run(y, {on_gpu: 1.0})
    with tf.Session(backend="reference", config=tf.ConfigProto(allow_soft_placement=True)) as s:
        assert s.run(y, {on_gpu: 1.0}) == 2.0
        plan = next(iter(s._cache.values())).graph
        assert {n.device for n in plan} == {"/job:localhost/replica:0/task:0/device:CPU:0"}
