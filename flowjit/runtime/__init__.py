"""Executing compiled plans: the backends, per-session state, the executor contract."""

from .executor import available_backends, get_backend, register_backend
from .state import SessionState
from . import reference  # noqa: F401  (registers the reference backend)
from . import cpu  # noqa: F401  (registers the LLVM backend "cpu", the default from now on)

__all__ = ["available_backends", "get_backend", "register_backend", "SessionState"]
