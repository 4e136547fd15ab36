"""TensorFlow's TFRecord framing, shared by TFRecordWriter, readers, tf.data and event files.

One record is: uint64 length (little-endian), uint32 masked CRC-32C of those 8 bytes, the data,
uint32 masked CRC-32C of the data. The mask is TF's `((crc >> 15) | (crc << 17)) + 0xa282ead8`.
Compression ("ZLIB", "GZIP") wraps the whole stream, as TF's ZlibOutputBuffer does; offsets
reported in errors are offsets in the uncompressed stream, as TF's record reader reports them.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from typing import BinaryIO, Iterator

import google_crc32c

from .. import errors

_MASK_DELTA = 0xA282EAD8
_HEADER = 12
_FOOTER = 4
COMPRESSIONS = ("", "ZLIB", "GZIP")


def crc32c(data: bytes) -> int:
    """The plain CRC-32C (Castagnoli) of `data` (C implementation of google-crc32c)."""
    return google_crc32c.value(bytes(data))


def masked_crc32c(data: bytes) -> int:
    """TF's masked CRC-32C: rotate right by 15 bits and add a constant (so CRCs of CRCs differ)."""
    crc = google_crc32c.value(bytes(data))
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def encode_record(data: bytes) -> bytes:
    """One framed record as bytes (header, data, footer)."""
    data = bytes(data)
    length = struct.pack("<Q", len(data))
    return b"".join((length, struct.pack("<I", masked_crc32c(length)), data,
                     struct.pack("<I", masked_crc32c(data))))


def write_record(f: BinaryIO, data: bytes) -> None:
    """Append one framed record to the binary stream `f`."""
    f.write(encode_record(data))


def check_compression(compression: str | None) -> str:
    """Normalize a compression name ("" / None / "ZLIB" / "GZIP"); anything else is an error."""
    name = "" if compression is None else compression
    if not isinstance(name, str) or name.upper() not in COMPRESSIONS:
        raise errors.InvalidArgumentError(
            None, None, f"Unsupported compression_type: {compression!r}; expected one of '', 'ZLIB', 'GZIP'")
    return name.upper()


class _ZlibReader(io.RawIOBase):
    """A readable stream over a zlib (RFC 1950) compressed file, decompressed incrementally."""

    def __init__(self, raw: BinaryIO, path: str) -> None:
        self._raw = raw
        self._path = path
        self._z = zlib.decompressobj(zlib.MAX_WBITS)
        self._buf = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf and not self._eof:
            chunk = self._raw.read(1 << 16)
            try:
                if chunk:
                    self._buf = self._z.decompress(chunk)
                else:
                    self._buf = self._z.flush()
                    self._eof = True
            except zlib.error as exc:
                raise errors.DataLossError(None, None, f"{self._path}: corrupted ZLIB stream: {exc}") from None
            if self._z.eof:
                self._eof = True
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _ZlibWriter(io.RawIOBase):
    """A writable stream that zlib-compresses (RFC 1950) into a file; `flush` syncs the stream."""

    def __init__(self, raw: BinaryIO, level: int = zlib.Z_DEFAULT_COMPRESSION) -> None:
        self._raw = raw
        self._z = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS)
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self._raw.write(self._z.compress(bytes(b)))
        return len(b)

    def flush(self) -> None:
        if not self.closed and not self._finished:
            self._raw.write(self._z.flush(zlib.Z_SYNC_FLUSH))
            self._raw.flush()

    def close(self) -> None:
        if not self.closed and not self._finished:
            self._finished = True
            self._raw.write(self._z.flush(zlib.Z_FINISH))
            self._raw.close()
        super().close()


class _OwningGzip(gzip.GzipFile):
    """A GzipFile that also closes the file object it was given (GzipFile leaves it open)."""

    def close(self) -> None:
        raw = self.fileobj
        try:
            super().close()
        finally:
            if raw is not None:
                raw.close()


def _open_raw(path: str, mode: str) -> BinaryIO:
    try:
        return open(path, mode)
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
    except PermissionError as exc:
        raise errors.PermissionDeniedError(None, None, f"{path}; {exc.strerror}") from None
    except OSError as exc:
        raise errors.UnknownError(None, None, f"{path}; {exc.strerror}") from None


def open_records(path: str, compression: str = "") -> BinaryIO:
    """Open a TFRecord file for reading, undoing "ZLIB" or "GZIP" compression as TF writes it."""
    path = os.fspath(path)
    kind = check_compression(compression)
    raw = _open_raw(path, "rb")
    if kind == "ZLIB":
        return io.BufferedReader(_ZlibReader(raw, path))  # type: ignore[return-value]
    if kind == "GZIP":
        return _OwningGzip(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def open_records_for_write(path: str, compression: str = "", level: int | None = None) -> BinaryIO:
    """Create (truncate) a TFRecord file for writing, compressed as `compression` says.

    `level` is the zlib compression level (0-9; None or -1 is zlib's default, as TF's)."""
    path = os.fspath(path)
    kind = check_compression(compression)
    lvl = -1 if level is None else int(level)
    if not -1 <= lvl <= 9:
        raise errors.InvalidArgumentError(None, None, f"compression_level must be in [-1, 9], got {level}")
    raw = _open_raw(path, "wb")
    if kind == "ZLIB":
        return _ZlibWriter(raw, lvl)  # type: ignore[return-value]
    if kind == "GZIP":
        return _OwningGzip(fileobj=raw, mode="wb", filename="", mtime=0,
                             compresslevel=9 if lvl == -1 else lvl)  # type: ignore[return-value]
    return raw


def _read_exact(f: BinaryIO, n: int) -> bytes:
    parts = []
    while n > 0:
        try:
            chunk = f.read(n)
        except (EOFError, OSError, zlib.error) as exc:  # gzip: truncated or damaged stream
            raise errors.DataLossError(None, None, f"corrupted compressed stream: {exc}") from None
        if not chunk:
            break
        parts.append(chunk)
        n -= len(chunk)
    return b"".join(parts)


def iter_records(f: BinaryIO, path: str, start_offset: int = 0) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, data) for each record of `f` from `start_offset`, checking both CRCs.

    A record cut short is "truncated record at N", a CRC mismatch "corrupted record at N" (TF's
    words), both DataLossError naming `path`. A clean end of file just ends the iteration.
    """
    offset = int(start_offset)
    if offset:
        skipped = _read_exact(f, offset)
        if len(skipped) < offset:
            raise errors.OutOfRangeError(None, None, f"{path}: offset {offset} is past the end of the file")
    while True:
        header = _read_exact(f, _HEADER)
        if not header:
            return
        if len(header) < _HEADER:
            raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
        length_bytes = header[:8]
        (length_crc,) = struct.unpack("<I", header[8:])
        if masked_crc32c(length_bytes) != length_crc:
            raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path} (length CRC mismatch)")
        (length,) = struct.unpack("<Q", length_bytes)
        body = _read_exact(f, length + _FOOTER)
        if len(body) < length + _FOOTER:
            raise errors.DataLossError(None, None, f"truncated record at {offset} in {path}")
        data = body[:length]
        (data_crc,) = struct.unpack("<I", body[length:])
        if masked_crc32c(data) != data_crc:
            raise errors.DataLossError(None, None, f"corrupted record at {offset} in {path} (data CRC mismatch)")
        yield offset, data
        offset += _HEADER + length + _FOOTER


def read_records(path: str, compression: str = "") -> Iterator[bytes]:
    """Every record's data in the file at `path`, in order (the file is closed at the end)."""
    path = os.fspath(path)
    with open_records(path, compression) as f:
        for _, data in iter_records(f, path):
            yield data


class RecordWriter:
    """Frames each `write(data)` as one record into a binary stream (TensorBoard's RecordWriter API)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f

    def write(self, data: bytes) -> None:
        write_record(self._f, data)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()
