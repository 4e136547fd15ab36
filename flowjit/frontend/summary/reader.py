"""Reading event files back: `tf.summary.summary_iterator` / `tf.train.summary_iterator`.

TF's record format: uint64 length, uint32 masked CRC-32C of the length bytes, the data,
uint32 masked CRC-32C of the data (all little-endian). Every CRC is checked: a corrupt or
truncated record raises DataLossError naming the file and offset, never silently ends the
iteration (TF's tf_record_iterator does the same).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from ...ir import errors
from ...ir.formats import records
from .proto import tb_proto

def tf_record_iterator(path: str) -> Iterator[bytes]:
    """The records of a TFRecord file, each checked against both of its CRCs (ir.formats.records)."""
    return records.read_records(os.fspath(path))


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
