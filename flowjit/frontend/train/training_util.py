"""The global step: `tf.train.get_or_create_global_step` and friends.

The global step is an int64 scalar variable named `global_step`, not trainable, kept in the
GLOBAL_VARIABLES and GLOBAL_STEP collections. `Optimizer.minimize(loss, global_step=gs)`
increments it once per training step, after the variable updates.
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor

__all__ = ["get_global_step", "create_global_step", "get_or_create_global_step", "global_step",
           "assert_global_step"]


def _zeros_int64(shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
    from ..framework.tensor import constant

    return constant(0, dtype=dtypes.int64, shape=shape, name="Initializer/zeros")


def get_global_step(graph: Any = None) -> Any:
    """The global step variable of `graph` (default graph), or None if there is none."""
    graph = graph if graph is not None else get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ValueError(f"Multiple tensors in global_step collection: {found}")
    for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
        if getattr(v, "var_name", None) == "global_step":
            return v
    return None


def create_global_step(graph: Any = None) -> Any:
    """Create the global step variable; a ValueError if the graph already has one."""
    from ..ops import variables

    graph = graph if graph is not None else get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None), graph.control_dependencies(None):
        return variables.get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
                                      initializer=_zeros_int64, trainable=False,
                                      collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph: Any = None) -> Any:
    graph = graph if graph is not None else get_default_graph()
    step = get_global_step(graph)
    if step is None:
        step = create_global_step(graph)
    return step


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """The current value of the global step, as a Python int."""
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor: Any) -> None:
    dtype = global_step_tensor.dtype
    shape = global_step_tensor.shape
    if not dtype.is_integer:
        raise TypeError(f"Existing \"global_step\" does not have integer type: {dtype.name}")
    if shape.rank != 0 and shape.rank is not None:
        raise TypeError(f"Existing \"global_step\" is not scalar: {shape}")
