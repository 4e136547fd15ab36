"""`tf.data.Dataset` and its transformations (TF1 graph mode).

A Dataset is a front-end description: the tensors it uses, the function bodies traced from
the user's map/filter/flat_map/interleave functions (FuncGraph, as cond/while bodies are), and
its element structure. Nothing runs until an iterator is made: then `_tree(captures)` turns the
description into the plain-data tree held in the attr of MakeIterator / OneShotIterator (its
grammar: flowjit/runtime/host/datasets.py), `captures` collecting the tensors it names.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np

from ...ir import dtypes
from ...ir.registry import static_value
from ...ir.shapes import TensorShape
from ..framework.func_graph import FuncGraph, build_bodies
from ..framework.graph import get_default_graph
from ..framework.py_func_table import py_func_table
from ..framework.tensor import Tensor, convert_to_tensor
from . import structure as nest
from .captures import Captures
from .iterator_ops import make_initializable_iterator, make_one_shot_iterator
from .structure import HasElementStructure, Spec

AUTOTUNE = -1
_generator_ids = itertools.count()


def _spec_of(t: Tensor) -> Spec:
    return Spec(t.dtype, t.shape)


def _int64(value: Any, name: str) -> Tensor:
    t = convert_to_tensor(value, dtype=dtypes.int64, name=name) if not isinstance(value, Tensor) else value
    if t.dtype not in (dtypes.int64, dtypes.int32):
        raise TypeError(f"{name} must be an int64 scalar, got {t.dtype.name}")
    return t


def _known(t: Tensor) -> int | None:
    v = static_value(t.value)
    return None if v is None else int(np.asarray(v).reshape(()))


class _Traced:
    """A user function traced into a body: params = element components + captured tensors."""

    def __init__(self, body: Any, captured: list[Tensor], out_structure: Any) -> None:
        self.body = body
        self.captured = captured
        self.out_structure = out_structure


def _call(fn: Callable[..., Any], element: Any) -> Any:
    if isinstance(element, tuple) and not hasattr(type(element), "_fields"):
        return fn(*element)
    return fn(element)


def _trace(fn: Callable[..., Any], spec: Any, what: str, returns_dataset: bool = False) -> tuple[_Traced, Any]:
    """Trace `fn` on arguments of structure `spec`. Returns the traced body and, when the
    function returns a dataset, the inner dataset's tree (its captures are the body's results)."""
    graph = get_default_graph()
    fg = FuncGraph(what, graph)
    inner_tree = None
    with fg.as_default():
        args = [fg.add_input(s.dtype, s.shape, name=f"arg{i}") for i, s in enumerate(nest.flatten(spec))]
        out = _call(fn, nest.pack(spec, args))
        if returns_dataset:
            if not isinstance(out, DatasetV1):
                raise TypeError(f"`map_func` must return a `Dataset` object. Got {type(out).__name__}")
            caps = Captures(fg)
            inner_tree = out._tree(caps)
            flat = caps.tensors
            out_structure = out._structure
        else:
            if isinstance(out, list):
                out = tuple(out)  # TF2's tf.data: a returned list is a tuple (with a warning)
            if out is None:
                raise ValueError(f"the function given to {what} must return a value")
            out = nest.normalize(out, fg.make_local)
            flat = nest.flatten(out)
            out_structure = nest.map_structure(_spec_of, out)
    shared, (body,) = build_bodies([fg], [flat], [[]])
    return _Traced(body, shared, out_structure), inner_tree


class DatasetV1(HasElementStructure):
    """A TF1 `tf.data.Dataset`: a description of a sequence of elements, read by an iterator."""

    _structure: Any

    def _tree(self, caps: Captures) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} does not describe a dataset")

    # --- TF1 properties -------------------------------------------------------------------
    tensor_class = Tensor  # output_types, output_shapes, output_classes, element_spec: HasElementStructure

    def __iter__(self):
        raise RuntimeError("dataset.__iter__() is only supported when eager execution is enabled.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shapes: {self.output_shapes}, types: {self.output_types}>"

    # --- sources ----------------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors: Any) -> "DatasetV1":
        """One element: `tensors`."""
        return _FromTensors(tensors, sliced=False)

    @staticmethod
    def from_tensor_slices(tensors: Any) -> "DatasetV1":
        """The slices of `tensors` along their first dimension."""
        return _FromTensors(tensors, sliced=True)

    @staticmethod
    def range(*args: Any) -> "DatasetV1":
        """`range(stop)`, `range(start, stop[, step])` as int64 scalars."""
        return _Range(*args)

    @staticmethod
    def zip(datasets: Any) -> "DatasetV1":
        """Elements of the (nested tuple/dict of) `datasets` side by side, as long as the shortest."""
        return _Zip(datasets)

    @staticmethod
    def from_generator(generator: Callable[[], Any], output_types: Any, output_shapes: Any = None,
                       args: Any = None) -> "DatasetV1":
        """The elements a Python generator yields (called on the host at each epoch)."""
        return _FromGenerator(generator, output_types, output_shapes, args)

    @staticmethod
    def list_files(file_pattern: Any, shuffle: bool | None = None, seed: int | None = None) -> "DatasetV1":
        """The file names matching `file_pattern` (a glob, or a vector of them), shuffled by default."""
        return _ListFiles(file_pattern, True if shuffle is None else bool(shuffle), seed)

    # --- transformations --------------------------------------------------------------------
    def map(self, map_func: Callable[..., Any], num_parallel_calls: Any = None) -> "DatasetV1":
        return _Map(self, map_func, num_parallel_calls)

    def filter(self, predicate: Callable[..., Any]) -> "DatasetV1":
        return _Filter(self, predicate)

    def flat_map(self, map_func: Callable[..., Any]) -> "DatasetV1":
        return _FlatMap(self, map_func, None, None)

    def interleave(self, map_func: Callable[..., Any], cycle_length: int = AUTOTUNE, block_length: int = 1,
                   num_parallel_calls: Any = None) -> "DatasetV1":
        return _FlatMap(self, map_func, cycle_length, block_length)

    def batch(self, batch_size: Any, drop_remainder: bool = False) -> "DatasetV1":
        return _Batch(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size: Any, padded_shapes: Any, padding_values: Any = None,
                     drop_remainder: bool = False) -> "DatasetV1":
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def shuffle(self, buffer_size: Any, seed: int | None = None,
                reshuffle_each_iteration: bool | None = None) -> "DatasetV1":
        return _Shuffle(self, buffer_size, seed, True if reshuffle_each_iteration is None else
                        bool(reshuffle_each_iteration))

    def repeat(self, count: Any = None) -> "DatasetV1":
        return _Counted(self, "repeat", -1 if count is None else count)

    def take(self, count: Any) -> "DatasetV1":
        return _Counted(self, "take", count)

    def skip(self, count: Any) -> "DatasetV1":
        return _Counted(self, "skip", count)

    def prefetch(self, buffer_size: Any) -> "DatasetV1":
        return _Counted(self, "prefetch", buffer_size)

    def cache(self, filename: str = "") -> "DatasetV1":
        return _Cache(self, filename)

    def apply(self, transformation_func: Callable[["DatasetV1"], "DatasetV1"]) -> "DatasetV1":
        out = transformation_func(self)
        if not isinstance(out, DatasetV1):
            raise TypeError("`transformation_func` must return a Dataset.")
        return out

    # --- iterators ----------------------------------------------------------------------------
    def make_one_shot_iterator(self) -> Any:
        return make_one_shot_iterator(self)

    def make_initializable_iterator(self, shared_name: str | None = None) -> Any:
        return make_initializable_iterator(self, shared_name)


Dataset = DatasetV1


class _FromTensors(DatasetV1):
    def __init__(self, tensors: Any, sliced: bool) -> None:
        self._sliced = sliced
        what = "from_tensor_slices" if sliced else "from_tensors"
        self._tensors = nest.normalize(tensors, lambda v: convert_to_tensor(v, name="component"))
        flat = nest.flatten(self._tensors)
        if not flat:
            raise ValueError(f"{what} needs at least one tensor")
        if sliced:
            dims = set()
            for t in flat:
                if t.shape.rank == 0:
                    raise ValueError(f"Shape must be at least rank 1 but is rank 0 for '{t.name}'")
                if t.shape.rank is not None and t.shape.dims[0] is not None:
                    dims.add(t.shape.dims[0])
            if len(dims) > 1:
                raise ValueError(f"Dimensions {' and '.join(map(str, sorted(dims)))} are not compatible")

            def element(t: Tensor) -> Spec:
                return Spec(t.dtype, TensorShape(None) if t.shape.rank is None else TensorShape(t.shape.dims[1:]))
            self._structure = nest.map_structure(element, self._tensors)
        else:
            self._structure = nest.map_structure(_spec_of, self._tensors)

    def _tree(self, caps: Captures) -> tuple:
        idx = tuple(caps.add(t) for t in nest.flatten(self._tensors))
        return ("tensor_slices" if self._sliced else "tensors", idx)


class _Range(DatasetV1):
    def __init__(self, *args: Any) -> None:
        if len(args) == 1:
            args = (0, args[0], 1)
        elif len(args) == 2:
            args = (args[0], args[1], 1)
        elif len(args) != 3:
            raise ValueError(f"Invalid arguments to Dataset.range: {args!r}")
        self._args = [_int64(a, n) for a, n in zip(args, ("start", "stop", "step"))]
        if _known(self._args[2]) == 0:
            raise ValueError("step must be a non-zero integer.")
        self._structure = Spec(dtypes.int64, TensorShape([]))

    def _tree(self, caps: Captures) -> tuple:
        return ("range",) + tuple(caps.add(t) for t in self._args) + (dtypes.int64,)


class _Zip(DatasetV1):
    def __init__(self, datasets: Any) -> None:
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, DatasetV1):
                raise TypeError(f"The argument to `Dataset.zip()` must be a (nested) structure of `Dataset` objects, "
                                f"got {type(d).__name__}")
        self._parts = flat
        self._structure = nest.pack(datasets, [d._structure for d in flat])

    def _tree(self, caps: Captures) -> tuple:
        return ("zip", tuple(d._tree(caps) for d in self._parts),
                tuple(len(nest.flatten(d._structure)) for d in self._parts))


class _GeneratorCall:
    """What the py_func table holds for from_generator: calls the generator, flattens elements."""

    def __init__(self, generator: Callable[..., Any], args: tuple, types: Any) -> None:
        self.generator, self.args, self.types = generator, args, types

    def __call__(self) -> Any:
        return iter(self.generator(*self.args))

    def flatten_element(self, value: Any) -> list[Any]:
        if not nest.is_structure(self.types):
            return [value]
        if isinstance(value, list):
            value = tuple(value)
        if not nest.same_structure(self.types, value):
            raise TypeError(f"`generator` yielded an element that did not match the expected structure. "
                            f"The expected structure was {self.types}, but the yielded element was {value!r:.80}.")
        return nest.flatten(value)


class _FromGenerator(DatasetV1):
    def __init__(self, generator: Callable[..., Any], output_types: Any, output_shapes: Any, args: Any) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be callable.")
        types = nest.map_structure(dtypes.as_dtype, output_types)
        if output_shapes is None:
            shapes = nest.map_structure(lambda _: TensorShape(None), types)
        else:
            if not nest.same_structure(types, output_shapes):
                raise TypeError("`output_shapes` must have the same structure as `output_types`")
            shapes = nest.pack(types, [TensorShape(s) for s in nest.shape_leaves(output_shapes, types)])
        call_args = tuple(args) if args is not None else ()
        for a in call_args:
            if isinstance(a, Tensor):
                raise TypeError("from_generator args must be Python or NumPy values in flowjit (got a Tensor)")
        self._structure = nest.pack(types, [Spec(t, s) for t, s in zip(nest.flatten(types), nest.flatten(shapes))])
        graph = get_default_graph()
        self._token = f"dataset_generator_{next(_generator_ids)}"
        py_func_table(graph)[self._token] = _GeneratorCall(generator, call_args, types)

    def _tree(self, caps: Captures) -> tuple:
        flat = nest.flatten(self._structure)
        return ("generator", self._token, tuple(s.dtype for s in flat), tuple(s.shape for s in flat))


class _ListFiles(DatasetV1):
    def __init__(self, pattern: Any, shuffle: bool, seed: int | None) -> None:
        self._pattern = convert_to_tensor(pattern, dtype=dtypes.string, name="file_pattern")
        self._shuffle = shuffle
        self._seeds = (get_default_graph().seed, seed)
        self._structure = Spec(dtypes.string, TensorShape([]))

    def _tree(self, caps: Captures) -> tuple:
        return ("matching_files", caps.add(self._pattern), self._shuffle, self._seeds)


class _Map(DatasetV1):
    def __init__(self, input_ds: DatasetV1, fn: Callable[..., Any], num_parallel_calls: Any) -> None:
        self._input = input_ds
        self._fn, _ = _trace(fn, input_ds._structure, "map")
        n = 1 if num_parallel_calls is None else num_parallel_calls
        if isinstance(n, Tensor):
            n = _known(n)
            if n is None:
                raise ValueError("num_parallel_calls must be known while building the graph in flowjit")
        self._parallel = int(n)
        self._structure = self._fn.out_structure

    def _tree(self, caps: Captures) -> tuple:
        return ("map", self._input._tree(caps), self._fn.body, tuple(caps.add(t) for t in self._fn.captured),
                self._parallel)


class _Filter(DatasetV1):
    def __init__(self, input_ds: DatasetV1, predicate: Callable[..., Any]) -> None:
        self._input = input_ds
        self._fn, _ = _trace(predicate, input_ds._structure, "filter")
        out = nest.flatten(self._fn.out_structure)
        if len(out) != 1 or out[0].dtype != dtypes.bool_ or out[0].shape.rank not in (None, 0):
            raise ValueError(f"`predicate` return type must be convertible to a scalar boolean tensor. "
                             f"Was {self._fn.out_structure}.")
        self._structure = input_ds._structure

    def _tree(self, caps: Captures) -> tuple:
        return ("filter", self._input._tree(caps), self._fn.body, tuple(caps.add(t) for t in self._fn.captured))


class _FlatMap(DatasetV1):
    def __init__(self, input_ds: DatasetV1, fn: Callable[..., Any], cycle_length: Any, block_length: Any) -> None:
        self._input = input_ds
        self._fn, self._inner = _trace(fn, input_ds._structure, "flat_map" if cycle_length is None else "interleave",
                                       returns_dataset=True)
        self._interleave = cycle_length is not None
        self._cycle = int(cycle_length) if cycle_length is not None else 1
        self._block = int(block_length) if block_length is not None else 1
        self._structure = self._fn.out_structure

    def _tree(self, caps: Captures) -> tuple:
        head = (self._input._tree(caps), self._fn.body, tuple(caps.add(t) for t in self._fn.captured), self._inner)
        if self._interleave:
            return ("interleave",) + head + (self._cycle, self._block)
        return ("flat_map",) + head


class _Batch(DatasetV1):
    def __init__(self, input_ds: DatasetV1, batch_size: Any, drop_remainder: bool) -> None:
        self._input = input_ds
        self._size = _int64(batch_size, "batch_size")
        self._drop = bool(drop_remainder)
        dim = _known(self._size) if self._drop else None
        self._structure = nest.map_structure(lambda s: Spec(s.dtype, _prepend(dim, s.shape)), input_ds._structure)

    def _tree(self, caps: Captures) -> tuple:
        return ("batch", self._input._tree(caps), caps.add(self._size), self._drop)


def _prepend(dim: int | None, shape: TensorShape) -> TensorShape:
    return TensorShape(None) if shape.rank is None else TensorShape([dim] + list(shape.dims))


def _padded_shape(value: Any, spec: Spec) -> tuple[Tensor, TensorShape]:
    if isinstance(value, Tensor):
        t = value
        static = TensorShape([None] * t.shape.dims[0]) if t.shape.rank == 1 and t.shape.dims[0] is not None \
            else TensorShape(None)
    else:
        shape = value if isinstance(value, TensorShape) else TensorShape(list(value) if value is not None else None)
        if shape.rank is None:
            raise ValueError("padded_shapes must have a known rank")
        static = shape
        t = convert_to_tensor(np.array([-1 if d is None else d for d in shape.dims], dtype=np.int64),
                              name="padded_shape")
    if spec.shape.rank is not None and static.rank is not None and spec.shape.rank != static.rank:
        raise ValueError(f"The padded shape {static} is not compatible with the corresponding input component "
                         f"shape {spec.shape}.")
    return t, static


class _PaddedBatch(DatasetV1):
    def __init__(self, input_ds: DatasetV1, batch_size: Any, padded_shapes: Any, padding_values: Any,
                 drop_remainder: bool) -> None:
        self._input = input_ds
        self._size = _int64(batch_size, "batch_size")
        self._drop = bool(drop_remainder)
        specs = nest.flatten(input_ds._structure)
        shapes = nest.shape_leaves(padded_shapes, input_ds._structure)
        if len(shapes) != len(specs):
            raise ValueError("padded_shapes must have the same structure as the dataset's elements")
        pairs = [_padded_shape(v, s) for v, s in zip(shapes, specs)]
        self._shapes = [p[0] for p in pairs]
        if padding_values is None:
            pads = [b"" if s.dtype == dtypes.string else 0 for s in specs]
        else:
            pads = nest.flatten(nest.normalize(padding_values, lambda v: v))
            if len(pads) != len(specs):
                raise ValueError("padding_values must have the same structure as the dataset's elements")
        self._pads = [convert_to_tensor(p, dtype=s.dtype, name="padding_value") for p, s in zip(pads, specs)]
        dim = _known(self._size) if self._drop else None
        out = []
        for (_, static), s in zip(pairs, specs):
            if static.rank is not None:
                merged = static
            else:
                merged = TensorShape(None) if s.shape.rank is None else TensorShape([None] * s.shape.rank)
            out.append(Spec(s.dtype, _prepend(dim, merged)))
        self._structure = nest.pack(input_ds._structure, out)

    def _tree(self, caps: Captures) -> tuple:
        return ("padded_batch", self._input._tree(caps), caps.add(self._size),
                tuple(caps.add(t) for t in self._shapes), tuple(caps.add(t) for t in self._pads), self._drop)


class _Shuffle(DatasetV1):
    def __init__(self, input_ds: DatasetV1, buffer_size: Any, seed: int | None, reshuffle: bool) -> None:
        self._input = input_ds
        self._size = _int64(buffer_size, "buffer_size")
        self._seeds = (get_default_graph().seed, seed)
        self._reshuffle = reshuffle
        self._structure = input_ds._structure

    def _tree(self, caps: Captures) -> tuple:
        return ("shuffle", self._input._tree(caps), caps.add(self._size), self._seeds, self._reshuffle)


class _Counted(DatasetV1):
    """repeat / take / skip / prefetch: one int64 count."""

    def __init__(self, input_ds: DatasetV1, kind: str, count: Any) -> None:
        self._input = input_ds
        self._kind = kind
        self._count = _int64(count, "buffer_size" if kind == "prefetch" else "count")
        self._structure = input_ds._structure

    def _tree(self, caps: Captures) -> tuple:
        return (self._kind, self._input._tree(caps), caps.add(self._count))


class _Cache(DatasetV1):
    def __init__(self, input_ds: DatasetV1, filename: Any) -> None:
        if isinstance(filename, Tensor):
            v = static_value(filename.value)
            if v is None:
                raise ValueError("cache(filename) must be known while building the graph in flowjit")
            filename = np.asarray(v).item()
        self._input = input_ds
        self._filename = filename.decode() if isinstance(filename, bytes) else str(filename)
        self._structure = input_ds._structure

    def _tree(self, caps: Captures) -> tuple:
        return ("cache", self._input._tree(caps), self._filename)
