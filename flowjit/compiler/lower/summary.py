"""Lowering of the summary family's numeric half (ir/ops/summary.py): HistogramStats becomes a
`histogram` routine (compiler/routines/histogram.py); the Summary protos stay host ops."""

from __future__ import annotations

from typing import Any

from ...ir.ops.summary import STATS_HEAD, default_bucket_limits
from ..lir import L
from .core import Translator, require, rule


@rule("HistogramStats")
def _histogram_stats(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    require(not x.dtype.is_bool)
    return [t.node("routine", [t.in_memory(x)], node.outputs[0].dtype, (STATS_HEAD + default_bucket_limits().size,),
                   kind="histogram")]
