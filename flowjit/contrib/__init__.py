"""`tf.contrib`: the parts TF1 programs commonly use."""

from . import layers  # noqa: F401
from . import rnn  # noqa: F401
from . import tensorboard  # noqa: F401
