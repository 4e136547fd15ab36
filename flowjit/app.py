"""`tf.app`: `run` and the `flags` module."""

from .frontend.platform.app import run  # noqa: F401
from . import flags  # noqa: F401

__all__ = ["run", "flags"]
