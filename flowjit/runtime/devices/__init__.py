"""The backends, one module per kind of device: `reference` (the NumPy interpreter, the oracle)
and `cpu` (plans compiled through LLVM, run as native code). Importing this package registers
them with runtime/executor.py."""

from . import reference  # noqa: F401  (registers the reference backend)
from . import cpu  # noqa: F401  (registers the LLVM backend "cpu", the default)
