"""Wrong answers the compiled path once gave, each against the reference backend (and TF).

Every case here failed on `cpu` before its fix: a gather fused into a concat read past its
index buffer; products contracted into the next op's sum (FMA) broke `x - max(x)` cancelling;
fetched reads of a variable saw the same run's in-place update; long float32 sums lost
accuracy in one running total. Plans must compile natively (no silent host fallback), so the
cpu runs turn flowjit's fallback warning into an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import flowjit as tf


def run_on(backend, build, feeds=(), fetch_names=None):
    """Build a graph (placeholders for `feeds`), run it on `backend`, return the results."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        outs = build(*phs)
    fetches = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*plan not compiled.*")
        with tf.Session(graph=g, backend=backend) as s:
            return s.run(fetches, dict(zip(phs, feeds)))


def both(build, feeds=()):
    return run_on("reference", build, feeds), run_on("cpu", build, feeds)


# --- 1. every piece of a concat reads inside its own bounds ----------------------------------------

@pytest.mark.parametrize("between", ["none", "tile", "scale"])
def test_gather_inside_concat(between):
    a = np.arange(7, dtype=np.float32)
    b = np.array([1], np.float32)

    def build(pa, pb):
        g = tf.gather(pa, [1, 2, 3, 4])
        if between == "tile":
            g = tf.tile(g, [2])
        elif between == "scale":
            g = g * 2.0
        return tf.concat([g, pb], 0)

    (ref,), (got,) = both(build, [a, b])
    want = {"none": [1, 2, 3, 4, 1], "tile": [1, 2, 3, 4, 1, 2, 3, 4, 1], "scale": [2, 4, 6, 8, 1]}[between]
    np.testing.assert_array_equal(ref, want)
    np.testing.assert_array_equal(got, want)


def test_concat_of_gathers_and_empty_pieces():
    a = np.arange(10, dtype=np.int32).reshape(5, 2)
    e = np.zeros((0, 2), np.int32)

    def build(pa, pe):
        first = tf.gather(pa, [4, 0])
        second = tf.gather(pa, [1, 1, 3])
        return tf.concat([pe, first, pe, second, pe], 0)

    (ref,), (got,) = both(build, [a, e])
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(got, a[[4, 0, 1, 1, 3]])


def test_division_inside_concat_sees_only_its_positions():
    # a piece that checks its operands (integer division by zero raises) must not be
    # evaluated at positions belonging to another piece
    x = np.array([6, 8], np.int32)
    d = np.array([3, 2], np.int32)
    z = np.array([5, 5, 5], np.int32)

    (ref,), (got,) = both(lambda px, pd, pz: tf.concat([px // pd, pz], 0), [x, d, z])
    np.testing.assert_array_equal(got, [2, 4, 5, 5, 5])
    np.testing.assert_array_equal(got, ref)


BOUNDS_SCRIPT = r"""
import numpy as np, flowjit as tf, warnings
warnings.filterwarnings("error", message=".*plan not compiled.*")
a = tf.placeholder(tf.float32, [7]); b = tf.placeholder(tf.float32, [1])
y = tf.concat([tf.tile(tf.gather(a, [1, 2, 3, 4]), [2]), b], 0)
m = tf.reduce_sum(tf.reshape(tf.tile(a, [3]), [3, 7]), axis=1)
with tf.Session() as s:
    r, q = s.run([y, m], {a: np.arange(7, dtype=np.float32), b: [1.0]})
print([float(v) for v in r], [float(v) for v in q])
"""


def test_bounds_checked_mode_runs_compiled_code_unchanged():
    env = dict(os.environ, FLOWJIT_CHECK_BOUNDS="1")
    out = subprocess.run([sys.executable, "-c", BOUNDS_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0] [21.0, 21.0, 21.0]"


OFF_BY_ONE_SCRIPT = r"""
import numpy as np, flowjit as tf
from flowjit import errors
from flowjit.compiler.llvm import values
checked = values.ValueEmitter.bounds_checked

def off_by_one(self, buf, idx, shape):  # a simulated compiler bug: every access one too far
    return checked(self, buf, idx[:-1] + (self.b.add(idx[-1], self.i64(1)),), shape) if idx else idx

values.ValueEmitter.bounds_checked = off_by_one
x = tf.placeholder(tf.float32, [64])
with tf.Session() as s:
    try:
        s.run(tf.exp(x) * 2.0, {x: np.ones(64, np.float32)})
    except errors.InternalError as e:
        print("caught:", e.message)
"""


def test_bounds_checked_mode_reports_an_out_of_bounds_access(tmp_path):
    env = dict(os.environ, FLOWJIT_CHECK_BOUNDS="1", FLOWJIT_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", OFF_BY_ONE_SCRIPT], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("caught: generated code indexed"), out.stdout + out.stderr
    assert "FLOWJIT_CHECK_BOUNDS" in out.stdout


# --- 2. no contraction across op boundaries ----------------------------------------------------------

def test_log_softmax_of_square_cancels_the_largest_entry():
    x = np.array([1e30, 0, 1, 2], np.float64)
    (ref,), (got,) = both(lambda p: tf.nn.log_softmax(p * p), [x])
    big = -(x[0] * x[0])
    np.testing.assert_array_equal(ref, [0, big, big, big])
    np.testing.assert_array_equal(got, ref)


def test_softmax_and_logsumexp_of_square_float32():
    x = np.array([[1.1e9, 3, 1, 2]], np.float32)
    ref, got = both(lambda p: [tf.nn.softmax(p * p), tf.reduce_logsumexp(p * p, axis=1)], [x])
    np.testing.assert_array_equal(ref[0], [[1, 0, 0, 0]])
    for r, g in zip(ref, got):
        assert not np.isnan(g).any()
        np.testing.assert_array_equal(g, r)


def test_product_then_difference_is_rounded_per_op():
    # a*b - c with a*b rounded first: an FMA would return the exact residual instead of 0
    a = np.array([1 + 2.0 ** -27], np.float64)
    c = a * a
    (ref,), (got,) = both(lambda pa, pc: pa * pa - pc, [a, c])
    np.testing.assert_array_equal(ref, [0.0])
    np.testing.assert_array_equal(got, [0.0])


@pytest.mark.tf
def test_softmax_of_square_matches_tensorflow():
    tf1 = pytest.importorskip("tensorflow").compat.v1
    x = np.array([1e30, 0, 1, 2], np.float64)
    with tf1.Graph().as_default():
        c = tf1.constant(x)
        with tf1.Session() as s:
            want = s.run(tf1.nn.log_softmax(c * c))
    (got,) = run_on("cpu", lambda p: tf.nn.log_softmax(p * p), [x])
    np.testing.assert_array_equal(got, want)


# --- 3. fetched reads see the variables from before the run's updates -------------------------------

def train_step_losses(backend, steps=3):
    g = tf.Graph()
    with g.as_default():
        rng = np.random.default_rng(0)
        xs = rng.standard_normal((16, 5)).astype(np.float32)
        labels = rng.integers(0, 3, 16)
        x = tf.constant(xs)
        w = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32), name="W")
        logits = tf.matmul(x, w)
        xent = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        penalty = 1e-3 * tf.nn.l2_loss(w)  # reads W; no gradient of the step needs this read
        loss = xent + tf.stop_gradient(penalty)
        train = tf.train.MomentumOptimizer(0.5, 0.9).minimize(xent)
        out = []
        with warnings.catch_warnings():
            if backend == "cpu":
                warnings.filterwarnings("error", message=".*plan not compiled.*")
            with tf.Session(graph=g, backend=backend) as s:
                s.run(tf.global_variables_initializer())
                for _ in range(steps):
                    before = s.run(loss)
                    _, fetched = s.run([train, loss])
                    out.append((before, fetched))
    return out


def test_fetched_loss_uses_weights_from_before_the_update():
    ref = train_step_losses("reference")
    got = train_step_losses("cpu")
    for (rb, rf), (gb, gf) in zip(ref, got):
        assert rf == rb  # the reference's semantics: the fetch reads W before the step writes it
        assert gf == pytest.approx(gb, rel=1e-6)
        assert gf == pytest.approx(rf, rel=1e-5)


def test_identity_of_variable_fetched_beside_its_assign():
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0])
        r = tf.identity(v)
        up = tf.assign_add(v, [10.0, 10.0])
        for backend in ("reference", "cpu"):
            with tf.Session(graph=g, backend=backend) as s:
                s.run(v.initializer)
                before, _ = s.run([r, up])
                np.testing.assert_array_equal(before, [1.0, 2.0], err_msg=backend)
                np.testing.assert_array_equal(s.run(v), [11.0, 12.0], err_msg=backend)


# --- 4. long float sums are accurate -------------------------------------------------------------------

def assert_sum_accuracy(got: np.ndarray, x: np.ndarray, axis) -> None:
    """float32 sums against float64 ones: within twice NumPy's error (RMS over the results; half
    an ulp of rounding, or one for a lone result, is always allowed), and no single result off
    by more than twice NumPy's error or 1.5 ulp."""
    exact = x.astype(np.float64).sum(axis=axis)
    ours = np.abs(np.asarray(got, np.float64) - exact)
    numpy_err = np.abs(x.sum(axis=axis).astype(np.float64) - exact)
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    rounding = np.sqrt(np.mean(ulp ** 2)) / (2 if ours.size > 1 else 1)  # a lone result may be 1 ulp off
    assert np.sqrt(np.mean(ours ** 2)) <= max(2 * np.sqrt(np.mean(numpy_err ** 2)), rounding)
    assert np.all(ours <= np.maximum(2 * numpy_err, 1.5 * ulp))


SUM_CASES = [((1000,), None), ((10**4,), None), ((10**5,), None), ((10**6,), None), ((3, 10**6), 1),
             ((10**6, 3), None), ((10**6, 3), 0), ((700, 700), None), ((64, 3000), 1), ((5, 7, 4000), (1, 2)),
             ((4000, 7, 5), (0, 1)), ((256, 700), 0)]


@pytest.mark.parametrize("shape,axis", SUM_CASES)
def test_float32_sums_within_twice_numpy_error(shape, axis):
    x = np.random.default_rng(7).random(shape, dtype=np.float32) + np.float32(0.5)
    (got,) = run_on("cpu", lambda p: tf.reduce_sum(p * 1.0, axis=axis), [x])
    assert_sum_accuracy(got, x, axis)


@pytest.mark.slow
@pytest.mark.parametrize("n", [10**7, 10**8])
def test_float32_sums_within_twice_numpy_error_long(n):
    x = np.random.default_rng(8).random(n, dtype=np.float32)
    (got,) = run_on("cpu", lambda p: tf.reduce_sum(p), [x])
    assert_sum_accuracy(got, x, None)


def test_softmax_total_of_a_large_batch():
    x = np.random.default_rng(1).standard_normal((4096, 1024)).astype(np.float32)
    (got,) = run_on("cpu", lambda p: tf.reduce_sum(tf.nn.softmax(p)), [x])
    assert abs(float(got) - 4096.0) <= 4096.0 * 2e-7


def test_mean_of_long_rows():
    x = np.random.default_rng(2).random((4, 200_000), dtype=np.float32)
    ref, got = both(lambda p: tf.reduce_mean(p, axis=1), [x])
    exact = x.astype(np.float64).mean(axis=1)
    np.testing.assert_allclose(got[0], exact, rtol=2e-7)
    np.testing.assert_allclose(got[0], ref[0], rtol=4e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sums_of_negative_zeros_and_empty_sums(dtype):
    neg = np.full((3, 600), -0.0, dtype)
    empty = np.zeros((3, 0), dtype)
    ref, got = both(lambda pn, pe: [tf.reduce_sum(pn), tf.reduce_sum(pn, axis=1), tf.reduce_sum(pe, axis=1),
                                    tf.reduce_sum(pe)], [neg, empty])
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
        np.testing.assert_array_equal(np.signbit(g), np.signbit(r))
    assert not np.signbit(got[0]) and not np.signbit(got[3])  # NumPy and TF start sums at +0.0


def test_sums_with_nan_and_inf_in_late_blocks():
    x = np.ones(5000, np.float32)
    x[4999] = np.inf
    y = np.ones(5000, np.float32)
    y[3000] = np.nan
    ref, got = both(lambda px, py: [tf.reduce_sum(px), tf.reduce_sum(py), tf.reduce_sum(px - px)], [x, y])
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)


# --- found by the differential fuzzer (tests/fuzz) ------------------------------------------------

def test_sign_of_negative_zero_is_positive_zero():
    x = np.array([-0.0, 0.0, -2.5, 3.0, np.nan], np.float32)
    (ref,), (got,) = both(lambda p: tf.sign(p), [x])
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(np.signbit(got[:2]), [False, False])


@pytest.mark.parametrize("shape,to,pads", [((2, 0), [0, 1], [[0, 1], [0, 0]]), ((0,), [0], [[2, 1]]),
                                           ((0, 3), [0, 3], [[1, 1], [0, 2]])])
def test_pad_of_an_empty_input_is_all_padding(shape, to, pads):
    x = np.zeros(shape, np.float64)
    (ref,), (got,) = both(lambda p: tf.pad(tf.reshape(p, to), pads, constant_values=1.5), [x])
    np.testing.assert_array_equal(got, ref)
    assert got.size and (got == 1.5).all()


def test_squeeze_of_a_reduction_over_a_dynamic_shape():
    # a Fused group that falls back to the host, fetched as the plan's result
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, None])
        m = tf.reduce_sum(x, 0, keepdims=True)
        y = -(m + tf.reduce_sum(tf.squeeze(m), keepdims=True))
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            np.testing.assert_array_equal(s.run(y, {x: np.full((2, 3), 0.5, np.float32)}), [[-4, -4, -4]])


def test_out_of_range_gather_of_empty_slices_raises():
    from flowjit import errors

    params = np.zeros((3, 0), np.float32)
    for backend in ("reference", "cpu"):
        g = tf.Graph()
        with g.as_default():
            p = tf.placeholder(tf.float32, [3, 0])
            y = tf.gather(p, [1, 5])
        with tf.Session(graph=g, backend=backend) as s:
            with pytest.raises(errors.InvalidArgumentError, match="5"):
                s.run(y, {p: params})


@pytest.mark.parametrize("build", [lambda a, b: tf.floordiv(a, b)[:1], lambda a, b: (a // b + 1)[:1],
                                   lambda a, b: tf.gather(tf.truncatemod(a, b), [0]),
                                   lambda a, b: tf.strided_slice(a // b, [0], [2], [2])],
                         ids=["slice", "slice-of-sum", "gather", "strided"])
def test_division_by_zero_in_elements_no_output_reads_still_raises(build):
    # TF computes the whole quotient, so a zero divisor anywhere raises
    from flowjit import errors

    a, b = np.array([7, 5], np.int32), np.array([2, 0], np.int32)
    for backend in ("reference", "cpu"):
        with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero"):
            run_on(backend, build, [a, b])
    b = np.array([2, 3], np.int32)
    ref, got = both(build, [a, b])
    np.testing.assert_array_equal(got[0], ref[0])
