"""From a specialized plan graph to a `Program`: translation, fusion, stages, regions.

1. Translation. Nodes are visited in the reference interpreter's order. Feeds, variables and
   constants become buffer leaves; a node with a lowering rule (lower.py) becomes LIR nodes
   (a *unit*); a `Fused` node's body is translated as one unit; everything else is a
   `HostStep` run with its reference kernel (counted in `Program.fallback_ops`).
2. Fusion. Units are merged into kernels: a unit joins the kernel of its latest producer
   when all its inputs exist by then, so a plan of elementwise ops and reductions becomes a
   few kernels. A `Fused` node from the pass pipeline is one kernel of its own; library
   calls (lir.LIBRARY: matmul, routines) and variable updates close their kernel.
3. Stages. Inside a kernel every value needed outside, every reduction and every library
   call and its operands are *materialized*; the rest is inlined into the loops that consume it. A stage computes
   materialized values over one iteration domain (maps store, reductions accumulate).
4. Regions. Consecutive stages whose domains share the first dimension and that only read
   each other's values of the same row run inside one loop over that dimension: softmax is
   one loop over rows holding three inner loops. Values produced and consumed inside a region
   live in per-thread row scratch, not in full temporaries. The row loop is split into chunks
   that run on all cores; reductions across rows go through per-chunk partials that are
   combined afterwards (the chunking depends on sizes only, so results do not depend on the
   thread count).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .. import options
from ..ir import dtypes, registry
from ..ir.graph import Graph, Node, Value
from ..passes.prune import vars_written_by, vars_written_by_bodies
from . import lower, routines
from .targets.cpu import gemm
from .lir import ELEMENTWISE, LIBRARY, L, broadcast_shapes, reports_errors, size_of
from .program import Buffer, Call, HostStep, IfStep, KernelStep, Program, Region, Stage, WhileStep

# Cost model (rough vector-instruction counts per element) for fusion and threading decisions.
_COST = {"exp": 12, "expm1": 14, "log": 14, "log1p": 18, "tanh": 18, "sigmoid": 16, "softplus": 30, "libm": 30,
         "libm2": 40, "pow": 45, "div": 4, "sqrt": 4, "rsqrt": 5, "recip": 4, "fmod": 40, "fmod_floor": 44,
         "idiv_trunc": 8, "idiv_floor": 10, "imod_trunc": 8, "imod_floor": 10, "gather": 4, "concat": 2,
         "pad": 2, "reshape": 2, "tile": 3}
EXPENSIVE = 8
PARTIAL_READERS = frozenset({"slice", "gather", "gather_nd", "window"})  # may skip input 0's elements
CONTROL_FLOW = ("If", "While")
MAX_KERNEL_NODES = 400


def node_cost(n: L) -> int:
    if n.op in ("buffer", "const", "iota"):
        return 0
    return _COST.get(n.op, 1)


class Unit:
    """The LIR of one graph node (or one Fused node)."""

    __slots__ = ("index", "node", "outs", "nodes", "closed", "var_write", "reads_vars")

    def __init__(self, index: int, node: Node) -> None:
        self.index = index
        self.node = node
        self.outs: list[L] = []
        self.nodes: list[L] = []  # computed (non-leaf) LIR nodes made for this unit
        self.closed = False  # nothing may fuse into the kernel after this unit
        self.var_write: str | None = None
        self.reads_vars: set[str] = set()


class ControlUnit:
    """An If/While node whose bodies translated to native units only (built into an IfStep or
    WhileStep when the program is built)."""

    __slots__ = ("node", "inputs", "bodies", "outputs", "carried")

    def __init__(self, node: Node, inputs: list[L], bodies: list["ProgramBuilder"], outputs: list[Buffer],
                 carried: list[Buffer]) -> None:
        self.node = node
        self.inputs = inputs  # the node's inputs (parent LIR values, materialized before the step)
        self.bodies = bodies  # If: [then, else]; While: [cond, body]
        self.outputs = outputs  # If: output buffers the branches write
        self.carried = carried  # While: loop-carried buffers (also the node's outputs)


class ProgramBuilder:
    def __init__(self, graph: Graph, nthreads: int, parent: "ProgramBuilder | None" = None) -> None:
        self.graph = graph
        self.nthreads = max(1, nthreads)
        self.buffers: list[Buffer] = []
        self.mat: dict[int, Buffer] = {}  # L.id -> buffer holding its value
        self.value_of: dict[Value, Any] = {}  # graph value -> L, or ("host", Value) for host-only values
        self.units: list[Unit] = []
        self.unit_of: dict[int, Unit] = {}  # L.id -> unit that made it
        self.steps_seq: list[Any] = []  # Unit | HostStep, in order
        self.fallback_ops: dict[str, int] = {}
        self.native_ops: dict[str, int] = {}
        self._static_cache: dict[Value, Any] = {}
        self.feeds: list[Buffer] = []
        self.var_buffers: dict[str, Buffer] = {}
        self.host_reasons: dict[str, str] = {}  # control-flow node -> why it runs host-driven
        # graph values that alias a variable's buffer (a `read` Identity), by variable name
        self._var_aliases: dict[str, list[Value]] = {}
        self._translated: set[int] = set()  # ids of the graph nodes translated so far
        self._consumers: dict[int, dict[Value, list[Node]]] = {}  # per graph id
        if parent is not None:  # a function body: one buffer table and memory plan with the parent
            self.buffers = parent.buffers
            self.mat = parent.mat
            self.var_buffers = parent.var_buffers
            self._static_cache = parent._static_cache
            self.host_reasons = parent.host_reasons

    # --- buffers ------------------------------------------------------------------------
    def buffer(self, dtype, shape, kind: str, **kw: Any) -> Buffer:
        b = Buffer(len(self.buffers), dtype, tuple(shape), kind, **kw)
        self.buffers.append(b)
        return b

    def leaf(self, buf: Buffer, origin: Any = None) -> L:
        n = L("buffer", [], buf.dtype, buf.shape, origin, buf=buf)
        self.mat[n.id] = buf
        return n

    def _const_buffer(self, array: np.ndarray) -> Buffer:
        from ..ir.dtypes import as_dtype

        return self.buffer(as_dtype(array.dtype), array.shape, "const", array=array)

    def static_value(self, v: Value):
        if v not in self._static_cache:
            try:
                self._static_cache[v] = registry.static_value(v)
            except Exception:
                self._static_cache[v] = None
        return self._static_cache[v]

    # --- 1. translation -----------------------------------------------------------------
    def translate(self) -> None:
        g = self.graph
        params = {id(p): k for k, p in enumerate(g.params)}
        for k, p in enumerate(g.params):
            spec = p.outputs[0]
            if spec.shape.is_fully_defined() and spec.dtype in lower.NATIVE_DTYPES:
                self.feeds.append(self.buffer(spec.dtype, spec.shape.as_list(), "feed", index=k))
            else:
                self.feeds.append(None)
        translator = lower.Translator(self.static_value, self._const_buffer)
        for node in g.topological_order():
            k = params.get(id(node))
            if k is not None:
                buf = self.feeds[k]
                self.value_of[node.output(0)] = self.leaf(buf, node) if buf is not None else ("host", node.output(0))
                continue
            self._node(node, translator)

    def _node(self, node: Node, translator: lower.Translator) -> None:
        """Translate one node: a leaf, a native unit, or a host step."""
        for name in vars_written_by(node):
            self._snapshot_aliases(name, node, translator)
        self._translate_node(node, translator)
        self._translated.add(id(node))
        if node.op != "VariableV2":
            for v in node.values:
                x = self.value_of.get(v)
                if isinstance(x, L) and x.op == "buffer" and x.attrs["buf"].kind == "var":
                    self._var_aliases.setdefault(x.attrs["buf"].name, []).append(v)

    def _snapshot_aliases(self, name: str, writer: Node, translator: lower.Translator) -> None:
        """Before `writer` updates variable `name` in place: values that alias the variable's
        buffer (a `read` Identity translates to the buffer itself) and are still to be read
        by later nodes or fetched get a copy taken now. A read that does not depend on the
        update sees the value from before it, however the kernels are fused and ordered
        (passes.prune.order_reads_before_writes puts such reads first)."""
        buf = self.var_buffers.get(name)
        copy: L | None = None
        for v in self._var_aliases.pop(name, ()):
            x = self.value_of.get(v)
            if not (isinstance(x, L) and x.op == "buffer" and x.attrs["buf"] is buf):
                continue
            if not self._read_later(v, writer):
                continue
            if copy is None:
                copy = self._variable_copy(v.node, x, buf, translator)
            self.value_of[v] = copy

    def _read_later(self, v: Value, writer: Node) -> bool:
        """Whether a node not translated yet (other than `writer`) reads v, or v is a result."""
        g = v.node.graph
        consumers = self._consumers.get(id(g))
        if consumers is None:
            consumers = self._consumers[id(g)] = g.consumers()
        if any(r == v for r in g.results):
            return True
        return any(c is not writer and id(c) not in self._translated for c in consumers.get(v, ()))

    def _translate_node(self, node: Node, translator: lower.Translator) -> None:
        if node.op == "VariableV2":
            self._variable(node)
        elif node.op == "Const":
            self._const(node)
        elif self._try_static(node):
            pass
        elif node.op in ("Assign", "AssignAdd", "AssignSub") and self._var_update(node, translator):
            pass
        elif node.op in lower.VAR_SCATTERS and self._var_scatter(node, translator):
            pass
        elif node.op == "ReadVariable" and self._read_variable(node, translator):
            pass
        elif node.op == "NoOp":
            pass
        elif self._try_native(node, translator):
            pass
        elif node.op == "Fused":
            self._expand_fused(node, translator)
        elif node.op in CONTROL_FLOW and self._try_control(node, translator):
            pass
        else:
            self._host(node)

    def _expand_fused(self, node: Node, translator: lower.Translator) -> None:
        """A Fused node whose body is not all native: its body nodes are translated one by
        one (most stay native, the rest run on the host), as if the group had not been formed."""
        body: Graph = node.attrs["body"]
        params = {id(p): k for k, p in enumerate(body.params)}
        for n in body.topological_order():
            k = params.get(id(n))
            if k is not None:
                self.value_of[n.output(0)] = self.value_of.get(node.inputs[k], ("host", node.inputs[k]))
                continue
            self._node(n, translator)
        for v, r in zip(node.values, body.results):
            self.value_of[v] = self.value_of.get(r, ("host", r))

    def _variable(self, node: Node) -> None:
        spec = node.outputs[0]
        name = node.attrs["var"]
        if not spec.shape.is_fully_defined() or spec.dtype not in lower.NATIVE_DTYPES:
            self.value_of[node.output(0)] = ("host", node.output(0))
            return
        buf = self.var_buffers.get(name)
        if buf is None:
            buf = self.var_buffers[name] = self.buffer(spec.dtype, spec.shape.as_list(), "var", name=name)
        if buf.shape != tuple(spec.shape.as_list()):
            self.value_of[node.output(0)] = ("host", node.output(0))
            return
        self.value_of[node.output(0)] = self.leaf(buf, node)

    def _const(self, node: Node) -> None:
        value = np.asarray(node.attrs["value"])
        dtype = node.outputs[0].dtype
        if dtype not in lower.NATIVE_DTYPES or value.dtype != dtype.np_dtype:
            self.value_of[node.output(0)] = ("const", value)
            return
        if value.size == 1:
            self.value_of[node.output(0)] = L("const", [], dtype, value.shape, node, value=value.reshape(-1)[0].item())
        else:
            buf = self.buffer(dtype, value.shape, "const", array=np.ascontiguousarray(value))
            self.value_of[node.output(0)] = self.leaf(buf, node)

    def _try_static(self, node: Node) -> bool:
        """Stateless nodes whose values are known at compile time (shape arithmetic)."""
        opdef = registry.get_op(node.op)
        if opdef.stateful or opdef.host or not node.outputs or node.control_inputs:
            return False
        if node.op in ("Fused", "If", "While"):
            return False
        values = []
        for v in node.values:
            if v.shape.num_elements() is None or v.shape.num_elements() > 1024:
                return False
            s = self.static_value(v)
            if s is None:
                return False
            values.append(np.asarray(s))
        for v, s in zip(node.values, values):
            dtype = v.dtype
            if dtype not in lower.NATIVE_DTYPES or s.dtype != dtype.np_dtype:
                self.value_of[v] = ("const", s)
            elif s.size == 1:
                self.value_of[v] = L("const", [], dtype, s.shape, node, value=s.reshape(-1)[0].item())
            else:
                self.value_of[v] = self.leaf(self.buffer(dtype, s.shape, "const", array=np.ascontiguousarray(s)), node)
        return True

    def _inputs_as_lir(self, node: Node) -> list[L] | None:
        ins = []
        for v in node.inputs:
            x = self.value_of.get(v)
            if not isinstance(x, L):
                return None
            ins.append(x)
        return ins

    def _try_native(self, node: Node, translator: lower.Translator) -> bool:
        opdef = registry.get_op(node.op)
        if opdef.host or opdef.stateful and node.op != "Fused":
            return False
        if any(not o.shape.is_fully_defined() or o.dtype not in lower.NATIVE_DTYPES for o in node.outputs):
            return False
        ins = self._inputs_as_lir(node)
        if ins is None:
            return False
        unit = Unit(len(self.units), node)
        first_id = _next_id()
        try:
            if node.op == "Fused":
                outs = self._translate_body(node.attrs["body"], ins, translator)
            else:
                fn = lower.RULES.get(node.op)
                if fn is None:
                    return False
                translator.origin = node
                outs = fn(translator, node, ins)
        except lower.Unsupported:
            return False
        except (ValueError, TypeError, KeyError, IndexError):
            return False
        if len(outs) != len(node.outputs):
            return False
        for o, spec in zip(outs, node.outputs):
            if o.dtype != spec.dtype or o.shape != tuple(spec.shape.as_list()):
                return False
        unit.nodes = _made_since(outs, first_id)
        for n in _leaves(outs):
            if n.id not in self.mat and n.op == "buffer":
                self.mat[n.id] = n.attrs["buf"]
        unit.outs = outs
        for n in unit.nodes:
            self.unit_of[n.id] = unit
            if n.op in LIBRARY:
                unit.closed = True
        for n in _leaves(outs):
            buf = self.mat.get(n.id)
            if buf is not None and buf.kind == "var":
                unit.reads_vars.add(buf.name)
        for v, o in zip(node.values, outs):
            self.value_of[v] = o
        self.units.append(unit)
        self.steps_seq.append(unit)
        self._count(self.native_ops, node)
        return True

    def _translate_body(self, body: Graph, args: list[L], translator: lower.Translator) -> list[L]:
        env: dict[Value, L] = {}
        params = {id(p): k for k, p in enumerate(body.params)}
        for n in body.topological_order():
            k = params.get(id(n))
            if k is not None:
                env[n.output(0)] = args[k]
                continue
            if n.op == "Const":
                value = np.asarray(n.attrs["value"])
                dtype = n.outputs[0].dtype
                if dtype not in lower.NATIVE_DTYPES:
                    raise lower.Unsupported("const dtype")
                if value.size == 1:
                    env[n.output(0)] = L("const", [], dtype, value.shape, n, value=value.reshape(-1)[0].item())
                else:
                    buf = self.buffer(dtype, value.shape, "const", array=np.ascontiguousarray(value))
                    env[n.output(0)] = self.leaf(buf, n)
                continue
            static = [self.static_value(v) for v in n.values] if not registry.get_op(n.op).stateful else [None]
            if n.outputs and all(s is not None and np.size(s) == 1 for s in static):
                for v, s in zip(n.values, static):
                    s = np.asarray(s)
                    if s.dtype != v.dtype.np_dtype:
                        raise lower.Unsupported("static dtype")
                    env[v] = L("const", [], v.dtype, s.shape, n, value=s.reshape(-1)[0].item())
                continue
            fn = lower.RULES.get(n.op)
            if fn is None or registry.get_op(n.op).stateful:
                raise lower.Unsupported(f"{n.op} in a Fused body")
            if any(not o.shape.is_fully_defined() or o.dtype not in lower.NATIVE_DTYPES for o in n.outputs):
                raise lower.Unsupported("dynamic shape in a Fused body")
            translator.origin = n
            outs = fn(translator, n, [env[v] for v in n.inputs])
            for v, o in zip(n.values, outs):
                if o.shape != tuple(v.shape.as_list()) or o.dtype != v.dtype:
                    raise lower.Unsupported("shape mismatch in body")
                env[v] = o
        return [env[v] for v in body.results]

    # --- native control flow --------------------------------------------------------------
    def translate_body(self, args: list[L]) -> list[L]:
        """Translate this builder's graph as a function body with params bound to `args`;
        raises lower.Unsupported unless every node became native code."""
        params = {id(p): k for k, p in enumerate(self.graph.params)}
        translator = lower.Translator(self.static_value, self._const_buffer)
        for node in self.graph.topological_order():
            k = params.get(id(node))
            if k is not None:
                self.value_of[node.output(0)] = args[k]
                continue
            self._node(node, translator)
        if any(isinstance(s, HostStep) for s in self.steps_seq):
            raise lower.Unsupported("a host op in a control-flow body: " + ", ".join(
                s.node.op for s in self.steps_seq if isinstance(s, HostStep)))
        outs = [self.value_of.get(v) for v in self.graph.results]
        if not all(isinstance(o, L) for o in outs):
            raise lower.Unsupported("a control-flow body result without native code")
        return outs

    def _try_control(self, node: Node, translator: lower.Translator) -> bool:
        """If/While as native control flow when every body node compiles and every shape is
        static; otherwise (False) the node runs on the host, its bodies compiled separately."""
        if not options.get("FLOWJIT_NATIVE_CONTROL_FLOW"):
            self.host_reasons[node.name] = "FLOWJIT_NATIVE_CONTROL_FLOW=0"
            return False
        if any(not o.shape.is_fully_defined() or o.dtype not in lower.NATIVE_DTYPES for o in node.outputs):
            self.host_reasons[node.name] = "an output shape is only known at run time"
            return False
        ins = self._inputs_as_lir(node)
        if ins is None:
            self.host_reasons[node.name] = "an input is computed on the host"
            return False
        mark, known_vars = len(self.buffers), set(self.var_buffers)
        n_units, n_steps = len(self.units), len(self.steps_seq)
        try:
            ins = self._snapshot_written_vars(node, ins, translator)
            unit = self._control_if(node, ins) if node.op == "If" else self._control_while(node, ins)
        except (lower.Unsupported, ValueError, TypeError, KeyError, IndexError) as e:
            self.host_reasons[node.name] = f"{type(e).__name__}: {e}"
            unit = None
        if unit is None:  # forget what the attempt made
            self.host_reasons.setdefault(node.name, "shapes differ between the body and the loop")
            del self.buffers[mark:]
            del self.units[n_units:]
            del self.steps_seq[n_steps:]
            for name in set(self.var_buffers) - known_vars:
                del self.var_buffers[name]
            return False
        for body in unit.bodies:
            for table, counts in ((self.native_ops, body.native_ops), (self.fallback_ops, body.fallback_ops)):
                for op, c in counts.items():
                    table[op] = table.get(op, 0) + c
        self.steps_seq.append(unit)
        self._count(self.native_ops, node)
        return True

    def _snapshot_written_vars(self, node: Node, ins: list[L], translator: lower.Translator) -> list[L]:
        """A variable read passed into a body that assigns the same variable is copied first:
        the body must see the value from before the node ran (TF1's captured snapshot)."""
        written = vars_written_by_bodies(node)
        out = []
        for x in ins:
            buf = self.mat.get(x.id) if x.op == "buffer" else None
            if buf is not None and buf.kind == "var" and buf.name in written:
                x = self._variable_copy(node, x, buf, translator)
            out.append(x)
        return out

    def _control_if(self, node: Node, ins: list[L]) -> ControlUnit | None:
        bodies = []
        for attr in ("then_branch", "else_branch"):
            sub = ProgramBuilder(node.attrs[attr], self.nthreads, parent=self)
            sub.results_l = sub.translate_body(ins[1:])
            bodies.append(sub)
        outputs = [self.buffer(v.dtype, v.shape.as_list(), "temp") for v in node.values]
        for v, buf in zip(node.values, outputs):
            self.value_of[v] = self.leaf(buf, node)
        return ControlUnit(node, ins, bodies, outputs, [])

    def _control_while(self, node: Node, ins: list[L]) -> ControlUnit | None:
        n_vars = len(node.outputs)
        if int(node.attrs.get("num_exports", 0)) or len(node.attrs["body"].results) != n_vars:
            raise lower.Unsupported("the loop records values for a gradient (outputs of run-time length)")
        carried = [self.buffer(v.dtype, v.shape.as_list(), "temp") for v in node.values]
        for x, buf in zip(ins, carried):
            if x.shape != buf.shape or x.dtype != buf.dtype:
                return None
        args = [self.leaf(buf, node) for buf in carried] + ins[n_vars:]
        cond = ProgramBuilder(node.attrs["cond"], self.nthreads, parent=self)
        cond.results_l = cond.translate_body(args)
        body = ProgramBuilder(node.attrs["body"], self.nthreads, parent=self)
        body.results_l = body.translate_body(args)
        pred = cond.results_l[0]
        if pred.shape != () or not pred.dtype.is_bool:
            return None
        for r, buf in zip(body.results_l, carried):
            if r.shape != buf.shape or r.dtype != buf.dtype:
                return None
        for v, buf in zip(node.values, carried):
            self.value_of[v] = self.leaf(buf, node)
        return ControlUnit(node, ins, [cond, body], [], carried)

    def _read_variable(self, node: Node, translator: lower.Translator) -> bool:
        """`v.read_value()`: a copy of the variable taken at this point of the order (a later
        in-place assign must not change it)."""
        buf = self.var_buffers.get(node.attrs.get("var"))
        spec = node.outputs[0]
        if buf is None or buf.dtype != spec.dtype or list(buf.shape) != spec.shape.as_list():
            return False
        self.value_of[node.output(0)] = self._variable_copy(node, self.leaf(buf, node), buf, translator)
        self._count(self.native_ops, node)
        return True

    def _variable_copy(self, node: Node, x: L, buf: Buffer, translator: lower.Translator) -> L:
        """A unit copying the variable `buf` (read as `x`) at this point of the order."""
        translator.origin = node
        first_id = _next_id()
        copy = translator.node("broadcast", [x], x.dtype, x.shape)
        unit = Unit(len(self.units), node)
        unit.nodes = _made_since([copy], first_id)
        unit.outs = [copy]
        unit.reads_vars.add(buf.name)
        for n in unit.nodes:
            self.unit_of[n.id] = unit
        self.units.append(unit)
        self.steps_seq.append(unit)
        return copy

    def _var_update(self, node: Node, translator: lower.Translator) -> bool:
        """Assign / AssignAdd / AssignSub written in place into the variable's buffer."""
        name = node.attrs.get("var")
        ref = node.inputs[0]
        buf = self.var_buffers.get(name)
        if buf is None or ref.node.op != "VariableV2" or ref.node.attrs.get("var") != name:
            return False
        value = self.value_of.get(node.inputs[1])
        if not isinstance(value, L) or value.dtype != buf.dtype:
            return False
        if node.op == "Assign" and value.shape != buf.shape:
            return False
        if node.op != "Assign" and broadcast_shapes(buf.shape, value.shape) != buf.shape:
            return False
        translator.origin = node
        first_id = _next_id()
        if node.op == "Assign":
            new = translator.node("broadcast", [value], buf.dtype, buf.shape)
        else:
            cur = self.leaf(buf, node)
            new = translator.binary("add" if node.op == "AssignAdd" else "sub", cur, value)
        unit = Unit(len(self.units), node)
        unit.nodes = _made_since([new], first_id)
        for n in unit.nodes:
            self.unit_of[n.id] = unit
        unit.outs = [new]
        unit.var_write = name
        unit.closed = True
        for n in _leaves([new]):
            b = self.mat.get(n.id)
            if b is not None and b.kind == "var":
                unit.reads_vars.add(b.name)
        self.value_of[node.output(0)] = new
        self.units.append(unit)
        self.steps_seq.append(unit)
        self._count(self.native_ops, node)
        return True

    def _var_scatter(self, node: Node, translator: lower.Translator) -> bool:
        """ScatterUpdate / ScatterAdd / ScatterSub: a scatter routine writing the variable's
        buffer in place; the node's value (the updated variable) is a copy made only if used."""
        name = node.attrs.get("var")
        ref = node.inputs[0]
        buf = self.var_buffers.get(name)
        if buf is None or ref.node.op != "VariableV2" or ref.node.attrs.get("var") != name:
            return False
        spec = node.outputs[0]
        if not spec.shape.is_fully_defined() or tuple(spec.shape.as_list()) != buf.shape or spec.dtype != buf.dtype:
            return False
        ins = [self.value_of.get(v) for v in node.inputs[1:]]
        if not all(isinstance(x, L) for x in ins):
            return False
        translator.origin = node
        first_id = _next_id()
        # an operand read straight from the variable would be overwritten while it is read
        ins = [translator.node("broadcast", [x], x.dtype, x.shape) if _reads_buffer(x, buf) else x for x in ins]
        try:
            new = lower.var_scatter(translator, node.op, self.leaf(buf, node), *ins)
        except lower.Unsupported:
            return False
        value = translator.node("broadcast", [new], new.dtype, new.shape)
        unit = Unit(len(self.units), node)
        unit.nodes = _made_since([new, value], first_id)
        for n in unit.nodes:
            self.unit_of[n.id] = unit
        unit.outs = [new]
        unit.var_write = name
        unit.closed = True
        leaves = [self.mat.get(n.id) for n in _leaves([new])]
        unit.reads_vars = {b.name for b in leaves if b is not None and b.kind == "var"}
        self.value_of[node.output(0)] = value
        self.units.append(unit)
        self.steps_seq.append(unit)
        self._count(self.native_ops, node)
        return True

    def _host(self, node: Node) -> None:
        step = HostStep(node, [], [])
        for v in node.inputs:
            step.inputs.append(self.value_of.get(v, ("host", v)))
        for v in node.values:
            if v.shape.is_fully_defined() and v.dtype in lower.NATIVE_DTYPES:
                buf = self.buffer(v.dtype, v.shape.as_list(), "host")
                self.value_of[v] = self.leaf(buf, node)
                step.outputs.append(buf)
            else:
                self.value_of[v] = ("host", v)
                step.outputs.append(("host", v))
        self.steps_seq.append(step)
        if node.op in CONTROL_FLOW:
            self._count(self.native_ops, node)  # driven on the host, bodies compiled (runtime/cpu.py)
        elif not registry.get_op(node.op).host:
            self._count(self.fallback_ops, node)

    @staticmethod
    def _count(table: dict[str, int], node: Node) -> None:
        table[node.op] = table.get(node.op, 0) + 1

    # --- 2. fusion ------------------------------------------------------------------------
    def fuse(self) -> list[Any]:
        """Group units into kernels; returns the step order: lists of units and HostSteps."""
        order: list[Any] = []
        kernel_of: dict[int, int] = {}  # unit index -> position in `order`
        for item in self.steps_seq:
            if not isinstance(item, Unit):  # host and control steps run on their own
                order.append(item)
                continue
            producers = set()
            latest = -1
            for n in item.nodes:
                for x in n.inputs:
                    u = self.unit_of.get(x.id)
                    if u is not None and u is not item:
                        producers.add(u.index)
            for p in producers:
                latest = max(latest, kernel_of[p])
            # only the last step can grow: every unit still runs after everything before it
            # in the interpreter's order (host steps, variable writes, control inputs)
            joined = False
            if latest >= 0 and isinstance(order[latest], list) and latest == self._last_kernel(order):
                kernel = order[latest]
                if self._can_join(kernel, item):
                    kernel.append(item)
                    kernel_of[item.index] = latest
                    joined = True
            if not joined and not producers and order and isinstance(order[-1], list):
                kernel = order[-1]
                if self._can_join(kernel, item) and self._independent_ok(kernel, item):
                    kernel.append(item)
                    kernel_of[item.index] = len(order) - 1
                    joined = True
            if not joined:
                order.append([item])
                kernel_of[item.index] = len(order) - 1
        return order

    @staticmethod
    def _last_kernel(order: list[Any]) -> int:
        return len(order) - 1 if order and isinstance(order[-1], list) else -2

    def _can_join(self, kernel: list[Unit], unit: Unit) -> bool:
        if any(u.closed for u in kernel):
            return False
        if any(n.op in LIBRARY for n in unit.nodes):
            return False
        if sum(len(u.nodes) for u in kernel) + len(unit.nodes) > MAX_KERNEL_NODES:
            return False
        if unit.var_write:
            # the kernel must not read the variable anywhere but at the written element
            for u in kernel:
                if unit.var_write in u.reads_vars:
                    return False
        for u in kernel:
            if u.var_write and u.var_write in unit.reads_vars:
                return False
        return True

    @staticmethod
    def _independent_ok(kernel: list[Unit], unit: Unit) -> bool:
        """An independent unit may share a kernel if its loops look alike (same output size)."""
        if unit.var_write:
            return False
        sizes = {o.size for u in kernel for o in u.outs}
        return all(o.size in sizes and o.size >= 4096 for o in unit.outs)

    # --- 3./4. kernels to steps ---------------------------------------------------------------
    def build(self) -> Program:
        self.translate()
        g = self.graph
        wanted = [self.value_of.get(v) for v in g.results]
        # a value computed by a kernel writes straight into the result
        steps = self.build_steps(wanted, lambda i, x: self.buffer(x.dtype, x.shape, "result", index=i))
        results: list[Any] = []
        for v, x in zip(g.results, wanted):
            if isinstance(x, L):
                buf = self.mat.get(x.id)
                if buf is not None:
                    results.append(buf)
                elif x.op == "const":
                    results.append(("const", np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype)))
                else:
                    raise AssertionError(f"result {v.name} was not materialized")
            elif isinstance(x, tuple) and x[0] in ("const", "host"):
                results.append(x)  # a host value: maybe of an expanded Fused body, not v itself
            else:
                results.append(("host", v))
        # host step inputs now refer to buffers
        for step in steps:
            if isinstance(step, HostStep):
                step.inputs = [self.mat[x.id] if isinstance(x, L) and x.id in self.mat else
                               (("const", np.full(x.shape, x.attrs["value"], dtype=x.dtype.np_dtype))
                                if isinstance(x, L) and x.op == "const" else x)
                               for x in step.inputs]
        _lifetimes(steps, results)
        return Program(self.buffers, steps, self.feeds, results, self.fallback_ops, self.native_ops, self.mat,
                       self.nthreads, self.host_reasons)

    def build_steps(self, results: list[Any], make_target: Any) -> list[Any]:
        """Fuse the translated units into kernels and schedule them; `make_target(i, x)` may
        name the buffer result i (LIR value x, computed by one of the kernels) is written to."""
        order = self.fuse()
        need: dict[int, L] = {x.id: x for x in results if isinstance(x, L)}
        kernel_index: dict[int, int] = {}
        for k, step in enumerate(order):
            if isinstance(step, list):
                for u in step:
                    for n in u.nodes:
                        kernel_index[n.id] = k
        for k, step in enumerate(order):
            if isinstance(step, HostStep):
                need.update((x.id, x) for x in step.inputs if isinstance(x, L))
            elif isinstance(step, ControlUnit):
                need.update((x.id, x) for x in step.inputs)
            else:
                for u in step:
                    for n in u.nodes:
                        for x in n.inputs:
                            kx = kernel_index.get(x.id)
                            if kx is not None and kx != k:
                                need[x.id] = x
        targets: dict[int, Buffer] = {}
        for i, x in enumerate(results):
            if isinstance(x, L) and x.id in kernel_index and x.id not in targets and x.id not in self.mat:
                buf = make_target(i, x)
                if buf is not None:
                    targets[x.id] = buf
        steps: list[Any] = []
        for k, step in enumerate(order):
            if isinstance(step, HostStep):
                steps.append(step)
            elif isinstance(step, ControlUnit):
                steps.append(self._control_step(step))
            else:
                steps.append(self._kernel_step(step, need, targets, f"k{len(steps)}"))
        return steps

    def _kernel_step(self, units: list[Unit], need: dict[int, L], targets: dict[int, Buffer], name: str) -> KernelStep:
        nodes = sorted((n for u in units for n in u.nodes), key=lambda n: n.id)
        outputs: dict[int, Buffer] = {}
        for n in nodes:
            if n.id in need or n.id in targets:
                buf = targets.get(n.id)
                if buf is None:
                    buf = self.buffer(n.dtype, n.shape, "temp")
                outputs[n.id] = buf
        writes_var: dict[int, Buffer] = {}
        for u in units:
            if u.var_write:
                writes_var[u.outs[0].id] = self.var_buffers[u.var_write]
        step = self._scheduled(nodes, outputs, writes_var, name, [u.node for u in units])
        for n_id, buf in outputs.items():
            self.mat[n_id] = buf
        return step

    def _scheduled(self, nodes: list[L], outputs: dict[int, Buffer], writes_var: dict[int, Buffer], name: str,
                   origins: list[Node]) -> KernelStep:
        ks = KernelScheduler(self, nodes, outputs, writes_var, name)
        items = ks.schedule()
        reads = sorted({b.id: b for b in ks.reads}.values(), key=lambda b: b.id)
        writes = sorted({b.id: b for b in ks.writes}.values(), key=lambda b: b.id)
        return KernelStep(name, items, reads, writes, origins, ks.checks, ks.inline_ids)

    def copy_step(self, src: L, dst: Buffer, origin: Node, name: str) -> KernelStep:
        """A kernel that stores `src` (materialized, or a constant) into `dst`."""
        n = L("broadcast", [src], dst.dtype, dst.shape, origin)
        return self._scheduled([n], {n.id: dst}, {}, name, [origin])

    def _landing(self, body: "ProgramBuilder", dests: list[Buffer], make_target: Any, prefix: str) -> list[Any]:
        """The steps of `body` with its results stored into `dests` (straight from the kernel
        that computes a result when `make_target` gives its buffer, else by a copy)."""
        steps = body.build_steps(body.results_l, make_target)
        for i, (x, dst) in enumerate(zip(body.results_l, dests)):
            if self.mat.get(x.id) is not dst:
                steps.append(self.copy_step(x, dst, body.graph.results[i].node, f"{prefix}_out{i}"))
        return steps

    def _control_step(self, unit: ControlUnit) -> Any:
        node = unit.node
        if node.op == "If":
            branches = []
            for label, body in zip(("then", "else"), unit.bodies):
                branches.append(self._landing(body, unit.outputs, lambda i, x: unit.outputs[i], f"{node.name}_{label}"))
            p = unit.inputs[0]
            pred: Any = bool(p.attrs["value"]) if p.op == "const" else self.mat[p.id]
            return IfStep(node, pred, branches)
        cond, body = unit.bodies
        n = len(unit.carried)
        init = [self.copy_step(x, buf, node, f"{node.name}_init{i}") for i, (x, buf) in
                enumerate(zip(unit.inputs[:n], unit.carried))]
        pred = self.buffer(dtypes.bool_, (), "temp")
        cond_steps = self._landing(cond, [pred], lambda i, x: pred, f"{node.name}_cond")
        # next values land in fresh buffers (a body may still read the current ones), then are
        # copied over; a loop variable the body passes through unchanged is not copied at all
        carried_ids = {buf.id: i for i, buf in enumerate(unit.carried)}
        nexts: list[Buffer | None] = []
        for i, (x, buf) in enumerate(zip(body.results_l, unit.carried)):
            src = self.mat.get(x.id) if x.op == "buffer" else None
            if src is buf:
                nexts.append(None)
            elif src is not None and src.id not in carried_ids or x.op == "const":
                nexts.append(buf)  # not a carried value: copied straight in, after the others
            else:
                nexts.append(self.buffer(buf.dtype, buf.shape, "temp"))
        pending = {i: b for i, b in enumerate(nexts) if b is not None and b is not unit.carried[i]}
        body_steps = body.build_steps(body.results_l, lambda i, x: pending.get(i))
        # every read of the current values comes before the first write of a carried buffer
        for i, (x, nxt) in enumerate(zip(body.results_l, nexts)):
            if nxt is not None and nxt is not unit.carried[i] and self.mat.get(x.id) is not nxt:
                body_steps.append(self.copy_step(x, nxt, node, f"{node.name}_next{i}"))
        for i, (x, nxt) in enumerate(zip(body.results_l, nexts)):
            if nxt is unit.carried[i]:
                body_steps.append(self.copy_step(x, nxt, node, f"{node.name}_carry{i}"))
            elif nxt is not None:
                body_steps.append(self.copy_step(self.leaf(nxt, node), unit.carried[i], node, f"{node.name}_carry{i}"))
        max_iter = node.attrs.get("maximum_iterations")
        return WhileStep(node, init, cond_steps, pred, body_steps, None if max_iter is None else int(max_iter))


def _lifetimes(steps: list[Any], results: list[Any]) -> None:
    """[first, last] step positions of every buffer, steps numbered in program order with
    control steps' nested steps inline. A buffer a loop reads but that was written before the
    loop lives until the loop's end (the next iteration reads it again)."""
    clock = [0]

    def write(b: Buffer, k: int) -> None:
        if b.first < 0:
            b.first = k
        b.last = max(b.last, k)

    def read(b: Buffer, k: int) -> None:
        b.last = max(b.last, k)
        if b.first < 0:
            b.first = k

    def walk(steps: list[Any]) -> dict[int, Buffer]:
        touched: dict[int, Buffer] = {}
        for step in steps:
            if isinstance(step, KernelStep):
                k = clock[0]
                clock[0] += 1
                for b in step.writes:
                    write(b, k)
                    touched[b.id] = b
                for b in step.reads:
                    read(b, k)
                    touched[b.id] = b
            elif isinstance(step, HostStep):
                k = clock[0]
                clock[0] += 1
                for x in step.inputs:
                    if isinstance(x, Buffer):
                        x.last = max(x.last, k)
                        touched[x.id] = x
            elif isinstance(step, IfStep):
                if isinstance(step.pred, Buffer):
                    read(step.pred, clock[0])
                    touched[step.pred.id] = step.pred
                clock[0] += 1
                for branch in step.branches:
                    touched.update(walk(branch))
            elif isinstance(step, WhileStep):
                touched.update(walk(step.init))
                start = clock[0]
                inner = walk(step.cond)
                read(step.pred, clock[0])
                inner[step.pred.id] = step.pred
                clock[0] += 1
                inner.update(walk(step.body))
                end = clock[0]
                clock[0] += 1
                for b in inner.values():
                    if b.first < start:
                        b.last = max(b.last, end)
                touched.update(inner)
        return touched

    walk(steps)
    for r in results:
        if isinstance(r, Buffer):
            r.last = clock[0]


def _reads_buffer(x: L, buf: Buffer) -> bool:
    """Whether x is `buf` itself, possibly through reshapes (a library would read it in place)."""
    while x.op == "reshape":
        x = x.inputs[0]
    return x.op == "buffer" and x.attrs["buf"] is buf


def _next_id() -> int:
    """LIR ids increase with creation: everything a rule makes has an id >= this."""
    return L("const", [], dtypes.int32, ()).id


def _made_since(outs: Iterable[L], first_id: int) -> list[L]:
    """The computed LIR nodes reachable from `outs` that were created at or after `first_id`."""
    made: dict[int, L] = {}
    stack = list(outs)
    while stack:
        n = stack.pop()
        if n.id in made or n.id < first_id or n.op == "buffer":
            continue
        made[n.id] = n
        stack.extend(n.inputs)
    return sorted(made.values(), key=lambda n: n.id)


def _leaves(outs: Iterable[L]) -> list[L]:
    out, seen, stack = [], set(), list(outs)
    while stack:
        n = stack.pop()
        if n.id in seen:
            continue
        seen.add(n.id)
        if n.op == "buffer":
            out.append(n)
        stack.extend(n.inputs)
    return out


# --- access analysis -------------------------------------------------------------------------------
#
# For a stage with domain rank R, the index of every node read by the stage's expression is a
# tuple of entries: ("d", k) = domain index k, ("c", v) = a constant, ("x", deps) = anything
# else depending on the domain dims in `deps`.

def _input_index(n: L, idx: tuple, k: int) -> tuple:
    """Symbolic index of input k of n, given n's symbolic index."""
    x = n.inputs[k]
    op = n.op
    if op in ELEMENTWISE or op == "broadcast" or op == "check":
        r = x.rank
        out = []
        for j in range(r):
            oj = n.rank - r + j
            if x.shape[j] == 1 and n.shape[oj] != 1:
                out.append(("c", 0))
            else:
                out.append(idx[oj])
        return tuple(out)
    if op == "transpose":
        perm = n.attrs["perm"]
        out = [None] * x.rank
        for j, p in enumerate(perm):
            out[p] = idx[j]
        return tuple(out)
    if op == "reshape":
        return _reshape_index(x.shape, n.shape, idx)
    if op == "slice":
        out = []
        for j, (b, s) in enumerate(zip(n.attrs["begin"], n.attrs["step"])):
            if b == 0 and s == 1:
                out.append(idx[j])
            elif n.shape[j] == 1:
                out.append(("c", b))
            else:
                out.append(("x", _deps(idx[j])))
        return tuple(out)
    if op == "pad":
        if k == 1:
            return ()
        return tuple(idx[j] if tuple(p) == (0, 0) else ("x", _deps(idx[j])) for j, p in enumerate(n.attrs["pads"]))
    if op == "concat":
        a = n.attrs["axis"]
        return tuple(idx[j] if j != a else ("x", _deps(idx[j])) for j in range(n.rank))
    if op == "tile":
        return tuple(idx[j] if x.shape[j] == n.shape[j] else ("x", _deps(idx[j])) for j in range(n.rank))
    if op == "gather_nd":
        params, indices = n.inputs
        b = indices.rank - 1
        if k == 1:
            return tuple(idx[:b]) + (("x", frozenset()),)
        deps = frozenset().union(*(_deps(e) for e in idx[:b])) if b else frozenset()
        kk = indices.shape[-1]
        return tuple(("x", deps) for _ in range(kk)) + tuple(idx[b:])
    if op == "unslice":
        return tuple(idx[j] if (bg == 0 and st == 1) else ("x", _deps(idx[j]))
                     for j, (bg, st) in enumerate(zip(n.attrs["begin"], n.attrs["step"])))
    if op == "window":
        if k == 1:
            return ()
        hd = _deps(idx[1]) | _deps(idx[3])
        wd = _deps(idx[2]) | _deps(idx[4])
        return (idx[0], ("x", hd), ("x", wd), idx[5])
    if op == "gather":
        a = n.attrs["axis"]
        params, indices = n.inputs
        ri = indices.rank
        if k == 1:
            return tuple(idx[a:a + ri])
        deps = frozenset().union(*(_deps(e) for e in idx[a:a + ri])) if ri else frozenset()
        return tuple(idx[:a]) + (("x", deps),) + tuple(idx[a + ri:])
    deps = frozenset().union(*(_deps(e) for e in idx)) if idx else frozenset()
    return tuple(("x", deps) for _ in range(x.rank))


def _deps(e: tuple) -> frozenset:
    if e[0] == "d":
        return frozenset([e[1]])
    if e[0] == "x":
        return e[1]
    return frozenset()


def _reshape_index(in_shape: tuple, out_shape: tuple, idx: tuple) -> tuple:
    """Index of a reshape's input: exact where the shapes differ only by 1s, else mixed."""
    a = [(j, d) for j, d in enumerate(in_shape) if d != 1]
    b = [(j, d) for j, d in enumerate(out_shape) if d != 1]
    if [d for _, d in a] == [d for _, d in b]:
        out = [("c", 0)] * len(in_shape)
        for (ja, _), (jb, _) in zip(a, b):
            out[ja] = idx[jb]
        return tuple(out)
    # common leading dims map one to one, the rest depends on everything after them
    out = []
    p = 0
    while p < min(len(in_shape), len(out_shape)) and in_shape[p] == out_shape[p]:
        out.append(idx[p])
        p += 1
    rest = frozenset().union(*(_deps(e) for e in idx[p:])) if idx[p:] else frozenset()
    out.extend(("x", rest) for _ in range(len(in_shape) - p))
    return tuple(out)


class KernelScheduler:
    """Stages and regions of one kernel (see the module docstring)."""

    def __init__(self, builder: ProgramBuilder, nodes: list[L], outputs: dict[int, Buffer],
                 writes_var: dict[int, Buffer], name: str) -> None:
        self.b = builder
        self.nodes = nodes
        self.ids = {n.id for n in nodes}
        self.outputs = outputs
        self.writes_var = writes_var
        self.name = name
        self.reads: list[Buffer] = []
        self.writes: list[Buffer] = []
        self.checks = False
        self.inline_ids: set[int] = set()
        self.alias: dict[int, L] = {}  # matmul operand (a reshape) -> the node whose buffer it reads

    def _reshape_source(self, x: L) -> L | None:
        """For a matmul operand computed in this kernel as a chain of reshapes, the node under
        the chain: its row-major buffer already is the operand, so the GEMM reads it directly
        (im2col windows are then stored over their own [N, OH, OW, KH, KW, C] domain, without
        the divisions a [rows, cols] domain needs). None when x is not such a chain."""
        if x.id not in self.ids or x.id in self.outputs or x.id in self.writes_var:
            return None
        src = x
        while src.op == "reshape" and src.id in self.ids and src.id not in self.outputs \
                and src.id not in self.writes_var:
            src = src.inputs[0]
        if src is x or src.dtype != x.dtype:
            return None
        if src.id not in self.ids and src.id not in self.b.mat:
            return None
        return src

    def schedule(self) -> list[Any]:
        nodes = self.nodes
        uses: dict[int, int] = {}
        for n in nodes:
            for x in n.inputs:
                uses[x.id] = uses.get(x.id, 0) + 1
        mat: list[L] = []
        mat_ids: set[int] = set()

        def materialize(n: L) -> None:
            if n.id in self.ids and n.id not in mat_ids:
                mat_ids.add(n.id)
                mat.append(n)

        for n in nodes:
            if n.id in self.outputs or n.id in self.writes_var or n.op == "reduce" or n.op in LIBRARY:
                materialize(n)
            if n.op in LIBRARY:
                for x in n.inputs:
                    src = self._reshape_source(x)
                    if src is None:
                        materialize(x)
                    else:  # the library reads the source's buffer: no copy through a reshape
                        self.alias[x.id] = src
                        materialize(src)
        # expensive values read through a broadcast would be recomputed for every copy
        cost = self._inline_costs(nodes, mat_ids)
        for n in nodes:
            for x in n.inputs:
                if x.id in self.ids and x.id not in mat_ids and cost.get(x.id, 0) >= 4 and x.size * 2 <= n.size:
                    materialize(x)
        # expensive values shared by several stages
        for _ in range(2):
            cost = self._inline_costs(nodes, mat_ids)
            roots = self._roots_reaching(nodes, mat, mat_ids)
            changed = False
            for n in nodes:
                if n.id in mat_ids or uses.get(n.id, 0) < 2 or cost.get(n.id, 0) < EXPENSIVE:
                    continue
                if len(roots.get(n.id, ())) >= 2:
                    materialize(n)
                    changed = True
            if not changed:
                break
        # a checked value (integer division, gather indices) inlined into a consumer that
        # reads only some of its elements would check only those: TF raises for every element
        for n in self._partly_read_checks(nodes, mat_ids):
            materialize(n)
        mat.sort(key=lambda n: n.id)
        self.inline_ids = self.ids - mat_ids
        self.checks = any(reports_errors(n) for n in nodes)
        return self._stages_to_items(mat, mat_ids)

    def _partly_read_checks(self, nodes: list[L], mat_ids: set[int]) -> list[L]:
        """Error-checking nodes of which some element would never be computed: a path from
        the node to what is stored passes through a consumer that reads a subset (a slice, the
        params of a gather, pooling windows)."""
        consumers: dict[int, list[L]] = {}
        for n in nodes:
            for x in n.inputs:
                consumers.setdefault(x.id, []).append(n)
        whole: dict[int, bool] = {}
        for n in reversed(nodes):  # consumers before producers
            users = [c for c in consumers.get(n.id, ()) if c.id in self.ids]
            whole[n.id] = n.id in mat_ids or bool(users) and all(
                whole.get(c.id, False) and not (c.op in PARTIAL_READERS and c.inputs[0] is n) for c in users)
        return [n for n in nodes if reports_errors(n) and n.id not in mat_ids and not whole[n.id]
                and size_of(n.shape) > 0]

    def _inline_costs(self, nodes: list[L], mat_ids: set[int]) -> dict[int, int]:
        cost: dict[int, int] = {}
        for n in nodes:  # topological (ids increase along edges)
            c = node_cost(n)
            for x in n.inputs:
                if x.id in self.ids and x.id not in mat_ids:
                    c += cost.get(x.id, 0)
            cost[n.id] = min(c, 10_000)
        return cost

    def _roots_reaching(self, nodes: list[L], mat: list[L], mat_ids: set[int]) -> dict[int, set[int]]:
        """For each inlined node, the materialized roots whose expressions contain it."""
        reach: dict[int, set[int]] = {}
        for r in mat:
            stack = list(r.inputs)
            seen: set[int] = set()
            while stack:
                x = stack.pop()
                if x.id in seen or x.id not in self.ids or x.id in mat_ids:
                    continue
                seen.add(x.id)
                reach.setdefault(x.id, set()).add(r.id)
                stack.extend(x.inputs)
        return reach

    # --- stages ---------------------------------------------------------------------------------
    def _domain(self, n: L) -> tuple[int, ...]:
        return n.inputs[0].shape if n.op == "reduce" else n.shape

    def _stages_to_items(self, mat: list[L], mat_ids: set[int]) -> list[Any]:
        items: list[Any] = []
        stages: list[Stage] = []
        bufs: dict[int, Buffer] = {}

        def buffer_for(n: L) -> Buffer:
            buf = self.outputs.get(n.id) or self.writes_var.get(n.id)
            if buf is None:
                buf = self.b.buffer(n.dtype, n.shape, "temp")
            bufs[n.id] = buf
            self.b.mat[n.id] = buf
            return buf

        def flush() -> None:
            if stages:
                items.extend(self._regions(list(stages), bufs, mat_ids))
                stages.clear()

        for n in mat:
            if n.op in LIBRARY:
                flush()
                items.append(self._library_call(n, buffer_for(n), bufs))
                continue
            dom = self._domain(n)
            target = None
            if stages:
                s = stages[-1]
                if s.domain == dom and self._can_merge(s, n, bufs):
                    target = s
            if target is None:
                target = Stage(dom)
                stages.append(target)
            buf = buffer_for(n)
            # the extra copy of an assigned value (when the Assign's output is used)
            if n.id in self.writes_var and n.id in self.outputs and self.outputs[n.id] is not self.writes_var[n.id]:
                target.maps.append((n, self.outputs[n.id]))
                self.writes.append(self.outputs[n.id])
                buf = self.writes_var[n.id]
                bufs[n.id] = self.outputs[n.id]
                self.b.mat[n.id] = self.outputs[n.id]
            if n.op == "reduce":
                target.reduces.append((n, buf))
            else:
                target.maps.append((n, buf))
            self.writes.append(buf)
        flush()
        # buffers each item reads; internal values read only inside their row region become
        # per-thread row scratch
        readers: dict[int, set[int]] = {}
        for k, it in enumerate(items):
            if isinstance(it, Region):
                for st in it.stages:
                    for n, _ in st.maps + st.reduces:
                        for buf in self._leaf_reads(n, mat_ids, bufs, st):
                            self.reads.append(buf)
                            readers.setdefault(buf.id, set()).add(k)
            else:
                for buf in it.inputs:
                    readers.setdefault(buf.id, set()).add(k)
        for k, it in enumerate(items):
            if not isinstance(it, Region) or it.outer == 0 or len(it.stages) < 2:
                continue
            for st in it.stages:
                for n, buf in st.maps + st.reduces:
                    if buf.kind != "temp" or n.id in self.outputs or n.id in self.writes_var:
                        continue
                    if any(buf is p for _, _, p in it.partials) or any(buf is d for _, d, _ in it.partials):
                        continue
                    if readers.get(buf.id, {k}) != {k} or not n.shape or n.shape[0] != it.outer:
                        continue
                    buf.kind = "scratch"
                    buf.per_thread = True
        return items

    def _library_call(self, n: L, out: Buffer, bufs: dict[int, Buffer]) -> Call:
        """The Call of a library node (matmul or routine): its operands are read from their
        buffers (a reshape's source where schedule() aliased one), with a workspace if needed."""
        ins = [self._buffer_of(self.alias.get(x.id, x), bufs) for x in n.inputs]
        if n.op == "matmul":
            a = n.inputs[0]
            k = a.shape[-2] if n.attrs["ta"] else a.shape[-1]
            ws_bytes = gemm.workspace_bytes(n.shape[-1], k, n.dtype.size, self.b.nthreads)
            work, parallel = _matmul_work(n), False
        else:
            ws_bytes, work, parallel = routines.plan(n, self.b.nthreads, options.get("FLOWJIT_PARALLEL_MIN_WORK"))
        ws = self.b.buffer(dtypes.uint8, (ws_bytes,), "temp") if ws_bytes else None
        self.reads.extend(ins)
        self.writes.extend([out] if ws is None else [out, ws])
        return Call(n.op, n, ins, out, work=work, workspace=ws, parallel=parallel)

    def _buffer_of(self, n: L, bufs: dict[int, Buffer]) -> Buffer:
        buf = bufs.get(n.id) or self.b.mat.get(n.id)
        if buf is None:
            raise AssertionError(f"{n} is not materialized")
        return buf

    def _leaf_reads(self, root: L, mat_ids: set[int], bufs: dict[int, Buffer], st: Stage) -> list[Buffer]:
        """Buffers the expression of a stage root reads (mirrors codegen's choice to load)."""
        inline = (self.ids - mat_ids) | {n.id for n, _ in st.maps}
        out = []
        stack = list(root.inputs)
        seen: set[int] = set()
        while stack:
            x = stack.pop()
            if x.id in seen:
                continue
            seen.add(x.id)
            if x.id in inline:
                stack.extend(x.inputs)
                continue
            buf = bufs.get(x.id) or self.b.mat.get(x.id)
            if buf is not None:
                out.append(buf)
                continue
            stack.extend(x.inputs)
        return out

    def _can_merge(self, stage: Stage, n: L, bufs: dict[int, Buffer]) -> bool:
        in_stage = {m.id for m, _ in stage.maps} | {m.id for m, _ in stage.reduces}
        if n.op == "reduce":
            axes = n.attrs["axes"]
            if any(m.attrs["axes"] != axes for m, _ in stage.reduces):
                return False
        # n may read maps of the stage at the same index only, and no reduce of the stage
        ident = tuple(("d", k) for k in range(len(stage.domain)))
        if n.op == "reduce":
            stack = [(n.inputs[0], ident)]
        else:
            stack = [(x, _input_index(n, ident, i)) for i, x in enumerate(n.inputs)]
        seen = set()
        while stack:
            x, idx = stack.pop()
            key = (x.id, idx)
            if key in seen:
                continue
            seen.add(key)
            if x.id in in_stage:
                if any(m.id == x.id for m, _ in stage.reduces):
                    return False
                if idx != ident or x.shape != stage.domain:
                    return False
                continue
            if x.id not in self.ids or x.id in bufs:
                continue
            if x.op == "reduce" or x.op in LIBRARY:
                continue
            for i in range(len(x.inputs)):
                stack.append((x.inputs[i], _input_index(x, idx, i)))
        return True

    # --- regions ----------------------------------------------------------------------------------
    def _regions(self, stages: list[Stage], bufs: dict[int, Buffer], mat_ids: set[int]) -> list[Region]:
        regions: list[Region] = []
        current: list[Stage] = []
        produced: dict[int, int] = {}  # L.id of a node materialized in `current` -> stage position

        def close() -> None:
            if current:
                regions.append(self._make_region(list(current), bufs, mat_ids))
                current.clear()
                produced.clear()

        for st in stages:
            if current and self._row_compatible(current, st, produced, bufs):
                current.append(st)
            else:
                close()
                current.append(st)
            for n, _ in st.maps + st.reduces:
                produced[n.id] = len(current) - 1
        close()
        return regions

    def _row_compatible(self, current: list[Stage], st: Stage, produced: dict[int, int],
                        bufs: dict[int, Buffer]) -> bool:
        d0 = current[0].domain[0] if current[0].domain else None
        if not st.domain or d0 is None or st.domain[0] != d0 or d0 <= 1:
            return False
        # reductions across rows must not be read inside the region
        cross = {n.id for s in current for n, _ in s.reduces if 0 in n.attrs["axes"]}
        for n, _ in st.maps + st.reduces:
            if not self._reads_row_local(n, st, produced, cross):
                return False
        return True

    def _reads_row_local(self, root: L, st: Stage, produced: dict[int, int], cross: set[int]) -> bool:
        rank = len(st.domain)
        ident = tuple(("d", k) for k in range(rank))
        if root.op == "reduce":
            start = [(root.inputs[0], ident)]
        else:
            start = [(x, _input_index(root, ident, i)) for i, x in enumerate(root.inputs)]
        stack = start
        seen = set()
        while stack:
            x, idx = stack.pop()
            key = (x.id, idx)
            if key in seen:
                continue
            seen.add(key)
            if x.id in produced:
                if x.id in cross:
                    return False
                if not idx or idx[0] != ("d", 0) or x.shape[0] != st.domain[0]:
                    return False
                if any(0 in _deps(e) for e in idx[1:]):
                    return False
                continue
            if x.id not in self.ids or x.op in ("reduce", "buffer") or x.op in LIBRARY:
                continue
            for i in range(len(x.inputs)):
                stack.append((x.inputs[i], _input_index(x, idx, i)))
        return True

    def _make_region(self, stages: list[Stage], bufs: dict[int, Buffer], mat_ids: set[int]) -> Region:
        dom0 = stages[0].domain
        work = 0
        for st in stages:
            per = sum(self._expr_cost(n, mat_ids) for n, _ in st.maps + st.reduces) + 2
            work += size_of(st.domain) * per
        if not dom0 or any(not st.domain or st.domain[0] != dom0[0] for st in stages):
            return Region(0, 1, stages, [], False, work)
        outer = dom0[0]
        nthreads = self.b.nthreads
        parallel = nthreads > 1 and work >= options.get("FLOWJIT_PARALLEL_MIN_WORK") and outer >= 2
        cross = [(n, buf) for st in stages for n, buf in st.reduces if 0 in n.attrs["axes"]]
        if parallel:
            target = max(8 * nthreads, 1)
            chunks = min(outer, target if not cross else min(target, 64))
        else:
            chunks = 1
        chunks = max(1, min(chunks, outer))
        partials = []
        for n, buf in cross:
            kept = tuple(d for k, d in enumerate(n.inputs[0].shape) if k not in n.attrs["axes"])
            pbuf = self.b.buffer(n.dtype, (chunks,) + kept, "temp")
            partials.append((n, buf, pbuf))
            self.writes.append(pbuf)
        return Region(outer, chunks, stages, partials, parallel, work)

    def _expr_cost(self, root: L, mat_ids: set[int]) -> int:
        total = node_cost(root)
        stack = list(root.inputs)
        seen: set[int] = set()
        while stack:
            x = stack.pop()
            if x.id in seen or x.id not in self.ids or x.id in mat_ids:
                continue
            seen.add(x.id)
            total += node_cost(x)
            stack.extend(x.inputs)
        return total


def _matmul_work(n: L) -> int:
    a, b = n.inputs
    k = a.shape[-2] if n.attrs["ta"] else a.shape[-1]
    return size_of(n.shape) * k


def build_program(graph: Graph, nthreads: int) -> Program:
    return ProgramBuilder(graph, nthreads).build()
