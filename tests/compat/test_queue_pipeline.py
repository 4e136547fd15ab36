"""The same queue pipeline (filenames -> reader -> decode -> batch, run by QueueRunners) under
flowjit (both backends) and TensorFlow's compat.v1: the batches, names and end of input agree."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit

pytestmark = pytest.mark.tf


def _write(tmp_path):
    paths = []
    for i in range(2):
        p = tmp_path / f"part{i}.csv"
        p.write_text("".join(f"{i * 10 + j},{j * 0.5}\n" for j in range(5)))
        paths.append(str(p))
    return paths


def _pipeline(tf, paths, session_kwargs):
    with tf.Graph().as_default():
        files = tf.train.string_input_producer(paths, num_epochs=1, shuffle=False)
        key, line = tf.TextLineReader().read(files)
        ident, value = tf.decode_csv(line, record_defaults=[[0], [0.0]])
        batch = tf.train.batch([ident, value * 2.0], batch_size=4, allow_smaller_final_batch=True)
        names = [t.name for t in batch] + [files.name, key.name]
        with tf.Session(**session_kwargs) as sess:
            sess.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess=sess, coord=coord)
            out = []
            try:
                while True:
                    ids, vals = sess.run(batch)
                    out.append((ids.tolist(), np.round(vals, 6).tolist()))
            except tf.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
        return names, out


def test_pipeline_matches_tensorflow(tmp_path):
    tf1 = pytest.importorskip("tensorflow").compat.v1
    paths = _write(tmp_path)
    expected = _pipeline(tf1, paths, {})
    assert expected[1][-1][0] == [13, 14]  # 10 lines in batches of 4: a final batch of 2
    for backend in ("reference", "cpu"):
        assert _pipeline(flowjit, paths, {"backend": backend}) == expected
