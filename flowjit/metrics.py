"""`tf.metrics`: TF1's streaming metrics; implementations in flowjit/frontend/ops/metrics_impl.py."""

from .frontend.ops.metrics_impl import *  # noqa: F401,F403
from .frontend.ops.metrics_impl import __all__  # noqa: F401
