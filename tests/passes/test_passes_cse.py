"""CSE: IR text in, IR text out; never merging stateful ops; respecting control deps."""

from __future__ import annotations

import numpy as np

from flowjit.passes import run_passes
from _pass_testing import assert_ir, check_preserves, ir


def cse(graph):
    return run_passes(graph, ["cse"])[0]


def test_merges_equal_pure_nodes_and_their_users():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Exp(%x)
        %b = Exp(%x)
        %c = Neg(%a)
        %d = Neg(%b)
        %s = AddV2(%c, %d)
        return %s
    """)
    assert_ir(cse(g), """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Exp(%x)
        %c = Neg(%a)
        %s = AddV2(%c, %c)
        return %s
    """)


def test_commutative_ops_match_in_either_order_but_sub_does_not():
    g = ir("""
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Mul(%x, %y)
        %b = Mul(%y, %x)
        %c = Sub(%x, %y)
        %d = Sub(%y, %x)
        return %a, %b, %c, %d
    """)
    assert_ir(cse(g), """
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Mul(%x, %y)
        %c = Sub(%x, %y)
        %d = Sub(%y, %x)
        return %a, %a, %c, %d
    """)


def test_equal_constants_merge_but_not_across_dtypes_or_signed_zeros():
    g = ir("""
        %a = Const() {value=array<float32[]>[0.0], dtype=float32}
        %b = Const() {value=array<float32[]>[0.0], dtype=float32}
        %c = Const() {value=array<float32[]>[-0.0], dtype=float32}
        %d = Const() {value=array<float64[]>[0.0], dtype=float64}
        return %a, %b, %c, %d
    """)
    assert_ir(cse(g), """
        %a = Const() {value=array<float32[]>[0.0], dtype=float32}
        %c = Const() {value=array<float32[]>[-0.0], dtype=float32}
        %d = Const() {value=array<float64[]>[0.0], dtype=float64}
        return %a, %a, %c, %d
    """)


def test_stateful_and_random_ops_are_never_merged():
    text = """
        %shape = Const() {value=array<int32[1]>[3], dtype=int32}
        %r1 = RandomUniform(%shape) {dtype=float32, seed=1, seed2=2}
        %r2 = RandomUniform(%shape) {dtype=float32, seed=1, seed2=2}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %w = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %read1 = ReadVariable(%v) {var="v"}
        %read2 = ReadVariable(%v) {var="v"}
        return %r1, %r2, %read1, %read2, %w
    """
    assert_ir(cse(ir(text)), text)


def test_nodes_waiting_for_different_things_are_not_merged():
    text = """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %inc = AssignAdd(%v, %x) {var="v"}
        %a = Neg(%x)
        %b = Neg(%x, ^inc)
        return %a, %b
    """
    assert_ir(cse(ir(text)), text)


def test_who_waited_for_a_merged_node_waits_for_the_survivor():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Neg(%x)
        %b = Neg(%x)
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %set = Assign(%v, %x, ^b) {var="v"}
        return %a
        targets %set
    """)
    assert_ir(cse(g), """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Neg(%x)
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %set = Assign(%v, %x, ^a) {var="v"}
        return %a
        targets %set
    """)


def test_cse_preserves_results():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %axis = Const() {value=array<int32[]>[1], dtype=int32}
        %axis2 = Const() {value=array<int32[]>[1], dtype=int32}
        %s1 = Sum(%x, %axis) {keep_dims=true}
        %s2 = Sum(%x, %axis2) {keep_dims=true}
        %s3 = Sum(%x, %axis2) {keep_dims=false}
        %d = RealDiv(%s1, %s2)
        return %d, %s3
    """)
    out = check_preserves(g, ["cse"], [np.arange(6, dtype=np.float32).reshape(2, 3)])
    assert "s2" not in out and "s3" in out
