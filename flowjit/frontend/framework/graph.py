"""The TF1 `Graph` the user builds: the IR graph plus front-end state.

Front-end state is what TF1 keeps while building: the name-scope stack, control-dependency
and device stacks, collections, the variable store behind `get_variable`, the graph-level
seed, and the Operation/Tensor wrappers. The default-graph stack is the only global mutable
state in flowjit (as in TF).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ...ir import errors
from ...ir.graph import Graph as IRGraph
from ...ir.graph import Node, SourceLocation, Value

if TYPE_CHECKING:
    from .tensor import Operation, Tensor

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def user_source_location() -> SourceLocation | None:
    """The innermost stack frame outside the flowjit package: the user's line."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep) and not filename.startswith("<frozen"):
            return SourceLocation(filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return None


class GraphKeys:
    """Standard collection names (TF1's `tf.GraphKeys`)."""

    GLOBAL_VARIABLES = "variables"
    VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    SUMMARY_OP = "summary_op"
    GLOBAL_STEP = "global_step"
    EVAL_STEP = "eval_step"
    COND_CONTEXT = "cond_context"
    WHILE_CONTEXT = "while_context"


class Graph(IRGraph):
    """`tf.Graph`: build ops into it with `with g.as_default():`."""

    def __init__(self) -> None:
        super().__init__()
        self._name_stack = ""
        self._control_dependencies_stack: list[list[Node] | None] = []
        self._device_stack: list[Any] = []
        self._collections: dict[str, list[Any]] = {}
        self._ops: dict[str, "Operation"] = {}
        self._finalized = False
        self._variable_store: dict[str, Any] = {}
        self._variable_scope_stack: list[Any] = []
        self._unfeedable: set[Value] = set()
        self.outer_graph: "Graph | None" = None  # set for function bodies (cond/while branches)
        self._lock = threading.RLock()

    # --- defaults -------------------------------------------------------------------
    @contextlib.contextmanager
    def as_default(self) -> Iterator["Graph"]:
        _graph_stack.append(self)
        try:
            yield self
        finally:
            _graph_stack.pop()

    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    @property
    def seed(self) -> int | None:  # type: ignore[override]
        return self.__dict__.get("_seed")

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.__dict__["_seed"] = value

    # --- scopes ---------------------------------------------------------------------
    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name: str | None) -> Iterator[str]:
        """TF1 semantics: `name` is made unique; a name ending in '/' is reused verbatim; ''/None resets."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            full = f"{old}/{name}" if old else name
            new = self.unique_name(full)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    def scoped_name(self, name: str) -> str:
        """The unique node name for `name` in the current scope; 'a/b/' is taken verbatim as 'a/b'."""
        if name.endswith("/"):
            return name[:-1]
        full = f"{self._name_stack}/{name}" if self._name_stack else name
        if full.endswith("/"):
            full = full[:-1]
        return self.unique_name(full)

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs: Sequence[Any] | None) -> Iterator[None]:
        from .tensor import as_node

        if control_inputs is None:
            self._control_dependencies_stack.append(None)
        else:
            self._control_dependencies_stack.append([as_node(c, self) for c in control_inputs])
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def current_control_inputs(self) -> list[Node]:
        out: list[Node] = []
        for frame in reversed(self._control_dependencies_stack):
            if frame is None:
                break
            out.extend(n for n in frame if n not in out)
        return out

    @contextlib.contextmanager
    def device(self, device_name_or_function: Any) -> Iterator[None]:
        self._device_stack.append(device_name_or_function)
        try:
            yield
        finally:
            self._device_stack.pop()

    def current_device(self, node_hint: Any = None) -> str:
        from ...ir.device import merge_device

        current = ""
        for d in self._device_stack:
            if d is None:
                current = ""
            elif callable(d):
                current = merge_device(current, d(node_hint) or "")
            else:
                current = merge_device(current, d)
        return current

    # --- collections ----------------------------------------------------------------
    def add_to_collection(self, name: str, value: Any) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names: Any, value: Any) -> None:
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection(self, name: str, scope: str | None = None) -> list[Any]:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re

        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_collection_ref(self, name: str) -> list[Any]:
        return self._collections.setdefault(name, [])

    def clear_collection(self, name: str) -> None:
        self._collections.pop(name, None)

    def get_all_collection_keys(self) -> list[str]:
        return list(self._collections)

    # --- ops and tensors ------------------------------------------------------------
    def create_op(self, op_type: str, inputs: Sequence[Any] = (), attrs: dict[str, Any] | None = None,
                  name: str | None = None, *, control_inputs: Sequence[Any] = ()) -> "Operation":
        """Add a node built from front-end values (Tensors, Variables, Python values)."""
        from .tensor import as_node, convert_to_tensor

        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        values = [self._capture(convert_to_tensor(x)).value for x in inputs]
        deps = [n for n in self.current_control_inputs()]
        for c in control_inputs:
            n = as_node(c, self)
            if n not in deps:
                deps.append(n)
        deps = [d for d in deps if d.graph is self]
        override = self.__dict__.get("_gradient_override_map")
        if override and op_type in override:
            attrs = {**(attrs or {}), "_gradient_op_type": override[op_type]}
        node_name = self.scoped_name(name or op_type)
        source = user_source_location()
        with self._lock:
            node = self.add_node(op_type, values, attrs or {}, name=node_name, exact_name=True,
                                 control_inputs=deps, device=self.current_device(), source=source)
        return self.wrap(node)

    def _capture(self, tensor: "Tensor") -> "Tensor":
        """Use `tensor` here; a tensor of an enclosing graph becomes a captured parameter."""
        if tensor.graph is self:
            return tensor
        outer = self.outer_graph
        while outer is not None:
            if tensor.graph is outer:
                return self.capture(tensor)
            outer = outer.outer_graph
        where = user_source_location()
        raise ValueError(f"Tensor {tensor.name} must be from the same graph as the op being created"
                         f"{f' (at {where})' if where else ''}")

    def capture(self, tensor: "Tensor") -> "Tensor":
        raise ValueError(f"Tensor {tensor.name} belongs to another graph")

    def wrap(self, node: Node) -> "Operation":
        from .tensor import Operation

        op = self._ops.get(node.name)
        if op is None or op.node is not node:
            op = Operation(node, self)
            self._ops[node.name] = op
        return op

    def get_operations(self) -> list["Operation"]:
        return [self.wrap(n) for n in self.nodes]

    def get_operation_by_name(self, name: str) -> "Operation":
        """The Operation called `name`; TF's errors, plus the closest existing names."""
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not {type(name).__name__}.")
        if ":" in name:
            raise ValueError(f"Name {name!r} appears to refer to a Tensor, not a Operation.")  # sic, TF's words
        node = self.get_node(name)
        if node is None:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph."
                           + _did_you_mean(self._close_op_names(name)))
        return self.wrap(node)

    def get_tensor_by_name(self, name: str) -> "Tensor":
        """The Tensor called `name` ("op:index"); TF's errors, plus the closest existing names."""
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not {type(name).__name__}.")
        return self._element_by_name(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj: Any, allow_tensor: bool = True, allow_operation: bool = True) -> Any:
        from .tensor import Operation, Tensor

        if isinstance(obj, bytes):
            obj = obj.decode("utf-8")  # TF's compat.as_str
        if isinstance(obj, str):
            return self._element_by_name(obj, allow_tensor, allow_operation)
        if isinstance(obj, (Tensor, Operation)):
            if obj.graph is not self:
                raise ValueError(f"{obj.name} is not an element of this graph.")
            return obj
        if hasattr(obj, "_as_graph_element"):
            return self.as_graph_element(obj._as_graph_element(), allow_tensor, allow_operation)
        raise TypeError(f"Can not convert a {type(obj).__name__} into a Tensor or Operation.")

    def _element_by_name(self, name: str, allow_tensor: bool, allow_operation: bool) -> Any:
        """TF's `_as_graph_element_locked` for a name: the same cases, classes and words."""
        if not (allow_tensor or allow_operation):
            raise ValueError("allow_tensor and allow_operation can't both be False.")
        kinds = " or ".join(k for k, ok in (("Tensor", allow_tensor), ("Operation", allow_operation)) if ok)
        if ":" in name:
            if not allow_tensor:
                raise ValueError(f"Name {name!r} appears to refer to a Tensor, not a {kinds}.")
            return self._tensor_named(name)
        if allow_operation:
            return self.get_operation_by_name(name)
        try:
            self.get_operation_by_name(name)
            what = "refers to an Operation"
        except KeyError:
            what = "looks like an (invalid) Operation name"
        raise ValueError(f"The name {name!r} {what}, not a {kinds}.{_TENSOR_FORM}")

    def _tensor_named(self, name: str) -> "Tensor":
        op_name, index = _split_tensor_name(name)
        try:
            op = self.get_operation_by_name(op_name)
        except KeyError:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation, "
                           f"{op_name!r}, does not exist in the graph."
                           + _did_you_mean(self._close_tensor_names(op_name, index))) from None
        try:
            return op.outputs[index]  # a negative index counts from the end, as in TF
        except IndexError:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist. The operation, "
                           f"{op_name!r}, exists but only has {len(op.outputs)} outputs.") from None

    def _known_nodes(self) -> dict[str, Node]:
        """Nodes by name in this graph and, for a function body, the graphs around it."""
        found: dict[str, Node] = {}
        graph: Any = self
        while graph is not None:
            for node in graph.nodes:
                found.setdefault(node.name, node)
            graph = getattr(graph, "outer_graph", None)
        return found

    def _close_op_names(self, name: str) -> list[str]:
        return difflib.get_close_matches(name, list(self._known_nodes()), n=3)

    def _close_tensor_names(self, op_name: str, index: int) -> list[str]:
        """`op:index` for existing ops named like `op_name` that have an output `index`."""
        nodes = self._known_nodes()
        close = difflib.get_close_matches(op_name, list(nodes), n=6)
        usable = [n for n in close if -len(nodes[n].outputs) <= index < len(nodes[n].outputs)]
        return [f"{n}:{index % len(nodes[n].outputs)}" for n in usable[:3]]

    def prevent_feeding(self, tensor: "Tensor") -> None:
        self._unfeedable.add(tensor.value)

    def is_feedable(self, tensor: "Tensor") -> bool:
        return tensor.value not in self._unfeedable

    @property
    def building_function(self) -> bool:
        return self.outer_graph is not None

    def as_graph_def(self, from_version: int | None = None, add_shapes: bool = False) -> Any:
        """This graph as TF's `GraphDef` protobuf (needs the optional extra 'tensorboard'); the
        IR itself is `as_ir_graph()` (frontend/framework/graph_def.py says what is written)."""
        from .graph_def import to_graph_def

        with self._lock:
            return to_graph_def(self, from_version=from_version, add_shapes=add_shapes)


_graph_stack: list[Graph] = []
_global_default_graph: list[Graph] = []


_TENSOR_FORM = ' Tensor names must be of the form "<op_name>:<output_index>".'


def _split_tensor_name(name: str) -> tuple[str, int]:
    """"op:3" -> ("op", 3), parsed as TF does (`int()` of the part after the only colon)."""
    try:
        op_name, index = name.split(":")
        return op_name, int(index)
    except ValueError:
        raise ValueError(f"The name {name!r} looks a like a Tensor name, but is not a valid one."  # sic, TF's words
                         + _TENSOR_FORM) from None


def _did_you_mean(names: Sequence[str]) -> str:
    """" Did you mean 'a:0'?" (or "'a', 'b' or 'c'"): a hint TF does not give; empty if none."""
    if not names:
        return ""
    quoted = [repr(n) for n in names]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" Did you mean {listed}?"


def get_default_graph() -> Graph:
    if _graph_stack:
        return _graph_stack[-1]
    if not _global_default_graph:
        _global_default_graph.append(Graph())
    return _global_default_graph[0]


def reset_default_graph() -> None:
    if _graph_stack:
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                             "If you need a cleared graph, exit the nesting and create a new graph.")
    _global_default_graph.clear()
    from ..client import session as _session

    _session._default_session_stack.clear()


def name_scope(name: str | None, default_name: str | None = None, values: Any = None) -> Any:
    """`tf.name_scope(name)` (also the TF1 form `name_scope(name, default_name, values)`)."""
    return get_default_graph().name_scope(name if name is not None else default_name)


def control_dependencies(control_inputs: Sequence[Any] | None) -> Any:
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function: Any) -> Any:
    return get_default_graph().device(device_name_or_function)


def add_to_collection(name: str, value: Any) -> None:
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names: Any, value: Any) -> None:
    get_default_graph().add_to_collections(names, value)


def get_collection(name: str, scope: str | None = None) -> list[Any]:
    return get_default_graph().get_collection(name, scope)


def get_collection_ref(name: str) -> list[Any]:
    return get_default_graph().get_collection_ref(name)


def set_random_seed(seed: int) -> None:
    get_default_graph().seed = seed

