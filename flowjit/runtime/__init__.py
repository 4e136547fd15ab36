"""Executing compiled plans: the plan driver (plan.py), the backends (devices/), the host-side
kernels plans call back into (host/), per-session state, the executor contract."""

from .executor import available_backends, get_backend, register_backend
from .state import SessionState
from . import devices  # noqa: F401  (registers the backends: reference, and the LLVM backend "cpu")

__all__ = ["available_backends", "get_backend", "register_backend", "SessionState"]
