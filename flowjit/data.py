"""`tf.data`: Dataset, Iterator, the file datasets and the TF1 iterator helpers
(also `tf.compat.v1.data`). Implementations live in flowjit/frontend/data/."""

from __future__ import annotations

import types as _types

from .frontend.data.dataset_ops import AUTOTUNE as _AUTOTUNE
from .frontend.data.dataset_ops import Dataset, DatasetV1
from .frontend.data.iterator_ops import (Iterator, get_output_classes, get_output_shapes, get_output_types,
                                         make_initializable_iterator, make_one_shot_iterator)
from .frontend.data.readers import (FixedLengthRecordDataset, FixedLengthRecordDatasetV1, TextLineDataset,
                                    TextLineDatasetV1, TFRecordDataset, TFRecordDatasetV1)

experimental = _types.ModuleType("flowjit.data.experimental", "tf.data.experimental: AUTOTUNE.")
experimental.AUTOTUNE = _AUTOTUNE

__all__ = ["Dataset", "DatasetV1", "Iterator", "TextLineDataset", "TextLineDatasetV1", "TFRecordDataset",
           "TFRecordDatasetV1", "FixedLengthRecordDataset", "FixedLengthRecordDatasetV1", "experimental",
           "make_one_shot_iterator", "make_initializable_iterator", "get_output_types", "get_output_shapes",
           "get_output_classes"]
