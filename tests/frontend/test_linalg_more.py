"""tf.linalg factorizations and solvers (cholesky, triangular_solve, cholesky_solve, qr, svd, slogdet,
logdet, eigh, eigvalsh, norm, lstsq, sqrtm): values vs NumPy on both backends, gradients vs finite
differences, errors naming the node, and real TensorFlow.

Singular and eigen vectors are only defined up to sign, so they are checked through quantities
that do not depend on it (reconstructions, orthonormality, u_i v_i^T, squared entries), as TF's
own tests do.
"""

import numpy as np
import pytest

import flowjit as tf
from checks import BACKENDS, numeric_grad


RNG = np.random.default_rng(7)
TALL = RNG.normal(size=(2, 4, 3))
WIDE = RNG.normal(size=(2, 3, 4))
SQ = RNG.normal(size=(2, 3, 3))
SPD = SQ @ np.swapaxes(SQ, -1, -2) + 3 * np.eye(3)  # symmetric positive definite batch
SYM = SQ + np.swapaxes(SQ, -1, -2)  # symmetric, distinct eigenvalues
RHS = RNG.normal(size=(2, 3, 2))
NONSYM = RNG.normal(size=(2, 3, 3)) + 4 * np.eye(3)  # eigenvalues in the right half plane


def run(fetches, backend="reference", feed=None):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetches, feed)


# --- values ----------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_factorizations_match_numpy(backend, dtype):
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-4)
    with tf.Graph().as_default():
        spd, sym, tall, wide = (tf.constant(v.astype(dtype)) for v in (SPD, SYM, TALL, WIDE))
        chol = tf.cholesky(spd)
        q, r = tf.qr(tall)
        qf, rf = tf.linalg.qr(tall, full_matrices=True)
        s, u, v = tf.svd(tall)
        sw, uw, vw = tf.linalg.svd(wide, full_matrices=True)
        s_only = tf.linalg.svd(tall, compute_uv=False)
        sign, logabs = tf.linalg.slogdet(sym)
        e, ev = tf.linalg.eigh(sym)
        out = dict(chol=chol, q=q, r=r, qf=qf, rf=rf, s=s, u=u, v=v, sw=sw, uw=uw, vw=vw, s_only=s_only,
                   sign=sign, logabs=logabs, lmd=tf.log_matrix_determinant(sym)[1], logdet=tf.linalg.logdet(spd),
                   e=e, ev=ev, evals=tf.self_adjoint_eigvals(sym), e2=tf.self_adjoint_eig(sym)[0])
        assert chol.dtype == tf.as_dtype(dtype) and s.dtype == tf.as_dtype(dtype)
        shapes = {k: t.get_shape().as_list() for k, t in out.items()}
        got = run(out, backend)
    assert shapes["q"] == [2, 4, 3] and shapes["r"] == [2, 3, 3] and shapes["qf"] == [2, 4, 4]
    assert shapes["rf"] == [2, 4, 3] and shapes["s"] == [2, 3] and shapes["u"] == [2, 4, 3]
    assert shapes["v"] == [2, 3, 3] and shapes["uw"] == [2, 3, 3] and shapes["vw"] == [2, 4, 4]
    assert shapes["sign"] == [2] and shapes["e"] == [2, 3] and shapes["ev"] == [2, 3, 3]
    assert all(g.dtype == dtype for g in got.values())
    np.testing.assert_allclose(got["chol"], np.linalg.cholesky(SPD), **tol)
    for qq, rr in ((got["q"], got["r"]), (got["qf"], got["rf"])):
        np.testing.assert_allclose(qq @ rr, TALL, **tol)
        k = qq.shape[-1]
        np.testing.assert_allclose(np.swapaxes(qq, -1, -2) @ qq, np.broadcast_to(np.eye(k), (2, k, k)), **tol)
        np.testing.assert_array_equal(rr, np.triu(rr))
    np.testing.assert_allclose(got["s"], np.linalg.svd(TALL, compute_uv=False), **tol)
    np.testing.assert_allclose(got["s_only"], got["s"], **tol)
    np.testing.assert_allclose(got["u"] * got["s"][:, None, :] @ np.swapaxes(got["v"], -1, -2), TALL, **tol)
    np.testing.assert_allclose(got["uw"] * got["sw"][:, None, :] @ np.swapaxes(got["vw"][..., :3], -1, -2), WIDE, **tol)
    np.testing.assert_allclose(np.swapaxes(got["vw"], -1, -2) @ got["vw"], np.broadcast_to(np.eye(4), (2, 4, 4)), **tol)
    want_sign, want_log = np.linalg.slogdet(SYM)
    np.testing.assert_array_equal(got["sign"], want_sign)
    np.testing.assert_allclose(got["logabs"], want_log, **tol)
    np.testing.assert_allclose(got["lmd"], want_log, **tol)
    np.testing.assert_allclose(got["logdet"], np.linalg.slogdet(SPD)[1], **tol)
    for k in ("e", "evals", "e2"):
        np.testing.assert_allclose(got[k], np.linalg.eigvalsh(SYM), **tol)
    np.testing.assert_allclose(SYM @ got["ev"], got["ev"] * got["e"][:, None, :], **tol)


def test_only_the_lower_triangle_is_read():
    junk = np.triu(RNG.normal(size=(3, 3)), 1) * 100
    with tf.Graph().as_default():
        a = tf.constant(np.tril(SPD[0]) + junk)
        got = run([tf.cholesky(a), tf.linalg.eigvalsh(a), tf.linalg.triangular_solve(a, RHS[0])])
    np.testing.assert_allclose(got[0], np.linalg.cholesky(SPD[0]), rtol=1e-12)
    np.testing.assert_allclose(got[1], np.linalg.eigvalsh(SPD[0]), rtol=1e-12)
    np.testing.assert_allclose(got[2], np.linalg.solve(np.tril(SPD[0]), RHS[0]), rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_solvers_match_numpy(backend):
    b = RNG.normal(size=(2, 4, 2))
    with tf.Graph().as_default():
        a = tf.constant(SPD)
        out = [tf.matrix_triangular_solve(a, RHS), tf.linalg.triangular_solve(a, RHS, lower=False),
               tf.linalg.triangular_solve(a, RHS, adjoint=True), tf.linalg.triangular_solve(a, RHS, False, True),
               tf.linalg.triangular_solve(a, RHS[0]),  # batch dims broadcast
               tf.cholesky_solve(tf.cholesky(a), RHS), tf.linalg.cholesky_solve(tf.linalg.cholesky(a), RHS),
               tf.linalg.lstsq(tf.constant(TALL), b), tf.matrix_solve_ls(tf.constant(WIDE), RHS),
               tf.linalg.lstsq(tf.constant(TALL), b, fast=False),
               tf.linalg.lstsq(tf.constant(TALL), b, l2_regularizer=0.5)]
        assert out[4].get_shape().as_list() == [2, 3, 2] and out[7].get_shape().as_list() == [2, 3, 2]
        assert out[8].get_shape().as_list() == [2, 4, 2]
        got = run(out, backend)
    lo, up = np.tril(SPD), np.triu(SPD)
    t = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731
    want = [np.linalg.solve(lo, RHS), np.linalg.solve(up, RHS), np.linalg.solve(t(lo), RHS),
            np.linalg.solve(t(up), RHS), np.linalg.solve(lo, RHS[0]), np.linalg.solve(SPD, RHS),
            np.linalg.solve(SPD, RHS), np.stack([np.linalg.lstsq(TALL[i], b[i], rcond=None)[0] for i in range(2)]),
            np.stack([np.linalg.pinv(WIDE[i]) @ RHS[i] for i in range(2)]),
            np.stack([np.linalg.lstsq(TALL[i], b[i], rcond=None)[0] for i in range(2)]),
            np.linalg.solve(t(TALL) @ TALL + 0.5 * np.eye(3), t(TALL) @ b)]
    for i, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-10, err_msg=str(i))


@pytest.mark.parametrize("backend", BACKENDS)
def test_norms_match_numpy(backend):
    x = RNG.normal(size=(2, 3, 4))
    with tf.Graph().as_default():
        c = tf.constant(x)
        out = [tf.norm(c), tf.norm(c, axis=1), tf.norm(c, ord=1, axis=-1), tf.norm(c, ord=np.inf),
               tf.norm(c, ord=3, axis=2, keepdims=True), tf.norm(c, ord=0.5, axis=0),
               tf.linalg.norm(c, ord="fro", axis=(1, 2)), tf.norm(c, ord=1, axis=[1, 2]),
               tf.norm(c, ord=np.inf, axis=(-2, -1)), tf.norm(c, ord=2, axis=[1, 2]),
               tf.norm(c, ord=2, axis=(2, 0), keep_dims=True), tf.norm(c, ord=2, axis=(0, 2))]
        shapes = [o.get_shape().as_list() for o in out]
        got = run(out, backend)
    flat = x.reshape(-1)
    want = [np.linalg.norm(flat), np.linalg.norm(x, axis=1), np.abs(x).sum(-1), np.abs(flat).max(),
            np.linalg.norm(x, 3, axis=2, keepdims=True), (np.sqrt(np.abs(x)).sum(0)) ** 2,
            np.linalg.norm(x, "fro", axis=(1, 2)), np.linalg.norm(x, 1, axis=(1, 2)),
            np.linalg.norm(x, np.inf, axis=(-2, -1)), np.linalg.norm(x, 2, axis=(1, 2)),
            np.linalg.norm(x, 2, axis=(2, 0), keepdims=True), np.linalg.norm(x, 2, axis=(0, 2))]
    for i, (g, w, s) in enumerate(zip(got, want, shapes)):
        assert list(np.shape(w)) == s, i
        np.testing.assert_allclose(g, w, rtol=1e-10, err_msg=str(i))


@pytest.mark.parametrize("backend", BACKENDS)
def test_sqrtm(backend):
    jordan = np.array([[1.0, 1.0], [0.0, 1.0]])
    rotation = np.array([[0.0, 1.0], [-1.0, 0.0]])  # eigenvalues +-i: a real principal root
    with tf.Graph().as_default():
        out = [tf.linalg.sqrtm(tf.constant(NONSYM)), tf.matrix_square_root(tf.constant(SPD.astype(np.float32))),
               tf.linalg.sqrtm(jordan), tf.linalg.sqrtm(rotation), tf.linalg.sqrtm([[-1.0, 0.0], [0.0, 4.0]]),
               tf.linalg.sqrtm(tf.zeros([2, 2]))]
        got = run(out, backend)
    np.testing.assert_allclose(got[0] @ got[0], NONSYM, rtol=1e-12, atol=1e-12)
    assert got[1].dtype == np.float32
    np.testing.assert_allclose(got[1] @ got[1], SPD, rtol=1e-4)
    np.testing.assert_allclose(got[2], [[1.0, 0.5], [0.0, 1.0]], rtol=1e-12)
    np.testing.assert_allclose(got[3], np.sqrt(0.5) * np.array([[1.0, 1.0], [-1.0, 1.0]]), rtol=1e-12)
    assert np.isnan(got[4]).all() and np.isnan(got[5]).all()  # no real principal root: NaN, as TF


def test_empty_and_degenerate_inputs():
    with tf.Graph().as_default():
        z = tf.zeros([0, 0], tf.float64)
        out = [tf.cholesky(z), tf.linalg.svd(tf.zeros([2, 0, 3], tf.float64))[0], tf.linalg.eigh(z)[0],
               tf.linalg.slogdet(tf.zeros([2, 2], tf.float64))]
        got = run(out)
    assert got[0].shape == (0, 0) and got[1].shape == (2, 0) and got[2].shape == (0,)
    assert got[3][0] == 0 and got[3][1] == -np.inf


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_shapes_decide_at_run_time(backend):
    """Unknown rank: the matrix 2-norm permutes axes with run-time ops; unknown matrix dims:
    lstsq picks the over- or underdetermined normal equations with a cond, as TF does."""
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float64)
        q = tf.placeholder(tf.float64, [None, None, None])
        outs = [tf.norm(p, ord=2, axis=(-1, -2)), tf.linalg.lstsq(q, tf.ones([2, 4, 1], tf.float64)),
                tf.linalg.lstsq(q, tf.ones([2, 3, 1], tf.float64)), tf.cholesky(p)]
        assert outs[0].get_shape().ndims is None and outs[3].get_shape().ndims is None
        with tf.Session(backend=backend) as sess:
            got = sess.run(outs[:2], {p: TALL, q: TALL}) + sess.run(outs[2:], {p: SPD, q: WIDE})
    np.testing.assert_allclose(got[0], np.linalg.norm(TALL, 2, axis=(-1, -2)), rtol=1e-12)
    for g, a, n in ((got[1], TALL, 4), (got[2], WIDE, 3)):
        want = np.stack([np.linalg.lstsq(a[i], np.ones((n, 1)), rcond=None)[0] for i in range(2)])
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[3], np.linalg.cholesky(SPD), rtol=1e-12)


# --- gradients -------------------------------------------------------------------------------

W33 = RNG.normal(size=(2, 3, 3))
W43 = RNG.normal(size=(2, 4, 3))
W34 = RNG.normal(size=(2, 3, 4))


def _sym(t, x):
    return (x + t.linalg.transpose(x)) / 2.0


def _svd_loss(t, x, full=False):
    """Sign-invariant: singular values, squared singular vectors and each u_i v_i^T."""
    s, u, v = t.linalg.svd(x, full_matrices=full)
    k = s.get_shape().as_list()[-1]
    m, n = x.get_shape().as_list()[-2:]
    w = np.random.default_rng(3)
    ws, wu, wv = (w.normal(size=z.get_shape().as_list()) for z in (s, u, v))
    outer = t.matmul(u[..., :, :k] * t.expand_dims(t.sin(s), -2), v[..., :, :k], transpose_b=True)
    return (t.reduce_sum(s * ws) + t.reduce_sum(t.square(u) * wu) + t.reduce_sum(t.square(v) * wv) +
            t.reduce_sum(outer * w.normal(size=(2, m, n))))


# case -> (the point, loss(framework module, x)); the same losses run under real TensorFlow
GRAD_CASES = {
    "cholesky": (SPD, lambda t, x: t.reduce_sum(t.cholesky(_sym(t, x)) * W33)),
    "logdet": (SPD, lambda t, x: t.reduce_sum(t.linalg.logdet(_sym(t, x)) * [1.5, -0.5])),
    "cholesky_solve": (SPD, lambda t, x: t.reduce_sum(t.cholesky_solve(t.cholesky(_sym(t, x)), RHS) * RHS)),
    "tri_lower": (SPD, lambda t, x: t.reduce_sum(t.linalg.triangular_solve(x, RHS) * RHS)),
    "tri_upper_adj": (SPD, lambda t, x: t.reduce_sum(t.linalg.triangular_solve(x, RHS, False, True) * RHS)),
    "tri_rhs": (RHS, lambda t, x: t.reduce_sum(t.linalg.triangular_solve(SPD, x, adjoint=True) ** 2)),
    "tri_broadcast_matrix": (SPD[:1], lambda t, x: t.reduce_sum(t.linalg.triangular_solve(x, RHS) * RHS)),
    "tri_broadcast_rhs": (RHS[0], lambda t, x: t.reduce_sum(t.linalg.triangular_solve(SPD, x) ** 2)),
    "slogdet": (SQ, lambda t, x: t.reduce_sum(t.linalg.slogdet(x)[1] * [1.5, -0.5])),
    "qr_square": (SQ, lambda t, x: t.reduce_sum(t.qr(x)[0] * W33) + t.reduce_sum(t.qr(x)[1] * W33[::-1])),
    "qr_tall": (TALL, lambda t, x: t.reduce_sum(t.qr(x)[0] * W43) + t.reduce_sum(t.qr(x)[1] * W33)),
    "qr_wide": (WIDE, lambda t, x: t.reduce_sum(t.qr(x)[0] * W33) + t.reduce_sum(t.qr(x)[1] * W34)),
    "qr_wide_full": (WIDE, lambda t, x: t.reduce_sum(t.qr(x, full_matrices=True)[1] * W34)),
    "svd_values": (TALL, lambda t, x: t.reduce_sum(t.svd(x, compute_uv=False) * [[1.0, -2.0, 0.5]])),
    "svd_square": (SQ, _svd_loss),
    "svd_tall": (TALL, _svd_loss),
    "svd_wide": (WIDE, _svd_loss),
    "svd_full_near_square": (TALL, lambda t, x: _svd_loss(t, x, full=True)),
    "eigh": (SYM, lambda t, x: t.reduce_sum(t.linalg.eigh(_sym(t, x))[0] * [[1.0, -2.0, 0.5]]) +
             t.reduce_sum(t.square(t.linalg.eigh(_sym(t, x))[1]) * W33)),
    "eigvalsh": (SYM, lambda t, x: t.reduce_sum(t.linalg.eigvalsh(_sym(t, x)) * [[1.0, -2.0, 0.5]])),
    "norm_2": (TALL, lambda t, x: t.reduce_sum(t.norm(x, ord=2, axis=[-2, -1]))),
    "norm_p": (TALL, lambda t, x: t.reduce_sum(t.norm(x, ord=3, axis=1))),
    "sqrtm": (NONSYM, lambda t, x: t.reduce_sum(t.linalg.sqrtm(x) * W33)),
    "lstsq_tall": (TALL, lambda t, x: t.reduce_sum(t.linalg.lstsq(x, W43[..., :2]) * RHS[:, :, :2])),
    "lstsq_wide": (WIDE, lambda t, x: t.reduce_sum(t.linalg.lstsq(x, RHS, l2_regularizer=0.1) * W43[..., :2])),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_match_finite_differences(case):
    value, loss_fn = GRAD_CASES[case]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, value.shape)
        loss = loss_fn(tf, x)
        g = tf.gradients(loss, x)[0]
        with tf.Session(backend="reference") as sess:
            gv = sess.run(g, {x: value})
            ng = numeric_grad(lambda v: sess.run(loss, {x: v}), value)
    assert gv.shape == value.shape
    np.testing.assert_allclose(gv, ng, rtol=1e-5, atol=1e-6)


def test_gradient_limits_raise_as_tf():
    with tf.Graph().as_default():
        x = tf.constant(TALL)
        with pytest.raises(NotImplementedError, match="full_matrices is true"):
            tf.gradients(tf.reduce_sum(tf.qr(x, full_matrices=True)[0]), x)
        y = tf.constant(RNG.normal(size=(5, 3)))
        with pytest.raises(NotImplementedError, match=r"abs\(m - n\) > 1"):
            tf.gradients(tf.reduce_sum(tf.svd(y, full_matrices=True)[1]), y)
        with pytest.raises(ValueError, match="Gradient not defined for fast=False"):
            tf.gradients(tf.reduce_sum(tf.linalg.lstsq(x, tf.ones([2, 4, 1], tf.float64), fast=False)), x)
        p = tf.placeholder(tf.float64, [None, None])
        with pytest.raises(NotImplementedError, match="unknown inner matrix shape"):
            tf.gradients(tf.reduce_sum(tf.svd(p)[1]), p)
        with pytest.raises(NotImplementedError, match="dynamic shapes"):
            tf.gradients(tf.reduce_sum(tf.qr(p)[0]), p)


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_run_time_errors_name_the_node(backend):
    with tf.Graph().as_default():
        not_pd = tf.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]), name="chol")
        singular = tf.linalg.triangular_solve(tf.constant([[0.0, 0.0], [1.0, 1.0]]), tf.ones([2, 1]), name="tri")
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match="Cholesky decomposition was not successful. The input might not be valid.") as ei:
                sess.run(not_pd)
            assert "chol" in str(ei.value)
            with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix is not invertible.") as ei:
                sess.run(singular)
            assert "tri" in str(ei.value)


def test_build_time_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="square"):
            tf.cholesky(tf.ones([2, 3]))
        with pytest.raises(ValueError, match="rank 2"):
            tf.qr(tf.ones([3]))
        with pytest.raises(ValueError, match="rank 2"):
            tf.svd(tf.ones([3]))
        with pytest.raises(TypeError, match="float32"):
            tf.linalg.eigh(tf.ones([2, 2], tf.int32))
        with pytest.raises(ValueError, match="square"):
            tf.linalg.slogdet(tf.ones([2, 3]))
        with pytest.raises(TypeError, match="Input 'rhs' of 'MatrixTriangularSolve' Op has type float64 that does "
                                            "not match type float32 of argument 'matrix'"):
            tf.linalg.triangular_solve(tf.eye(3), tf.ones([3, 1], tf.float64))
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2"):
            tf.linalg.triangular_solve(tf.ones([3, 3]), tf.ones([2, 1]))
        x = tf.ones([2, 3])
        with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got fro"):
            tf.norm(x, ord="fro")
        with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got -1"):
            tf.norm(x, ord=-1, axis=0)
        with pytest.raises(ValueError, match=r"'ord' must be a supported matrix norm in \['euclidean', 'fro', 1, 2, "
                                             r"inf\], got 3"):
            tf.norm(x, ord=3, axis=(0, 1))
        with pytest.raises(ValueError, match="'axis' must be None, an integer, or a tuple of 2 unique integers, "
                                             r"got \(0, 0\)"):
            tf.norm(x, axis=(0, 0))
        with pytest.raises(ValueError, match="'axis' must be None, an integer, or a tuple of 2 unique integers"):
            tf.norm(x, axis=1.5)
        with pytest.raises(ValueError, match="Cannot specify both"):
            tf.norm(x, keepdims=True, keep_dims=True)
        with pytest.raises(TypeError):
            tf.norm(tf.constant([3, 4]))


def test_names_follow_tf1():
    with tf.Graph().as_default():
        a = tf.constant(SPD)
        assert tf.cholesky(a).name == "Cholesky:0"
        assert [t.name for t in tf.qr(a)] == ["Qr:0", "Qr:1"]
        assert [t.name for t in tf.svd(a)] == ["Svd:0", "Svd:1", "Svd:2"]
        assert tf.svd(a, compute_uv=False).name == "Svd_1:0"
        assert [t.name for t in tf.linalg.slogdet(a)] == ["LogMatrixDeterminant:0", "LogMatrixDeterminant:1"]
        assert tf.linalg.eigvalsh(a).name == "SelfAdjointEigV2:0"
        assert tf.matrix_triangular_solve(a, RHS).name == "MatrixTriangularSolve:0"
        assert tf.cholesky_solve(a, RHS).op.name.startswith("cholesky_solve/")
        assert tf.linalg.logdet(a).op.name.startswith("logdet/")
        assert tf.norm(a).name == "norm/Squeeze:0"
    assert tf.linalg.eigh is tf.self_adjoint_eig and tf.linalg.lstsq is tf.matrix_solve_ls
    assert tf.linalg.slogdet is tf.log_matrix_determinant and tf.linalg.norm is tf.norm
    assert tf.linalg.sqrtm is tf.matrix_square_root


# --- real TensorFlow -------------------------------------------------------------------------

@pytest.mark.tf
def test_values_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        spd, tall, wide, sym = t.constant(SPD), t.constant(TALL), t.constant(WIDE), t.constant(SYM)
        q, r = t.qr(tall)
        s, u, v = t.svd(wide)
        e, ev = t.linalg.eigh(sym)
        return P(fetch=[t.cholesky(spd), t.matrix_triangular_solve(spd, RHS),
                        t.linalg.triangular_solve(spd, RHS, False, True),
                        t.linalg.cholesky_solve(t.cholesky(spd), RHS), t.abs(r), t.matmul(q, r), s,
                        t.matmul(u * t.expand_dims(s, -2), v, transpose_b=True), t.linalg.svd(tall, compute_uv=False),
                        t.linalg.slogdet(sym), t.linalg.logdet(spd), e, t.square(ev), t.self_adjoint_eigvals(sym),
                        t.norm(tall), t.norm(tall, ord=1, axis=(0, 2)),
                        t.norm(tall, ord=np.inf, axis=1, keepdims=True), t.norm(tall, ord=2.5),
                        t.linalg.lstsq(tall, t.constant(W43)), t.matrix_solve_ls(wide, RHS),
                        t.linalg.lstsq(tall, t.constant(W43), l2_regularizer=0.3), t.linalg.sqrtm(NONSYM),
                        t.matrix_square_root(spd)])

    check(prog, names=False)


@pytest.mark.tf
def test_matrix_2_norm_against_tensorflow():
    """Compared on its own: TF builds its permutations with map_fn, so its static shape is unknown
    where flowjit knows it."""
    pytest.importorskip("tensorflow")
    import tensorflow.compat.v1 as tf1

    def build(t):
        x = t.constant(TALL)
        return [t.norm(x, ord=2, axis=[1, 2]), t.norm(x, ord=2, axis=(2, 0), keepdims=True)]

    with tf1.Graph().as_default():
        with tf1.Session() as sess:
            want = sess.run(build(tf1))
    with tf.Graph().as_default():
        got = run(build(tf))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.tf
def test_float32_values_and_names_against_tensorflow():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    def prog(t):
        a = t.constant(SPD.astype(np.float32))
        return P(fetch=[t.cholesky(a), t.linalg.slogdet(a)[1], t.self_adjoint_eigvals(a), t.svd(a, compute_uv=False)])

    check(prog)


@pytest.mark.tf
@pytest.mark.parametrize("case", ["cholesky", "logdet", "tri_lower", "tri_upper_adj", "tri_broadcast_matrix",
                                  "slogdet", "qr_square", "qr_tall", "qr_wide", "svd_values", "svd_square",
                                  "svd_tall", "svd_wide", "eigh", "eigvalsh", "norm_2", "sqrtm", "lstsq_tall",
                                  "lstsq_wide"])
def test_gradients_against_tensorflow(case):
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    value, loss_fn = GRAD_CASES[case]

    def prog(t):
        x = t.placeholder(t.float64, value.shape)
        loss = loss_fn(t, x)
        return P(fetch=[loss, t.gradients(loss, x)[0]], feed={x: value})

    check(prog, names=False, rtol=1e-6, atol=1e-8)
