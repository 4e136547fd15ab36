"""tf.image.decode_png / decode_jpeg / decode_image / encode_png / encode_jpeg through Pillow.

PNG decoding is pixel-identical with TensorFlow (checked when TF is installed). JPEG decoding
goes through Pillow's libjpeg-turbo with the accurate integer DCT, TF's default is the fast one
(JDCT_IFAST), so samples differ slightly: documented tolerance max |diff| <= 6, mean <= 1.5.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import flowjit as tf

PIL = pytest.importorskip("PIL.Image")
BACKENDS = ["reference", "cpu"]
JPEG_TOL = 6
JPEG_MEAN_TOL = 1.5
RNG = np.random.RandomState(0)
RGB = RNG.randint(0, 256, (5, 7, 3)).astype(np.uint8)
RGBA = RNG.randint(0, 256, (4, 6, 4)).astype(np.uint8)
GRAY = RNG.randint(0, 256, (3, 5)).astype(np.uint8)


def _png(arr, mode=None, **kw):
    buf = io.BytesIO()
    PIL.fromarray(arr, mode).save(buf, format="PNG", **kw)
    return buf.getvalue()


def _jpeg(arr, quality=90):
    buf = io.BytesIO()
    PIL.fromarray(arr).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _palette_png():
    img = PIL.fromarray(RGB).convert("P", palette=PIL.Palette.ADAPTIVE, colors=8)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue(), np.asarray(img.convert("RGB"))


def _run(fetch, backend="reference"):
    with tf.Session(backend=backend) as sess:
        return sess.run(fetch)


@pytest.mark.parametrize("backend", BACKENDS)
def test_decode_png_channels(backend):
    pal, pal_rgb = _palette_png()
    with tf.Graph().as_default():
        f = {"rgb": tf.image.decode_png(_png(RGB)), "rgba": tf.image.decode_png(_png(RGBA)),
             "gray": tf.io.decode_png(_png(GRAY)), "gray3": tf.image.decode_png(_png(GRAY), channels=3),
             "rgb4": tf.image.decode_png(_png(RGB), channels=4), "rgba3": tf.image.decode_png(_png(RGBA), channels=3),
             "pal": tf.image.decode_png(pal)}
        assert f["gray3"].get_shape().as_list() == [None, None, 3] and f["rgb"].dtype == tf.uint8
        got = _run(f, backend)
    np.testing.assert_array_equal(got["rgb"], RGB)
    np.testing.assert_array_equal(got["rgba"], RGBA)
    np.testing.assert_array_equal(got["gray"], GRAY[..., None])
    np.testing.assert_array_equal(got["gray3"], np.repeat(GRAY[..., None], 3, axis=2))
    np.testing.assert_array_equal(got["rgb4"][..., :3], RGB)
    assert (got["rgb4"][..., 3] == 255).all()
    np.testing.assert_array_equal(got["rgba3"], RGBA[..., :3])
    np.testing.assert_array_equal(got["pal"], pal_rgb)


@pytest.mark.parametrize("backend", BACKENDS)
def test_encode_png_roundtrip_and_decode_image(backend):
    with tf.Graph().as_default():
        enc = tf.image.encode_png(tf.constant(RGBA), compression=9)
        back = tf.image.decode_png(enc)
        img = tf.image.decode_image(_png(RGB))
        flt = tf.image.decode_image(_png(RGB), dtype=tf.float32)
        jpg = tf.image.decode_image(_jpeg(RGB))
        assert img.get_shape().rank is None
        got = _run([enc, back, img, flt, jpg], backend)
    assert got[0][:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(got[1], RGBA)
    np.testing.assert_array_equal(got[2], RGB)
    np.testing.assert_allclose(got[3], RGB / 255.0, rtol=1e-6)
    assert got[3].dtype == np.float32 and got[4].shape == RGB.shape


def test_decode_image_gif_frames():
    frames = [PIL.fromarray(np.full((4, 5, 3), v, np.uint8)) for v in (0, 128, 255)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    with tf.Graph().as_default():
        got = _run([tf.image.decode_image(buf.getvalue()),
                    tf.image.decode_image(buf.getvalue(), expand_animations=False)])
    assert got[0].shape == (3, 4, 5, 3) and got[1].shape == (4, 5, 3)
    np.testing.assert_array_equal(got[0][:, 0, 0, 0], [0, 128, 255])


@pytest.mark.parametrize("backend", BACKENDS)
def test_jpeg_roundtrip_within_tolerance(backend):
    smooth = np.stack(list(np.meshgrid(np.arange(16) * 15, np.arange(16) * 15)) + [np.full((16, 16), 90)],
                      axis=-1).astype(np.uint8)
    with tf.Graph().as_default():
        enc = tf.image.encode_jpeg(tf.constant(smooth), quality=100, chroma_downsampling=False)
        back = tf.image.decode_jpeg(enc)
        gray = tf.io.decode_jpeg(enc, channels=1)
        got = _run([enc, back, gray], backend)
    assert got[0][:3] == b"\xff\xd8\xff"
    assert np.abs(got[1].astype(int) - smooth).max() <= 4
    y = 0.299 * smooth[..., 0] + 0.587 * smooth[..., 1] + 0.114 * smooth[..., 2]
    assert got[2].shape == (16, 16, 1) and np.abs(got[2][..., 0] - y).max() <= 4


def test_image_errors():
    with tf.Graph().as_default():
        bad = tf.image.decode_png(b"not a png")
        unknown = tf.image.decode_image(b"????")
        with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid PNG data") as e:
            _run(bad)
        assert "DecodePng" in str(e.value)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
            _run(unknown)
        with pytest.raises(ValueError, match="`channels` must be 0, 1 or 3 but got 2"):
            tf.image.decode_jpeg(b"", channels=2)
        with pytest.raises(ValueError, match="`channels` must be 0, 1, 3 or 4 but got 2"):
            tf.image.decode_png(b"", channels=2)
        with pytest.raises(TypeError, match="uint8"):
            tf.image.encode_png(tf.constant(np.zeros((2, 2, 3), np.float32)))
        with pytest.raises(ValueError, match="1 or 2 or 3 or 4 channels"):
            tf.image.encode_png(tf.constant(np.zeros((2, 2, 5), np.uint8)))


@pytest.mark.tf
def test_decode_matches_tensorflow():
    real = pytest.importorskip("tensorflow")
    tf1 = real.compat.v1
    pal, _ = _palette_png()
    cases = [(_png(RGB), 0), (_png(RGBA), 0), (_png(GRAY), 0), (_png(GRAY), 3), (_png(RGB), 4), (_png(RGBA), 3),
             (pal, 0)]
    jpeg = _jpeg(RNG.randint(0, 256, (24, 32, 3)).astype(np.uint8))
    with tf1.Graph().as_default():
        want = tf1.Session().run([tf1.image.decode_png(d, channels=c) for d, c in cases]
                                 + [tf1.image.decode_jpeg(jpeg), tf1.image.decode_jpeg(jpeg, channels=1),
                                    tf1.image.decode_png(_png(RGB), channels=1)])
    with tf.Graph().as_default():
        got = _run([tf.image.decode_png(d, channels=c) for d, c in cases]
                   + [tf.image.decode_jpeg(jpeg), tf.image.decode_jpeg(jpeg, channels=1),
                      tf.image.decode_png(_png(RGB), channels=1)])
    for g, w in zip(got[:len(cases)], want[:len(cases)]):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(got[len(cases):len(cases) + 2], want[len(cases):len(cases) + 2]):
        diff = np.abs(g.astype(int) - w)
        assert g.shape == w.shape and diff.max() <= JPEG_TOL and diff.mean() <= JPEG_MEAN_TOL
    assert np.abs(got[-1].astype(int) - want[-1]).max() <= 1  # RGB -> gray: libpng's fixed-point BT.601 weights
