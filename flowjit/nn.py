"""`tf.nn`: neural-network ops."""

from .frontend.nn_ops import *  # noqa: F401,F403
