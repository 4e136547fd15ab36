"""Structural equality of graphs and attrs, and the explained difference pass tests assert on."""

from __future__ import annotations

import difflib
import struct
from typing import Any, Callable

import numpy as np

from ..dtypes import DType
from ..graph import Graph, Node, Provenance
from ..shapes import TensorShape
from .parser import parse_graph
from .printer import format_attr, format_type, print_graph


def graphs_equal(a: Graph, b: Graph, *, ignore_locations: bool = True, ignore_order: bool = True) -> bool:
    """Whether two graphs are the same IR.

    Compares node names, ops, inputs, control inputs, attrs (exactly: types, dtypes, shapes,
    float bits; nested graphs recursively), devices, output types, params, results, targets
    and seed. `ignore_locations` skips source locations and provenance; `ignore_order` skips
    node order and the order of control inputs (both have no meaning for execution).
    """
    return not graph_differences(a, b, ignore_locations=ignore_locations, ignore_order=ignore_order, limit=1)


def graph_differences(a: Graph, b: Graph, *, ignore_locations: bool = True, ignore_order: bool = True,
                      limit: int | None = None) -> list[str]:
    """What differs between `a` and `b`, one line each (empty when `graphs_equal`)."""
    out: list[str] = []
    _diff_graphs(a, b, "", ignore_locations, ignore_order, out, limit)
    return out


class _Enough(Exception):
    pass


def _diff_graphs(a: Graph, b: Graph, where: str, ignore_locations: bool, ignore_order: bool, out: list[str],
                 limit: int | None) -> None:
    def report(message: str) -> None:
        out.append(where + message)
        if limit is not None and len(out) >= limit:
            raise _Enough

    try:
        if a.seed != b.seed:
            report(f"seed: {a.seed} != {b.seed}")
        names_a = [n.name for n in a.nodes]
        names_b = [n.name for n in b.nodes]
        only_a = [n for n in names_a if n not in b]
        only_b = [n for n in names_b if n not in a]
        for n in only_a:
            report(f"node {n!r} is only in the first graph")
        for n in only_b:
            report(f"node {n!r} is only in the second graph")
        if not ignore_order and not only_a and not only_b and names_a != names_b:
            report(f"node order differs: {names_a} != {names_b}")
        for na in a.nodes:
            nb = b.get_node(na.name)
            if nb is not None:
                _diff_nodes(na, nb, where, ignore_locations, ignore_order, report, out, limit)
        if [p.name for p in a.params] != [p.name for p in b.params]:
            report(f"params: {[p.name for p in a.params]} != {[p.name for p in b.params]}")
        if [v.name for v in a.results] != [v.name for v in b.results]:
            report(f"results: {[v.name for v in a.results]} != {[v.name for v in b.results]}")
        if [t.name for t in a.targets] != [t.name for t in b.targets]:
            report(f"targets: {[t.name for t in a.targets]} != {[t.name for t in b.targets]}")
    except _Enough:
        if where:
            raise


def _diff_nodes(na: Node, nb: Node, where: str, ignore_locations: bool, ignore_order: bool,
                report: Callable[[str], None], out: list[str], limit: int | None) -> None:
    name = na.name
    if na.op != nb.op:
        report(f"node {name!r}: op {na.op} != {nb.op}")
    ins_a = [v.name for v in na.inputs]
    ins_b = [v.name for v in nb.inputs]
    if ins_a != ins_b:
        report(f"node {name!r}: inputs {ins_a} != {ins_b}")
    ctl_a = [c.name for c in na.control_inputs]
    ctl_b = [c.name for c in nb.control_inputs]
    if (sorted(ctl_a) != sorted(ctl_b)) if ignore_order else (ctl_a != ctl_b):
        report(f"node {name!r}: control inputs {ctl_a} != {ctl_b}")
    if set(na.attrs) != set(nb.attrs):
        report(f"node {name!r}: attr names {sorted(na.attrs)} != {sorted(nb.attrs)}")
    for key in na.attrs:
        if key in nb.attrs:
            va, vb = na.attrs[key], nb.attrs[key]
            if isinstance(va, Graph) and isinstance(vb, Graph):
                _diff_graphs(va, vb, f"{where}in attr {key!r} of node {name!r}: ", ignore_locations, ignore_order,
                             out, limit)
                if limit is not None and len(out) >= limit:
                    raise _Enough
            elif not _attr_equal(va, vb, ignore_locations, ignore_order):
                report(f"node {name!r}: attr {key!r} {_short(va)} != {_short(vb)}")
    if na.device != nb.device:
        report(f"node {name!r}: device {na.device!r} != {nb.device!r}")
    types_a = [format_type(s.dtype, s.shape) for s in na.outputs]
    types_b = [format_type(s.dtype, s.shape) for s in nb.outputs]
    if types_a != types_b:
        report(f"node {name!r}: output types {types_a} != {types_b}")
    if not ignore_locations:
        if na.source != nb.source:
            report(f"node {name!r}: location {na.source} != {nb.source}")
        pa, pb = na.provenance or Provenance(), nb.provenance or Provenance()
        if (pa.created_by, tuple(pa.origins)) != (pb.created_by, tuple(pb.origins)):
            report(f"node {name!r}: provenance {pa} != {pb}")


def _short(v: Any) -> str:
    try:
        text = format_attr(v, elide_large=8)
    except TypeError:
        text = repr(v)
    return text if len(text) <= 120 else text[:117] + "..."


def _float_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _attr_equal(a: Any, b: Any, ignore_locations: bool = True, ignore_order: bool = True) -> bool:
    """Exact equality of attr values: types must match (1 != 1.0 != True, list != tuple)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype.kind == "O":
            return all(_attr_equal(x, y) for x, y in zip(a.reshape(-1).tolist(), b.reshape(-1).tolist()))
        return np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()
    if isinstance(a, np.generic) or isinstance(b, np.generic):
        return (isinstance(a, np.generic) and isinstance(b, np.generic)
                and _attr_equal(np.asarray(a), np.asarray(b)))
    if type(a) is not type(b):
        # A frontend Graph subclass equals a plain Graph with the same content.
        if not (isinstance(a, Graph) and isinstance(b, Graph)):
            return False
    if isinstance(a, float):
        return _float_bits(a) == _float_bits(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_attr_equal(x, y, ignore_locations, ignore_order) for x, y in zip(a, b))
    if isinstance(a, DType):
        return a.name == b.name
    if isinstance(a, TensorShape):
        return a.dims == b.dims
    if isinstance(a, Graph):
        return graphs_equal(a, b, ignore_locations=ignore_locations, ignore_order=ignore_order)
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic values: unequal unless identical
        return a is b


def attr_equal(a: Any, b: Any) -> bool:
    """Exact equality of two attr values, as `graphs_equal` compares them: types must match
    (1 != 1.0 != True, list != tuple), floats and arrays bit for bit (NaN equals the same NaN),
    nested graphs structurally."""
    return _attr_equal(a, b)


def assert_graphs_equal(actual: Graph | str, expected: Graph | str, *, ignore_locations: bool = True,
                        ignore_order: bool = True) -> None:
    """Assert two graphs (or their texts) are the same IR; the error lists the differences
    and a unified diff of the two texts.

    >>> assert_graphs_equal(constant_fold(parse_graph(BEFORE)), EXPECTED)   # doctest: +SKIP
    """
    a = parse_graph(actual) if isinstance(actual, str) else actual
    b = parse_graph(expected) if isinstance(expected, str) else expected
    problems = graph_differences(a, b, ignore_locations=ignore_locations, ignore_order=ignore_order, limit=20)
    if not problems:
        return
    opts = dict(locations=not ignore_locations, sort_nodes=ignore_order, elide_large=64)
    text_a = print_graph(a, **opts).splitlines()
    text_b = print_graph(b, **opts).splitlines()
    diff = difflib.unified_diff(text_b, text_a, "expected", "actual", lineterm="", n=2)
    message = ["graphs differ:"] + ["  " + p for p in problems] + ["", *diff]
    raise AssertionError("\n".join(message))
