"""The compiler: graph IR -> LIR -> loop nests -> LLVM IR -> machine code.

  specialize.py  concrete shapes for one run's feeds
  lir.py         the loop-level IR: one node per value, index maps, reductions, routines
  lower/         graph ops -> LIR, one rule per op type, one module per op family (Unsupported
                 -> host fallback); core.py holds the Translator and the rule registry
  schedule/      a Program from a plan graph: translation, fusion into kernels, stages and
                 row regions, buffer lifetimes
  cost.py        the cost model fusion, threading and codegen share
  program.py     the Program: buffers, kernel/host/control steps
  codegen.py     LLVM IR for a Program: segment functions, parallel regions
  driver.py      the compile driver: a specialized plan graph -> Program + native code (cache
                 lookup, codegen, JIT), the runtime library (thread pool, GEMM), error sites
  routines/      library routines, one class each (plans and emits): scans, top-k, scatters
  llvm/          below codegen and routines: value helpers (emit.py), the vectorizable math
                 library, compensated sums, the JIT (jit.py), the disk object cache, dumps
  targets/       the `Target` interface; cpu/ is the host (description, GEMM, thread pool)
"""

from . import lower  # noqa: F401  (registers every lowering rule)
from .llvm.dump import set_dump_hook

dump_hook = set_dump_hook

__all__ = ["set_dump_hook", "dump_hook"]
