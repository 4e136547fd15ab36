"""`tf.train.Optimizer`: the base class of every optimizer.

`minimize(loss)` is `compute_gradients` (which calls `tf.gradients`) followed by
`apply_gradients`, which adds the update of every variable to the graph. An update is plain
math on tensors plus `Assign`/`AssignAdd`/`AssignSub` on the variables and their slots; there
is no opaque "ApplyAdam" op, so the pass pipeline fuses the whole training step (forward,
backward and updates) like any other code.

Subclasses override
    _create_slots(var_list)       make slot variables (zeros_slot / slot_with_value)
    _prepare()                    convert hyperparameters to tensors, once per apply
    _apply_dense(grad, var)       return the update op of one variable
    _finish(update_ops, name)     return the op grouping them (Adam also advances beta powers)

Slots are variables that shadow a variable (Adam's `m` and `v`, Momentum's accumulator); a
slot of `W` for optimizer `Adam` is the variable `W/Adam` (then `W/Adam_1`, ...), exactly as in
TF, so checkpoints list the same names.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from ...ir.dtypes import DType
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor

__all__ = ["Optimizer"]


def _is_variable(v: Any) -> bool:
    from ..ops.variables import Variable

    return isinstance(v, Variable)


def _var_key(var: Any) -> tuple[int, str]:
    return (id(var.graph), var.var_name)


def _call_if_callable(value: Any) -> Any:
    return value() if callable(value) else value


def _is_sparse(grad: Any) -> bool:
    """IndexedSlices-like gradients (from Gather): `values`, `indices`, `dense_shape`."""
    return not isinstance(grad, Tensor) and hasattr(grad, "values") and hasattr(grad, "indices")


class Optimizer:
    """Base class for optimizers (TF1's `tf.train.Optimizer`)."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str) -> None:
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict[tuple[int, str], Any]] = {}
        self._non_slot_dict: dict[tuple[str, int], Any] = {}
        self._hyper_cache: dict[tuple[str, DType], Tensor] = {}

    def get_name(self) -> str:
        return self._name

    # --- the public API -----------------------------------------------------------------
    def minimize(self, loss: Any, global_step: Any = None, var_list: Sequence[Any] | None = None,
                 gate_gradients: int = GATE_OP, aggregation_method: Any = None,
                 colocate_gradients_with_ops: bool = False, name: str | None = None,
                 grad_loss: Any = None) -> Operation:
        """Add ops that update `var_list` (default: all trainable variables) to reduce `loss`."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients, aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not support "
                f"gradients, between variables {[v.name for _, v in grads_and_vars]} and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss: Any, var_list: Sequence[Any] | None = None, gate_gradients: int = GATE_OP,
                          aggregation_method: Any = None, colocate_gradients_with_ops: bool = False,
                          grad_loss: Any = None) -> list[tuple[Tensor | None, Any]]:
        """[(gradient, variable)] for `loss`; the gradient is None where loss does not depend on it."""
        from ..grad import gradients as gradients_mod
        from ..ops import variables

        if callable(loss):
            raise NotImplementedError("loss must be a Tensor in graph mode, not a callable")
        if gate_gradients not in (Optimizer.GATE_GRAPH, Optimizer.GATE_OP, Optimizer.GATE_NONE):
            raise ValueError(f"gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, "
                             f"Optimizer.GATE_GRAPH. Not {gate_gradients}")
        loss = convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([convert_to_tensor(grad_loss)])
        if var_list is None:
            var_list = variables.trainable_variables()
        else:
            var_list = list(var_list.values()) if isinstance(var_list, dict) else list(var_list)
        for v in var_list:
            if not _is_variable(v):
                raise TypeError(f"Argument is not a tf.Variable: {v!r}")
        if not var_list:
            raise ValueError("No variables to optimize.")
        self._assert_valid_dtypes(var_list)
        grads = gradients_mod.gradients(loss, var_list, grad_ys=None if grad_loss is None else [grad_loss],
                                        aggregation_method=aggregation_method,
                                        colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = _gate(grads)
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]], global_step: Any = None,
                        name: str | None = None) -> Operation:
        """Add the update ops; returns one op that runs them all (then increments global_step)."""
        from ..ops import variables

        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted: list[tuple[Any, Any]] = []
        for g, v in grads_and_vars:
            if not _is_variable(v):
                raise TypeError(f"Trying to optimize unsupported type {v!r}: expected a tf.Variable")
            if g is not None and not _is_sparse(g):
                try:
                    g = convert_to_tensor(g)
                except TypeError:
                    raise TypeError(f"Gradient must be convertible to a Tensor or IndexedSlices, or None: {g!r}") from None
                if g.dtype != v.dtype:
                    raise ValueError(f"Gradient for variable {v.name} has dtype {g.dtype.name}, "
                                     f"expected {v.dtype.name}")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: {[v.name for _, v in converted]}.")

        graph = get_default_graph()
        with graph.control_dependencies(None):
            self._create_slots(var_list)
        with graph.name_scope(name or self._name) as scope:
            self._hyper_cache = {}
            self._prepare()
            update_ops = []
            for grad, var in converted:
                if grad is None:
                    continue
                with graph.name_scope("update_" + var.var_name), graph.device(var.device or None):
                    if _is_sparse(grad):
                        op = self._apply_sparse(grad, var)
                    else:
                        op = self._apply_dense(grad, var)
                    if getattr(var, "constraint", None) is not None:
                        with graph.control_dependencies([op]):
                            op = var.assign(var.constraint(var.read_value()))
                    update_ops.append(op)
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    with graph.device(global_step.device or None):
                        apply_updates = variables.assign_add(global_step, 1, name=scope).op
        apply_updates = _as_op(apply_updates)
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    # --- slots ----------------------------------------------------------------------
    def get_slot_names(self) -> list[str]:
        return sorted(self._slots)

    def get_slot(self, var: Any, name: str) -> Any:
        """The slot variable `name` of `var` (None if this optimizer made none)."""
        named = self._slots.get(name)
        if not named:
            return None
        return named.get(_var_key(var))

    def variables(self) -> list[Any]:
        """Every variable this optimizer created: slots and non-slot state (Adam's beta powers)."""
        graph = get_default_graph()
        out = [v for (_, gid), v in sorted(self._non_slot_dict.items(), key=lambda kv: kv[0][0])
               if gid == id(graph)]
        for name in sorted(self._slots):
            out.extend(v for v in self._slots[name].values() if v.graph is graph)
        return out

    def _slot_dict(self, slot_name: str) -> dict[tuple[int, str], Any]:
        return self._slots.setdefault(slot_name, {})

    def _get_or_make_slot(self, var: Any, make_value: Callable[[], Any], slot_name: str, op_name: str) -> Any:
        named = self._slot_dict(slot_name)
        key = _var_key(var)
        if key not in named:
            named[key] = _create_slot_var(var, make_value, op_name)
        return named[key]

    def _zeros_slot(self, var: Any, slot_name: str, op_name: str) -> Any:
        from ..ops import array_ops

        return self._get_or_make_slot(var, lambda: array_ops.zeros(var.shape.as_list(), dtype=var.dtype),
                                      slot_name, op_name)

    def _filled_slot(self, var: Any, value: float, slot_name: str, op_name: str) -> Any:
        from ..ops import array_ops

        def make() -> Tensor:
            return array_ops.fill(var.shape.as_list(), convert_to_tensor(value, dtype=var.dtype))

        return self._get_or_make_slot(var, make, slot_name, op_name)

    def _create_non_slot_variable(self, initial_value: Any, name: str, colocate_with: Any) -> Any:
        from ..ops.variables import Variable

        graph = colocate_with.graph
        key = (name, id(graph))
        v = self._non_slot_dict.get(key)
        if v is None:
            with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None), \
                    graph.device(colocate_with.device or None):
                v = Variable(initial_value, name=name, trainable=False, dtype=colocate_with.dtype)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name: str, graph: Any = None) -> Any:
        graph = graph if graph is not None else get_default_graph()
        return self._non_slot_dict.get((name, id(graph)))

    # --- hyperparameters --------------------------------------------------------------
    def _hyper(self, name: str, value: Any, dtype: DType) -> Tensor:
        """Hyperparameter `value` as a tensor of `dtype` (cached per apply_gradients)."""
        from ..ops import math_ops

        key = (name, dtype)
        cached = self._hyper_cache.get(key)
        if cached is not None:
            return cached
        value = _call_if_callable(value)
        if isinstance(value, Tensor) or _is_variable(value):
            t = convert_to_tensor(value)
            if t.dtype != dtype:
                t = math_ops.cast(t, dtype)
        else:
            t = convert_to_tensor(value, dtype=dtype, name=name)
        self._hyper_cache[key] = t
        return t

    # --- to override ------------------------------------------------------------------
    def _create_slots(self, var_list: list[Any]) -> None:
        pass

    def _prepare(self) -> None:
        pass

    def _apply_dense(self, grad: Tensor, var: Any) -> Any:
        raise NotImplementedError()

    def _apply_sparse(self, grad: Any, var: Any) -> Any:
        """Default: densify the IndexedSlices and apply the dense update."""
        return self._apply_dense(_densify(grad, var), var)

    def _finish(self, update_ops: list[Any], name_scope: str) -> Operation:
        from ..ops.variables import group_ops

        return group_ops(update_ops, name=name_scope)

    def _assert_valid_dtypes(self, tensors: Sequence[Any]) -> None:
        for t in tensors:
            if not t.dtype.is_floating:
                raise ValueError(f"Invalid type {t.dtype.name} for {t.name}, expected: float16, float32, float64.")


# --- helpers --------------------------------------------------------------------------

def _as_op(x: Any) -> Operation:
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    return x.op


def _gate(grads: list[Any]) -> list[Any]:
    """GATE_GRAPH: every gradient is computed before any is used (each passes through an
    Identity that waits for all of them)."""
    from ..ops import array_ops

    present = [g for g in grads if isinstance(g, Tensor)]
    if not present:
        return grads
    graph = get_default_graph()
    with graph.name_scope("gate"), graph.control_dependencies([g.op for g in present]):
        return [array_ops.identity(g) if isinstance(g, Tensor) else g for g in grads]


def _densify(grad: Any, var: Any) -> Tensor:
    """IndexedSlices -> the dense gradient of `var` (rows summed where indices repeat)."""
    from ..ops import array_ops

    return array_ops.scatter_nd(array_ops.expand_dims(grad.indices, -1), grad.values, var.shape.as_list())


def _create_slot_var(primary: Any, make_value: Callable[[], Any], op_name: str) -> Any:
    """A non-trainable variable `primary/op_name` (made unique), on the primary's device."""
    from ..ops.variables import Variable

    graph = primary.graph
    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None), \
            graph.device(primary.device or None):
        slot = Variable(make_value, name=f"{primary.var_name}/{op_name}", trainable=False,
                        dtype=primary.dtype)
    graph._variable_store.setdefault(slot.var_name, slot)
    return slot
