"""The running side of tf.data: an iterator resource and the pipeline built from a dataset tree.

The tree (attr `dataset` of MakeIterator / OneShotIterator, plain data) is a tuple whose first
item names the transformation; `#k` below is the index of a captured tensor among the node's
inputs (or, inside a flat_map/interleave dataset, among the results of the function body that
computed them); `body` is a function-body ir.Graph taking (element components, captured...):

  ("tensors", (#k...))                         one element: the captured tensors
  ("tensor_slices", (#k...))                   slices along dimension 0
  ("range", #start, #stop, #step, dtype)
  ("generator", token, (dtype...), (shape...)) a Python generator held in the py_func table
  ("zip", (tree...), (width...))
  ("matching_files", #pattern, shuffle, seeds)  tf.data.Dataset.list_files
  ("text_line", #filenames, compression)
  ("tfrecord", #filenames, compression)
  ("fixed_length", #filenames, record_bytes, header_bytes, footer_bytes)
  ("map", input, body, (#k...), num_parallel_calls)
  ("filter", input, body, (#k...))
  ("flat_map", input, body, (#k...), inner_tree)      body returns inner_tree's captures
  ("interleave", input, body, (#k...), inner_tree, cycle_length, block_length)
  ("batch", input, #batch_size, drop_remainder)
  ("padded_batch", input, #batch_size, (#shape...), (#pad...), drop_remainder)
  ("shuffle", input, #buffer_size, seeds, reshuffle_each_iteration)
  ("repeat", input, #count) ("take", input, #count) ("skip", input, #count)
  ("prefetch", input, #buffer_size)  ("cache", input, filename)

`seeds` is (graph_seed, op_seed), either None. Each node becomes a `Source` whose `iterate()`
starts one pass (an epoch) as a Python iterator of tuples of arrays. Function bodies run through
`interpreter.child(body).run(args, state)`: compiled native code on the cpu backend, the
reference interpreter on "reference". map(num_parallel_calls>1) runs bodies on a thread pool
(native calls release the GIL), prefetch fills a bounded buffer from a thread. A pipeline that
does not end in prefetch runs in the thread of the Session.run that asks for an element. Every
wait is in short slices that watch Session.close (CancelledError); a final prefetch also honours
the run's deadline (RunOptions timeout_in_ms: DeadlineExceededError, the pass stays usable).
`cancel()` (Session.close, or re-initializing the iterator) stops the threads.
"""

from __future__ import annotations

import collections
import concurrent.futures as futures
import glob
import os
import pickle
import queue
import threading
import time
from typing import Any, Iterator, Sequence

import numpy as np

from ...ir import dtypes, errors
from ...ir.formats.records import check_compression, iter_records, open_records
from ...ir.ops.dataset import END_OF_SEQUENCE
from ...ir.ops.script import PY_FUNCS_RESOURCE

Element = tuple  # a tuple of np.ndarray, one per component
_SLICE = 0.05  # seconds a blocked wait sleeps before looking at close/deadline again
AUTOTUNE = -1


class _Env:
    """What every stage of one pipeline shares: the kernel context it was built from, the
    session state, a stop flag (cancel/re-initialization) and the threads it started."""

    def __init__(self, ctx: Any) -> None:
        self.node = ctx.node
        self.state = ctx.state
        self.interpreter = ctx.interpreter
        self.stop = threading.Event()
        self.pools: list[futures.ThreadPoolExecutor] = []
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    def error(self, cls: type[errors.OpError], message: str) -> errors.OpError:
        return errors.node_error(cls, self.node, message)

    def check_alive(self, deadline: float | None = None) -> None:
        if self.state.closed.is_set() or self.stop.is_set():
            raise self.error(errors.CancelledError, "the iterator was cancelled (session closed or re-initialized)")
        if deadline is not None and time.monotonic() > deadline:
            raise self.error(errors.DeadlineExceededError, "Timed out waiting for the next element of the iterator")

    def run_body(self, body: Any, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self.interpreter.child(body).run([a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in map(np.asarray, args)],
                                                   self.state)

    def pool(self, workers: int) -> futures.ThreadPoolExecutor:
        p = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flowjit-data")
        with self.lock:
            self.pools.append(p)
        return p

    def cancel(self) -> None:
        self.stop.set()
        with self.lock:
            pools, self.pools = self.pools, []
        for p in pools:
            p.shutdown(wait=False, cancel_futures=True)


def _scalar(value: np.ndarray) -> int:
    return int(np.asarray(value).reshape(()))


def _strings(value: np.ndarray) -> list[str]:
    out = []
    for x in np.asarray(value, dtype=object).reshape(-1).tolist():
        out.append(x.decode() if isinstance(x, bytes) else str(x))
    return out


def _wait(fut: futures.Future, env: _Env) -> Any:
    while True:
        try:
            return fut.result(timeout=_SLICE)
        except futures.TimeoutError:
            env.check_alive()


class Source:
    """One node of the pipeline; `iterate()` starts one pass over its elements."""

    def iterate(self) -> Iterator[Element]:
        raise NotImplementedError


class _Tensors(Source):
    def __init__(self, arrays: Sequence[np.ndarray]) -> None:
        self.arrays = tuple(np.asarray(a) for a in arrays)

    def iterate(self):
        yield self.arrays


class _Slices(Source):
    def __init__(self, env: _Env, arrays: Sequence[np.ndarray]) -> None:
        self.arrays = tuple(np.asarray(a) for a in arrays)
        sizes = {a.shape[0] if a.ndim else None for a in self.arrays}
        if None in sizes:
            raise env.error(errors.InvalidArgumentError, "from_tensor_slices needs tensors of rank >= 1")
        if len(sizes) != 1:
            raise env.error(errors.InvalidArgumentError,
                            "Dimension 0 in both shapes must be equal: the components of from_tensor_slices "
                            f"have {sorted(sizes)} rows")
        self.n = sizes.pop()

    def iterate(self):
        for i in range(self.n):
            yield tuple(np.asarray(a[i]) for a in self.arrays)


class _Range(Source):
    def __init__(self, start: int, stop: int, step: int, dtype: dtypes.DType, env: _Env) -> None:
        if step == 0:
            raise env.error(errors.InvalidArgumentError, "step must be a non-zero integer.")
        self.args = (start, stop, step)
        self.np_dtype = dtype.np_dtype

    def iterate(self):
        for v in range(*self.args):
            yield (np.array(v, dtype=self.np_dtype),)


class _Generator(Source):
    def __init__(self, env: _Env, token: str, types: Sequence[Any], shapes: Sequence[Any]) -> None:
        table = env.state.resources.get(PY_FUNCS_RESOURCE) or {}
        self.fn = table.get(token)
        if self.fn is None:
            raise env.error(errors.InvalidArgumentError, f"generator {token} is not found (it is held by the "
                                                         "graph that built the dataset)")
        self.env = env
        self.types = [dtypes.as_dtype(t) for t in types]
        self.shapes = list(shapes)

    def iterate(self):
        flat_of = self.fn.flatten_element  # set by the front end: element -> flat list of values
        for value in self.fn():
            flat = flat_of(value)
            out = []
            for k, (v, t, s) in enumerate(zip(flat, self.types, self.shapes)):
                try:
                    arr = np.asarray(v, dtype=t.np_dtype)
                except (TypeError, ValueError):
                    raise self.env.error(errors.InvalidArgumentError,
                                         f"TypeError: `generator` yielded an element that could not be converted "
                                         f"to the expected type. The expected type was {t.name}, but the yielded "
                                         f"element was {v!r:.60}.") from None
                if not s.is_compatible_with(arr.shape):
                    raise self.env.error(errors.InvalidArgumentError,
                                         f"`generator` yielded an element of shape {list(arr.shape)} where an "
                                         f"element of shape {s} was expected.")
                out.append(arr)
            yield tuple(out)


class _Zip(Source):
    def __init__(self, parts: Sequence[Source]) -> None:
        self.parts = parts

    def iterate(self):
        its = [p.iterate() for p in self.parts]
        while True:
            out: list[np.ndarray] = []
            for it in its:
                try:
                    out.extend(next(it))
                except StopIteration:
                    return
            yield tuple(out)


class _MatchingFiles(Source):
    def __init__(self, env: _Env, patterns: list[str], shuffle: bool, seeds: tuple) -> None:
        names = sorted({f for p in patterns for f in glob.glob(p)})
        if not names:
            raise env.error(errors.InvalidArgumentError, f"No files matched pattern: {', '.join(patterns)}")
        self.names = names
        self.shuffle = shuffle
        self.rng = _rng(seeds)

    def iterate(self):
        order = list(self.names)
        if self.shuffle:
            order = [order[i] for i in self.rng.permutation(len(order))]
        for n in order:
            yield (np.array(n.encode(), dtype=object),)


def _open(env: _Env, path: str, compression: str) -> Any:
    try:
        return open_records(path, compression)
    except FileNotFoundError:
        raise env.error(errors.NotFoundError, f"{path}; No such file or directory") from None


class _TextLines(Source):
    def __init__(self, env: _Env, files: list[str], compression: str) -> None:
        self.env, self.files, self.compression = env, files, check_compression(compression)

    def iterate(self):
        for path in self.files:
            with _open(self.env, path, self.compression) as f:
                for line in f:
                    if line.endswith(b"\n"):
                        line = line[:-1]
                        if line.endswith(b"\r"):
                            line = line[:-1]
                    yield (np.array(line, dtype=object),)


class _TFRecords(Source):
    def __init__(self, env: _Env, files: list[str], compression: str) -> None:
        self.env, self.files, self.compression = env, files, check_compression(compression)

    def iterate(self):
        for path in self.files:
            with _open(self.env, path, self.compression) as f:
                for _, data in iter_records(f, path):
                    yield (np.array(data, dtype=object),)


class _FixedLength(Source):
    def __init__(self, env: _Env, files: list[str], record: int, header: int, footer: int) -> None:
        if record <= 0:
            raise env.error(errors.InvalidArgumentError, f"record_bytes must be positive, got {record}")
        self.env, self.files, self.sizes = env, files, (record, header, footer)

    def iterate(self):
        record, header, footer = self.sizes
        for path in self.files:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                raise self.env.error(errors.NotFoundError, f"{path}; No such file or directory") from None
            body = data[header:len(data) - footer if footer else len(data)]
            for start in range(0, len(body) - record + 1, record):
                yield (np.array(body[start:start + record], dtype=object),)


class _Map(Source):
    def __init__(self, env: _Env, inner: Source, body: Any, captured: list[np.ndarray], parallel: int) -> None:
        self.env, self.inner, self.body, self.captured = env, inner, body, captured
        self.parallel = (os.cpu_count() or 1) if parallel == AUTOTUNE else max(int(parallel), 1)
        self._pool: futures.ThreadPoolExecutor | None = None

    def apply(self, element: Element) -> Element:
        return tuple(self.env.run_body(self.body, list(element) + self.captured))

    def iterate(self):
        if self.parallel <= 1:
            for e in self.inner.iterate():
                yield self.apply(e)
            return
        if self._pool is None:
            self._pool = self.env.pool(self.parallel)
        window: collections.deque = collections.deque()
        src = self.inner.iterate()
        done = False
        while True:
            while not done and len(window) < 2 * self.parallel:
                try:
                    e = next(src)
                except StopIteration:
                    done = True
                    break
                window.append(self._pool.submit(self.apply, e))
            if not window:
                return
            yield _wait(window.popleft(), self.env)


class _Filter(Source):
    def __init__(self, env: _Env, inner: Source, body: Any, captured: list[np.ndarray]) -> None:
        self.env, self.inner, self.body, self.captured = env, inner, body, captured

    def iterate(self):
        for e in self.inner.iterate():
            keep = np.asarray(self.env.run_body(self.body, list(e) + self.captured)[0])
            if keep.shape != ():
                raise self.env.error(errors.InvalidArgumentError,
                                     f"Filter predicate `predicate` must return a scalar bool, got shape "
                                     f"{list(keep.shape)}")
            if bool(keep):
                yield e


class _FlatMap(Source):
    """flat_map / interleave: the body computes the inner dataset's captured tensors per element."""

    def __init__(self, env: _Env, inner: Source, body: Any, captured: list[np.ndarray], tree: tuple,
                 cycle: int = 1, block: int = 1) -> None:
        self.env, self.inner, self.body, self.captured, self.tree = env, inner, body, captured, tree
        self.cycle = (os.cpu_count() or 1) if cycle == AUTOTUNE else cycle
        self.block = block
        if self.cycle <= 0 or self.block <= 0:
            raise env.error(errors.InvalidArgumentError, "cycle_length and block_length must be positive")

    def _open(self, element: Element) -> Iterator[Element]:
        caps = self.env.run_body(self.body, list(element) + self.captured)
        return build(self.env, self.tree, caps).iterate()

    def iterate(self):
        src = self.inner.iterate()
        if self.cycle == 1:
            for e in src:
                yield from self._open(e)
            return
        slots: list[Iterator[Element] | None] = []
        exhausted = False
        while True:
            while not exhausted and len(slots) < self.cycle:
                try:
                    slots.append(self._open(next(src)))
                except StopIteration:
                    exhausted = True
            if not slots:
                return
            k = 0
            while k < len(slots):
                it = slots[k]
                ended = False
                for _ in range(self.block):
                    try:
                        yield next(it)
                    except StopIteration:
                        ended = True
                        break
                if ended:
                    replacement = None
                    while not exhausted and replacement is None:
                        try:
                            replacement = self._open(next(src))
                        except StopIteration:
                            exhausted = True
                    if replacement is None:
                        del slots[k]
                        continue
                    slots[k] = replacement
                    # TF: the new iterator takes the slot's turn in the next round
                k += 1


def _stack(env: _Env, items: list[Element]) -> Element:
    out = []
    for k in range(len(items[0])):
        first = items[0][k].shape
        for i, e in enumerate(items):
            if e[k].shape != first:
                raise env.error(errors.InvalidArgumentError,
                                f"Cannot batch tensors with different shapes in component {k}. First element "
                                f"had shape {list(first)} and element {i} had shape {list(e[k].shape)}.")
        out.append(np.stack([e[k] for e in items]))
    return tuple(out)


class _Batch(Source):
    def __init__(self, env: _Env, inner: Source, size: int, drop: bool) -> None:
        if size <= 0:
            raise env.error(errors.InvalidArgumentError, f"Batch size must be greater than zero, got {size}")
        self.env, self.inner, self.size, self.drop = env, inner, size, drop

    def combine(self, items: list[Element]) -> Element:
        return _stack(self.env, items)

    def iterate(self):
        items: list[Element] = []
        for e in self.inner.iterate():
            items.append(e)
            if len(items) == self.size:
                yield self.combine(items)
                items = []
        if items and not self.drop:
            yield self.combine(items)


class _PaddedBatch(_Batch):
    def __init__(self, env: _Env, inner: Source, size: int, shapes: list[np.ndarray], pads: list[np.ndarray],
                 drop: bool) -> None:
        super().__init__(env, inner, size, drop)
        self.shapes = [np.asarray(s).reshape(-1).tolist() for s in shapes]
        self.pads = pads

    def combine(self, items: list[Element]) -> Element:
        out = []
        for k, (want, pad) in enumerate(zip(self.shapes, self.pads)):
            comps = [e[k] for e in items]
            rank = comps[0].ndim
            if any(c.ndim != rank for c in comps) or rank != len(want):
                raise self.env.error(errors.InvalidArgumentError,
                                     f"All elements in a batch must have the same rank as the padded shape for "
                                     f"component{k}: expected rank {len(want)} but got element with rank "
                                     f"{[c.ndim for c in comps if c.ndim != len(want)][:1] or [rank]}")
            dims = []
            for d, w in enumerate(want):
                biggest = max(c.shape[d] for c in comps)
                if w is None or w < 0:
                    dims.append(biggest)
                else:
                    if biggest > w:
                        raise self.env.error(errors.InvalidArgumentError,
                                             "Attempted to pad to a smaller size than the input element.")
                    dims.append(int(w))
            arr = np.empty([len(comps)] + dims, dtype=comps[0].dtype)
            arr[...] = np.asarray(pad, dtype=comps[0].dtype)
            for i, c in enumerate(comps):
                arr[(i,) + tuple(slice(0, n) for n in c.shape)] = c
            out.append(arr)
        return tuple(out)


def _rng(seeds: tuple) -> np.random.Generator:
    graph_seed, op_seed = seeds
    if graph_seed is None and op_seed is None:
        return np.random.default_rng()
    return np.random.default_rng([87654321 if graph_seed is None else int(graph_seed) & 0xFFFFFFFF,
                                  0 if op_seed is None else int(op_seed) & 0xFFFFFFFF])


class _Shuffle(Source):
    def __init__(self, env: _Env, inner: Source, size: int, seeds: tuple, reshuffle: bool) -> None:
        if size <= 0:
            raise env.error(errors.InvalidArgumentError, f"buffer_size must be greater than zero, got {size}")
        self.inner, self.size, self.seeds, self.reshuffle = inner, size, seeds, reshuffle
        self.rng = _rng(seeds)
        self._first_state = self.rng.bit_generator.state

    def iterate(self):
        rng = self.rng
        if not self.reshuffle:
            rng.bit_generator.state = self._first_state
        buf: list[Element] = []
        for e in self.inner.iterate():
            if len(buf) < self.size:
                buf.append(e)
                continue
            k = int(rng.integers(len(buf)))
            yield buf[k]
            buf[k] = e
        while buf:
            k = int(rng.integers(len(buf)))
            buf[k], buf[-1] = buf[-1], buf[k]
            yield buf.pop()


class _Repeat(Source):
    def __init__(self, inner: Source, count: int) -> None:
        self.inner, self.count = inner, count

    def iterate(self):
        n = 0
        while self.count < 0 or n < self.count:
            produced = False
            for e in self.inner.iterate():
                produced = True
                yield e
            n += 1
            if not produced:  # an empty dataset repeated forever is empty
                return


class _Take(Source):
    def __init__(self, inner: Source, count: int) -> None:
        self.inner, self.count = inner, count

    def iterate(self):
        if self.count == 0:
            return
        for i, e in enumerate(self.inner.iterate()):
            yield e
            if self.count >= 0 and i + 1 >= self.count:
                return


class _Skip(Source):
    def __init__(self, inner: Source, count: int) -> None:
        self.inner, self.count = inner, count

    def iterate(self):
        for i, e in enumerate(self.inner.iterate()):
            if self.count < 0 or i < self.count:
                continue
            yield e


_DONE = object()


class _Prefetch(Source):
    """A bounded buffer filled by a producer thread, so elements are ready before they are asked."""

    def __init__(self, env: _Env, inner: Source, size: int) -> None:
        self.env, self.inner = env, inner
        self.size = 16 if size == AUTOTUNE else max(int(size), 1)

    def start(self) -> "_PrefetchStream":
        return _PrefetchStream(self.env, self.inner, self.size)

    def iterate(self):
        stream = self.start()
        try:
            while True:
                try:
                    yield stream.next(None)
                except StopIteration:
                    return
        finally:
            stream.stop.set()


class _PrefetchStream:
    """One pass of a prefetch: the producer thread and the buffer it fills. `next(deadline)`
    is a plain call (not a generator), so a deadline that expires leaves the stream usable."""

    def __init__(self, env: _Env, inner: Source, size: int) -> None:
        self.env = env
        self.buf: queue.Queue = queue.Queue(size)
        self.stop = threading.Event()
        self.ended = False
        t = threading.Thread(target=self._produce, args=(inner,), name="flowjit-data-prefetch", daemon=True)
        with env.lock:
            env.threads.append(t)
        t.start()

    def _put(self, item: Any) -> bool:
        env = self.env
        while not (self.stop.is_set() or env.stop.is_set() or env.state.closed.is_set()):
            try:
                self.buf.put(item, timeout=_SLICE)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, inner: Source) -> None:
        try:
            for e in inner.iterate():
                if not self._put(("ok", e)):
                    return
            self._put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put(("error", exc))

    def next(self, deadline: float | None) -> Element:
        if self.ended:
            raise StopIteration
        while True:
            try:
                kind, value = self.buf.get(timeout=_SLICE)
            except queue.Empty:
                self.env.check_alive(deadline)
                continue
            if kind == "ok":
                return value
            self.ended = True
            self.stop.set()
            if kind == "end":
                raise StopIteration
            raise value


class _Cache(Source):
    """Elements of the first complete pass, replayed afterwards (in memory, or in `filename`)."""

    def __init__(self, inner: Source, filename: str) -> None:
        self.inner, self.filename = inner, filename
        self.items: list[Element] | None = None

    def iterate(self):
        path = self.filename + ".flowjit-cache" if self.filename else ""
        if self.items is None and path and os.path.exists(path):
            with open(path, "rb") as f:
                self.items = pickle.load(f)
        if self.items is not None:
            yield from self.items
            return
        seen: list[Element] = []
        for e in self.inner.iterate():
            seen.append(e)
            yield e
        self.items = seen
        if path:
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                pickle.dump(seen, f)
            os.replace(tmp, path)


def build(env: _Env, tree: tuple, captured: Sequence[np.ndarray]) -> Source:
    """The Source of dataset `tree`, its `#k` references resolved in `captured`."""
    kind = tree[0]
    cap = lambda k: captured[k]  # noqa: E731
    if kind == "tensors":
        return _Tensors([cap(k) for k in tree[1]])
    if kind == "tensor_slices":
        return _Slices(env, [cap(k) for k in tree[1]])
    if kind == "range":
        return _Range(_scalar(cap(tree[1])), _scalar(cap(tree[2])), _scalar(cap(tree[3])), tree[4], env)
    if kind == "generator":
        return _Generator(env, tree[1], tree[2], tree[3])
    if kind == "zip":
        return _Zip([build(env, t, captured) for t in tree[1]])
    if kind == "matching_files":
        return _MatchingFiles(env, _strings(cap(tree[1])), tree[2], tree[3])
    if kind == "text_line":
        return _TextLines(env, _strings(cap(tree[1])), tree[2])
    if kind == "tfrecord":
        return _TFRecords(env, _strings(cap(tree[1])), tree[2])
    if kind == "fixed_length":
        return _FixedLength(env, _strings(cap(tree[1])), tree[2], tree[3], tree[4])
    if kind in ("map", "filter", "flat_map", "interleave"):
        inner = build(env, tree[1], captured)
        args = [cap(k) for k in tree[3]]
        if kind == "map":
            return _Map(env, inner, tree[2], args, tree[4])
        if kind == "filter":
            return _Filter(env, inner, tree[2], args)
        if kind == "flat_map":
            return _FlatMap(env, inner, tree[2], args, tree[4])
        return _FlatMap(env, inner, tree[2], args, tree[4], tree[5], tree[6])
    if kind == "batch":
        return _Batch(env, build(env, tree[1], captured), _scalar(cap(tree[2])), bool(tree[3]))
    if kind == "padded_batch":
        return _PaddedBatch(env, build(env, tree[1], captured), _scalar(cap(tree[2])),
                            [cap(k) for k in tree[3]], [cap(k) for k in tree[4]], bool(tree[5]))
    if kind == "shuffle":
        return _Shuffle(env, build(env, tree[1], captured), _scalar(cap(tree[2])), tree[3], bool(tree[4]))
    if kind in ("repeat", "take", "skip"):
        inner = build(env, tree[1], captured)
        return {"repeat": _Repeat, "take": _Take, "skip": _Skip}[kind](inner, _scalar(cap(tree[2])))
    if kind == "prefetch":
        return _Prefetch(env, build(env, tree[1], captured), _scalar(cap(tree[2])))
    if kind == "cache":
        return _Cache(build(env, tree[1], captured), tree[2])
    raise env.error(errors.InvalidArgumentError, f"unknown dataset transformation {kind!r}")


class IteratorResource:
    """One iterator of a session: the running pipeline of its dataset, restarted by MakeIterator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._env: _Env | None = None
        self._it: Iterator[Element] | None = None
        self._stream: _PrefetchStream | None = None
        self.structure: tuple | None = None

    @property
    def initialized(self) -> bool:
        return self._env is not None

    def initialize(self, ctx: Any, tree: tuple, captured: Sequence[np.ndarray]) -> None:
        env = _Env(ctx)
        source = build(env, tree, [np.asarray(c) for c in captured])
        with self._lock:
            old, self._env = self._env, env
            if isinstance(source, _Prefetch):  # deadlines are honoured here without ending the pass
                stream = source.start()
                self._it = None
                self._stream: _PrefetchStream | None = stream
            else:
                self._it = source.iterate()
                self._stream = None
        if old is not None:
            old.cancel()

    def get_next(self, ctx: Any) -> Element:
        with self._lock:
            if self._env is None:
                raise ctx.error(errors.FailedPreconditionError,
                                "GetNext() failed because the iterator has not been initialized. Ensure that "
                                "you have run the initializer operation for this iterator before getting the "
                                "next element.")
            try:
                if self._stream is not None:
                    return self._stream.next(ctx.deadline())
                return next(self._it)
            except StopIteration:
                self._stream = None
                self._it = iter(())
                raise ctx.error(errors.OutOfRangeError, END_OF_SEQUENCE) from None

    def cancel(self) -> None:
        env = self._env
        if env is not None:
            env.cancel()
