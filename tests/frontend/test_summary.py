"""tf.summary ops (the serialized Summary checked by hand), FileWriter event files read back with
TensorBoard's EventAccumulator and flowjit's summary_iterator, and corrupt files."""

from __future__ import annotations

import glob
import os
import re
import socket
import struct

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import flowjit as tf  # noqa: E402
from summary_helpers import decode_png, decode_wav, default_bucket_limits  # noqa: E402

BACKENDS = ["reference", "cpu"]


def run(fetches, feed=None, backend="reference"):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


def parse(data: bytes):
    assert isinstance(data, bytes)
    return tf.Summary.FromString(data)


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


# --- ops: names, tags, values ----------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_scalar_tags_follow_name_scopes_and_family(backend):
    with tf.name_scope("outer"):
        a = tf.summary.scalar("loss", tf.constant(1.5))
        b = tf.summary.scalar("loss", 2, family="fam")
        c = tf.summary.scalar("loss", tf.constant(3.0, tf.float64))
    d = tf.summary.scalar("my loss!", 4.0)
    assert [t.op.name for t in (a, b, c, d)] == ["outer/loss", "outer/fam/loss", "outer/loss_1", "my_loss_"]
    assert a.op.type == "ScalarSummary" and a.dtype == tf.string and a.shape.as_list() == []
    assert [i.name for i in a.op.inputs][0] == "outer/loss/tags:0"
    assert [i.name for i in b.op.inputs][1] == "outer/fam/loss/values:0"
    out = [parse(s) for s in run([a, b, c, d], backend=backend)]
    got = [(v.tag, v.simple_value) for s in out for v in s.value]
    assert got == [("outer/loss", 1.5), ("fam/outer/fam/loss", 2.0), ("outer/loss_1", 3.0), ("my_loss_", 4.0)]
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [a, b, c, d]


def test_scalar_value_is_rounded_to_float32():
    s = tf.summary.scalar("x", tf.constant(0.1, tf.float64))
    assert parse(run(s)).value[0].simple_value == float(np.float32(0.1))


def test_scalar_collections_argument():
    s = tf.summary.scalar("x", 1.0, collections=["mine"])
    assert tf.get_collection("mine") == [s] and tf.get_collection(tf.GraphKeys.SUMMARIES) == []


def _hand_histogram(values):
    """Bucket counts by TF's rule (bucket i holds limits[i-1] <= v < limits[i]), runs of empty
    buckets collapsed onto the run's last limit."""
    limits = default_bucket_limits()
    counts = [0.0] * len(limits)
    for v in values:
        i = next(k for k, lim in enumerate(limits) if v < lim)
        counts[i] += 1
    out_l, out_c, i = [], [], 0
    while i < len(limits):
        if counts[i] > 0:
            out_l.append(limits[i]), out_c.append(counts[i])
            i += 1
            continue
        j = i
        while j + 1 < len(limits) and counts[j + 1] == 0:
            j += 1
        out_l.append(limits[j]), out_c.append(0.0)
        i = j + 1
    return out_l, out_c


@pytest.mark.parametrize("backend", BACKENDS)
def test_histogram_buckets_follow_tf_rule(backend):
    values = np.array([-3.5, -1e-13, 0.0, 0.0, 1.0, 2.0, 2.0, 1e6], np.float32)
    with tf.name_scope("layer"):
        h = tf.summary.histogram("w", tf.constant(values))
    assert h.op.name == "layer/w" and h.op.type == "HistogramSummary"
    v = parse(run(h, backend=backend)).value[0]
    assert v.tag == "layer/w"
    x = values.astype(np.float64)
    assert (v.histo.min, v.histo.max, v.histo.num) == (-3.5, 1e6, 8)
    assert v.histo.sum == pytest.approx(x.sum()) and v.histo.sum_squares == pytest.approx((x * x).sum())
    limits, counts = _hand_histogram(x)
    assert list(v.histo.bucket_limit) == limits and list(v.histo.bucket) == counts
    assert sum(v.histo.bucket) == 8 and v.histo.bucket_limit[-1] == np.finfo(np.float64).max


def test_histogram_of_nothing_and_default_name():
    h = tf.summary.histogram(None, tf.zeros([0]))
    assert h.op.name == "HistogramSummary"
    v = parse(run(h)).value[0]
    big = np.finfo(np.float64).max
    assert (v.histo.min, v.histo.max, v.histo.num) == (big, -big, 0)
    assert list(v.histo.bucket_limit) == [big] and list(v.histo.bucket) == [0.0]


def test_histogram_nan_is_an_error_naming_the_node():
    p = tf.placeholder(tf.float32, [None])
    h = tf.summary.histogram("acts", p)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram for: acts"):
        run(h, {p: [1.0, np.nan]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Infinity in summary histogram for: acts"):
        run(h, {p: [np.inf]})


@pytest.mark.parametrize("backend", BACKENDS)
def test_image_uint8_and_tags(backend):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(4, 3, 5, 3), dtype=np.uint8)
    many = tf.summary.image("pic", tf.constant(pixels), max_outputs=2)
    one = tf.summary.image("gray", tf.constant(pixels[:, :, :, :1]), max_outputs=1)
    s_many, s_one = (parse(s) for s in run([many, one], backend=backend))
    assert [v.tag for v in s_many.value] == ["pic/image/0", "pic/image/1"]
    assert [v.tag for v in s_one.value] == ["gray/image"]
    for i, v in enumerate(s_many.value):
        assert (v.image.height, v.image.width, v.image.colorspace) == (3, 5, 3)
        np.testing.assert_array_equal(decode_png(v.image.encoded_image_string), pixels[i])
    np.testing.assert_array_equal(decode_png(s_one.value[0].image.encoded_image_string), pixels[0, :, :, :1])


def test_image_float_normalization_as_tf():
    pos = np.array([[[[0.0], [0.5]], [[1.0], [2.0]]]], np.float32)  # all >= 0: scale 255/max
    neg = np.array([[[[-1.0], [0.0]], [[0.5], [2.0]]]], np.float32)  # negatives: 128 + v*127/max|v|
    bad = np.array([[[[1.0, 0.0, 0.0], [np.nan, 0.0, 0.0]]]], np.float32)  # non-finite pixel: red
    s = run([tf.summary.image(n, tf.constant(a)) for n, a in (("p", pos), ("n", neg), ("b", bad))])
    imgs = [decode_png(parse(x).value[0].image.encoded_image_string) for x in s]
    np.testing.assert_array_equal(imgs[0][..., 0], [[0, 63], [127, 255]])  # 255/2 per unit, truncated
    scale = np.float32(127.0) / np.float32(2.0)
    want = (neg[0, ..., 0] * scale + np.float32(128)).astype(np.uint8)
    np.testing.assert_array_equal(imgs[1][..., 0], want)
    assert want.tolist() == [[64, 128], [159, 255]]
    np.testing.assert_array_equal(imgs[2][0], [[255, 0, 0], [255, 0, 0]])


def test_image_bad_rank_static_and_at_run_time():
    with pytest.raises(ValueError, match=r"4-D with last dim 1, 3, or 4.*summary.image"):
        tf.summary.image("bad", tf.zeros([3, 4, 1]))
    with pytest.raises(ValueError, match="4-D"):
        tf.summary.image("bad", tf.zeros([1, 3, 4, 2]))
    p = tf.placeholder(tf.float32)
    s = tf.summary.image("late", p)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Tensor must be 4-D with last dim 1, 3, or 4, not \[3,4,1\]") as e:
        run(s, {p: np.zeros([3, 4, 1])})
    assert "late" in str(e.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_audio_wav(backend):
    clip = np.array([[0.0, 0.5, -0.5, 1.0, -1.0, 2.0, 1.5 / 32768]], np.float32)
    stereo = np.stack([clip, -clip], axis=-1)  # [1, 7, 2]
    a = tf.summary.audio("voice", tf.constant(clip), 8000, max_outputs=1)
    b = tf.summary.audio("duo", tf.constant(np.concatenate([stereo, stereo])), 16000.0)
    sa, sb = (parse(s) for s in run([a, b], backend=backend))
    assert [v.tag for v in sa.value] == ["voice/audio"] and [v.tag for v in sb.value] == ["duo/audio/0", "duo/audio/1"]
    au = sa.value[0].audio
    assert (au.sample_rate, au.num_channels, au.length_frames, au.content_type) == (8000, 1, 7, "audio/wav")
    rate, frames = decode_wav(au.encoded_audio_string)
    assert rate == 8000
    assert frames[:, 0].tolist() == [0, 16384, -16384, 32767, -32768, 32767, 2]  # roundf: half away from 0
    rate, frames = decode_wav(sb.value[1].audio.encoded_audio_string)
    assert rate == 16000 and frames.shape == (7, 2) and frames[1].tolist() == [16384, -16384]


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_and_tensor_summary(backend):
    from tensorboard.util import tensor_util

    with tf.name_scope("s"):
        t = tf.summary.text("notes", tf.constant(["**bold**", "plain"]))
        ts = tf.summary.tensor_summary("ts", tf.constant([[1, 2], [3, 4]], tf.int64), summary_description="desc",
                                       display_name="shown")
    assert t.op.type == ts.op.type == "TensorSummaryV2" and t.op.name == "s/notes"
    st, sts = (parse(s) for s in run([t, ts], backend=backend))
    v = st.value[0]
    assert v.tag == "s/notes" and v.metadata.plugin_data.plugin_name == "text"
    assert tensor_util.make_ndarray(v.tensor).tolist() == [b"**bold**", b"plain"]
    w = sts.value[0]
    assert w.tag == "s/ts" and w.metadata.summary_description == "desc" and w.metadata.display_name == "shown"
    np.testing.assert_array_equal(tensor_util.make_ndarray(w.tensor), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="to have dtype string, got <dtype: 'int32'>"):
        tf.summary.text("bad", tf.constant(1))


@pytest.mark.parametrize("backend", BACKENDS)
def test_merge_and_merge_all(backend):
    assert tf.summary.merge_all() is None
    a = tf.summary.scalar("a", 1.0)
    with tf.name_scope("grp"):
        b = tf.summary.histogram("b", [1.0])
    m = tf.summary.merge([a, b], name="mm")
    assert m.op.name == "mm/mm" and m.op.type == "MergeSummary"
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [a, b]  # merge adds to no collection by default
    allm = tf.summary.merge_all()
    assert allm.op.name == "Merge/MergeSummary"
    only_grp = tf.summary.merge_all(scope="grp")
    out = run([m, allm, only_grp], backend=backend)
    assert [v.tag for v in parse(out[0]).value] == ["a", "grp/b"]
    assert out[0] == out[1]
    assert [v.tag for v in parse(out[2]).value] == ["grp/b"]


def test_merge_duplicate_tag_is_an_error_naming_the_node():
    a = tf.summary.scalar("a", 1.0)
    m = tf.summary.merge([a, a], name="twice")
    with pytest.raises(tf.errors.InvalidArgumentError, match="Duplicate tag a found in summary inputs") as e:
        run(m)
    assert "twice" in str(e.value)
    p = tf.placeholder(tf.string, [])
    bad = tf.summary.merge([p])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Could not parse one of the summary inputs"):
        run(bad, {p: b"\xff\xff\xff"})


def test_scalar_not_a_scalar():
    with pytest.raises(ValueError, match=r"tags and values not the same shape: \[\] != \[2\]"):
        tf.summary.scalar("loss", tf.constant([1.0, 2.0]))
    p = tf.placeholder(tf.float32)
    s = tf.summary.scalar("loss", p)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"tags and values not the same shape: \[\] != \[3\] \(tag 'loss'\)") as e:
        run(s, {p: np.zeros(3)})
    assert "[[node 'loss' (ScalarSummary)" in str(e.value)
    with pytest.raises(TypeError, match="ScalarSummary values"):
        tf.summary.scalar("s", tf.constant("text"))


def test_no_gradient_through_summaries():
    from flowjit.frontend.grad import gradients

    x = tf.constant(2.0)
    s = tf.summary.scalar("x", x)
    y = x * 3.0
    with tf.control_dependencies([s]):
        z = tf.identity(y)
    assert run(tf.gradients(z, [x]))[0] == 3.0
    for op in ("ScalarSummary", "HistogramSummary", "ImageSummary", "AudioSummaryV2", "TensorSummaryV2",
               "MergeSummary"):
        assert gradients.has_gradient(op), op  # marked NotDifferentiable


# --- FileWriter and event files --------------------------------------------------------------

def _event_files(logdir):
    return sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))


def test_file_writer_round_trip(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x = tf.placeholder(tf.float32, [None])
    tf.summary.scalar("loss", tf.reduce_mean(x))
    tf.summary.histogram("x", x)
    tf.summary.image("img", tf.reshape(tf.cast(x[:12], tf.uint8), [1, 2, 2, 3]))
    tf.summary.text("note", tf.constant("hello"))
    tf.summary.audio("sound", tf.reshape(x[:8] / 20.0, [1, 8]), 4000.0, max_outputs=1)
    merged = tf.summary.merge_all()
    logdir = str(tmp_path / "run1")
    writer = tf.summary.FileWriter(logdir, filename_suffix=".v1")
    assert writer.get_logdir() == logdir
    with tf.Session() as sess:
        for step in range(3):
            writer.add_summary(sess.run(merged, {x: np.arange(12, dtype=np.float32) + step}), global_step=step)
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="proto", simple_value=7.0)]), 5)
    writer.close()
    (path,) = _event_files(logdir)
    name = os.path.basename(path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.%s\.v1" % re.escape(socket.gethostname()), name)

    events = list(tf.summary.summary_iterator(path))
    assert events[0].file_version == "brain.Event:2" and events[0].wall_time > 0
    assert [e.step for e in events[1:]] == [0, 1, 2, 5]
    assert [v.tag for v in events[1].summary.value] == ["loss", "x", "img/image/0", "note", "sound/audio"]
    # plugin metadata is kept on the first value of a tag only, as TF's writer does
    assert events[1].summary.value[3].HasField("metadata") and not events[2].summary.value[3].HasField("metadata")
    assert list(tf.train.summary_iterator(path)) == events

    acc = EventAccumulator(logdir, size_guidance={"tensors": 0, "images": 0, "histograms": 0, "scalars": 0,
                                                  "audio": 0})
    acc.Reload()
    tags = acc.Tags()
    assert tags["scalars"] == ["loss", "proto"] and tags["histograms"] == ["x"]
    assert tags["images"] == ["img/image/0"] and tags["tensors"] == ["note"] and tags["audio"] == ["sound/audio"]
    assert acc.Audio("sound/audio")[0].length_frames == 8
    assert [(s.step, s.value) for s in acc.Scalars("loss")] == [(0, 5.5), (1, 6.5), (2, 7.5)]
    assert acc.Histograms("x")[2].histogram_value.num == 12
    img = acc.Images("img/image/0")[1]
    assert (img.height, img.width) == (2, 2)
    np.testing.assert_array_equal(decode_png(img.encoded_image_string).reshape(-1), np.arange(12) + 1)


def test_graph_run_metadata_session_log_and_meta_graph(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from flowjit.frontend.summary.proto import tb_proto

    graph_pb2, meta_graph_pb2, config_pb2 = (tb_proto(n) for n in ("graph_pb2", "meta_graph_pb2", "config_pb2"))
    gd = graph_pb2.GraphDef()
    gd.node.add(name="scope/a", op="Const")
    gd.node.add(name="scope/b", op="Identity", input=["scope/a"])
    writer = tf.summary.FileWriter(str(tmp_path), graph_def=gd, flush_secs=1)
    run_md = config_pb2.RunMetadata()
    run_md.step_stats.dev_stats.add(device="/cpu:0")
    writer.add_run_metadata(run_md, "step1", global_step=1)
    with pytest.raises(ValueError, match="already used"):
        writer.add_run_metadata(run_md, "step1")
    writer.add_session_log(tf.SessionLog(status=tf.SessionLog.CHECKPOINT, checkpoint_path="/ckpt"), 2)
    writer.add_meta_graph(meta_graph_pb2.MetaGraphDef(graph_def=gd), 3)
    with pytest.raises(TypeError, match="MetaGraphDef"):
        writer.add_meta_graph(gd)
    with pytest.raises(TypeError, match="Graph"):
        writer.add_graph(42)
    writer.add_event(tf.Event(step=9, file_version="custom"))
    writer.flush()
    (path,) = _event_files(str(tmp_path))
    events = list(tf.summary.summary_iterator(path))
    kinds = [e.WhichOneof("what") for e in events]
    assert kinds == ["file_version", "graph_def", "meta_graph_def", "tagged_run_metadata", "session_log",
                     "meta_graph_def", "file_version"]
    assert graph_pb2.GraphDef.FromString(events[1].graph_def) == gd
    assert events[3].tagged_run_metadata.tag == "step1" and events[3].step == 1
    assert config_pb2.RunMetadata.FromString(events[3].tagged_run_metadata.run_metadata) == run_md
    assert events[4].session_log.checkpoint_path == "/ckpt" and events[6].step == 9
    writer.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    assert {n.name for n in acc.Graph().node} == {"scope/a", "scope/b"}
    assert acc.Tags()["run_metadata"] == ["step1"]


def test_add_graph_of_a_flowjit_graph(tmp_path, fresh_graph):
    with tf.name_scope("layer"):
        tf.add(tf.constant(1.0, name="a"), 2.0, name="sum")
    graph_def = fresh_graph.as_graph_def()
    assert hasattr(graph_def, "SerializeToString")  # TF's GraphDef proto
    writer = tf.summary.FileWriter(str(tmp_path), fresh_graph)
    writer.close()
    events = list(tf.summary.summary_iterator(_event_files(str(tmp_path))[0]))
    assert [e.WhichOneof("what") for e in events] == ["file_version", "graph_def", "meta_graph_def"]
    from flowjit.frontend.summary.proto import tb_proto

    names = {n.name for n in tb_proto("graph_pb2").GraphDef.FromString(events[1].graph_def).node}
    assert {"layer/a", "layer/sum"} <= names


def test_close_reopen_and_closed_writer_is_a_noop(tmp_path, caplog):
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.close()
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="lost", simple_value=1.0)]))
    assert "closed FileWriter" in caplog.text
    assert len(list(tf.summary.summary_iterator(_event_files(str(tmp_path))[0]))) == 1
    writer.reopen()
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="kept", simple_value=1.0)]), 1)
    writer.close()
    files = _event_files(str(tmp_path))
    assert len(files) == 2  # a new file, the old one untouched
    tags = [v.tag for f in files for e in tf.summary.summary_iterator(f) for v in e.summary.value]
    assert tags == ["kept"]


def test_background_flush_without_close(tmp_path):
    import time

    writer = tf.summary.FileWriter(str(tmp_path), flush_secs=0.2)
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="t", simple_value=1.0)]), 1)
    (path,) = _event_files(str(tmp_path))
    deadline = time.time() + 5
    while time.time() < deadline and len(list(tf.summary.summary_iterator(path))) < 2:
        time.sleep(0.05)
    assert len(list(tf.summary.summary_iterator(path))) == 2
    writer.close()


def test_file_writer_cache(tmp_path):
    tf.constant(1.0, name="c")  # the cache's writer adds the default graph
    tf.summary.FileWriterCache.clear()
    try:
        w1 = tf.summary.FileWriterCache.get(str(tmp_path))
        assert tf.summary.FileWriterCache.get(str(tmp_path)) is w1
        assert tf.summary.FileWriterCache.get(str(tmp_path / "other")) is not w1
    finally:
        tf.summary.FileWriterCache.clear()
    assert w1.event_writer.closed
    kinds = [e.WhichOneof("what") for e in tf.summary.summary_iterator(_event_files(str(tmp_path))[0])]
    assert kinds == ["file_version", "graph_def", "meta_graph_def"]


def test_unwritable_logdir(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(tf.errors.FailedPreconditionError, match="not a directory"):
        tf.summary.FileWriter(str(blocker))
    with pytest.raises(tf.errors.FailedPreconditionError, match="not a directory"):
        tf.summary.FileWriter(str(blocker / "sub"))
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(tf.errors.PermissionDeniedError, match="locked"):
                tf.summary.FileWriter(str(locked / "run"))
        finally:
            locked.chmod(0o700)


def test_add_summary_rejects_what_is_no_summary(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    with pytest.raises(TypeError, match="Summary proto or its serialized bytes"):
        writer.add_summary(3.0)
    with pytest.raises(ValueError, match="not a serialized Summary"):
        writer.add_summary(b"\xff\xff\xff")
    writer.close()


# --- reading: corrupt files ----------------------------------------------------------------------

def _written_file(tmp_path):
    writer = tf.summary.FileWriter(str(tmp_path))
    writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag="t", simple_value=1.0)]), 1)
    writer.close()
    return _event_files(str(tmp_path))[0]


@pytest.mark.parametrize("where", ["length", "data", "data_crc"])
def test_corrupt_record_is_data_loss(tmp_path, where):
    path = _written_file(tmp_path)
    data = bytearray(open(path, "rb").read())
    (first_len,) = struct.unpack("<Q", data[:8])
    second = 12 + first_len + 4
    offset = {"length": second + 1, "data": second + 12 + 2, "data_crc": len(data) - 1}[where]
    data[offset] ^= 0x40
    open(path, "wb").write(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match=f"corrupted record at {second}"):
        list(tf.summary.summary_iterator(path))


def test_truncated_file_is_data_loss(tmp_path):
    path = _written_file(tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-3])
    it = tf.summary.summary_iterator(path)
    assert next(it).file_version == "brain.Event:2"
    with pytest.raises(tf.errors.DataLossError, match="truncated record"):
        next(it)


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        list(tf.summary.summary_iterator(str(tmp_path / "nothing")))


def test_get_summary_description():
    from flowjit.frontend.summary.proto import tb_proto

    node = tb_proto("node_def_pb2").NodeDef(name="t", op="TensorSummary")
    node.attr["description"].s = b'{"typeHint": "scalar"}'
    assert tf.summary.get_summary_description(node).type_hint == "scalar"
    with pytest.raises(ValueError, match="Can't get_summary_description on ScalarSummary"):
        tf.summary.get_summary_description(tb_proto("node_def_pb2").NodeDef(name="s", op="ScalarSummary"))


def test_audio_bad_input():
    with pytest.raises(ValueError, match=r"Tensor must be 3-D or 2-D, got: \[5\]"):
        tf.summary.audio("au", tf.zeros([5]), 8000)
    with pytest.raises(TypeError, match="AudioSummaryV2 tensor"):
        tf.summary.audio("au", tf.zeros([1, 5], tf.float64), 8000)
    p = tf.placeholder(tf.float32)
    r = tf.placeholder(tf.float32, [])
    s = tf.summary.audio("late", p, r)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Tensor must be 3-D or 2-D, got: \[5\]"):
        run(s, {p: np.zeros(5), r: 8000.0})
    with pytest.raises(tf.errors.InvalidArgumentError, match="sample_rate must be > 0"):
        run(s, {p: np.zeros([1, 5]), r: 0.0})
