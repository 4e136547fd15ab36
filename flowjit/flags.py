"""`tf.flags` (and `tf.app.flags`): command-line flags on absl, parsed lazily as TF1 does."""

from .frontend.platform.flags import *  # noqa: F401,F403
from .frontend.platform.flags import __all__  # noqa: F401
