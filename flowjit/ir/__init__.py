"""The graph IR: dtypes, shapes, Graph/Node/Value, the op registry, verifier, text and DOT.

The package loads the op definitions (ir/ops/), which register themselves with registry.py.
"""

from . import dtypes, errors, registry
from .dtypes import DType, as_dtype
from .graph import Graph, Node, OutputSpec, Provenance, SourceLocation, Value
from .registry import OpDef, get_op, register_op, static_value
from .shapes import Dimension, TensorShape, as_shape
from . import ops  # noqa: F401,E402  (the op definitions register themselves; registry.py never imports them)

__all__ = ["dtypes", "errors", "registry", "DType", "as_dtype", "Graph", "Node", "OutputSpec",
           "Provenance", "SourceLocation", "Value", "OpDef", "get_op", "register_op", "static_value",
           "Dimension", "TensorShape", "as_shape"]
