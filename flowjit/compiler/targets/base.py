"""The target interface: what the compiler asks of a machine it generates code for.

A `Target` names the LLVM triple, CPU and features, the vectorizers' width, whether FMA is
native, the data layout and the intrinsics its LLVM backend lowers, and makes the LLVM
target machine. The host CPU is `targets.cpu.host_target()`; an NVPTX target implements the
same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import llvmlite.binding as llvm


@dataclass
class Target:
    triple: str
    cpu: str
    features: str
    opt_level: int
    vector_bits: int  # the vectorizers' width (probed): 128 SSE, 256 AVX2 and AVX-512, 512 if asked
    has_fma: bool
    data_layout: str = ""
    intrinsics: tuple[str, ...] = ()  # prefixes of the LLVM intrinsics its backend lowers
    _tm: object = field(default=None, repr=False)

    def create_tm(self) -> "llvm.TargetMachine":
        """A fresh target machine (an MCJIT engine takes ownership of the one it gets)."""
        t = llvm.Target.from_triple(self.triple)
        return t.create_target_machine(cpu=self.cpu, features=self.features, opt=self.opt_level,
                                       reloc="static", codemodel="jitdefault", jit=True)

    @property
    def tm(self) -> "llvm.TargetMachine":
        """A long-lived target machine for optimization and code generation (never given away)."""
        if self._tm is None:
            self._tm = self.create_tm()
        return self._tm

    def key_parts(self) -> list[str]:
        return [self.triple, self.cpu, self.features, f"O{self.opt_level}"]
