"""`tf.Variable`, `tf.get_variable`, `tf.variable_scope` and the initializer ops.

A variable is a `VariableV2` node (its value lives in the session's state, keyed by the
node's name), an `Assign` initializer and a `read` snapshot (Identity), laid out as TF1
does: `W`, `W/Assign`, `W/read`, `W/initial_value`.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Sequence

from ...ir import dtypes
from ...ir.dtypes import DType, as_dtype
from ...ir.shapes import TensorShape, as_shape
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor, register_tensor_conversion_function


class Variable:
    """`tf.Variable(initial_value, trainable=True, name=None, dtype=None, ...)`."""

    def __init__(self, initial_value: Any = None, trainable: bool = True, collections: Sequence[str] | None = None,
                 validate_shape: bool = True, caching_device: Any = None, name: str | None = None,
                 variable_def: Any = None, dtype: Any = None, expected_shape: Any = None,
                 import_scope: Any = None, constraint: Any = None, use_resource: Any = None,
                 shape: Any = None) -> None:
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = get_default_graph()
        if graph.outer_graph is not None:  # inside a cond/while body: create it in the outermost graph
            from ..framework.func_graph import init_scope

            with init_scope():
                Variable.__init__(self, initial_value, trainable, collections, validate_shape, caching_device, name,
                                  variable_def, dtype, expected_shape, import_scope, constraint, use_resource, shape)
            return
        self._graph = graph
        self._trainable = trainable
        self.constraint = constraint
        collections = list(collections) if collections is not None else [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        with graph.control_dependencies(None), graph.name_scope(name or "Variable") as scope:
            var_name = scope[:-1]
            if callable(initial_value):
                initial_value = initial_value()
            init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value") if not isinstance(
                initial_value, Tensor) else initial_value
            if dtype is not None and init.dtype != as_dtype(dtype):
                from . import math_ops

                init = math_ops.cast(init, as_dtype(dtype))
            var_shape = as_shape(shape) if shape is not None else init.shape
            if validate_shape and not var_shape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {init!r}")
            var_op = graph.create_op("VariableV2", [], {"var": var_name, "dtype": init.dtype, "shape": var_shape,
                                                          "container": "", "shared_name": ""},
                                     name=scope)
            self._variable = var_op.outputs[0]
            self._initializer_op = graph.create_op(
                "Assign", [self._variable, init], {"var": var_name, "validate_shape": validate_shape,
                                                   "use_locking": True}, name="Assign")
            self._initial_value = init
            self._snapshot = graph.create_op("Identity", [self._variable], {}, name="read").outputs[0]
        self._save_slice_info = None
        for c in collections:
            graph.add_to_collection(c, self)

    # --- identity -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._variable.name

    @property
    def op(self) -> Operation:
        return self._variable.op

    @property
    def graph(self) -> Any:
        return self._graph

    @property
    def dtype(self) -> DType:
        return self._variable.dtype

    @property
    def shape(self) -> TensorShape:
        return self._variable.shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self) -> str:
        return self._variable.device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def initializer(self) -> Operation:
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    @property
    def var_name(self) -> str:
        """The key of this variable in a session's state (the VariableV2 node's name)."""
        return self._variable.op.name

    def value(self) -> Tensor:
        return self._snapshot

    def read_value(self) -> Tensor:
        """A fresh read, ordered by the control dependencies in force where it is called."""
        graph = get_default_graph()  # inside a cond/while body the read belongs to the body (func_graph.py)
        outer = graph
        while outer is not None and outer is not self._graph:
            outer = outer.outer_graph
        if outer is None:
            graph = self._graph
        return graph.create_op("ReadVariable", [self._variable], {"var": self.var_name}, name="read").outputs[0]

    def initialized_value(self) -> Tensor:
        from . import control_flow

        return control_flow.cond(is_variable_initialized(self), self.read_value, lambda: self.initial_value)

    def _as_graph_element(self) -> Tensor:
        return self._variable

    def _ref(self) -> Tensor:
        return self._variable

    def eval(self, session: Any = None) -> Any:
        return self._variable.eval(session=session)

    def load(self, value: Any, session: Any = None) -> None:
        from ..client.session import _session_for

        import numpy as np

        sess = _session_for(session, self._graph)
        arr = np.asarray(value, dtype=self.dtype.np_dtype)
        if not self.shape.is_compatible_with(arr.shape):
            raise ValueError(f"Cannot load a value of shape {arr.shape} into variable {self.name} of shape {self.shape}")
        sess.state.write_variable(self.var_name, np.array(arr, copy=True))

    # --- updates --------------------------------------------------------------------
    def assign(self, value: Any, use_locking: bool = False, name: str | None = None, read_value: bool = True) -> Tensor:
        return assign(self, value, use_locking=use_locking, name=name)

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None, read_value: bool = True) -> Tensor:
        return assign_add(self, delta, use_locking=use_locking, name=name)

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None, read_value: bool = True) -> Tensor:
        return assign_sub(self, delta, use_locking=use_locking, name=name)

    def scatter_update(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None) -> Tensor:
        return scatter_update(self, sparse_delta.indices, sparse_delta.values, name=name)

    def set_shape(self, shape: Any) -> None:
        self._variable.set_shape(shape)

    def __repr__(self) -> str:
        return f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __bool__(self) -> bool:
        raise TypeError("Using a `tf.Variable` as a Python `bool` is not allowed.")

    def __iter__(self):
        return iter(self._snapshot)

    def __getitem__(self, key: Any) -> Tensor:
        return self._snapshot[key]


def _delegate(name: str) -> Callable:
    def method(self: Variable, *args: Any) -> Any:
        return getattr(self._snapshot, name)(*args)

    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
              "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__", "__rpow__", "__matmul__",
              "__rmatmul__", "__neg__", "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__",
              "__invert__"):
    setattr(Variable, _name, _delegate(_name))

Variable.__array_priority__ = 100  # type: ignore[attr-defined]


def _variable_to_tensor(v: Variable, dtype: Any = None, name: Any = None) -> Tensor:
    return v.value()


register_tensor_conversion_function(Variable, _variable_to_tensor)

RefVariable = Variable


# --- update ops --------------------------------------------------------------------

def _var_tensor(ref: Any) -> tuple[Tensor, str]:
    if isinstance(ref, Variable):
        return ref._variable, ref.var_name
    if isinstance(ref, Tensor) and ref.op.type == "VariableV2":
        return ref, ref.op.name
    raise TypeError(f"expected a tf.Variable to update, got {ref!r}")


def _update(op_type: str, ref: Any, value: Any, name: str | None, extra: dict | None = None) -> Tensor:
    var, key = _var_tensor(ref)
    attrs = {"var": key, **(extra or {})}
    graph = get_default_graph()
    with graph.name_scope(name or op_type) as scope:  # as in TF, a Python value becomes "<op>/value"
        value = convert_to_tensor(value, dtype_hint=var.dtype, name="value")
        return graph.create_op(op_type, [var, value], attrs, name=scope).outputs[0]


def assign(ref: Any, value: Any, validate_shape: bool | None = None, use_locking: bool | None = None,
           name: str | None = None) -> Tensor:
    return _update("Assign", ref, value, name, {"validate_shape": True if validate_shape is None else validate_shape,
                                                "use_locking": bool(use_locking)})


def assign_add(ref: Any, value: Any, use_locking: bool | None = None, name: str | None = None) -> Tensor:
    return _update("AssignAdd", ref, value, name)


def assign_sub(ref: Any, value: Any, use_locking: bool | None = None, name: str | None = None) -> Tensor:
    return _update("AssignSub", ref, value, name)


def _scatter(op_type: str, ref: Any, indices: Any, updates: Any, name: str | None) -> Tensor:
    var, key = _var_tensor(ref)
    graph = get_default_graph()
    with graph.name_scope(name or op_type) as scope:
        indices = convert_to_tensor(indices, name="indices")
        updates = convert_to_tensor(updates, dtype_hint=var.dtype, name="updates")
        return graph.create_op(op_type, [var, indices, updates], {"var": key}, name=scope).outputs[0]


def scatter_update(ref: Any, indices: Any, updates: Any, use_locking: bool = True, name: str | None = None) -> Tensor:
    return _scatter("ScatterUpdate", ref, indices, updates, name)


def scatter_add(ref: Any, indices: Any, updates: Any, use_locking: bool = False, name: str | None = None) -> Tensor:
    return _scatter("ScatterAdd", ref, indices, updates, name)


def scatter_sub(ref: Any, indices: Any, updates: Any, use_locking: bool = False, name: str | None = None) -> Tensor:
    return _scatter("ScatterSub", ref, indices, updates, name)


# --- collections and initialization --------------------------------------------------

def global_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope: str | None = None) -> list[Variable]:
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def group_ops(ops: Sequence[Any], name: str) -> Operation:
    """A NoOp that runs after `ops` (what `tf.group` builds)."""
    graph = get_default_graph()
    with graph.control_dependencies(None):
        return graph.create_op("NoOp", [], {}, name=name, control_inputs=list(ops))


def variables_initializer(var_list: Sequence[Variable], name: str = "init") -> Operation:
    return group_ops([v.initializer for v in var_list], name)


def global_variables_initializer() -> Operation:
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer() -> Operation:
    return variables_initializer(local_variables(), name="init")


initialize_local_variables = local_variables_initializer


def is_variable_initialized(variable: Variable) -> Tensor:
    var, key = _var_tensor(variable)
    return get_default_graph().create_op("IsVariableInitialized", [var], {"var": key},
                                         name="IsVariableInitialized").outputs[0]


def report_uninitialized_variables(var_list: Sequence[Variable] | None = None,
                                   name: str = "report_uninitialized_variables") -> Tensor:
    """A 1-D string tensor of the names of uninitialized variables."""
    var_list = global_variables() + local_variables() if var_list is None else list(var_list)
    graph = get_default_graph()
    return graph.create_op("ReportUninitialized", [v._variable for v in var_list],
                           {"vars": [v.var_name for v in var_list]}, name=name).outputs[0]


def assert_variables_initialized(var_list: Sequence[Variable] | None = None) -> Operation:
    from . import control_flow

    report = report_uninitialized_variables(var_list)
    from . import array_ops, math_ops

    return control_flow.Assert(math_ops.equal(array_ops.size(report), 0), [report])


# --- variable scopes and get_variable ------------------------------------------------

class _ReuseType:
    def __repr__(self) -> str:
        return "AUTO_REUSE"


AUTO_REUSE = _ReuseType()


class VariableScope:
    """`tf.VariableScope`: a name prefix plus defaults for `get_variable`."""

    def __init__(self, reuse: Any, name: str = "", initializer: Any = None, regularizer: Any = None,
                 dtype: Any = dtypes.float32, name_scope: str = "", custom_getter: Any = None) -> None:
        self._name = name
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._dtype = as_dtype(dtype)
        self._name_scope = name_scope
        self._custom_getter = custom_getter

    @property
    def name(self) -> str:
        return self._name

    @property
    def original_name_scope(self) -> str:
        return self._name_scope

    @property
    def reuse(self) -> Any:
        return self._reuse

    @property
    def initializer(self) -> Any:
        return self._initializer

    @property
    def regularizer(self) -> Any:
        return self._regularizer

    @property
    def dtype(self) -> DType:
        return self._dtype

    def reuse_variables(self) -> None:
        self._reuse = True

    def set_initializer(self, initializer: Any) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer: Any) -> None:
        self._regularizer = regularizer

    def get_variable(self, name: str, *args: Any, **kwargs: Any) -> Variable:
        return get_variable(name, *args, **kwargs)

    def global_variables(self) -> list[Variable]:
        return global_variables(self._name + "/" if self._name else None)

    def trainable_variables(self) -> list[Variable]:
        return trainable_variables(self._name + "/" if self._name else None)


def _scope_stack(graph: Any) -> list[VariableScope]:
    if not graph._variable_scope_stack:
        graph._variable_scope_stack.append(VariableScope(False))
    return graph._variable_scope_stack


def get_variable_scope() -> VariableScope:
    return _scope_stack(get_default_graph())[-1]


_scope_counts_key = "_variable_scope_counts"


@contextlib.contextmanager
def variable_scope(name_or_scope: Any, default_name: str | None = None, values: Any = None, initializer: Any = None,
                   regularizer: Any = None, caching_device: Any = None, partitioner: Any = None,
                   custom_getter: Any = None, reuse: Any = None, dtype: Any = None, use_resource: Any = None,
                   constraint: Any = None, auxiliary_name_scope: bool = True) -> Iterator[VariableScope]:
    """`tf.variable_scope`: prefixes `get_variable` names and opens a matching name scope."""
    graph = get_default_graph()
    stack = _scope_stack(graph)
    parent = stack[-1]
    # TF1's variable-scope counts: entering a scope counts it; leaving a named scope resets the
    # counts of the scopes under it (so re-entering "model" names its layers "dense", "dense_1"
    # again), leaving a reentered VariableScope object restores the counts as they were.
    counts: dict[str, int] = graph.__dict__.setdefault(_scope_counts_key, {})
    snapshot: dict[str, int] | None = None
    if isinstance(name_or_scope, VariableScope):
        full = name_or_scope.name
        base_reuse = name_or_scope.reuse
        name_scope_name = full.split("/")[-1] if full else None
        inherit = name_or_scope
    else:
        if name_or_scope is None:
            if default_name is None:
                raise TypeError("If default_name is None then name_or_scope is required")
            prefix = f"{parent.name}/{default_name}" if parent.name else default_name
            short = default_name
            if counts.get(prefix, 0) > 0:
                idx = 1
                while counts.get(f"{prefix}_{idx}", 0) > 0:
                    idx += 1
                short = f"{default_name}_{idx}"
            name_scope_name = default_name  # the name scope is made unique on its own, as in TF
        else:
            short = name_or_scope
            name_scope_name = short
        full = f"{parent.name}/{short}" if parent.name else short
        base_reuse = parent.reuse
        inherit = parent
    counts[full] = counts.get(full, 0) + 1
    if isinstance(name_or_scope, VariableScope):
        snapshot = dict(counts)
    if reuse is None or reuse is False:
        new_reuse = True if base_reuse is True else (AUTO_REUSE if base_reuse is AUTO_REUSE else False)
    else:
        new_reuse = reuse
    scope = VariableScope(new_reuse, full, initializer or inherit.initializer, regularizer or inherit.regularizer,
                          dtype or inherit.dtype, custom_getter=custom_getter or inherit._custom_getter)
    stack.append(scope)
    try:
        if isinstance(name_or_scope, VariableScope):  # a reentered scope keeps its original name scope
            scope._name_scope = name_or_scope.original_name_scope
        if auxiliary_name_scope and name_scope_name:
            with graph.name_scope(name_scope_name) as ns:
                if not isinstance(name_or_scope, VariableScope):
                    scope._name_scope = ns
                yield scope
        else:
            yield scope
    finally:
        stack.pop()
        if snapshot is not None:
            counts.clear()
            counts.update(snapshot)
        else:
            for k in counts:
                if k.startswith(full + "/"):
                    counts[k] = 0


def get_variable(name: str, shape: Any = None, dtype: Any = None, initializer: Any = None, regularizer: Any = None,
                 trainable: bool | None = None, collections: Sequence[str] | None = None, caching_device: Any = None,
                 partitioner: Any = None, validate_shape: bool = True, use_resource: Any = None,
                 custom_getter: Any = None, constraint: Any = None, **kwargs: Any) -> Variable:
    """`tf.get_variable`: create or (with reuse) fetch the variable `scope/name`."""
    from . import init_ops

    graph = get_default_graph()
    scope = get_variable_scope()
    full = f"{scope.name}/{name}" if scope.name else name
    store: dict[str, Variable] = graph._variable_store
    reuse = scope.reuse
    if full in store:
        if reuse is False:
            raise ValueError(f"Variable {full} already exists, disallowed. Did you mean to set reuse=True or "
                             "reuse=tf.AUTO_REUSE in VarScope?")
        found = store[full]
        if shape is not None and not found.shape.is_compatible_with(as_shape(shape)):
            raise ValueError(f"Trying to share variable {full}, but specified shape {as_shape(shape)} and found "
                             f"shape {found.shape}.")
        if dtype is not None and as_dtype(dtype) != found.dtype:
            raise ValueError(f"Trying to share variable {full}, but specified dtype {as_dtype(dtype).name} and "
                             f"found dtype {found.dtype.name}.")
        return found
    if reuse is True:
        raise ValueError(f"Variable {full} does not exist, or was not created with tf.get_variable(). Did you "
                         "mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dtype = as_dtype(dtype) if dtype is not None else scope.dtype
    initializer = initializer if initializer is not None else scope.initializer
    if isinstance(initializer, type):  # TF1 accepts an initializer class: `initializer=tf.zeros_initializer`
        initializer = initializer()
    if isinstance(initializer, (Tensor,)) or (initializer is not None and not callable(initializer)):
        init_value: Any = initializer
        if shape is not None and not isinstance(initializer, Tensor):
            init_value = init_ops.constant_initializer(initializer)(as_shape(shape).as_list(), dtype=dtype)
        make = lambda: init_value  # noqa: E731
    else:
        if shape is None:
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was None.")
        shape_t = as_shape(shape)
        if not shape_t.is_fully_defined():
            raise ValueError(f"Shape of a new variable ({full}) must be fully defined, but instead was {shape_t}.")
        if initializer is None:
            initializer = init_ops.glorot_uniform_initializer() if dtype.is_floating else init_ops.zeros_initializer()
        init_fn = initializer
        make = lambda: init_fn(shape_t.as_list(), dtype=dtype)  # noqa: E731
    if trainable is None:
        trainable = True
    with graph.name_scope(None):
        var = Variable(make, trainable=trainable, collections=collections, name=full, dtype=dtype,
                       validate_shape=validate_shape, constraint=constraint)
    store[full] = var
    regularizer = regularizer or scope.regularizer
    if regularizer is not None:
        if graph.outer_graph is not None:  # inside a cond/while body: the loss belongs to the outer graph
            from ..framework.func_graph import init_scope

            with init_scope() as graph:
                with graph.name_scope(full + "/Regularizer/"):
                    loss = regularizer(var.value())
        else:
            with graph.name_scope(full + "/Regularizer/"):
                loss = regularizer(var.value())
        if loss is not None:
            graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var


def no_regularizer(_: Any) -> None:
    return None
