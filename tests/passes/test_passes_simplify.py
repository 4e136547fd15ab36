"""Algebraic simplification: each rule as IR text in, IR text out, and where it must not fire."""

from __future__ import annotations

import numpy as np
import pytest

from flowjit.passes import Pat, run_passes, simplify
from _pass_testing import assert_ir, check_preserves, ir

X3 = "%x = Placeholder() {dtype=float32, shape=shape[3]}"
I3 = "%i = Placeholder() {dtype=int32, shape=shape[3]}"


def simp(graph):
    return run_passes(graph, ["simplify", "dce"])[0]


def one_op(body: str, result: str = "%y") -> str:
    return f"""
        params %x, %i
        {X3}
        {I3}
        {body}
        return {result}
    """


@pytest.mark.parametrize("body, result", [
    # x * 1 -> x, either side, any dtype
    ('%c = Const() {value=array<float32[]>[1.0], dtype=float32}\n%y = Mul(%c, %x)', "%x"),
    ('%c = Const() {value=array<int32[3]>splat(1), dtype=int32}\n%y = Mul(%i, %c)', "%i"),
    # x / 1 -> x
    ('%c = Const() {value=array<float32[]>[1.0], dtype=float32}\n%y = RealDiv(%x, %c)', "%x"),
    # x + (-0.0) -> x for floats, x + 0 -> x for integers
    ('%c = Const() {value=array<float32[]>[-0.0], dtype=float32}\n%y = AddV2(%x, %c)', "%x"),
    ('%c = Const() {value=array<int32[]>[0], dtype=int32}\n%y = AddV2(%c, %i)', "%i"),
    # x - 0.0 -> x
    ('%c = Const() {value=array<float32[]>[0.0], dtype=float32}\n%y = Sub(%x, %c)', "%x"),
    # -(-x) -> x
    ('%n = Neg(%x)\n%y = Neg(%n)', "%x"),
    # identity chains
    ('%a = Identity(%x)\n%b = StopGradient(%a)\n%y = Identity(%b)', "%x"),
    # cast to the same type
    ('%y = Cast(%x) {SrcT=float32, DstT=float32}', "%x"),
    # reshape to the same shape
    ('%s = Const() {value=array<int32[1]>[3], dtype=int32}\n%y = Reshape(%x, %s)', "%x"),
    # transpose by the identity permutation
    ('%p = Const() {value=array<int32[1]>[0], dtype=int32}\n%y = Transpose(%x, %p)', "%x"),
])
def test_rules_that_return_an_operand(body, result):
    g = simp(ir(one_op(body)))
    assert [v.name for v in g.results] == [result[1:] + ":0"]


@pytest.mark.parametrize("body", [
    # x + 0.0 is not x for x = -0.0
    '%c = Const() {value=array<float32[]>[0.0], dtype=float32}\n%y = AddV2(%x, %c)',
    # x - (-0.0) is not x for x = -0.0
    '%c = Const() {value=array<float32[]>[-0.0], dtype=float32}\n%y = Sub(%x, %c)',
    # x * 0.0 is not 0 for inf, NaN or negative x
    '%c = Const() {value=array<float32[]>[0.0], dtype=float32}\n%y = Mul(%x, %c)',
    # x * ones([2, 3]) broadcasts x: not x
    '%c = Const() {value=array<float32[2,3]>splat(1.0), dtype=float32}\n%y = Mul(%x, %c)',
    # a cast to another type
    '%y = Cast(%x) {SrcT=float32, DstT=float64}',
    # x - x is NaN for inf
    '%y = Sub(%x, %x)',
])
def test_inexact_rewrites_do_not_fire(body):
    text = one_op(body)
    assert_ir(simp(ir(text)), text)


def test_integer_times_zero_is_zero():
    g = simp(ir(one_op('%c = Const() {value=array<int32[]>[0], dtype=int32}\n%y = Mul(%i, %c)')))
    assert_ir(g, """
        params %x, %i
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %i = Placeholder() {dtype=int32, shape=shape[3]}
        %y = Const() {value=array<int32[3]>splat(0), dtype=int32}
        return %y
    """)


def test_reshape_of_reshape_and_transpose_of_transpose():
    g = simp(ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3,4]}
        %s1 = Const() {value=array<int32[2]>[6, 4], dtype=int32}
        %s2 = Const() {value=array<int32[1]>[24], dtype=int32}
        %r1 = Reshape(%x, %s1)
        %r2 = Reshape(%r1, %s2)
        %p = Const() {value=array<int32[3]>[1, 2, 0], dtype=int32}
        %q = Const() {value=array<int32[3]>[2, 0, 1], dtype=int32}
        %t1 = Transpose(%x, %p)
        %t2 = Transpose(%t1, %q)
        %u = Const() {value=array<int32[3]>[0, 2, 1], dtype=int32}
        %t3 = Transpose(%t1, %u)
        return %r2, %t2, %t3
    """))
    assert_ir(g, """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3,4]}
        %s2 = Const() {value=array<int32[1]>[24], dtype=int32}
        %r2 = Reshape(%x, %s2)
        %t3/perm = Const() {value=array<int32[3]>[1, 0, 2], dtype=int32}
        %t3 = Transpose(%x, %t3/perm)
        return %r2, %x, %t3
    """)
    assert g.node("t3").provenance.created_by == "simplify"


def test_broadcast_scalars_stay_scalars():
    g = simp(ir("""
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %c = Const() {value=array<float32[2,3]>splat(2.5), dtype=float32}
        %y = Mul(%x, %c)
        %dims = Const() {value=array<int32[2]>[2, 3], dtype=int32}
        %h = Const() {value=array<float32[]>[0.5], dtype=float32}
        %f = Fill(%dims, %h)
        %z = Sub(%f, %y)
        return %z
    """))
    assert_ir(g, """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[2,3]}
        %y/scalar = Const() {value=array<float32[]>[2.5], dtype=float32}
        %y = Mul(%x, %y/scalar)
        %h = Const() {value=array<float32[]>[0.5], dtype=float32}
        %z = Sub(%h, %y)
        return %z
    """)


def test_negations_fold_into_add_and_sub():
    g = simp(ir("""
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %n = Neg(%y)
        %a = AddV2(%n, %x)
        %s = Sub(%x, %n)
        return %a, %s
    """))
    assert_ir(g, """
        params %x, %y
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %y = Placeholder() {dtype=float32, shape=shape[3]}
        %a = Sub(%x, %y)
        %s = AddV2(%x, %y)
        return %a, %s
    """)


def test_identity_with_control_inputs_or_of_a_variable_stays():
    text = """
        params %x
        %x = Placeholder() {dtype=float32, shape=shape[3]}
        %v = VariableV2() {var="v", dtype=float32, shape=shape[3]}
        %inc = AssignAdd(%v, %x) {var="v"}
        %a = Identity(%x, ^inc)
        %b = Identity(%v)
        return %a, %b
    """
    assert_ir(simp(ir(text)), text)


def test_custom_rules_use_the_same_driver():
    rules = [
        # x * 2 -> x + x
        (Pat("Mul", [Pat.any("x"), Pat.splat(2)], commutative=True),
         lambda m: m.new("AddV2", [m.x, m.x]) if m.keeps_shape(m.x) else None),
    ]
    g, report = run_passes(ir(one_op('%c = Const() {value=array<float32[]>[2.0], dtype=float32}\n%y = Mul(%x, %c)')),
                           [simplify(rules=rules), "dce"])
    assert_ir(g, one_op("%y = AddV2(%x, %x)"))
    assert report.notes("simplify") == ["rewrote y (Mul) -> a new AddV2"]


def test_simplify_preserves_results_on_special_values():
    g = ir("""
        params %x, %i
        %x = Placeholder() {dtype=float32, shape=shape[6]}
        %i = Placeholder() {dtype=int32, shape=shape[6]}
        %zero = Const() {value=array<float32[]>[0.0], dtype=float32}
        %nzero = Const() {value=array<float32[]>[-0.0], dtype=float32}
        %one = Const() {value=array<float32[6]>splat(1.0), dtype=float32}
        %izero = Const() {value=array<int32[]>[0], dtype=int32}
        %a = AddV2(%x, %zero)
        %b = AddV2(%x, %nzero)
        %c = Sub(%x, %zero)
        %d = Mul(%x, %zero)
        %e = Mul(%one, %x)
        %f = Mul(%i, %izero)
        %n = Neg(%x)
        %nn = Neg(%n)
        return %a, %b, %c, %d, %e, %f, %nn
    """)
    x = np.array([-0.0, 0.0, np.inf, -np.inf, np.nan, -2.5], dtype=np.float32)
    i = np.array([-5, 0, 7, 2**31 - 1, -2**31, 1], dtype=np.int32)
    check_preserves(g, ["simplify", "dce"], [x, i])
