"""`host.host_target().vector_bits` is the width the generated loops really have, on any x86 CPU.

The width is what GEMM tiles and the vectorization tests plan for; it used to be computed from
the feature string alone, while LLVM's choice also depends on the CPU's tuning (skylake-avx512
prefers 256-bit vectors, znver4 and generic CPUs with AVX-512 take 512) and on the features a
CPU name implies. Each case forces a target with FLOWJIT_CPU_NAME / FLOWJIT_CPU_FEATURES in a
fresh process, compiles an elementwise float32 loop through the Session and compares the widest
`<N x float>` in the optimized plan IR with the reported width.

Targets this host may not execute (AVX-512 on an AVX2 machine) stop the process as soon as the
plan's optimized IR exists, before the plan is loaded or run; the host and plain x86-64 (SSE2)
run the graph too and check the answer.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from flowjit.compiler.targets.cpu import host

pytestmark = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                reason="the forced targets are x86-64 CPUs")

SCRIPT = """
import os, re, sys
import numpy as np, flowjit as tf
from flowjit.compiler.llvm import dump
from flowjit.compiler.targets.cpu import host

execute = sys.argv[1] == "run"

def hook(name, kind, text):
    if name.startswith("plan_") and kind == "opt.ll":
        lanes = max([int(n) for n in re.findall(r"<(\\d+) x float>", text)] or [0])
        print("WIDTH", host.host_target().vector_bits, 32 * lanes, flush=True)
        if not execute:
            os._exit(0)  # this CPU may lack the target's instructions: stop before any is run

dump.set_dump_hook(hook)
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [1024])
    y = x * 2.0 + 1.0
with tf.Session(graph=g, backend="cpu") as s:
    out = s.run(y, {x: np.arange(1024, dtype=np.float32)})
print("CORRECT", bool((out == np.arange(1024, dtype=np.float32) * 2 + 1).all()))
"""

# name: (FLOWJIT_CPU_NAME, FLOWJIT_CPU_FEATURES, vector bits or None for "whatever the host has",
# whether this host can run it). Empty features: exactly what the CPU name implies.
TARGETS = {
    "host": (None, None, None, True),
    "x86-64-sse2": ("x86-64", "", 128, True),
    "haswell": ("haswell", "", 256, False),
    "skylake-avx512": ("skylake-avx512", "", 256, False),  # its LLVM tuning prefers 256 bits itself
    "znver4": ("znver4", "", 256, False),  # its tuning takes 512 bits unless flowjit asks for 256
    "znver4-512-bit": ("znver4", "-prefer-256-bit", 512, False),  # the opt-in to 512-bit vectors
}


def run_target(cpu: str | None, features: str | None, execute: bool) -> subprocess.CompletedProcess:
    env = dict(os.environ, FLOWJIT_CACHE="0", FLOWJIT_NUM_THREADS="1")
    for var, value in (("FLOWJIT_CPU_NAME", cpu), ("FLOWJIT_CPU_FEATURES", features)):
        if value is None:
            env.pop(var, None)
        else:
            env[var] = value
    return subprocess.run([sys.executable, "-c", SCRIPT, "run" if execute else "ir"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_reported_vector_width_is_the_emitted_width(target):
    cpu, features, expected, execute = TARGETS[target]
    proc = run_target(cpu, features, execute)
    assert proc.returncode == 0, f"exit status {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "WIDTH" in proc.stdout, f"no plan was compiled\n{proc.stdout}\n{proc.stderr}"
    reported, emitted = (int(v) for v in proc.stdout.split("WIDTH")[1].split()[:2])
    assert emitted == reported, f"{target}: host_target() says {reported} bits, the loop has {emitted}"
    if expected is not None:
        assert reported == expected, f"{target}: {reported}-bit vectors, expected {expected}"
    if execute:
        assert "CORRECT True" in proc.stdout, proc.stdout


@pytest.mark.parametrize("triple,features,want", [
    ("x86_64-unknown-linux-gnu", "+avx2,+avx512f", "+avx2,+avx512f,+prefer-256-bit"),
    ("x86_64-unknown-linux-gnu", "", "+prefer-256-bit"),
    ("x86_64-unknown-linux-gnu", "+avx512f,-prefer-256-bit", "+avx512f,-prefer-256-bit"),  # the user's choice
    ("x86_64-unknown-linux-gnu", "+avx2,+prefer-128-bit", "+avx2,+prefer-128-bit"),
    ("aarch64-unknown-linux-gnu", "+neon", "+neon"),  # an x86 feature would only make LLVM complain
])
def test_vector_preference_added_only_where_unstated(triple, features, want):
    assert host._with_vector_preference(triple, features) == want
