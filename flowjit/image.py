"""`tf.image`: re-exports; implementations live in flowjit/frontend/ops/image_ops.py."""

from .frontend.ops.image_ops import *  # noqa: F401,F403
from .frontend.ops.image_ops import __all__  # noqa: F401
