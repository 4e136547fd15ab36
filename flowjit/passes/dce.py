"""Dead code elimination: drop nodes whose work nobody needs.

A node is live when a result, a target or a parameter of the graph needs it (through data or
control edges), or when running it has effects: stateful ops other than lazily read variables
(assignments, random draws advance their generator, reads of uninitialized variables raise)
and host ops (Print, Assert, an unfed Placeholder's error). Everything else is erased.

After pruning, dead nodes are what other passes leave behind: constants nothing reads any
more, the inputs of a folded or simplified node. Inside loops, dead body nodes, unread
captured inputs and unread gradient records go too (passes/dce_loops.py).
"""

from __future__ import annotations

from ..ir.graph import Graph, Node
from .dce_loops import prune_loops
from .manager import Pass, note
from .rewrite import Edit, has_effects


def eliminate_dead_code(graph: Graph) -> tuple[Graph, bool]:
    """The pass, in place; returns (graph, changed)."""
    roots: list[Node] = [v.node for v in graph.results] + list(graph.targets) + list(graph.params)
    roots += [n for n in graph if has_effects(n)]
    live: set[int] = set()
    stack = roots
    while stack:
        n = stack.pop()
        if id(n) in live:
            continue
        live.add(id(n))
        stack.extend(v.node for v in n.inputs)
        stack.extend(n.control_inputs)
    dead = [n for n in graph if id(n) not in live]
    loops = prune_loops(graph)
    if loops:
        note(f"shrank {loops} loops (dead body nodes, unread captured inputs and records)")
    if not dead:
        return graph, bool(loops)
    edit = Edit(graph)
    for n in dead:  # live nodes never read or wait for dead ones (they would be live)
        edit.erase(n)
    edit.commit()
    note(f"erased {len(dead)} dead nodes: {', '.join(n.name for n in dead[:20])}"
         + (" ..." if len(dead) > 20 else ""))
    return graph, True


def dce() -> Pass:
    """The DCE pass (see the module docstring)."""
    return Pass("dce", eliminate_dead_code, doc=__doc__.split("\n")[0], builtin=True)
