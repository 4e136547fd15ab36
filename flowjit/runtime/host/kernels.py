"""Running one node's kernel on the host, as every backend does for what it cannot compile.

The reference interpreter runs every node this way; the cpu backend does it for the host steps
of a native plan (nodes without a lowering, host ops such as Print and Assert, host-driven
control flow). Both go through `run_node`, so a kernel's result is checked, and a kernel crash
reported, the same way whichever backend runs it.

The kernels themselves are the ops' reference kernels, registered with the op (ir/ops/*.py:
plain data plus one kernel per op); `KernelContext` is what they may use besides their input
arrays (the node, the session state, running a function body, printing).
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import numpy as np

from ...ir import errors
from ...ir.graph import Graph, Node
from ...ir.registry import get_op
from ..state import SessionState
from .queues import display_name, make_queue
from .readers import make_reader
from .datasets import IteratorResource


class KernelContext:
    """What a reference kernel may use besides its input arrays."""

    __slots__ = ("node", "state", "interpreter")

    def __init__(self, node: Node, state: SessionState, interpreter: Any) -> None:
        self.node = node
        self.state = state
        self.interpreter = interpreter  # runs function bodies: `interpreter.child(graph).run(args, state)`

    @property
    def attrs(self) -> dict[str, Any]:
        return self.node.attrs

    def error(self, cls: type[errors.OpError], message: str) -> errors.OpError:
        return errors.node_error(cls, self.node, message)

    def error_unbound_arg(self) -> None:
        raise self.error(errors.InternalError, "function parameter was not bound by its caller")

    def run_graph(self, graph: Graph, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run a function-body graph (params bound to args) and return its results.

        Every node of the body runs (bodies are pruned when they are built, and `targets` are
        nodes of the body), sharing this session's state.
        """
        return self.interpreter.child(graph).run(args, self.state)

    def resource(self, key: str, factory: Any) -> Any:
        """The session's host resource under `key` (a queue, a reader, an iterator), created by
        `factory()` the first time any step of this session asks for it."""
        return self.state.resource(key, factory)

    def deadline(self) -> float | None:
        """When a blocking wait of this run must give up (time.monotonic() seconds), or None."""
        return self.state.deadline()

    def host_queue(self, kind: str, key: str) -> Any:
        """The session's queue under `key` for this creation node (kind: TF's op type without
        'V2'), made from the node's attrs the first time (runtime/host/queues.py)."""
        a = self.node.attrs

        def factory() -> Any:
            shapes = [tuple(s.as_list()) if hasattr(s, "as_list") else tuple(s) for s in (a.get("shapes") or [])]
            return make_queue(kind, display_name(self.state, self.node.name, a.get("shared_name") or ""),
                              [t.np_dtype for t in a["component_types"]], shapes, a.get("capacity", -1),
                              a.get("min_after_dequeue", 0), self.rng() if kind == "RandomShuffleQueue" else None)
        return self.resource(key, factory)

    def host_reader(self, kind: str, key: str) -> Any:
        """The session's reader under `key` for this creation node (runtime/host/readers.py)."""
        return self.resource(key, lambda: make_reader(kind, self.node.name, dict(self.node.attrs)))

    def dataset_iterator(self, key: str) -> Any:
        """The session's tf.data iterator under handle `key` (runtime/host/datasets.py)."""
        return self.resource("dataset_iterator:" + key, IteratorResource)

    def has_dataset_iterator(self, key: str) -> bool:
        """Whether this session has made the iterator of handle `key` (from_string_handle)."""
        return ("dataset_iterator:" + key) in self.state.resources

    def rng(self) -> np.random.Generator:
        return self.state.rng(self.node.name, self.node.graph.seed, self.node.attrs.get("seed"))

    def print(self, text: str) -> None:
        if self.state.print_fn is not None:
            self.state.print_fn(text)
        else:
            print(text, file=sys.stderr)


def check_output(node: Node, index: int, array: Any) -> np.ndarray:
    """Normalize a kernel result to an ndarray and check it against the node's declared type."""
    out = np.asarray(array)
    spec = node.outputs[index]
    if out.dtype != spec.dtype.np_dtype:
        raise errors.node_error(errors.InternalError, node,
                                f"reference kernel returned {out.dtype} for output {index}, declared {spec.dtype.name}")
    if not spec.shape.is_compatible_with(out.shape):
        raise errors.node_error(errors.InternalError, node,
                                f"reference kernel returned shape {list(out.shape)} for output {index}, "
                                f"declared {spec.shape}")
    return out


def run_node(node: Node, inputs: Sequence[Any], ctx: KernelContext) -> list[np.ndarray]:
    """Call `node`'s registered kernel on `inputs` and return its outputs, each checked with
    `check_output`. A kernel that raises an OpError passes it on; any other exception becomes
    an InvalidArgumentError naming the node; a wrong number of outputs is an InternalError."""
    try:
        result = get_op(node.op).kernel(ctx, *inputs)
    except errors.OpError:
        raise
    except Exception as e:  # a kernel crash becomes an error naming the node
        raise errors.node_error(errors.InvalidArgumentError, node, f"{type(e).__name__}: {e}") from e
    n_out = len(node.outputs)
    if n_out == 1:
        return [check_output(node, 0, result)]
    result = tuple(result) if result is not None else ()
    if len(result) != n_out:
        raise errors.node_error(errors.InternalError, node,
                                f"reference kernel returned {len(result)} outputs, declared {n_out}")
    return [check_output(node, i, r) for i, r in enumerate(result)]


def read_lazy(node: Node, ctx: KernelContext) -> np.ndarray:
    """The value of a lazy node (a variable), read now, at its consumer's turn."""
    return check_output(node, 0, get_op(node.op).kernel(ctx))
