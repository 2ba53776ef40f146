"""Ctrl-C during apply: counted by a signal handler, acted on by the thread that waits on the owners.

A KeyboardInterrupt can be raised between any two bytecodes of the main thread: inside the handling of the
previous one, inside a print. It then escapes half-handled (several quick presses ended an apply with exit
1, a traceback, and its deploy not cancelled). So while apply runs, SIGINT only counts; the main thread,
which waits on the owners with a timeout, notices the count and acts: the first press stops new changes
from starting, a later one abandons the deploys under way.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType


class CtrlC:
    """`with CtrlC(stop, abandon, on_press) as ctrl_c:` counts presses; `notice()` acts on them.

    Outside the main thread (a library caller's worker) the handler cannot be installed, and the caller's
    own Ctrl-C handling stays: nothing is counted then."""

    def __init__(
        self, stop: threading.Event, abandon: threading.Event, on_press: Callable[[bool], None] | None
    ) -> None:
        self._stop = stop
        self._abandon = abandon
        self._on_press = on_press
        self._presses = 0
        self._noticed = 0
        self._previous: signal.Handlers | Callable[[int, FrameType | None], object] | int | None = None
        self._installed = False

    def __enter__(self) -> CtrlC:
        try:
            self._previous = signal.signal(signal.SIGINT, self._count)
            self._installed = True
        except ValueError:  # not the main thread
            pass
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _count(self, signum: int, frame: FrameType | None) -> None:
        self._presses += 1

    @property
    def interrupted(self) -> bool:
        """Whether a press was acted on (one that came after the last owner ended changed nothing)."""
        return self._noticed > 0

    def notice(self) -> None:
        """Act on the presses since the last look: the first stops new changes, a second abandons deploys."""
        pressed = self._presses
        if pressed > 0 and self._noticed == 0:
            self._stop.set()
            if self._on_press is not None:
                self._on_press(False)
        if pressed > 1 and self._noticed < 2:
            self._abandon.set()
            if self._on_press is not None:
                self._on_press(True)
        self._noticed = max(self._noticed, pressed)
