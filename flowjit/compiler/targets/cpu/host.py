"""The host CPU target: what LLVM sees of this machine, measured rather than assumed.

Vector width: `Target.vector_bits` is the width LLVM's vectorizers really use, measured once
per process by vectorizing a probe loop with the target machine the JIT uses. On x86 flowjit
asks for 256-bit vectors (`+prefer-256-bit`: AVX-512 frequency throttling rarely pays for these
kernels); CPUs whose LLVM tuning lacks that preference (znver4, x86-64 with AVX-512 features)
would otherwise get 512-bit loops. A `prefer-256-bit` or `prefer-128-bit` entry in
FLOWJIT_CPU_FEATURES wins (`-prefer-256-bit` gives 512-bit vectors on AVX-512).

Options: FLOWJIT_CPU_NAME overrides the host CPU name (alone it keeps the host's features),
FLOWJIT_CPU_FEATURES the feature string (FLOWJIT_CPU_NAME=x86-64 FLOWJIT_CPU_FEATURES= is
SSE2), FLOWJIT_OPT_LEVEL the optimization level.
"""

from __future__ import annotations

import re
import threading

import llvmlite.binding as llvm

from .... import options
from ..base import Target

_lock = threading.RLock()


_initialized = False


def _init() -> None:
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        if options.get("FLOWJIT_LLVM_REMARKS"):
            llvm.set_option("", "-pass-remarks=loop-vectorize")
            llvm.set_option("", "-pass-remarks-missed=loop-vectorize")
            llvm.set_option("", "-pass-remarks-analysis=loop-vectorize")
        _initialized = True


_target: Target | None = None


def host_target() -> Target:
    """The host CPU as LLVM sees it (overridable with FLOWJIT_CPU_NAME / FLOWJIT_CPU_FEATURES)."""
    global _target
    with _lock:
        if _target is None:
            _init()
            _target = _make_target()
        return _target


def _make_target() -> Target:
    """The target from the environment, with its vector width and FMA measured on LLVM itself:
    a CPU name implies features the feature string does not list, and the CPU's tuning decides
    the vector width, so neither can be read off the feature string reliably."""
    cpu = options.get("FLOWJIT_CPU_NAME") or llvm.get_host_cpu_name()
    features = options.get("FLOWJIT_CPU_FEATURES")
    if features is None:
        features = llvm.get_host_cpu_features().flatten()
    triple = llvm.get_process_triple()
    features = _with_vector_preference(triple, features)
    opt = options.get("FLOWJIT_OPT_LEVEL")
    feats = set(features.split(","))
    t = Target(triple, cpu, features, opt, _vector_bits_from_features(feats), "+fma" in feats,
               intrinsics=X86_INTRINSICS)
    t.data_layout = str(t.tm.target_data)
    probed = _probe_vector_bits(t)
    if probed:
        t.vector_bits = probed
    t.has_fma = _probe_fma(t, t.has_fma)
    return t


def _with_vector_preference(triple: str, features: str) -> str:
    """Ask x86 LLVM for 256-bit vectors unless the features already state a preference.

    Only LLVM's CPU tuning decides otherwise: skylake-avx512 or sapphirerapids prefer 256 bits,
    znver4 or a generic CPU with AVX-512 features take 512, so without this the width flowjit
    plans for (GEMM tiles, tests) and the width of the vectorized loops could disagree."""
    if not re.match(r"(x86_64|i[3-6]86)", triple) or "prefer-256-bit" in features or "prefer-128-bit" in features:
        return features
    return f"{features},+prefer-256-bit" if features else "+prefer-256-bit"


def _vector_bits_from_features(feats: set[str]) -> int:
    """The width the feature string alone suggests (used if the probe finds no vector loop)."""
    if "+prefer-128-bit" in feats:
        return 128
    if "+avx512f" in feats and "-prefer-256-bit" in feats:
        return 512
    return 256 if "+avx" in feats else 128


_PROBE_LOOP = """
define void @probe(ptr noalias %src, ptr noalias %dst, i64 %n) {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %p = getelementptr inbounds float, ptr %src, i64 %i
  %q = getelementptr inbounds float, ptr %dst, i64 %i
  %x = load float, ptr %p
  %y = fmul float %x, 2.0
  %z = fadd float %y, 1.0
  store float %z, ptr %q
  %next = add i64 %i, 1
  %more = icmp ult i64 %next, %n
  br i1 %more, label %loop, label %exit
exit:
  ret void
}
"""

_PROBE_FMA = """
declare float @llvm.fma.f32(float, float, float)
define float @probe(float %a, float %b, float %c) {
  %r = call float @llvm.fma.f32(float %a, float %b, float %c)
  ret float %r
}
"""


def _probe_vector_bits(t: Target) -> int:
    """The widest float vector LLVM's loop vectorizer makes of a plain elementwise loop with
    this target machine: the truth about the width, whatever CPU tuning and features imply.
    Runs at -O3 whatever FLOWJIT_OPT_LEVEL says (GEMM's explicit vectors use the width too).
    0 if nothing vectorized."""
    mod = llvm.parse_assembly(_PROBE_LOOP)
    mod.triple, mod.data_layout = t.triple, t.data_layout
    pto = llvm.create_pipeline_tuning_options(speed_level=3)
    pto.loop_vectorization = True
    pto.slp_vectorization = True
    pb = llvm.create_pass_builder(t.tm, pto)
    pb.getModulePassManager().run(mod, pb)
    lanes = [int(n) for n in re.findall(r"<(\d+) x float>", str(mod))]
    return 32 * max(lanes) if lanes else 0


def _probe_fma(t: Target, default: bool) -> bool:
    """Whether llvm.fma is an instruction here (not a call to libm's fmaf), which the CPU name
    alone can imply (FLOWJIT_CPU_NAME=haswell FLOWJIT_CPU_FEATURES=)."""
    try:
        mod = llvm.parse_assembly(_PROBE_FMA)
        mod.triple, mod.data_layout = t.triple, t.data_layout
        return "fmaf" not in t.tm.emit_assembly(mod)
    except RuntimeError:
        return default


# --- intrinsics ------------------------------------------------------------------------

# Intrinsic families the x86-64 backend lowers (checked before codegen; anything else would
# abort the process inside LLVM). Matching is by prefix of the mangled name.
X86_INTRINSICS = (
    "llvm.sqrt.", "llvm.fabs.", "llvm.floor.", "llvm.ceil.", "llvm.trunc.", "llvm.rint.",
    "llvm.nearbyint.", "llvm.round.", "llvm.roundeven.", "llvm.fma.", "llvm.fmuladd.",
    "llvm.copysign.", "llvm.minnum.", "llvm.maxnum.", "llvm.minimum.", "llvm.maximum.",
    "llvm.exp.", "llvm.exp2.", "llvm.log.", "llvm.log2.", "llvm.log10.", "llvm.pow.", "llvm.sin.",
    "llvm.cos.", "llvm.fptosi.sat.", "llvm.fptoui.sat.", "llvm.smax.", "llvm.smin.",
    "llvm.umax.", "llvm.umin.", "llvm.abs.", "llvm.ctpop.", "llvm.memcpy.", "llvm.memset.",
    "llvm.memmove.", "llvm.prefetch", "llvm.assume", "llvm.lifetime.", "llvm.vector.reduce.",
    "llvm.stacksave", "llvm.stackrestore", "llvm.expect.", "llvm.is.fpclass.", "llvm.x86.sse2.pause",
)
