"""flowjit.examples.tutorials.mnist.input_data (TF1's tutorial home): the IDX reader/writer,
MNIST-style folders, and the offline digits."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from flowjit.examples.tutorials.mnist import input_data


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip(tmp_path, dtype, compress):
    arr = (np.arange(2 * 3 * 4) * 3 - 5).astype(dtype).reshape(2, 3, 4)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    input_data.write_idx(path, arr)
    raw = open(path, "rb").read()
    assert raw[:2] == (b"\x1f\x8b" if compress else b"\x00\x00")
    back = input_data.read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, arr)


def test_idx_bytes_are_big_endian_mnist_layout(tmp_path):
    labels = np.array([7, 2, 1], np.uint8)
    path = tmp_path / "labels"
    input_data.write_idx(path, labels)
    assert open(path, "rb").read() == b"\x00\x00\x08\x01" + struct.pack(">I", 3) + bytes([7, 2, 1])
    # a hand-written image file: magic 0x00000803, dims 2x2x2, int32 dims big-endian
    img = tmp_path / "img.gz"
    with gzip.open(img, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, 2, 2, 2) + bytes(range(8)))
    np.testing.assert_array_equal(input_data.read_idx(img), np.arange(8, dtype=np.uint8).reshape(2, 2, 2))
    f32 = tmp_path / "f32"
    with open(f32, "wb") as f:
        f.write(b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + struct.pack(">ff", 1.5, -2.0))
    np.testing.assert_array_equal(input_data.read_idx(f32), np.array([1.5, -2.0], np.float32))


def test_idx_errors(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(input_data.IDXError, match="magic"):
        input_data.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 10) + b"abc")
    with pytest.raises(ValueError, match="needs 18 bytes"):
        input_data.read_idx(short)
    with pytest.raises(TypeError):
        input_data.write_idx(tmp_path / "x", np.zeros(3, np.complex64))


def _fake_mnist(folder, n_train=12, n_test=5, size=4, gz=True):
    rng = np.random.RandomState(0)
    ext = ".gz" if gz else ""
    files = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.randint(0, 256, size=(n, size, size)).astype(np.uint8)
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        input_data.write_idx(folder / f"{split}-images-idx3-ubyte{ext}", images)
        input_data.write_idx(folder / f"{split}-labels-idx1-ubyte{ext}", labels)
        files[split] = (images, labels)
    return files


@pytest.mark.parametrize("gz", [True, False])
def test_read_data_sets(tmp_path, gz):
    files = _fake_mnist(tmp_path, gz=gz)
    data = input_data.read_data_sets(str(tmp_path), one_hot=True, validation_size=2)
    images, labels = files["train"]
    assert data.train.images.shape == (10, 16) and data.train.images.dtype == np.float32
    assert data.validation.num_examples == 2 and data.test.num_examples == 5
    np.testing.assert_allclose(data.train.images, images[2:].reshape(10, 16) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.train.labels.argmax(1), labels[2:])
    nhwc = input_data.read_data_sets(str(tmp_path), reshape=False, validation_size=0)
    assert nhwc.train.images.shape == (12, 4, 4, 1) and nhwc.train.labels.dtype == np.int64
    with pytest.raises(FileNotFoundError):
        input_data.read_data_sets(str(tmp_path / "missing"))


def test_next_batch_covers_each_epoch():
    ds = input_data.DataSet(np.arange(10).reshape(10, 1), np.arange(10), seed=1)
    seen = np.concatenate([ds.next_batch(5)[1] for _ in range(2)])
    assert sorted(seen) == list(range(10)) and ds.epochs_completed == 1
    x, y = ds.next_batch(7)
    np.testing.assert_array_equal(x[:, 0], y)
    assert len(y) == 7


def test_load_digits_is_deterministic_and_disjoint():
    pytest.importorskip("sklearn")
    a = input_data.load_digits()
    b = input_data.load_digits()
    assert a.train.num_examples + a.test.num_examples == 1797
    assert a.test.num_examples == 449
    assert a.train.images.shape == (1348, 64) and a.train.images.dtype == np.float32
    assert 0.0 <= a.train.images.min() and a.train.images.max() <= 1.0
    np.testing.assert_array_equal(a.test.images, b.test.images)
    train_rows = {r.tobytes() for r in a.train.images}
    assert sum(r.tobytes() in train_rows for r in a.test.images) < 5  # (a few digits are exact duplicates)
    assert set(np.unique(a.train.labels)) == set(range(10))
    c = input_data.load_digits(one_hot=True, image_shape="nhwc", validation_fraction=0.1)
    assert c.train.images.shape[1:] == (8, 8, 1) and c.train.labels.shape[1] == 10
    assert c.validation.num_examples == 135
