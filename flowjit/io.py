"""`tf.io`: the `gfile` file API."""

from .frontend.platform import io_gfile as gfile  # noqa: F401
from .frontend.io.tf_record import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator  # noqa: F401

from .frontend.ops.parsing_ops import FixedLenFeature, VarLenFeature, parse_example, parse_single_example  # noqa: F401
from .frontend.ops.io_ops import decode_csv, decode_raw, read_file, write_file  # noqa: F401
from .frontend.ops.image_codec_ops import decode_image, decode_jpeg, decode_png, encode_jpeg, encode_png  # noqa: F401

__all__ = ["gfile"]
__all__ += ["decode_image", "decode_jpeg", "decode_png", "encode_jpeg", "encode_png"]
__all__ += ["decode_csv", "decode_raw", "read_file", "write_file"]
__all__ += ["FixedLenFeature", "VarLenFeature", "parse_example", "parse_single_example"]
__all__ += ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]
