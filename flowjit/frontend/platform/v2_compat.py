"""TF2-to-TF1 switches a TF1 program calls first; flowjit is always TF1 graph mode.

`disable_*` therefore change nothing and `executing_eagerly()` is always False, the answer
TF1 gives in graph mode.
"""

from __future__ import annotations

__all__ = ["disable_v2_behavior", "disable_eager_execution", "disable_resource_variables",
           "disable_v2_tensorshape", "disable_control_flow_v2", "disable_tensor_equality", "executing_eagerly"]


def disable_v2_behavior() -> None:
    """No-op: flowjit never has TF2 behaviour to disable."""


def disable_eager_execution() -> None:
    """No-op: flowjit only builds graphs."""


def disable_resource_variables() -> None:
    """No-op: flowjit's variables are TF1 reference variables."""


def disable_v2_tensorshape() -> None:
    """No-op: flowjit's TensorShape already indexes to Dimension as TF1's."""


def disable_control_flow_v2() -> None:
    """No-op: flowjit's control flow is the same in either mode."""


def disable_tensor_equality() -> None:
    """No-op: flowjit's Tensors hash by identity, as TF1's."""


def executing_eagerly() -> bool:
    """Always False: flowjit runs graphs through a Session."""
    return False
