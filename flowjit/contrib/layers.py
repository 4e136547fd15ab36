"""`tf.contrib.layers`: the layers, initializers and regularizers TF1 programs use.

Implemented in flowjit/frontend/layers/contrib.py; this is the namespace face.
"""

from ..frontend.framework.graph import GraphKeys, get_default_graph  # noqa: F401  (offered as tf.contrib.layers.*)
from ..frontend.framework.tensor import Tensor, convert_to_tensor  # noqa: F401  (offered as tf.contrib.layers.*)
from ..frontend.layers.contrib import *  # noqa: F401,F403
from ..frontend.layers.contrib import __all__  # noqa: F401
