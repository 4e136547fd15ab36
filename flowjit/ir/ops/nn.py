"""Op definitions: nn (activations, bias, convolution, pooling, softmax, cross entropy).

Conventions shared by the image ops: tensors are NHWC, filters HWIO, `strides`, `ksize` and
`dilations` are lists of 4 ints ([1, h, w, 1]), `padding` is "SAME", "VALID" or "EXPLICIT"
(then `explicit_paddings` is a list of 8 ints, a (before, after) pair per dimension). The
geometry is TF's: SAME gives ceil(in / stride) outputs and puts the odd padding element after.

The reference kernels are vectorized NumPy: a padded input is viewed as windows
(N, OH, OW, KH, KW, C) with `as_strided`, convolution is a `tensordot` over the windows
(im2col), and the backward kernels scatter with one slice-add per filter tap, never a Python
loop over pixels. Every kernel returns exactly the declared dtype (float16 is computed in
float32 and rounded back).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import dtypes, errors
from ..registry import partial_shape_value, register_op
from ..shapes import TensorShape
from ._util import require_dtype, require_same_dtype, same_as_input, spec

FLOATS = dtypes.FLOAT_DTYPES
REAL = dtypes.FLOAT_DTYPES + dtypes.INT_DTYPES

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _work_dtype(dt: np.dtype) -> np.dtype:
    """float16 is computed in float32; everything else in its own type."""
    return np.dtype(np.float32) if dt == np.float16 else dt


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Overflow-free logistic function in x's dtype."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


# --- activations --------------------------------------------------------------------

def _float_unary(op: str):
    def infer(inputs, attrs):
        require_dtype(op, inputs[0], FLOATS, "features")
        return same_as_input(inputs, attrs)
    return infer


def _real_unary(op: str):
    def infer(inputs, attrs):
        require_dtype(op, inputs[0], REAL, "features")
        return same_as_input(inputs, attrs)
    return infer


def _grad_infer(op: str, allowed=FLOATS):
    """(gradients, features-or-outputs) -> same shape and dtype."""
    def infer(inputs, attrs):
        dt = require_same_dtype(op, inputs)
        require_dtype(op, inputs[0], allowed, "gradients")
        if not inputs[0].shape.is_compatible_with(inputs[1].shape):
            raise ValueError(f"{op} needs gradients and features of one shape, got {inputs[0].shape} and {inputs[1].shape}")
        return [spec(dt, inputs[0].shape.merge_with(inputs[1].shape))]
    return infer


def _relu(ctx, x):
    return np.maximum(x, np.zeros((), x.dtype))


def _relu6(ctx, x):
    return np.minimum(np.maximum(x, np.zeros((), x.dtype)), np.asarray(6, x.dtype))


def _elu(ctx, x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def _selu(ctx, x):
    neg = SELU_SCALE * SELU_ALPHA * np.expm1(np.minimum(x, 0))
    return np.where(x > 0, SELU_SCALE * x, neg).astype(x.dtype, copy=False)


def _leaky_relu(ctx, x):
    alpha = np.asarray(ctx.attrs.get("alpha", 0.2), x.dtype)
    return np.where(x > 0, x, x * alpha).astype(x.dtype, copy=False)


def _softplus(ctx, x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact for large |x| in both directions
    return np.logaddexp(np.zeros((), x.dtype), x).astype(x.dtype, copy=False)


def _softsign(ctx, x):
    return (x / (1 + np.abs(x))).astype(x.dtype, copy=False)


register_op("Relu", infer=_real_unary("Relu"), kernel=_relu, num_inputs=1, op_class="elementwise",
            doc="max(features, 0).")
register_op("Relu6", infer=_real_unary("Relu6"), kernel=_relu6, num_inputs=1, op_class="elementwise",
            doc="min(max(features, 0), 6).")
register_op("Elu", infer=_float_unary("Elu"), kernel=_elu, num_inputs=1, op_class="elementwise",
            doc="features if > 0 else exp(features) - 1.")
register_op("Selu", infer=_float_unary("Selu"), kernel=_selu, num_inputs=1, op_class="elementwise",
            doc="scale * (features if > 0 else alpha * (exp(features) - 1)).")
register_op("LeakyRelu", infer=_float_unary("LeakyRelu"), kernel=_leaky_relu, num_inputs=1,
            op_class="elementwise", doc="features if > 0 else alpha * features; attr alpha.")
register_op("Softplus", infer=_float_unary("Softplus"), kernel=_softplus, num_inputs=1, op_class="elementwise",
            doc="log(exp(features) + 1), stable for large |features|.")
register_op("Softsign", infer=_float_unary("Softsign"), kernel=_softsign, num_inputs=1, op_class="elementwise",
            doc="features / (abs(features) + 1).")


def _relu_grad(ctx, g, x):
    return np.where(x > 0, g, np.zeros((), g.dtype)).astype(g.dtype, copy=False)


def _relu6_grad(ctx, g, x):
    return np.where((x > 0) & (x < 6), g, np.zeros((), g.dtype)).astype(g.dtype, copy=False)


def _elu_grad(ctx, g, y):
    return np.where(y < 0, g * (y + 1), g).astype(g.dtype, copy=False)


def _selu_grad(ctx, g, y):
    return np.where(y < 0, g * (y + SELU_SCALE * SELU_ALPHA), g * SELU_SCALE).astype(g.dtype, copy=False)


def _leaky_relu_grad(ctx, g, x):
    alpha = np.asarray(ctx.attrs.get("alpha", 0.2), g.dtype)
    return np.where(x > 0, g, g * alpha).astype(g.dtype, copy=False)


def _softplus_grad(ctx, g, x):
    return (g * _sigmoid(x)).astype(g.dtype, copy=False)


def _softsign_grad(ctx, g, x):
    return (g / np.square(1 + np.abs(x))).astype(g.dtype, copy=False)


register_op("ReluGrad", infer=_grad_infer("ReluGrad", REAL), kernel=_relu_grad, num_inputs=2, op_class="elementwise",
            doc="(gradients, features) -> gradients where features > 0.")
register_op("Relu6Grad", infer=_grad_infer("Relu6Grad", REAL), kernel=_relu6_grad, num_inputs=2,
            op_class="elementwise", doc="(gradients, features) -> gradients where 0 < features < 6.")
register_op("EluGrad", infer=_grad_infer("EluGrad"), kernel=_elu_grad, num_inputs=2, op_class="elementwise",
            doc="(gradients, outputs) -> gradients * (outputs + 1 if outputs < 0 else 1).")
register_op("SeluGrad", infer=_grad_infer("SeluGrad"), kernel=_selu_grad, num_inputs=2, op_class="elementwise",
            doc="(gradients, outputs) -> gradients * d selu.")
register_op("LeakyReluGrad", infer=_grad_infer("LeakyReluGrad"), kernel=_leaky_relu_grad, num_inputs=2,
            op_class="elementwise", doc="(gradients, features) -> gradients * (1 if features > 0 else alpha).")
register_op("SoftplusGrad", infer=_grad_infer("SoftplusGrad"), kernel=_softplus_grad, num_inputs=2,
            op_class="elementwise", doc="(gradients, features) -> gradients * sigmoid(features).")
register_op("SoftsignGrad", infer=_grad_infer("SoftsignGrad"), kernel=_softsign_grad, num_inputs=2,
            op_class="elementwise", doc="(gradients, features) -> gradients / (1 + abs(features))**2.")


# --- softmax ------------------------------------------------------------------------

def _softmax_infer(op: str):
    def infer(inputs, attrs):
        x = inputs[0]
        require_dtype(op, x, FLOATS, "logits")
        if x.shape.rank is not None and x.shape.rank < 1:
            raise ValueError(f"{op} needs logits of rank >= 1, got a scalar")
        return same_as_input(inputs, attrs)
    return infer


def _log_softmax_np(x: np.ndarray) -> np.ndarray:
    w = x.astype(_work_dtype(x.dtype), copy=False)
    shifted = w - np.max(w, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softmax(ctx, x):
    if x.shape[-1] == 0:
        return x.copy()
    w = x.astype(_work_dtype(x.dtype), copy=False)
    e = np.exp(w - np.max(w, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(x.dtype, copy=False)


def _log_softmax(ctx, x):
    if x.shape[-1] == 0:
        return x.copy()
    return _log_softmax_np(x).astype(x.dtype, copy=False)


register_op("Softmax", infer=_softmax_infer("Softmax"), kernel=_softmax, num_inputs=1, op_class="reduction",
            doc="exp(x) / sum(exp(x)) over the last axis (max-shifted).")
register_op("LogSoftmax", infer=_softmax_infer("LogSoftmax"), kernel=_log_softmax, num_inputs=1,
            op_class="reduction", doc="x - log(sum(exp(x))) over the last axis (max-shifted).")


# --- bias ---------------------------------------------------------------------------

def _channel_axis(data_format: str, rank: int | None) -> int:
    if data_format in ("NHWC", "NWC", "NDHWC", "N...C"):
        return -1
    if data_format in ("NCHW", "NCW", "NCDHW", "NC..."):
        return 1
    raise ValueError(f"unknown data_format {data_format!r}; expected NHWC or NCHW")


def _bias_add_infer(inputs, attrs):
    value, bias = inputs
    dt = require_same_dtype("BiasAdd", inputs)
    require_dtype("BiasAdd", value, REAL, "value")
    fmt = attrs.get("data_format", "NHWC")
    if bias.shape.rank is not None and bias.shape.rank != 1:
        raise ValueError(f"BiasAdd: bias must be 1-D, got shape {bias.shape}")
    rank = value.shape.rank
    axis = _channel_axis(fmt, rank)
    if rank is not None:
        if rank < 2 or (axis == 1 and rank < 3):
            raise ValueError(f"BiasAdd: value must be at least {2 if axis == -1 else 3}-D, got shape {value.shape}")
        c, b = value.shape.dims[axis], bias.shape.dims[0] if bias.shape.rank else None
        if c is not None and b is not None and c != b:
            raise ValueError(f"BiasAdd: bias of size {b} does not match the {c} channels of value {value.shape}")
    return [spec(dt, value.shape)]


def _bias_shape(ndim: int, axis: int, n: int) -> tuple[int, ...]:
    shape = [1] * ndim
    shape[axis] = n
    return tuple(shape)


def _bias_add(ctx, x, b):
    axis = _channel_axis(ctx.attrs.get("data_format", "NHWC"), x.ndim)
    if x.shape[axis] != b.shape[0]:
        raise ctx.error(errors.InvalidArgumentError,
                        f"Must provide as many biases as the channel dimension of the input tensor: "
                        f"{list(b.shape)} vs. {list(x.shape)}")
    return (x + b.reshape(_bias_shape(x.ndim, axis, b.shape[0]))).astype(x.dtype, copy=False)


def _bias_add_grad_infer(inputs, attrs):
    g = inputs[0]
    require_dtype("BiasAddGrad", g, REAL, "out_backprop")
    rank = g.shape.rank
    if rank is None:
        return [spec(g.dtype, [None])]
    if rank < 2:
        raise ValueError(f"BiasAddGrad: out_backprop must be at least 2-D, got shape {g.shape}")
    axis = _channel_axis(attrs.get("data_format", "NHWC"), rank)
    return [spec(g.dtype, [g.shape.dims[axis]])]


def _bias_add_grad(ctx, g):
    axis = _channel_axis(ctx.attrs.get("data_format", "NHWC"), g.ndim) % g.ndim
    other = tuple(a for a in range(g.ndim) if a != axis)
    return np.sum(g.astype(_work_dtype(g.dtype), copy=False), axis=other).astype(g.dtype)


register_op("BiasAdd", infer=_bias_add_infer, kernel=_bias_add, num_inputs=2, op_class="broadcast",
            doc="value + bias along the channel axis; attr data_format (NHWC: last axis, NCHW: axis 1).")
register_op("BiasAddGrad", infer=_bias_add_grad_infer, kernel=_bias_add_grad, num_inputs=1, op_class="reduction",
            doc="Sum of out_backprop over every axis but the channel axis.")


# --- convolution and pooling geometry -------------------------------------------------

def _int_list(attrs: dict, key: str, default: Any = None) -> list[int]:
    value = attrs.get(key, default)
    if value is None:
        raise ValueError(f"attr {key!r} is required")
    if isinstance(value, (int, np.integer)):
        value = [1, int(value), int(value), 1]
    value = [int(v) for v in value]
    if len(value) != 4:
        raise ValueError(f"attr {key} must have 4 elements ([1, h, w, 1]), got {value}")
    return value


def _check_format(op: str, attrs: dict) -> None:
    fmt = attrs.get("data_format", "NHWC")
    if fmt != "NHWC":
        raise ValueError(f"{op} supports only data_format='NHWC' (channels last) on flowjit's CPU backends, "
                         f"got {fmt!r}; transpose the input to NHWC")


def _padding(op: str, attrs: dict) -> tuple[str, list[int] | None]:
    padding = attrs.get("padding")
    if isinstance(padding, bytes):
        padding = padding.decode()
    if padding not in ("SAME", "VALID", "EXPLICIT"):
        raise ValueError(f"{op}: padding must be 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}")
    explicit = None
    if padding == "EXPLICIT":
        explicit = [int(v) for v in attrs.get("explicit_paddings") or []]
        if len(explicit) != 8 or any(v < 0 for v in explicit):
            raise ValueError(f"{op}: explicit_paddings must be 8 non-negative ints, got {explicit}")
        if explicit[0] or explicit[1] or explicit[6] or explicit[7]:
            raise ValueError(f"{op}: explicit padding of the batch and depth dimensions is not supported")
    return padding, explicit


def window_geometry(size: int | None, k: int | None, stride: int, dilation: int, padding: str,
                    explicit: tuple[int, int] | None = None) -> tuple[int | None, int, int]:
    """(output size, pad before, pad after) of one spatial dimension, TF's rules.

    >>> window_geometry(5, 3, 2, 1, "SAME")
    (3, 1, 1)
    """
    if size is None or k is None:
        return None, 0, 0
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        before, after = total // 2, total - total // 2
    else:
        before, after = explicit if padding == "EXPLICIT" else (0, 0)  # type: ignore[misc]
        out = int((size + before + after - eff + stride) / stride)  # C division, as TF
    if out < 0:
        raise ValueError(f"Computed output size would be negative: {out} [input_size: {size}, "
                         f"effective_filter_size: {eff}, stride: {stride}]")
    return out, before, after


class _Geometry:
    """Everything a 2-D window kernel needs: sizes, strides, dilations and paddings."""

    __slots__ = ("kh", "kw", "sh", "sw", "dh", "dw", "oh", "ow", "pt", "pb", "pl", "pr")

    def __init__(self, h: int | None, w: int | None, kh: int | None, kw: int | None, strides: Sequence[int],
                 dilations: Sequence[int], padding: str, explicit: list[int] | None) -> None:
        self.kh, self.kw = kh, kw
        self.sh, self.sw = strides[1], strides[2]
        self.dh, self.dw = dilations[1], dilations[2]
        eh = (explicit[2], explicit[3]) if explicit else None
        ew = (explicit[4], explicit[5]) if explicit else None
        self.oh, self.pt, self.pb = window_geometry(h, kh, self.sh, self.dh, padding, eh)
        self.ow, self.pl, self.pr = window_geometry(w, kw, self.sw, self.dw, padding, ew)


def _geometry_from_attrs(op: str, attrs: dict, h, w, kh, kw, dilated: bool = True) -> _Geometry:
    _check_format(op, attrs)
    strides = _int_list(attrs, "strides")
    dilations = _int_list(attrs, "dilations", [1, 1, 1, 1]) if dilated else [1, 1, 1, 1]
    if strides[0] != 1 or strides[3] != 1:
        raise ValueError(f"{op}: strides in the batch and depth dimensions must be 1, got {strides}")
    if dilations[0] != 1 or dilations[3] != 1:
        raise ValueError(f"{op}: dilations in the batch and depth dimensions must be 1, got {dilations}")
    if min(strides) < 1 or min(dilations) < 1:
        raise ValueError(f"{op}: strides and dilations must be >= 1, got {strides} and {dilations}")
    padding, explicit = _padding(op, attrs)
    return _Geometry(h, w, kh, kw, strides, dilations, padding, explicit)


def _runtime_geometry(ctx, h, w, kh, kw, dilated: bool = True) -> _Geometry:
    try:
        return _geometry_from_attrs(ctx.node.op, ctx.attrs, h, w, kh, kw, dilated)
    except ValueError as e:
        raise ctx.error(errors.InvalidArgumentError, str(e)) from None


def _pad(x: np.ndarray, g: _Geometry, fill: Any = 0, extra_h: int = 0, extra_w: int = 0) -> np.ndarray:
    if not (g.pt or g.pb or g.pl or g.pr or extra_h or extra_w):
        return x
    return np.pad(x, ((0, 0), (g.pt, g.pb + extra_h), (g.pl, g.pr + extra_w), (0, 0)), constant_values=fill)


def _windows(xp: np.ndarray, g: _Geometry) -> np.ndarray:
    """Read-only view (N, OH, OW, KH, KW, C) of the padded NHWC input."""
    n, _, _, c = xp.shape
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, shape=(n, g.oh, g.ow, g.kh, g.kw, c),
                      strides=(s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3), writeable=False)


def _scatter_windows(cols: np.ndarray, g: _Geometry, n: int, h: int, w: int, c: int) -> np.ndarray:
    """Adjoint of `_windows`: sum cols (N, OH, OW, KH, KW, C) back into an (N, H, W, C) image."""
    hp, wp = h + g.pt + g.pb, w + g.pl + g.pr
    out = np.zeros((n, hp, wp, c), dtype=cols.dtype)
    hs, ws = (g.oh - 1) * g.sh + 1, (g.ow - 1) * g.sw + 1
    if g.oh > 0 and g.ow > 0:
        for i in range(g.kh):
            for j in range(g.kw):
                out[:, i * g.dh:i * g.dh + hs:g.sh, j * g.dw:j * g.dw + ws:g.sw, :] += cols[:, :, :, i, j, :]
    return out[:, g.pt:g.pt + h, g.pl:g.pl + w, :]


def _rank4(op: str, value, what: str) -> list[int | None]:
    shape = value.shape
    if shape.rank is None:
        return [None] * 4
    if shape.rank != 4:
        raise ValueError(f"{op}: {what} must be 4-D, got shape {shape}")
    return list(shape.dims)


def _sizes_input(op: str, value, what: str) -> list[int | None]:
    """A 1-D int32 sizes tensor (input_sizes, filter_sizes), partially known at build time."""
    if value.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"{op}: {what} must be int32 or int64, got {value.dtype.name}")
    dims = partial_shape_value(value)
    if dims is None:
        return [None] * 4
    if len(dims) != 4:
        raise ValueError(f"{op}: {what} must have 4 elements, got {dims}")
    return dims


def _merge(a: int | None, b: int | None, op: str, what: str) -> int | None:
    if a is not None and b is not None and a != b:
        raise ValueError(f"{op}: {what} mismatch: {a} vs {b}")
    return a if a is not None else b


# --- Conv2D -------------------------------------------------------------------------

def _conv_infer(inputs, attrs):
    x, f = inputs
    _check_format("Conv2D", attrs)
    dt = require_same_dtype("Conv2D", inputs)
    require_dtype("Conv2D", x, FLOATS, "input")
    n, h, w, c = _rank4("Conv2D", x, "input")
    kh, kw, ci, co = _rank4("Conv2D", f, "filter")
    _merge(c, ci, "Conv2D", "input depth and filter in_channels")
    g = _geometry_from_attrs("Conv2D", attrs, h, w, kh, kw)
    return [spec(dt, [n, g.oh, g.ow, co])]


def _conv2d(ctx, x, f):
    n, h, w, c = x.shape
    kh, kw, ci, co = f.shape
    if c != ci:
        raise ctx.error(errors.InvalidArgumentError,
                        f"input depth must equal filter in_channels: {c} vs {ci} "
                        f"(input shape {list(x.shape)}, filter shape {list(f.shape)})")
    g = _runtime_geometry(ctx, h, w, kh, kw)
    wd = _work_dtype(x.dtype)
    xp = _pad(x.astype(wd, copy=False), g)
    out = np.tensordot(_windows(xp, g), f.astype(wd, copy=False), axes=([3, 4, 5], [0, 1, 2]))
    return out.astype(x.dtype, copy=False)


def _conv_input_infer(inputs, attrs):
    sizes, f, dy = inputs
    _check_format("Conv2DBackpropInput", attrs)
    dt = require_same_dtype("Conv2DBackpropInput", [f, dy])
    require_dtype("Conv2DBackpropInput", f, FLOATS, "filter")
    n, h, w, c = _sizes_input("Conv2DBackpropInput", sizes, "input_sizes")
    kh, kw, ci, co = _rank4("Conv2DBackpropInput", f, "filter")
    dn, dh, dw, dc = _rank4("Conv2DBackpropInput", dy, "out_backprop")
    c = _merge(c, ci, "Conv2DBackpropInput", "input depth and filter in_channels")
    _merge(co, dc, "Conv2DBackpropInput", "filter out_channels and out_backprop depth")
    n = _merge(n, dn, "Conv2DBackpropInput", "batch size")
    g = _geometry_from_attrs("Conv2DBackpropInput", attrs, h, w, kh, kw)
    _merge(g.oh, dh, "Conv2DBackpropInput", "out_backprop height")
    _merge(g.ow, dw, "Conv2DBackpropInput", "out_backprop width")
    return [spec(dt, [n, h, w, c])]


def _check_backprop_shape(ctx, dy: np.ndarray, n: int, g: _Geometry, co: int) -> None:
    want = (n, g.oh, g.ow, co)
    if tuple(dy.shape) != want:
        raise ctx.error(errors.InvalidArgumentError,
                        f"out_backprop has shape {list(dy.shape)}, the convolution's output shape is {list(want)}")


def _conv2d_backprop_input(ctx, sizes, f, dy):
    n, h, w, c = (int(v) for v in np.asarray(sizes).reshape(-1))
    kh, kw, ci, co = f.shape
    if c != ci:
        raise ctx.error(errors.InvalidArgumentError, f"input depth must equal filter in_channels: {c} vs {ci}")
    g = _runtime_geometry(ctx, h, w, kh, kw)
    _check_backprop_shape(ctx, dy, n, g, co)
    wd = _work_dtype(dy.dtype)
    cols = np.tensordot(dy.astype(wd, copy=False), f.astype(wd, copy=False), axes=([3], [3]))  # N,OH,OW,KH,KW,C
    return _scatter_windows(cols, g, n, h, w, c).astype(dy.dtype, copy=False)


def _conv_filter_infer(inputs, attrs):
    x, sizes, dy = inputs
    _check_format("Conv2DBackpropFilter", attrs)
    dt = require_same_dtype("Conv2DBackpropFilter", [x, dy])
    require_dtype("Conv2DBackpropFilter", x, FLOATS, "input")
    n, h, w, c = _rank4("Conv2DBackpropFilter", x, "input")
    kh, kw, ci, co = _sizes_input("Conv2DBackpropFilter", sizes, "filter_sizes")
    dn, dh, dw, dc = _rank4("Conv2DBackpropFilter", dy, "out_backprop")
    ci = _merge(c, ci, "Conv2DBackpropFilter", "input depth and filter in_channels")
    co = _merge(co, dc, "Conv2DBackpropFilter", "filter out_channels and out_backprop depth")
    _merge(n, dn, "Conv2DBackpropFilter", "batch size")
    g = _geometry_from_attrs("Conv2DBackpropFilter", attrs, h, w, kh, kw)
    _merge(g.oh, dh, "Conv2DBackpropFilter", "out_backprop height")
    _merge(g.ow, dw, "Conv2DBackpropFilter", "out_backprop width")
    return [spec(dt, [kh, kw, ci, co])]


def _conv2d_backprop_filter(ctx, x, sizes, dy):
    n, h, w, c = x.shape
    kh, kw, ci, co = (int(v) for v in np.asarray(sizes).reshape(-1))
    if c != ci:
        raise ctx.error(errors.InvalidArgumentError, f"input depth must equal filter in_channels: {c} vs {ci}")
    g = _runtime_geometry(ctx, h, w, kh, kw)
    _check_backprop_shape(ctx, dy, n, g, co)
    wd = _work_dtype(x.dtype)
    xp = _pad(x.astype(wd, copy=False), g)
    out = np.tensordot(_windows(xp, g), dy.astype(wd, copy=False), axes=([0, 1, 2], [0, 1, 2]))  # KH,KW,C,O
    return out.astype(x.dtype, copy=False)


_CONV_DOC = "attrs strides, padding, explicit_paddings, dilations, data_format (NHWC only)."
register_op("Conv2D", infer=_conv_infer, kernel=_conv2d, num_inputs=2, op_class="matmul", fusion_kind="conv",
            doc="2-D cross-correlation of NHWC input with HWIO filter; " + _CONV_DOC)
register_op("Conv2DBackpropInput", infer=_conv_input_infer, kernel=_conv2d_backprop_input, num_inputs=3,
            op_class="matmul", fusion_kind="conv", doc="(input_sizes, filter, out_backprop) -> d input; also conv2d_transpose. " + _CONV_DOC)
register_op("Conv2DBackpropFilter", infer=_conv_filter_infer, kernel=_conv2d_backprop_filter, num_inputs=3,
            op_class="matmul", fusion_kind="conv", doc="(input, filter_sizes, out_backprop) -> d filter. " + _CONV_DOC)


# --- depthwise convolution -----------------------------------------------------------

def _dw_infer(inputs, attrs):
    x, f = inputs
    _check_format("DepthwiseConv2dNative", attrs)
    dt = require_same_dtype("DepthwiseConv2dNative", inputs)
    require_dtype("DepthwiseConv2dNative", x, FLOATS, "input")
    n, h, w, c = _rank4("DepthwiseConv2dNative", x, "input")
    kh, kw, ci, m = _rank4("DepthwiseConv2dNative", f, "filter")
    c = _merge(c, ci, "DepthwiseConv2dNative", "input depth and filter in_channels")
    g = _geometry_from_attrs("DepthwiseConv2dNative", attrs, h, w, kh, kw)
    return [spec(dt, [n, g.oh, g.ow, None if c is None or m is None else c * m])]


def _depthwise(ctx, x, f):
    n, h, w, c = x.shape
    kh, kw, ci, m = f.shape
    if c != ci:
        raise ctx.error(errors.InvalidArgumentError, f"input depth must equal filter in_channels: {c} vs {ci}")
    g = _runtime_geometry(ctx, h, w, kh, kw)
    wd = _work_dtype(x.dtype)
    win = _windows(_pad(x.astype(wd, copy=False), g), g)  # N,OH,OW,KH,KW,C
    out = np.einsum("nhwijc,ijcm->nhwcm", win, f.astype(wd, copy=False), optimize=True)
    return out.reshape(n, g.oh, g.ow, c * m).astype(x.dtype, copy=False)


def _dw_input_infer(inputs, attrs):
    sizes, f, dy = inputs
    _check_format("DepthwiseConv2dNativeBackpropInput", attrs)
    dt = require_same_dtype("DepthwiseConv2dNativeBackpropInput", [f, dy])
    n, h, w, c = _sizes_input("DepthwiseConv2dNativeBackpropInput", sizes, "input_sizes")
    kh, kw, ci, m = _rank4("DepthwiseConv2dNativeBackpropInput", f, "filter")
    c = _merge(c, ci, "DepthwiseConv2dNativeBackpropInput", "input depth and filter in_channels")
    _geometry_from_attrs("DepthwiseConv2dNativeBackpropInput", attrs, h, w, kh, kw)
    return [spec(dt, [n, h, w, c])]


def _dw_backprop_input(ctx, sizes, f, dy):
    n, h, w, c = (int(v) for v in np.asarray(sizes).reshape(-1))
    kh, kw, ci, m = f.shape
    g = _runtime_geometry(ctx, h, w, kh, kw)
    _check_backprop_shape(ctx, dy, n, g, c * m)
    wd = _work_dtype(dy.dtype)
    d = dy.astype(wd, copy=False).reshape(n, g.oh, g.ow, c, m)
    cols = np.einsum("nhwcm,ijcm->nhwijc", d, f.astype(wd, copy=False), optimize=True)
    return _scatter_windows(cols, g, n, h, w, c).astype(dy.dtype, copy=False)


def _dw_filter_infer(inputs, attrs):
    x, sizes, dy = inputs
    _check_format("DepthwiseConv2dNativeBackpropFilter", attrs)
    dt = require_same_dtype("DepthwiseConv2dNativeBackpropFilter", [x, dy])
    n, h, w, c = _rank4("DepthwiseConv2dNativeBackpropFilter", x, "input")
    kh, kw, ci, m = _sizes_input("DepthwiseConv2dNativeBackpropFilter", sizes, "filter_sizes")
    ci = _merge(c, ci, "DepthwiseConv2dNativeBackpropFilter", "input depth and filter in_channels")
    _geometry_from_attrs("DepthwiseConv2dNativeBackpropFilter", attrs, h, w, kh, kw)
    return [spec(dt, [kh, kw, ci, m])]


def _dw_backprop_filter(ctx, x, sizes, dy):
    n, h, w, c = x.shape
    kh, kw, ci, m = (int(v) for v in np.asarray(sizes).reshape(-1))
    g = _runtime_geometry(ctx, h, w, kh, kw)
    _check_backprop_shape(ctx, dy, n, g, c * m)
    wd = _work_dtype(x.dtype)
    win = _windows(_pad(x.astype(wd, copy=False), g), g)
    d = dy.astype(wd, copy=False).reshape(n, g.oh, g.ow, c, m)
    return np.einsum("nhwijc,nhwcm->ijcm", win, d, optimize=True).astype(x.dtype, copy=False)


register_op("DepthwiseConv2dNative", infer=_dw_infer, kernel=_depthwise, num_inputs=2, op_class="matmul", fusion_kind="conv",
            doc="Per-channel 2-D convolution, filter [KH, KW, C, multiplier]; " + _CONV_DOC)
register_op("DepthwiseConv2dNativeBackpropInput", infer=_dw_input_infer, kernel=_dw_backprop_input, num_inputs=3,
            op_class="matmul", fusion_kind="conv", doc="(input_sizes, filter, out_backprop) -> d input. " + _CONV_DOC)
register_op("DepthwiseConv2dNativeBackpropFilter", infer=_dw_filter_infer, kernel=_dw_backprop_filter,
            num_inputs=3, op_class="matmul", fusion_kind="conv", doc="(input, filter_sizes, out_backprop) -> d filter. " + _CONV_DOC)


# --- pooling ------------------------------------------------------------------------

def _pool_geometry(op: str, attrs: dict, h, w) -> _Geometry:
    _check_format(op, attrs)
    ksize = _int_list(attrs, "ksize")
    if ksize[0] != 1 or ksize[3] != 1:
        raise ValueError(f"{op}: pooling across the batch or depth dimension is not supported, ksize {ksize}")
    if min(ksize) < 1:
        raise ValueError(f"{op}: ksize must be >= 1, got {ksize}")
    if attrs.get("padding") == "EXPLICIT":
        raise ValueError(f"{op}: padding must be 'SAME' or 'VALID'")
    return _geometry_from_attrs(op, attrs, h, w, ksize[1], ksize[2], dilated=False)


def _pool_infer(op: str):
    def infer(inputs, attrs):
        x = inputs[0]
        require_dtype(op, x, REAL if op == "MaxPool" else FLOATS, "input")
        n, h, w, c = _rank4(op, x, "input")
        g = _pool_geometry(op, attrs, h, w)
        return [spec(x.dtype, [n, g.oh, g.ow, c])]
    return infer


def _runtime_pool_geometry(ctx, h, w) -> _Geometry:
    try:
        return _pool_geometry(ctx.node.op, ctx.attrs, h, w)
    except ValueError as e:
        raise ctx.error(errors.InvalidArgumentError, str(e)) from None


def _lowest(dt: np.dtype) -> Any:
    return -np.inf if dt.kind == "f" else np.iinfo(dt).min


def _max_pool(ctx, x):
    g = _runtime_pool_geometry(ctx, x.shape[1], x.shape[2])
    win = _windows(_pad(x, g, _lowest(x.dtype)), g)
    return np.max(win, axis=(3, 4)) if win.size else np.zeros(win.shape[:3] + win.shape[5:], x.dtype)


def _avg_counts(g: _Geometry, h: int, w: int, dt: np.dtype) -> np.ndarray:
    """How many real (unpadded) elements each output window covers: shape (1, OH, OW, 1)."""
    ones = _pad(np.ones((1, h, w, 1), dt), g)
    return _windows(ones, g).sum(axis=(3, 4))


def _avg_pool(ctx, x):
    n, h, w, c = x.shape
    g = _runtime_pool_geometry(ctx, h, w)
    wd = _work_dtype(x.dtype)
    sums = _windows(_pad(x.astype(wd, copy=False), g), g).sum(axis=(3, 4))
    return (sums / _avg_counts(g, h, w, wd)).astype(x.dtype, copy=False)


def _argmax_positions(x: np.ndarray, g: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Padded (row, col) of the first maximum of every window, each of shape (N, OH, OW, C)."""
    win = _windows(_pad(x, g, _lowest(x.dtype)), g)
    n, oh, ow, kh, kw, c = win.shape
    flat = np.moveaxis(win, 5, 3).reshape(n, oh, ow, c, kh * kw)
    idx = np.argmax(flat, axis=-1)  # first occurrence, row-major over the window: TF's tie rule
    rows = np.arange(oh).reshape(1, oh, 1, 1) * g.sh + idx // kw
    cols = np.arange(ow).reshape(1, 1, ow, 1) * g.sw + idx % kw
    return rows, cols


def _max_pool_grad_infer(inputs, attrs):
    x, y, dy = inputs
    dt = require_same_dtype("MaxPoolGrad", inputs)
    n, h, w, c = _rank4("MaxPoolGrad", x, "orig_input")
    _pool_geometry("MaxPoolGrad", attrs, h, w)
    return [spec(dt, x.shape)]


def _max_pool_grad(ctx, x, y, dy):
    n, h, w, c = x.shape
    g = _runtime_pool_geometry(ctx, h, w)
    if dy.shape != (n, g.oh, g.ow, c):
        raise ctx.error(errors.InvalidArgumentError,
                        f"grad has shape {list(dy.shape)}, the pooling output shape is {[n, g.oh, g.ow, c]}")
    hp, wp = h + g.pt + g.pb, w + g.pl + g.pr
    if not dy.size:
        return np.zeros(x.shape, dy.dtype)
    rows, cols = _argmax_positions(x, g)
    ni = np.arange(n).reshape(n, 1, 1, 1)
    ci = np.arange(c).reshape(1, 1, 1, c)
    flat = ((ni * hp + rows) * wp + cols) * c + ci  # index into the padded (N, HP, WP, C) image
    out = np.bincount(flat.reshape(-1), weights=dy.reshape(-1), minlength=n * hp * wp * c)
    out = out.reshape(n, hp, wp, c)
    return out[:, g.pt:g.pt + h, g.pl:g.pl + w, :].astype(dy.dtype)


def _max_pool_grad_grad_infer(inputs, attrs):
    x, y, ddx = inputs
    dt = require_same_dtype("MaxPoolGradGrad", inputs)
    n, h, w, c = _rank4("MaxPoolGradGrad", x, "orig_input")
    g = _pool_geometry("MaxPoolGradGrad", attrs, h, w)
    return [spec(dt, [n, g.oh, g.ow, c])]


def _max_pool_grad_grad(ctx, x, y, ddx):
    n, h, w, c = x.shape
    g = _runtime_pool_geometry(ctx, h, w)
    if ddx.shape != x.shape:
        raise ctx.error(errors.InvalidArgumentError, f"grad has shape {list(ddx.shape)}, expected {list(x.shape)}")
    if n * g.oh * g.ow * c == 0:
        return np.zeros((n, g.oh, g.ow, c), ddx.dtype)
    rows, cols = _argmax_positions(x, g)
    padded = _pad(ddx, g)
    ni = np.arange(n).reshape(n, 1, 1, 1)
    ci = np.arange(c).reshape(1, 1, 1, c)
    return padded[ni, rows, cols, ci].astype(ddx.dtype, copy=False)


def _avg_pool_grad_infer(inputs, attrs):
    sizes, dy = inputs
    require_dtype("AvgPoolGrad", dy, FLOATS, "grad")
    n, h, w, c = _sizes_input("AvgPoolGrad", sizes, "orig_input_shape")
    dn, dh, dw, dc = _rank4("AvgPoolGrad", dy, "grad")
    _pool_geometry("AvgPoolGrad", attrs, h, w)
    return [spec(dy.dtype, [_merge(n, dn, "AvgPoolGrad", "batch"), h, w, _merge(c, dc, "AvgPoolGrad", "depth")])]


def _avg_pool_grad(ctx, sizes, dy):
    n, h, w, c = (int(v) for v in np.asarray(sizes).reshape(-1))
    g = _runtime_pool_geometry(ctx, h, w)
    if dy.shape != (n, g.oh, g.ow, c):
        raise ctx.error(errors.InvalidArgumentError,
                        f"grad has shape {list(dy.shape)}, the pooling output shape is {[n, g.oh, g.ow, c]}")
    wd = _work_dtype(dy.dtype)
    share = dy.astype(wd, copy=False) / _avg_counts(g, h, w, wd)
    cols = np.broadcast_to(share[:, :, :, None, None, :], (n, g.oh, g.ow, g.kh, g.kw, c))
    return _scatter_windows(cols, g, n, h, w, c).astype(dy.dtype, copy=False)


def _max_pool_argmax_infer(inputs, attrs):
    x = inputs[0]
    require_dtype("MaxPoolWithArgmax", x, REAL, "input")
    n, h, w, c = _rank4("MaxPoolWithArgmax", x, "input")
    g = _pool_geometry("MaxPoolWithArgmax", attrs, h, w)
    targmax = dtypes.as_dtype(attrs.get("Targmax", dtypes.int64))
    if targmax not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"MaxPoolWithArgmax: Targmax must be int32 or int64, got {targmax.name}")
    return [spec(x.dtype, [n, g.oh, g.ow, c]), spec(targmax, [n, g.oh, g.ow, c])]


def _max_pool_with_argmax(ctx, x):
    n, h, w, c = x.shape
    g = _runtime_pool_geometry(ctx, h, w)
    out = _max_pool(ctx, x)
    targmax = ctx.node.outputs[1].dtype.np_dtype
    if out.size == 0:
        return out, np.zeros(out.shape, targmax)
    rows, cols = _argmax_positions(x, g)
    y, xx = rows - g.pt, cols - g.pl
    flat = (y * w + xx) * c + np.arange(c).reshape(1, 1, 1, c)
    if ctx.attrs.get("include_batch_in_index", False):
        flat = flat + np.arange(n).reshape(n, 1, 1, 1) * (h * w * c)
    return out, np.broadcast_to(flat, out.shape).astype(targmax)


_POOL_DOC = "attrs ksize, strides, padding (SAME/VALID), data_format (NHWC only)."
register_op("MaxPool", infer=_pool_infer("MaxPool"), kernel=_max_pool, num_inputs=1, op_class="opaque",
            doc="Max over each window (padding never wins); " + _POOL_DOC)
register_op("AvgPool", infer=_pool_infer("AvgPool"), kernel=_avg_pool, num_inputs=1, op_class="opaque",
            doc="Mean over the real elements of each window (SAME padding is not counted); " + _POOL_DOC)
register_op("MaxPoolWithArgmax", infer=_max_pool_argmax_infer, kernel=_max_pool_with_argmax, num_inputs=1,
            op_class="opaque", doc="(input) -> (max pool, flat index (y * W + x) * C + c of each first max; "
                                   "with include_batch_in_index also + b * H * W * C). " + _POOL_DOC)
register_op("MaxPoolGrad", infer=_max_pool_grad_infer, kernel=_max_pool_grad, num_inputs=3, op_class="opaque",
            doc="(orig_input, orig_output, grad): grad routed to the first max of each window. " + _POOL_DOC)
register_op("MaxPoolGradGrad", infer=_max_pool_grad_grad_infer, kernel=_max_pool_grad_grad, num_inputs=3,
            op_class="opaque", doc="(orig_input, orig_output, grad of input): gathers at each window's first max.")
register_op("AvgPoolGrad", infer=_avg_pool_grad_infer, kernel=_avg_pool_grad, num_inputs=2, op_class="opaque",
            doc="(orig_input_shape, grad): grad spread evenly over each window's real elements. " + _POOL_DOC)


# --- losses -------------------------------------------------------------------------

def _l2_loss_infer(inputs, attrs):
    require_dtype("L2Loss", inputs[0], FLOATS, "t")
    return [spec(inputs[0].dtype, [])]


def _l2_loss(ctx, t):
    w = t.astype(_work_dtype(t.dtype), copy=False)
    return np.asarray(np.sum(w * w) / 2, dtype=t.dtype)


register_op("L2Loss", infer=_l2_loss_infer, kernel=_l2_loss, num_inputs=1, op_class="reduction",
            doc="sum(t ** 2) / 2.")


def _xent_infer(inputs, attrs):
    features, labels = inputs
    dt = require_same_dtype("SoftmaxCrossEntropyWithLogits", inputs)
    require_dtype("SoftmaxCrossEntropyWithLogits", features, FLOATS, "features")
    for v, what in ((features, "logits"), (labels, "labels")):
        if v.shape.rank is not None and v.shape.rank != 2:
            raise ValueError(f"{what} must be 2-dimensional, got shape {v.shape}")
    if not features.shape.is_compatible_with(labels.shape):
        raise ValueError(f"logits and labels must be same size: logits_size={features.shape} "
                         f"labels_size={labels.shape}")
    shape = features.shape.merge_with(labels.shape)
    batch = None if shape.rank is None else shape.dims[0]
    return [spec(dt, [batch]), spec(dt, shape if shape.rank is not None else [None, None])]


def _xent(ctx, features, labels):
    if features.shape != labels.shape:
        raise ctx.error(errors.InvalidArgumentError,
                        f"logits and labels must be same size: logits_size={list(features.shape)} "
                        f"labels_size={list(labels.shape)}")
    wd = _work_dtype(features.dtype)
    if features.shape[1] == 0:
        return np.zeros(features.shape[:1], features.dtype), features.copy()
    log_p = _log_softmax_np(features)
    lab = labels.astype(wd, copy=False)
    loss = -np.sum(lab * log_p, axis=-1)
    backprop = np.exp(log_p) - lab
    return loss.astype(features.dtype), backprop.astype(features.dtype)


register_op("SoftmaxCrossEntropyWithLogits", infer=_xent_infer, kernel=_xent, num_inputs=2, op_class="reduction",
            doc="(features [batch, classes], labels same shape) -> (loss [batch], backprop = softmax - labels).")


def _sparse_xent_infer(inputs, attrs):
    features, labels = inputs
    require_dtype("SparseSoftmaxCrossEntropyWithLogits", features, FLOATS, "features")
    require_dtype("SparseSoftmaxCrossEntropyWithLogits", labels, (dtypes.int32, dtypes.int64), "labels")
    if features.shape.rank is not None and features.shape.rank != 2:
        raise ValueError(f"logits must be 2-D, got shape {features.shape}")
    if labels.shape.rank is not None and labels.shape.rank != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    fshape = features.shape if features.shape.rank is not None else TensorShape([None, None])
    batch = _merge(fshape.dims[0], labels.shape.dims[0] if labels.shape.rank else None,
                   "SparseSoftmaxCrossEntropyWithLogits", "logits and labels batch size")
    return [spec(features.dtype, [batch]), spec(features.dtype, [batch, fshape.dims[1]])]


def _sparse_xent(ctx, features, labels):
    b, c = features.shape
    if labels.shape != (b,):
        raise ctx.error(errors.InvalidArgumentError,
                        f"logits and labels must have the same first dimension, got logits shape "
                        f"{list(features.shape)} and labels shape {list(labels.shape)}")
    bad = (labels < 0) | (labels >= c)
    if np.any(bad):
        first = int(labels[np.argmax(bad)])
        raise ctx.error(errors.InvalidArgumentError,
                        f"Received a label value of {first} which is outside the valid range of [0, {c}).  "
                        f"Label values: {' '.join(str(int(v)) for v in labels)}")
    if c == 0:
        return np.zeros((b,), features.dtype), features.copy()
    log_p = _log_softmax_np(features)
    rows = np.arange(b)
    loss = -log_p[rows, labels]
    backprop = np.exp(log_p)
    backprop[rows, labels] -= 1
    return loss.astype(features.dtype), backprop.astype(features.dtype)


register_op("SparseSoftmaxCrossEntropyWithLogits", infer=_sparse_xent_infer, kernel=_sparse_xent, num_inputs=2,
            op_class="reduction",
            doc="(features [batch, classes], labels [batch] int) -> (loss [batch], backprop [batch, classes]).")


# --- in_top_k -----------------------------------------------------------------------

def _in_top_k_infer(inputs, attrs):
    predictions, targets, k = inputs
    require_dtype("InTopKV2", predictions, FLOATS, "predictions")
    require_dtype("InTopKV2", targets, (dtypes.int32, dtypes.int64), "targets")
    if k.dtype != targets.dtype:
        raise TypeError(f"InTopKV2: k must have the targets' dtype {targets.dtype.name}, got {k.dtype.name}")
    if predictions.shape.rank is not None and predictions.shape.rank != 2:
        raise ValueError(f"predictions must be 2-dimensional, got shape {predictions.shape}")
    if targets.shape.rank is not None and targets.shape.rank != 1:
        raise ValueError(f"targets must be 1-dimensional, got shape {targets.shape}")
    if k.shape.rank is not None and k.shape.rank != 0:
        raise ValueError(f"k must be a scalar, got shape {k.shape}")
    batch = _merge(predictions.shape.dims[0] if predictions.shape.rank else None,
                   targets.shape.dims[0] if targets.shape.rank else None, "InTopKV2", "batch size")
    return [spec(dtypes.bool_, [batch])]


def _in_top_k(ctx, predictions, targets, k):
    b, c = predictions.shape
    if targets.shape != (b,):
        raise ctx.error(errors.InvalidArgumentError,
                        f"First dimension of predictions {b} must match length of targets {targets.shape[0]}")
    valid = (targets >= 0) & (targets < c)
    safe = np.where(valid, targets, 0)
    target_pred = predictions[np.arange(b), safe]
    greater = np.sum(predictions > target_pred[:, None], axis=1)
    finite = np.all(np.isfinite(predictions), axis=1)
    return valid & finite & (greater < int(k))


register_op("InTopKV2", infer=_in_top_k_infer, kernel=_in_top_k, num_inputs=3, op_class="opaque",
            doc="Whether targets[i] is among the k largest predictions[i] (ties count in; non-finite rows: False).")


# --- local response normalization ------------------------------------------------------

def lrn_attrs(attrs: dict) -> tuple[int, float, float, float]:
    """LRN's (depth_radius, bias, alpha, beta) with TF's defaults (the kernel and the lowering)."""
    return (int(attrs.get("depth_radius", 5)), float(attrs.get("bias", 1.0)), float(attrs.get("alpha", 1.0)),
            float(attrs.get("beta", 0.5)))


def _window_sum(v: np.ndarray, r: int) -> np.ndarray:
    """sum(v[..., c - r : c + r + 1]) for every c of the last axis (clipped at the ends)."""
    pad = [(0, 0)] * (v.ndim - 1) + [(r + 1, r)]
    cs = np.cumsum(np.pad(v, pad), axis=-1)
    return cs[..., 2 * r + 1:] - cs[..., :-(2 * r + 1)]


def _lrn_infer(inputs, attrs):
    x = inputs[0]
    require_dtype("LRN", x, FLOATS, "input")
    _rank4("LRN", x, "input")
    if lrn_attrs(attrs)[0] < 0:
        raise ValueError("LRN: depth_radius must be >= 0")
    return same_as_input(inputs, attrs)


def _lrn(ctx, x):
    r, bias, alpha, beta = lrn_attrs(ctx.attrs)
    w = x.astype(_work_dtype(x.dtype), copy=False)
    norm = bias + alpha * _window_sum(w * w, r)
    return (w * norm ** -beta).astype(x.dtype, copy=False)


def _lrn_grad_infer(inputs, attrs):
    dt = require_same_dtype("LRNGrad", inputs)
    return [spec(dt, inputs[1].shape)]


def _lrn_grad(ctx, g, x, y):
    r, bias, alpha, beta = lrn_attrs(ctx.attrs)
    wd = _work_dtype(x.dtype)
    g, x, y = (a.astype(wd, copy=False) for a in (g, x, y))
    norm = bias + alpha * _window_sum(x * x, r)
    out = g * norm ** -beta - 2 * alpha * beta * x * _window_sum(g * y / norm, r)
    return out.astype(ctx.node.outputs[0].dtype.np_dtype, copy=False)


register_op("LRN", infer=_lrn_infer, kernel=_lrn, num_inputs=1, op_class="opaque",
            doc="x / (bias + alpha * sum of x**2 over depth_radius neighbouring channels) ** beta.")
register_op("LRNGrad", infer=_lrn_grad_infer, kernel=_lrn_grad, num_inputs=3, op_class="opaque",
            doc="(input_grads, input_image, output_image) -> d input of LRN.")
