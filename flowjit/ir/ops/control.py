"""Control flow and debugging ops: If, While (structured, holding function bodies), Print,
PrintV2, StringFormat, Assert, CheckNumerics.

Structured control flow
-----------------------
flowjit does not use TF1's Switch/Merge/Enter/Exit dataflow. A conditional or a loop is one
node whose attrs hold function-body graphs (`ir.Graph` with `params`, `results`, `targets`):

  If     inputs (pred, *captured); attrs then_branch, else_branch, num_exports.
         Both branches take the captured values as params (same order, same dtypes) and return
         results of the same dtypes; output k has the most specific shape compatible with both
         branches' result k. Only the taken branch runs (its `targets` too: side-effect ops).
         The last `num_exports` outputs are intermediates exported for the gradient
         (frontend/grad/control_flow_grad.py), not user outputs.

  While  inputs (*loop_vars, *captured); attrs cond, body, maximum_iterations (int or None),
         parallel_iterations, back_prop, num_exports.
         `cond` and `body` take (*loop_vars, *captured) as params; `cond` returns one scalar
         bool, `body` returns the next loop vars followed by `num_exports` recorded values.
         Outputs: the final loop vars (shapes are the loop shape invariants, i.e. the body's
         param shapes), then one output per recorded value stacking it over all iterations
         (shape [trip_count, *value_shape]); recording exists for the gradient.

Running a body is `ctx.run_graph(body, args)`, so stateful ops inside (Assign, Print, Assert,
random) use the session's state exactly as they do outside.

Both ops are `stateful`: their bodies may have side effects, so passes must neither fold nor
merge them.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import Graph, OutputSpec
from ..loops import static_trip_count
from ..registry import register_op
from ..shapes import TensorShape
from ._util import same_as_input, spec


def most_specific_compatible_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    """The shape that both `a` and `b` satisfy: equal dims kept, others unknown."""
    if a.rank is None or b.rank is None or a.rank != b.rank:
        return TensorShape(None)
    return TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims)])


def _check_params(op: str, what: str, body: Graph, inputs: Sequence[Any]) -> None:
    if not isinstance(body, Graph):
        raise TypeError(f"{op} attr {what} must be an ir.Graph, got {type(body).__name__}")
    if len(body.params) != len(inputs):
        raise ValueError(f"{op} {what} takes {len(body.params)} parameters, the node passes {len(inputs)}")
    for k, (p, v) in enumerate(zip(body.params, inputs)):
        want = p.outputs[0]
        if want.dtype != v.dtype:
            raise TypeError(f"{op} {what} parameter {k} is {want.dtype.name}, "
                            f"the node passes {v.dtype.name} ({v.name})")
        if not want.shape.is_compatible_with(v.shape):
            raise ValueError(f"{op} {what} parameter {k} has shape {want.shape}, the node passes {v.shape} ({v.name})")


# --- If --------------------------------------------------------------------------------

def _if_infer(inputs, attrs):
    if not inputs:
        raise ValueError("If needs a predicate input")
    pred, captured = inputs[0], inputs[1:]
    if not pred.dtype.is_bool:
        raise TypeError(f"If predicate must be bool, got {pred.dtype.name}")
    if pred.shape.rank not in (None, 0):
        raise ValueError(f"If predicate must be a scalar, got shape {pred.shape}")
    then_b, else_b = attrs["then_branch"], attrs["else_branch"]
    _check_params("If", "then_branch", then_b, captured)
    _check_params("If", "else_branch", else_b, captured)
    if len(then_b.results) != len(else_b.results):
        raise ValueError(f"If branches return {len(then_b.results)} and {len(else_b.results)} values")
    out = []
    for k, (t, e) in enumerate(zip(then_b.results, else_b.results)):
        if t.dtype != e.dtype:
            raise TypeError(f"If output {k}: then_branch returns {t.dtype.name}, else_branch returns {e.dtype.name}")
        out.append(OutputSpec(t.dtype, most_specific_compatible_shape(t.shape, e.shape)))
    return out


def _if_kernel(ctx, pred, *captured):
    pred = np.asarray(pred)
    if pred.shape != ():
        raise ctx.error(errors.InvalidArgumentError,
                        f"The predicate of a conditional must be a scalar, got shape {list(pred.shape)}")
    branch = ctx.attrs["then_branch"] if bool(pred) else ctx.attrs["else_branch"]
    results = ctx.run_graph(branch, list(captured))
    return results[0] if len(results) == 1 else tuple(results)


register_op("If", infer=_if_infer, kernel=_if_kernel, stateful=True,
            doc="Runs then_branch or else_branch (function graphs) on the captured inputs.")


# --- While -----------------------------------------------------------------------------

def _while_infer(inputs, attrs):
    cond, body = attrs["cond"], attrs["body"]
    _check_params("While", "cond", cond, inputs)
    _check_params("While", "body", body, inputs)
    n_hist = int(attrs.get("num_exports", 0))
    n_vars = len(body.results) - n_hist
    if n_vars < 0 or n_vars > len(inputs):
        raise ValueError(f"While body returns {len(body.results)} values, which does not fit "
                         f"{len(inputs)} inputs and {n_hist} recorded values")
    if len(cond.results) != 1:
        raise ValueError(f"While cond must return one value, returns {len(cond.results)}")
    p = cond.results[0]
    if not p.dtype.is_bool or p.shape.rank not in (None, 0):
        raise TypeError(f"While cond must return a scalar bool, returns {p.dtype.name}{p.shape}")
    max_iter = attrs.get("maximum_iterations")
    if max_iter is not None and not isinstance(max_iter, (int, np.integer)):
        raise TypeError(f"While maximum_iterations must be an int or None, got {max_iter!r}")
    out = []
    for k in range(n_vars):
        param = body.params[k].outputs[0]
        res = body.results[k]
        if res.dtype != param.dtype:
            raise TypeError(f"While loop var {k} enters the loop as {param.dtype.name} but the body returns "
                            f"{res.dtype.name}")
        if not param.shape.is_compatible_with(res.shape):
            raise ValueError(f"While loop var {k} has the shape invariant {param.shape} but the body returns "
                             f"shape {res.shape}")
        out.append(OutputSpec(param.dtype, param.shape))
    trips = static_trip_count(inputs, attrs) if n_hist else None
    for v in body.results[n_vars:]:
        out.append(OutputSpec(v.dtype, record_shape(trips, v.shape)))
    return out


def record_shape(trips: int | None, shape: TensorShape) -> TensorShape:
    """The shape of a While's recorded value: [trip_count, *shape] (trip count if static)."""
    return TensorShape([trips]).concatenate(shape)


def _while_kernel(ctx, *inputs):
    cond, body = ctx.attrs["cond"], ctx.attrs["body"]
    n_hist = int(ctx.attrs.get("num_exports", 0))
    n_vars = len(body.results) - n_hist
    max_iter = ctx.attrs.get("maximum_iterations")
    values = list(inputs[:n_vars])
    captured = list(inputs[n_vars:])
    history: list[list[np.ndarray]] = [[] for _ in range(n_hist)]
    invariants = [p.outputs[0].shape for p in body.params[:n_vars]]
    trips = 0
    while max_iter is None or trips < max_iter:
        keep_going = np.asarray(ctx.run_graph(cond, values + captured)[0])
        if keep_going.shape != ():
            raise ctx.error(errors.InvalidArgumentError,
                            f"The loop condition must be a scalar, got shape {list(keep_going.shape)}")
        if not bool(keep_going):
            break
        results = ctx.run_graph(body, values + captured)
        for k, (v, inv) in enumerate(zip(results[:n_vars], invariants)):
            if not inv.is_compatible_with(v.shape):
                raise ctx.error(errors.InvalidArgumentError,
                                f"loop variable {k} has shape {list(v.shape)} after iteration {trips + 1}, "
                                f"which does not match its shape invariant {inv}")
        values = list(results[:n_vars])
        for h, v in zip(history, results[n_vars:]):
            h.append(v)
        trips += 1
    outs = values
    for k, h in enumerate(history):
        outs.append(_stack_history(ctx, k, h, body.results[n_vars + k]))
    return outs[0] if len(outs) == 1 else tuple(outs)


def _stack_history(ctx, k: int, items: list[np.ndarray], value: Any) -> np.ndarray:
    if not items:
        dims = [0 if d is None else d for d in (value.shape.dims or ())]
        return np.zeros([0] + dims, dtype=value.dtype.np_dtype)
    first = items[0].shape
    for i, a in enumerate(items):
        if a.shape != first:
            raise ctx.error(errors.InvalidArgumentError,
                            f"recording {value.name} for the gradient of this loop needs the same shape in every "
                            f"iteration; it has shape {list(first)} in iteration 1 and {list(a.shape)} in "
                            f"iteration {i + 1} (gradients of loops whose values change shape are not supported)")
    return np.stack(items)


register_op("While", infer=_while_infer, kernel=_while_kernel, stateful=True,
            doc="Runs body while cond holds (at most maximum_iterations times) on the loop vars.")


# --- summaries of tensor values (TF's Tensor::SummarizeValue) ----------------------------

def format_element(x: Any, dtype: np.dtype, print_v2: bool = False) -> str:
    """One element the way TF prints it: float32 with 6 (or 9) digits, float64 with 15 (or 17)."""
    kind = dtype.kind
    if kind == "b":
        return "1" if x else "0"
    if kind in "iu":
        return str(int(x))
    if kind == "f":
        v = float(x)
        if math.isnan(v):
            return "nan" if not np.signbit(x) else "-nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if dtype == np.float64:
            text = "%.15g" % v
            if float(text) != v:
                text = "%.17g" % v
        else:  # float32, and float16 printed as the float32 it widens to (as TF does)
            text = "%.6g" % v
            if np.float32(float(text)) != np.float32(v):
                text = "%.9g" % v
        return text
    if isinstance(x, bytes):
        x = x.decode("utf-8", "backslashreplace")
    text = str(x)
    return f'"{text}"' if print_v2 else text


def summarize(array: Any, max_entries: int = 3, print_v2: bool = False) -> str:
    """TF's `Tensor::SummarizeValue(max_entries, print_v2)`.

    v1 (tf.Print, tf.Assert): the first `max_entries` elements in row-major order, nested
    brackets for rank > 1, "..." where elements are left out: `[[1 2][3...]...]`.
    v2 (tf.print): numpy-like, the first and last `max_entries` per dimension:
    `[0 1 2 ... 7 8 9]`.
    """
    a = np.asarray(array)
    dtype = a.dtype
    n = a.size
    limit = n if max_entries is None or max_entries < 0 else min(max_entries, n)
    flat = a.reshape(-1)
    shape = a.shape
    if not shape:
        return " ".join(format_element(flat[i], dtype, print_v2) for i in range(limit)) + ("..." if n > limit else "")
    out: list[str] = []
    if print_v2:
        _print_dim_v2(0, shape, max_entries if max_entries is not None and max_entries >= 0 else n,
                      flat, 0, dtype, out)
        return "".join(out)
    index = [0]
    _print_dim_v1(0, shape, limit, flat, index, dtype, out)
    if n > limit:
        out.append("...")
    return "".join(out)


def _print_dim_v1(dim: int, shape: tuple, limit: int, flat: np.ndarray, index: list[int], dtype: np.dtype,
                  out: list[str]) -> None:
    if index[0] >= limit:
        return
    count = shape[dim]
    if dim == len(shape) - 1:
        for i in range(count):
            if index[0] >= limit:
                if dim != 0 and i < count:
                    out.append("...")
                return
            if i > 0:
                out.append(" ")
            out.append(format_element(flat[index[0]], dtype))
            index[0] += 1
        return
    for i in range(count):
        opened = False
        if index[0] < limit:
            out.append("[")
            opened = True
        _print_dim_v1(dim + 1, shape, limit, flat, index, dtype, out)
        if index[0] < limit or opened:
            out.append("]")


def _dim_spacing(dim: int, rank: int, out: list[str]) -> None:
    if dim == rank - 1:
        out.append(" ")
        return
    out.append("\n" * (rank - dim - 1))
    out.append(" " * (dim + 1))


def _print_dim_v2(dim: int, shape: tuple, at_ends: int, flat: np.ndarray, start: int, dtype: np.dtype,
                  out: list[str]) -> None:
    rank = len(shape)
    if dim == rank:
        out.append(format_element(flat[start], dtype, True))
        return
    out.append("[")
    count = shape[dim]
    start_of_end = max(at_ends, count - at_ends)
    per = int(np.prod(shape[dim + 1:], dtype=np.int64)) if dim + 1 < rank else 1
    i = 0
    while i < at_ends and i < count:
        if i > 0:
            _dim_spacing(dim, rank, out)
        _print_dim_v2(dim + 1, shape, at_ends, flat, start + per * i, dtype, out)
        i += 1
    if count > 2 * at_ends:
        _dim_spacing(dim, rank, out)
        out.append("...")
    for i in range(start_of_end, count):
        _dim_spacing(dim, rank, out)
        _print_dim_v2(dim + 1, shape, at_ends, flat, start + per * i, dtype, out)
    out.append("]")


# --- Print (TF1 tf.Print) ----------------------------------------------------------------

def _print_infer(inputs, attrs):
    if not inputs:
        raise ValueError("Print needs an input")
    return [spec(inputs[0].dtype, inputs[0].shape)]


def _print_kernel(ctx, x, *data):
    first_n = int(ctx.attrs.get("first_n", -1))
    if first_n >= 0:
        key = f"Print/first_n/{ctx.node.name}"
        with ctx.state.lock:
            count = ctx.state.resources.get(key, 0)
            ctx.state.resources[key] = count + 1
        if count >= first_n:
            return x
    summarize_n = int(ctx.attrs.get("summarize", 3))
    text = str(ctx.attrs.get("message", "")) + "".join(f"[{summarize(d, summarize_n)}]" for d in data)
    ctx.print(text)
    return x


register_op("Print", infer=_print_infer, kernel=_print_kernel, stateful=True, host=True,
            doc="Identity of input 0 that prints message + summaries of the other inputs; attrs message, "
                "first_n (-1: always), summarize.")


# --- StringFormat and PrintV2 (tf.print) -------------------------------------------------

def _string_format_infer(inputs, attrs):
    template, placeholder = attrs["template"], attrs.get("placeholder", "{}")
    if template.count(placeholder) != len(inputs):
        raise ValueError(f"StringFormat template has {template.count(placeholder)} placeholders "
                         f"{placeholder!r}, got {len(inputs)} inputs")
    return [spec(dtypes.string, [])]


def _string_format_kernel(ctx, *tensors):
    template, placeholder = ctx.attrs["template"], ctx.attrs.get("placeholder", "{}")
    n = int(ctx.attrs.get("summarize", 3))
    parts = template.split(placeholder)
    out = [parts[0]]
    for t, rest in zip(tensors, parts[1:]):
        out.append(summarize(t, n, print_v2=True))
        out.append(rest)
    return np.array("".join(out), dtype=object)


register_op("StringFormat", infer=_string_format_infer, kernel=_string_format_kernel, host=True,
            doc="Formats the inputs into attr template (placeholder marks each input); attr summarize.")


def _print_v2_infer(inputs, attrs):
    if len(inputs) != 1 or inputs[0].dtype != dtypes.string:
        raise TypeError("PrintV2 takes one string input")
    stream = attrs.get("output_stream", "stderr")
    if stream not in ("stdout", "stderr") and not stream.startswith("log") and not stream.startswith("file://"):
        raise ValueError(f"PrintV2 output_stream must be stdout, stderr, log(...) or file://path, got {stream!r}")
    return []


def _print_v2_kernel(ctx, text):
    import sys

    text = np.asarray(text).reshape(-1)
    message = "".join(str(t.decode() if isinstance(t, bytes) else t) for t in text) + str(ctx.attrs.get("end", "\n"))
    stream = ctx.attrs.get("output_stream", "stderr")
    if stream.startswith("file://"):
        with open(stream[len("file://"):], "a") as f:
            f.write(message)
    elif stream == "stdout":
        sys.stdout.write(message)
        sys.stdout.flush()
    elif ctx.state.print_fn is not None:
        ctx.state.print_fn(message[:-1] if message.endswith("\n") else message)
    else:
        sys.stderr.write(message)
        sys.stderr.flush()
    return ()


register_op("PrintV2", infer=_print_v2_infer, kernel=_print_v2_kernel, num_inputs=1, stateful=True, host=True,
            doc="Writes its string input + attr end to attr output_stream (stdout, stderr, file://path).")


# --- Assert ------------------------------------------------------------------------------

def _assert_infer(inputs, attrs):
    if not inputs:
        raise ValueError("Assert needs a condition input")
    cond = inputs[0]
    if not cond.dtype.is_bool:
        raise TypeError(f"Assert condition must be bool, got {cond.dtype.name}")
    if cond.shape.rank not in (None, 0):
        raise ValueError(f"Assert condition must be a scalar, got shape {cond.shape}")
    return []


def _assert_kernel(ctx, cond, *data):
    cond = np.asarray(cond)
    if cond.shape != ():
        raise ctx.error(errors.InvalidArgumentError, f"In[0] is not a scalar: {list(cond.shape)}")
    if not bool(cond):
        n = int(ctx.attrs.get("summarize", 3))
        body = " ".join(f"[{summarize(d, n)}]" for d in data)
        raise ctx.error(errors.InvalidArgumentError, f"assertion failed: {body}")
    return ()


register_op("Assert", infer=_assert_infer, kernel=_assert_kernel, stateful=True, host=True,
            doc="Fails with InvalidArgumentError when input 0 is false, printing the other inputs; attr summarize.")


# --- CheckNumerics -----------------------------------------------------------------------

def _check_numerics_infer(inputs, attrs):
    if not inputs[0].dtype.is_floating:
        raise TypeError(f"CheckNumerics needs a floating-point tensor, got {inputs[0].dtype.name}")
    return same_as_input(inputs, attrs)


def _check_numerics_kernel(ctx, x):
    a = np.asarray(x)
    has_nan = bool(np.isnan(a).any())
    has_inf = bool(np.isinf(a).any())
    if has_nan or has_inf:
        status = "Inf and NaN" if has_nan and has_inf else ("Inf" if has_inf else "NaN")
        raise ctx.error(errors.InvalidArgumentError, f"{ctx.attrs.get('message', '')} : Tensor had {status} values")
    return x


register_op("CheckNumerics", infer=_check_numerics_infer, kernel=_check_numerics_kernel, num_inputs=1,
            stateful=True, host=True,
            doc="Identity that fails when its input has NaN or Inf; attr message.")
