"""Candidate samplers and accidental hits pass no gradient (TF marks them NotDifferentiable)."""

from .gradients import NotDifferentiable

for _op_type in ("LogUniformCandidateSampler", "UniformCandidateSampler", "FixedUnigramCandidateSampler",
                 "LearnedUnigramCandidateSampler", "ComputeAccidentalHits"):
    NotDifferentiable(_op_type)
