"""`tf.contrib`: the parts TF1 programs commonly use."""

from . import layers  # noqa: F401
