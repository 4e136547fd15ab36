"""TF1 API: `tf.map_fn`, `tf.scan`, `tf.foldl`, `tf.foldr` -- higher-order functions over the
first dimension of (nested) tensors, built as TF1's functional_ops.py builds them: one
`tf.while_loop` reading the elements from TensorArrays and writing results into TensorArrays
(frontend/ops/tensor_array_ops.py), so they have gradients and compile to native loops.

`parallel_iterations`, `back_prop` and `swap_memory` are accepted and passed to while_loop
(which records them; flowjit runs iterations in order). map_fn's results are written into
TensorArrays that the loop body creates on its first write, so `fn`'s results need fully
defined static shapes (ValueError otherwise); scan's accumulators take their shape from the
initializer (dynamic dimensions allowed).
"""

from __future__ import annotations

from typing import Any, Callable

from ...ir.shapes import TensorShape
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, convert_to_tensor
from . import array_ops
from .control_flow import _flatten, _is_sequence, _pack, _same_structure, while_loop
from .tensor_array_ops import TensorArray

__all__ = ["map_fn", "scan", "foldl", "foldr"]


def _flat_elems(elems: Any) -> list[Tensor]:
    flat = [convert_to_tensor(e, name="elem") for e in _flatten(elems)]
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. Got {elems}")
    for e in flat:
        if e.shape.rank == 0:
            raise ValueError(f"Elements in elems must be 1+ dimensional Tensors, not scalars ({e.name})")
    return flat


def _num_elems(flat: list[Tensor]) -> tuple[Tensor, Any]:
    """(the number of elements as a tensor, the merged static first dimension)."""
    static = TensorShape(None)
    for e in flat:
        if e.shape.rank is not None:
            static = static.merge_with(TensorShape([e.shape.dims[0]])) if static.rank is not None \
                else TensorShape([e.shape.dims[0]])
    n0 = static.dims[0] if static.rank else None
    n = array_ops.shape(flat[0])[0] if n0 is None else convert_to_tensor(n0)
    return n, static if static.rank is not None else TensorShape([None])


def _input_arrays(flat: list[Tensor], n: Tensor) -> list[TensorArray]:
    return [TensorArray(dtype=e.dtype, size=n, dynamic_size=False, infer_shape=True).unstack(e) for e in flat]


def _check_callable(fn: Any) -> None:
    if not callable(fn):
        raise TypeError("fn must be callable.")


def _fold(fn: Callable, elems: Any, initializer: Any, parallel_iterations: int, back_prop: bool,
          swap_memory: bool, name: str | None, default: str, reverse: bool) -> Any:
    _check_callable(fn)
    graph = get_default_graph()
    with graph.name_scope(name or default):
        flat = _flat_elems(elems)
        n, _ = _num_elems(flat)
        tas = _input_arrays(flat, n)
        if initializer is None:
            first = n - 1 if reverse else 0
            a = _pack(elems, [ta.read(first) for ta in tas]) if _is_sequence(elems) else tas[0].read(first)
            i = n - 2 if reverse else convert_to_tensor(1)
        else:
            a = initializer
            i = n - 1 if reverse else convert_to_tensor(0)

        def compute(i: Tensor, a: Any) -> tuple[Tensor, Any]:
            packed = _pack(elems, [ta.read(i) for ta in tas]) if _is_sequence(elems) else tas[0].read(i)
            a_out = fn(a, packed)
            return (i - 1 if reverse else i + 1), a_out

        cond = (lambda i, a: i >= 0) if reverse else (lambda i, a: i < n)
        _, r_a = while_loop(cond, compute, (i, a), parallel_iterations=parallel_iterations, back_prop=back_prop,
                            swap_memory=swap_memory, maximum_iterations=n)
        return r_a


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None) -> Any:
    """`tf.foldl`: `a = fn(a, elems[i])` for i = 0 .. n-1 (a starts as `initializer`, else elems[0])."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, "foldl", False)


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None) -> Any:
    """`tf.foldr`: `a = fn(a, elems[i])` for i = n-1 .. 0 (a starts as `initializer`, else elems[-1])."""
    return _fold(fn, elems, initializer, parallel_iterations, back_prop, swap_memory, name, "foldr", True)


def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations: int | None = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: str | None = None) -> Any:
    """`tf.map_fn`: `fn` applied to each element (slice along dim 0) of `elems`, results stacked.

    `dtype` gives the structure and dtypes of fn's result when they differ from `elems`'.
    """
    _check_callable(fn)
    if parallel_iterations is None:
        parallel_iterations = 10
    graph = get_default_graph()
    with graph.name_scope(name or "map"):
        flat = _flat_elems(elems)
        n, static_n = _num_elems(flat)
        out_struct = elems if dtype is None else dtype
        out_dtypes = [e.dtype for e in flat] if dtype is None else list(_flatten(dtype))
        tas = _input_arrays(flat, n)
        accs = [TensorArray(dtype=dt, size=n, dynamic_size=False, infer_shape=infer_shape) for dt in out_dtypes]

        def compute(i: Tensor, accs: list) -> tuple[Tensor, list]:
            packed = _pack(elems, [ta.read(i) for ta in tas]) if _is_sequence(elems) else tas[0].read(i)
            values = fn(packed)
            if _is_sequence(out_struct) != _is_sequence(values) or (
                    _is_sequence(out_struct) and not _same_structure(out_struct, values)):
                raise ValueError("The two structures don't have the same nested structure.\n\n"
                                 f"First structure: {out_struct!r}\n\nSecond structure: {values!r}")
            flat_values = _flatten(values)
            return i + 1, [ta.write(i, v) for ta, v in zip(accs, flat_values)]

        _, r_a = while_loop(lambda i, _: i < n, compute, (convert_to_tensor(0), accs),
                            parallel_iterations=parallel_iterations, back_prop=back_prop, swap_memory=swap_memory,
                            maximum_iterations=n)
        results = [r.stack() for r in r_a]
        for r in results:
            if r.shape.rank is not None:
                r.set_shape(static_n.concatenate(r.shape[1:]))
        return _pack(out_struct, results) if _is_sequence(out_struct) else results[0]


def scan(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10, back_prop: bool = True,
         swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False, name: str | None = None) -> Any:
    """`tf.scan`: every accumulator `a = fn(a, elems[i])`, stacked (from the end when `reverse`)."""
    _check_callable(fn)
    graph = get_default_graph()
    with graph.name_scope(name or "scan"):
        flat = _flat_elems(elems)
        n, static_n = _num_elems(flat)
        tas = _input_arrays(flat, n)
        if initializer is None:
            first = n - 1 if reverse else 0
            a_flat = [ta.read(first) for ta in tas]
            init_struct = elems
            i = 1
        else:
            init_struct = initializer
            a_flat = [convert_to_tensor(x) for x in _flatten(initializer)]
            i = 0
        accs = []
        for init in a_flat:
            ta = TensorArray(dtype=init.dtype, size=n, element_shape=init.shape if infer_shape else None,
                             dynamic_size=False, infer_shape=infer_shape)
            accs.append(ta._derive(ta._buffer_for(init)))
        if initializer is None:
            accs = [ta.write(n - 1 if reverse else 0, a) for ta, a in zip(accs, a_flat)]

        def pack_a(values: list) -> Any:
            return _pack(init_struct, values) if _is_sequence(init_struct) else values[0]

        def compute(i: Tensor, a_flat: list, accs: list) -> tuple[Tensor, list, list]:
            packed = _pack(elems, [ta.read(i) for ta in tas]) if _is_sequence(elems) else tas[0].read(i)
            a_out = fn(pack_a(a_flat), packed)
            if _is_sequence(init_struct) != _is_sequence(a_out) or (
                    _is_sequence(init_struct) and not _same_structure(init_struct, a_out)):
                raise ValueError("The two structures don't have the same nested structure.\n\n"
                                 f"First structure: {init_struct!r}\n\nSecond structure: {a_out!r}")
            flat_out = [convert_to_tensor(x) for x in _flatten(a_out)]
            accs = [ta.write(i, v) for ta, v in zip(accs, flat_out)]
            return (i - 1 if reverse else i + 1), flat_out, accs

        start = (n - 1 - i) if reverse else convert_to_tensor(i)
        cond = (lambda i, _a, _t: i >= 0) if reverse else (lambda i, _a, _t: i < n)
        _, _, r_a = while_loop(cond, compute, (start, a_flat, accs), parallel_iterations=parallel_iterations,
                               back_prop=back_prop, swap_memory=swap_memory, maximum_iterations=n)
        results = [r.stack() for r in r_a]
        for r in results:
            if r.shape.rank is not None:
                r.set_shape(static_n.concatenate(r.shape[1:]))
        return pack_a(results)
