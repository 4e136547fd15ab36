"""flowjit benchmarks: `python -m benchmarks.run` (or `python benchmarks/run.py`).

Every workload runs on flowjit (the LLVM `cpu` backend), NumPy, and TensorFlow (tf.compat.v1
graph mode) and JAX (jit) when they are importable, side by side in one process: the
frameworks take turns call by call, so machine load affects them alike. Every result is
checked against NumPy. Inputs and outputs are NumPy arrays for everyone (JAX included: its
time counts the transfer into and out of its arrays, as a Session.run does).

  a  y = tanh(a*x + b) * sigmoid(x) + x*x - 0.5*x over 2^22 float32
  b  sum(softmax(x)) over the rows of a [4096, 1024] float32
  c  1024^3 float32 matmul
  d  per-call overhead of c = a + b on fed scalars
  e  compile time of an MLP training step (784-256-10, batch 64, SGD), cold and from the disk
     cache: measured in fresh processes (first step minus a steady step)
  f  a while_loop of 200 steps of an RNN-like recurrence h = tanh(h @ W + b), h [16, 64]
     (tf.while_loop / jax.lax.fori_loop / a Python loop for NumPy); flowjit's extra row is the
     same loop driven from the host (FLOWJIT_NATIVE_CONTROL_FLOW=0, in a child process)
  g  one SGD step of a 2-layer LSTM (hidden 256, 32 steps, batch 64) through dynamic_rnn
     (TF1 cells for flowjit and TF, lax.scan + grad for JAX, hand-written BPTT for NumPy;
     benchmarks/lstm_step.py), the same weights everywhere; extra rows: build + first step

Options: --only a,b  --repeat N  --quick
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

A, B = 1.5, 0.25


def have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except Exception:  # noqa: BLE001  (an optional framework that fails to import is absent)
        return False


def quiet_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return tf.compat.v1


# --- timing -----------------------------------------------------------------------------------

def interleaved(fns: dict[str, Callable[[], Any]], repeat: int, block: int = 3) -> dict[str, float]:
    """Median seconds per call of each fn. The frameworks take turns in blocks of `block`
    timed calls, each block after one untimed call: a framework's thread pool may still spin
    right after its own calls (OpenBLAS, Eigen and XLA pools do), which would steal a core from
    whoever runs next; the untimed call absorbs that, and drift hits all frameworks alike."""
    for f in fns.values():  # warm up (compiles, caches, page faults)
        f()
        f()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(max(1, repeat // block)):
        for k, f in fns.items():
            f()
            for _ in range(block):
                t0 = time.perf_counter()
                f()
                times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}


def check(name: str, got: Any, want: Any, rtol: float, atol: float) -> str:
    try:
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=rtol, atol=atol)
        return "ok"
    except AssertionError as e:
        print(f"  !! {name}: result differs from NumPy: {str(e).splitlines()[-1]}")
        return "MISMATCH"


# --- workloads ----------------------------------------------------------------------------------

def workload_a(repeat: int) -> dict[str, Any]:
    import flowjit as fj

    x = np.random.default_rng(0).random(1 << 22, dtype=np.float32) * 4 - 2
    want = np.tanh(A * x + B) * (1 / (1 + np.exp(-x))) + x * x - 0.5 * x
    fns, outs = {}, {}
    g = fj.Graph()
    with g.as_default():
        xp = fj.placeholder(fj.float32, [1 << 22])
        y = fj.tanh(A * xp + B) * fj.sigmoid(xp) + xp * xp - 0.5 * xp
    s = fj.Session(graph=g)
    fns["flowjit"] = lambda: s.run(y, {xp: x})
    fns["numpy"] = lambda: np.tanh(A * x + B) * (1 / (1 + np.exp(-x))) + x * x - 0.5 * x
    if have("tensorflow"):
        tf = quiet_tf()
        tg = tf.Graph()
        with tg.as_default():
            tx = tf.placeholder(tf.float32, [1 << 22])
            ty = tf.tanh(A * tx + B) * tf.sigmoid(tx) + tx * tx - 0.5 * tx
        ts = tf.Session(graph=tg)
        fns["tensorflow"] = lambda: ts.run(ty, {tx: x})
    if have("jax"):
        import jax
        import jax.numpy as jnp

        jf = jax.jit(lambda v: jnp.tanh(A * v + B) * jax.nn.sigmoid(v) + v * v - 0.5 * v)
        fns["jax"] = lambda: np.asarray(jf(x))
    for k, f in fns.items():
        outs[k] = check(f"a/{k}", f(), want, 1e-5, 1e-5)
    return {"times": interleaved(fns, repeat), "checks": outs}


def workload_b(repeat: int) -> dict[str, Any]:
    import flowjit as fj

    x = np.random.default_rng(1).standard_normal((4096, 1024)).astype(np.float32)

    def np_softmax_sum(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).sum()

    want = np_softmax_sum(x.astype(np.float64))
    fns, outs = {}, {}
    g = fj.Graph()
    with g.as_default():
        xp = fj.placeholder(fj.float32, [4096, 1024])
        y = fj.reduce_sum(fj.nn.softmax(xp))
    s = fj.Session(graph=g)
    fns["flowjit"] = lambda: s.run(y, {xp: x})
    fns["numpy"] = lambda: np_softmax_sum(x)
    if have("tensorflow"):
        tf = quiet_tf()
        tg = tf.Graph()
        with tg.as_default():
            tx = tf.placeholder(tf.float32, [4096, 1024])
            ty = tf.reduce_sum(tf.nn.softmax(tx))
        ts = tf.Session(graph=tg)
        fns["tensorflow"] = lambda: ts.run(ty, {tx: x})
    if have("jax"):
        import jax
        import jax.numpy as jnp

        jf = jax.jit(lambda v: jnp.sum(jax.nn.softmax(v, axis=-1)))
        fns["jax"] = lambda: np.asarray(jf(x))
    for k, f in fns.items():
        outs[k] = check(f"b/{k}", f(), want, 1e-4, 0)
    return {"times": interleaved(fns, repeat), "checks": outs}


def workload_c(repeat: int) -> dict[str, Any]:
    import flowjit as fj

    rng = np.random.default_rng(2)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    b = rng.standard_normal((1024, 1024)).astype(np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    fns, outs = {}, {}
    g = fj.Graph()
    with g.as_default():
        pa, pb = fj.placeholder(fj.float32, [1024, 1024]), fj.placeholder(fj.float32, [1024, 1024])
        c = fj.matmul(pa, pb)
    s = fj.Session(graph=g)
    fns["flowjit"] = lambda: s.run(c, {pa: a, pb: b})
    fns["numpy"] = lambda: a @ b
    if have("tensorflow"):
        tf = quiet_tf()
        tg = tf.Graph()
        with tg.as_default():
            ta, tb = tf.placeholder(tf.float32, [1024, 1024]), tf.placeholder(tf.float32, [1024, 1024])
            tc = tf.matmul(ta, tb)
        ts = tf.Session(graph=tg)
        fns["tensorflow"] = lambda: ts.run(tc, {ta: a, tb: b})
    if have("jax"):
        import jax

        jf = jax.jit(lambda u, v: u @ v)
        fns["jax"] = lambda: np.asarray(jf(a, b))
    for k, f in fns.items():
        outs[k] = check(f"c/{k}", f(), want, 1e-3, 1e-3)
    times = interleaved(fns, repeat)
    return {"times": times, "checks": outs, "gflops": {k: 2 * 1024**3 / t / 1e9 for k, t in times.items()}}


def workload_d(repeat: int) -> dict[str, Any]:
    import flowjit as fj

    fns, outs = {}, {}
    g = fj.Graph()
    with g.as_default():
        pa, pb = fj.placeholder(fj.float32, []), fj.placeholder(fj.float32, [])
        c = pa + pb
    s = fj.Session(graph=g)
    fns["flowjit"] = lambda: s.run(c, {pa: 1.0, pb: 2.0})
    na, nb = np.float32(1.0), np.float32(2.0)
    fns["numpy"] = lambda: na + nb
    if have("tensorflow"):
        tf = quiet_tf()
        tg = tf.Graph()
        with tg.as_default():
            ta, tb = tf.placeholder(tf.float32, []), tf.placeholder(tf.float32, [])
            tc = ta + tb
        ts = tf.Session(graph=tg)
        fns["tensorflow"] = lambda: ts.run(tc, {ta: 1.0, tb: 2.0})
    if have("jax"):
        import jax

        jf = jax.jit(lambda u, v: u + v)
        fns["jax"] = lambda: np.asarray(jf(1.0, 2.0))
    for k, f in fns.items():
        outs[k] = check(f"d/{k}", f(), 3.0, 0, 0)
    inner = {"flowjit": 2000, "numpy": 20000, "tensorflow": 200, "jax": 500}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(max(repeat, 5)):
        for k, f in fns.items():
            n = inner.get(k, 100)
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[k].append((time.perf_counter() - t0) / n)
    return {"times": {k: float(np.median(v)) for k, v in times.items()}, "checks": outs}


# --- e: compile time, in fresh processes -------------------------------------------------------------

MLP_CHILD = r'''
import json, os, sys, time
import numpy as np
framework = sys.argv[1]
rng = np.random.default_rng(0)
W1 = (rng.standard_normal((784, 256)) * 0.05).astype(np.float32)
W2 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
xs = rng.standard_normal((64, 784)).astype(np.float32)
ys = rng.integers(0, 10, 64).astype(np.int32)
out = {}
if framework == "flowjit":
    sys.path.insert(0, sys.argv[2])
    import flowjit as tf
    from flowjit.compiler.driver import RUNTIME
    RUNTIME.library()  # the runtime library (thread pool, GEMM) is installed code, not the step
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [64, 784]); y = tf.placeholder(tf.int32, [64])
        w1, b1 = tf.Variable(W1), tf.Variable(np.zeros(256, np.float32))
        w2, b2 = tf.Variable(W2), tf.Variable(np.zeros(10, np.float32))
        logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g)
    s.run(init)
    step = lambda: s.run([loss, train], {x: xs, y: ys})[0]
elif framework == "tensorflow":
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf2
    tf = tf2.compat.v1
    tf.disable_eager_execution()
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [64, 784]); y = tf.placeholder(tf.int32, [64])
        w1, b1 = tf.Variable(W1), tf.Variable(np.zeros(256, np.float32))
        w2, b2 = tf.Variable(W2), tf.Variable(np.zeros(10, np.float32))
        logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
    s = tf.Session(graph=g)
    s.run(init)
    step = lambda: s.run([loss, train], {x: xs, y: ys})[0]
else:
    import jax, jax.numpy as jnp
    params = [jnp.asarray(W1), jnp.zeros(256), jnp.asarray(W2), jnp.zeros(10)]
    def loss_fn(p, x, y):
        h = jax.nn.relu(x @ p[0] + p[1]); logits = h @ p[2] + p[3]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], 1))
    @jax.jit
    def train(p, x, y):
        l, gr = jax.value_and_grad(loss_fn)(p, x, y)
        return l, [a - 0.1 * b for a, b in zip(p, gr)]
    state = {"p": params}
    def step():
        l, state["p"] = train(state["p"], xs, ys)
        return float(l)
t0 = time.perf_counter(); first = step(); t1 = time.perf_counter()
steady = []
for _ in range(20):
    t = time.perf_counter(); step(); steady.append(time.perf_counter() - t)
out["first_s"] = t1 - t0
out["steady_s"] = float(np.median(steady))
out["compile_s"] = max(out["first_s"] - out["steady_s"], 0.0)
out["loss"] = float(first)
print("RESULT " + json.dumps(out))
'''


def _child(framework: str, env: dict[str, str]) -> dict[str, Any] | None:
    r = subprocess.run([sys.executable, "-c", MLP_CHILD, framework, ROOT], env=env, capture_output=True, text=True,
                       timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    print(f"  !! e/{framework} failed:\n{r.stderr[-2000:]}")
    return None


def workload_e(repeat: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)  # the same data as the child processes: NumPy's loss
    w1 = (rng.standard_normal((784, 256)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((256, 10)) * 0.05).astype(np.float32)
    xs = rng.standard_normal((64, 784)).astype(np.float32)
    ys = rng.integers(0, 10, 64).astype(np.int32)
    logits = np.maximum(xs.astype(np.float64) @ w1, 0) @ w2
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    want = -logp[np.arange(64), ys].mean()
    times, checks, extra = {}, {}, {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, FLOWJIT_CACHE_DIR=cache, PYTHONPATH=ROOT)
        # the runtime library is compiled once per machine (like JAX's or TF's own binaries)
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
                        "from flowjit.compiler.driver import RUNTIME; RUNTIME.library()", ROOT], env=env, check=True)
        cold = _child("flowjit", env)
        warm = _child("flowjit", env)
    if cold and warm:
        times["flowjit"] = cold["compile_s"]
        extra["flowjit (disk cache)"] = warm["compile_s"]
        checks["flowjit"] = check("e/flowjit", cold["loss"], want, 1e-4, 1e-5)
    for fw in ("tensorflow", "jax"):
        if have(fw):
            r = _child(fw, dict(os.environ))
            if r:
                times[fw] = r["compile_s"]
                checks[fw] = check(f"e/{fw}", r["loss"], want, 1e-4, 1e-5)
    return {"times": times, "checks": checks, "extra": extra}


_RNN_STEPS = 200


def _rnn_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    h0 = rng.standard_normal((16, 64)).astype(np.float32)
    w = (rng.standard_normal((64, 64)) / 8).astype(np.float32)
    b = (rng.standard_normal(64) / 10).astype(np.float32)
    return h0, w, b


def _flowjit_rnn():
    import flowjit as fj

    g = fj.Graph()
    with g.as_default():
        h0 = fj.placeholder(fj.float32, [16, 64])
        w = fj.placeholder(fj.float32, [64, 64])
        b = fj.placeholder(fj.float32, [64])
        _, h = fj.while_loop(lambda i, h: i < _RNN_STEPS, lambda i, h: (i + 1, fj.tanh(fj.matmul(h, w) + b)),
                             [fj.constant(0), h0])
    s = fj.Session(graph=g)
    return lambda x0, wv, bv: s.run(h, {h0: x0, w: wv, b: bv})


def workload_f(repeat: int) -> dict[str, Any]:
    h0, w, b = _rnn_inputs()
    want = h0.astype(np.float64)
    for _ in range(_RNN_STEPS):
        want = np.tanh(want @ w + b)

    def np_rnn():
        h = h0
        for _ in range(_RNN_STEPS):
            h = np.tanh(h @ w + b)
        return h

    fns, outs = {}, {}
    fj_rnn = _flowjit_rnn()
    fns["flowjit"] = lambda: fj_rnn(h0, w, b)
    fns["numpy"] = np_rnn
    if have("tensorflow"):
        tf = quiet_tf()
        tg = tf.Graph()
        with tg.as_default():
            th = tf.placeholder(tf.float32, [16, 64])
            tw = tf.placeholder(tf.float32, [64, 64])
            tb = tf.placeholder(tf.float32, [64])
            _, ty = tf.while_loop(lambda i, h: i < _RNN_STEPS, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, tw) + tb)),
                                  [tf.constant(0), th])
        ts = tf.Session(graph=tg)
        fns["tensorflow"] = lambda: ts.run(ty, {th: h0, tw: w, tb: b})
    if have("jax"):
        import jax
        import jax.numpy as jnp

        jf = jax.jit(lambda h, wv, bv: jax.lax.fori_loop(0, _RNN_STEPS, lambda i, x: jnp.tanh(x @ wv + bv), h))
        fns["jax"] = lambda: np.asarray(jf(h0, w, b))
    for k, f in fns.items():
        outs[k] = check(f"f/{k}", f(), want, 1e-4, 1e-5)
    extra = {}
    env = dict(os.environ, FLOWJIT_NATIVE_CONTROL_FLOW="0")
    code = ("import sys, json, time; sys.path.insert(0, %r); from benchmarks.run import _flowjit_rnn, _rnn_inputs; "
            "f = _flowjit_rnn(); a = _rnn_inputs(); f(*a); ts = []\n"
            "for _ in range(%d):\n t = time.perf_counter(); f(*a); ts.append(time.perf_counter() - t)\n"
            "ts.sort(); print(json.dumps(ts[len(ts) // 2]))") % (ROOT, max(repeat, 5))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode == 0:
        extra["flowjit, loop driven from the host"] = json.loads(out.stdout.strip().splitlines()[-1])
    return {"times": interleaved(fns, repeat), "checks": outs, "extra": extra}


def workload_g(repeat: int) -> dict[str, Any]:
    from benchmarks import lstm_step

    prob = lstm_step.problem()
    makers = {"flowjit": lstm_step.flowjit_runner, "numpy": lstm_step.numpy_runner}
    if have("tensorflow"):
        quiet_tf()
        makers["tensorflow"] = lstm_step.tensorflow_runner
    if have("jax"):
        makers["jax"] = lstm_step.jax_runner
    fns, params, extra = {}, {}, {}
    for name, make in makers.items():
        t0 = time.perf_counter()
        made = make(prob)
        if made is None:
            continue
        fns[name], params[name] = made
        fns[name]()
        extra[f"{name}: build + first step"] = time.perf_counter() - t0
    times = interleaved(fns, max(3, repeat // 3), block=1)
    def flat(ps: list[Any]) -> np.ndarray:
        return np.concatenate([np.asarray(p).ravel() for p in ps])

    checks = {}  # every framework ran the same number of steps from the same weights
    for name, get in params.items():
        if name != "numpy":
            checks[name] = check(f"g/{name}", flat(get()), flat(params["numpy"]()), 2e-3, 2e-4)
    return {"times": times, "checks": checks, "extra": extra}


WORKLOADS = {
    "a": ("fused elementwise, 2^22 f32", workload_a),
    "b": ("row softmax + sum, 4096x1024 f32", workload_b),
    "c": ("matmul 1024^3 f32", workload_c),
    "d": ("per-call overhead, a + b scalars", workload_d),
    "e": ("cold compile, MLP train step", workload_e),
    "f": ("while_loop, 200-step RNN recurrence", workload_f),
    "g": ("2-layer LSTM train step, dynamic_rnn", workload_g),
}


def fmt(t: float) -> str:
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.2f} us"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="abcdefg", help="workloads to run, e.g. abc")
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = p.parse_args(argv)
    repeat = 5 if args.quick else args.repeat
    frameworks = ["flowjit", "numpy", "tensorflow", "jax"]
    rows = []
    for key in args.only.replace(",", ""):
        title, fn = WORKLOADS[key]
        print(f"[{key}] {title} ...", flush=True)
        r = fn(repeat)
        rows.append((key, title, r))
    print()
    head = f"{'workload':42s}" + "".join(f"{f:>14s}" for f in frameworks) + "   speedup of flowjit vs numpy / tf / jax"
    print(head)
    print("-" * len(head))
    for key, title, r in rows:
        t = r["times"]
        cells = "".join(f"{(fmt(t[f]) if f in t else '-'):>14s}" for f in frameworks)
        ratios = " / ".join(f"{t[f] / t['flowjit']:.2f}x" if f in t and "flowjit" in t and t["flowjit"] > 0 else "-"
                            for f in ("numpy", "tensorflow", "jax"))
        print(f"{key}  {title:39s}{cells}   {ratios}")
        if "gflops" in r:
            print(f"{'':42s}" + "".join(f"{(str(round(r['gflops'][f])) + ' GF/s') if f in r['gflops'] else '-':>14s}"
                                        for f in frameworks))
        for name, v in r.get("extra", {}).items():
            print(f"{'':4s}{name:38s}{fmt(v):>14s}")
        bad = [k for k, v in r["checks"].items() if v != "ok"]
        if bad:
            print(f"{'':4s}results differ from NumPy: {', '.join(bad)}")
    print("\nmedians of interleaved runs; ratios > 1 mean flowjit is faster. "
          f"threads: flowjit {os.environ.get('FLOWJIT_NUM_THREADS') or len(os.sched_getaffinity(0))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
