"""`tf.nest`: re-exports; implementations live in flowjit/frontend/ops/nest_ops.py."""

from .frontend.ops.nest_ops import assert_same_structure, flatten, is_nested, map_structure, pack_sequence_as

is_sequence = is_nested

__all__ = ["assert_same_structure", "flatten", "is_nested", "is_sequence", "map_structure", "pack_sequence_as"]
