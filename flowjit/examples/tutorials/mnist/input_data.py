"""Data for the examples and tests, offline, where TF1 kept it
(`tensorflow.examples.tutorials.mnist.input_data`, so a tutorial program changes only its
import).

- `load_digits()`: scikit-learn's 1,797 real handwritten digits (8x8, shipped inside
  scikit-learn, no download), split deterministically into train and test.
- `read_idx` / `write_idx`: the IDX format of MNIST (gzip or raw).
- `read_data_sets(folder)`: MNIST-style IDX files in a folder (train-images-idx3-ubyte[.gz],
  ...), with TF1 tutorial's `next_batch`.

IDX: a big-endian header `00 00 <type> <ndim>`, then ndim uint32 dimensions, then the data in
C order. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
"""

from __future__ import annotations

import gzip
import os
import struct
from typing import Any, NamedTuple

import numpy as np

__all__ = ["DataSet", "Datasets", "load_digits", "read_idx", "write_idx", "read_data_sets", "dense_to_one_hot"]

_IDX_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B, np.dtype(np.int32): 0x0C,
              np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


class IDXError(ValueError):
    """A file that is not a well-formed IDX file."""


def _open(path: str) -> Any:
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The array stored in an IDX file (gzipped or raw), in native byte order."""
    path = os.fspath(path)
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise IDXError(f"{path}: cannot read IDX file ({e})") from None
    if len(data) < 4:
        raise IDXError(f"{path}: too short to be an IDX file ({len(data)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in _IDX_TYPES:
        raise IDXError(f"{path}: bad IDX magic {data[:4].hex()} (expected 0000 then a type code in "
                       f"{sorted(hex(c) for c in _IDX_TYPES)})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{path}: truncated header ({ndim} dimensions announced)")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = _IDX_TYPES[code]
    count = int(np.prod(dims, dtype=np.int64))
    need = header + count * dtype.itemsize
    if len(data) != need:
        raise IDXError(f"{path}: shape {list(dims)} of {dtype.name} needs {need} bytes, the file has {len(data)}")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: Any, compress: bool | None = None) -> None:
    """Write `array` as IDX; gzip when `compress` (default: when the name ends in .gz)."""
    path = os.fspath(path)
    arr = np.asarray(array)
    code = _IDX_CODES.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"IDX cannot store dtype {arr.dtype}")
    if compress is None:
        compress = path.endswith(".gz")
    payload = struct.pack(">HBB", 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + \
        np.ascontiguousarray(arr, dtype=_IDX_TYPES[code]).tobytes()
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)


def dense_to_one_hot(labels: Any, num_classes: int) -> np.ndarray:
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    out = np.zeros((labels.size, num_classes), dtype=np.float32)
    out[np.arange(labels.size), labels] = 1.0
    return out


class DataSet:
    """Images and labels with TF1 tutorial's `next_batch` (reshuffled each epoch)."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, seed: int | None = 0) -> None:
        if len(images) != len(labels):
            raise ValueError(f"images has {len(images)} rows, labels {len(labels)}")
        self._images = images
        self._labels = labels
        self._num_examples = len(images)
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(self._num_examples)

    @property
    def images(self) -> np.ndarray:
        return self._images

    @property
    def labels(self) -> np.ndarray:
        return self._labels

    @property
    def num_examples(self) -> int:
        return self._num_examples

    @property
    def epochs_completed(self) -> int:
        return self._epochs_completed

    def next_batch(self, batch_size: int, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """The next `batch_size` examples; an epoch's tail is completed from the next epoch."""
        if self._num_examples == 0:
            raise ValueError("next_batch on an empty DataSet")
        idx = []
        while len(idx) < batch_size:
            if self._index_in_epoch == 0 and shuffle:
                self._order = self._rng.permutation(self._num_examples)
            take = min(batch_size - len(idx), self._num_examples - self._index_in_epoch)
            idx.extend(self._order[self._index_in_epoch:self._index_in_epoch + take])
            self._index_in_epoch += take
            if self._index_in_epoch >= self._num_examples:
                self._index_in_epoch = 0
                self._epochs_completed += 1
        sel = np.asarray(idx)
        return self._images[sel], self._labels[sel]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def _split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    order = rng.permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def load_digits(test_fraction: float = 0.25, validation_fraction: float = 0.0, one_hot: bool = False,
                image_shape: str = "flat", dtype: Any = np.float32, seed: int = 0) -> Datasets:
    """scikit-learn's handwritten digits, pixels scaled to [0, 1].

    image_shape: "flat" -> [n, 64]; "nhwc" -> [n, 8, 8, 1]. The split is a fixed random
    permutation (seed 0 by default), so every run sees the same train and test sets.
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    images = (bunch.images / 16.0).astype(dtype)
    labels = bunch.target.astype(np.int64)
    if image_shape == "flat":
        images = images.reshape(len(images), 64)
    elif image_shape == "nhwc":
        images = images.reshape(len(images), 8, 8, 1)
    else:
        raise ValueError(f"image_shape must be 'flat' or 'nhwc', got {image_shape!r}")
    y: np.ndarray = dense_to_one_hot(labels, 10).astype(dtype) if one_hot else labels
    train_idx, test_idx = _split(len(images), test_fraction, seed)
    n_val = int(round(len(train_idx) * validation_fraction))
    val_idx, train_idx = train_idx[:n_val], train_idx[n_val:]
    return Datasets(DataSet(images[train_idx], y[train_idx], seed=seed),
                    DataSet(images[val_idx], y[val_idx], seed=seed),
                    DataSet(images[test_idx], y[test_idx], seed=seed))


_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _find(folder: str, base: str) -> str:
    for name in (base + ".gz", base, base.replace("-idx", ".idx")):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{folder}: no {base}[.gz] (MNIST IDX files expected: {sorted(_MNIST_FILES.values())})")


def read_data_sets(train_dir: str, one_hot: bool = False, dtype: Any = np.float32, reshape: bool = True,
                   validation_size: int = 5000, seed: int | None = 0) -> Datasets:
    """MNIST-format IDX files in `train_dir` (as TF1's `input_data.read_data_sets`, no download).

    Images become float32 in [0, 1] ([n, rows*cols] when `reshape`, else [n, rows, cols, 1]).
    """
    def images(key: str) -> np.ndarray:
        arr = read_idx(_find(train_dir, _MNIST_FILES[key]))
        if arr.ndim != 3:
            raise IDXError(f"{_MNIST_FILES[key]}: expected images [n, rows, cols], got shape {list(arr.shape)}")
        out = arr.astype(dtype)
        if np.dtype(dtype).kind == "f":
            out = out / np.asarray(255.0, dtype=dtype)
        return out.reshape(len(arr), -1) if reshape else out.reshape(arr.shape + (1,))

    def labels(key: str) -> np.ndarray:
        arr = read_idx(_find(train_dir, _MNIST_FILES[key])).astype(np.int64)
        return dense_to_one_hot(arr, 10) if one_hot else arr

    train_x, train_y = images("train_images"), labels("train_labels")
    test_x, test_y = images("test_images"), labels("test_labels")
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise IDXError(f"{train_dir}: images and labels counts differ")
    if not 0 <= validation_size <= len(train_x):
        raise ValueError(f"Validation size should be between 0 and {len(train_x)}. Received: {validation_size}.")
    return Datasets(DataSet(train_x[validation_size:], train_y[validation_size:], seed=seed),
                    DataSet(train_x[:validation_size], train_y[:validation_size], seed=seed),
                    DataSet(test_x, test_y, seed=seed))
