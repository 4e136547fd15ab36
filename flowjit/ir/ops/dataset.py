"""tf.data's iterator ops: IteratorV2, OneShotIterator, MakeIterator, IteratorGetNext,
IteratorToStringHandle, IteratorFromStringHandleV2.

A dataset is not a tensor here: it is plain data, a nested tuple tree of transformation names,
scalars and function-body `ir.Graph`s (the functions given to map/filter/flat_map/interleave),
held in the `dataset` attr of MakeIterator / OneShotIterator. Tensors the dataset uses
(from_tensor_slices of a placeholder, a map function's captured tensors, file names) are the
node's inputs; the tree names them by their index among those inputs. The tree's grammar is
documented in flowjit/runtime/host/datasets.py, which builds the running pipeline from it.

An iterator is a per-session host resource (`ctx.dataset_iterator(key)`); the iterator ops
output its key as a string scalar handle, and ops using it take the handle as input 0, so the
creating op runs before its users in each step. All of them are stateful host ops: on the cpu
backend they are host steps between native segments, and the functions inside the dataset
run compiled (`ctx.interpreter.child(body)`), on the reference backend interpreted.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes, errors
from ..graph import OutputSpec, Value
from ..registry import register_op
from ..shapes import TensorShape

END_OF_SEQUENCE = "End of sequence"


def _handle_spec() -> OutputSpec:
    return OutputSpec(dtypes.string, TensorShape([]))


def _structure_attrs(attrs: dict[str, Any]) -> tuple[list[dtypes.DType], list[TensorShape]]:
    types = attrs.get("output_types")
    shapes = attrs.get("output_shapes")
    if not isinstance(types, (list, tuple)) or not isinstance(shapes, (list, tuple)):
        raise TypeError("iterator ops need list attrs output_types and output_shapes")
    if len(types) != len(shapes):
        raise ValueError(f"output_types has {len(types)} entries, output_shapes {len(shapes)}")
    return [dtypes.as_dtype(t) for t in types], [TensorShape(s) if not isinstance(s, TensorShape) else s
                                                 for s in shapes]


def _check_dataset(attrs: dict[str, Any]) -> None:
    tree = attrs.get("dataset")
    if not (isinstance(tree, tuple) and tree and isinstance(tree[0], str)):
        raise TypeError(f"attr dataset must be a dataset tree (a tuple starting with its kind), got {tree!r:.60}")


def _check_handle(v: Value, op: str) -> None:
    if v.dtype != dtypes.string or v.shape.rank not in (None, 0):
        raise TypeError(f"{op} input 0 must be an iterator handle (a string scalar), got {v.dtype.name}{v.shape}")


def _key(ctx: Any) -> str:
    return ctx.attrs.get("shared_name") or ctx.node.name


def _handle(key: str) -> np.ndarray:
    return np.array(key.encode() if isinstance(key, str) else key, dtype=object)


def _key_of(ctx: Any, handle: np.ndarray) -> str:
    h = np.asarray(handle)
    if h.shape != ():
        raise ctx.error(errors.InvalidArgumentError, f"an iterator handle must be a scalar, got shape {list(h.shape)}")
    value = h.item()
    return value.decode() if isinstance(value, bytes) else str(value)


# --- IteratorV2: an empty iterator resource ------------------------------------------------------

def _iterator_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    _structure_attrs(attrs)
    return [_handle_spec()]


def _iterator_kernel(ctx: Any) -> np.ndarray:
    key = _key(ctx)
    ctx.dataset_iterator(key)
    return _handle(key)


register_op("IteratorV2", infer=_iterator_infer, kernel=_iterator_kernel, stateful=True, host=True, num_inputs=0,
            doc="Creates (once per session) an uninitialized iterator; outputs its string handle. "
                "Attrs shared_name, container, output_types, output_shapes.")


# --- OneShotIterator: an iterator initialized with its dataset on first use ------------------------

def _one_shot_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    _check_dataset(attrs)
    _structure_attrs(attrs)
    return [_handle_spec()]


def _one_shot_kernel(ctx: Any, *captured: np.ndarray) -> np.ndarray:
    key = _key(ctx)
    it = ctx.dataset_iterator(key)
    if not it.initialized:
        it.initialize(ctx, ctx.attrs["dataset"], captured)
    return _handle(key)


register_op("OneShotIterator", infer=_one_shot_infer, kernel=_one_shot_kernel, stateful=True, host=True,
            doc="An iterator over attr dataset (inputs: its captured tensors), initialized the first "
                "time a session runs it; outputs its string handle.")


# --- MakeIterator: (re)initialize an iterator with a dataset ---------------------------------------

def _make_iterator_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    if not inputs:
        raise ValueError("MakeIterator needs the iterator handle as input 0")
    _check_handle(inputs[0], "MakeIterator")
    _check_dataset(attrs)
    return []


def _make_iterator_kernel(ctx: Any, handle: np.ndarray, *captured: np.ndarray) -> tuple:
    it = ctx.dataset_iterator(_key_of(ctx, handle))
    it.initialize(ctx, ctx.attrs["dataset"], captured)
    return ()


register_op("MakeIterator", infer=_make_iterator_infer, kernel=_make_iterator_kernel, stateful=True, host=True,
            doc="(Re)starts the iterator of input 0 on attr dataset; inputs 1.. are the dataset's "
                "captured tensors.")


# --- IteratorGetNext -------------------------------------------------------------------------------

def _get_next_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    if len(inputs) != 1:
        raise ValueError(f"IteratorGetNext takes 1 input, got {len(inputs)}")
    _check_handle(inputs[0], "IteratorGetNext")
    types, shapes = _structure_attrs(attrs)
    return [OutputSpec(t, s) for t, s in zip(types, shapes)]


def _get_next_kernel(ctx: Any, handle: np.ndarray) -> Any:
    it = ctx.dataset_iterator(_key_of(ctx, handle))
    types, shapes = _structure_attrs(ctx.attrs)
    element = it.get_next(ctx)
    if len(element) != len(types):
        raise ctx.error(errors.InvalidArgumentError,
                        f"the iterator produced {len(element)} components, expected {len(types)}")
    out = []
    for k, (value, t, s) in enumerate(zip(element, types, shapes)):
        arr = np.asarray(value)
        if arr.dtype != t.np_dtype:
            raise ctx.error(errors.InvalidArgumentError,
                            f"Data type mismatch at component {k}: expected {t.name} but got "
                            f"{dtypes.as_dtype(arr.dtype).name if arr.dtype != object else 'string'}.")
        if not s.is_compatible_with(arr.shape):
            raise ctx.error(errors.InvalidArgumentError,
                            f"Incompatible shapes at component {k}: expected {s} but got {list(arr.shape)}.")
        out.append(arr)
    if len(out) == 1:
        return out[0]
    return tuple(out)


register_op("IteratorGetNext", infer=_get_next_infer, kernel=_get_next_kernel, stateful=True, host=True,
            doc="The next element of the iterator of input 0 (one output per component); "
                "OutOfRangeError 'End of sequence' at the end.")


# --- string handles --------------------------------------------------------------------------------

def _to_string_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    _check_handle(inputs[0], "IteratorToStringHandle")
    return [_handle_spec()]


def _to_string_kernel(ctx: Any, handle: np.ndarray) -> np.ndarray:
    return _handle(_key_of(ctx, handle))


register_op("IteratorToStringHandle", infer=_to_string_infer, kernel=_to_string_kernel, stateful=True,
            host=True, num_inputs=1, doc="The string handle of the iterator of input 0 (feedable iterators).")


def _from_string_infer(inputs: Sequence[Value], attrs: dict[str, Any]) -> list[OutputSpec]:
    if inputs[0].dtype != dtypes.string or inputs[0].shape.rank not in (None, 0):
        raise TypeError(f"string_handle must be a string scalar, got {inputs[0].dtype.name}{inputs[0].shape}")
    _structure_attrs(attrs)
    return [_handle_spec()]


def _from_string_kernel(ctx: Any, string_handle: np.ndarray) -> np.ndarray:
    key = _key_of(ctx, string_handle)
    if not ctx.has_dataset_iterator(key):
        raise ctx.error(errors.NotFoundError,
                        f"Resource {key} does not exist: feed the string_handle() of an iterator "
                        f"that this session has already run")
    return _handle(key)  # IteratorGetNext checks each element against its own output_types/shapes


register_op("IteratorFromStringHandleV2", infer=_from_string_infer, kernel=_from_string_kernel, stateful=True,
            host=True, num_inputs=1,
            doc="The iterator named by a string handle fed at run time; attrs output_types/output_shapes.")
