"""`tf.losses`: weighted losses that register themselves in the LOSSES collection.

Implemented in flowjit/frontend/layers/losses.py; this is the namespace face.
"""

from .frontend.framework.graph import GraphKeys, get_default_graph  # noqa: F401  (offered as tf.losses.*)
from .frontend.framework.tensor import Tensor, convert_to_tensor  # noqa: F401  (offered as tf.losses.*)
from .frontend.layers.losses import *  # noqa: F401,F403
from .frontend.layers.losses import __all__  # noqa: F401
