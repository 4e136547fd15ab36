"""Parsing IR text back into graphs and attr values, with errors that point at the text."""

from __future__ import annotations

import bisect
import math
import re
import struct
from typing import Any, Callable

import numpy as np

from .. import registry
from ..dtypes import DType, as_dtype
from ..graph import Graph, Node, OutputSpec, Provenance, SourceLocation, Value
from ..shapes import TensorShape
from .syntax import DTYPE_BY_NAME, UINT_OF_SIZE


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+|\#[^\n]*)
  | (?P<str>b?"(?:[^"\\\n]|\\.)*")
  | (?P<ref>[%^](?:[A-Za-z0-9_.\-/>]+|"(?:[^"\\\n]|\\.)*"))
  | (?P<num>-?(?:0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?[pP][-+]?[0-9]+
               |(?:inf|nan)(?:\(0x[0-9a-fA-F]+\))?(?![A-Za-z0-9_])
               |[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>\.\.\.|[{}()\[\]<>,=:@?*])
""", re.VERBOSE)

_INT_TEXT = re.compile(r"-?[0-9]+\Z")
_WS = "[ \t\r\n]*"
# Fast-path screens for array bodies: only these characters, then int()/float() per element
# (anything they reject goes to the token path, which reports the error precisely).
_INT_CHARS = re.compile(r"[ \t\r\n0-9,\-]*\Z")
_BOOL_CHARS = re.compile(r"[ \t\r\n,truefals]*\Z")
_FLOAT_CHARS = re.compile(r"[ \t\r\n0-9,.eE+\-infa]*\Z")
_FLOAT_ELEM = re.compile(_WS + r"""-?(?:0[xX][0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?[pP][-+]?[0-9]+
                                      |(?:inf|nan)(?:\(0x[0-9a-fA-F]+\))?
                                      |[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)""" + _WS + r"\Z", re.VERBOSE)


def _excerpt(line: str, col: int, width: int = 100) -> tuple[str, int]:
    """(part of `line` around column `col`, the column within it): a message about a very
    long line (a huge array, deep nesting) quotes only the neighbourhood of the error."""
    if len(line) <= width:
        return line, col
    start = max(0, min(col - width // 2, len(line) - width))
    part = line[start:start + width]
    head = "..." if start > 0 else ""
    tail = "..." if start + width < len(line) else ""
    return head + part + tail, col - start + len(head)


class _Tok:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int) -> None:
        self.kind = kind
        self.text = text
        self.pos = pos

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text!r}@{self.pos}"


def _describe(tok: _Tok) -> str:
    if tok.kind == "eof":
        return "end of text"
    text = tok.text if len(tok.text) <= 40 else tok.text[:37] + "..."
    return repr(text)


# Deeper attr nesting is refused with a parse error: recursive descent would otherwise end in a
# RecursionError (the printer and graph comparison recurse the same way). Real graphs nest
# function bodies a few levels deep; protobuf's text parser stops at 100 as well.
MAX_NESTING = 100


class _Parser:
    """A recursive-descent parser over a lazily lexed token stream (arrays take a fast path)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.pos = 0  # where lexing continues
        self.buf: list[_Tok] = []  # lexed lookahead
        self.prev = _Tok("eof", "", 0)  # the last token consumed
        self.depth = 0  # attr values being parsed, one inside the other

    # --- errors and tokens --------------------------------------------------------------
    def error(self, pos: int, message: str) -> ValueError:
        line = bisect.bisect_right(self.line_starts, pos) - 1
        col = pos - self.line_starts[line]
        end = self.text.find("\n", self.line_starts[line])
        src = self.text[self.line_starts[line]: end if end >= 0 else len(self.text)]
        src, caret = _excerpt(src, col)
        return ValueError(f"{line + 1}:{col + 1}: {message}\n  {src}\n  {' ' * caret}^")

    def _lex_one(self) -> _Tok:
        text, pos, n = self.text, self.pos, len(self.text)
        match = _TOKEN.match
        while pos < n:
            m = match(text, pos)
            if m is None:
                raise self.error(pos, f"unexpected character {text[pos]!r}")
            kind = m.lastgroup
            if kind != "ws":
                self.pos = m.end()
                return _Tok(kind, m.group(), pos)  # type: ignore[arg-type]
            pos = m.end()
        self.pos = n
        return _Tok("eof", "", n)

    def peek(self, k: int = 0) -> _Tok:
        buf = self.buf
        while len(buf) <= k:
            buf.append(self._lex_one())
        return buf[k]

    def next(self) -> _Tok:
        tok = self.peek()
        if tok.kind != "eof":
            del self.buf[0]
            self.prev = tok
        return tok

    def at(self, text: str) -> bool:
        tok = self.peek()
        return tok.text == text and tok.kind in ("punct", "word")

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.next()
            return True
        return False

    def expect(self, text: str, what: str = "") -> _Tok:
        tok = self.peek()
        if not self.at(text):
            raise self.error(tok.pos, f"expected '{text}'{' ' + what if what else ''}, found {_describe(tok)}")
        return self.next()

    def expect_kind(self, kind: str, what: str) -> _Tok:
        tok = self.peek()
        if tok.kind != kind:
            raise self.error(tok.pos, f"expected {what}, found {_describe(tok)}")
        return self.next()

    # --- literals ---------------------------------------------------------------------------
    def string_value(self, tok: _Tok) -> str | bytes:
        raw = tok.text
        is_bytes = raw.startswith("b")
        body = raw[2:-1] if is_bytes else raw[1:-1]
        if "\\" not in body:
            if is_bytes:
                if not body.isascii():
                    raise self.error(tok.pos, "a bytes literal may hold only ASCII characters; use \\xHH")
                return body.encode("ascii")
            return body
        out: list[str] = []
        k = 0
        while k < len(body):
            ch = body[k]
            if ch != "\\":
                out.append(ch)
                k += 1
                continue
            esc = body[k + 1]
            simple = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r"}.get(esc)
            if simple is not None:
                out.append(simple)
                k += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(esc)
            digits = body[k + 2: k + 2 + width] if width else ""
            if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise self.error(tok.pos + (2 if is_bytes else 1) + k, f"invalid escape '\\{esc}' in string")
            out.append(chr(int(digits, 16)))
            k += 2 + width
        text = "".join(out)
        if is_bytes:
            if any(ord(c) > 0xFF for c in text):
                raise self.error(tok.pos, "a bytes literal may hold only \\xHH escapes, not \\u")
            return text.encode("latin-1")
        return text

    def name_of_ref(self, tok: _Tok) -> str:
        body = tok.text[1:]
        if body.startswith('"'):
            value = self.string_value(_Tok("str", body, tok.pos + 1))
            assert isinstance(value, str)
            return value
        return body

    def name_or_string(self, what: str) -> str:
        tok = self.peek()
        if tok.kind == "word":
            return self.next().text
        if tok.kind == "str" and not tok.text.startswith("b"):
            value = self.string_value(self.next())
            assert isinstance(value, str)
            return value
        raise self.error(tok.pos, f"expected {what}, found {_describe(tok)}")

    def int_value(self, what: str) -> int:
        tok = self.peek()
        if tok.kind != "num" or not _INT_TEXT.match(tok.text):
            raise self.error(tok.pos, f"expected {what} (an integer), found {_describe(tok)}")
        return int(self.next().text)

    def number(self, tok: _Tok) -> int | float:
        text = tok.text
        if _INT_TEXT.match(text):
            return int(text)
        return _float_of_text(text, 64)

    # --- types -------------------------------------------------------------------------------
    def dims(self) -> TensorShape:
        self.expect("[", "to open a shape")
        if self.accept("*"):
            self.expect("]", "after '*' (unknown rank)")
            return TensorShape(None)
        dims: list[int | None] = []
        if not self.at("]"):
            while True:
                if self.accept("?"):
                    dims.append(None)
                else:
                    d = self.int_value("a dimension or '?'")
                    if d < 0:
                        raise self.error(self.prev.pos, f"dimension {d} must be >= 0 (use '?' for unknown)")
                    dims.append(d)
                if not self.accept(","):
                    break
        self.expect("]", "to close the shape")
        return TensorShape(dims)

    def dtype(self) -> DType:
        tok = self.expect_kind("word", "a dtype name")
        try:
            return as_dtype(tok.text)
        except TypeError:
            raise self.error(tok.pos, f"unknown dtype {tok.text!r}; expected one of {sorted(DTYPE_BY_NAME)}") from None

    def out_type(self) -> OutputSpec:
        dtype = self.dtype()
        return OutputSpec(dtype, self.dims())

    def out_types(self) -> list[OutputSpec]:
        if self.accept("("):
            specs: list[OutputSpec] = []
            if not self.at(")"):
                specs.append(self.out_type())
                while self.accept(","):
                    specs.append(self.out_type())
            self.expect(")", "to close the output types")
            return specs
        return [self.out_type()]

    # --- attr values -------------------------------------------------------------------------
    def value(self) -> Any:
        """One attr value; nesting deeper than MAX_NESTING is a ValueError, not a RecursionError."""
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise self.error(self.peek().pos, f"attr values nested more than {MAX_NESTING} levels deep "
                                                  "(lists, tuples and graph blocks count)")
            return self._value()
        finally:
            self.depth -= 1

    def _value(self) -> Any:
        tok = self.peek()
        kind = tok.kind
        if kind == "num":
            return self.number(self.next())
        if kind == "str":
            return self.string_value(self.next())
        if kind == "punct":
            if tok.text == "[":
                self.next()
                return self.sequence("]")
            if tok.text == "(":
                self.next()
                items = []
                trailing_comma = False
                while not self.at(")"):
                    items.append(self.value())
                    trailing_comma = self.accept(",")
                    if not trailing_comma:
                        break
                self.expect(")", "to close the tuple")
                if len(items) == 1 and not trailing_comma:
                    raise self.error(tok.pos, "a 1-tuple is written '(x,)'")
                return tuple(items)
        if kind == "word":
            word = tok.text
            if word == "true" or word == "false":
                self.next()
                return word == "true"
            if word == "none":
                self.next()
                return None
            if word == "shape":
                self.next()
                return self.dims()
            if word == "array":
                self.next()
                return self.array()
            if word == "scalar":
                self.next()
                return self.scalar()
            if word == "graph":
                self.next()
                return self.graph_block()
            try:
                dt = as_dtype(word)
            except TypeError:
                raise self.error(tok.pos, f"unknown word {word!r} in an attr value; expected a number, string, "
                                          "true/false/none, a dtype, shape[...], array<...>, [..], (..) or graph {...}") from None
            self.next()
            return dt
        raise self.error(tok.pos, f"expected an attr value, found {_describe(tok)}")

    def sequence(self, close: str) -> list[Any]:
        items: list[Any] = []
        while not self.at(close):
            items.append(self.value())
            if not self.accept(","):
                break
        self.expect(close, "to close the list")
        return items

    def elem_dtype(self) -> np.dtype:
        tok = self.peek()
        if tok.kind == "word":
            return self.dtype().np_dtype
        if tok.kind == "str":
            spec = self.string_value(self.next())
            try:
                dt = np.dtype(spec)  # type: ignore[call-overload]
            except TypeError:
                raise self.error(tok.pos, f"unknown NumPy dtype {spec!r}") from None
            if dt.kind not in "biufUS":
                raise self.error(tok.pos, f"arrays of NumPy dtype {spec!r} are not supported")
            return dt
        raise self.error(tok.pos, f"expected an element dtype, found {_describe(tok)}")

    def array(self) -> np.ndarray:
        self.expect("<", "after 'array'")
        dt = self.elem_dtype()
        shape = self.dims()
        self.expect(">", "to close the array type")
        if shape.dims is None or not shape.is_fully_defined():
            raise self.error(self.prev.pos, "an array constant needs a fully known shape")
        dims = shape.as_tuple()
        size = int(np.prod(dims, dtype=np.int64))
        start = self.peek()
        if self.accept("splat"):
            self.expect("(", "after 'splat'")
            elem = self.element(dt)
            self.expect(")", "to close 'splat('")
            return _build_array([elem], dt, (1,), self, start.pos).reshape(-1).repeat(size).reshape(dims)
        if start.text == "[" and len(self.buf) == 1 and dt.kind in "biuf":
            fast = self._fast_numeric_elements(dt, dims, size, start)
            if fast is not None:
                return fast
        self.expect("[", "to open the array elements")
        elems: list[Any] = []
        if not self.at("]"):
            while True:
                if self.at("..."):
                    raise self.error(self.peek().pos, "this array was abbreviated by print_graph(elide_large=...) "
                                                      "and cannot be parsed back")
                elems.append(self.element(dt))
                if not self.accept(","):
                    break
        self.expect("]", "to close the array elements")
        if len(elems) != size:
            raise self.error(start.pos, f"array of shape {list(dims)} needs {size} elements, found {len(elems)}")
        return _build_array(elems, dt, dims, self, start.pos)

    def _fast_numeric_elements(self, dt: np.dtype, dims: tuple[int, ...], size: int, start: _Tok) -> np.ndarray | None:
        """Read `[e, e, ...]` of a numeric array straight from the text (no tokens); None to
        fall back to the token path, which also produces the precise error messages."""
        begin = self.pos  # just after '['
        end = self.text.find("]", begin)
        if end < 0:
            return None
        content = self.text[begin:end]
        items = content.split(",") if content.strip(" \t\r\n") else []
        if len(items) != size:
            return None
        kind = dt.kind
        try:
            if kind == "b":
                if not _BOOL_CHARS.match(content):
                    return None
                stripped = [x.strip(" \t\r\n") for x in items]
                if not all(x in ("true", "false") for x in stripped):
                    return None
                values: list[Any] = [x == "true" for x in stripped]
            elif kind in "iu":
                if not _INT_CHARS.match(content):
                    return None
                values = [int(x) for x in items]
            elif _FLOAT_CHARS.match(content):  # the common case: decimal, inf, nan
                values = [float(x) for x in items]
            else:  # hex floats or NaN bits: check and convert each element carefully
                if not all(map(_FLOAT_ELEM.match, items)):
                    return None
                values = [_NanBits(int(t[t.index("(") + 1:-1], 16), False) if "nan(" in t else _float_of_text(t, 64)
                          for t in (x.strip(" \t\r\n") for x in items)]
            arr = _build_array(values, dt, dims, self, start.pos)
        except (ValueError, OverflowError):  # malformed: let the token path say exactly where
            return None
        self.buf.clear()
        self.pos = end + 1
        self.prev = _Tok("punct", "]", end)
        return arr

    def scalar(self) -> np.generic:
        start = self.expect("<", "after 'scalar'")
        dt = self.elem_dtype()
        self.expect(">", "to close the scalar type")
        self.expect("(", "to open the scalar value")
        elem = self.element(dt)
        self.expect(")", "to close the scalar value")
        return _build_array([elem], dt, (), self, start.pos)[()]

    def element(self, dt: np.dtype) -> Any:
        tok = self.peek()
        kind = dt.kind
        if kind == "f":
            if tok.kind != "num":
                raise self.error(tok.pos, f"expected a {dt} number, found {_describe(tok)}")
            self.next()
            text = tok.text
            if "nan(" in text:
                return _NanBits(int(text[text.index("(") + 1:-1], 16), text.startswith("-"))
            return _float_of_text(text, 64)
        if kind in "iu":
            if tok.kind != "num" or not _INT_TEXT.match(tok.text):
                raise self.error(tok.pos, f"expected an integer element, found {_describe(tok)}")
            return int(self.next().text)
        if kind == "b":
            if self.accept("true"):
                return True
            if self.accept("false"):
                return False
            raise self.error(tok.pos, f"expected true or false, found {_describe(tok)}")
        if kind in "US":
            if tok.kind != "str" or tok.text.startswith("b") != (kind == "S"):
                raise self.error(tok.pos, f"expected a {'bytes' if kind == 'S' else 'str'} literal, found {_describe(tok)}")
            return self.string_value(self.next())
        value = self.value()  # object array
        if not isinstance(value, (str, bytes, bool, int, float, type(None))):
            raise self.error(tok.pos, "a string array element must be a str, bytes or scalar literal")
        return value

    # --- graphs --------------------------------------------------------------------------------
    def graph_block(self, graph_type: Callable[[], Graph] = Graph, bare: bool = False) -> Graph:
        """`{ statements }`, or (bare) statements up to the end of the text."""
        if not bare:
            self.expect("{", "to open the graph block")
        records: list[_NodeRecord] = []
        by_name: dict[str, _NodeRecord] = {}
        seen: dict[str, _Tok] = {}
        seed = params = results = targets = None
        while not (self.peek().kind == "eof" if bare else self.at("}")):
            tok = self.peek()
            if tok.kind == "ref" and tok.text.startswith("%"):
                rec = self.node_statement()
                if rec.name in by_name:
                    raise self.error(rec.pos, f"duplicate node name {rec.name!r} (first defined at "
                                              f"{self._line_col(by_name[rec.name].pos)})")
                by_name[rec.name] = rec
                records.append(rec)
                continue
            if tok.kind != "word" or tok.text not in ("seed", "params", "return", "targets"):
                raise self.error(tok.pos, f"expected a node ('%name = Op(...)'), 'seed', 'params', 'return', "
                                          f"'targets' or '}}', found {_describe(tok)}")
            if tok.text in seen:
                raise self.error(tok.pos, f"'{tok.text}' given twice in one graph")
            seen[tok.text] = tok
            self.next()
            if tok.text == "seed":
                seed = self.int_value("the graph seed")
            elif tok.text == "params":
                params = self.ref_list("%", allow_index=False)
            elif tok.text == "return":
                results = self.ref_list("%", allow_index=True)
            else:
                targets = self.ref_list("%", allow_index=False)
        if not bare:
            self.expect("}", "to close the graph block")
        graph = _build_graph(self, graph_type(), records, by_name)
        graph.seed = seed
        nodes = graph._nodes
        graph.params = [self.resolve_node(nodes, name, pos) for name, _, pos in (params or [])]
        graph.results = [self.resolve(nodes, name, pos, index) for name, index, pos in (results or [])]
        graph.targets = [self.resolve_node(nodes, name, pos) for name, _, pos in (targets or [])]
        return graph

    def resolve_node(self, nodes: dict[str, Node], name: str, pos: int) -> Node:
        node = nodes.get(name)
        if node is None:
            raise self.error(pos, f"no node named {name!r} in this graph")
        return node

    def resolve(self, nodes: dict[str, Node], name: str, pos: int, index: int = 0) -> Value:
        node = nodes.get(name)
        if node is None:
            raise self.error(pos, f"no node named {name!r} in this graph")
        if not 0 <= index < len(node.outputs):
            raise self.error(pos, f"node {name!r} has {len(node.outputs)} output(s); there is no output {index}")
        return node.output(index)

    def _line_col(self, pos: int) -> str:
        line = bisect.bisect_right(self.line_starts, pos) - 1
        return f"{line + 1}:{pos - self.line_starts[line] + 1}"

    def ref_list(self, sigil: str, allow_index: bool) -> list[tuple[str, int, int]]:
        refs = [self.ref(sigil, allow_index)]
        while self.accept(","):
            refs.append(self.ref(sigil, allow_index))
        return refs

    def ref(self, sigil: str, allow_index: bool) -> tuple[str, int, int]:
        tok = self.peek()
        if tok.kind != "ref" or not tok.text.startswith(sigil):
            raise self.error(tok.pos, f"expected a node reference '{sigil}name', found {_describe(tok)}")
        self.next()
        index = 0
        if allow_index and self.accept(":"):
            index = self.int_value("an output index")
        return self.name_of_ref(tok), index, tok.pos

    def node_statement(self) -> "_NodeRecord":
        name_tok = self.next()
        name = self.name_of_ref(name_tok)
        self.expect("=", f"after the node name %{name}")
        op_tok = self.peek()
        op = self.name_or_string("an op type")
        self.expect("(", f"to open the inputs of %{name}")
        inputs: list[tuple[str, int, int]] = []
        controls: list[tuple[str, int, int]] = []
        while not self.at(")"):
            tok = self.peek()
            if tok.kind == "ref" and tok.text.startswith("%"):
                if controls:
                    raise self.error(tok.pos, "data inputs must come before control inputs ('^name')")
                inputs.append(self.ref("%", allow_index=True))
            elif tok.kind == "ref" and tok.text.startswith("^"):
                controls.append(self.ref("^", allow_index=False))
            else:
                raise self.error(tok.pos, f"expected an input ('%name', '%name:1' or '^name'), found {_describe(tok)}")
            if not self.accept(","):
                break
        self.expect(")", f"to close the inputs of %{name}")
        attrs: dict[str, Any] = {}
        if self.accept("{"):
            while not self.at("}"):
                key_tok = self.peek()
                key = self.name_or_string("an attr name")
                if key in attrs:
                    raise self.error(key_tok.pos, f"attr {key!r} given twice")
                self.expect("=", f"after attr name {key!r}")
                attrs[key] = self.value()
                if not self.accept(","):
                    break
            self.expect("}", f"to close the attrs of %{name}")
        outputs = None
        if self.accept(":"):
            outputs = self.out_types()
        device = ""
        if self.accept("@"):
            tok = self.expect_kind("str", "a quoted device string after '@'")
            device = self.string_value(tok)  # type: ignore[assignment]
        source = None
        if self.accept("loc"):
            self.expect("(", "after 'loc'")
            file = self.string_value(self.expect_kind("str", "a quoted file name"))
            self.expect(":", "between the file and the line")
            line = self.int_value("a line number")
            function = ""
            if self.accept(":"):
                function = self.string_value(self.expect_kind("str", "a quoted function name"))
            self.expect(")", "to close 'loc('")
            source = SourceLocation(file, line, function)  # type: ignore[arg-type]
        provenance = Provenance()
        if self.accept("prov"):
            self.expect("(", "after 'prov'")
            created_by = self.string_value(self.expect_kind("str", "the quoted name of the creating pass"))
            origins: list[Any] = []
            if self.accept(","):
                self.expect("[", "to open the list of origins")
                while not self.at("]"):
                    origins.append(self.string_value(self.expect_kind("str", "a quoted origin node name")))
                    if not self.accept(","):
                        break
                self.expect("]", "to close the list of origins")
            self.expect(")", "to close 'prov('")
            provenance = Provenance(created_by, tuple(origins))  # type: ignore[arg-type]
        return _NodeRecord(name, op, op_tok.pos, inputs, controls, attrs, outputs, device, source, provenance,
                           name_tok.pos)


class _NanBits:
    """A NaN element with explicit bits (in the element dtype's width)."""

    __slots__ = ("bits", "negative")

    def __init__(self, bits: int, negative: bool) -> None:
        self.bits = bits
        self.negative = negative


def _float_of_text(text: str, width: int) -> float:
    neg = text.startswith("-")
    body = text[1:] if neg else text
    if body.startswith(("0x", "0X")):
        value = float.fromhex(body)
    elif body.startswith("nan("):
        bits = int(body[4:-1], 16)
        value = struct.unpack("<d", struct.pack("<Q", bits & 0xFFFFFFFFFFFFFFFF))[0]
    else:
        value = float(body)
    return -value if neg else value


def _build_array(elems: list[Any], dt: np.dtype, dims: tuple[int, ...], parser: _Parser, pos: int) -> np.ndarray:
    if dt.kind == "O":
        arr = np.empty(len(elems), dtype=object)
        for k, e in enumerate(elems):
            arr[k] = e
        return arr.reshape(dims)
    if dt.kind == "f":
        nan_bits = [(k, e) for k, e in enumerate(elems) if isinstance(e, _NanBits)]
        values = [math.nan if isinstance(e, _NanBits) else e for e in elems]
        with np.errstate(over="ignore", invalid="ignore"):
            arr = np.array(values, dtype=np.float64).astype(dt)
        if nan_bits:
            raw = arr.view(UINT_OF_SIZE[dt.itemsize])
            limit = 1 << (8 * dt.itemsize)
            for k, e in nan_bits:
                if e.bits >= limit:
                    raise parser.error(pos, f"NaN bits 0x{e.bits:x} do not fit a {dt} element")
                raw[k] = e.bits
        return arr.reshape(dims)
    try:
        return np.array(elems, dtype=dt).reshape(dims)
    except OverflowError as e:
        raise parser.error(pos, f"array element out of range for {dt}: {e}") from None


class _NodeRecord:
    __slots__ = ("name", "op", "op_pos", "inputs", "controls", "attrs", "outputs", "device", "source",
                 "provenance", "pos")

    def __init__(self, name, op, op_pos, inputs, controls, attrs, outputs, device, source, provenance, pos):
        self.name = name
        self.op = op
        self.op_pos = op_pos
        self.inputs = inputs
        self.controls = controls
        self.attrs = attrs
        self.outputs = outputs
        self.device = device
        self.source = source
        self.provenance = provenance
        self.pos = pos


def _build_graph(parser: _Parser, graph: Graph, records: list[_NodeRecord],
                 by_name: dict[str, _NodeRecord]) -> Graph:
    """Create the nodes (in any order, so text order need not be topological), then wire them."""
    made: dict[str, Node] = {}
    for rec in records:
        for name, _, pos in rec.inputs + rec.controls:
            if name not in by_name:
                raise parser.error(pos, f"no node named {name!r} in this graph")
        if rec.outputs is not None:
            made[rec.name] = Node(graph, rec.op, rec.name, [], [], rec.attrs, rec.device, rec.outputs,
                                  rec.source, rec.provenance)

    # Nodes printed without types: run inference in dependency order (iterative DFS).
    on_path: set[str] = set()
    for root in records:
        if root.name in made:
            continue
        stack: list[tuple[_NodeRecord, bool]] = [(root, False)]
        while stack:
            rec, deps_done = stack.pop()
            if rec.name in made:
                continue
            if deps_done:
                made[rec.name] = _infer_node(parser, graph, rec, made)
                on_path.discard(rec.name)
                continue
            on_path.add(rec.name)
            stack.append((rec, True))
            for name, _, pos in reversed(rec.inputs):
                if name in made:
                    continue
                if name in on_path:
                    raise parser.error(pos, f"cannot infer the types of %{name}: it depends on itself; "
                                            "give its output types (': float32[...]')")
                stack.append((by_name[name], False))

    for rec in records:
        node = made[rec.name]
        if rec.outputs is not None:
            node.inputs = [parser.resolve(made, name, pos, index) for name, index, pos in rec.inputs]
        node.control_inputs = [made[name] for name, _, _ in rec.controls]
        graph._reserve_exact(rec.name)
        graph._nodes[rec.name] = node
    graph.version += 1
    return graph


def _infer_node(parser: _Parser, graph: Graph, rec: _NodeRecord, made: dict[str, Node]) -> Node:
    inputs = [parser.resolve(made, name, pos, index) for name, index, pos in rec.inputs]
    if not registry.has_op(rec.op):
        raise parser.error(rec.op_pos, f"op type {rec.op!r} is not registered, so the outputs of %{rec.name} "
                                       "cannot be inferred; give its output types")
    try:
        outputs = registry.get_op(rec.op).infer(inputs, rec.attrs)
    except Exception as e:  # noqa: BLE001 - any inference failure is a parse error here
        raise parser.error(rec.pos, f"inferring the outputs of %{rec.name} ({rec.op}) failed: {e}") from None
    return Node(graph, rec.op, rec.name, inputs, [], rec.attrs, rec.device, list(outputs), rec.source,
                rec.provenance)


def parse_graph(text: str, *, graph_type: Callable[[], Graph] = Graph) -> Graph:
    """Read a graph printed by `print_graph` (or written by hand in the same syntax).

    The text is one `graph { ... }` block; a bare list of statements (no `graph {` wrapper) is
    accepted too. Nested graphs (attrs) are always plain `ir.Graph`s; `graph_type` makes the
    top-level one. Raises ValueError naming line:column and what was expected.
    """
    parser = _Parser(text)
    if parser.at("graph") and parser.peek(1).text == "{":
        parser.next()
        graph = parser.graph_block(graph_type)
    else:
        graph = parser.graph_block(graph_type, bare=True)
    tok = parser.peek()
    if tok.kind != "eof":
        raise parser.error(tok.pos, f"expected end of text after the graph, found {_describe(tok)}")
    return graph


def parse_attr(text: str) -> Any:
    """Read one attr value printed by `format_attr`."""
    parser = _Parser(text)
    value = parser.value()
    tok = parser.peek()
    if tok.kind != "eof":
        raise parser.error(tok.pos, f"expected end of text after the value, found {_describe(tok)}")
    return value
