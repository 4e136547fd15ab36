"""One SGD training step of a 2-layer LSTM (TF1's BasicLSTMCell, forget_bias 1.0) unrolled
by `tf.nn.dynamic_rnn` over 32 steps, batch 64, hidden 256, inputs 256; loss: the mean
squared distance of every output to a target. The same weights under every framework:
flowjit and TensorFlow run the TF1 program (TF 2's TF1 cells live in tf_keras), JAX a
`lax.scan` of the same cell with `jax.grad`, NumPy a hand-written forward and backward pass
through time (also the oracle of the check)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

T, BATCH, HIDDEN, DEPTH, LAYERS, LR = 32, 64, 256, 256, 2, 0.1


def problem(seed: int = 0, t: int = T, batch: int = BATCH, hidden: int = HIDDEN, depth: int = DEPTH) -> dict[str, Any]:
    rng = np.random.RandomState(seed)
    params = []
    for layer in range(LAYERS):
        fan_in = (depth if layer == 0 else hidden) + hidden
        params.append((rng.uniform(-1, 1, (fan_in, 4 * hidden)) * np.sqrt(6 / (fan_in + 4 * hidden))).astype(np.float32))
        params.append((rng.standard_normal(4 * hidden) * 0.1).astype(np.float32))
    return {"params": params, "x": rng.standard_normal((batch, t, depth)).astype(np.float32),
            "y": rng.standard_normal((batch, t, hidden)).astype(np.float32), "hidden": hidden}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, hidden: int) -> float:
    """Forward, backward through time and the SGD update of `params` in place; the loss."""
    b, t, _ = x.shape
    inputs = [x[:, k] for k in range(t)]
    tapes = []
    for layer in range(LAYERS):
        kernel, bias = params[2 * layer], params[2 * layer + 1]
        c, h = np.zeros((b, hidden), np.float32), np.zeros((b, hidden), np.float32)
        tape, outs = [], []
        for xt in inputs:
            xh = np.concatenate([xt, h], 1)
            i, j, f, o = np.split(xh @ kernel + bias, 4, axis=1)
            si, tj, sf, so = _sigmoid(i), np.tanh(j), _sigmoid(f + 1.0), _sigmoid(o)
            c_new = c * sf + si * tj
            tc = np.tanh(c_new)
            h = tc * so
            tape.append((xh, c, si, tj, sf, so, tc))
            c = c_new
            outs.append(h)
        tapes.append(tape)
        inputs = outs
    out = np.stack(inputs, 1)
    loss = float(np.mean((out - y) ** 2))
    d_in = [2 * (out[:, k] - y[:, k]) / out.size for k in range(t)]
    grads: list[np.ndarray] = [None] * len(params)  # type: ignore[list-item]
    for layer in reversed(range(LAYERS)):
        kernel = params[2 * layer]
        n_in = kernel.shape[0] - hidden
        dk, db = np.zeros_like(kernel), np.zeros(4 * hidden, np.float32)
        dh_next, dc_next = np.zeros((b, hidden), np.float32), np.zeros((b, hidden), np.float32)
        d_below = [None] * t
        for k in reversed(range(t)):
            xh, c, si, tj, sf, so, tc = tapes[layer][k]
            dh = d_in[k] + dh_next
            dc = dc_next + dh * so * (1 - tc ** 2)
            dgates = np.concatenate([dc * tj * si * (1 - si), dc * si * (1 - tj ** 2), dc * c * sf * (1 - sf),
                                     dh * tc * so * (1 - so)], 1)
            dk += xh.T @ dgates
            db += dgates.sum(0)
            dxh = dgates @ kernel.T
            d_below[k], dh_next = dxh[:, :n_in], dxh[:, n_in:]
            dc_next = dc * sf
        grads[2 * layer], grads[2 * layer + 1] = dk, db
        d_in = d_below
    for p, g in zip(params, grads):
        p -= LR * g
    return loss


def build_tf1(tf: Any, rnn_cell: Any, prob: dict[str, Any]) -> tuple[list[Any], Any, Any, Any, Any]:
    x = tf.placeholder(tf.float32, prob["x"].shape)
    y = tf.placeholder(tf.float32, prob["y"].shape)
    cell = rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(prob["hidden"]) for _ in range(LAYERS)])
    out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(out - y))
    train = tf.train.GradientDescentOptimizer(LR).minimize(loss)
    return tf.trainable_variables(), x, y, loss, train


def _session_runner(tf: Any, rnn_cell: Any, prob: dict[str, Any], **session_kw: Any) -> tuple[Callable, Callable]:
    graph = tf.Graph()
    with graph.as_default():
        variables, x, y, loss, train = build_tf1(tf, rnn_cell, prob)
        init = tf.global_variables_initializer()
        values = [tf.placeholder(tf.float32, p.shape) for p in prob["params"]]
        load = [tf.assign(v, p) for v, p in zip(variables, values)]
    sess = tf.Session(graph=graph, **session_kw)
    sess.run(init)
    sess.run(load, dict(zip(values, prob["params"])))
    feed = {x: prob["x"], y: prob["y"]}
    return (lambda: sess.run([train, loss], feed)[1]), (lambda: sess.run(variables))


def flowjit_runner(prob: dict[str, Any]) -> tuple[Callable, Callable]:
    import flowjit as tf

    return _session_runner(tf, tf.nn.rnn_cell, prob)


def tensorflow_runner(prob: dict[str, Any]) -> tuple[Callable, Callable] | None:
    try:
        import tensorflow
        from tf_keras.src.layers.rnn import legacy_cells
    except ImportError:
        return None
    return _session_runner(tensorflow.compat.v1, legacy_cells, prob)


def jax_runner(prob: dict[str, Any]) -> tuple[Callable, Callable] | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    hidden = prob["hidden"]

    def layer(kernel: Any, bias: Any, xs: Any) -> Any:  # xs [T, B, D]
        def cell(carry: Any, xt: Any) -> Any:
            c, h = carry
            i, j, f, o = jnp.split(jnp.concatenate([xt, h], 1) @ kernel + bias, 4, axis=1)
            c = c * jax.nn.sigmoid(f + 1.0) + jax.nn.sigmoid(i) * jnp.tanh(j)
            h = jnp.tanh(c) * jax.nn.sigmoid(o)
            return (c, h), h
        zeros = jnp.zeros((xs.shape[1], hidden), xs.dtype)
        return jax.lax.scan(cell, (zeros, zeros), xs)[1]

    def loss_fn(params: list[Any], x: Any, y: Any) -> Any:
        hs = jnp.swapaxes(x, 0, 1)
        for k in range(LAYERS):
            hs = layer(params[2 * k], params[2 * k + 1], hs)
        return jnp.mean((jnp.swapaxes(hs, 0, 1) - y) ** 2)

    @jax.jit
    def step(params: list[Any], x: Any, y: Any) -> tuple[list[Any], Any]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return [p - LR * g for p, g in zip(params, grads)], loss

    state = {"params": [jnp.asarray(p) for p in prob["params"]]}

    def run() -> float:  # inputs cross into JAX on every step, as a feed_dict does
        state["params"], loss = step(state["params"], jnp.asarray(prob["x"]), jnp.asarray(prob["y"]))
        return float(loss)

    return run, (lambda: [np.asarray(p) for p in state["params"]])


def numpy_runner(prob: dict[str, Any]) -> tuple[Callable, Callable]:
    params = [p.copy() for p in prob["params"]]
    return (lambda: numpy_step(params, prob["x"], prob["y"], prob["hidden"])), (lambda: params)
