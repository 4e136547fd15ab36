"""Graph.as_graph_def() as TF's GraphDef, RunOptions/RunMetadata step stats, the compiled view."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import flowjit as tf  # noqa: E402
from flowjit.frontend.summary.proto import tb_proto  # noqa: E402

BACKENDS = ["reference", "cpu"]


def _types():
    return tb_proto("types_pb2")


def _decode(tensor) -> np.ndarray:
    """A TensorProto's value, decoded here independently of flowjit's writer."""
    t = _types()
    np_dtype = {t.DT_FLOAT: np.float32, t.DT_DOUBLE: np.float64, t.DT_INT32: np.int32,
                t.DT_INT64: np.int64, t.DT_BOOL: np.bool_}[tensor.dtype]
    shape = [d.size for d in tensor.tensor_shape.dim]
    if tensor.tensor_content:
        return np.frombuffer(tensor.tensor_content, dtype=np_dtype).reshape(shape)
    field = {t.DT_FLOAT: "float_val", t.DT_DOUBLE: "double_val", t.DT_INT32: "int_val",
             t.DT_INT64: "int64_val", t.DT_BOOL: "bool_val"}[tensor.dtype]
    return np.full(shape, getattr(tensor, field)[0], dtype=np_dtype)


def _small_model():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.Variable(tf.ones([3, 2]), name="w")
        with tf.name_scope("layer"):
            y = tf.matmul(x, w, transpose_a=False, transpose_b=False)
            z = tf.nn.relu(y + 1.0)
            s = tf.reduce_sum(z, axis=1, keepdims=True)
        parts = tf.split(z, 2, axis=1)
        with tf.control_dependencies([s]):
            ident = tf.identity(parts[1], name="ident")
        with tf.device("/cpu:0"):
            k = tf.constant([[1, 2], [3, 4]], name="k")
        init = tf.global_variables_initializer()
    return g, dict(x=x, w=w, s=s, z=z, ident=ident, k=k, init=init)


def test_nodes_inputs_and_device_by_hand():
    g, _ = _small_model()
    gd = g.as_graph_def()
    assert type(gd).__name__ == "GraphDef" and gd.versions.producer > 0
    nodes = {n.name: n for n in gd.node}
    assert [n.name for n in gd.node] == [op.name for op in g.get_operations()]
    assert nodes["layer/MatMul"].op == "MatMul"
    assert list(nodes["layer/MatMul"].input) == ["x", "w/read"]
    assert list(nodes["layer/add"].input) == ["layer/MatMul", "layer/add/y"]
    assert list(nodes["ident"].input) == ["split:1", "^layer/Sum"]  # :N and ^control
    assert list(nodes["init"].input) == ["^w/Assign"]
    assert nodes["k"].device.lower().endswith("cpu:0")
    assert nodes["layer/add"].op == "AddV2" and nodes["w"].op == "VariableV2"


def test_attrs_have_tf_names_and_types():
    g, _ = _small_model()
    t = _types()
    nodes = {n.name: n for n in g.as_graph_def().node}
    mm = nodes["layer/MatMul"].attr
    assert mm["T"].type == t.DT_FLOAT and mm["transpose_a"].b is False and mm["transpose_b"].b is False
    ph = nodes["x"].attr
    assert ph["dtype"].type == t.DT_FLOAT
    assert [d.size for d in ph["shape"].shape.dim] == [-1, 3]
    sm = nodes["layer/Sum"].attr
    assert sm["Tidx"].type == t.DT_INT32 and sm["keep_dims"].b is True
    assert nodes["split"].attr["num_split"].i == 2 and nodes["split"].attr["T"].type == t.DT_FLOAT
    assert nodes["w/read"].attr["_class"].list.s == [b"loc:@w"]
    assert "_var" in nodes["w/Assign"].attr and "var" not in nodes["w"].attr  # flowjit-only: private
    np.testing.assert_array_equal(_decode(nodes["k"].attr["value"].tensor), [[1, 2], [3, 4]])
    assert nodes["k"].attr["dtype"].type == t.DT_INT32
    np.testing.assert_array_equal(_decode(nodes["ones"].attr["value"].tensor), np.ones((3, 2), np.float32))
    assert len(nodes["ones"].attr["value"].tensor.float_val) == 1  # a splat written once, as TF does
    assert "_output_shapes" not in nodes["x"].attr


def test_string_and_bool_constants():
    g = tf.Graph()
    with g.as_default():
        tf.constant(["ab", "c"], name="s")
        tf.constant([True, False], name="b")
    nodes = {n.name: n for n in g.as_graph_def().node}
    assert list(nodes["s"].attr["value"].tensor.string_val) == [b"ab", b"c"]
    np.testing.assert_array_equal(_decode(nodes["b"].attr["value"].tensor), [True, False])


def test_add_shapes_and_from_version():
    g, _ = _small_model()
    gd = g.as_graph_def(add_shapes=True)
    nodes = {n.name: n for n in gd.node}
    shapes = nodes["layer/Sum"].attr["_output_shapes"].list.shape
    assert [[d.size for d in s.dim] for s in shapes] == [[-1, 1]]
    assert len(nodes["split"].attr["_output_shapes"].list.shape) == 2
    assert "_output_shapes" not in nodes["init"].attr  # no outputs: none written, as in TF
    later = g.as_graph_def(from_version=3)
    assert [n.name for n in later.node] == [n.name for n in gd.node][3:]
    with pytest.raises(TypeError, match="from_version"):
        g.as_graph_def(from_version="3")


def test_function_library_for_cond_and_while():
    g = tf.Graph()
    t = _types()
    with g.as_default():
        x = tf.placeholder(tf.float32, [], name="x")
        tf.cond(x > 0, lambda: x * 2.0, lambda: -x, name="cond")
        tf.while_loop(lambda i: i < 10, lambda i: i + 1, [tf.constant(0)], name="while")
    gd = g.as_graph_def()
    nodes = {n.name: n for n in gd.node}
    funcs = {f.signature.name: f for f in gd.library.function}
    cond = nodes["cond"]
    assert cond.op == "StatelessIf" and list(cond.input) == ["Greater", "x"]  # TF2's name: no stateful op inside
    then_name, else_name = cond.attr["then_branch"].func.name, cond.attr["else_branch"].func.name
    assert {then_name, else_name} <= set(funcs) and then_name != else_name
    assert cond.attr["Tcond"].type == t.DT_BOOL and list(cond.attr["Tin"].list.type) == [t.DT_FLOAT]
    assert list(cond.attr["Tout"].list.type) == [t.DT_FLOAT]
    then_f = funcs[then_name]
    assert [a.type for a in then_f.signature.input_arg] == [t.DT_FLOAT]
    mul = next(n for n in then_f.node_def if n.op == "Mul")
    assert mul.input[0] == then_f.signature.input_arg[0].name
    assert then_f.ret[then_f.signature.output_arg[0].name] == f"{mul.name}:z:0"
    loop = nodes["while"]
    assert loop.op == "StatelessWhile" and list(loop.attr["T"].list.type) == [t.DT_INT32]
    body = funcs[loop.attr["body"].func.name]
    assert any(n.op == "AddV2" for n in body.node_def)
    assert funcs[loop.attr["cond"].func.name].signature.output_arg[0].type == t.DT_BOOL
    assert "_num_exports" in loop.attr and "num_exports" not in loop.attr


def test_ir_graph_still_available():
    g, _ = _small_model()
    ir = g.as_ir_graph()
    assert ir.node("layer/MatMul").op == "MatMul"


def test_tensorboard_reads_the_graph(tmp_path):
    from flowjit.frontend.summary.proto import tb_import

    writer_mod = tb_import("tensorboard.summary.writer.event_file_writer")
    acc_mod = tb_import("tensorboard.backend.event_processing.event_accumulator")
    g, _ = _small_model()
    gd = g.as_graph_def(add_shapes=True)
    writer = writer_mod.EventFileWriter(str(tmp_path))
    writer.add_event(tb_proto("event_pb2").Event(graph_def=gd.SerializeToString()))
    writer.close()
    acc = acc_mod.EventAccumulator(str(tmp_path))
    acc.Reload()
    back = acc.Graph()
    assert [n.name for n in back.node] == [n.name for n in gd.node]
    assert back == gd


# --- RunOptions / RunMetadata ----------------------------------------------------------------

def test_run_options_are_the_protos():
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    assert tf.RunOptions.FULL_TRACE == 3 and opts.trace_level == 3
    assert isinstance(opts, tf.RunOptions) and isinstance(tf.RunMetadata(), tf.RunMetadata)
    assert type(opts).__name__ == "RunOptions" and hasattr(opts, "SerializeToString")


def test_without_the_extra_run_options_are_plain(monkeypatch):
    from flowjit.frontend.client import run_metadata

    monkeypatch.setattr(run_metadata, "have_tensorboard", lambda: False)
    opts, md = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), tf.RunMetadata()
    assert opts.trace_level == 3 and md.step_stats is None and isinstance(opts, tf.RunOptions)
    g, t = _small_model()
    with tf.Session(graph=g, backend="reference") as sess:
        sess.run(t["init"])
        feed = {t["x"]: np.ones((1, 3), np.float32)}
        assert sess.run(t["s"], feed, options=tf.RunOptions(), run_metadata=md).shape == (1, 1)  # no trace asked
        with pytest.raises(ImportError, match=r"optional extra 'tensorboard'.*flowjit\[tensorboard\]"):
            sess.run(t["s"], feed, options=opts, run_metadata=md)


@pytest.mark.parametrize("backend", BACKENDS)
def test_full_trace_fills_step_stats(backend):
    g, t = _small_model()
    feed = {t["x"]: np.arange(12, dtype=np.float32).reshape(4, 3)}
    with tf.Session(graph=g, backend=backend) as sess:
        sess.run(t["init"])
        md = tf.RunMetadata()
        out = sess.run(t["s"], feed, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                       run_metadata=md)
        expect = np.maximum(np.arange(12, dtype=np.float32).reshape(4, 3) @ np.ones((3, 2)) + 1, 0).sum(1, keepdims=True)
        np.testing.assert_allclose(out, expect)
        assert len(md.step_stats.dev_stats) == 1
        dev = md.step_stats.dev_stats[0]
        assert dev.device == "/job:localhost/replica:0/task:0/device:CPU:0"
        assert len(dev.node_stats) >= 2
        starts = [n.all_start_micros for n in dev.node_stats]
        assert starts == sorted(starts) and starts[0] > 1_500_000_000 * 10**6  # epoch micros
        for n in dev.node_stats:
            assert n.op_end_rel_micros >= 0 and n.all_end_rel_micros == n.op_end_rel_micros
            assert n.op_end_rel_nanos >= 0 and n.timeline_label.startswith(n.node_name if backend == "reference" else "")
        computed = " ".join(n.timeline_label for n in dev.node_stats)
        for member in ("layer/MatMul", "layer/Relu", "layer/Sum"):  # every node that ran is named
            assert member in computed
        if backend == "cpu":
            assert any(" = Kernel(" in n.timeline_label for n in dev.node_stats)
        # a second, untraced run leaves a fresh RunMetadata empty
        md2 = tf.RunMetadata()
        sess.run(t["s"], feed, run_metadata=md2)
        assert len(md2.step_stats.dev_stats) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_partition_graphs_on_request(backend):
    g, t = _small_model()
    with tf.Session(graph=g, backend=backend) as sess:
        sess.run(t["init"])
        md = tf.RunMetadata()
        sess.run(t["z"], {t["x"]: np.ones((2, 3), np.float32)},
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True),
                 run_metadata=md)
        assert len(md.partition_graphs) == 1
        names = {n.name for n in md.partition_graphs[0].node}
        assert "x" in names and "ident" not in names  # pruned to what the fetch needs


def test_trace_needs_a_run_metadata():
    g, t = _small_model()
    with tf.Session(graph=g, backend="reference") as sess:
        sess.run(t["init"])
        with pytest.raises(TypeError, match="tf.RunMetadata"):
            sess.run(t["s"], {t["x"]: np.ones((1, 3), np.float32)},
                     options=tf.RunOptions(trace_level=3), run_metadata=object())


# --- the compiled view ------------------------------------------------------------------------

def test_compiled_view_shows_fused_kernels(tmp_path):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        with tf.name_scope("act"):
            y = tf.reduce_sum(tf.exp(tf.nn.relu(x * 2.0) + 1.0), axis=1)
    with tf.Session(graph=g) as sess:
        feed = {x: np.ones((3, 4), np.float32)}
        gd = sess.compiled_graph_def(y, feed)
        fused = [n for n in gd.node if "_kernel" in n.attr]
        assert fused, [n.name for n in gd.node]
        kernel = fused[0].attr["_kernel"].s.decode()
        assert all(n.name.startswith(kernel + "/") for n in fused if n.attr["_kernel"].s.decode() == kernel)
        ops = {n.op for n in fused}
        assert {"Mul", "Relu", "Exp"} <= ops
        assert "Fused" not in {n.op for n in gd.node}
        by_name = {n.name: n for n in gd.node}
        for n in gd.node:  # every input names a node of the view
            for i in n.input:
                assert i.lstrip("^").split(":")[0] in by_name, (n.name, i)
        mul = next(n for n in fused if n.op == "Mul")
        assert "x" in list(mul.input)
        # the view's plan is the one run uses: the run hits the plan cache
        cached = len(sess._cache)
        np.testing.assert_allclose(sess.run(y, feed), np.exp(np.ones((3, 4)) * 2 + 1).sum(1), rtol=1e-6)
        assert len(sess._cache) == cached


# --- against real TensorFlow ------------------------------------------------------------------

# attrs TF 2.21 adds that a TF1 GraphDef does not need: MatMul's grad_a/grad_b defaults and the
# graph builder's internal bookkeeping
TF_ONLY_ATTRS = {"grad_a", "grad_b", "_has_manual_control_dependencies"}


def _program(tf_mod):
    x = tf_mod.placeholder(tf_mod.float32, [None, 3], name="x")
    w = tf_mod.Variable(tf_mod.ones([3, 2]), name="w")
    with tf_mod.name_scope("layer"):
        z = tf_mod.nn.relu(tf_mod.matmul(x, w, transpose_b=False) + 1.0)
        s = tf_mod.reduce_sum(z, axis=1, keepdims=True)
    tf_mod.cast(s, tf_mod.int32)
    r = tf_mod.reshape(z, [-1])
    cc = tf_mod.concat([z, z], axis=1)
    tf_mod.transpose(cc, [1, 0])
    tf_mod.gather(r, [0, 2])
    tf_mod.shape(x)
    tf_mod.argmax(z, axis=1)
    parts = tf_mod.split(cc, 2, axis=1)
    tf_mod.expand_dims(parts[1], 0)
    with tf_mod.control_dependencies([s]):
        tf_mod.identity(z, name="ident")
    tf_mod.global_variables_initializer()


def _summary(gd, drop=frozenset()):
    return {n.name: (n.op, list(n.input), {k: v.WhichOneof("value") for k, v in n.attr.items() if k not in drop})
            for n in gd.node}


@pytest.mark.tf
def test_same_graph_def_as_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import _tf1_behavior, real_tf

    v1 = real_tf()
    with _tf1_behavior(v1.__dict__["_v1"]):
        g = v1.Graph()
        with g.as_default():
            _program(v1)
            theirs = _summary(g.as_graph_def(add_shapes=True), TF_ONLY_ATTRS)
    ours_g = tf.Graph()
    with ours_g.as_default():
        _program(tf)
        ours = _summary(ours_g.as_graph_def(add_shapes=True), {"_var"})
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_tensorboard_graph_plugin_prepares_both_views():
    """The graph plugin's own preparation (attr size limits, merging runs' graphs) accepts the
    user's graph with a function library and the compiled view."""
    from flowjit.frontend.summary.proto import tb_import

    process_graph = tb_import("tensorboard.backend.process_graph")
    graph_util = tb_import("tensorboard.plugins.graph.graph_util")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        y = tf.cond(tf.reduce_sum(x) > 0, lambda: tf.exp(x) * 2.0, lambda: x + 1.0)
    with tf.Session(graph=g) as sess:
        compiled = sess.compiled_graph_def(y, {x: np.ones((2, 2), np.float32)})
    user = g.as_graph_def(add_shapes=True)
    merged = graph_util.merge_graph_defs([user, compiled])
    assert len(merged.node) == len(user.node) + len(compiled.node)
    assert len(merged.library.function) == len(user.library.function) + len(compiled.library.function)
    for gd in (user, compiled):
        process_graph.prepare_graph_for_ui(gd, limit_attr_size=1024, large_attrs_key="_too_large_attrs")
        assert gd.node and gd.library.function


def test_cpu_trace_records_host_steps():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3], name="x")
        noise = tf.random_uniform([3], seed=1, name="noise")  # random ops run on the host on cpu
        y = tf.reduce_sum(tf.exp(x) + noise, name="y")
    with tf.Session(graph=g, backend="cpu") as sess:
        md = tf.RunMetadata()
        sess.run(y, {x: np.zeros(3, np.float32)}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                 run_metadata=md)
        stats = md.step_stats.dev_stats[0].node_stats
        host = [n for n in stats if n.node_name == "noise/RandomUniform"]
        assert len(host) == 1 and host[0].timeline_label == "noise/RandomUniform = RandomUniform()"
        assert any("Kernel(" in n.timeline_label and "y" in n.timeline_label for n in stats)


@pytest.mark.tf
def test_cond_function_library_as_tensorflow_writes_it():
    pytest.importorskip("tensorflow")
    from compat.harness import real_tf

    v1 = real_tf()
    tf_v1 = v1.__dict__["_v1"]
    was_v2 = tf_v1.control_flow_v2_enabled()
    tf_v1.enable_control_flow_v2()
    try:
        g = tf_v1.Graph()
        with g.as_default():
            x = tf_v1.placeholder(tf_v1.float32, [], name="x")
            tf_v1.cond(x > 0, lambda: x * 2.0, lambda: -x)
            theirs = g.as_graph_def()
    finally:
        if not was_v2:
            tf_v1.disable_control_flow_v2()
    ours_g = tf.Graph()
    with ours_g.as_default():
        x = tf.placeholder(tf.float32, [], name="x")
        tf.cond(x > 0, lambda: x * 2.0, lambda: -x)
        ours = ours_g.as_graph_def()

    def cond_node(gd):
        return next(n for n in gd.node if n.name == "cond")

    internal = {"_lower_using_switch_merge", "_read_only_resource_inputs"}
    t_node, o_node = cond_node(theirs), cond_node(ours)
    assert o_node.op == t_node.op and list(o_node.input) == list(t_node.input)
    assert {k: v.WhichOneof("value") for k, v in o_node.attr.items() if k != "_num_exports"} == \
        {k: v.WhichOneof("value") for k, v in t_node.attr.items() if k not in internal}

    def signatures(gd, node):
        funcs = {f.signature.name: f.signature for f in gd.library.function}
        return [([a.type for a in funcs[node.attr[b].func.name].input_arg],
                 [a.type for a in funcs[node.attr[b].func.name].output_arg]) for b in ("then_branch", "else_branch")]

    assert len(ours.library.function) == len(theirs.library.function) == 2
    assert signatures(ours, o_node) == signatures(theirs, t_node)
