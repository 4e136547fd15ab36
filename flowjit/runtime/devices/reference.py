"""The reference backend: interprets the IR node by node with the ops' NumPy kernels.

It is the oracle every other backend is tested against, so it is strict: a kernel that
returns the wrong dtype or a shape that contradicts inference is an InternalError naming the
node, not something to paper over (runtime/host/kernels.py: `run_node`, `check_output`).
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from ...ir import errors
from ...ir.graph import Graph
from ...ir.registry import get_op
from ..executor import register_backend
from ..host.kernels import KernelContext, check_output, read_lazy, run_node
from ..state import SessionState
from ..trace import StepTrace, members_of

__all__ = ["KernelContext", "check_output", "Interpreter", "TopLevelInterpreter", "ReferenceBackend"]


class Interpreter:
    """Executes a graph in topological order; `run(params, state) -> results`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.order = graph.topological_order()
        self.param_ids = {id(p): k for k, p in enumerate(graph.params)}
        self.lazy = {id(n) for n in self.order if get_op(n.op).extra.get("lazy")}
        self.ref_inputs = {id(n): set(get_op(n.op).extra.get("ref_inputs", ())) for n in self.order}
        self._children: dict[int, tuple[Graph, int, "Interpreter"]] = {}
        self.constants = [n.attrs["value"] for n in self.order
                          if n.op == "Const" and isinstance(n.attrs.get("value"), np.ndarray)]

    def child(self, graph: Graph) -> "Interpreter":
        """The interpreter of a function body (If branch, While body), built once and reused."""
        hit = self._children.get(id(graph))
        if hit is not None and hit[0] is graph and hit[1] == graph.version:
            return hit[2]
        interp = Interpreter(graph)
        self._children[id(graph)] = (graph, graph.version, interp)
        return interp

    def _read(self, value: Any, env: dict, state: SessionState) -> np.ndarray:
        node = value.node
        if id(node) in self.lazy:  # a variable: read it now, at the consumer's turn
            return read_lazy(node, KernelContext(node, state, self))
        return env[id(node)][value.index]

    def run(self, args: Sequence[np.ndarray], state: SessionState, trace: StepTrace | None = None) -> list[np.ndarray]:
        """The results; with `trace`, each node run (params and lazy variables excepted) is timed."""
        graph = self.graph
        if len(args) != len(graph.params):
            raise errors.InternalError(None, None, f"graph takes {len(graph.params)} arguments, got {len(args)}")
        env: dict[int, list[np.ndarray]] = {}
        for node in self.order:
            k = self.param_ids.get(id(node))
            if k is not None:
                env[id(node)] = [check_output(node, 0, args[k])]
                continue
            if id(node) in self.lazy:
                continue
            refs = self.ref_inputs[id(node)]
            inputs = [None if k in refs else self._read(v, env, state) for k, v in enumerate(node.inputs)]
            if trace is None:
                env[id(node)] = run_node(node, inputs, KernelContext(node, state, self))
            else:
                start = time.perf_counter()
                env[id(node)] = run_node(node, inputs, KernelContext(node, state, self))
                trace.add(node.name, node.op, start, time.perf_counter(),
                          members_of(node) if node.op == "Fused" else ())
        return [self._read(v, env, state) for v in graph.results]


def _owner(array: np.ndarray) -> Any:
    """The object that owns an array's memory (NumPy collapses view chains to it)."""
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def _constants(interp: Interpreter) -> list[np.ndarray]:
    """Arrays held by Const nodes of `interp`'s graph and of the function bodies it ran."""
    found = list(interp.constants)
    for _, _, child in interp._children.values():
        found += _constants(child)
    return found


class TopLevelInterpreter(Interpreter):
    """The interpreter a session calls: its results are the caller's own arrays.

    Kernels pass arrays through (Identity returns its input, a variable read returns the
    stored value, Const its attr), so a result may be a fed array, a variable's storage, a
    constant or another result. Those, and only those, are copied, as the cpu backend and TF
    return fresh arrays: `r = s.run(tf.identity(x), {x: a}); a[:] = 7` leaves `r` alone.
    """

    def run(self, args: Sequence[np.ndarray], state: SessionState, trace: StepTrace | None = None) -> list[np.ndarray]:
        results = super().run(args, state, trace)
        owners = {id(_owner(r)) for r in results}
        protected = [a for a in args if id(_owner(a)) in owners]
        protected += [v for v in state.variables.values() if id(_owner(v)) in owners]
        protected += [c for c in _constants(self) if id(_owner(c)) in owners]
        return _detach(results, {id(_owner(p)) for p in protected})


def _detach(results: list[np.ndarray], shared: set[int]) -> list[np.ndarray]:
    """Copy each result whose memory belongs to `shared` owners or to an earlier result."""
    out: list[np.ndarray] = []
    seen: set[int] = set()
    for r in results:
        owner = id(_owner(r))
        if owner in shared or owner in seen:
            r = np.array(r, copy=True)
            owner = id(r)
        seen.add(owner)
        out.append(r)
    return out


class ReferenceBackend:
    """Backend `reference`: the NumPy interpreter."""

    name = "reference"

    def compile(self, graph: Graph) -> Interpreter:
        return TopLevelInterpreter(graph)


register_backend("reference", ReferenceBackend)
