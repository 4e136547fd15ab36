"""Ops compiled through library routines and the newer lowering rules, against the reference.

Cumsum/Cumprod, TopKV2 and the scatter family run as routines (compiler/routines/);
MirrorPad(Grad), LRN(Grad), InTopKV2, integer and float16 (Batch)MatMul and float16
convolutions are lowered to maps, reductions and GEMM calls. Every case runs on the `cpu`
backend and on the `reference` backend (the oracle) and checks that nothing ran on the host.
Several cases share one graph so that a test compiles a handful of plans.
"""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors

RNG = np.random.default_rng(4321)
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]


# --- helpers -------------------------------------------------------------------------------------

def run_both(build, feeds, init_vars=False):
    """Build a graph from placeholders for `feeds`; run it on both backends.

    Returns (reference results, cpu results, cpu executable)."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        outs = build(*phs)
        init = tf.global_variables_initializer() if init_vars else None
    fetches = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    fd = dict(zip(phs, feeds))
    results = []
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            if init is not None:
                s.run(init)
            results.append(s.run(fetches, fd))
            ex = list(s._cache.values())[-1].executable
    return results[0], results[1], ex


def assert_same(got, ref, rtol=1e-6, atol=1e-6, what=""):
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.dtype == ref.dtype, f"{what}: dtype {got.dtype} != {ref.dtype}"
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    if ref.dtype.kind == "f":
        np.testing.assert_allclose(got.astype(np.float64), ref.astype(np.float64), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(got, ref, err_msg=what)


def check(build, feeds, rtol=1e-6, atol=1e-6, names=None, init_vars=False):
    """Both backends agree on every output and the cpu plan has no host step."""
    ref, got, ex = run_both(build, feeds, init_vars)
    for k, (r, g) in enumerate(zip(ref, got)):
        assert_same(g, r, rtol, atol, what=names[k] if names else f"output {k}")
    assert ex.fallback_ops == {}, f"unexpected host fallback: {ex.fallback_ops}"
    return ex


def tolerance(dtype) -> dict:
    return {np.float16: dict(rtol=2e-3, atol=2e-3), np.float32: dict(rtol=2e-5, atol=1e-5),
            np.float64: dict(rtol=1e-12, atol=1e-12)}.get(np.dtype(dtype).type, dict(rtol=0, atol=0))


def values(dtype, shape, special=True):
    """Random values of `dtype` (small ints, so sums and products stay readable), with NaN, inf
    and signed zeros sprinkled into float tensors."""
    size = int(np.prod(shape))
    if np.dtype(dtype).kind == "f":
        x = RNG.standard_normal(size) * 3
        if special and size >= 8:
            x[RNG.choice(size, 4, replace=False)] = [np.nan, np.inf, -np.inf, -0.0]
        return x.astype(dtype).reshape(shape)
    if np.dtype(dtype).kind == "b":
        return RNG.integers(0, 2, size).astype(bool).reshape(shape)
    lo = 0 if np.dtype(dtype).kind == "u" else -4
    return RNG.integers(lo, 5, size).astype(dtype).reshape(shape)


# --- Cumsum / Cumprod --------------------------------------------------------------------------------------

SCAN_FLAGS = [(e, r) for e in (False, True) for r in (False, True)]


def scan_graph(x, axes):
    outs, names = [], []
    for axis in axes:
        for e, r in SCAN_FLAGS:
            outs.append(tf.cumsum(x, axis=axis, exclusive=e, reverse=r))
            outs.append(tf.cumprod(x, axis=axis, exclusive=e, reverse=r))
            names += [f"cumsum axis={axis} exclusive={e} reverse={r}", f"cumprod axis={axis} exclusive={e} reverse={r}"]
    return outs, names


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES)
def test_scans_every_axis_and_flag(dtype):
    shape = (3, 4, 5)
    axes = [0, 1, 2, -1, -3]
    x = values(dtype, shape)
    _, names = scan_graph(tf.constant(x), axes)
    check(lambda a: scan_graph(a, axes)[0], [x], names=names, **tolerance(dtype))


@pytest.mark.parametrize("shape,axis", [((0,), 0), ((1,), 0), ((7,), 0), ((7,), -1), ((0, 3), 0), ((0, 3), 1),
                                        ((3, 0), 1), ((1, 1), 1), ((4, 1, 3), 1), ((1, 6), 0)])
def test_scan_edge_shapes(shape, axis):
    x = values(np.float32, shape)
    xi = values(np.int32, shape)

    def build(a, b):
        outs = []
        for e, r in SCAN_FLAGS:
            outs += [tf.cumsum(a, axis, exclusive=e, reverse=r), tf.cumprod(b, axis, exclusive=e, reverse=r)]
        return outs

    check(build, [x, xi])


def test_scans_large_parallel_rows_and_blocks():
    """Many rows (parallel tasks over rows) and a long inner extent (tasks over column blocks);
    sequential accumulation in the dtype makes the results bit-identical to NumPy's."""
    x = RNG.standard_normal((300, 700)).astype(np.float32)
    near1 = (x * 0.01 + 1.0).astype(np.float32)
    ex = check(lambda a, b: [tf.cumsum(a, 1), tf.cumsum(a, 0, reverse=True), tf.cumsum(a, 0, exclusive=True),
                             tf.cumprod(b, 1, exclusive=True, reverse=True)], [x, near1], rtol=0, atol=0)
    assert ex.native_ops.get("Cumsum") == 3


def test_scan_wraps_and_overflows_like_numpy():
    x8 = np.array([100, 100, 100, -128, 127], np.int8)
    f16 = np.array([60000, 10000, -60000, 1.0], np.float16)  # the running sum overflows to inf
    check(lambda a, b: [tf.cumsum(a), tf.cumprod(a), tf.cumsum(b), tf.cumprod(b)], [x8, f16])


# --- TopKV2 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES)
def test_top_k_dtypes_ties_and_specials(dtype):
    # few distinct values: many ties, resolved by the lower index first
    x = values(dtype, (6, 160))
    if np.dtype(dtype).kind == "f":
        x[0, :5] = np.nan
        x[1, :] = np.array(0.0, dtype)
        x[1, ::3] = np.array(-0.0, dtype)
        x[2, ::7] = np.nan
    ks = [0, 1, 3, 33, 40, 100, 160]  # insertion (k <= 32), heap (k <= 160 / 4), merge sort
    check(lambda a: [t for k in ks for t in tf.nn.top_k(a, k)], [x], rtol=0, atol=0)


@pytest.mark.parametrize("shape,k", [((5,), 2), ((1,), 1), ((0,), 0), ((0, 4), 2), ((3, 0), 0), ((2, 3, 5), 5),
                                     ((2, 1, 7), 4), ((1, 100), 64)])
def test_top_k_shapes(shape, k):
    x = values(np.float32, shape)
    check(lambda a: list(tf.nn.top_k(a, k)), [x], rtol=0, atol=0)


def test_top_k_large_parallel_and_sorted_input():
    x = RNG.standard_normal((400, 300)).astype(np.float32)
    ramp = np.tile(np.arange(300, dtype=np.float32), (50, 1))  # ascending: every entry moves to the top
    check(lambda a, b: [*tf.nn.top_k(a, 10), *tf.nn.top_k(a, 60), *tf.nn.top_k(a, 200), *tf.nn.top_k(b, 32),
                        *tf.nn.top_k(-b, 32), *tf.nn.top_k(b, 70), *tf.nn.top_k(-b, 70)], [x, ramp], rtol=0, atol=0)


def test_top_k_gradient_is_native():
    x = RNG.standard_normal((4, 9)).astype(np.float32)

    def build(a):
        v, _ = tf.nn.top_k(a, 3)
        return [v, tf.gradients(tf.reduce_sum(v * v), a)[0]]

    check(build, [x])


# --- InTopKV2 ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("tdtype", [np.int32, np.int64])
def test_in_top_k(dtype, tdtype):
    p = np.array([[0.1, 0.5, 0.5, 0.2],  # tie with the target: counts in
                  [1.0, 2.0, 3.0, 4.0],
                  [np.nan, 1.0, 2.0, 3.0],  # non-finite rows are never in the top k
                  [np.inf, 1.0, 2.0, 3.0],
                  [-0.0, 0.0, -1.0, -2.0],
                  [1.0, 1.0, 1.0, 1.0],
                  [3.0, 2.0, 1.0, 0.0],
                  [3.0, 2.0, 1.0, 0.0]], dtype)
    targets = np.array([2, 0, 1, 1, 0, 3, -1, 4], tdtype)  # the last two are out of range: False
    ks = [0, 1, 2, 3, 4, 5]
    check(lambda a, b: [tf.nn.in_top_k(a, b, k) for k in ks], [p, targets])


def test_in_top_k_fed_k_and_large():
    p = RNG.standard_normal((500, 37)).astype(np.float32)
    targets = RNG.integers(0, 37, 500).astype(np.int32)
    for k in (0, 5, 37):
        g = tf.Graph()
        with g.as_default():
            pp, tt = tf.placeholder(tf.float32, p.shape), tf.placeholder(tf.int32, [500])
            kk = tf.placeholder(tf.int32, [])
            y = tf.math.in_top_k(pp, tt, kk)
        outs = []
        for backend in ("reference", "cpu"):
            with tf.Session(graph=g, backend=backend) as s:
                outs.append(s.run(y, {pp: p, tt: targets, kk: k}))
                ex = list(s._cache.values())[-1].executable
        np.testing.assert_array_equal(outs[1], outs[0])
        assert ex.fallback_ops == {}


# --- MirrorPad ---------------------------------------------------------------------------------------------

MIRROR_CASES = [((5,), [[2, 4]]), ((4, 3), [[3, 0], [1, 2]]), ((2, 3, 4), [[1, 1], [0, 2], [3, 3]]),
                ((1, 3), [[0, 0], [2, 2]]), ((3, 1, 2), [[1, 2], [0, 0], [1, 1]])]


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32, np.uint8, np.bool_])
def test_mirror_pad(mode, dtype):
    cases = [(s, p) for s, p in MIRROR_CASES if mode == "SYMMETRIC" or all(max(q) < d for q, d in zip(p, s))]
    if mode == "SYMMETRIC":
        cases.append(((1, 2), [[1, 1], [2, 2]]))  # SYMMETRIC pads up to the dim size
    feeds = [values(dtype, s) for s, _ in cases]
    check(lambda *xs: [tf.pad(x, p, mode=mode) for x, (_, p) in zip(xs, cases)], feeds, rtol=0, atol=0)


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad_zero_size_and_gradient(mode):
    z = np.zeros((0, 3), np.float32)  # REFLECT takes no zero-size dim at all (paddings < dim)
    x = values(np.float64, (4, 5), special=False)

    def build(a, b):
        y = tf.pad(b, [[2, 3], [1, 3]], mode=mode)
        outs = [y, tf.gradients(tf.reduce_sum(y * y), b)[0]]
        return outs + ([tf.pad(a, [[0, 0], [1, 2]], mode=mode)] if mode == "SYMMETRIC" else [])

    ex = check(build, [z, x], rtol=1e-12, atol=1e-12)
    assert ex.native_ops.get("MirrorPadGrad") == 1


# --- LRN ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_lrn_and_gradient(dtype):
    x = values(dtype, (2, 3, 4, 7), special=False)
    params = [dict(depth_radius=0), dict(depth_radius=2, bias=2.0, alpha=0.1, beta=0.75),
              dict(depth_radius=5), dict(depth_radius=9, bias=0.5, alpha=1e-2, beta=0.5)]

    def build(a):
        outs = []
        for p in params:
            y = tf.nn.lrn(a, **p)
            outs += [y, tf.gradients(tf.reduce_sum(y * y), a)[0]]
        return outs

    tol = {np.float16: dict(rtol=1e-2, atol=1e-2), np.float32: dict(rtol=1e-4, atol=1e-5),
           np.float64: dict(rtol=1e-9, atol=1e-10)}[dtype]
    ex = check(build, [x], **tol)
    assert ex.native_ops.get("LRN") == len(params) and ex.native_ops.get("LRNGrad") == len(params)


def test_lrn_edge_shapes():
    check(lambda a, b: [tf.nn.lrn(a, 2), tf.nn.lrn(b, 3)],
          [np.zeros((0, 2, 2, 3), np.float32), values(np.float32, (1, 1, 1, 1), special=False)])


# --- scatters ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("idtype", [np.int32, np.int64])
def test_scatter_nd_and_tensor_scatters(dtype, idtype):
    shape = [5, 4, 3]
    idx1 = np.array([[1], [3], [1], [0], [1]], idtype)  # duplicates: summed, last update wins
    idx2 = np.array([[[1, 2], [3, 3]], [[1, 2], [4, 0]]], idtype)
    idx3 = np.array([[0, 0, 0], [4, 3, 2], [0, 0, 0]], idtype)
    feeds = [values(dtype, (5, 4, 3), special=False), values(dtype, (5, 4, 3), special=False),
             values(dtype, (2, 2, 3), special=False), values(dtype, (3,), special=False)]

    def build(t, u1, u2, u3):
        outs = []
        for idx, u in ((idx1, u1), (idx2, u2), (idx3, u3)):
            i = tf.constant(idx)
            outs += [tf.scatter_nd(i, u, np.array(shape, idtype)), tf.tensor_scatter_update(t, i, u),
                     tf.tensor_scatter_add(t, i, u), tf.tensor_scatter_sub(t, i, u)]
        return outs

    check(build, feeds, **tolerance(dtype))


def test_scatter_edge_cases():
    t = values(np.float32, (4, 2))
    empty_i, empty_u = np.zeros((0, 1), np.int32), np.zeros((0, 2), np.float32)
    boolean = values(np.bool_, (3, 2))

    def build(a, ei, eu, b):
        i = tf.constant(np.array([[2], [0], [2]], np.int32))
        return [tf.scatter_nd(ei, eu, [4, 2]), tf.tensor_scatter_add(a, ei, eu),
                tf.tensor_scatter_update(b, tf.constant([[1, 1], [0, 0]]), tf.constant([True, False])),
                tf.scatter_nd(i, tf.constant(2.0, shape=[3, 2]), [4, 2]),
                tf.tensor_scatter_update(a, i, a[:3] * 2.0)]

    check(build, [t, empty_i, empty_u, boolean])


def test_scatter_large():
    idx = RNG.integers(0, 1000, (20000, 1)).astype(np.int64)
    upd = RNG.standard_normal((20000, 16)).astype(np.float32)
    check(lambda i, u: [tf.scatter_nd(i, u, [1000, 16])], [idx, upd], rtol=1e-5, atol=1e-5)


def _variable_scatter(backend, op, idx, upd, fetch_value=True):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.arange(24, dtype=np.float32).reshape(6, 4), name="v")
        pi, pu = tf.placeholder(tf.as_dtype(idx.dtype), idx.shape), tf.placeholder(tf.float32, upd.shape)
        out = op(v, pi, pu, name="scatter")
        after = tf.identity(v) * 1.0
    with tf.Session(graph=g, backend=backend) as s:
        s.run(v.initializer)
        got = s.run(out if fetch_value else out.op, {pi: idx, pu: upd})
        ex = list(s._cache.values())[-1].executable
        return got, s.run(after), ex


@pytest.mark.parametrize("op", [tf.scatter_update, tf.scatter_add, tf.scatter_sub])
@pytest.mark.parametrize("idx", [np.array([1, 5, 1], np.int32), np.array([[0, 2], [2, 3]], np.int64),
                                 np.array(4, np.int32), np.zeros((0,), np.int32)])
@pytest.mark.parametrize("fetch_value", [True, False])
def test_variable_scatters_in_place(op, idx, fetch_value):
    upd = RNG.standard_normal(idx.shape + (4,)).astype(np.float32)
    ref = _variable_scatter("reference", op, idx, upd, fetch_value)
    got = _variable_scatter("cpu", op, idx, upd, fetch_value)
    if fetch_value:
        np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    assert got[2].fallback_ops == {}, got[2].fallback_ops
    assert got[2].native_ops.get(OP_TYPE[op]) == 1


OP_TYPE = {tf.scatter_update: "ScatterUpdate", tf.scatter_add: "ScatterAdd", tf.scatter_sub: "ScatterSub"}


def test_variable_scatter_broadcast_updates_and_self_read():
    ref = _variable_scatter("reference", tf.scatter_add, np.array([0, 3], np.int32), np.array(2.5, np.float32))
    got = _variable_scatter("cpu", tf.scatter_add, np.array([0, 3], np.int32), np.array(2.5, np.float32))
    np.testing.assert_array_equal(got[1], ref[1])
    assert got[2].fallback_ops == {}

    def self_update(backend):  # the updates are the variable's own rows, read before the write
        g = tf.Graph()
        with g.as_default():
            v = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4))
            out = tf.scatter_update(v, [2, 0, 1], v)
        with tf.Session(graph=g, backend=backend) as s:
            s.run(v.initializer)
            return s.run(out), list(s._cache.values())[-1].executable

    (r, _), (c, ex) = self_update("reference"), self_update("cpu")
    np.testing.assert_array_equal(c, r)
    assert ex.fallback_ops == {}


# --- scatter errors ------------------------------------------------------------------------------------------

def _error_both(build, feeds, node_name):
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(a.dtype, a.shape) for a in feeds]
        out = build(*phs)
    for backend in ("reference", "cpu"):
        with tf.Session(graph=g, backend=backend) as s:
            with pytest.raises(errors.InvalidArgumentError, match=node_name):
                s.run(out, dict(zip(phs, feeds)))
            if backend == "cpu":  # the error came from compiled code
                assert list(s._cache.values())[-1].executable.fallback_ops == {}


@pytest.mark.parametrize("bad", [5, -1])
def test_scatter_out_of_range_index_names_node(bad):
    idx = np.array([[0], [bad], [1]], np.int32)
    upd = np.ones((3, 2), np.float32)
    t = np.zeros((5, 2), np.float32)
    _error_both(lambda i, u: tf.scatter_nd(i, u, [5, 2], name="bad_scatter_nd") * 2.0, [idx, upd], "bad_scatter_nd")
    _error_both(lambda a, i, u: tf.tensor_scatter_add(a, i, u, name="bad_tensor_scatter") + 1.0, [t, idx, upd],
                "bad_tensor_scatter")
    idx2 = np.array([[0, 1], [4, bad if bad < 0 else 2]], np.int64)
    _error_both(lambda a, i, u: tf.tensor_scatter_update(a, i, u, name="bad_update"), [t, idx2, np.ones(2, np.float32)],
                "bad_update")


def test_scatter_into_empty_output_still_checks_indices():
    idx = np.array([[0]], np.int32)
    _error_both(lambda i, u: tf.scatter_nd(i, u, [0, 3], name="empty_scatter"), [idx, np.ones((1, 3), np.float32)],
                "empty_scatter")
    _error_both(lambda a, i, u: tf.tensor_scatter_update(a, i, u, name="empty_update"),
                [np.zeros((2, 0), np.float32), np.array([[2]], np.int32), np.zeros((1, 0), np.float32)],
                "empty_update")


def test_variable_scatter_out_of_range_leaves_variable_unchanged():
    for backend in ("reference", "cpu"):
        g = tf.Graph()
        with g.as_default():
            v = tf.Variable(np.ones((4, 2), np.float32))
            i = tf.placeholder(tf.int32, [2])
            op = tf.scatter_add(v, i, np.full((2, 2), 5.0, np.float32), name="bad_var_scatter")
        with tf.Session(graph=g, backend=backend) as s:
            s.run(v.initializer)
            with pytest.raises(errors.InvalidArgumentError, match="bad_var_scatter"):
                s.run(op.op, {i: np.array([1, 4], np.int32)})
            if backend == "cpu":
                assert list(s._cache.values())[-1].executable.fallback_ops == {}
            np.testing.assert_array_equal(s.run(v), np.ones((4, 2), np.float32))


# --- integer and float16 matmul, float16 convolutions --------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_matmul(dtype):
    a, b = values(dtype, (4, 6)), values(dtype, (6, 3))
    big = np.array([[2 ** 30, 2 ** 30], [3, -(2 ** 31) + 1]], dtype)  # products and sums wrap as NumPy's
    ba, bb = values(dtype, (2, 1, 3, 5)), values(dtype, (4, 5, 2))

    def build(x, y, z, p, q):
        return [tf.matmul(x, y), tf.matmul(y, x, transpose_a=True, transpose_b=True), tf.matmul(z, z),
                tf.matmul(p, q), tf.matmul(p, tf.transpose(q, [0, 2, 1]), adjoint_b=True),
                tf.matmul(x[:, :0], y[:0, :]), tf.matmul(x[:0], y)]

    check(build, [a, b, big, ba, bb])


def test_library_operands_may_be_size_one_constants():
    """A size-1 graph constant is a broadcast scalar in LIR; a library call gets it as an array."""
    a = RNG.standard_normal((3, 1)).astype(np.float32)
    i = np.array([[1]], np.int32)
    check(lambda x, j: [tf.matmul(x, tf.constant([[2.0]])), tf.matmul(tf.constant([[3]]), tf.constant([[4]]) + j),
                        tf.scatter_nd(j, tf.constant([7.0]), [3]),
                        tf.tensor_scatter_add(tf.constant([[1.5]]), j - 1, tf.constant([[2.5]]))], [a, i])


def test_float16_matmul_rounds_once():
    a = RNG.standard_normal((7, 300)).astype(np.float16)
    b = RNG.standard_normal((300, 5)).astype(np.float16)
    ba, bb = RNG.standard_normal((2, 3, 40)).astype(np.float16), RNG.standard_normal((1, 40, 4)).astype(np.float16)
    check(lambda x, y, p, q: [tf.matmul(x, y), tf.matmul(y, x, transpose_a=True, transpose_b=True),
                              tf.matmul(p, q)], [a, b, ba, bb], rtol=2e-3, atol=2e-3)


def test_float16_convolutions_and_gradients():
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float16)
    w = RNG.standard_normal((3, 3, 3, 4)).astype(np.float16)
    dw = RNG.standard_normal((3, 3, 3, 2)).astype(np.float16)

    def build(a, f, d):
        y = tf.nn.conv2d(a, f, [1, 2, 1, 1], "SAME")
        z = tf.nn.depthwise_conv2d(a, d, [1, 1, 1, 1], "VALID")
        loss = tf.reduce_sum(tf.cast(y, tf.float32)) + tf.reduce_sum(tf.cast(z, tf.float32))
        return [y, z] + tf.gradients(loss, [a, f, d])

    check(build, [x, w, dw], rtol=1e-2, atol=1e-2)  # (some run inside Fused groups)


# --- against TensorFlow ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1():
    return pytest.importorskip("tensorflow").compat.v1


def tf_run(tf1, build):
    g = tf1.Graph()
    with g.as_default():
        fetches = build(tf1)
        with tf1.Session(graph=g) as s:
            return s.run(fetches)


def cpu_run(build):
    g = tf.Graph()
    with g.as_default():
        fetches = build(tf)
    with tf.Session(graph=g, backend="cpu") as s:
        return s.run(fetches)


@pytest.mark.tf
def test_native_ops_match_tf(tf1):
    x = RNG.standard_normal((3, 6)).astype(np.float32)
    ties = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, -1.0, 0.0, 5.0, 5.0]], np.float32)
    img = RNG.standard_normal((1, 2, 2, 6)).astype(np.float32)
    idx = np.array([[1], [3], [1]], np.int32)
    upd = np.arange(6, dtype=np.float32).reshape(3, 2)

    def build(m):
        return [m.cumsum(x, axis=1, exclusive=True, reverse=True), m.cumprod(x, axis=0, exclusive=True),
                *m.nn.top_k(ties, 3), m.nn.in_top_k(ties, np.array([2, 0], np.int32), 2),
                m.pad(x, [[1, 2], [2, 1]], mode="REFLECT"), m.pad(x, [[3, 0], [0, 6]], mode="SYMMETRIC"),
                m.nn.lrn(img, 2, bias=1.5, alpha=0.3, beta=0.75), m.scatter_nd(idx, upd, [4, 2]),
                m.tensor_scatter_nd_sub(np.ones((4, 2), np.float32), idx, upd),
                m.matmul(np.array([[1, 2], [3, 4]], np.int32), np.array([[5], [6]], np.int32))]

    for k, (a, b) in enumerate(zip(cpu_run(build), tf_run(tf1, build))):
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=str(k))
