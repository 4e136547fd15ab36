"""The protobuf wire form of TF's `Summary` proto, written and split without protobuf.

Why by hand: summary ops are IR kernels (the lowest layer) and must run without the optional
`tensorboard` extra; the messages are small and fixed. Fields are written in field-number
order with proto3's rules (zero scalars omitted, set oneof members and present sub-messages
always written), which is what TF's C++ serializer emits, so the bytes equal TF's.
Field numbers are those of tensorflow/core/framework/{summary,tensor,tensor_shape}.proto.
"""

from __future__ import annotations

import struct
from typing import Iterable, Iterator, Sequence

import numpy as np

# tensorflow/core/framework/types.proto DataType values
DT_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "string": 7,
           "int64": 9, "bool": 10, "float16": 19}


def varint(n: int) -> bytes:
    """Base-128 varint; negative ints as 64-bit two's complement (protobuf's int32/int64)."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def field_bytes(field: int, data: bytes) -> bytes:
    """A length-delimited field (string, bytes, sub-message); always written."""
    return _key(field, 2) + varint(len(data)) + data


def field_varint(field: int, n: int) -> bytes:
    """An int/enum/bool field; proto3 omits zero."""
    return _key(field, 0) + varint(int(n)) if n else b""


def field_double(field: int, x: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", x) if x != 0.0 or np.signbit(x) else b""


def field_float(field: int, x: float, always: bool = False) -> bytes:
    return _key(field, 5) + struct.pack("<f", x) if always or x != 0.0 or np.signbit(x) else b""


def field_packed_doubles(field: int, xs: Sequence[float]) -> bytes:
    return field_bytes(field, struct.pack(f"<{len(xs)}d", *xs)) if len(xs) else b""


def as_bytes(s: object) -> bytes:
    """A string tensor element (str or bytes) as bytes."""
    return s if isinstance(s, bytes) else str(s).encode("utf-8", "surrogateescape")


# --- Summary.Value ------------------------------------------------------------------------

def value(tag: bytes, body: bytes = b"", metadata: bytes | None = None) -> bytes:
    """One serialized `Summary.Value`: tag (1), the oneof member `body` (already keyed), metadata (9)."""
    out = (field_bytes(1, tag) if tag else b"") + body
    if metadata is not None:
        out += field_bytes(9, metadata)
    return out


def simple_value(x: float) -> bytes:
    return field_float(2, x, always=True)


def histo(min_: float, max_: float, num: float, sum_: float, sum_squares: float,
          limits: Sequence[float], counts: Sequence[float]) -> bytes:
    body = (field_double(1, min_) + field_double(2, max_) + field_double(3, num) + field_double(4, sum_)
            + field_double(5, sum_squares) + field_packed_doubles(6, limits) + field_packed_doubles(7, counts))
    return field_bytes(5, body)


def image(height: int, width: int, colorspace: int, png: bytes) -> bytes:
    body = field_varint(1, height) + field_varint(2, width) + field_varint(3, colorspace)
    return field_bytes(4, body + (field_bytes(4, png) if png else b""))


def audio(sample_rate: float, num_channels: int, length_frames: int, wav: bytes, content_type: bytes) -> bytes:
    body = (field_float(1, sample_rate) + field_varint(2, num_channels) + field_varint(3, length_frames)
            + (field_bytes(4, wav) if wav else b"") + field_bytes(5, content_type))
    return field_bytes(6, body)


def tensor_proto(array: np.ndarray, dtype_name: str) -> bytes:
    """TensorProto as TF's summary kernels write it: strings as string_val (8), else tensor_content (4)."""
    shape = b"".join(field_bytes(2, field_varint(1, d)) for d in array.shape)
    body = field_varint(1, DT_ENUM[dtype_name]) + field_bytes(2, shape)
    if dtype_name == "string":
        body += b"".join(field_bytes(8, as_bytes(s)) for s in array.reshape(-1))
    elif array.size:
        content = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        body += field_bytes(4, content)
    return field_bytes(8, body)


def summary(values: Iterable[bytes]) -> bytes:
    """A serialized `Summary` holding the given serialized values (field 1, repeated)."""
    return b"".join(field_bytes(1, v) for v in values)


# --- reading (MergeSummary) ---------------------------------------------------------------

class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise WireError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, payload) of each field of one message."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire_type == 0:
            n, pos = _read_varint(data, pos)
            yield number, wire_type, n
        elif wire_type == 1 or wire_type == 5:
            width = 8 if wire_type == 1 else 4
            if pos + width > len(data):
                raise WireError("truncated fixed-width field")
            yield number, wire_type, data[pos:pos + width]
            pos += width
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise WireError("truncated length-delimited field")
            yield number, wire_type, data[pos:pos + length]
            pos += length
        else:
            raise WireError(f"unsupported wire type {wire_type}")


def summary_values(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (tag, serialized value) pairs of a serialized `Summary`, in order."""
    out = []
    for number, wire_type, payload in fields(data):
        if number != 1:
            continue
        if wire_type != 2:
            raise WireError("Summary.value is not a message")
        tag = b""
        for inner_number, inner_type, inner in fields(payload):  # type: ignore[arg-type]
            if inner_number == 1 and inner_type == 2:
                tag = inner  # type: ignore[assignment]
        out.append((tag, payload))  # type: ignore[arg-type]
    return out
