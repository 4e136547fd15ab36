"""Run one TF1 program under flowjit and under real TensorFlow and compare everything observable.

A program is written once, as a function of the TF module: `def prog(tf): ...`. It builds a
graph with `tf` and returns a `P` (or just the fetches, or `(fetches, feeds)`):

    def prog(tf):
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        y = tf.reduce_sum(x * 2.0, axis=1)
        return P(fetch=y, feed={x: np.ones((2, 3))}, static=[y.get_shape()])

The oracle is real TensorFlow's `tf.compat.v1`; `tf.layers` comes from tf_keras's legacy
layers and `tf.contrib.layers` from tf_slim (the same code, moved out of TF 2), both with small
import shims below; tests that need a missing one of them are skipped.

`check(prog)` runs it

- under flowjit, `Session(backend="reference")` and the default backend (the two are run once
  when the default *is* the reference interpreter), each in a fresh `flowjit.Graph`;
- under `tensorflow.compat.v1` in a fresh `tf.Graph`, with TF1 behaviour switched on for the
  build (reference variables with `Variable/read`, v1 control flow, v1 shapes, tensor identity
  equality) and switched back afterwards, so other tests' TensorFlow is left as it was;

and compares:

- fetched values: structure, Python/NumPy type (scalars come back as NumPy scalars), dtype,
  shape, and values (exact for integers, bools and strings; `rtol`/`atol` per dtype for floats);
- for every fetched Tensor/Operation/Variable: its name, dtype and static shape
  (`get_shape().as_list()`);
- `static`: any structure the program computes at build time (names, shapes, collections...),
  with Tensors, Variables, Operations, TensorShapes and DTypes described framework-neutrally;
- errors: the phase ("build" or "run") and the class, by `isinstance` against the class TF
  raised (a `tf.errors.X` maps to `flowjit.errors.X`, a builtin to itself);
- what `Print`/`tf.print` wrote (`P(capture=True)`), file descriptors 1 and 2 and
  `sys.stdout`/`sys.stderr` together, with TensorFlow's own log lines dropped.

Known deliberate differences (documented here, not bugs):

1. flowjit's build-time errors are both `flowjit.errors.InvalidArgumentError` and
   `ValueError`/`TypeError`; TF raises the plain `ValueError`/`TypeError`. The `isinstance`
   check above accepts both.
2. Random number streams differ from TF: programs compare statistics (mean, bounds) or load
   identical initial weights (`load_weights`: each variable gets NumPy values seeded by its name).
3. `tf.cond` accepts a Python bool in flowjit (TF raises TypeError); not compared.
4. A variable's dtype: TF1 reference variables report `float32_ref`; flowjit reports
   `float32`. Descriptions use the base dtype.
5. flowjit checks some programs while building that TF1 only fails when running them (a
   while_loop body that changes a loop variable's dtype: a TypeError, as in TF 2); such tests
   assert each side on its own.
6. Names TF builds differently in TF 1.15 and TF 2 (composite functions' internals such as
   random_uniform, linspace, tensordot, concat of one tensor): flowjit follows TF 1.15, and
   those programs are compared with `names=False`.
7. Gradients are dense: where TF returns `tf.IndexedSlices` (the gradient of a gather or
   embedding_lookup), flowjit returns the equivalent dense tensor; programs compare
   `tf.convert_to_tensor(grad)`.
8. An integer feed that does not fit the placeholder's dtype is refused by flowjit (TypeError);
   TF wraps it around. Otherwise feeds convert as in TF (`np.asarray(value, dtype)`).
9. Only the names a program can observe are compared (the tensors it fetches or returns in
   `static`), not the whole op list: TF adds internal nodes (colocation, shape helpers) that
   are no part of the TF1 program contract.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import sys
import tempfile
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import flowjit
from flowjit.frontend.client.session import default_backend_name

#: for every compat module: TF's tf.layers and tf_slim warn that they are deprecated, at each call
MARKS = [pytest.mark.tf, pytest.mark.filterwarnings("ignore:.*is deprecated:UserWarning"),
         pytest.mark.filterwarnings("ignore:.*layer.apply.*:UserWarning")]

# --- the program protocol -------------------------------------------------------------


class P:
    """What a program returns.

    fetch   -- anything `Session.run` accepts (a nested structure of Tensors/Operations/names).
    feed    -- feed_dict for that run.
    static  -- any structure computed at build time, compared after description.
    run     -- instead of fetch/feed: `run(sess) -> structure of fetched values`, for several
               runs (training loops, variable updates).
    init    -- run global and local variable initializers first (default True).
    capture -- capture what the run prints (Print / tf.print).
    """

    def __init__(self, fetch: Any = None, feed: Any = None, static: Any = None,
                 run: Callable[[Any], Any] | None = None, init: bool = True, capture: bool = False) -> None:
        self.fetch = fetch
        self.feed = feed
        self.static = static
        self.run = run
        self.init = init
        self.capture = capture


def _as_program(result: Any) -> P:
    if isinstance(result, P):
        return result
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], dict):
        return P(fetch=result[0], feed=result[1])
    return P(fetch=result)


# --- the two frameworks ---------------------------------------------------------------


class _Lazy:
    """A namespace whose attributes come from `load()`; a missing package skips the test."""

    def __init__(self, what: str, load: Callable[[], Any]) -> None:
        self._what = what
        self._load = load

    def __getattr__(self, name: str) -> Any:
        module = self._load()
        if module is None:
            pytest.skip(f"{self._what} needs a package that is not installed")
        return getattr(module, name)


@functools.lru_cache(maxsize=None)
def _tf_keras_layers() -> Any:
    """`tf.compat.v1.layers` needs tf_keras under Keras 3; use its legacy layers directly."""
    try:
        from tf_keras.api._v1.keras.__internal__.legacy import layers
    except ImportError:
        return None
    return layers


@functools.lru_cache(maxsize=None)
def _tf_slim() -> Any:
    """`tf.contrib.layers` is gone from TF 2; tf_slim is the same code under a new name."""
    real_tf()
    from tensorflow.python.framework import ops

    if not hasattr(ops, "Tensor"):  # tf_slim 1.1 predates its move to framework.tensor
        from tensorflow.python.framework import tensor

        ops.Tensor = tensor.Tensor
    from tensorflow.python.ops import control_flow_ops

    if not hasattr(control_flow_ops, "cond"):  # ... and its move to ops/cond.py
        from tensorflow.python.ops import cond as cond_module

        control_flow_ops.cond = cond_module.cond
    try:  # ... and tf.layers' batch normalization, now under tf_keras.src
        import tf_keras.src.legacy_tf_layers as legacy
        import tf_keras.src.legacy_tf_layers.normalization  # noqa: F401

        sys.modules.setdefault("tf_keras.legacy_tf_layers", legacy)
        sys.modules.setdefault("tf_keras.legacy_tf_layers.normalization", legacy.normalization)
    except ImportError:
        pass
    try:
        import tf_slim
    except ImportError:
        return None
    return tf_slim


class TFNamespace(types.SimpleNamespace):
    """`tensorflow.compat.v1` with TF1's `tf.layers` and `tf.contrib.layers` put back."""

    def __init__(self, v1: Any) -> None:
        super().__init__()
        self._v1 = v1
        self.layers = _Lazy("tf.layers", _tf_keras_layers)
        self.contrib = types.SimpleNamespace(layers=_Lazy("tf.contrib.layers", _tf_slim))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_v1"], name)


@functools.lru_cache(maxsize=None)
def real_tf() -> TFNamespace:
    """Import TensorFlow once per test session (about 5-12 s); skip when it is absent."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tensorflow = pytest.importorskip("tensorflow")
    v1 = tensorflow.compat.v1
    v1.disable_eager_execution()
    v1.logging.set_verbosity(v1.logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore", module=r"(tensorflow|tf_keras|tf_slim)\b.*")
    warnings.filterwarnings("ignore", message=r".*is deprecated.*")
    return TFNamespace(v1)


@contextlib.contextmanager
def _tf1_behavior(v1: Any) -> Any:
    """TF1 graph semantics for one build, restoring TensorFlow's global switches afterwards."""
    from tensorflow.python.framework import tensor as _tensor_mod
    from tensorflow.python.framework import tensor_shape

    resource = v1.resource_variables_enabled()
    cf2 = v1.control_flow_v2_enabled()
    shape_v2 = tensor_shape._TENSORSHAPE_V2_OVERRIDE
    equality = _tensor_mod.Tensor._USE_EQUALITY
    v1.disable_resource_variables()
    v1.disable_control_flow_v2()
    v1.disable_v2_tensorshape()
    v1.disable_tensor_equality()
    try:
        yield
    finally:
        if resource:
            v1.enable_resource_variables()
        if cf2:
            v1.enable_control_flow_v2()
        tensor_shape._TENSORSHAPE_V2_OVERRIDE = shape_v2
        _tensor_mod.Tensor._USE_EQUALITY = equality


def flowjit_backends() -> list[str | None]:
    """`reference`, and the default backend when it is another one (None = `Session()`)."""
    return ["reference"] if default_backend_name() == "reference" else ["reference", None]


# --- outcomes -------------------------------------------------------------------------


@dataclass
class Outcome:
    framework: str
    phase: str = "ok"  # "ok", or where it failed: "build" / "run"
    error: BaseException | None = None
    values: Any = None
    fetch_desc: Any = None
    static: Any = None
    printed: str = ""
    extra: dict = field(default_factory=dict)

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


class _Kinds:
    """The classes of one framework, to describe its objects neutrally."""

    def __init__(self, tensor: type, operation: type, variable: type, shape: type, dtype: type,
                 dimension: type | None) -> None:
        self.tensor, self.operation, self.variable = tensor, operation, variable
        self.shape, self.dtype, self.dimension = shape, dtype, dimension


def _fj_kinds() -> _Kinds:
    return _Kinds(flowjit.Tensor, flowjit.Operation, flowjit.Variable, flowjit.TensorShape, flowjit.DType,
                  flowjit.Dimension)


def _tf_kinds(v1: Any) -> _Kinds:
    return _Kinds(v1.Tensor, v1.Operation, v1.Variable, v1.TensorShape, v1.DType, v1.Dimension)


def _shape_list(shape: Any) -> Any:
    """`get_shape().as_list()`, None for an unknown rank."""
    if shape.ndims is None:
        return None
    return [None if d is None else int(d) for d in shape.as_list()]


def describe(obj: Any, kinds: _Kinds) -> Any:
    """A framework-neutral description: plain Python data and NumPy arrays."""
    if isinstance(obj, kinds.variable):
        return ("Variable", obj.name, obj.dtype.base_dtype.name, _shape_list(obj.get_shape()))
    if isinstance(obj, kinds.tensor):
        return ("Tensor", obj.name, obj.dtype.base_dtype.name, _shape_list(obj.get_shape()))
    if isinstance(obj, kinds.operation):
        return ("Operation", obj.name)
    if isinstance(obj, kinds.shape):
        return ("TensorShape", _shape_list(obj))
    if isinstance(obj, kinds.dtype):
        return ("DType", obj.base_dtype.name)
    if kinds.dimension is not None and isinstance(obj, kinds.dimension):
        return obj.value
    if isinstance(obj, dict):
        return {k if isinstance(k, (str, int, float, tuple)) else describe(k, kinds): describe(v, kinds)
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [describe(x, kinds) for x in obj]
    if isinstance(obj, tuple):
        return tuple(describe(x, kinds) for x in obj)
    return obj


def _fetch_leaves(fetch: Any, out: list) -> None:
    if isinstance(fetch, dict):
        for k in fetch:
            _fetch_leaves(fetch[k], out)
    elif isinstance(fetch, (list, tuple)):
        for x in fetch:
            _fetch_leaves(x, out)
    else:
        out.append(fetch)


_TF_LOG_LINE = re.compile(r"^([IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+\] |WARNING: All log messages|"
                          r"WARNING:tensorflow|Instructions for updating|To enable the following)")


@contextlib.contextmanager
def _capture_output(enabled: bool, sink: list[str]) -> Any:
    """Capture fds 1 and 2 and sys.stdout/sys.stderr (C++ and Python writers alike)."""
    if not enabled:
        yield
        return
    saved = []
    files = []
    py = (sys.stdout, sys.stderr)
    buf = io.StringIO()
    try:
        for fd in (1, 2):
            try:
                py[fd - 1].flush()
            except Exception:
                pass
            f = tempfile.TemporaryFile()
            saved.append((fd, os.dup(fd)))
            os.dup2(f.fileno(), fd)
            files.append(f)
        sys.stdout = sys.stderr = buf
        yield
    finally:
        sys.stdout, sys.stderr = py
        for fd, dup in saved:
            os.dup2(dup, fd)
            os.close(dup)
        text = buf.getvalue()
        for f in files:
            f.seek(0)
            text += f.read().decode("utf-8", "replace")
            f.close()
        sink.append("\n".join(line for line in text.splitlines() if line and not _TF_LOG_LINE.match(line)))


def _execute(framework: str, tf: Any, graph: Any, kinds: _Kinds, make_session: Callable[[], Any],
             prog: Callable[[Any], Any], build_ctx: Any) -> Outcome:
    out = Outcome(framework)
    with graph.as_default():
        try:
            with build_ctx:
                program = _as_program(prog(tf))
                leaves: list = []
                if program.fetch is not None:
                    _fetch_leaves(program.fetch, leaves)
                out.fetch_desc = [describe(x, kinds) for x in leaves]
                out.static = describe(program.static, kinds)
                init = None
                if program.init and (tf.global_variables() or tf.local_variables()):
                    init = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())
        except Exception as e:  # noqa: BLE001 - compared against the other framework
            out.phase, out.error = "build", e
            return out
    printed: list[str] = []
    try:
        graph_ctx = graph.as_default()  # run() may look things up in the default graph
        graph_ctx.__enter__()
        sess = make_session()
        try:
            with _capture_output(program.capture, printed):
                if init is not None:
                    sess.run(init)
                if program.run is not None:
                    result = program.run(sess)
                elif program.fetch is not None:
                    result = sess.run(program.fetch, feed_dict=program.feed)
                else:
                    result = None
            out.values = describe(result, kinds)
        finally:
            sess.close()
            graph_ctx.__exit__(None, None, None)
    except Exception as e:  # noqa: BLE001
        out.phase, out.error = "run", e
    out.printed = printed[0] if printed else ""
    return out


def run_flowjit(prog: Callable[[Any], Any], backend: str | None = "reference") -> Outcome:
    graph = flowjit.Graph()
    name = f"flowjit[{backend or 'default'}]"
    return _execute(name, flowjit, graph, _fj_kinds(), lambda: flowjit.Session(graph=graph, backend=backend),
                    prog, contextlib.nullcontext())


def run_tensorflow(prog: Callable[[Any], Any]) -> Outcome:
    tf = real_tf()
    v1 = tf._v1
    graph = v1.Graph()
    config = v1.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    return _execute("tensorflow", tf, graph, _tf_kinds(v1), lambda: v1.Session(graph=graph, config=config), prog,
                    _tf1_behavior(v1))


_tf_cache: dict[Any, Outcome] = {}


def _key(prog: Any) -> Any:
    if isinstance(prog, functools.partial):
        try:
            return (_key(prog.func), prog.args, tuple(sorted(prog.keywords.items())))
        except TypeError:
            return None
    if getattr(prog, "__closure__", None):
        return None
    return (getattr(prog, "__module__", None), getattr(prog, "__qualname__", None))


def tf_outcome(prog: Callable[[Any], Any]) -> Outcome:
    """TensorFlow's outcome, cached per program (it is run once for all flowjit backends)."""
    key = _key(prog)
    if key is not None:
        try:
            hash(key)
        except TypeError:
            key = None
    if key is None:
        return run_tensorflow(prog)
    if key not in _tf_cache:
        _tf_cache[key] = run_tensorflow(prog)
    return _tf_cache[key]


# --- comparison -----------------------------------------------------------------------

_TOL = {"float16": (1e-3, 1e-3), "float32": (2e-5, 1e-6), "float64": (1e-10, 1e-12)}


class Mismatch(AssertionError):
    pass


def _compare_value(path: str, got: Any, want: Any, rtol: float | None, atol: float | None,
                   errors: list[str]) -> None:
    """Append a line to `errors` for each place where flowjit's `got` differs from TF's `want`."""
    def differ(what: str) -> None:
        errors.append(f"{path}: {what}")

    if want is None or got is None:
        if not (want is None and got is None):
            differ(f"flowjit gave {got!r}, TensorFlow {want!r}")
        return
    if isinstance(want, (np.ndarray, np.generic)):
        if isinstance(want, np.ndarray) != isinstance(got, np.ndarray) or not isinstance(got, (np.ndarray,
                                                                                                 np.generic)):
            return differ(f"flowjit gave a {type(got).__name__}, TensorFlow a {type(want).__name__}")
        g, w = np.asarray(got), np.asarray(want)
        if w.dtype.kind in "SUO":  # strings: TF gives bytes
            g_list = [x.encode() if isinstance(x, str) else x for x in g.ravel().tolist()]
            w_list = [x.encode() if isinstance(x, str) else x for x in w.ravel().tolist()]
            if g.shape != w.shape or g_list != w_list:
                differ(f"strings differ: flowjit {g!r}, TensorFlow {w!r}")
            return
        if g.dtype != w.dtype:
            return differ(f"dtype: flowjit {g.dtype}, TensorFlow {w.dtype}")
        if g.shape != w.shape:
            return differ(f"shape: flowjit {g.shape}, TensorFlow {w.shape}")
        try:
            if w.dtype.kind == "f":
                r, a = _TOL.get(w.dtype.name, (1e-6, 1e-6))
                r = rtol if rtol is not None else r
                a = atol if atol is not None else a
                np.testing.assert_allclose(g, w, rtol=r, atol=a, equal_nan=True, err_msg="flowjit vs TensorFlow")
            else:
                np.testing.assert_array_equal(g, w, err_msg="flowjit vs TensorFlow")
        except AssertionError as e:
            differ(f"values differ{str(e)}")
        return
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return differ(f"flowjit gave {got!r}, TensorFlow {want!r}")
        for k in want:
            _compare_value(f"{path}[{k!r}]", got[k], want[k], rtol, atol, errors)
        return
    if isinstance(want, (list, tuple)):
        if type(got) is not type(want) or len(got) != len(want):
            return differ(f"flowjit gave {got!r}, TensorFlow {want!r}")
        for i, (g, w) in enumerate(zip(got, want)):
            _compare_value(f"{path}[{i}]", g, w, rtol, atol, errors)
        return
    if isinstance(want, float) and isinstance(got, float):
        if not np.isclose(got, want, rtol=rtol or 1e-6, atol=atol or 1e-7, equal_nan=True):
            differ(f"flowjit {got!r}, TensorFlow {want!r}")
        return
    if got != want or type(got) is not type(want) and not (isinstance(got, (int, float, str, bytes))
                                                           and isinstance(want, (int, float, str, bytes))):
        differ(f"flowjit gave {got!r}, TensorFlow {want!r}")


def _error_matches(got: BaseException, want: BaseException) -> bool:
    """flowjit's error is an instance of the class TF raised (tf.errors.X -> flowjit.errors.X)."""
    v1 = real_tf()._v1
    for cls in type(want).__mro__:
        if cls.__module__ == "builtins":
            if cls in (Exception, BaseException, object):
                return isinstance(got, Exception)
            return isinstance(got, cls)
        if issubclass(cls, v1.errors.OpError):
            fj = getattr(flowjit.errors, cls.__name__, None)
            if fj is not None:
                return isinstance(got, fj)
    return False


def compare(got: Outcome, want: Outcome, *, rtol: float | None = None, atol: float | None = None,
            names: Any = True) -> None:
    who = f"{got.framework} vs {want.framework}"
    if want.phase != "ok" or got.phase != "ok":
        if got.phase != want.phase:
            raise Mismatch(f"{who}: flowjit {got.phase}: {got.error!r}; TensorFlow {want.phase}: {want.error!r}") \
                from (got.error or want.error)
        if not _error_matches(got.error, want.error):
            raise Mismatch(f"{who}: error classes differ at {got.phase} time: flowjit "
                           f"{type(got.error).__mro__[:3]} {got.error}; TensorFlow "
                           f"{type(want.error).__name__}: {want.error}") from got.error
        return
    fetched = got.fetch_desc if names is True else _strip_names(got.fetch_desc, names)
    expected = want.fetch_desc if names is True else _strip_names(want.fetch_desc, names)
    errors: list[str] = []
    _compare_value("fetched", fetched, expected, None, None, errors)
    _compare_value("static", got.static, want.static, rtol, atol, errors)
    _compare_value("values", got.values, want.values, rtol, atol, errors)
    if got.printed != want.printed:
        errors.append(f"printed output differs:\nflowjit:\n{got.printed}\nTensorFlow:\n{want.printed}")
    if errors:
        more = f"\n... and {len(errors) - 40} more" if len(errors) > 40 else ""
        raise Mismatch(f"{who}: {len(errors)} difference(s):\n" + "\n".join(errors[:40]) + more)


def _strip_names(desc: Any, names: Any) -> Any:
    """names=False: drop the names; names="scope": keep only the scope (gradients/Abs_grad of
    gradients/Abs_grad/mul:0), for tensors whose last name component is a TF internal."""
    def strip(d: Any) -> Any:
        if not (isinstance(d, tuple) and d and d[0] in ("Tensor", "Variable", "Operation")):
            return d
        if names == "scope":
            return (d[0], d[1].rpartition("/")[0]) + tuple(d[2:])
        return (d[0],) + tuple(d[2:])

    return [strip(d) for d in (desc or [])]


def check(prog: Callable[[Any], Any], *, rtol: float | None = None, atol: float | None = None,
          names: Any = True, backends: list[str | None] | None = None, expect: str | None = "ok") -> Outcome:
    """Run `prog` under TensorFlow and every flowjit backend; assert they agree.

    `names`: compare fetched tensors' names (True), only their scopes ("scope"), or not (False).
    `expect`: "ok" (the default), "build" or "run": where TensorFlow itself must end (guards
    the test against a program that fails for an unintended reason; None: anywhere).
    Returns TensorFlow's outcome.
    """
    want = tf_outcome(prog)
    if expect is not None and want.phase != expect:
        raise AssertionError(f"TensorFlow ended in phase {want.phase!r}, the test expects {expect!r}") \
            from want.error
    for backend in (backends if backends is not None else flowjit_backends()):
        compare(run_flowjit(prog, backend), want, rtol=rtol, atol=atol, names=names)
    return want


# --- helpers for programs -------------------------------------------------------------


def weights_for(name: str, shape: Any, scale: float = 0.3, dtype: Any = np.float32) -> np.ndarray:
    """Deterministic weights for a variable, from its name (identical under both frameworks)."""
    import zlib

    rng = np.random.RandomState(zlib.crc32(name.encode()) & 0x7FFFFFFF)
    return (rng.standard_normal(tuple(shape)) * scale).astype(dtype)


def load_weights(tf: Any, sess: Any, scale: float = 0.3, var_list: Any = None) -> None:
    """Overwrite every (trainable) variable with `weights_for(its name)`: random initializers
    differ between frameworks by design, so trajectories start from the same weights."""
    for v in (var_list if var_list is not None else tf.trainable_variables()):
        shape = v.get_shape().as_list()
        v.load(weights_for(v.name, shape, scale, v.dtype.base_dtype.as_numpy_dtype), sess)


def data(seed: int, shape: Any, scale: float = 1.0, dtype: Any = np.float32) -> np.ndarray:
    return (np.random.RandomState(seed).standard_normal(tuple(shape)) * scale).astype(dtype)

