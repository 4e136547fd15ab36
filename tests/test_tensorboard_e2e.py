"""End to end: a TF1 summary program run by flowjit, shown by the real TensorBoard server.

The program (the issue's: `tf.summary.scalar/histogram/image/text`, `merge_all`,
`FileWriter(logdir, sess.graph)`) trains a linear model a few steps; then the `tensorboard`
server (tests/tensorboard_server.py) is started on the log folder and its JSON API must show
the loss curve with the values the session returned, the weights' histograms, the images as
PNGs of the right size, the text, and the graph with every node of the flowjit graph, scopes
and edges. The same program under real TensorFlow gives the oracle for the tags and scopes.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest

from tensorboard_server import get, get_json, poll_json, quote, tensorboard_server

pytestmark = pytest.mark.slow

STEPS = 5
TRUE_W = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)


def program(tf: Any, logdir: str, session: Any) -> dict[str, Any]:
    """The TF1 summary program, written once for flowjit and tensorflow.compat.v1.

    `session` makes the module's Session (flowjit picks its backend there). Returns the losses
    fetched at each step, the final weights, the fed targets and the op names the writer saw."""
    with tf.name_scope("input"):
        x = tf.placeholder(tf.float32, [None, 4], name="x")
        y_ = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("model"):
        W = tf.Variable(tf.zeros([4, 1]), name="W")
        b = tf.Variable(tf.zeros([1]), name="b")
        y = tf.matmul(x, W) + b
    with tf.name_scope("mse"):
        loss = tf.reduce_mean(tf.square(y - y_))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    tf.summary.scalar("loss", loss)
    tf.summary.histogram("weights", W)
    tf.summary.histogram("targets", y_)
    tf.summary.image("input_image", tf.reshape(x, [-1, 2, 2, 1]), max_outputs=2)
    tf.summary.text("note", tf.constant("hello **world**"))
    merged = tf.summary.merge_all()
    sess = session()
    ops = [op.name for op in sess.graph.get_operations()]  # the graph as the writer gets it
    writer = tf.summary.FileWriter(logdir, sess.graph)
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    xs = rng.rand(8, 4).astype(np.float32)
    ys = xs @ TRUE_W
    losses = []
    for step in range(STEPS):
        summary, loss_v, _ = sess.run([merged, loss, train], {x: xs, y_: ys})
        writer.add_summary(summary, step)
        losses.append(float(loss_v))
    weights = sess.run(W)
    writer.close()
    sess.close()
    return {"losses": losses, "weights": weights, "ops": ops, "targets": ys}


def run_flowjit(logdir: str, backend: str) -> dict[str, Any]:
    import flowjit as tf

    with tf.Graph().as_default():
        return program(tf, logdir, lambda: tf.Session(backend=backend))


def served(logdir: str) -> dict[str, Any]:
    """Everything the real TensorBoard serves for the one run '.' in logdir."""
    pytest.importorskip("tensorboard")
    from google.protobuf import text_format

    from flowjit.frontend.summary.proto import tb_proto

    graph_pb2 = tb_proto("graph_pb2")

    with tensorboard_server(logdir) as url:
        # The server loads files in the background: wait until the last kind written is there.
        poll_json(url, "/data/plugin/text/tags", lambda t: "note" in t.get(".", []))
        out: dict[str, Any] = {
            "runs": get_json(url, "/data/runs"),
            "scalar_tags": get_json(url, "/data/plugin/scalars/tags"),
            "loss": get_json(url, "/data/plugin/scalars/scalars?run=.&tag=loss"),
            "histogram_tags": get_json(url, "/data/plugin/histograms/tags"),
            "weights": get_json(url, "/data/plugin/histograms/histograms?run=.&tag=weights"),
            "targets": get_json(url, "/data/plugin/histograms/histograms?run=.&tag=targets"),
            "image_tags": get_json(url, "/data/plugin/images/tags"),
            "text_tags": get_json(url, "/data/plugin/text/tags"),
            "note": get_json(url, "/data/plugin/text/text?run=.&tag=note"),
            "graph_info": get_json(url, "/data/plugin/graphs/info"),
        }
        out["pngs"] = {}
        for tag in out["image_tags"].get(".", {}):
            entries = get_json(url, f"/data/plugin/images/images?run=.&tag={quote(tag)}&sample=0")
            out["pngs"][tag] = [get(url, "/data/plugin/images/individualImage?" + e["query"]) for e in entries]
        graph = graph_pb2.GraphDef()
        text_format.Parse(get(url, "/data/plugin/graphs/graph?run=.").decode("utf-8"), graph)
        out["graph"] = graph
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    return struct.unpack(">II", data[16:24])


def top_scopes(names: list[str]) -> set[str]:
    return {name.split("/", 1)[0] for name in names if "/" in name}


@pytest.fixture(scope="module", params=["reference", "cpu"])
def flowjit_served(request, tmp_path_factory):
    pytest.importorskip("tensorboard")
    logdir = str(tmp_path_factory.mktemp(f"flowjit_logs_{request.param}"))
    result = run_flowjit(logdir, request.param)
    return result, served(logdir)


def test_scalars_show_the_losses_the_session_returned(flowjit_served):
    result, tb = flowjit_served
    assert tb["runs"] == ["."]
    assert list(tb["scalar_tags"]["."]) == ["loss"]
    assert [step for _, step, _ in tb["loss"]] == list(range(STEPS))
    np.testing.assert_allclose([v for _, _, v in tb["loss"]], result["losses"], rtol=1e-6)
    assert result["losses"][0] == pytest.approx(float(np.mean(result["targets"] ** 2)), rel=1e-6)  # W = 0, b = 0
    assert result["losses"][-1] < result["losses"][0] / 10  # it trained


def test_histograms_images_and_text(flowjit_served):
    result, tb = flowjit_served
    assert sorted(tb["histogram_tags"]["."]) == ["targets", "weights"]
    assert [step for _, step, _ in tb["weights"]] == list(range(STEPS))
    for _, _, buckets in tb["weights"]:
        assert sum(count for _, _, count in buckets) == 4  # every element of W, once
    targets = result["targets"]
    for _, _, buckets in tb["targets"]:  # the fed targets: the same 8 values at every step
        assert sum(count for _, _, count in buckets) == 8
        assert buckets[0][0] == pytest.approx(float(targets.min()), rel=1e-6)
        assert buckets[-1][1] == pytest.approx(float(targets.max()), rel=1e-6)
    assert sorted(tb["image_tags"]["."]) == ["input_image/image/0", "input_image/image/1"]
    for tag, pngs in tb["pngs"].items():
        assert len(pngs) == STEPS, tag
        assert all(png_size(png) == (2, 2) for png in pngs)
    assert tb["text_tags"] == {".": ["note"]}
    assert [entry["step"] for entry in tb["note"]] == list(range(STEPS))
    assert tb["note"][0]["text"] == "<p>hello <strong>world</strong></p>"


def test_graph_has_every_node_with_scopes_and_edges(flowjit_served):
    result, tb = flowjit_served
    assert tb["graph_info"]["."]["run_graph"] is True
    nodes = {node.name: node for node in tb["graph"].node}
    assert set(result["ops"]) <= set(nodes), sorted(set(result["ops"]) - set(nodes))
    assert {"input", "model", "mse"} <= top_scopes(list(nodes))
    assert nodes["input/x"].op == "Placeholder"
    assert nodes["model/W"].op in ("VariableV2", "Variable")
    assert "input/x" in [i.split(":")[0] for i in nodes["model/MatMul"].input]
    for node in nodes.values():  # every edge ends at a node TensorBoard knows
        for source in node.input:
            assert source.lstrip("^").split(":")[0] in nodes, (node.name, source)


@pytest.mark.tf
def test_tags_and_scopes_match_tensorflow(flowjit_served, tmp_path):
    from compat.harness import _tf1_behavior, real_tf

    real_tf()  # imports TensorFlow once, graph mode, quiet
    tf1 = pytest.importorskip("tensorflow").compat.v1
    result, tb = flowjit_served
    with tf1.Graph().as_default(), _tf1_behavior(tf1):
        reference = program(tf1, str(tmp_path), tf1.Session)
    tf_tb = served(str(tmp_path))
    np.testing.assert_allclose(result["losses"], reference["losses"], rtol=1e-5)
    for key in ("runs", "scalar_tags", "histogram_tags", "image_tags", "text_tags"):
        assert tb[key] == tf_tb[key], key
    assert tb["note"][0]["text"] == tf_tb["note"][0]["text"]
    flowjit_nodes = [node.name for node in tb["graph"].node]
    tf_nodes = [node.name for node in tf_tb["graph"].node]
    assert top_scopes(flowjit_nodes) == top_scopes(tf_nodes)
    # The program's own nodes have TF's names (TF adds internal helpers beyond these).
    for name in ("input/x", "input/y", "model/W", "model/b", "model/MatMul", "model/add", "mse/Mean",
                 "loss", "weights", "targets", "input_image", "note", "Merge/MergeSummary"):
        assert name in tf_nodes and name in flowjit_nodes, name
