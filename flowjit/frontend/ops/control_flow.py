"""TF1 API: control flow and debugging -- cond, case, while_loop, group, tuple, Print, print,
Assert and the check ops (assert_equal, ...), check_numerics.

Control flow is structured (see flowjit/ir/ops/control.py): `tf.cond` traces each branch
function into a function-body graph (frontend/framework/func_graph.py) and adds one `If` node;
`tf.while_loop` traces cond and body into one `While` node. Only the taken branch runs,
including its side effects, and a loop body runs once per iteration, sharing the session's
variables:

    >>> x = tf.placeholder(tf.float32, [])
    >>> y = tf.cond(x > 0, lambda: x * 2.0, lambda: -x)
    >>> i, total = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i), (0, 0))

Semantics worth knowing (TF1's, unless said otherwise):
  * A branch returns tensors, Python values, variables, operations or None, nested in
    lists/tuples/dicts; both branches must return the same structure and dtypes. An operation
    returned by a branch runs when that branch is taken; its place in the result is a bool
    tensor (True), as in TF. A singleton list is unpacked unless `strict=True`.
  * Ops a branch builds run only if the branch returns them or something that depends on
    them (data or control dependency), as in TF1 -- e.g. `with tf.control_dependencies([p]):`.
  * `pred` may also be a Python bool (flowjit accepts it; TF1 raises TypeError).
  * Variables: see frontend/framework/func_graph.py (a snapshot `v` is read when the If/While starts;
    `v.read_value()`, `tf.assign(v, ...)` inside a body act when they run).
  * Gradients: frontend/grad/control_flow_grad.py.
"""

from __future__ import annotations

import collections
import pprint
import random as _random
import sys
import types
from typing import Any, Callable, Sequence

import numpy as np

from ...ir import dtypes, errors
from ...ir.dtypes import as_dtype
from ...ir.registry import static_value
from ...ir.shapes import TensorShape, as_shape
from ..framework.func_graph import FuncGraph, build_bodies
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor, as_node, constant, convert_to_tensor

__all__ = [
    "group", "no_op", "tuple", "with_dependencies",
    "Print", "print", "Assert",
    "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
    "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
    "assert_non_positive", "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_type",
    "assert_integer", "assert_scalar", "assert_near", "assert_same_float_dtype",
    "check_numerics", "verify_tensor_all_finite", "add_check_numerics_ops",
    "is_numeric_tensor", "is_non_decreasing", "is_strictly_increasing",
    "cond", "case", "switch_case", "while_loop", "debugging",
]

_builtin_tuple = tuple
_builtin_print = print


# --- nested structures -------------------------------------------------------------------

def _is_sequence(x: Any) -> bool:
    return isinstance(x, (list, _builtin_tuple, dict, collections.abc.Mapping))


def _sorted_keys(d: Any) -> list:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _flatten(structure: Any) -> list[Any]:
    """Leaves of a nest of lists, tuples, namedtuples and dicts (dicts in sorted key order)."""
    if isinstance(structure, collections.abc.Mapping):
        return [leaf for k in _sorted_keys(structure) for leaf in _flatten(structure[k])]
    if isinstance(structure, (list, _builtin_tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _pack(structure: Any, leaves: Sequence[Any]) -> Any:
    it = iter(leaves)

    def build(s: Any) -> Any:
        if isinstance(s, collections.abc.Mapping):
            items = {k: build(s[k]) for k in _sorted_keys(s)}
            try:
                return type(s)((k, items[k]) for k in s)
            except TypeError:
                return {k: items[k] for k in s}
        if isinstance(s, _builtin_tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(x) for x in s])
        if isinstance(s, _builtin_tuple):
            return _builtin_tuple(build(x) for x in s)
        if isinstance(s, list):
            return [build(x) for x in s]
        return next(it)

    return build(structure)


def _same_structure(a: Any, b: Any) -> bool:
    """Same nesting (list and tuple interchangeable, as TF's check_types=False)."""
    if isinstance(a, collections.abc.Mapping) or isinstance(b, collections.abc.Mapping):
        return (isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping)
                and set(a) == set(b) and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, (list, _builtin_tuple)) or isinstance(b, (list, _builtin_tuple)):
        return (isinstance(a, (list, _builtin_tuple)) and isinstance(b, (list, _builtin_tuple))
                and len(a) == len(b) and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


# --- grouping ----------------------------------------------------------------------------

def no_op(name: str | None = None) -> Operation:
    """`tf.no_op`: does nothing; useful as a target that only carries control dependencies."""
    return get_default_graph().create_op("NoOp", [], {}, name=name or "NoOp")


def _ops_of(inputs: Any) -> list[Operation]:
    graph = get_default_graph()
    out: list[Operation] = []
    for x in _flatten(list(inputs)):
        if x is None:
            continue
        if isinstance(x, Operation):
            op = x
        else:
            node = as_node(x, graph)
            op = node.graph.wrap(node)
        if op not in out:
            out.append(op)
    return out


def group(*inputs: Any, **kwargs: Any) -> Operation:
    """`tf.group(*inputs, name=None)`: a NoOp that runs after all of `inputs` (ops or tensors)."""
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"Unknown keyword arguments: {', '.join(kwargs)}")
    graph = get_default_graph()
    ops = _ops_of(inputs)
    with graph.name_scope(name or "group_deps") as scope:
        with graph.control_dependencies(None):
            return graph.create_op("NoOp", [], {}, name=scope, control_inputs=ops)


def with_dependencies(dependencies: Sequence[Any], output_tensor: Any, name: str | None = None) -> Any:
    """An identity of `output_tensor` that runs only after `dependencies` (TF's with_dependencies)."""
    graph = get_default_graph()
    with graph.name_scope(name or "control_dependency") as scope:
        with graph.control_dependencies(list(dependencies)):
            if isinstance(output_tensor, Operation):
                return group(output_tensor, name=scope)
            t = convert_to_tensor(output_tensor)
            return graph.create_op("Identity", [t], {}, name=scope).outputs[0]


def tuple(tensors: Sequence[Any], name: str | None = None,  # noqa: A001
          control_inputs: Sequence[Any] | None = None) -> list[Any]:
    """`tf.tuple`: the tensors, each available only after all of them (and `control_inputs`) are computed."""
    graph = get_default_graph()
    with graph.name_scope(name or "tuple"):
        tensors = [t if (isinstance(t, (Operation, Tensor)) or t is None) else convert_to_tensor(t) for t in tensors]
        gating = _ops_of([t for t in tensors if t is not None])
        if control_inputs:
            for c in _ops_of(control_inputs):
                if c not in gating:
                    gating.append(c)
        if not gating:
            raise ValueError(f"Must have at least one Tensor: {tensors}")
        gate = group(*gating)
        out = []
        for t in tensors:
            if isinstance(t, Tensor):
                out.append(with_dependencies([gate], t))
            elif isinstance(t, Operation):
                with graph.control_dependencies([gate]):
                    out.append(group(t))
            else:
                out.append(None)
        return out


# --- printing ----------------------------------------------------------------------------

def _as_data(values: Any) -> list[Tensor]:
    if values is None:
        return []
    if isinstance(values, (Tensor,)) or not isinstance(values, (list, _builtin_tuple)):
        values = [values]
    return [convert_to_tensor(v) for v in values]


def Print(input_: Any, data: Any, message: str | None = None, first_n: int | None = None,  # noqa: N802
          summarize: int | None = None, name: str | None = None) -> Tensor:
    """`tf.Print`: an identity of `input_` that writes `message` and the values of `data` to
    stderr each time it runs, as TF prints them: `message[1 2 3...][5]`.

    `summarize` elements of each tensor are shown (default 3); `first_n` limits how many times
    it prints in one session. Like any op it runs only if something fetched depends on it.
    """
    graph = get_default_graph()
    x = convert_to_tensor(input_)
    attrs = {"message": "" if message is None else str(message),
             "first_n": -1 if first_n is None else int(first_n),
             "summarize": 3 if summarize is None else int(summarize)}
    return graph.create_op("Print", [x] + _as_data(data), attrs, name=name or "Print").outputs[0]


def _stream_name(stream: Any) -> str:
    if stream is sys.stdout or stream is getattr(sys, "__stdout__", None):
        return "stdout"
    if stream is sys.stderr or stream is getattr(sys, "__stderr__", None):
        return "stderr"
    if isinstance(stream, str):
        if stream in ("stdout", "stderr") or stream.startswith("file://"):
            return stream
        if stream in ("log(info)", "log(warning)", "log(error)"):
            return stream
    import logging

    if stream in (logging.info, logging.warning, logging.error):
        return f"log({stream.__name__})"
    raise ValueError(f"Unsupported output stream, logging level, or file: {stream}. Supported streams are "
                     "sys.stdout, sys.stderr, tf.logging.info, tf.logging.warning, tf.logging.error, or a "
                     "string 'file://<path>'")


def _placeholder_for(text: str, default: str = "{}") -> str:
    placeholder = default
    rng = _random.Random(5)
    while placeholder in text:
        placeholder = placeholder + str(rng.randint(0, 9))
    return placeholder


def _is_tensor_like(x: Any) -> bool:
    if isinstance(x, Tensor):
        return True
    return hasattr(x, "_as_graph_element") and hasattr(x, "dtype") and not isinstance(x, Operation)


def string_format(template: str, inputs: Sequence[Any], placeholder: str = "{}", summarize: int = 3,
                  name: str | None = None) -> Tensor:
    """`tf.strings.format`: a scalar string tensor, `template` with each placeholder replaced by
    the next input formatted like tf.print formats tensors."""
    tensors = [convert_to_tensor(t) for t in (inputs if isinstance(inputs, (list, _builtin_tuple)) else [inputs])]
    return get_default_graph().create_op("StringFormat", tensors, {"template": template, "placeholder": placeholder,
                                                                   "summarize": int(summarize)},
                                         name=name or "StringFormat").outputs[0]


def print(*inputs: Any, **kwargs: Any) -> Operation:  # noqa: A001
    """`tf.print(*inputs, output_stream=sys.stderr, summarize=3, sep=' ', end='\\n', name=None)`.

    Returns the printing operation: in a graph it prints when that op runs (fetch it or make
    something depend on it). Strings are printed as they are, tensors numpy-like
    (`[0 1 2 ... 7 8 9]`, `summarize` elements from each end of each dimension), other Python
    values (and structures holding tensors) by their `pprint` text.
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", "\n")
    name = kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    stream = _stream_name(output_stream)
    graph = get_default_graph()
    summarize = 3 if summarize is None else int(summarize)
    with graph.name_scope(name or "PrintV2") as scope:
        if (len(inputs) == 1 and _is_tensor_like(inputs[0]) and convert_to_tensor(inputs[0]).dtype == dtypes.string
                and convert_to_tensor(inputs[0]).shape.rank == 0):
            text = convert_to_tensor(inputs[0])
        else:
            free = [_pack(x, ["" if _is_tensor_like(leaf) else leaf for leaf in _flatten(x)]) if _is_sequence(x)
                    else ("" if _is_tensor_like(x) else x) for x in inputs]
            placeholder = _placeholder_for(" ".join(pprint.pformat(x) for x in free))
            templates = []
            tensors = []
            for x in inputs:
                slots = []
                for leaf in _flatten(x):
                    if _is_tensor_like(leaf):
                        tensors.append(convert_to_tensor(leaf))
                        slots.append(placeholder)
                    else:
                        slots.append(leaf)
                if isinstance(x, str):
                    templates.append(x)
                else:
                    templates.append(pprint.pformat(_pack(x, slots) if _is_sequence(x) else slots[0]))
            template = sep.join(templates).replace("'" + placeholder + "'", placeholder)
            text = string_format(template, tensors, placeholder=placeholder, summarize=summarize, name="StringFormat")
        return graph.create_op("PrintV2", [text], {"output_stream": stream, "end": end}, name=scope)


# --- Assert and the check ops ------------------------------------------------------------

def Assert(condition: Any, data: Any, summarize: int | None = None, name: str | None = None) -> Operation:  # noqa: N802
    """`tf.Assert`: an operation that fails with InvalidArgumentError
    `assertion failed: [data 0] [data 1] ...` (each tensor summarized to `summarize` elements)
    when `condition` is false at run time. It runs only when fetched or depended on."""
    graph = get_default_graph()
    with graph.name_scope(name or "Assert"):
        condition = convert_to_tensor(condition, name="Condition") if not isinstance(condition, Tensor) else condition
        if isinstance(condition, Tensor) and not condition.dtype.is_bool:
            raise TypeError(f"Assert condition must be a bool tensor, got {condition.dtype.name} ({condition.name})")
        xs = _as_data(data)
        return graph.create_op("Assert", [condition] + xs, {"summarize": 3 if summarize is None else int(summarize)},
                               name="Assert")


def _math():
    from . import math_ops

    return math_ops


def _array():
    from . import array_ops

    return array_ops


def _static_text(x: Any) -> str:
    if not isinstance(x, Tensor):
        return str(x)
    known = static_value(x.value)
    return str(known) if known is not None else str(x)


def _assert_static(condition: bool, data: Sequence[Any]) -> None:
    if not condition:
        raise errors.InvalidArgumentError(None, None, "\n".join(_static_text(x) for x in data))


_BINARY = {
    "==": ("assert_equal", "equal", np.equal),
    "!=": ("assert_none_equal", "not_equal", np.not_equal),
    "<": ("assert_less", "less", np.less),
    "<=": ("assert_less_equal", "less_equal", np.less_equal),
    ">": ("assert_greater", "greater", np.greater),
    ">=": ("assert_greater_equal", "greater_equal", np.greater_equal),
}


def _binary_assert(sym: str, x: Any, y: Any, data: Any, summarize: Any, message: Any, name: Any) -> Operation:
    opname, fn_name, np_fn = _BINARY[sym]
    graph = get_default_graph()
    with graph.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype_hint=x.dtype)
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:", f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = _math().reduce_all(getattr(_math(), fn_name)(x, y))
        xs, ys = static_value(x.value), static_value(y.value)
        if xs is not None and ys is not None:
            _assert_static(bool(np.all(np_fn(xs, ys))), data)
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    """`tf.assert_equal`: fails at run time unless x == y element-wise (at build time when both are known)."""
    return _binary_assert("==", x, y, data, summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("!=", x, y, data, summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<", x, y, data, summarize, message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert("<=", x, y, data, summarize, message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">", x, y, data, summarize, message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert(">=", x, y, data, summarize, message, name)


def _unary_assert(opname: str, sym: str, zero_first: bool, binary: Callable, x: Any, data: Any, summarize: Any,
                  message: Any, name: Any) -> Operation:
    graph = get_default_graph()
    with graph.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        if data is None:
            data = [message or "", f"Condition x {sym} 0 did not hold element-wise:", f"x ({x.name}) = ", x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        return binary(zero, x, data=data, summarize=summarize) if zero_first else binary(x, zero, data=data,
                                                                                          summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert("assert_positive", ">", True, assert_less, x, data, summarize, message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert("assert_negative", "<", False, assert_less, x, data, summarize, message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert("assert_non_negative", ">=", True, assert_less_equal, x, data, summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert("assert_non_positive", "<=", False, assert_less_equal, x, data, summarize, message, name)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """`tf.assert_near`: |x - y| <= atol + rtol * |y| element-wise (defaults: 10 * eps of the dtype)."""
    m = _math()
    graph = get_default_graph()
    with graph.name_scope(name or "assert_near"):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        eps = float(np.finfo(x.dtype.np_dtype).eps)
        rtol = convert_to_tensor(10 * eps if rtol is None else rtol, name="rtol", dtype=x.dtype)
        atol = convert_to_tensor(10 * eps if atol is None else atol, name="atol", dtype=x.dtype)
        if data is None:
            data = [message or "", "x and y not equal to tolerance rtol = ", rtol, ", atol = ", atol,
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = m.add(atol, m.multiply(rtol, m.abs(y)))
        diff = m.abs(m.subtract(x, y))
        return Assert(m.reduce_all(m.less_equal(diff, tol)), data, summarize=summarize)


def _prefix(message: Any) -> str:
    return f"{message}.  " if message else ""


def _static_rank_check(opname: str, x: Any, rank: Any, test: Callable[[int, Any], bool], describe: str,
                       data: Any, summarize: Any, message: Any, name: Any, dynamic: Callable) -> Any:
    graph = get_default_graph()
    with graph.name_scope(name or opname):
        x = convert_to_tensor(x, name="x")
        rank_t = rank if isinstance(rank, Tensor) else None
        rank_v = static_value(rank_t.value) if rank_t is not None else np.asarray(rank)
        if rank_v is not None and np.ndim(rank_v) > 1:
            raise ValueError(f"{opname}: rank must be a scalar or a vector, got {rank_v!r}")
        actual = x.shape.rank
        if actual is not None and rank_v is not None:
            if not test(actual, rank_v):
                raise ValueError(f"{_prefix(message)}Tensor {x.name} must have {describe(rank_v)}.  "
                                 f"Received rank {actual}, shape {x.shape}")
            return no_op(name="static_checks_determined_all_ok")
        rank_t = rank_t if rank_t is not None else convert_to_tensor(rank, name="rank")
        if data is None:
            data = [_prefix(message), f"Tensor {x.name} must have {describe(None)}", rank_t, "Received shape: ",
                    _array().shape(x)]
        return Assert(dynamic(_array().rank(x), rank_t), data, summarize=summarize)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """`tf.assert_rank`: ValueError at build time when the rank is known and wrong; otherwise an Assert."""
    return _static_rank_check("assert_rank", x, rank, lambda a, r: a == int(r),
                              lambda r: "rank" if r is None else f"rank {int(r)}", data, summarize, message, name,
                              lambda a, r: _math().equal(a, r))


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    return _static_rank_check("assert_rank_at_least", x, rank, lambda a, r: a >= int(r),
                              lambda r: "rank at least" if r is None else f"rank at least {int(r)}", data, summarize,
                              message, name, lambda a, r: _math().greater_equal(a, r))


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    ranks_list = [int(r) for r in ranks]
    shown = _builtin_tuple(ranks_list)
    return _static_rank_check("assert_rank_in", x, np.array(ranks_list, dtype=np.int32),
                              lambda a, r: a in [int(v) for v in np.reshape(r, [-1])],
                              lambda r: "rank in" if r is None else f"rank in {shown}", data, summarize,
                              message, name, lambda a, r: _math().reduce_any(_math().equal(a, r)))


def assert_type(tensor, tf_type, message=None, name=None):
    """`tf.assert_type`: a static check; TypeError unless `tensor` has dtype `tf_type`."""
    tensor = convert_to_tensor(tensor, name="tensor")
    want = as_dtype(tf_type)
    if tensor.dtype != want:
        raise TypeError(f"{_prefix(message)}{tensor.name} must be of type {want!r}; got {tensor.dtype!r}")
    return no_op(name=name or "statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """`tf.assert_integer`: a static check; TypeError unless `x` has an integer dtype."""
    graph = get_default_graph()
    with graph.name_scope(name or "assert_integer"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError(f'{_prefix(message)}Expected "x" to be integer type.  Found: {x.name} of dtype '
                            f"<dtype: '{x.dtype.name}'>")
        return no_op(name="statically_determined_was_integer")


def assert_scalar(tensor, name=None, message=None):
    """`tf.assert_scalar`: returns `tensor`; ValueError unless its rank is statically 0."""
    graph = get_default_graph()
    with graph.name_scope(name or "assert_scalar"):
        tensor = convert_to_tensor(tensor, name="tensor")
        rank = tensor.shape.rank
        if rank != 0:
            if rank is None:
                raise ValueError(f"{_prefix(message)}Expected scalar shape for {tensor.name}, saw unknown shape.")
            raise ValueError(f"{_prefix(message)}Expected scalar shape for {tensor.name}, saw shape: {tensor.shape}.")
        return tensor


def assert_same_float_dtype(tensors=None, dtype=None):
    """The common floating dtype of `tensors` (and `dtype`); ValueError when they differ."""
    found = as_dtype(dtype) if dtype is not None else None
    for t in tensors or []:
        d = t.dtype
        if found is None:
            found = d
        elif d != found:
            raise ValueError(f"Expected {found!r}, got {d!r} for tensor {t.name}.")
    if found is None:
        return dtypes.float32
    if not found.is_floating:
        raise ValueError(f"Expected floating point type, got {found!r}.")
    return found


def check_numerics(tensor, message, name=None):
    """`tf.check_numerics`: an identity that fails with InvalidArgumentError
    `<message> : Tensor had NaN values` (or Inf, or Inf and NaN) when its input has them."""
    t = convert_to_tensor(tensor)
    return get_default_graph().create_op("CheckNumerics", [t], {"message": str(message)},
                                         name=name or "CheckNumerics").outputs[0]


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None):
    """`tf.verify_tensor_all_finite(t, msg)`: `t`, checked for NaN and Inf when it is computed."""
    t = x if t is None else t
    msg = message if msg is None else msg
    graph = get_default_graph()
    with graph.name_scope(name or "VerifyFinite"):
        t = convert_to_tensor(t, name="t")
        return check_numerics(t, message=msg)


def add_check_numerics_ops():
    """`tf.add_check_numerics_ops`: one op checking every floating-point tensor of the graph.

    Tensors inside cond/while bodies are not checked (TF1 refuses graphs with control flow;
    flowjit checks the outputs of the If/While ops instead)."""
    graph = get_default_graph()
    checks: list[Any] = []
    for op in graph.get_operations():
        for out in op.outputs:
            if out.dtype.is_floating:
                with graph.control_dependencies(checks):
                    checks = [check_numerics(out, message=f"{op.name}:{out.value_index}")]
    return group(*checks)


def is_numeric_tensor(tensor):
    return isinstance(tensor, Tensor) and tensor.dtype.is_numeric


def _monotonic(x, name, default, test):
    graph = get_default_graph()
    with graph.name_scope(name or default):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_numeric:
            raise TypeError(f"Expected x to be numeric, got {x.dtype!r}")
        flat = _array().reshape(x, [-1])
        diff = _math().subtract(flat[1:], flat[:-1])
        return _math().reduce_all(test(diff, convert_to_tensor(0, dtype=x.dtype)))


def is_non_decreasing(x, name=None):
    return _monotonic(x, name, "is_non_decreasing", lambda d, z: _math().greater_equal(d, z))


def is_strictly_increasing(x, name=None):
    return _monotonic(x, name, "is_strictly_increasing", lambda d, z: _math().greater(d, z))


# --- cond ---------------------------------------------------------------------------------

def _as_pred(pred: Any) -> Tensor:
    if isinstance(pred, (bool, np.bool_)):
        return constant(bool(pred), name="pred")
    t = convert_to_tensor(pred)
    if not t.dtype.is_bool:
        raise TypeError(f"pred must be a bool tensor, got {t.dtype.name} ({t.name})")
    if t.shape.rank not in (None, 0):
        raise ValueError(f"pred must be a scalar, got shape {t.shape} ({t.name})")
    return t


class _Traced:
    """A traced branch: its FuncGraph, the structure it returned, the flat results (inner
    tensors, None where the branch returned None) and the ops it returned (targets)."""

    def __init__(self, fg: FuncGraph, structure: Any, flat: list[Any], targets: list[Operation]) -> None:
        self.fg = fg
        self.structure = structure
        self.flat = flat
        self.targets = targets


def _trace_branch(fn: Callable[[], Any], what: str, graph: Any, base: str) -> _Traced:
    fg = FuncGraph(what, graph, base)
    with fg.as_default():
        structure = fn()
        if structure is None:
            raise ValueError(f"{what} must have a return value.")
        flat: list[Any] = []
        targets: list[Operation] = []
        for leaf in _flatten(structure):
            if leaf is None:
                flat.append(None)
            elif isinstance(leaf, Operation):
                if leaf.graph is fg:
                    targets.append(leaf)
                else:
                    if leaf.node not in fg.outer_control_inputs:
                        fg.outer_control_inputs.append(leaf.node)
                flat.append(constant(True, name="op_done"))
            else:
                flat.append(fg.make_local(leaf))
    return _Traced(fg, structure, flat, targets)


def _describe(structure: Any) -> str:
    return repr(structure)


def _make_if(pred: Tensor, then: _Traced, other: _Traced, scope: str) -> Operation:
    graph = get_default_graph()
    outputs = (f"true_fn output: {_describe(then.structure)}\n"
               f"false_fn output: {_describe(other.structure)}")
    if not _same_structure(then.structure, other.structure) or len(then.flat) != len(other.flat):
        raise ValueError(f"true_fn and false_fn must return the same nested structure.\n{outputs}")
    for a, b in zip(then.flat, other.flat):
        if (a is None) != (b is None):
            raise ValueError(f"true_fn and false_fn must return None at the same positions.\n{outputs}")
        if a is not None and a.dtype != b.dtype:  # a ValueError, as in TF1
            raise ValueError(f"Outputs of true_fn and false_fn must have the same type: {a.dtype.name}, "
                             f"{b.dtype.name} ({a.name} and {b.name}).\n{outputs}")
    then_res = [t for t in then.flat if t is not None]
    other_res = [t for t in other.flat if t is not None]
    shared, (then_body, else_body) = build_bodies([then.fg, other.fg], [then_res, other_res],
                                                  [then.targets, other.targets])
    controls = []
    for n in then.fg.outer_control_inputs + other.fg.outer_control_inputs:
        if n not in controls:
            controls.append(n)
    return graph.create_op("If", [pred] + shared,
                           {"then_branch": then_body, "else_branch": else_body, "num_exports": 0},
                           name=scope, control_inputs=[n.graph.wrap(n) for n in controls])


def _tf1_named(outputs: Sequence[Tensor], base: str, first: int = 0) -> list[Tensor]:
    """The results of an If/While node under the names TF1's control flow gives them
    (cond/Merge, cond/Merge_1 ...; while/Exit, while/Exit_1 ...), as identities in its scope."""
    a = _array()
    return [a.identity(t, name=base if i == 0 else f"{base}_{i}") for i, t in enumerate(outputs, start=first)]


def _unpack_singleton(x: Any) -> Any:
    if isinstance(x, (list, _builtin_tuple)) and len(x) == 1:
        return x[0]
    return x


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`tf.cond`: `true_fn()` if `pred` else `false_fn()`; only the taken branch runs.

    Both functions are traced once (into function bodies of one `If` node) and must return the
    same structure of tensors with the same dtypes; the result's static shapes are the most
    specific shapes both branches satisfy.
    """
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): true_fn and fn1 may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): false_fn and fn2 may not be set simultaneously.")
        false_fn = fn2
    if true_fn is None:
        raise TypeError("cond(): true_fn argument required")
    if false_fn is None:
        raise TypeError("cond(): false_fn argument required")
    if not callable(true_fn):
        raise TypeError("true_fn must be callable.")
    if not callable(false_fn):
        raise TypeError("false_fn must be callable.")
    graph = get_default_graph()
    with graph.name_scope(name or "cond") as scope:
        pred_t = _as_pred(pred)
        base = scope[:-1]
        then = _trace_branch(true_fn, "true_fn", graph, base)
        other = _trace_branch(false_fn, "false_fn", graph, base)
        op = _make_if(pred_t, then, other, scope)
        outs = iter(_tf1_named(op.outputs, "Merge"))
        flat = [None if leaf is None else next(outs) for leaf in then.flat]
        result = _pack(then.structure, flat)
    if not strict:
        result = _unpack_singleton(result)
    return result


# --- case and switch_case -----------------------------------------------------------------

def _assert_at_most_n_true(predicates: Sequence[Tensor], n: int, msg: str) -> Operation:
    m, a = _math(), _array()
    preds_c = a.stack(list(predicates), name="preds_c")
    num_true = m.reduce_sum(m.cast(preds_c, dtypes.int32), name="num_true_conds")
    condition = m.less_equal(num_true, constant(n, name="n_true_conds"))
    names = ", ".join(getattr(p, "name", "?") for p in predicates)
    data = [f"{msg}: more than {n} conditions ({names}) evaluated as True:", preds_c]
    return Assert(condition, data=data, summarize=len(predicates))


def _canonical_pairs(pred_fn_pairs: Any, exclusive: bool) -> tuple[list[Tensor], list[Callable]]:
    if not isinstance(pred_fn_pairs, (list, _builtin_tuple, dict, collections.abc.Mapping)):
        raise TypeError("fns must be a list, tuple, or dict")
    if isinstance(pred_fn_pairs, collections.OrderedDict):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, collections.abc.Mapping):
        pairs = sorted(pred_fn_pairs.items(), key=lambda item: item[0].name)
    else:
        pairs = list(pred_fn_pairs)
    preds, fns = [], []
    for pair in pairs:
        if not isinstance(pair, _builtin_tuple) or len(pair) != 2:
            raise TypeError("Each entry in pred_fn_pairs must be a 2-tuple")
        pred, fn = pair
        if isinstance(pred, Tensor):
            if not pred.dtype.is_bool:
                raise TypeError(f"pred must be Tensor of type bool: {pred.name}")
        else:
            raise TypeError(f"pred must be a Tensor, got: {pred}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
        preds.append(pred)
        fns.append(fn)
    return preds, fns


def _identity_structure(structure: Any) -> Any:
    graph = get_default_graph()

    def ident(leaf: Any) -> Any:
        if leaf is None:
            return None
        if isinstance(leaf, Operation):
            return group(leaf)
        t = convert_to_tensor(leaf)
        return graph.create_op("Identity", [t], {}, name="Identity").outputs[0]

    if _is_sequence(structure):
        return _pack(structure, [ident(x) for x in _flatten(structure)])
    return ident(structure)


def _case_helper(preds: list[Tensor], fns: list[Callable], default: Callable | None, exclusive: bool,
                 strict: bool, name: str) -> Any:
    graph = get_default_graph()
    with graph.name_scope(name or "case"):
        if default is None:
            if not preds:
                raise ValueError("case needs at least one (pred, fn) pair or a default")
            k = len(preds) - 1
            last_pred, last_fn = preds[k], fns[k]
            others = preds[:k]
            all_preds = list(preds)

            def default_action() -> Any:
                checks = []
                if others:
                    checks.append(_assert_at_most_n_true(
                        others, 0, f"Implementation error: selected default action #{k} was called, but some of "
                                   "other predicates are True"))
                checks.append(Assert(last_pred, data=["Input error: None of conditions evaluated as True:",
                                                      _array().stack(all_preds, name="preds_c")],
                                     summarize=len(all_preds)))
                with get_default_graph().control_dependencies(checks):
                    return _identity_structure(last_fn())

            default, preds, fns = default_action, others, fns[:k]
        fn = default
        for pred, action in reversed(list(zip(preds, fns))):
            fn = (lambda p, a, f: (lambda: cond(p, a, f, strict=strict)))(pred, action, fn)
        if exclusive and preds:
            with graph.control_dependencies([_assert_at_most_n_true(preds, 1, "Input error: exclusive=True")]):
                return fn()
        return fn()


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """`tf.case`: the result of the fn of the first true predicate (nested conds, in order).

    `pred_fn_pairs` is a list of (bool tensor, callable) or a dict (ordered by predicate name).
    `default=None` makes the last pair the default and adds a run-time check that some
    predicate holds. `exclusive=True` checks at run time that at most one predicate is true.
    """
    preds, fns = _canonical_pairs(pred_fn_pairs, exclusive)
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    return _case_helper(preds, fns, default, exclusive, strict, name)


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """`tf.switch_case`: `branch_fns[branch_index]()`; out-of-range indices run `default`
    (the last branch when None). `branch_fns` is a list of callables, of (int, callable)
    pairs, or a dict {int: callable}."""
    if isinstance(branch_fns, collections.abc.Mapping):
        items = sorted(branch_fns.items())
    else:
        items = [b if isinstance(b, _builtin_tuple) else (k, b) for k, b in enumerate(branch_fns)]
    if not items:
        raise ValueError("Must provide at least one item in `branch_fns`.")
    for k, fn in items:
        if not isinstance(k, (int, np.integer)):
            raise TypeError(f"branch_fns keys must be ints, got {k!r}")
        if not callable(fn):
            raise TypeError(f"fn for branch {k} must be callable.")
    graph = get_default_graph()
    with graph.name_scope(name or "switch_case"):
        index = convert_to_tensor(branch_index, name="branch_index")
        if not index.dtype.is_integer:
            raise TypeError(f"branch_index must be an integer tensor, got {index.dtype.name}")
        if default is None:
            default = items[-1][1]
            items = items[:-1]
        fn = default
        for k, action in reversed(items):
            fn = (lambda p, a, f: (lambda: cond(p, a, f)))(_math().equal(index, convert_to_tensor(
                k, dtype=index.dtype)), action, fn)
        return fn()


# --- while_loop ---------------------------------------------------------------------------

def _loop_var(v: Any) -> Tensor:
    if isinstance(v, Operation):
        raise TypeError(f"loop_vars must be tensors, got the operation {v.name}")
    if _is_loop_leaf_object(v):
        return v._flowjit_loop_value()
    return convert_to_tensor(v)


def _is_loop_leaf_object(v: Any) -> bool:
    """An object that travels through a loop as one tensor (a TensorArray as its buffer): it has
    `_flowjit_loop_value()`, `_flowjit_loop_invariant()` and `_flowjit_from_loop_value(t)`."""
    return hasattr(v, "_flowjit_loop_value") and not isinstance(v, Tensor)


def _rewrap(templates: Sequence[Any], tensors: Sequence[Tensor]) -> list[Any]:
    """Loop tensors back into the objects they stand for (TF1's _make_tensor_array)."""
    return [t if tpl is None else tpl._flowjit_from_loop_value(t) for tpl, t in zip(templates, tensors)]


def _is_pending(v: Any) -> bool:
    """A loop-leaf object whose tensor does not exist yet (a TensorArray first written in the body)."""
    return _is_loop_leaf_object(v) and v._flowjit_loop_pending()


def _body_user_args(templates: Sequence[Any], args: list[Any], fg: FuncGraph, n_hidden: int) -> list[Any]:
    """The values cond/body see: tensors, rewrapped objects, and for a pending object one that
    creates its parameter in `fg` on first use (stored into `args`)."""
    out = []
    for k, tpl in enumerate(templates):
        slot = k + n_hidden
        if tpl is None:
            out.append(args[slot])
        elif args[slot] is None:
            def make(dtype: Any, shape: TensorShape, slot: int = slot) -> Tensor:
                if args[slot] is None:
                    args[slot] = fg.add_late_input(dtype, shape, "loop_var")
                return args[slot]
            out.append(tpl._flowjit_pending_in_loop(make))
        else:
            out.append(tpl._flowjit_from_loop_value(args[slot]))
    return out


def _shape_text(s: TensorShape) -> str:
    return str(s)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """`tf.while_loop`: repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`.

    `loop_vars` is a (nested) list/tuple/namedtuple of tensors or Python values (a single
    tensor is accepted too). A loop variable's shape must stay the same unless
    `shape_invariants` gives a less specific shape for it (ValueError at build time, as TF).
    `maximum_iterations` (int or scalar int tensor) bounds the number of iterations.
    Returns the final loop variables in the structure the body returns; a single variable is
    returned bare unless `return_same_structure`.
    """
    return _while_loop(cond, body, loop_vars, shape_invariants, parallel_iterations, back_prop, swap_memory, name,
                       maximum_iterations, return_same_structure)


def recording_while_loop(cond, body, loop_vars, records: list, **kwargs):
    """`while_loop` whose body may also append tensors to `records` (a list, empty at the start):
    the loop stacks them over its iterations (the While's recorded values, [trips, ...]: a
    growing per-step output with the loop's own gradient). On return `records` holds the
    stacked tensors; the loop's result is while_loop's."""
    if records:
        raise ValueError("records must start empty")
    return _while_loop(cond, body, loop_vars, records=records, **kwargs)


def _while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
                swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False,
                records: list | None = None):
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if parallel_iterations < 1:
        raise TypeError("parallel_iterations must be a positive integer.")
    if loop_vars is None or (isinstance(loop_vars, (list, _builtin_tuple)) and len(loop_vars) == 0):
        raise ValueError("No loop variables provided")
    graph = get_default_graph()
    with graph.name_scope(name or "while") as scope:
        base = scope[:-1]
        single = not isinstance(loop_vars, (list, _builtin_tuple))
        structure = (loop_vars,) if single else loop_vars
        leaves = _flatten(structure)
        templates = [v if _is_loop_leaf_object(v) else None for v in leaves]
        flat = [None if _is_pending(v) else _loop_var(v) for v in leaves]
        if shape_invariants is not None:
            inv_structure = (shape_invariants,) if single else shape_invariants
            flat_inv = _flatten_shapes(inv_structure)
            if len(flat_inv) != len(flat):
                raise ValueError(f"shape_invariants has {len(flat_inv)} shapes for {len(flat)} loop variables")
        else:
            flat_inv = [None if v is None else v.shape for v in flat]
        flat_inv = [inv if tpl is None or v is None else tpl._flowjit_loop_invariant()
                    for inv, tpl, v in zip(flat_inv, templates, flat)]
        for v, inv in zip(flat, flat_inv):
            if v is not None and not inv.is_compatible_with(v.shape):
                raise ValueError(f"The shape invariant specified for {v.name} is not compatible with the initial "
                                 f"shape of the loop variable. It enters the loop with shape {_shape_text(v.shape)}, "
                                 f"but the specified shape invariant is {_shape_text(inv)}.")

        max_attr, max_tensor = None, None
        if maximum_iterations is not None:
            if isinstance(maximum_iterations, (int, np.integer)) and not isinstance(maximum_iterations, bool):
                max_attr = int(maximum_iterations)
            else:
                mt = convert_to_tensor(maximum_iterations, name="maximum_iterations")
                if not mt.dtype.is_integer or mt.shape.rank not in (None, 0):
                    raise ValueError(f"maximum_iterations must be a scalar integer, got {mt.dtype.name}{mt.shape}")
                known = static_value(mt.value)
                if known is not None:
                    max_attr = int(known)
                else:
                    max_tensor = mt
        counter = None
        if max_tensor is not None:  # dynamic bound: a hidden counter loop variable, checked in cond
            counter = constant(0, dtype=max_tensor.dtype, name="iteration_counter")
            flat = [counter] + flat
            flat_inv = [TensorShape([])] + flat_inv
        n_hidden = 1 if counter is not None else 0

        cond_fg = FuncGraph("while_cond", graph, base)
        cond_args = [None if v is None else cond_fg.add_input(v.dtype, inv, "loop_var") for v, inv in zip(flat, flat_inv)]
        with cond_fg.as_default():
            user = _body_user_args(templates, cond_args, cond_fg, n_hidden)
            pred = cond(*_pack(structure, user))
            if isinstance(pred, (bool, np.bool_)):
                pred = constant(bool(pred))
            pred = cond_fg.make_local(pred)
            if not pred.dtype.is_bool:
                raise TypeError(f"cond of while_loop must return a bool tensor, got {pred.dtype.name} ({pred.name})")
            if pred.shape.rank not in (None, 0):
                raise ValueError(f"cond of while_loop must return a scalar, got shape {pred.shape} ({pred.name})")
            if counter is not None:
                pred = _math().logical_and(_math().less(cond_args[0], max_tensor), pred)

        body_fg = FuncGraph("while_body", graph, base)
        body_args = [None if v is None else body_fg.add_input(v.dtype, inv, "loop_var") for v, inv in zip(flat, flat_inv)]
        with body_fg.as_default():
            user = _body_user_args(templates, body_args, body_fg, n_hidden)
            result = body(*_pack(structure, user))
            if not _is_sequence(result):
                result = [result]
            if not _same_structure(list(structure), list(result)):
                raise ValueError("The two structures don't have the same nested structure.\n\n"
                                 f"First structure: {structure!r}\n\nSecond structure: {result!r}")
            out_flat = [body_fg.make_local(_loop_var(r)) for r in _flatten(result)]
            if len(out_flat) != len(flat) - n_hidden:
                raise ValueError(f"body returned {len(out_flat)} loop variables, expected {len(flat) - n_hidden}")
            _resolve_pending(graph, templates, flat, flat_inv, cond_args, body_args, out_flat, cond_fg, body_fg,
                             n_hidden)
            for v, r, inv in zip(flat[n_hidden:], out_flat, flat_inv[n_hidden:]):
                if r.dtype != v.dtype:
                    raise TypeError(f"Loop var {v.name} enters the loop with type {v.dtype!r} but has type "
                                    f"{r.dtype!r} after 1 iteration. {v.name} type should remain constant.")
                if not inv.is_compatible_with(r.shape):
                    raise ValueError(f"Input tensor '{v.name}' enters the loop with shape {_shape_text(inv)}, but "
                                     f"has shape {_shape_text(r.shape)} after one iteration. To allow the shape to "
                                     "vary across iterations, use the `shape_invariants` argument of tf.while_loop "
                                     "to specify a less-specific shape.")
            if counter is not None:
                out_flat = [_math().add(body_args[0], convert_to_tensor(1, dtype=counter.dtype))] + out_flat
            recorded = [body_fg.make_local(convert_to_tensor(r)) for r in records or ()]

        shared, (cond_body, loop_body) = build_bodies([cond_fg, body_fg], [[pred], out_flat + recorded], [[], []])
        controls = []
        for n in cond_fg.outer_control_inputs + body_fg.outer_control_inputs:
            if n not in controls:
                controls.append(n)
        op = graph.create_op("While", flat + shared,
                             {"cond": cond_body, "body": loop_body, "maximum_iterations": max_attr,
                              "parallel_iterations": int(parallel_iterations), "back_prop": bool(back_prop),
                              "num_exports": len(recorded)},
                             name=scope, control_inputs=[n.graph.wrap(n) for n in controls])
        if records is not None:
            records[:] = op.outputs[len(flat):]
        # TF1 counts maximum_iterations' counter as the first loop variable: user results from Exit_1
        outs = _tf1_named(op.outputs[n_hidden:len(flat)], "Exit", first=0 if maximum_iterations is None else 1)
        outs = _rewrap(templates, outs)
        packed = _pack(result, outs)
    if single or (not return_same_structure and len(outs) == 1):
        return outs[0]
    return packed


def _resolve_pending(graph: Any, templates: Sequence[Any], flat: list[Any], flat_inv: list[Any],
                     cond_args: list[Any], body_args: list[Any], out_flat: Sequence[Tensor], cond_fg: FuncGraph,
                     body_fg: FuncGraph, n_hidden: int) -> None:
    """Give every pending loop object (a TensorArray first written inside the body) its entry
    value -- zeros of the shape its first write in the body showed -- and its parameters in
    cond and body, then put both graphs' parameters back in loop-variable order."""
    for k, tpl in enumerate(templates):
        slot = k + n_hidden
        if flat[slot] is not None:
            continue
        arg = body_args[slot]
        inv = arg.shape if arg is not None else tpl._flowjit_pending_shape(out_flat[k].shape[1:])
        with graph.as_default():
            flat[slot] = tpl._flowjit_initial_value(inv)
        flat_inv[slot] = inv
        if arg is None:
            body_args[slot] = body_fg.add_late_input(flat[slot].dtype, inv, "loop_var")
        if cond_args[slot] is None:
            cond_args[slot] = cond_fg.add_late_input(flat[slot].dtype, inv, "loop_var")
    if len(cond_fg.inputs) != len(cond_args) or len(body_fg.inputs) != len(body_args):
        raise ValueError("a while_loop body created a loop variable it does not return")
    cond_fg.inputs = list(cond_args)
    body_fg.inputs = list(body_args)


def _flatten_shapes(structure: Any) -> list[TensorShape]:
    """Leaves of a shape_invariants structure: TensorShapes (a list of ints/None counts as one shape
    only when given as a TensorShape; plain lists are structure)."""
    if isinstance(structure, TensorShape):
        return [structure]
    if isinstance(structure, collections.abc.Mapping):
        return [s for k in _sorted_keys(structure) for s in _flatten_shapes(structure[k])]
    if isinstance(structure, (list, _builtin_tuple)):
        return [s for item in structure for s in _flatten_shapes(item)]
    return [as_shape(structure)]


# --- tf.debugging -------------------------------------------------------------------------

debugging = types.ModuleType("flowjit.debugging", "`tf.debugging`: assertions and numeric checks.")
for _name in ("Assert", "assert_equal", "assert_none_equal", "assert_less", "assert_less_equal", "assert_greater",
              "assert_greater_equal", "assert_positive", "assert_negative", "assert_non_negative",
              "assert_non_positive", "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_type",
              "assert_integer", "assert_scalar", "assert_near", "assert_same_float_dtype", "check_numerics",
              "is_numeric_tensor", "is_non_decreasing", "is_strictly_increasing"):
    setattr(debugging, _name, globals()[_name])
debugging.assert_all_finite = verify_tensor_all_finite


def _debugging_getattr(name: str) -> Any:
    if name in ("is_nan", "is_inf", "is_finite"):
        return getattr(_math(), name)
    raise AttributeError(f"module 'flowjit.debugging' has no attribute {name!r}")


debugging.__getattr__ = _debugging_getattr  # type: ignore[attr-defined]
