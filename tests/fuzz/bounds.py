"""How far a backend may be from the reference: a bound per element, carried through the program.

A fixed tolerance per output cannot work for chains: exp(x) multiplies an input difference by
|x|, t - tanh(y) cancels, one ulp in a float->int cast is a whole integer. So the harness
computes, from the reference's value of every node, a bound d >= |backend - reference| for
every element of every node, op by op:

  * ops the reference and the backends round identically (+ - * /, sqrt, casts, comparisons,
    abs/neg/floor/..., every data-movement op) add nothing: with identical inputs they must
    agree bit for bit, -0.0 included;
  * transcendental ops add ULPS[op] ulp of their result: the bound flowjit/compiler/llvm/mathlib.py
    documents and tests (exp/log 2, log1p 3, tanh/sigmoid/softplus 4, atan 3, pow 2, ...) plus
    2 ulp for the reference's NumPy (float32 is evaluated in float64 and rounded, float64 is
    libm), so "a few ulp"; sin/cos add mathlib's documented 1.35 |x| 2**-53 above
    2**30 pi/2 and are uncertain from 2**53 on, where mathlib calls them meaningless;
  * reductions and matmul may sum in another order: 2(n-1) eps sum|x| (eps = 2**-24 or
    2**-53); mean adds 2 ulp; prod 2 n eps |prod|; softmax, log_softmax and logsumexp add
    (2 ulp(exp) + 2 n) eps relative (or absolute after the log), max and min nothing;
  * a difference already in an input is pushed through the op exactly, by evaluating the op at
    the corners of the input intervals [x - d, x + d] (ops are monotone on each such box, or
    the element is declared uncertain), plus one ulp for rounding the moved result.

An element whose outcome a difference within the bounds could flip (an interval that reaches
a discontinuity or the edge of a domain, a comparison or cast whose operands are within reach,
an order-dependent overflow or underflow, a float->int cast of NaN, inf or an out-of-range
value, which TF leaves undefined) is *uncertain*: d = inf, and it is not compared. A
non-finite reference value with a finite bound must be reproduced exactly. Signs of zero are
compared where they are determined (`signed`); max/min/matmul/softmax-like results do not
define them.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .program import Node, Program

INF = float("inf")
FINFO = {"float32": np.finfo(np.float32), "float64": np.finfo(np.float64)}
EPS = {name: float(info.eps) / 2 for name, info in FINFO.items()}  # unit roundoff

# per op: the mathlib bound (flowjit/compiler/llvm/mathlib.py) + 2 ulp for NumPy
ULPS = {"exp": 4, "expm1": 4, "log": 4, "log1p": 5, "tanh": 6, "sigmoid": 6, "softplus": 6, "sin": 3,
        "cos": 3, "atan": 5, "erf": 3, "pow": 4, "atan2": 5, "rsqrt": 2, "reciprocal": 1, "reduce_mean": 2}
U_EXP, U_LOG = 4, 4
SIN_EXACT = 2.0**30 * np.pi / 2  # mathlib reduces sin/cos exactly below this

_F = {  # float64 versions of the ops, for corner evaluation
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "rsqrt": lambda x: 1 / np.sqrt(x), "tanh": np.tanh,
    "sigmoid": lambda x: 0.5 * (1 + np.tanh(0.5 * x)), "softplus": lambda x: np.logaddexp(0, x),
    "log1p": np.log1p, "expm1": np.expm1, "atan": np.arctan, "reciprocal": lambda x: 1 / x,
    "abs": np.abs, "neg": np.negative, "square": np.square, "relu": lambda x: np.maximum(x, 0),
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "truediv": np.divide,
    "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
    "squared_difference": lambda a, b: np.square(a - b),
}
# interval checks: the op is monotone on the box (else the element is uncertain)
_DOMAIN: dict[str, Callable[..., Any]] = {
    "log": lambda lo, hi: lo > 0, "sqrt": lambda lo, hi: lo >= 0, "rsqrt": lambda lo, hi: lo > 0,
    "log1p": lambda lo, hi: lo > -1, "reciprocal": lambda lo, hi: (lo > 0) | (hi < 0),
}
_CRITICAL = {"abs": 0.0, "square": 0.0}  # an extremum inside the interval is a corner too
_DISCONTINUOUS = {"floor": np.floor, "ceil": np.ceil, "round": np.round, "sign": np.sign}
_SIGNLESS = {"maximum", "minimum", "reduce_max", "reduce_min", "matmul", "softmax", "log_softmax",
             "reduce_logsumexp", "reduce_prod", "reduce_mean", "pow", "atan2"}


class Bound:
    """d: the float64 bound per element (inf = uncertain); signed: zero signs must agree."""

    __slots__ = ("d", "signed")

    def __init__(self, d: np.ndarray, signed: np.ndarray) -> None:
        self.d = d
        self.signed = signed


def _f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x).astype(np.float64)


def spacing(r: np.ndarray, dtype: str) -> np.ndarray:
    """ulp of |r| in `dtype` (the gap to the next float up; the smallest denormal at 0)."""
    if dtype not in FINFO:
        return np.zeros(np.shape(r))
    a = np.abs(np.asarray(r, dtype=np.float64)).astype(dtype)
    with np.errstate(all="ignore"):
        s = np.spacing(np.where(np.isfinite(a), a, 0).astype(dtype))
    return np.abs(s).astype(np.float64)


def _corners(f: Callable[..., Any], xs: list[np.ndarray], ds: list[np.ndarray],
             critical: float | None = None) -> np.ndarray:
    """max |f(corner) - f(x)| over the corners of the box x +- d (in float64)."""
    base = f(*xs)
    worst = np.zeros(np.shape(base))
    n = len(xs)
    for mask in range(2 ** n):
        point = [x + (d if mask >> i & 1 else -d) for i, (x, d) in enumerate(zip(xs, ds))]
        worst = np.fmax(worst, np.abs(f(*point) - base))
    if critical is not None and n == 1:
        inside = (xs[0] - ds[0] <= critical) & (critical <= xs[0] + ds[0])
        worst = np.where(inside, np.fmax(worst, np.abs(f(np.float64(critical)) - base)), worst)
    return np.where(np.isnan(worst) & np.isfinite(base), INF, worst)


def _groups(a: np.ndarray, axis: list[int] | None, out_shape: list[int]) -> np.ndarray:
    """`a` with the reduced axes moved last and flattened: shape out_shape + [n]."""
    rank = a.ndim
    axes = list(range(rank)) if axis is None else sorted({x % rank for x in axis}) if rank else []
    moved = np.moveaxis(a, axes, list(range(rank - len(axes), rank))) if axes else a
    n = int(np.prod([a.shape[x] for x in axes])) if axes else 1
    return moved.reshape(list(out_shape) + [n])


class Bounds:
    """Bounds for every node of `program`, given the reference's value of every node."""

    def __init__(self, program: Program, values: list[np.ndarray]) -> None:
        self.program = program
        self.values = [np.asarray(v) for v in values]
        self.bounds: list[Bound] = []
        with np.errstate(all="ignore"):
            for k, node in enumerate(program["nodes"]):
                self.bounds.append(self._finish(node, self.values[k], self._node(k, node)))

    # --- plumbing -----------------------------------------------------------------------
    def _finish(self, node: Node, r: np.ndarray, b: Bound) -> Bound:
        d = np.broadcast_to(np.asarray(b.d, dtype=np.float64), r.shape).copy()
        d[np.isnan(d)] = INF
        signed = np.broadcast_to(b.signed, r.shape).copy()
        dtype = node.get("dtype", str(r.dtype))
        if dtype in FINFO:
            finite = np.isfinite(r)
            d = np.where(finite | np.isinf(d), d, 0.0)  # a non-finite value is certain or not at all
            reach = np.abs(r.astype(np.float64), where=finite, out=np.zeros(r.shape)) + d
            d = np.where(finite & (reach >= float(FINFO[dtype].max)), INF, d)  # might overflow
            d = np.where(d < 0.25 * spacing(r, dtype), 0.0, d)  # below an ulp: must be equal
        else:
            d = np.where(d > 0, INF, 0.0)
        return Bound(d, signed)

    def _in(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b = self.bounds[k]
        return self.values[k], b.d, b.signed

    def _node(self, k: int, node: Node) -> Bound:
        op = node["op"]
        if op == "input":
            return Bound(np.zeros(self.values[k].shape), np.ones(self.values[k].shape, bool))
        method = getattr(self, "_" + op, None)
        if method is not None:
            return method(node, self.values[k])
        if op in MOVEMENT:
            return self._movement(node)
        return self._elementwise(node, self.values[k])

    # --- elementwise ----------------------------------------------------------------------
    def _elementwise(self, node: Node, r: np.ndarray) -> Bound:
        op, shape = node["op"], r.shape
        ins = [self._in(a) for a in node["args"]]
        xs = [np.broadcast_to(_f64(v), shape) for v, _, _ in ins]
        ds = [np.broadcast_to(d, shape) for _, d, _ in ins]
        signed = np.logical_and.reduce([np.broadcast_to(s, shape) for _, _, s in ins]) if ins else True
        if op in _SIGNLESS:
            signed = np.zeros(shape, bool)
        dirty = np.logical_or.reduce([d > 0 for d in ds])
        dtype = node["dtype"]
        if op == "where":
            c, x, y = ds
            return Bound(np.where(c > 0, INF, np.where(xs[0] != 0, x, y)), signed)
        in_dtype = str(ins[0][0].dtype)
        if in_dtype not in FINFO or dtype == "bool" or op == "cast" or op in _DISCONTINUOUS or op in (
                "floordiv", "floormod", "atan2"):
            return Bound(self._jumpy(op, node, xs, ds, dirty, r), signed)
        d = np.zeros(shape)
        if dirty.any():
            lo, hi = xs[0] - ds[0], xs[0] + ds[0]
            ok = _DOMAIN[op](lo, hi) if op in _DOMAIN else np.ones(shape, bool)
            if op == "pow":
                ok = (lo > 0) | ((xs[0] < 0) & (ds[0] == 0) & (ds[1] == 0))
            if op in ("div", "truediv"):
                ok = (xs[1] - ds[1] > 0) | (xs[1] + ds[1] < 0)
            moved = _corners(_F[op], xs, ds, _CRITICAL.get(op)) if op in _F else (
                np.fmin(ds[0], 2.0) if op in ("sin", "cos") else 1.2 * ds[0])  # erf: |erf'| <= 1.13
            if op == "squared_difference":  # (a - b) is rounded before squaring: 2|a - b| ulp(a - b)
                t = np.abs(xs[0] - xs[1]) + ds[0] + ds[1]
                moved = moved + 2 * t * spacing(t, dtype) + spacing(t, dtype) ** 2
            d = np.where(ok, moved + spacing(np.abs(r) + moved, dtype), INF)
        d = np.where(dirty, d, 0.0) + ULPS.get(op, 0) * spacing(r, dtype)
        d = np.where(np.logical_or.reduce([np.isinf(x) for x in ds]), INF, d)
        if op in ("sin", "cos"):  # mathlib: exact reduction below 2**30 pi/2, then |x| 2**-53, none past 2**53
            ax = np.abs(xs[0])
            d = np.where(ax >= 2.0**53, INF, np.where(ax > SIN_EXACT, d + 1.5 * ax * 2.0**-53, d))
        # a non-finite result from finite inputs that may differ: overflow or domain edge
        shaky = np.logical_or.reduce([np.isfinite(x) & (dd > 0) for x, dd in zip(xs, ds)])
        return Bound(np.where(~np.isfinite(r) & shaky, INF, d), signed)

    def _jumpy(self, op: str, node: Node, xs: list[np.ndarray], ds: list[np.ndarray], dirty: np.ndarray,
               r: np.ndarray) -> np.ndarray:
        """Ops whose result jumps (or is integral): exact, or uncertain near a jump."""
        d = np.where(dirty, INF, 0.0)
        float_in = str(self.values[node["args"][0]].dtype) in FINFO
        if op in ("is_nan", "is_inf", "is_finite"):  # a finite bound keeps a value (non-)finite
            return np.where(np.isinf(ds[0]), INF, 0.0)
        if op == "cast" and float_in:
            x, dx = xs[0], ds[0]
            to = node["to"]
            if to in FINFO:
                moved = dx + np.where(dx > 0, spacing(np.abs(r) + dx, to), 0.0)
                return np.where(~np.isfinite(r) & np.isfinite(x) & (dx > 0), INF, moved)
            if to == "bool":
                return np.where((dx > 0) & (np.abs(x) <= dx), INF, 0.0)
            info = np.iinfo(to)
            t = np.trunc(x)
            bad = ~np.isfinite(x) | (t < info.min) | (t > info.max)  # undefined in TF: not compared
            return np.where(bad | ((dx > 0) & (np.trunc(x - dx) != np.trunc(x + dx))), INF, 0.0)
        if not float_in or op == "cast":
            return d
        if op in _DISCONTINUOUS:
            f = _DISCONTINUOUS[op]
            jump = (f(xs[0] - ds[0]) != f(xs[0])) | (f(xs[0] + ds[0]) != f(xs[0]))
            return np.where(dirty & jump, INF, 0.0)
        if op in ("floordiv", "floormod", "atan2"):
            if op == "atan2":  # |grad atan2| = 1/r; uncertain near the origin and the branch cut
                y, x = xs
                rad = np.hypot(y, x) - ds[0] - ds[1]
                cut = (x - ds[1] <= 0) & (np.abs(y) <= ds[0])
                moved = (ds[0] + ds[1]) / rad
                d = np.where(dirty, np.where((rad > 0) & ~cut, moved + spacing(r, node["dtype"]), INF), 0.0)
                return d + ULPS["atan2"] * spacing(r, node["dtype"])
            a, b = xs
            q = _corners(lambda u, v: np.floor(u / v), xs, ds)
            same = (q == 0) & ((b - ds[1] > 0) | (b + ds[1] < 0)) & np.isfinite(a / b)  # a/b may overflow
            if op == "floordiv":
                return np.where(dirty & ~same, INF, 0.0)
            moved = _corners(lambda u, v: u - np.floor(a / b) * v, xs, ds)
            rounding = spacing(r, node["dtype"]) + spacing(np.floor(a / b) * b, node["dtype"])  # of the product
            return np.where(dirty, np.where(same, moved + rounding, INF), 0.0)
        # comparisons of floats: uncertain where the operand intervals touch
        a, b = xs
        touch = np.abs(a - b) <= ds[0] + ds[1]
        return np.where(dirty & (touch | np.isnan(a - b)), INF, 0.0)

    # --- reductions -----------------------------------------------------------------------
    def _reduce(self, node: Node, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        x, d, s = self._in(node["args"][0])
        out = list(r.shape)
        return (_groups(_f64(x), node["axis"], out), _groups(d, node["axis"], out), _groups(s, node["axis"], out),
                _groups(x, node["axis"], out).shape[-1])

    def _reduce_sum(self, node: Node, r: np.ndarray, mean: bool = False) -> Bound:
        x, d, s, n = self._reduce(node, r)
        dtype = node["dtype"]
        if dtype not in FINFO:
            return Bound(np.max(d, axis=-1, initial=0.0), np.ones(r.shape, bool))
        finite = np.isfinite(x)
        mag = np.sum(np.abs(x), axis=-1, where=finite)
        bound = np.sum(d, axis=-1) + 2 * max(n - 1, 0) * EPS[dtype] * mag
        bound = np.where(mag * (1 + 4 * n * EPS[dtype]) >= float(FINFO[dtype].max), INF, bound)  # order-dependent
        shaky = np.any(finite & (d > 0), axis=-1) & ~np.isfinite(r)
        if mean:
            bound = bound / max(n, 1) + ULPS["reduce_mean"] * spacing(r, dtype)
        return Bound(np.where(shaky, INF, bound), np.all(s, axis=-1))

    def _reduce_mean(self, node: Node, r: np.ndarray) -> Bound:
        return self._reduce_sum(node, r, mean=True)

    def _reduce_prod(self, node: Node, r: np.ndarray) -> Bound:
        x, d, s, n = self._reduce(node, r)
        dtype = node["dtype"]
        if dtype not in FINFO:
            return Bound(np.max(d, axis=-1, initial=0.0), np.ones(r.shape, bool))
        info, ax = FINFO[dtype], np.abs(np.where(np.isfinite(x), x, 1.0))
        big = np.prod(np.where(ax > 1, ax, 1.0), axis=-1)
        small = np.prod(np.where((ax < 1) & (ax > 0), ax, 1.0), axis=-1)
        exact = np.prod(ax, axis=-1)
        moved = np.prod(ax + d, axis=-1) - exact
        bound = moved + 2 * n * EPS[dtype] * exact + n * spacing(0.0, dtype) * big
        order = ((small < float(info.tiny)) & (big > 1)) | ((big > float(info.max)) & (small < 1))
        shaky = np.any(np.isfinite(x) & (d > 0), axis=-1) & ~np.isfinite(r)
        return Bound(np.where(order | shaky, INF, bound), np.zeros(r.shape, bool))

    def _reduce_max(self, node: Node, r: np.ndarray) -> Bound:
        x, d, s, n = self._reduce(node, r)
        return Bound(np.max(d, axis=-1, initial=0.0), np.zeros(r.shape, bool))

    _reduce_min = _reduce_max
    _reduce_all = _reduce_max
    _reduce_any = _reduce_max

    def _reduce_logsumexp(self, node: Node, r: np.ndarray) -> Bound:
        x, d, s, n = self._reduce(node, r)
        dtype = node["dtype"]
        m = np.max(np.where(np.isfinite(x), x, -INF), axis=-1, initial=-INF)
        m = np.where(np.isfinite(m), m, 0.0)
        log_s = np.log(np.sum(np.exp(x - m[..., None]), axis=-1))
        rounding = (2 * U_EXP + 2 * n) * EPS[dtype] + U_LOG * spacing(log_s, dtype) + 3 * spacing(r, dtype)
        shaky = np.any(np.isfinite(x) & (d > 0), axis=-1) & ~np.isfinite(r)
        return Bound(np.where(shaky, INF, np.max(d, axis=-1, initial=0.0) + rounding), np.zeros(r.shape, bool))

    def _argmax(self, node: Node, r: np.ndarray) -> Bound:
        x, d, _ = self._in(node["args"][0])
        x = np.moveaxis(_f64(x), node["axis"], -1)
        d = np.moveaxis(d, node["axis"], -1)
        if not (d > 0).any():
            return Bound(np.zeros(r.shape), np.ones(r.shape, bool))
        sign = 1.0 if node["op"] == "argmax" else -1.0
        best = np.max(np.where(np.isnan(x), -INF, sign * x), axis=-1, initial=-INF)
        reach = np.sum((sign * x + d >= best[..., None] - np.max(d, axis=-1, keepdims=True)), axis=-1)
        return Bound(np.where((reach > 1) | np.any(d > 0, axis=-1) & np.any(np.isnan(x), axis=-1), INF, 0.0),
                     np.ones(r.shape, bool))

    _argmin = _argmax

    # --- softmax family -------------------------------------------------------------------
    def _softmax_parts(self, node: Node) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        x, d, _ = self._in(node["args"][0])
        axis = node["axis"]
        xm, dm = np.moveaxis(_f64(x), axis, -1), np.moveaxis(d, axis, -1)
        return xm, dm, np.max(dm, axis=-1, keepdims=True, initial=0.0), xm.shape[-1]

    def _softmax(self, node: Node, r: np.ndarray) -> Bound:
        x, d, dmax, n = self._softmax_parts(node)
        dtype, axis = node["dtype"], node["axis"]
        out = np.moveaxis(np.abs(_f64(r)), axis, -1)
        rounding = out * (2 * U_EXP + 2 * n + 4) * EPS[dtype] + 4 * spacing(0.0, dtype)
        bound = out * np.expm1(2 * dmax) + rounding
        shaky = np.any(np.isfinite(x) & (d > 0), axis=-1, keepdims=True) & ~np.isfinite(out)
        return Bound(np.moveaxis(np.where(shaky, INF, bound), -1, axis), np.zeros(r.shape, bool))

    def _log_softmax(self, node: Node, r: np.ndarray) -> Bound:
        x, d, dmax, n = self._softmax_parts(node)
        dtype, axis = node["dtype"], node["axis"]
        out = np.moveaxis(_f64(r), axis, -1)
        m = np.max(np.where(np.isnan(x), -INF, x), axis=-1, keepdims=True, initial=-INF)
        log_s = np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))
        log_s = np.where(np.isfinite(log_s), log_s, 0.0)
        rounding = ((2 * U_EXP + 2 * n) * EPS[dtype] + U_LOG * spacing(log_s, dtype) + 2 * spacing(out, dtype)
                    + np.fmin(spacing(np.abs(np.where(np.isfinite(m), m, 0)) + log_s, dtype), log_s))
        bound = d + dmax + rounding
        shaky = np.any(np.isfinite(x) & (d > 0), axis=-1, keepdims=True) & ~np.isfinite(out)
        return Bound(np.moveaxis(np.where(shaky, INF, bound), -1, axis), np.zeros(r.shape, bool))

    # --- matmul ---------------------------------------------------------------------------
    def _matmul(self, node: Node, r: np.ndarray) -> Bound:
        (a, da, _), (b, db, _) = (self._in(k) for k in node["args"])
        a, b = _f64(a), _f64(b)
        if node["transpose_a"]:
            a, da = np.swapaxes(a, -1, -2), np.swapaxes(da, -1, -2)
        if node["transpose_b"]:
            b, db = np.swapaxes(b, -1, -2), np.swapaxes(db, -1, -2)
        dtype, k = node["dtype"], a.shape[-1]
        if dtype not in FINFO:
            dirty = (np.max(da, initial=0.0) > 0) | (np.max(db, initial=0.0) > 0)
            return Bound(np.full(r.shape, INF if dirty else 0.0), np.ones(r.shape, bool))
        fa, fb = np.where(np.isfinite(a), np.abs(a), 0.0), np.where(np.isfinite(b), np.abs(b), 0.0)
        da, db = np.where(np.isfinite(da), da, 1e300), np.where(np.isfinite(db), db, 1e300)
        mag = fa @ fb
        moved = fa @ db + da @ fb + da @ db
        bound = moved + 2 * k * EPS[dtype] * mag + np.where(moved > 0, spacing(np.abs(r) + moved, dtype), 0.0)
        over = (mag + moved) * (1 + 4 * k * EPS[dtype]) >= float(FINFO[dtype].max)
        shaky = (((np.isfinite(a) & (da > 0)).astype(float) @ np.ones(b.shape[-2:]) > 0)
                 | (np.ones(a.shape[-2:]) @ (np.isfinite(b) & (db > 0)).astype(float) > 0)) & ~np.isfinite(r)
        return Bound(np.where(over | shaky, INF, bound), np.zeros(r.shape, bool))

    # --- data movement: move the bounds like the data --------------------------------------
    def _movement(self, node: Node) -> Bound:
        ins = [self._in(k) for k in node["args"]]
        return Bound(MOVEMENT[node["op"]]([d for _, d, _ in ins], node, 0.0),
                     MOVEMENT[node["op"]]([s for _, _, s in ins], node, True))


def _pad(a: np.ndarray, n: Node, fill: Any) -> np.ndarray:
    mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[n["mode"]]
    if mode == "constant":
        return np.pad(a, n["paddings"], mode="constant", constant_values=fill)
    return np.pad(a, n["paddings"], mode=mode)


def _slice(a: np.ndarray, n: Node) -> np.ndarray:
    return a[tuple(slice(b, None if s == -1 else b + s) for b, s in zip(n["begin"], n["size"]))]


MOVEMENT: dict[str, Callable[[list[np.ndarray], Node, Any], np.ndarray]] = {
    "gather": lambda a, n, f: np.take(a[0], np.asarray(n["indices"], dtype=np.int64), axis=n["axis"]),
    "concat": lambda a, n, f: np.concatenate(a, axis=n["axis"]),
    "slice": lambda a, n, f: _slice(a[0], n),
    "strided": lambda a, n, f: a[0][tuple(slice(*s) if isinstance(s, list) else s for s in n["slices"])],
    "tile": lambda a, n, f: np.tile(a[0], n["multiples"]),
    "pad": lambda a, n, f: _pad(a[0], n, f),
    "reshape": lambda a, n, f: np.reshape(a[0], n["to"]),
    "transpose": lambda a, n, f: np.transpose(a[0], n["perm"]),
    "expand_dims": lambda a, n, f: np.expand_dims(a[0], n["axis"]),
    "squeeze": lambda a, n, f: np.squeeze(a[0], axis=None if n["axis"] is None else tuple(n["axis"])),
    "reverse": lambda a, n, f: np.flip(a[0], axis=tuple(n["axis"])),
    "broadcast_to": lambda a, n, f: np.broadcast_to(a[0], n["to"]),
}


def bounds_for(program: Program, values: list[np.ndarray]) -> list[Bound]:
    return Bounds(program, values).bounds
