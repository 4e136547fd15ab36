"""cond, case, switch_case, while_loop, group/tuple and their gradients.

Every test runs twice: on the reference backend and on the cpu backend (where cond and
while_loop compile to native control flow when their bodies allow it; see
tests/compiler/test_native_control_flow.py for the checks of that)."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors


@pytest.fixture(autouse=True, params=["reference", "cpu"])
def fresh_graph(request, monkeypatch):
    """Runs the test on each backend: sessions the tests open on "reference" open on it."""
    tf.reset_default_graph()
    if request.param == "cpu":
        init = tf.Session.__init__

        def on_cpu(self, *args, **kwargs):
            if kwargs.get("backend") == "reference":
                kwargs["backend"] = "cpu"
            init(self, *args, **kwargs)
        monkeypatch.setattr(tf.Session, "__init__", on_cpu)
    yield


def run(fetches, feed_dict=None, init=False):
    with tf.Session(backend="reference") as sess:
        if init:
            sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


# --- cond ----------------------------------------------------------------------------------

def test_cond_picks_the_branch():
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(3.0)
    y = tf.cond(p, lambda: x * 2.0, lambda: x - 1.0)
    assert y.op.name == "cond/Merge" and y.op.inputs[0].op.type == "If"  # TF1's name for the result
    assert y.dtype == tf.float32 and y.shape == tf.TensorShape([])
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {p: True}) == 6.0
        assert sess.run(y, {p: False}) == 2.0


def test_cond_python_bool_and_deprecated_fn_names():
    y = tf.cond(True, lambda: tf.constant(1), lambda: tf.constant(2))
    z = tf.cond(tf.constant(False), fn1=lambda: tf.constant(1), fn2=lambda: tf.constant(2))
    assert run([y, z]) == [1, 2]


def test_cond_only_runs_the_taken_branch(capsys):
    p = tf.placeholder(tf.bool, [])
    x = tf.constant([1.0, 2.0])

    def bad():
        with tf.control_dependencies([tf.Assert(tf.constant(False), ["must not run"])]):
            return tf.Print(x, [x], message="untaken branch ran") + 0.0

    def good():
        return tf.Print(x, [x], message="taken branch: ") * 10.0

    y = tf.cond(p, good, bad)
    with tf.Session(backend="reference") as sess:
        np.testing.assert_array_equal(sess.run(y, {p: True}), [10.0, 20.0])
        err = capsys.readouterr().err
        assert "taken branch: [1 2]" in err
        assert "untaken branch ran" not in err
        with pytest.raises(errors.InvalidArgumentError, match="must not run"):
            sess.run(y, {p: False})


def test_cond_side_effects_only_in_the_taken_branch():
    v = tf.Variable(0, name="counter")
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.assign_add(v, 1).op, lambda: tf.assign_add(v, 100).op)
    assert r.dtype == tf.bool  # an op returned by a branch stands as a bool tensor, as in TF
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(r, {p: True})
        sess.run(r, {p: True})
        assert sess.run(v) == 2
        sess.run(r, {p: False})
        assert sess.run(v) == 102


def test_cond_variable_ref_semantics_inside_branch():
    v = tf.Variable(5.0)
    p = tf.placeholder(tf.bool, [])

    def update():
        with tf.control_dependencies([tf.assign(v, 7.0)]):
            return v.read_value() * 1.0

    y = tf.cond(p, update, lambda: v + 0.0)
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: False}) == 5.0
        assert sess.run(y, {p: True}) == 7.0
        assert sess.run(v) == 7.0


def test_cond_captures_outer_tensors():
    a = tf.placeholder(tf.float32, [None], name="a")
    b = tf.constant(10.0, name="b")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: a * b + a, lambda: tf.reduce_sum(a) + b)
    if_op = y.op.inputs[0].op  # y is cond/Merge, an identity of the If node's output
    assert if_op.type == "If"
    # pred, then the captured tensors once each
    assert [t.name for t in if_op.inputs] == [p.name, a.name, b.name]
    with tf.Session(backend="reference") as sess:
        np.testing.assert_allclose(sess.run(y, {p: True, a: [1.0, 2.0]}), [11.0, 22.0])
        assert sess.run(tf.cond(p, lambda: b, lambda: b * 2), {p: False}) == 20.0


def test_cond_merges_static_shapes():
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.ones([2, 4]))
    assert y.shape.as_list() == [2, None]
    z = tf.cond(p, lambda: tf.zeros([2]), lambda: tf.ones([2, 2]))
    assert z.shape.rank is None
    out = run([y, z], {p: False})
    assert out[0].shape == (2, 4) and out[1].shape == (2, 2)


def test_nested_cond():
    x = tf.placeholder(tf.int32, [])

    def sign():
        return tf.cond(x > 0, lambda: tf.constant(1), lambda: tf.cond(tf.equal(x, 0), lambda: tf.constant(0),
                                                                      lambda: tf.constant(-1)))

    y = tf.cond(x > 100, lambda: x * 0 + 100, sign)
    with tf.Session(backend="reference") as sess:
        assert [sess.run(y, {x: v}) for v in (-5, 0, 7, 500)] == [-1, 0, 1, 100]


def test_nested_cond_captures_through_levels():
    a = tf.constant(2.0)
    b = tf.constant(3.0)
    p = tf.placeholder(tf.bool, [])
    q = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.cond(q, lambda: a * b, lambda: a + b), lambda: b)
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {p: True, q: True}) == 6.0
        assert sess.run(y, {p: True, q: False}) == 5.0
        assert sess.run(y, {p: False, q: True}) == 3.0


def test_cond_nested_structures_and_strict():
    p = tf.placeholder(tf.bool, [])
    out = tf.cond(p, lambda: {"a": tf.constant(1), "b": (tf.constant(2.0), [tf.constant(3)])},
                  lambda: {"a": tf.constant(4), "b": (tf.constant(5.0), [tf.constant(6)])})
    assert set(out) == {"a", "b"} and isinstance(out["b"], tuple) and isinstance(out["b"][1], list)
    assert run(out, {p: False}) == {"a": 4, "b": (5.0, [6])}
    single = tf.cond(p, lambda: [tf.constant(1)], lambda: [tf.constant(2)])
    assert isinstance(single, tf.Tensor)
    strict = tf.cond(p, lambda: [tf.constant(1)], lambda: [tf.constant(2)], strict=True)
    assert isinstance(strict, list) and len(strict) == 1
    nt = collections.namedtuple("nt", "x y")
    r = tf.cond(p, lambda: nt(tf.constant(1), 2), lambda: nt(tf.constant(3), 4))
    assert isinstance(r, nt)
    assert tuple(run(r, {p: True})) == (1, 2)


def test_cond_build_errors():
    p = tf.placeholder(tf.bool, [])
    with pytest.raises(ValueError, match="must have the same type"):  # a ValueError in TF1
        tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))
    with pytest.raises(ValueError, match="same nested structure"):
        tf.cond(p, lambda: (tf.constant(1), tf.constant(2)), lambda: tf.constant(1))
    with pytest.raises(ValueError, match="must have a return value"):
        tf.cond(p, lambda: None, lambda: None)
    with pytest.raises(TypeError, match="bool"):
        tf.cond(tf.constant(1), lambda: tf.constant(1), lambda: tf.constant(2))
    with pytest.raises(TypeError, match="callable"):
        tf.cond(p, 1, lambda: 2)


def test_cond_outer_control_dependency_inside_branch():
    v = tf.Variable(1.0)
    p = tf.placeholder(tf.bool, [])
    bump = tf.assign_add(v, 1.0)

    def branch():
        with tf.control_dependencies([bump]):
            return tf.constant(0.0) + 1.0

    y = tf.cond(p, branch, lambda: tf.constant(5.0))
    assert bump.op.node in y.op.inputs[0].op.node.control_inputs
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: True}) == 1.0
        assert sess.run(v) == 2.0


def test_variables_created_in_a_branch_live_in_the_outer_graph():
    p = tf.placeholder(tf.bool, [])
    with tf.variable_scope("model"):
        y = tf.cond(p, lambda: tf.get_variable("w", [], initializer=tf.constant_initializer(3.0)) * 2.0,
                    lambda: tf.constant(0.0))
    names = [v.name for v in tf.global_variables()]
    assert "model/w:0" in names
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y, {p: True}) == 6.0


def test_initialized_value_uses_cond():
    w = tf.Variable(tf.constant([1.0, 2.0]), name="w")
    w2 = tf.Variable(w.initialized_value() * 2.0, name="w2")
    with tf.Session(backend="reference") as sess:
        sess.run(w2.initializer)  # w is not initialized yet: initialized_value falls back on its initial value
        np.testing.assert_array_equal(sess.run(w2), [2.0, 4.0])


def test_error_inside_branch_names_node_and_line():
    p = tf.placeholder(tf.bool, [])
    x = tf.placeholder(tf.float32, [])

    def checked():
        return tf.check_numerics(tf.log(x), "log of x")  # the line named in the error

    line = checked.__code__.co_firstlineno + 1
    y = tf.cond(p, checked, lambda: x)
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {p: False, x: -1.0}) == -1.0
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(y, {p: True, x: -1.0})
    message = str(info.value)
    assert "log of x : Tensor had NaN values" in message
    assert "CheckNumerics" in message
    assert f"test_control_flow.py:{line}" in message


# --- case and switch_case ------------------------------------------------------------------

def test_case_first_true_wins_and_default():
    x = tf.placeholder(tf.int32, [])
    y = tf.case([(x < 0, lambda: tf.constant(-1)), (x < 10, lambda: tf.constant(1))],
                default=lambda: tf.constant(99))
    with tf.Session(backend="reference") as sess:
        assert [sess.run(y, {x: v}) for v in (-3, 3, 30)] == [-1, 1, 99]


def test_case_without_default_checks_some_predicate_holds():
    x = tf.placeholder(tf.int32, [])
    y = tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))])
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {x: 5}) == 1
        assert sess.run(y, {x: -5}) == -1
        with pytest.raises(errors.InvalidArgumentError, match=r"None of conditions evaluated as True:\] \[0 0\]"):
            sess.run(y, {x: 0})


def test_case_exclusive():
    x = tf.placeholder(tf.int32, [])
    y = tf.case([(x > -10, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
                default=lambda: tf.constant(0), exclusive=True)
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {x: -5}) == -1
        assert sess.run(y, {x: -50}) == 0
        with pytest.raises(errors.InvalidArgumentError, match="exclusive=True: more than 1 conditions"):
            sess.run(y, {x: 5})


def test_case_dict_and_errors():
    x = tf.placeholder(tf.int32, [])
    a = tf.less(x, 0, name="a_neg")
    b = tf.greater_equal(x, 0, name="b_pos")
    y = tf.case({b: lambda: tf.constant(2), a: lambda: tf.constant(1)}, default=lambda: tf.constant(0),
                exclusive=True)
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {x: -1}) == 1
        assert sess.run(y, {x: 1}) == 2
    with pytest.raises(TypeError, match="2-tuple"):
        tf.case([a], default=lambda: 1)
    with pytest.raises(TypeError, match="must be a Tensor"):
        tf.case([(True, lambda: 1)], default=lambda: 1)


def test_switch_case():
    i = tf.placeholder(tf.int32, [])
    y = tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(11), lambda: tf.constant(12)])
    z = tf.switch_case(i, {0: lambda: tf.constant(0.5), 3: lambda: tf.constant(3.5)}, default=lambda: tf.constant(-1.0))
    with tf.Session(backend="reference") as sess:
        assert [sess.run(y, {i: k}) for k in (0, 1, 2, 7)] == [10, 11, 12, 12]
        assert [sess.run(z, {i: k}) for k in (0, 3, 1)] == [0.5, 3.5, -1.0]


# --- while_loop ----------------------------------------------------------------------------

def test_while_loop_sum():
    i, total = tf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i), (0, 0))
    assert i.op.name == "while/Exit" and i.op.inputs[0].op.type == "While"  # TF1's name for the result
    assert run([i, total]) == [10, 45]


def test_while_loop_single_var_and_return_structure():
    r = tf.while_loop(lambda i: i < 5, lambda i: i + 2, [tf.constant(0)])
    assert isinstance(r, tf.Tensor)
    r2 = tf.while_loop(lambda i: i < 5, lambda i: i + 2, tf.constant(0))
    r3 = tf.while_loop(lambda i: i < 5, lambda i: [i + 2], [tf.constant(0)], return_same_structure=True)
    assert isinstance(r3, list)
    out = tf.while_loop(lambda i, j: i < 3, lambda i, j: [i + 1, j * 2], (0, 1))
    assert isinstance(out, list)  # packed like the body's result, as TF1
    assert run([r, r2, r3[0], out]) == [6, 6, 6, [3, 8]]


def test_while_loop_zero_iterations_and_namedtuple():
    state = collections.namedtuple("state", "step value")
    out = tf.while_loop(lambda s: s.step < 0, lambda s: [state(s.step + 1, s.value * 2.0)],
                        [state(tf.constant(0), tf.constant(1.5))])
    assert isinstance(out, list) and len(out) == 1  # two loop tensors: packed like the body result (TF1)
    out = out[0]
    assert isinstance(out, state)
    assert tuple(run(out)) == (0, 1.5)


def test_while_loop_captures_and_feeds():
    n = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float32, [3])
    _, acc = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a + x), (0, tf.zeros([3])))
    with tf.Session(backend="reference") as sess:
        np.testing.assert_allclose(sess.run(acc, {n: 4, x: [1, 2, 3]}), [4, 8, 12])
        np.testing.assert_allclose(sess.run(acc, {n: 0, x: [1, 2, 3]}), [0, 0, 0])


def test_nested_while_loop():
    def outer_body(i, total):
        def inner_body(j, t):
            return j + 1, t + i * j

        _, t = tf.while_loop(lambda j, t: j < 4, inner_body, (0, total))
        return i + 1, t

    _, total = tf.while_loop(lambda i, t: i < 3, outer_body, (0, 0))
    assert run(total) == sum(i * j for i in range(3) for j in range(4))


def test_while_loop_in_cond_and_cond_in_while():
    n = tf.placeholder(tf.int32, [])

    def collatz_steps():
        def body(k, steps):
            k = tf.cond(tf.equal(k % 2, 0), lambda: k // 2, lambda: 3 * k + 1)
            return k, steps + 1

        return tf.while_loop(lambda k, s: k > 1, body, (n, 0))[1]

    y = tf.cond(n > 0, collatz_steps, lambda: tf.constant(-1))
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {n: 6}) == 8
        assert sess.run(y, {n: 27}) == 111
        assert sess.run(y, {n: -2}) == -1


def test_while_loop_shape_invariants():
    x0 = tf.constant([1])
    with pytest.raises(ValueError, match="enters the loop with shape \\(1,\\), but has shape \\(2,\\)"):
        tf.while_loop(lambda x: tf.size(x) < 10, lambda x: tf.concat([x, x], 0), [x0])
    grown = tf.while_loop(lambda x: tf.size(x) < 10, lambda x: tf.concat([x, x + tf.size(x)], 0), [x0],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    np.testing.assert_array_equal(run(grown), np.arange(1, 17))
    with pytest.raises(ValueError, match="not compatible with the initial shape"):
        tf.while_loop(lambda x: True, lambda x: x, [x0], shape_invariants=[tf.TensorShape([3])])
    with pytest.raises(TypeError, match="should remain constant"):
        tf.while_loop(lambda x: True, lambda x: tf.cast(x, tf.float32), [x0])


def test_while_loop_maximum_iterations():
    r = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=7)
    m = tf.placeholder(tf.int32, [])
    r2 = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=m)
    r3 = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0], maximum_iterations=m)
    assert r.op.inputs[0].op.get_attr("maximum_iterations") == 7
    with tf.Session(backend="reference") as sess:
        assert sess.run(r) == 7
        assert sess.run(r2, {m: 12}) == 12
        assert sess.run(r3, {m: 12}) == 3
        assert sess.run(r2, {m: 0}) == 0


def test_while_loop_side_effects_each_iteration(capsys):
    v = tf.Variable(0)

    def body(i):
        with tf.control_dependencies([tf.assign_add(v, i)]):
            return tf.Print(i, [i, v.read_value()], message="step ") + 1

    r = tf.while_loop(lambda i: i < 4, body, [0])
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(r) == 4
        assert sess.run(v) == 0 + 1 + 2 + 3
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("step ")] == [
        "step [0][0]", "step [1][1]", "step [2][3]", "step [3][6]"]


def test_while_loop_build_errors():
    with pytest.raises(TypeError, match="cond must be callable"):
        tf.while_loop(1, lambda i: i, [0])
    with pytest.raises(ValueError, match="No loop variables"):
        tf.while_loop(lambda: True, lambda: 1, [])
    with pytest.raises(ValueError, match="same nested structure"):
        tf.while_loop(lambda i, j: i < 2, lambda i, j: i + 1, [0, 1])


def test_while_loop_error_in_body_names_the_node():
    x = tf.placeholder(tf.float32, [])
    line = test_while_loop_error_in_body_names_the_node.__code__.co_firstlineno + 4
    r = tf.while_loop(lambda i, y: i < 3,
                      lambda i, y: (i + 1, tf.check_numerics(y - 1.0, "went below") * tf.sqrt(y)), (0, x))
    with tf.Session(backend="reference") as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(r, {x: 0.5})
    assert "went below : Tensor had NaN values" in str(info.value)
    assert "while/CheckNumerics" in str(info.value)
    assert f"test_control_flow.py:{line}" in str(info.value)


# --- group, tuple, no_op -------------------------------------------------------------------

def test_group_no_op_tuple():
    v = tf.Variable(0)
    a = tf.assign_add(v, 1)
    b = tf.assign_add(v, 10)
    g = tf.group(a, [b], name="both")
    assert g.type == "NoOp" and g.name == "both"
    assert {c.name for c in g.control_inputs} == {a.op.name, b.op.name}
    assert tf.group().type == "NoOp"
    assert tf.no_op(name="nothing").name == "nothing"
    x = tf.constant(1.0)
    t = tf.tuple([x, a])
    assert all(o.op.type == "Identity" for o in t)
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(g)
        assert sess.run(v) == 11
        sess.run(t[0])  # gated on both tensors of the tuple: a runs too
        assert sess.run(v) == 12


# --- gradients ------------------------------------------------------------------------------

def numeric_grad(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_grad(y, x, feed, value, extra_feed=None, rtol=1e-6, atol=1e-8):
    (g,) = tf.gradients(y, [x])
    assert g is not None
    with tf.Session(backend="reference") as sess:
        def f(v):
            return float(np.sum(sess.run(y, {**feed, x: v, **(extra_feed or {})})))

        got = sess.run(g, {**feed, x: value, **(extra_feed or {})})
        np.testing.assert_allclose(got, numeric_grad(f, value), rtol=rtol, atol=atol)


def test_cond_gradient():
    x = tf.placeholder(tf.float64, [3])
    w = tf.placeholder(tf.float64, [3])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.reduce_sum(tf.sin(x) * w), lambda: tf.reduce_sum(x * x * x))
    xv = np.array([0.3, -1.2, 2.0])
    wv = np.array([1.5, 0.5, -2.0])
    check_grad(y, x, {p: True, w: wv}, xv)
    check_grad(y, x, {p: False, w: wv}, xv)
    check_grad(y, w, {p: True, x: xv}, wv)
    (gw,) = tf.gradients(y, [w])
    np.testing.assert_array_equal(run(gw, {p: False, x: xv, w: wv}), [0, 0, 0])


def test_nested_cond_gradient():
    x = tf.placeholder(tf.float64, [])
    p = tf.placeholder(tf.bool, [])
    q = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.cond(q, lambda: tf.exp(x) * x, lambda: x * x * 3.0), lambda: tf.tanh(x))
    for pv in (True, False):
        for qv in (True, False):
            check_grad(y, x, {p: pv, q: qv}, np.array(0.7))


def test_cond_gradient_reuses_random_values_of_the_forward_pass():
    x = tf.placeholder(tf.float64, [50])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: x * tf.cast(tf.random_uniform([50]) < 0.5, tf.float64) * 2.0, lambda: x)
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    xv = np.linspace(1.0, 2.0, 50)
    with tf.Session(backend="reference") as sess:
        yv, gv = sess.run([y, g], {x: xv, p: True})
        np.testing.assert_allclose(gv, yv / xv)  # the same mask in the forward and the backward pass
        np.testing.assert_allclose(sess.run(g, {x: xv, p: False}), np.ones(50))


def test_while_gradient_fixed_trip_count():
    x = tf.placeholder(tf.float64, [])
    w = tf.placeholder(tf.float64, [])

    def body(i, h):
        return i + 1, tf.tanh(w * h + x)

    _, h = tf.while_loop(lambda i, h: i < 5, body, (0, x))
    check_grad(h, x, {w: 0.8}, np.array(0.3))
    check_grad(h, w, {x: 0.3}, np.array(0.8))


def test_while_gradient_dynamic_trip_count_and_vectors():
    x = tf.placeholder(tf.float64, [2])
    n = tf.placeholder(tf.int32, [])
    m = tf.constant([[0.9, -0.2], [0.3, 0.5]], dtype=tf.float64)

    def body(i, h, s):
        h2 = tf.sin(tf.reshape(tf.matmul(tf.reshape(h, [1, 2]), m), [2])) + x
        return i + 1, h2, s + tf.reduce_sum(h2 * h2)

    _, h, s = tf.while_loop(lambda i, h, s: i < n, body, (0, x, tf.constant(0.0, tf.float64)))
    for steps in (0, 1, 4):
        check_grad(tf.reduce_sum(h) + s, x, {n: steps}, np.array([0.2, -0.4]))


def test_while_gradient_maximum_iterations_and_nested():
    x = tf.placeholder(tf.float64, [])

    def outer(i, a):
        _, b = tf.while_loop(lambda j, b: j < 2, lambda j, b: (j + 1, b * x + 0.5), (0, a))
        return i + 1, b

    _, y = tf.while_loop(lambda i, a: i < 100, outer, (0, x), maximum_iterations=3)
    check_grad(y, x, {}, np.array(0.7))


def test_while_gradient_with_cond_inside():
    x = tf.placeholder(tf.float64, [])

    def body(i, a):
        a = tf.cond(tf.equal(i % 2, 0), lambda: a * a, lambda: tf.sin(a) + x)
        return i + 1, a

    _, y = tf.while_loop(lambda i, a: i < 4, body, (0, x))
    check_grad(y, x, {}, np.array(0.9))


def test_while_gradient_wrt_variable_used_in_body():
    w = tf.Variable(np.array([0.5, -0.3]), name="w")

    def body(i, h):
        return i + 1, tf.tanh(h * w + 0.1)

    _, h = tf.while_loop(lambda i, h: i < 3, body, (0, tf.constant([1.0, 2.0], tf.float64)))
    loss = tf.reduce_sum(h * h)
    (g,) = tf.gradients(loss, [w])
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(g)

        def f(wv):
            w.load(wv, sess)
            return float(sess.run(loss))

        np.testing.assert_allclose(got, numeric_grad(f, np.array([0.5, -0.3])), rtol=1e-6)


def test_while_back_prop_false_has_no_gradient():
    x = tf.placeholder(tf.float64, [])
    _, y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2.0), (0, x), back_prop=False)
    assert tf.gradients(y, [x]) == [None]


def test_while_gradient_reuses_random_values_of_the_forward_pass():
    x = tf.placeholder(tf.float64, [20])
    _, y = tf.while_loop(lambda i, a: i < 4,
                         lambda i, a: (i + 1, a * tf.random_uniform([20], 0.5, 1.5, dtype=tf.float64)), (0, x))
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    xv = np.linspace(1.0, 2.0, 20)
    with tf.Session(backend="reference") as sess:
        yv, gv = sess.run([y, g], {x: xv})
        np.testing.assert_allclose(gv, yv / xv)


def test_gradient_of_while_inside_cond_and_repeated_gradients():
    x = tf.placeholder(tf.float64, [])
    p = tf.placeholder(tf.bool, [])

    def looped():
        return tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.sin(a) * x), (0, x))[1]

    y = tf.cond(p, looped, lambda: x * x)
    check_grad(y, x, {p: True}, np.array(0.8))
    check_grad(y, x, {p: False}, np.array(0.8))
    (g1,) = tf.gradients(y, [x])
    (g2,) = tf.gradients(y * 2.0, [x])
    a, b = run([g1, g2], {x: 0.8, p: True})
    np.testing.assert_allclose(b, 2 * a)


def test_get_variable_inside_a_loop_body_is_created_once_outside():
    def body(i, h):
        with tf.variable_scope("cell", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [2], dtype=tf.float64, initializer=tf.constant_initializer(0.5))
        return i + 1, h * w + 1.0

    with tf.variable_scope("rnn"):
        _, h = tf.while_loop(lambda i, h: i < 3, body, (0, tf.constant([1.0, 2.0], tf.float64)))
    variables = tf.global_variables()
    assert [v.name for v in variables] == ["rnn/cell/w:0"]
    assert variables[0].graph is tf.get_default_graph()
    (g,) = tf.gradients(tf.reduce_sum(h), variables)
    with tf.Session(backend="reference") as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(h), [1.0 * 0.125 + 0.25 + 0.5 + 1.0, 2.0 * 0.125 + 1.75])
        # h3 = h0 w^3 + w^2 + w + 1 -> dh3/dw = 3 h0 w^2 + 2 w + 1
        np.testing.assert_allclose(sess.run(g), [3 * 1.0 * 0.25 + 2.0, 3 * 2.0 * 0.25 + 2.0])


def test_second_order_gradients_of_cond_and_while():
    x = tf.placeholder(tf.float64, [])
    p = tf.placeholder(tf.bool, [])
    yc = tf.cond(p, lambda: tf.sin(x) * x * x, lambda: x * x * x)
    _, yw = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.sin(a) * x), (0, x))
    with tf.Session(backend="reference") as sess:
        for y, feed in [(yc, {p: True}), (yc, {p: False}), (yw, {})]:
            (g,) = tf.gradients(y, [x])
            (h,) = tf.gradients(g, [x])

            def first(v):
                return float(sess.run(g, {x: v, **feed}))

            np.testing.assert_allclose(sess.run(h, {x: 0.7, **feed}), numeric_grad(first, np.array(0.7)), rtol=1e-6)


def test_outer_tensors_by_name_inside_a_branch():
    tf.constant(4.0, name="four")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.get_default_graph().get_tensor_by_name("four:0") * 2.0, lambda: tf.constant(0.0))
    assert run(y, {p: True}) == 8.0


@pytest.mark.tf
@pytest.mark.slow
def test_against_tensorflow():
    real = pytest.importorskip("tensorflow").compat.v1
    xv = np.array([0.3, -0.8, 1.1])
    wv = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6], [-0.4, 0.2, 0.9]])

    def build(lib):
        x = lib.placeholder(lib.float64, [3])
        w = lib.constant(wv)
        n = lib.placeholder(lib.int32, [])

        def body(i, h, s):
            h2 = lib.tanh(lib.reshape(lib.matmul(lib.reshape(h, [1, 3]), w), [3]) + x)
            h2 = lib.cond(lib.equal(i % 2, 0), lambda: h2 * 2.0, lambda: lib.sin(h2))
            return i + 1, h2, s + lib.reduce_sum(h2)

        _, h, s = lib.while_loop(lambda i, h, s: i < n, body, (0, x, lib.constant(0.0, lib.float64)))
        y = lib.reduce_sum(h * h) + s
        return x, n, [y] + lib.gradients(y, [x])

    g = real.Graph()
    with g.as_default():
        x, n, fetches = build(real)
        with real.Session(graph=g) as sess:
            want = [sess.run(fetches, {x: xv, n: k}) for k in (0, 1, 5)]
    x, n, fetches = build(tf)
    with tf.Session(backend="reference") as sess:
        got = [sess.run(fetches, {x: xv, n: k}) for k in (0, 1, 5)]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-10)
