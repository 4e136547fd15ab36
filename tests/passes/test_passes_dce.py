"""Dead code elimination and pruning (prune.py): IR text in, IR text out."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.passes import prune, run_passes
from _pass_testing import assert_ir, ir


def test_dce_keeps_what_results_targets_and_effects_need():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %dead = Exp(%x)
        %deader = Neg(%dead)
        %y = Neg(%x)
        %shape = Const() {value=array<int32[1]>[3], dtype=int32}
        %r = RandomUniform(%shape) {dtype=float32, seed=1, seed2=2}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %w = VariableV2() {var="w", dtype=float32, shape=shape[3]}
        %p = Print(%y, %y) {message="y", first_n=-1, summarize=3}
        %set = Assign(%w, %x) {var="w"}
        %noop = NoOp(^set)
        return %y
        targets %noop
    """)
    g, report = run_passes(g, ["dce"])
    # the random draw advances its generator and Print prints: both stay; nothing reads %v
    assert_ir(g, """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Neg(%x)
        %shape = Const() {value=array<int32[1]>[3], dtype=int32}
        %r = RandomUniform(%shape) {dtype=float32, seed=1, seed2=2}
        %w = VariableV2() {var="w", dtype=float32, shape=shape[3]}
        %p = Print(%y, %y) {message="y", first_n=-1, summarize=3}
        %set = Assign(%w, %x) {var="w"}
        %noop = NoOp(^set)
        return %y
        targets %noop
    """)
    assert report.notes("dce") == ["erased 3 dead nodes: dead, deader, v"]


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_prune_keeps_only_what_fetches_need_and_cuts_at_feeds():
    a = tf.placeholder(tf.float32, [2], name="a")
    b = tf.placeholder(tf.float32, [2], name="b")
    c = tf.add(a, b, name="c")
    d = tf.multiply(c, 2.0, name="d")
    tf.exp(a, name="unused")
    g = tf.get_default_graph()
    plan = prune(g, [d.value], [], [c.value])
    assert_ir(plan, """
        params %c/fed_0
        %c/fed_0 = Placeholder() {dtype=float32, shape=shape[2]}
        %d/y = Const() {value=array<float32[]>[2.0], dtype=float32}
        %d = Mul(%c/fed_0, %d/y)
        return %d
    """)


def test_prune_keeps_control_dependencies_and_targets():
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0, name="inc")
    with tf.control_dependencies([inc]):
        y = tf.identity(v, name="y")
    g = tf.get_default_graph()
    plan = prune(g, [y.value], [], [])
    assert "inc" in plan and plan.node("y").control_inputs[0].name == "inc"
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y) == np.float32(2.0)
        assert sess.run(y) == np.float32(3.0)
