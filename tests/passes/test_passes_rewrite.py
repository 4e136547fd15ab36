"""The user's side: replace_pattern with two Python functions, pattern passes, surgery helpers."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.passes import default_pipeline, pattern_pass, replace_pattern, run_passes
from _pass_testing import assert_ir, check_preserves, ir


def pattern(x):
    return tf.multiply(x, 2.0)


def replacement(x):
    return tf.add(x, x)


def test_replace_pattern_rewrites_every_occurrence():
    g = ir("""
        params %x, %d
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %d = Placeholder() {dtype=float64, shape=shape[2]}
        %two = Const() {value=array<float32[]>[2.0], dtype=float32}
        %a = Mul(%x, %two)
        %three = Const() {value=array<float32[]>[3.0], dtype=float32}
        %b = Mul(%x, %three)
        %two64 = Const() {value=array<float64[]>[2.0], dtype=float64}
        %c = Mul(%d, %two64)
        return %a, %b, %c
    """)
    matches = replace_pattern(g, pattern, replacement)
    assert sorted(m.root.name for m in matches) == ["a:0", "c:0"]
    assert_ir(g, """
        params %x, %d
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %d = Placeholder() {dtype=float64, shape=shape[2]}
        %a = AddV2(%x, %x)
        %three = Const() {value=array<float32[]>[3.0], dtype=float32}
        %b = Mul(%x, %three)
        %c = AddV2(%d, %d)
        return %a, %b, %c
    """)
    made = g.node("c")
    assert made.provenance.created_by == "replace_pattern:pattern"
    assert made.provenance.origins == ("c",)


def test_a_pattern_node_used_outside_the_occurrence_is_not_replaced():
    def exp_then_neg(x):
        return tf.negative(tf.exp(x))

    def fused_form(x):
        return tf.negative(tf.exp(x)) * 1.0

    text = """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %e = Exp(%x)
        %n = Neg(%e)
        return %n, %e
    """
    g = ir(text)
    assert replace_pattern(g, exp_then_neg, fused_form) == []
    assert_ir(g, text)


def test_a_pattern_argument_used_twice_must_bind_one_value():
    def square_by_mul(x):
        return x * x

    def square(x):
        return tf.square(x)

    g = ir("""
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Mul(%x, %x)
        %b = Mul(%x, %y)
        return %a, %b
    """)
    assert [m.root.name for m in replace_pattern(g, square_by_mul, square)] == ["a:0"]
    assert g.results[0].node.op == "Square" and g.results[1].node.op == "Mul"


def test_pattern_pass_in_a_session_pipeline_keeps_the_numbers():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [4], name="x")
    y = tf.exp(tf.multiply(x, 2.0))
    feed = {x: np.array([0.0, -1.5, 2.0, 3.25], np.float32)}
    pipeline = default_pipeline().insert_before("fusion", pattern_pass(pattern, replacement, name="double"))
    with tf.Session(backend="reference", pipeline=pipeline) as sess:
        out = sess.run(y, feed)
        report = sess.pipeline_report
    assert report.notes("double") and "double" in report.passes_run()
    body = [n for n in report.graph if n.op == "Fused"][0].attrs["body"]
    assert "AddV2" in {n.op for n in body} and "Mul" not in {n.op for n in body}
    with tf.Session(backend="reference", pipeline=[]) as sess:
        np.testing.assert_array_equal(out, sess.run(y, feed))


def test_replace_pattern_accepts_graphs_and_checks_arity():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %n = Neg(%x)
        %m = Neg(%n)
        return %m
    """)
    with pytest.raises(TypeError, match="replacement takes 2 arguments, the pattern 1"):
        replace_pattern(g, lambda x: -x, lambda x, y: x)
    pat = ir("""
        params %a
        %a = Arg() {index=0, dtype=float32, shape=shape[*]}
        %n = Neg(%a)
        %m = Neg(%n)
        return %m
    """)
    rep = ir("""
        params %a
        %a = Arg() {index=0, dtype=float32, shape=shape[*]}
        %i = Identity(%a)
        return %i
    """)
    check_preserves(g, [pattern_pass(pat, rep, name="double_neg")], [np.array([1.0, -0.0, 2.0], np.float32)])
    out, _ = run_passes(g, [pattern_pass(pat, rep, name="double_neg"), "dce"])
    assert [n.op for n in out.topological_order()] == ["Placeholder", "Identity"]
