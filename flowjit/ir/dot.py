"""Graph pictures: Graphviz DOT text written directly, rendered by `dot` when it exists.

    >>> text = to_dot(graph, highlight={"dense/add"}, title="after fusion")   # doctest: +SKIP
    >>> render(text, "after_fusion.svg")        # .svg, or .dot when Graphviz is missing

What the picture shows:
  - each node as a box labelled with its op type and its short name (the last part of
    "scope/name"); Fused nodes also show their kind ("Fused elementwise") and body size, nodes
    with other nested graphs name those attrs; scalar constants show their value
  - name scopes as nested clusters (`subgraph cluster_...`) labelled with the scope
  - the device of each node as its fill colour, with a legend of the devices used
  - data edges labelled with dtype and shape (`float32[?,3]`, prefixed `:1` for output 1);
    control edges dashed
  - params as input-shaped boxes, nodes producing results or listed as targets with a
    double border, nodes in `highlight` (e.g. those a pass changed) in red with a thick border
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Iterable

import numpy as np

from .graph import Graph, Node

__all__ = ["to_dot", "render"]

DEVICE_COLORS = ("#cfe2f3", "#d9ead3", "#fff2cc", "#f4cccc", "#d9d2e9", "#fce5cd", "#d0e0e3", "#ead1dc",
                 "#b6d7a8", "#a4c2f4", "#ffe599", "#ea9999")
HIGHLIGHT_COLOR = "#d62728"
_FONT = "Helvetica"


def to_dot(graph: Graph, highlight: Iterable[str] | None = None, title: str | None = None, *,
           edge_labels: bool = True, legend: bool = True) -> str:
    """The DOT text of `graph` (see the module docstring for what it shows).

    highlight    names of nodes to draw in the highlight colour
    title        a caption at the top of the picture
    edge_labels  label data edges with dtype and shape
    legend       add a cluster listing the colour of each device
    """
    highlighted = set(highlight or ())
    nodes = graph.nodes
    names = {n.name for n in nodes}
    devices = sorted({n.device for n in nodes if n.device})
    color_of = {d: DEVICE_COLORS[k % len(DEVICE_COLORS)] for k, d in enumerate(devices)}
    result_nodes = {id(v.node) for v in graph.results} | {id(t) for t in graph.targets}
    param_nodes = {id(p) for p in graph.params}

    lines = [f"digraph {_q(title or 'flowjit')} {{"]
    graph_attrs = ["rankdir=TB", "compound=true", f"fontname={_q(_FONT)}", "newrank=true"]
    if title:
        graph_attrs += [f"label={_q(title)}", "labelloc=t", "fontsize=16"]
    lines.append(f"  graph [{', '.join(graph_attrs)}];")
    lines.append(f'  node [shape=box, style="rounded,filled", fillcolor="white", fontname={_q(_FONT)}, fontsize=10];')
    lines.append(f"  edge [fontname={_q(_FONT)}, fontsize=8, color=\"#555555\"];")

    # Name scopes -> nested clusters.
    tree = _ScopeTree()
    for node in nodes:
        scope, _, _ = node.name.rpartition("/")
        tree.add(scope, node)
    counter = [0]

    def emit(scope: _ScopeTree, indent: str) -> None:
        for node in scope.nodes:
            lines.append(indent + _node_stmt(node, color_of, node.name in highlighted, id(node) in result_nodes,
                                             id(node) in param_nodes))
        for name, child in scope.children.items():
            k = counter[0]
            counter[0] += 1
            lines.append(f"{indent}subgraph cluster_{k} {{")
            lines.append(f'{indent}  label={_q(name)}; tooltip={_q(child.path)}; style="rounded"; color="#999999"; '
                         f"fontsize=10;")
            emit(child, indent + "  ")
            lines.append(f"{indent}}}")

    emit(tree, "  ")

    for node in nodes:
        for v in node.inputs:
            attrs = []
            if edge_labels:
                spec = v.node.outputs[v.index] if 0 <= v.index < len(v.node.outputs) else None
                label = f"{v.dtype.name}{_dims(spec.shape)}" if spec is not None else "?"
                if v.index:
                    label = f":{v.index} {label}"
                attrs.append(f"label={_q(label)}")
            if v.node.name in highlighted and node.name in highlighted:
                attrs.append(f"color={_q(HIGHLIGHT_COLOR)}")
            lines.append(f"  {_q(v.node.name)} -> {_q(node.name)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
        for c in node.control_inputs:
            lines.append(f'  {_q(c.name)} -> {_q(node.name)} [style=dashed, arrowhead=odot];')

    if legend and devices:
        lines.append("  subgraph cluster_legend {")
        lines.append('    label="devices"; style="rounded"; color="#cccccc"; fontsize=10;')
        for k, device in enumerate(devices):
            ident = _fresh_id(f"legend:{k}", names)
            lines.append(f"    {_q(ident)} [label={_q(device)}, fillcolor={_q(color_of[device])}, shape=box];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot_text: str, path: str | os.PathLike, fmt: str = "svg", *, timeout: float = 120.0) -> str:
    """Render DOT text to `path` with Graphviz's `dot`; returns the path written.

    Without `dot` on PATH, writes the DOT text next to `path` (same name, `.dot` suffix) and
    returns that path instead, so callers can always hand the user a file.
    """
    path = os.fspath(path)
    exe = shutil.which("dot")
    if exe is None:
        dot_path = path if path.endswith(".dot") else os.path.splitext(path)[0] + ".dot"
        with open(dot_path, "w", encoding="utf-8") as f:
            f.write(dot_text)
        return dot_path
    proc = subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot_text.encode("utf-8"),
                          capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed (exit {proc.returncode}): {proc.stderr.decode(errors='replace').strip()}")
    return path


class _ScopeTree:
    __slots__ = ("path", "nodes", "children")

    def __init__(self, path: str = "") -> None:
        self.path = path
        self.nodes: list[Node] = []
        self.children: dict[str, _ScopeTree] = {}

    def add(self, scope: str, node: Node) -> None:
        where = self
        if scope:
            for part in scope.split("/"):
                child = where.children.get(part)
                if child is None:
                    child = _ScopeTree(f"{where.path}/{part}" if where.path else part)
                    where.children[part] = child
                where = child
        where.nodes.append(node)


def _node_stmt(node: Node, color_of: dict[str, str], highlighted: bool, is_result: bool, is_param: bool) -> str:
    short = node.name.rpartition("/")[2] or node.name
    head = node.op
    if node.op == "Fused":
        head = f"Fused {node.attrs.get('kind', '?')}"
    label = [head, short]
    for key, value in node.attrs.items():
        if isinstance(value, Graph):
            size = f"{len(value)} node{'' if len(value) == 1 else 's'}"
            label.append(f"({size})" if node.op == "Fused" and key == "body" else f"{key}: {size}")
    if node.op == "Const":
        value = node.attrs.get("value")
        if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
            scalar = value.reshape(-1)[0]
            label.append(f"= {str(bool(scalar)).lower()}" if value.dtype.kind == "b" else f"= {scalar}")
    attrs = [f"label={_q(chr(10).join(label))}", f"tooltip={_q(node.name)}"]
    if node.device:
        attrs.append(f"fillcolor={_q(color_of[node.device])}")
    if is_param:
        attrs.append("shape=invhouse")
    if is_result:
        attrs.append("peripheries=2")
    if highlighted:
        attrs += [f"color={_q(HIGHLIGHT_COLOR)}", f"fontcolor={_q(HIGHLIGHT_COLOR)}", "penwidth=2.5"]
    return f"{_q(node.name)} [{', '.join(attrs)}];"


def _dims(shape) -> str:
    if shape.dims is None:
        return "[*]"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _q(text: str) -> str:
    """A DOT double-quoted string; newlines become DOT's centred line break, other control
    characters and lone surrogates are shown escaped (`\\x00`, `\\ud800`)."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    text = _CONTROL.sub(lambda m: f"\\\\x{ord(m.group()):02x}", text)
    return '"' + text.replace("\n", "\\n") + '"'


def _fresh_id(base: str, taken: set[str]) -> str:
    ident = base
    while ident in taken:
        ident = "_" + ident
    return ident
