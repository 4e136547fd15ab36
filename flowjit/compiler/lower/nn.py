"""Lowering rules of the nn ops (flowjit/ir/ops/nn.py): activations and their gradients,
BiasAdd, L2Loss, softmax and the cross-entropy losses, NHWC convolutions and pooling (im2col
plus a matmul, windows as index maps), LRN and InTopKV2.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ir import dtypes
from ...ir.ops.nn import lrn_attrs
from ..lir import L, work_dtype
from .array import slice_node
from .core import Translator, Unsupported, require, out_dtype, out_shape, rule


# --- nn activations ---------------------------------------------------------------------------

def _zero(t, x):
    return t.const(0, x.dtype)


@rule("Relu")
def _relu(t, node, ins):
    x = ins[0]
    return [t.binary("max", x, _zero(t, x))]


@rule("Relu6")
def _relu6(t, node, ins):
    x = ins[0]
    return [t.binary("min", t.binary("max", x, _zero(t, x)), t.const(6, x.dtype))]


@rule("Elu")
def _elu(t, node, ins):
    x = ins[0]
    neg = t.unary("expm1", t.binary("min", x, _zero(t, x)))
    return [t.select(t.cmp(">", x, _zero(t, x)), x, neg)]


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@rule("Selu")
def _selu(t, node, ins):
    x = ins[0]
    neg = t.binary("mul", t.const(SELU_SCALE * SELU_ALPHA, x.dtype), t.unary("expm1", t.binary("min", x, _zero(t, x))))
    pos = t.binary("mul", t.const(SELU_SCALE, x.dtype), x)
    return [t.select(t.cmp(">", x, _zero(t, x)), pos, neg)]


@rule("LeakyRelu")
def _leaky(t, node, ins):
    x = ins[0]
    alpha = float(np.asarray(node.attrs.get("alpha", 0.2), x.dtype.np_dtype))
    return [t.select(t.cmp(">", x, _zero(t, x)), x, t.binary("mul", x, t.const(alpha, x.dtype)))]


@rule("Softsign")
def _softsign(t, node, ins):
    x = ins[0]
    return [t.binary("div", x, t.binary("add", t.const(1, x.dtype), t.unary("abs", x)))]


@rule("ReluGrad")
def _relu_grad(t, node, ins):
    g, x = ins
    return [t.select(t.cmp(">", x, _zero(t, x)), g, _zero(t, g))]


@rule("Relu6Grad")
def _relu6_grad(t, node, ins):
    g, x = ins
    inside = t.binary("and", t.cmp(">", x, _zero(t, x)), t.cmp("<", x, t.const(6, x.dtype)))
    return [t.select(inside, g, _zero(t, g))]


@rule("EluGrad")
def _elu_grad(t, node, ins):
    g, y = ins
    return [t.select(t.cmp("<", y, _zero(t, y)), t.binary("mul", g, t.binary("add", y, t.const(1, y.dtype))), g)]


@rule("SeluGrad")
def _selu_grad(t, node, ins):
    g, y = ins
    neg = t.binary("mul", g, t.binary("add", y, t.const(SELU_SCALE * SELU_ALPHA, y.dtype)))
    return [t.select(t.cmp("<", y, _zero(t, y)), neg, t.binary("mul", g, t.const(SELU_SCALE, g.dtype)))]


@rule("LeakyReluGrad")
def _leaky_grad(t, node, ins):
    g, x = ins
    alpha = float(np.asarray(node.attrs.get("alpha", 0.2), g.dtype.np_dtype))
    return [t.select(t.cmp(">", x, _zero(t, x)), g, t.binary("mul", g, t.const(alpha, g.dtype)))]


@rule("SoftplusGrad")
def _softplus_grad(t, node, ins):
    g, x = ins
    return [t.binary("mul", g, t.unary("sigmoid", x))]


@rule("SoftsignGrad")
def _softsign_grad(t, node, ins):
    g, x = ins
    d = t.binary("add", t.const(1, x.dtype), t.unary("abs", x))
    return [t.binary("div", g, t.binary("mul", d, d))]


@rule("BiasAdd")
def _bias_add(t, node, ins):
    x, b = ins
    fmt = node.attrs.get("data_format", "NHWC")
    if fmt in ("NCHW", "NCW", "NCDHW", "NC..."):
        b = t.reshape(b, (b.shape[0],) + (1,) * (x.rank - 2))
    else:
        require(fmt in ("NHWC", "NWC", "NDHWC", "N...C"))
    return [t.binary("add", x, b)]


@rule("BiasAddGrad")
def _bias_add_grad(t, node, ins):
    g = ins[0]
    fmt = node.attrs.get("data_format", "NHWC")
    axis = 1 if fmt in ("NCHW", "NCW", "NCDHW", "NC...") else g.rank - 1
    return [_sum_work(t, g, [a for a in range(g.rank) if a != axis], False)]


def _sum_work(t: Translator, x: L, axes, keepdims: bool) -> L:
    """A float sum accumulated in the work dtype (float16 in float32), rounded once."""
    wd = work_dtype(x.dtype)
    return t.cast(t.reduce("sum", t.cast(x, wd), axes, keepdims), x.dtype)


@rule("L2Loss")
def _l2_loss(t, node, ins):
    x = ins[0]
    require(x.dtype.is_floating)
    w = t.cast(x, work_dtype(x.dtype))
    s = t.reduce("sum", t.binary("mul", w, w), range(x.rank), False)
    return [t.cast(t.binary("div", s, t.const(2, w.dtype)), x.dtype)]


# --- softmax and losses -------------------------------------------------------------------------

def _log_softmax(t: Translator, x: L) -> tuple[L, L, L]:
    """(shifted, log-sum-exp of shifted, exp(shifted)) over the last axis, in x's dtype."""
    last = x.rank - 1
    m = t.reduce("max", x, [last], True)
    s = t.binary("sub", x, m)
    e = t.unary("exp", s)
    z = t.reduce("sum", e, [last], True)
    return s, z, e


@rule("Softmax", "LogSoftmax")
def _softmax(t, node, ins):
    x = ins[0]
    require(x.dtype.is_floating and x.rank >= 1)
    if x.shape[-1] == 0:
        return [x]
    w = t.cast(x, work_dtype(x.dtype))
    s, z, e = _log_softmax(t, w)
    if node.op == "Softmax":
        out = t.binary("div", e, z)
    else:
        out = t.binary("sub", s, t.unary("log", z))
    return [t.cast(out, x.dtype)]


@rule("SoftmaxCrossEntropyWithLogits")
def _xent(t, node, ins):
    x, labels = ins
    require(x.dtype.is_floating and x.rank == 2 and x.shape == labels.shape and x.shape[1] > 0)
    wd = work_dtype(x.dtype)
    w, lab = t.cast(x, wd), t.cast(labels, wd)
    s, z, e = _log_softmax(t, w)
    log_p = t.binary("sub", s, t.unary("log", z))
    loss = t.unary("neg", t.reduce("sum", t.binary("mul", lab, log_p), [1], False))
    backprop = t.binary("sub", t.binary("div", e, z), lab)
    return [t.cast(loss, x.dtype), t.cast(backprop, x.dtype)]


@rule("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(t, node, ins):
    x, labels = ins
    require(x.dtype.is_floating and x.rank == 2 and labels.shape == (x.shape[0],) and x.shape[1] > 0)
    b, c = x.shape
    wd = work_dtype(x.dtype)
    w = t.cast(x, wd)
    lab = t.node("check", [labels], labels.dtype, labels.shape, lo=0, hi=c, what="label")
    lab = t.reshape(t.cast(lab, dtypes.int64), (b, 1))
    s, z, e = _log_softmax(t, w)
    log_p = t.binary("sub", s, t.unary("log", z))
    onehot = t.cmp("==", t.iota((b, c), 1), lab)
    loss = t.unary("neg", t.reduce("sum", t.select(onehot, log_p, t.const(0, wd)), [1], False))
    backprop = t.binary("sub", t.binary("div", e, z), t.cast(onehot, wd))
    return [t.cast(loss, x.dtype), t.cast(backprop, x.dtype)]


# --- convolution and pooling (NHWC) ------------------------------------------------------------
#
# A window node gathers every (kh, kw) tap of every output position: shape
# [N, OH, OW, KH, KW, C], `pad` where the tap falls outside the input. Convolutions become
# window -> reshape -> matmul (im2col + GEMM), pools become reductions over the window axes,
# and the input gradients are windows over the output gradient dilated by the stride (the
# transposed convolution).

def window(t: Translator, x: L, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, pt: int, pl: int,
           oh: int, ow: int, pad: Any = 0.0, lhs: tuple[int, int] = (1, 1)) -> L:
    n, h, w, c = x.shape
    pad_node = t.const(pad, x.dtype)
    return t.node("window", [x, pad_node], x.dtype, (n, oh, ow, kh, kw, c), kh=kh, kw=kw, sh=sh, sw=sw, dh=dh,
                  dw=dw, pt=pt, pl=pl, lhs=tuple(lhs))


def _geometry(node: Any, x_shape, k_shape, pool: bool = False):
    from ...ir.ops import nn as nn_ops

    h, w = x_shape[1], x_shape[2]
    try:
        if pool:
            return nn_ops._pool_geometry(node.op, node.attrs, h, w)
        return nn_ops._geometry_from_attrs(node.op, node.attrs, h, w, k_shape[0], k_shape[1])
    except (ValueError, AttributeError) as e:
        raise Unsupported(f"geometry: {e}") from None


def _float_conv(x: L) -> None:
    require(x.dtype in (dtypes.float16, dtypes.float32, dtypes.float64), "native convolution dtype")


def _work(t: Translator, *xs: L) -> list[L]:
    """Convolution operands in the work dtype: float16 is computed in float32 and rounded once
    at the end (as the reference)."""
    return [t.cast(x, work_dtype(x.dtype)) for x in xs]


def _im2col(t, x: L, g, kh: int, kw: int) -> L:
    """The patch matrix of a convolution: [n*oh*ow, kh*kw*c] windows of x (read in place by GEMM)."""
    n, _, _, c = x.shape
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    return t.reshape(win, (n * g.oh * g.ow, kh * kw * c))


@rule("Conv2D")
def _conv2d(t, node, ins):
    _float_conv(ins[0])
    x, f = _work(t, *ins)
    g = _geometry(node, x.shape, f.shape)
    n, h, w, c = x.shape
    kh, kw, ci, co = f.shape
    a = _im2col(t, x, g, kh, kw)
    m = t.node("matmul", [a, t.reshape(f, (kh * kw * ci, co))], x.dtype, (n * g.oh * g.ow, co), ta=False, tb=False)
    return [t.cast(t.reshape(m, out_shape(node)), out_dtype(node))]


@rule("Conv2DBackpropFilter")
def _conv2d_filter(t, node, ins):
    _float_conv(ins[0])
    x, dy = _work(t, ins[0], ins[2])
    kh, kw, ci, co = out_shape(node)
    g = _geometry(node, x.shape, (kh, kw))
    n, h, w, c = x.shape
    a = _im2col(t, x, g, kh, kw)
    d = t.reshape(dy, (n * g.oh * g.ow, co))
    m = t.node("matmul", [a, d], x.dtype, (kh * kw * c, co), ta=True, tb=False)
    return [t.cast(t.reshape(m, (kh, kw, ci, co)), out_dtype(node))]


@rule("Conv2DBackpropInput")
def _conv2d_input(t, node, ins):
    _float_conv(ins[2])
    f, dy = _work(t, ins[1], ins[2])
    n, h, w, c = out_shape(node)
    kh, kw, ci, co = f.shape
    g = _geometry(node, (n, h, w, c), (kh, kw))
    require(dy.shape == (n, g.oh, g.ow, co))
    # the transposed convolution: a stride-1 window over dy dilated by the stride, flipped filter
    win = window(t, dy, kh, kw, 1, 1, g.dh, g.dw, (kh - 1) * g.dh - g.pt, (kw - 1) * g.dw - g.pl, h, w,
                 lhs=(g.sh, g.sw))
    a = t.reshape(win, (n * h * w, kh * kw * co))
    flipped = slice_node(t, f, [kh - 1, kw - 1, 0, 0], [-1, -1, 1, 1], f.shape)
    wf = t.node("transpose", [flipped], f.dtype, (kh, kw, co, ci), perm=(0, 1, 3, 2))
    m = t.node("matmul", [a, t.reshape(wf, (kh * kw * co, ci))], dy.dtype, (n * h * w, ci), ta=False, tb=False)
    return [t.cast(t.reshape(m, (n, h, w, c)), out_dtype(node))]


@rule("DepthwiseConv2dNative")
def _depthwise(t, node, ins):
    _float_conv(ins[0])
    x, f = _work(t, *ins)
    g = _geometry(node, x.shape, f.shape)
    n, h, w, c = x.shape
    kh, kw, ci, mult = f.shape
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    prod = t.binary("mul", t.reshape(win, win.shape + (1,)), t.reshape(f, (1, 1, 1, kh, kw, ci, mult)))
    s = t.reduce("sum", prod, [3, 4], False)
    return [t.cast(t.reshape(s, out_shape(node)), out_dtype(node))]


def _pool_counts(g: Any, h: int, w: int) -> np.ndarray:
    """Real (unpadded) elements of every pooling window, shape [1, OH, OW, 1]."""
    def one(out, stride, before, k, size):
        starts = np.arange(out) * stride - before
        return np.minimum(starts + k, size) - np.maximum(starts, 0)
    ch = one(g.oh, g.sh, g.pt, g.kh, h)
    cw = one(g.ow, g.sw, g.pl, g.kw, w)
    return (ch[:, None] * cw[None, :]).reshape(1, g.oh, g.ow, 1)


@rule("MaxPool")
def _max_pool(t, node, ins):
    x = ins[0]
    require(x.dtype.is_floating or x.dtype.is_integer)
    g = _geometry(node, x.shape, None, pool=True)
    low = -np.inf if x.dtype.is_floating else int(np.iinfo(x.dtype.np_dtype).min)
    win = window(t, x, g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow, pad=low)
    return [t.reduce("max", win, [3, 4], False)]


@rule("AvgPool")
def _avg_pool(t, node, ins):
    x = ins[0]
    require(x.dtype.is_floating)
    n, h, w, c = x.shape
    g = _geometry(node, x.shape, None, pool=True)
    wd = work_dtype(x.dtype)
    win = window(t, t.cast(x, wd), g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow)
    s = t.reduce("sum", win, [3, 4], False)
    counts = t.array(_pool_counts(g, h, w).astype(wd.np_dtype), wd)
    return [t.cast(t.binary("div", s, counts), x.dtype)]


@rule("AvgPoolGrad")
def _avg_pool_grad(t, node, ins):
    _shape, grad = ins
    require(grad.dtype.is_floating)
    n, h, w, c = out_shape(node)
    g = _geometry(node, (n, h, w, c), None, pool=True)
    require(grad.shape == (n, g.oh, g.ow, c))
    wd = work_dtype(grad.dtype)
    counts = t.array(_pool_counts(g, h, w).astype(wd.np_dtype), wd)
    share = t.binary("div", t.cast(grad, wd), counts)
    win = window(t, share, g.kh, g.kw, 1, 1, 1, 1, g.kh - 1 - g.pt, g.kw - 1 - g.pl, h, w, lhs=(g.sh, g.sw))
    return [t.cast(t.reduce("sum", win, [3, 4], False), grad.dtype)]


@rule("MaxPoolGrad")
def _max_pool_grad(t, node, ins):
    """dX[i] = sum over the windows containing i of grad[w] where i is w's first maximum.

    The first maximum of each window (NaN counts as the maximum, as np.argmax has it) is
    found as a position in the input; a transposed window over those positions and the
    gradient then gathers, for every input element, the windows that chose it."""
    x, _y, grad = ins
    require(x.dtype in (dtypes.float32, dtypes.float64))
    n, h, w, c = x.shape
    g = _geometry(node, x.shape, None, pool=True)
    require(grad.shape == (n, g.oh, g.ow, c))
    i64 = dtypes.int64
    win = window(t, x, g.kh, g.kw, g.sh, g.sw, 1, 1, g.pt, g.pl, g.oh, g.ow, pad=-np.inf)
    m = t.reduce("max", win, [3, 4], True)
    is_max = t.binary("or", t.cmp("==", win, m), t.binary("and", t.unary("isnan", win), t.unary("isnan", m)))
    shape6 = win.shape
    tap = t.binary("add", t.binary("mul", t.iota(shape6, 3), t.const(g.kw, i64)), t.iota(shape6, 4))
    first = t.reduce("min", t.select(is_max, tap, t.const(g.kh * g.kw, i64)), [3, 4], False)  # [N,OH,OW,C]
    shape4 = first.shape
    row = t.binary("add", t.binary("sub", t.binary("mul", t.iota(shape4, 1), t.const(g.sh, i64)),
                                   t.const(g.pt, i64)), t.binary("idiv_trunc", first, t.const(g.kw, i64)))
    col = t.binary("add", t.binary("sub", t.binary("mul", t.iota(shape4, 2), t.const(g.sw, i64)),
                                   t.const(g.pl, i64)), t.binary("imod_trunc", first, t.const(g.kw, i64)))
    pos = t.binary("add", t.binary("mul", row, t.const(w, i64)), col)  # where each window's gradient goes
    pt2, pl2 = g.kh - 1 - g.pt, g.kw - 1 - g.pl
    pos_win = window(t, pos, g.kh, g.kw, 1, 1, 1, 1, pt2, pl2, h, w, pad=-1, lhs=(g.sh, g.sw))
    grad_win = window(t, grad, g.kh, g.kw, 1, 1, 1, 1, pt2, pl2, h, w, pad=0.0, lhs=(g.sh, g.sw))
    shape6b = pos_win.shape
    here = t.binary("add", t.binary("mul", t.iota(shape6b, 1), t.const(w, i64)), t.iota(shape6b, 2))
    picked = t.select(t.cmp("==", pos_win, here), grad_win, t.const(0, grad.dtype))
    return [t.reduce("sum", picked, [3, 4], False)]


@rule("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_filter(t, node, ins):
    _float_conv(ins[0])
    x, dy = _work(t, ins[0], ins[2])
    kh, kw, ci, mult = out_shape(node)
    g = _geometry(node, x.shape, (kh, kw))
    n, h, w, c = x.shape
    require(dy.shape == (n, g.oh, g.ow, c * mult))
    win = window(t, x, kh, kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow)
    prod = t.binary("mul", t.reshape(win, win.shape + (1,)), t.reshape(dy, (n, g.oh, g.ow, 1, 1, c, mult)))
    return [t.cast(t.reduce("sum", prod, [0, 1, 2], False), out_dtype(node))]


@rule("DepthwiseConv2dNativeBackpropInput")
def _depthwise_input(t, node, ins):
    _float_conv(ins[2])
    f, dy = _work(t, ins[1], ins[2])
    n, h, w, c = out_shape(node)
    kh, kw, ci, mult = f.shape
    g = _geometry(node, (n, h, w, c), (kh, kw))
    require(dy.shape == (n, g.oh, g.ow, c * mult))
    win = window(t, dy, kh, kw, 1, 1, g.dh, g.dw, (kh - 1) * g.dh - g.pt, (kw - 1) * g.dw - g.pl, h, w,
                 lhs=(g.sh, g.sw))
    flipped = slice_node(t, f, [kh - 1, kw - 1, 0, 0], [-1, -1, 1, 1], f.shape)
    prod = t.binary("mul", t.reshape(win, (n, h, w, kh, kw, c, mult)), t.reshape(flipped, (1, 1, 1, kh, kw, c, mult)))
    return [t.cast(t.reduce("sum", prod, [3, 4, 6], False), out_dtype(node))]


@rule("InTopKV2")
def _in_top_k(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """targets[i] in range, row i all finite, and fewer than k entries strictly greater than
    the target's prediction (ties count in), as the reference kernel."""
    p, targets, k = ins
    require(p.rank == 2 and p.dtype.is_floating and k.rank == 0)
    b, c = p.shape
    require(targets.shape == (b,))
    i64 = dtypes.int64
    w = t.cast(p, work_dtype(p.dtype))
    tg = t.cast(targets, i64)
    valid = t.binary("and", t.cmp(">=", tg, t.const(0, i64)), t.cmp("<", tg, t.const(c, i64)))
    safe = t.reshape(t.select(valid, tg, t.const(0, i64)), (b, 1))
    hit = t.cmp("==", t.iota((b, c), 1), safe)
    target = t.reduce("max", t.select(hit, w, t.const(-np.inf, w.dtype)), [1], True)
    greater = t.reduce("sum", t.cast(t.cmp(">", w, target), i64), [1], False)
    finite = t.reduce("all", t.unary("isfinite", w, dtypes.bool_), [1], False)
    return [t.binary("and", t.binary("and", valid, finite), t.cmp("<", greater, t.cast(k, i64)))]


# --- local response normalization --------------------------------------------------------------------------

def _channel_window_sum(t: Translator, v: L, r: int) -> L:
    """sum(v[..., c - r : c + r + 1]) for every channel c of an NHWC tensor: a 1 x (2r+1)
    window over the channels of v seen as [N, H, C, W], reduced."""
    n, h, w, c = v.shape
    r = min(r, max(c - 1, 0))  # taps beyond the channels add zeros
    vt = t.node("transpose", [v], v.dtype, (n, h, c, w), perm=(0, 1, 3, 2))
    taps = window(t, vt, 1, 2 * r + 1, 1, 1, 1, 1, 0, r, h, c)  # [N, H, C, 1, 2r+1, W]
    s = t.reduce("sum", taps, [3, 4], False)
    return t.node("transpose", [s], v.dtype, (n, h, w, c), perm=(0, 1, 3, 2))


def _lrn_norm(t: Translator, x: L, r: int, bias: float, alpha: float) -> L:
    """bias + alpha * (window sum of x**2)."""
    s = _channel_window_sum(t, t.binary("mul", x, x), r)
    return t.binary("add", t.const(bias, x.dtype), t.binary("mul", t.const(alpha, x.dtype), s))


@rule("LRN")
def _lrn(t: Translator, node: Any, ins: list[L]) -> list[L]:
    x = ins[0]
    require(x.rank == 4 and x.dtype.is_floating)
    r, bias, alpha, beta = lrn_attrs(node.attrs)
    require(r >= 0)
    w = t.cast(x, work_dtype(x.dtype))
    norm = _lrn_norm(t, w, r, bias, alpha)
    return [t.cast(t.binary("mul", w, t.binary("pow", norm, t.const(-beta, w.dtype))), x.dtype)]


@rule("LRNGrad")
def _lrn_grad(t: Translator, node: Any, ins: list[L]) -> list[L]:
    """g * norm**-beta - 2 alpha beta x * (window sum of g y / norm)."""
    g, x, y = ins
    require(x.rank == 4 and x.dtype.is_floating and g.shape == x.shape == y.shape)
    r, bias, alpha, beta = lrn_attrs(node.attrs)
    require(r >= 0)
    wd = work_dtype(x.dtype)
    g, x, y = (t.cast(v, wd) for v in (g, x, y))
    norm = _lrn_norm(t, x, r, bias, alpha)
    first = t.binary("mul", g, t.binary("pow", norm, t.const(-beta, wd)))
    back = _channel_window_sum(t, t.binary("div", t.binary("mul", g, y), norm), r)
    second = t.binary("mul", t.binary("mul", t.const(2 * alpha * beta, wd), x), back)
    return [t.cast(t.binary("sub", first, second), out_dtype(node))]
