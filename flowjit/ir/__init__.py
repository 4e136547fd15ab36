"""The graph IR: dtypes, shapes, Graph/Node/Value, the op registry, verifier, text and DOT."""

from . import dtypes, errors, registry
from .dtypes import DType, as_dtype
from .graph import Graph, Node, OutputSpec, Provenance, SourceLocation, Value
from .registry import OpDef, get_op, register_op, static_value
from .shapes import Dimension, TensorShape, as_shape

__all__ = ["dtypes", "errors", "registry", "DType", "as_dtype", "Graph", "Node", "OutputSpec",
           "Provenance", "SourceLocation", "Value", "OpDef", "get_op", "register_op", "static_value",
           "Dimension", "TensorShape", "as_shape"]
