"""TF1's string ops: `tf.string_split`, `tf.string_join`, `tf.substr`, `tf.string_to_number`,
`tf.regex_replace`, `tf.as_string` and the `tf.strings.*` spellings (flowjit/strings.py).

Wrappers over the host ops in flowjit/ir/ops/string_ops.py; splits return a SparseTensor, as
TF1 does.
"""

from __future__ import annotations

from typing import Any, Sequence

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.sparse_tensor import SparseTensor
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["as_string", "regex_replace", "string_join", "string_split", "string_to_number", "substr"]


def _s(x: Any, name: str | None = None) -> Tensor:
    return convert_to_tensor(x, dtype=dtypes.string, name=name)


def _op(op_type: str, inputs: list[Any], attrs: dict, name: str | None) -> Any:
    return get_default_graph().create_op(op_type, inputs, attrs, name=name or op_type)


def _text(x: Any, what: str) -> str:
    if isinstance(x, bytes):
        return x.decode("utf-8", "surrogateescape")
    if not isinstance(x, str):
        raise TypeError(f"{what} must be a Python string, got {type(x).__name__}")
    return x


def _sparse(op: Any) -> SparseTensor:
    ind, vals, shape = op.outputs
    return SparseTensor(ind, vals, shape)


def string_split(source: Any, sep: Any = None, skip_empty: bool = True, delimiter: Any = None,
                 result_type: str = "SparseTensor", name: str | None = None) -> SparseTensor:
    """Split each string of a vector on any byte of `delimiter` (default ' '): a SparseTensor [N, max]."""
    if result_type != "SparseTensor":
        raise ValueError(f"result_type must be 'SparseTensor' (RaggedTensor is not supported), got {result_type!r}")
    if sep is not None and delimiter is not None:
        raise ValueError("sep and delimiter cannot both be given")
    delim = sep if sep is not None else (delimiter if delimiter is not None else " ")
    return _sparse(_op("StringSplit", [_s(source), _s(delim)], {"skip_empty": bool(skip_empty)}, name))


def split(input: Any = None, sep: Any = None, maxsplit: int = -1, result_type: str = "SparseTensor",  # noqa: A002
          source: Any = None, name: str | None = None) -> SparseTensor:
    """`tf.strings.split`: Python's str.split(sep, maxsplit) per string (whitespace when sep is None)."""
    if result_type != "SparseTensor":
        raise ValueError(f"result_type must be 'SparseTensor' (RaggedTensor is not supported), got {result_type!r}")
    src = source if input is None else input
    if src is None:
        raise ValueError("tf.strings.split needs input")
    return _sparse(_op("StringSplitV2", [_s(src), _s("" if sep is None else sep)], {"maxsplit": int(maxsplit)},
                       name))


def string_join(inputs: Sequence[Any], separator: str = "", name: str | None = None) -> Tensor:
    """Elementwise concatenation of string tensors (scalars broadcast), joined by `separator`."""
    ts = [_s(x) for x in inputs]
    return _op("StringJoin", ts, {"separator": _text(separator, "separator"), "N": len(ts)}, name).outputs[0]


def length(input: Any, name: str | None = None, unit: str = "BYTE") -> Tensor:  # noqa: A002
    """`tf.strings.length`: int32 length of each string in bytes or UTF-8 characters."""
    return _op("StringLength", [_s(input)], {"unit": unit}, name).outputs[0]


def substr(input: Any, pos: Any, len: Any, name: str | None = None, unit: str = "BYTE") -> Tensor:  # noqa: A002
    """Substrings of `len` starting at `pos` (negative pos counts from the end)."""
    pos_t = convert_to_tensor(pos, name="pos")
    len_t = convert_to_tensor(len, dtype=pos_t.dtype, name="len")
    return _op("Substr", [_s(input), pos_t, len_t], {"unit": unit}, name).outputs[0]


def string_to_number(string_tensor: Any, out_type: Any = dtypes.float32, name: str | None = None) -> Tensor:
    """Parse each string as a number of `out_type` (float32, float64, int32, int64)."""
    return _op("StringToNumber", [_s(string_tensor)], {"out_type": dtypes.as_dtype(out_type)}, name).outputs[0]


def regex_replace(input: Any, pattern: Any, rewrite: Any, replace_global: bool = True,  # noqa: A002
                  name: str | None = None) -> Tensor:
    """Replace the matches of `pattern` (RE2 syntax) in each string with `rewrite`."""
    return _op("RegexReplace", [_s(input), _s(pattern), _s(rewrite)], {"replace_global": bool(replace_global)},
               name).outputs[0]


def as_string(input: Any, precision: int = -1, scientific: bool = False, shortest: bool = False,  # noqa: A002
              width: int = -1, fill: str = "", name: str | None = None) -> Tensor:
    """Format each number as a string, as printf would with the given options."""
    attrs = {"precision": int(precision), "scientific": bool(scientific), "shortest": bool(shortest),
             "width": int(width), "fill": _text(fill, "fill")}
    return _op("AsString", [convert_to_tensor(input)], attrs, name).outputs[0]
