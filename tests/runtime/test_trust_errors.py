"""Errors that used to leak internals: NumPy's TypeError from tf.zeros([-1, 3]), a
RecursionError from the IR parser on deep nesting, and graph lookups whose words differed
from TF's. Messages are compared with real TensorFlow (graph mode) where it is installed.
"""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors
from flowjit.ir import text


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def tf_error(build):
    """(class, message) of the error real TF raises for `build(tf.compat.v1)` in graph mode."""
    real = pytest.importorskip("tensorflow").compat.v1
    with real.Graph().as_default():
        with pytest.raises(Exception) as info:
            build(real)
    return type(info.value), info.value.args[0]


# --- tf.zeros / tf.ones / tf.fill with negative dims ---------------------------------------

FILL_CASES = [
    (lambda lib: lib.zeros([-1, 3]), "zeros",
     "Fill dimensions must be >= 0 for '{{node zeros}} = Fill"),
    (lambda lib: lib.ones([-1, 3]), "ones",
     "Fill dimensions must be >= 0 for '{{node ones}} = Fill"),
    (lambda lib: lib.fill([-1, 3], 2.0), "Fill",
     "Fill dimensions must be >= 0 for '{{node Fill}} = Fill"),
    (lambda lib: lib.zeros([-1, 3], name="zz"), "zz",
     "Fill dimensions must be >= 0 for '{{node zz}} = Fill"),
    (lambda lib: lib.zeros([2, -5]), "zeros", "Invalid value in tensor used for shape: -5"),
    (lambda lib: lib.ones([-1000, 3000], dtype=lib.int32), "ones", "Invalid value in tensor used for shape: -1000"),
]


@pytest.mark.parametrize("build, node, words", FILL_CASES)
def test_negative_fill_dims_are_a_value_error_naming_the_node(build, node, words):
    with pytest.raises(ValueError) as info:
        build(tf)
    message = str(info.value)
    assert isinstance(info.value, errors.InvalidArgumentError)  # flowjit's class is both
    assert f"Fill node '{node}' created at " in message and __file__ in message
    assert words in message
    assert "NoneType" not in message


def test_negative_fill_dims_partial_shape_text():
    with pytest.raises(ValueError) as info:
        tf.zeros([-1, 3])
    assert str(info.value).endswith("with input shapes: [2], [] and with input tensors computed as partial "
                                    "shapes: input[0] = [?,3].")


def test_valid_fill_shapes_still_work():
    with tf.Session(backend="reference") as s:
        assert s.run(tf.zeros([0, 3])).shape == (0, 3)
        assert s.run(tf.ones([2, 3], tf.int32)).tolist() == [[1, 1, 1], [1, 1, 1]]
        assert s.run(tf.fill([2], 7.0)).tolist() == [7.0, 7.0]
        assert s.run(tf.zeros(tf.TensorShape([40, 40]))).shape == (40, 40)  # the Fill path


@pytest.mark.tf
@pytest.mark.parametrize("build, node, words", FILL_CASES)
def test_negative_fill_dims_match_tensorflow(build, node, words):
    cls, message = tf_error(build)
    assert issubclass(cls, ValueError)
    assert words in message  # TF's own words, checked against TF itself
    with pytest.raises(cls) as ours:
        build(tf)
    if "partial shapes" in message:
        tail = message[message.index(" with input shapes"):]
        assert str(ours.value).endswith(tail)
    else:
        assert str(ours.value).endswith(": " + message)


# --- the IR parser on deeply nested input ----------------------------------------------------

@pytest.mark.parametrize("opener", ["[", "(", "[(", "array<string[1]>["])
def test_deep_nesting_is_a_value_error_with_line_and_column(opener):
    source = "\n  " + opener * 100000
    with pytest.raises(ValueError) as info:
        text.parse_attr(source)
    first = str(info.value).splitlines()[0]
    assert first.startswith("2:") and "nested more than 100 levels deep" in first
    assert len(str(info.value)) < 500  # the 100000-character line is quoted only near the error


def test_deeply_nested_graph_blocks_are_a_value_error():
    source = "graph {\n" + "%a = NoOp() {body=graph { " * 100000
    with pytest.raises(ValueError, match=r"^2:\d+: attr values nested more than 100 levels deep"):
        text.parse_graph(source)


def test_nesting_up_to_the_limit_still_parses():
    value = text.parse_attr("[" * text.MAX_NESTING + "]" * text.MAX_NESTING)
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    assert depth == text.MAX_NESTING - 1 and value == []
    inner = "graph { %n = NoOp() : () }"
    for _ in range(30):
        inner = "graph { %n = NoOp() {body=" + inner + "} : () }"
    g = text.parse_graph(inner)
    assert text.graphs_equal(g, text.parse_graph(text.print_graph(g)))


def test_error_excerpt_keeps_the_caret_under_the_error():
    source = "[" + "1, " * 2000 + "oops]"
    with pytest.raises(ValueError) as info:
        text.parse_attr(source)
    _, quoted, caret = str(info.value).splitlines()
    assert quoted[caret.index("^"):].startswith("oops")


# --- get_tensor_by_name / get_operation_by_name ------------------------------------------------

def build_lookup_graph(lib):
    lib.constant(1.0, name="logits")
    lib.no_op(name="init")
    return lib.get_default_graph()


LOOKUPS = [
    ("tensor", "logit:0"), ("tensor", "logits:1"), ("tensor", "init:0"), ("tensor", "logits"),
    ("tensor", "logit"), ("tensor", "a:b:0"), ("tensor", "logits:x"), ("tensor", ":0"), ("tensor", 5),
    ("operation", "logit"), ("operation", "logits:0"), ("operation", "lo"), ("operation", 5),
]


def lookup(graph, kind, name):
    return graph.get_tensor_by_name(name) if kind == "tensor" else graph.get_operation_by_name(name)


def test_missing_tensor_says_tfs_words_and_suggests():
    g = build_lookup_graph(tf)
    with pytest.raises(KeyError) as info:
        g.get_tensor_by_name("logit:0")
    assert info.value.args[0] == ("The name 'logit:0' refers to a Tensor which does not exist. The operation, "
                                  "'logit', does not exist in the graph. Did you mean 'logits:0'?")


def test_missing_operation_says_tfs_words_and_suggests():
    g = build_lookup_graph(tf)
    with pytest.raises(KeyError) as info:
        g.get_operation_by_name("logit")
    assert info.value.args[0] == "The name 'logit' refers to an Operation not in the graph. Did you mean 'logits'?"


def test_suggestions_list_several_and_only_usable_outputs():
    for name in ("logits_a", "logits_b", "logits_c"):
        tf.constant(1.0, name=name)
    tf.no_op(name="logits_d")  # no output 0: not offered for a tensor
    g = tf.get_default_graph()
    with pytest.raises(KeyError) as info:
        g.get_tensor_by_name("logits_:0")
    hint = info.value.args[0].split("graph.")[1]
    assert hint.startswith(" Did you mean ") and hint.count(":0") == 3 and "logits_d" not in hint
    assert " or " in hint


def test_found_names_and_tfs_index_rules():
    g = build_lookup_graph(tf)
    assert g.get_tensor_by_name("logits:0").name == "logits:0"
    assert g.get_tensor_by_name("logits:-1").name == "logits:0"  # TF indexes as Python does
    assert g.get_operation_by_name("init").name == "init"
    assert g.as_graph_element(b"logits:0").name == "logits:0"  # as_graph_element takes bytes, as in TF


def test_lookup_inside_a_function_body_suggests_outer_names():
    x = tf.constant(1.0, name="logits")
    outer = tf.get_default_graph()
    seen = {}

    def body():
        g = tf.get_default_graph()
        assert g is not outer
        with pytest.raises(KeyError) as info:
            g.get_tensor_by_name("logit:0")
        seen["message"] = info.value.args[0]
        return x + 1.0

    tf.cond(tf.constant(True), body, lambda: x)
    assert seen["message"].endswith("Did you mean 'logits:0'?")


@pytest.mark.tf
@pytest.mark.parametrize("kind, name", LOOKUPS)
def test_lookup_errors_match_tensorflow(kind, name):
    cls, message = tf_error(lambda real: lookup(build_lookup_graph(real), kind, name))
    g = build_lookup_graph(tf)
    with pytest.raises(cls) as ours:
        lookup(g, kind, name)
    assert type(ours.value) is cls
    ours_message = ours.value.args[0]
    assert ours_message == message or ours_message.startswith(message + " Did you mean ")


@pytest.mark.tf
@pytest.mark.parametrize("name, allow_tensor, allow_operation", [
    ("logits", True, False), ("logit", True, True), ("logit:0", True, True), ("logits:0", False, True),
])
def test_as_graph_element_errors_match_tensorflow(name, allow_tensor, allow_operation):
    def build(lib):
        return build_lookup_graph(lib).as_graph_element(name, allow_tensor=allow_tensor,
                                                        allow_operation=allow_operation)

    cls, message = tf_error(build)
    with pytest.raises(cls) as ours:
        build(tf)
    assert ours.value.args[0] == message or ours.value.args[0].startswith(message + " Did you mean ")


def test_session_fetch_of_a_missing_name_carries_the_hint():
    build_lookup_graph(tf)
    with tf.Session(backend="reference") as s:
        with pytest.raises(ValueError, match="Did you mean 'logits:0'"):
            s.run("logit:0")
        np.testing.assert_equal(s.run("logits:0"), 1.0)
