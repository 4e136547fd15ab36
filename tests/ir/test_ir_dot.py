"""DOT export: the text is valid DOT (checked by a small DOT grammar reader written here, and
by pydot when installed) and shows scopes, devices, edge types, control edges and highlights."""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

from flowjit.ir import Graph, TensorShape, dtypes
from flowjit.ir import dot as dot_mod
from flowjit.ir.dot import render, to_dot

# --------------------------------------------------------------------------------------
# a small reader for the DOT language (graph, subgraph, node, edge and attr statements)
# --------------------------------------------------------------------------------------

_DOT_TOKEN = re.compile(r'''
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<id>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
  | (?P<op>->|--|[{}\[\];,=:])
''', re.VERBOSE | re.DOTALL)


def _dot_tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _DOT_TOKEN.match(text, pos)
        assert m is not None, f"not DOT at {pos}: {text[pos:pos + 30]!r}"
        if m.lastgroup == "str":
            out.append(("qid", re.sub(r'\\(["\\])', r"\1", m.group()[1:-1])))
        elif m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
        pos = m.end()
    return out


class DotGraph:
    def __init__(self):
        self.name = None
        self.attrs = {}
        self.nodes = {}  # id -> attrs
        self.node_cluster = {}  # id -> innermost cluster path
        self.edges = []  # (src, dst, attrs)
        self.clusters = {}  # cluster id -> (parent cluster id, attrs)


def parse_dot(text):
    toks = _dot_tokens(text)
    i = 0
    g = DotGraph()

    def peek():
        return toks[i] if i < len(toks) else ("eof", "")

    def take(value=None):
        nonlocal i
        tok = peek()
        assert value is None or tok == ("id" if value.isalpha() else "op", value), f"expected {value!r}, found {tok!r}"
        assert tok[0] != "eof", "unexpected end of DOT text"
        i += 1
        return tok

    def attr_list():
        attrs = {}
        while peek() == ("op", "["):
            take("[")
            while peek() != ("op", "]"):
                key = take()[1]
                take("=")
                attrs[key] = take()[1]
                if peek() in (("op", ","), ("op", ";")):
                    take()
            take("]")
        return attrs

    def stmt_list(cluster, attrs_out):
        while peek() != ("op", "}"):
            tok = take()
            if tok[0] == "id" and tok[1] in ("graph", "node", "edge") and peek() == ("op", "["):
                attr_list()
            elif tok == ("id", "subgraph"):
                sub_id = take()[1] if peek() != ("op", "{") else None
                take("{")
                sub_attrs = {}
                g.clusters[sub_id] = (cluster, sub_attrs)
                stmt_list(sub_id, sub_attrs)
                take("}")
            elif peek() == ("op", "="):
                take("=")
                attrs_out[tok[1]] = take()[1]
            else:
                assert tok[0] in ("id", "qid"), f"expected a node id, found {tok!r}"
                ids = [tok[1]]
                while peek() == ("op", "->"):
                    take("->")
                    ids.append(take()[1])
                attrs = attr_list()
                if len(ids) == 1:
                    g.nodes.setdefault(ids[0], {}).update(attrs)
                    g.node_cluster.setdefault(ids[0], cluster)
                else:
                    for a, b in zip(ids, ids[1:]):
                        g.edges.append((a, b, attrs))
                        for n in (a, b):
                            g.nodes.setdefault(n, {})
            if peek() == ("op", ";"):
                take(";")

    take("digraph")
    if peek() != ("op", "{"):
        g.name = take()[1]
    take("{")
    stmt_list(None, g.attrs)
    take("}")
    assert peek()[0] == "eof", f"text after the graph: {peek()!r}"
    return g


def cluster_path(d, node_id):
    path, c = [], d.node_cluster.get(node_id)
    while c is not None:
        path.append(d.clusters[c][1].get("label"))
        c = d.clusters[c][0]
    return list(reversed(path))


# --------------------------------------------------------------------------------------

def sample_graph():
    g = Graph()
    x = g.add_node("Placeholder", [], {"dtype": dtypes.float32, "shape": TensorShape([None, 3])}, name="input/x",
                   device="/cpu:0")
    w = g.add_node("Const", [], {"dtype": dtypes.float32, "value": np.array(2.5, np.float32)},
                   name="dense/kernel", device="/gpu:0")
    y = g.add_node("IdentityN", [x.output(), w.output()], name="dense/inner/pair", device="/gpu:0")
    init = g.add_node("NoOp", [], name="init")
    z = g.add_node("Identity", [y.output(1)], name="dense/out", control_inputs=[init])
    body = Graph()
    p = body.add_node("Arg", [], {"dtype": dtypes.float32, "shape": TensorShape([]), "index": 0}, name="p")
    body.params = [p]
    body.results = [p.output()]
    f = g.add_node("Fused", [z.output()], {"kind": "elementwise", "body": body}, name="fused")
    g.params = [x]
    g.results = [f.output()]
    g.targets = [init]
    return g


def test_output_is_valid_dot_with_every_node_and_edge():
    g = sample_graph()
    d = parse_dot(to_dot(g))
    for n in g.nodes:
        assert n.name in d.nodes
    edges = {(a, b) for a, b, _ in d.edges}
    for n in g.nodes:
        for v in n.inputs:
            assert (v.node.name, n.name) in edges
        for c in n.control_inputs:
            assert (c.name, n.name) in edges


def test_name_scopes_become_nested_clusters():
    d = parse_dot(to_dot(sample_graph()))
    assert cluster_path(d, "dense/inner/pair") == ["dense", "inner"]
    assert cluster_path(d, "dense/kernel") == ["dense"]
    assert cluster_path(d, "input/x") == ["input"]
    assert cluster_path(d, "init") == []
    assert all(c.startswith("cluster") for c in d.clusters)


def test_labels_show_op_and_short_name():
    d = parse_dot(to_dot(sample_graph()))
    assert d.nodes["dense/inner/pair"]["label"] == "IdentityN\\npair"
    assert d.nodes["dense/kernel"]["label"] == "Const\\nkernel\\n= 2.5"
    assert d.nodes["fused"]["label"].startswith("Fused elementwise\\nfused\\n(1 node)")
    assert d.nodes["dense/out"]["tooltip"] == "dense/out"
    g = Graph()
    g.add_node("Const", [], {"dtype": dtypes.bool_, "value": np.array([True])}, name="flag")
    assert parse_dot(to_dot(g)).nodes["flag"]["label"] == "Const\\nflag\\n= true"


def test_other_nested_graphs_are_named_in_the_label():
    g = Graph()
    inner = Graph()
    inner.add_node("NoOp", [], name="a")
    inner.add_node("NoOp", [], name="b")
    g.add_node("NoOp", [], {"then_branch": inner, "else_branch": Graph()}, name="if")
    d = parse_dot(to_dot(g))
    assert d.nodes["if"]["label"] == "NoOp\\nif\\nthen_branch: 2 nodes\\nelse_branch: 0 nodes"


def test_edges_carry_dtype_and_shape_and_control_edges_are_dashed():
    d = parse_dot(to_dot(sample_graph()))
    by_pair = {(a, b): attrs for a, b, attrs in d.edges}
    assert by_pair[("input/x", "dense/inner/pair")]["label"] == "float32[?,3]"
    assert by_pair[("dense/inner/pair", "dense/out")]["label"] == ":1 float32[]"
    assert by_pair[("init", "dense/out")]["style"] == "dashed"
    assert "style" not in by_pair[("input/x", "dense/inner/pair")]
    no_labels = parse_dot(to_dot(sample_graph(), edge_labels=False))
    assert all("label" not in attrs for _, _, attrs in no_labels.edges)


def test_devices_are_fill_colours_with_a_legend():
    d = parse_dot(to_dot(sample_graph()))
    cpu = d.nodes["input/x"]["fillcolor"]
    gpu = d.nodes["dense/kernel"]["fillcolor"]
    assert cpu != gpu and d.nodes["dense/inner/pair"]["fillcolor"] == gpu
    assert "fillcolor" not in d.nodes["init"]  # no device: the default white
    legend = [n for n, c in d.node_cluster.items() if c == "cluster_legend"]
    labels = {d.nodes[n]["label"]: d.nodes[n]["fillcolor"] for n in legend}
    assert labels == {"/cpu:0": cpu, "/gpu:0": gpu}
    assert "cluster_legend" not in parse_dot(to_dot(sample_graph(), legend=False)).clusters


def test_highlighted_nodes_stand_out():
    d = parse_dot(to_dot(sample_graph(), highlight={"dense/out", "fused"}))
    assert d.nodes["dense/out"]["color"] == dot_mod.HIGHLIGHT_COLOR
    assert d.nodes["fused"]["penwidth"] == "2.5"
    assert "color" not in d.nodes["init"]
    by_pair = {(a, b): attrs for a, b, attrs in d.edges}
    assert by_pair[("dense/out", "fused")]["color"] == dot_mod.HIGHLIGHT_COLOR


def test_title_params_and_results():
    d = parse_dot(to_dot(sample_graph(), title='after "fusion"'))
    assert d.name == 'after "fusion"'
    assert d.nodes["input/x"]["shape"] == "invhouse"
    assert d.nodes["fused"]["peripheries"] == "2"
    assert d.nodes["init"]["peripheries"] == "2"


def test_odd_names_are_escaped():
    g = Graph()
    a = g.add_node("NoOp", [], name='we"ird\\name', exact_name=True)
    g.add_node("NoOp", [], name="legend:0", control_inputs=[a], device="/cpu:0", exact_name=True)
    d = parse_dot(to_dot(g))
    assert 'we"ird\\name' in d.nodes
    assert d.nodes["legend:0"]["label"] == "NoOp\\nlegend:0"  # the legend did not overwrite it


ODD_NAMES = ["has space", 'q"uote', "back\\slash", "trail\\", "new\nline", "cr\rx", "nul\x00x", "\ud800lone",
             "uni\u00e9\u4e2d", "emoji\U0001F600", "{brace}", "a->b", "semi;colon", "[bracket]", "=eq", "-1.5",
             "graph", "subgraph", "node", "edge", "digraph", "strict", "cluster_0", "=", "[", "}", "->", ";"]


def test_any_name_gives_valid_dot():
    g = Graph()
    prev = None
    for k, name in enumerate(ODD_NAMES):
        node = g.add_node("NoOp", [], name=name, exact_name=True, device=f"/dev:{k % 3}{name}",
                          control_inputs=[prev] if prev is not None else [])
        prev = node
    g.add_node("NoOp", [], name="/".join(ODD_NAMES[:4]), exact_name=True)
    text = to_dot(g, title="t\"\\itle\x01", highlight=set(ODD_NAMES))
    d = parse_dot(text)
    assert len([n for n, c in d.node_cluster.items() if c != "cluster_legend"]) == len(ODD_NAMES) + 1
    assert len(d.edges) == len(ODD_NAMES) - 1
    if shutil.which("dot"):
        import subprocess

        proc = subprocess.run(["dot", "-Tcanon"], input=text.encode("utf-8"), capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr.decode()
        assert b"Warning" not in proc.stderr and b"Error" not in proc.stderr, proc.stderr.decode()


def test_balanced_braces_and_many_nodes():
    g = Graph()
    v = g.add_node("Placeholder", [], {"dtype": dtypes.float32, "shape": TensorShape([2])}, name="x").output()
    for k in range(300):
        v = g.add_node("Identity", [v], name=f"s{k % 7}/t{k % 3}/id").output()
    text = g.to_dot()
    assert text.count("{") == text.count("}")
    d = parse_dot(text)
    assert len([n for n in d.nodes if not n.startswith("legend")]) == 301


def test_pydot_reads_it_when_installed():
    pydot = pytest.importorskip("pydot")
    graphs = pydot.graph_from_dot_data(to_dot(sample_graph()))
    assert graphs and graphs[0].get_node('"dense/out"')


def test_render_without_graphviz_writes_dot(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    text = to_dot(sample_graph())
    out = render(text, tmp_path / "picture.svg")
    assert out == str(tmp_path / "picture.dot")
    assert open(out, encoding="utf-8").read() == text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_with_graphviz(tmp_path):
    out = render(to_dot(sample_graph(), highlight={"fused"}, title="t"), tmp_path / "g.svg")
    assert out == str(tmp_path / "g.svg")
    svg = open(out, encoding="utf-8").read()
    assert "<svg" in svg and "IdentityN" in svg
    assert os.path.getsize(out) > 500
    with pytest.raises(RuntimeError, match="dot -Tsvg failed"):
        render("digraph { this is not dot", tmp_path / "bad.svg")
