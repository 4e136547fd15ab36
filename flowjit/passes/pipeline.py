"""The pass pipeline Session runs on every plan graph (see passes/manager.py for the manager)."""

from __future__ import annotations

from typing import Any

from ..ir.graph import Graph


def optimize(graph: Graph, config: Any = None) -> Graph:
    """Run the configured pipeline over a pruned plan graph and return the result."""
    if config is None:
        return graph
    return config.run(graph)
