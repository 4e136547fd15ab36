"""PyFunc / PyFuncStateless: call a Python function on the host (TF's script_ops).

The node holds only a string `token` (TF's FuncRegistry token); the callables live with the
front-end graph that created them and reach the kernel through the session's state
(`state.resources[PY_FUNCS_RESOURCE]`, a token -> callable mapping), so attrs stay plain data
and no process-global registry exists. Outputs have unknown shape, as in TF; each returned
value must already have its declared dtype (TF checks, it does not convert).
"""

from __future__ import annotations

import traceback
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ..shapes import TensorShape
from ._util import spec

PY_FUNCS_RESOURCE = "__py_funcs__"  # key in SessionState.resources: token -> Python callable

# TF's C++ type names, as its "returns X, but expects Y" message spells them
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half", "bool": "bool"}


def _tf_type_name(np_dtype: np.dtype) -> str:
    try:
        name = dtypes.as_dtype(np_dtype).name
    except TypeError:
        return str(np_dtype)
    return _TF_TYPE_NAMES.get(name, name)


def _py_func_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    token = attrs.get("token")
    if not isinstance(token, str) or not token:
        raise ValueError(f"PyFunc needs a string attr 'token', got {token!r}")
    tout = attrs.get("Tout")
    if not isinstance(tout, (list, tuple)):
        raise TypeError(f"PyFunc attr Tout must be a list of dtypes, got {tout!r}")
    return [spec(dtypes.as_dtype(t), TensorShape(None)) for t in tout]


def _error_class(exc: BaseException) -> type[errors.OpError]:
    """TF's mapping of a Python exception raised inside the function to an error class."""
    if isinstance(exc, (ValueError, TypeError)):
        return errors.InvalidArgumentError
    if isinstance(exc, StopIteration):
        return errors.OutOfRangeError
    if isinstance(exc, MemoryError):
        return errors.ResourceExhaustedError
    if isinstance(exc, NotImplementedError):
        return errors.UnimplementedError
    return errors.UnknownError


def _py_func_kernel(ctx: Any, *args: np.ndarray) -> Any:
    token = ctx.attrs["token"]
    table = ctx.state.resources.get(PY_FUNCS_RESOURCE) or {}
    func = table.get(token)
    if func is None:
        raise ctx.error(errors.InvalidArgumentError,
                        f"callback {token} is not found (the Python function is held by the graph "
                        f"that created this PyFunc; run it in a session on that graph)")
    try:
        result = func(*[np.array(a) for a in args])  # copies: the function may mutate its arguments
    except errors.OpError:
        raise
    except Exception as e:  # noqa: BLE001 - TF reports any exception with its traceback
        text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        raise ctx.error(_error_class(e), f"{type(e).__name__}: {e}\n{text}") from e
    tout = [dtypes.as_dtype(t) for t in ctx.attrs["Tout"]]
    if len(tout) == 0:
        return ()
    if len(tout) == 1 and not isinstance(result, (list, tuple)):
        result = [result]
    if not isinstance(result, (list, tuple)) or len(result) != len(tout):
        got = len(result) if isinstance(result, (list, tuple)) else 1
        raise ctx.error(errors.InvalidArgumentError,
                        f"{token} returns {got} values, but expects to see {len(tout)} values.")
    outs = []
    for i, (value, want) in enumerate(zip(result, tout)):
        arr = np.asarray(value)
        if arr.dtype.kind in "SUO" and want == dtypes.string:
            arr = np.asarray(value, dtype=object)
        if arr.dtype != want.np_dtype:
            raise ctx.error(errors.InvalidArgumentError,
                            f"{i}-th value returned by {token} is {_tf_type_name(arr.dtype)}, "
                            f"but expects {_tf_type_name(want.np_dtype)}")
        outs.append(arr)
    return outs[0] if len(outs) == 1 else tuple(outs)


register_op("PyFunc", infer=_py_func_infer, kernel=_py_func_kernel, stateful=True, host=True,
            doc="Calls the Python function registered under attr `token` on the host; attr Tout "
                "lists the output dtypes (shapes unknown).")
register_op("PyFuncStateless", infer=_py_func_infer, kernel=_py_func_kernel, host=True,
            doc="PyFunc declared stateless (tf.py_func(stateful=False)); still run on the host.")
