"""`tf.layers`: Dense, Conv2D, pooling, Flatten, Dropout, BatchNormalization (classes and functions)."""

from .frontend.layers.layers import *  # noqa: F401,F403
