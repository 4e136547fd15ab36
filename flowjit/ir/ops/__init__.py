"""Op definitions; importing this package registers every op type.

One module per family: `base` (Const, Placeholder, Identity, ...), `state` (variables),
`math`, `array`, `nn`, `random`, `control` (cond, while, Print, Assert, ...).
"""

from . import base, state, math, array, nn, random, control, fused, script, segment, linalg  # noqa: F401
from . import candidate_sampling  # noqa: F401
from . import sparse, ctc  # noqa: F401
from . import linalg_decomp  # noqa: F401  (Cholesky, Qr, Svd, eigh, slogdet, triangular solve)
from . import image  # noqa: F401
from . import summary  # noqa: F401  (ScalarSummary, HistogramSummary, ... MergeSummary)
from . import data_flow, io_readers  # noqa: F401  (QueueV2 ops, ReaderV2 ops)
from . import parsing  # noqa: F401  (ParseExample, ParseSingleExample: host ops)
from . import dataset  # noqa: F401  (tf.data iterator ops: host ops)
from . import decode  # noqa: F401  (DecodeCSV, DecodeRaw, ReadFile, WriteFile: host ops)
from . import string_ops  # noqa: F401  (StringSplit, StringJoin, Substr, AsString, ...: host ops)
from . import image_codec  # noqa: F401  (DecodePng, DecodeJpeg, EncodePng, ...: host ops through Pillow)
