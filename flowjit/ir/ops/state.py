"""Variables: VariableV2 holds state in the session; Assign* write it.

VariableV2 is *lazy* (TF1 ref semantics): its value is read when a consumer runs, not when
the node itself is scheduled, so `read` after an `assign` under a control dependency sees the
new value. Inputs listed in an op's `ref_inputs` name a variable without reading it (Assign's
target may be uninitialized).

Every state op carries attr `var`, the variable's shared name (its key in the session's
variable store). Assign-like ops also take the variable node's output as input 0, so the
graph shows the edge and pruning keeps the variable; the kernel writes by `var`.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, errors
from ..registry import register_op
from ._util import spec


def _var_infer(inputs, attrs):
    return [spec(attrs["dtype"], attrs["shape"])]


def _var_kernel(ctx):
    return ctx.state.read_variable(ctx.attrs["var"], ctx)


register_op("VariableV2", infer=_var_infer, kernel=_var_kernel, num_inputs=0, stateful=True, lazy=True,
            doc="A variable's current value; attrs var (shared name), dtype, shape.")


def _assign_infer(inputs, attrs):
    ref, value = inputs
    if ref.dtype != value.dtype:
        raise TypeError(f"cannot assign a {value.dtype.name} value to a {ref.dtype.name} variable")
    if attrs.get("validate_shape", True) and not ref.shape.is_compatible_with(value.shape):
        raise ValueError(f"cannot assign a value of shape {value.shape} to a variable of shape {ref.shape}")
    shape = ref.shape if attrs.get("validate_shape", True) else value.shape
    return [spec(ref.dtype, shape.merge_with(value.shape) if attrs.get("validate_shape", True) else shape)]


def _assign_kernel(ctx, ref, value):
    if ctx.attrs.get("validate_shape", True):
        declared = ctx.node.inputs[0].shape
        if not declared.is_compatible_with(value.shape):
            raise ctx.error(errors.InvalidArgumentError,
                            f"Assign requires shapes of both tensors to match. lhs shape= {declared} rhs shape= {list(value.shape)}")
    result = np.array(value, copy=True)
    ctx.state.write_variable(ctx.attrs["var"], result)
    return result


def _update_kernel(fn):
    def kernel(ctx, ref, value):
        current = ctx.state.read_variable(ctx.attrs["var"], ctx)
        if current.shape != np.shape(value) and np.broadcast_shapes(current.shape, np.shape(value)) != current.shape:
            raise ctx.error(errors.InvalidArgumentError,
                            f"update shape {list(np.shape(value))} does not match variable shape {list(current.shape)}")
        result = fn(current, value).astype(current.dtype, copy=False)
        ctx.state.write_variable(ctx.attrs["var"], result)
        return result
    return kernel


def _update_infer(inputs, attrs):
    ref, value = inputs
    if ref.dtype != value.dtype:
        raise TypeError(f"cannot update a {ref.dtype.name} variable with a {value.dtype.name} value")
    return [spec(ref.dtype, ref.shape)]


register_op("Assign", ref_inputs=(0,), writes_variable=True, infer=_assign_infer, kernel=_assign_kernel, num_inputs=2, stateful=True,
            doc="var := value; attrs var, validate_shape.")
register_op("AssignAdd", ref_inputs=(0,), writes_variable=True, infer=_update_infer, kernel=_update_kernel(lambda a, b: a + b), num_inputs=2, stateful=True)
register_op("AssignSub", ref_inputs=(0,), writes_variable=True, infer=_update_infer, kernel=_update_kernel(lambda a, b: a - b), num_inputs=2, stateful=True)


def _is_init_kernel(ctx):
    return np.array(ctx.state.has_variable(ctx.attrs["var"]))


register_op("IsVariableInitialized", infer=lambda inputs, attrs: [spec(dtypes.bool_, [])],
            kernel=lambda ctx, ref: _is_init_kernel(ctx), num_inputs=1, stateful=True, ref_inputs=(0,))


def _scatter_infer(inputs, attrs):
    ref, indices, updates = inputs
    if not indices.dtype.is_integer:
        raise TypeError(f"scatter indices must be integers, got {indices.dtype.name}")
    if ref.dtype != updates.dtype:
        raise TypeError(f"scatter updates must be {ref.dtype.name}, got {updates.dtype.name}")
    return [spec(ref.dtype, ref.shape)]


def _scatter_kernel(mode):
    def kernel(ctx, ref, indices, updates):
        current = np.array(ctx.state.read_variable(ctx.attrs["var"], ctx), copy=True)
        idx = np.asarray(indices)
        if idx.size and (idx.min() < 0 or idx.max() >= current.shape[0]):
            bad = idx[(idx < 0) | (idx >= current.shape[0])].reshape(-1)[0]
            raise ctx.error(errors.InvalidArgumentError,
                            f"indices[{int(np.argwhere(idx == bad)[0][0]) if idx.ndim else 0}] = {bad} is not in [0, {current.shape[0]})")
        upd = np.broadcast_to(updates, idx.shape + current.shape[1:])
        if mode == "update":
            current[idx] = upd
        elif mode == "add":
            np.add.at(current, idx, upd)
        else:
            np.subtract.at(current, idx, upd)
        ctx.state.write_variable(ctx.attrs["var"], current)
        return current
    return kernel


register_op("ScatterUpdate", ref_inputs=(0,), writes_variable=True, infer=_scatter_infer, kernel=_scatter_kernel("update"), num_inputs=3, stateful=True)
register_op("ScatterAdd", ref_inputs=(0,), writes_variable=True, infer=_scatter_infer, kernel=_scatter_kernel("add"), num_inputs=3, stateful=True)
register_op("ScatterSub", ref_inputs=(0,), writes_variable=True, infer=_scatter_infer, kernel=_scatter_kernel("sub"), num_inputs=3, stateful=True)


register_op("ReadVariable", infer=lambda inputs, attrs: [spec(inputs[0].dtype, inputs[0].shape)],
            kernel=lambda ctx, ref: ctx.state.read_variable(ctx.attrs["var"], ctx), num_inputs=1, stateful=True,
            ref_inputs=(0,),
            doc="A read of variable `var` at this node's place in the execution order.")


def _report_kernel(ctx, *refs):
    missing = [name for name in ctx.attrs["vars"] if not ctx.state.has_variable(name)]
    return np.array(missing, dtype=object).reshape(len(missing))


register_op("ReportUninitialized", infer=lambda inputs, attrs: [spec(dtypes.string, [None])],
            kernel=_report_kernel, stateful=True, host=True, ref_inputs=tuple(range(10000)),
            doc="Names (strings) of the variables in attr `vars` that have no value yet.")


# --- CountUpTo (tf.count_up_to; limit_epochs' epoch counter) ---------------------------------

def _count_up_to_infer(inputs, attrs):
    (ref,) = inputs
    if ref.dtype not in (dtypes.int32, dtypes.int64) or ref.shape.rank not in (None, 0):
        raise TypeError(f"CountUpTo needs a scalar int32 or int64 variable, got {ref.dtype.name} {ref.shape}")
    if not isinstance(attrs.get("limit"), int):
        raise TypeError(f"CountUpTo needs an int attr limit, got {attrs.get('limit')!r}")
    return [spec(ref.dtype, [])]


def _count_up_to_kernel(ctx, ref):
    limit = ctx.attrs["limit"]
    with ctx.state.lock:  # queue-runner threads may count at once
        current = ctx.state.read_variable(ctx.attrs["var"], ctx)
        if current >= limit:
            raise ctx.error(errors.OutOfRangeError, f"Reached limit of {limit}")
        ctx.state.write_variable(ctx.attrs["var"], (current + 1).astype(current.dtype))
    return np.array(current, copy=True)


register_op("CountUpTo", ref_inputs=(0,), writes_variable=True, infer=_count_up_to_infer, kernel=_count_up_to_kernel,
            num_inputs=1, stateful=True, host=True,
            doc="Increments the variable (attr var) and returns its old value; OutOfRangeError at attr limit.")
