"""The host queue objects (runtime/host/queues.py) on their own: order, blocking, close, cancel."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from flowjit.ir import errors
from flowjit.runtime.host.queues import make_queue


def fail(cls, message):
    return cls(None, None, message)


def el(*values):
    return tuple(np.asarray(v) for v in values)


def soon(seconds=0.3):
    return time.monotonic() + seconds


def test_fifo_order_and_stack():
    q = make_queue("FIFOQueue", "_0_q", [np.float32, np.int32], [(2,), ()], 10)
    q.enqueue_many([el(np.float32([1, 2]), np.int32(7)), el(np.float32([3, 4]), np.int32(8))], None, fail)
    assert q.size() == 2
    got = q.stack(q.dequeue_many(2, False, soon(), fail), fail)
    np.testing.assert_array_equal(got[0], [[1, 2], [3, 4]])
    np.testing.assert_array_equal(got[1], [7, 8])
    assert got[0].dtype == np.float32 and got[1].dtype == np.int32


def test_check_element_messages():
    q = make_queue("FIFOQueue", "_0_q", [np.float32], [(2,)], 10)
    with pytest.raises(errors.InvalidArgumentError, match=r"Shape mismatch in tuple component 0. Expected \[2\], got \[3\]"):
        q.check_element([np.zeros(3, np.float32)], fail, batched=False)
    with pytest.raises(errors.InvalidArgumentError, match="Type mismatch in tuple component 0"):
        q.check_element([np.zeros(2, np.int32)], fail, batched=False)
    with pytest.raises(errors.InvalidArgumentError, match="Expected 1 components"):
        q.check_element([np.zeros(2, np.float32)] * 2, fail, batched=False)


def test_empty_dequeue_times_out():
    q = make_queue("FIFOQueue", "_0_q", [np.float32], [], 10)
    t0 = time.monotonic()
    with pytest.raises(errors.DeadlineExceededError, match="Timed out waiting for notification"):
        q.dequeue_many(1, False, soon(0.2), fail)
    assert 0.15 < time.monotonic() - t0 < 2.0


def test_full_enqueue_blocks_until_room():
    q = make_queue("FIFOQueue", "_0_q", [np.int32], [()], 1)
    q.enqueue_many([el(1)], None, fail)
    with pytest.raises(errors.DeadlineExceededError):
        q.enqueue_many([el(2)], soon(0.1), fail)
    threading.Timer(0.1, lambda: q.dequeue_many(1, False, None, fail)).start()
    q.enqueue_many([el(3)], soon(3.0), fail)  # room appears when the timer dequeues
    assert [int(e[0]) for e in q.dequeue_many(1, False, soon(), fail)] == [3]


def test_closed_queue_messages_and_drain():
    q = make_queue("FIFOQueue", "_0_fifo_queue", [np.int32], [()], 10)
    q.enqueue_many([el(1), el(2)], None, fail)
    q.close(False)
    assert q.is_closed()
    with pytest.raises(errors.CancelledError, match=r"^FIFOQueue '_0_fifo_queue' is closed.$"):
        q.enqueue_many([el(3)], None, fail)
    with pytest.raises(errors.OutOfRangeError, match=r"requested 3, current size 2"):
        q.dequeue_many(3, False, None, fail)
    assert len(q.dequeue_many(3, True, None, fail)) == 2  # up_to: what is left
    with pytest.raises(errors.OutOfRangeError, match=r"^FIFOQueue '_0_fifo_queue' is closed and has insufficient "
                                                     r"elements \(requested 1, current size 0\)$"):
        q.dequeue_many(1, False, None, fail)


def test_close_wakes_a_blocked_dequeue():
    q = make_queue("FIFOQueue", "_0_q", [np.int32], [()], 10)
    threading.Timer(0.1, lambda: q.close(False)).start()
    with pytest.raises(errors.OutOfRangeError):
        q.dequeue_many(1, False, soon(3.0), fail)


def test_cancel_pending_enqueues():
    q = make_queue("FIFOQueue", "_0_q", [np.int32], [()], 1)
    q.enqueue_many([el(1)], None, fail)
    threading.Timer(0.1, lambda: q.close(True)).start()
    with pytest.raises(errors.CancelledError, match="is closed"):
        q.enqueue_many([el(2)], soon(3.0), fail)


def test_session_cancel_wakes_waiters():
    q = make_queue("FIFOQueue", "_0_q", [np.int32], [()], 10)
    threading.Timer(0.1, q.cancel).start()
    with pytest.raises(errors.CancelledError):
        q.dequeue_many(1, False, None, fail)  # no deadline: only cancel() ends it


def test_random_shuffle_is_seeded_and_keeps_min_after_dequeue():
    def drain(seed):
        q = make_queue("RandomShuffleQueue", "_0_q", [np.int32], [()], 100, 5, np.random.default_rng(seed))
        q.enqueue_many([el(i) for i in range(20)], None, fail)
        out = [int(e[0]) for e in q.dequeue_many(15, False, soon(), fail)]
        with pytest.raises(errors.DeadlineExceededError):
            q.dequeue_many(1, False, soon(0.1), fail)  # 5 left = min_after_dequeue: waits
        q.close(False)
        out += [int(e[0]) for e in q.dequeue_many(5, False, soon(), fail)]  # closed: min_after ignored
        return out

    a, b, c = drain(1), drain(1), drain(2)
    assert sorted(a) == list(range(20))
    assert a == b and a != c and a != list(range(20))


def test_priority_lowest_first_ties_fifo():
    q = make_queue("PriorityQueue", "_0_q", [np.int64, np.bytes_], [(), ()], 10)
    for p, s in [(3, b"c"), (1, b"a"), (2, b"b1"), (2, b"b2")]:
        q.enqueue_many([(np.int64(p), np.asarray(s, dtype=object))], None, fail)
    got = [e[1].item() for e in q.dequeue_many(4, False, soon(), fail)]
    assert got == [b"a", b"b1", b"b2", b"c"]


def test_padding_stack_pads_to_batch_max():
    q = make_queue("PaddingFIFOQueue", "_0_q", [np.int32], [(None,)], 10)
    q.enqueue_many([el(np.int32([1])), el(np.int32([2, 3, 4]))], None, fail)
    (batch,) = q.stack(q.dequeue_many(2, False, soon(), fail), fail)
    np.testing.assert_array_equal(batch, [[1, 0, 0], [2, 3, 4]])


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown queue kind 'Bogus'"):
        make_queue("Bogus", "q", [np.int32], [], 1)
