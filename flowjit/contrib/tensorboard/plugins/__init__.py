"""`tf.contrib.tensorboard.plugins`: re-exports; implementations live in flowjit/frontend/summary/."""

from ....frontend.summary import projector  # noqa: F401
