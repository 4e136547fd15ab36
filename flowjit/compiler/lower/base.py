"""Lowering rules of the base ops (flowjit/ir/ops/base.py): identities and PlaceholderWithDefault.
"""

from __future__ import annotations

from .core import rule


@rule("PlaceholderWithDefault")
def _placeholder_with_default(t, node, ins):
    return [ins[0]]
