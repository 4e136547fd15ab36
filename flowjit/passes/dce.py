"""Dead code elimination: drop nodes whose work nobody needs.

A node is live when a result, a target or a parameter of the graph needs it (through data or
control edges), or when running it has effects: stateful ops other than lazily read variables
(assignments, random draws advance their generator, reads of uninitialized variables raise)
and host ops (Print, Assert, an unfed Placeholder's error). Everything else is erased.

After pruning, dead nodes are what other passes leave behind: constants nothing reads any
more, the inputs of a folded or simplified node. Inside loops, dead body nodes, unread
captured inputs and unread gradient records go too (`prune_loops`, below).

Loops. The gradient of a While makes the forward loop record, at every iteration, each loop
variable and each body value the gradient loop might need (frontend/grad/control_flow_grad.py);
the gradient loop's body is an inlined copy of the forward body, most of which its own
gradient never reads. Left alone, `dynamic_rnn` would record its whole output TensorArray at
every step: O(T^2) memory in the sequence length. `prune_loops` erases dead nodes in While
bodies, drops captured inputs neither cond nor body reads and records nobody reads, in place
on the plan graph (nested loops first).
"""

from __future__ import annotations

from ..ir.graph import Graph, Node, OutputSpec, Value
from .manager import Pass, note
from .rewrite import Edit, erase_dead_nodes, has_effects


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


# --- loops ---------------------------------------------------------------------------------

def prune_loops(graph: Graph) -> int:
    """Shrink every While of `graph` (see "Loops" in the module docstring); returns how many changed."""
    changed = 0
    consumers: dict[Value, list[Node]] | None = None
    for node in list(graph):
        if node.op != "While":
            continue
        if consumers is None:
            consumers = graph.consumers()
        if _shrink_while(graph, node, consumers):
            changed += 1
            consumers = None
    return changed


def _is_read(v: Value, consumers: dict[Value, list[Node]], graph: Graph) -> bool:
    return bool(consumers.get(v)) or any(r == v for r in graph.results)


def _shrink_while(graph: Graph, node: Node, consumers: dict[Value, list[Node]]) -> bool:
    n_exp = int(node.attrs.get("num_exports", 0))
    n_vars = len(node.attrs["body"].results) - n_exp
    records = [k for k in range(n_vars, len(node.outputs)) if _is_read(node.output(k), consumers, graph)]
    cond, body = node.attrs["cond"].copy(), node.attrs["body"].copy()
    body.results = body.results[:n_vars] + [body.results[k] for k in records]
    inner = prune_loops(cond) + prune_loops(body)
    erased = erase_dead_nodes(cond) + erase_dead_nodes(body)
    used = [cond.consumers(), body.consumers()]
    captured = [j for j in range(n_vars, len(node.inputs))
                if any(_is_read(g.params[j].output(0), u, g) for g, u in zip((cond, body), used))]
    if not inner and not erased and len(records) == n_exp and len(captured) == len(node.inputs) - n_vars:
        return False
    keep_in = list(range(n_vars)) + captured
    for g in (cond, body):
        dropped = [p for j, p in enumerate(g.params) if j not in set(keep_in)]
        g.params = [g.params[j] for j in keep_in]
        g.erase_nodes(dropped)
        for k, p in enumerate(g.params):
            if p.op == "Arg":
                p.attrs["index"] = k
        g.version += 1
    keep_out = list(range(n_vars)) + records
    moved = {node.output(old): new for new, old in enumerate(keep_out) if new != old}
    node.inputs = [node.inputs[j] for j in keep_in]
    node.attrs["cond"], node.attrs["body"] = cond, body
    node.attrs["num_exports"] = len(records)
    node.outputs = [OutputSpec(node.outputs[k].dtype, node.outputs[k].shape) for k in keep_out]
    node._values = [Value(node, i) for i in range(len(keep_out))]
    graph.replace_uses({old: node.output(new) for old, new in moved.items()})
    graph.version += 1
    return True
