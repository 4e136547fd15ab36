"""Summary ops: each turns tensors into one scalar string holding a serialized `Summary` proto.

  ScalarSummary     (tags, values)          one simple_value per element; tags and values of one shape
  HistogramSummary  (tag, values)           TF's histogram (core/lib/histogram/histogram.cc: buckets
                                            growing by 10% from 1e-12 to 1e20, mirrored, plus 0 and
                                            +-DBL_MAX; runs of empty buckets collapsed)
  ImageSummary      (tag, tensor)           attrs max_images, bad_color; PNG per image, tags
                                            `tag/image` (max_images 1) or `tag/image/i`
  AudioSummaryV2    (tag, tensor, sample_rate)  attr max_outputs; 16-bit WAV, `tag/audio[/i]`
  TensorSummaryV2   (tag, tensor, serialized_summary_metadata)  the tensor as a TensorProto
  MergeSummary      (*inputs)               the union of the inputs' values; a repeated tag fails
  HistogramStats    (values)                flowjit's: HistogramSummary's numbers as a float64 vector
                                            (compiled natively; passes/split_summaries.py)
  HistogramSummaryFromStats (tag, stats)    flowjit's: the histogram Summary from that vector

Host ops (strings, protobuf, PNG/WAV encoding: never compiled; HistogramStats is the exception),
not stateful (TF's are not),
not differentiable. The bytes are written by `summary_wire` exactly as TF's C++ writes them.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from . import summary_media as media
from . import summary_wire as wire
from ._util import require_dtype, spec

REAL_NUMBER = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8, dtypes.int16, dtypes.int8,
               dtypes.int64, dtypes.float16)
IMAGE_DTYPES = (dtypes.uint8, dtypes.float32, dtypes.float16, dtypes.float64)
DEFAULT_BAD_COLOR = np.array([255, 0, 0, 255], np.uint8)
DBL_MAX = sys.float_info.max


def _string_output() -> list[OutputSpec]:
    return [spec(dtypes.string, [])]


def _shape_text(shape: Sequence[int | None]) -> str:
    """TF's DebugString of a shape: [2,3], unknown dims as '?'."""
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _require_string(op: str, value: Value, what: str) -> None:
    if value.dtype != dtypes.string:
        raise TypeError(f"{op} {what} must be a string tensor, got {value.dtype.name}")


def _require_scalar_tag(op: str, value: Value, what: str = "tag") -> None:
    _require_string(op, value, what)
    if value.shape.rank not in (None, 0):
        raise ValueError(f"{op} {what} must be a scalar, got shape {value.shape}")


def _scalar_tag(ctx: Any, tag: np.ndarray, message: str) -> bytes:
    tag = np.asarray(tag, dtype=object)
    if tag.shape != ():
        raise ctx.error(errors.InvalidArgumentError, message)
    return wire.as_bytes(tag.item())


# --- ScalarSummary -------------------------------------------------------------------------

def _scalar_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    tags, values = inputs
    _require_string("ScalarSummary", tags, "tags")
    require_dtype("ScalarSummary", values, REAL_NUMBER, "values")
    ts, vs = tags.shape, values.shape
    if ts.is_fully_defined() and vs.is_fully_defined() and ts.as_list() != vs.as_list():
        raise ValueError(f"tags and values not the same shape: {_shape_text(ts.as_list())} != "
                         f"{_shape_text(vs.as_list())}: summary.scalar needs a single value (a scalar)")
    return _string_output()


def _scalar_kernel(ctx: Any, tags: np.ndarray, values: np.ndarray) -> np.ndarray:
    tags, values = np.asarray(tags, dtype=object), np.asarray(values)
    if tags.shape != values.shape:
        single = f" (tag '{wire.as_bytes(tags.reshape(-1)[0]).decode('utf-8', 'replace')}')" if tags.size == 1 else ""
        raise ctx.error(errors.InvalidArgumentError, "tags and values not the same shape: "
                        f"{_shape_text(tags.shape)} != {_shape_text(values.shape)}{single}")
    vals = values.reshape(-1).astype(np.float32)
    parts = [wire.value(wire.as_bytes(t), wire.simple_value(float(v))) for t, v in zip(tags.reshape(-1), vals)]
    return np.array(wire.summary(parts), dtype=object)


register_op("ScalarSummary", infer=_scalar_infer, kernel=_scalar_kernel, num_inputs=2, host=True,
            doc="Summary with one simple_value (float32) per element of values, tagged by tags (same shape).")


# --- HistogramSummary ----------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def default_bucket_limits() -> np.ndarray:
    """TF's default histogram bucket limits (histogram.cc InitDefaultBucketsInner), in double."""
    buckets = []
    v = 1.0e-12
    while v < 1.0e20:
        buckets.append(v)
        v *= 1.1
    buckets.append(DBL_MAX)
    limits = [-b for b in reversed(buckets)] + [0.0] + buckets
    out = np.array(limits, dtype=np.float64)
    out.setflags(write=False)
    return out


STATS_HEAD = 6  # HistogramStats: [min, max, num, sum, sum_squares, first non-finite, counts...]
NONFINITE_NAN, NONFINITE_INF = 1.0, 2.0  # stats[5]: the kind of the first non-finite value, 0 for none


def histogram_stats(values: np.ndarray) -> np.ndarray:
    """HistogramStats' reference: what TF's Histogram::Add accumulates over the values in order
    (double min, max, count, sum and sum of squares added one value at a time; the count of each
    bucket, bucket i holding limits[i-1] <= x < limits[i], the last also what lies beyond), plus
    the kind of the first NaN or infinity (TF's summary kernel rejects them).

    Counting sorts the values once and finds each of the ~1,550 limits in them; the sums are
    sequential (cumsum), as TF's."""
    limits = default_bucket_limits()
    v = np.asarray(values).reshape(-1)
    x = v.astype(np.float64)
    out = np.zeros(STATS_HEAD + limits.size, np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        out[5] = NONFINITE_NAN if np.isnan(x[np.argmax(bad)]) else NONFINITE_INF
        return out
    if not x.size:
        out[0], out[1] = DBL_MAX, -DBL_MAX
        return out
    xs = np.sort(v).astype(np.float64) if v.dtype in (np.float16, np.float32) else np.sort(x)  # casts keep order
    below = np.searchsorted(xs, limits, side="left")
    counts = out[STATS_HEAD:]
    counts[:] = np.diff(below, prepend=0)
    counts[-1] += x.size - below[-1]
    with np.errstate(over="ignore"):  # sums of huge values overflow to inf, as TF's doubles do
        out[:5] = xs[0], xs[-1], x.size, np.cumsum(x)[-1], np.cumsum(x * x)[-1]
    return out


def histogram_proto_fields(stats: np.ndarray) -> tuple[float, float, float, float, float, list, list]:
    """(min, max, num, sum, sum_squares, bucket_limit, bucket) of a HistogramStats vector, as
    Histogram::EncodeToProto writes them: a run of empty buckets becomes one entry at its last
    limit (only the non-empty buckets are walked in Python)."""
    limits = default_bucket_limits()
    counts = stats[STATS_HEAD:]
    out_limits: list[float] = []
    out_counts: list[float] = []
    prev = -1
    for b in np.flatnonzero(counts).tolist():
        if b - prev > 1:  # the run of empty buckets before b: one entry at its last limit
            out_limits.append(float(limits[b - 1]))
            out_counts.append(0.0)
        out_limits.append(float(limits[b]))
        out_counts.append(float(counts[b]))
        prev = b
    if prev < len(limits) - 1:
        out_limits.append(float(limits[-1]))
        out_counts.append(0.0)
    head = [float(f) for f in stats[:5]]
    return head[0], head[1], head[2], head[3], head[4], out_limits, out_counts


def _histogram_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_scalar_tag("HistogramSummary", inputs[0])
    require_dtype("HistogramSummary", inputs[1], REAL_NUMBER, "values")
    return _string_output()


def _histogram_bytes(ctx: Any, tag: np.ndarray, stats: np.ndarray) -> np.ndarray:
    """The Summary of one histogram from its stats; a NaN or infinity fails as TF's kernel does."""
    tag_bytes = _scalar_tag(ctx, tag, "tags must be scalar")
    if stats[5]:
        what = "Nan" if stats[5] == NONFINITE_NAN else "Infinity"
        raise ctx.error(errors.InvalidArgumentError, f"{what} in summary histogram for: {ctx.node.name}")
    body = wire.histo(*histogram_proto_fields(stats))
    return np.array(wire.summary([wire.value(tag_bytes, body)]), dtype=object)


def _histogram_kernel(ctx: Any, tag: np.ndarray, values: np.ndarray) -> np.ndarray:
    return _histogram_bytes(ctx, tag, histogram_stats(values))


def _stats_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    require_dtype("HistogramStats", inputs[0], REAL_NUMBER, "values")
    return [spec(dtypes.float64, [STATS_HEAD + default_bucket_limits().size])]


def _from_stats_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_scalar_tag("HistogramSummaryFromStats", inputs[0])
    if inputs[1].dtype != dtypes.float64:
        raise TypeError(f"HistogramSummaryFromStats takes HistogramStats' float64 vector, got {inputs[1].dtype.name}")
    return _string_output()


register_op("HistogramSummary", infer=_histogram_infer, kernel=_histogram_kernel, num_inputs=2, host=True,
            doc="Summary with a histogram (TF's default buckets) of values; NaN/Inf fail.")
register_op("HistogramStats", infer=_stats_infer, kernel=lambda ctx, values: histogram_stats(values),
            num_inputs=1,
            doc="flowjit's numeric half of HistogramSummary (passes/split_summaries.py): [min, max, num, "
                "sum, sum_squares, first non-finite kind, bucket counts...] in float64; compiled natively.")
register_op("HistogramSummaryFromStats", infer=_from_stats_infer, kernel=_histogram_bytes, num_inputs=2,
            host=True,
            doc="flowjit's host half of HistogramSummary: the Summary proto from HistogramStats' vector "
                "(node named as the HistogramSummary it replaces, so errors name that node).")


# --- ImageSummary --------------------------------------------------------------------------

def _image_shape_ok(shape: Sequence[int | None]) -> bool:
    return len(shape) == 4 and shape[3] in (1, 3, 4, None)


def _image_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_scalar_tag("ImageSummary", inputs[0])
    require_dtype("ImageSummary", inputs[1], IMAGE_DTYPES, "tensor")
    shape = inputs[1].shape
    if shape.rank is not None and not _image_shape_ok(shape.as_list()):
        raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {_shape_text(shape.as_list())}: "
                         "summary.image needs "
                         "[batch_size, height, width, channels]")
    max_images = int(attrs.get("max_images", 3))
    if not 1 <= max_images < 1 << 31:
        raise ValueError(f"ImageSummary max_images must be in [1, 2^31), got {max_images}")
    return _string_output()


def _image_kernel(ctx: Any, tag: np.ndarray, tensor: np.ndarray) -> np.ndarray:
    base = _scalar_tag(ctx, tag, "Tags must be a scalar")
    tensor = np.asarray(tensor)
    if tensor.ndim != 4 or tensor.shape[3] not in (1, 3, 4):
        raise ctx.error(errors.InvalidArgumentError,
                        f"Tensor must be 4-D with last dim 1, 3, or 4, not {_shape_text(tensor.shape)}")
    batch, h, w, depth = tensor.shape
    if h * w >= 1 << 29:
        raise ctx.error(errors.InvalidArgumentError, f"Tensor too large for summary {_shape_text(tensor.shape)}")
    max_images = int(ctx.attrs.get("max_images", 3))
    bad_color = np.asarray(ctx.attrs.get("bad_color", DEFAULT_BAD_COLOR), np.uint8).reshape(-1)
    if tensor.dtype != np.uint8 and bad_color.shape[0] < depth:
        raise ctx.error(errors.InvalidArgumentError, f"expected depth <= bad_color.size, got depth = {depth}, "
                        f"bad_color.size = {bad_color.shape[0]}")
    parts = []
    for i in range(min(max_images, batch)):
        tag = base + (b"/image/%d" % i if max_images > 1 else b"/image")
        flat = tensor[i].reshape(h * w, depth)
        pixels = flat if tensor.dtype == np.uint8 else (
            media.normalize_float_image(flat, bad_color) if flat.size else flat.astype(np.uint8))
        png = media.encode_png(np.ascontiguousarray(pixels).reshape(h, w, depth))
        parts.append(wire.value(tag, wire.image(h, w, depth, png)))
    return np.array(wire.summary(parts), dtype=object)


register_op("ImageSummary", infer=_image_infer, kernel=_image_kernel, num_inputs=2, host=True,
            doc="Summary with up to max_images PNG images of a [batch, h, w, 1|3|4] tensor (floats rescaled).")


# --- AudioSummaryV2 ------------------------------------------------------------------------

def _audio_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_scalar_tag("AudioSummaryV2", inputs[0])
    require_dtype("AudioSummaryV2", inputs[1], (dtypes.float32,), "tensor")
    require_dtype("AudioSummaryV2", inputs[2], (dtypes.float32,), "sample_rate")
    rank = inputs[1].shape.rank
    if rank is not None and rank not in (2, 3):
        raise ValueError(f"Tensor must be 3-D or 2-D, got: {_shape_text(inputs[1].shape.as_list())}: "
                         "summary.audio needs "
                         "[batch_size, frames] or [batch_size, frames, channels]")
    if inputs[2].shape.rank not in (None, 0):
        raise ValueError(f"AudioSummaryV2 sample_rate must be a scalar, got shape {inputs[2].shape}")
    if int(attrs.get("max_outputs", 3)) <= 0:
        raise ValueError("max_outputs must be > 0")
    return _string_output()


def _audio_kernel(ctx: Any, tag: np.ndarray, tensor: np.ndarray, sample_rate: np.ndarray) -> np.ndarray:
    base = _scalar_tag(ctx, tag, "Tag must be a scalar")
    tensor = np.asarray(tensor, np.float32)
    if tensor.ndim not in (2, 3):
        raise ctx.error(errors.InvalidArgumentError, f"Tensor must be 3-D or 2-D, got: {_shape_text(tensor.shape)}")
    rate = np.float32(np.asarray(sample_rate).reshape(-1)[0])
    if not rate > 0.0:
        raise ctx.error(errors.InvalidArgumentError, "sample_rate must be > 0")
    batch, frames = tensor.shape[:2]
    channels = 1 if tensor.ndim == 2 else tensor.shape[2]
    max_outputs = int(ctx.attrs.get("max_outputs", 3))
    rate_int = max(int(np.rint(rate)), 1)  # lrintf: round half to even
    parts = []
    for i in range(min(max_outputs, batch)):
        tag = base + (b"/audio/%d" % i if max_outputs > 1 else b"/audio")
        wav = media.encode_wav(tensor[i].reshape(frames, channels), rate_int)
        parts.append(wire.value(tag, wire.audio(float(rate), channels, frames, wav, b"audio/wav")))
    return np.array(wire.summary(parts), dtype=object)


register_op("AudioSummaryV2", infer=_audio_infer, kernel=_audio_kernel, num_inputs=3, host=True,
            doc="Summary with up to max_outputs 16-bit WAV clips of a [batch, frames(, channels)] float tensor.")


# --- TensorSummaryV2 -----------------------------------------------------------------------

def _tensor_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    _require_scalar_tag("TensorSummaryV2", inputs[0])
    _require_scalar_tag("TensorSummaryV2", inputs[2], "serialized_summary_metadata")
    return _string_output()


def _tensor_kernel(ctx: Any, tag: np.ndarray, tensor: np.ndarray, metadata: np.ndarray) -> np.ndarray:
    tag_bytes = _scalar_tag(ctx, tag, "tag must be scalar")
    meta = _scalar_tag(ctx, metadata, "serialized_summary_metadata must be scalar")
    dtype = ctx.node.inputs[1].dtype
    body = wire.tensor_proto(np.asarray(tensor, dtype=dtype.np_dtype), dtype.name)
    return np.array(wire.summary([wire.value(tag_bytes, body, metadata=meta)]), dtype=object)


register_op("TensorSummaryV2", infer=_tensor_infer, kernel=_tensor_kernel, num_inputs=3, host=True,
            doc="Summary holding the tensor as a TensorProto, with the given serialized SummaryMetadata.")


# --- MergeSummary --------------------------------------------------------------------------

def _merge_infer(inputs: Sequence[Value], attrs: dict) -> list[OutputSpec]:
    if not inputs:
        raise ValueError("MergeSummary needs at least one input (a serialized Summary)")
    for i, v in enumerate(inputs):
        _require_string("MergeSummary", v, f"input {i} ({v.name})")
    return _string_output()


def _merge_kernel(ctx: Any, *inputs: np.ndarray) -> np.ndarray:
    seen: set[bytes] = set()
    parts = []
    for arr in inputs:
        for item in np.asarray(arr, dtype=object).reshape(-1):
            try:
                values = wire.summary_values(wire.as_bytes(item))
            except wire.WireError:
                raise ctx.error(errors.InvalidArgumentError, "Could not parse one of the summary inputs") from None
            for tag, payload in values:
                if tag and tag in seen:
                    raise ctx.error(errors.InvalidArgumentError,
                                    f"Duplicate tag {tag.decode('utf-8', 'replace')} found in summary inputs")
                seen.add(tag)
                parts.append(payload)
    return np.array(wire.summary(parts), dtype=object)


register_op("MergeSummary", infer=_merge_infer, kernel=_merge_kernel, host=True,
            doc="The union of the values of the serialized Summary inputs; a repeated non-empty tag fails.")
