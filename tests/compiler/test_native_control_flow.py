"""`cond` / `while_loop` compiled as native control flow on the cpu backend.

Each program runs on the reference backend (the oracle) and on the cpu backend; the cpu plan
must hold the If/While as native IfStep/WhileStep (branches and loops inside the generated
function, no host round trip per iteration), or, where it cannot (shapes that change between
iterations, a gradient loop whose trip count is only known at run time, host ops in a body),
run host-driven and still agree. Loops recording values for their gradient compile natively
when the trip count is static (ir/loops.py): the records are written row by row in place.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import flowjit as tf
from flowjit import errors
from flowjit.compiler.program import HostStep, IfStep, WhileStep, walk_steps

RNG = np.random.default_rng(7)


def run_both(build, feeds=(), init_vars=False, runs=1):
    """Build from placeholders for `feeds`, run on both backends (`runs` times each: loops
    with variables must agree run after run). Returns (ref results, cpu results, cpu program)."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        outs = build(*phs)
        init = tf.global_variables_initializer() if init_vars else None
    fetches = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    fd = dict(zip(phs, feeds))
    results = []
    program = None
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            if init is not None:
                s.run(init)
            rs = [s.run(fetches, fd) for _ in range(runs)]
            if backend == "cpu":
                program = list(s._cache.values())[-1].executable.program
        results.append(rs)
    return results[0], results[1], program


def steps_of(program):
    return list(walk_steps(program.steps))


def assert_native(program, ifs=0, whiles=0):
    steps = steps_of(program)
    hosts = [s.node.op for s in steps if isinstance(s, HostStep)]
    assert "If" not in hosts and "While" not in hosts, hosts
    assert sum(isinstance(s, IfStep) for s in steps) == ifs
    assert sum(isinstance(s, WhileStep) for s in steps) == whiles
    assert program.fallback_ops == {}, program.fallback_ops


def assert_agree(ref, got, rtol=1e-6, scaled=False):
    """Same dtypes and shapes, values within rtol; `scaled`: the absolute tolerance grows with
    the array's magnitude (a value that cancels down from terms of size M carries ~ulp(M))."""
    for r_run, g_run in zip(ref, got):
        for r, g in zip(r_run, g_run):
            r, g = np.asarray(r), np.asarray(g)
            assert r.dtype == g.dtype and r.shape == g.shape
            if r.dtype.kind == "f":
                finite = np.abs(r[np.isfinite(r)])
                atol = max(1e-6, rtol * float(finite.max())) if scaled and finite.size else 1e-6
                np.testing.assert_allclose(g, r, rtol=rtol, atol=atol)
            else:
                np.testing.assert_array_equal(g, r)


# --- while_loop ------------------------------------------------------------------------------

def test_while_counter_and_accumulator():
    x = RNG.standard_normal((5, 7)).astype(np.float32)

    def build(x):
        def body(i, acc):
            return i + 1, acc * 0.5 + tf.reduce_sum(x, axis=1, keepdims=True) * tf.cast(i, tf.float32)
        return tf.while_loop(lambda i, acc: i < 12, body, [tf.constant(0), tf.zeros_like(x)])

    ref, got, prog = run_both(build, [x])
    assert_agree(ref, got)
    assert got[0][0] == 12
    assert_native(prog, whiles=1)


@pytest.mark.parametrize("start", [0, 5, 20])
def test_while_zero_or_more_iterations(start):
    def build(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i * i), [tf.constant(start), 0])

    ref, got, prog = run_both(build, [np.array(10, np.int32)])
    assert_agree(ref, got)
    assert_native(prog, whiles=1)


@pytest.mark.parametrize("max_iter", [0, 1, 3, 50])
def test_while_maximum_iterations_checked_before_cond(max_iter):
    def build(x):
        # cond would fail (divide by zero) on the iteration after the limit: it must not run
        def cond(i, v):
            return tf.floordiv(10, 4 - i) > -100
        return tf.while_loop(cond, lambda i, v: (i + 1, v * 2.0), [tf.constant(0), x],
                             maximum_iterations=min(max_iter, 4))

    ref, got, prog = run_both(build, [np.ones(3, np.float32)])
    assert_agree(ref, got)
    assert_native(prog, whiles=1)


def test_while_swaps_and_passes_through_loop_vars():
    """Next values must not overwrite current ones that the same iteration still reads."""
    a = RNG.standard_normal((64, 33)).astype(np.float32)
    b = RNG.standard_normal((64, 33)).astype(np.float32)

    def build(a, b):
        c = a * 3.0

        def body(i, x, y, z, w):
            return i + 1, y, x + 0.5 * y, z, c   # swap-like, pass-through, captured value
        return tf.while_loop(lambda i, *_: i < 5, body, [tf.constant(0), a, b, a - b, a])

    ref, got, prog = run_both(build, [a, b])
    assert_agree(ref, got)
    assert_native(prog, whiles=1)


def test_while_same_value_returned_for_two_vars_and_constants():
    def build(x):
        def body(i, u, v, k):
            t = u + v
            return i + 1, t, t, tf.constant(7.0)
        return tf.while_loop(lambda i, *_: i < 4, body, [tf.constant(0), x, x * 2.0, tf.constant(1.0)])

    ref, got, prog = run_both(build, [np.arange(6, dtype=np.float32)])
    assert_agree(ref, got)
    assert_native(prog, whiles=1)


def test_nested_loops_and_cond_in_loop():
    def build(x):
        def outer(i, acc):
            def inner(j, a):
                return j + 1, a + tf.cast(i * j, tf.float32)
            _, acc = tf.while_loop(lambda j, a: j < i, inner, [tf.constant(0), acc])
            acc = tf.cond(tf.equal(i % 2, 0), lambda: acc * 2.0, lambda: acc - 1.0)
            return i + 1, acc
        return tf.while_loop(lambda i, a: i < 6, outer, [tf.constant(0), x])

    ref, got, prog = run_both(build, [np.linspace(-1, 1, 10).astype(np.float32)])
    assert_agree(ref, got)
    assert_native(prog, ifs=1, whiles=2)


def test_large_body_runs_parallel_regions_and_matmul():
    """A body with a GEMM and a row softmax: the thread pool and GEMM run inside the loop."""
    x = RNG.standard_normal((128, 256)).astype(np.float32)
    w = (RNG.standard_normal((256, 256)) * 0.05).astype(np.float32)

    def build(x, w):
        def body(i, h):
            return i + 1, tf.nn.softmax(tf.matmul(h, w)) * 100.0
        return tf.while_loop(lambda i, h: i < 3, body, [tf.constant(0), x])

    ref, got, prog = run_both(build, [x, w])
    assert_agree(ref, got, rtol=1e-4)
    assert_native(prog, whiles=1)


def test_loop_assigning_a_variable_reads_snapshot_and_live_value():
    def build():
        v = tf.Variable(np.arange(4, dtype=np.float32), name="v")
        snapshot = tf.identity(v)  # read before the loop: captured

        def body(i, s):
            with tf.control_dependencies([tf.assign_add(v, tf.ones([4]))]):
                live = v.read_value()
            return i + 1, s + live + snapshot
        return tf.while_loop(lambda i, s: i < 3, body, [tf.constant(0), tf.zeros([4])])

    ref, got, prog = run_both(build, init_vars=True, runs=2)
    assert_agree(ref, got)
    assert_native(prog, whiles=1)


def test_error_in_loop_body_names_the_node():
    def build(idx):
        table = tf.constant(np.arange(5, dtype=np.float32))

        def body(i, acc):
            return i + 1, acc + tf.gather(table, idx + i)
        return tf.while_loop(lambda i, a: i < 4, body, [tf.constant(0), tf.constant(0.0)])

    g = tf.Graph()
    with g.as_default():
        idx = tf.placeholder(tf.int32, [])
        _, acc = build(idx)
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            assert s.run(acc, {idx: 0}) == 6.0
            with pytest.raises(errors.InvalidArgumentError) as info:
                s.run(acc, {idx: 3})
            assert "GatherV2" in str(info.value) and "test_native_control_flow.py" in str(info.value)


def test_repeat_runs_take_the_fast_path():
    def build(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + 2.0), [tf.constant(0), 0.0])[1]

    g = tf.Graph()
    with g.as_default():
        n = tf.placeholder(tf.int32, [])
        out = build(n)
    with tf.Session(graph=g) as s:
        assert [s.run(out, {n: k}) for k in range(5)] == [0.0, 2.0, 4.0, 6.0, 8.0]
        assert [s.run(out, {n: k}) for k in range(5)] == [0.0, 2.0, 4.0, 6.0, 8.0]


# --- cond ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [True, False])
def test_cond_on_fed_predicate(p):
    x = RNG.standard_normal((8, 9)).astype(np.float32)

    def build(p, x):
        return tf.cond(p, lambda: tf.nn.relu(x) * 2.0, lambda: tf.reduce_max(x, axis=0, keepdims=True) - x)

    ref, got, prog = run_both(build, [np.array(p), x])
    assert_agree(ref, got)
    assert_native(prog, ifs=1)


def test_cond_branches_returning_captured_values_and_duplicates():
    def build(p, x, y):
        return tf.cond(p, lambda: (x, x, y + 1.0), lambda: (y, x * 2.0, y))

    for p in (True, False):
        ref, got, prog = run_both(build, [np.array(p), np.ones(3, np.float32), np.arange(3, dtype=np.float32)])
        assert_agree(ref, got)
        assert_native(prog, ifs=1)


def test_cond_only_the_taken_branch_runs():
    """The untaken branch's division by zero never happens."""
    def build(d):
        return tf.cond(tf.equal(d, 0), lambda: tf.constant(-1), lambda: tf.floordiv(100, d))

    for d in (0, 7):
        ref, got, prog = run_both(build, [np.array(d, np.int32)])
        assert_agree(ref, got)
        assert_native(prog, ifs=1)


def test_cond_with_variable_updates_in_branches():
    def build(p):
        v = tf.Variable(10.0, name="v")
        out = tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.assign_sub(v, 2.0))
        return out

    for p in (True, False):
        ref, got, prog = run_both(build, [np.array(p)], init_vars=True, runs=3)
        assert_agree(ref, got)
        assert_native(prog, ifs=1)


# --- where native control flow does not apply --------------------------------------------------

def test_loop_changing_shape_runs_host_driven():
    def build(x):
        return tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.concat([v, v], 0)),
                             [tf.constant(0), x], shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])

    ref, got, prog = run_both(build, [np.arange(3, dtype=np.float32)])
    assert_agree(ref, got)
    assert got[0][1].shape == (24,)
    assert any(isinstance(s, HostStep) and s.node.op == "While" for s in steps_of(prog))
    assert "run time" in prog.host_driven["while"], prog.host_driven
    assert "host-driven control flow 'while'" in prog.describe()


def test_loop_with_print_runs_host_driven(capsys):
    def build(x):
        return tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, tf.Print(v, [i], "it=")), [tf.constant(0), x])

    ref, got, prog = run_both(build, [np.ones(2, np.float32)])
    assert_agree(ref, got)
    assert any(isinstance(s, HostStep) and s.node.op == "While" for s in steps_of(prog))
    assert "Print" in prog.host_driven["while"], prog.host_driven


def test_loop_gradient_agrees():
    x = RNG.standard_normal(6).astype(np.float32)

    def build(x):
        _, y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, tf.sin(v) * v), [tf.constant(0), x])
        return [y, tf.gradients(tf.reduce_sum(y), x)[0]]

    ref, got, prog = run_both(build, [x])
    assert_agree(ref, got, rtol=1e-4)
    assert_native(prog, whiles=2)  # the forward loop records, the gradient loop reads the records


def test_loop_gradient_with_a_fed_trip_count_runs_host_driven():
    x = RNG.standard_normal(4).astype(np.float32)
    n = np.array(3, np.int32)

    def build(x, n):
        _, y = tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, tf.sin(v) * v), [tf.constant(0), x])
        return [y, tf.gradients(tf.reduce_sum(y), x)[0]]

    ref, got, prog = run_both(build, [x, n])
    assert_agree(ref, got, rtol=1e-4)
    assert "run time" in prog.host_driven["while"], prog.host_driven


def test_zero_trip_gradient_loop_is_native():
    x = RNG.standard_normal(3).astype(np.float32)

    def build(x):
        _, y = tf.while_loop(lambda i, v: i < 0, lambda i, v: (i + 1, v * v), [tf.constant(0), x])
        return [y, tf.gradients(tf.reduce_sum(y * y), x)[0]]

    ref, got, prog = run_both(build, [x])
    assert_agree(ref, got)
    np.testing.assert_allclose(got[0][1], 2 * x, rtol=1e-6)
    assert_native(prog, whiles=2)


def test_lstm_training_loop_is_native_and_agrees():
    """dynamic_rnn over 2 LSTM layers, three SGD steps: both loops native (the forward records
    its gate values and the TensorArray write scatters into the carried buffer in place)."""
    xs = RNG.standard_normal((3, 5, 2)).astype(np.float32)

    def build(x):
        tf.set_random_seed(3)
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(4), tf.nn.rnn_cell.LSTMCell(3)])
        out, (_, (c, h)) = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        loss = tf.reduce_sum(tf.square(out)) + tf.reduce_sum(c * h)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.control_dependencies([train]):
            return [tf.identity(loss)]

    ref, got, prog = run_both(build, [xs], init_vars=True, runs=3)
    assert_agree(ref, got, rtol=1e-5)
    assert_native(prog, whiles=2)
    # DCE drops the records nobody reads: the output TensorArray ([5, 3, 3]) is not recorded
    # at every step, so memory stays linear in the sequence length
    assert not [b for b in prog.buffers if len(b.shape) >= 2 and b.shape[:2] == (5, 5)], \
        [b.shape for b in prog.buffers]


def _carry_copies(prog):
    return [s.name for s in steps_of(prog) if "_carry" in getattr(s, "name", "")]


def test_accumulators_update_in_place():
    """acc + f(x) is computed straight into the carried buffer; a variable whose old value is
    read elsewhere (by another loop var, transposed, through a shared part) keeps its copy."""
    a = RNG.standard_normal((3, 3)).astype(np.float32)

    def build(a):
        def body(i, acc, prev, sym, tw, total):
            d = tf.tanh(a) * tf.cast(i, tf.float32)
            return (i + 1, acc + d * 0.5,
                    acc - 1.0,  # reads acc: acc must keep its copy (prev needs the old value)
                    sym + tf.transpose(sym) * 0.1,  # reads sym transposed: not elementwise, copied
                    tw * 0.9 + 1.0,  # in place
                    total + d)  # in place
        return tf.while_loop(lambda i, *_: i < 4, body, [tf.constant(0), a, a, a, a, a])

    ref, got, prog = run_both(build, [a])
    assert_agree(ref, got, rtol=1e-5)
    assert_native(prog, whiles=1)
    copies = {c.rsplit("_", 1)[-1] for c in _carry_copies(prog)}
    assert {"carry1", "carry3"} <= copies and not copies & {"carry4", "carry5"}, copies


def test_tensor_array_writes_scatter_in_place():
    """ta.write in a loop scatters into the carried buffer itself; when the body also reads the
    buffer (ta.read of the previous row) the write keeps its fresh buffer and copy."""
    x = RNG.standard_normal((4, 3)).astype(np.float32)

    def build(x):
        def body(i, ta, tb):
            prev = tb.read(tf.maximum(i - 1, 0))
            return i + 1, ta.write(i, x[0] * tf.cast(i, tf.float32)), tb.write(i, prev + 1.0)
        _, ta, tb = tf.while_loop(lambda i, *_: i < 4, body, [tf.constant(0), tf.TensorArray(tf.float32, 4),
                                                               tf.TensorArray(tf.float32, 4, element_shape=[3])])
        return [ta.stack(), tb.stack()]

    ref, got, prog = run_both(build, [x])
    assert_agree(ref, got)
    assert_native(prog, whiles=1)
    copies = {c.rsplit("_", 1)[-1] for c in _carry_copies(prog)}
    assert "carry1" not in copies and "carry2" in copies, copies


def test_scan_gradient_is_native():
    xs = RNG.standard_normal((6, 3)).astype(np.float32)

    def build(x):
        w = tf.constant(RNG.standard_normal((3, 3)).astype(np.float32))
        ys = tf.scan(lambda acc, xt: tf.tanh(tf.matmul(acc[None], w)[0] + xt), x, initializer=tf.zeros([3]))
        return [ys, tf.gradients(tf.reduce_sum(ys * ys), x)[0]]

    ref, got, prog = run_both(build, [xs])
    assert_agree(ref, got, rtol=1e-5)
    assert_native(prog, whiles=2)


@settings(max_examples=20, deadline=None)
@given(trips=st.integers(0, 5), ops=st.lists(st.integers(0, 3), min_size=1, max_size=4))
def test_random_gradient_loops_agree(trips, ops):
    rng = np.random.default_rng(trips * 7 + len(ops))
    a = rng.standard_normal((2, 3)).astype(np.float32)
    unary = [tf.sin, tf.tanh, lambda v: v * v * 0.5, lambda v: tf.sigmoid(v) * v]

    def build(a):
        def body(i, u, v):
            for k in ops:
                u, v = unary[k](u) + v * 0.25, u
            return i + 1, u, v
        _, u, v = tf.while_loop(lambda i, u, v: i < trips, body, [tf.constant(0), a, a * 0.5])
        return [u, v] + tf.gradients(tf.reduce_sum(u * v), [a])

    ref, got, prog = run_both(build, [a])
    assert_agree(ref, got, rtol=2e-5)
    assert_native(prog, whiles=2)


# --- random programs -----------------------------------------------------------------------------

_OPS = [lambda a, b: a + b, lambda a, b: a * 0.5 - b, lambda a, b: tf.maximum(a, b),
        lambda a, b: tf.tanh(a) + b, lambda a, b: a - tf.reduce_mean(b)]


@settings(max_examples=25, deadline=None)
@given(trips=st.integers(0, 6), shape=st.lists(st.integers(1, 5), min_size=0, max_size=3),
       ops=st.lists(st.integers(0, len(_OPS) - 1), min_size=1, max_size=4), use_cond=st.booleans())
@example(trips=5, shape=[3, 5, 5], ops=[3, 0, 0], use_cond=False)  # tanh's ulps, then sums of size ~170
def test_random_loops_agree(trips, shape, ops, use_cond):
    rng = np.random.default_rng(len(shape) * 31 + trips)
    a = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape).astype(np.float32)

    def build(a, b):
        def body(i, u, v):
            for k in ops:
                u, v = _OPS[k](u, v), u
            if use_cond:
                u = tf.cond(tf.reduce_sum(u) > 0, lambda: u * 0.5, lambda: u + 1.0)
            return i + 1, u, v
        return tf.while_loop(lambda i, u, v: i < trips, body, [tf.constant(0), a, b])

    ref, got, prog = run_both(build, [a, b])
    assert_agree(ref, got, rtol=1e-5, scaled=True)
    assert_native(prog, ifs=int(use_cond), whiles=1)
