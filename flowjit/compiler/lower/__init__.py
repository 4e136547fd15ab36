"""Lowering: graph ops -> LIR (see ../lir.py), one rule per op type.

`core` holds the `Translator` and the rule registry (`RULES`); the rules live in one module
per op family, mirroring flowjit/ir/ops/. Importing this package registers every rule: the
family modules are listed here once, and nothing else imports them for their side effect.
"""

from . import array, base, image, math, nn, state, summary  # noqa: F401  (each registers its rules into RULES)
from .core import NATIVE_DTYPES, RULES, Translator, Unsupported, out_dtype, out_shape, require, rule
from .state import VAR_SCATTERS, var_scatter

__all__ = ["NATIVE_DTYPES", "RULES", "Translator", "Unsupported", "out_dtype", "out_shape", "require", "rule",
           "VAR_SCATTERS", "var_scatter"]
