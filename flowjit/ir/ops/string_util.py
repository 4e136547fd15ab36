"""How string tensors hold their values, for the kernels of string-handling host ops.

A string tensor's value is an object array of `str`, bytes decoded as UTF-8 with
`surrogateescape` (so any byte string round-trips); Session.run hands them back as bytes.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np


def to_bytes(item: Any) -> bytes:
    """The bytes of one string element (str via UTF-8/surrogateescape; bytes as they are)."""
    if isinstance(item, (bytes, bytearray, np.bytes_)):
        return bytes(item)
    return str(item).encode("utf-8", "surrogateescape")


def to_text(data: bytes) -> str:
    """One string element as stored in a tensor."""
    return bytes(data).decode("utf-8", "surrogateescape")


def text_array(items: Iterable[Any], shape: Any = None) -> np.ndarray:
    """An object array of stored string elements from bytes (or str) items."""
    flat = [to_text(x) if isinstance(x, (bytes, bytearray, np.bytes_)) else str(x) for x in items]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out if shape is None else out.reshape(shape)


def bytes_list(array: Any) -> list[bytes]:
    """Every element of a string array as bytes, in row-major order."""
    return [to_bytes(x) for x in np.asarray(array, dtype=object).reshape(-1)]
