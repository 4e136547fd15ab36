"""An `ir.Graph` as TF's `GraphDef` protobuf: the exchange form TensorBoard and TF read.

flowjit's own form is the IR text; `Graph.as_graph_def()` gives this one. The protos come
from the optional `tensorboard` extra (through `frontend/summary/proto.py`, imported when a
GraphDef is asked for, so the IR and a plain `import flowjit` never need it).

What is written, as TF writes it:
  - node `name`, `op` (TF's op type: the IR's names are TF's except `graph_attrs.TF_OP_NAMES`),
    `input` as `name` (output 0), `name:N` and `^name` for control inputs, `device`;
  - attrs with TF's names and types: the IR's own (bool -> b, int -> i, float -> f, str -> s,
    DType -> type, TensorShape -> shape, ndarray -> tensor as a TensorProto, lists -> list)
    plus the dtype attrs the IR leaves implicit (`T`, `Tidx`, `N`, ... `graph_attrs.py`);
    flowjit-only attrs (`var`, `num_exports`) get a leading underscore, TF's mark for attrs
    outside an op def; `_output_shapes` with `add_shapes=True` (TensorBoard labels edges with it);
  - `versions.producer`.
Function bodies (`If` branches, `While` cond/body) go to the GraphDef's `library` as
`FunctionDef`s, as TF2's functional control flow writes them; the node's attr is a `func`
naming it, `If`/`While` get `output_shapes`, and those whose bodies hold no stateful op are
`StatelessIf`/`StatelessWhile`, as TF2 names them. Inside a FunctionDef a node's input is
`node:<output arg>:<k>` with TF's output arg names (`mul:z:0`; output_arg_names.py), so TF's
importer reads the bodies. A While carries its captured values through its body, as TF's does
(flowjit's While returns only the loop variables); one with gradient records (num_exports) has
no TF form and is written with flowjit's outputs. `While` nodes keep flowjit's loop variables
(TF2 adds a loop counter and the maximum iterations).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from ...ir.dtypes import DType
from ...ir.graph import Graph as IRGraph
from ...ir.graph import Node, Value
from ...ir.registry import get_op, has_op
from ...ir.shapes import TensorShape
from ..summary.proto import tb_proto
from . import graph_attrs
from .output_arg_names import output_name

# TF's GraphDef producer version of the op set flowjit's GraphDefs use (TF 2.21: AddV2,
# functional If/While); readers check only that it is not older than their min_consumer.
GRAPH_DEF_VERSION = 2474

_DT_NAMES = {"bool": "DT_BOOL", "int8": "DT_INT8", "int16": "DT_INT16", "int32": "DT_INT32",
             "int64": "DT_INT64", "uint8": "DT_UINT8", "float16": "DT_HALF", "float32": "DT_FLOAT",
             "float64": "DT_DOUBLE", "string": "DT_STRING"}
# TensorProto's repeated field for a splat (every element equal) value, per dtype
_VAL_FIELD = {"bool": "bool_val", "int8": "int_val", "int16": "int_val", "int32": "int_val", "uint8": "int_val",
              "int64": "int64_val", "float16": "half_val", "float32": "float_val", "float64": "double_val"}


def datatype_enum(dtype: DType) -> int:
    """TF's `DataType` enum value of a flowjit dtype."""
    try:
        return getattr(tb_proto("types_pb2"), _DT_NAMES[dtype.name])
    except KeyError:
        raise TypeError(f"dtype {dtype!r} has no TensorFlow DataType") from None


def shape_proto(shape: TensorShape | Sequence[int | None] | None) -> Any:
    """TensorShapeProto: unknown rank, or dims with -1 for unknown sizes."""
    proto = tb_proto("tensor_shape_pb2").TensorShapeProto()
    dims = shape.dims if isinstance(shape, TensorShape) else (None if shape is None else tuple(shape))
    if dims is None:
        proto.unknown_rank = True
        return proto
    for d in dims:
        proto.dim.add(size=-1 if d is None else int(d))
    return proto


def tensor_proto(array: np.ndarray, dtype: DType | None = None) -> Any:
    """TensorProto as TF's `make_tensor_proto` writes it: strings in `string_val`, a splat value
    (every element equal) once in its typed field, anything else as `tensor_content`."""
    from ...ir.dtypes import as_dtype

    array = np.asarray(array)
    dtype = dtype or as_dtype(array.dtype)
    proto = tb_proto("tensor_pb2").TensorProto(dtype=datatype_enum(dtype))
    proto.tensor_shape.CopyFrom(shape_proto(array.shape))
    flat = array.reshape(-1)
    if dtype.name == "string":
        proto.string_val.extend(x if isinstance(x, bytes) else str(x).encode("utf-8", "surrogateescape")
                                for x in flat)
        return proto
    typed = np.ascontiguousarray(array, dtype=dtype.np_dtype)
    if flat.size and np.all(typed.reshape(-1) == typed.reshape(-1)[0]):
        first = typed.reshape(-1)[0]
        field = getattr(proto, _VAL_FIELD[dtype.name])
        if dtype.name == "float16":
            field.append(int(np.array(first, np.float16).view(np.uint16)))
        else:
            field.append(first.item())
        return proto
    proto.tensor_content = typed.astype(typed.dtype.newbyteorder("<"), copy=False).tobytes()
    return proto


def tensor_name(value: Value) -> str:
    """`name` for output 0, `name:N` otherwise (TF's GraphDef input form)."""
    return value.node.name if value.index == 0 else f"{value.node.name}:{value.index}"


class _Library:
    """Collects the function bodies of a graph as FunctionDefs, each once, named uniquely."""

    def __init__(self) -> None:
        self.functions: list[Any] = []
        self._names: dict[int, str] = {}
        self._used: set[str] = set()
        self.passthrough: dict[int, int] = {}  # While body -> first captured param it returns as is

    def add(self, body: IRGraph, base: str) -> str:
        if id(body) in self._names:
            return self._names[id(body)]
        name = _unique(re.sub(r"[^A-Za-z0-9_.\-]", "_", base), self._used)
        self._names[id(body)] = name
        self.functions.append(_function_def(body, name, self, self.passthrough.get(id(body))))
        return name


def _unique(name: str, used: set[str]) -> str:
    candidate, k = name, 0
    while candidate.lower() in used:
        k += 1
        candidate = f"{name}_{k}"
    used.add(candidate.lower())
    return candidate


def _attr_value(value: Any, library: _Library, func_base: str) -> Any:
    """One attr as an AttrValue (None: the attr is not written)."""
    pb = tb_proto("attr_value_pb2")
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return pb.AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return pb.AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return pb.AttrValue(f=float(value))
    if isinstance(value, str):
        return pb.AttrValue(s=value.encode("utf-8", "surrogateescape"))
    if isinstance(value, bytes):
        return pb.AttrValue(s=value)
    if isinstance(value, DType):
        return pb.AttrValue(type=datatype_enum(value))
    if isinstance(value, TensorShape):
        return pb.AttrValue(shape=shape_proto(value))
    if isinstance(value, np.ndarray):
        return pb.AttrValue(tensor=tensor_proto(value))
    if isinstance(value, IRGraph):
        return pb.AttrValue(func=pb.NameAttrList(name=library.add(value, func_base)))
    if isinstance(value, (list, tuple)):
        return _list_value(list(value), library, func_base)
    return pb.AttrValue(s=repr(value).encode("utf-8"))  # not representable in TF's attr types


def _list_value(items: list[Any], library: _Library, func_base: str) -> Any:
    pb = tb_proto("attr_value_pb2")
    lst = pb.AttrValue.ListValue()
    if all(isinstance(x, (bool, np.bool_)) for x in items):
        lst.b.extend(bool(x) for x in items)
    elif all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in items):
        lst.i.extend(int(x) for x in items)
    elif all(isinstance(x, (int, float, np.integer, np.floating)) for x in items):
        lst.f.extend(float(x) for x in items)
    elif all(isinstance(x, (str, bytes)) for x in items):
        lst.s.extend(x if isinstance(x, bytes) else x.encode("utf-8", "surrogateescape") for x in items)
    elif all(isinstance(x, DType) for x in items):
        lst.type.extend(datatype_enum(x) for x in items)
    elif all(isinstance(x, TensorShape) for x in items):
        lst.shape.extend(shape_proto(x) for x in items)
    elif all(isinstance(x, np.ndarray) for x in items):
        lst.tensor.extend(tensor_proto(x) for x in items)
    elif all(isinstance(x, IRGraph) for x in items):
        lst.func.extend(pb.NameAttrList(name=library.add(g, f"{func_base}_{k}")) for k, g in enumerate(items))
    else:
        return pb.AttrValue(s=repr(items).encode("utf-8"))  # nested or mixed: not a TF attr type
    return pb.AttrValue(list=lst)


def _fill_attrs(proto_attr: Any, node: Node, library: _Library, add_shapes: bool) -> None:
    """Write `node`'s attrs in TF's names and types into the NodeDef/FunctionDef node's map."""
    dropped = graph_attrs.DROPPED_ATTRS.get(node.op, frozenset())
    func_base = node.name
    output_shapes = [o.shape for o in node.outputs]
    if node.op == "While" and not node.attrs.get("num_exports"):
        # TF's While carries every input through: the body returns the captured values as they
        # came, and the node has an output (and a shape) for each of them
        library.passthrough[id(node.attrs["body"])] = len(node.outputs)
        output_shapes += [v.shape for v in node.inputs[len(node.outputs):]]
    for key, value in node.attrs.items():
        if key in dropped:
            continue
        name = f"_{key}" if key in graph_attrs.PRIVATE_ATTRS else key
        attr = _attr_value(value, library, f"{func_base}_{key}")
        if attr is not None:
            proto_attr[name].CopyFrom(attr)
    implicit = graph_attrs.implicit_type_attrs(node.op, [v.dtype for v in node.inputs],
                                               [o.dtype for o in node.outputs])
    if node.op in ("If", "While"):  # TF2's functional control flow states its output shapes
        implicit["output_shapes"] = output_shapes
    for key, value in implicit.items():
        if key not in proto_attr:
            proto_attr[key].CopyFrom(_attr_value(value, library, func_base))
    colocated = _colocated_variable(node)
    if colocated is not None and "_class" not in proto_attr:
        proto_attr["_class"].CopyFrom(_attr_value([f"loc:@{colocated}"], library, func_base))
    if add_shapes and node.outputs:  # TF writes none for ops without outputs
        proto_attr["_output_shapes"].CopyFrom(_attr_value([o.shape for o in node.outputs], library, func_base))


def tf_op_type(node: Node) -> str:
    """TF's op type for `node` (graph_attrs.TF_OP_NAMES; stateless control flow as TF2 names it)."""
    if node.op in ("If", "While") and not any(_is_stateful(g) for g in node.attrs.values()
                                              if isinstance(g, IRGraph)):
        return f"Stateless{node.op}"
    return graph_attrs.TF_OP_NAMES.get(node.op, node.op)


def _is_stateful(body: IRGraph) -> bool:
    """Whether a function body runs a stateful op (a variable, a random op, a host op), nested
    bodies included."""
    for n in body.nodes:
        if n.op == "Arg":
            continue
        if not has_op(n.op) or get_op(n.op).stateful:
            return True
        if any(_is_stateful(g) for g in n.attrs.values() if isinstance(g, IRGraph)):
            return True
    return False


def _colocated_variable(node: Node) -> str | None:
    """The variable a node made inside `tf.Variable` (its `read`, its initializer's `Assign`)
    is colocated with: TF writes that as `_class: ["loc:@<variable>"]`."""
    if not node.inputs:
        return None
    var = node.inputs[0].node
    if var.op == "VariableV2" and node.name.startswith(var.name + "/") and node.op in ("Identity", "Assign"):
        return var.name
    return None


def node_def(node: Node, library: _Library, add_shapes: bool = False, input_names: dict | None = None) -> Any:
    """The NodeDef of one node; `input_names` maps a Value to its name inside a FunctionDef."""
    proto = tb_proto("node_def_pb2").NodeDef(name=node.name, op=tf_op_type(node), device=node.device or "")
    for v in node.inputs:
        proto.input.append(input_names[v] if input_names is not None else tensor_name(v))
    for c in node.control_inputs:
        proto.input.append(f"^{c.name}")
    _fill_attrs(proto.attr, node, library, add_shapes)
    return proto


def _arg_name(name: str, used: set[str]) -> str:
    """An OpDef arg name ([a-z][a-z0-9_]*) made from a node name."""
    base = re.sub(r"[^a-z0-9_]", "_", name.lower().rsplit("/", 1)[-1]) or "arg"
    if not base[0].isalpha():
        base = "a" + base
    return _unique(base, used)


def _function_def(body: IRGraph, name: str, library: _Library, passthrough: int | None = None) -> Any:
    """A function body graph (params: Arg nodes, results: values) as a FunctionDef; with
    `passthrough`, the params from that index on are returned too (a While body as TF's)."""
    fpb = tb_proto("function_pb2")
    fdef = fpb.FunctionDef()
    fdef.signature.name = name
    used: set[str] = set()
    names: dict[Value, str] = {}
    params = {id(p) for p in body.params}
    for p in body.params:
        arg = _arg_name(p.name, used)
        fdef.signature.input_arg.add(name=arg, type=datatype_enum(p.outputs[0].dtype))
        names[p.output(0)] = arg
    for n in body.topological_order():
        if id(n) in params:
            continue
        for v in n.values:
            names[v] = f"{n.name}:{output_name(tf_op_type(n), v.index, len(n.outputs))}"
    for n in body.topological_order():
        if id(n) not in params:
            fdef.node_def.append(node_def(n, library, input_names=names))
    for k, r in enumerate(body.results):
        out = _unique(f"output_{k}", used)
        fdef.signature.output_arg.add(name=out, type=datatype_enum(r.dtype))
        fdef.ret[out] = names[r]
    extra = body.params[passthrough:] if passthrough is not None else []
    for k, p in enumerate(extra, len(body.results)):
        out = _unique(f"output_{k}", used)
        fdef.signature.output_arg.add(name=out, type=datatype_enum(p.outputs[0].dtype))
        fdef.ret[out] = names[p.output(0)]
    return fdef


def to_graph_def(graph: IRGraph, from_version: int | None = None, add_shapes: bool = False) -> Any:
    """`graph` as a `GraphDef` (see the module docstring). `from_version`: only the nodes added
    after the first `from_version` ones (TF numbers ops from 1 in creation order)."""
    if from_version is not None and (isinstance(from_version, bool) or not isinstance(from_version, int)):
        raise TypeError(f"from_version must be an int or None, got {from_version!r}")
    gpb = tb_proto("graph_pb2")
    graph_def = gpb.GraphDef()
    graph_def.versions.producer = GRAPH_DEF_VERSION
    library = _Library()
    for k, node in enumerate(graph.nodes, start=1):
        if from_version is not None and k <= from_version:
            continue
        graph_def.node.append(node_def(node, library, add_shapes))
    graph_def.library.function.extend(library.functions)
    return graph_def


def compiled_graph_def(plan_graph: IRGraph, add_shapes: bool = True) -> Any:
    """The optimized plan graph (after the pass pipeline) as a GraphDef where every `Fused`
    kernel is a name scope holding its member ops (`<kernel>/<member name>`), wired to the
    kernel's inputs and to its consumers, so TensorBoard shows what the compiler made of the
    graph. Members carry `_kernel` (the kernel's name) and `_fused_kind`."""
    pb = tb_proto("attr_value_pb2")
    graph_def = tb_proto("graph_pb2").GraphDef()
    graph_def.versions.producer = GRAPH_DEF_VERSION
    library = _Library()
    names: dict[Value, str] = {}
    for node in plan_graph.topological_order():
        if node.op != "Fused":
            for v in node.values:
                names[v] = tensor_name(v)
            graph_def.node.append(node_def(node, library, add_shapes, input_names=names))
            continue
        body: IRGraph = node.attrs["body"]
        inner: dict[Value, str] = {p.output(0): names[v] for p, v in zip(body.params, node.inputs)}
        params = {id(p) for p in body.params}
        for member in body.topological_order():
            if id(member) in params:
                continue
            scoped = f"{node.name}/{member.name}"
            for v in member.values:
                inner[v] = scoped if v.index == 0 else f"{scoped}:{v.index}"
            proto = node_def(member, library, add_shapes, input_names=inner)
            proto.name = scoped
            proto.device = node.device or member.device or ""
            proto.input.extend(f"^{c.name}" for c in node.control_inputs if not member.inputs)
            proto.attr["_kernel"].CopyFrom(pb.AttrValue(s=node.name.encode()))
            proto.attr["_fused_kind"].CopyFrom(pb.AttrValue(s=str(node.attrs.get("kind", "")).encode()))
            graph_def.node.append(proto)
        for v, result in zip(node.values, body.results):
            names[v] = inner[result]
    graph_def.library.function.extend(library.functions)
    return graph_def
