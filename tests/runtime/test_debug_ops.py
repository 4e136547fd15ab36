"""Print, tf.print, Assert, the check ops and check_numerics (reference backend)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors
from flowjit.ir.ops.control import summarize


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield


def run(fetches, feed_dict=None):
    with tf.Session(backend="reference") as sess:
        return sess.run(fetches, feed_dict)


def this_line() -> int:
    return sys._getframe(1).f_lineno


# --- summaries ------------------------------------------------------------------------------

def test_summarize_like_tf():
    assert summarize(np.array([1, 2, 3, 4])) == "1 2 3..."
    assert summarize(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)) == "[1 2][3...]..."
    assert summarize(np.arange(24).reshape(2, 3, 4), 5) == "[[0 1 2 3][4...]]..."
    assert summarize(np.array(5)) == "5"
    assert summarize(np.array([True, False])) == "1 0"
    assert summarize(np.array([1 / 3, 0.1, 1e10, np.nan, np.inf], np.float32), 10) == "0.333333343 0.1 1e+10 nan inf"
    assert summarize(np.array([1 / 3, 0.1]), 3) == "0.33333333333333331 0.1"
    assert summarize(np.array("hello", dtype=object)) == "hello"
    assert summarize(np.zeros([0])) == ""
    assert summarize(np.arange(10), 3, print_v2=True) == "[0 1 2 ... 7 8 9]"
    assert summarize(np.arange(24).reshape(2, 3, 4), 3, print_v2=True) == (
        "[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]")
    assert summarize(np.array([[1, 2], [3, 4]]), 3, print_v2=True) == "[[1 2]\n [3 4]]"
    assert summarize(np.array("s", dtype=object), 3, print_v2=True) == '"s"'


# --- tf.Print --------------------------------------------------------------------------------

def test_print_writes_message_and_values(capsys):
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    y = tf.Print(x, [x, tf.constant(7), tf.constant("text")], message="values: ")
    assert y.op.type == "Print" and y.shape == x.shape
    np.testing.assert_array_equal(run(y * 2.0), [2.0, 4.0, 6.0, 8.0])
    assert capsys.readouterr().err == "values: [1 2 3...][7][text]\n"


def test_print_summarize_and_first_n(capsys):
    x = tf.placeholder(tf.int32, [None])
    y = tf.Print(x, [x], message="x=", summarize=5, first_n=2)
    with tf.Session(backend="reference") as sess:
        for k in range(4):
            sess.run(y, {x: np.arange(k, k + 7)})
    assert capsys.readouterr().err.splitlines() == ["x=[0 1 2 3 4...]", "x=[1 2 3 4 5...]"]


def test_print_runs_only_when_needed(capsys):
    x = tf.constant(1.0)
    tf.Print(x, [x], message="never")
    run(x + 1.0)
    assert "never" not in capsys.readouterr().err


def test_print_gradient_passes_through():
    x = tf.placeholder(tf.float64, [2])
    y = tf.reduce_sum(tf.Print(x, [x]) * 3.0)
    (g,) = tf.gradients(y, [x])
    np.testing.assert_array_equal(run(g, {x: [1.0, 2.0]}), [3.0, 3.0])


# --- tf.print --------------------------------------------------------------------------------

def test_tf_print_stdout_and_formatting(capsys):
    a = tf.constant([[1, 2], [3, 4]])
    op = tf.print("x:", a, tf.range(10), {"k": tf.constant(1.5)}, [1, 2], output_stream=sys.stdout)
    assert isinstance(op, tf.Operation) and op.type == "PrintV2"
    run(op)
    assert capsys.readouterr().out == "x: [[1 2]\n [3 4]] [0 1 2 ... 7 8 9] {'k': 1.5} [1, 2]\n"


def test_tf_print_stderr_sep_end_and_strings(capsys):
    op = tf.print(tf.constant("alone"))
    op2 = tf.print("a", tf.constant(["s", "t", "u"]), 3, sep="|", end="!\n", summarize=1)
    run([op, op2])
    assert capsys.readouterr().err == 'alone\na|["s" ... "u"]|3!\n'


def test_tf_print_to_file(tmp_path):
    path = tmp_path / "out.txt"
    x = tf.constant([0.5, 0.25])
    with tf.control_dependencies([tf.print("value", x, output_stream=f"file://{path}")]):
        y = tf.identity(x)
    run(y)
    run(y)
    assert path.read_text() == "value [0.5 0.25]\nvalue [0.5 0.25]\n"


def test_tf_print_bad_arguments():
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print(1, output_stream="nowhere")
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        tf.print(1, color="red")


# --- Assert ----------------------------------------------------------------------------------

def test_assert_failure_names_node_and_line():
    x = tf.placeholder(tf.float32, [None])
    line = this_line() + 1
    check = tf.Assert(tf.reduce_all(x > 0), ["x must be positive", x], name="positive")
    assert isinstance(check, tf.Operation) and check.name == "positive/Assert"
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    with tf.Session(backend="reference") as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [1.0, 2.0])
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(y, {x: [1.0, -2.0, 3.0, 4.0]})
    message = str(info.value)
    assert "assertion failed: [x must be positive] [1 -2 3...]" in message
    assert "positive/Assert" in message
    assert f"test_debug_ops.py:{line}" in message
    assert info.value.error_code == errors.INVALID_ARGUMENT


def test_assert_outside_the_fetched_subgraph_never_runs():
    x = tf.constant(1.0)
    tf.Assert(tf.constant(False), ["boom"])
    assert run(x * 2.0) == 2.0
    with pytest.raises(errors.InvalidArgumentError, match="boom"):
        run(tf.get_default_graph().get_operation_by_name("Assert/Assert"))


def test_assert_summarize_and_condition_checks():
    op = tf.Assert(tf.constant(False), [tf.range(10)], summarize=5)
    with pytest.raises(errors.InvalidArgumentError, match=r"assertion failed: \[0 1 2 3 4\.\.\.\]"):
        run(op)
    with pytest.raises(TypeError, match="bool"):
        tf.Assert(tf.constant(1), [1])


# --- check ops -------------------------------------------------------------------------------

def test_assert_equal_dynamic_and_static():
    x = tf.placeholder(tf.int32, [2], name="x")
    y = tf.constant([1, 3], name="y")
    op = tf.assert_equal(x, y)
    assert op.type == "Assert"
    with tf.Session(backend="reference") as sess:
        sess.run(op, {x: [1, 3]})
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(op, {x: [1, 2]})
    assert ("assertion failed: [Condition x == y did not hold element-wise:] [x (x:0) = ] [1 2] "
            "[y (y:0) = ] [1 3]") in str(info.value)
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.assert_equal(tf.constant([1]), tf.constant([2]), message="hi")
    assert str(info.value).startswith("hi\nCondition x == y did not hold element-wise:\n")
    assert tf.assert_equal(tf.constant([1]), tf.constant([1])).type == "Assert"


@pytest.mark.parametrize("fn, good, bad, text", [
    (tf.assert_less, ([1, 2], [2, 3]), ([1, 2], [2, 2]), "x < y"),
    (tf.assert_less_equal, ([1, 2], [1, 2]), ([1, 3], [1, 2]), "x <= y"),
    (tf.assert_greater, ([3, 4], [1, 2]), ([3, 2], [1, 2]), "x > y"),
    (tf.assert_greater_equal, ([1, 2], [1, 2]), ([0, 2], [1, 2]), "x >= y"),
    (tf.assert_none_equal, ([1, 2], [3, 4]), ([1, 2], [1, 4]), "x != y"),
])
def test_binary_asserts(fn, good, bad, text):
    x = tf.placeholder(tf.int32, [2])
    y = tf.placeholder(tf.int32, [2])
    op = fn(x, y)
    with tf.Session(backend="reference") as sess:
        sess.run(op, {x: good[0], y: good[1]})
        with pytest.raises(errors.InvalidArgumentError, match=f"Condition {text}"):
            sess.run(op, {x: bad[0], y: bad[1]})


@pytest.mark.parametrize("fn, good, bad, text", [
    (tf.assert_positive, [1, 2], [1, 0], "x > 0"),
    (tf.assert_negative, [-1, -2], [-1, 0], "x < 0"),
    (tf.assert_non_negative, [0, 2], [0, -1], "x >= 0"),
    (tf.assert_non_positive, [0, -2], [0, 1], "x <= 0"),
])
def test_unary_asserts(fn, good, bad, text):
    x = tf.placeholder(tf.float32, [2])
    op = fn(x, message="check")
    with tf.Session(backend="reference") as sess:
        sess.run(op, {x: good})
        with pytest.raises(errors.InvalidArgumentError, match=rf"assertion failed: \[check\] \[Condition {text}"):
            sess.run(op, {x: bad})


def test_assert_rank_type_integer_scalar():
    assert tf.assert_rank(tf.constant([1]), 1).type == "NoOp"
    with pytest.raises(ValueError, match=r"must have rank 2.  Received rank 1, shape \(1,\)"):
        tf.assert_rank(tf.constant([1]), 2)
    p = tf.placeholder(tf.float32)
    op = tf.assert_rank(p, 2)
    with tf.Session(backend="reference") as sess:
        sess.run(op, {p: np.zeros([2, 2])})
        with pytest.raises(errors.InvalidArgumentError, match="must have rank"):
            sess.run(op, {p: np.zeros([2])})
    assert tf.assert_rank_at_least(tf.zeros([2, 3]), 1).type == "NoOp"
    with pytest.raises(TypeError, match="must be of type tf.float32; got tf.int32"):
        tf.assert_type(tf.constant([1]), tf.float32)
    assert tf.assert_type(tf.constant([1.0]), tf.float32).type == "NoOp"
    with pytest.raises(TypeError, match='Expected "x" to be integer type'):
        tf.assert_integer(tf.constant([1.0]))
    c = tf.constant(3)
    assert tf.assert_scalar(c) is c
    with pytest.raises(ValueError, match="Expected scalar"):
        tf.assert_scalar(tf.constant([3]))


def test_debugging_namespace():
    assert tf.debugging.assert_equal is tf.assert_equal
    assert tf.debugging.check_numerics is tf.check_numerics
    op = tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0 + 1e-9]))
    run(op)
    with pytest.raises(errors.InvalidArgumentError, match="not equal to tolerance"):
        run(tf.debugging.assert_near(tf.constant([1.0]), tf.placeholder_with_default(tf.constant([1.5]), [1])))


# --- check_numerics --------------------------------------------------------------------------

def test_check_numerics_on_nan_and_inf():
    x = tf.placeholder(tf.float32, [None])
    line = this_line() + 1
    y = tf.check_numerics(x * 2.0, "doubled x")
    with tf.Session(backend="reference") as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(y, {x: [1.0, np.nan]})
        assert "doubled x : Tensor had NaN values" in str(info.value)
        assert "CheckNumerics" in str(info.value) and f"test_debug_ops.py:{line}" in str(info.value)
        with pytest.raises(errors.InvalidArgumentError, match="Tensor had Inf values"):
            sess.run(y, {x: [np.inf]})
        with pytest.raises(errors.InvalidArgumentError, match="Tensor had Inf and NaN values"):
            sess.run(y, {x: [np.inf, np.nan]})
    with pytest.raises(errors.InvalidArgumentError):
        tf.check_numerics(tf.constant([1]), "ints")


def test_verify_finite_and_add_check_numerics_ops():
    x = tf.placeholder(tf.float64, [])
    y = tf.verify_tensor_all_finite(tf.sqrt(x), "sqrt of x")
    z = tf.sqrt(tf.check_numerics(x, "x itself"))
    (g,) = tf.gradients(z, [x])
    check = tf.add_check_numerics_ops()
    with tf.Session(backend="reference") as sess:
        assert sess.run(y, {x: 4.0}) == 2.0
        assert sess.run(g, {x: 4.0}) == 0.25
        with pytest.raises(errors.InvalidArgumentError, match="sqrt of x : Tensor had NaN"):
            sess.run(y, {x: -1.0})
        with pytest.raises(errors.InvalidArgumentError, match="detected in gradient. x itself : Tensor had Inf"):
            sess.run(g, {x: 0.0})
        sess.run(check, {x: 1.0})
        with pytest.raises(errors.InvalidArgumentError, match="Tensor had NaN"):
            sess.run(check, {x: -1.0})


# --- against real TensorFlow -----------------------------------------------------------------

@pytest.mark.tf
@pytest.mark.slow
def test_formats_match_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    values = [np.arange(24).reshape(2, 3, 4), np.array([[1.5, -2.25], [3.0, 4.0]], np.float32),
              np.array([1 / 3, 0.1, 1e-7]), np.array([True, False, True, True]), np.array(7, np.int64)]
    g = tf1.Graph()
    with g.as_default():
        fmt = [tf1.strings.format("{}", [tf1.constant(v)], summarize=2) for v in values]
        with tf1.Session(graph=g) as sess:
            want = [s.decode() for s in sess.run(fmt)]
    assert [summarize(v, 2, print_v2=True) for v in values] == want
