"""tf.train.Example protos and tf.parse_example / tf.parse_single_example on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.ir.formats import example as expb

BACKENDS = ["reference", "cpu"]
E = tf.train


def _ex(mod, **kw):
    feats = {}
    for k, v in kw.items():
        if isinstance(v[0], float):
            feats[k] = mod.Feature(float_list=mod.FloatList(value=v))
        elif isinstance(v[0], int):
            feats[k] = mod.Feature(int64_list=mod.Int64List(value=v))
        else:
            feats[k] = mod.Feature(bytes_list=mod.BytesList(value=v))
    return mod.Example(features=mod.Features(feature=feats))


RECS = [_ex(E, img=[0.5, 1.5, 2.5], label=[3], tags=[b"a", b"bc"]).SerializeToString(),
        _ex(E, img=[4.0, 5.0, 6.0], tags=[b"\xff\x00"]).SerializeToString(),
        _ex(E, img=[7.0, 8.0, 9.0], label=[-1]).SerializeToString()]
SPEC = {"img": tf.FixedLenFeature([3], tf.float32), "label": tf.FixedLenFeature([], tf.int64, default_value=42),
        "tags": tf.VarLenFeature(tf.string)}


def test_proto_fields_and_roundtrip():
    ex = _ex(E, x=[1, 2])
    data = ex.SerializeToString()
    # field 1 Features { field 1 map entry { key 'x', value Feature { int64_list(3) { packed [1, 2] } } } }
    assert data == bytes.fromhex("0a0d0a0b0a017812061a040a020102")
    back = E.Example.FromString(data)
    assert list(back.features.feature["x"].int64_list.value) == [1, 2]
    seq = E.SequenceExample(feature_lists=E.FeatureLists(feature_list={"w": E.FeatureList(feature=[
        E.Feature(int64_list=E.Int64List(value=[5]))])}))
    assert E.SequenceExample.FromString(seq.SerializeToString()) == seq
    assert E.Example is expb.Example and tf.train.Feature is expb.Feature


def test_proto_bytes_known():
    # Int64List packed: tag 0x0a, length, varints -- TF's proto3 packed encoding
    assert E.Int64List(value=[1, 300]).SerializeToString() == b"\x0a\x03\x01\xac\x02"
    assert E.FloatList(value=[1.0]).SerializeToString() == b"\x0a\x04\x00\x00\x80\x3f"
    assert E.Feature(bytes_list=E.BytesList(value=[b"hi"])).SerializeToString() == b"\x0a\x04\x0a\x02hi"


@pytest.mark.tf
def test_protos_match_tensorflow_bytes():
    real = pytest.importorskip("tensorflow")
    ours = _ex(E, a=[1, 2, 3], b=[1.5, -2.0], c=[b"x", b""])
    theirs = _ex(real.train, a=[1, 2, 3], b=[1.5, -2.0], c=[b"x", b""])
    assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(deterministic=True)
    assert real.train.Example.FromString(ours.SerializeToString()) == theirs
    assert E.Example.FromString(theirs.SerializeToString()) == ours
    seq_t = real.train.SequenceExample(context=theirs.features)
    seq_o = E.SequenceExample(context=ours.features)
    assert seq_o.SerializeToString(deterministic=True) == seq_t.SerializeToString(deterministic=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_parse_example_batch(backend):
    with tf.Graph().as_default():
        ser = tf.placeholder(tf.string, [None])
        out = tf.parse_example(ser, SPEC)
        assert isinstance(out["tags"], tf.SparseTensor)
        assert out["img"].get_shape().as_list() == [None, 3] and out["label"].dtype == tf.int64
        with tf.Session(backend=backend) as sess:
            got = sess.run(out, {ser: RECS})
    np.testing.assert_array_equal(got["img"], np.array([[0.5, 1.5, 2.5], [4, 5, 6], [7, 8, 9]], np.float32))
    assert got["img"].dtype == np.float32
    np.testing.assert_array_equal(got["label"], [3, 42, -1])
    np.testing.assert_array_equal(got["tags"].indices, [[0, 0], [0, 1], [1, 0]])
    assert list(got["tags"].values) == [b"a", b"bc", b"\xff\x00"]
    np.testing.assert_array_equal(got["tags"].dense_shape, [3, 2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_parse_single_example(backend):
    with tf.Graph().as_default():
        out = tf.io.parse_single_example(RECS[0], {"img": tf.io.FixedLenFeature([3], tf.float32),
                                                   "tags": tf.io.VarLenFeature(tf.string),
                                                   "none": tf.VarLenFeature(tf.int64),
                                                   "m": tf.FixedLenFeature([2], tf.string, default_value=["p", "q"])})
        assert out["img"].op.type == "ParseSingleExample" and out["img"].op.name == "ParseSingleExample"
        with tf.Session(backend=backend) as sess:
            got = sess.run(out)
    np.testing.assert_array_equal(got["img"], [0.5, 1.5, 2.5])
    np.testing.assert_array_equal(got["tags"].indices, [[0], [1]])
    np.testing.assert_array_equal(got["tags"].dense_shape, [2])
    assert got["none"].values.dtype == np.int64 and got["none"].indices.shape == (0, 1)
    np.testing.assert_array_equal(got["none"].dense_shape, [0])
    assert list(got["m"]) == [b"p", b"q"]


def _run_error(features, recs, single=False):
    with tf.Graph().as_default():
        out = tf.parse_single_example(recs[0], features) if single else tf.parse_example(recs, features)
        with tf.Session(backend="reference") as sess:
            with pytest.raises(tf.errors.InvalidArgumentError) as e:
                sess.run(out)
    return str(e.value)


def test_errors_name_the_feature():
    msg = _run_error({"zz": tf.FixedLenFeature([], tf.int64)}, RECS)
    assert "Name: <unknown>, Feature: zz (data type: int64) is required but could not be found." in msg
    assert "ParseExample" in msg
    msg = _run_error({"label": tf.FixedLenFeature([], tf.float32)}, RECS)
    assert "Name: <unknown>, Key: label, Index: 0.  Data types don't match. Data type: int64 but expected " \
           "type: float" in msg
    msg = _run_error({"img": tf.FixedLenFeature([2], tf.float32)}, RECS)
    assert "Key: img, Index: 0.  Number of float values != expected.  Values size: 3 but output shape: [2]" in msg
    msg = _run_error({"img": tf.VarLenFeature(tf.int64)}, RECS)
    assert "Key: img, Index: 0.  Data types don't match. Expected type: int64, Actual type: float" in msg
    msg = _run_error({"zz": tf.FixedLenFeature([], tf.int64)}, RECS, single=True)
    assert msg.startswith("Feature: zz (data type: int64) is required")
    msg = _run_error({"label": tf.FixedLenFeature([1], tf.float32)}, RECS, single=True)
    assert "Key: label.  Data types don't match. Data type: int64 but expected type: float" in msg
    msg = _run_error({"a": tf.FixedLenFeature([1], tf.float32, default_value=[0.0])}, [b"\x0a\x05garbage"])
    assert "Could not parse example input" in msg


def test_build_time_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Cannot reshape a tensor with 1 elements to shape \\[3\\]"):
            tf.parse_example(RECS, {"a": tf.FixedLenFeature([3], tf.int64, default_value=0)})
        with pytest.raises(ValueError, match="need to be known"):
            tf.parse_example(RECS, {"a": tf.FixedLenFeature([None], tf.int64)})
        with pytest.raises(ValueError, match="Unsupported dtype int32"):
            tf.parse_example(RECS, {"a": tf.VarLenFeature(tf.int32)})
        with pytest.raises(ValueError, match="Invalid feature"):
            tf.parse_example(RECS, {"a": 3})
        with pytest.raises(ValueError, match="Missing: features was empty"):
            tf.parse_example(RECS, {})


@pytest.mark.tf
def test_parse_matches_tensorflow():
    real = pytest.importorskip("tensorflow")
    tf1 = real.compat.v1
    with tf1.Graph().as_default():
        spec = {"img": tf1.FixedLenFeature([3], tf1.float32),
                "label": tf1.FixedLenFeature([], tf1.int64, default_value=42), "tags": tf1.VarLenFeature(tf1.string)}
        out = tf1.parse_example(tf1.constant(RECS), spec)
        with tf1.Session() as sess:
            want = sess.run(out)
    with tf.Graph().as_default():
        out = tf.parse_example(RECS, SPEC)
        with tf.Session() as sess:
            got = sess.run(out)
    for k in ("img", "label"):
        np.testing.assert_array_equal(got[k], want[k])
        assert got[k].dtype == want[k].dtype
    for part in ("indices", "values", "dense_shape"):
        np.testing.assert_array_equal(getattr(got["tags"], part), getattr(want["tags"], part))
