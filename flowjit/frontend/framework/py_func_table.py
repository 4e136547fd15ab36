"""Where `tf.py_func` keeps its Python callables: a token -> function table on the outermost
front-end graph (function bodies share it), handed to each Session's state as a resource.

Kept apart from the op wrappers so the Session can import it without closing an import cycle.
"""

from __future__ import annotations

from typing import Any, Callable

from ...ir.ops.script import PY_FUNCS_RESOURCE


def py_func_table(graph: Any) -> dict[str, Callable[..., Any]]:
    """The token -> callable table of `graph`'s outermost graph (created on first use)."""
    root = graph
    while getattr(root, "outer_graph", None) is not None:
        root = root.outer_graph
    return root.__dict__.setdefault("_py_funcs", {})


def session_resources(graph: Any) -> dict[str, Any]:
    """The resources a Session on `graph` hands its runs: the graph's py_func table (the same
    dict, so functions added after the Session was made are found too)."""
    return {PY_FUNCS_RESOURCE: py_func_table(graph)}
