"""tf.string_split, tf.strings.*, tf.string_join, tf.substr, tf.string_to_number, tf.regex_replace,
tf.as_string on both backends, against hand-computed values and real TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


def _run(fetch, backend="reference"):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetch)


def _program(t):
    """The same program for flowjit and TF (t is the module); returns a dict of fetches."""
    return {
        "split": t.string_split(["a b  c", "d", ""]),
        "split_keep": t.string_split(["a,,b"], delimiter=",", skip_empty=False),
        "split_chars": t.string_split(["xyz"], delimiter=""),
        "split_v2": t.strings.split(["a  b c", " d "]),
        "split_v2_sep": t.strings.split(["a,,b,c"], sep=",", maxsplit=2),
        "join": t.string_join(["a", ["b", "c"]], separator="-"),
        "sjoin": t.strings.join([["x", "y"], ["1", "2"]]),
        "len": t.strings.length(["abc", "", "h\u00e9"]),
        "len8": t.strings.length(["h\u00e9"], unit="UTF8_CHAR"),
        "substr": t.substr(["hello", "world"], 1, 3),
        "substr_neg": t.strings.substr(["hello"], -3, 2),
        "num": t.string_to_number(["1.5", "-2", " 3e2"]),
        "num_i": t.strings.to_number(["7", "-12"], out_type=t.int64),
        "re": t.regex_replace(["aaa bab", "xyz"], "a(b)?", r"<\1>"),
        "re1": t.strings.regex_replace(["aaa"], "a", "b", replace_global=False),
        "fmt": t.as_string([1.5, -2.0, 1e-7]),
        "fmt_p": t.as_string([3.14159], precision=2),
        "fmt_e": t.strings.as_string([1234.5], scientific=True),
        "fmt_g": t.as_string([0.0001, 123456789.0], shortest=True),
        "fmt_w": t.as_string([3, -4], width=4, fill="0"),
        "fmt_b": t.as_string([True, False]),
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_string_ops_values(backend):
    with tf.Graph().as_default():
        got = _run(_program(tf), backend)
    sp = got["split"]
    np.testing.assert_array_equal(sp.indices, [[0, 0], [0, 1], [0, 2], [1, 0]])
    assert list(sp.values) == [b"a", b"b", b"c", b"d"] and list(sp.dense_shape) == [3, 3]
    assert list(got["split_keep"].values) == [b"a", b"", b"b"]
    assert list(got["split_chars"].values) == [b"x", b"y", b"z"]
    assert list(got["split_v2"].values) == [b"a", b"b", b"c", b"d"]
    assert list(got["split_v2_sep"].values) == [b"a", b"", b"b,c"]
    assert list(got["join"]) == [b"a-b", b"a-c"] and list(got["sjoin"]) == [b"x1", b"y2"]
    np.testing.assert_array_equal(got["len"], [3, 0, 3])
    assert got["len"].dtype == np.int32
    np.testing.assert_array_equal(got["len8"], [2])
    assert list(got["substr"]) == [b"ell", b"orl"] and list(got["substr_neg"]) == [b"ll"]
    np.testing.assert_array_equal(got["num"], np.array([1.5, -2, 300], np.float32))
    assert got["num_i"].dtype == np.int64 and list(got["num_i"]) == [7, -12]
    assert list(got["re"]) == [b"<><><> b<b>", b"xyz"] and list(got["re1"]) == [b"baa"]
    assert list(got["fmt"]) == [b"1.500000", b"-2.000000", b"0.000000"]
    assert list(got["fmt_p"]) == [b"3.14"] and list(got["fmt_e"]) == [b"1.234500e+03"]
    assert list(got["fmt_g"]) == [b"0.0001", b"1.23457e+08"]
    assert list(got["fmt_w"]) == [b"0003", b"-004"] and list(got["fmt_b"]) == [b"true", b"false"]


def test_string_ops_errors():
    with tf.Graph().as_default():
        bad_num = tf.string_to_number(["1.5x"])
        bad_int = tf.string_to_number(["99999999999"], out_type=tf.int32)
        bad_pos = tf.substr(["hello"], 10, 2)
        for t, msg in [(bad_num, "StringToNumberOp could not correctly convert string: 1.5x"),
                       (bad_int, "could not correctly convert string: 99999999999"),
                       (bad_pos, "pos 10 out of range for string b'hello' at index 0")]:
            with pytest.raises(tf.errors.InvalidArgumentError, match=msg) as e:
                _run(t)
            assert t.op.name in str(e.value)
        with pytest.raises(ValueError, match="requested dtype string"):
            tf.string_join([tf.constant(1), "a"])
        with pytest.raises(ValueError, match="rank 1"):
            tf.string_split([["a"]])
        with pytest.raises(ValueError, match="Fill string must be one or fewer characters"):
            tf.as_string([1.0], fill="ab")
        with pytest.raises(TypeError, match="out_type"):
            tf.string_to_number(["1"], out_type=tf.bool)


@pytest.mark.tf
def test_string_ops_match_tensorflow():
    real = pytest.importorskip("tensorflow")
    tf1 = real.compat.v1
    with tf1.Graph().as_default():
        prog = _program(tf1)
        with tf1.Session() as sess:
            want = sess.run(prog)
    with tf.Graph().as_default():
        got = _run(_program(tf), "cpu")
    for key, w in want.items():
        g = got[key]
        if hasattr(w, "indices"):
            for part in ("indices", "values", "dense_shape"):
                assert getattr(g, part).tolist() == getattr(w, part).tolist(), key
        else:
            assert g.dtype == w.dtype, key
            assert g.tolist() == w.tolist(), key
