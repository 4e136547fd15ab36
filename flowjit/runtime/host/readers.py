"""Host reader state behind the ReaderV2 ops (TF's TextLineReader, FixedLengthRecordReader,
TFRecordReader, WholeFileReader).

A reader works through a queue of filenames: when its current file (its "work unit") is
exhausted it dequeues the next one, blocking as the queue's dequeue does. It counts records
produced and work units completed, and `reset()` forgets both and the file in progress. Keys
are TF's: "<file>:<line number>" (text lines, counting skipped header lines), "<file>:<record
index>" (fixed-length), "<file>:<byte offset>" (TFRecord), "<file>" (whole file).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterator

from ...ir import errors
from ...ir.formats import records  # TFRecord framing (a plain codec in the ir layer)
from .queues import Fail, HostQueue

Records = Iterator[tuple[bytes, bytes]]


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class HostReader:
    """The common loop: take a work unit when needed, yield its records one at a time."""

    kind = "ReaderBase"

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        self.name = name
        self.attrs = attrs
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._records: Records | None = None
        self.work: bytes | None = None
        self.num_records_produced = 0
        self.num_work_units_completed = 0

    def _open(self, filename: str, fail: Fail) -> Records:
        raise NotImplementedError

    def _read_file(self, filename: str, fail: Fail) -> bytes:
        try:
            with open(filename, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise fail(errors.NotFoundError, f"{filename}; No such file or directory") from None
        except IsADirectoryError:
            raise fail(errors.FailedPreconditionError, f"{filename}; Is a directory") from None

    def read_up_to(self, queue: HostQueue, n: int, deadline: float | None, fail: Fail) -> list[tuple[bytes, bytes]]:
        """Up to n (key, value) records; the filename queue closed and empty ends the reading
        (OutOfRangeError when nothing was read in this call)."""
        out: list[tuple[bytes, bytes]] = []
        with self._lock:
            while len(out) < n:
                if self._records is None:
                    try:
                        (item,) = queue.dequeue_many(1, False, deadline, fail)[0]
                    except errors.OutOfRangeError:
                        if out:
                            break
                        raise
                    item = item.item() if hasattr(item, "item") else item  # a 0-d object array
                    self.work = item if isinstance(item, bytes) else _text(item).encode()
                    self._records = self._open(self.work.decode(), fail)
                try:
                    out.append(next(self._records))
                    self.num_records_produced += 1
                except StopIteration:
                    self._records = None
                    self.work = None
                    self.num_work_units_completed += 1
        return out


class TextLineReader(HostReader):
    kind = "TextLineReader"

    def _open(self, filename: str, fail: Fail) -> Records:
        data = self._read_file(filename, fail)
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # a final newline ends the last line, it does not start another
        skip = int(self.attrs.get("skip_header_lines", 0) or 0)
        for number, line in enumerate(lines, start=1):
            if number <= skip:
                continue
            if line.endswith(b"\r"):
                line = line[:-1]
            yield f"{filename}:{number}".encode(), line


class FixedLengthRecordReader(HostReader):
    kind = "FixedLengthRecordReader"

    def _open(self, filename: str, fail: Fail) -> Records:
        data = self._read_file(filename, fail)
        header = int(self.attrs.get("header_bytes", 0) or 0)
        record = int(self.attrs["record_bytes"])
        footer = int(self.attrs.get("footer_bytes", 0) or 0)
        hop = int(self.attrs.get("hop_bytes", 0) or 0) or record
        if _text(self.attrs.get("encoding", "") or "") not in ("", "ZLIB", "GZIP"):
            raise fail(errors.InvalidArgumentError, f"encoding must be '', 'ZLIB' or 'GZIP', got {self.attrs['encoding']!r}")
        if self.attrs.get("encoding") in ("ZLIB", "GZIP"):
            import gzip
            import zlib
            data = gzip.decompress(data) if self.attrs["encoding"] == "GZIP" else zlib.decompress(data)
        body = data[header:len(data) - footer if footer else len(data)]
        index, pos = 0, 0
        while pos + record <= len(body):
            yield f"{filename}:{index}".encode(), body[pos:pos + record]
            index += 1
            pos += hop


class TFRecordReader(HostReader):
    kind = "TFRecordReader"

    def _open(self, filename: str, fail: Fail) -> Records:
        if not os.path.exists(filename):
            raise fail(errors.NotFoundError, f"{filename}; No such file or directory")
        compression = _text(self.attrs.get("compression_type", "") or "")
        try:
            with records.open_records(filename, compression) as f:
                for offset, value in records.iter_records(f, filename, 0):
                    yield f"{filename}:{offset}".encode(), bytes(value)
        except errors.OpError as e:  # the codec's errors name no node: name ours
            raise fail(type(e), e.message if hasattr(e, "message") else str(e)) from e
        except (ValueError, OSError) as e:
            raise fail(errors.DataLossError, f"{filename}: {e}") from e


class WholeFileReader(HostReader):
    kind = "WholeFileReader"

    def _open(self, filename: str, fail: Fail) -> Records:
        yield filename.encode(), self._read_file(filename, fail)


_KINDS: dict[str, Callable[[str, dict[str, Any]], HostReader]] = {
    "TextLineReader": TextLineReader, "FixedLengthRecordReader": FixedLengthRecordReader,
    "TFRecordReader": TFRecordReader, "WholeFileReader": WholeFileReader,
}


def make_reader(kind: str, name: str, attrs: dict[str, Any]) -> HostReader:
    """The reader object for a creation op of type `kind` (TF's op type without 'V2')."""
    try:
        return _KINDS[kind](name, attrs)
    except KeyError:
        raise ValueError(f"unknown reader kind {kind!r}: expected one of {sorted(_KINDS)}") from None
