"""tf.summary against real TensorFlow: the same program's serialized Summary protos (byte for
byte, images by their decoded pixels), histogram buckets, and event files read across."""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import flowjit  # noqa: E402
from summary_helpers import decode_png  # noqa: E402

pytestmark = pytest.mark.tf


@pytest.fixture(scope="module")
def tf1():
    tf = pytest.importorskip("tensorflow")
    return tf.compat.v1


def _program(tf):
    """Summaries of every kind, with scopes, families, feeds and repeated names."""
    rng = np.random.default_rng(7)
    x = tf.placeholder(tf.float32, [None], name="x")
    img_f = rng.normal(size=(3, 4, 5, 3)).astype(np.float32)
    img_f[0, 1, 2, 1] = np.inf
    img_pos = rng.uniform(0, 3, size=(2, 3, 3, 1)).astype(np.float64)
    img_u8 = rng.integers(0, 256, size=(2, 3, 2, 4), dtype=np.uint8)
    clip = rng.uniform(-1.2, 1.2, size=(2, 50, 2)).astype(np.float32)
    out = []
    with tf.name_scope("train"):
        out.append(tf.summary.scalar("loss", tf.reduce_mean(x)))
        out.append(tf.summary.scalar("loss", tf.reduce_max(x), family="extra"))
        out.append(tf.summary.histogram("x", x))
        out.append(tf.summary.histogram("ints", tf.constant([-5, 0, 0, 3, 1000000], tf.int64)))
        out.append(tf.summary.image("float", tf.constant(img_f), max_outputs=2))
    out.append(tf.summary.image("pos", tf.constant(img_pos), max_outputs=1, family="imgs"))
    out.append(tf.summary.image("u8", tf.constant(img_u8), max_outputs=5))
    out.append(tf.summary.image("half", tf.constant(img_f[:1].astype(np.float16) * 3)))
    out.append(tf.summary.image("flat", tf.zeros([1, 2, 2, 1])))  # max 0: scale 0
    out.append(tf.summary.scalar("i8", tf.constant(-7, tf.int8)))
    out.append(tf.summary.audio("clip", tf.constant(clip), 22050.0, max_outputs=2))
    out.append(tf.summary.audio("mono", tf.constant(clip[:, :, 0]), 8000, max_outputs=1))
    out.append(tf.summary.text("notes", tf.constant([["a", "b"], ["**c**", "d e"]])))
    out.append(tf.summary.tensor_summary("t", tf.constant([[1.5, 2.5]], tf.float64), summary_description="d"))
    out.append(tf.summary.tensor_summary("b", tf.constant([True, False])))
    out.append(tf.summary.scalar("bad name?", 1))
    out.append(tf.summary.merge_all())
    # multiples of 1/8: every partial sum is exact, so the mean is the same whatever the sum order
    feed = {x: (np.round(rng.normal(size=1000) * 80) / 8).astype(np.float32)}
    return out, feed


def _run_flowjit(backend):
    with flowjit.Graph().as_default():
        out, feed = _program(flowjit)
        names = [t.op.name for t in out]
        with flowjit.Session(backend=backend) as sess:
            return names, sess.run(out, feed)


def _run_tf(tf1):
    with tf1.Graph().as_default():
        out, feed = _program(tf1)
        names = [t.op.name for t in out]
        with tf1.Session() as sess:
            return names, sess.run(out, feed)


def _split_images(tf1, data):
    """(the Summary bytes with PNGs removed, the decoded PNGs)."""
    s = tf1.Summary.FromString(data)
    pixels = []
    for v in s.value:
        if v.HasField("image"):
            pixels.append(decode_png(v.image.encoded_image_string))
            v.image.ClearField("encoded_image_string")
    return s.SerializeToString(), pixels


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_summaries_equal_tensorflows(tf1, backend):
    names, ours = _run_flowjit(backend)
    tf_names, theirs = _run_tf(tf1)
    assert names == tf_names
    for name, a, b in zip(names, ours, theirs):
        a_rest, a_px = _split_images(tf1, a)
        b_rest, b_px = _split_images(tf1, b)
        assert a_rest == b_rest, (name, tf1.Summary.FromString(a), tf1.Summary.FromString(b))
        assert len(a_px) == len(b_px), name
        for p, q in zip(a_px, b_px):
            np.testing.assert_array_equal(p, q, err_msg=name)


def test_histogram_buckets_equal_tensorflows(tf1):
    values = np.concatenate([np.random.default_rng(3).standard_cauchy(5000), [0.0, -0.0, 1e-13, -1e-12]])
    with flowjit.Graph().as_default():
        ours = flowjit.Session().run(flowjit.summary.histogram("h", flowjit.constant(values)))
    with tf1.Graph().as_default():
        theirs = tf1.Session().run(tf1.summary.histogram("h", tf1.constant(values)))
    a, b = tf1.Summary.FromString(ours).value[0].histo, tf1.Summary.FromString(theirs).value[0].histo
    assert list(a.bucket_limit) == list(b.bucket_limit) and list(a.bucket) == list(b.bucket)
    assert ours == theirs


def test_errors_match_tensorflows_text(tf1):
    with tf1.Graph().as_default():
        p = tf1.placeholder(tf1.float32)
        s = tf1.summary.scalar("loss", p)
        m = tf1.summary.merge([s, s])
        with tf1.Session() as sess:
            with pytest.raises(tf1.errors.InvalidArgumentError) as tf_scalar:
                sess.run(s, {p: np.zeros(2)})
            with pytest.raises(tf1.errors.InvalidArgumentError) as tf_merge:
                sess.run(m, {p: 1.0})
    with flowjit.Graph().as_default():
        p = flowjit.placeholder(flowjit.float32)
        s = flowjit.summary.scalar("loss", p)
        m = flowjit.summary.merge([s, s])
        with flowjit.Session() as sess:
            with pytest.raises(flowjit.errors.InvalidArgumentError) as ours_scalar:
                sess.run(s, {p: np.zeros(2)})
            with pytest.raises(flowjit.errors.InvalidArgumentError) as ours_merge:
                sess.run(m, {p: 1.0})
    # TF 2's kernel says "are not the same shape"; TF 1.15's (flowjit's) "not the same shape"
    assert "[] != [2] (tag 'loss')" in tf_scalar.value.message and "[] != [2] (tag 'loss')" in str(ours_scalar.value)
    assert "Duplicate tag loss found in summary inputs" in tf_merge.value.message
    assert "Duplicate tag loss found in summary inputs" in str(ours_merge.value)


def test_tensorflow_reads_flowjit_event_files_and_back(tf1, tmp_path):
    with flowjit.Graph().as_default():
        x = flowjit.placeholder(flowjit.float32, [])
        flowjit.summary.scalar("loss", x)
        flowjit.summary.histogram("x", flowjit.stack([x, 2 * x]))
        merged = flowjit.summary.merge_all()
        writer = flowjit.summary.FileWriter(str(tmp_path / "flowjit"))
        with flowjit.Session() as sess:
            for step in range(4):
                writer.add_summary(sess.run(merged, {x: float(step)}), step)
        writer.add_session_log(flowjit.SessionLog(status=flowjit.SessionLog.STOP), 4)
        writer.close()
    (ours,) = glob.glob(os.path.join(str(tmp_path / "flowjit"), "events.out.tfevents.*"))
    events = list(tf1.train.summary_iterator(ours))
    assert events[0].file_version == "brain.Event:2"
    assert [(e.step, e.summary.value[0].simple_value) for e in events[1:5]] == [(i, float(i)) for i in range(4)]
    assert events[5].session_log.status == tf1.SessionLog.STOP

    with tf1.Graph().as_default():
        s = tf1.summary.scalar("tf_loss", tf1.constant(2.5))
        w = tf1.summary.FileWriter(str(tmp_path / "tf"))
        with tf1.Session() as sess:
            w.add_summary(sess.run(s), 7)
        w.close()
    (theirs,) = glob.glob(os.path.join(str(tmp_path / "tf"), "events.out.tfevents.*"))
    read = list(flowjit.train.summary_iterator(theirs))
    assert read[0].file_version == "brain.Event:2"
    assert [(e.step, v.tag, v.simple_value) for e in read for v in e.summary.value] == [(7, "tf_loss", 2.5)]
