"""tf.data's iterator ops produce data, they are not functions of differentiable inputs."""

from __future__ import annotations

from .gradients import NotDifferentiable

for _op in ("IteratorV2", "OneShotIterator", "MakeIterator", "IteratorGetNext", "IteratorToStringHandle",
            "IteratorFromStringHandleV2"):
    NotDifferentiable(_op)
