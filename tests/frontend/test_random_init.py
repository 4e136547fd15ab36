"""Random ops (seeding, dtypes, distributions) and initializers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import flowjit as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def session():
    return tf.Session(backend="reference")


# --- dtypes and shapes ----------------------------------------------------------------

@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_float_random_ops_exact_dtype_and_shape(dtype):
    ops = [tf.random_normal([3, 4], dtype=dtype), tf.random_uniform((3, 4), dtype=dtype),
           tf.truncated_normal(tf.TensorShape([3, 4]), dtype=dtype), tf.random_uniform([3, 4], -2, 5, dtype=dtype),
           tf.random_normal([3, 4], mean=1.0, stddev=0.5, dtype=dtype)]
    with session() as s:
        for v in s.run(ops):
            assert v.dtype == dtype.np_dtype and v.shape == (3, 4)
    for t in ops:
        assert t.dtype == dtype and t.shape.as_list() == [3, 4]


def test_random_op_types_and_attrs():
    tf.set_random_seed(11)
    n = tf.random_normal([2], seed=5)
    u = tf.random_uniform([2])
    types = {op.type: op for op in tf.get_default_graph().get_operations()}
    assert {"RandomStandardNormal", "RandomUniform"} <= set(types)
    assert types["RandomStandardNormal"].get_attr("seed") == 5
    assert types["RandomStandardNormal"].get_attr("seed2") == 11
    assert types["RandomUniform"].get_attr("seed") is None
    assert n.op.type in ("Identity", "AddV2")  # mean 0, stddev 1: no arithmetic needed
    assert u.op.type in ("Identity", "AddV2")
    m = tf.random_normal([2], mean=1.0, stddev=2.0)
    assert m.op.type == "AddV2" and m.op.inputs[0].op.type == "Mul"


def test_shape_from_tensor_and_dynamic():
    x = tf.placeholder(tf.float32, [None, 3])
    r = tf.random_uniform(tf.shape(x))
    assert r.shape.as_list() == [None, 3]
    with session() as s:
        assert s.run(r, {x: np.zeros((5, 3))}).shape == (5, 3)
    k = tf.placeholder(tf.int32, [])
    r2 = tf.random_normal([k, 2])
    with session() as s:
        assert s.run(r2, {k: 4}).shape == (4, 2)


# --- seeding ---------------------------------------------------------------------------

def test_op_seed_deterministic_across_sessions_and_varies_across_runs():
    r = tf.random_normal([5], seed=42)
    with session() as s:
        a1, a2 = s.run(r), s.run(r)
    with session() as s:
        b1, b2 = s.run(r), s.run(r)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)


def test_graph_seed_makes_every_op_deterministic_and_distinct():
    tf.set_random_seed(1)
    r1 = tf.random_uniform([6])
    r2 = tf.random_uniform([6])
    with session() as s:
        a = s.run([r1, r2])
    with session() as s:
        b = s.run([r1, r2])
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])


def test_same_op_seed_same_stream():
    tf.set_random_seed(3)
    r1 = tf.random_normal([4], seed=9)
    r2 = tf.random_normal([4], seed=9)
    with session() as s:
        a, b = s.run([r1, r2])
    np.testing.assert_array_equal(a, b)


def test_unseeded_sessions_differ():
    r = tf.random_uniform([8])
    with session() as s:
        a = s.run(r)
    with session() as s:
        b = s.run(r)
    assert not np.array_equal(a, b)


def test_one_run_reads_one_draw():
    r = tf.random_uniform([3], seed=1)
    both = tf.stack([r, r]) if hasattr(tf, "stack") else None
    if both is None:
        pytest.skip("stack not available")
    with session() as s:
        v = s.run(both)
    np.testing.assert_array_equal(v[0], v[1])


# --- distributions ---------------------------------------------------------------------

def test_distribution_moments():
    n = 20000
    tf.set_random_seed(123)
    ops = {"normal": tf.random_normal([n], 2.0, 3.0, dtype=tf.float64),
           "uniform": tf.random_uniform([n], -1.0, 3.0, dtype=tf.float64),
           "trunc": tf.truncated_normal([n], 1.0, 2.0, dtype=tf.float64),
           "trunc32": tf.truncated_normal([n]),
           "gamma": tf.random_gamma([n], 3.0, beta=2.0, dtype=tf.float64)}
    with session() as s:
        v = s.run(ops)
    assert abs(v["normal"].mean() - 2.0) < 0.1 and abs(v["normal"].std() - 3.0) < 0.1
    assert v["uniform"].min() >= -1.0 and v["uniform"].max() < 3.0
    assert abs(v["uniform"].mean() - 1.0) < 0.05
    assert np.all(np.abs(v["trunc"] - 1.0) <= 4.0)
    assert abs(v["trunc"].std() - 2.0 * 0.87962566103423978) < 0.05
    assert np.all(np.abs(v["trunc32"]) <= 2.0) and v["trunc32"].dtype == np.float32
    assert abs(v["gamma"].mean() - 1.5) < 0.05


def test_random_uniform_int():
    r = tf.random_uniform([1000], minval=-3, maxval=4, dtype=tf.int32, seed=2)
    r64 = tf.random_uniform([10], maxval=10 ** 12, dtype=tf.int64)
    with session() as s:
        v, v64 = s.run([r, r64])
    assert r.op.type == "RandomUniformInt" and v.dtype == np.int32 and v64.dtype == np.int64
    assert set(np.unique(v)) == set(range(-3, 4))
    with pytest.raises(ValueError, match="maxval"):
        tf.random_uniform([2], dtype=tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="minval < maxval"):
        tf.random_uniform([2], 5, 5, dtype=tf.int32)
    lo = tf.placeholder(tf.int32, [])
    bad = tf.random_uniform([2], lo, 3, dtype=tf.int32, name="bad_range")
    with session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="bad_range"):
        s.run(bad, {lo: 7})


def test_random_shuffle_is_a_permutation_of_rows():
    x = np.arange(20).reshape(10, 2)
    sh = tf.random_shuffle(x, seed=4)
    with session() as s:
        a, b = s.run(sh), s.run(sh)
    assert sorted(map(tuple, a)) == sorted(map(tuple, x))
    assert not np.array_equal(a, b) or not np.array_equal(a, x)
    assert a.dtype == x.dtype


def test_multinomial_and_categorical():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [1e-30, 1e-30, 1.0]]))
    m = tf.multinomial(logits.astype(np.float32), 4000, seed=8)
    c = tf.random.categorical(logits, 5, dtype=tf.int32)
    with session() as s:
        v, vc = s.run([m, c])
    assert v.dtype == np.int64 and v.shape == (2, 4000) and vc.dtype == np.int32
    freq = np.bincount(v[0], minlength=3) / 4000
    np.testing.assert_allclose(freq, [0.7, 0.2, 0.1], atol=0.03)
    assert np.all(v[1] == 2)


def test_random_namespace_and_crop():
    assert tf.random.normal is tf.random_normal and tf.random.uniform is tf.random_uniform
    x = np.arange(48).reshape(6, 8)
    crop = tf.random_crop(x, [3, 4], seed=1)
    with session() as s:
        v = s.run(crop)
    assert v.shape == (3, 4)
    r0, c0 = divmod(int(v[0, 0]), 8)
    np.testing.assert_array_equal(v, x[r0:r0 + 3, c0:c0 + 4])


def test_random_ops_have_no_gradient():
    x = tf.placeholder(tf.float32, [2])
    y = x * tf.random_normal([2])
    (g,) = tf.gradients(y, x)
    assert g is not None


# --- initializers ----------------------------------------------------------------------

def _init_value(init, shape, dtype=tf.float32):
    t = init(shape, dtype=dtype)
    with session() as s:
        return s.run(t)


def test_constant_like_initializers():
    assert _init_value(tf.zeros_initializer(), [2, 3]).tolist() == [[0] * 3] * 2
    ones = _init_value(tf.ones_initializer(), [2], tf.int32)
    assert ones.dtype == np.int32 and ones.tolist() == [1, 1]
    np.testing.assert_array_equal(_init_value(tf.constant_initializer(2.5), [2, 2]), np.full((2, 2), 2.5))
    np.testing.assert_array_equal(_init_value(tf.constant_initializer([1, 2, 3]), [2, 3]), [[1, 2, 3], [3, 3, 3]])
    np.testing.assert_array_equal(_init_value(tf.constant_initializer(np.eye(2)), [2, 2]), np.eye(2))
    with pytest.raises(ValueError):
        tf.constant_initializer([1, 2, 3])([2])
    with pytest.raises(TypeError):
        tf.constant_initializer([1, 2, 3], verify_shape=True)([4])


def test_random_initializers_ranges_and_dtype():
    tf.set_random_seed(0)
    u = _init_value(tf.random_uniform_initializer(-0.1, 0.1), [50, 50])
    n = _init_value(tf.random_normal_initializer(1.0, 0.01, dtype=tf.float64), [50, 50], None)
    t = _init_value(tf.truncated_normal_initializer(0.0, 0.5), [50, 50])
    ui = _init_value(tf.random_uniform_initializer(0, 5), [100], tf.int32)
    assert u.dtype == np.float32 and u.min() >= -0.1 and u.max() < 0.1
    assert n.dtype == np.float64 and abs(n.mean() - 1.0) < 0.01
    assert np.abs(t).max() <= 1.0
    assert ui.dtype == np.int32 and set(np.unique(ui)) <= set(range(5))


def test_variance_scaling_family():
    tf.set_random_seed(5)
    shape = [3, 3, 64, 32]  # fan_in 576, fan_out 288
    fan_in, fan_out = 576, 288
    glorot_u = _init_value(tf.glorot_uniform_initializer(), shape)
    glorot_n = _init_value(tf.glorot_normal_initializer(), shape)
    he = _init_value(tf.initializers.he_normal(), shape)
    vs_unif = _init_value(tf.variance_scaling_initializer(2.0, "fan_out", "uniform"), shape)
    vs_untr = _init_value(tf.variance_scaling_initializer(distribution="untruncated_normal"), shape)
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot_u).max() <= limit and np.abs(glorot_u).max() > 0.95 * limit
    assert abs(glorot_u.var() - limit ** 2 / 3) / (limit ** 2 / 3) < 0.05
    assert abs(glorot_n.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.05 * math.sqrt(2 / (fan_in + fan_out))
    assert abs(he.std() - math.sqrt(2 / fan_in)) < 0.05 * math.sqrt(2 / fan_in)
    assert np.abs(vs_unif).max() <= math.sqrt(3 * 2 / fan_out)
    assert abs(vs_untr.std() - math.sqrt(1 / fan_in)) < 0.05 * math.sqrt(1 / fan_in)
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(mode="fan_sideways")
    with pytest.raises(ValueError):
        tf.variance_scaling_initializer(scale=-1.0)


def test_orthogonal_and_identity_initializers():
    q = _init_value(tf.orthogonal_initializer(gain=2.0, seed=1), [6, 4], tf.float64)
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-10)
    wide = _init_value(tf.orthogonal_initializer(seed=1), [3, 5], tf.float64)
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-10)
    conv = _init_value(tf.orthogonal_initializer(seed=2), [2, 2, 3, 4], tf.float64).reshape(-1, 4)
    np.testing.assert_allclose(conv.T @ conv, np.eye(4), atol=1e-10)
    np.testing.assert_array_equal(_init_value(tf.initializers.identity(), [2, 3]), np.eye(2, 3))


def test_initializer_seeds_reproduce_across_sessions():
    init = tf.glorot_uniform_initializer(seed=7)
    t = init([4, 4])
    with session() as s:
        a = s.run(t)
    with session() as s:
        b = s.run(t)
    np.testing.assert_array_equal(a, b)


def test_get_variable_uses_initializers():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [20, 10], initializer=tf.random_uniform_initializer(-1, 1, seed=3))
        b = tf.get_variable("b", [10], initializer=tf.zeros_initializer())
        c = tf.get_variable("c", [2, 2], initializer=tf.constant_initializer(3.0), dtype=tf.float64)
        d = tf.get_variable("d", [30, 30])  # default glorot_uniform
        e = tf.get_variable("e", [3], initializer=tf.ones_initializer)  # a class, as TF1 allows
    with session() as s:
        s.run(tf.global_variables_initializer())
        wv, bv, cv, dv, ev = s.run([w, b, c, d, e])
    assert ev.tolist() == [1, 1, 1]
    assert wv.dtype == np.float32 and np.abs(wv).max() <= 1 and wv.std() > 0.3
    assert not bv.any()
    assert cv.dtype == np.float64 and (cv == 3).all()
    assert np.abs(dv).max() <= math.sqrt(6 / 60)


def test_initializers_namespace():
    ns = tf.initializers
    for name in ("zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
                 "variance_scaling", "glorot_uniform", "glorot_normal", "orthogonal", "he_normal",
                 "he_uniform", "lecun_normal", "lecun_uniform", "global_variables"):
        assert hasattr(ns, name), name
    assert ns.zeros is tf.zeros_initializer
    assert isinstance(tf.glorot_uniform_initializer(), tf.variance_scaling_initializer)
    cfg = tf.random_normal_initializer(0.5, 2.0, seed=1).get_config()
    assert cfg["mean"] == 0.5 and cfg["stddev"] == 2.0 and cfg["seed"] == 1
