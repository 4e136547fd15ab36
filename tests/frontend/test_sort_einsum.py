"""tf.sort / tf.argsort (TopKV2 + transposes, as TF builds them): values, ties, NaN, dtypes,
gradients, errors; on both backends and against real TensorFlow."""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS, numeric_grad


@pytest.mark.parametrize("backend", BACKENDS)
def test_sort_argsort_values_and_axes(backend):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, size=(3, 4, 5)).astype(np.float32)  # many ties
    with tf.Graph().as_default():
        x = tf.constant(a)
        fetch = {}
        for axis in (-1, 0, 1, 2, -2):
            fetch[("s", axis)] = tf.sort(x, axis=axis)
            fetch[("sd", axis)] = tf.sort(x, axis=axis, direction="DESCENDING")
            fetch[("a", axis)] = tf.argsort(x, axis=axis)
            fetch[("ad", axis)] = tf.argsort(x, axis=axis, direction="DESCENDING", stable=True)
        with tf.Session(backend=backend) as sess:
            out = sess.run(fetch)
    for axis in (-1, 0, 1, 2, -2):
        np.testing.assert_array_equal(out[("s", axis)], np.sort(a, axis=axis))
        np.testing.assert_array_equal(out[("sd", axis)], -np.sort(-a, axis=axis))
        # TopKV2 keeps ties in index order: a stable sort
        np.testing.assert_array_equal(out[("a", axis)], np.argsort(a, axis=axis, kind="stable"))
        np.testing.assert_array_equal(out[("ad", axis)], np.argsort(-a, axis=axis, kind="stable"))
        assert out[("a", axis)].dtype == np.int32


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.float64])
def test_integer_extremes_do_not_overflow(backend, dtype):
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else np.finfo(dtype)
    a = np.array([3, info.max, info.min, 0, 1], dtype=dtype)
    with tf.Graph().as_default():
        x = tf.constant(a)
        s, i = tf.sort(x), tf.argsort(x)
        sd = tf.sort(x, direction="DESCENDING")
        with tf.Session(backend=backend) as sess:
            sv, iv, sdv = sess.run([s, i, sd])
    np.testing.assert_array_equal(sv, np.sort(a))
    np.testing.assert_array_equal(iv, np.argsort(a, kind="stable"))
    np.testing.assert_array_equal(sdv, np.sort(a)[::-1])
    assert sv.dtype == dtype


def test_sort_gradient_matches_finite_differences():
    a = np.random.default_rng(1).normal(size=(3, 4))
    w = np.random.default_rng(2).normal(size=(3, 4))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [3, 4])
        loss = tf.reduce_sum(tf.sort(x, axis=0) * w)
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: a})
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), a)
    np.testing.assert_allclose(gv, ng, rtol=1e-6, atol=1e-8)


def test_sort_errors_and_names():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        assert tf.sort(x).name == "sort/Neg_1:0"
        assert tf.argsort(x, name="as").name == "as/TopKV2:1"
        with pytest.raises(ValueError, match="direction"):
            tf.sort(x, direction="UP")
        with pytest.raises(ValueError, match="axis` must be a constant scalar"):
            tf.sort(x, axis=tf.placeholder(tf.int32, []))
        assert tf.math.sort is tf.sort and tf.math.argsort is tf.argsort


@pytest.mark.tf
def test_sort_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    # NaN is left out: TF's TopKV2 orders NaN inconsistently (comparisons with NaN are false)
    a = np.array([[2.0, 3.0, 1.0, 2.0], [np.inf, -np.inf, 0.0, -0.0]], np.float32)

    def prog(t):
        x = t.placeholder(t.float32, [2, 4], name="x")
        out = [t.sort(x), t.argsort(x), t.sort(x, axis=0, direction="DESCENDING"),
               t.argsort(x, axis=0, direction="DESCENDING"),
               t.sort(t.constant([5, -3, 7], t.int32)), t.argsort(t.constant([2, 1, 2, 0], t.int64), axis=0)]
        return P(fetch=out, feed={x: a})

    check(prog)


# --- einsum -------------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ij", [(2, 3)]), ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(4,), (4,)]), ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("...ij->...j", [(2, 3, 4)]),
    ("bij,bjk,k->bi", [(2, 3, 4), (2, 4, 5), (5,)]), ("ijk,kj->i", [(2, 3, 4), (4, 3)]),
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_einsum_values(backend):
    rng = np.random.default_rng(3)
    arrays = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _, shapes in EINSUM_CASES]
    with tf.Graph().as_default():
        outs = [tf.einsum(eq, *[tf.constant(a) for a in arrs]) for (eq, _), arrs in zip(EINSUM_CASES, arrays)]
        with tf.Session(backend=backend) as sess:
            got = sess.run(outs)
    for (eq, _), arrs, g in zip(EINSUM_CASES, arrays, got):
        want = np.einsum(eq, *arrs)
        assert g.shape == want.shape, eq
        np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-5, err_msg=eq)


def test_einsum_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 3))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [2, 3, 4])
        y = tf.constant(b)
        loss = tf.reduce_sum(tf.square(tf.einsum("ijk,kj->ik", x, y)))
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: a})
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), a)
    np.testing.assert_allclose(gv, ng, rtol=1e-6, atol=1e-8)


def test_einsum_errors():
    with tf.Graph().as_default():
        a, b = tf.ones([2, 3]), tf.ones([4, 5])
        with pytest.raises(ValueError, match="appears more than once"):
            tf.einsum("ii->i", tf.ones([3, 3]))
        with pytest.raises(ValueError, match="expecting 2"):
            tf.einsum("ij,jk->ik", a)
        with pytest.raises(ValueError, match="does not appear"):
            tf.einsum("ij->iz", a)
        with pytest.raises(ValueError, match="dimension 'j'"):
            tf.einsum("ij,jk->ik", a, b)
        with pytest.raises(ValueError, match="rank 2"):
            tf.einsum("ijk->i", a)
        with pytest.raises(TypeError, match="keyword"):
            tf.einsum("ij->i", a, axis=1)
        assert tf.einsum("ij->ji", a, name="e").name.startswith("e/")


@pytest.mark.tf
def test_einsum_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    rng = np.random.default_rng(5)
    arrays = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _, shapes in EINSUM_CASES]

    def prog(t):
        return P(fetch=[t.einsum(eq, *[t.constant(a) for a in arrs])
                        for (eq, _), arrs in zip(EINSUM_CASES, arrays)])

    check(prog, names=False, rtol=1e-5, atol=1e-5)
