"""Fusion: the groups formed, their kinds and bodies, the reasons logged, unchanged results."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.passes import FusionDecision, fuse_nodes, plan_fusion, run_passes
from _pass_testing import assert_ir, check_preserves, ir, run_reference


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def fused_nodes(graph):
    return [n for n in graph if n.op == "Fused"]


def body_ops(node):
    return [n.op for n in node.attrs["body"].topological_order() if n.op not in ("Arg", "Const")]


def decisions(report):
    return [d for d in report.fusion_decisions if isinstance(d, FusionDecision)]


def test_an_elementwise_chain_becomes_one_kernel():
    g = ir("""
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %two = Const() {value=array<float32[]>[2.0], dtype=float32}
        %e = Exp(%x)
        %m = Mul(%e, %two)
        %a = AddV2(%m, %y)
        %t = Tanh(%a)
        return %t
    """)
    g, report = run_passes(g, ["fusion"])
    assert_ir(g, """
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %fused_elementwise = Fused(%x, %y) {body=graph {
            params %arg0, %arg1
            %arg0 = Arg() {index=0, dtype=float32, shape=shape[2,3]}
            %arg1 = Arg() {index=1, dtype=float32, shape=shape[3]}
            %two = Const() {value=array<float32[]>[2.0], dtype=float32}
            %e = Exp(%arg0)
            %m = Mul(%e, %two)
            %a = AddV2(%m, %arg1)
            %t = Tanh(%a)
            return %t
          }, kind="elementwise"}
        return %fused_elementwise
    """)
    fused = g.node("fused_elementwise")
    assert fused.provenance.created_by == "fusion"
    assert fused.provenance.origins == ("e", "m", "a", "t")
    assert {d.node: d.role for d in decisions(report) if d.fused} == {"t": "result", "a": "member", "m": "member",
                                                                        "e": "member"}


def test_a_producer_with_two_consumers_is_not_fused_and_says_why():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %e = Exp(%x)
        %n = Neg(%e)
        %b = Abs(%n)
        %s = Sqrt(%e)
        return %b, %s
    """)
    g, report = run_passes(g, ["fusion"])
    assert [body_ops(f) for f in fused_nodes(g)] == [["Neg", "Abs"]]
    assert g.node("e").op == "Exp" and g.node("s").op == "Sqrt"
    reasons = {(d.node, d.reason) for d in decisions(report)}
    assert ("e", "not fused: producer has 2 consumers") in reasons
    assert ("s", "not fused: nothing to fuse with") in reasons


def test_fetched_values_are_never_internal():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %e = Exp(%x)
        %n = Neg(%e)
        %a = Abs(%n)
        return %a, %e
    """)
    g, report = run_passes(g, ["fusion"])
    assert [body_ops(f) for f in fused_nodes(g)] == [["Neg", "Abs"]]
    assert ("e", "not fused: value is fetched") in {(d.node, d.reason) for d in decisions(report)}
    assert g.results[1].node.name == "e"


def test_a_reduction_absorbs_its_elementwise_producers_and_epilogue():
    x = tf.placeholder(tf.float32, [4, 5], name="x")
    y = tf.placeholder(tf.float32, [4, 5], name="y")
    mse = tf.sqrt(tf.reduce_mean(tf.square(x - y), axis=1), name="rms")
    with tf.Session(backend="reference") as sess:
        xv, yv = np.random.RandomState(0).randn(2, 4, 5).astype(np.float32)
        out = sess.run(mse, {x: xv, y: yv})
        graph = sess.pipeline_report.graph
    np.testing.assert_allclose(out, np.sqrt(np.mean((xv - yv) ** 2, axis=1)), rtol=1e-6)
    [fused] = fused_nodes(graph)
    assert fused.attrs["kind"] == "reduction"
    assert body_ops(fused) == ["Sub", "Square", "Mean", "Sqrt"]
    axes = [n for n in fused.attrs["body"] if n.op == "Const"]
    assert axes and axes[0].attrs["value"].tolist() == 1  # the axes stay static inside the kernel


def test_softmax_absorbs_its_producers():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,5]}
        %t = Const() {value=array<float32[]>[0.5], dtype=float32}
        %s = Mul(%x, %t)
        %p = Softmax(%s)
        return %p
    """)
    out = check_preserves(g, ["fusion"], [np.linspace(-3, 3, 10, dtype=np.float32).reshape(2, 5)])
    [fused] = fused_nodes(out)
    assert fused.attrs["kind"] == "reduction" and body_ops(fused) == ["Mul", "Softmax"]


def test_matmul_absorbs_bias_add_and_relu():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    w = tf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, name="w")
    b = tf.constant(np.array([0.5, -1.0, 0.0, 2.0], np.float32), name="b")
    h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b), name="h")
    with tf.Session(backend="reference") as sess:
        xv = np.array([[1, -2, 3], [0.5, 0, -1]], np.float32)
        out = sess.run(h, {x: xv})
        report = sess.pipeline_report
        graph = report.graph
    np.testing.assert_allclose(out, np.maximum(xv @ w.op.node.attrs["value"] + b.op.node.attrs["value"], 0), rtol=1e-6)
    [fused] = fused_nodes(graph)
    assert fused.attrs["kind"] == "matmul"
    assert body_ops(fused) == ["MatMul", "BiasAdd", "Relu"]
    roles = {d.node: d.role for d in decisions(report) if d.fused}
    assert roles == {"MatMul": "anchor", "BiasAdd": "epilogue", "h": "epilogue"}
    assert [a.attrs for a in fused.attrs["body"].params] == [
        {"index": 0, "dtype": tf.float32, "shape": tf.TensorShape([None, 3])}]


def test_conv_absorbs_its_epilogue():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[1,5,5,2]}
        %k = Const() {value=array<float32[3,3,2,4]>splat(0.25), dtype=float32}
        %c = Conv2D(%x, %k) {strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC", dilations=[1, 1, 1, 1], use_cudnn_on_gpu=true}
        %b = Const() {value=array<float32[4]>[1.0, -1.0, 0.5, 0.0], dtype=float32}
        %a = BiasAdd(%c, %b) {data_format="NHWC"}
        %r = Relu(%a)
        return %r
    """)
    out = check_preserves(g, ["fusion"], [np.random.RandomState(1).randn(1, 5, 5, 2).astype(np.float32)])
    [fused] = fused_nodes(out)
    assert fused.attrs["kind"] == "conv" and body_ops(fused) == ["Conv2D", "BiasAdd", "Relu"]


def test_an_epilogue_input_that_broadcasts_the_result_is_refused():
    g = ir("""
        params %x, %z
        %x = Placeholder() {dtype=float32, shape=shape[4,3]}
        %z = Placeholder() {dtype=float32, shape=shape[2,4,3]}
        %axis = Const() {value=array<int32[]>[0], dtype=int32}
        %s = Sum(%x, %axis) {keep_dims=false}
        %a = AddV2(%s, %z)
        return %a
    """)
    g, report = run_passes(g, ["fusion"])
    assert not fused_nodes(g)
    assert ("a", "not fused: changes the shape") in {(d.node, d.reason) for d in decisions(report)}


def test_stateful_host_and_random_ops_stay_outside():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %shape = Const() {value=array<int32[1]>[3], dtype=int32}
        %r = RandomUniform(%shape) {dtype=float32, seed=3, seed2=4}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %a = AddV2(%r, %x)
        %b = Mul(%a, %v)
        %p = Print(%b, %b) {message="b", first_n=-1, summarize=3}
        %c = Neg(%p)
        return %c
    """)
    g, report = run_passes(g, ["fusion"])
    [fused] = fused_nodes(g)
    assert body_ops(fused) == ["AddV2", "Mul"]
    assert [v.node.name for v in fused.inputs] == ["r", "x", "v"]
    assert {n.op for n in g} >= {"RandomUniform", "VariableV2", "Print", "Neg"}
    reasons = {(d.node, d.reason) for d in decisions(report)}
    assert ("p", "not fused: host op") in reasons and ("r", "not fused: stateful op") in reasons


def test_whoever_waited_for_a_member_waits_for_the_kernel():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %first = Assign(%v, %x) {var="v"}
        %e = Exp(%x, ^first)
        %n = Neg(%e)
        %last = Assign(%v, %x, ^n) {var="v"}
        return %n
        targets %last
    """)
    g, _ = run_passes(g, ["fusion"])
    [fused] = fused_nodes(g)
    assert [c.name for c in fused.control_inputs] == ["first"]
    assert [c.name for c in g.node("last").control_inputs] == [fused.name]


def test_the_backward_of_a_loss_keeps_its_values():
    x = tf.placeholder(tf.float32, [8, 3], name="x")
    t = tf.placeholder(tf.float32, [8, 1], name="t")
    w = tf.Variable(np.array([[0.5], [-1.0], [2.0]], np.float32), name="w")
    b = tf.Variable(np.array([0.1], np.float32), name="b")
    pred = tf.sigmoid(tf.matmul(x, w) + b)
    loss = tf.reduce_mean(tf.square(pred - t))
    grads = tf.gradients(loss, [w, b])
    rng = np.random.RandomState(2)
    feed = {x: rng.randn(8, 3).astype(np.float32), t: rng.rand(8, 1).astype(np.float32)}
    results = {}
    for name, pipeline in (("optimized", None), ("plain", [])):
        with tf.Session(backend="reference", pipeline=pipeline) as sess:
            sess.run(tf.global_variables_initializer())
            results[name] = sess.run([loss] + grads, feed)
            if name == "optimized":
                graph = sess.pipeline_report.graph
    for a, b_ in zip(results["optimized"], results["plain"]):
        np.testing.assert_array_equal(a, b_)
    kinds = sorted(f.attrs["kind"] for f in fused_nodes(graph))
    assert "reduction" in kinds and "matmul" in kinds


def test_fuse_nodes_is_public_and_exports_values_used_outside():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %e = Exp(%x)
        %n = Neg(%e)
        %s = Sqrt(%e)
        return %n, %s
    """)
    before = run_reference(g.copy(), [np.arange(3, dtype=np.float32)])
    fused = fuse_nodes(g, [g.node("e"), g.node("n")], "elementwise")
    assert len(fused.outputs) == 2  # e is read by s outside the group
    assert [v.node.name for v in g.node("s").inputs] == [fused.name]
    after = run_reference(g, [np.arange(3, dtype=np.float32)])
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)


def test_plan_fusion_does_not_change_the_graph():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %e = Exp(%x)
        %n = Neg(%e)
        return %n
    """)
    groups, decisions_ = plan_fusion(g)
    assert [[m.name for m in grp.members] for grp in groups] == [["n", "e"]]
    assert {n.name for n in g} == {"x", "e", "n"}
