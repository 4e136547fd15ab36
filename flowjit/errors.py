"""`tf.errors`: TensorFlow's error classes and codes."""

from .ir.errors import *  # noqa: F401,F403
from .ir.errors import OpError  # noqa: F401
