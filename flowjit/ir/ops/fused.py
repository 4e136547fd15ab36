"""`Fused`: a group of nodes the fusion pass turned into one kernel.

This is the contract between the fusion pass (passes/fusion.py) and the backends:
  attrs["body"]   an ir.Graph: `params` are Arg nodes (one per external input, in input
                  order), `results` are the values the group exports (one per output)
  attrs["kind"]   "elementwise" | "reduction" | "matmul" | "conv" | "injective": what loop
                  nest the backend emits (see compiler/)
A backend compiles each Fused node as one loop nest with no intermediate buffers; the
reference backend interprets the body, so the pipeline never changes results.
"""

from __future__ import annotations

from ..graph import Graph, OutputSpec
from ..registry import register_op

FUSED_KINDS = ("elementwise", "reduction", "matmul", "conv", "injective")


def _fused_infer(inputs, attrs):
    body: Graph = attrs["body"]
    if attrs.get("kind") not in FUSED_KINDS:
        raise ValueError(f"Fused kind must be one of {FUSED_KINDS}, got {attrs.get('kind')!r}")
    if len(body.params) != len(inputs):
        raise ValueError(f"Fused body takes {len(body.params)} inputs, node has {len(inputs)}")
    for k, (p, v) in enumerate(zip(body.params, inputs)):
        if p.outputs[0].dtype != v.dtype:
            raise TypeError(f"Fused input {k} is {v.dtype.name}, body parameter expects {p.outputs[0].dtype.name}")
    return [OutputSpec(r.dtype, r.shape) for r in body.results]


def _fused_kernel(ctx, *inputs):
    results = ctx.run_graph(ctx.attrs["body"], list(inputs))
    return results[0] if len(results) == 1 else tuple(results)


register_op("Fused", infer=_fused_infer, kernel=_fused_kernel, op_class="opaque",
            doc="A fused kernel: attrs body (function graph), kind.")
