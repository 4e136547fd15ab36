"""Gradients of the math ops (`@RegisterGradient` per op type; see gradients.py).

Each function receives the forward Operation and dL/d(output) and returns one gradient per
input (None for inputs that take none: integer operands, axes, conditions). Gradients of
broadcasting ops are summed back to each input's shape: statically (two `Sum` nodes, no
reshape) when the static shapes decide which axes were broadcast, else at run time with
`BroadcastGradientArgs` + `Sum` + `Reshape`, as TF does.

Conventions that match TF: Maximum/Minimum give ties to x; Pow's dy is 0 where x <= 0; Sign,
Floor, Ceil, Round and Rint have zero / no gradient; Cumprod divides with div_no_nan (so the
gradient at an exact zero is 0, as in TF); ClipByValue passes the gradient to t where
min <= t <= max and to a bound where t is beyond it.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ...ir.ops.math import normalize_axes, static_axes
from ..ops import math_ops as M
from .gradients import NotDifferentiable, RegisterGradient
from ..framework.tensor import Operation, Tensor, constant


def _array_ops():
    from ..ops import array_ops

    return array_ops


# --- shape helpers ------------------------------------------------------------------------------

def _padded(dims: Sequence[int | None], i: int, n: int) -> int | None:
    """Dim i of a shape right-aligned into rank n (1 where the shape is shorter)."""
    k = i - (n - len(dims))
    return 1 if k < 0 else dims[k]


def _static_reduction(target: Sequence[int | None], out: Sequence[int | None],
                      others: Sequence[Sequence[int | None]]) -> tuple[list[int], list[int]] | None:
    """Which axes of `out` to sum to get back to `target`: (leading axes to drop, axes to keep
    with size 1), or None when the static shapes cannot tell."""
    n, m = len(out), len(target)
    if m > n:
        return None
    lead = list(range(n - m))
    keep: list[int] = []
    for i in range(n - m, n):
        td, od = target[i - (n - m)], out[i]
        if td == 1:
            if od != 1:
                keep.append(i)
        elif td is None and od != 1:
            # target may be 1 here while another input is larger: safe only if none can be
            if not all(_padded(o, i, n) == 1 for o in others):
                return None
    return lead, keep


def _sum_to(grad: Tensor, target: Tensor, others: Sequence[Tensor], out_shape: Any, core: int = 0) -> Tensor:
    """Sum `grad` (shaped like the broadcast result) back to `target`'s shape.

    `others` are the other operands of the broadcast; the last `core` dims never broadcast
    (the matrix dims of a batched matmul).
    """
    out = out_shape.merge_with(grad.shape) if out_shape.is_compatible_with(grad.shape) else grad.shape
    if target.shape.rank is not None and out.rank is not None and all(o.shape.rank is not None for o in others):
        cut = lambda dims: list(dims[:len(dims) - core]) if core else list(dims)  # noqa: E731
        plan = _static_reduction(cut(target.shape.dims), cut(out.dims), [cut(o.shape.dims) for o in others])
        if plan is not None:
            lead, keep = plan
            g = grad
            if lead:
                g = M.reduce_sum(g, lead)
            if keep:
                g = M.reduce_sum(g, [k - len(lead) for k in keep], keepdims=True)
            return g
    array_ops = _array_ops()
    sx = array_ops.shape(target)
    sg = array_ops.shape(grad)
    rx = M._make("BroadcastGradientArgs", [sx, sg], name="BroadcastGradientArgs")
    return array_ops.reshape(M.reduce_sum(grad, rx), sx)


def _reduce_pair(op: Operation, gx: Tensor | None, gy: Tensor | None) -> tuple[Tensor | None, Tensor | None]:
    x, y = op.inputs[0], op.inputs[1]
    out = op.outputs[0].shape
    return (None if gx is None else _sum_to(gx, x, [y], out),
            None if gy is None else _sum_to(gy, y, [x], out))


def _zeros_like(t: Tensor) -> Tensor:
    return _array_ops().zeros_like(t)


def _scalar(value: float, like: Tensor) -> Tensor:
    return constant(np.asarray(value, dtype=like.dtype.np_dtype))


# --- arithmetic ---------------------------------------------------------------------------------

@RegisterGradient("AddV2")
def _add_grad(op: Operation, grad: Tensor):
    return _reduce_pair(op, grad, grad)


RegisterGradient("Add")(_add_grad)


@RegisterGradient("Sub")
def _sub_grad(op: Operation, grad: Tensor):
    return _reduce_pair(op, grad, M.negative(grad))


@RegisterGradient("Mul")
def _mul_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    return _reduce_pair(op, M.multiply(grad, y), M.multiply(x, grad))


@RegisterGradient("RealDiv")
def _real_div_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    gx = M.realdiv(grad, y)
    gy = M.multiply(grad, M.realdiv(M.realdiv(M.negative(x), y), y))
    return _reduce_pair(op, gx, gy)


RegisterGradient("Div")(_real_div_grad)  # only float inputs take gradients


@RegisterGradient("DivNoNan")
def _div_no_nan_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    gx = M.div_no_nan(grad, y)
    gy = M.multiply(grad, M.div_no_nan(M.div_no_nan(M.negative(x), y), y))
    return _reduce_pair(op, gx, gy)


@RegisterGradient("MulNoNan")
def _mul_no_nan_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    return _reduce_pair(op, M.multiply_no_nan(grad, y), M.multiply_no_nan(x, grad))


@RegisterGradient("FloorMod")
def _floor_mod_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    return _reduce_pair(op, grad, M.multiply(grad, M.negative(M.floor_div(x, y))))


@RegisterGradient("TruncateMod")
def _truncate_mod_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    return _reduce_pair(op, grad, M.multiply(grad, M.negative(M.truncatediv(x, y))))


@RegisterGradient("FloorDiv")
def _floor_div_grad(op: Operation, grad: Tensor):
    return None, None


@RegisterGradient("TruncateDiv")
def _truncate_div_grad(op: Operation, grad: Tensor):
    return None, None


@RegisterGradient("Pow")
def _pow_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    z = op.outputs[0]
    gx = M.multiply(grad, M.multiply(y, M.pow(x, M.subtract(y, 1))))
    mask = M.greater(x, 0)  # no sensible real d/dy for x <= 0: use 0
    safe_x = M.where(mask, x, _array_ops().ones_like(x))
    log_x = M.where(mask, M.log(safe_x), _zeros_like(x))
    gy = M.multiply(grad, M.multiply(z, log_x))
    return _reduce_pair(op, gx, gy)


def _max_min_grad(op: Operation, grad: Tensor, selector) -> tuple[Tensor | None, Tensor | None]:
    x, y = op.inputs
    zero = _scalar(0, grad)
    xmask = selector(x, y)
    gx = M.where_v2(xmask, grad, zero)
    gy = M.where_v2(xmask, zero, grad)
    return _reduce_pair(op, gx, gy)


@RegisterGradient("Maximum")
def _maximum_grad(op: Operation, grad: Tensor):
    return _max_min_grad(op, grad, M.greater_equal)


@RegisterGradient("Minimum")
def _minimum_grad(op: Operation, grad: Tensor):
    return _max_min_grad(op, grad, M.less_equal)


@RegisterGradient("SquaredDifference")
def _squared_difference_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    x_grad = M.multiply(M.multiply(grad, 2.0), M.subtract(x, y))
    return _reduce_pair(op, x_grad, M.negative(x_grad))


@RegisterGradient("Atan2")
def _atan2_grad(op: Operation, grad: Tensor):
    y, x = op.inputs
    grad_inv = M.realdiv(grad, M.add(M.square(x), M.square(y)))
    return _reduce_pair(op, M.multiply(x, grad_inv), M.multiply(M.negative(y), grad_inv))


@RegisterGradient("Xlogy")
def _xlogy_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    not_zero_x = M.cast(M.not_equal(x, 0), x.dtype)
    return _reduce_pair(op, M.multiply(M.xlogy(not_zero_x, y), grad), M.multiply(M.xdivy(x, y), grad))


@RegisterGradient("Xdivy")
def _xdivy_grad(op: Operation, grad: Tensor):
    x, y = op.inputs
    not_zero_x = M.cast(M.not_equal(x, 0), x.dtype)
    partial_y = M.xdivy(M.negative(x), M.square(y))
    return _reduce_pair(op, M.multiply(M.xdivy(not_zero_x, y), grad), M.multiply(partial_y, grad))


@RegisterGradient("AddN")
def _add_n_grad(op: Operation, grad: Tensor):
    return [grad] * len(op.inputs)


# --- unary ----------------------------------------------------------------------------------------

@RegisterGradient("Neg")
def _neg_grad(op: Operation, grad: Tensor):
    return M.negative(grad)


@RegisterGradient("Abs")
def _abs_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.sign(op.inputs[0]))


@RegisterGradient("Sign")
def _sign_grad(op: Operation, grad: Tensor):
    return _zeros_like(op.inputs[0])


@RegisterGradient("Square")
def _square_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.multiply(op.inputs[0], 2.0))


@RegisterGradient("Sqrt")
def _sqrt_grad(op: Operation, grad: Tensor):
    return M.realdiv(M.multiply(grad, 0.5), op.outputs[0])


@RegisterGradient("Rsqrt")
def _rsqrt_grad(op: Operation, grad: Tensor):
    y = op.outputs[0]
    return M.multiply(M.multiply(grad, -0.5), M.multiply(M.square(y), y))


@RegisterGradient("Reciprocal")
def _reciprocal_grad(op: Operation, grad: Tensor):
    y = op.outputs[0]
    return M.multiply(M.negative(grad), M.square(y))


@RegisterGradient("Exp")
def _exp_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, op.outputs[0])


@RegisterGradient("Expm1")
def _expm1_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.exp(op.inputs[0]))


@RegisterGradient("Log")
def _log_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.reciprocal(op.inputs[0]))


@RegisterGradient("Log1p")
def _log1p_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.reciprocal(M.add(op.inputs[0], 1)))


@RegisterGradient("Sin")
def _sin_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.cos(op.inputs[0]))


@RegisterGradient("Cos")
def _cos_grad(op: Operation, grad: Tensor):
    return M.multiply(M.negative(grad), M.sin(op.inputs[0]))


@RegisterGradient("Tan")
def _tan_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.square(M.reciprocal(M.cos(op.inputs[0]))))


@RegisterGradient("Asin")
def _asin_grad(op: Operation, grad: Tensor):
    x = op.inputs[0]
    return M.multiply(grad, M.rsqrt(M.subtract(_scalar(1, x), M.square(x))))


@RegisterGradient("Acos")
def _acos_grad(op: Operation, grad: Tensor):
    x = op.inputs[0]
    return M.multiply(M.negative(grad), M.rsqrt(M.subtract(_scalar(1, x), M.square(x))))


@RegisterGradient("Atan")
def _atan_grad(op: Operation, grad: Tensor):
    x = op.inputs[0]
    return M.realdiv(grad, M.add(M.square(x), 1))


@RegisterGradient("Sinh")
def _sinh_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.cosh(op.inputs[0]))


@RegisterGradient("Cosh")
def _cosh_grad(op: Operation, grad: Tensor):
    return M.multiply(grad, M.sinh(op.inputs[0]))


@RegisterGradient("Asinh")
def _asinh_grad(op: Operation, grad: Tensor):
    return M.realdiv(grad, M.cosh(op.outputs[0]))


@RegisterGradient("Acosh")
def _acosh_grad(op: Operation, grad: Tensor):
    return M.realdiv(grad, M.sinh(op.outputs[0]))


@RegisterGradient("Atanh")
def _atanh_grad(op: Operation, grad: Tensor):
    x = op.inputs[0]
    return M.realdiv(grad, M.subtract(_scalar(1, x), M.square(x)))


@RegisterGradient("Tanh")
def _tanh_grad(op: Operation, grad: Tensor):
    y = op.outputs[0]
    return M.multiply(grad, M.subtract(_scalar(1, y), M.square(y)))


@RegisterGradient("Sigmoid")
def _sigmoid_grad(op: Operation, grad: Tensor):
    y = op.outputs[0]
    return M.multiply(grad, M.multiply(y, M.subtract(_scalar(1, y), y)))


def _scaled_gaussian_grad(op: Operation, grad: Tensor, coefficient: float) -> Tensor:
    """grad * coefficient * exp(-x^2), the gradient of Erf (2/sqrt(pi)) and Erfc (-2/sqrt(pi))."""
    x = op.inputs[0]
    c = _scalar(coefficient, x)
    return M.multiply(M.multiply(grad, c), M.exp(M.negative(M.square(x))))


@RegisterGradient("Erf")
def _erf_grad(op: Operation, grad: Tensor):
    return _scaled_gaussian_grad(op, grad, 2.0 / np.sqrt(np.pi))


@RegisterGradient("Erfc")
def _erfc_grad(op: Operation, grad: Tensor):
    return _scaled_gaussian_grad(op, grad, -2.0 / np.sqrt(np.pi))


for _op_type in ("Floor", "Ceil", "Round", "Rint"):
    RegisterGradient(_op_type)(lambda op, grad: None)


@RegisterGradient("Cast")
def _cast_grad(op: Operation, grad: Tensor):
    src = op.inputs[0].dtype
    if src.is_floating and grad.dtype.is_floating:
        return M.cast(grad, src)
    return None


# --- select, clip -------------------------------------------------------------------------------

@RegisterGradient("Select")
def _select_grad(op: Operation, grad: Tensor):
    c, x, _ = op.inputs
    zeros = _zeros_like(x)
    return None, M.where(c, grad, zeros), M.where(c, zeros, grad)


@RegisterGradient("SelectV2")
def _select_v2_grad(op: Operation, grad: Tensor):
    c, x, y = op.inputs
    out = op.outputs[0].shape
    zero = _scalar(0, grad)
    gx = M.where_v2(c, grad, zero)
    gy = M.where_v2(c, zero, grad)
    return None, _sum_to(gx, x, [c, y], out), _sum_to(gy, y, [c, x], out)


@RegisterGradient("ClipByValue")
def _clip_by_value_grad(op: Operation, grad: Tensor):
    t, lo, hi = op.inputs
    out = op.outputs[0].shape
    zero = _scalar(0, grad)
    below = M.less(t, lo)
    above = M.greater(t, hi)
    gt = M.where_v2(M.logical_or(below, above), zero, grad)
    glo = M.where_v2(below, grad, zero)
    ghi = M.where_v2(above, grad, zero)
    return gt, _sum_to(glo, lo, [t, hi], out), _sum_to(ghi, hi, [t, lo], out)


# --- matmul ----------------------------------------------------------------------------------------

def _matmul_grads(a: Tensor, b: Tensor, grad: Tensor, ta: bool, tb: bool) -> tuple[Tensor, Tensor]:
    """dL/da, dL/db of a' @ b' (a' = a^T if ta, b' = b^T if tb), batched or not."""
    mm = M.matmul
    if not ta and not tb:
        return mm(grad, b, transpose_b=True), mm(a, grad, transpose_a=True)
    if not ta and tb:
        return mm(grad, b), mm(grad, a, transpose_a=True)
    if ta and not tb:
        return mm(b, grad, transpose_b=True), mm(a, grad)
    return mm(b, grad, transpose_a=True, transpose_b=True), mm(grad, a, transpose_a=True, transpose_b=True)


@RegisterGradient("MatMul")
def _matmul_grad(op: Operation, grad: Tensor):
    a, b = op.inputs
    return _matmul_grads(a, b, grad, op.get_attr("transpose_a"), op.get_attr("transpose_b"))


@RegisterGradient("BatchMatMulV2")
def _batch_matmul_grad(op: Operation, grad: Tensor):
    a, b = op.inputs
    ga, gb = _matmul_grads(a, b, grad, op.get_attr("adj_x"), op.get_attr("adj_y"))
    return _sum_to(ga, a, [b], ga.shape, core=2), _sum_to(gb, b, [a], gb.shape, core=2)


# --- reductions -------------------------------------------------------------------------------------

def _kept(op: Operation, t: Tensor) -> Tensor:
    """`t` (shaped like the reduction's output) reshaped to the keep_dims shape."""
    if op.get_attr("keep_dims"):
        return t
    x, axes_t = op.inputs
    axes = static_axes(axes_t.value)
    rank = x.shape.rank
    array_ops = _array_ops()
    if axes is not None and rank is not None:
        axes = normalize_axes(axes, rank, ValueError)
        dims = [1 if k in axes else d for k, d in enumerate(x.shape.dims)]
        unknown = sum(d is None for d in dims)
        if unknown == 0 or (unknown == 1 and 0 not in dims):
            return array_ops.reshape(t, [-1 if d is None else d for d in dims])
    shape = M._make("ReducedShape", [array_ops.shape(x), axes_t], name="ReducedShape")
    return array_ops.reshape(t, shape)


def _broadcast_like(t: Tensor, x: Tensor) -> Tensor:
    """`t` (keep_dims shape) broadcast to x's shape."""
    if t.shape.is_fully_defined() and x.shape.is_fully_defined() and t.shape == x.shape:
        return t
    array_ops = _array_ops()
    to = getattr(array_ops, "broadcast_to", None)
    if to is None:
        return M.multiply(t, array_ops.ones_like(x))
    target = x.shape.as_list() if x.shape.is_fully_defined() else array_ops.shape(x)
    return to(t, target)


@RegisterGradient("Sum")
def _sum_grad(op: Operation, grad: Tensor):
    return _broadcast_like(_kept(op, grad), op.inputs[0]), None


@RegisterGradient("Mean")
def _mean_grad(op: Operation, grad: Tensor):
    x, y = op.inputs[0], op.outputs[0]
    total = _broadcast_like(_kept(op, grad), x)
    nx, ny = x.shape.num_elements(), y.shape.num_elements()
    if nx is not None and ny is not None:
        factor = _scalar(nx // max(ny, 1), grad)
    else:
        array_ops = _array_ops()
        count_x = M.reduce_prod(array_ops.shape(x))
        count_y = M.maximum(M.reduce_prod(array_ops.shape(y)), 1)
        factor = M.cast(M.floordiv(count_x, count_y), grad.dtype)
    return M.realdiv(total, factor), None


def _max_min_reduction_grad(op: Operation, grad: Tensor):
    x, axes_t = op.inputs
    y_kept = _kept(op, op.outputs[0])
    g_kept = _kept(op, grad)
    indicators = M.cast(M.equal(y_kept, x), grad.dtype)
    num_selected = M._make("Sum", [indicators, axes_t], {"keep_dims": True}, name="Sum")
    return M.multiply(M.realdiv(indicators, num_selected), g_kept), None


RegisterGradient("Max")(_max_min_reduction_grad)
RegisterGradient("Min")(_max_min_reduction_grad)


@RegisterGradient("Prod")
def _prod_grad(op: Operation, grad: Tensor):
    """d prod / d x_i = product of the other elements of x_i's group, zeros included.

    Over axes a1 < a2 < ...: the others along a1 (exclusive cumprods both ways), times the
    others along a2 of the products over a1, and so on; no division, no transposes.
    """
    x, axes_t = op.inputs
    axes = static_axes(axes_t.value)
    if axes is None or x.shape.rank is None:
        raise NotImplementedError(f"the gradient of Prod node '{op.name}' needs statically known reduction axes "
                                  f"and input rank")
    axes = normalize_axes(axes, x.shape.rank, ValueError)
    result = _broadcast_like(_kept(op, grad), x)
    partial = x
    for a in axes:
        left = M.cumprod(partial, a, exclusive=True)
        right = M.cumprod(partial, a, exclusive=True, reverse=True)
        result = M.multiply(result, M.multiply(left, right))
        partial = M.reduce_prod(partial, [a], keepdims=True)
    return result, None


@RegisterGradient("EuclideanNorm")
def _euclidean_norm_grad(op: Operation, grad: Tensor):
    x = op.inputs[0]
    norm = _kept(op, op.outputs[0])
    g = _kept(op, grad)
    return M.realdiv(x, M.realdiv(norm, g)), None


@RegisterGradient("Cumsum")
def _cumsum_grad(op: Operation, grad: Tensor):
    axis = op.inputs[1]
    return M.cumsum(grad, axis, exclusive=op.get_attr("exclusive"), reverse=not op.get_attr("reverse")), None


@RegisterGradient("Cumprod")
def _cumprod_grad(op: Operation, grad: Tensor):
    x, axis = op.inputs
    exclusive, reverse = op.get_attr("exclusive"), op.get_attr("reverse")
    prod = M.cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = M.cumsum(M.multiply(prod, grad), axis, exclusive=exclusive, reverse=not reverse)
    return M.div_no_nan(out, x), None


for _op_type in ("Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr",
                 "LogicalNot", "IsNan", "IsInf", "IsFinite", "Range", "LinSpace", "ArgMax", "ArgMin", "Where",
                 "Any", "All", "BroadcastGradientArgs", "ReducedShape"):
    NotDifferentiable(_op_type)
