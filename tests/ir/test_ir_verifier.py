"""The IR verifier: every kind of malformed graph is reported, naming the node and the problem."""

from __future__ import annotations

import time

import numpy as np
import pytest

from flowjit.ir import Graph, OutputSpec, Provenance, TensorShape, Value, dtypes, errors
from flowjit.ir.text import parse_graph
from flowjit.ir.verifier import VerificationError, find_problems, verify


def placeholder(g, name, dtype=dtypes.float32, shape=(None, 3)):
    return g.add_node("Placeholder", [], {"dtype": dtype, "shape": TensorShape(shape)}, name=name)


def const(g, name, value):
    value = np.asarray(value)
    return g.add_node("Const", [], {"dtype": dtypes.as_dtype(value.dtype), "value": value}, name=name)


def good_graph():
    g = Graph()
    x = placeholder(g, "x")
    c = const(g, "scope/c", np.ones(3, np.float32))
    y = g.add_node("Identity", [x.output()], name="scope/y")
    pair = g.add_node("IdentityN", [y.output(), c.output()], name="pair")
    init = g.add_node("NoOp", [], name="init", control_inputs=[y])
    body = Graph()
    p = body.add_node("Arg", [], {"dtype": dtypes.float32, "shape": TensorShape([None, 3]), "index": 0}, name="p")
    e = body.add_node("Identity", [p.output()], name="e")
    body.params = [p]
    body.results = [e.output()]
    f = g.add_node("Fused", [pair.output(0)], {"kind": "elementwise", "body": body}, name="f")
    g.params = [x]
    g.results = [f.output(), pair.output(1)]
    g.targets = [init]
    g.seed = 3
    return g


def expect_problem(g, *patterns):
    with pytest.raises(VerificationError) as info:
        verify(g)
    message = str(info.value)
    for pattern in patterns:
        assert pattern in message, message
    return info.value


def test_a_well_formed_graph_passes():
    verify(good_graph())
    assert find_problems(good_graph()) == []
    verify(Graph())


def test_verification_error_is_an_internal_error():
    assert issubclass(VerificationError, errors.InternalError)
    assert issubclass(VerificationError, errors.OpError)
    g = good_graph()
    g.node("scope/y").attrs["fn"] = print
    err = expect_problem(g, "node 'scope/y' (Identity)")
    assert err.op is g.node("scope/y")
    assert err.error_code == errors.INTERNAL
    assert err.problems and "fn" in err.problems[0]


def test_unknown_op_type():
    g = parse_graph("%x = NotAnOp() : float32[]")
    expect_problem(g, "node 'x' (NotAnOp): op type 'NotAnOp' is not registered")


def test_input_from_another_graph():
    other = Graph()
    foreign = placeholder(other, "foreign")
    g = good_graph()
    g.node("scope/y").inputs[0] = foreign.output()
    expect_problem(g, "node 'scope/y' (Identity): input 0 reads 'foreign:0' of another graph")


def test_control_input_from_another_graph():
    other = Graph()
    foreign = other.add_node("NoOp", [], name="foreign")
    g = good_graph()
    g.node("init").control_inputs.append(foreign)
    expect_problem(g, "node 'init' (NoOp): control input 1 is node 'foreign' of another graph")


def test_input_from_an_erased_node():
    g = good_graph()
    y = g.node("scope/y")
    z = g.add_node("Identity", [y.output()], name="z")
    zz = g.add_node("Identity", [z.output()], name="zz")
    del g._nodes["z"]  # a buggy pass removing a node that is still read
    expect_problem(g, "node 'zz' (Identity): input 0 reads 'z:0', a node that was erased")
    g._nodes["z"] = z
    verify(g)
    zz.control_inputs.append(z)
    g._nodes.pop("z")
    zz.inputs = []
    errs = find_problems(g)
    assert any("control input 0 is node 'z', which was erased" in e for e in errs)


def test_output_index_out_of_range():
    g = good_graph()
    g.node("scope/y").inputs[0] = Value(g.node("x"), 3)
    expect_problem(g, "node 'scope/y' (Identity): input 0 reads output 3 of node 'x' (Placeholder), which has 1 output(s)")


def test_non_value_inputs():
    g = good_graph()
    g.node("scope/y").inputs[0] = "x:0"
    expect_problem(g, "input 0 is a str, not an ir.Value")


def test_cycle_is_reported_with_its_path():
    g = parse_graph('''
        %a = Identity(%c) : float32[]
        %b = Identity(%a) : float32[]
        %c = Identity(%b) : float32[]
        %d = Identity(%c) : float32[]
    ''')
    err = expect_problem(g, "is on a cycle")
    assert "'a' -> 'b' -> 'c' -> 'a'" in str(err) or "'b' -> 'c' -> 'a' -> 'b'" in str(err) \
        or "'c' -> 'a' -> 'b' -> 'c'" in str(err), str(err)


def test_control_edge_cycle():
    g = parse_graph('''
        %a = NoOp(^b) : ()
        %b = NoOp(^a) : ()
    ''')
    expect_problem(g, "on a cycle")


def test_self_loop():
    g = parse_graph("%a = Identity(%a) : float32[]")
    expect_problem(g, "node 'a' (Identity) is on a cycle: 'a' -> 'a'")


def test_duplicate_names():
    g = good_graph()
    g.node("scope/y").name = "x"  # renamed behind the graph's back
    errs = find_problems(g)
    assert any("node 'x' (Identity) is registered under the name 'scope/y'" in e for e in errs)
    assert any("duplicate node name 'x'" in e for e in errs)


def test_node_of_another_graph_inserted():
    g = good_graph()
    other = Graph()
    stray = other.add_node("NoOp", [], name="stray")
    g._nodes["stray"] = stray
    expect_problem(g, "node 'stray' (NoOp) belongs to another graph")


@pytest.mark.parametrize("value,kind", [
    (print, "a callable"),
    (lambda: 1, "a callable"),
    ({"a": 1}, "a dict"),
    (object(), "a object"),
    ({1, 2}, "a set"),
    ([1, len], "a callable"),
    (np.array([object()], dtype=object), "object array holding a object"),
    (np.array([1j]), "unsupported dtype complex128"),
])
def test_attrs_must_be_plain_data(value, kind):
    g = good_graph()
    g.node("scope/y").attrs["bad"] = value
    expect_problem(g, "node 'scope/y' (Identity): attr 'bad", kind)


def test_every_plain_attr_kind_is_accepted():
    g = good_graph()
    g.node("scope/y").attrs.update(
        i=1, f=1.5, b=True, s="s", by=b"b", n=None, d=dtypes.int32, sh=TensorShape(None),
        a=np.zeros((2, 0)), sa=np.array(["x", b"y", 1, None], dtype=object), u=np.array(["u"]),
        l=[1, (2, [3.0])], t=(), g=Graph(), np_scalar=np.float32(1))
    verify(g)


def test_output_dtype_must_match_inference():
    g = good_graph()
    g.node("scope/y").outputs[0] = OutputSpec(dtypes.float64, TensorShape([None, 3]))
    expect_problem(g, "node 'scope/y' (Identity): output 0 is declared float64, inference gives float32")


def test_output_shape_must_be_compatible_with_inference():
    g = good_graph()
    g.node("scope/y").set_output_shape(0, TensorShape([None, 4]))
    expect_problem(g, "output 0 is declared with shape (?, 4), inference gives (?, 3)")
    g.node("scope/y").set_output_shape(0, TensorShape([5, 3]))  # more specific: fine
    verify(g)
    g.node("scope/y").set_output_shape(0, TensorShape(None))  # less specific: fine
    verify(g)


def test_output_count_must_match_inference():
    g = good_graph()
    y = g.node("scope/y")
    y.outputs.append(OutputSpec(dtypes.float32, TensorShape([])))
    errs = find_problems(g)
    assert any("has 2 output specs but 1 values" in e for e in errs)
    g2 = parse_graph('''
        %x = Placeholder() {dtype=float32, shape=shape[]} : float32[]
        %y = Identity(%x) : (float32[], float32[])
    ''')
    expect_problem(g2, "node 'y' (Identity): has 2 output(s), its inference rule gives 1")


def test_output_specs_must_be_output_specs():
    g = good_graph()
    g.node("scope/y").outputs[0] = (dtypes.float32, TensorShape([]))
    expect_problem(g, "output 0 spec", "is not OutputSpec(DType, TensorShape)")


def test_wrong_number_of_inputs():
    g = good_graph()
    y = g.node("scope/y")
    y.inputs.append(g.node("x").output())
    expect_problem(g, "node 'scope/y' (Identity): Identity takes 1 input(s), the node has 2")


def test_inference_failures_are_skipped_unless_strict():
    g = good_graph()
    g.node("scope/c").attrs["value"] = [1.0, 2.0, 3.0]  # not an ndarray: Const's rule raises
    verify(g)
    with pytest.raises(VerificationError, match="node 'scope/c' \\(Const\\): its inference rule fails"):
        verify(g, strict_inference=True)


def test_params_must_be_arg_or_placeholder_nodes_of_the_graph():
    g = good_graph()
    g.params.append(g.node("scope/y"))
    expect_problem(g, "params[1] is node 'scope/y' (Identity); a parameter must be an Arg or Placeholder node")
    g = good_graph()
    g.params.append(Graph().add_node("NoOp", [], name="alien"))
    expect_problem(g, "params[1] ('alien') is not a node of this graph")


def test_results_and_targets_must_be_in_the_graph():
    g = good_graph()
    other = Graph()
    alien = placeholder(other, "alien")
    g.results.append(alien.output())
    expect_problem(g, "results[2] ('alien:0') is not a value of this graph")
    g = good_graph()
    g.targets.append(other.add_node("NoOp", [], name="t"))
    expect_problem(g, "targets[1] ('t') is not a node of this graph")
    g = good_graph()
    y = g.node("scope/y")
    g.results.append(y.output())
    z = g.add_node("Identity", [y.output()], name="z")
    g.replace_all_uses_with(y.output(), z.output())
    g.replace_all_uses_with(z.output(), y.output())
    g.erase_node(z)
    verify(g)


def test_erased_result_node_is_reported():
    g = good_graph()
    f = g.node("f")
    del g._nodes["f"]
    expect_problem(g, "results[0] ('f:0') is not a value of this graph")
    assert f.name == "f"


def test_bad_seed_device_source_provenance():
    g = good_graph()
    g.seed = "7"
    g.node("x").device = None
    g.node("x").source = "file.py:3"
    g.node("x").provenance = None
    errs = find_problems(g)
    assert any("graph seed must be None or an int" in e for e in errs)
    assert any("node 'x' (Placeholder): device must be a str" in e for e in errs)
    assert any("source must be a SourceLocation or None" in e for e in errs)
    assert any("provenance must be a Provenance" in e for e in errs)


def test_nested_graphs_are_verified_recursively():
    g = good_graph()
    body = g.node("f").attrs["body"]
    body.node("e").attrs["cb"] = len
    expect_problem(g, "in attr 'body' of node 'f': node 'e' (Identity): attr 'cb' is a callable")
    g = good_graph()
    inner = Graph()
    inner.add_node("NoOp", [], name="deep", attrs={"bad": {}})
    g.node("init").attrs["branches"] = [Graph(), (inner,)]
    expect_problem(g, "in attr 'branches'[1][0] of node 'init': node 'deep' (NoOp): attr 'bad' is a dict")


def test_nested_param_checks():
    g = good_graph()
    body = g.node("f").attrs["body"]
    body.params = [body.node("e")]
    expect_problem(g, "in attr 'body' of node 'f': params[0] is node 'e' (Identity)")


def test_message_lists_several_problems_and_source_location():
    g = parse_graph('''
        %a = Nope() : float32[] loc("model.py":12)
        %b = Identity(%a) {f=none} : int32[]
    ''')
    g.node("b").attrs["f"] = print
    err = expect_problem(g, "problems in the graph", "node 'a' (Nope) created at model.py:12")
    assert len(err.problems) == 3  # unknown op, callable attr, dtype disagreement
    with pytest.raises(VerificationError) as info:
        verify(g, max_problems=1)
    assert "stopped after 1" in str(info.value)


def test_verify_is_linear_and_not_recursive():
    g = Graph()
    v = placeholder(g, "x", shape=(4,)).output()
    n = 20000
    for k in range(n):
        v = g.add_node("Identity", [v], name="id", provenance=Provenance("test")).output()
    g.results = [v]
    start = time.perf_counter()
    verify(g)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0  # about 0.2 s; a quadratic verifier would take minutes
