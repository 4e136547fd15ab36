"""A native fork-join thread pool, written in LLVM IR.

Compiled code calls `flowjit_parallel_for(fn, ctx, n)`: the calling thread and the pool's
workers run `fn(ctx, begin, end, tid)` over chunks of [0, n), handed out one at a time from an
atomic counter, and the call returns when all chunks are done. Workers are ordinary Python
threads that call `flowjit_worker_main(tid)` through ctypes once and never come back: ctypes
releases the GIL for the call, so they run native code in parallel with everything else, and
they sleep on a futex between jobs (after a short spin, so back-to-back parallel loops do not
pay a wake-up each).

The caller never waits for a worker that has not started: one 64-bit word holds the job's
generation (high half) and the number of workers inside the job plus a CLOSED bit (low half).
A worker joins a job with a compare-and-swap that fails once the job is closed; the caller
closes the job when every chunk has been handed out and waits only for the workers that
joined. On a machine whose other cores are busy, a descheduled worker therefore costs nothing:
the caller runs the chunks itself.

The pool starts with no workers (every loop runs serially); `flowjit_pool_set_workers` is
called once all worker threads have checked in (`flowjit_pool_ready`). One job runs at a time:
a second caller that finds the pool busy (another Python thread inside a compiled plan) runs
its loop serially instead of waiting.
"""

from __future__ import annotations

import llvmlite.ir as ir

from ...llvm.emit import I32, I64, PTR, VOID, declare, indirect_call

SYS_FUTEX = 202
FUTEX_WAIT_PRIVATE = 128
FUTEX_WAKE_PRIVATE = 129
SPIN = 4000  # pause instructions (~65 cycles each on Zen 3) a worker spins before sleeping: ~100 us
WAIT_SPIN = 1500  # the caller's spin while the last workers finish, before it sleeps

TASK_TYPE = ir.FunctionType(VOID, [PTR, I64, I64, I64])
CLOSED = 1 << 30
ACTIVE_MASK = CLOSED - 1


def _global(mod: ir.Module, name: str, t: ir.Type, init=0) -> ir.GlobalVariable:
    g = ir.GlobalVariable(mod, t, name)
    g.initializer = ir.Constant(t, init)
    g.align = 64
    g.linkage = "internal"
    return g


def build_pool(mod: ir.Module) -> None:
    """Adds the POOL_SYMBOLS functions to `mod`."""
    state = _global(mod, "pool_state", I64, CLOSED)
    busy = _global(mod, "pool_busy", I32)
    nworkers = _global(mod, "pool_nworkers", I32)
    ready = _global(mod, "pool_ready", I32)
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

    def low_word(b):  # the futex the caller sleeps on (little-endian: first 4 bytes)
        return state

    def high_word(b):  # the futex workers sleep on
        return b.gep(state, [I64(4)], source_etype=ir.IntType(8))

    def active_of(b, s):
        return b.and_(s, I64(ACTIVE_MASK))

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
    wait = pf.append_basic_block("wait")
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
    b.cbranch(b.extract_value(got, 1), post, serial)
    b.position_at_end(post)
    b.store(fn_arg, g_fn)
    b.store(ctx_arg, g_ctx)
    b.store(n_arg, g_n)
    store(b, I64(0), g_next, I64)
    gen = b.lshr(load(b, state, I64), I64(32))
    store(b, b.shl(b.add(gen, I64(1)), I64(32)), state, I64)  # new generation, open, nobody in
    futex(b, high_word(b), FUTEX_WAKE_PRIVATE, I32(0x7FFFFFFF))
    b.call(run, [I64(0)])
    b.atomic_rmw("or", state, I64(CLOSED), "seq_cst")  # late workers stay out
    b.branch(wait)
    # wait for the workers that joined: spin a little, then sleep on the low word
    b.position_at_end(wait)
    k = b.phi(I32)
    k.add_incoming(I32(0), post)
    s1 = load(b, state, I64)
    b.cbranch(b.icmp_signed("==", active_of(b, s1), I64(0)), finish, spin_body)
    b.position_at_end(spin_body)
    b.call(pause, [])
    k1 = b.add(k, I32(1))
    k.add_incoming(k1, spin_body)
    b.cbranch(b.icmp_signed("<", k1, I32(WAIT_SPIN)), wait, sleep)
    b.position_at_end(sleep)
    s2 = load(b, state, I64)
    with b.if_then(b.icmp_signed("!=", active_of(b, s2), I64(0))):
        futex(b, low_word(b), FUTEX_WAIT_PRIVATE, b.trunc(s2, I32))
    k.add_incoming(I32(WAIT_SPIN), b.block)
    b.branch(wait)
    b.position_at_end(finish)
    store(b, I32(0), busy, I32)
    b.ret_void()

    # --- flowjit_worker_main(tid): never returns ------------------------------------------------
    wm = ir.Function(mod, ir.FunctionType(VOID, [I64]), "flowjit_worker_main")
    (wtid,) = wm.args
    entry = wm.append_basic_block("entry")
    top = wm.append_basic_block("top")
    wspin = wm.append_basic_block("wspin")
    wsleep = wm.append_basic_block("wsleep")
    newjob = wm.append_basic_block("newjob")
    join = wm.append_basic_block("join")
    joined = wm.append_basic_block("joined")
    b = ir.IRBuilder(entry)
    seen0 = b.lshr(load(b, state, I64), I64(32))
    b.atomic_rmw("add", ready, I32(1), "seq_cst")  # no job can start before every worker is here
    b.branch(top)
    b.position_at_end(top)
    seen = b.phi(I64)
    seen.add_incoming(seen0, entry)
    cnt = b.phi(I32)
    cnt.add_incoming(I32(0), entry)
    s = load(b, state, I64)
    g = b.lshr(s, I64(32))
    b.cbranch(b.icmp_signed("!=", g, seen), newjob, wspin)
    b.position_at_end(wspin)
    b.call(pause, [])
    c1 = b.add(cnt, I32(1))
    seen.add_incoming(seen, wspin)
    cnt.add_incoming(c1, wspin)
    b.cbranch(b.icmp_signed("<", c1, I32(SPIN)), top, wsleep)
    b.position_at_end(wsleep)
    futex(b, high_word(b), FUTEX_WAIT_PRIVATE, b.trunc(seen, I32))
    seen.add_incoming(seen, wsleep)
    cnt.add_incoming(I32(0), wsleep)
    b.branch(top)
    # a new generation: join it unless it is already closed
    b.position_at_end(newjob)
    closed = b.icmp_signed("!=", b.and_(s, I64(CLOSED)), I64(0))
    seen.add_incoming(g, newjob)
    cnt.add_incoming(I32(0), newjob)
    b.cbranch(closed, top, join)
    b.position_at_end(join)
    res = b.cmpxchg(state, s, b.add(s, I64(1)), "seq_cst", "seq_cst")
    seen.add_incoming(seen, join)  # lost a race: look again at the same generation
    cnt.add_incoming(I32(0), join)
    b.cbranch(b.extract_value(res, 1), joined, top)
    b.position_at_end(joined)
    b.call(run, [wtid])
    old = b.atomic_rmw("sub", state, I64(1), "seq_cst")
    last = b.and_(b.icmp_signed("==", active_of(b, old), I64(1)),
                  b.icmp_signed("!=", b.and_(old, I64(CLOSED)), I64(0)))
    with b.if_then(last):
        futex(b, low_word(b), FUTEX_WAKE_PRIVATE, I32(1))
    seen.add_incoming(g, b.block)
    cnt.add_incoming(I32(0), b.block)
    b.branch(top)

    # --- flowjit_pool_set_workers(n), flowjit_pool_ready(), flowjit_pool_reset() -------------
    sw = ir.Function(mod, ir.FunctionType(VOID, [I32]), "flowjit_pool_set_workers")
    b = ir.IRBuilder(sw.append_basic_block("entry"))
    store(b, sw.args[0], nworkers, I32)
    b.ret_void()
    rd = ir.Function(mod, ir.FunctionType(I32, []), "flowjit_pool_ready")
    b = ir.IRBuilder(rd.append_basic_block("entry"))
    b.ret(load(b, ready, I32))
    rs = ir.Function(mod, ir.FunctionType(VOID, []), "flowjit_pool_reset")
    b = ir.IRBuilder(rs.append_basic_block("entry"))
    store(b, I32(0), ready, I32)
    store(b, I32(0), nworkers, I32)
    store(b, I32(0), busy, I32)
    store(b, I64(CLOSED), state, I64)
    b.ret_void()


POOL_SYMBOLS = ["flowjit_parallel_for", "flowjit_worker_main", "flowjit_pool_set_workers", "flowjit_pool_ready",
                "flowjit_pool_reset"]
