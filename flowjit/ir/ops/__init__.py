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
