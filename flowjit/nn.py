"""`tf.nn`: neural-network ops."""

from .frontend.ops.nn_ops import *  # noqa: F401,F403
from .frontend.ops.candidate_sampling_ops import *  # noqa: F401,F403,E402
from .frontend.ops.nn_impl_sampled import *  # noqa: F401,F403,E402
from .frontend.ops.rnn import *  # noqa: F401,F403,E402
from .frontend.ops.ctc_ops import *  # noqa: F401,F403,E402
from .frontend.ops.embedding_sparse_ops import *  # noqa: F401,F403,E402
from .frontend.layers import rnn_cell_api as rnn_cell  # noqa: F401,E402
