"""`tf.decode_csv`, `tf.decode_raw`, `tf.read_file`, `tf.write_file` (TF1's parsing_ops / io_ops).

Thin wrappers over the host ops in flowjit/ir/ops/decode.py; build-time checks (select_cols,
field_delim, defaults) raise TF's ValueError/TypeError.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor

__all__ = ["decode_csv", "decode_raw", "read_file", "write_file"]


def _default_tensor(value: Any, i: int) -> Tensor:
    if isinstance(value, Tensor):
        return value
    arr = np.asarray(value, dtype=object) if isinstance(value, (list, tuple)) and len(value) == 0 else None
    if arr is not None:  # [] is an empty float32 default (a required float field), as in TF
        return convert_to_tensor(np.zeros(0, np.float32), name=f"record_defaults_{i}")
    return convert_to_tensor(value, name=f"record_defaults_{i}")


def decode_csv(records: Any, record_defaults: Sequence[Any], field_delim: str = ",", use_quote_delim: bool = True,
               name: str | None = None, na_value: str = "", select_cols: Sequence[int] | None = None) -> list[Tensor]:
    """Convert CSV records to one tensor per column; an empty field takes its column's default."""
    if select_cols is not None:
        cols = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(cols, cols[1:])):
            raise ValueError("select_cols is not strictly increasing.")
        if cols and cols[0] < 0:
            raise ValueError("select_cols contains negative values.")
        if len(cols) != len(record_defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")
    else:
        cols = []
    if not isinstance(field_delim, (str, bytes)):
        raise TypeError(f"field_delim must be a string, got {type(field_delim).__name__}")
    graph = get_default_graph()
    with graph.name_scope(name or "DecodeCSV") as scope:
        recs = convert_to_tensor(records, dtype=dtypes.string, name="records")
        defaults = [_default_tensor(d, i) for i, d in enumerate(record_defaults)]
        attrs = {"field_delim": field_delim if isinstance(field_delim, str) else field_delim.decode("latin-1"),
                 "use_quote_delim": bool(use_quote_delim), "na_value": str(na_value), "select_cols": cols,
                 "OUT_TYPE": [d.dtype for d in defaults]}
        return list(graph.create_op("DecodeCSV", [recs] + defaults, attrs, name=scope).outputs)


def decode_raw(input_bytes: Any = None, out_type: Any = None, little_endian: bool = True, name: str | None = None,
               bytes: Any = None) -> Tensor:  # noqa: A002  (TF1's old keyword)
    """Reinterpret each string's bytes as a vector of `out_type` (shape input.shape + [n])."""
    if input_bytes is None:
        input_bytes = bytes
    if input_bytes is None or out_type is None:
        raise ValueError("decode_raw needs input_bytes and out_type")
    graph = get_default_graph()
    data = convert_to_tensor(input_bytes, dtype=dtypes.string)
    attrs = {"out_type": dtypes.as_dtype(out_type), "little_endian": bool(little_endian)}
    return graph.create_op("DecodeRaw", [data], attrs, name=name or "DecodeRaw").outputs[0]


def read_file(filename: Any, name: str | None = None) -> Tensor:
    """The whole contents of the file `filename` (a string scalar)."""
    path = convert_to_tensor(filename, dtype=dtypes.string)
    return get_default_graph().create_op("ReadFile", [path], {}, name=name or "ReadFile").outputs[0]


def write_file(filename: Any, contents: Any, name: str | None = None) -> Operation:
    """An op that writes `contents` to `filename`, creating missing directories."""
    path = convert_to_tensor(filename, dtype=dtypes.string)
    data = convert_to_tensor(contents, dtype=dtypes.string)
    return get_default_graph().create_op("WriteFile", [path, data], {}, name=name or "WriteFile")
