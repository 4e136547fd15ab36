"""`tf.Tensor` and `tf.Operation`: thin front-end handles on IR values and nodes.

A Tensor adds what users expect (operator overloading, `eval()`, `get_shape()`) to an
`ir.Value`; an Operation wraps an `ir.Node`. Both are cached per graph, so identity holds:
`t.op.outputs[0] is t`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...ir.dtypes import DType, as_dtype, dtype_of_python_value, fits
from ...ir.graph import Node, Value
from ...ir.shapes import TensorShape, as_shape


class Operation:
    """`tf.Operation`: a node of the graph."""

    def __init__(self, node: Node, graph: Any) -> None:
        self.node = node
        self._graph = graph
        self._outputs = [Tensor(self, i) for i in range(len(node.outputs))]

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def type(self) -> str:
        return self.node.op

    @property
    def graph(self) -> Any:
        return self._graph

    @property
    def outputs(self) -> list["Tensor"]:
        return list(self._outputs)

    def values(self) -> tuple["Tensor", ...]:
        return tuple(self._outputs)

    @property
    def inputs(self) -> list["Tensor"]:
        return [self._graph.wrap(v.node).outputs[v.index] for v in self.node.inputs]

    @property
    def control_inputs(self) -> list["Operation"]:
        return [self._graph.wrap(n) for n in self.node.control_inputs]

    @property
    def device(self) -> str:
        return self.node.device

    def _set_device(self, device: str) -> None:
        self.node.device = device

    @property
    def source(self) -> Any:
        return self.node.source

    def get_attr(self, name: str) -> Any:
        try:
            return self.node.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self.name!r} has no attr named {name!r}.") from None

    @property
    def node_def(self) -> Node:
        return self.node

    def run(self, feed_dict: Any = None, session: Any = None) -> None:
        from ..client.session import _session_for

        _session_for(session, self._graph).run(self, feed_dict)

    def _add_control_input(self, op: "Operation") -> None:
        if op.node not in self.node.control_inputs:
            self.node.control_inputs.append(op.node)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


class Tensor:
    """`tf.Tensor`: output `value_index` of `op`."""

    # NumPy must defer to our reflected operators (np_array + tensor -> tensor).
    __array_priority__ = 100

    def __init__(self, op: Operation, value_index: int) -> None:
        self._op = op
        self._value_index = value_index

    # --- identity -------------------------------------------------------------------
    @property
    def value(self) -> Value:
        return self._op.node.output(self._value_index)

    @property
    def op(self) -> Operation:
        return self._op

    @property
    def graph(self) -> Any:
        return self._op.graph

    @property
    def value_index(self) -> int:
        return self._value_index

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._value_index}"

    @property
    def dtype(self) -> DType:
        return self.value.dtype

    @property
    def device(self) -> str:
        return self._op.device

    @property
    def shape(self) -> TensorShape:
        return self.value.shape

    def get_shape(self) -> TensorShape:
        return self.value.shape

    def set_shape(self, shape: Any) -> None:
        merged = self.value.shape.merge_with(as_shape(shape))
        self._op.node.set_output_shape(self._value_index, merged)

    def consumers(self) -> list[Operation]:
        return [self.graph.wrap(n) for n in self.graph.users(self.value)]

    def eval(self, feed_dict: Any = None, session: Any = None) -> np.ndarray:
        from ..client.session import _session_for

        return _session_for(session, self.graph).run(self, feed_dict)

    def _as_graph_element(self) -> "Tensor":
        return self

    # --- Python protocol --------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self.dtype.name}>"

    __str__ = __repr__

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __bool__(self) -> bool:
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` "
                        "instead of `if t:` to test if a tensor is defined, and use TensorFlow ops such as "
                        "tf.cond to execute subgraphs conditioned on the value of a tensor.")

    def __len__(self) -> int:
        raise TypeError(f"len is not well defined for symbolic Tensors ({self.name}); use tf.shape().")

    def __iter__(self):
        shape = self.shape
        if shape.rank is None or shape.rank == 0 or shape.dims[0] is None:
            raise TypeError(f"Tensor {self.name} is not iterable: its first dimension is not statically known.")
        from ..ops import array_ops

        return iter(array_ops.unstack(self, num=shape.dims[0]))

    def __array__(self, dtype: Any = None, copy: Any = None):
        raise TypeError(f"Cannot convert a symbolic Tensor ({self.name}) to a numpy array; "
                        "run it in a Session to get its value.")

    # --- operators (delegated to math_ops / array_ops) --------------------------------
    def _binary(name: str, reverse: bool = False, node_name: str = "") -> Callable:  # type: ignore[misc]
        """`x <op> y`: math_ops.<name>, with TF1's lower-case node names ("add", "mul", ...)."""
        def method(self: "Tensor", other: Any) -> Any:
            from ..ops import math_ops

            fn = getattr(math_ops, name)
            try:
                # TF's binary_op_wrapper: everything the operator builds (a converted operand
                # "add/y", a composite's inner nodes) goes in the scope "add"; the result is "add"
                from .graph import get_default_graph

                with get_default_graph().name_scope(node_name) as scope:  # where the op will be made
                    if reverse:
                        return fn(convert_to_tensor(other, dtype_hint=self.dtype, name="x"), self, name=scope)
                    return fn(self, other, name=scope)
            except TypeError:
                if isinstance(other, (Tensor,)) or hasattr(other, "_as_graph_element") or _is_convertible(other):
                    raise
                return NotImplemented

        method.__name__ = f"__{'r' if reverse else ''}{name}__"
        return method

    __add__ = _binary("add", node_name="add")
    __radd__ = _binary("add", True, "add")
    __sub__ = _binary("subtract", node_name="sub")
    __rsub__ = _binary("subtract", True, "sub")
    __mul__ = _binary("multiply", node_name="mul")
    __rmul__ = _binary("multiply", True, "mul")
    __truediv__ = _binary("truediv", node_name="truediv")
    __rtruediv__ = _binary("truediv", True, "truediv")
    __floordiv__ = _binary("floordiv", node_name="floordiv")
    __rfloordiv__ = _binary("floordiv", True, "floordiv")
    __mod__ = _binary("floormod", node_name="mod")
    __rmod__ = _binary("floormod", True, "mod")
    __pow__ = _binary("pow", node_name="pow")
    __rpow__ = _binary("pow", True, "pow")
    __matmul__ = _binary("matmul", node_name="matmul")
    __rmatmul__ = _binary("matmul", True, "matmul")
    __and__ = _binary("logical_and", node_name="and")
    __rand__ = _binary("logical_and", True, "and")
    __or__ = _binary("logical_or", node_name="or")
    __ror__ = _binary("logical_or", True, "or")
    __xor__ = _binary("logical_xor", node_name="xor")
    __rxor__ = _binary("logical_xor", True, "xor")
    __lt__ = _binary("less", node_name="Less")
    __le__ = _binary("less_equal", node_name="LessEqual")
    __gt__ = _binary("greater", node_name="Greater")
    __ge__ = _binary("greater_equal", node_name="GreaterEqual")
    del _binary

    def __neg__(self) -> "Tensor":
        from ..ops import math_ops

        return math_ops.negative(self)

    def __abs__(self) -> "Tensor":
        from ..ops import math_ops

        return math_ops.abs(self)

    def __invert__(self) -> "Tensor":
        from ..ops import math_ops

        return math_ops.logical_not(self)

    def __getitem__(self, key: Any) -> "Tensor":
        from ..ops import array_ops

        return array_ops.getitem(self, key)


def _is_convertible(value: Any) -> bool:
    try:
        dtype_of_python_value(value)
        return True
    except TypeError:
        return False


# --- conversion ---------------------------------------------------------------------

_conversion_functions: list[tuple[type, Callable]] = []


def register_tensor_conversion_function(base_type: type, conversion_func: Callable, priority: int = 100) -> None:
    """`conversion_func(value, dtype=None, name=None, as_ref=False) -> Tensor` for `base_type`."""
    _conversion_functions.append((base_type, conversion_func))


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None, preferred_dtype: Any = None,
                      dtype_hint: Any = None) -> Tensor:
    """`tf.convert_to_tensor`: Tensors pass through (dtype checked), Python/NumPy become constants."""
    want = as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        if want is not None and value.dtype != want:
            raise ValueError(f"Tensor conversion requested dtype {want.name} for Tensor with dtype "
                             f"{value.dtype.name}: {value!r}")
        return value
    if isinstance(value, Operation):
        raise TypeError(f"Can not convert an Operation ({value.name}) into a Tensor; use op.outputs[0].")
    for base, fn in _conversion_functions:
        if isinstance(value, base):
            out = fn(value, dtype=want, name=name)
            if out is NotImplemented:  # the function declines this value (TF's convention)
                continue
            if want is not None and out.dtype != want:
                raise ValueError(f"Tensor conversion requested dtype {want.name} for {out.dtype.name} {value!r}")
            return out
    hint = want or (as_dtype(preferred_dtype) if preferred_dtype is not None else None) or (
        as_dtype(dtype_hint) if dtype_hint is not None else None)
    if want is None and hint is not None:
        try:
            return constant(value, dtype=hint, name=name or "Const")
        except (TypeError, ValueError):
            return constant(value, name=name or "Const")
    return constant(value, dtype=want, name=name or "Const")


def as_node(value: Any, graph: Any = None) -> Node:
    """An Operation, Tensor (its op), Variable or name -> the IR node (for control deps)."""
    if isinstance(value, Operation):
        return value.node
    if isinstance(value, Tensor):
        return value.op.node
    if hasattr(value, "_as_graph_element"):
        return as_node(value._as_graph_element(), graph)
    if hasattr(value, "op") and isinstance(value.op, Operation):
        return value.op.node
    if isinstance(value, str) and graph is not None:
        return graph.as_graph_element(value).node if ":" not in value else graph.as_graph_element(value).op.node
    raise TypeError(f"Can not use {value!r} as a control input; expected an Operation or Tensor.")


def as_text_array(value: Any) -> np.ndarray:
    """A string tensor's value: an object array of `str` (bytes are decoded as UTF-8, as TF
    stores them); `Session.run` gives them back as bytes, as TF does."""
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, item in enumerate(flat):
        if isinstance(item, (bytes, np.bytes_)):
            flat[i] = bytes(item).decode("utf-8", "surrogateescape")
        elif isinstance(item, np.str_):
            flat[i] = str(item)
    return arr


def _to_numpy(value: Any, dtype: DType | None) -> np.ndarray:
    if dtype is None:
        dtype = dtype_of_python_value(value)
        if dtype.name == "string":
            return as_text_array(value)
        return np.asarray(value, dtype=dtype.np_dtype)
    if dtype.name == "string":
        return as_text_array(value)
    arr = np.asarray(value)
    if arr.dtype == object:
        raise TypeError(f"cannot convert {value!r} to a {dtype.name} tensor")
    if (dtype.is_integer or dtype.is_bool) and arr.dtype.kind == "f" and arr.size:
        # TF refuses Python floats for integer tensors; NumPy float arrays only when integral
        if not isinstance(value, np.ndarray) or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)) \
                or dtype.is_bool:
            raise TypeError(f"Expected {dtype.name}, got {value!r} of type '{type(value).__name__}' instead.")
    if dtype.is_integer and arr.dtype.kind in "iu" and not fits(arr, dtype):
        raise ValueError(f"value {value!r} does not fit in {dtype.name}")
    if dtype.is_bool and arr.dtype.kind != "b":
        raise TypeError(f"Expected bool, got {value!r} of type '{type(value).__name__}' instead.")
    if not dtype.is_bool and arr.dtype.kind == "b" and not isinstance(value, np.ndarray):
        raise TypeError(f"Expected {dtype.name}, got {value!r} of type 'bool' instead.")
    return arr.astype(dtype.np_dtype)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const", verify_shape: bool = False) -> Tensor:
    """`tf.constant`: a literal; a scalar value with a `shape` fills that shape."""
    from .graph import get_default_graph

    want = as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        raise TypeError(f"tf.constant expects a Python or NumPy value, got Tensor {value.name}")
    arr = _to_numpy(value, want)
    if shape is not None:
        shape_t = as_shape(shape)
        target = tuple(shape_t.as_list())
        if arr.shape != target:
            if verify_shape:
                raise TypeError(f"Expected Tensor's shape: {target}, got {arr.shape}.")
            if arr.size == 1:
                arr = np.full(target, arr.reshape(()), dtype=arr.dtype)
            elif arr.size == int(np.prod(target)):
                arr = arr.reshape(target)
            else:
                raise TypeError(f"Eager execution of tf.constant with unsupported shape: value has {arr.size} "
                                f"elements, shape is {list(target)} with {int(np.prod(target))} elements.")
    arr = np.ascontiguousarray(arr).reshape(np.shape(arr))  # ascontiguousarray makes 0-d arrays 1-d
    arr.setflags(write=False)
    op = get_default_graph().create_op("Const", [], {"value": arr, "dtype": as_dtype(arr.dtype)}, name=name)
    return op.outputs[0]


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)

