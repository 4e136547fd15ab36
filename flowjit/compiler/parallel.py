"""A native fork-join thread pool, written in LLVM IR.

Compiled code calls `flowjit_parallel_for(fn, ctx, n)`: the calling thread and the pool's
workers run `fn(ctx, begin, end, tid)` over chunks of [0, n), handed out one at a time from an
atomic counter, and the call returns when all chunks are done. Workers are ordinary Python
threads that call `flowjit_worker_main(tid)` through ctypes once and never come back: ctypes
releases the GIL for the call, so they run native code in parallel with everything else, and
they sleep on a futex between jobs (after a short spin, so back-to-back parallel loops do not
pay a wake-up each).

One job runs at a time: a second caller that finds the pool busy (another Python thread inside
a compiled plan) runs its loop serially instead of waiting.
"""

from __future__ import annotations

import llvmlite.ir as ir

from .llvmutil import I32, I64, PTR, VOID, declare, indirect_call

SYS_FUTEX = 202
FUTEX_WAIT_PRIVATE = 128
FUTEX_WAKE_PRIVATE = 129
SPIN = 20000  # pause instructions before sleeping (about 20-40 microseconds)

TASK_TYPE = ir.FunctionType(VOID, [PTR, I64, I64, I64])


def _global(mod: ir.Module, name: str, t: ir.Type, init=0) -> ir.GlobalVariable:
    g = ir.GlobalVariable(mod, t, name)
    g.initializer = ir.Constant(t, init)
    g.align = 64
    g.linkage = "internal"
    return g


def build_pool(mod: ir.Module) -> None:
    """Adds flowjit_parallel_for, flowjit_worker_main, flowjit_pool_set_workers, flowjit_pool_reset."""
    gen = _global(mod, "pool_gen", I32)
    pending = _global(mod, "pool_pending", I32)
    busy = _global(mod, "pool_busy", I32)
    nworkers = _global(mod, "pool_nworkers", I32)
    g_fn = _global(mod, "pool_fn", PTR, None)
    g_fn.initializer = ir.Constant(PTR, None)
    g_ctx = _global(mod, "pool_ctx", PTR, None)
    g_ctx.initializer = ir.Constant(PTR, None)
    g_n = _global(mod, "pool_n", I64)
    g_next = _global(mod, "pool_next", I64)

    syscall = declare(mod, "syscall", I64, [I64], var_arg=True)
    pause = declare(mod, "llvm.x86.sse2.pause", VOID, [], [])

    def futex(b: ir.IRBuilder, addr, op: int, val) -> None:
        b.call(syscall, [I64(SYS_FUTEX), addr, I32(op), val, ir.Constant(PTR, None), ir.Constant(PTR, None), I32(0)])

    def load(b, g, t):
        return b.load_atomic(g, "seq_cst", align=t.width // 8, typ=t)

    def store(b, v, g, t):
        b.store_atomic(v, g, "seq_cst", align=t.width // 8)

    # --- run_chunks(tid): take chunks until none is left ----------------------------------
    run = ir.Function(mod, ir.FunctionType(VOID, [I64]), "pool_run_chunks")
    run.linkage = "internal"
    (tid,) = run.args
    entry = run.append_basic_block("entry")
    loop = run.append_basic_block("loop")
    work = run.append_basic_block("work")
    done = run.append_basic_block("done")
    b = ir.IRBuilder(entry)
    fnp = b.load(g_fn, typ=PTR)
    ctx = b.load(g_ctx, typ=PTR)
    n = b.load(g_n, typ=I64)
    b.branch(loop)
    b.position_at_end(loop)
    i = b.atomic_rmw("add", g_next, I64(1), "seq_cst")
    b.cbranch(b.icmp_signed("<", i, n), work, done)
    b.position_at_end(work)
    indirect_call(b, fnp, TASK_TYPE, [ctx, i, b.add(i, I64(1)), tid])
    b.branch(loop)
    b.position_at_end(done)
    b.ret_void()

    # --- flowjit_parallel_for(fn, ctx, n) -------------------------------------------------------
    pf = ir.Function(mod, ir.FunctionType(VOID, [PTR, PTR, I64]), "flowjit_parallel_for")
    fn_arg, ctx_arg, n_arg = pf.args
    entry = pf.append_basic_block("entry")
    serial = pf.append_basic_block("serial")
    try_lock = pf.append_basic_block("try_lock")
    post = pf.append_basic_block("post")
    spin = pf.append_basic_block("spin")
    spin_body = pf.append_basic_block("spin_body")
    sleep = pf.append_basic_block("sleep")
    finish = pf.append_basic_block("finish")
    b = ir.IRBuilder(entry)
    nw = load(b, nworkers, I32)
    few = b.or_(b.icmp_signed("<=", n_arg, I64(1)), b.icmp_signed("==", nw, I32(0)))
    b.cbranch(few, serial, try_lock)
    b.position_at_end(serial)
    indirect_call(b, fn_arg, TASK_TYPE, [ctx_arg, I64(0), n_arg, I64(0)])
    b.ret_void()
    b.position_at_end(try_lock)
    got = b.cmpxchg(busy, I32(0), I32(1), "seq_cst", "seq_cst")
    ok = b.extract_value(got, 1)
    b.cbranch(ok, post, serial)
    b.position_at_end(post)
    b.store(fn_arg, g_fn)
    b.store(ctx_arg, g_ctx)
    b.store(n_arg, g_n)
    store(b, I64(0), g_next, I64)
    store(b, nw, pending, I32)
    b.atomic_rmw("add", gen, I32(1), "seq_cst")
    futex(b, gen, FUTEX_WAKE_PRIVATE, I32(0x7FFFFFFF))
    b.call(run, [I64(0)])
    b.branch(spin)
    # wait for the workers: spin a little, then sleep on `pending`
    b.position_at_end(spin)
    k = b.phi(I32)
    k.add_incoming(I32(0), post)
    p = load(b, pending, I32)
    b.cbranch(b.icmp_signed("==", p, I32(0)), finish, spin_body)
    b.position_at_end(spin_body)
    b.call(pause, [])
    k1 = b.add(k, I32(1))
    k.add_incoming(k1, spin_body)
    b.cbranch(b.icmp_signed("<", k1, I32(SPIN)), spin, sleep)
    b.position_at_end(sleep)
    p2 = load(b, pending, I32)
    with b.if_then(b.icmp_signed("!=", p2, I32(0))):
        futex(b, pending, FUTEX_WAIT_PRIVATE, p2)
    k.add_incoming(I32(SPIN), b.block)
    b.branch(spin)
    b.position_at_end(finish)
    store(b, I32(0), busy, I32)
    b.ret_void()

    # --- flowjit_worker_main(tid): never returns ------------------------------------------------
    wm = ir.Function(mod, ir.FunctionType(VOID, [I64]), "flowjit_worker_main")
    (wtid,) = wm.args
    entry = wm.append_basic_block("entry")
    wait = wm.append_basic_block("wait")
    wspin = wm.append_basic_block("wspin")
    wsleep = wm.append_basic_block("wsleep")
    wrun = wm.append_basic_block("wrun")
    b = ir.IRBuilder(entry)
    seen0 = load(b, gen, I32)
    b.branch(wait)
    b.position_at_end(wait)
    seen = b.phi(I32)
    seen.add_incoming(seen0, entry)
    cnt = b.phi(I32)
    cnt.add_incoming(I32(0), entry)
    g = load(b, gen, I32)
    b.cbranch(b.icmp_signed("!=", g, seen), wrun, wspin)
    b.position_at_end(wspin)
    b.call(pause, [])
    c1 = b.add(cnt, I32(1))
    seen.add_incoming(seen, wspin)
    cnt.add_incoming(c1, wspin)
    b.cbranch(b.icmp_signed("<", c1, I32(SPIN)), wait, wsleep)
    b.position_at_end(wsleep)
    futex(b, gen, FUTEX_WAIT_PRIVATE, seen)
    seen.add_incoming(seen, wsleep)
    cnt.add_incoming(I32(0), wsleep)
    b.branch(wait)
    b.position_at_end(wrun)
    b.call(run, [wtid])
    left = b.atomic_rmw("sub", pending, I32(1), "seq_cst")
    with b.if_then(b.icmp_signed("==", left, I32(1))):
        futex(b, pending, FUTEX_WAKE_PRIVATE, I32(1))
    seen.add_incoming(g, b.block)
    cnt.add_incoming(I32(0), b.block)
    b.branch(wait)

    # --- flowjit_pool_set_workers(n), flowjit_pool_reset() ---------------------------------------
    sw = ir.Function(mod, ir.FunctionType(VOID, [I32]), "flowjit_pool_set_workers")
    b = ir.IRBuilder(sw.append_basic_block("entry"))
    store(b, sw.args[0], nworkers, I32)
    b.ret_void()
    rs = ir.Function(mod, ir.FunctionType(VOID, []), "flowjit_pool_reset")
    b = ir.IRBuilder(rs.append_basic_block("entry"))
    store(b, I32(0), nworkers, I32)
    store(b, I32(0), busy, I32)
    store(b, I32(0), pending, I32)
    b.ret_void()


POOL_SYMBOLS = ["flowjit_parallel_for", "flowjit_worker_main", "flowjit_pool_set_workers", "flowjit_pool_reset"]
