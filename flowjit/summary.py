"""`tf.summary`: TF1's summary ops, FileWriter, FileWriterCache and summary_iterator.

The proto classes (`tf.summary.Summary`, `Event`, `SessionLog`, `SummaryDescription`,
`TaggedRunMetadata`) come from the optional extra `tensorboard`; they are resolved when first
used, so `import flowjit` works without it and the summary ops run without it too.
"""

from typing import Any

from .frontend.ops.summary_ops import (audio, get_summary_description, histogram, image, merge,  # noqa: F401
                                       merge_all, scalar, tensor_summary, text)
from .frontend.summary.reader import summary_iterator  # noqa: F401
from .frontend.summary.writer import FileWriter, FileWriterCache  # noqa: F401

_PROTOS = {"Summary": ("summary_pb2", "Summary"), "SummaryDescription": ("summary_pb2", "SummaryDescription"),
           "SummaryMetadata": ("summary_pb2", "SummaryMetadata"), "Event": ("event_pb2", "Event"),
           "SessionLog": ("event_pb2", "SessionLog"), "TaggedRunMetadata": ("event_pb2", "TaggedRunMetadata")}

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge", "merge_all",
           "get_summary_description", "FileWriter", "FileWriterCache", "summary_iterator",
           "Summary", "SummaryDescription", "Event", "SessionLog", "TaggedRunMetadata"]


class MissingExtra:
    """Stands for a proto class when the extra `tensorboard` is not installed: any use raises
    the ImportError that names the extra."""

    def __init__(self, name: str, error: ImportError) -> None:
        self._name, self._error = name, error

    def _raise(self) -> Any:
        raise ImportError(f"tf.{self._name}: {self._error}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._raise()

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self._raise()

    def __repr__(self) -> str:
        return f"<tf.{self._name}: needs the optional extra 'tensorboard'>"


def _proto_class(name: str) -> Any:
    from .frontend.summary.proto import tb_proto

    module, attr = _PROTOS[name]
    try:
        return getattr(tb_proto(module), attr)
    except ImportError as exc:
        return MissingExtra(name, exc)


Summary = _proto_class("Summary")
SummaryDescription = _proto_class("SummaryDescription")
SummaryMetadata = _proto_class("SummaryMetadata")
Event = _proto_class("Event")
SessionLog = _proto_class("SessionLog")
TaggedRunMetadata = _proto_class("TaggedRunMetadata")
