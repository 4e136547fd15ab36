"""`tf.nest`: TF's structure utilities over nests of lists, tuples, namedtuples and dicts
(dicts in sorted key order), the same flattening while_loop, cond and dynamic_rnn use."""

from __future__ import annotations

from typing import Any, Callable

from .control_flow import _flatten, _is_sequence, _pack

__all__ = ["flatten", "pack_sequence_as", "map_structure", "is_nested", "assert_same_structure"]


def is_nested(seq: Any) -> bool:
    """Whether `seq` is a list, tuple (namedtuples included) or dict, not a leaf."""
    return _is_sequence(seq)


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    """The leaves of `structure` in order; a leaf alone gives [leaf]."""
    return _flatten(structure)


def _shape_of(s: Any) -> Any:
    if not _is_sequence(s):
        return None
    if isinstance(s, dict):
        return (type(s), tuple(sorted(s)), tuple(_shape_of(s[k]) for k in sorted(s)))
    return (type(s), len(s), tuple(_shape_of(x) for x in s))


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True, expand_composites: bool = False) -> None:
    """ValueError (or TypeError for differing sequence types, with `check_types`) unless the
    two nests have the same structure."""
    if len(_flatten(nest1)) != len(_flatten(nest2)) or _is_sequence(nest1) != _is_sequence(nest2):
        raise ValueError("The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1}\n\nSecond structure: {nest2}")
    a, b = _shape_of(nest1), _shape_of(nest2)
    if a == b:
        return
    if check_types:
        raise TypeError("The two structures don't have the same sequence type. "
                        f"First structure has type {type(nest1)}, while second structure has type {type(nest2)}.")
    strip = lambda s: None if s is None else (s[1], tuple(strip(x) for x in s[2]))  # noqa: E731
    if strip(a) != strip(b):
        raise ValueError("The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1}\n\nSecond structure: {nest2}")


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """`flat_sequence` arranged as `structure`."""
    flat = list(flat_sequence)
    n = len(_flatten(structure))
    if len(flat) != n:
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence had "
                         f"{len(flat)} elements.  Structure: {structure}, flat_sequence: {flat}.")
    return _pack(structure, flat) if _is_sequence(structure) else flat[0]


def map_structure(func: Callable[..., Any], *structure: Any, **kwargs: Any) -> Any:
    """`func` applied leaf by leaf to nests of the same structure, packed as the first."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError(f"Only valid keyword arguments are `check_types` and `expand_composites`, not: "
                         f"`{', '.join(kwargs)}`")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    leaves = [_flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*leaves)])
