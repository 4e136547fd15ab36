"""`tf.contrib.tensorboard`: the projector plugin's config, as TF1 exposed it."""

from . import plugins  # noqa: F401
