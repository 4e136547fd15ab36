"""The fuzz program format: a JSON-able list of nodes, and how to build it with flowjit.

A program is plain data so that it can cross a process boundary, be stored as a regression
test and be shrunk by editing lists:

    {"nodes": [
        {"op": "input", "dtype": "float32", "shape": [7], "data": [0, 1, 2, 3, 4, 5, 6]},
        {"op": "gather", "args": [0], "indices": [1, 2, 3, 4], "axis": 0,
         "dtype": "float32", "shape": [4]},
        {"op": "concat", "args": [1, 0], "axis": 0, "dtype": "float32", "shape": [11]}],
     "outputs": [2]}

Node k is value k; `args` name earlier values. An "input" is a placeholder (fed; `decl` is
its declared shape, `null` for an unknown dim) or, with `"feed": false`, a `tf.constant`.
Every node records the dtype and shape the generator expects, which the harness checks
against the reference. `data` is flat (row-major); float specials are the strings "nan",
"inf" and "-inf", and -0.0 stays -0.0.
"""

from __future__ import annotations

import json
import math
from typing import Any, Callable

import numpy as np

Program = dict[str, Any]
Node = dict[str, Any]

FLOATS = ("float32", "float64")
INTS = ("int32", "int64")
DTYPES = FLOATS + INTS + ("bool",)


def encode(array: np.ndarray) -> list[Any]:
    """Flat JSON list of `array`'s elements (floats exactly: repr of a float64 round-trips)."""
    out: list[Any] = []
    for v in np.asarray(array).ravel().tolist():
        if isinstance(v, float) and not math.isfinite(v):
            out.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            out.append(v)
    return out


def decode(data: list[Any], dtype: str, shape: list[int]) -> np.ndarray:
    values = [float(v) if isinstance(v, str) else v for v in data]
    return np.array(values, dtype=np.float64 if dtype in FLOATS else None).astype(dtype).reshape(shape)


def input_array(node: Node) -> np.ndarray:
    return decode(node["data"], node["dtype"], node["shape"])


def dumps(program: Program) -> str:
    """One line per node: diffable in counterexamples.json and readable in failure messages."""
    nodes = ",\n  ".join(json.dumps(n) for n in program["nodes"])
    return '{"nodes": [\n  ' + nodes + '],\n "outputs": ' + json.dumps(program["outputs"]) + "}"


def _index_list(x: Any) -> Any:
    return [int(v) for v in x] if isinstance(x, list) else x


def _builders(tf: Any) -> dict[str, Callable[..., Any]]:
    """op name -> build(args, node) with `args` the flowjit tensors of node["args"]."""
    def unary(fn: Callable[[Any], Any]) -> Callable[..., Any]:
        return lambda a, n: fn(a[0])

    def binary(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
        return lambda a, n: fn(a[0], a[1])

    def reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda a, n: fn(a[0], axis=_index_list(n["axis"]), keepdims=n["keepdims"])

    def strided(a: list[Any], n: Node) -> Any:
        return a[0][tuple(slice(*s) if isinstance(s, list) else s for s in n["slices"])]

    table: dict[str, Callable[..., Any]] = {
        "exp": unary(tf.exp), "log": unary(tf.log), "sqrt": unary(tf.sqrt), "rsqrt": unary(tf.rsqrt),
        "tanh": unary(tf.tanh), "sigmoid": unary(tf.sigmoid), "softplus": unary(tf.nn.softplus),
        "log1p": unary(tf.log1p), "expm1": unary(tf.expm1), "sin": unary(tf.sin), "cos": unary(tf.cos),
        "atan": unary(tf.atan), "erf": unary(tf.erf), "reciprocal": unary(tf.reciprocal),
        "abs": unary(tf.abs), "neg": unary(tf.negative), "square": unary(tf.square), "sign": unary(tf.sign),
        "relu": unary(tf.nn.relu), "floor": unary(tf.floor), "ceil": unary(tf.ceil), "round": unary(tf.round),
        "is_nan": unary(tf.is_nan), "is_inf": unary(tf.is_inf), "is_finite": unary(tf.is_finite),
        "logical_not": unary(tf.logical_not),
        "add": binary(tf.add), "sub": binary(tf.subtract), "mul": binary(tf.multiply), "div": binary(tf.div),
        "truediv": binary(tf.truediv), "floordiv": binary(tf.floordiv), "floormod": binary(tf.floormod),
        "maximum": binary(tf.maximum), "minimum": binary(tf.minimum), "pow": binary(tf.pow),
        "squared_difference": binary(tf.squared_difference), "atan2": binary(tf.atan2),
        "equal": binary(tf.equal), "not_equal": binary(tf.not_equal), "less": binary(tf.less),
        "less_equal": binary(tf.less_equal), "greater": binary(tf.greater),
        "greater_equal": binary(tf.greater_equal), "logical_and": binary(tf.logical_and),
        "logical_or": binary(tf.logical_or), "logical_xor": binary(tf.logical_xor),
        "where": lambda a, n: tf.where_v2(a[0], a[1], a[2]),
        "reduce_sum": reduce(tf.reduce_sum), "reduce_prod": reduce(tf.reduce_prod),
        "reduce_mean": reduce(tf.reduce_mean), "reduce_max": reduce(tf.reduce_max),
        "reduce_min": reduce(tf.reduce_min), "reduce_all": reduce(tf.reduce_all),
        "reduce_any": reduce(tf.reduce_any), "reduce_logsumexp": reduce(tf.reduce_logsumexp),
        "argmax": lambda a, n: tf.argmax(a[0], axis=n["axis"]),
        "argmin": lambda a, n: tf.argmin(a[0], axis=n["axis"]),
        "matmul": lambda a, n: tf.matmul(a[0], a[1], transpose_a=n["transpose_a"], transpose_b=n["transpose_b"]),
        "gather": lambda a, n: tf.gather(a[0], tf.constant(n["indices"], dtype=n.get("index_dtype", "int32")),
                                         axis=n["axis"]),
        "concat": lambda a, n: tf.concat(list(a), n["axis"]),
        "slice": lambda a, n: tf.slice(a[0], n["begin"], n["size"]),
        "strided": strided,
        "tile": lambda a, n: tf.tile(a[0], n["multiples"]),
        "pad": lambda a, n: tf.pad(a[0], n["paddings"], mode=n["mode"], constant_values=n.get("value", 0)),
        "reshape": lambda a, n: tf.reshape(a[0], n["to"]),
        "transpose": lambda a, n: tf.transpose(a[0], n["perm"]),
        "expand_dims": lambda a, n: tf.expand_dims(a[0], n["axis"]),
        "squeeze": lambda a, n: tf.squeeze(a[0], _index_list(n["axis"])),
        "reverse": lambda a, n: tf.reverse(a[0], n["axis"]),
        "broadcast_to": lambda a, n: tf.broadcast_to(a[0], n["to"]),
        "softmax": lambda a, n: tf.nn.softmax(a[0], axis=n["axis"]),
        "log_softmax": lambda a, n: tf.nn.log_softmax(a[0], axis=n["axis"]),
        "cast": lambda a, n: tf.cast(a[0], n["to"]),
    }
    return table


def build(tf: Any, program: Program) -> tuple[list[Any], dict[Any, np.ndarray]]:
    """Build `program` in the current default graph: (one tensor per node, feed dict)."""
    table = _builders(tf)
    tensors: list[Any] = []
    feeds: dict[Any, np.ndarray] = {}
    for k, node in enumerate(program["nodes"]):
        if node["op"] == "input":
            value = input_array(node)
            if node.get("feed", True):
                t = tf.placeholder(node["dtype"], node.get("decl", node["shape"]), name=f"in{k}")
                feeds[t] = value
            else:
                t = tf.constant(value, dtype=node["dtype"], name=f"const{k}")
        else:
            t = table[node["op"]]([tensors[i] for i in node["args"]], node)
        tensors.append(t)
    return tensors, feeds
