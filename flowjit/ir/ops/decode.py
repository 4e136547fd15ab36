"""Decoding and file ops: DecodeCSV, DecodeRaw, ReadFile, WriteFile (TF's parsing_ops / io_ops kernels).

  DecodeCSV  (records, *record_defaults)  attrs field_delim, use_quote_delim, na_value, select_cols;
             one output per default, of the default's dtype and the records' shape
  DecodeRaw  (bytes)  attrs out_type, little_endian; output shape bytes.shape + [n]
  ReadFile   (filename)  the whole file as a string scalar
  WriteFile  (filename, contents)  no outputs; creates missing parent directories, as TF does

Host ops (strings and files; never compiled), not differentiable. ReadFile/WriteFile are
stateful (they touch the file system). Error wording follows TF's kernels.
"""

from __future__ import annotations

import os
import re
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ._util import spec
from .string_util import bytes_list, text_array, to_bytes

CSV_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)
RAW_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8, dtypes.int16,
              dtypes.int8, dtypes.int64, dtypes.bool_)
_INT_RE = re.compile(rb"^\s*[+-]?[0-9]+\s*$")
_INT_RANGE = {dtypes.int32: (-(2 ** 31), 2 ** 31 - 1), dtypes.int64: (-(2 ** 63), 2 ** 63 - 1)}
_FLOAT_NAME = {dtypes.float32: "float", dtypes.float64: "double"}


def _require_string(op: str, v: Value, what: str) -> None:
    if v.dtype != dtypes.string:
        raise TypeError(f"{op} {what} must be a string tensor, got {v.dtype.name}")


# --- DecodeCSV -----------------------------------------------------------------------------

def _csv_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    records, defaults = inputs[0], inputs[1:]
    _require_string("DecodeCSV", records, "records")
    if not defaults:
        raise ValueError("DecodeCSV needs at least one record_default")
    for i, d in enumerate(defaults):
        if d.dtype not in CSV_DTYPES:
            raise TypeError(f"DecodeCSV record_defaults[{i}] must be one of "
                            f"{[t.name for t in CSV_DTYPES]}, got {d.dtype.name}")
        dims = d.shape.as_list() if d.shape.rank is not None else None
        if dims is not None and (len(dims) > 1 or (dims and dims[0] is not None and dims[0] > 1)):
            raise ValueError("Shape of a default must be a length-0 or length-1 vector, or a scalar.")
    if list(attrs["OUT_TYPE"]) != [d.dtype for d in defaults]:
        raise TypeError("DecodeCSV attr OUT_TYPE must list the record_defaults' dtypes")
    return [spec(d.dtype, records.shape) for d in defaults]


def split_csv(rec: bytes, delim: int, use_quote: bool, select: Sequence[int] | None) -> list[bytes]:
    """The fields of one CSV record, as TF's DecodeCSVOp::ExtractFields splits them."""
    out: list[bytes] = []
    n = len(rec)
    if n == 0:
        return out
    quote = ord('"')
    idx = parsed = sel = 0
    while idx < n:
        c = rec[idx]
        if c in (10, 13):
            idx += 1
            continue
        quoted = use_quote and c == quote
        if quoted:
            idx += 1
        field = bytearray()
        if not quoted:
            while idx < n and rec[idx] != delim:
                ch = rec[idx]
                if (use_quote and ch == quote) or ch in (10, 13):
                    raise ValueError("Unquoted fields cannot have quotes/CRLFs inside")
                field.append(ch)
                idx += 1
            idx += 1
        else:
            while idx < n - 1 and (rec[idx] != quote or rec[idx + 1] != delim):
                if rec[idx] != quote:
                    field.append(rec[idx])
                    idx += 1
                else:
                    if rec[idx + 1] != quote:
                        raise ValueError("Quote inside a string has to be escaped by another quote")
                    field.append(quote)
                    idx += 2
            if not (idx < n and rec[idx] == quote and (idx == n - 1 or rec[idx + 1] == delim)):
                raise ValueError("Quoted field has to end with quote followed by delim or end")
            idx += 2
        parsed += 1
        if select is None or select[sel] == parsed - 1:
            out.append(bytes(field))
            sel += 1
            if select is not None and sel == len(select):
                return out
    include = select is None or (sel < len(select) and select[sel] == parsed)
    if include and rec[n - 1] == delim:
        out.append(b"")
    return out


def _convert(ctx: Any, field: bytes, dtype: dtypes.DType, f: int, i: int) -> Any:
    if dtype == dtypes.string:
        return field
    if dtype in _INT_RANGE:
        lo, hi = _INT_RANGE[dtype]
        if _INT_RE.match(field):
            v = int(field)
            if lo <= v <= hi:
                return v
        raise ctx.error(errors.InvalidArgumentError, f"Field {f} in record {i} is not a valid {dtype.name}: "
                        f"{field.decode('utf-8', 'replace')}")
    text = field.decode("utf-8", "replace")
    try:
        if "_" in text:
            raise ValueError(text)
        return float(text)
    except ValueError:
        raise ctx.error(errors.InvalidArgumentError, f"Field {f} in record {i} is not a valid "
                        f"{_FLOAT_NAME[dtype]}: {text}") from None


def _csv_kernel(ctx: Any, records: np.ndarray, *defaults: np.ndarray) -> list[np.ndarray]:
    attrs = ctx.attrs
    delim_bytes = to_bytes(attrs["field_delim"])
    if len(delim_bytes) != 1:
        raise ctx.error(errors.InvalidArgumentError, "field_delim should be only 1 char")
    delim = delim_bytes[0]
    na = to_bytes(attrs["na_value"])
    select = attrs["select_cols"] or None
    types = list(attrs["OUT_TYPE"])
    defs = []
    for f, d in enumerate(defaults):
        d = np.asarray(d)
        if d.size > 1:
            raise ctx.error(errors.InvalidArgumentError,
                            f"There should only be 1 default per field but field {f} has {d.size}")
        defs.append(None if d.size == 0 else d.reshape(-1)[0])
    recs = np.asarray(records, dtype=object)
    columns: list[list[Any]] = [[] for _ in defaults]
    for i, rec in enumerate(bytes_list(recs)):
        try:
            fields = split_csv(rec, delim, bool(attrs["use_quote_delim"]), select)
        except ValueError as exc:
            raise ctx.error(errors.InvalidArgumentError, str(exc)) from None
        if len(fields) != len(defaults):
            raise ctx.error(errors.InvalidArgumentError,
                            f"Expect {len(defaults)} fields but have {len(fields)} in record {i}")
        for f, field in enumerate(fields):
            if not field or field == na:
                if defs[f] is None:
                    raise ctx.error(errors.InvalidArgumentError,
                                    f"Field {f} is required but missing in record {i}!")
                columns[f].append(to_bytes(defs[f]) if types[f] == dtypes.string else defs[f])
            else:
                columns[f].append(_convert(ctx, field, types[f], f, i))
    out = []
    for f, col in enumerate(columns):
        if types[f] == dtypes.string:
            out.append(text_array(col, recs.shape))
        else:
            out.append(np.array(col, dtype=types[f].as_numpy_dtype).reshape(recs.shape))
    return out


register_op("DecodeCSV", infer=_csv_infer, kernel=_csv_kernel, host=True,
            doc="Convert CSV records to tensors, one per column; empty fields take the column's default.")


# --- DecodeRaw -----------------------------------------------------------------------------

def _raw_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    (data,) = inputs
    _require_string("DecodeRaw", data, "bytes")
    out_type = attrs["out_type"]
    if out_type not in RAW_DTYPES:
        raise TypeError(f"DecodeRaw out_type must be one of {[t.name for t in RAW_DTYPES]}, got {out_type.name}")
    if data.shape.rank is None:
        return [spec(out_type, None)]
    return [spec(out_type, data.shape.as_list() + [None])]


def _raw_kernel(ctx: Any, data: np.ndarray) -> np.ndarray:
    out_type = ctx.attrs["out_type"]
    np_dt = np.dtype(out_type.as_numpy_dtype)
    size = np_dt.itemsize
    items = bytes_list(data)
    shape = list(np.asarray(data, dtype=object).shape)
    if not items:
        return np.zeros(shape + [0], dtype=np_dt)
    width = len(items[0])
    if width % size:
        raise ctx.error(errors.InvalidArgumentError, f"Input to DecodeRaw has length {width} that is not a "
                        f"multiple of {size}, the size of {_tf_type_name(out_type)}")
    for i, it in enumerate(items):
        if len(it) != width:
            raise ctx.error(errors.InvalidArgumentError, f"DecodeRaw requires input strings to all be the same "
                            f"size, but element {i} has size {len(it)} != {width}")
    order = "<" if ctx.attrs["little_endian"] else ">"
    arr = np.frombuffer(b"".join(items), dtype=np_dt.newbyteorder(order) if size > 1 else np_dt)
    return arr.astype(np_dt).reshape(shape + [width // size])


def _tf_type_name(dt: dtypes.DType) -> str:
    return {dtypes.float16: "half", dtypes.float32: "float", dtypes.float64: "double"}.get(dt, dt.name)


register_op("DecodeRaw", infer=_raw_infer, kernel=_raw_kernel, num_inputs=1, host=True,
            doc="Reinterpret the bytes of each string as a vector of out_type (little_endian attr).")


# --- ReadFile / WriteFile --------------------------------------------------------------------

def _scalar_path(ctx: Any, value: np.ndarray, what: str) -> str:
    arr = np.asarray(value, dtype=object)
    if arr.shape != ():
        raise ctx.error(errors.InvalidArgumentError, f"Input {what} tensor must be scalar, but had shape: "
                        f"[{','.join(str(d) for d in arr.shape)}]")
    return to_bytes(arr.item()).decode("utf-8", "surrogateescape")


def _file_error(ctx: Any, path: str, exc: OSError) -> errors.OpError:
    if isinstance(exc, FileNotFoundError):
        return ctx.error(errors.NotFoundError, f"{path}; No such file or directory")
    if isinstance(exc, PermissionError):
        return ctx.error(errors.PermissionDeniedError, f"{path}; Permission denied")
    if isinstance(exc, IsADirectoryError):
        return ctx.error(errors.FailedPreconditionError, f"{path}; Is a directory")
    return ctx.error(errors.UnknownError, f"{path}; {exc.strerror}")


def _read_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_string("ReadFile", inputs[0], "filename")
    if inputs[0].shape.rank not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {inputs[0].shape.rank} (ReadFile filename)")
    return [spec(dtypes.string, [])]


def _read_kernel(ctx: Any, filename: np.ndarray) -> np.ndarray:
    path = _scalar_path(ctx, filename, "filename")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise _file_error(ctx, path, exc) from None
    return text_array([data], ())


def _write_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    for v, what in zip(inputs, ("filename", "contents")):
        _require_string("WriteFile", v, what)
        if v.shape.rank not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {v.shape.rank} (WriteFile {what})")
    return []


def _write_kernel(ctx: Any, filename: np.ndarray, contents: np.ndarray) -> tuple:
    path = _scalar_path(ctx, filename, "filename")
    data = np.asarray(contents, dtype=object)
    if data.shape != ():
        raise ctx.error(errors.InvalidArgumentError, "Contents tensor must be scalar, but had shape: "
                        f"[{','.join(str(d) for d in data.shape)}]")
    try:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(path, "wb") as f:
            f.write(to_bytes(data.item()))
    except OSError as exc:
        raise _file_error(ctx, path, exc) from None
    return ()


register_op("ReadFile", infer=_read_infer, kernel=_read_kernel, num_inputs=1, host=True, stateful=True,
            doc="The whole contents of the named file, as a string scalar.")
register_op("WriteFile", infer=_write_infer, kernel=_write_kernel, num_inputs=2, host=True, stateful=True,
            doc="Write contents to the named file, creating missing parent directories.")
