"""Vectorizable transcendental functions, emitted inline as branch-free LLVM IR.

The x86 backend has no vector math library: `llvm.exp` in a loop becomes one scalar libm call
per element and stops vectorization. These approximations are straight-line code (range
reduction, polynomial, exponent-bit scaling, and `select`s for the special values), so the
loop vectorizer turns them into AVX2 code. Accuracy, checked over the whole float range by
tests/test_mathlib.py against float64 / long double references:

  exp, expm1, log, log1p   within 2 ulp (float32 and float64)
  tanh, sigmoid, softplus  within 4 ulp

Special values follow IEEE / NumPy: NaN propagates, exp(-inf) = 0, exp(inf) = inf,
log(0) = -inf, log(x < 0) = NaN, tanh(+-inf) = +-1, sigmoid(-inf) = 0.

float16 is computed in float32 by the caller. Coefficients: Cephes (expf, logf) and fdlibm
(log); exp/expm1 of float64 use the Taylor series on |r| <= ln2/2, which is within half an
ulp there at the degree used.
"""

from __future__ import annotations

import math

import llvmlite.ir as ir

from .llvmutil import call_intrinsic

F32 = ir.FloatType()
F64 = ir.DoubleType()
I32 = ir.IntType(32)
I64 = ir.IntType(64)

_LOG2E = 1.4426950408889634


class MathEmitter:
    """Emits math at the builder's position; `x` is a scalar or vector float/double value."""

    def __init__(self, builder: ir.IRBuilder, has_fma: bool = True) -> None:
        self.b = builder
        self.has_fma = has_fma

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _is64(x: ir.Value) -> bool:
        t = x.type.element if isinstance(x.type, ir.VectorType) else x.type
        return isinstance(t, ir.DoubleType)

    def _itype(self, x: ir.Value) -> ir.Type:
        it = I64 if self._is64(x) else I32
        if isinstance(x.type, ir.VectorType):
            return ir.VectorType(it, x.type.count)
        return it

    def c(self, x: ir.Value, v: float) -> ir.Constant:
        t = x.type
        if isinstance(t, ir.VectorType):
            return ir.Constant(t, [ir.Constant(t.element, v)] * t.count)
        return ir.Constant(t, v)

    def ci(self, x: ir.Value, v: int) -> ir.Constant:
        t = self._itype(x)
        if isinstance(t, ir.VectorType):
            return ir.Constant(t, [ir.Constant(t.element, v)] * t.count)
        return ir.Constant(t, v)

    def add(self, a, b):
        return self.b.fadd(a, b, flags=("contract",))

    def sub(self, a, b):
        return self.b.fsub(a, b, flags=("contract",))

    def mul(self, a, b):
        return self.b.fmul(a, b, flags=("contract",))

    def div(self, a, b):
        return self.b.fdiv(a, b)

    def fma(self, a, b, c):
        """a * b + c, fused when the target has FMA."""
        if self.has_fma:
            return call_intrinsic(self.b, "llvm.fma", a, b, c)
        return self.add(self.mul(a, b), c)

    def intrinsic(self, name: str, *args):
        return call_intrinsic(self.b, name, *args)

    def rint(self, x):
        return self.intrinsic("llvm.rint", x)

    def fabs(self, x):
        return self.intrinsic("llvm.fabs", x)

    def copysign(self, mag, sign):
        return self.intrinsic("llvm.copysign", mag, sign)

    def sel(self, cond, a, b):
        return self.b.select(cond, a, b)

    def cmp(self, op: str, a, b):
        return self.b.fcmp_ordered(op, a, b)

    def isnan(self, x):
        return self.b.fcmp_unordered("uno", x, x)

    def poly(self, x, coeffs):
        """Horner: coeffs[0]*x^(n-1) + ... + coeffs[-1]."""
        acc = self.c(x, coeffs[0])
        for k in coeffs[1:]:
            acc = self.fma(acc, x, self.c(x, k))
        return acc

    def pow2i(self, n_int, like):
        """2**n for an integer vector n within the normal exponent range."""
        if self._is64(like):
            bits = self.b.shl(self.b.add(n_int, self.ci(like, 1023)), self.ci(like, 52))
        else:
            bits = self.b.shl(self.b.add(n_int, self.ci(like, 127)), self.ci(like, 23))
        return self.b.bitcast(bits, like.type)

    def clamp(self, x, lo: float, hi: float):
        """x clamped to [lo, hi]; NaN becomes lo (ordered compares), so float->int conversions
        downstream are always defined. Two vmaxps/vminps on x86."""
        y = self.sel(self.cmp(">", x, self.c(x, lo)), x, self.c(x, lo))
        return self.sel(self.cmp("<", y, self.c(x, hi)), y, self.c(x, hi))

    def _reduce_ln2(self, xc):
        """n = round(x / ln2) (as float) and r = x - n*ln2 in extra precision."""
        n = self.rint(self.mul(xc, self.c(xc, _LOG2E)))
        if self._is64(xc):
            r = self.fma(n, self.c(xc, -6.93147180369123816490e-01), xc)
            r = self.fma(n, self.c(xc, -1.90821492927058770002e-10), r)
        else:
            r = self.fma(n, self.c(xc, -0.693359375), xc)
            r = self.fma(n, self.c(xc, 2.12194440e-4), r)
        return n, r

    # --- exp ---------------------------------------------------------------------------------
    def _exp_core(self, xc):
        """exp of an argument already clamped to [EXP_LO, EXP_HI]; the result may be denormal."""
        n, r = self._reduce_ln2(xc)
        if self._is64(xc):
            coeffs = [1.0 / math.factorial(k) for k in range(13, 1, -1)]  # 1/13! ... 1/2!
        else:
            coeffs = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
                      5.0000001201e-1]
        p = self.poly(r, coeffs)
        y = self.add(self.fma(p, self.mul(r, r), r), self.c(xc, 1.0))
        ni = self.b.fptosi(n, self._itype(xc))
        n1 = self.b.ashr(ni, self.ci(xc, 1))
        n2 = self.b.sub(ni, n1)
        return self.mul(self.mul(y, self.pow2i(n1, xc)), self.pow2i(n2, xc))

    def _exp_bounds(self, x):
        return (709.782712893384, -746.0) if self._is64(x) else (88.72283935546875, -104.0)

    def exp(self, x):
        hi, lo = self._exp_bounds(x)
        y = self._exp_core(self.clamp(x, lo, hi))
        y = self.sel(self.cmp(">", x, self.c(x, hi)), self.c(x, math.inf), y)
        return self.sel(self.isnan(x), x, y)

    # --- expm1 -------------------------------------------------------------------------------
    def _expm1_core(self, xc):
        """expm1 of an argument already clamped to [EXPM1_LO, EXP_HI]."""
        n, r = self._reduce_ln2(xc)
        if self._is64(xc):
            coeffs = [1.0 / math.factorial(k) for k in range(15, 1, -1)]  # 1/15! ... 1/2!
        else:
            coeffs = [1.0 / math.factorial(k) for k in range(7, 1, -1)]  # 1/7! ... 1/2!
        p = self.poly(r, coeffs)
        u = self.fma(p, self.mul(r, r), r)  # expm1(r)
        ni = self.b.fptosi(n, self._itype(xc))
        t = self.pow2i(self.b.sub(ni, self.ci(xc, 1)), xc)  # 2^(n-1)
        # 2^n * u + 2^n - 1 == 2 * (t*u + (t - 0.5)), with t - 0.5 exact for small n
        return self.mul(self.fma(t, u, self.sub(t, self.c(xc, 0.5))), self.c(xc, 2.0))

    def expm1(self, x):
        hi = self._exp_bounds(x)[0]
        lo = -40.0 if self._is64(x) else -30.0
        y = self._expm1_core(self.clamp(x, lo, hi))
        y = self.sel(self.cmp(">", x, self.c(x, hi)), self.c(x, math.inf), y)
        return self.sel(self.isnan(x), x, y)

    # --- log ---------------------------------------------------------------------------------
    def log(self, x):
        is64 = self._is64(x)
        it = self._itype(x)
        if is64:
            tiny, scale, shift, mant_mask, one_bits, bias, mbits = (
                2.2250738585072014e-308, 18014398509481984.0, 54, 0x000FFFFFFFFFFFFF, 0x3FF0000000000000, 1023, 52)
        else:
            tiny, scale, shift, mant_mask, one_bits, bias, mbits = (
                1.17549435e-38, 8388608.0, 23, 0x007FFFFF, 0x3F800000, 127, 23)
        small = self.cmp("<", x, self.c(x, tiny))
        xs = self.sel(small, self.mul(x, self.c(x, scale)), x)
        bits = self.b.bitcast(xs, it)
        e = self.b.sub(self.b.lshr(bits, self.ci(x, mbits)), self.ci(x, bias))
        e = self.b.sub(e, self.b.select(small, self.ci(x, shift), self.ci(x, 0)))
        m = self.b.bitcast(self.b.or_(self.b.and_(bits, self.ci(x, mant_mask)), self.ci(x, one_bits)), x.type)
        big = self.cmp(">", m, self.c(x, 1.4142135623730951))
        m = self.sel(big, self.mul(m, self.c(x, 0.5)), m)
        e = self.b.add(e, self.b.zext(big, it))
        fe = self.b.sitofp(e, x.type)
        f = self.sub(m, self.c(x, 1.0))
        if is64:
            s = self.div(f, self.add(self.c(x, 2.0), f))
            z = self.mul(s, s)
            w = self.mul(z, z)
            t1 = self.mul(w, self.poly(w, [1.531383769920937332e-01, 2.222219843214978396e-01,
                                           3.999999999940941908e-01]))
            t2 = self.mul(z, self.poly(w, [1.479819860511658591e-01, 1.818357216161805012e-01,
                                           2.857142874366239149e-01, 6.666666666666735130e-01]))
            rr = self.add(t2, t1)
            hfsq = self.mul(self.mul(self.c(x, 0.5), f), f)
            inner = self.fma(s, self.add(hfsq, rr), self.mul(fe, self.c(x, 1.90821492927058770002e-10)))
            y = self.sub(self.mul(fe, self.c(x, 6.93147180369123816490e-01)), self.sub(self.sub(hfsq, inner), f))
        else:
            z = self.mul(f, f)
            p = self.poly(f, [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                              1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                              3.3333331174e-1])
            y = self.mul(self.mul(p, f), z)
            y = self.fma(fe, self.c(x, -2.12194440e-4), y)
            y = self.fma(z, self.c(x, -0.5), y)
            y = self.add(f, y)
            y = self.fma(fe, self.c(x, 0.693359375), y)
        y = self.sel(self.cmp("==", x, self.c(x, math.inf)), x, y)
        y = self.sel(self.cmp("==", x, self.c(x, 0.0)), self.c(x, -math.inf), y)
        nan = self.b.fcmp_unordered("ult", x, self.c(x, 0.0))  # x < 0 or NaN
        return self.sel(nan, self.c(x, math.nan), y)

    def log1p(self, x):
        u = self.add(x, self.c(x, 1.0))
        d = self.sub(u, self.c(x, 1.0))
        y = self.mul(self.log(u), self.div(x, d))
        y = self.sel(self.cmp("==", d, self.c(x, 0.0)), x, y)
        y = self.sel(self.cmp("==", x, self.c(x, math.inf)), x, y)
        return y

    # --- composites --------------------------------------------------------------------------
    def tanh(self, x):
        """sign(x) * e / (e + 2) with e = expm1(2|x|); |x| is clamped where tanh rounds to 1."""
        limit = 20.0 if self._is64(x) else 9.5
        a = self.fabs(x)
        ac = self.sel(self.cmp("<", a, self.c(x, limit)), a, self.c(x, limit))  # NaN -> limit
        e = self._expm1_core(self.add(ac, ac))
        t = self.div(e, self.add(e, self.c(x, 2.0)))
        return self.sel(self.isnan(x), x, self.copysign(t, x))

    def sigmoid(self, x):
        """e / (1 + e) for x < 0 and 1 / (1 + e) otherwise, e = exp(-|x|): no cancellation."""
        lo = self._exp_bounds(x)[1]
        m = self.b.fneg(self.fabs(x))
        e = self._exp_core(self.sel(self.cmp(">", m, self.c(x, lo)), m, self.c(x, lo)))  # NaN -> lo
        num = self.sel(self.cmp(">=", x, self.c(x, 0.0)), self.c(x, 1.0), e)
        return self.sel(self.isnan(x), x, self.div(num, self.add(self.c(x, 1.0), e)))

    def softplus(self, x):
        """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
        lo = self._exp_bounds(x)[1]
        m = self.b.fneg(self.fabs(x))
        e = self._exp_core(self.sel(self.cmp(">", m, self.c(x, lo)), m, self.c(x, lo)))
        pos = self.sel(self.cmp(">", x, self.c(x, 0.0)), x, self.c(x, 0.0))
        return self.sel(self.isnan(x), x, self.add(pos, self.log1p(e)))


FUNCTIONS = ("exp", "expm1", "log", "log1p", "tanh", "sigmoid", "softplus")
