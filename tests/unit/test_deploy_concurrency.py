"""The upload concurrency window: a thread keeps its slot from one upload to the next while the limit
allows, and gives it back when the limit has shrunk."""

from __future__ import annotations

import threading

from reconciler.deploy.concurrency import AdaptiveLimit


def test_a_thread_keeps_its_slot_without_waking_a_waiting_one() -> None:
    limit = AdaptiveLimit(1, 1)
    limit.acquire()
    woke = threading.Event()

    def waiter() -> None:
        limit.acquire()
        woke.set()

    thread = threading.Thread(target=waiter, daemon=True)
    thread.start()
    assert limit.renew() is True  # the slot stays with the thread that had it
    assert not woke.wait(0.2), "renewing a slot handed it to the waiting thread"
    limit.release()  # now it is given back: the waiter gets it
    assert woke.wait(5)
    limit.release()
    thread.join(5)


def test_a_shrunk_limit_takes_the_slot_back() -> None:
    limit = AdaptiveLimit(4, 4)
    for _ in range(4):
        limit.acquire()
    limit.throttled()  # a 429: the limit halves to 2
    assert limit.limit == 2
    kept = [limit.renew() for _ in range(4)]
    assert kept == [False, False, True, True]  # two threads give their slots up, two keep theirs
