"""The TF1 front end: building graphs, variables, sessions; exposed as `flowjit.*`.

The package loads the gradient modules, which register their gradients with gradients.py for
the op modules they import. An op module never imports its gradients (that made import
cycles); importing any `flowjit.frontend.*` module runs this file first, so every path that
builds or differentiates a graph finds the gradients registered.
"""

from . import math_grad, array_grad, nn_grad, control_flow_grad  # noqa: F401  (register the gradients)
