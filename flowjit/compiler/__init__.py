"""The compiler: graph IR -> LIR -> loop nests -> LLVM IR -> machine code.

  specialize.py  concrete shapes for one run's feeds
  lower.py       graph ops -> LIR (one rule per op type; Unsupported -> host fallback)
  lower_extra.py rules of scans, top-k, scatters, MirrorPad, LRN, InTopK
  schedule.py    fusion into kernels, stages and row regions; buffers (a `Program`)
  codegen.py     LLVM IR for a Program: segment functions, parallel regions
  mathlib.py     vectorizable exp/log/tanh/sigmoid/... approximations
  gemm.py        the blocked matmul library
  routines.py    library routines: scans, top-k selection, scatters
  parallel.py    the native thread pool
  jit.py         target machine, optimization, MCJIT, memory + disk object cache
  dump.py        LLVM IR / assembly dumps (`set_dump_hook`, FLOWJIT_DUMP)
"""

from .dump import set_dump_hook
from . import lower_extra  # noqa: F401  (registers its rules into lower.RULES)

dump_hook = set_dump_hook

__all__ = ["set_dump_hook", "dump_hook"]
