"""`tf.layers`: Dense, Conv2D, pooling, Flatten, Dropout, BatchNormalization (classes and functions)."""

from .frontend.layers.base import *  # noqa: F401,F403
from .frontend.layers.convolutional import *  # noqa: F401,F403
from .frontend.layers.core import *  # noqa: F401,F403
from .frontend.layers.normalization import *  # noqa: F401,F403
from .frontend.layers.pooling import *  # noqa: F401,F403
