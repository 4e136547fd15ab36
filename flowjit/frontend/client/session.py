"""`tf.Session`: prune, optimize, compile and run exactly what the fetches need.

The path of one `run` (docs/architecture.md): flatten the fetches, resolve feeds, build a
signature, look it up in the compiled-plan cache; on a miss build the plan (runtime/plan.py:
prune the graph to a plan graph with params = feeds, results = fetched tensors, targets =
fetched operations, run the pass pipeline, place, compile with the session's backend); then
call the executable with the feed arrays and this session's variable state, and rebuild the
fetch structure from the results.
"""

from __future__ import annotations

import collections
import contextlib
import random
import weakref
from typing import Any, Callable, Iterator

import numpy as np

from ... import options
from ...ir.graph import Graph as IRGraph
from ...ir.graph import Node, Value
from ...passes import manager as _pass_manager
from ...runtime import SessionState, get_backend
from ...runtime.placement import LOCAL_CPU
from ...runtime.plan import build_plan
from ..framework import tracing as _tracing  # noqa: F401  (lets passes.replace_pattern trace Python functions)
from ..framework.graph import Graph, get_default_graph
from ..framework.tensor import Operation, Tensor
from ..framework.py_func_table import session_resources
from ...runtime.trace import StepTrace
from .run_metadata import RunMetadata, RunOptions, check_run_metadata, fill_step_stats, wants_trace  # noqa: F401


class ConfigProto:
    """`tf.ConfigProto`: `allow_soft_placement` is honoured by placement; the other TF fields
    are accepted and kept as attributes, so TF code that sets or reads them keeps working
    (`config.gpu_options.allow_growth = True` included).

    flowjit adds two fields of its own. They are keyword arguments here rather than a
    separate options object because this is where TF code already passes session settings,
    and a TF program never sets them by accident (real TF's ConfigProto would refuse them):

    - `plan_cache_size`: how many compiled plans (one per fetch/feed signature) the session
      keeps, least recently used dropped first; it also bounds the per-signature cache of each
      executable the session compiles. None: `FLOWJIT_PLAN_CACHE_SIZE`, else 64 per session
      (32 per executable). A loop feeding ever new shapes then costs bounded memory.
    - `strict_feeds`: refuse a feed whose conversion to the placeholder's dtype would change
      values (1.5 to an int32 is truncated to 1 by TF, NaN becomes INT_MIN, 300 wraps to 44
      in a uint8). Off by default, as TF converts silently.
    """

    def __init__(self, allow_soft_placement: bool = False, log_device_placement: bool = False,
                 device_count: dict | None = None, inter_op_parallelism_threads: int = 0,
                 intra_op_parallelism_threads: int = 0, gpu_options: Any = None,
                 plan_cache_size: int | None = None, strict_feeds: bool = False, **kwargs: Any) -> None:
        self.allow_soft_placement = allow_soft_placement
        self.log_device_placement = log_device_placement
        self.device_count = dict(device_count or {})
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        self.gpu_options = gpu_options if gpu_options is not None else GPUOptions()
        self.plan_cache_size = _checked_cache_size(plan_cache_size, "plan_cache_size")
        self.strict_feeds = bool(strict_feeds)
        self.extra = kwargs
        self.__dict__.update(kwargs)


class GPUOptions:
    def __init__(self, allow_growth: bool = False, per_process_gpu_memory_fraction: float = 1.0, **kwargs: Any) -> None:
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction
        self.__dict__.update(kwargs)


DEFAULT_PLAN_CACHE_SIZE = 64


def _checked_cache_size(size: Any, source: str) -> int | None:
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"{source} must be a positive integer, got {size!r}")
    return int(size)


def plan_cache_size(config: ConfigProto | None = None) -> int:
    """How many compiled plans a session keeps: `config.plan_cache_size`, else the
    `FLOWJIT_PLAN_CACHE_SIZE` environment variable, else DEFAULT_PLAN_CACHE_SIZE."""
    size = getattr(config, "plan_cache_size", None)
    if size is not None:
        return size
    value = options.get("FLOWJIT_PLAN_CACHE_SIZE")
    return DEFAULT_PLAN_CACHE_SIZE if value is None else value


class _LRU(collections.OrderedDict):
    """A dict holding at most `limit` entries: `lookup` marks an entry recently used, `insert`
    drops the least recently used ones and returns their values (so the caller can free what
    depends on them). Each step is one OrderedDict call, safe without a lock under the GIL;
    an entry another thread evicted in between is simply a miss."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def lookup(self, key: Any) -> Any:
        value = self.get(key)
        if value is not None:
            self.touch(key)
        return value

    def touch(self, key: Any) -> None:
        try:
            self.move_to_end(key)
        except KeyError:
            pass

    def insert(self, key: Any, value: Any) -> list[Any]:
        self[key] = value
        self.move_to_end(key)
        dropped = []
        while len(self) > self.limit:
            try:
                dropped.append(self.popitem(last=False)[1])
            except KeyError:
                break
        return dropped


class _DeviceAttributes:
    """What `Session.list_devices()` returns, as TF's `session._DeviceAttributes` does: the
    device's full name, its type, a memory limit and an incarnation (a random number telling
    this session's device apart from an earlier one of the same name)."""

    __slots__ = ("_name", "_device_type", "_memory_limit_bytes", "_incarnation")

    def __init__(self, name: str, device_type: str, memory_limit_bytes: int, incarnation: int) -> None:
        self._name = name
        self._device_type = device_type
        self._memory_limit_bytes = memory_limit_bytes
        self._incarnation = incarnation

    @property
    def name(self) -> str:
        return self._name

    @property
    def device_type(self) -> str:
        return self._device_type

    @property
    def memory_limit_bytes(self) -> int:
        return self._memory_limit_bytes

    @property
    def incarnation(self) -> int:
        return self._incarnation

    def __repr__(self) -> str:
        return (f"_DeviceAttributes({self._name}, {self._device_type}, {self._memory_limit_bytes}, "
                f"{self._incarnation})")


CPU_MEMORY_LIMIT_BYTES = 256 << 20  # what TF reports for its CPU device


def default_backend_name() -> str:
    """`FLOWJIT_BACKEND` picks the backend; the LLVM `cpu` backend when it is available."""
    from ...runtime import available_backends

    if options.get("FLOWJIT_BACKEND"):
        return options.get("FLOWJIT_BACKEND")
    return "cpu" if "cpu" in available_backends() else "reference"


# --- fetch structures ----------------------------------------------------------------

def _is_composite(x: Any) -> bool:
    """A value the session takes apart (a SparseTensor; TF's `_REGISTERED_EXPANSIONS`): its
    class has `_composite_fetch(self) -> (tensors, rebuild(values))` and
    `_composite_feed(self, fed) -> [(tensor, value)]`."""
    return getattr(type(x), "_composite_fetch", None) is not None


def _flatten_fetches(fetches: Any, out: list[Any]) -> Callable[[list[Any]], Any]:
    """Append leaves of `fetches` to `out`; return a function rebuilding the structure."""
    if _is_composite(fetches):
        parts, build = fetches._composite_fetch()
        inner = [_flatten_fetches(p, out) for p in parts]
        return lambda vals: build([b(vals) for b in inner])
    if isinstance(fetches, (list,)):
        builders = [_flatten_fetches(f, out) for f in fetches]
        return lambda vals: [b(vals) for b in builders]
    if isinstance(fetches, tuple) and hasattr(fetches, "_fields"):  # namedtuple
        builders = [_flatten_fetches(f, out) for f in fetches]
        cls = type(fetches)
        return lambda vals: cls(*[b(vals) for b in builders])
    if isinstance(fetches, tuple):
        builders = [_flatten_fetches(f, out) for f in fetches]
        return lambda vals: tuple(b(vals) for b in builders)
    if isinstance(fetches, collections.abc.Mapping):
        keys = list(fetches.keys())
        builders = [_flatten_fetches(fetches[k], out) for k in keys]
        cls = type(fetches)

        def build(vals: list[Any]) -> Any:
            items = [(k, b(vals)) for k, b in zip(keys, builders)]
            try:
                return cls(items)
            except TypeError:
                return dict(items)
        return build
    index = len(out)
    out.append(fetches)
    return lambda vals: vals[index]


class _CompiledPlan:
    __slots__ = ("executable", "graph")

    def __init__(self, executable: Any, graph: IRGraph) -> None:
        self.executable = executable
        self.graph = graph


class BaseSession:
    def __init__(self, target: str = "", graph: Graph | None = None, config: ConfigProto | None = None,
                 backend: str | None = None, pipeline: Any = None) -> None:
        self._graph = graph if graph is not None else get_default_graph()
        self._target = target
        self._config = config or ConfigProto()
        self._state = SessionState()
        self._state.resources.update(session_resources(self._graph))  # py_func callables
        self._state.default_timeout_ms = int(getattr(self._config, "operation_timeout_in_ms", 0) or 0)
        self._backend_name = backend or default_backend_name()
        self._backend = get_backend(self._backend_name)
        self._pipeline = pipeline
        self._pipeline_report: Any = None
        self._plan_cache_size = plan_cache_size(self._config)
        self._strict_feeds = bool(getattr(self._config, "strict_feeds", False))
        self._cache: _LRU = _LRU(self._plan_cache_size)  # signature -> _CompiledPlan
        self._fast: _LRU = _LRU(self._plan_cache_size)  # repeat calls: see _FastPath
        self._devices = [_DeviceAttributes(LOCAL_CPU, "CPU", CPU_MEMORY_LIMIT_BYTES, random.getrandbits(63) | 1)]
        _live_sessions.add(self)
        self._closed = False
        self._default_ctx: Any = None

    # --- properties -------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self) -> Any:
        """The graph as TF's GraphDef (TF: `self._graph.as_graph_def(add_shapes=...)`)."""
        return self._graph.as_graph_def()

    @property
    def sess_str(self) -> str:
        return self._target

    @property
    def backend(self) -> str:
        return self._backend_name

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def pipeline(self) -> Any:
        return self._pipeline

    @pipeline.setter
    def pipeline(self, value: Any) -> None:
        self._pipeline = value
        self._cache.clear()
        self._fast.clear()

    @property
    def pipeline_report(self) -> Any:
        """The `passes.PipelineReport` of the last plan compiled (passes run, timings), or None."""
        return self._pipeline_report

    # --- lifecycle --------------------------------------------------------------------
    def close(self) -> None:
        """Free what the session holds (compiled plans, variable values, resources), as TF
        releases a closed session's resources; the object itself stays usable only for
        raising "Attempted to use a closed Session"."""
        self._closed = True
        self._cache.clear()
        self._fast.clear()
        self._pipeline_report = None
        self._state.close()

    def __enter__(self) -> "BaseSession":
        self._default_ctx = self.as_default()
        self._default_ctx.__enter__()
        self._graph_ctx = self._graph.as_default()
        self._graph_ctx.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._graph_ctx.__exit__(*exc)
        self._default_ctx.__exit__(*exc)
        self._graph_ctx = self._default_ctx = None  # the context managers refer back to the session
        self.close()

    @contextlib.contextmanager
    def as_default(self) -> Iterator["BaseSession"]:
        _default_session_stack.append(self)
        try:
            yield self
        finally:
            _default_session_stack.remove(self)

    # --- running ----------------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: Any = None, options: Any = None, run_metadata: Any = None) -> Any:
        if options is None and run_metadata is None:
            fast_key = _fast_key(fetches)
            fast = self._fast.get(fast_key)
            if fast is not None:
                out = fast.call(self, fetches, feed_dict)
                if out is not _MISS:
                    try:  # keep the fast path and its plan recently used (inlined: this is the hot path)
                        self._fast.move_to_end(fast_key)
                        self._cache.move_to_end(fast.plan_key)
                    except KeyError:  # another thread evicted one of them meanwhile
                        pass
                    return out
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves: list[Any] = []
        rebuild = _flatten_fetches(fetches, leaves)
        plan, slots, feed_arrays, key = self._resolve_plan(leaves, feed_dict)
        if run_metadata is not None and wants_trace(options):
            results = self._run_traced(plan, feed_arrays, options, run_metadata)
        elif options is not None and getattr(options, "timeout_in_ms", 0):
            with self._state.run_deadline(options.timeout_in_ms):
                results = plan.executable.run(feed_arrays, self._state)
        else:
            results = plan.executable.run(feed_arrays, self._state)
        values = [None if s is None else _as_output(results[s]) for s in slots]
        if options is None and run_metadata is None:
            self._remember_fast(fetches, feed_dict, feed_arrays, key, plan, slots, rebuild)
        return rebuild(values)

    def compiled_graph_def(self, fetches: Any, feed_dict: Any = None) -> Any:
        """flowjit's compiled view: the optimized plan of `run(fetches, feed_dict)` (pruned, after
        the pass pipeline, placed) as a GraphDef, each Fused kernel a name scope holding its
        member ops, for `FileWriter.add_graph`. Feeds give only dtypes and shapes: nothing runs."""
        from ..framework.graph_def import compiled_graph_def

        return compiled_graph_def(self._plan_for(fetches, feed_dict).graph)

    def _plan_for(self, fetches: Any, feed_dict: Any) -> "_CompiledPlan":
        """The plan `run(fetches, feed_dict)` would execute: from the plan cache, else compiled
        (and cached), without running it."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves: list[Any] = []
        _flatten_fetches(fetches, leaves)
        return self._resolve_plan(leaves, feed_dict)[0]

    def _resolve_plan(self, leaves: list[Any], feed_dict: Any) -> tuple["_CompiledPlan", list[int | None],
                                                                     list[np.ndarray], tuple]:
        """The plan for these fetch leaves and feeds (cached, else compiled and cached); per leaf
        its index into the plan's results (None for an op); the feed arrays; the plan key."""
        fetch_values: list[Value] = []
        targets: list[Node] = []
        slots: list[int | None] = []
        for leaf in leaves:
            element = self._as_fetch(leaf)
            if isinstance(element, Operation):
                if element.node not in targets:
                    targets.append(element.node)
                slots.append(None)
            else:
                if element.value not in fetch_values:
                    fetch_values.append(element.value)
                slots.append(fetch_values.index(element.value))
        feed_values, feed_arrays = self._resolve_feeds(feed_dict)
        key = (tuple(fetch_values), tuple(targets), tuple(feed_values),
               tuple((a.dtype.str, a.shape) for a in feed_arrays), self._graph.version)
        plan = self._cache.lookup(key)
        if plan is None:
            plan = self._compile(fetch_values, targets, feed_values)
            self._forget_fast(self._cache.insert(key, plan))
        return plan, slots, feed_arrays, key

    def _run_traced(self, plan: "_CompiledPlan", feed_arrays: list[np.ndarray], options: Any,
                    run_metadata: Any) -> list[np.ndarray]:
        """A run under RunOptions(trace_level=...): every executed step timed into
        `run_metadata.step_stats`; `output_partition_graphs` adds the plan graph run."""
        check_run_metadata(run_metadata)
        trace = StepTrace()
        with self._state.run_deadline(getattr(options, "timeout_in_ms", 0)):
            results = plan.executable.run(feed_arrays, self._state, trace=trace)
        partition = None
        if getattr(options, "output_partition_graphs", False):
            from ..framework.graph_def import compiled_graph_def

            partition = compiled_graph_def(plan.graph)  # the plan as run: Fused kernels as their ops
        fill_step_stats(run_metadata, trace, partition)
        return results

    def _remember_fast(self, fetches: Any, feed_dict: Any, feed_arrays: list[np.ndarray], plan_key: Any,
                       plan: "_CompiledPlan", slots: list[int | None], rebuild: Callable[[list[Any]], Any]) -> None:
        key = _fast_key(fetches)
        if key is None or key in self._fast:
            return
        keys = tuple(feed_dict) if feed_dict else ()
        if any(_is_composite(k) for k in keys):
            return  # composite feeds (SparseTensor) take the general path
        tensors = [self._graph.as_graph_element(k, allow_operation=False) for k in keys]
        specs = [(a.dtype, a.shape) for a in feed_arrays]
        runner = None
        make = getattr(plan.executable, "fast_runner", None)
        if make is not None and not self._strict_feeds:  # native runners convert scalars unchecked
            runner = make(specs, self._state)
        if runner is None:
            runner = _generic_runner(self._state, self._strict_feeds, plan.executable, tensors, specs)
        items = list(fetches) if isinstance(fetches, (list, tuple)) else None
        self._fast.insert(key, _FastPath(fetches if items is None else None, items, self._graph.version, keys,
                                         runner, slots, rebuild, plan_key, plan))

    def _forget_fast(self, dropped: list["_CompiledPlan"]) -> None:
        """Plans left the plan cache: drop the fast paths that would keep them alive."""
        if not dropped:
            return
        for key, fast in list(self._fast.items()):
            if self._cache.get(fast.plan_key) is not fast.plan:
                self._fast.pop(key, None)

    def _as_fetch(self, leaf: Any) -> Tensor | Operation:
        if leaf is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        try:
            element = self._graph.as_graph_element(leaf)
        except (KeyError, ValueError) as e:  # a ValueError either way, as in TF
            raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. ({e})") from None
        except TypeError:
            raise TypeError(f"Fetch argument {leaf!r} has invalid type {type(leaf)}, must be a string or "
                            "Tensor. (Can not convert a {0} into a Tensor or Operation.)".format(type(leaf).__name__)) from None
        if element.graph is not self._graph:
            raise ValueError(f"Fetch argument {leaf!r} cannot be interpreted as a Tensor. "
                             f"(Tensor {element.name} is not an element of this graph.)")
        return element

    def _resolve_feeds(self, feed_dict: Any) -> tuple[list[Value], list[np.ndarray]]:
        if not feed_dict:
            return [], []
        values: list[Value] = []
        arrays: list[np.ndarray] = []
        items: list[tuple[Any, Any]] = []
        for key, fed in feed_dict.items():
            items.extend(key._composite_feed(fed) if _is_composite(key) else [(key, fed)])
        for key, fed in items:
            try:
                element = self._graph.as_graph_element(key, allow_operation=False)
            except (KeyError, ValueError, TypeError) as e:
                raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor: {e}") from None
            if isinstance(element, Operation):
                raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor: it is an Operation.")
            if element.graph is not self._graph:
                raise ValueError(f"Cannot feed {element.name}: it belongs to another graph than this session's.")
            if not self._graph.is_feedable(element):
                raise ValueError(f"Tensor {element.name} may not be fed.")
            arrays.append(_feed_array(element, fed, self._strict_feeds))
            values.append(element.value)
        return values, arrays

    def _compile(self, fetches: list[Value], targets: list[Node], feeds: list[Value]) -> _CompiledPlan:
        """Build the plan of one signature (runtime/plan.py: prune, passes, placement, backend)."""

        def keep_report(report: Any) -> None:
            self._pipeline_report = report

        executable, plan_graph, _ = build_plan(
            self._graph, fetches, targets, feeds, backend=self._backend, pipeline=self._pipeline,
            devices=[d.name for d in self._devices], allow_soft_placement=self._config.allow_soft_placement,
            on_report=keep_report)
        if getattr(self._config, "plan_cache_size", None) is not None and hasattr(executable, "max_plans"):
            executable.max_plans = self._config.plan_cache_size  # one setting bounds both levels
        return _CompiledPlan(executable, plan_graph)

    def list_devices(self) -> list[_DeviceAttributes]:
        """The devices plans are placed on, as TF's `_DeviceAttributes` (`.name`, `.device_type`,
        `.memory_limit_bytes`, `.incarnation`); flowjit has the one local CPU."""
        return list(self._devices)


# --- the repeat-call fast path ----------------------------------------------------------------

_MISS = object()


def _fast_key(fetches: Any) -> Any:
    """Identity key of a fetch structure the fast path handles: one Tensor/Operation, or a flat
    list/tuple of them (a new list object with the same elements still hits)."""
    if isinstance(fetches, (Tensor, Operation)):
        return id(fetches)
    if isinstance(fetches, (list, tuple)) and all(isinstance(f, (Tensor, Operation)) for f in fetches):
        return (type(fetches), tuple(id(f) for f in fetches))
    return None


class _FastPath:
    """A repeat of an earlier `run`: the same fetch elements, the same feed_dict keys in the
    same order, the graph unchanged. It skips flattening, graph-element lookups, the plan-cache
    lookup and (through the executable's `fast_runner`, when it has one) feed conversion, so a
    repeat call is a few dictionary reads and one call into native code. Anything it cannot
    pass straight through returns _MISS and the call takes the general path, which raises the
    usual errors."""

    __slots__ = ("fetches", "items", "version", "keys", "runner", "slots", "rebuild", "final", "plan_key", "plan")

    def __init__(self, fetches: Any, items: list[Any] | None, version: int, keys: tuple, runner: Any,
                 slots: list[int | None], rebuild: Callable[[list[Any]], Any], plan_key: Any,
                 plan: "_CompiledPlan") -> None:
        self.fetches = fetches
        self.items = items
        self.version = version
        self.keys = keys
        self.runner = runner
        self.slots = slots
        self.rebuild = rebuild
        # the runner's values are already what _as_output makes of them (numeric results)
        self.final = bool(getattr(runner, "outputs_final", False))
        self.plan_key = plan_key  # the plan cache's entry this runs: a hit here keeps it recent,
        self.plan = plan  # and evicting it drops this fast path too

    def call(self, session: "BaseSession", fetches: Any, feed_dict: Any) -> Any:
        if session._closed or session._graph.version != self.version:
            return _MISS
        items = self.items
        if items is None:
            if fetches is not self.fetches:
                return _MISS
        elif len(fetches) != len(items) or any(a is not b for a, b in zip(fetches, items)):
            return _MISS
        keys = self.keys
        if not feed_dict:
            if keys:
                return _MISS
            values: Any = ()
        else:
            if len(feed_dict) != len(keys):
                return _MISS
            values = []
            for (k, v), want in zip(feed_dict.items(), keys):
                if k is not want:
                    return _MISS
                values.append(v)
        results = self.runner(values)
        if results is None:
            return _MISS
        if items is None and self.final:  # a single fetched tensor
            return results[self.slots[0]] if self.slots[0] is not None else None
        if self.final:
            return self.rebuild([None if s is None else results[s] for s in self.slots])
        return self.rebuild([None if s is None else _as_output(results[s]) for s in self.slots])


def _generic_runner(state: SessionState, strict: bool, executable: Any, tensors: list[Tensor],
                    specs: list[tuple[np.dtype, tuple]]) -> Callable[[Any], Any]:
    """Feeds converted exactly as the general path does, then one executable.run. It holds the
    session's state, not the session, so a dropped session is freed without the cycle collector."""

    def runner(values: Any) -> Any:
        arrays = []
        for t, v, (dtype, shape) in zip(tensors, values, specs):
            a = _feed_array(t, v, strict)
            if a.dtype != dtype or a.shape != shape:
                return None
            arrays.append(a)
        return executable.run(arrays, state)

    return runner


def _as_output(array: np.ndarray) -> Any:
    """Fetched values are NumPy arrays; scalars come back as NumPy scalars, strings as bytes,
    as in TF."""
    if array.dtype == object:
        array = np.array(array, dtype=object)  # a copy: the session's own value stays text
        flat = array.reshape(-1)
        for i, item in enumerate(flat):
            if isinstance(item, str):
                flat[i] = item.encode("utf-8", "surrogateescape")
    if array.ndim == 0:
        return array[()]
    return array


def _describe(t: Tensor) -> str:
    src = t.op.source
    return f"'{t.name}'" + (f" (created at {src})" if src else "")


def _feed_array(tensor: Tensor, fed: Any, strict: bool = False) -> np.ndarray:
    """Convert a fed value to the tensor's dtype exactly as TF's `Session.run` does, so a TF
    program computes the same numbers here: a Python int must fit (else TypeError), anything
    else goes through NumPy's cast (floats truncate toward zero, NaN and out-of-range values
    become what the platform's cast gives, integers wrap). `strict` (ConfigProto(strict_feeds=
    True)) refuses instead every feed whose values the conversion would change."""
    if isinstance(fed, (Tensor, Operation)):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object ({fed.name}). Acceptable feed values "
                        "include Python scalars, strings, lists, numpy ndarrays, or TensorHandles.")
    want = tensor.dtype
    if want.name == "string":
        from ..framework.tensor import as_text_array

        arr = as_text_array(fed)  # fed bytes or str: held as str, like constants
    else:
        arr = _convert_feed(tensor, fed, strict)
    arr = np.ascontiguousarray(arr, dtype=want.np_dtype).reshape(np.shape(arr))  # keep 0-d feeds 0-d
    if not tensor.shape.is_compatible_with(arr.shape):
        raise ValueError(f"Cannot feed value of shape {arr.shape} for Tensor {_describe(tensor)}, "
                         f"which has shape {tensor.shape}")
    return arr


def _convert_feed(tensor: Tensor, fed: Any, strict: bool) -> np.ndarray:
    """TF's conversion of a non-string feed (client/session.py with NumPy 2): check a Python
    int, then `np.asarray(fed).astype(dtype)` for numeric dtypes, `np.asarray(fed, dtype)` for
    bool."""
    dtype = tensor.dtype.np_dtype
    try:
        if isinstance(fed, int) and _python_int_changes(fed, dtype):  # bool is an int too, as in TF
            raise TypeError(f"Type of feed value {fed} with type {type(fed)} is not compatible with Tensor type "
                            f"{dtype.type} of {_describe(tensor)}. Try explicitly setting the type of the feed "
                            "tensor to a larger type (e.g. int64).")
        source = np.asarray(fed)
        with np.errstate(over="ignore", invalid="ignore") if strict else contextlib.nullcontext():
            arr = source.astype(dtype) if np.issubdtype(dtype, np.number) else np.asarray(fed, dtype=dtype)
    except (ValueError, OverflowError) as e:
        raise type(e)(f"Cannot feed a value of type {type(fed).__name__} to tensor {_describe(tensor)} of "
                      f"dtype {tensor.dtype.name}: {e}") from None
    except TypeError as e:
        if str(e).startswith("Type of feed value"):
            raise
        raise TypeError(f"Cannot feed a value of type {type(fed).__name__} to tensor {_describe(tensor)} of "
                        f"dtype {tensor.dtype.name}: {e}") from None
    if strict and _conversion_changes(source, arr):
        raise TypeError(f"Cannot feed {source.dtype} values to tensor {_describe(tensor)} of dtype "
                        f"{tensor.dtype.name}: the conversion would change them (e.g. truncate 1.5 to 1), "
                        "and this session has ConfigProto(strict_feeds=True).")
    return arr


def _python_int_changes(value: int, dtype: np.dtype) -> bool:
    """TF's check of a Python int feed: converted and compared back under NumPy's rules (so
    2**31 into int32 and 2 into bool are refused, 70000 into float16 becomes inf)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(dtype.type(np.array(value).astype(dtype)) != value)


def _conversion_changes(source: np.ndarray, arr: np.ndarray) -> bool:
    """Whether casting `source` to `arr` changed a value: a fraction, NaN or out-of-range
    number into an integer or bool, a finite number that became inf, a dropped imaginary
    part. Rounding a float to a narrower float is not a change (TF code feeds float64 data
    to float32 placeholders all the time)."""
    if source.size == 0 or source.dtype.kind not in "biufc" or arr.dtype.kind == "c":
        return False
    if source.dtype.kind == "c":
        if np.any(source.imag != 0):
            return True
        source = source.real
    if arr.dtype.kind == "f":
        return bool(np.any(np.isinf(arr) & np.isfinite(source)))
    if source.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):
            return not np.array_equal(arr.astype(source.dtype), source)
    low, high = (0, 1) if arr.dtype.kind == "b" else (int(np.iinfo(arr.dtype).min), int(np.iinfo(arr.dtype).max))
    return int(source.min()) < low or int(source.max()) > high


class Session(BaseSession):
    """`tf.Session(target='', graph=None, config=None)`; flowjit adds `backend=` and `pipeline=`."""


class InteractiveSession(BaseSession):
    """Installs itself as the default session on construction (for shells and notebooks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _default_session_stack.append(self)

    def close(self) -> None:
        super().close()
        if self in _default_session_stack:
            _default_session_stack.remove(self)


_default_session_stack: list[BaseSession] = []
_live_sessions: "weakref.WeakSet[BaseSession]" = weakref.WeakSet()


def _drop_compiled_plans() -> None:
    """A pipeline_context was entered or left: plans must be compiled again under it."""
    for session in list(_live_sessions):
        session._cache.clear()
        session._fast.clear()


_pass_manager.on_context_change(_drop_compiled_plans)


def get_default_session() -> BaseSession | None:
    return _default_session_stack[-1] if _default_session_stack else None


def _session_for(session: BaseSession | None, graph: Graph) -> BaseSession:
    session = session or get_default_session()
    if session is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is registered. Use "
                         "`with sess.as_default()` or pass an explicit session to `eval(session=sess)`")
    if session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph is different "
                         "from the session's graph.")
    return session

