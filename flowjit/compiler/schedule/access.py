"""Access analysis: the symbolic index at which an expression reads each of its inputs.

Stage merging and row regions ask whether a value is read at the element being computed
(same row, same position) or anywhere else.
"""

from __future__ import annotations

from ..lir import ELEMENTWISE, L

# --- access analysis -------------------------------------------------------------------------------
#
# For a stage with domain rank R, the index of every node read by the stage's expression is a
# tuple of entries: ("d", k) = domain index k, ("c", v) = a constant, ("x", deps) = anything
# else depending on the domain dims in `deps`.

def input_index(n: L, idx: tuple, k: int) -> tuple:
    """Symbolic index of input k of n, given n's symbolic index."""
    x = n.inputs[k]
    op = n.op
    if op in ELEMENTWISE or op == "broadcast" or op == "check":
        r = x.rank
        out = []
        for j in range(r):
            oj = n.rank - r + j
            if x.shape[j] == 1 and n.shape[oj] != 1:
                out.append(("c", 0))
            else:
                out.append(idx[oj])
        return tuple(out)
    if op == "transpose":
        perm = n.attrs["perm"]
        out = [None] * x.rank
        for j, p in enumerate(perm):
            out[p] = idx[j]
        return tuple(out)
    if op == "reshape":
        return reshape_index(x.shape, n.shape, idx)
    if op == "slice":
        out = []
        for j, (b, s) in enumerate(zip(n.attrs["begin"], n.attrs["step"])):
            if b == 0 and s == 1:
                out.append(idx[j])
            elif n.shape[j] == 1:
                out.append(("c", b))
            else:
                out.append(("x", index_deps(idx[j])))
        return tuple(out)
    if op == "pad":
        if k == 1:
            return ()
        return tuple(idx[j] if tuple(p) == (0, 0) else ("x", index_deps(idx[j])) for j, p in enumerate(n.attrs["pads"]))
    if op == "concat":
        a = n.attrs["axis"]
        return tuple(idx[j] if j != a else ("x", index_deps(idx[j])) for j in range(n.rank))
    if op == "tile":
        return tuple(idx[j] if x.shape[j] == n.shape[j] else ("x", index_deps(idx[j])) for j in range(n.rank))
    if op == "gather_nd":
        params, indices = n.inputs
        b = indices.rank - 1
        if k == 1:
            return tuple(idx[:b]) + (("x", frozenset()),)
        deps = frozenset().union(*(index_deps(e) for e in idx[:b])) if b else frozenset()
        kk = indices.shape[-1]
        return tuple(("x", deps) for _ in range(kk)) + tuple(idx[b:])
    if op == "unslice":
        return tuple(idx[j] if (bg == 0 and st == 1) else ("x", index_deps(idx[j]))
                     for j, (bg, st) in enumerate(zip(n.attrs["begin"], n.attrs["step"])))
    if op == "window":
        if k == 1:
            return ()
        hd = index_deps(idx[1]) | index_deps(idx[3])
        wd = index_deps(idx[2]) | index_deps(idx[4])
        return (idx[0], ("x", hd), ("x", wd), idx[5])
    if op == "gather":
        a = n.attrs["axis"]
        params, indices = n.inputs
        ri = indices.rank
        if k == 1:
            return tuple(idx[a:a + ri])
        deps = frozenset().union(*(index_deps(e) for e in idx[a:a + ri])) if ri else frozenset()
        return tuple(idx[:a]) + (("x", deps),) + tuple(idx[a + ri:])
    deps = frozenset().union(*(index_deps(e) for e in idx)) if idx else frozenset()
    return tuple(("x", deps) for _ in range(x.rank))


def index_deps(e: tuple) -> frozenset:
    if e[0] == "d":
        return frozenset([e[1]])
    if e[0] == "x":
        return e[1]
    return frozenset()


def reshape_index(in_shape: tuple, out_shape: tuple, idx: tuple) -> tuple:
    """Index of a reshape's input: exact where the shapes differ only by 1s, else mixed."""
    a = [(j, d) for j, d in enumerate(in_shape) if d != 1]
    b = [(j, d) for j, d in enumerate(out_shape) if d != 1]
    if [d for _, d in a] == [d for _, d in b]:
        out = [("c", 0)] * len(in_shape)
        for (ja, _), (jb, _) in zip(a, b):
            out[ja] = idx[jb]
        return tuple(out)
    # common leading dims map one to one, the rest depends on everything after them
    out = []
    p = 0
    while p < min(len(in_shape), len(out_shape)) and in_shape[p] == out_shape[p]:
        out.append(idx[p])
        p += 1
    rest = frozenset().union(*(index_deps(e) for e in idx[p:])) if idx[p:] else frozenset()
    out.extend(("x", rest) for _ in range(len(in_shape) - p))
    return tuple(out)

