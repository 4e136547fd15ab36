"""Initializers: callables `init(shape, dtype=None, partition_info=None) -> Tensor`, as TF1.

`tf.get_variable(..., initializer=tf.glorot_uniform_initializer())` calls them while building
the variable. Random initializers add random ops (seeded by `seed=` and the graph seed), so
each run of the variable's initializer draws again, as in TF.

The TF1 names are classes used as `tf.zeros_initializer()`; `tf.initializers` holds the
same classes under their short names (`tf.initializers.zeros()`, `he_normal()`, ...).
"""

from __future__ import annotations

import math
import types
from typing import Any, Sequence

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import as_dtype
from ...ir.shapes import as_shape
from . import array_ops, random_ops
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor, constant

__all__ = [
    "Initializer", "zeros_initializer", "ones_initializer", "constant_initializer", "random_normal_initializer",
    "random_uniform_initializer", "truncated_normal_initializer", "uniform_unit_scaling_initializer",
    "variance_scaling_initializer", "glorot_uniform_initializer", "glorot_normal_initializer",
    "orthogonal_initializer", "identity_initializer", "initializers",
]


def _dims(shape: Any) -> list[int]:
    if isinstance(shape, Tensor):
        raise TypeError("initializers need a static shape (a list of ints or a TensorShape)")
    dims = as_shape(shape).as_list()
    if any(d is None for d in dims):
        raise ValueError(f"initializer shape {shape} must be fully defined")
    return [int(d) for d in dims]


def _float_dims_dtype(init: Any, shape: Any, dtype: Any) -> tuple[list[int], dtypes.DType]:
    """`shape` as ints and the dtype `init` draws in, which must be floating point."""
    dims = _dims(shape)
    dt = init._dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"Expected floating point type, got {dt.name}.")
    return dims, dt


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None, partition_info=None)`."""

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def _dtype(self, dtype: Any) -> dtypes.DType:
        return as_dtype(dtype if dtype is not None else getattr(self, "dtype", dtypes.float32))


class _FillInitializer(Initializer):
    """Shared body of zeros_initializer / ones_initializer: `array_ops.<_fill>(shape, dtype)`."""

    _fill = ""  # the array_ops function, named by each subclass

    def __init__(self, dtype: Any = dtypes.float32) -> None:
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return getattr(array_ops, self._fill)(_dims(shape), self._dtype(dtype))

    def get_config(self) -> dict:
        return {"dtype": self.dtype.name}


class zeros_initializer(_FillInitializer):  # noqa: N801 (TF's name)
    """All zeros."""

    _fill = "zeros"


class ones_initializer(_FillInitializer):  # noqa: N801
    """All ones."""

    _fill = "ones"


class constant_initializer(Initializer):  # noqa: N801
    """A scalar fills the shape; a list or array with fewer elements is padded with its last one (TF1)."""

    def __init__(self, value: Any = 0, dtype: Any = dtypes.float32, verify_shape: bool = False) -> None:
        if isinstance(value, Tensor):
            raise TypeError("constant_initializer needs a Python or NumPy value, not a Tensor")
        self.value = value
        self.dtype = as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None,
                 verify_shape: bool | None = None) -> Tensor:
        dims = _dims(shape)
        dt = self._dtype(dtype)
        verify = self._verify_shape if verify_shape is None else verify_shape
        arr = np.asarray(self.value)
        n = int(np.prod(dims))
        if arr.size == 1:
            full = np.full(dims, arr.reshape(()), dtype=dt.np_dtype)
        else:
            if verify and list(arr.shape) != dims:
                raise TypeError(f"Expected Tensor's shape: {tuple(dims)}, got {arr.shape}.")
            flat = arr.reshape(-1)
            if flat.size > n:
                raise ValueError(f"Too many elements provided. Needed at most {n}, but received {flat.size}")
            if flat.size < n:
                flat = np.concatenate([flat, np.full(n - flat.size, flat[-1] if flat.size else 0, flat.dtype)])
            full = flat.astype(dt.np_dtype).reshape(dims)
        return constant(full, dtype=dt)

    def get_config(self) -> dict:
        return {"value": self.value, "dtype": self.dtype.name, "verify_shape": self._verify_shape}


class _MeanStddevInitializer(Initializer):
    """Shared body of random_normal / truncated_normal_initializer: draws
    `random_ops.<_sampler>(shape, mean, stddev, dtype, seed=seed)`."""

    _sampler = ""  # the random_ops function, named by each subclass

    def __init__(self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None,
                 dtype: Any = dtypes.float32) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        sample = getattr(random_ops, self._sampler)
        return sample(_dims(shape), self.mean, self.stddev, self._dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed, "dtype": self.dtype.name}


class random_normal_initializer(_MeanStddevInitializer):  # noqa: N801
    _sampler = "random_normal"


class random_uniform_initializer(Initializer):  # noqa: N801
    def __init__(self, minval: Any = 0, maxval: Any = None, seed: int | None = None,
                 dtype: Any = dtypes.float32) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        return random_ops.random_uniform(_dims(shape), self.minval, self.maxval, self._dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed, "dtype": self.dtype.name}


class truncated_normal_initializer(_MeanStddevInitializer):  # noqa: N801
    _sampler = "truncated_normal"


class uniform_unit_scaling_initializer(Initializer):  # noqa: N801
    """Uniform in +-sqrt(3 / fan_in) * factor (TF1, deprecated there too)."""

    def __init__(self, factor: float = 1.0, seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        self.factor, self.seed = factor, seed
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        dims = _dims(shape)
        input_size = 1.0
        for d in dims[:-1]:
            input_size *= d
        input_size = max(input_size, 1.0)
        limit = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(dims, -limit, limit, self._dtype(dtype), seed=self.seed)

    def get_config(self) -> dict:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


def _compute_fans(shape: Sequence[int]) -> tuple[float, float]:
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = 1.0
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


class variance_scaling_initializer(Initializer):  # noqa: N801
    """Samples scaled by the fan: stddev (or limit) from scale / fan_in | fan_out | fan_avg.

    distribution "truncated_normal" (alias "normal", as TF 1.15) uses a normal truncated at
    2 stddev, corrected so the variance is scale / n; "untruncated_normal" a plain normal;
    "uniform" a uniform in +-sqrt(3 * scale / n).
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                 seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        dims, dt = _float_dims_dtype(self, shape, dtype)
        scale_shape = dims
        if partition_info is not None and hasattr(partition_info, "full_shape"):
            scale_shape = list(partition_info.full_shape)
        fan_in, fan_out = _compute_fans(scale_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / .87962566103423978  # stddev of a unit normal truncated at +-2
            return random_ops.truncated_normal(dims, 0.0, stddev, dt, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(dims, 0.0, math.sqrt(scale), dt, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(dims, -limit, limit, dt, seed=self.seed)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed,
                "dtype": self.dtype.name}


class glorot_uniform_initializer(variance_scaling_initializer):  # noqa: N801
    """Uniform in +-sqrt(6 / (fan_in + fan_out)) (Xavier)."""

    def __init__(self, seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self) -> dict:
        return {"seed": self.seed, "dtype": self.dtype.name}


class glorot_normal_initializer(variance_scaling_initializer):  # noqa: N801
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out)) (Xavier)."""

    def __init__(self, seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self) -> dict:
        return {"seed": self.seed, "dtype": self.dtype.name}


def _he_or_lecun(scale: float, distribution: str, name: str):
    def make(seed: int | None = None) -> variance_scaling_initializer:
        return variance_scaling_initializer(scale, "fan_in", distribution, seed)

    make.__name__ = name
    make.__doc__ = f"variance_scaling_initializer(scale={scale}, mode='fan_in', distribution='{distribution}')."
    return make


he_normal = _he_or_lecun(2.0, "truncated_normal", "he_normal")
he_uniform = _he_or_lecun(2.0, "uniform", "he_uniform")
lecun_normal = _he_or_lecun(1.0, "truncated_normal", "lecun_normal")
lecun_uniform = _he_or_lecun(1.0, "uniform", "lecun_uniform")


class orthogonal_initializer(Initializer):  # noqa: N801
    """A (semi-)orthogonal matrix times gain, reshaped to `shape` (rows = prod(shape[:-1])).

    flowjit has no QR op, so the matrix is drawn with NumPy when the graph is built (seeded
    by `seed` and the graph seed when given) and becomes a constant: unlike TF, every run of
    the initializer gives the same value.
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None, dtype: Any = dtypes.float32) -> None:
        self.gain, self.seed = gain, seed
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        dims, dt = _float_dims_dtype(self, shape, dtype)
        if len(dims) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        rows = int(np.prod(dims[:-1]))
        cols = dims[-1]
        flat = (max(rows, cols), min(rows, cols))
        graph_seed = get_default_graph().seed
        seeds = [s for s in (graph_seed, self.seed) if s is not None]
        rng = np.random.default_rng(seeds or None)
        a = rng.standard_normal(flat)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return constant((self.gain * q).reshape(dims).astype(dt.np_dtype), dtype=dt)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class identity_initializer(Initializer):  # noqa: N801
    """gain * identity, for 2-D shapes."""

    def __init__(self, gain: float = 1.0, dtype: Any = dtypes.float32) -> None:
        self.gain = gain
        self.dtype = as_dtype(dtype)

    def __call__(self, shape: Any, dtype: Any = None, partition_info: Any = None) -> Tensor:
        dims = _dims(shape)
        if len(dims) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        dt = self._dtype(dtype)
        return constant((self.gain * np.eye(*dims)).astype(dt.np_dtype), dtype=dt)

    def get_config(self) -> dict:
        return {"gain": self.gain, "dtype": self.dtype.name}


def _namespace() -> types.ModuleType:
    """`tf.initializers`: TF 1.15's short names for the initializer classes."""
    from . import variables

    mod = types.ModuleType("flowjit.initializers", "`tf.initializers`: variable initializers.")
    names = {
        "zeros": zeros_initializer, "ones": ones_initializer, "constant": constant_initializer,
        "random_normal": random_normal_initializer, "random_uniform": random_uniform_initializer,
        "truncated_normal": truncated_normal_initializer, "uniform_unit_scaling": uniform_unit_scaling_initializer,
        "variance_scaling": variance_scaling_initializer, "glorot_uniform": glorot_uniform_initializer,
        "glorot_normal": glorot_normal_initializer, "orthogonal": orthogonal_initializer,
        "identity": identity_initializer, "he_normal": he_normal, "he_uniform": he_uniform,
        "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
        "global_variables": variables.global_variables_initializer,
        "local_variables": variables.local_variables_initializer, "variables": variables.variables_initializer,
        "Initializer": Initializer,
    }
    for k, v in names.items():
        setattr(mod, k, v)
    mod.__all__ = list(names)
    return mod


initializers = _namespace()
