"""Code-generation targets: the `Target` interface and one package per kind of machine.

`cpu/` is the host (its description, the blocked GEMM and the thread pool, which assume it);
a GPU target (LLVM's NVPTX backend) goes beside it and implements `base.Target`.
"""

from .base import Target

__all__ = ["Target"]
