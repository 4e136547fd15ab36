"""The registries, checked against each other: ops, lowering rules, gradients, public names.

Registries are keyed by op-type strings; nothing else keeps a lowering rule for an op that does
not exist, an op without a gradient decision, or a public `tf.*` name quietly dropped by a
refactor from happening.
"""

from __future__ import annotations

from pathlib import Path

import flowjit  # noqa: F401  (registers every op, rule and gradient)
from flowjit.compiler import lower
from flowjit.frontend.grad import gradients
from flowjit.ir import registry

from public_api import public_names  # tests/ is on sys.path (pytest rootdir-relative import)

# ops without a lowering rule, each with why: the scheduler or the runtime handles them itself
NOT_LOWERED = {
    "Const": "a literal: a constant buffer", "Placeholder": "a fed buffer", "Arg": "a function parameter",
    "NoOp": "nothing to compute", "VariableV2": "the session's variable buffer",
    "Assign": "written in place by the scheduler", "AssignAdd": "written in place by the scheduler",
    "AssignSub": "written in place by the scheduler", "ScatterUpdate": "a library routine",
    "ScatterAdd": "a library routine", "ScatterSub": "a library routine",
    "ReadVariable": "an alias of the variable buffer", "IsVariableInitialized": "session state (host)",
    "ReportUninitialized": "session state (host)", "Fused": "its body is lowered",
    "If": "native control flow", "While": "native control flow",
    "Where": "data-dependent output shape (host)", "Unique": "data-dependent output shape (host)",
    "ListDiff": "data-dependent output shape (host)",
    "Range": "folded when static, shape-producing otherwise (host)", "LinSpace": "folded when static (host)",
    "BroadcastGradientArgs": "shape computation (host)", "ReducedShape": "shape computation (host)",
    "Shape": "known after specialization", "ShapeN": "known after specialization",
    "Size": "known after specialization", "Rank": "known after specialization",
    "InvertPermutation": "integer bookkeeping (host)", "BroadcastArgs": "shape computation (host)",
    "ReverseSequence": "host kernel", "MaxPoolWithArgmax": "host kernel", "MaxPoolGradGrad": "host kernel",
    "RandomUniform": "random streams equal the reference's (host)",
    "RandomStandardNormal": "random streams equal the reference's (host)",
    "TruncatedNormal": "random streams equal the reference's (host)",
    "RandomUniformInt": "random streams equal the reference's (host)",
    "RandomShuffle": "random streams equal the reference's (host)",
    "Multinomial": "random streams equal the reference's (host)",
    "LogUniformCandidateSampler": "random streams equal the reference's",
    "UniformCandidateSampler": "random streams equal the reference's",
    "FixedUnigramCandidateSampler": "random streams equal the reference's",
    "LearnedUnigramCandidateSampler": "random streams and per-session counts (host)",
    "ComputeAccidentalHits": "data-dependent output shape (host)",
    "RandomGamma": "random streams equal the reference's (host)",
    "ResizeArea": "a data-sized set of taps per pixel: runs its reference kernel",
    "ResizeBilinearGrad": "a scatter-accumulation in TF's order: runs its reference kernel",
    "ResizeNearestNeighborGrad": "a scatter-accumulation in TF's order: runs its reference kernel",
    "ResizeBicubicGrad": "a scatter-accumulation in TF's order: runs its reference kernel",
    "Print": "host by design", "StringFormat": "strings (host)", "PrintV2": "host by design",
    "Assert": "host by design", "CheckNumerics": "host by design",
    "PyFunc": "calls Python (host by design)", "PyFuncStateless": "calls Python (host by design)",
    **{op: "queue resource op (host: blocks on the session's queue)" for op in (
        "FIFOQueueV2", "PaddingFIFOQueueV2", "RandomShuffleQueueV2", "PriorityQueueV2", "QueueEnqueueV2",
        "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2", "QueueDequeueUpToV2", "QueueCloseV2",
        "QueueSizeV2", "QueueIsClosedV2")},
    **{op: "reader resource op (host: reads files)" for op in (
        "TextLineReaderV2", "FixedLengthRecordReaderV2", "TFRecordReaderV2", "WholeFileReaderV2", "ReaderReadV2",
        "ReaderReadUpToV2", "ReaderNumRecordsProducedV2", "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2")},
    "CountUpTo": "host: raises OutOfRangeError at its limit (limit_epochs)",
    "IteratorV2": "tf.data iterator resource (host)", "OneShotIterator": "tf.data iterator resource (host)",
    "MakeIterator": "starts a tf.data host pipeline", "IteratorGetNext": "reads a tf.data host pipeline",
    "IteratorToStringHandle": "tf.data iterator handle (host)",
    "IteratorFromStringHandleV2": "tf.data iterator handle (host)",
    "MatrixInverse": "LAPACK-backed, runs its reference kernel",
    "MatrixDeterminant": "LAPACK-backed, runs its reference kernel",
    "MatrixSolve": "LAPACK-backed, runs its reference kernel",
    "Cholesky": "LAPACK-backed, runs its reference kernel",
    "MatrixTriangularSolve": "LAPACK-backed, runs its reference kernel",
    "Qr": "LAPACK-backed, runs its reference kernel",
    "Svd": "LAPACK-backed, runs its reference kernel",
    "LogMatrixDeterminant": "LAPACK-backed, runs its reference kernel",
    "SelfAdjointEigV2": "LAPACK-backed, runs its reference kernel",
    "MatrixSolveLs": "LAPACK-backed, runs its reference kernel",
    "MatrixSquareRoot": "LAPACK-backed, runs its reference kernel",
    "SegmentSum": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SegmentMean": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SegmentMax": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SegmentMin": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "UnsortedSegmentSum": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "UnsortedSegmentMax": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "UnsortedSegmentMin": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseToDense": "sparse op: scatters run-time coordinates (host kernel)",
    "SparseTensorDenseAdd": "sparse op: scatters run-time coordinates (host kernel)",
    "SparseAdd": "sparse op: data-dependent output length (host)",
    "SparseAddGrad": "sparse op: matches run-time coordinates (host kernel)",
    "SparseReduceSum": "sparse op: scatters run-time coordinates (host kernel)",
    "SparseTensorDenseMatMul": "sparse op: scatters run-time coordinates (host kernel)",
    "SparseReorder": "sparse op: a sort (host kernel)",
    "SparseReshape": "sparse op: index arithmetic on run-time shapes (host kernel)",
    "SparseConcat": "sparse op: data-dependent output length (host)",
    "SparseSoftmax": "sparse op: groups run-time coordinates (host kernel)",
    "SparseFillEmptyRows": "sparse op: data-dependent output length (host)",
    "CTCLoss": "a sequential recursion over time on the label lattice (host kernel)",
    "CTCGreedyDecoder": "data-dependent output length (host)",
    "SegmentProd": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "UnsortedSegmentProd": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentSum": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentMean": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentSqrtN": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentSumWithNumSegments": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentMeanWithNumSegments": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "SparseSegmentSqrtNWithNumSegments": "host op: runs its reference kernel (no scatter-reduce lowering yet)",
    "ScalarSummary": "writes a serialized Summary proto: strings (host)",
    "HistogramSummary": "writes a serialized Summary proto: strings (host); passes/split_summaries.py hands its counting to HistogramStats",
    "HistogramSummaryFromStats": "writes a serialized Summary proto from HistogramStats: strings (host)",
    "ImageSummary": "PNG encoding into a Summary proto: strings (host)",
    "AudioSummaryV2": "WAV encoding into a Summary proto: strings (host)",
    "TensorSummaryV2": "writes a serialized Summary proto: strings (host)",
    "MergeSummary": "parses and joins Summary protos: strings (host)",
    "ParseExample": "host op: protobuf decoding of Example records",
    "ParseSingleExample": "host op: protobuf decoding of an Example record",
    "DecodeCSV": "host op: CSV text parsing into columns",
    "DecodeRaw": "host op: reinterprets string bytes",
    "ReadFile": "host op: reads a file",
    "WriteFile": "host op: writes a file",
    "StringSplit": "host op: string splitting (data-dependent sizes)",
    "StringSplitV2": "host op: string splitting (data-dependent sizes)",
    "StringJoin": "host op: string concatenation",
    "StringLength": "host op: string lengths",
    "Substr": "host op: substrings",
    "StringToNumber": "host op: string parsing",
    "RegexReplace": "host op: regular expressions",
    "AsString": "host op: number formatting",
    "DecodePng": "host op: PNG decoding through Pillow",
    "DecodeJpeg": "host op: JPEG decoding through Pillow",
    "DecodeImage": "host op: image decoding through Pillow",
    "EncodePng": "host op: PNG encoding through Pillow",
    "EncodeJpeg": "host op: JPEG encoding through Pillow",
}

# ops with neither a gradient nor a NotDifferentiable mark, each with why
NO_GRADIENT_DECISION = {
    "Arg": "a function parameter: gradients flow through the call, not into it",
    "Fused": "created by fusion after gradients are built",
    "LRNGrad": "TF registers no gradient for LRNGrad either",
    "ResizeArea": "TF registers no gradient for ResizeArea either",
    "ResizeBilinearGrad": "TF registers no gradient for ResizeBilinearGrad either",
    "ResizeNearestNeighborGrad": "TF registers no gradient for ResizeNearestNeighborGrad either",
    "ResizeBicubicGrad": "TF registers no gradient for ResizeBicubicGrad either",
}


def test_every_lowering_rule_names_a_registered_op():
    ops = registry.all_ops()
    stale = sorted(name for name in lower.RULES if name not in ops)
    assert not stale, f"lowering rules for ops that do not exist: {stale}"


def test_every_op_lowers_or_says_why_not():
    ops = registry.all_ops()
    missing = sorted(name for name in ops if name not in lower.RULES and name not in NOT_LOWERED)
    assert not missing, f"ops with neither a lowering rule nor a reason in NOT_LOWERED: {missing}"
    stale = sorted(name for name in NOT_LOWERED if name not in ops or name in lower.RULES)
    assert not stale, f"NOT_LOWERED names ops that are lowered or do not exist: {stale}"


def test_every_op_has_a_gradient_decision():
    ops = registry.all_ops()
    missing = sorted(n for n in ops if not gradients.has_gradient(n) and n not in NO_GRADIENT_DECISION)
    assert not missing, f"ops with no gradient and no NotDifferentiable mark: {missing}"
    stale = sorted(n for n in NO_GRADIENT_DECISION if n not in ops or gradients.has_gradient(n))
    assert not stale, f"NO_GRADIENT_DECISION is out of date: {stale}"


def test_every_gradient_names_a_registered_op():
    ops = registry.all_ops()
    stale = sorted(n for n in gradients._GRADIENTS if n not in ops)
    assert not stale, f"gradients registered for op types that do not exist: {stale}"


def test_public_names_are_still_offered():
    """Every public tf.* name of the frozen list still exists (regenerate the list with
    `python tests/public_api.py > tests/data/public_names.txt` when adding names)."""
    frozen = (Path(__file__).parent / "data" / "public_names.txt").read_text().split()
    offered = set(public_names())
    gone = [n for n in frozen if n not in offered]
    assert not gone, f"public names no longer offered: {gone}"


def test_fusion_kinds_are_declared_on_the_op():
    """A matmul-class op says which Fused group kind it anchors (fusion never guesses it from
    the op's name); no other op claims one."""
    from flowjit.ir.ops.fused import FUSED_KINDS

    for name, op in registry.all_ops().items():
        if op.op_class == "matmul":
            assert op.fusion_kind in registry.FUSION_KINDS and op.fusion_kind in FUSED_KINDS, name
        else:
            assert op.fusion_kind is None, name
    assert registry.get_op("Conv2D").fusion_kind == "conv" and registry.get_op("MatMul").fusion_kind == "matmul"


def test_allowed_dtypes_are_what_infer_and_the_front_end_enforce():
    """For each elementwise op that declares its dtypes, a placeholder of each dtype outside the
    list is a TypeError when the node is built, and every listed dtype builds."""
    import flowjit as tf
    from flowjit.ir import dtypes

    checked = 0
    for name, op in registry.all_ops().items():
        if op.allowed_dtypes is None or op.op_class not in ("elementwise", "broadcast") or op.num_inputs not in (1, 2):
            continue
        assert all(isinstance(d, dtypes.DType) for d in op.allowed_dtypes) and op.allowed_dtypes, name
        for dt in (dtypes.float32, dtypes.int32, dtypes.bool_, dtypes.string):
            with tf.Graph().as_default() as g:
                xs = [tf.placeholder(dt, [2]) for _ in range(op.num_inputs)]
                if dt in op.allowed_dtypes:
                    g.create_op(name, xs, {})
                else:
                    try:
                        g.create_op(name, xs, {})
                    except TypeError:
                        continue
                    raise AssertionError(f"{name} built with {dt.name}, not in its allowed dtypes")
        checked += 1
    assert checked > 40
