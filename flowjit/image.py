"""`tf.image`: re-exports; implementations live in flowjit/frontend/ops/image_ops.py."""

from .frontend.ops.image_ops import *  # noqa: F401,F403
from .frontend.ops.image_ops import __all__  # noqa: F401
from .frontend.ops.image_codec_ops import *  # noqa: F401,F403,E402  (decode_png, decode_jpeg, ...)
from .frontend.ops import image_codec_ops as _codec  # noqa: E402

__all__ = list(__all__) + list(_codec.__all__)
