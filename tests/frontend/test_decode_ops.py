"""tf.decode_csv, tf.decode_raw, tf.read_file, tf.write_file on both backends (TF's messages)."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf

BACKENDS = ["reference", "cpu"]


def _run(fetch, backend="reference", feed=None):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetch, feed)


@pytest.mark.parametrize("backend", BACKENDS)
def test_decode_csv_values_quotes_defaults(backend):
    with tf.Graph().as_default():
        recs = tf.placeholder(tf.string, [None])
        cols = tf.decode_csv(recs, [[0], [9.0], ["z"], [np.int64(-1)], tf.constant([0.5], tf.float64)])
        assert [c.dtype for c in cols] == [tf.int32, tf.float32, tf.string, tf.int64, tf.float64]
        assert cols[0].op.type == "DecodeCSV" and cols[0].op.name == "DecodeCSV"
        got = _run(cols, backend, {recs: ['1,2.5,"a,""b""",7,1e3', '3,,c,,', ' 4 ,inf,"",8,-2']})
    np.testing.assert_array_equal(got[0], [1, 3, 4])
    np.testing.assert_array_equal(got[1], np.array([2.5, 9.0, np.inf], np.float32))
    assert list(got[2]) == [b'a,"b"', b"c", b"z"]
    np.testing.assert_array_equal(got[3], [7, -1, 8])
    np.testing.assert_array_equal(got[4], [1000.0, 0.5, -2.0])


def test_decode_csv_options():
    with tf.Graph().as_default():
        a = tf.decode_csv(["1;2;3"], [[0], [0]], field_delim=";", select_cols=[0, 2])
        b = tf.decode_csv(["1,NA,3"], [[0], [7], [0]], na_value="NA")
        c = tf.decode_csv(["1,2,"], [[0], [0], [5]])
        d = tf.decode_csv(['"x",y'], [[""], [""]], use_quote_delim=False)
        e = tf.decode_csv([["1,2", "3,4"]], [[0], [0]])
        got = _run([a, b, c, d, e])
    assert [list(x) for x in got[0]] == [[1], [3]]
    assert [list(x) for x in got[1]] == [[1], [7], [3]]
    assert [list(x) for x in got[2]] == [[1], [2], [5]]
    assert [list(x) for x in got[3]] == [[b'"x"'], [b"y"]]
    assert got[4][1].shape == (1, 2) and got[4][1].tolist() == [[2, 4]]


@pytest.mark.parametrize("recs,defaults,msg", [
    (["1,2"], [[0], [0], [0]], "Expect 3 fields but have 2 in record 0"),
    (["1,2,3", "1,,3"], [[0], np.zeros(0, np.int32), [0]], "Field 1 is required but missing in record 1!"),
    (["x,2"], [[0], [0]], "Field 0 in record 0 is not a valid int32: x"),
    (["1,y"], [[0], [0.0]], "Field 1 in record 0 is not a valid float: y"),
    (["9999999999"], [[0]], "Field 0 in record 0 is not a valid int32: 9999999999"),
    (["1_0"], [[np.int64(0)]], "Field 0 in record 0 is not a valid int64: 1_0"),
    (['1,"ab'], [[0], [""]], "Quoted field has to end with quote followed by delim or end"),
    (['1,a"b'], [[0], [""]], "Unquoted fields cannot have quotes/CRLFs inside"),
    (['1,"a"b'], [[0], [""]], "Quote inside a string has to be escaped by another quote"),
    ([""], [[0]], "Expect 1 fields but have 0 in record 0"),
])
def test_decode_csv_errors(recs, defaults, msg):
    with tf.Graph().as_default():
        cols = tf.decode_csv(recs, defaults)
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            _run(cols)
    assert msg in str(e.value) and "DecodeCSV" in str(e.value)


def test_decode_csv_build_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="select_cols is not strictly increasing"):
            tf.decode_csv(["1,2"], [[0], [0]], select_cols=[1, 0])
        with pytest.raises(ValueError, match="do not match"):
            tf.decode_csv(["1,2"], [[0], [0]], select_cols=[1])
        with pytest.raises(ValueError, match="length-0 or length-1 vector"):
            tf.decode_csv(["1,2"], [[0, 1], [0]])
        with pytest.raises(TypeError, match="record_defaults\\[0\\]"):
            tf.decode_csv(["1"], [[True]])
        cols = tf.decode_csv(["1,2"], [[0], [0]], field_delim="ab")
        with pytest.raises(tf.errors.InvalidArgumentError, match="field_delim should be only 1 char"):
            _run(cols)


@pytest.mark.parametrize("backend", BACKENDS)
def test_decode_raw(backend):
    with tf.Graph().as_default():
        d = tf.decode_raw(tf.constant([b"\x01\x00\x02\x00", b"\x03\x00\x04\x01"]), tf.int16)
        big = tf.io.decode_raw([b"\x00\x01"], tf.int16, little_endian=False)
        f = tf.decode_raw(bytes=np.array([1.5, -2.0], np.float32).tobytes(), out_type=tf.float32)
        assert d.get_shape().as_list() == [2, None] and d.op.name == "DecodeRaw"
        got = _run([d, big, f], backend)
    np.testing.assert_array_equal(got[0], [[1, 2], [3, 260]])
    assert got[0].dtype == np.int16
    np.testing.assert_array_equal(got[1], [[1]])
    np.testing.assert_array_equal(got[2], np.array([1.5, -2.0], np.float32))


def test_decode_raw_errors():
    with tf.Graph().as_default():
        a = tf.decode_raw([b"abc"], tf.int16)
        b = tf.decode_raw([b"ab", b"abcd"], tf.int16)
        with pytest.raises(tf.errors.InvalidArgumentError, match="length 3 that is not a multiple of 2"):
            _run(a)
        with pytest.raises(tf.errors.InvalidArgumentError, match="element 1 has size 4 != 2"):
            _run(b)
        with pytest.raises(TypeError, match="out_type"):
            tf.decode_raw([b"ab"], tf.string)


@pytest.mark.parametrize("backend", BACKENDS)
def test_read_write_file(tmp_path, backend):
    path = str(tmp_path / "sub" / "dir" / "f.bin")
    payload = b"\x00\xffbinary\n"
    with tf.Graph().as_default():
        w = tf.write_file(path, payload)
        assert isinstance(w, tf.Operation) and w.type == "WriteFile"
        with tf.control_dependencies([w]):
            r = tf.io.read_file(path)
        assert _run(r, backend) == payload
    assert open(path, "rb").read() == payload


def test_read_file_missing():
    with tf.Graph().as_default():
        r = tf.read_file("/nonexistent/flowjit/x")
        with pytest.raises(tf.errors.NotFoundError, match="/nonexistent/flowjit/x; No such file or directory"):
            _run(r)


@pytest.mark.tf
def test_decode_csv_matches_tensorflow():
    real = pytest.importorskip("tensorflow")
    tf1 = real.compat.v1
    recs = ['1,2.5,"a,""b"""', '3,,c', "-7,1e-3,"]
    defaults = [[0], [9.0], ["z"]]
    with tf1.Graph().as_default():
        want = tf1.Session().run(tf1.decode_csv(recs, defaults))
    with tf.Graph().as_default():
        got = _run(tf.decode_csv(recs, defaults), "cpu")
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        assert g.tolist() == w.tolist()
