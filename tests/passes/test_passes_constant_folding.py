"""Constant folding: IR text in, IR text out; never stateful or random ops; large results."""

from __future__ import annotations

import numpy as np

from flowjit.passes import LITERAL_LIMIT, fold_constants, run_passes
from _pass_testing import assert_ir, check_preserves, ir


def fold(graph):
    return run_passes(graph, ["constant_folding"])[0]


def test_folds_a_constant_subgraph_in_one_sweep():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2]}
        %a = Const() {value=array<float32[]>[2.0], dtype=float32}
        %b = Const() {value=array<float32[]>[3.0], dtype=float32}
        %c = Mul(%a, %b)
        %d = AddV2(%c, %a)
        %y = Mul(%x, %d)
        return %y
    """)
    assert_ir(fold(g), """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2]}
        %a = Const() {value=array<float32[]>[2.0], dtype=float32}
        %b = Const() {value=array<float32[]>[3.0], dtype=float32}
        %c = Const() {value=array<float32[]>[6.0], dtype=float32}
        %d = Const() {value=array<float32[]>[8.0], dtype=float32}
        %y = Mul(%x, %d)
        return %y
    """)
    d = g.node("d")
    assert d.provenance.created_by == "constant_folding"
    assert set(d.provenance.origins) == {"d", "c", "a", "b"}


def test_placeholders_and_what_depends_on_them_are_not_folded():
    text = """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2]}
        %a = Const() {value=array<float32[]>[2.0], dtype=float32}
        %y = Mul(%x, %a)
        %z = Neg(%y)
        return %z
    """
    assert_ir(fold(ir(text)), text)


def test_stateful_and_random_ops_are_never_folded():
    text = """
        %shape = Const() {value=array<int32[1]>[3], dtype=int32}
        %r = RandomUniform(%shape) {dtype=float32, seed=1, seed2=2}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %one = Const() {value=array<float32[]>[1.0], dtype=float32}
        %add = AddV2(%r, %one)
        %read = Mul(%v, %one)
        return %add, %read
    """
    assert_ir(fold(ir(text)), text)


def test_shape_of_a_statically_shaped_value_folds_but_keeps_effects():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %s = Shape(%x)
        %n = Size(%x)
        %u = Placeholder() {dtype=float32, shape=shape[4]}
        %su = Shape(%u)
        %q = Placeholder() {dtype=float32, shape=shape[?]}
        %sq = Shape(%q)
        return %s, %n, %su, %sq
    """)
    assert_ir(fold(g), """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %s = Const() {value=array<int32[2]>[2, 3], dtype=int32}
        %n = Const() {value=array<int32[]>[6], dtype=int32}
        %u = Placeholder() {dtype=float32, shape=shape[4]}
        %su = Const(^u) {value=array<int32[1]>[4], dtype=int32}
        %q = Placeholder() {dtype=float32, shape=shape[?]}
        %sq = Shape(%q)
        return %s, %n, %su, %sq
    """)
    # the unfed placeholder %u still runs (and fails) because the folded shape waits for it


def test_kernel_errors_are_left_for_run_time():
    text = """
        %a = Const() {value=array<int32[]>[1], dtype=int32}
        %z = Const() {value=array<int32[]>[0], dtype=int32}
        %d = FloorDiv(%a, %z)
        return %d
    """
    assert_ir(fold(ir(text)), text)


def test_control_inputs_are_kept():
    g = ir("""
        %v = VariableV2() {var="v", dtype=float32, shape=shape[]}
        %one = Const() {value=array<float32[]>[1.0], dtype=float32}
        %inc = AssignAdd(%v, %one) {var="v"}
        %a = Const(^inc) {value=array<float32[]>[2.0], dtype=float32}
        %b = Mul(%a, %one)
        return %b
    """)
    fold_constants(g)
    assert [c.name for c in g.node("b").control_inputs] == ["inc"]
    assert g.node("b").op == "Const"


def test_large_results_are_marked_as_buffers():
    n = LITERAL_LIMIT + 1
    g = ir(f"""
        %a = Const() {{value=array<float32[{n}]>splat(1.5), dtype=float32}}
        %b = Neg(%a)
        %small = Const() {{value=array<float32[3]>[1.0, 2.0, 3.0], dtype=float32}}
        %c = Neg(%small)
        return %b, %c
    """)
    fold_constants(g)
    assert g.node("b").op == "Const" and g.node("b").attrs["_large"] is True
    assert "_large" not in g.node("c").attrs


def test_expansions_into_large_constants_are_not_folded():
    text = f"""
        %dims = Const() {{value=array<int32[2]>[{LITERAL_LIMIT}, 2], dtype=int32}}
        %v = Const() {{value=array<float32[]>[0.5], dtype=float32}}
        %f = Fill(%dims, %v)
        return %f
    """
    assert_ir(fold(ir(text)), text)


def test_folding_preserves_results():
    g = ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %a = Const() {value=array<float32[2,3]>[1.0, -0.0, 0.0, 3.5, -2.0, 8.0], dtype=float32}
        %p = Const() {value=array<int32[2]>[1, 0], dtype=int32}
        %t = Transpose(%a, %p)
        %r = Reshape(%t, %s)
        %s = Shape(%x)
        %e = Exp(%r)
        %y = Mul(%x, %e)
        return %y, %r
    """)
    out = check_preserves(g, ["constant_folding"], [np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)])
    assert out.node("e").op == "Const"
