"""Writing passes: graph surgery helpers, a small pattern language, and `replace_pattern`.

A pass is a function `graph -> graph`. The IR API is enough to write one
(`graph.topological_order()`, `graph.add_node`, `graph.replace_all_uses_with`,
`graph.erase_node`, and their batch forms `replace_uses`/`erase_nodes`); this module adds what
makes passes short:

Rules as data (tinygrad's idea). A `Pat` matches a value by op type and inputs, binding names;
a rule is `(pattern, function)` and `apply_rules` is the one driver that applies a list of them
until nothing changes:

    X = Pat.any("x")
    RULES = [
        # x * 1 -> x
        (Pat("Mul", [X, Pat.splat(1)], commutative=True), lambda m: m.x if m.keeps_shape(m.x) else None),
    ]
    changed = apply_rules(graph, RULES, pass_name="my_pass")

The function gets a `Match` (`m.x` is the value bound to "x", `m.root` the matched value,
`m.new(op, inputs, attrs)` builds a replacement node with provenance) and returns the value
that replaces `m.root`, or None to leave it alone.

Two Python functions (torch.fx's `replace_pattern`). Write the pattern and its replacement with
flowjit ops; every occurrence of the pattern is replaced:

    def pattern(x):
        return tf.multiply(x, 2.0)

    def replacement(x):
        return tf.add(x, x)

    replace_pattern(graph, pattern, replacement)       # -> list of Matches replaced
    pipeline.insert_before("fusion", pattern_pass(pattern, replacement))

Arguments of the pattern match any value; constants match constants with the same values;
every other node must have the same op type and attrs (attrs starting with "_" are ignored).
Nodes inside an occurrence other than its output must have no users outside it. The
replacement is built anew for each occurrence with that occurrence's argument types, so one
pattern written with float32 in mind also rewrites float64 graphs.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..ir import registry
from ..ir.dtypes import as_dtype
from ..ir.graph import Graph, Node, OutputSpec, Provenance, Value, copy_attr
from ..ir.shapes import TensorShape, as_shape

__all__ = ["Pat", "Match", "apply_rules", "replace_pattern", "pattern_pass", "origins_of", "provenance_from",
           "is_pure", "is_removable", "erase_dead_nodes", "splat_value", "cannot_expand", "replace_node", "Edit",
           "register_tracer", "trace_function"]


# --- small facts about nodes -------------------------------------------------------------

def origins_of(nodes: Iterable[Node]) -> tuple[str, ...]:
    """The original (front-end) node names behind `nodes`, in order, without repeats."""
    out: list[str] = []
    for n in nodes:
        for name in (n.provenance.origins or (n.name,)):
            if name not in out:
                out.append(name)
    return tuple(out)


def provenance_from(pass_name: str, nodes: Iterable[Node]) -> Provenance:
    """Provenance for a node `pass_name` made out of `nodes`."""
    return Provenance(pass_name, origins_of(nodes))


def has_effects(node: Node) -> bool:
    """Whether running `node` matters beyond its outputs (state, randomness, host work)."""
    op = registry.get_op(node.op)
    return (op.stateful or op.host) and not op.extra.get("lazy")


def is_pure(node: Node) -> bool:
    """A node whose outputs depend only on its inputs: may be folded, merged, moved or dropped."""
    op = registry.get_op(node.op)
    if op.stateful or op.host or op.extra.get("lazy") or op.extra.get("random"):
        return False
    return not any(isinstance(a, Graph) for a in node.attrs.values())


def _is_lazy(node: Node) -> bool:
    return bool(registry.get_op(node.op).extra.get("lazy"))


def is_removable(node: Node) -> bool:
    """A node that may be dropped when nothing reads it (pure, or a lazily read variable)."""
    op = registry.get_op(node.op)
    if op.extra.get("lazy"):
        return True
    return not (op.stateful or op.host)


class Edit:
    """Batch graph surgery: record replacements and removals, then `commit()` them at once.

    `graph.replace_all_uses_with` and `graph.erase_node` each walk the whole graph; a pass that
    changes many nodes records its changes here instead and `commit` applies them with
    `graph.replace_uses` and `graph.erase_nodes`, one walk each:

        edit = Edit(graph)
        edit.replace_value(old.output(0), new.output(0))   # readers and results of old:0 -> new:0
        edit.replace_node(dup, survivor)                   # all outputs, control users, targets
        edit.erase(node)                                   # remove (checked: nothing still reads it)
        edit.commit()

    `edit.resolve(v)` gives what `v` will be replaced by (following chains of replacements).
    """

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.values: dict[Value, Value] = {}
        self.node_map: dict[int, Node] = {}
        self.doomed: dict[int, Node] = {}

    def replace_value(self, old: Value, new: Value) -> None:
        if old != new:
            self.values[old] = new

    def replace_node(self, old: Node, new: Node) -> None:
        """`old`'s outputs (by position), control users and target entry go to `new`; `old` goes."""
        for k, v in enumerate(old.values):
            self.replace_value(v, new.output(k))
        self.redirect_waiters(old, new)
        self.erase(old)

    def redirect_waiters(self, old: Node, new: Node) -> None:
        """Nodes waiting for `old` (control inputs, targets) wait for `new` instead."""
        self.node_map[id(old)] = new

    def erase(self, node: Node) -> None:
        self.doomed[id(node)] = node

    def resolve(self, v: Value) -> Value:
        seen = 0
        while v in self.values:
            v = self.values[v]
            seen += 1
            if seen > len(self.values):
                raise ValueError(f"replacement cycle through {v.name}")
        return v

    def _resolve_node(self, n: Node) -> Node | None:
        while id(n) in self.node_map:
            n = self.node_map[id(n)]
        return None if id(n) in self.doomed else n

    def commit(self) -> bool:
        """Apply everything recorded (one sweep for uses, one for erasures); returns whether
        anything was recorded."""
        graph = self.graph
        if not self.values and not self.doomed:
            return False
        if self.node_map:
            for n in graph:
                if id(n) not in self.doomed and any(id(c) in self.node_map for c in n.control_inputs):
                    deps: list[Node] = []
                    for c in n.control_inputs:
                        c = self._resolve_node(c) if id(c) in self.doomed else c
                        if c is not None and c is not n and all(c is not d for d in deps):
                            deps.append(c)
                    n.control_inputs = deps
            targets: list[Node] = []
            for t in graph.targets:
                t = self._resolve_node(t) if id(t) in self.doomed else t
                if t is not None and all(t is not u for u in targets):
                    targets.append(t)
            graph.targets = targets
        graph.replace_uses({v: self.resolve(v) for v in self.values})
        graph.erase_nodes(self.doomed.values())
        self.values.clear()
        self.node_map.clear()
        self.doomed.clear()
        return True


def erase_dead_nodes(graph: Graph, candidates: Iterable[Node] | None = None) -> int:
    """Erase removable nodes nothing reads (data, control, results, targets, params); returns
    how many. With `candidates`, only those and the producers they leave dead are considered."""
    used: dict[int, int] = {}
    for n in graph:
        for v in n.inputs:
            used[id(v.node)] = used.get(id(v.node), 0) + 1
        for c in n.control_inputs:
            used[id(c)] = used.get(id(c), 0) + 1
    pinned = {id(v.node) for v in graph.results} | {id(t) for t in graph.targets} | {id(p) for p in graph.params}
    live = {id(n) for n in graph}
    work = list(graph) if candidates is None else [n for n in candidates if id(n) in live]
    edit = Edit(graph)
    while work:
        n = work.pop()
        if id(n) in edit.doomed or used.get(id(n), 0) or id(n) in pinned or not is_removable(n):
            continue
        edit.erase(n)
        for v in n.inputs:
            used[id(v.node)] -= 1
            work.append(v.node)
        for c in n.control_inputs:
            used[id(c)] -= 1
            work.append(c)
    erased = len(edit.doomed)
    edit.commit()
    return erased


def replace_node(graph: Graph, old: Node, new: Node) -> None:
    """Make everything that reads or waits for `old` use `new` instead, and erase `old`."""
    edit = Edit(graph)
    edit.replace_node(old, new)
    edit.commit()


def splat_value(value: Value) -> Any:
    """The one value every element of `value` has, when that is known statically, else None.

    Knows Const (all elements equal, at least one element) and Fill/BroadcastTo of a scalar
    Const. Returns a NumPy scalar of the value's dtype.
    """
    node = value.node
    if node.op == "Const":
        arr = node.attrs["value"]
        if not isinstance(arr, np.ndarray) or arr.size == 0 or arr.dtype.kind in "OUS":
            return None
        flat = arr.reshape(-1)
        first = flat[0]
        if arr.dtype.kind == "f":
            if np.isnan(first):
                return None
            same = np.all(flat == first) and np.all(np.signbit(flat) == np.signbit(first))
        else:
            same = np.all(flat == first)
        return first if same else None
    if node.op in ("Fill", "BroadcastTo"):
        scalar = node.inputs[1] if node.op == "Fill" else node.inputs[0]
        if scalar.shape.rank == 0 and scalar.node.op == "Const":
            return splat_value(scalar)
    return None


def cannot_expand(shape: TensorShape, other: TensorShape) -> bool:
    """Whether broadcasting a value of `shape` against one of `other` surely keeps `shape`.

    True when every dimension of `other` (aligned from the right) is 1 or equal to a known
    dimension of `shape`; unknown dimensions make it False unless `other`'s is 1.
    """
    if shape.rank is None or other.rank is None or other.rank > shape.rank:
        return False
    dims = shape.dims[shape.rank - other.rank:]
    for d, o in zip(dims, other.dims):
        if o == 1:
            continue
        if d is None or o is None or d != o:
            return False
    return True


# --- patterns ----------------------------------------------------------------------------

class Pat:
    """A pattern matching one Value.

    Pat("Mul", [a, b])           a node of op Mul (or any op of a tuple) whose inputs match a, b
    Pat("Mul", [a, b], commutative=True)   also tries the inputs swapped
    Pat.any("x")                 any value, bound to "x" (the same name twice must be the same value)
    Pat.const("c")               a Const node, bound to "c"
    Pat.splat(1, "one")          a value whose elements are all 1 (see `splat_value`)
    name=..., where=fn           bind the matched value; extra condition fn(value) -> bool

    Op patterns match only pure nodes without control inputs: a rewrite never loses an
    ordering or an effect.
    """

    def __init__(self, op: str | Sequence[str] | None = None, inputs: Sequence["Pat"] | None = None, *,
                 name: str | None = None, where: Callable[[Value], bool] | None = None,
                 commutative: bool = False, index: int = 0, splat: Any = None) -> None:
        self.ops = None if op is None else ((op,) if isinstance(op, str) else tuple(op))
        self.inputs = None if inputs is None else list(inputs)
        self.name = name
        self.where = where
        self.commutative = commutative
        self.index = index
        self.splat = splat

    @staticmethod
    def any(name: str | None = None, where: Callable[[Value], bool] | None = None) -> "Pat":
        return Pat(None, None, name=name, where=where)

    @staticmethod
    def const(name: str | None = None, where: Callable[[Value], bool] | None = None) -> "Pat":
        return Pat("Const", [], name=name, where=where)

    @staticmethod
    def splat(value: Any, name: str | None = None) -> "Pat":
        return Pat(None, None, name=name, splat=value)

    def match(self, value: Value, bindings: dict[str, Value]) -> bool:
        node = value.node
        if self.ops is not None:
            if node.op not in self.ops or value.index != self.index:
                return False
            if node.control_inputs or not is_pure(node):
                return False  # rewriting it would lose an ordering or an effect
        if self.splat is not None:
            known = splat_value(value)
            if known is None or known != self.splat:
                return False
        if self.inputs is not None:
            if len(self.inputs) != len(node.inputs):
                return False
            orders = [node.inputs]
            if self.commutative and len(node.inputs) == 2:
                orders.append([node.inputs[1], node.inputs[0]])
            for inputs in orders:
                trial = dict(bindings)
                if all(p.match(v, trial) for p, v in zip(self.inputs, inputs)) and self._bind(value, trial):
                    bindings.clear()
                    bindings.update(trial)
                    return True
            return False
        return self._bind(value, bindings)

    def _bind(self, value: Value, bindings: dict[str, Value]) -> bool:
        if self.where is not None and not self.where(value):
            return False
        if self.name is not None:
            bound = bindings.get(self.name)
            if bound is not None and bound != value:
                return False
            bindings[self.name] = value
        return True

    def __repr__(self) -> str:
        if self.ops is None:
            return f"Pat.any({self.name!r})" if self.splat is None else f"Pat.splat({self.splat!r})"
        return f"Pat({'|'.join(self.ops)}, {self.inputs})"


class Match:
    """One occurrence of a pattern: `m.root` (the matched value), `m.node` (its node),
    `m.graph`, bound values as attributes (`m.x`) or items (`m["x"]`), and helpers to build
    the replacement."""

    def __init__(self, graph: Graph, root: Value, bindings: dict[str, Value], pass_name: str,
                 nodes: Sequence[Node] = ()) -> None:
        self.graph = graph
        self.root = root
        self.node = root.node
        self.bindings = bindings
        self.pass_name = pass_name
        self.nodes = list(nodes) or [root.node]

    def __getattr__(self, name: str) -> Value:
        bindings = self.__dict__.get("bindings", {})
        if name in bindings:
            return bindings[name]
        raise AttributeError(f"the pattern bound no value named {name!r}; it bound {sorted(bindings)}")

    def __getitem__(self, name: str) -> Value:
        return self.bindings[name]

    def keeps_shape(self, x: Value) -> bool:
        """Whether `x` surely has the matched value's dtype and shape (at run time too)."""
        if x.dtype != self.root.dtype:
            return False
        if x.shape.is_fully_defined() and self.root.shape.is_fully_defined():
            return x.shape == self.root.shape
        others = [v for v in self.node.inputs if v != x]
        return x.shape.rank is not None and all(cannot_expand(x.shape, v.shape) for v in others)

    def new(self, op: str, inputs: Sequence[Value], attrs: dict[str, Any] | None = None, *,
            name: str | None = None, outputs: Sequence[OutputSpec] | None = None) -> Value:
        """A new node (output 0) made by this pass from the matched nodes."""
        node = self.graph.add_node(op, inputs, attrs, name=name or f"{self.node.name}/{op}",
                                   device=self.node.device, source=self.node.source, outputs=outputs,
                                   provenance=provenance_from(self.pass_name, self.nodes))
        return node.output(0)

    def const(self, value: Any, dtype: Any = None, name: str | None = None) -> Value:
        """A new Const of `value` (with the matched value's dtype unless given)."""
        dt = as_dtype(dtype) if dtype is not None else self.root.dtype
        arr = np.asarray(value, dtype=dt.np_dtype)
        return self.new("Const", [], {"value": arr, "dtype": dt}, name=name or f"{self.node.name}/const")


Rule = tuple  # (Pat, fn(Match) -> Value | None)


def apply_rules(graph: Graph, rules: Sequence[Rule], *, pass_name: str = "rewrite", max_rounds: int = 16,
                on_rewrite: Callable[[Match, Value], None] | None = None) -> bool:
    """Apply `rules` (pairs (pattern, fn)) everywhere until none applies; True if any did.

    Nodes are visited in topological order; for each, the rules whose pattern can match its op
    are tried in list order, and the first that returns a value different from the node's
    output replaces it. Rewritten nodes left without users are erased when they are pure.
    Only single-output nodes with no control inputs, that no node waits for (control edges are
    orderings a replacement would lose), are rewritten, and never into a variable's own (lazily
    read) value, which would move the read to another place in the execution order.
    """
    by_op: dict[str | None, list[Rule]] = {}
    for rule in rules:
        pattern = rule[0]
        for op in (pattern.ops or (None,)):
            by_op.setdefault(op, []).append(rule)
    wildcard = by_op.get(None, [])
    changed = False
    for _ in range(max_rounds):
        rewritten: list[tuple[Node, Value]] = []
        # Nodes others wait for keep their place: their replacement would not be waited for.
        pinned = {id(t) for t in graph.targets} | {id(c) for n in graph for c in n.control_inputs}
        used = set(graph.consumers()) | set(graph.results)
        edit = Edit(graph)
        for node in graph.topological_order():
            if id(node) in pinned or len(node.outputs) != 1 or node.control_inputs:
                continue
            candidates = by_op.get(node.op, []) + wildcard
            root = node.output(0)
            if not candidates or root not in used:
                continue
            for pattern, fn in ((r[0], r[1]) for r in candidates):
                bindings: dict[str, Value] = {}
                if not pattern.match(root, bindings):
                    continue
                match = Match(graph, root, bindings, pass_name)
                new = fn(match)
                if new is None or new == root or _is_lazy(new.node):
                    continue  # (a variable's value is read when its reader runs: keep the reader)
                if new.dtype != root.dtype or not new.shape.is_compatible_with(root.shape):
                    raise ValueError(f"rule {pattern!r} replaced {root.name} ({root.dtype.name}{root.shape}) "
                                     f"with {new.name} ({new.dtype.name}{new.shape})")
                edit.replace_value(root, new)
                if on_rewrite is not None:
                    on_rewrite(match, new)
                rewritten.append((node, new))
                break
        if not rewritten:
            break
        changed = True
        edit.commit()
        erase_dead_nodes(graph, [old for old, _ in rewritten])
        for old, new in rewritten:
            # A node built to replace `old` takes over its name once `old` is gone.
            made = new.node
            if (old.name not in graph and graph.get_node(made.name) is made
                    and made.name.startswith(old.name + "/") and made.provenance.created_by == pass_name):
                graph.rename_node(made, old.name)
    return changed


# --- replace_pattern -------------------------------------------------------------------

_tracer: Callable[..., Graph] | None = None


def register_tracer(fn: Callable[..., Graph]) -> None:
    """Install the function that turns a Python function written with flowjit ops into a graph.

    The front end registers one (tracing needs the TF API, which sits above the passes);
    `trace_function(fn, specs)` must return an `ir.Graph` whose params are Arg nodes (one per
    spec) and whose results are the function's outputs.
    """
    global _tracer
    _tracer = fn


def trace_function(fn: Callable[..., Any], specs: Sequence[OutputSpec]) -> Graph:
    if _tracer is None:
        raise RuntimeError("no function tracer is registered: import flowjit (the TF API) before using "
                           "replace_pattern with Python functions")
    return _tracer(fn, list(specs))


def _num_params(fn: Callable[..., Any]) -> int:
    import inspect

    params = inspect.signature(fn).parameters.values()
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        raise TypeError(f"pattern function {getattr(fn, '__name__', fn)!r} must take a fixed number of arguments")
    return len(params)


def _as_pattern_graph(pattern: Any, arg_specs: Sequence[OutputSpec] | None) -> Graph:
    if isinstance(pattern, Graph):
        graph = pattern
    else:
        n = _num_params(pattern)
        specs = list(arg_specs) if arg_specs is not None else [OutputSpec(as_dtype("float32"), TensorShape(None))] * n
        graph = trace_function(pattern, specs)
    if len(graph.results) != 1:
        raise ValueError(f"a pattern must return exactly one value, this one returns {len(graph.results)}")
    return graph


def _attrs_match(p: Node, g: Node) -> bool:
    from ..ir.text import attr_equal

    keys_p = {k for k in p.attrs if not k.startswith("_")}
    keys_g = {k for k in g.attrs if not k.startswith("_")}
    if keys_p != keys_g:
        return False
    return all(attr_equal(p.attrs[k], g.attrs[k]) for k in keys_p)


def _const_matches(p: Node, g: Node) -> bool:
    """Pattern constants match by value and shape (not dtype: the pattern may be traced with
    another dtype than the graph uses)."""
    if g.op != "Const":
        return False
    a, b = p.attrs["value"], g.attrs["value"]
    if a.shape != b.shape or a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
        return False
    with np.errstate(all="ignore"):
        return bool(np.array_equal(a.astype(np.float64), b.astype(np.float64)))


class _PatternMatcher:
    def __init__(self, pattern: Graph, graph: Graph, consumers: dict[Value, list[Node]]) -> None:
        self.pattern = pattern
        self.graph = graph
        self.consumers = consumers
        self.params = {id(p): k for k, p in enumerate(pattern.params)}
        self.waited_for = {id(c) for n in graph for c in n.control_inputs} | {id(t) for t in graph.targets}

    def match(self, root: Value) -> tuple[list[Value], list[Node]] | None:
        args: dict[int, Value] = {}
        nodes: dict[int, Node] = {}  # pattern node id -> graph node
        if not self._match(self.pattern.results[0], root, args, nodes):
            return None
        if len(args) != len(self.params):
            return None  # an argument the pattern never uses
        matched = list(nodes.values())
        matched_ids = {id(n) for n in matched}
        for n in matched:
            if id(n) in self.waited_for:
                return None  # its replacement would not be waited for
            if n is root.node:
                continue
            if n.control_inputs or any(v in self.graph.results for v in n.values):
                return None
            for v in n.values:
                if any(id(u) not in matched_ids for u in self.consumers.get(v, [])):
                    return None
        if root.node.control_inputs:
            return None
        ordered_args = [args[k] for k in range(len(self.params))]
        return ordered_args, matched

    def _match(self, p: Value, g: Value, args: dict[int, Value], nodes: dict[int, Node]) -> bool:
        pn = p.node
        k = self.params.get(id(pn))
        if k is not None:
            bound = args.get(k)
            if bound is not None:
                return bound == g
            args[k] = g
            return True
        if pn.op == "Const":
            return _const_matches(pn, g.node)  # shared constants stay; they are not part of the match
        gn = g.node
        if id(pn) in nodes:
            return nodes[id(pn)] is gn and p.index == g.index
        if gn.op != pn.op or p.index != g.index or len(gn.inputs) != len(pn.inputs):
            return False
        if any(nodes_g is gn for nodes_g in nodes.values()):
            return False
        if not is_pure(gn) or not _attrs_match(pn, gn):
            return False
        nodes[id(pn)] = gn
        return all(self._match(pv, gv, args, nodes) for pv, gv in zip(pn.inputs, gn.inputs))


def _instantiate(graph: Graph, body: Graph, args: Sequence[Value], anchor: Node, pass_name: str,
                 matched: Sequence[Node]) -> Value:
    """Copy `body`'s nodes into `graph` with its params bound to `args`; return its result."""
    mapping: dict[tuple[int, int], Value] = {(id(p), 0): a for p, a in zip(body.params, args)}
    params = {id(p) for p in body.params}
    provenance = provenance_from(pass_name, matched)
    for n in body.topological_order():
        if id(n) in params:
            continue
        new = graph.add_node(n.op, [mapping[(id(v.node), v.index)] for v in n.inputs],
                             {k: copy_attr(a) for k, a in n.attrs.items()},
                             name=f"{anchor.name}/{n.name}", device=anchor.device, source=anchor.source,
                             provenance=provenance)
        for k, v in enumerate(new.values):
            mapping[(id(n), k)] = v
    r = body.results[0]
    return mapping[(id(r.node), r.index)]


def replace_pattern(graph: Graph, pattern: Any, replacement: Any, *,
                    arg_specs: Sequence[Any] | None = None, pass_name: str | None = None) -> list[Match]:
    """Replace every occurrence of `pattern` in `graph` by `replacement`; return the matches.

    `pattern` and `replacement` are Python functions of the same arguments written with flowjit
    ops (or `ir.Graph`s with Arg params and one result). `arg_specs` ((dtype, shape) pairs)
    types the pattern's arguments for tracing; float32 of unknown shape by default.
    Occurrences are found in topological order and do not overlap.
    """
    name = pass_name or f"replace_pattern:{getattr(pattern, '__name__', 'pattern')}"
    specs = None
    if arg_specs is not None:
        specs = [s if isinstance(s, OutputSpec) else OutputSpec(as_dtype(s[0]), as_shape(s[1])) for s in arg_specs]
    pgraph = _as_pattern_graph(pattern, specs)
    n_args = len(pgraph.params)
    if not isinstance(replacement, Graph) and _num_params(replacement) != n_args:
        raise TypeError(f"the replacement takes {_num_params(replacement)} arguments, the pattern {n_args}")
    anchor_op = pgraph.results[0].node.op
    consumers = graph.consumers()
    matcher = _PatternMatcher(pgraph, graph, consumers)
    done: set[int] = set()
    found: list[tuple[Value, list[Value], list[Node]]] = []
    for node in reversed(graph.topological_order()):
        if node.op != anchor_op or id(node) in done:
            continue
        for v in node.values:
            m = matcher.match(v)
            if m is None or any(id(n) in done for n in m[1]):
                continue
            done.update(id(n) for n in m[1])
            found.append((v, m[0], m[1]))
            break
    matches: list[Match] = []
    cache: dict[tuple, Graph] = {}
    for root, args, matched in found:
        if isinstance(replacement, Graph):
            body = replacement
        else:
            key = tuple((a.dtype.name, a.shape.dims) for a in args)
            body = cache.get(key)
            if body is None:
                body = trace_function(replacement, [OutputSpec(a.dtype, a.shape) for a in args])
                cache[key] = body
        if len(body.results) != 1:
            raise ValueError(f"a replacement must return exactly one value, this one returns {len(body.results)}")
        new = _instantiate(graph, body, args, root.node, name, matched)
        if _is_lazy(new.node):
            continue  # replacing a read by the variable itself would move the read
        if new.dtype != root.dtype:
            raise TypeError(f"replacement for {root.name} has dtype {new.dtype.name}, the pattern {root.dtype.name}")
        edit = Edit(graph)
        edit.replace_value(root, new)
        edit.commit()
        erase_dead_nodes(graph, matched)
        if root.node.name not in graph and new.node.name.startswith(root.node.name + "/"):
            graph.rename_node(new.node, root.node.name)  # the replacement takes the replaced node's name
        matches.append(Match(graph, root, {f"arg{k}": a for k, a in enumerate(args)}, name, matched))
    return matches


def pattern_pass(pattern: Any, replacement: Any, name: str | None = None, **kwargs: Any):
    """A pass (for a Pipeline) that applies `replace_pattern(graph, pattern, replacement)`."""
    from .manager import Pass, note

    pass_name = name or f"replace_{getattr(pattern, '__name__', 'pattern')}"

    def run(graph: Graph) -> tuple[Graph, bool]:
        matches = replace_pattern(graph, pattern, replacement, pass_name=pass_name, **kwargs)
        for m in matches:
            note(f"replaced {m.root.name} (nodes {', '.join(n.name for n in m.nodes)})")
        return graph, bool(matches)

    return Pass(pass_name, run, doc=f"replace {getattr(pattern, '__name__', 'a pattern')} by "
                                    f"{getattr(replacement, '__name__', 'its replacement')}")
