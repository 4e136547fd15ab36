"""Printing graphs and attr values as IR text (the format is specified in text/__init__.py)."""

from __future__ import annotations

import re
import struct
from typing import Any

import numpy as np

from ..dtypes import ALL_DTYPES, DType
from ..graph import Graph, Node, Provenance, Value
from ..shapes import TensorShape
from .syntax import BARE_NAME, CANONICAL_NAN64, IDENT, RESERVED_WORDS, UINT_OF_SIZE


def print_graph(graph: Graph, *, locations: bool = True, provenance: bool | None = None,
                types: bool = True, elide_large: int | None = None, sort_nodes: bool = False) -> str:
    """The text of `graph` (ends with a newline); `parse_graph` reads it back exactly.

    locations    print `loc(...)` (the user's source line of each node)
    provenance   print `prov(...)`; defaults to the value of `locations`
    types        print each node's output types (`: float32[?,3]`); text without them parses
                 back only when every op's inference rule can recompute them
    elide_large  abbreviate arrays with more than this many elements (dump-only text)
    sort_nodes   print nodes sorted by name instead of in graph order (for diffs)
    """
    printer = _Printer(locations, locations if provenance is None else provenance, types, elide_large,
                       sort_nodes)
    return printer.graph(graph, 0) + "\n"


def format_attr(value: Any, *, elide_large: int | None = None) -> str:
    """One attr value as text (nested graphs included), e.g. `shape[?,3]`."""
    return _Printer(True, True, True, elide_large, False).value(value, 0)


class _Printer:
    def __init__(self, locations: bool, provenance: bool, types: bool, elide_large: int | None,
                 sort_nodes: bool) -> None:
        self.locations = locations
        self.provenance = provenance
        self.types = types
        self.elide_large = elide_large
        self.sort_nodes = sort_nodes

    # --- graph and nodes ----------------------------------------------------------------
    def graph(self, graph: Graph, level: int) -> str:
        pad = "  " * (level + 1)
        lines = ["graph {"]
        if graph.seed is not None:
            lines.append(f"{pad}seed {graph.seed}")
        if graph.params:
            lines.append(f"{pad}params " + ", ".join(_ref("%", p.name) for p in graph.params))
        nodes = graph.nodes
        if self.sort_nodes:
            nodes = sorted(nodes, key=lambda n: n.name)
        for node in nodes:
            lines.append(pad + self.node(node, level + 1))
        if graph.results:
            lines.append(f"{pad}return " + ", ".join(_value_ref(v) for v in graph.results))
        if graph.targets:
            lines.append(f"{pad}targets " + ", ".join(_ref("%", t.name) for t in graph.targets))
        lines.append("  " * level + "}")
        return "\n".join(lines)

    def node(self, node: Node, level: int) -> str:
        op = node.op if IDENT.match(node.op) and node.op not in RESERVED_WORDS else _quote(node.op)
        args = [_value_ref(v) for v in node.inputs] + [_ref("^", c.name) for c in node.control_inputs]
        text = f"{_ref('%', node.name)} = {op}({', '.join(args)})"
        if node.attrs:
            items = []
            for key, value in node.attrs.items():
                try:
                    items.append(f"{_key(key)}={self.value(value, level)}")
                except TypeError as e:
                    raise TypeError(f"cannot print attr {key!r} of node {node.name!r} ({node.op}): {e}") from None
            text += " {" + ", ".join(items) + "}"
        if self.types:
            specs = [format_type(s.dtype, s.shape) for s in node.outputs]
            text += " : " + (specs[0] if len(specs) == 1 else "(" + ", ".join(specs) + ")")
        if node.device:
            text += f" @{_quote(node.device)}"
        if self.locations and node.source is not None:
            src = node.source
            text += f" loc({_quote(src.file)}:{src.line}"
            text += f":{_quote(src.function)})" if src.function else ")"
        prov = node.provenance
        if self.provenance and prov is not None and prov != Provenance():
            text += f" prov({_quote(prov.created_by)}"
            if prov.origins:
                text += ", [" + ", ".join(_quote(o) for o in prov.origins) + "]"
            text += ")"
        return text

    # --- attr values ----------------------------------------------------------------------
    def value(self, v: Any, level: int) -> str:
        if isinstance(v, np.ndarray):
            return self.array(v)
        if isinstance(v, np.generic):
            arr = np.asarray(v)
            return f"scalar<{_elem_type(arr.dtype)}>({_format_elements(arr.reshape(1), arr.dtype)[0]})"
        if v is None:
            return "none"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(int(v))
        if isinstance(v, float):
            return _format_float(float(v))
        if isinstance(v, str):
            return _quote(v)
        if isinstance(v, bytes):
            return _quote_bytes(v)
        if isinstance(v, DType):
            return v.name
        if isinstance(v, TensorShape):
            return "shape" + _format_dims(v)
        if isinstance(v, list):
            return "[" + ", ".join(self.value(x, level) for x in v) + "]"
        if isinstance(v, tuple):
            if len(v) == 1:
                return "(" + self.value(v[0], level) + ",)"
            return "(" + ", ".join(self.value(x, level) for x in v) + ")"
        if isinstance(v, Graph):
            return self.graph(v, level)
        raise TypeError(f"{type(v).__name__} is not plain IR data: {v!r:.80}")

    def array(self, arr: np.ndarray) -> str:
        header = f"array<{_elem_type(arr.dtype)}{_format_dims(TensorShape(arr.shape))}>"
        flat = arr.reshape(-1)
        n = flat.size
        if n > 1 and arr.dtype.kind != "O" and _is_splat(flat):
            return header + "splat(" + _format_elements(flat[:1], arr.dtype)[0] + ")"
        if self.elide_large is not None and n > self.elide_large:
            shown = _format_elements(flat[:min(self.elide_large, 8)], arr.dtype)
            return header + "[" + ", ".join(shown + ["..."]) + "]"
        return header + "[" + ", ".join(_format_elements(flat, arr.dtype)) + "]"


_SCALAR_PRINTER = _Printer(True, True, True, None, False)


def _ref(sigil: str, name: str) -> str:
    return sigil + (name if BARE_NAME.match(name) else _quote(name))


def _value_ref(v: Value) -> str:
    text = _ref("%", v.node.name)
    return text if v.index == 0 else f"{text}:{v.index}"


def _key(key: str) -> str:
    return key if IDENT.match(key) and key not in RESERVED_WORDS else _quote(key)


def _format_dims(shape: TensorShape) -> str:
    if shape.dims is None:
        return "[*]"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


def format_type(dtype: DType, shape: TensorShape) -> str:
    return dtype.name + _format_dims(shape)


def _format_float(x: float) -> str:
    if x != x:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        return "nan" if bits == CANONICAL_NAN64 else f"nan(0x{bits:016x})"
    return repr(x)


_PLAIN_STR = re.compile(r'[^"\\\x00-\x1f\x7f-\x9f]*\Z')
_STR_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quote(s: str) -> str:
    if _PLAIN_STR.match(s) and s.isprintable():
        return '"' + s + '"'
    out = ['"']
    for ch in s:
        esc = _STR_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch.isprintable():
            out.append(ch)
        else:
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


def _quote_bytes(b: bytes) -> str:
    out = ['b"']
    for byte in b:
        ch = chr(byte)
        esc = _STR_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


def _elem_type(dt: np.dtype) -> str:
    """flowjit's dtype name when the NumPy dtype is exactly flowjit's, else `"<dtype.str>"`."""
    for d in ALL_DTYPES:
        if dt == d.np_dtype:
            return d.name
    if dt.kind not in "biufUS" or dt.fields is not None or dt.subdtype is not None:
        raise TypeError(f"arrays of NumPy dtype {dt} cannot be printed")
    return _quote(dt.str)


def _is_splat(flat: np.ndarray) -> bool:
    raw = np.ascontiguousarray(flat).view(np.uint8).reshape(flat.size, flat.dtype.itemsize)
    return bool((raw == raw[0]).all())


def _format_elements(flat: np.ndarray, dt: np.dtype) -> list[str]:
    kind = dt.kind
    if kind == "b":
        return ["true" if x else "false" for x in flat.tolist()]
    if kind in "iu":
        return [str(x) for x in flat.tolist()]
    if kind == "f":
        return _format_float_elements(flat, dt)
    if kind == "U":
        return [_quote(x) for x in flat.tolist()]
    if kind == "S":
        return [_quote_bytes(x) for x in flat.tolist()]
    if kind == "O":
        out = []
        for x in flat.tolist():
            if not isinstance(x, (str, bytes, bool, int, float, type(None))):
                raise TypeError(f"object array element {x!r:.40} is not a str, bytes or scalar")
            out.append(_SCALAR_PRINTER.value(x, 0))
        return out
    raise TypeError(f"arrays of NumPy dtype {dt} cannot be printed")


def _format_float_elements(flat: np.ndarray, dt: np.dtype) -> list[str]:
    """Shortest text per element; hex where that would not read back to the same bits."""
    if dt.itemsize not in UINT_OF_SIZE:
        raise TypeError(f"arrays of NumPy dtype {dt} cannot be printed exactly")
    flat = np.ascontiguousarray(flat)
    texts = flat.astype(str).tolist()
    bits = flat.view(UINT_OF_SIZE[dt.itemsize])
    nan = np.isnan(flat)
    with np.errstate(over="ignore", invalid="ignore"):
        back = np.array([float(t) for t in texts], dtype=np.float64).astype(dt)
    bad = (back.view(bits.dtype) != bits) & ~nan
    if nan.any():
        canonical = np.array([np.nan], dtype=dt).view(bits.dtype)[0]
        for k in np.flatnonzero(nan).tolist():
            b = int(bits[k])
            texts[k] = "nan" if b == canonical else f"nan(0x{b:0{2 * dt.itemsize}x})"
    for k in np.flatnonzero(bad).tolist():
        texts[k] = float(flat[k]).hex()
    return texts
