"""ir.Graph: TF-style naming, topological order, surgery, copy and extract."""

from __future__ import annotations

import numpy as np
import pytest

from flowjit.ir import Graph, Provenance, SourceLocation, TensorShape, dtypes, errors
from flowjit.ir.text import graphs_equal, print_graph
from flowjit.ir.verifier import verify


def ph(g, name="x", shape=(2,), dtype=dtypes.float32, **kw):
    return g.add_node("Placeholder", [], {"dtype": dtype, "shape": TensorShape(shape)}, name=name, **kw)


def ident(g, v, name="id", **kw):
    return g.add_node("Identity", [v], name=name, **kw)


# --------------------------------------------------------------------------------------
# naming
# --------------------------------------------------------------------------------------

def test_names_are_made_unique_tf_style():
    g = Graph()
    names = [g.add_node("NoOp", [], name="a").name for _ in range(4)]
    assert names == ["a", "a_1", "a_2", "a_3"]
    assert g.add_node("NoOp", []).name == "NoOp"
    assert g.add_node("NoOp", []).name == "NoOp_1"


def test_unique_name_skips_names_already_taken():
    g = Graph()
    g.add_node("NoOp", [], name="a_1")
    assert g.add_node("NoOp", [], name="a").name == "a"
    assert g.add_node("NoOp", [], name="a").name == "a_2"  # a_1 is taken
    assert g.add_node("NoOp", [], name="a_1").name == "a_1_1"


def test_unique_name_is_case_insensitive_like_tf():
    g = Graph()
    g.add_node("NoOp", [], name="Foo")
    assert g.add_node("NoOp", [], name="foo").name == "foo_1"


def test_unique_name_without_marking():
    g = Graph()
    g.add_node("NoOp", [], name="a")
    assert g.unique_name("a", mark_as_used=False) == "a_1"
    assert g.unique_name("a", mark_as_used=False) == "a_1"
    assert g.unique_name("b", mark_as_used=False) == "b"
    assert g.add_node("NoOp", [], name="a").name == "a_1"


def test_scoped_names():
    g = Graph()
    assert g.add_node("NoOp", [], name="scope/op").name == "scope/op"
    assert g.add_node("NoOp", [], name="scope/op").name == "scope/op_1"


def test_exact_names_must_be_free():
    g = Graph()
    g.add_node("NoOp", [], name="n", exact_name=True)
    with pytest.raises(ValueError, match="duplicate node name 'n'"):
        g.add_node("NoOp", [], name="n", exact_name=True)
    assert g.add_node("NoOp", [], name="n").name == "n_1"


def test_failed_inference_names_the_node_and_frees_the_name():
    g = Graph()
    with pytest.raises(errors.InvalidArgumentError, match=r"Identity node 'bad' created at f.py:3: Identity takes 1 inputs"):
        g.add_node("Identity", [], name="bad", source=SourceLocation("f.py", 3))
    assert "bad" not in g
    assert g.add_node("NoOp", [], name="bad").name == "bad"


def test_inputs_must_be_values_of_this_graph():
    g, other = Graph(), Graph()
    x = ph(other)
    with pytest.raises(ValueError, match="belongs to another graph"):
        ident(g, x.output())
    with pytest.raises(TypeError, match="must be an ir.Value"):
        g.add_node("Identity", [x], name="i")
    with pytest.raises(ValueError, match="control input x belongs to another graph"):
        g.add_node("NoOp", [], control_inputs=[x])


# --------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------

def test_lookup_and_values():
    g = Graph()
    x = ph(g)
    pair = g.add_node("IdentityN", [x.output(), x.output()], name="pair")
    assert g.node("x") is x and g.get_node("nope") is None
    assert "x" in g and "nope" not in g and len(g) == 2
    assert g.value("pair:1") == pair.output(1)
    assert g.value("pair") == pair.output(0)
    assert pair.output(1).name == "pair:1"
    assert pair.output(1).dtype == dtypes.float32 and pair.output(1).shape == TensorShape([2])
    with pytest.raises(KeyError, match="no node named 'nope'"):
        g.node("nope")
    with pytest.raises(IndexError, match="has 2 outputs; no output 2"):
        pair.output(2)
    assert [n.name for n in g] == ["x", "pair"]
    assert x.op_def.name == "Placeholder"


def test_users_and_consumers():
    g = Graph()
    x = ph(g)
    a = g.add_node("IdentityN", [x.output(), x.output()], name="a")
    b = ident(g, x.output(), name="b")
    c = ident(g, a.output(1), name="c")
    n = g.add_node("NoOp", [], name="n", control_inputs=[b])
    assert g.users(x.output()) == [a, b]  # a listed once although it reads x twice
    assert g.users(a.output(0)) == []
    assert g.users(a.output(1)) == [c]
    cons = g.consumers()
    assert cons[x.output()] == [a, b]
    assert g.control_users(b) == [n]


# --------------------------------------------------------------------------------------
# topological order
# --------------------------------------------------------------------------------------

def test_topological_order_respects_data_and_control_edges_and_is_stable():
    g = Graph()
    x = ph(g)
    a = ident(g, x.output(), name="a")
    b = ident(g, x.output(), name="b")
    c = g.add_node("NoOp", [], name="c")
    g.reorder([c, b, a, x])
    order = [n.name for n in g.topological_order()]
    assert order == ["c", "x", "b", "a"]
    d = g.add_node("NoOp", [], name="d")
    c.control_inputs.append(d)
    order = [n.name for n in g.topological_order()]
    assert order.index("d") < order.index("c")
    for n in g.topological_order():
        for v in n.inputs:
            assert order.index(v.node.name) < order.index(n.name)


def test_topological_order_of_a_subset():
    g = Graph()
    x = ph(g)
    a = ident(g, x.output(), name="a")
    b = ident(g, a.output(), name="b")
    assert g.topological_order([a, b, x]) == [x, a, b]
    assert g.topological_order([b, a]) == [a, b]
    # Footgun: only edges between nodes of the subset count; a path through a node left out
    # (x -> a -> b with a left out) does not order b after x.
    assert g.topological_order([b, x]) == [b, x]


def test_topological_order_detects_cycles():
    g = Graph()
    x = ph(g)
    a = ident(g, x.output(), name="a")
    b = ident(g, a.output(), name="b")
    a.inputs[0] = b.output()
    with pytest.raises(ValueError, match="cycle"):
        g.topological_order()


def test_topological_order_of_a_long_chain_is_iterative():
    g = Graph()
    v = ph(g).output()
    for _ in range(5000):
        v = ident(g, v).output()
    g.reorder(list(reversed(g.nodes)))
    order = g.topological_order()
    assert order[0].name == "x" and order[-1] is v.node


# --------------------------------------------------------------------------------------
# surgery
# --------------------------------------------------------------------------------------

def test_replace_all_uses_with():
    g = Graph()
    x = ph(g)
    y = ph(g, "y")
    a = g.add_node("IdentityN", [x.output(), x.output(), y.output()], name="a")
    g.results = [x.output(), y.output()]
    version = g.version
    assert g.replace_all_uses_with(x.output(), y.output()) == 3
    assert [v.name for v in a.inputs] == ["y:0", "y:0", "y:0"]
    assert [v.name for v in g.results] == ["y:0", "y:0"]
    assert g.version > version
    version = g.version
    assert g.replace_all_uses_with(x.output(), y.output()) == 0
    assert g.version == version


def test_erase_node():
    g = Graph()
    x = ph(g)
    a = ident(g, x.output(), name="a")
    n = g.add_node("NoOp", [], name="n", control_inputs=[a])
    g.targets = [a]
    with pytest.raises(ValueError, match="cannot erase node 'x' \\(Placeholder\\): a still reads it"):
        g.erase_node(x)
    g.erase_node(a)
    assert "a" not in g and n.control_inputs == [] and g.targets == []
    g.params = [x]
    g.results = [x.output()]
    with pytest.raises(ValueError, match="it is a result of the graph"):
        g.erase_node(x)
    g.results = []
    g.erase_node(x)
    assert g.params == [] and len(g) == 1
    verify(g)


def test_rename_and_reorder():
    g = Graph()
    x = ph(g)
    a = ident(g, x.output(), name="a")
    g.rename_node(a, "b")
    assert g.node("b") is a and "a" not in g and a.name == "b"
    with pytest.raises(ValueError, match="already used"):
        g.rename_node(a, "x")
    assert g.add_node("NoOp", [], name="b").name == "b_1"
    with pytest.raises(ValueError, match="every node exactly once"):
        g.reorder([x])
    g.reorder(list(reversed(g.nodes)))
    assert [n.name for n in g.nodes] == ["b_1", "b", "x"]


def test_set_output_shape():
    g = Graph()
    x = ph(g, shape=(None, 3))
    x.set_output_shape(0, [4, 3])
    assert x.output().shape == TensorShape([4, 3])


def test_version_bumps_on_mutation():
    g = Graph()
    v0 = g.version
    x = ph(g)
    assert g.version > v0
    v1 = g.version
    g.rename_node(x, "y")
    assert g.version > v1


# --------------------------------------------------------------------------------------
# copy and extract
# --------------------------------------------------------------------------------------

def sample():
    g = Graph()
    g.seed = 11
    x = ph(g, source=SourceLocation("m.py", 2, "f"))
    c = g.add_node("Const", [], {"dtype": dtypes.int32, "value": np.arange(3, dtype=np.int32)}, name="c")
    a = ident(g, x.output(), name="s/a", device="/cpu:0", provenance=Provenance("cse", ("z",)))
    body = Graph()
    p = body.add_node("Arg", [], {"dtype": dtypes.float32, "shape": TensorShape([2]), "index": 0}, name="p")
    body.params = [p]
    body.results = [p.output()]
    f = g.add_node("Fused", [a.output()], {"kind": "elementwise", "body": body, "lst": [body]}, name="f")
    n = g.add_node("NoOp", [], name="init", control_inputs=[c])
    g.reorder([n, f, a, c, x])  # insertion order is not topological
    g.params = [x]
    g.results = [f.output(), c.output()]
    g.targets = [n]
    return g


def test_copy_is_deep_and_keeps_everything():
    g = sample()
    h = g.copy()
    assert type(h) is Graph
    assert print_graph(h) == print_graph(g)
    assert graphs_equal(h, g, ignore_locations=False, ignore_order=False)
    assert all(h.node(n.name) is not n for n in g.nodes)
    assert h.node("s/a").inputs[0].node is h.node("x")
    assert h.params[0] is h.node("x") and h.targets[0] is h.node("init")
    assert h.results[0].node is h.node("f")
    body_g, body_h = g.node("f").attrs["body"], h.node("f").attrs["body"]
    assert body_h is not body_g and graphs_equal(body_h, body_g)
    assert h.node("f").attrs["lst"][0] is not body_g
    h.add_node("NoOp", [], name="extra")
    h.node("s/a").attrs["k"] = 1
    assert "extra" not in g and "k" not in g.node("s/a").attrs
    assert h.add_node("NoOp", [], name="init").name == "init_1"  # naming state is copied
    verify(h)


def test_extract_keeps_a_closed_subset():
    g = sample()
    keep = [g.node("x"), g.node("s/a"), g.node("init")]
    sub = g.extract(keep)
    assert [n.name for n in sub.nodes] == ["init", "s/a", "x"]  # original order
    assert sub.node("init").control_inputs == []  # c was not kept: the control edge goes
    assert sub.node("s/a").inputs[0].node is sub.node("x")
    assert sub.seed == 11
    assert sub.params == [] and sub.results == [] and sub.targets == []
    with pytest.raises(ValueError, match="extract: s/a reads \\['x:0'\\], which are not kept"):
        g.extract([g.node("s/a")])
    verify(sub)


def test_as_ir_graph_keeps_params_results_targets():
    g = sample()
    plain = g.as_ir_graph()
    assert graphs_equal(plain, g, ignore_locations=False)
    assert plain.params[0] is plain.node("x")
