"""`tf.nn`: neural-network ops."""

from .frontend.ops.nn_ops import *  # noqa: F401,F403
