"""`tf.io`: the `gfile` file API."""

from .frontend.platform import io_gfile as gfile  # noqa: F401

__all__ = ["gfile"]
