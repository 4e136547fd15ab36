"""Records per second of a tf.data input pipeline: TFRecord file -> parse_single_example ->
map(normalize) -> shuffle -> batch(128), under flowjit and under TensorFlow 2.21's tf.data on
the same file.

flowjit runs the pipeline on the cpu backend (the map body, parse included, is one compiled
function body called per record); TensorFlow runs the same program in compat.v1 graph mode
(`sess.run(get_next)`, the way a TF1 program reads it) and, for reference, eagerly
(`for batch in dataset`). Each is warmed by one epoch, then timed over `--epochs` epochs;
the figure is the median epoch.

    python -m benchmarks.data_pipeline [--records 20000] [--features 64] [--epochs 3]
                                       [--parallel 1] [--backend cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from typing import Any, Callable

import numpy as np

BATCH = 128


def write_file(path: str, records: int, features: int, seed: int = 0) -> None:
    """`records` tf.train.Examples: a float feature "x" of `features` values and an int64 label."""
    import flowjit as tf

    rng = np.random.default_rng(seed)
    xs = rng.integers(0, 256, size=(records, features)).astype(np.float32)
    with tf.python_io.TFRecordWriter(path) as w:
        for i in range(records):
            ex = tf.train.Example(features=tf.train.Features(feature={
                "x": tf.train.Feature(float_list=tf.train.FloatList(value=xs[i].tolist())),
                "y": tf.train.Feature(int64_list=tf.train.Int64List(value=[i % 10]))}))
            w.write(ex.SerializeToString())


def pipeline(tf: Any, path: str, features: int, parallel: int) -> Any:
    """The same program for either framework (`tf` is flowjit or tensorflow.compat.v1)."""
    spec = {"x": tf.FixedLenFeature([features], tf.float32), "y": tf.FixedLenFeature([], tf.int64)}

    def parse(serialized):
        ex = tf.parse_single_example(serialized, spec)
        return (ex["x"] - 127.5) / 127.5, ex["y"]

    return (tf.data.TFRecordDataset(path)
            .map(parse, num_parallel_calls=parallel)
            .shuffle(1000, seed=1)
            .batch(BATCH)
            .prefetch(2))


def _graph_epochs(tf: Any, path: str, features: int, parallel: int, epochs: int,
                  session: Callable[[], Any]) -> list[float]:
    """Seconds per epoch, reading with sess.run(get_next) until OutOfRangeError."""
    times = []
    with tf.Graph().as_default():
        it = tf.data.make_initializable_iterator(pipeline(tf, path, features, parallel))
        nxt = it.get_next()
        with session() as sess:
            for e in range(epochs + 1):
                sess.run(it.initializer)
                t0 = time.perf_counter()
                n = 0
                while True:
                    try:
                        x, _ = sess.run(nxt)
                        n += len(x)
                    except tf.errors.OutOfRangeError:
                        break
                if e:  # epoch 0 warms (compiles, fills caches)
                    times.append(time.perf_counter() - t0)
    return times


def _tf_eager_epochs(tf2: Any, path: str, features: int, parallel: int, epochs: int) -> list[float]:
    class _Shim:  # TF2 spellings of the three names pipeline() uses from `tf`
        data = tf2.data
        FixedLenFeature = tf2.io.FixedLenFeature
        float32, int64 = tf2.float32, tf2.int64
        parse_single_example = staticmethod(tf2.io.parse_single_example)

    ds = pipeline(_Shim, path, features, parallel)
    times = []
    for e in range(epochs + 1):
        t0 = time.perf_counter()
        for _ in ds:
            pass
        if e:
            times.append(time.perf_counter() - t0)
    return times


def measure(records: int = 20000, features: int = 64, epochs: int = 3, parallel: int = 1,
            backend: str = "cpu", with_tf: bool = True) -> dict[str, Any]:
    import flowjit as fj

    out: dict[str, Any] = {"records": records, "features": features, "batch": BATCH, "parallel": parallel}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bench.tfrecord")
        write_file(path, records, features)
        t = _graph_epochs(fj, path, features, parallel, epochs, lambda: fj.Session(backend=backend))
        out["flowjit_records_per_s"] = records / statistics.median(t)
        if with_tf:
            try:
                import tensorflow as tf2
            except ImportError:
                tf2 = None
            if tf2 is not None:
                tf1 = tf2.compat.v1
                t = _graph_epochs(tf1, path, features, parallel, epochs, tf1.Session)
                out["tf_graph_records_per_s"] = records / statistics.median(t)
                t = _tf_eager_epochs(tf2, path, features, parallel, epochs)
                out["tf_eager_records_per_s"] = records / statistics.median(t)
                out["flowjit_vs_tf_graph"] = out["flowjit_records_per_s"] / out["tf_graph_records_per_s"]
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=20000)
    p.add_argument("--features", type=int, default=64)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--parallel", type=int, default=1, help="map num_parallel_calls (-1: AUTOTUNE)")
    p.add_argument("--backend", default="cpu")
    p.add_argument("--no-tf", action="store_true", help="measure flowjit only")
    args = p.parse_args(argv)
    print(json.dumps(measure(args.records, args.features, args.epochs, args.parallel, args.backend,
                             not args.no_tf), indent=1))


if __name__ == "__main__":
    main()
