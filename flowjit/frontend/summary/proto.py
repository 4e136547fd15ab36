"""The one place flowjit imports TensorBoard's protos (optional extra ``tensorboard``).

Why: TensorBoard's ``compat`` layer imports TensorFlow when it is installed (about 14 s);
registering the stub module ``tensorboard.compat.notf`` first makes it use its own protos.
Without the extra, every caller gets the same clear ImportError naming it.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from types import ModuleType

_EXTRA_MESSAGE = ("{what} requires the optional extra 'tensorboard': "
                  "pip install 'flowjit[tensorboard]'")

PROTO_MODULES = ("summary_pb2", "event_pb2", "graph_pb2", "node_def_pb2", "attr_value_pb2",
                 "tensor_pb2", "tensor_shape_pb2", "types_pb2", "config_pb2",
                 "step_stats_pb2", "function_pb2", "versions_pb2", "meta_graph_pb2",
                 "resource_handle_pb2", "cost_graph_pb2", "rewriter_config_pb2",
                 "saver_pb2", "cluster_pb2", "debug_pb2", "allocation_description_pb2",
                 "tensor_description_pb2")


def _block_tensorflow() -> None:
    """Make tensorboard use its bundled protos instead of importing TensorFlow."""
    if "tensorboard.compat.notf" not in sys.modules:
        sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")


def tb_import(module: str, what: str | None = None) -> ModuleType:
    """Import ``module`` from the tensorboard package, or raise an ImportError naming the extra."""
    _block_tensorflow()
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if not _tensorboard_missing():  # the package is there, the module is not: a real error
            raise
        raise ImportError(_EXTRA_MESSAGE.format(what=what or f"'{module}'")) from exc


def _tensorboard_missing() -> bool:
    if "tensorboard" in sys.modules:
        return sys.modules["tensorboard"] is None  # blocked on purpose (tests do this)
    return importlib.util.find_spec("tensorboard") is None


def tb_proto(name: str, what: str | None = None) -> ModuleType:
    """Return ``tensorboard.compat.proto.<name>`` (e.g. ``tb_proto("summary_pb2")``); `what`
    names the feature in the ImportError when the extra is missing."""
    if not isinstance(name, str) or not name.endswith("_pb2"):
        raise ValueError(f"tb_proto expects a proto module name ending in '_pb2', got {name!r}")
    return tb_import(f"tensorboard.compat.proto.{name}", what=what or f"the TensorBoard proto {name!r}")


def have_tensorboard() -> bool:
    """True when the optional extra is installed (without importing TensorFlow)."""
    try:
        tb_import("tensorboard.compat.proto.summary_pb2")
    except ImportError:
        return False
    return True
