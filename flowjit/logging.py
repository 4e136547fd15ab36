"""`tf.logging`: TF1's logging functions on the Python logger "flowjit"."""

from .frontend.platform.tf_logging import *  # noqa: F401,F403
from .frontend.platform.tf_logging import __all__  # noqa: F401
