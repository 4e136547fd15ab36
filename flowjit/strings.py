"""`tf.strings`: string ops under their TF 1.x `tf.strings.*` names; implementations in
flowjit/frontend/ops/string_ops.py."""

from .frontend.ops.string_ops import as_string, length, regex_replace, split, string_join as join, substr
from .frontend.ops.string_ops import string_to_number as to_number

__all__ = ["as_string", "join", "length", "regex_replace", "split", "substr", "to_number"]
