"""The ReaderV2 ops (TF's io_ops readers): reader creation, read, read_up_to, counters, reset.

A creation op (TextLineReaderV2, ...) outputs a string scalar handle (its shared_name, else its
node name) and creates the session's reader object on first run via `ctx.host_reader(kind,
key)` (reader state lives in runtime/host/readers.py). ReaderReadV2 / ReaderReadUpToV2 take the
reader handle and a queue handle (a queue of filenames): the reader dequeues a new file when
its current one is exhausted. Host, stateful ops on every backend.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ._util import spec
from .data_flow import find_resource, handle_array

_KINDS = ("TextLineReader", "FixedLengthRecordReader", "TFRecordReader", "WholeFileReader")


def _create_infer(kind: str):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        if kind == "FixedLengthRecordReader":
            rb = attrs.get("record_bytes")
            if not isinstance(rb, int) or rb <= 0:
                raise ValueError(f"FixedLengthRecordReader needs a positive int record_bytes, got {rb!r}")
            for a in ("header_bytes", "footer_bytes", "hop_bytes"):
                if int(attrs.get(a, 0) or 0) < 0:
                    raise ValueError(f"FixedLengthRecordReader {a} must be >= 0, got {attrs.get(a)!r}")
        if kind == "TextLineReader" and int(attrs.get("skip_header_lines", 0) or 0) < 0:
            raise ValueError(f"skip_header_lines must be >= 0, got {attrs.get('skip_header_lines')!r}")
        return [spec(dtypes.string, [])]
    return infer


def _create_kernel(kind: str):
    def kernel(ctx: Any) -> np.ndarray:
        key = ctx.attrs.get("shared_name") or ctx.node.name
        ctx.host_reader(kind, key)
        return handle_array(key)
    return kernel


for _kind in _KINDS:
    register_op(f"{_kind}V2", infer=_create_infer(_kind), kernel=_create_kernel(_kind), num_inputs=0,
                stateful=True, host=True, doc=f"Creates the session's {_kind} (once) and outputs its handle.")


def _check(op: str, inputs: Sequence[Value], n: int) -> None:
    if len(inputs) != n or inputs[0].dtype != dtypes.string:
        raise TypeError(f"{op} takes {n} inputs, the first a string reader handle")


def _read_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    _check("ReaderReadV2", inputs, 2)
    if inputs[1].dtype != dtypes.string:
        raise TypeError("ReaderReadV2 input 1 must be a string queue handle")
    return [spec(dtypes.string, []), spec(dtypes.string, [])]


def _read_up_to_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    _check("ReaderReadUpToV2", inputs, 3)
    if inputs[2].dtype != dtypes.int64:
        raise TypeError(f"ReaderReadUpToV2 num_records must be int64, got {inputs[2].dtype.name}")
    return [spec(dtypes.string, [None]), spec(dtypes.string, [None])]


def _read_kernel(ctx: Any, reader: np.ndarray, queue: np.ndarray) -> tuple:
    r = find_resource(ctx, reader, "reader")
    q = find_resource(ctx, queue, "queue")
    ((key, value),) = r.read_up_to(q, 1, ctx.deadline(), ctx.error)
    return np.array(key, dtype=object), np.array(value, dtype=object)


def _read_up_to_kernel(ctx: Any, reader: np.ndarray, queue: np.ndarray, n: np.ndarray) -> tuple:
    count = int(np.asarray(n))
    if count <= 0:
        raise ctx.error(errors.InvalidArgumentError, f"num_records must be > 0, got {count}")
    r = find_resource(ctx, reader, "reader")
    q = find_resource(ctx, queue, "queue")
    records = r.read_up_to(q, count, ctx.deadline(), ctx.error)
    keys = np.empty(len(records), dtype=object)
    values = np.empty(len(records), dtype=object)
    for i, (k, v) in enumerate(records):
        keys[i], values[i] = k, v
    return keys, values


def _counter(attr: str):
    def kernel(ctx: Any, reader: np.ndarray) -> np.ndarray:
        return np.array(getattr(find_resource(ctx, reader, "reader"), attr), dtype=np.int64)
    return kernel


def _reset_kernel(ctx: Any, reader: np.ndarray) -> tuple:
    find_resource(ctx, reader, "reader").reset()
    return ()


def _handle_infer(op: str, out: list[OutputSpec]):
    def infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
        _check(op, inputs, 1)
        return list(out)
    return infer


register_op("ReaderReadV2", infer=_read_infer, kernel=_read_kernel, stateful=True, host=True,
            doc="The next (key, value) record, dequeuing a new file from the queue when needed.")
register_op("ReaderReadUpToV2", infer=_read_up_to_infer, kernel=_read_up_to_kernel, stateful=True, host=True,
            doc="Up to num_records (keys, values); fewer once the filename queue is closed and empty.")
register_op("ReaderNumRecordsProducedV2", kernel=_counter("num_records_produced"), stateful=True, host=True,
            infer=_handle_infer("ReaderNumRecordsProducedV2", [spec(dtypes.int64, [])]),
            doc="How many records this reader has produced.")
register_op("ReaderNumWorkUnitsCompletedV2", kernel=_counter("num_work_units_completed"), stateful=True,
            host=True, infer=_handle_infer("ReaderNumWorkUnitsCompletedV2", [spec(dtypes.int64, [])]),
            doc="How many files this reader has finished.")
register_op("ReaderResetV2", infer=_handle_infer("ReaderResetV2", []), kernel=_reset_kernel, stateful=True,
            host=True, doc="Restores the reader to its initial state.")
