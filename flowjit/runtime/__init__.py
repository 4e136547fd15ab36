"""Executing compiled plans: the backends, per-session state, the executor contract."""

from .executor import available_backends, get_backend, register_backend
from .state import SessionState
from . import reference  # noqa: F401  (registers the reference backend)

__all__ = ["available_backends", "get_backend", "register_backend", "SessionState"]
