"""Summary ops have no gradient (TF marks them NotDifferentiable in summary_ops / logging_ops)."""

from __future__ import annotations

from .gradients import NotDifferentiable

for _op_type in ("ScalarSummary", "HistogramSummary", "HistogramStats", "HistogramSummaryFromStats", "ImageSummary", "AudioSummaryV2", "TensorSummaryV2",
                 "MergeSummary"):
    NotDifferentiable(_op_type)
