"""Op definitions: random number generation.

Every op here is stateful: it is never constant-folded, merged by CSE, or cached, and each
`Session.run` draws fresh numbers. Attrs `seed` (the op-level seed from the user's `seed=`
argument, None when not given) and `seed2` (the graph-level seed when the op was built, for
the record) follow TF1: the kernel draws from `ctx.rng()`, a generator per op and per session
that is deterministic when either seed is set (see runtime.state.SessionState.rng).

Draws are made in the output dtype (float32 draws are float32 draws, not rounded float64);
float16 is drawn in float32 and rounded.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, errors
from ..registry import partial_shape_value, register_op, static_value
from ..shapes import TensorShape
from ._util import require_dtype, spec

SHAPE_DTYPES = (dtypes.int32, dtypes.int64)
FLOATS = dtypes.FLOAT_DTYPES


def _shape_from_input(op: str, shape) -> TensorShape:
    require_dtype(op, shape, SHAPE_DTYPES, "shape")
    if shape.shape.rank is not None and shape.shape.rank != 1:
        raise ValueError(f"{op}: shape must be a 1-D tensor, got shape {shape.shape}")
    dims = partial_shape_value(shape)
    if dims is None:
        return TensorShape(None)
    if any(d is not None and d < 0 for d in dims):
        raise ValueError(f"{op}: shape must not have negative dimensions, got {dims}")
    return TensorShape(dims)


def _runtime_shape(ctx, shape: np.ndarray) -> tuple[int, ...]:
    dims = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if any(d < 0 for d in dims):
        raise ctx.error(errors.InvalidArgumentError, f"shape must not have negative dimensions, got {list(dims)}")
    return dims


def _float_shape_infer(op: str):
    def infer(inputs, attrs):
        dt = dtypes.as_dtype(attrs.get("dtype", dtypes.float32))
        if dt not in FLOATS:
            raise TypeError(f"{op}: dtype must be one of {[d.name for d in FLOATS]}, got {dt.name}")
        return [spec(dt, _shape_from_input(op, inputs[0]))]
    return infer


def _draw_dtype(dt: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dt == np.float16 else dt


def _out_dtype(ctx) -> np.dtype:
    return ctx.node.outputs[0].dtype.np_dtype


def _random_uniform(ctx, shape):
    dims = _runtime_shape(ctx, shape)
    dt = _out_dtype(ctx)
    out = ctx.rng().random(dims, dtype=_draw_dtype(dt)).astype(dt, copy=False)
    if dt == np.float16:  # rounding may reach 1.0; the range is [0, 1)
        out = np.minimum(out, np.nextafter(np.float16(1), np.float16(0)))
    return out


def _random_normal(ctx, shape):
    dims = _runtime_shape(ctx, shape)
    dt = _out_dtype(ctx)
    return ctx.rng().standard_normal(dims, dtype=_draw_dtype(dt)).astype(dt, copy=False)


def _truncated_normal(ctx, shape):
    """Standard normal values, re-drawn until every one lies within 2 standard deviations."""
    dims = _runtime_shape(ctx, shape)
    dt = _out_dtype(ctx)
    rng = ctx.rng()
    out = rng.standard_normal(dims, dtype=_draw_dtype(dt))
    bad = np.abs(out) > 2
    while np.any(bad):
        out[bad] = rng.standard_normal(int(np.count_nonzero(bad)), dtype=out.dtype)
        bad = np.abs(out) > 2
    return out.astype(dt, copy=False)


register_op("RandomUniform", infer=_float_shape_infer("RandomUniform"), kernel=_random_uniform, num_inputs=1,
            stateful=True, doc="(shape) -> uniform [0, 1); attrs dtype, seed, seed2.")
register_op("RandomStandardNormal", infer=_float_shape_infer("RandomStandardNormal"), kernel=_random_normal,
            num_inputs=1, stateful=True, doc="(shape) -> standard normal; attrs dtype, seed, seed2.")
register_op("TruncatedNormal", infer=_float_shape_infer("TruncatedNormal"), kernel=_truncated_normal, num_inputs=1,
            stateful=True, doc="(shape) -> standard normal re-drawn outside [-2, 2]; attrs dtype, seed, seed2.")


def _uniform_int_infer(inputs, attrs):
    shape, minval, maxval = inputs
    require_dtype("RandomUniformInt", minval, SHAPE_DTYPES, "minval")
    if maxval.dtype != minval.dtype:
        raise TypeError(f"RandomUniformInt: minval and maxval must have one dtype, got {minval.dtype.name} "
                        f"and {maxval.dtype.name}")
    for v, what in ((minval, "minval"), (maxval, "maxval")):
        if v.shape.rank is not None and v.shape.rank != 0:
            raise ValueError(f"RandomUniformInt: {what} must be a scalar, got shape {v.shape}")
    lo, hi = static_value(minval), static_value(maxval)
    if lo is not None and hi is not None and not lo < hi:
        raise ValueError(f"Need minval < maxval: {int(lo)} >= {int(hi)}")
    return [spec(minval.dtype, _shape_from_input("RandomUniformInt", shape))]


def _random_uniform_int(ctx, shape, minval, maxval):
    dims = _runtime_shape(ctx, shape)
    lo, hi = int(minval), int(maxval)
    if not lo < hi:
        raise ctx.error(errors.InvalidArgumentError, f"Need minval < maxval: {lo} >= {hi}")
    return ctx.rng().integers(lo, hi, size=dims, dtype=minval.dtype)


register_op("RandomUniformInt", infer=_uniform_int_infer, kernel=_random_uniform_int, num_inputs=3, stateful=True,
            doc="(shape, minval, maxval) -> integers uniform in [minval, maxval); attrs seed, seed2.")


def _shuffle_infer(inputs, attrs):
    return [spec(inputs[0].dtype, inputs[0].shape)]


def _random_shuffle(ctx, value):
    if value.ndim == 0 or value.shape[0] <= 1:
        return value.copy()
    return value[ctx.rng().permutation(value.shape[0])]


register_op("RandomShuffle", infer=_shuffle_infer, kernel=_random_shuffle, num_inputs=1, stateful=True,
            doc="A random permutation of value along its first dimension; attrs seed, seed2.")


def _multinomial_infer(inputs, attrs):
    logits, num_samples = inputs
    require_dtype("Multinomial", logits, FLOATS, "logits")
    require_dtype("Multinomial", num_samples, (dtypes.int32,), "num_samples")
    out_dt = dtypes.as_dtype(attrs.get("output_dtype", dtypes.int64))
    if out_dt not in SHAPE_DTYPES:
        raise TypeError(f"Multinomial: output_dtype must be int32 or int64, got {out_dt.name}")
    if logits.shape.rank is not None and logits.shape.rank != 2:
        raise ValueError(f"Multinomial: logits should be a matrix, got shape {logits.shape}")
    if num_samples.shape.rank is not None and num_samples.shape.rank != 0:
        raise ValueError(f"Multinomial: num_samples should be a scalar, got shape {num_samples.shape}")
    n = static_value(num_samples)
    batch = logits.shape.dims[0] if logits.shape.rank else None
    return [spec(out_dt, [batch, None if n is None else int(n)])]


def _multinomial(ctx, logits, num_samples):
    b, c = logits.shape
    n = int(num_samples)
    if n < 0:
        raise ctx.error(errors.InvalidArgumentError, f"num_samples should be nonnegative, got {n}")
    out_dt = _out_dtype(ctx)
    if b == 0 or n == 0:
        return np.zeros((b, n), out_dt)
    if c == 0:
        raise ctx.error(errors.InvalidArgumentError, "num_classes should be positive, got 0")
    w = logits.astype(np.float64)
    p = np.exp(w - np.max(w, axis=1, keepdims=True))
    cdf = np.cumsum(p, axis=1)
    u = ctx.rng().random((b, n)) * cdf[:, -1:]
    idx = np.sum(cdf[:, None, :] <= u[:, :, None], axis=-1)
    return np.minimum(idx, c - 1).astype(out_dt)


register_op("Multinomial", infer=_multinomial_infer, kernel=_multinomial, num_inputs=2, stateful=True,
            doc="(logits [batch, classes], num_samples) -> class indices drawn from softmax(logits).")


def _gamma_infer(inputs, attrs):
    shape, alpha = inputs
    require_dtype("RandomGamma", alpha, FLOATS, "alpha")
    return [spec(alpha.dtype, _shape_from_input("RandomGamma", shape).concatenate(alpha.shape))]


def _random_gamma(ctx, shape, alpha):
    dims = _runtime_shape(ctx, shape)
    draws = ctx.rng().standard_gamma(np.broadcast_to(alpha, dims + alpha.shape).astype(np.float64))
    return np.asarray(draws).astype(alpha.dtype)


register_op("RandomGamma", infer=_gamma_infer, kernel=_random_gamma, num_inputs=2, stateful=True,
            doc="(shape, alpha) -> Gamma(alpha, 1) samples of shape shape + alpha.shape.")
