"""Stages and regions of one kernel (steps 3 and 4 of schedule/, see its docstring).

Inside a kernel every value needed outside, every reduction and every library call and its
operands are materialized, the rest inlined; a stage computes materialized values over one
domain; consecutive stages reading each other's values of the same row form a row region.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import options
from ...ir import dtypes
from .. import routines
from ..cost import EXPENSIVE, matmul_work, node_cost
from ..lir import LIBRARY, L, reports_errors, size_of
from ..program import Buffer, Call, Region, Stage, leaf_reads
from ..targets.cpu import gemm
from .access import index_deps, input_index

if TYPE_CHECKING:
    from .steps import ProgramBuilder

PARTIAL_READERS = frozenset({"slice", "gather", "gather_nd", "window"})  # may skip input 0's elements


class KernelScheduler:
    """Stages and regions of one kernel (see the module docstring)."""

    def __init__(self, builder: "ProgramBuilder", nodes: list[L], outputs: dict[int, Buffer],
                 writes_var: dict[int, Buffer], name: str) -> None:
        self.b = builder
        self.nodes = nodes
        self.ids = {n.id for n in nodes}
        self.outputs = outputs
        self.writes_var = writes_var
        self.name = name
        self.reads: list[Buffer] = []
        self.writes: list[Buffer] = []
        self.checks = False
        self.inline_ids: set[int] = set()
        self.alias: dict[int, L] = {}  # matmul operand (a reshape) -> the node whose buffer it reads

    def _reshape_source(self, x: L) -> L | None:
        """For a matmul operand computed in this kernel as a chain of reshapes, the node under
        the chain: its row-major buffer already is the operand, so the GEMM reads it directly
        (im2col windows are then stored over their own [N, OH, OW, KH, KW, C] domain, without
        the divisions a [rows, cols] domain needs). None when x is not such a chain."""
        if x.id not in self.ids or x.id in self.outputs or x.id in self.writes_var:
            return None
        src = x
        while src.op == "reshape" and src.id in self.ids and src.id not in self.outputs \
                and src.id not in self.writes_var:
            src = src.inputs[0]
        if src is x or src.dtype != x.dtype:
            return None
        if src.id not in self.ids and src.id not in self.b.mat:
            return None
        return src

    def schedule(self) -> list[Any]:
        nodes = self.nodes
        uses: dict[int, int] = {}
        for n in nodes:
            for x in n.inputs:
                uses[x.id] = uses.get(x.id, 0) + 1
        mat: list[L] = []
        mat_ids: set[int] = set()

        def materialize(n: L) -> None:
            if n.id in self.ids and n.id not in mat_ids:
                mat_ids.add(n.id)
                mat.append(n)

        for n in nodes:
            if n.id in self.outputs or n.id in self.writes_var or n.op == "reduce" or n.op in LIBRARY:
                materialize(n)
            if n.op in LIBRARY:
                for x in n.inputs:
                    src = self._reshape_source(x)
                    if src is None:
                        materialize(x)
                    else:  # the library reads the source's buffer: no copy through a reshape
                        self.alias[x.id] = src
                        materialize(src)
        # expensive values read through a broadcast would be recomputed for every copy
        cost = self._inline_costs(nodes, mat_ids)
        for n in nodes:
            for x in n.inputs:
                if x.id in self.ids and x.id not in mat_ids and cost.get(x.id, 0) >= 4 and x.size * 2 <= n.size:
                    materialize(x)
        # expensive values shared by several stages
        for _ in range(2):
            cost = self._inline_costs(nodes, mat_ids)
            roots = self._roots_reaching(nodes, mat, mat_ids)
            changed = False
            for n in nodes:
                if n.id in mat_ids or uses.get(n.id, 0) < 2 or cost.get(n.id, 0) < EXPENSIVE:
                    continue
                if len(roots.get(n.id, ())) >= 2:
                    materialize(n)
                    changed = True
            if not changed:
                break
        # a checked value (integer division, gather indices) inlined into a consumer that
        # reads only some of its elements would check only those: TF raises for every element
        for n in self._partly_read_checks(nodes, mat_ids):
            materialize(n)
        mat.sort(key=lambda n: n.id)
        self.inline_ids = self.ids - mat_ids
        self.checks = any(reports_errors(n) for n in nodes)
        return self._stages_to_items(mat, mat_ids)

    def _partly_read_checks(self, nodes: list[L], mat_ids: set[int]) -> list[L]:
        """Error-checking nodes of which some element would never be computed: a path from
        the node to what is stored passes through a consumer that reads a subset (a slice, the
        params of a gather, pooling windows)."""
        consumers: dict[int, list[L]] = {}
        for n in nodes:
            for x in n.inputs:
                consumers.setdefault(x.id, []).append(n)
        whole: dict[int, bool] = {}
        for n in reversed(nodes):  # consumers before producers
            users = [c for c in consumers.get(n.id, ()) if c.id in self.ids]
            whole[n.id] = n.id in mat_ids or bool(users) and all(
                whole.get(c.id, False) and not (c.op in PARTIAL_READERS and c.inputs[0] is n) for c in users)
        return [n for n in nodes if reports_errors(n) and n.id not in mat_ids and not whole[n.id]
                and size_of(n.shape) > 0]

    def _inline_costs(self, nodes: list[L], mat_ids: set[int]) -> dict[int, int]:
        cost: dict[int, int] = {}
        for n in nodes:  # topological (ids increase along edges)
            c = node_cost(n)
            for x in n.inputs:
                if x.id in self.ids and x.id not in mat_ids:
                    c += cost.get(x.id, 0)
            cost[n.id] = min(c, 10_000)
        return cost

    def _roots_reaching(self, nodes: list[L], mat: list[L], mat_ids: set[int]) -> dict[int, set[int]]:
        """For each inlined node, the materialized roots whose expressions contain it."""
        reach: dict[int, set[int]] = {}
        for r in mat:
            stack = list(r.inputs)
            seen: set[int] = set()
            while stack:
                x = stack.pop()
                if x.id in seen or x.id not in self.ids or x.id in mat_ids:
                    continue
                seen.add(x.id)
                reach.setdefault(x.id, set()).add(r.id)
                stack.extend(x.inputs)
        return reach

    # --- stages ---------------------------------------------------------------------------------
    def _domain(self, n: L) -> tuple[int, ...]:
        return n.inputs[0].shape if n.op == "reduce" else n.shape

    def _stages_to_items(self, mat: list[L], mat_ids: set[int]) -> list[Any]:
        items: list[Any] = []
        stages: list[Stage] = []
        bufs: dict[int, Buffer] = {}

        def buffer_for(n: L) -> Buffer:
            buf = self.outputs.get(n.id) or self.writes_var.get(n.id)
            if buf is None:
                buf = self.b.buffer(n.dtype, n.shape, "temp")
            bufs[n.id] = buf
            self.b.mat[n.id] = buf
            return buf

        def flush() -> None:
            if stages:
                items.extend(self._regions(list(stages), bufs, mat_ids))
                stages.clear()

        for n in mat:
            if n.op in LIBRARY:
                flush()
                items.append(self._library_call(n, buffer_for(n), bufs))
                continue
            dom = self._domain(n)
            target = None
            if stages:
                s = stages[-1]
                if s.domain == dom and self._can_merge(s, n, bufs):
                    target = s
            if target is None:
                target = Stage(dom)
                stages.append(target)
            buf = buffer_for(n)
            # the extra copy of an assigned value (when the Assign's output is used)
            if n.id in self.writes_var and n.id in self.outputs and self.outputs[n.id] is not self.writes_var[n.id]:
                target.maps.append((n, self.outputs[n.id]))
                self.writes.append(self.outputs[n.id])
                buf = self.writes_var[n.id]
                bufs[n.id] = self.outputs[n.id]
                self.b.mat[n.id] = self.outputs[n.id]
            if n.op == "reduce":
                target.reduces.append((n, buf))
            else:
                target.maps.append((n, buf))
            self.writes.append(buf)
        flush()
        # buffers each item reads; internal values read only inside their row region become
        # per-thread row scratch
        readers: dict[int, set[int]] = {}
        for k, it in enumerate(items):
            if isinstance(it, Region):
                for st in it.stages:
                    for n, _ in st.maps + st.reduces:
                        for buf in self._leaf_reads(n, mat_ids, bufs, st):
                            self.reads.append(buf)
                            readers.setdefault(buf.id, set()).add(k)
            else:
                for buf in it.inputs:
                    readers.setdefault(buf.id, set()).add(k)
        for k, it in enumerate(items):
            if not isinstance(it, Region) or it.outer == 0 or len(it.stages) < 2:
                continue
            for st in it.stages:
                for n, buf in st.maps + st.reduces:
                    if buf.kind != "temp" or n.id in self.outputs or n.id in self.writes_var:
                        continue
                    if any(buf is p for _, _, p in it.partials) or any(buf is d for _, d, _ in it.partials):
                        continue
                    if readers.get(buf.id, {k}) != {k} or not n.shape or n.shape[0] != it.outer:
                        continue
                    buf.kind = "scratch"
                    buf.per_thread = True
        return items

    def _library_call(self, n: L, out: Buffer, bufs: dict[int, Buffer]) -> Call:
        """The Call of a library node (matmul or routine): its operands are read from their
        buffers (a reshape's source where schedule() aliased one), with a workspace if needed."""
        ins = [self._buffer_of(self.alias.get(x.id, x), bufs) for x in n.inputs]
        if n.op == "matmul":
            a = n.inputs[0]
            k = a.shape[-2] if n.attrs["ta"] else a.shape[-1]
            ws_bytes = gemm.workspace_bytes(n.shape[-1], k, n.dtype.size, self.b.nthreads)
            work, parallel = matmul_work(n), False
        else:
            ws_bytes, work, parallel = routines.plan(n, self.b.nthreads, options.get("FLOWJIT_PARALLEL_MIN_WORK"))
        ws = self.b.buffer(dtypes.uint8, (ws_bytes,), "temp") if ws_bytes else None
        self.reads.extend(ins)
        self.writes.extend([out] if ws is None else [out, ws])
        return Call(n.op, n, ins, out, work=work, workspace=ws, parallel=parallel)

    def _buffer_of(self, n: L, bufs: dict[int, Buffer]) -> Buffer:
        buf = bufs.get(n.id) or self.b.mat.get(n.id)
        if buf is None:
            raise AssertionError(f"{n} is not materialized")
        return buf

    def _leaf_reads(self, root: L, mat_ids: set[int], bufs: dict[int, Buffer], st: Stage) -> list[Buffer]:
        """Buffers the expression of a stage root reads (the walk codegen loads by)."""
        inline = (self.ids - mat_ids) | {n.id for n, _ in st.maps}
        return leaf_reads(root, inline, lambda x: bufs.get(x.id) or self.b.mat.get(x.id))

    def _can_merge(self, stage: Stage, n: L, bufs: dict[int, Buffer]) -> bool:
        in_stage = {m.id for m, _ in stage.maps} | {m.id for m, _ in stage.reduces}
        if n.op == "reduce":
            axes = n.attrs["axes"]
            if any(m.attrs["axes"] != axes for m, _ in stage.reduces):
                return False
        # n may read maps of the stage at the same index only, and no reduce of the stage
        ident = tuple(("d", k) for k in range(len(stage.domain)))
        if n.op == "reduce":
            stack = [(n.inputs[0], ident)]
        else:
            stack = [(x, input_index(n, ident, i)) for i, x in enumerate(n.inputs)]
        seen = set()
        while stack:
            x, idx = stack.pop()
            key = (x.id, idx)
            if key in seen:
                continue
            seen.add(key)
            if x.id in in_stage:
                if any(m.id == x.id for m, _ in stage.reduces):
                    return False
                if idx != ident or x.shape != stage.domain:
                    return False
                continue
            if x.id not in self.ids or x.id in bufs:
                continue
            if x.op == "reduce" or x.op in LIBRARY:
                continue
            for i in range(len(x.inputs)):
                stack.append((x.inputs[i], input_index(x, idx, i)))
        return True

    # --- regions ----------------------------------------------------------------------------------
    def _regions(self, stages: list[Stage], bufs: dict[int, Buffer], mat_ids: set[int]) -> list[Region]:
        regions: list[Region] = []
        current: list[Stage] = []
        produced: dict[int, int] = {}  # L.id of a node materialized in `current` -> stage position

        def close() -> None:
            if current:
                regions.append(self._make_region(list(current), bufs, mat_ids))
                current.clear()
                produced.clear()

        for st in stages:
            if current and self._row_compatible(current, st, produced, bufs):
                current.append(st)
            else:
                close()
                current.append(st)
            for n, _ in st.maps + st.reduces:
                produced[n.id] = len(current) - 1
        close()
        return regions

    def _row_compatible(self, current: list[Stage], st: Stage, produced: dict[int, int],
                        bufs: dict[int, Buffer]) -> bool:
        d0 = current[0].domain[0] if current[0].domain else None
        if not st.domain or d0 is None or st.domain[0] != d0 or d0 <= 1:
            return False
        # reductions across rows must not be read inside the region
        cross = {n.id for s in current for n, _ in s.reduces if 0 in n.attrs["axes"]}
        for n, _ in st.maps + st.reduces:
            if not self._reads_row_local(n, st, produced, cross):
                return False
        return True

    def _reads_row_local(self, root: L, st: Stage, produced: dict[int, int], cross: set[int]) -> bool:
        rank = len(st.domain)
        ident = tuple(("d", k) for k in range(rank))
        if root.op == "reduce":
            start = [(root.inputs[0], ident)]
        else:
            start = [(x, input_index(root, ident, i)) for i, x in enumerate(root.inputs)]
        stack = start
        seen = set()
        while stack:
            x, idx = stack.pop()
            key = (x.id, idx)
            if key in seen:
                continue
            seen.add(key)
            if x.id in produced:
                if x.id in cross:
                    return False
                if not idx or idx[0] != ("d", 0) or x.shape[0] != st.domain[0]:
                    return False
                if any(0 in index_deps(e) for e in idx[1:]):
                    return False
                continue
            if x.id not in self.ids or x.op in ("reduce", "buffer") or x.op in LIBRARY:
                continue
            for i in range(len(x.inputs)):
                stack.append((x.inputs[i], input_index(x, idx, i)))
        return True

    def _make_region(self, stages: list[Stage], bufs: dict[int, Buffer], mat_ids: set[int]) -> Region:
        dom0 = stages[0].domain
        work = 0
        for st in stages:
            per = sum(self._expr_cost(n, mat_ids) for n, _ in st.maps + st.reduces) + 2
            work += size_of(st.domain) * per
        if not dom0 or any(not st.domain or st.domain[0] != dom0[0] for st in stages):
            return Region(0, 1, stages, [], False, work)
        outer = dom0[0]
        nthreads = self.b.nthreads
        parallel = nthreads > 1 and work >= options.get("FLOWJIT_PARALLEL_MIN_WORK") and outer >= 2
        cross = [(n, buf) for st in stages for n, buf in st.reduces if 0 in n.attrs["axes"]]
        if parallel:
            target = max(8 * nthreads, 1)
            chunks = min(outer, target if not cross else min(target, 64))
        else:
            chunks = 1
        chunks = max(1, min(chunks, outer))
        partials = []
        for n, buf in cross:
            kept = tuple(d for k, d in enumerate(n.inputs[0].shape) if k not in n.attrs["axes"])
            pbuf = self.b.buffer(n.dtype, (chunks,) + kept, "temp")
            partials.append((n, buf, pbuf))
            self.writes.append(pbuf)
        return Region(outer, chunks, stages, partials, parallel, work)

    def _expr_cost(self, root: L, mat_ids: set[int]) -> int:
        total = node_cost(root)
        stack = list(root.inputs)
        seen: set[int] = set()
        while stack:
            x = stack.pop()
            if x.id in seen or x.id not in self.ids or x.id in mat_ids:
                continue
            seen.add(x.id)
            total += node_cost(x)
            stack.extend(x.inputs)
        return total


