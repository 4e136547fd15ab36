"""TF1's readers (`tf.TextLineReader`, `tf.FixedLengthRecordReader`, `tf.TFRecordReader`,
`tf.WholeFileReader`, `tf.ReaderBase`): each holds the string handle of its creation op; `read`
takes a queue of filenames (a QueueBase or its handle) and yields one (key, value) record.
Reader state (the file in progress, the counters) lives in the session
(runtime/host/readers.py).
"""

from __future__ import annotations

import collections
from typing import Any

from ...ir import dtypes
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from ..io.tf_record import TFRecordOptions

__all__ = ["ReaderBase", "TextLineReader", "FixedLengthRecordReader", "TFRecordReader", "WholeFileReader"]

ReaderRead = collections.namedtuple("ReaderRead", ["key", "value"])
ReaderReadUpTo = collections.namedtuple("ReaderReadUpTo", ["keys", "values"])


def _queue_ref(queue: Any) -> Tensor:
    if isinstance(queue, Tensor):
        if queue.dtype != dtypes.string:
            raise TypeError(f"a reader reads from a queue (or its string handle), got a {queue.dtype.name} tensor")
        return queue
    ref = getattr(queue, "queue_ref", None)
    if ref is None:
        raise TypeError(f"a reader reads from a queue of filenames (a tf.QueueBase), got {type(queue).__name__}")
    return ref


class ReaderBase:
    """Base class for readers: read, read_up_to, num_records_produced, num_work_units_completed,
    reset on the reader its `reader_ref` handle names."""

    def __init__(self, reader_ref: Tensor, supports_serialize: bool = False) -> None:
        self._reader_ref = reader_ref
        self._supports_serialize = supports_serialize

    @property
    def reader_ref(self) -> Tensor:
        return self._reader_ref

    @property
    def supports_serialize(self) -> bool:
        return self._supports_serialize

    def _op(self, op_type: str, inputs: list[Any], name: str | None) -> Any:
        return get_default_graph().create_op(op_type, [self._reader_ref] + inputs, {}, name=name or op_type)

    def read(self, queue: Any, name: str | None = None) -> ReaderRead:
        """The next (key, value) record; dequeues a filename when the current file is done."""
        op = self._op("ReaderReadV2", [_queue_ref(queue)], name)
        return ReaderRead(op.outputs[0], op.outputs[1])

    def read_up_to(self, queue: Any, num_records: Any, name: str | None = None) -> ReaderReadUpTo:
        """Up to num_records (keys, values) vectors; fewer at the end of the input."""
        n = convert_to_tensor(num_records, dtype=dtypes.int64)
        op = self._op("ReaderReadUpToV2", [_queue_ref(queue), n], name)
        return ReaderReadUpTo(op.outputs[0], op.outputs[1])

    def num_records_produced(self, name: str | None = None) -> Tensor:
        return self._op("ReaderNumRecordsProducedV2", [], name).outputs[0]

    def num_work_units_completed(self, name: str | None = None) -> Tensor:
        return self._op("ReaderNumWorkUnitsCompletedV2", [], name).outputs[0]

    def serialize_state(self, name: str | None = None) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support serialize_state in flowjit")

    def restore_state(self, state: Any, name: str | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not support restore_state in flowjit")

    def reset(self, name: str | None = None) -> Any:
        return self._op("ReaderResetV2", [], name)


def _create(op_type: str, attrs: dict[str, Any], name: str | None) -> Tensor:
    attrs = {"container": "", "shared_name": "", **attrs}
    return get_default_graph().create_op(op_type, [], attrs, name=name or op_type).outputs[0]


def _count(value: Any, what: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"{what} must be a non-negative int, got {value!r}")
    return int(value)


class TextLineReader(ReaderBase):
    """Outputs the lines of a file delimited by newlines (keys "<file>:<line number>")."""

    def __init__(self, skip_header_lines: int | None = None, name: str | None = None) -> None:
        ref = _create("TextLineReaderV2", {"skip_header_lines": _count(skip_header_lines, "skip_header_lines")}, name)
        super().__init__(ref)


class FixedLengthRecordReader(ReaderBase):
    """Outputs fixed-length records (record_bytes each, hop_bytes apart) between a header and a footer."""

    def __init__(self, record_bytes: int, header_bytes: int | None = None, footer_bytes: int | None = None,
                 hop_bytes: int | None = None, name: str | None = None, encoding: str | None = None) -> None:
        if not isinstance(record_bytes, int) or record_bytes <= 0:
            raise ValueError(f"record_bytes must be a positive int, got {record_bytes!r}")
        attrs = {"record_bytes": record_bytes, "header_bytes": _count(header_bytes, "header_bytes"),
                 "footer_bytes": _count(footer_bytes, "footer_bytes"), "hop_bytes": _count(hop_bytes, "hop_bytes"),
                 "encoding": encoding or ""}
        super().__init__(_create("FixedLengthRecordReaderV2", attrs, name))


def _compression(options: Any) -> str:
    if options is None:
        return ""
    return TFRecordOptions.get_compression_type_string(options)


class TFRecordReader(ReaderBase):
    """Outputs the records of TFRecord files (keys "<file>:<byte offset>")."""

    def __init__(self, name: str | None = None, options: Any = None) -> None:
        super().__init__(_create("TFRecordReaderV2", {"compression_type": _compression(options)}, name))


class WholeFileReader(ReaderBase):
    """Outputs each whole file as one record (key: the filename)."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(_create("WholeFileReaderV2", {}, name))
