"""String ops: StringSplit, StringSplitV2, StringJoin, StringLength, Substr, StringToNumber,
RegexReplace, AsString (TF's string_ops kernels).

Host ops (Python strings; never compiled), not stateful, not differentiable. Values are object
arrays of stored strings (`string_util`); kernels work on bytes, as TF's do.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ._util import broadcast_inputs, spec
from .string_util import bytes_list, text_array, to_bytes

NUMBER_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)
AS_STRING_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16, dtypes.int32,
                   dtypes.int64, dtypes.uint8, dtypes.bool_)


def _require_string(op: str, v: Value, what: str = "input") -> None:
    if v.dtype != dtypes.string:
        raise TypeError(f"{op} {what} must be a string tensor, got {v.dtype.name}")


def _sparse_out(values: list[list[bytes]]) -> list[np.ndarray]:
    lens = np.array([len(v) for v in values], dtype=np.int64)
    total = int(lens.sum())
    rows = np.repeat(np.arange(len(values), dtype=np.int64), lens)
    cols = np.concatenate([np.arange(n, dtype=np.int64) for n in lens]) if total else np.zeros(0, np.int64)
    flat = [t for v in values for t in v]
    width = int(lens.max()) if lens.size else 0
    return [np.stack([rows, cols], axis=1).reshape(total, 2), text_array(flat),
            np.array([len(values), width], dtype=np.int64)]


def _split_infer(op: str):
    def infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
        src, sep = inputs
        _require_string(op, src)
        _require_string(op, sep, "delimiter")
        if src.shape.rank not in (None, 1):
            raise ValueError(f"Shape must be rank 1 but is rank {src.shape.rank} ({op} input)")
        if sep.shape.rank not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {sep.shape.rank} ({op} delimiter)")
        return [spec(dtypes.int64, [None, 2]), spec(dtypes.string, [None]), spec(dtypes.int64, [2])]
    return infer


def _split_kernel(ctx: Any, src: np.ndarray, delim: np.ndarray) -> list[np.ndarray]:
    """TF1's StringSplit: every byte of `delimiter` is a separator; '' splits into characters."""
    items = bytes_list(src)
    d = to_bytes(np.asarray(delim, dtype=object).item())
    skip = bool(ctx.attrs["skip_empty"])
    out = []
    for s in items:
        if not d:
            parts = [s[i:i + 1] for i in range(len(s))]
        else:
            parts = re.split(b"[" + re.escape(d) + b"]", s) if s else [b""]
            if skip:
                parts = [p for p in parts if p]
        out.append(parts)
    return _sparse_out(out)


def _split_v2_kernel(ctx: Any, src: np.ndarray, sep: np.ndarray) -> list[np.ndarray]:
    """TF's StringSplitV2: Python's str.split(sep, maxsplit); sep '' splits on runs of whitespace."""
    items = bytes_list(src)
    s_ = to_bytes(np.asarray(sep, dtype=object).item())
    maxsplit = int(ctx.attrs["maxsplit"])
    out = [s.split(s_ or None, maxsplit) if (s or not s_) else [b""] for s in items]
    return _sparse_out(out)


register_op("StringSplit", infer=_split_infer("StringSplit"), kernel=_split_kernel, num_inputs=2, host=True,
            doc="Split each string on any byte of delimiter into a sparse [N, max] result; attr skip_empty.")
register_op("StringSplitV2", infer=_split_infer("StringSplitV2"), kernel=_split_v2_kernel, num_inputs=2,
            host=True, doc="Split each string on sep (whitespace when empty), at most maxsplit times.")


# --- elementwise ---------------------------------------------------------------------------

def _join_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    if not inputs:
        raise ValueError("StringJoin needs at least one input")
    for v in inputs:
        _require_string("StringJoin", v, "inputs")
    return [spec(dtypes.string, broadcast_inputs("StringJoin", inputs))]


def _join_kernel(ctx: Any, *inputs: np.ndarray) -> np.ndarray:
    arrs = [np.asarray(a, dtype=object) for a in inputs]
    try:
        shape = np.broadcast_shapes(*[a.shape for a in arrs])
    except ValueError:
        raise ctx.error(errors.InvalidArgumentError, "Input shapes do not match: "
                        + " vs. ".join(str(list(a.shape)) for a in arrs)) from None
    sep = to_bytes(ctx.attrs["separator"])
    cols = [bytes_list(np.broadcast_to(a, shape)) for a in arrs]
    return text_array([sep.join(parts) for parts in zip(*cols)], shape)


register_op("StringJoin", infer=_join_infer, kernel=_join_kernel, host=True,
            doc="Elementwise concatenation of the inputs (scalars broadcast) with attr separator.")


def _length_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_string("StringLength", inputs[0])
    if attrs["unit"] not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {attrs['unit']!r}")
    return [spec(dtypes.int32, inputs[0].shape)]


def _length_kernel(ctx: Any, x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=object)
    utf8 = ctx.attrs["unit"] == "UTF8_CHAR"
    lens = [len(b.decode("utf-8", "replace")) if utf8 else len(b) for b in bytes_list(arr)]
    return np.array(lens, dtype=np.int32).reshape(arr.shape)


register_op("StringLength", infer=_length_infer, kernel=_length_kernel, num_inputs=1, host=True,
            doc="The length of each string in bytes or UTF-8 characters (attr unit).")


def _substr_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    src, pos, length = inputs
    _require_string("Substr", src)
    if pos.dtype not in (dtypes.int32, dtypes.int64) or pos.dtype != length.dtype:
        raise TypeError(f"Substr pos and len must both be int32 or both int64, got {pos.dtype.name} and "
                        f"{length.dtype.name}")
    if attrs["unit"] not in ("BYTE", "UTF8_CHAR"):
        raise ValueError(f"unit must be 'BYTE' or 'UTF8_CHAR', got {attrs['unit']!r}")
    return [spec(dtypes.string, broadcast_inputs("Substr", inputs))]


def _substr_kernel(ctx: Any, src: np.ndarray, pos: np.ndarray, length: np.ndarray) -> np.ndarray:
    s = np.asarray(src, dtype=object)
    shape = np.broadcast_shapes(s.shape, np.shape(pos), np.shape(length))
    ss = bytes_list(np.broadcast_to(s, shape))
    ps = np.broadcast_to(pos, shape).reshape(-1)
    ls = np.broadcast_to(length, shape).reshape(-1)
    utf8 = ctx.attrs["unit"] == "UTF8_CHAR"
    out = []
    for i, (b, p, n) in enumerate(zip(ss, ps, ls)):
        seq: Any = b.decode("utf-8", "replace") if utf8 else b
        size = len(seq)
        p, n = int(p), int(n)
        start = p + size if p < 0 else p
        if not 0 <= start <= size:
            raise ctx.error(errors.InvalidArgumentError, f"pos {p} out of range for string b'"
                            f"{b.decode('utf-8', 'replace')}' at index {i}")
        piece = seq[start:start + max(n, 0)]
        out.append(piece.encode("utf-8") if utf8 else piece)
    return text_array(out, shape)


register_op("Substr", infer=_substr_infer, kernel=_substr_kernel, num_inputs=3, host=True,
            doc="Substrings from pos of length len (broadcast), in bytes or UTF-8 characters.")

_FLOAT_RE = re.compile(r"^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$", re.IGNORECASE)
_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")
_RANGE = {dtypes.int32: (-(2 ** 31), 2 ** 31 - 1), dtypes.int64: (-(2 ** 63), 2 ** 63 - 1)}


def _to_number_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_string("StringToNumber", inputs[0], "string_tensor")
    if attrs["out_type"] not in NUMBER_TYPES:
        raise TypeError(f"StringToNumber out_type must be one of {[t.name for t in NUMBER_TYPES]}, "
                        f"got {attrs['out_type'].name}")
    return [spec(attrs["out_type"], inputs[0].shape)]


def _to_number_kernel(ctx: Any, x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=object)
    out_type = ctx.attrs["out_type"]
    vals = []
    for b in bytes_list(arr):
        t = b.decode("utf-8", "replace")
        if out_type in _RANGE:
            ok = bool(_INT_RE.match(t)) and _RANGE[out_type][0] <= int(t) <= _RANGE[out_type][1]
            v: Any = int(t) if ok else None
        else:
            ok = bool(_FLOAT_RE.match(t))
            v = float(t) if ok else None
        if not ok:
            raise ctx.error(errors.InvalidArgumentError, f"StringToNumberOp could not correctly convert string: {t}")
        vals.append(v)
    return np.array(vals, dtype=out_type.as_numpy_dtype).reshape(arr.shape)


register_op("StringToNumber", infer=_to_number_infer, kernel=_to_number_kernel, num_inputs=1, host=True,
            doc="Parse each string as a number of out_type; a string that is not one is an error.")


def _regex_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    for v, what in zip(inputs, ("input", "pattern", "rewrite")):
        _require_string("RegexReplace", v, what)
    return [spec(dtypes.string, inputs[0].shape)]


_RE2_GROUP = re.compile(rb"\\(\d)")


def _regex_kernel(ctx: Any, x: np.ndarray, pattern: np.ndarray, rewrite: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=object)
    pat = to_bytes(np.asarray(pattern, dtype=object).item())
    rew = to_bytes(np.asarray(rewrite, dtype=object).item())
    try:
        rx = re.compile(pat)
    except re.error as exc:
        raise ctx.error(errors.InvalidArgumentError, f"Invalid pattern: {pat.decode('utf-8', 'replace')}, "
                        f"error: {exc}") from None
    # RE2 rewrites use \0..\9 (\0 the whole match); Python's template spells \0 as \g<0>
    template = _RE2_GROUP.sub(lambda m: b"\\g<" + m.group(1) + b">", rew)
    count = 0 if ctx.attrs["replace_global"] else 1
    return text_array([rx.sub(template, b, count=count) for b in bytes_list(arr)], arr.shape)


register_op("RegexReplace", infer=_regex_infer, kernel=_regex_kernel, num_inputs=3, host=True,
            doc="Replace matches of pattern with rewrite (RE2 syntax, \\1 groups); attr replace_global.")


def _as_string_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    x = inputs[0]
    if x.dtype not in AS_STRING_TYPES:
        raise TypeError(f"AsString input must be one of {[t.name for t in AS_STRING_TYPES]}, got {x.dtype.name}")
    fill = attrs["fill"]
    if len(fill) > 1:
        raise ValueError(f"Fill string must be one or fewer characters: {fill}")
    if attrs["scientific"] and attrs["shortest"]:
        raise ValueError("Cannot select both scientific and shortest notation")
    if not x.dtype.is_floating and (attrs["precision"] > -1 or attrs["scientific"] or attrs["shortest"]):
        raise ValueError(f"precision, scientific and shortest are only for floats, got {x.dtype.name}")
    return [spec(dtypes.string, x.shape)]


def as_string_format(dtype: dtypes.DType, attrs: dict) -> str:
    """The printf format TF's AsStringOp builds from its attrs."""
    fmt = "%"
    if attrs["fill"]:
        fmt += attrs["fill"]
    if attrs["width"] > -1:
        fmt += str(attrs["width"])
    if dtype.is_floating:
        if attrs["precision"] > -1:
            fmt += f".{attrs['precision']}"
        fmt += "e" if attrs["scientific"] else "g" if attrs["shortest"] else "f"
    else:
        fmt += "d"
    return fmt


def _as_string_kernel(ctx: Any, x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x)
    dtype = dtypes.as_dtype(arr.dtype)
    if dtype == dtypes.bool_:
        return text_array(["true" if v else "false" for v in arr.reshape(-1)], arr.shape)
    fmt = as_string_format(dtype, ctx.attrs)
    vals = arr.reshape(-1).astype(np.float64 if dtype.is_floating else np.int64).tolist()
    return text_array([fmt % v for v in vals], arr.shape)


register_op("AsString", infer=_as_string_infer, kernel=_as_string_kernel, num_inputs=1, host=True,
            doc="Format each number as a string (printf with attrs precision, scientific, shortest, width, fill).")

STRING_OPS = ("StringSplit", "StringSplitV2", "StringJoin", "StringLength", "Substr", "StringToNumber",
              "RegexReplace", "AsString")
