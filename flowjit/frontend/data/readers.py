"""File datasets: TextLineDataset, TFRecordDataset, FixedLengthRecordDataset.

The file names are a string tensor (scalar or vector) captured by the iterator; files are
read on the host by runtime/host/datasets.py (TFRecord framing and compression from
flowjit/ir/formats/records.py), one scalar string element per line or record.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.formats.records import COMPRESSIONS
from ...ir.registry import static_value
from ...ir.shapes import TensorShape
from ..framework.tensor import Tensor, convert_to_tensor
from .dataset_ops import Captures, DatasetV1
from .structure import Spec


def _filenames(filenames: Any) -> Tensor:
    t = convert_to_tensor(filenames, dtype=dtypes.string, name="filenames")
    if t.shape.rank not in (None, 0, 1):
        raise ValueError(f"`filenames` must be a `tf.Tensor` of rank 0 or 1, got shape {t.shape}")
    return t


def _compression(value: Any) -> str:
    if isinstance(value, Tensor):
        v = static_value(value.value)
        if v is None:
            raise ValueError("compression_type must be known while building the graph in flowjit")
        value = np.asarray(v).item()
    if isinstance(value, bytes):
        value = value.decode()
    name = "" if value is None else value
    if not isinstance(name, str) or name.upper() not in COMPRESSIONS:
        raise ValueError(f"Unsupported compression_type: {value!r}; expected one of '', 'ZLIB', 'GZIP'")
    return name.upper()


def _int(value: Any, name: str) -> int:
    if isinstance(value, Tensor):
        v = static_value(value.value)
        if v is None:
            raise ValueError(f"{name} must be known while building the graph in flowjit")
        value = np.asarray(v).item()
    if value is None:
        return 0
    if not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


class _FileLinesDataset(DatasetV1):
    """Scalar strings read from files, one kind of reading per subclass (`kind`, the tree's tag)."""

    kind = ""

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None) -> None:
        self._filenames = _filenames(filenames)
        self._compression = _compression(compression_type)
        self._structure = Spec(dtypes.string, TensorShape([]))

    def _tree(self, caps: Captures) -> tuple:
        return (self.kind, caps.add(self._filenames), self._compression)


class TextLineDatasetV1(_FileLinesDataset):
    """The lines of text files (without the line ending), as scalar strings."""

    kind = "text_line"


class TFRecordDatasetV1(_FileLinesDataset):
    """The records of TFRecord files, as scalar strings (DataLossError on a corrupted record)."""

    kind = "tfrecord"


class FixedLengthRecordDatasetV1(DatasetV1):
    """Records of `record_bytes` bytes each, after `header_bytes` and before `footer_bytes`."""

    def __init__(self, filenames: Any, record_bytes: Any, header_bytes: Any = None, footer_bytes: Any = None,
                 buffer_size: Any = None, compression_type: Any = None) -> None:
        self._filenames = _filenames(filenames)
        self._sizes = (_int(record_bytes, "record_bytes"), _int(header_bytes, "header_bytes"),
                       _int(footer_bytes, "footer_bytes"))
        if self._sizes[0] <= 0:
            raise ValueError(f"record_bytes must be positive, got {self._sizes[0]}")
        if _compression(compression_type):
            raise ValueError("FixedLengthRecordDataset: compressed files are not supported in flowjit")
        self._structure = Spec(dtypes.string, TensorShape([]))

    def _tree(self, caps: Captures) -> tuple:
        return ("fixed_length", caps.add(self._filenames)) + self._sizes


TextLineDataset = TextLineDatasetV1
TFRecordDataset = TFRecordDatasetV1
FixedLengthRecordDataset = FixedLengthRecordDatasetV1
