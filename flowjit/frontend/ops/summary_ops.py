"""TF1 API: `tf.summary.scalar`, `histogram`, `image`, `audio`, `text`, `tensor_summary`, `merge`,
`merge_all` (tensorflow/python/summary/summary.py, graph mode).

Each builds one summary op (flowjit/ir/ops/summary.py) whose output is a scalar string: a
serialized `Summary` proto, byte for byte what TF's kernel writes. Names and tags follow TF's
`summary_scope`: the op is named by a name scope `<outer scope>/<family>/<name>` (made unique),
its tag is that scope (prefixed by `family/` when given), illegal characters in `name` become
'_'. The op is added to `collections` (default `[GraphKeys.SUMMARIES]`).

Departure from TF: a statically non-scalar `scalar` value or a statically wrong-rank `image`/
`audio` tensor is a ValueError when the op is built (TF only fails when it runs; the run-time
errors, for shapes known only then, are TF's InvalidArgumentErrors).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator, Sequence

import numpy as np

from ...ir import dtypes
from ...ir.ops import summary_wire as wire
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge", "merge_all",
           "get_summary_description"]

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")


def clean_tag(name: str | None) -> str | None:
    """TF's `clean_tag`: characters outside [-/\\w.] become '_', leading slashes go."""
    if name is None:
        return None
    return _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


@contextlib.contextmanager
def summary_scope(name: str | None, family: str | None = None,
                  default_name: str | None = None) -> Iterator[tuple[str, str]]:
    """Yield (tag, scope) as TF's summary_op_util.summary_scope does."""
    name, family = clean_tag(name), clean_tag(family)
    base = name if family is None else f"{family}/{name}"
    with get_default_graph().name_scope(base or default_name) as scope:
        tag = scope.rstrip("/") if family is None else f"{family}/{scope.rstrip('/')}"
        yield tag, scope


def _collect(value: Tensor, collections: Sequence[str] | None, default: Sequence[str]) -> None:
    graph = get_default_graph()
    for key in (default if collections is None else collections):
        graph.add_to_collection(key, value)


def _string_const(value: str | bytes, name: str) -> Tensor:
    return convert_to_tensor(np.array(value, dtype=object), dtype=dtypes.string, name=name)


def _summary_op(op_type: str, inputs: list[Any], attrs: dict[str, Any], scope: str) -> Tensor:
    return get_default_graph().create_op(op_type, inputs, attrs, name=scope).outputs[0]


def scalar(name: str, tensor: Any, collections: Sequence[str] | None = None, family: str | None = None) -> Tensor:
    """`tf.summary.scalar`: a Summary with one `simple_value` (the value as float32)."""
    with summary_scope(name, family) as (tag, scope):
        tags = _string_const(tag, "tags")
        values = convert_to_tensor(tensor, name="values")
        val = _summary_op("ScalarSummary", [tags, values], {}, scope)
    _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def histogram(name: str, values: Any, collections: Sequence[str] | None = None,
              family: str | None = None) -> Tensor:
    """`tf.summary.histogram`: TF's bucketed histogram of `values`; NaN or Inf fail at run time."""
    with summary_scope(name, family, default_name="HistogramSummary") as (tag, scope):
        tag_t = _string_const(tag, "tag")
        values_t = convert_to_tensor(values, name="values")
        val = _summary_op("HistogramSummary", [tag_t, values_t], {}, scope)
    _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def image(name: str, tensor: Any, max_outputs: int = 3, collections: Sequence[str] | None = None,
          family: str | None = None) -> Tensor:
    """`tf.summary.image`: up to `max_outputs` PNGs of a [batch, h, w, 1|3|4] uint8 or float tensor
    (floats rescaled per image as TF does); tags `<tag>/image` or `<tag>/image/<i>`."""
    with summary_scope(name, family) as (tag, scope):
        tag_t = _string_const(tag, "tag")
        tensor_t = convert_to_tensor(tensor, name="tensor")
        attrs = {"max_images": int(max_outputs), "bad_color": np.array([255, 0, 0, 255], np.uint8)}
        val = _summary_op("ImageSummary", [tag_t, tensor_t], attrs, scope)
    _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def audio(name: str, tensor: Any, sample_rate: Any, max_outputs: int = 3,
          collections: Sequence[str] | None = None, family: str | None = None) -> Tensor:
    """`tf.summary.audio`: up to `max_outputs` 16-bit WAVs of a [batch, frames(, channels)] float32
    tensor in [-1, 1]; tags `<tag>/audio` or `<tag>/audio/<i>`."""
    with summary_scope(name, family) as (tag, scope):
        rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        tag_t = _string_const(tag, "tag")
        tensor_t = convert_to_tensor(tensor, name="tensor")
        val = _summary_op("AudioSummaryV2", [tag_t, tensor_t, rate], {"max_outputs": int(max_outputs)}, scope)
    _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def _metadata_bytes(summary_metadata: Any, summary_description: str | None, display_name: str | None) -> bytes:
    """A serialized SummaryMetadata: the given proto (or bytes) with the two strings set."""
    if summary_metadata is None:
        return ((wire.field_bytes(2, wire.as_bytes(display_name)) if display_name else b"")
                + (wire.field_bytes(3, wire.as_bytes(summary_description)) if summary_description else b""))
    if isinstance(summary_metadata, bytes):
        if summary_description is not None or display_name is not None:
            raise TypeError("tensor_summary: pass summary_description/display_name with a SummaryMetadata "
                            "proto, not with serialized bytes")
        return summary_metadata
    if not hasattr(summary_metadata, "SerializeToString"):
        raise TypeError(f"tensor_summary: summary_metadata must be a SummaryMetadata proto, got "
                        f"{type(summary_metadata).__name__}")
    if summary_description is not None:
        summary_metadata.summary_description = summary_description
    if display_name is not None:
        summary_metadata.display_name = display_name
    return summary_metadata.SerializeToString()


def tensor_summary(name: str, tensor: Any, summary_description: str | None = None,
                   collections: Sequence[str] | None = None, summary_metadata: Any = None,
                   family: str | None = None, display_name: str | None = None) -> Tensor:
    """`tf.summary.tensor_summary`: the whole tensor as a TensorProto, with plugin metadata."""
    metadata = _metadata_bytes(summary_metadata, summary_description, display_name)
    with summary_scope(name, family) as (tag, scope):
        tag_t = _string_const(tag, "tag")
        tensor_t = convert_to_tensor(tensor, name="tensor")
        meta_t = _string_const(metadata, "serialized_summary_metadata")
        val = _summary_op("TensorSummaryV2", [tag_t, tensor_t, meta_t], {}, scope)
    _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


TEXT_PLUGIN_METADATA = wire.field_bytes(1, wire.field_bytes(1, b"text"))  # plugin_data { plugin_name: "text" }


def text(name: str, tensor: Any, collections: Sequence[str] | None = None) -> Tensor:
    """`tf.summary.text`: a string tensor for TensorBoard's text dashboard (markdown, tables)."""
    if not isinstance(tensor, Tensor) or tensor.dtype != dtypes.string:
        got = tensor.dtype.name if isinstance(tensor, Tensor) else type(tensor).__name__
        where = tensor.name if isinstance(tensor, Tensor) else repr(tensor)
        raise ValueError(f"Expected tensor {where} to have dtype string, got <dtype: '{got}'>")
    return tensor_summary(name, tensor, summary_metadata=TEXT_PLUGIN_METADATA, collections=collections)


def merge(inputs: Sequence[Any], collections: Sequence[str] | None = None, name: str | None = None) -> Tensor:
    """`tf.summary.merge`: one Summary with every input's values; a repeated tag fails at run time."""
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)):
        raise TypeError(f"tf.summary.merge expects a list of string tensors, got {type(inputs).__name__}")
    name = clean_tag(name)
    graph = get_default_graph()
    with graph.name_scope(name or "Merge"):
        tensors = [convert_to_tensor(t) for t in inputs]
        val = graph.create_op("MergeSummary", tensors, {"N": len(tensors)}, name=name or "MergeSummary").outputs[0]
    _collect(val, collections, [])
    return val


def merge_all(key: str = GraphKeys.SUMMARIES, scope: str | None = None, name: str | None = None) -> Tensor | None:
    """`tf.summary.merge_all`: merge the summaries in collection `key` (None when there are none)."""
    summary_ops = get_default_graph().get_collection(key, scope=scope)
    if not summary_ops:
        return None
    return merge(summary_ops, name=name)


def get_summary_description(node_def: Any) -> Any:
    """`tf.summary.get_summary_description`: the SummaryDescription (JSON in attr `description`)
    of a NodeDef of TF's legacy TensorSummary op; any other op is a ValueError, as in TF."""
    if getattr(node_def, "op", None) != "TensorSummary":
        raise ValueError(f"Can't get_summary_description on {getattr(node_def, 'op', type(node_def).__name__)}")
    from google.protobuf import json_format

    from ..summary.proto import tb_proto

    description = tb_proto("summary_pb2", "tf.summary.get_summary_description").SummaryDescription()
    json_format.Parse(node_def.attr["description"].s.decode("utf-8"), description)
    return description
