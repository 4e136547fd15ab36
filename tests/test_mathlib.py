"""The vectorizable transcendental approximations (compiler/mathlib.py): error bounds in ulp
over the whole float range, special values, and that the loops using them vectorize.

Each function is compiled into a loop `out[i] = f(in[i])` (the same shape of loop the
backend emits) and checked against NumPy in long double (80-bit on x86), which is exact to
well under a float64 ulp for these functions.
"""

from __future__ import annotations

import ctypes

import llvmlite.ir as ir
import numpy as np
import pytest

from flowjit.compiler import jit, mathlib
from flowjit.compiler.llvmutil import for_range

LD = np.longdouble

BOUNDS = {"exp": 2, "expm1": 2, "log": 2, "log1p": 3, "tanh": 4, "sigmoid": 4, "softplus": 4}

_REFERENCE = {
    "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "tanh": np.tanh,
    "sigmoid": lambda v: np.where(v >= 0, 1 / (1 + np.exp(-v)), np.exp(v) / (1 + np.exp(v))),
    "softplus": lambda v: np.logaddexp(LD(0), v),
}

_kernels: dict = {}


def kernel(name: str, dtype):
    """A compiled loop applying mathlib function `name` (cached for the test session)."""
    key = (name, np.dtype(dtype).name)
    if key not in _kernels:
        t = ir.FloatType() if dtype == np.float32 else ir.DoubleType()
        mod = ir.Module(name=f"m_{name}")
        i64, ptr = ir.IntType(64), ir.PointerType()
        fn = ir.Function(mod, ir.FunctionType(ir.VoidType(), [ptr, ptr, i64]), "k")
        src, dst, n = fn.args
        src.add_attribute("noalias")
        dst.add_attribute("noalias")
        b = ir.IRBuilder(fn.append_basic_block("entry"))

        def body(i):
            x = b.load(b.gep(src, [i], inbounds=True, source_etype=t), typ=t)
            y = getattr(mathlib.MathEmitter(b, jit.host_target().has_fma), name)(x)
            b.store(y, b.gep(dst, [i], inbounds=True, source_etype=t))

        for_range(b, i64(0), n, body)
        b.ret_void()
        text = str(mod)
        lib = jit.compile_ir(text, jit.cache_key(text), f"mathlib_{name}_{key[1]}", ["k"])
        f = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)(lib["k"])
        _kernels[key] = (f, lib, text)
    return _kernels[key][0]


def apply(name, x):
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    kernel(name, x.dtype.type)(x.ctypes.data, out.ctypes.data, x.size)
    return out


def whole_range(dtype, n=1 << 18, seed=0):
    """Random bit patterns (every exponent equally likely), dense ranges and special values."""
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        bits = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32).view(np.float32)
    else:
        bits = rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
    dense = np.concatenate([rng.uniform(-1, 1, n // 4), rng.uniform(-40, 40, n // 4), rng.uniform(-800, 800, n // 8),
                            rng.uniform(-1e-6, 1e-6, n // 8)])
    info = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, info.tiny, -info.tiny, info.max, -info.max,
               info.tiny / 8, 88.72, 88.73, -87.3, -103.9, -104.0, 709.78, 709.79, -745.1, -746, 0.3466, -0.3466,
               9.5, -9.5, 20.0, -20.0, 1e-30, 0.5, 2.0, 0.69314718]
    with np.errstate(all="ignore"):
        return np.concatenate([bits, dense.astype(dtype), np.array(special).astype(dtype)]).astype(dtype)


def ulp_errors(name, x, y):
    with np.errstate(all="ignore"):
        ref = _REFERENCE[name](x.astype(LD))
        rounded = ref.astype(x.dtype)
        spacing = np.abs(np.spacing(rounded)).astype(LD)
        spacing[spacing == 0] = np.spacing(x.dtype.type(0))
        err = np.abs(y.astype(LD) - ref) / spacing
    finite = np.isfinite(rounded) & np.isfinite(y)
    return err, rounded, finite


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_error_bound_over_the_whole_range(name, dtype):
    x = whole_range(dtype)
    y = apply(name, x)
    err, rounded, finite = ulp_errors(name, x, y)
    worst = int(np.argmax(np.where(finite, err, 0)))
    assert err[finite].max() <= BOUNDS[name], (
        f"{name}({x[worst]!r}) = {y[worst]!r}, correctly rounded {rounded[worst]!r}: {err[worst]:.2f} ulp")
    # NaN exactly where the reference has NaN; infinities of the right sign
    np.testing.assert_array_equal(np.isnan(y), np.isnan(rounded))
    inf = np.isinf(rounded)
    np.testing.assert_array_equal(y[inf], rounded[inf])
    assert not np.isinf(y[~inf & ~np.isnan(rounded)]).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_values(dtype):
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0, 1e-300 if dtype == np.float64 else 1e-40], dtype)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(apply("exp", x)[:5], [1, 1, np.inf, 0, np.nan])
        np.testing.assert_array_equal(apply("log", x)[:6], [-np.inf, -np.inf, np.inf, np.nan, np.nan, np.nan])
        np.testing.assert_array_equal(apply("tanh", x)[:5], [0, -0.0, 1, -1, np.nan])
        np.testing.assert_array_equal(apply("sigmoid", x)[:5], [0.5, 0.5, 1, 0, np.nan])
        np.testing.assert_array_equal(apply("expm1", x)[:5], [0, -0.0, np.inf, -1, np.nan])
        np.testing.assert_array_equal(apply("log1p", x)[:6], [0, -0.0, np.inf, np.nan, np.nan, -np.inf])
        np.testing.assert_array_equal(apply("softplus", x)[:5], np.array([np.log(2), np.log(2), np.inf, 0, np.nan], dtype))
    # tiny arguments keep their value (no flush, no cancellation)
    tiny = x[6:]
    np.testing.assert_array_equal(apply("tanh", tiny), tiny)
    np.testing.assert_array_equal(apply("expm1", tiny), tiny)
    np.testing.assert_array_equal(apply("log1p", tiny), tiny)


def test_denormal_results():
    x = np.array([-100.0, -103.0, -90.0, -87.5], np.float32)
    y = apply("exp", x)
    np.testing.assert_allclose(y.astype(np.float64), np.exp(x.astype(np.float64)), rtol=1e-6, atol=2e-45)
    s = apply("sigmoid", x)
    assert (s > 0).all(), "sigmoid of a large negative argument is a denormal, not zero"


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "log"])
def test_loops_vectorize(name):
    import llvmlite.binding as llvm

    kernel(name, np.float32)
    text = _kernels[(name, "float32")][2]
    mod = llvm.parse_assembly(text)
    t = jit.host_target()
    mod.triple, mod.data_layout = t.triple, t.data_layout
    jit.optimize(mod)
    opt = str(mod)
    width = t.vector_bits // 32
    assert f"<{width} x float>" in opt, "the loop did not vectorize"
    calls = [line for line in opt.splitlines() if "call" in line and "@llvm." not in line and "call" in line.split("=")[-1]]
    assert not any("@exp" in c or "@tanh" in c or "@log" in c for c in calls), "scalar libm calls in the loop"
