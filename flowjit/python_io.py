"""`tf.python_io`: TFRecord files from Python; implementations in flowjit/frontend/io/tf_record.py."""

from .frontend.io.tf_record import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]
