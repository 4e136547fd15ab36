"""`tf.data.Iterator` (TF1): one-shot, initializable, reinitializable (from_structure) and
feedable (from_string_handle) iterators over the host pipeline of a dataset.

The iterator is a string-handle tensor (IteratorV2 / OneShotIterator / IteratorFromStringHandleV2);
`get_next()` is one IteratorGetNext node whose outputs are packed into the element structure.
"""

from __future__ import annotations

from typing import Any

from ...ir import dtypes
from ...ir.shapes import TensorShape
from ..framework.graph import get_default_graph
from ..framework.tensor import Operation, Tensor, convert_to_tensor
from . import structure as nest
from .captures import Captures
from .structure import HasElementStructure, Spec

_ONE_SHOT_CAPTURE_ERROR = (
    "Failed to create a one-shot iterator for a dataset. `Dataset.make_one_shot_iterator()` does not support "
    "datasets that capture stateful objects, such as a `Variable` or `LookupTable`. In these cases, use "
    "`Dataset.make_initializable_iterator()`. (Original error: Cannot capture a placeholder (name:{name}, "
    "type:Placeholder) by value.)")


def _flat_attrs(structure: Any) -> dict[str, Any]:
    flat = nest.flatten(structure)
    return {"output_types": [s.dtype for s in flat], "output_shapes": [s.shape for s in flat]}


def _check_dataset(dataset: Any) -> None:
    """A Dataset (dataset_ops.DatasetV1, which imports this module): it builds its own tree."""
    if not callable(getattr(dataset, "_tree", None)) or not hasattr(dataset, "_structure"):
        raise TypeError(f"expected a tf.data.Dataset, got {type(dataset).__name__}")


def _dataset_inputs(dataset: Any) -> tuple[tuple, list[Tensor]]:
    _check_dataset(dataset)
    caps = Captures(get_default_graph())
    tree = dataset._tree(caps)
    return tree, caps.tensors


class Iterator(HasElementStructure):
    """A TF1 iterator: `get_next()`, `initializer`, `make_initializer(dataset)`, `string_handle()`."""

    def __init__(self, iterator_resource: Tensor, initializer: Operation | None, structure: Any) -> None:
        self._iterator_resource = iterator_resource
        self._initializer = initializer
        self._structure = structure

    # --- TF1 properties --------------------------------------------------------------------
    tensor_class = Tensor  # output_types, output_shapes, output_classes, element_spec: HasElementStructure

    @property
    def initializer(self) -> Operation:
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    # --- constructors ------------------------------------------------------------------------
    @staticmethod
    def from_structure(output_types: Any, output_shapes: Any = None, shared_name: str | None = None,
                       output_classes: Any = None) -> "Iterator":
        """An uninitialized iterator for datasets of this structure (use `make_initializer`)."""
        structure = _structure_of(output_types, output_shapes)
        handle = get_default_graph().create_op(
            "IteratorV2", [], dict(_flat_attrs(structure), shared_name=shared_name or "", container=""),
            name="Iterator").outputs[0]
        return Iterator(handle, None, structure)

    @staticmethod
    def from_string_handle(string_handle: Any, output_types: Any, output_shapes: Any = None,
                           output_classes: Any = None) -> "Iterator":
        """The iterator whose `string_handle()` is fed into `string_handle` at run time."""
        structure = _structure_of(output_types, output_shapes)
        h = convert_to_tensor(string_handle, dtype=dtypes.string)
        handle = get_default_graph().create_op("IteratorFromStringHandleV2", [h], _flat_attrs(structure),
                                               name="IteratorFromStringHandleV2").outputs[0]
        return Iterator(handle, None, structure)

    # --- use -----------------------------------------------------------------------------------
    def make_initializer(self, dataset: Any, name: str | None = None) -> Operation:
        """An op that (re)starts this iterator on `dataset` (same structure and dtypes)."""
        _check_dataset(dataset)
        if not nest.same_structure(self._structure, dataset._structure):
            raise TypeError(f"Expected output structure {self.output_types}, but got dataset with output "
                            f"structure {dataset.output_types}.")
        ours, theirs = nest.flatten(self._structure), nest.flatten(dataset._structure)
        if [s.dtype for s in ours] != [s.dtype for s in theirs]:
            raise TypeError(f"Expected output types {self.output_types} but got dataset with output types "
                            f"{dataset.output_types}.")
        for a, b in zip(ours, theirs):
            if not a.shape.is_compatible_with(b.shape):
                raise TypeError(f"Expected output shapes compatible with {self.output_shapes} but got dataset "
                                f"with output shapes {dataset.output_shapes}.")
        tree, captured = _dataset_inputs(dataset)
        return get_default_graph().create_op("MakeIterator", [self._iterator_resource] + captured,
                                             {"dataset": tree}, name=name or "MakeIterator")

    def get_next(self, name: str | None = None) -> Any:
        """The next element (a structure of tensors); OutOfRangeError at the end of the data."""
        op = get_default_graph().create_op("IteratorGetNext", [self._iterator_resource], _flat_attrs(self._structure),
                                           name=name or "IteratorGetNext")
        outs = list(op.outputs)
        return nest.pack(self._structure, outs)

    def string_handle(self, name: str | None = None) -> Tensor:
        """A string scalar naming this iterator, to feed a `from_string_handle` iterator."""
        return get_default_graph().create_op("IteratorToStringHandle", [self._iterator_resource], {},
                                             name=name or "IteratorToStringHandle").outputs[0]


def _structure_of(output_types: Any, output_shapes: Any) -> Any:
    types = nest.map_structure(dtypes.as_dtype, output_types)
    flat_t = nest.flatten(types)
    if output_shapes is None:
        shapes = [TensorShape(None)] * len(flat_t)
    else:
        shapes = [TensorShape(s) if not isinstance(s, TensorShape) else s
                  for s in nest.shape_leaves(output_shapes, types)]
    return nest.pack(types, [Spec(t, s) for t, s in zip(flat_t, shapes)])


def make_one_shot_iterator(dataset: Any) -> Iterator:
    """`tf.compat.v1.data.make_one_shot_iterator`: initialized on first use, not re-initializable."""
    tree, captured = _dataset_inputs(dataset)
    for t in captured:
        if t.op.type in ("Placeholder", "PlaceholderWithDefault"):
            raise ValueError(_ONE_SHOT_CAPTURE_ERROR.format(name=t.op.name))
    handle = get_default_graph().create_op(
        "OneShotIterator", captured, dict(_flat_attrs(dataset._structure), dataset=tree, shared_name="",
                                          container=""), name="OneShotIterator").outputs[0]
    return Iterator(handle, None, dataset._structure)


def make_initializable_iterator(dataset: Any, shared_name: str | None = None) -> Iterator:
    """`tf.compat.v1.data.make_initializable_iterator`: run `initializer` (feeding any
    placeholders the dataset uses) before `get_next`."""
    _check_dataset(dataset)
    it = Iterator.from_structure(dataset.output_types, dataset.output_shapes, shared_name)
    it._initializer = it.make_initializer(dataset)
    return it


def get_output_types(dataset_or_iterator: Any) -> Any:
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator: Any) -> Any:
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator: Any) -> Any:
    return dataset_or_iterator.output_classes
