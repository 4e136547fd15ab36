"""Turn a Python function written with the TF API into an `ir.Graph` (a function body).

`flowjit.passes.replace_pattern(graph, pattern, replacement)` takes its pattern and
replacement as ordinary Python functions; tracing them needs the TF API, which sits above the
passes, so this module registers the tracer with `flowjit.passes.rewrite` when flowjit is
imported.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ...ir.graph import Graph as IRGraph
from ...ir.graph import OutputSpec
from ...passes import rewrite as _rewrite
from .graph import Graph
from .tensor import convert_to_tensor


def trace_function(fn: Callable[..., Any], specs: Sequence[OutputSpec]) -> IRGraph:
    """Call `fn` on one Arg per spec in a fresh graph; return the graph (params = the Args,
    results = what `fn` returned)."""
    g = Graph()
    with g.as_default():
        args = [g.create_op("Arg", [], {"index": k, "dtype": s.dtype, "shape": s.shape}, name=f"arg{k}").outputs[0]
                for k, s in enumerate(specs)]
        out = fn(*args)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        tensors = [convert_to_tensor(t) for t in outs]
    g.params = [a.op.node for a in args]
    g.results = [t.value for t in tensors]
    return g.as_ir_graph()


_rewrite.register_tracer(trace_function)
