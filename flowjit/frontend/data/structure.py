"""Element structures of tf.data: nested tuples, namedtuples and dicts whose leaves are tensors
(or, for a dataset's declared structure, `Spec`s: dtype and static shape).

As in TF's `data.util.nest`, a list is not a structure but a value (from_tensor_slices([1, 2])
is one int32 tensor); dict entries are ordered by sorted key, so flattening is deterministic.
The runtime sees only the flat list of components.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from ...ir.dtypes import DType
from ...ir.shapes import TensorShape


class Spec(NamedTuple):
    """One component of a dataset's elements: its dtype and (static, partial) shape."""
    dtype: DType
    shape: TensorShape


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields") and not isinstance(x, Spec)


def is_structure(x: Any) -> bool:
    return isinstance(x, dict) or (isinstance(x, tuple) and not isinstance(x, Spec))


def flatten(structure: Any) -> list[Any]:
    """The leaves of `structure` in TF's order (tuples in order, dicts by sorted key)."""
    if isinstance(structure, dict):
        return [leaf for k in sorted(structure) for leaf in flatten(structure[k])]
    if is_structure(structure):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack(structure: Any, flat: list[Any]) -> Any:
    """`flat` (as many leaves as `structure` has) in the shape of `structure`."""
    it = iter(flat)

    def rebuild(s: Any) -> Any:
        if isinstance(s, Spec):
            return next(it)
        if isinstance(s, dict):
            return type(s)((k, rebuild(s[k])) for k in sorted(s))
        if _is_namedtuple(s):
            return type(s)(*[rebuild(x) for x in s])
        if is_structure(s):
            return tuple(rebuild(x) for x in s)
        return next(it)

    out = rebuild(structure)
    rest = list(it)
    if rest:
        raise ValueError(f"pack: {len(rest)} values left over for structure {structure!r:.80}")
    return out


def map_structure(fn: Callable[[Any], Any], structure: Any) -> Any:
    return pack(structure, [fn(leaf) for leaf in flatten(structure)])


def same_structure(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b) and \
            all(same_structure(a[k], b[k]) for k in a)
    if is_structure(a) or is_structure(b):
        return is_structure(a) and is_structure(b) and len(a) == len(b) and \
            all(same_structure(x, y) for x, y in zip(a, b))
    return True


def normalize(value: Any, to_leaf: Callable[[Any], Any]) -> Any:
    """A user's element (tuple/dict of values) with every leaf passed through `to_leaf`
    (lists are leaves: they become one tensor)."""
    if isinstance(value, dict):
        return type(value)((k, normalize(value[k], to_leaf)) for k in sorted(value))
    if _is_namedtuple(value):
        return type(value)(*[normalize(x, to_leaf) for x in value])
    if isinstance(value, tuple):
        return tuple(normalize(x, to_leaf) for x in value)
    return to_leaf(value)


def shape_leaves(shapes: Any, like: Any) -> list[Any]:
    """Leaves of a shapes structure (a shape is a list/TensorShape, not a structure)."""
    if isinstance(like, dict):
        return [leaf for k in sorted(like) for leaf in shape_leaves(shapes[k], like[k])]
    if is_structure(like):
        return [leaf for s, l in zip(shapes, like) for leaf in shape_leaves(s, l)]
    return [shapes]


class HasElementStructure:
    """TF1's element properties of a Dataset or an Iterator, read from `self._structure` (a
    nested structure of Specs); `tensor_class` is what `output_classes` names for a leaf."""

    _structure: Any
    tensor_class: Any = None

    @property
    def output_types(self) -> Any:
        return map_structure(lambda s: s.dtype, self._structure)

    @property
    def output_shapes(self) -> Any:
        return map_structure(lambda s: s.shape, self._structure)

    @property
    def output_classes(self) -> Any:
        return map_structure(lambda s: self.tensor_class, self._structure)

    @property
    def element_spec(self) -> Any:
        return self._structure
