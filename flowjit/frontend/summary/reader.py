"""Reading event files back: `tf.summary.summary_iterator` / `tf.train.summary_iterator`.

TF's record format: uint64 length, uint32 masked CRC-32C of the length bytes, the data,
uint32 masked CRC-32C of the data (all little-endian). Every CRC is checked: a corrupt or
truncated record raises DataLossError naming the file and offset, never silently ends the
iteration (TF's tf_record_iterator does the same).
"""

from __future__ import annotations

import os
import struct
from typing import Any, BinaryIO, Iterator

from ...ir import errors
from .proto import tb_import, tb_proto

_HEADER = 12
_FOOTER = 4


def _crc_fn() -> Any:
    return tb_import("tensorboard.compat.tensorflow_stub.pywrap_tensorflow",
                     "tf.summary.summary_iterator").masked_crc32c


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    return data if data is not None else b""


def tf_record_iterator(path: str) -> Iterator[bytes]:
    """The records of a TFRecord file, each checked against both of its CRCs."""
    masked_crc32c = _crc_fn()
    try:
        f = open(os.fspath(path), "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except OSError as exc:
        raise errors.PermissionDeniedError(None, None, f"{path}; {exc.strerror}") from None
    with f:
        offset = 0
        while True:
            header = _read_exact(f, _HEADER)
            if not header:
                return
            if len(header) < _HEADER:
                raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
            length_bytes, length_crc = header[:8], struct.unpack("<I", header[8:])[0]
            if masked_crc32c(length_bytes) != length_crc:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path} "
                                                       "(length CRC mismatch)")
            (length,) = struct.unpack("<Q", length_bytes)
            body = _read_exact(f, length + _FOOTER)
            if len(body) < length + _FOOTER:
                raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
            data, (data_crc,) = body[:length], struct.unpack("<I", body[length:])
            if masked_crc32c(data) != data_crc:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path} "
                                                       "(data CRC mismatch)")
            yield data
            offset += _HEADER + length + _FOOTER


def summary_iterator(path: str) -> Iterator[Any]:
    """`tf.compat.v1.train.summary_iterator`: yield each `Event` proto of an event file, in order.

        for e in tf.train.summary_iterator(path):
            for v in e.summary.value:
                if v.tag == "loss":
                    print(e.step, v.simple_value)
    """
    event_pb2 = tb_proto("event_pb2", "tf.summary.summary_iterator")
    for record in tf_record_iterator(path):
        try:
            yield event_pb2.Event.FromString(record)
        except Exception as exc:  # protobuf's DecodeError: the CRC held but the bytes are no Event
            raise errors.DataLossError(None, None, f"record in {path} is not an Event proto: {exc}") from None
