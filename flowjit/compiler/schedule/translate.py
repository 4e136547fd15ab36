"""Translation (step 1 of schedule/): graph nodes to LIR units, leaves and host steps.

Feeds, variables and constants become buffer leaves; a node with a lowering rule
(compiler/lower/) becomes LIR nodes (a *unit*); a `Fused` node's body is translated as one
unit; an If/While whose bodies translate natively becomes a `ControlUnit`; everything else
is a `HostStep` run with its reference kernel (counted in `Program.fallback_ops`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import options
from ...ir import dtypes, registry
from ...ir.graph import Graph, Node, Value
from ...passes.prune import vars_written_by, vars_written_by_bodies
from .. import lower
from ..lir import LIBRARY, L, broadcast_shapes
from ..program import Buffer, HostStep
from .walk import buffer_leaves, made_since, next_id, reads_buffer

CONTROL_FLOW = ("If", "While")


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

    __slots__ = ("node", "inputs", "bodies", "outputs", "carried", "counter", "records")

    def __init__(self, node: Node, inputs: list[L], bodies: list["GraphTranslation"], outputs: list[Buffer],
                 carried: list[Buffer], counter: Buffer | None = None, records: list[Buffer] | None = None) -> None:
        self.node = node
        self.inputs = inputs  # the node's inputs (parent LIR values, materialized before the step)
        self.bodies = bodies  # If: [then, else]; While: [cond, body]
        self.outputs = outputs  # If: output buffers the branches write
        self.carried = carried  # While: loop-carried buffers (also the node's outputs)
        self.counter = counter  # While with records: the iteration number (an extra carried int64)
        self.records = records or []  # While: [trip_count, ...] buffers, row k written by iteration k


class GraphTranslation:
    """The translation state of one graph (a plan, or a control-flow body sharing its parent's
    buffers): buffers, LIR values of graph values, units and steps in order."""


    def __init__(self, graph: Graph, nthreads: int, parent: "GraphTranslation | None" = None) -> None:
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
        from ...ir.dtypes import as_dtype

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
        first_id = next_id()
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
        unit.nodes = made_since(outs, first_id)
        for n in buffer_leaves(outs):
            if n.id not in self.mat and n.op == "buffer":
                self.mat[n.id] = n.attrs["buf"]
        unit.outs = outs
        for n in unit.nodes:
            self.unit_of[n.id] = unit
            if n.op in LIBRARY:
                unit.closed = True
        for n in buffer_leaves(outs):
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
            sub = type(self)(node.attrs[attr], self.nthreads, parent=self)
            sub.results_l = sub.translate_body(ins[1:])
            bodies.append(sub)
        outputs = [self.buffer(v.dtype, v.shape.as_list(), "temp") for v in node.values]
        for v, buf in zip(node.values, outputs):
            self.value_of[v] = self.leaf(buf, node)
        return ControlUnit(node, ins, bodies, outputs, [])

    def _control_while(self, node: Node, ins: list[L]) -> ControlUnit | None:
        """A native loop. Values recorded for the gradient (outputs of static shape [trip_count,
        ...], ir/loops.py) are written row by row: iteration k scatters its value into row k of
        the record buffer in place, k being an extra carried counter."""
        n_vars = len(node.attrs["body"].results) - int(node.attrs.get("num_exports", 0))
        if len(node.outputs) != len(node.attrs["body"].results):
            raise lower.Unsupported("the loop's outputs do not match its body's results")
        carried = [self.buffer(v.dtype, v.shape.as_list(), "temp") for v in node.values[:n_vars]]
        for x, buf in zip(ins, carried):
            if x.shape != buf.shape or x.dtype != buf.dtype:
                return None
        args = [self.leaf(buf, node) for buf in carried] + ins[n_vars:]
        cond = type(self)(node.attrs["cond"], self.nthreads, parent=self)
        cond.results_l = cond.translate_body(args)
        body = type(self)(node.attrs["body"], self.nthreads, parent=self)
        body.results_l = body.translate_body(args)
        pred = cond.results_l[0]
        if pred.shape != () or not pred.dtype.is_bool:
            return None
        for r, buf in zip(body.results_l, carried):
            if r.shape != buf.shape or r.dtype != buf.dtype:
                return None
        records = [self.buffer(v.dtype, v.shape.as_list(), "temp") for v in node.values[n_vars:]]
        counter = None
        if records:
            counter = self.buffer(dtypes.int64, (), "temp")
            body.results_l = body.results_l[:n_vars] + body.record_rows(node, self.leaf(counter, node), records,
                                                                        body.results_l[n_vars:])
        for v, buf in zip(node.values, carried + records):
            self.value_of[v] = self.leaf(buf, node)
        return ControlUnit(node, ins, [cond, body], [], carried, counter, records)

    def record_rows(self, origin: Node, counter: L, records: list[Buffer], values: list[L]) -> list[L]:
        """Units of this body storing `values` into row `counter` of `records` (scatter routines
        whose base is the record itself, so they write in place) and the next counter."""
        translator = lower.Translator(self.static_value, self._const_buffer)
        translator.origin = origin
        outs = [self._extra_unit(translator, lambda: translator.binary("add", counter, translator.const(1, dtypes.int64)))]
        for buf, x in zip(records, values):
            if x.shape != buf.shape[1:] or x.dtype != buf.dtype:
                raise lower.Unsupported("a recorded value's shape differs from its record")
            outs.append(self._extra_unit(translator, lambda buf=buf, x=x: lower.array.scatter(
                translator, translator.reshape(counter, (1, 1)), translator.reshape(x, (1,) + x.shape), buf.shape,
                "update", self.leaf(buf, origin))))
        return outs

    def _extra_unit(self, translator: lower.Translator, make: Any) -> L:
        """A unit of the LIR `make()` builds (no graph node of its own: it serves translator.origin)."""
        first_id = next_id()
        out = make()
        unit = Unit(len(self.units), translator.origin)
        unit.nodes = made_since([out], first_id)
        unit.outs = [out]
        for n in unit.nodes:
            self.unit_of[n.id] = unit
            if n.op in LIBRARY:
                unit.closed = True
        self.units.append(unit)
        self.steps_seq.append(unit)
        return out

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
        first_id = next_id()
        copy = translator.node("broadcast", [x], x.dtype, x.shape)
        unit = Unit(len(self.units), node)
        unit.nodes = made_since([copy], first_id)
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
        first_id = next_id()
        if node.op == "Assign":
            new = translator.node("broadcast", [value], buf.dtype, buf.shape)
        else:
            cur = self.leaf(buf, node)
            new = translator.binary("add" if node.op == "AssignAdd" else "sub", cur, value)
        unit = Unit(len(self.units), node)
        unit.nodes = made_since([new], first_id)
        for n in unit.nodes:
            self.unit_of[n.id] = unit
        unit.outs = [new]
        unit.var_write = name
        unit.closed = True
        for n in buffer_leaves([new]):
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
        first_id = next_id()
        # an operand read straight from the variable would be overwritten while it is read
        ins = [translator.node("broadcast", [x], x.dtype, x.shape) if reads_buffer(x, buf) else x for x in ins]
        try:
            new = lower.var_scatter(translator, node.op, self.leaf(buf, node), *ins)
        except lower.Unsupported:
            return False
        value = translator.node("broadcast", [new], new.dtype, new.shape)
        unit = Unit(len(self.units), node)
        unit.nodes = made_since([new, value], first_id)
        for n in unit.nodes:
            self.unit_of[n.id] = unit
        unit.outs = [new]
        unit.var_write = name
        unit.closed = True
        read = [self.mat.get(n.id) for n in buffer_leaves([new])]
        unit.reads_vars = {b.name for b in read if b is not None and b.kind == "var"}
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
            self._count(self.native_ops, node)  # driven on the host, bodies compiled (runtime/devices/cpu.py)
        elif not registry.get_op(node.op).host:
            self._count(self.fallback_ops, node)

    @staticmethod
    def _count(table: dict[str, int], node: Node) -> None:
        table[node.op] = table.get(node.op, 0) + 1

