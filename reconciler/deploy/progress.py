"""Progress of a long phase (hashing a tree, uploading it): a redrawn bar on a terminal, plain periodic
lines in CI logs.

A terminal gets one line redrawn in place (at most 10 times a second) with a bar, files and bytes done,
the rate and the ETA. Anything else (a CI log, a file) gets no carriage returns and no escape codes, only
a plain line every `interval` seconds or each further 10 %, whichever comes first, so a log stays
readable and short. Progress is the mean of the file and byte fractions: uploads cost both a round trip
per file and time per byte, so neither alone predicts the ETA of a mixed tree. Thread-safe: upload
workers call `advance` concurrently. With a `delay`, a phase shows nothing until it has run that long, so
the everyday quick phase (a small tree hashed in milliseconds) prints no line at all.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

TYPE_CHECKING = False  # type checkers read it as true: `typing` is not imported by a scan at run time
if TYPE_CHECKING:
    from typing import TextIO

REDRAW_EVERY = 0.1


def human_bytes(size: float) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def human_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Reports one phase at a time (`start` … `advance` … `finish`), plus one-off `note` lines."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        interactive: bool = False,
        interval: float = 5.0,
        delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interactive = interactive
        self._interval = interval
        self._delay = delay
        self._clock = clock
        self._lock = threading.Lock()
        self._label = ""
        self._unit = "files"
        self._total_files = 0
        self._total_bytes = 0
        self._pending_total: Callable[[], int] | None = None
        self.files = 0
        self.bytes = 0
        self._started = 0.0
        self._last_draw = 0.0
        self._last_step = 0
        self._drawn = False
        self._shown = False

    @classmethod
    def for_stream(cls, stream: TextIO | None = None, *, delay: float = 0.0) -> Progress:
        """A bar when `stream` (default stderr) is a terminal, plain lines otherwise."""
        stream = sys.stderr if stream is None else stream
        isatty = getattr(stream, "isatty", None)
        return cls(stream, interactive=bool(isatty and isatty()), delay=delay)

    @classmethod
    def silent(cls) -> Progress:
        return cls(None)

    # -- phases ---------------------------------------------------------------------------------
    def start(
        self, label: str, files: int, total_bytes: int | Callable[[], int], unit: str = "files"
    ) -> None:
        """A phase of `files` items (called `unit`) and `total_bytes` bytes (0: items only). A callable
        total is asked for only when the phase is shown: a phase over before its delay never pays for it
        (hashing learns sizes as it reads, and summing them up front would cost a `stat` per file)."""
        with self._lock:
            self._label = label
            self._unit = unit
            self._total_files = files
            self._pending_total = total_bytes if callable(total_bytes) else None
            self._total_bytes = 0 if callable(total_bytes) else total_bytes
            self.files = 0
            self.bytes = 0
            self._started = self._last_draw = self._clock()
            self._last_step = 0
            self._shown = False
            if not self._delay:
                self._show()

    def _show(self) -> None:
        """The phase becomes visible: its opening line in a log (a terminal draws the bar on advance)."""
        self._shown = True
        if self._pending_total is not None:
            self._total_bytes, self._pending_total = self._pending_total(), None
        if not self._interactive:
            self._write(f"{self._label}: {self._items(self._total_files, self._total_bytes)}\n")

    def advance(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self.files += files
            self.bytes += nbytes
            now = self._clock()
            if not self._shown:
                if now - self._started < self._delay:
                    return
                self._show()
                self._last_draw = now - max(self._interval, REDRAW_EVERY)  # a first figure right away
            if self._interactive:
                if now - self._last_draw >= REDRAW_EVERY:
                    self._last_draw = now
                    self._draw_bar(now)
                return
            step = int(self.fraction() * 10)
            if step > self._last_step or now - self._last_draw >= self._interval:
                self._last_step = max(step, self._last_step)
                self._last_draw = now
                if self.fraction() < 1:
                    self._write(self._summary(now) + "\n")

    def finish(self, outcome: str = "done") -> None:
        """The closing line: `<label>: <outcome>, <what was done> in <time>`."""
        with self._lock:
            if not self._shown:
                return  # over before its delay: nothing to report
            now = self._clock()
            elapsed = max(now - self._started, 1e-9)
            if self._interactive and self._drawn:
                self._write("\r\x1b[K")
            self._drawn = False
            rate = f" ({human_bytes(self.bytes / elapsed)}/s)" if self._total_bytes else ""
            self._write(
                f"{self._label}: {outcome}, {self._items(self.files, self.bytes)} in {elapsed:.1f} s{rate}\n"
            )

    def note(self, text: str) -> None:
        """A line of its own (a phase change, a retry), not overwritten by the bar."""
        with self._lock:
            if self._interactive and self._drawn:
                self._write("\r\x1b[K")
                self._drawn = False
            self._write(text + "\n")

    # -- rendering ------------------------------------------------------------------------------
    def fraction(self) -> float:
        parts = []
        if self._total_files:
            parts.append(min(self.files / self._total_files, 1.0))
        if self._total_bytes:
            parts.append(min(max(self.bytes, 0) / self._total_bytes, 1.0))
        return sum(parts) / len(parts) if parts else 1.0

    def _figures(self, now: float) -> str:
        elapsed = max(now - self._started, 1e-9)
        fraction = self.fraction()
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        text = f"{self.files:,}/{self._total_files:,} {self._unit}"
        if self._total_bytes:
            text += (
                f", {human_bytes(self.bytes)}/{human_bytes(self._total_bytes)}, "
                f"{human_bytes(self.bytes / elapsed)}/s"
            )
        return text + (f", ETA {human_seconds(eta)}" if eta is not None else "")

    def _items(self, count: int, nbytes: int) -> str:
        """`1,234 files, 5.6 MB`, or only the count when the phase has no bytes."""
        return f"{count:,} {self._unit}" + (f", {human_bytes(nbytes)}" if self._total_bytes else "")

    def _summary(self, now: float) -> str:
        return f"{self._label}: {self.fraction():4.0%} {self._figures(now)}"

    def _draw_bar(self, now: float) -> None:
        figures = self._figures(now)
        fraction = self.fraction()
        import shutil  # only a terminal needs it: a process that prints no bar does not load it

        width = shutil.get_terminal_size((100, 20)).columns
        room = width - len(self._label) - len(figures) - 10
        bar = ""
        if room >= 10:
            size = min(room, 40)
            filled = int(fraction * size)
            bar = "|" + "#" * filled + "-" * (size - filled) + "| "
        self._write(f"\r\x1b[K{self._label} {fraction:4.0%} {bar}{figures}"[: width + 4])
        self._drawn = True

    def _write(self, text: str) -> None:
        if self._stream is None:
            return
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            self._stream = None  # a closed or broken stream must not fail the deploy
