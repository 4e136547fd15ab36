"""`tf.compat`'s string, path and number-type helpers, with TF's exact conversions and errors."""

from __future__ import annotations

import codecs
import numbers as _numbers
from typing import Any

import numpy as _np

__all__ = ["as_bytes", "as_text", "as_str", "as_str_any", "path_to_str", "path_to_bytes", "bytes_or_text_types",
           "integral_types", "real_types", "complex_types"]

integral_types = (_numbers.Integral, _np.integer)
real_types = (_numbers.Real, _np.integer, _np.floating)
complex_types = (_numbers.Complex, _np.number)
bytes_or_text_types = (bytes, str)


def as_bytes(bytes_or_text: Any, encoding: str = "utf-8") -> bytes:
    """bytes, bytearray or str -> bytes (str encoded with `encoding`)."""
    encoding = codecs.lookup(encoding).name
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """bytes or str -> str (bytes decoded with `encoding`)."""
    encoding = codecs.lookup(encoding).name
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_str(bytes_or_text: Any, encoding: str = "utf-8") -> str:
    """TF's alias of `as_text`."""
    return as_text(bytes_or_text, encoding)


def as_str_any(value: Any, encoding: str = "utf-8") -> str:
    """`str(value)`, except bytes, which are decoded."""
    if isinstance(value, bytes):
        return as_str(value, encoding=encoding)
    return str(value)


def path_to_str(path: Any) -> Any:
    """An os.PathLike as str; anything else is returned as it came, as in TF."""
    if hasattr(path, "__fspath__"):
        path = as_str_any(path.__fspath__())
    return path


def path_to_bytes(path: Any) -> bytes:
    if hasattr(path, "__fspath__"):
        path = path.__fspath__()
    return as_bytes(path)
