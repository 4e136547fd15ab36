"""flowjit: TensorFlow 1.x graph mode, compiled to machine code through LLVM.

`import flowjit as tf` and write TF1 programs; `tf.Session().run(...)` prunes, optimizes and
compiles exactly what the fetches need.
"""

from ._version import __version__

from .ir import dtypes as _dtypes
from .ir.dtypes import DType, as_dtype
from .ir.dtypes import bool_ as bool  # noqa: A001  (tf.bool)
from .ir.dtypes import float16, float32, float64, int8, int16, int32, int64, string, uint8
from .ir.shapes import Dimension, TensorShape
from . import errors
from .frontend.framework.graph import (Graph, GraphKeys, add_to_collection, add_to_collections, control_dependencies,
                             device, get_collection, get_collection_ref, get_default_graph, name_scope,
                             reset_default_graph, set_random_seed)
from .frontend.framework.tensor import Operation, Tensor, constant, convert_to_tensor, is_tensor, \
    register_tensor_conversion_function
from .frontend.client.session import (ConfigProto, GPUOptions, InteractiveSession, RunMetadata, RunOptions, Session,
                               get_default_session)
from .frontend.ops.variables import (AUTO_REUSE, Variable, VariableScope, all_variables, assign, assign_add,
                                 assign_sub, get_variable, get_variable_scope, global_variables,
                                 global_variables_initializer, initialize_all_variables,
                                 initialize_local_variables, is_variable_initialized, local_variables,
                                 local_variables_initializer, model_variables, report_uninitialized_variables,
                                 scatter_add, scatter_sub, scatter_update, trainable_variables, variable_scope,
                                 variables_initializer, assert_variables_initialized, moving_average_variables,
                                 no_regularizer)
from .frontend.ops.math_ops import *  # noqa: F401,F403,E402
from .frontend.ops.array_ops import *  # noqa: F401,F403,E402
from .frontend.ops.random_ops import *  # noqa: F401,F403,E402
from .frontend.ops.init_ops import *  # noqa: F401,F403,E402
from .frontend.ops.control_flow import *  # noqa: F401,F403,E402
from .frontend.ops.tensor_array_ops import *  # noqa: F401,F403,E402
from .frontend.ops.functional_ops import *  # noqa: F401,F403,E402
from .frontend.ops.script_ops import *  # noqa: F401,F403,E402
from .frontend.ops.sort_ops import *  # noqa: F401,F403,E402
from .frontend.ops.einsum_ops import *  # noqa: F401,F403,E402
from .frontend.ops.segment_ops import *  # noqa: F401,F403,E402
from .frontend.ops.linalg_ops import *  # noqa: F401,F403,E402
from .frontend.ops.linalg_norm import *  # noqa: F401,F403,E402  (tf.norm)
from .frontend.ops.matrix_index_ops import *  # noqa: F401,F403,E402
from .frontend.ops.sparse_ops import *  # noqa: F401,F403,E402  (SparseTensor, tf.sparse_*)
from . import linalg  # noqa: E402
from . import nn  # noqa: E402
from . import sparse  # noqa: E402
from . import nest  # noqa: E402  (tf.nest)

newaxis = None
float_ = float32
double = float64
half = float16
from .frontend.grad.gradients import NotDifferentiable, RegisterGradient, gradients, hessians  # noqa: E402
from . import train, layers, contrib, math  # noqa: E402
from . import losses  # noqa: E402
from . import metrics  # noqa: E402
from . import image  # noqa: E402  (tf.image)
from . import data  # noqa: E402  (tf.data)
from . import app, flags, gfile, io, logging  # noqa: E402  (program scaffolding: tf.app, tf.flags, ...)
from . import python_io  # noqa: E402  (tf.python_io: TFRecord files)
from .frontend.ops.parsing_ops import *  # noqa: F401,F403,E402  (tf.parse_example, tf.FixedLenFeature, ...)
from .frontend.ops.io_ops import *  # noqa: F401,F403,E402  (tf.decode_csv, tf.decode_raw, tf.read_file, ...)
from .frontend.ops.string_ops import *  # noqa: F401,F403,E402  (tf.string_split, tf.string_join, tf.substr, ...)
from . import strings  # noqa: E402  (tf.strings)
from .frontend.ops.data_flow_ops import *  # noqa: F401,F403,E402  (tf.FIFOQueue, tf.RandomShuffleQueue, ...)
from .frontend.ops.reader_ops import *  # noqa: F401,F403,E402  (tf.TextLineReader, tf.TFRecordReader, ...)
from .frontend.ops.state_ops import *  # noqa: F401,F403,E402  (tf.count_up_to)
from . import queue  # noqa: E402  (tf.queue)
from .frontend.platform.v2_compat import *  # noqa: F401,F403,E402  (tf.executing_eagerly, tf.disable_*)
from . import compat  # noqa: E402
from .summary import Event, SessionLog, Summary  # noqa: E402  (tf.summary; the protos need the tensorboard extra)
