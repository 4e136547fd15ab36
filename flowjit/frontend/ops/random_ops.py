"""Random tensors: `tf.random_normal`, `tf.random_uniform`, `tf.truncated_normal`, ... and `tf.random`.

Seeds follow TF1: `tf.set_random_seed(s)` sets the graph-level seed, `seed=` the op-level one.
With neither, every session draws differently; with either, the op's stream is fixed per
session (a new session starts it again) and consecutive runs continue it. Two ops given the
same explicit seed (and graph seed) produce the same stream, as in TF.

Each op records attrs `seed` (the op-level seed, None when not given) and `seed2` (the graph
seed when it was built); the kernels draw from the session's generator for the op.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.dtypes import as_dtype
from . import array_ops, control_flow, math_ops
from ..grad.gradients import NotDifferentiable
from ..framework.graph import get_default_graph, name_scope, set_random_seed
from ..framework.tensor import Tensor, convert_to_tensor

__all__ = ["random_normal", "random_uniform", "truncated_normal", "random_shuffle", "multinomial", "random_gamma",
           "random_crop", "random"]


def _seed_attrs(seed: Any) -> dict:
    graph = get_default_graph()
    return {"seed": None if seed is None else int(seed), "seed2": graph.seed}


def _shape_tensor(shape: Any) -> Tensor:
    """A 1-D int32 (or the given int64) shape tensor from a list, TensorShape or tensor."""
    if isinstance(shape, Tensor):
        if not shape.dtype.is_integer:
            raise TypeError(f"shape must be an integer tensor, got {shape.dtype.name}")
        return shape
    if hasattr(shape, "_as_graph_element"):
        return convert_to_tensor(shape)
    if hasattr(shape, "as_list"):
        dims = shape.as_list()
        if any(d is None for d in dims):
            raise ValueError(f"shape {shape} must be fully defined")
        shape = dims
    if isinstance(shape, (int, np.integer)):
        shape = [int(shape)]
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape):
        return array_ops.stack([convert_to_tensor(d, dtype_hint=dtypes.int32) for d in shape])
    arr = np.asarray(shape)
    if arr.size == 0:
        arr = np.zeros([0], np.int32)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"shape must be a list of ints, got {shape!r}")
    wide = isinstance(shape, np.ndarray) and shape.dtype == np.int64  # lists become int32, as in TF
    return convert_to_tensor(arr.astype(np.int64 if wide else np.int32), name="shape")


def _op(op_type: str, inputs: list, attrs: dict, name: str | None = None) -> Tensor:
    return get_default_graph().create_op(op_type, inputs, attrs, name=name).outputs[0]


def _float_dtype(dtype: Any, fn: str) -> dtypes.DType:
    dt = as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"Invalid dtype {dt.name} for {fn}: expected a floating point type")
    return dt


def _scale_shift(x: Tensor, scale: Any, shift: Any, name: str) -> Tensor:
    """x * scale + shift, skipping the identity steps when scale/shift are the plain numbers 1/0."""
    if not (isinstance(scale, (int, float)) and scale == 1):
        x = math_ops.multiply(x, convert_to_tensor(scale, dtype=x.dtype, name="stddev") if not isinstance(
            scale, Tensor) else scale)
    if isinstance(shift, (int, float)) and shift == 0:
        return array_ops.identity(x, name=name)
    shift_t = shift if isinstance(shift, Tensor) else convert_to_tensor(shift, dtype=x.dtype, name="mean")
    return math_ops.add(x, shift_t, name=name)


def random_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32, seed: int | None = None,
                  name: str | None = None) -> Tensor:
    """Normal samples with the given mean and standard deviation."""
    dt = _float_dtype(dtype, "random_normal")
    with name_scope(name, "random_normal") as scope:
        shape_t = _shape_tensor(shape)
        rnd = _op("RandomStandardNormal", [shape_t], {"dtype": dt, **_seed_attrs(seed)}, name="RandomStandardNormal")
        return _scale_shift(rnd, stddev, mean, scope)


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     seed: int | None = None, name: str | None = None) -> Tensor:
    """Normal samples re-drawn until within 2 standard deviations of the mean."""
    dt = _float_dtype(dtype, "truncated_normal")
    with name_scope(name, "truncated_normal") as scope:
        shape_t = _shape_tensor(shape)
        rnd = _op("TruncatedNormal", [shape_t], {"dtype": dt, **_seed_attrs(seed)}, name="TruncatedNormal")
        return _scale_shift(rnd, stddev, mean, scope)


def random_uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                   seed: int | None = None, name: str | None = None) -> Tensor:
    """Uniform samples in [minval, maxval); for integer dtypes maxval is required."""
    dt = as_dtype(dtype)
    if dt not in (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise ValueError(f"Invalid dtype {dt.name} for random_uniform: expected float16, float32, float64, "
                         "int32 or int64")
    if maxval is None:
        if dt.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dt.name}")
        maxval = 1
    with name_scope(name, "random_uniform") as scope:
        shape_t = _shape_tensor(shape)
        lo = minval if isinstance(minval, Tensor) else convert_to_tensor(minval, dtype=dt, name="min")
        hi = maxval if isinstance(maxval, Tensor) else convert_to_tensor(maxval, dtype=dt, name="max")
        if dt.is_integer:
            return _op("RandomUniformInt", [shape_t, lo, hi], _seed_attrs(seed), name=scope)
        rnd = _op("RandomUniform", [shape_t], {"dtype": dt, **_seed_attrs(seed)}, name="RandomUniform")
        if isinstance(minval, (int, float)) and isinstance(maxval, (int, float)) and minval == 0 and maxval == 1:
            return array_ops.identity(rnd, name=scope)
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo, name=scope)


def random_shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """value with its first dimension randomly permuted."""
    return _op("RandomShuffle", [convert_to_tensor(value)], _seed_attrs(seed), name=name or "RandomShuffle")


def multinomial(logits: Any, num_samples: Any, seed: int | None = None, name: str | None = None,
                output_dtype: Any = None) -> Tensor:
    """num_samples class indices per row, drawn from softmax(logits) (int64 by default)."""
    with name_scope(name, "multinomial") as scope:
        logits = convert_to_tensor(logits, name="logits")
        n = convert_to_tensor(num_samples, dtype=dtypes.int32, name="num_samples") if not isinstance(
            num_samples, Tensor) else num_samples
        attrs = {"output_dtype": as_dtype(output_dtype or dtypes.int64), **_seed_attrs(seed)}
        return _op("Multinomial", [logits, n], attrs, name=scope)


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: int | None = None,
                name: str | None = None) -> Tensor:
    """`tf.random.categorical`: multinomial with `dtype` for the output."""
    return multinomial(logits, num_samples, seed=seed, name=name or "categorical", output_dtype=dtype)


def random_gamma(shape: Any, alpha: Any, beta: Any = None, dtype: Any = dtypes.float32, seed: int | None = None,
                 name: str | None = None) -> Tensor:
    """Gamma(alpha, beta) samples of shape shape + broadcast(alpha, beta).shape."""
    dt = _float_dtype(dtype, "random_gamma")
    with name_scope(name, "random_gamma") as scope:
        shape_t = _shape_tensor(shape)
        alpha_t = convert_to_tensor(alpha, dtype=dt, name="alpha") if not isinstance(alpha, Tensor) else alpha
        if beta is None:
            return _op("RandomGamma", [shape_t, alpha_t], _seed_attrs(seed), name=scope)
        beta_t = convert_to_tensor(beta, dtype=dt, name="beta") if not isinstance(beta, Tensor) else beta
        alpha_b = math_ops.add(alpha_t, array_ops.zeros_like(beta_t))
        beta_b = math_ops.add(beta_t, array_ops.zeros_like(alpha_t))
        gamma = _op("RandomGamma", [shape_t, alpha_b], _seed_attrs(seed))
        return math_ops.truediv(gamma, beta_b, name=scope)


def random_crop(value: Any, size: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """A random slice of `value` of shape `size` (same rank)."""
    with name_scope(name, "random_crop") as scope:
        value = convert_to_tensor(value, name="value")
        size_t = _shape_tensor(size)
        shape = array_ops.shape(value, out_type=size_t.dtype)
        check = control_flow.Assert(math_ops.reduce_all(math_ops.greater_equal(shape, size_t)),
                                    ["Need value.shape >= size, got ", shape, size_t], summarize=1000)
        shape = control_flow.with_dependencies([check], shape)
        limit = math_ops.add(math_ops.subtract(shape, size_t), convert_to_tensor(1, dtype=size_t.dtype))
        offset = math_ops.floormod(
            random_uniform(array_ops.shape(shape), dtype=size_t.dtype, maxval=size_t.dtype.max, seed=seed), limit)
        return array_ops.slice(value, offset, size_t, name=scope)


for _t in ("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt", "RandomShuffle",
           "Multinomial", "RandomGamma"):
    NotDifferentiable(_t)
del _t


def _namespace() -> types.ModuleType:
    """`tf.random`: TF 1.15's names for the same ops."""
    mod = types.ModuleType("flowjit.random", "`tf.random`: random tensors (TF 1.15 names).")
    mod.normal = random_normal
    mod.uniform = random_uniform
    mod.truncated_normal = truncated_normal
    mod.shuffle = random_shuffle
    mod.multinomial = multinomial
    mod.categorical = categorical
    mod.gamma = random_gamma
    mod.crop = random_crop
    mod.set_random_seed = set_random_seed
    mod.set_seed = set_random_seed
    mod.__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "multinomial", "categorical", "gamma",
                   "set_random_seed", "set_seed"]
    return mod


random = _namespace()
