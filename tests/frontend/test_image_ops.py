"""tf.image: the resizers' index maths by hand (legacy, align_corners and half-pixel sample
points), the composites (flips, rotations, crops, pads, colour) against NumPy on both backends,
gradients against finite differences / the exact Jacobian, errors, native lowering, and every
name against real TensorFlow where installed (values, dtypes, names, static shapes; the random
ones by their properties)."""

from __future__ import annotations

import numpy as np
import pytest

import flowjit as tf
from flowjit import errors

BACKENDS = ["reference", "cpu"]


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def run(fetches, feed=None, backend="reference"):
    with tf.Session(backend=backend) as s:
        return s.run(fetches, feed)


def row(values):
    """A [1, 1, W, 1] image from one row of values."""
    return np.asarray(values, np.float32).reshape(1, 1, -1, 1)


# --- the resizers' index maths, by hand ---------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_nearest_neighbor_sample_points(backend):
    x = row([0, 1, 2, 3])  # in 4 -> out 3
    outs = [tf.image.resize_nearest_neighbor(x, [1, 3]),  # x*4/3 = 0, 1.33, 2.67 -> floor 0 1 2
            tf.image.resize_nearest_neighbor(x, [1, 3], align_corners=True),  # x*3/2 = 0, 1.5, 3 -> roundf 0 2 3
            tf.image.resize_nearest_neighbor(x, [1, 3], half_pixel_centers=True),  # (x+.5)*4/3 = .67 2 3.33 -> 0 2 3
            tf.image.resize_nearest_neighbor(row([0, 1, 2]), [1, 5]),  # x*.6 = 0 .6 1.2 1.8 2.4 -> 0 0 1 1 2
            tf.image.resize_nearest_neighbor(row([0, 1, 2]), [1, 5], align_corners=True)]  # x*.5 -> 0 1 1 2 2
    got = run(outs, backend=backend)
    want = [[0, 1, 2], [0, 2, 3], [0, 2, 3], [0, 0, 1, 1, 2], [0, 1, 1, 2, 2]]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.reshape(-1), w)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bilinear_sample_points(backend):
    x = row([0, 10, 20])  # in 3 -> out 5
    square = np.array([[0, 1], [2, 3]], np.float32).reshape(1, 2, 2, 1)
    outs = [tf.image.resize_bilinear(x, [1, 5]),  # x*.6: 0 .6 1.2 1.8 2.4 (clamped above)
            tf.image.resize_bilinear(x, [1, 5], align_corners=True),  # x*.5
            tf.image.resize_bilinear(x, [1, 5], half_pixel_centers=True),  # (x+.5)*.6-.5: -.2 .4 1 1.6 2.2
            tf.image.resize_bilinear(square, [3, 3], align_corners=True),
            tf.image.resize_bilinear(square, [4, 4])]
    got = run(outs, backend=backend)
    np.testing.assert_allclose(got[0].reshape(-1), [0, 6, 12, 18, 20], rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(got[1].reshape(-1), [0, 5, 10, 15, 20], rtol=1e-6)
    np.testing.assert_allclose(got[2].reshape(-1), [0, 4, 10, 16, 20], rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(got[3][0, :, :, 0], [[0, .5, 1], [1, 1.5, 2], [2, 2.5, 3]])
    # legacy 2 -> 4: sample points 0, .5, 1, 1.5 (the last two clamp to the edge)
    np.testing.assert_allclose(got[4][0, :, :, 0], [[0, .5, 1, 1], [1, 1.5, 2, 2], [2, 2.5, 3, 3], [2, 2.5, 3, 3]])
    assert all(g.dtype == np.float32 for g in got)


def keys_cubic(d, a):
    d = abs(d)
    if d <= 1:
        return ((a + 2) * d - (a + 3)) * d * d + 1
    if d < 2:
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return 0.0


def bicubic_np(x, out, a, half):
    """Separable Keys cubic in NumPy (exact weights), clamped taps (legacy) or dropped and
    renormalized ones (half-pixel centres)."""
    def matrix(n_in, n_out):
        scale = n_in / n_out
        m = np.zeros((n_out, n_in))
        for o in range(n_out):
            p = (o + 0.5) * scale - 0.5 if half else o * scale
            base = int(np.floor(p))
            taps = [(base + k, keys_cubic(p - (base + k), a)) for k in (-1, 0, 1, 2)]
            if half:
                taps = [(i, w) for i, w in taps if 0 <= i < n_in]
                total = sum(w for _, w in taps)
                taps = [(i, w / total) for i, w in taps]
            for i, w in taps:
                m[o, min(max(i, 0), n_in - 1)] += w
        return m
    my, mx = matrix(x.shape[1], out[0]), matrix(x.shape[2], out[1])
    return np.einsum("oh,nhwc,pw->nopc", my, x.astype(np.float64), mx)


@pytest.mark.parametrize("backend", BACKENDS)
def test_bicubic_matches_keys_cubic(backend):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 6, 3)).astype(np.float32)
    # upsampling by 2 puts every sample at a whole or half pixel: the 1/1024 coefficient table is exact there
    outs = [tf.image.resize_bicubic(x, [8, 12]), tf.image.resize_bicubic(x, [8, 12], half_pixel_centers=True)]
    legacy, half = run(outs, backend=backend)
    np.testing.assert_allclose(legacy, bicubic_np(x, (8, 12), -0.75, False), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(half, bicubic_np(x, (8, 12), -0.5, True), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_area_averages_the_covered_pixels(backend):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 6, 2)).astype(np.float32)
    third = row([3, 6, 9])  # in 3 -> out 2: [0, 1.5) and [1.5, 3)
    blocks, thirds = run([tf.image.resize_area(x, [2, 3]), tf.image.resize_area(third, [1, 2])], backend=backend)
    np.testing.assert_allclose(blocks, x.reshape(1, 2, 2, 3, 2, 2).mean(axis=(2, 4)), rtol=1e-5)
    np.testing.assert_allclose(thirds.reshape(-1), [(3 + 6 * .5) / 1.5, (6 * .5 + 9) / 1.5], rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_resize_images_dtypes_methods_and_shapes(backend):
    img = np.arange(2 * 3 * 4 * 2, dtype=np.uint8).reshape(2, 3, 4, 2)
    p = tf.placeholder(tf.uint8, [None, 3, 4, 2])
    M = tf.image.ResizeMethod
    assert (M.BILINEAR, M.NEAREST_NEIGHBOR, M.BICUBIC, M.AREA) == (0, 1, 2, 3)
    outs = [tf.image.resize_images(p, [6, 8], method=m) for m in (M.BILINEAR, M.NEAREST_NEIGHBOR, M.BICUBIC, M.AREA)]
    outs += [tf.image.resize_images(p[0], [6, 8], method=M.NEAREST_NEIGHBOR), tf.image.resize_images(p, [3, 4]),
             tf.image.resize(p, [5, 5], align_corners=True),
             tf.image.resize_images(p, [6, 6], method=M.NEAREST_NEIGHBOR, preserve_aspect_ratio=True)]
    assert [o.dtype for o in outs] == [tf.float32, tf.uint8, tf.float32, tf.float32, tf.uint8, tf.uint8, tf.float32,
                                      tf.uint8]
    assert [o.get_shape().as_list() for o in outs] == [[None, 6, 8, 2]] * 4 + [[6, 8, 2], [None, 3, 4, 2],
                                                                               [None, 5, 5, 2], [None, 4, 6, 2]]
    got = run(outs, {p: img}, backend)
    np.testing.assert_array_equal(got[1], img.repeat(2, axis=1).repeat(2, axis=2))  # x*0.5 -> floor: each twice
    np.testing.assert_array_equal(got[4], got[1][0])
    np.testing.assert_array_equal(got[5], img)  # same size: the images themselves
    assert got[7].shape == (2, 4, 6, 2)  # scale min(6/3, 6/4) = 1.5: 3x4 -> 4.5 -> 4 (round half to even) x 6
    np.testing.assert_allclose(got[6][:, 0, 0], img[:, 0, 0])  # corners aligned
    np.testing.assert_allclose(got[6][:, -1, -1], img[:, -1, -1])


@pytest.mark.parametrize("backend", BACKENDS)
def test_resizes_run_natively_and_equal_the_reference(backend):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((2, 5, 7, 3)) * 40).astype(np.float32)
    p = tf.placeholder(tf.float32, [2, 5, 7, 3])
    outs = []
    for align, half in [(False, False), (True, False), (False, True)]:
        kw = dict(align_corners=align, half_pixel_centers=half)
        outs += [tf.image.resize_nearest_neighbor(p, [9, 4], **kw), tf.image.resize_bilinear(p, [3, 11], **kw),
                 tf.image.resize_bicubic(p, [8, 6], **kw), tf.image.resize_bilinear(tf.cast(p, tf.int32), [4, 4], **kw)]
    want = run(outs, {p: x})
    with tf.Session() as s:
        got = s.run(outs, {p: x})
        executable = list(s._cache.values())[-1].executable
    assert executable.fallback_ops == {}, executable.fallback_ops
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)  # the same float32 operations in the same order


# --- composites against NumPy -----------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_flips_transposes_and_rotations(backend):
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)
    p4 = tf.placeholder(tf.float32, [None, 3, 4, 2])
    p3 = tf.placeholder(tf.float32, [3, 4, 2])
    pu = tf.placeholder(tf.float32)  # unknown rank: a cond on the run-time rank
    k = tf.placeholder(tf.int32, [])
    outs = [tf.image.flip_left_right(p4), tf.image.flip_up_down(p4), tf.image.flip_left_right(p3),
            tf.image.flip_up_down(p3), tf.image.transpose_image(p4), tf.image.transpose(p3),
            tf.image.flip_left_right(pu), tf.image.transpose(pu)]
    outs += [tf.image.rot90(p4, j) for j in range(-1, 5)] + [tf.image.rot90(p3, k), tf.image.rot90(pu, 3)]
    got = run(outs, {p4: x, p3: x[0], pu: x[1], k: 3}, backend)
    want = [x[:, :, ::-1], x[:, ::-1], x[0, :, ::-1], x[0, ::-1], x.transpose(0, 2, 1, 3), x[0].transpose(1, 0, 2),
            x[1, :, ::-1], x[1].transpose(1, 0, 2)]
    want += [np.rot90(x, j, axes=(1, 2)) for j in range(-1, 5)] + [np.rot90(x[0], 3), np.rot90(x[1], 3)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert outs[0].get_shape().as_list() == [None, 3, 4, 2] and outs[6].get_shape().ndims is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_crops_and_pads(backend):
    x = np.arange(1, 1 + 2 * 4 * 6, dtype=np.float32).reshape(2, 4, 6, 1)
    p = tf.placeholder(tf.float32, [None, 4, 6, 1])
    dyn = tf.placeholder(tf.float32, [None, None, None, 1])
    outs = [tf.image.crop_to_bounding_box(p, 1, 2, 2, 3), tf.image.pad_to_bounding_box(p, 1, 2, 7, 9),
            tf.image.central_crop(p, 0.5), tf.image.central_crop(p[0], 0.34), tf.image.central_crop(p, 1.0),
            tf.image.resize_image_with_crop_or_pad(p, 2, 9), tf.image.resize_with_crop_or_pad(p[0], 7, 3),
            tf.image.crop_to_bounding_box(dyn, 1, 2, 2, 3), tf.image.resize_image_with_crop_or_pad(dyn, 6, 2)]
    got = run(outs, {p: x, dyn: x}, backend)
    pad = np.zeros((2, 7, 9, 1), np.float32)
    pad[:, 1:5, 2:8] = x
    # central 0.34 of 4x6: start int((4 - 1.36) / 2) = 1, int((6 - 2.04) / 2) = 1
    crop_pad = np.zeros((2, 2, 9, 1), np.float32)
    crop_pad[:, :, 1:7] = x[:, 1:3]  # height 4 -> 2: crop from 1; width 6 -> 9: pad 1 left
    tall = np.zeros((7, 3, 1), np.float32)
    tall[1:5] = x[0, :, 1:4]  # height 4 -> 7: pad 1 on top; width 6 -> 3: crop from 1
    want = [x[:, 1:3, 2:5], pad, x[:, 1:3, 1:5], x[0, 1:3, 1:5], x, crop_pad, tall, x[:, 1:3, 2:5],
            np.concatenate([np.zeros((2, 1, 2, 1), np.float32), x[:, :, 2:4], np.zeros((2, 1, 2, 1), np.float32)], 1)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert outs[0].get_shape().as_list() == [None, 2, 3, 1] and outs[7].get_shape().as_list() == [None, 2, 3, 1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_resize_image_with_pad(backend):
    x = np.arange(2 * 4 * 8 * 1, dtype=np.float32).reshape(2, 4, 8, 1)
    out = tf.image.resize_image_with_pad(x, 8, 8, method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
    got = run(out, backend=backend)
    # ratio max(8/8, 4/8) = 1: no resize; (8 - 4) / 2 = 2 rows of zeros above and below
    want = np.zeros((2, 8, 8, 1), np.float32)
    want[:, 2:6] = x
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_pixel_value_ops(backend):
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (2, 3, 4, 3)).astype(np.float32)
    u8 = (x * 255).astype(np.uint8)
    p = tf.placeholder(tf.float32, [None, 3, 4, 3])
    q = tf.placeholder(tf.uint8, [None, 3, 4, 3])
    outs = [tf.image.per_image_standardization(p), tf.image.adjust_brightness(p, 0.25),
            tf.image.adjust_contrast(p, 1.5), tf.image.rgb_to_grayscale(p), tf.image.grayscale_to_rgb(p[..., :1]),
            tf.image.adjust_brightness(q, 0.5), tf.image.rgb_to_grayscale(q), tf.image.per_image_standardization(q),
            tf.image.per_image_standardization(tf.zeros([2, 2, 1]))]
    got = run(outs, {p: x, q: u8}, backend)
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    std = np.maximum(x.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(36))
    np.testing.assert_allclose(got[0], (x - mean) / std, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], x + 0.25, rtol=1e-6)
    cmean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(got[2], (x - cmean) * 1.5 + cmean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[3], x @ np.array([[0.2989], [0.587], [0.114]], np.float32), rtol=1e-5)
    np.testing.assert_array_equal(got[4], np.repeat(x[..., :1], 3, axis=-1))
    # uint8 + 0.5 in [0, 1] saturates at 255: (u/255 + 0.5) * 255.5, clamped, truncated
    want = np.minimum((u8 / np.float32(255) + np.float32(0.5)) * np.float32(255.5), 255).astype(np.uint8)
    np.testing.assert_array_equal(got[5], want)
    assert got[5].dtype == np.uint8 and got[6].dtype == np.uint8 and got[6].shape == (2, 3, 4, 1)
    assert got[7].dtype == np.float32
    np.testing.assert_array_equal(got[8], np.zeros((2, 2, 1)))  # uniform image: divided by 1/sqrt(4), not by 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_convert_image_dtype(backend):
    u8 = np.array([0, 1, 127, 128, 255], np.uint8)
    f = np.array([0.0, 0.25, 0.5, 0.999, 1.0, 1.5, -0.5], np.float32)
    i32 = np.array([0, 2 ** 23, 2 ** 31 - 1], np.int32)
    outs = [tf.image.convert_image_dtype(u8, tf.float32), tf.image.convert_image_dtype(u8, tf.int32),
            tf.image.convert_image_dtype(i32, tf.uint8), tf.image.convert_image_dtype(f, tf.uint8, saturate=True),
            tf.image.convert_image_dtype(f[:5], tf.uint8), tf.image.convert_image_dtype(f, tf.float64),
            tf.image.convert_image_dtype(u8, tf.uint8)]
    got = run(outs, backend=backend)
    np.testing.assert_allclose(got[0], u8 / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(got[1], u8.astype(np.int64) * (2 ** 31 // 2 ** 8))  # 2^23 per step
    np.testing.assert_array_equal(got[2], [0, 1, 255])  # floordiv by 2^24
    np.testing.assert_array_equal(got[3], [0, 63, 127, 255, 255, 255, 0])  # x * 255.5, clamped
    np.testing.assert_array_equal(got[4], [0, 63, 127, 255, 255])
    assert [g.dtype for g in got] == [np.float32, np.int32, np.uint8, np.uint8, np.uint8, np.float64, np.uint8]
    with pytest.raises(AttributeError, match="floating point or integer"):
        tf.image.convert_image_dtype(u8, tf.bool)


# --- random ops: properties ----------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_random_flips_brightness_contrast_crop(backend):
    x = np.arange(8 * 3 * 4 * 1, dtype=np.float32).reshape(8, 3, 4, 1)
    p = tf.placeholder(tf.float32, [None, 3, 4, 1])
    lr, ud = tf.image.random_flip_left_right(p, seed=1), tf.image.random_flip_up_down(p[0], seed=2)
    bright = tf.image.random_brightness(p, 0.3, seed=3)
    contrast = tf.image.random_contrast(p, 0.5, 1.5, seed=4)
    crop = tf.image.random_crop(p, [2, 2, 3, 1], seed=5)
    flipped, kept, ud_flips, deltas, factors = 0, 0, 0, [], []
    with tf.Session(backend=backend) as s:
        for _ in range(40):
            a, b, c, d, e = s.run([lr, ud, bright, contrast, crop], {p: x})
            for i in range(8):  # each image of a batch flips on its own
                if np.array_equal(a[i], x[i, :, ::-1]):
                    flipped += 1
                else:
                    np.testing.assert_array_equal(a[i], x[i])
                    kept += 1
            ud_flips += int(np.array_equal(b, x[0, ::-1]))
            assert np.array_equal(b, x[0, ::-1]) or np.array_equal(b, x[0])
            delta = c - x
            assert np.allclose(delta, delta.flat[0], atol=1e-4)
            deltas.append(delta.flat[0])
            mean = x.mean(axis=(1, 2), keepdims=True)
            factor = (d - mean).flat[1] / (x - mean).flat[1]
            np.testing.assert_allclose(d, (x - mean) * factor + mean, rtol=1e-5, atol=1e-4)
            factors.append(factor)
            h0, w0 = int(e[0, 0, 0, 0]) // 4 % 3, int(e[0, 0, 0, 0]) % 4
            n0 = int(e[0, 0, 0, 0]) // 12
            np.testing.assert_array_equal(e, x[n0:n0 + 2, h0:h0 + 2, w0:w0 + 3])
    assert 100 < flipped < 220 and flipped + kept == 320  # 320 fair coins: 160 +- 60 is > 6 sigma
    assert 5 < ud_flips < 35
    assert -0.3 <= min(deltas) and max(deltas) < 0.3 and np.std(deltas) > 0.05
    assert 0.5 <= min(factors) and max(factors) < 1.5 and np.std(factors) > 0.1


def test_random_crop_checks_the_size():
    p = tf.placeholder(tf.float32, [None, 3])
    crop = tf.random_crop(p, [2, 4], seed=1)
    with pytest.raises(errors.InvalidArgumentError, match="Need value.shape >= size") as info:
        run(crop, {p: np.ones((3, 3), np.float32)})
    assert "random_crop" in str(info.value)


# --- gradients -----------------------------------------------------------------------------------------

def _jacobian_transpose(build, x, w):
    """J^T w of the linear map `build`, applying it to each basis image (exact for a linear map)."""
    p = tf.placeholder(tf.float32, x.shape)
    y = build(p)
    out = np.zeros(x.size)
    with tf.Session(backend="reference") as s:
        for i in range(x.size):
            e = np.zeros(x.size, np.float32)
            e[i] = 1
            out[i] = float(np.sum(s.run(y, {p: e.reshape(x.shape)}).astype(np.float64) * w))
    return out.reshape(x.shape)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind,kw", [("bilinear", {}), ("bilinear", {"align_corners": True}),
                                     ("bilinear", {"half_pixel_centers": True}), ("nearest", {}),
                                     ("nearest", {"align_corners": True}), ("nearest", {"half_pixel_centers": True}),
                                     ("bicubic", {}), ("bicubic", {"half_pixel_centers": True})])
def test_resize_gradients_are_the_transposed_map(backend, kind, kw):
    fn = {"bilinear": tf.image.resize_bilinear, "nearest": tf.image.resize_nearest_neighbor,
          "bicubic": tf.image.resize_bicubic}[kind]
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 3, 4, 2)).astype(np.float32)
    size = [5, 3]  # up in height, down in width
    w = rng.standard_normal((1, 5, 3, 2))
    want = _jacobian_transpose(lambda t: fn(t, size, **kw), x, w)
    tf.reset_default_graph()
    p = tf.placeholder(tf.float32, x.shape)
    loss = tf.reduce_sum(fn(p, size, **kw) * tf.constant(w, tf.float32))
    grad, = tf.gradients(loss, [p])
    assert grad.op.type == {"bilinear": "ResizeBilinearGrad", "nearest": "ResizeNearestNeighborGrad",
                            "bicubic": "ResizeBicubicGrad"}[kind]
    got = run(grad, {p: x}, backend)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_resize_gradient_dtypes():
    x64 = tf.placeholder(tf.float64, [1, 2, 3, 1])
    u8 = tf.placeholder(tf.uint8, [1, 2, 3, 1])
    g64 = tf.gradients(tf.reduce_sum(tf.image.resize_bilinear(x64, [4, 4])), x64)[0]
    gb = tf.gradients(tf.reduce_sum(tf.image.resize_bicubic(u8, [4, 4])), u8)[0]
    gn = tf.gradients(tf.reduce_sum(tf.image.resize_nearest_neighbor(x64, [4, 6])), x64)[0]
    assert g64.dtype == tf.float64 and gb is None and gn.dtype == tf.float64
    got = run([g64, gn], {x64: np.ones((1, 2, 3, 1))})
    np.testing.assert_allclose(got[0].sum(), 16.0, rtol=1e-12)  # each output spreads weights summing to 1
    np.testing.assert_array_equal(got[1], np.full((1, 2, 3, 1), 4.0))  # each pixel copied 2 x 2 times
    with pytest.raises(LookupError, match="ResizeArea"):
        tf.gradients(tf.reduce_sum(tf.image.resize_area(x64, [4, 4])), x64)


def test_composite_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((2, 3, 4, 1))
    x = tf.placeholder(tf.float64, x0.shape)
    ws = [tf.constant(rng.standard_normal(s)) for s in [(2, 3, 4, 1), (2, 4, 3, 1), (2, 4, 3, 1), (2, 1, 2, 1),
                                                        (2, 5, 7, 1), (2, 3, 4, 1)]]
    parts = [tf.image.flip_left_right(x), tf.image.transpose_image(x), tf.image.rot90(x, 1),
             tf.image.crop_to_bounding_box(x, 1, 1, 1, 2), tf.image.pad_to_bounding_box(x, 1, 2, 5, 7),
             tf.image.central_crop(x, 0.6)]  # int((3 - 1.8) / 2) = 0: all of it
    loss = sum(tf.reduce_sum(p * w) for p, w in zip(parts, ws))
    grad, = tf.gradients(loss, [x])
    with tf.Session(backend="reference") as s:
        g = s.run(grad, {x: x0})
        num = np.zeros_like(x0)
        eps = 1e-5
        for i in np.ndindex(x0.shape):
            d = np.zeros_like(x0)
            d[i] = eps
            num[i] = (s.run(loss, {x: x0 + d}) - s.run(loss, {x: x0 - d})) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-8)


# --- errors --------------------------------------------------------------------------------------------

def test_build_time_errors():
    p = tf.placeholder(tf.float32, [None, 4, 5, 3])
    with pytest.raises(ValueError, match="'images' must have either 3 or 4 dimensions."):
        tf.image.resize_images(p[0, 0], [2, 2])
    with pytest.raises(ValueError, match="'images' contains no shape."):
        tf.image.resize_images(tf.placeholder(tf.float32), [2, 2])
    with pytest.raises(ValueError, match="'size' must be a 1-D int32 Tensor"):
        tf.image.resize_images(p, [1.5, 2.0])
    with pytest.raises(ValueError, match="'size' must be a 1-D Tensor of 2 elements"):
        tf.image.resize_images(p, [1, 2, 3])
    with pytest.raises(ValueError, match="Resize method is not implemented: 7"):
        tf.image.resize_images(p, [2, 2], method=7)
    with pytest.raises(ValueError, match="ResizeBilinear.*rank 4 but is rank 3"):
        tf.image.resize_bilinear(p[0], [2, 2])
    with pytest.raises(TypeError, match="size must be int32"):
        tf.image.resize_nearest_neighbor(p, tf.constant([2, 2], tf.int64))
    with pytest.raises(ValueError, match="must be at least three-dimensional"):
        tf.image.flip_left_right(p[0, 0])
    with pytest.raises(ValueError, match="must have either 3 or 4 dimensions"):
        tf.image.rot90(tf.zeros([1, 2, 3, 4, 5]))
    with pytest.raises(ValueError, match=r"central_fraction must be within \(0, 1\]"):
        tf.image.central_crop(p, 0.0)
    with pytest.raises(ValueError, match="height must be >= target \\+ offset."):
        tf.image.crop_to_bounding_box(p, 1, 1, 4, 4)
    with pytest.raises(ValueError, match="offset_width must be >= 0"):
        tf.image.pad_to_bounding_box(p, 0, -1, 5, 6)
    with pytest.raises(ValueError, match="target_width must be > 0."):
        tf.image.resize_image_with_crop_or_pad(p, 2, 0)
    with pytest.raises(ValueError, match="max_delta must be non-negative."):
        tf.image.random_brightness(p, -0.1)
    with pytest.raises(ValueError, match="upper must be > lower."):
        tf.image.random_contrast(p, 1.0, 0.5)
    with pytest.raises(ValueError, match="Last dimension of a grayscale image should be size 1."):
        tf.image.grayscale_to_rgb(tf.zeros([2, 2, 3]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_run_time_errors_name_the_node(backend):
    p = tf.placeholder(tf.float32, [None, None, None, 1])
    size = tf.placeholder(tf.int32, [2])
    both = tf.image.resize_bilinear(p, [2, 2], align_corners=True, half_pixel_centers=True, name="both")
    zero = tf.image.resize_nearest_neighbor(p, size, name="zero")
    crop = tf.image.crop_to_bounding_box(p, 1, 1, 3, 3)
    x = np.ones((1, 2, 2, 1), np.float32)
    with pytest.raises(errors.InvalidArgumentError, match="align_corners must be False") as info:
        run(both, {p: x}, backend)
    assert "'both'" in str(info.value)
    with pytest.raises(errors.InvalidArgumentError, match="output dimensions must be positive") as info:
        run(zero, {p: x, size: [0, 2]}, backend)
    assert "'zero'" in str(info.value)
    with pytest.raises(errors.InvalidArgumentError, match="width must be >= target \\+ offset.") as info:
        run(crop, {p: x}, backend)
    assert "crop_to_bounding_box" in str(info.value)


# --- against real TensorFlow ------------------------------------------------------------------------------

def _harness():
    pytest.importorskip("tensorflow")
    from compat.harness import P, check

    return P, check


IMG = (np.random.RandomState(6).uniform(0, 1, (2, 5, 6, 3))).astype(np.float32)


def resize_program(tf):
    from compat.harness import P

    p = tf.placeholder(tf.float32, [None, 5, 6, 3], name="p")
    u = tf.cast(p * 255, tf.uint8)
    outs = []
    for method in range(4):
        outs += [tf.image.resize_images(p, [7, 4], method=method), tf.image.resize_images(u, [3, 9], method=method),
                 tf.image.resize_images(p[0], [8, 8], method=method, align_corners=True),
                 tf.image.resize(p, [4, 4], method=method, preserve_aspect_ratio=True)]
    for kw in [{}, {"align_corners": True}, {"half_pixel_centers": True}]:
        outs += [tf.image.resize_bilinear(p, [9, 2], **kw), tf.image.resize_nearest_neighbor(u, [9, 2], **kw),
                 tf.image.resize_bicubic(tf.cast(p, tf.float64), [3, 11], **kw)]
    outs += [tf.image.resize_bilinear(tf.cast(p * 100, tf.int32), [4, 9], half_pixel_centers=True),
             tf.image.resize_nearest_neighbor(tf.cast(p, tf.float16), [11, 3], align_corners=True),
             tf.image.resize_bicubic(tf.cast(p * 50, tf.int64), [6, 5]),
             tf.image.resize_area(tf.cast(p, tf.float64), [3, 4]), tf.image.resize_bilinear(p[:, :1, :1], [3, 2])]
    outs += [tf.image.resize_area(u, [2, 5]), tf.image.resize_area(p, [10, 12], align_corners=True),
             tf.image.resize_images(p, [5, 6]), tf.image.resize_image_with_pad(p, 4, 9),
             tf.image.resize_image_with_pad(u[0], 10, 3, method=1, align_corners=True)]
    return P(fetch=outs, feed={p: IMG}, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def geometry_program(tf):
    from compat.harness import P

    p = tf.placeholder(tf.float32, [None, 5, 6, 3], name="p")
    d = tf.placeholder(tf.float32, [None, None, None, 3], name="d")
    k = tf.placeholder(tf.int32, [], name="k")
    outs = [tf.image.flip_left_right(p), tf.image.flip_up_down(p[1]), tf.image.transpose_image(p),
            tf.image.transpose(d[0]), tf.image.rot90(p), tf.image.rot90(p[0], k), tf.image.rot90(d, 2),
            tf.image.central_crop(p, 0.5), tf.image.central_crop(d[0], 0.7),
            tf.image.crop_to_bounding_box(p, 1, 2, 3, 3), tf.image.crop_to_bounding_box(d, 0, 1, 2, 4),
            tf.image.pad_to_bounding_box(p[0], 2, 1, 8, 8), tf.image.pad_to_bounding_box(d, 0, 3, 6, 9),
            tf.image.resize_image_with_crop_or_pad(p, 3, 9), tf.image.resize_with_crop_or_pad(d[1], 8, 2)]
    return P(fetch=outs, feed={p: IMG, d: IMG, k: 3}, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def colour_program(tf):
    from compat.harness import P

    p = tf.placeholder(tf.float32, [None, 5, 6, 3], name="p")
    u = tf.cast(p * 255, tf.uint8)
    outs = [tf.image.per_image_standardization(p), tf.image.per_image_standardization(u[0]),
            tf.image.adjust_brightness(p, -0.2), tf.image.adjust_brightness(u, 0.3),
            tf.image.adjust_contrast(p, 0.4), tf.image.adjust_contrast(u, 2.5),
            tf.image.rgb_to_grayscale(p),
            tf.image.rgb_to_grayscale(u), tf.image.grayscale_to_rgb(p[..., 1:2]),
            tf.image.convert_image_dtype(u, tf.float32), tf.image.convert_image_dtype(u, tf.int16),
            tf.image.convert_image_dtype(p, tf.uint8), tf.image.convert_image_dtype(p * 3 - 1, tf.uint8, saturate=True),
            tf.image.convert_image_dtype(tf.cast(u, tf.int32) * 1000000, tf.uint8),
            tf.image.convert_image_dtype(p, tf.float64), tf.image.convert_image_dtype(u, tf.uint8, name="same")]
    return P(fetch=outs, feed={p: IMG}, static=[o.get_shape() for o in outs] + [o.dtype for o in outs])


def gradient_program(tf):
    from compat.harness import P

    p = tf.placeholder(tf.float32, [2, 5, 6, 3], name="p")
    w = tf.constant(np.random.RandomState(7).standard_normal((2, 7, 4, 3)).astype(np.float32))
    losses = [tf.reduce_sum(tf.image.resize_bilinear(p, [7, 4], **kw) * w) for kw in
              [{}, {"align_corners": True}, {"half_pixel_centers": True}]]
    losses += [tf.reduce_sum(tf.image.resize_nearest_neighbor(p, [7, 4], half_pixel_centers=True) * w),
               tf.reduce_sum(tf.image.resize_bicubic(p, [7, 4]) * w),
               tf.reduce_sum(tf.image.resize_bicubic(p, [7, 4], half_pixel_centers=True) * w),
               tf.reduce_sum(tf.image.transpose_image(tf.image.flip_up_down(p)) ** 2),
               tf.reduce_sum(tf.image.resize_image_with_crop_or_pad(p, 3, 9) * 2.0),
               tf.reduce_sum(tf.image.per_image_standardization(p) ** 3)]  # (TF has no AdjustContrastv2 gradient)
    grads = [tf.gradients(loss, p)[0] for loss in losses]
    return P(fetch=grads, feed={p: IMG}, static=[g.get_shape() for g in grads])


@pytest.mark.tf
@pytest.mark.parametrize("program", [resize_program, geometry_program, colour_program])
def test_against_tensorflow(program):
    P, check = _harness()
    check(program, rtol=2e-5, atol=2e-5)


@pytest.mark.tf
def test_gradients_against_tensorflow():
    P, check = _harness()
    check(gradient_program, rtol=1e-5, atol=1e-5, names="scope")


def random_program(tf):
    """Random image ops under both frameworks: their properties, not their streams."""
    from compat.harness import P

    x = tf.constant(IMG)
    flips = tf.stack([tf.image.random_flip_left_right(x[0], seed=s) for s in range(40)])
    flipped = tf.reduce_sum(tf.cast(tf.reduce_all(tf.equal(flips, tf.image.flip_left_right(x[0])), [1, 2, 3]),
                                    tf.int32))
    batch = tf.image.random_flip_up_down(tf.tile(x, [20, 1, 1, 1]), seed=1)
    each = tf.logical_or(tf.reduce_all(tf.equal(batch, tf.tile(x, [20, 1, 1, 1])), [1, 2, 3]),
                         tf.reduce_all(tf.equal(batch, tf.image.flip_up_down(tf.tile(x, [20, 1, 1, 1]))), [1, 2, 3]))
    delta = tf.image.random_brightness(x, 0.25, seed=2) - x
    factor = tf.image.random_contrast(x, 0.3, 0.6, seed=3)
    crop = tf.image.random_crop(x, [1, 3, 2, 3], seed=4)
    checks = [flipped > 5, flipped < 35, tf.reduce_all(each),
              tf.reduce_max(tf.abs(delta)) <= 0.25, tf.reduce_max(delta) - tf.reduce_min(delta) < 1e-5,
              tf.reduce_max(tf.abs(factor - tf.reduce_mean(x, [1, 2], keepdims=True))) <
              tf.reduce_max(tf.abs(x - tf.reduce_mean(x, [1, 2], keepdims=True))) * 0.6,
              tf.reduce_any(tf.stack([tf.reduce_all(tf.equal(crop, x[n:n + 1, i:i + 3, j:j + 2]))
                                      for n in range(2) for i in range(3) for j in range(5)]))]
    outs = [flips, batch, delta, factor, crop]
    return P(fetch=checks, static=[[o.get_shape() for o in outs], [o.dtype for o in outs]])


@pytest.mark.tf
def test_random_ops_against_tensorflow():
    P, check = _harness()
    check(random_program)
