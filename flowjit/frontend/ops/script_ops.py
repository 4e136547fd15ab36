"""`tf.py_func`, `tf.numpy_function`, `tf.py_function`: wrap a Python function as a graph op.

As TF's FuncRegistry does, the node carries a string token; the callable is kept in a
token -> function table owned by the outermost front-end graph (function bodies of cond/while
share it), and the Session puts that table into its `SessionState.resources` so the host
kernel (ir/ops/script.py) can find it. There is no process-global registry.

In graph mode `tf.py_function` passes NumPy arrays here (TF passes EagerTensors); otherwise it
behaves like `numpy_function`.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.py_func_table import py_func_table
from ..framework.tensor import convert_to_tensor

__all__ = ["py_func", "numpy_function", "py_function"]


def _as_dtype_list(Tout: Any) -> tuple[list[dtypes.DType], bool]:  # noqa: N803 - TF's name
    """(dtypes, whether Tout was a list/tuple): a single dtype gives a single Tensor back."""
    if isinstance(Tout, (list, tuple)):
        try:
            return [dtypes.as_dtype(t) for t in Tout], True
        except TypeError as e:
            raise TypeError(f"py_func Tout must be a DType or a list of DTypes, got {Tout!r}: {e}") from None
    try:
        return [dtypes.as_dtype(Tout)], False
    except TypeError as e:
        raise TypeError(f"py_func Tout must be a DType or a list of DTypes, got {Tout!r}: {e}") from None


def _internal_py_func(func: Callable[..., Any], inp: Any, Tout: Any, stateful: bool,  # noqa: N803
                      name: str | None) -> Any:
    if not callable(func):
        raise ValueError(f"Expected func to be callable, got func of type {type(func)}")
    if inp is None:
        inp = []
    if not isinstance(inp, (list, tuple)):
        raise TypeError(f"py_func inp must be a list or tuple of tensors, got {type(inp).__name__}")
    graph = get_default_graph()
    tout, is_list = _as_dtype_list(Tout)
    table = py_func_table(graph)
    token = f"pyfunc_{len(table)}"
    table[token] = func
    inputs = [convert_to_tensor(x) for x in inp]
    op = graph.create_op("PyFunc" if stateful else "PyFuncStateless", inputs,
                         {"token": token, "Tout": list(tout), "Tin": [t.dtype for t in inputs]},
                         name=name or ("PyFunc" if stateful else "PyFuncStateless"))
    if is_list:
        return list(op.outputs)
    return op.outputs[0] if op.outputs else op


def py_func(func: Callable[..., Any], inp: Sequence[Any], Tout: Any, stateful: bool = True,  # noqa: N803
            name: str | None = None) -> Any:
    """`tf.py_func`: run `func` on NumPy copies of `inp` each step; results must have the
    dtypes `Tout` (a single dtype gives a Tensor, a list gives a list). Shapes are unknown."""
    return _internal_py_func(func, inp, Tout, stateful, name)


def numpy_function(func: Callable[..., Any], inp: Sequence[Any], Tout: Any,  # noqa: N803
                   name: str | None = None) -> Any:
    """`tf.numpy_function`: as `py_func` with stateful=True (TF's default)."""
    return _internal_py_func(func, inp, Tout, True, name)


def py_function(func: Callable[..., Any], inp: Sequence[Any], Tout: Any,  # noqa: N803
                name: str | None = None) -> Any:
    """`tf.py_function` in graph mode: `func` gets NumPy arrays here (TF gives EagerTensors);
    no gradient flows through it (TF's EagerPyFunc gradient needs eager tapes)."""
    return _internal_py_func(func, inp, Tout, True, name)

