"""The seeds' programs in examples/ run as a user would run them and learn what they should.

They run on the backend named by FLOWJIT_EXAMPLES_BACKEND (default: reference) so the suite
does not depend on the LLVM backend; run them by hand to use the default backend.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
BACKEND = os.environ.get("FLOWJIT_EXAMPLES_BACKEND", "reference")


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_linear_regression_recovers_w_and_b(capsys):
    result = load("linear_regression").main(["--steps", "201", "--backend", BACKEND])
    assert abs(result["W"] - 0.1) < 0.01
    assert abs(result["b"] - 0.3) < 0.01
    out = capsys.readouterr().out
    assert "step    0" in out and "learned y =" in out


def test_softmax_regression_on_digits(capsys):
    pytest.importorskip("sklearn")
    result = load("softmax_digits").main(["--steps", "300", "--backend", BACKEND])
    assert result["test_accuracy"] > 0.90
    assert "test accuracy" in capsys.readouterr().out


def test_softmax_regression_on_idx_files(tmp_path):
    import numpy as np

    from flowjit.examples.tutorials.mnist import input_data

    rng = np.random.RandomState(0)
    for split, n in (("train", 40), ("t10k", 10)):
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        images = np.zeros((n, 6, 6), np.uint8)
        images[np.arange(n), labels // 6, labels % 6] = 255  # a learnable toy: one lit pixel per class
        input_data.write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
        input_data.write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", labels)
    result = load("softmax_digits").main(["--steps", "60", "--batch-size", "20", "--mnist", str(tmp_path),
                                          "--backend", BACKEND, "--quiet"])
    assert result["test_accuracy"] >= 0.9


def test_cnn_smoke(capsys):
    pytest.importorskip("sklearn")
    result = load("cnn_digits").main(["--steps", "3", "--backend", BACKEND])
    assert result["steps"] == 3 and result["loss"] == result["loss"]  # not NaN


@pytest.mark.slow
def test_cnn_reaches_97_percent_on_digits():
    pytest.importorskip("sklearn")
    result = load("cnn_digits").main(["--backend", BACKEND, "--quiet"])
    assert result["test_accuracy"] >= 0.97


def test_char_rnn_language_model_learns_the_zen_of_python():
    result = load("char_rnn").main(["--steps", "80", "--hidden", "48", "--layers", "2", "--seq-length", "16",
                                    "--embedding", "16", "--learning-rate", "0.01", "--sample", "20",
                                    "--backend", BACKEND, "--quiet"])
    losses, uniform = result["losses"], result["uniform_loss"]
    assert abs(losses[0] - uniform) < 0.3  # starts near log(vocabulary): knows nothing
    assert sum(losses[-10:]) / 10 < 0.75 * uniform, (losses[:3], losses[-10:])
    assert len(result["sample"]) == 10 + 20 and result["sample"].startswith("The Zen of")


def test_summaries_example_writes_what_tensorboard_reads(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("tensorboard")
    from flowjit.frontend.summary.proto import tb_import

    result = load("summaries_digits").main(["--steps", "20", "--summary-every", "10", "--logdir", str(tmp_path),
                                            "--backend", BACKEND, "--quiet"])
    assert len(result["event_files"]) == 1 and ".tfevents." in result["event_files"][0]
    accumulator = tb_import("tensorboard.backend.event_processing.event_accumulator").EventAccumulator(
        str(tmp_path), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    assert sorted(tags["scalars"]) == ["metrics/accuracy", "metrics/loss"]
    loss = accumulator.Scalars("metrics/loss")
    assert [event.step for event in loss] == [1, 10, 20]
    assert loss[-1].value == pytest.approx(result["loss"], rel=1e-6)  # the loss fetched in that run
    assert sorted(tags["histograms"]) == sorted(
        [f"{layer}/{kind}_1" for layer in ("conv1", "fc1", "logits") for kind in ("weights", "biases")] + ["outputs"])
    weights = accumulator.Histograms("conv1/weights_1")[-1].histogram_value
    assert weights.num == 3 * 3 * 1 * 16  # every element of the 3x3x1x16 kernel
    assert sorted(tags["images"]) == ["digits/image/0", "digits/image/1", "digits/image/2"]
    image = accumulator.Images("digits/image/0")[0]
    assert (image.width, image.height) == (8, 8) and image.encoded_image_string[:4] == b"\x89PNG"
    assert "about" in tags["tensors"]
    assert tags["graph"] is True
    nodes = {node.name for node in accumulator.Graph().node}
    assert {"input/x", "conv1/weights", "fc1/weights", "loss/Mean", "digits"} <= nodes
    assert f"tensorboard --logdir {tmp_path}" in capsys.readouterr().out


def test_queue_pipeline_learns_as_feed_dict_does():
    """The seed's pipeline (TFRecord shards -> reader -> parse -> shuffle_batch -> train) reaches
    the accuracy of the same softmax model fed with feed_dict, and reads every test example once."""
    pytest.importorskip("sklearn")
    queued = load("queue_pipeline").main(["--steps", "300", "--backend", BACKEND, "--quiet"])
    fed = load("softmax_digits").main(["--steps", "300", "--backend", BACKEND])
    assert queued["test_examples"] == 449
    assert queued["test_accuracy"] > 0.9
    assert abs(queued["test_accuracy"] - fed["test_accuracy"]) < 0.04
