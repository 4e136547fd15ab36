"""`tf.compat`: string/path conversions, number-type tuples, and `v1` (the whole TF1 namespace)."""

from ..frontend.platform.compat import *  # noqa: F401,F403
from ..frontend.platform.compat import __all__ as _conversions
from . import v1  # noqa: F401

__all__ = list(_conversions) + ["v1"]
