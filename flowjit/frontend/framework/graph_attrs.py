"""TF's attrs that flowjit's IR leaves implicit, for writing a GraphDef.

flowjit's nodes carry only the attrs their kernels need: the dtypes TF's op defs name as
attrs (`T`, `Tidx`, `Tshape`, `out_type`, `N`, ...) follow from the inputs and outputs, so
the IR does not store them. A GraphDef must hold them (TensorBoard shows them, TF's importer
requires them), so this table says, per op, which attr comes from which input or output.
Every op not listed with inputs gets `T` from input 0; `NO_TYPE_ATTR` lists the exceptions.
"""

from __future__ import annotations

from typing import Any

# (attr name, source): ("in", k) input k's dtype (negative k counts from the end),
# ("out", k) output k's dtype, ("n_in", (start, stop)) the count of inputs start:stop,
# ("in_list", (start, stop)) / ("out_list", None) the dtypes of those inputs / of every output.
Source = tuple[str, Any]

_REDUCTION = [("T", ("in", 0)), ("Tidx", ("in", 1))]
_SEGMENT = [("T", ("in", 0)), ("Tindices", ("in", 1))]
_UNSORTED = [("T", ("in", 0)), ("Tindices", ("in", 1)), ("Tnumsegments", ("in", 2))]
_RANDOM = [("dtype", ("out", 0)), ("T", ("in", 0))]

TYPE_ATTRS: dict[str, list[tuple[str, Source]]] = {
    **{op: _REDUCTION for op in ("Sum", "Mean", "Max", "Min", "Prod", "EuclideanNorm", "Cumsum", "Cumprod",
                                 "ReverseV2", "BroadcastTo")},
    "All": [("Tidx", ("in", 1))],
    "Any": [("Tidx", ("in", 1))],
    "ArgMax": [("T", ("in", 0)), ("Tidx", ("in", 1)), ("output_type", ("out", 0))],
    "ArgMin": [("T", ("in", 0)), ("Tidx", ("in", 1)), ("output_type", ("out", 0))],
    "ConcatV2": [("N", ("n_in", (0, -1))), ("T", ("in", 0)), ("Tidx", ("in", -1))],
    "AddN": [("N", ("n_in", (0, None))), ("T", ("in", 0))],
    "Pack": [("N", ("n_in", (0, None))), ("T", ("in", 0))],
    "IdentityN": [("T", ("in_list", (0, None)))],
    "ShapeN": [("N", ("n_in", (0, None))), ("T", ("in", 0)), ("out_type", ("out", 0))],
    "Reshape": [("T", ("in", 0)), ("Tshape", ("in", 1))],
    "Transpose": [("T", ("in", 0)), ("Tperm", ("in", 1))],
    "Tile": [("T", ("in", 0)), ("Tmultiples", ("in", 1))],
    "Pad": [("T", ("in", 0)), ("Tpaddings", ("in", 1))],
    "PadV2": [("T", ("in", 0)), ("Tpaddings", ("in", 1))],
    "MirrorPad": [("T", ("in", 0)), ("Tpaddings", ("in", 1))],
    "ExpandDims": [("T", ("in", 0)), ("Tdim", ("in", 1))],
    "Fill": [("T", ("in", 1)), ("index_type", ("in", 0))],
    "Shape": [("T", ("in", 0)), ("out_type", ("out", 0))],
    "Size": [("T", ("in", 0)), ("out_type", ("out", 0))],
    "GatherV2": [("Tparams", ("in", 0)), ("Tindices", ("in", 1)), ("Taxis", ("in", 2))],
    "GatherNd": [("Tparams", ("in", 0)), ("Tindices", ("in", 1))],
    "Range": [("Tidx", ("out", 0))],
    "LinSpace": [("T", ("in", 0)), ("Tidx", ("in", 2))],
    "RandomUniform": _RANDOM,
    "RandomStandardNormal": _RANDOM,
    "TruncatedNormal": _RANDOM,
    "RandomUniformInt": [("Tout", ("out", 0)), ("T", ("in", 0))],
    "Multinomial": [("T", ("in", 0)), ("output_dtype", ("out", 0))],
    "Slice": [("T", ("in", 0)), ("Index", ("in", 1))],
    "StridedSlice": [("T", ("in", 0)), ("Index", ("in", 1))],
    "StridedSliceGrad": [("T", ("in", 4)), ("Index", ("in", 0))],
    "Split": [("T", ("in", 1))],
    "SplitV": [("T", ("in", 0)), ("Tlen", ("in", 1))],
    "OneHot": [("T", ("in", 2)), ("TI", ("in", 0))],
    "Select": [("T", ("in", 1))],
    "SelectV2": [("T", ("in", 1))],
    "InTopKV2": [("T", ("in", 1))],
    "ScatterUpdate": _SEGMENT, "ScatterAdd": _SEGMENT, "ScatterSub": _SEGMENT,
    "ScatterNd": [("T", ("in", 1)), ("Tindices", ("in", 0))],
    "TensorScatterUpdate": _SEGMENT, "TensorScatterAdd": _SEGMENT, "TensorScatterSub": _SEGMENT,
    **{op: _SEGMENT for op in ("SegmentSum", "SegmentMean", "SegmentMax", "SegmentMin", "SegmentProd")},
    **{op: _UNSORTED for op in ("UnsortedSegmentSum", "UnsortedSegmentMax", "UnsortedSegmentMin",
                                "UnsortedSegmentProd")},
    "SparseSoftmaxCrossEntropyWithLogits": [("T", ("in", 0)), ("Tlabels", ("in", 1))],
    "Unique": [("T", ("in", 0)), ("out_idx", ("out", 1))],
    "ListDiff": [("T", ("in", 0)), ("out_idx", ("out", 1))],
    "MaxPoolWithArgmax": [("T", ("in", 0)), ("Targmax", ("out", 1))],
    "IsVariableInitialized": [("dtype", ("in", 0))],
    "PlaceholderWithDefault": [("dtype", ("in", 0))],
    "If": [("Tcond", ("in", 0)), ("Tin", ("in_list", (1, None))), ("Tout", ("out_list", None))],
    "While": [("T", ("in_list", (0, None)))],
    "PyFunc": [("Tin", ("in_list", (0, None))), ("Tout", ("out_list", None))],
    "PyFuncStateless": [("Tin", ("in_list", (0, None))), ("Tout", ("out_list", None))],
    "Assert": [("T", ("in_list", (1, None)))],
    "Print": [("T", ("in", 0)), ("U", ("in_list", (1, None)))],
    "StringFormat": [("T", ("in_list", (0, None)))],
}

# ops whose TF op def has no `T` (and no other dtype attr flowjit leaves implicit)
NO_TYPE_ATTR = frozenset({"NoOp", "Const", "Placeholder", "VariableV2", "LogicalAnd", "LogicalOr", "LogicalNot",
                          "ReportUninitialized", "Arg", "Fused", "PrintV2", "CTCGreedyDecoder", "CTCLoss",
                          "ReducedShape", "ComputeAccidentalHits", "Cast"})

# flowjit op type -> TF op type, where they differ (every other IR name is TF's own). The IR's
# other names without a TF op: `Arg` (a function body's parameter: written as the FunctionDef's
# input arg, never as a node), `Fused` (a plan's kernel: the compiled view writes its member
# ops instead), `ReducedShape` and `ReportUninitialized` (TF builds these from several ops;
# written under flowjit's name). `If`/`While` whose bodies hold no stateful op are written as
# TF2 writes them, `StatelessIf`/`StatelessWhile` (graph_def.py).
TF_OP_NAMES: dict[str, str] = {
    "ReadVariable": "Identity",  # a TF1 ref variable's `read_value()` is an Identity of the variable
}

# flowjit-only attrs: written with a leading underscore (TF's mark for attrs outside the op def,
# which importers accept), except those TF has no use for at all
PRIVATE_ATTRS = frozenset({"var", "vars", "num_exports"})
DROPPED_ATTRS: dict[str, frozenset[str]] = {
    "VariableV2": frozenset({"var"}),  # the variable's name is the node's
    "ReadVariable": frozenset({"var"}),
}


def implicit_type_attrs(op: str, in_dtypes: list[Any], out_dtypes: list[Any]) -> dict[str, Any]:
    """The dtype (and count) attrs TF's op def of `op` has that flowjit leaves implicit:
    attr name -> a DType, a list of DTypes or an int."""
    rules = TYPE_ATTRS.get(op)
    if rules is None:
        if op in NO_TYPE_ATTR or not in_dtypes:
            return {}
        rules = [("T", ("in", 0))]
    out: dict[str, Any] = {}
    for attr, (kind, where) in rules:
        if kind == "in":
            if -len(in_dtypes) <= where < len(in_dtypes):
                out[attr] = in_dtypes[where]
        elif kind == "out":
            if where < len(out_dtypes):
                out[attr] = out_dtypes[where]
        elif kind == "n_in":
            out[attr] = len(in_dtypes[slice(*where)])
        elif kind == "in_list":
            out[attr] = list(in_dtypes[slice(*where)])
        elif kind == "out_list":
            out[attr] = list(out_dtypes)
    return out
