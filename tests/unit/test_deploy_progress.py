"""Progress: a redrawn bar on a terminal, plain periodic lines (no carriage returns) elsewhere; and the
adaptive upload concurrency."""

from __future__ import annotations

import io

from reconciler.deploy.concurrency import AdaptiveLimit
from reconciler.deploy.progress import Progress, human_bytes, human_seconds
from reconciler.deploy.upload import RequestCounter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_total_given_as_a_callable_is_asked_for_only_once_the_phase_is_shown() -> None:
    asked: list[int] = []

    def total() -> int:
        asked.append(1)
        return 5000

    clock = Clock()
    quick = Progress(io.StringIO(), interactive=False, delay=1.0, clock=clock)
    quick.start("hashing", files=10, total_bytes=total)
    quick.advance(files=10, nbytes=5000)
    quick.finish()
    assert asked == [], "a phase over before its delay never computes its total"
    out = io.StringIO()
    slow = Progress(out, interactive=False, delay=1.0, clock=clock)
    slow.start("hashing", files=10, total_bytes=total)
    clock.now += 2
    slow.advance(files=5, nbytes=2500)
    slow.advance(files=5, nbytes=2500)
    slow.finish()
    assert asked == [1]
    assert out.getvalue().splitlines()[0] == "hashing: 10 files, 5.0 KB"


def test_plain_lines_every_ten_percent_or_interval_without_carriage_returns() -> None:
    out = io.StringIO()
    clock = Clock()
    progress = Progress(out, interactive=False, interval=5.0, clock=clock)
    progress.start("uploading", files=100, total_bytes=100_000)
    for _ in range(100):
        clock.now += 0.01
        progress.advance(files=1, nbytes=1000)
    progress.finish()
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "uploading: 100 files, 100.0 KB"
    assert lines[-1].startswith("uploading: done, 100 files, 100.0 KB in 1.0 s")
    assert 9 <= len(lines) <= 12, lines
    assert "ETA" in lines[1] and "files" in lines[1] and "/s" in lines[1]


def test_plain_lines_also_come_after_the_interval_when_progress_is_slow() -> None:
    out = io.StringIO()
    clock = Clock()
    progress = Progress(out, interactive=False, interval=5.0, clock=clock)
    progress.start("uploading", files=1000, total_bytes=0)
    for _ in range(3):
        clock.now += 6
        progress.advance(files=1)
    assert len(out.getvalue().splitlines()) == 4


def test_terminal_bar_redraws_in_place() -> None:
    out = Terminal()
    clock = Clock()
    progress = Progress(out, interactive=True, clock=clock)
    progress.start("uploading", files=10, total_bytes=10_000_000)
    for _ in range(10):
        clock.now += 0.2
        progress.advance(files=1, nbytes=1_000_000)
    progress.note("waiting")
    progress.finish()
    text = out.getvalue()
    assert text.count("\r\x1b[K") >= 10
    assert "|" in text and "#" in text and "ETA" in text and "MB/s" in text
    assert "\r\x1b[Kwaiting\n" in text, "a note clears the bar line first"


def test_for_stream_picks_plain_lines_for_a_file() -> None:
    assert Progress.for_stream(io.StringIO())._interactive is False
    assert Progress.for_stream(Terminal())._interactive is True


def test_human_units() -> None:
    assert human_bytes(812) == "812 B"
    assert human_bytes(4_100_000) == "4.1 MB"
    assert human_bytes(2_500_000_000) == "2.5 GB"
    assert human_seconds(75) == "1:15"
    assert human_seconds(3725) == "1:02:05"


def test_adaptive_limit_grows_halves_once_per_burst_and_respects_the_remaining_budget() -> None:
    clock = Clock()
    limit = AdaptiveLimit(8, 32, cooldown=1.0, clock=clock)
    assert limit.limit == 8
    for _ in range(30):
        limit.success()
    assert limit.limit == 32, "slow start grows by one per success up to the maximum"
    limit.throttled()
    limit.throttled()  # same burst: ignored
    assert limit.limit == 16
    clock.now += 2
    limit.throttled()
    assert limit.limit == 8
    for _ in range(4):
        limit.success()
    assert limit.limit == 8, "after a 429, growth is additive: about one per window of successes"
    for _ in range(5):
        limit.success()
    assert limit.limit == 9
    limit.observe_remaining(3)
    assert limit.limit == 3
    limit.observe_remaining(None)
    assert limit.limit == 9
    for _ in range(50):
        limit.throttled()
        clock.now += 2
    assert limit.limit == 1 and limit.cuts > 3


def test_adaptive_limit_stops_growing_when_requests_queue_and_grows_while_round_trips_stay_flat() -> None:
    far = AdaptiveLimit(8, 32)
    for _ in range(200):
        far.success(0.100)  # a distant server with many workers: round trips do not grow
    assert far.limit == 32

    busy = AdaptiveLimit(8, 32)
    busy.success(0.001)
    for _ in range(300):
        # a saturated server: each request waits for the others, so round trips grow with the limit
        busy.success(0.001 * busy.limit / 2)
    assert 8 <= busy.limit <= 10, "settles where more concurrency only adds waiting (never below the start)"
    queued = busy.queued()
    assert queued is not None and queued > 2


def test_adaptive_limit_never_exceeds_the_announced_concurrency_limit() -> None:
    limit = AdaptiveLimit(8, 32)
    limit.await_announcement()
    assert limit.limit == 5, "until the server says, at most Netlify's smallest limit (Starter's 5)"
    limit.observe_concurrency_limit(10)
    assert limit.limit == 8
    for _ in range(100):
        limit.success(0.05)
    assert limit.limit == 10 and limit.peak == 10, "grows up to the announced limit, not the maximum"
    limit.observe_concurrency_limit(3)
    assert limit.limit == 3
    limit.observe_remaining(None)
    assert limit.limit == 3, "a lifted rate-limit ceiling does not lift the concurrency limit"
    limit.observe_concurrency_limit(None)
    for _ in range(100):
        limit.success(0.05)
    assert limit.limit == 32, "an answer without the header lifts the cap"


def test_a_concurrency_429_does_not_halve_the_limit_but_a_rate_limit_429_does() -> None:
    limit = AdaptiveLimit(8, 32)
    counter = RequestCounter(limit)
    counter.upload_answer(429, {"X-Concurrent-Limit": "6", "X-RateLimit-Remaining": "400"})
    assert limit.limit == 6 and limit.cuts == 0 and counter.throttled == 1
    counter.upload_answer(429, {"X-Concurrent-Limit": "6", "X-RateLimit-Remaining": "0"})
    assert limit.limit == 1 and limit.cuts == 1, "the budget is spent: halved, and held by the ceiling"
    counter.upload_answer(0, {})  # no answer at all: the announced limit stands
    limit.observe_remaining(None)
    assert limit.limit == 3 and counter.requests == 3
