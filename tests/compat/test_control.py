"""Control flow, state and side effects under flowjit and real TensorFlow: cond, while_loop, case,
control_dependencies, assign ops, collections, Print output, and run-time errors."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from .harness import MARKS, P, check, flowjit_backends, run_flowjit, tf_outcome  # noqa: E402

pytestmark = MARKS


def conds(tf):
    x = tf.placeholder(tf.float32, [])
    p = tf.placeholder(tf.bool, [])
    a = tf.cond(x > 0, lambda: x * 2.0, lambda: x - 1.0)
    b = tf.cond(p, lambda: (x, x + 1.0), lambda: (-x, x - 1.0))
    c = tf.cond(tf.less(x, 10.0), lambda: tf.constant([1, 2]), lambda: tf.constant([3, 4]))
    d = tf.cond(p, lambda: {"v": x}, lambda: {"v": x * 0.0})
    nested = tf.cond(p, lambda: tf.cond(x > 1.0, lambda: x, lambda: -x), lambda: x * 10.0)
    y = tf.placeholder(tf.float32, [None])
    e = tf.cond(p, lambda: y, lambda: tf.zeros([3]))  # shape None vs 3: merged to [None]

    def run(sess):
        out = []
        for xv, pv in [(3.0, True), (-2.0, False), (0.5, True)]:
            out.append(sess.run([a, b, c, d, nested], {x: xv, p: pv}))
        out.append(sess.run(e, {p: False, y: [1.0]}))
        out.append(sess.run(e, {p: True, y: [1.0, 2.0]}))
        return out

    return P(run=run, static=[t.get_shape() for t in (a, b[0], c, d["v"], nested, e)] + [a.dtype, c.dtype])


def test_cond():
    check(conds)


def cond_side_effects(tf):
    """Only the taken branch's assignments run."""
    v = tf.Variable(0)
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.assign_add(v, 1), lambda: tf.assign_add(v, 10))

    def run(sess):
        return [sess.run(r, {p: True}), sess.run(r, {p: False}), sess.run(r, {p: True}), sess.run(v)]

    return P(run=run)


def test_cond_side_effects():
    check(cond_side_effects)


def while_loops(tf):
    n = tf.placeholder(tf.int32, [])
    i0 = tf.constant(0)
    s0 = tf.constant(0.0)
    i, s = tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + tf.cast(i, tf.float32)), [i0, s0])
    # a growing shape with shape_invariants
    acc = tf.while_loop(lambda k, a: k < 4, lambda k, a: (k + 1, tf.concat([a, [k]], 0)),
                        [tf.constant(0), tf.constant([], tf.int32)],
                        shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])[1]
    fib = tf.while_loop(lambda k, a, b: k < 10, lambda k, a, b: (k + 1, b, a + b), (0, 0, 1))[1]
    single = tf.while_loop(lambda x: x < 100, lambda x: x * 2, [tf.constant(1)])
    m = tf.while_loop(lambda x: tf.reduce_sum(x) < 50.0, lambda x: x * 1.5, [tf.ones([2, 2])])
    nested = tf.while_loop(lambda a, t: a < 3,
                           lambda a, t: (a + 1, t + tf.while_loop(lambda b, u: b < a, lambda b, u: (b + 1, u + 1),
                                                                  [0, 0])[1]), [0, 0])[1]
    return P(fetch=[i, s, acc, fib, single, m, nested], feed={n: 5},
             static=[i.get_shape(), acc.get_shape(), m.get_shape(), single.get_shape()])


def test_while_loop():
    check(while_loops)


def while_with_variable_update(tf):
    v = tf.Variable(1.0)
    x = tf.placeholder(tf.float32, [])

    def body(k, acc):
        return k + 1, acc * x + v

    k, acc = tf.while_loop(lambda k, acc: k < 3, body, [0, tf.constant(0.0)])
    upd = tf.assign(v, acc)

    def run(sess):
        return [sess.run([k, acc], {x: 2.0}), sess.run(upd, {x: 2.0}), sess.run(acc, {x: 0.5})]

    return P(run=run)


def test_while_loop_with_variables():
    check(while_with_variable_update)


def cases(tf):
    x = tf.placeholder(tf.int32, [])
    c1 = tf.case([(tf.equal(x, 1), lambda: tf.constant(10)), (tf.equal(x, 2), lambda: tf.constant(20))],
                 default=lambda: tf.constant(-1))
    c2 = tf.case({tf.less(x, 0): lambda: tf.constant(-1.0), tf.greater(x, 5): lambda: tf.constant(1.0)},
                 default=lambda: tf.constant(0.0), exclusive=True)
    c3 = tf.case([(x > 0, lambda: tf.constant(1)), (x > 1, lambda: tf.constant(2))], default=lambda: tf.constant(0))

    def run(sess):
        return [sess.run([c1, c2, c3], {x: v}) for v in (-3, 1, 2, 7)]

    return P(run=run)


def test_case():
    check(cases)


def case_exclusive_violation(tf):
    x = tf.constant(3)
    return tf.case([(x > 0, lambda: tf.constant(1)), (x > 1, lambda: tf.constant(2))], default=lambda: tf.constant(0),
                   exclusive=True)


def test_case_exclusive_violation_is_run_time_error():
    check(case_exclusive_violation, expect="run")


def assign_ops(tf):
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    w = tf.Variable(10, name="w")
    a1 = tf.assign(v, [4.0, 5.0, 6.0])
    a2 = v.assign_add([1.0, 1.0, 1.0])
    a3 = tf.assign_sub(v, [0.5, 0.5, 0.5])
    a4 = tf.assign_add(w, 5)
    a5 = w.assign(w * 2)
    a6 = tf.scatter_update(v, [0, 2], [9.0, 8.0])
    a7 = tf.scatter_add(v, [1, 1], [1.0, 2.0])
    a8 = tf.scatter_sub(v, [2], [1.0])
    a9 = v.assign_sub([1.0, 1.0, 1.0], read_value=True)

    def run(sess):
        out = [sess.run(a1), sess.run(a2), sess.run(a3), sess.run(v), sess.run(a4), sess.run(a5), sess.run(a5),
               sess.run(a6), sess.run(a7), sess.run(a8), sess.run(a9)]
        v.load([0.0, 0.0, 1.0], sess)
        out.append(sess.run(v))
        return out

    return P(run=run, static=[a1, a2, a3, a4, a5, a6, a7, a8, a9, v, w])


def test_assign_ops():
    check(assign_ops)


def control_deps(tf):
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = tf.identity(v)
        c = tf.constant(5.0)  # a constant under control deps still waits for inc
        x = v + 0.0
    with tf.control_dependencies(None):
        free = tf.identity(v)
    g = tf.group(inc, tf.assign_add(v, 100.0))
    t = tf.tuple([tf.identity(v), tf.constant(1.0)], control_inputs=[inc])
    w = tf.Variable(1.0)
    upd = tf.assign(w, 2.0)
    with tf.control_dependencies([upd]):
        dep = tf.constant(3.0)
    np_op = tf.no_op()

    def run(sess):
        return [sess.run(read), sess.run(c), sess.run(v), sess.run(x), sess.run(free), sess.run(g), sess.run(v),
                sess.run(t), sess.run(v), sess.run(dep), sess.run(w), sess.run(np_op),
                [op.name for op in read.op.control_inputs], [op.name for op in c.op.control_inputs]]

    return P(run=run, static=[read, c, x, free, g, np_op, t, dep])


def test_control_dependencies():
    check(control_deps)


def collections_prog(tf):
    v1 = tf.Variable(1.0, name="a")
    v2 = tf.Variable(2.0, name="b", trainable=False)
    v3 = tf.get_variable("c", [2], collections=[tf.GraphKeys.LOCAL_VARIABLES])
    with tf.variable_scope("s"):
        v4 = tf.get_variable("d", [1])
    tf.add_to_collection("mine", v1)
    tf.add_to_collection("mine", tf.constant(3.0, name="k"))
    tf.add_to_collections(["x", "y"], v2)
    ref = tf.get_collection_ref("mine")
    ref.append(tf.constant(4.0, name="k2"))
    gs = tf.train.get_or_create_global_step()
    loss = tf.losses.mean_squared_error(tf.ones([2]), tf.zeros([2]))
    names = lambda xs: [x.name for x in xs]  # noqa: E731
    return P(static=[names(tf.global_variables()), names(tf.trainable_variables()), names(tf.local_variables()),
                     names(tf.get_collection("mine")), names(tf.get_collection("x")), names(tf.get_collection("y")),
                     names(tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="s")),
                     names(tf.trainable_variables("s")), names(tf.global_variables(scope="a")),
                     names(tf.get_collection(tf.GraphKeys.GLOBAL_STEP)), names(tf.losses.get_losses()),
                     names(tf.get_collection(tf.GraphKeys.LOSSES)), gs, tf.train.get_global_step(),
                     names(tf.model_variables()), v3.name, v4.name],
             run=lambda sess: sess.run([loss, gs, tf.report_uninitialized_variables()]))


def test_collections():
    check(collections_prog)


def initializers_and_state(tf):
    v = tf.Variable([1, 2])
    w = tf.Variable(v.initialized_value() * 2)
    u = tf.Variable(tf.zeros([2]), name="u")
    init_u = tf.variables_initializer([u])
    check_init = tf.is_variable_initialized(v)
    uninit = tf.report_uninitialized_variables()

    def run(sess):
        out = [sess.run(check_init), sess.run(uninit)]
        sess.run(init_u)
        out.append(sess.run(uninit))
        sess.run(tf.global_variables_initializer())
        out += [sess.run([v, w, u]), sess.run(uninit), sess.run(check_init)]
        return out

    return P(run=run, init=False)


def test_initializers_and_state():
    check(initializers_and_state)


# --- Print -------------------------------------------------------------------------------

def prints(tf):
    x = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    i = tf.constant([[1, 2], [3, 4]])
    p1 = tf.Print(x, [x], "x is: ")
    p2 = tf.Print(x, [x, i], summarize=10)
    p3 = tf.Print(i, [i, tf.constant(True), tf.constant(2.5)], message="many ")
    p4 = tf.Print(x, [x], "first_n ", first_n=2)
    y = p1 * 2.0  # printing happens when something needs p1

    def run(sess):
        out = [sess.run(y), sess.run(p2), sess.run(p3)]
        for _ in range(3):
            out.append(sess.run(p4))
        return out

    return P(run=run, capture=True, static=[p1, p2, p3, p4])


def test_print_output():
    check(prints)


def prints_v2(tf):
    import sys

    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    f = tf.constant([0.5, 1.25])
    ops = [tf.print("hello", x, output_stream=sys.stderr), tf.print(f, summarize=1, output_stream=sys.stderr),
           tf.print("a", "b", sep="-", end="!\n", output_stream=sys.stderr),
           tf.print({"k": f}, output_stream=sys.stderr), tf.print(tf.range(20), output_stream=sys.stderr)]

    def run(sess):
        for op in ops:
            sess.run(op)
        return None

    return P(run=run, capture=True)


def test_tf_print_output():
    check(prints_v2)


# --- run-time errors ----------------------------------------------------------------------

def unfed_placeholder(tf):
    x = tf.placeholder(tf.float32, [None], name="x")
    return x * 2.0


def uninitialized_variable(tf):
    v = tf.Variable(1.0, name="v")
    return P(fetch=v * 2.0, init=False)


def bad_reshape_at_run(tf):
    x = tf.placeholder(tf.float32, [None])
    return tf.reshape(x, [2, 2]), {x: [1.0, 2.0, 3.0]}


def gather_out_of_range(tf):
    i = tf.placeholder(tf.int32, [None])
    return tf.gather(tf.constant([1.0, 2.0]), i), {i: [0, 5]}


def matmul_mismatch_at_run(tf):
    a = tf.placeholder(tf.float32, [None, None])
    return tf.matmul(a, a), {a: np.ones((2, 3))}


def add_mismatch_at_run(tf):
    a = tf.placeholder(tf.float32, [None])
    b = tf.placeholder(tf.float32, [None])
    return a + b, {a: [1.0, 2.0], b: [1.0, 2.0, 3.0]}


def assert_fails(tf):
    x = tf.placeholder(tf.float32, [None])
    with tf.control_dependencies([tf.assert_positive(x)]):
        y = tf.identity(x)
    return y, {x: [1.0, -1.0]}


def tf_assert_fails(tf):
    x = tf.placeholder(tf.int32, [])
    a = tf.Assert(x > 0, [x, "bad"])
    with tf.control_dependencies([a]):
        y = x + 1
    return y, {x: -3}


def check_numerics_fails(tf):
    x = tf.placeholder(tf.float32, [None])
    return tf.check_numerics(tf.log(x), "log of x"), {x: [1.0, 0.0]}


def feed_conversions(tf):
    """Feeds are converted as TF converts them, np.asarray(value, dtype): whole floats into ints,
    numbers become bools, numeric strings become numbers, bytes and str both feed strings.
    (Floats that are not whole numbers are refused by flowjit where TF truncates; see
    tests/frontend/test_session.py::test_feed_errors_are_clear.)"""
    i = tf.placeholder(tf.int32, [None])
    b = tf.placeholder(tf.bool, [None])
    f = tf.placeholder(tf.float32, [])
    s = tf.placeholder(tf.string, [None])
    h = tf.placeholder(tf.float16, [2])
    return P(fetch=[i + 1, b, f * 2.0, s, tf.equal(s, "a"), h],
             feed={i: [1.0, -2.0], b: [0, 3], f: "2.5", s: [b"a", "b"], h: np.array([1.0, 1e5])})


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")  # 1e5 fed as float16: inf
def test_feed_conversions():
    check(feed_conversions)


def feed_int_too_big(tf):
    x = tf.placeholder(tf.int32, [])
    return x + 1, {x: 2 ** 40}


def feed_bad_string(tf):
    x = tf.placeholder(tf.float32, [])
    return x + 1, {x: "abc"}


def fetch_bad_name(tf):
    tf.constant(1.0)
    return "nothere:0"


def feed_unfeedable_or_wrong_graph(tf):
    x = tf.placeholder(tf.float32, [])
    return x * 2.0, {"x_missing:0": 1.0}


def slice_out_of_range(tf):
    x = tf.placeholder(tf.float32, [None])
    return tf.slice(x, [1], [5]), {x: [1.0, 2.0]}


def split_uneven_at_run(tf):
    x = tf.placeholder(tf.float32, [None])
    return tf.split(x, 2), {x: [1.0, 2.0, 3.0]}


def one_hot_negative_depth(tf):
    d = tf.placeholder(tf.int32, [])
    return tf.one_hot([1], d), {d: -1}


RUN_ERRORS = [unfed_placeholder, uninitialized_variable, bad_reshape_at_run, gather_out_of_range,
              matmul_mismatch_at_run, add_mismatch_at_run, check_numerics_fails, slice_out_of_range,
              split_uneven_at_run, one_hot_negative_depth, assert_fails, tf_assert_fails]


@pytest.mark.parametrize("prog", RUN_ERRORS, ids=[p.__name__ for p in RUN_ERRORS])
def test_run_time_errors(prog):
    check(prog, expect="run")


@pytest.mark.parametrize("prog", [feed_int_too_big, feed_bad_string, fetch_bad_name, feed_unfeedable_or_wrong_graph])
def test_session_argument_errors(prog):
    check(prog, expect="run")


def build_cond_branch_mismatch(tf):
    p = tf.placeholder(tf.bool, [])
    return tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))


def build_cond_structure_mismatch(tf):
    p = tf.placeholder(tf.bool, [])
    return tf.cond(p, lambda: (tf.constant(1), tf.constant(2)), lambda: tf.constant(1))


def build_while_shape_change(tf):
    return tf.while_loop(lambda a: tf.size(a) < 5, lambda a: tf.concat([a, a], 0), [tf.constant([1])])


def build_while_dtype_change(tf):
    return tf.while_loop(lambda a: a < 5, lambda a: tf.cast(a, tf.float32), [tf.constant(1)])


def build_tensor_as_bool(tf):
    x = tf.constant(1.0)
    if x:
        return x
    return x


def build_fetch_none(tf):
    tf.constant(1.0)
    return [None]


def build_placeholder_bad_dtype(tf):
    return tf.placeholder("notatype")


def build_variable_no_shape(tf):
    return tf.Variable(tf.placeholder(tf.float32, [None]))


def build_graph_mixing(tf):
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
    return a + tf.constant(2.0)


def build_iterate_unknown(tf):
    x = tf.placeholder(tf.float32, [None])
    return [t for t in x]


BUILD_ERRORS = [build_cond_branch_mismatch, build_cond_structure_mismatch, build_while_shape_change,
                build_tensor_as_bool, build_placeholder_bad_dtype, build_variable_no_shape,
                build_graph_mixing, build_iterate_unknown]


@pytest.mark.parametrize("prog", BUILD_ERRORS, ids=[p.__name__ for p in BUILD_ERRORS])
def test_build_time_errors(prog):
    check(prog, expect="build")


def test_while_dtype_change_is_caught_while_building():
    """A deliberate difference: TF1 builds the loop and fails when it runs it (its Merge gets a
    float from NextIteration); flowjit refuses it while building, with TF 2's TypeError."""
    assert tf_outcome(build_while_dtype_change).phase == "run"
    for backend in flowjit_backends():
        got = run_flowjit(build_while_dtype_change, backend)
        assert got.phase == "build" and isinstance(got.error, TypeError), got.error


def test_fetch_none_is_an_error():
    check(build_fetch_none, expect="run")


def session_api(tf):
    x = tf.placeholder(tf.float32, [2], name="x")
    v = tf.Variable([1.0, 2.0], name="v")
    y = v * x
    upd = tf.assign_add(v, [1.0, 1.0])

    def run(sess):
        with sess.as_default():
            out = [tf.get_default_session() is sess, y.eval(feed_dict={x: [1.0, 1.0]}), v.eval()]
            upd.op.run()
            out.append(v.eval(session=sess))
            out.append(tf.get_default_graph() is sess.graph)
            out.append(sess.run({"y": y, "pair": (v, [x])}, {x: [2.0, 3.0]}))
            out.append(sess.run(y, feed_dict={"x:0": np.array([1.0, 0.5])}))
        out.append(tf.get_default_session() is None)
        return out

    return P(run=run, static=[y.graph is tf.get_default_graph(), x.op.type, v.op.type, y.op.type, upd.op.type])


def test_session_api():
    check(session_api)
