"""The embedding projector's config (TF1's `tf.contrib.tensorboard.plugins.projector`): the
ProjectorConfig proto of the `tensorboard` extra and `visualize_embeddings`, which writes it
as `projector_config.pbtxt` into a writer's logdir, where TensorBoard's projector reads it."""

from __future__ import annotations

import os
from typing import Any

from .proto import tb_import

PROJECTOR_FILENAME = "projector_config.pbtxt"  # the name TensorBoard's projector plugin looks for


def _protos() -> Any:
    return tb_import("tensorboard.plugins.projector.projector_config_pb2", what="the embedding projector")


def __getattr__(name: str) -> Any:
    if name in ("ProjectorConfig", "EmbeddingInfo", "SpriteMetadata"):
        return getattr(_protos(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def visualize_embeddings(summary_writer: Any, config: Any) -> None:
    """Write `config` (a ProjectorConfig) as text into `summary_writer.get_logdir()`."""
    from google.protobuf import text_format

    logdir = summary_writer.get_logdir()
    if logdir is None:
        raise ValueError("Summary writer must have a logdir")
    if not isinstance(config, _protos().ProjectorConfig):
        raise TypeError(f"config must be a ProjectorConfig, got {type(config).__name__}")
    with open(os.path.join(logdir, PROJECTOR_FILENAME), "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(config))
