"""Training-step benchmarks: one SGD step of an MLP and of a LeNet-style CNN.

    MLP   784-512-512-10, relu, softmax cross entropy, SGD, batch 256, float32
    CNN   [64, 28, 28, 1]: conv 5x5x32 SAME, relu, pool 2x2, conv 5x5x64 SAME, relu, pool 2x2,
          dense 1024 relu, dense 10; softmax cross entropy, SGD, float32

Each is timed in flowjit (TF1 graph mode: `sess.run(train_op, feed)`), in NumPy with a
hand-written backward pass, in TensorFlow (tf.compat.v1 graph mode) and in JAX (jit) when they
are installed. All start from the same initial weights and batch; after one step every
framework's updated weights are checked against NumPy's before anything is timed.

    python benchmarks/train_steps.py [--repeat 20] [--only mlp|cnn] [--backend cpu] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any, Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

LR = 0.01


# --- problems ---------------------------------------------------------------------------

def glorot(rng: np.random.RandomState, shape: tuple[int, ...]) -> np.ndarray:
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def mlp_problem(seed: int = 0) -> dict[str, Any]:
    rng = np.random.RandomState(seed)
    sizes = [784, 512, 512, 10]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [glorot(rng, (a, b)), np.zeros(b, np.float32)]
    x = rng.rand(256, 784).astype(np.float32)
    y = rng.randint(0, 10, size=256).astype(np.int64)
    return {"name": "mlp", "params": params, "x": x, "y": y}


def cnn_problem(seed: int = 0) -> dict[str, Any]:
    rng = np.random.RandomState(seed)
    params = [glorot(rng, (5, 5, 1, 32)), np.zeros(32, np.float32),
              glorot(rng, (5, 5, 32, 64)), np.zeros(64, np.float32),
              glorot(rng, (7 * 7 * 64, 1024)), np.zeros(1024, np.float32),
              glorot(rng, (1024, 10)), np.zeros(10, np.float32)]
    x = rng.rand(64, 28, 28, 1).astype(np.float32)
    y = rng.randint(0, 10, size=64).astype(np.int64)
    return {"name": "cnn", "params": params, "x": x, "y": y}


# --- NumPy, backward by hand --------------------------------------------------------------

def _softmax_xent_grad(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return p / np.float32(len(y))


def numpy_mlp_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> None:
    W1, b1, W2, b2, W3, b3 = params
    h1 = np.maximum(x @ W1 + b1, 0)
    h2 = np.maximum(h1 @ W2 + b2, 0)
    d3 = _softmax_xent_grad(h2 @ W3 + b3, y)
    d2 = (d3 @ W3.T) * (h2 > 0)
    d1 = (d2 @ W2.T) * (h1 > 0)
    grads = [x.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0)]
    for p, g in zip(params, grads):
        p -= np.float32(LR) * g


def _im2col(x: np.ndarray, k: int) -> np.ndarray:
    """SAME padding, stride 1: [N,H,W,C] -> [N*H*W, k*k*C] (rows in (kh, kw, c) order)."""
    n, h, w, c = x.shape
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))  # [N,H,W,C,k,k]
    return np.ascontiguousarray(win.transpose(0, 1, 2, 4, 5, 3)).reshape(n * h * w, k * k * c)


def _col2im(dcols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    n, h, w, c = shape
    p = k // 2
    d = dcols.reshape(n, h, w, k, k, c)
    dxp = np.zeros((n, h + 2 * p, w + 2 * p, c), np.float32)
    for i in range(k):
        for j in range(k):
            dxp[:, i:i + h, j:j + w, :] += d[:, :, :, i, j, :]
    return dxp[:, p:p + h, p:p + w, :]


def _pool(x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def _pool_grad(x: np.ndarray, out: np.ndarray, dout: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    xr = x.reshape(n, h // 2, 2, w // 2, 2, c)
    mask = xr == out[:, :, None, :, None, :]
    return (mask * dout[:, :, None, :, None, :]).reshape(x.shape)


def numpy_cnn_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> None:
    K1, c1, K2, c2, W3, b3, W4, b4 = params
    n = x.shape[0]
    cols1 = _im2col(x, 5)
    a1 = np.maximum((cols1 @ K1.reshape(-1, 32)).reshape(n, 28, 28, 32) + c1, 0)
    p1 = _pool(a1)
    cols2 = _im2col(p1, 5)
    a2 = np.maximum((cols2 @ K2.reshape(-1, 64)).reshape(n, 14, 14, 64) + c2, 0)
    p2 = _pool(a2)
    f = p2.reshape(n, -1)
    h = np.maximum(f @ W3 + b3, 0)
    d4 = _softmax_xent_grad(h @ W4 + b4, y)
    dh = (d4 @ W4.T) * (h > 0)
    df = (dh @ W3.T).reshape(p2.shape)
    da2 = _pool_grad(a2, p2, df) * (a2 > 0)
    dz2 = da2.reshape(-1, 64)
    dK2 = (cols2.T @ dz2).reshape(K2.shape)
    dp1 = _col2im(dz2 @ K2.reshape(-1, 64).T, p1.shape, 5)
    da1 = _pool_grad(a1, p1, dp1) * (a1 > 0)
    dz1 = da1.reshape(-1, 32)
    dK1 = (cols1.T @ dz1).reshape(K1.shape)
    grads = [dK1, dz1.sum(0), dK2, dz2.sum(0), f.T @ dh, dh.sum(0), h.T @ d4, d4.sum(0)]
    for p, g in zip(params, grads):
        p -= np.float32(LR) * g


# --- graph-mode builders (flowjit and TensorFlow share the TF1 API) ------------------------

def build_tf1_graph(tf: Any, problem: dict[str, Any]) -> tuple[list[Any], Any, Any, Any]:
    """(variables, x placeholder, y placeholder, train op) for `problem`, in TF1 graph mode."""
    variables = [tf.Variable(p, name=f"p{k}") for k, p in enumerate(problem["params"])]
    x = tf.placeholder(tf.float32, problem["x"].shape, name="x")
    y = tf.placeholder(tf.int64, problem["y"].shape, name="y")
    if problem["name"] == "mlp":
        W1, b1, W2, b2, W3, b3 = variables
        h = tf.nn.relu(tf.matmul(x, W1) + b1)
        h = tf.nn.relu(tf.matmul(h, W2) + b2)
        logits = tf.matmul(h, W3) + b3
    else:
        K1, c1, K2, c2, W3, b3, W4, b4 = variables
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, K1, [1, 1, 1, 1], "SAME"), c1))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, K2, [1, 1, 1, 1], "SAME"), c2))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.reshape(h, [problem["x"].shape[0], 7 * 7 * 64])
        h = tf.nn.relu(tf.matmul(h, W3) + b3)
        logits = tf.matmul(h, W4) + b4
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
    return variables, x, y, train


def flowjit_runner(problem: dict[str, Any], backend: str | None) -> tuple[Callable[[], Any], Callable[[], list]]:
    import flowjit as tf

    graph = tf.Graph()
    with graph.as_default():
        variables, x, y, train = build_tf1_graph(tf, problem)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph, backend=backend)
    sess.run(init)
    feed = {x: problem["x"], y: problem["y"]}
    return (lambda: sess.run(train, feed_dict=feed)), (lambda: sess.run(variables))


def tensorflow_runner(problem: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], list]] | None:
    try:
        import tensorflow
    except ImportError:
        return None
    tf1 = tensorflow.compat.v1
    graph = tf1.Graph()
    with graph.as_default():
        variables, x, y, train = build_tf1_graph(tf1, problem)
        init = tf1.global_variables_initializer()
    sess = tf1.Session(graph=graph)
    sess.run(init)
    feed = {x: problem["x"], y: problem["y"]}
    return (lambda: sess.run(train, feed_dict=feed)), (lambda: sess.run(variables))


def jax_runner(problem: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], list]] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None

    def forward(params: list[Any], x: Any) -> Any:
        if problem["name"] == "mlp":
            W1, b1, W2, b2, W3, b3 = params
            h = jax.nn.relu(x @ W1 + b1)
            h = jax.nn.relu(h @ W2 + b2)
            return h @ W3 + b3
        K1, c1, K2, c2, W3, b3, W4, b4 = params
        dn = ("NHWC", "HWIO", "NHWC")
        h = jax.nn.relu(jax.lax.conv_general_dilated(x, K1, (1, 1), "SAME", dimension_numbers=dn) + c1)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = jax.nn.relu(jax.lax.conv_general_dilated(h, K2, (1, 1), "SAME", dimension_numbers=dn) + c2)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ W3 + b3)
        return h @ W4 + b4

    def loss_fn(params: list[Any], x: Any, y: Any) -> Any:
        logits = forward(params, x)
        logp = jax.nn.log_softmax(logits)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(params: list[Any], x: Any, y: Any) -> list[Any]:
        grads = jax.grad(loss_fn)(params, x, y)
        return [p - LR * g for p, g in zip(params, grads)]

    state = {"params": [jnp.asarray(p) for p in problem["params"]]}
    x, y = jnp.asarray(problem["x"]), jnp.asarray(problem["y"].astype(np.int32))

    def run() -> None:
        state["params"] = step(state["params"], x, y)
        jax.block_until_ready(state["params"])

    return run, (lambda: [np.asarray(p) for p in state["params"]])


def numpy_runner(problem: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], list]]:
    params = [p.copy() for p in problem["params"]]
    fn = numpy_mlp_step if problem["name"] == "mlp" else numpy_cnn_step
    return (lambda: fn(params, problem["x"], problem["y"])), (lambda: [p.copy() for p in params])


# --- timing -------------------------------------------------------------------------------

def time_runs(step: Callable[[], Any], repeat: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def check_one_step(name: str, make: Callable[[], Any], want: list[np.ndarray], rtol: float = 2e-3) -> None:
    """A fresh runner's weights after one step must match NumPy's."""
    runner = make()
    if runner is None:
        return
    step, weights = runner
    step()
    for k, (got, ref) in enumerate(zip(weights(), want)):
        scale = float(np.abs(ref).max()) or 1.0
        err = float(np.abs(np.asarray(got) - ref).max())
        if err > rtol * scale:
            raise AssertionError(f"{name}: parameter {k} after one step differs from NumPy by {err:.3g} "
                                 f"(scale {scale:.3g})")


def bench(problem: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    runners: dict[str, Callable[[], Any]] = {
        "numpy": lambda: numpy_runner(problem),
        "flowjit": lambda: flowjit_runner(problem, args.backend),
    }
    if not args.no_tf:
        runners["tensorflow"] = lambda: tensorflow_runner(problem)
    runners["jax"] = lambda: jax_runner(problem)
    ref_step, ref_weights = numpy_runner(problem)
    ref_step()
    want = ref_weights()
    results = []
    for name, make in runners.items():
        if name != "numpy":
            check_one_step(name, make, want)
        runner = make()
        if runner is None:
            continue
        times = time_runs(runner[0], args.repeat, args.warmup)
        results.append({"benchmark": f"train_step_{problem['name']}", "framework": name,
                        "median_ms": 1e3 * statistics.median(times), "min_ms": 1e3 * min(times),
                        "repeat": args.repeat, "checked": True})
    base = next(r["median_ms"] for r in results if r["framework"] == "flowjit")
    for r in results:
        r["ratio_vs_flowjit"] = r["median_ms"] / base
    return results


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--only", choices=["mlp", "cnn"], default=None)
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the session default)")
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args(argv)
    problems = [p for p in (mlp_problem(), cnn_problem()) if args.only in (None, p["name"])]
    results = []
    for problem in problems:
        rows = bench(problem, args)
        results += rows
        print(f"\n{rows[0]['benchmark']}  (median of {args.repeat}; ratio = time / flowjit's time)")
        for r in rows:
            print(f"  {r['framework']:<11} {r['median_ms']:9.2f} ms   x{r['ratio_vs_flowjit']:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
