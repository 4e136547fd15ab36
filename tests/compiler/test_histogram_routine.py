"""HistogramStats compiled (compiler/routines/histogram.py) against its NumPy reference, and
the split of HistogramSummary into it (passes/split_summaries.py): bit-identical vectors, the
same Summary bytes, errors naming the summary node."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit.compiler.routines.histogram import bucket_index, start_table
from flowjit.ir.ops.summary import STATS_HEAD, default_bucket_limits, histogram_stats

RNG = np.random.default_rng(7)
LIMITS = default_bucket_limits()


def _edge_values() -> np.ndarray:
    """Every limit, its neighbours, zeros of both signs, subnormals and the largest doubles."""
    finite = LIMITS
    with np.errstate(over="ignore"):
        around = np.concatenate([finite, np.nextafter(finite, np.inf), np.nextafter(finite, -np.inf)])
    extra = [0.0, -0.0, 5e-324, -5e-324, 2.2e-308, 1e-13, -1e-13, 1e25, -1e25, 1e300, -1e300]
    out = np.concatenate([around, extra])
    return out[np.isfinite(out)]


def _stats(values: np.ndarray, backend: str) -> np.ndarray:
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.as_dtype(values.dtype), values.shape)
        st = g.create_op("HistogramStats", [x], {}, name="st").outputs[0]
        with tf.Session(backend=backend) as sess:
            out = sess.run(st, {x: values})
            if backend == "cpu":
                assert sess._cache  # noqa: SLF001 - the plan exists
        return out


def test_bucket_table_matches_the_limits():
    """The table method (top bits, one comparison) puts every value where the sorted search does."""
    values = np.concatenate([_edge_values(), RNG.standard_normal(4000) * 10.0 ** RNG.integers(-14, 22, 4000)])
    for v in values:
        want = int(np.flatnonzero(histogram_stats(np.array([v]))[STATS_HEAD:])[0])
        assert bucket_index(float(v)) == want, v


def test_every_key_range_holds_at_most_one_limit():
    """What makes one comparison enough: no two limits share a range of the table."""
    first, starts, _ = start_table()
    assert np.all(np.diff(starts.astype(int)) <= 1)
    assert starts[0] == 0 and starts[-1] == (LIMITS.size - 1) // 2 - 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int32, np.int64])
@pytest.mark.parametrize("size", [0, 1, 3, 5, 1001])
def test_native_stats_bit_identical(dtype, size):
    if np.dtype(dtype).kind == "f":
        x = (RNG.standard_normal(size) * 10.0 ** RNG.integers(-3, 4, size)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = RNG.integers(info.min, info.max, size, endpoint=True, dtype=dtype)
    ref, got = _stats(x, "reference"), _stats(x, "cpu")
    np.testing.assert_array_equal(got.view(np.int64), ref.view(np.int64))  # bits: signed zeros too


def test_native_stats_edge_values_and_signed_zeros():
    x = np.concatenate([_edge_values(), [-0.0, 0.0, -0.0]])
    RNG.shuffle(x)
    ref, got = _stats(x, "reference"), _stats(x, "cpu")
    np.testing.assert_array_equal(got.view(np.int64), ref.view(np.int64))
    zeros = np.array([-0.0, 0.0, 1.0])  # min is the first of equal zeros, as TF's `value < min_`
    assert np.signbit(_stats(zeros, "cpu")[0]) and np.signbit(_stats(zeros, "reference")[0])


@pytest.mark.parametrize("bad, kind", [(np.nan, 1.0), (np.inf, 2.0), (-np.inf, 2.0)])
def test_native_stats_first_non_finite(bad, kind):
    x = RNG.standard_normal(50)
    x[17] = bad
    x[30] = np.nan if kind == 2.0 else np.inf  # a later one of the other kind does not count
    for backend in ("reference", "cpu"):
        got = _stats(x, backend)
        assert got[5] == kind and not np.any(np.delete(got, 5))


def test_summary_split_and_compiled():
    """tf.summary.histogram runs as HistogramStats (native) + the proto (host); the bytes are the
    reference's, and a NaN names the summary node."""
    v = (RNG.standard_normal(20000) * 0.1).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None])
        with tf.name_scope("layer"):
            h = tf.summary.histogram("weights", x)
        outs = {}
        for backend in ("reference", "cpu"):
            with tf.Session(backend=backend) as sess:
                outs[backend] = sess.run(h, {x: v})
                if backend == "cpu":
                    ex = sess._cache.lookup(next(iter(sess._cache.keys()))).executable  # noqa: SLF001
                    assert ex.native_ops.get("HistogramStats") == 1
                    assert [n for r in sess.pipeline_report.records for n in r.notes if "split" in str(n)]
                bad = v.copy()
                bad[3] = np.inf
                with pytest.raises(tf.errors.InvalidArgumentError, match=f"Infinity in summary histogram for: {h.op.name}"):
                    sess.run(h, {x: bad})
        assert outs["cpu"] == outs["reference"]
        summary = tf.Summary.FromString(outs["cpu"]) if hasattr(tf.Summary, "FromString") else None
        if summary is not None:
            histo = summary.value[0].histo
            assert histo.num == v.size and histo.min == float(v.min()) and histo.max == float(v.max())
            assert sum(histo.bucket) == v.size
