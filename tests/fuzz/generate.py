"""Random fuzz programs: chains of elementwise, reduction, matmul, data-movement and nn ops.

The generator grows a program node by node, tracking each value's dtype and static shape so
that every program is valid TF1 by construction (an invalid one is a generator bug and is
counted apart). Operands prefer the newest value, so chains form and fuse; new inputs are
made on demand with broadcast-compatible or concat-compatible shapes. Shapes include size-1
and (rarely) zero-size dims; dtypes are float32/float64/int32/int64/bool.

    program = generate(RandomDraw(seed))
"""

from __future__ import annotations

import math
from typing import Any, Callable

from .draw import Draw
from .program import FLOATS, INTS, Node, Program
from .values import draw_data

MAX_ELEMENTS = 400
FLOAT_UNARY = ["exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "softplus", "log1p", "expm1", "sin", "cos",
               "atan", "erf", "reciprocal", "floor", "ceil", "round", "abs", "neg", "square", "sign", "relu"]
INT_UNARY = ["abs", "neg", "square", "sign", "relu"]
PREDICATES = ["is_nan", "is_inf", "is_finite"]
ARITH = ["add", "sub", "mul", "maximum", "minimum", "squared_difference"]
FLOAT_BINARY = ARITH + ["div", "truediv", "pow", "floordiv", "floormod", "atan2"]
INT_BINARY = ARITH + ["div", "floordiv", "floormod", "pow", "truediv"]
COMPARE = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
LOGICAL = ["logical_and", "logical_or", "logical_xor", "equal", "not_equal"]
REDUCE = ["reduce_sum", "reduce_max", "reduce_min", "reduce_mean", "reduce_prod"]
ELEMENTWISE = set(FLOAT_UNARY + INT_UNARY + PREDICATES + FLOAT_BINARY + INT_BINARY + COMPARE + LOGICAL) | {
    "logical_not", "where", "cast"}
DIVISORS = {"div", "floordiv", "floormod"}  # integer division by zero is an error: avoid it mostly


def size_of(shape: list[int]) -> int:
    return math.prod(shape)


def _dims(d: Draw, rank: int) -> list[int]:
    dims = [d.pick([2, 3, 1, 4, 5, 2, 3, 6, 7, 8, 16, 33]) for _ in range(rank)]
    if rank and d.chance(0.06):
        dims[d.int(0, rank - 1)] = 0
    while size_of(dims) > 256:
        dims[dims.index(max(dims))] //= 2
    return dims


def _permutation(d: Draw, n: int) -> list[int]:
    rest = list(range(n))
    return [rest.pop(d.int(0, len(rest) - 1)) for _ in range(n)]


def _reduce_shape(shape: list[int], axis: list[int] | None, keep: bool) -> list[int]:
    axes = set(range(len(shape))) if axis is None else {a % len(shape) for a in axis}
    if keep:
        return [1 if k in axes else n for k, n in enumerate(shape)]
    return [n for k, n in enumerate(shape) if k not in axes]


def _factor_shape(d: Draw, n: int) -> list[int]:
    """A random shape with n elements (n > 0), rank 0..4."""
    factors, p, m = [], 2, n
    while m > 1:
        while m % p == 0:
            factors.append(p)
            m //= p
        p += 1
    rank = d.int(1 if n > 1 else 0, 4)
    dims = [1] * rank
    for f in factors:
        dims[d.int(0, rank - 1)] *= f
    return dims


class Generator:
    """One program under construction; `ops` maps an op family to its node maker."""

    def __init__(self, d: Draw, max_ops: int = 10) -> None:
        self.d = d
        self.max_ops = max_ops
        self.nodes: list[Node] = []
        self.max_elements = MAX_ELEMENTS
        self.dynamic: set[int] = set()
        self.unknown_rank: set[int] = set()
        self.ops: dict[str, Callable[[], Node | None]] = {
            "unary": self.unary, "binary": self.binary, "compare": self.compare, "where": self.where,
            "reduce": self.reduce, "argmax": self.argmax, "matmul": self.matmul, "gather": self.gather,
            "concat": self.concat, "slice": self.slice, "strided": self.strided, "tile": self.tile,
            "pad": self.pad, "reshape": self.reshape, "transpose": self.transpose, "expand": self.expand_dims,
            "squeeze": self.squeeze, "reverse": self.reverse, "broadcast_to": self.broadcast_to,
            "softmax": self.softmax, "logsumexp": self.logsumexp, "cast": self.cast,
        }
        self.families = (["unary"] * 7 + ["binary"] * 6 + ["compare", "where", "cast", "cast"] + ["reduce"] * 3
                         + ["argmax", "matmul", "matmul", "softmax", "softmax", "logsumexp"]
                         + ["gather", "gather", "concat", "concat", "slice", "strided", "tile", "pad", "pad",
                            "reshape", "reshape", "transpose", "expand", "squeeze", "reverse", "broadcast_to"])

    # --- values -------------------------------------------------------------------------
    def add(self, node: Node) -> int:
        """Append `node`; track which values have unknown dims (a None in an input's `decl`)
        and which of those lost their static rank (squeeze with no axis, and what is
        computed elementwise from that)."""
        k = len(self.nodes)
        self.nodes.append(node)
        args = node.get("args", [])
        if None in node.get("decl", []) or any(a in self.dynamic for a in args):
            self.dynamic.add(k)
        if (node["op"] == "squeeze" and node["axis"] is None and k in self.dynamic
                or node["op"] in ELEMENTWISE and any(a in self.unknown_rank for a in args)):
            self.unknown_rank.add(k)
        return k

    def new_input(self, dtype: str, shape: list[int], positive: bool = False) -> int:
        d = self.d
        node: Node = {"op": "input", "dtype": dtype, "shape": list(shape),
                      "data": draw_data(d, dtype, size_of(shape), positive)}
        if d.chance(0.25):
            node["feed"] = False
        elif shape and d.chance(0.25):
            node["decl"] = [None if d.chance(0.5) else n for n in shape]
        return self.add(node)

    def operand(self, ok: Callable[[Node], bool], any_rank: bool = False) -> int | None:
        """A value accepted by `ok`: the newest one usually, so chains grow. Only elementwise
        ops (`any_rank`) take a value whose rank TF does not know statically."""
        candidates = [k for k, n in enumerate(self.nodes) if ok(n) and (any_rank or k not in self.unknown_rank)]
        if not candidates:
            return None
        return candidates[-1] if not self.d.chance(0.4) else self.d.pick(candidates)

    def partner_shape(self, shape: list[int]) -> list[int]:
        """A shape that broadcasts with `shape` (some dims 1, fewer or more leading dims)."""
        d = self.d
        out = []
        for n in shape:
            if n == 1 and d.chance(0.3):
                out.append(d.pick([2, 3, 5]))
            else:
                out.append(1 if d.chance(0.3) else n)
        if out and d.chance(0.3):
            out = out[d.int(1, len(out)):]
        elif len(out) < 4 and d.chance(0.15):
            out = [d.pick([1, 2, 3])] + out
        return out

    def partner(self, dtype: str, shape: list[int], positive: bool = False) -> int:
        def fits(n: Node) -> bool:
            return n["dtype"] == dtype and _broadcast(n["shape"], shape) is not None
        k = None if positive else self.operand(fits, any_rank=True)
        if k is None or self.d.chance(0.5):
            k = self.new_input(dtype, self.partner_shape(shape), positive)
        return k

    def node(self, op: str, args: list[int], dtype: str, shape: list[int], **attrs: Any) -> Node | None:
        if size_of(shape) > self.max_elements:
            return None
        return {"op": op, "args": args, **attrs, "dtype": dtype, "shape": list(shape)}

    def x(self, ok: Callable[[Node], bool] = lambda n: True,
          any_rank: bool = False) -> tuple[int, Node] | tuple[None, None]:
        k = self.operand(ok, any_rank)
        return (k, self.nodes[k]) if k is not None else (None, None)

    # --- elementwise --------------------------------------------------------------------
    def unary(self) -> Node | None:
        k, x = self.x(any_rank=True)
        if x is None:
            return None
        dt = x["dtype"]
        if dt in FLOATS:
            op = self.d.pick(FLOAT_UNARY + PREDICATES)
            out = "bool" if op in PREDICATES else dt
        elif dt in INTS:
            op, out = self.d.pick(INT_UNARY), dt
        else:
            op, out = "logical_not", "bool"
        return self.node(op, [k], out, x["shape"])

    def binary(self) -> Node | None:
        k, x = self.x(lambda n: n["dtype"] != "bool", any_rank=True)
        if x is None:
            return None
        dt = x["dtype"]
        op = self.d.pick(FLOAT_BINARY if dt in FLOATS else INT_BINARY)
        j = self.partner(dt, x["shape"], positive=dt in INTS and op in DIVISORS | {"pow"})
        args = [j, k] if self.d.chance(0.3) else [k, j]
        shape = _broadcast(self.nodes[args[0]]["shape"], self.nodes[args[1]]["shape"])
        out = "float64" if op == "truediv" and dt in INTS else dt
        return self.node(op, args, out, shape)

    def compare(self) -> Node | None:
        k, x = self.x(any_rank=True)
        if x is None:
            return None
        dt = x["dtype"]
        op = self.d.pick(LOGICAL if dt == "bool" else COMPARE)
        j = self.partner(dt, x["shape"])
        return self.node(op, [k, j], "bool", _broadcast(x["shape"], self.nodes[j]["shape"]))

    def where(self) -> Node | None:
        k, x = self.x(any_rank=True)
        if x is None:
            return None
        c = self.partner("bool", x["shape"])
        y = self.partner(x["dtype"], x["shape"])
        shape = _broadcast(_broadcast(self.nodes[c]["shape"], x["shape"]), self.nodes[y]["shape"])
        if shape is None:
            return None
        return self.node("where", [c, k, y], x["dtype"], shape)

    def cast(self) -> Node | None:
        k, x = self.x(any_rank=True)
        if x is None:
            return None
        to = self.d.pick([t for t in FLOATS + INTS + ("bool",) if t != x["dtype"]])
        return self.node("cast", [k], to, x["shape"], to=to)

    # --- reductions and contractions -------------------------------------------------------
    def axes(self, rank: int) -> list[int] | None:
        d = self.d
        if rank == 0 or d.chance(0.25):
            return None if d.chance(0.8) else []
        axes = sorted({d.int(0, rank - 1) for _ in range(d.int(1, rank))})
        return [a - rank if d.chance(0.2) else a for a in axes]

    def reduce(self) -> Node | None:
        k, x = self.x()
        if x is None:
            return None
        dt = x["dtype"]
        op = self.d.pick(["reduce_all", "reduce_any"] if dt == "bool" else REDUCE)
        axis, keep = self.axes(len(x["shape"])), self.d.chance(0.5)
        return self.node(op, [k], dt, _reduce_shape(x["shape"], axis, keep), axis=axis, keepdims=keep)

    def logsumexp(self) -> Node | None:
        k, x = self.x(lambda n: n["dtype"] in FLOATS)
        if x is None:
            return None
        axis, keep = self.axes(len(x["shape"])), self.d.chance(0.5)
        return self.node("reduce_logsumexp", [k], x["dtype"], _reduce_shape(x["shape"], axis, keep),
                         axis=axis, keepdims=keep)

    def softmax(self) -> Node | None:
        k, x = self.x(lambda n: n["dtype"] in FLOATS and len(n["shape"]) >= 1)
        if x is None:
            return None
        rank = len(x["shape"])
        axis = -1 if self.d.chance(0.75) else self.d.int(-rank, rank - 1)
        return self.node(self.d.pick(["softmax", "log_softmax"]), [k], x["dtype"], x["shape"], axis=axis)

    def argmax(self) -> Node | None:
        k, x = self.x(lambda n: n["dtype"] != "bool" and len(n["shape"]) >= 1)
        if x is None:
            return None
        rank = len(x["shape"])
        axis = self.d.int(-rank, rank - 1)
        shape = [n for i, n in enumerate(x["shape"]) if i != axis % rank]
        return self.node(self.d.pick(["argmax", "argmin"]), [k], "int64", shape, axis=axis)

    def matmul(self) -> Node | None:
        k, x = self.x(lambda n: n["dtype"] != "bool" and len(n["shape"]) in (2, 3))
        if x is None:
            return None
        d = self.d
        ta, tb = d.chance(0.3), d.chance(0.3)
        *batch, m, kk = x["shape"]
        if ta:
            m, kk = kk, m
        n = d.pick([1, 2, 3, 4, 5, 8, 17])
        want = batch + ([n, kk] if tb else [kk, n])
        j = self.operand(lambda v: v["dtype"] == x["dtype"] and v["shape"] == want)
        if j is None or d.chance(0.5):
            j = self.new_input(x["dtype"], want)
        return self.node("matmul", [k, j], x["dtype"], batch + [m, n], transpose_a=ta, transpose_b=tb)

    # --- data movement ------------------------------------------------------------------
    def gather(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        d, shape = self.d, x["shape"]
        axis = d.int(0, len(shape) - 1)
        dim = shape[axis]
        rank = d.pick([1, 1, 0, 2])
        ishape = [d.int(0, 5)] if rank == 1 else [d.int(1, 4), d.int(0, 4)][:rank]  # nested lists: no [0, n]
        if dim == 0 and size_of(ishape) and not d.chance(0.2):
            ishape = [0]

        def index() -> int:
            if dim == 0 or d.chance(0.02):
                return d.pick([dim, -1, dim + 3])  # out of range: an InvalidArgumentError in both
            return d.int(0, dim - 1)
        flat = [index() for _ in range(size_of(ishape))]
        indices: Any = flat[0] if not ishape else _nest(flat, ishape)
        out = shape[:axis] + ishape + shape[axis + 1:]
        return self.node("gather", [k], x["dtype"], out, indices=indices, axis=axis - len(shape) * d.chance(0.2),
                         index_dtype=d.pick(["int32", "int64"]))

    def concat(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        d, shape = self.d, x["shape"]
        axis = d.int(0, len(shape) - 1)
        args = [k]
        for _ in range(d.int(1, 2)):
            def fits(n: Node) -> bool:
                s = n["shape"]
                return n["dtype"] == x["dtype"] and len(s) == len(shape) and all(
                    a == b for i, (a, b) in enumerate(zip(s, shape)) if i != axis)
            j = self.operand(fits)
            if j is None or d.chance(0.5):
                j = self.new_input(x["dtype"], shape[:axis] + [d.pick([1, 2, 0, 3, 5])] + shape[axis + 1:])
            args.insert(d.int(0, len(args)), j)
        out = list(shape)
        out[axis] = sum(self.nodes[j]["shape"][axis] for j in args)
        return self.node("concat", args, x["dtype"], out, axis=axis - len(shape) * d.chance(0.2))

    def slice(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        d = self.d
        begin = [d.int(0, n) for n in x["shape"]]
        size = [-1 if d.chance(0.3) else d.int(0, n - b) for n, b in zip(x["shape"], begin)]
        out = [n - b if s == -1 else s for n, b, s in zip(x["shape"], begin, size)]
        return self.node("slice", [k], x["dtype"], out, begin=begin, size=size)

    def strided(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        d = self.d
        slices: list[Any] = []
        out = []
        for n in x["shape"]:
            if n and d.chance(0.15):
                slices.append(d.int(-n, n - 1))
                continue
            bound = lambda: None if d.chance(0.4) else d.int(-n - 1, n + 1)  # noqa: E731
            spec = [bound(), bound(), d.pick([1, 1, 2, -1, -2, 3])]
            slices.append(spec)
            out.append(len(range(*slice(*spec).indices(n))))
        return self.node("strided", [k], x["dtype"], out, slices=slices)

    def tile(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        multiples = [self.d.pick([1, 2, 1, 3]) for _ in x["shape"]]
        if self.d.chance(0.05):
            multiples[self.d.int(0, len(multiples) - 1)] = 0
        return self.node("tile", [k], x["dtype"], [n * m for n, m in zip(x["shape"], multiples)],
                         multiples=multiples)

    def pad(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        d, shape = self.d, x["shape"]
        mode = d.pick(["CONSTANT", "CONSTANT", "REFLECT", "SYMMETRIC"])
        if 0 in shape and mode == "REFLECT":  # TF: paddings must be less than the dimension size
            mode = "CONSTANT"
        caps = [max(0, {"CONSTANT": 2, "REFLECT": min(2, n - 1), "SYMMETRIC": min(2, n)}[mode]) for n in shape]
        paddings = [[d.int(0, cap), d.int(0, cap)] for cap in caps]
        attrs: dict[str, Any] = {"paddings": paddings, "mode": mode}
        if mode == "CONSTANT" and d.chance(0.4):
            attrs["value"] = {"bool": True, "int32": -3, "int64": 7}.get(x["dtype"], -1.5)
        out = [n + a + b for n, (a, b) in zip(shape, paddings)]
        return self.node("pad", [k], x["dtype"], out, **attrs)

    def reshape(self) -> Node | None:
        k, x = self.x()
        if x is None:
            return None
        n = size_of(x["shape"])
        to = _factor_shape(self.d, n) if n else [0, self.d.pick([1, 3])]
        if n and to and self.d.chance(0.3):
            to[self.d.int(0, len(to) - 1)] = -1
        shape = [n // max(1, -size_of(to)) if t == -1 else t for t in to]
        return self.node("reshape", [k], x["dtype"], shape, to=to)

    def transpose(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 2)
        if x is None:
            return None
        perm = _permutation(self.d, len(x["shape"]))
        return self.node("transpose", [k], x["dtype"], [x["shape"][p] for p in perm], perm=perm)

    def expand_dims(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) < 4)
        if x is None:
            return None
        rank = len(x["shape"])
        axis = self.d.int(-rank - 1, rank)
        shape = list(x["shape"])
        shape.insert(axis % (rank + 1), 1)
        return self.node("expand_dims", [k], x["dtype"], shape, axis=axis)

    def squeeze(self) -> Node | None:
        k, x = self.x(lambda n: 1 in n["shape"])
        if x is None:
            return None
        ones = [i for i, n in enumerate(x["shape"]) if n == 1]
        axis = None if self.d.chance(0.3) else sorted({self.d.pick(ones) for _ in ones})
        drop = set(ones if axis is None else axis)
        return self.node("squeeze", [k], x["dtype"], [n for i, n in enumerate(x["shape"]) if i not in drop],
                         axis=axis)

    def reverse(self) -> Node | None:
        k, x = self.x(lambda n: len(n["shape"]) >= 1)
        if x is None:
            return None
        rank = len(x["shape"])
        axis = sorted({self.d.int(0, rank - 1) for _ in range(self.d.int(1, rank))})
        return self.node("reverse", [k], x["dtype"], x["shape"], axis=axis)

    def broadcast_to(self) -> Node | None:
        k, x = self.x()
        if x is None:
            return None
        d = self.d
        to = [d.pick([2, 3, 1]) if n == 1 and d.chance(0.6) else n for n in x["shape"]]
        if len(to) < 4 and d.chance(0.4):
            to = [d.pick([2, 1, 3])] + to
        return self.node("broadcast_to", [k], x["dtype"], to, to=to)

    # --- the program --------------------------------------------------------------------
    def program(self) -> Program:
        d = self.d
        dtype = d.pick(["float32", "float32", "float32", "float64", "float64", "int32", "int64", "bool"])
        self.new_input(dtype, _dims(d, d.pick([0, 1, 1, 2, 2, 2, 3, 3, 4])))
        for _ in range(d.int(1, self.max_ops)):
            made = self.ops[d.pick(self.families)]()
            if made is not None:
                self.add(made)
        if self.nodes[-1]["op"] == "input":
            self.max_elements = 1 << 30  # the program needs one op, whatever its input's size
            made = self.unary()
            assert made is not None
            self.add(made)
        outputs = [len(self.nodes) - 1]
        ops = [k for k, n in enumerate(self.nodes[:-1]) if n["op"] != "input"]
        for _ in range(d.int(0, 2) if ops else 0):
            k = d.pick(ops)
            if k not in outputs:
                outputs.append(k)
        return prune({"nodes": self.nodes, "outputs": outputs})


def generate(d: Draw, max_ops: int = 10) -> Program:
    return Generator(d, max_ops).program()


def prune(program: Program) -> Program:
    """Drop the nodes no output needs and renumber the rest (also used by the shrinker)."""
    nodes = program["nodes"]
    live = set(program["outputs"])
    for k in range(len(nodes) - 1, -1, -1):
        if k in live:
            live.update(nodes[k].get("args", []))
    order = sorted(live)
    new = {old: i for i, old in enumerate(order)}
    kept = []
    for old in order:
        node = dict(nodes[old])
        if "args" in node:
            node["args"] = [new[a] for a in node["args"]]
        kept.append(node)
    return {"nodes": kept, "outputs": [new[o] for o in program["outputs"]]}


def _broadcast(a: list[int] | None, b: list[int] | None) -> list[int] | None:
    if a is None or b is None:
        return None
    out = []
    for x, y in zip([1] * (len(b) - len(a)) + list(a), [1] * (len(a) - len(b)) + list(b)):
        if x != y and 1 not in (x, y):
            return None
        out.append(y if x == 1 else x)
    return out


def _nest(flat: list[int], shape: list[int]) -> Any:
    if len(shape) == 1:
        return flat
    step = size_of(shape[1:])
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
