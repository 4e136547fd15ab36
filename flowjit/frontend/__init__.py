"""The TF1 front end: building graphs, variables, sessions; exposed as `flowjit.*`.

Subpackages: framework (Graph, Tensor, function graphs, tracing), ops (op wrappers, control
flow, variables), grad (the gradient registry and each family's gradients), train (optimizers,
Saver, ...), layers (tf.layers, tf.losses, tf.contrib.layers), client (Session).

The package loads the gradient modules, which register their gradients with grad/gradients.py for
the op modules they import. An op module never imports its gradients (that made import
cycles); importing any `flowjit.frontend.*` module runs this file first, so every path that
builds or differentiates a graph finds the gradients registered.
"""

from .grad import math_grad, array_grad, nn_grad, control_flow_grad  # noqa: F401  (register the gradients)
from .grad import script_grad  # noqa: F401  (PyFunc: not differentiable)
from .grad import segment_grad  # noqa: F401  (segment reductions)
from .grad import linalg_grad  # noqa: F401  (inv, det, solve)
from .grad import candidate_sampling_grad  # noqa: F401  (samplers: not differentiable)
from .grad import sparse_grad, ctc_grad  # noqa: F401  (sparse ops, CTC loss)
from .grad import image_grad  # noqa: F401  (image resizers)
from .grad import summary_grad  # noqa: F401  (summary ops: not differentiable)
from .grad import dataset_grad  # noqa: F401  (tf.data iterator ops: not differentiable)
from .grad import data_flow_grad  # noqa: F401  (queues, readers, CountUpTo: not differentiable)
from .grad import parsing_grad  # noqa: F401  (parsing, string, decode ops: not differentiable)
