"""Parsing, string and decode ops have no gradient (TF marks them NotDifferentiable too)."""

from __future__ import annotations

from ...ir.ops.image_codec import IMAGE_CODEC_OPS
from ...ir.ops.string_ops import STRING_OPS
from .gradients import NotDifferentiable

PARSING_OPS = ("ParseExample", "ParseSingleExample", "DecodeCSV", "DecodeRaw", "ReadFile", "WriteFile")

for _op_type in PARSING_OPS + STRING_OPS + IMAGE_CODEC_OPS:
    NotDifferentiable(_op_type)
