"""Gradients of the script ops: TF1 registers none for PyFunc, so tf.gradients gives None."""

from __future__ import annotations

from .gradients import NotDifferentiable

NotDifferentiable("PyFunc")
NotDifferentiable("PyFuncStateless")
