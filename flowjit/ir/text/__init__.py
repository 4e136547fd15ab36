"""The textual IR: print a graph, parse it back exactly, compare graphs structurally.

The text is for people (dumps after each pass, error reports) and for pass tests ("IR text
in, IR text out"). Printing then parsing gives back the same graph: node names and order,
op types, data and control inputs, every attr (floats bit-exact, arrays with their dtype and
shape, nested function bodies), devices, output types, source locations and provenance, and the
graph's params, results, targets and seed.

Example::

    graph {
      seed 7
      params %x
      %x = Placeholder() {dtype=float32, shape=shape[?,3]} : float32[?,3] loc("model.py":4:"build")
      %scope/w = Const() {dtype=float32, value=array<float32[3]>[0.5, -0.0, nan]} : float32[3]
      %scope/y = AddV2(%x, %scope/w, ^init) : float32[?,3] @"/cpu:0" loc("model.py":5) prov("cse", ["scope/y_1"])
      %dim = Const() {dtype=int32, value=array<int32[]>[1]} : int32[]
      %split = Split(%dim, %scope/y) {num_split=2} : (float32[?,3], float32[?,3])
      %f = Fused(%split:1) {kind="elementwise", body=graph {
        params %p
        %p = Arg() {dtype=float32, shape=shape[?,3], index=0} : float32[?,3]
        %e = Exp(%p) : float32[?,3]
        return %e
      }} : float32[?,3]
      %init = NoOp() : ()
      return %f, %split:1
      targets %init
    }

Syntax, one node per line (a nested graph attr spans an indented block)::

    %NAME = OP(INPUTS) {ATTRS} : TYPES @"DEVICE" loc("FILE":LINE[:"FUNCTION"]) prov("PASS"[, [ORIGINS]])

- `%name` names a node (output 0); `%name:1` is output 1; `^name` in the input list is a
  control input (after the data inputs). Names made only of `A-Z a-z 0-9 _ . - / >` are
  written bare, any other name is quoted: `%"odd name"`.
- `{ATTRS}` is omitted when there are none; attrs keep their insertion order.
- `: TYPES` gives each output's dtype and static shape: `float32[?,3]` (`?` an unknown dim,
  `[*]` an unknown rank, `[]` a scalar); several outputs `(float32[2], int32[])`; none `()`.
  It may be left out when writing text by hand: the parser then runs the op's inference rule.
- `@"..."` (the device), `loc(...)` and `prov(...)` are printed only when set; the
  provenance printed is omitted when it is the default `Provenance()` (created by the
  front end, no origins).
- Graph statements: `seed N`, `params %a, %b` (the Arg/Placeholder parameter nodes),
  `return %v, %w:1` (the results), `targets %t` (nodes run for their effects). They may appear
  anywhere in the block; names may be used before the line that defines them.
- `# comment` runs to the end of the line.

Attr values:

    int         3, -12
    float       1.5, -0.0, 1e+16, inf, -inf, nan, nan(0x7ff8000000000001) (other NaN bits)
    bool, None  true, false, none
    str         "text with \\" \\\\ \\n \\t \\xHH \\uHHHH \\UHHHHHHHH escapes";  bytes b"\\x00ab"
    DType       float32, int64, string, ...
    TensorShape shape[?,3], shape[*], shape[]
    ndarray     array<float32[2,2]>[1.0, 2.0, 3.0, 4.0]    (flat, C order; the header has dtype
                array<int32[]>[7]                           and shape; a 0-d array has 1 element)
                array<float32[100,100]>splat(0.0)          (all elements bit-identical)
                array<string[2]>["a", b"b"]                (object arrays: str, bytes, scalars)
                array<"<U3"[2]>["ab", "c"]                 (other NumPy dtypes by dtype.str)
    NumPy scalar  scalar<float32>(1.5)
    list, tuple [1, 2], (1, 2), (1,), ()
    Graph       graph { ... }                              (a nested block)

Floats are printed by the shortest repr that reads back to the same bits; when that fails for
float32/float16 the exact hex form `0x1.99999ap-4` is used. `print_graph(g, elide_large=N)`
abbreviates arrays of more than N elements (`array<float32[1000]>[0.1, 0.2, ...]`), for dumps
only: such text does not parse back.

Pass tests compare graphs with `assert_graphs_equal(actual, expected_text)`, which ignores
locations, provenance and node order by default and explains the difference.

Modules: syntax.py (lexical facts both sides share), printer.py, parser.py, compare.py.
"""

from .compare import assert_graphs_equal, attr_equal, graph_differences, graphs_equal
from .parser import MAX_NESTING, parse_attr, parse_graph
from .printer import format_attr, print_graph

__all__ = ["print_graph", "parse_graph", "format_attr", "parse_attr", "graphs_equal",
           "graph_differences", "assert_graphs_equal", "attr_equal", "MAX_NESTING"]
