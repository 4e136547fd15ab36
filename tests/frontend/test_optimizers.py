"""Optimizers, slots, global step and learning-rate schedules.

Oracles: the update rules written out in NumPy here (several steps from the same initial
weights), and real TensorFlow (tensorflow.compat.v1 graph mode) when installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import flowjit as tf

BACKEND = "reference"

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-1.0, 0.75, 1.0], [0.2, 0.4, -0.3]])
T = np.array([[1.0, -1.0], [0.5, 2.0], [-0.5, 0.0], [0.3, 0.1]])
W0 = np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]])
B0 = np.array([0.05, -0.05])
STEPS = 4


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def np_grads(w, b):
    """loss = 0.5 * sum((X @ w + b - T)^2)."""
    r = X @ w + b - T
    return X.T @ r, r.sum(axis=0)


def build(dtype=tf.float64):
    W = tf.Variable(W0.astype(dtype.as_numpy_dtype), name="W")
    b = tf.Variable(B0.astype(dtype.as_numpy_dtype), name="b")
    x = tf.constant(X.astype(dtype.as_numpy_dtype))
    t = tf.constant(T.astype(dtype.as_numpy_dtype))
    loss = 0.5 * tf.reduce_sum(tf.square(tf.matmul(x, W) + b - t))
    return W, b, loss


def run_flowjit(make_opt, steps=STEPS, dtype=tf.float64, with_step=False):
    W, b, loss = build(dtype)
    gs = tf.train.get_or_create_global_step() if with_step else None
    opt = make_opt(gs) if with_step else make_opt()
    train = opt.minimize(loss, global_step=gs)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        out = []
        for _ in range(steps):
            sess.run(train)
            out.append(sess.run([W, b]))
    return out


def run_numpy(update, state_init, steps=STEPS):
    """update(params, grads, state, t) -> new params; state per parameter."""
    params = [W0.copy(), B0.copy()]
    states = [state_init(p) for p in params]
    out = []
    for t in range(1, steps + 1):
        grads = np_grads(*params)
        params = [update(p, g, s, t) for p, g, s in zip(params, grads, states)]
        out.append([p.copy() for p in params])
    return out


def assert_trajectories(got, want, rtol=1e-9, atol=1e-12):
    for step, (g, w) in enumerate(zip(got, want)):
        for gv, wv, name in zip(g, w, ["W", "b"]):
            np.testing.assert_allclose(gv, wv, rtol=rtol, atol=atol, err_msg=f"{name} after step {step + 1}")


# --- NumPy reference rules ------------------------------------------------------------

def sgd(lr):
    def update(p, g, s, t):
        return p - lr * g
    return update, lambda p: {}


def momentum(lr, mu, nesterov=False):
    def update(p, g, s, t):
        s["a"] = mu * s["a"] + g
        return p - (lr * g + lr * mu * s["a"] if nesterov else lr * s["a"])
    return update, lambda p: {"a": np.zeros_like(p)}


def adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
    def update(p, g, s, t):
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    return update, lambda p: {"m": np.zeros_like(p), "v": np.zeros_like(p)}


def adagrad(lr, init=0.1):
    def update(p, g, s, t):
        s["a"] += g * g
        return p - lr * g / np.sqrt(s["a"])
    return update, lambda p: {"a": np.full_like(p, init)}


def adadelta(lr=0.001, rho=0.95, eps=1e-8):
    def update(p, g, s, t):
        s["a"] = rho * s["a"] + (1 - rho) * g * g
        upd = np.sqrt(s["u"] + eps) / np.sqrt(s["a"] + eps) * g
        s["u"] = rho * s["u"] + (1 - rho) * upd * upd
        return p - lr * upd
    return update, lambda p: {"a": np.zeros_like(p), "u": np.zeros_like(p)}


def rmsprop(lr, decay=0.9, mu=0.0, eps=1e-10, centered=False):
    def update(p, g, s, t):
        s["ms"] = decay * s["ms"] + (1 - decay) * g * g
        denom = s["ms"]
        if centered:
            s["mg"] = decay * s["mg"] + (1 - decay) * g
            denom = s["ms"] - s["mg"] ** 2
        s["mom"] = mu * s["mom"] + lr * g / np.sqrt(denom + eps)
        return p - s["mom"]
    return update, lambda p: {"ms": np.ones_like(p), "mg": np.zeros_like(p), "mom": np.zeros_like(p)}


def adagrad_da(lr, init=0.1, l1=0.0, l2=0.0):
    def update(p, g, s, t):
        s["g"] += g
        s["gg"] += g * g
        num = np.sign(s["g"]) * np.maximum(np.abs(s["g"]) - l1 * t, 0) if l1 > 0 else s["g"]
        return -lr * num / (l2 * t * lr + np.sqrt(s["gg"]))
    return update, lambda p: {"g": np.zeros_like(p), "gg": np.full_like(p, init)}


def ftrl(lr, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0):
    def update(p, g, s, t):
        new = s["n"] + g * g
        gs = g + 2 * shrink * p
        sigma = (new ** -power - s["n"] ** -power) / lr
        s["z"] += gs - sigma * p
        quad = new ** -power / lr + 2 * l2
        out = np.where(np.abs(s["z"]) > l1, (np.sign(s["z"]) * l1 - s["z"]) / quad, 0.0)
        s["n"] = new
        return out
    return update, lambda p: {"n": np.full_like(p, init), "z": np.zeros_like(p)}


def proximal_gd(lr, l1=0.0, l2=0.0):
    def update(p, g, s, t):
        prox = p - lr * g
        return np.sign(prox) * np.maximum(np.abs(prox) - lr * l1, 0) / (1 + lr * l2)
    return update, lambda p: {}


def proximal_adagrad(lr, init=0.1, l1=0.0, l2=0.0):
    def update(p, g, s, t):
        s["a"] += g * g
        lr_t = lr / np.sqrt(s["a"])
        prox = p - lr_t * g
        return np.sign(prox) * np.maximum(np.abs(prox) - lr_t * l1, 0) / (1 + lr_t * l2)
    return update, lambda p: {"a": np.full_like(p, init)}


CASES = {
    "sgd": (lambda: tf.train.GradientDescentOptimizer(0.1), sgd(0.1)),
    "momentum": (lambda: tf.train.MomentumOptimizer(0.05, 0.9), momentum(0.05, 0.9)),
    "nesterov": (lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True), momentum(0.05, 0.9, True)),
    "adam": (lambda: tf.train.AdamOptimizer(0.1), adam(0.1)),
    "adam_params": (lambda: tf.train.AdamOptimizer(0.05, beta1=0.8, beta2=0.99, epsilon=1e-4),
                    adam(0.05, 0.8, 0.99, 1e-4)),
    "adagrad": (lambda: tf.train.AdagradOptimizer(0.2), adagrad(0.2)),
    "adadelta": (lambda: tf.train.AdadeltaOptimizer(1.0, rho=0.9, epsilon=1e-6), adadelta(1.0, 0.9, 1e-6)),
    "rmsprop": (lambda: tf.train.RMSPropOptimizer(0.01), rmsprop(0.01)),
    "rmsprop_momentum": (lambda: tf.train.RMSPropOptimizer(0.01, decay=0.8, momentum=0.5, epsilon=1e-6),
                         rmsprop(0.01, 0.8, 0.5, 1e-6)),
    "rmsprop_centered": (lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.3, epsilon=1e-6, centered=True),
                         rmsprop(0.01, 0.9, 0.3, 1e-6, centered=True)),
    "ftrl": (lambda: tf.train.FtrlOptimizer(0.3), ftrl(0.3)),
    "ftrl_l1_l2": (lambda: tf.train.FtrlOptimizer(0.3, l1_regularization_strength=0.05,
                                                  l2_regularization_strength=0.1), ftrl(0.3, l1=0.05, l2=0.1)),
    "ftrl_power": (lambda: tf.train.FtrlOptimizer(0.3, learning_rate_power=-0.3, l1_regularization_strength=0.01),
                   ftrl(0.3, power=-0.3, l1=0.01)),
    "ftrl_shrinkage": (lambda: tf.train.FtrlOptimizer(0.3, l2_shrinkage_regularization_strength=0.2),
                       ftrl(0.3, shrink=0.2)),
    "proximal_gd": (lambda: tf.train.ProximalGradientDescentOptimizer(0.1, 0.05, 0.1), proximal_gd(0.1, 0.05, 0.1)),
    "proximal_adagrad": (lambda: tf.train.ProximalAdagradOptimizer(0.2, 0.1, 0.02, 0.05),
                         proximal_adagrad(0.2, 0.1, 0.02, 0.05)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_rules_match_numpy(name):
    make, (update, init) = CASES[name]
    assert_trajectories(run_flowjit(make), run_numpy(update, init))


@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.05, 0.1)])
def test_adagrad_da_matches_numpy(l1, l2):
    def make(gs):
        return tf.train.AdagradDAOptimizer(0.3, gs, l1_regularization_strength=l1, l2_regularization_strength=l2)

    update, init = adagrad_da(0.3, l1=l1, l2=l2)
    assert_trajectories(run_flowjit(make, with_step=True), run_numpy(update, init))


def test_float32_updates_close_to_float64_rule():
    make, (update, init) = CASES["adam"]
    assert_trajectories(run_flowjit(make, dtype=tf.float32), run_numpy(update, init), rtol=1e-4, atol=1e-6)


# --- slots, global step, var_list ------------------------------------------------------

def test_adam_slots_and_names():
    W, b, loss = build()
    opt = tf.train.AdamOptimizer()
    opt.minimize(loss)
    assert opt.get_slot_names() == ["m", "v"]
    m = opt.get_slot(W, "m")
    v = opt.get_slot(W, "v")
    assert m.name == "W/Adam:0" and v.name == "W/Adam_1:0"
    assert opt.get_slot(b, "m").name == "b/Adam:0"
    assert m.shape == W.shape and not m.trainable
    assert opt.get_slot(W, "nope") is None
    names = {v.name for v in tf.global_variables()}
    assert {"beta1_power:0", "beta2_power:0", "W/Adam:0", "W/Adam_1:0", "b/Adam:0", "b/Adam_1:0"} <= names
    assert {v.name for v in tf.trainable_variables()} == {"W:0", "b:0"}
    assert {v.name for v in opt.variables()} >= {"W/Adam:0", "beta1_power:0"}


def test_slot_values_follow_rule():
    W, b, loss = build()
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    train = opt.minimize(loss)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        sess.run(train)
        acc = sess.run(opt.get_slot(W, "momentum"))
    g1, _ = np_grads(W0, B0)
    w1 = W0 - 0.1 * g1
    g2, _ = np_grads(w1, B0 - 0.1 * np_grads(W0, B0)[1])
    np.testing.assert_allclose(acc, 0.9 * g1 + g2, rtol=1e-10)


def test_slot_names_per_optimizer():
    W, b, loss = build()
    expect = {
        tf.train.MomentumOptimizer(0.1, 0.9): ["momentum"],
        tf.train.AdagradOptimizer(0.1): ["accumulator"],
        tf.train.AdadeltaOptimizer(): ["accum", "accum_update"],
        tf.train.RMSPropOptimizer(0.1, centered=True): ["mg", "momentum", "rms"],
        tf.train.FtrlOptimizer(0.1): ["accum", "linear"],
        tf.train.GradientDescentOptimizer(0.1): [],
    }
    for opt, slots in expect.items():
        opt.minimize(loss)
        assert opt.get_slot_names() == slots


def test_global_step_increments_after_updates():
    W, b, loss = build()
    gs = tf.train.get_or_create_global_step()
    assert tf.train.get_global_step() is gs
    assert tf.train.get_or_create_global_step() is gs
    assert gs.name == "global_step:0" and gs.dtype == tf.int64 and not gs.trainable
    assert gs in tf.get_collection(tf.GraphKeys.GLOBAL_STEP)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(gs) == 0
        for k in range(3):
            sess.run(train)
        assert sess.run(gs) == 3
        assert tf.train.global_step(sess, gs) == 3
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()


def test_minimize_with_var_list_updates_only_those():
    W, b, loss = build()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[b])
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        w, bv = sess.run([W, b])
    np.testing.assert_array_equal(w, W0)
    np.testing.assert_allclose(bv, B0 - 0.1 * np_grads(W0, B0)[1], rtol=1e-12)


def test_compute_and_apply_gradients_with_edited_gradients():
    W, b, loss = build()
    opt = tf.train.GradientDescentOptimizer(0.1)
    grads_and_vars = opt.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [W, b]
    doubled = [(g * 2.0, v) for g, v in grads_and_vars]
    train = opt.apply_gradients(doubled)
    assert isinstance(train, tf.Operation)
    assert train in tf.get_collection(tf.GraphKeys.TRAIN_OP)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(train) is None
        w = sess.run(W)
    np.testing.assert_allclose(w, W0 - 0.2 * np_grads(W0, B0)[0], rtol=1e-12)


def test_gate_graph_gives_same_result():
    W, b, loss = build()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, gate_gradients=tf.train.Optimizer.GATE_GRAPH)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        w = sess.run(W)
    np.testing.assert_allclose(w, W0 - 0.1 * np_grads(W0, B0)[0], rtol=1e-12)


def test_unconnected_variable_is_skipped():
    W, b, loss = build()
    other = tf.Variable(np.ones(3), name="other")
    opt = tf.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss)
    assert [g is None for g, _ in gv] == [False, False, True]
    train = opt.minimize(loss)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_array_equal(sess.run(other), np.ones(3))


def test_errors():
    W, b, loss = build()
    opt = tf.train.GradientDescentOptimizer(0.1)
    other = tf.Variable(np.ones(3), name="other")
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.minimize(loss, var_list=[other])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, W)])
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])
    with pytest.raises(TypeError, match="tf.Variable"):
        opt.minimize(loss, var_list=[tf.constant(1.0, tf.float64)])
    with pytest.raises(ValueError, match="Invalid type"):
        opt.minimize(tf.constant(3))
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)
    tf.reset_default_graph()
    x = tf.constant(1.0)
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.minimize(x * 2.0)


def test_learning_rate_tensor_and_placeholder():
    W, b, loss = build()
    lr = tf.placeholder(tf.float32, [], name="lr")  # a float32 rate for float64 variables is cast
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed_dict={lr: 0.25})
        w = sess.run(W)
    np.testing.assert_allclose(w, W0 - 0.25 * np_grads(W0, B0)[0], rtol=1e-7)


def test_decayed_learning_rate_drives_updates():
    W, b, loss = build()
    gs = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, gs, decay_steps=1, decay_rate=0.5)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, var_list=[b], global_step=gs)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train)
        got = sess.run(b)
    want = B0.copy()
    for k in range(3):
        want = want - 0.1 * 0.5 ** k * np_grads(W0, want)[1]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_variable_constraint_applied_after_update():
    from flowjit.frontend.ops import math_ops

    v = tf.Variable(np.array([1.0, -1.0]), name="v", constraint=lambda t: math_ops.maximum(t, tf.constant(0.0, tf.float64)))
    loss = tf.reduce_sum(v * tf.constant(np.array([1.0, -1.0])))
    train = tf.train.GradientDescentOptimizer(3.0).minimize(loss)
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(v), [0.0, 2.0])


def test_updates_are_plain_assign_ops():
    """No opaque Apply* kernels: every update is math plus Assign/AssignAdd/AssignSub."""
    W, b, loss = build()
    tf.train.AdamOptimizer().minimize(loss)
    types = {op.type for op in tf.get_default_graph().get_operations()}
    assert "AssignSub" in types and "Assign" in types
    assert not {t for t in types if t.startswith("Apply") or t.startswith("ResourceApply")}


def test_exponential_moving_average():
    v = tf.Variable(np.array([1.0, 2.0]), name="v")
    ema = tf.train.ExponentialMovingAverage(0.9)
    update = ema.apply([v])
    avg = ema.average(v)
    assert avg.name == "v/ExponentialMovingAverage:0"
    assert ema.average_name(v) == "v/ExponentialMovingAverage"
    set_v = v.assign(np.array([3.0, 0.0]))
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(set_v)
        sess.run(update)
        np.testing.assert_allclose(sess.run(avg), [0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * 0])
    assert set(ema.variables_to_restore()) == {"v/ExponentialMovingAverage"}


# --- learning-rate schedules -----------------------------------------------------------

def _eval_schedule(make, steps):
    step = tf.placeholder(tf.int64, [], name="step")
    lr = make(step)
    with tf.Session(backend=BACKEND) as sess:
        return [float(sess.run(lr, feed_dict={step: s})) for s in steps]


STEPS_TO_CHECK = [0, 1, 5, 10, 15, 20, 37, 100]

SCHEDULES = {
    "exponential": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5),
                    lambda s: 0.1 * 0.5 ** (s / 10)),
    "exponential_staircase": (lambda s: tf.train.exponential_decay(0.1, s, 10, 0.5, staircase=True),
                              lambda s: 0.1 * 0.5 ** (s // 10)),
    "natural_exp": (lambda s: tf.train.natural_exp_decay(0.1, s, 10, 0.3),
                    lambda s: 0.1 * math.exp(-0.3 * s / 10)),
    "inverse_time": (lambda s: tf.train.inverse_time_decay(0.1, s, 10, 0.5),
                     lambda s: 0.1 / (1 + 0.5 * s / 10)),
    "inverse_time_staircase": (lambda s: tf.train.inverse_time_decay(0.1, s, 10, 0.5, staircase=True),
                               lambda s: 0.1 / (1 + 0.5 * (s // 10))),
    "polynomial": (lambda s: tf.train.polynomial_decay(0.1, s, 20, end_learning_rate=0.01, power=2.0),
                   lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) ** 2 + 0.01),
    "polynomial_cycle": (lambda s: tf.train.polynomial_decay(0.1, s, 20, end_learning_rate=0.01, cycle=True),
                         lambda s: (0.1 - 0.01) * (1 - s / (20 * max(math.ceil(s / 20), 1))) + 0.01),
    "cosine": (lambda s: tf.train.cosine_decay(0.1, s, 20, alpha=0.1),
               lambda s: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 20) / 20)) + 0.1)),
    "piecewise": (lambda s: tf.train.piecewise_constant(s, [np.int64(5), np.int64(15)], [1.0, 0.5, 0.1]),
                  lambda s: 1.0 if s <= 5 else (0.5 if s <= 15 else 0.1)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_formulas(name):
    make, formula = SCHEDULES[name]
    got = _eval_schedule(make, STEPS_TO_CHECK)
    np.testing.assert_allclose(got, [formula(s) for s in STEPS_TO_CHECK], rtol=1e-5)


def test_schedule_needs_global_step():
    with pytest.raises(ValueError, match="global_step is required"):
        tf.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="length of boundaries"):
        tf.train.piecewise_constant(tf.constant(1), [1, 2], [1.0, 2.0])


# --- against real TensorFlow ------------------------------------------------------------

# Hyperparameters exactly representable in float32: TF converts Python floats to float32
# tensors before casting them to the variable's dtype, flowjit keeps them exact. (TF cannot run
# ProximalAdagrad on float64 variables at all.)
TF_CASES = {
    "sgd": "GradientDescentOptimizer(0.125)",
    "momentum": "MomentumOptimizer(0.0625, 0.875)",
    "nesterov": "MomentumOptimizer(0.0625, 0.875, use_nesterov=True)",
    "adam": "AdamOptimizer(0.125, beta1=0.875, beta2=0.9990234375, epsilon=2.0 ** -20)",
    "adagrad": "AdagradOptimizer(0.25, initial_accumulator_value=0.125)",
    "adadelta": "AdadeltaOptimizer(1.0, rho=0.875, epsilon=2.0 ** -20)",
    "rmsprop": "RMSPropOptimizer(0.015625, epsilon=2.0 ** -30)",
    "rmsprop_centered": "RMSPropOptimizer(0.015625, momentum=0.25, epsilon=2.0 ** -20, centered=True)",
    "ftrl": "FtrlOptimizer(0.25, initial_accumulator_value=0.125, l1_regularization_strength=0.0625, "
            "l2_regularization_strength=0.125)",
    "ftrl_shrinkage": "FtrlOptimizer(0.25, initial_accumulator_value=0.125, l2_shrinkage_regularization_strength=0.25)",
    "adagrad_da": "AdagradDAOptimizer(0.25, gs, initial_gradient_squared_accumulator_value=0.125, "
                  "l1_regularization_strength=0.0625, l2_regularization_strength=0.125)",
}


def _tf_trajectory(tf1, expr):
    g = tf1.Graph()
    with g.as_default():
        W = tf1.Variable(W0, name="W")
        b = tf1.Variable(B0, name="b")
        loss = 0.5 * tf1.reduce_sum(tf1.square(tf1.matmul(tf1.constant(X), W) + b - tf1.constant(T)))
        gs = tf1.train.get_or_create_global_step()
        opt = eval("tf1.train." + expr, {"tf1": tf1, "gs": gs})
        train = opt.minimize(loss, global_step=gs)
        out = []
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(STEPS):
                sess.run(train)
                out.append(sess.run([W, b]))
    return out


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(TF_CASES))
def test_optimizers_match_tensorflow(name):
    tensorflow = pytest.importorskip("tensorflow")
    tf1 = tensorflow.compat.v1
    want = _tf_trajectory(tf1, TF_CASES[name])
    W, b, loss = build()
    gs = tf.train.get_or_create_global_step()
    opt = eval("tf.train." + TF_CASES[name], {"tf": tf, "gs": gs})
    train = opt.minimize(loss, global_step=gs)
    got = []
    with tf.Session(backend=BACKEND) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(STEPS):
            sess.run(train)
            got.append(sess.run([W, b]))
    # TF keeps Adam's beta powers in float32 even for float64 variables; flowjit uses the
    # variable's dtype, hence the looser tolerance there.
    assert_trajectories(got, want, rtol=3e-5 if name == "adam" else 1e-6, atol=1e-9)


@pytest.mark.tf
def test_schedules_match_tensorflow():
    tensorflow = pytest.importorskip("tensorflow")
    tf1 = tensorflow.compat.v1
    exprs = ["exponential_decay(0.1, s, 7, 0.6, staircase=True)", "natural_exp_decay(0.1, s, 10, 0.3)",
             "inverse_time_decay(0.1, s, 10, 0.5)", "polynomial_decay(0.1, s, 20, 0.01, power=0.5, cycle=True)",
             "cosine_decay(0.1, s, 20, alpha=0.1)", "cosine_decay_restarts(0.1, s, 10, t_mul=2.0, m_mul=0.5)",
             "cosine_decay_restarts(0.1, s, 10, t_mul=1.0)", "linear_cosine_decay(0.1, s, 30)"]
    for expr in exprs:
        g = tf1.Graph()
        with g.as_default():
            s = tf1.placeholder(tf1.int64, [])
            lr = eval("tf1.train." + expr, {"tf1": tf1, "s": s})
            with tf1.Session(graph=g) as sess:
                want = [sess.run(lr, {s: k}) for k in STEPS_TO_CHECK]
        tf.reset_default_graph()
        got = _eval_schedule(lambda s: eval("tf.train." + expr, {"tf": tf, "s": s}), STEPS_TO_CHECK)
        np.testing.assert_allclose(got, want, rtol=1e-5, err_msg=expr)


def test_sparse_gradients_are_densified_like_their_dense_sum():
    """An IndexedSlices-like gradient (values, indices) with a repeated index gives the same
    Adam update as the dense gradient that sums those rows."""
    import collections

    Slices = collections.namedtuple("Slices", "values indices dense_shape")
    values = np.array([[1.0, -1.0], [2.0, 0.5], [3.0, 3.0]], np.float32)
    indices = np.array([0, 2, 0], np.int32)
    dense = np.zeros((4, 2), np.float32)
    np.add.at(dense, indices, values)
    results = []
    for sparse in (True, False):
        tf.reset_default_graph()
        v = tf.Variable(np.ones((4, 2), np.float32), name="v")
        grad = Slices(tf.constant(values), tf.constant(indices), tf.constant([4, 2])) if sparse else tf.constant(dense)
        train = tf.train.AdamOptimizer(0.1).apply_gradients([(grad, v)])
        with tf.Session(backend="reference") as s:
            s.run(tf.global_variables_initializer())
            s.run(train)
            results.append(s.run(v))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
