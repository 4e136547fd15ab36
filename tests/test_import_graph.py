"""The module import graph of flowjit: no cycles at module level, no import up a layer, and a
ratchet on the cycles that function-level (lazy) imports still make.

Layers, lowest first: the leaf modules (flowjit._version, flowjit.options: they import nothing
from flowjit, so every layer may read them) < ir < passes < compiler < runtime < frontend < the
top-level namespace (flowjit/__init__.py, flowjit/*.py, flowjit/contrib). A module may import
its own layer or a lower one. Imports under `if TYPE_CHECKING:` never run and are not counted.
"""

from __future__ import annotations

import ast
import pathlib

import networkx as nx

import flowjit

ROOT = pathlib.Path(flowjit.__file__).parent
LEAVES = ("flowjit._version", "flowjit.options")
LAYERS = ["flowjit.ir", "flowjit.passes", "flowjit.compiler", "flowjit.runtime",
          "flowjit.frontend"]
TOP = len(LAYERS)  # flowjit, flowjit/*.py, flowjit.contrib

# Cycles among all imports (function-level ones included) still left; this may only go down.
#   flowjit.ir.graph <-> ir.text.printer, ir.text.parser, ir.dot   (Graph.as_text / from_text / to_dot)
#   flowjit.passes.manager, dump, pipeline, rewrite, constant_folding, fusion, ... (10 modules:
#       manager -> pipeline/dump, dump -> constant_folding/fusion, rewrite -> manager)
#   flowjit.frontend.framework.graph, tensor, tracing, client.session, ops.math_ops, ops.array_ops
#       (graph <-> tensor, tensor -> session/math_ops/array_ops, math_ops <-> array_ops)
#   flowjit.frontend.ops.init_ops <-> variables
MAX_CYCLES = 4
MAX_MODULES_IN_CYCLES = 22  # 21 + passes.split_summaries, a pass like the others in that cycle


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = ["flowjit", *path.relative_to(ROOT).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, top_level: bool):
    """Import statements: the module body's own (top_level) or every one, skipping TYPE_CHECKING."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(reversed(node.orelse))
            continue
        if top_level and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, (ast.stmt, ast.expr))
                               or hasattr(c, "body")]))


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, mods: dict) -> list[str]:
    """The flowjit modules one import statement loads (`from ..ir import dtypes` -> flowjit.ir.dtypes
    when that is a module, else the package flowjit.ir)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in mods]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    out = []
    for a in node.names:
        sub = f"{target}.{a.name}"
        out.append(sub if sub in mods else target)
    return [t for t in dict.fromkeys(out) if t in mods]


def import_graph(top_level: bool) -> nx.DiGraph:
    mods = _modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for module, path in mods.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in _imports(tree, top_level):
            for target in _targets(node, module, path.name == "__init__.py", mods):
                if target != module:
                    g.add_edge(module, target, line=node.lineno)
    return g


def layer_of(module: str) -> int:
    if module in LEAVES:
        return -1
    for k, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return k
    return TOP


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)


def test_no_module_level_import_cycles():
    cycles = _cycles(import_graph(top_level=True))
    assert not cycles, "module-level import cycles:\n" + "\n".join("  " + ", ".join(c) for c in cycles)


def test_no_import_points_up_a_layer():
    g = import_graph(top_level=False)
    bad = [f"  {u} -> {v} (line {d['line']})" for u, v, d in g.edges(data=True) if layer_of(v) > layer_of(u)]
    assert not bad, ("imports up a layer (order: leaves < " + " < ".join(LAYERS) + " < top-level):\n"
                     + "\n".join(sorted(bad)))


def test_leaf_modules_import_nothing_from_flowjit():
    g = import_graph(top_level=False)
    bad = [f"  {m} -> {v}" for m in LEAVES for v in g.successors(m)]
    assert not bad, "leaf modules must import nothing from flowjit:\n" + "\n".join(bad)


def test_import_cycles_only_go_down():
    cycles = _cycles(import_graph(top_level=False))
    listing = "\n".join(f"  {len(c)}: " + ", ".join(c) for c in cycles)
    assert len(cycles) <= MAX_CYCLES, f"{len(cycles)} import cycles (at most {MAX_CYCLES}):\n{listing}"
    members = sum(len(c) for c in cycles)
    assert members <= MAX_MODULES_IN_CYCLES, \
        f"{members} modules in import cycles (at most {MAX_MODULES_IN_CYCLES}):\n{listing}"


def test_resolves_relative_imports():
    mods = _modules()
    tree = ast.parse("from ...ir import dtypes, Graph\nfrom ..ops import math_ops\nfrom . import gradients\n"
                     "from ... import ir\n")
    got = [_targets(n, "flowjit.frontend.grad.math_grad", False, mods) for n in tree.body]
    assert got == [["flowjit.ir.dtypes", "flowjit.ir"], ["flowjit.frontend.ops.math_ops"],
                   ["flowjit.frontend.grad.gradients"], ["flowjit.ir"]]
    assert _targets(ast.parse("from . import ops").body[0], "flowjit.ir", True, mods) == ["flowjit.ir.ops"]
