"""What TensorBoard summaries cost a training loop: examples/cnn_digits.py's network on the LLVM
cpu backend, trained with and without a merged summary (loss and accuracy scalars, a histogram
of every weight, 3 input images) run and written every 10 steps.

Both loops run in one process on one graph (the summary ops exist in both; the plain loop never
fetches them, as in a TF1 program), each fetch set compiled and warmed before timing. They take
turns in blocks of `--block` steps so machine load hits both alike; the overhead is the ratio
of the medians of the per-block times; a second figure comes from the medians of single steps.

    python -m benchmarks.summary_overhead [--steps 400] [--every 10] [--backend cpu]
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import statistics
import tempfile
import time
from typing import Any

import flowjit as tf
from flowjit.examples.tutorials.mnist import input_data

_EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _cnn_model():
    """examples/cnn_digits.py's build_model, loaded from the file (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("example_cnn_digits", _EXAMPLES / "cnn_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_model


def build(batch_size: int) -> dict[str, Any]:
    """The CNN training graph plus its merged summary."""
    data = input_data.load_digits(image_shape="nhwc")
    height, width = data.train.images.shape[1:3]
    tf.reset_default_graph()
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, height, width, 1], name="x")
    y = tf.placeholder(tf.int64, [None], name="y")
    is_training = tf.placeholder_with_default(True, [], name="is_training")
    logits = _cnn_model()(x, is_training)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    tf.summary.scalar("loss", loss)
    tf.summary.scalar("accuracy", accuracy)
    for var in tf.trainable_variables():
        tf.summary.histogram(var.op.name, var)
    tf.summary.image("input", x, max_outputs=3)
    return {"data": data, "x": x, "y": y, "loss": loss, "train_op": train_op,
            "merged": tf.summary.merge_all(), "batch_size": batch_size}


def _block(sess, model, writer, steps: int, every: int, start: int, step_times: dict[str, list[float]]) -> float:
    """Seconds for `steps` training steps; with a writer, a merged summary every `every` steps.
    Each step's own time goes to step_times["plain"] or step_times["summary"]."""
    data, x, y = model["data"], model["x"], model["y"]
    batches = [data.train.next_batch(model["batch_size"]) for _ in range(steps)]
    began = time.perf_counter()
    for i, (xb, yb) in enumerate(batches):
        step = start + i
        t0 = time.perf_counter()
        if writer is not None and step % every == 0:
            summary, _, _ = sess.run([model["merged"], model["train_op"], model["loss"]], {x: xb, y: yb})
            writer.add_summary(summary, step)
            step_times["summary"].append(time.perf_counter() - t0)
        else:
            sess.run([model["train_op"], model["loss"]], {x: xb, y: yb})
            step_times["plain"].append(time.perf_counter() - t0)
    return time.perf_counter() - began


def measure(steps: int = 400, every: int = 10, block: int = 50, backend: str | None = None,
            batch_size: int = 64) -> dict[str, float]:
    """Seconds per step without and with summaries and the overhead in percent, two ways.

    `overhead_percent`: the ratio of the medians of the timed blocks. `overhead_percent_steps`:
    from the medians of single steps, (summary step - plain step) / (every * plain step); on a
    shared machine this one is the steadier (a burst of load moves a block, rarely a median);
    `overhead_percent_min` is the same from the fastest single steps (the least loaded)."""
    if block % every:
        raise ValueError(f"block ({block}) must be a multiple of every ({every}) so each block writes alike")
    model = build(batch_size)
    times: dict[str, list[float]] = {"plain": [], "summary": []}
    with tempfile.TemporaryDirectory(prefix="flowjit_summary_overhead_") as logdir:
        sess = tf.Session(backend=backend)
        writer = tf.summary.FileWriter(logdir, sess.graph)
        sess.run(tf.global_variables_initializer())
        _block(sess, model, writer, every, every, 0, {"plain": [], "summary": []})  # compile, warm
        plain, summed, step = [], [], every
        for _ in range(max(1, steps // block)):
            plain.append(_block(sess, model, None, block, every, step, times))
            summed.append(_block(sess, model, writer, block, every, step, times))
            step += block
        writer.close()
        sess.close()
    base, with_summaries = statistics.median(plain) / block, statistics.median(summed) / block
    plain_step, summary_step = statistics.median(times["plain"]), statistics.median(times["summary"])
    return {"seconds_per_step": base, "seconds_per_step_with_summaries": with_summaries,
            "overhead_percent": 100.0 * (with_summaries / base - 1.0), "blocks": len(plain),
            "plain_step": plain_step, "summary_step": summary_step,
            "overhead_percent_steps": 100.0 * (summary_step - plain_step) / (every * plain_step),
            "overhead_percent_min": 100.0 * (min(times["summary"]) - min(times["plain"])) / (every * min(times["plain"]))}


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="timed steps per variant")
    parser.add_argument("--every", type=int, default=10, help="steps between merged summaries")
    parser.add_argument("--block", type=int, default=50, help="steps per timed block")
    parser.add_argument("--backend", default=None, help="flowjit backend (default: the LLVM cpu backend)")
    args = parser.parse_args(argv)
    result = measure(args.steps, args.every, args.block, args.backend)
    print(f"cnn_digits step: {1e3 * result['seconds_per_step']:.2f} ms without summaries, "
          f"{1e3 * result['seconds_per_step_with_summaries']:.2f} ms with a merged summary every "
          f"{args.every} steps: overhead {result['overhead_percent']:+.1f}% "
          f"(median of {result['blocks']} blocks of {args.block}); single steps: "
          f"{1e3 * result['plain_step']:.2f} ms plain, {1e3 * result['summary_step']:.2f} ms with the summary: "
          f"overhead {result['overhead_percent_steps']:+.1f}% (from the fastest steps: "
          f"{result['overhead_percent_min']:+.1f}%)")
    return result


if __name__ == "__main__":
    main()
