"""The tensors a dataset tree names by index (the iterator node's inputs, or the results of a
flat_map/interleave body), collected while the tree is built."""

from __future__ import annotations

from typing import Any

from ..framework.func_graph import FuncGraph
from ..framework.tensor import Tensor


class Captures:
    """The tensors a dataset tree names, in index order, all of one graph (`graph`)."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.tensors: list[Tensor] = []
        self._index: dict[Any, int] = {}

    def add(self, t: Tensor) -> int:
        if t.graph is not self.graph:
            if isinstance(self.graph, FuncGraph):
                t = self.graph.capture(t)
            else:
                raise ValueError(f"the dataset uses tensor {t.name} of another graph than its iterator's")
        k = self._index.get(t.value)
        if k is None:
            k = self._index[t.value] = len(self.tensors)
            self.tensors.append(t)
        return k
