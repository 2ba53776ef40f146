"""Starting and ending the hashing helper (`hash_worker`) from the parent, without `subprocess`.

`os.posix_spawn` with two pipes is all the helper needs; importing `subprocess` (which brings `selectors`)
took about 5 ms, a twentieth of a fresh process's scan of the 2,000-file tree. Pipes made by `os.pipe` are
not inherited, so the helper gets only its stdin, stdout and /dev/null as stderr.
"""

from __future__ import annotations

import os
import sys
import time

from reconciler.deploy import hash_worker

TYPE_CHECKING = False  # type checkers read it as true: `typing` is not imported by a scan at run time
if TYPE_CHECKING:
    from typing import IO

HELPER_EXIT_WAIT = 5.0  # seconds a helper whose input was closed may take to exit before it is killed


def spawn_helper() -> tuple[int, IO[bytes], IO[bytes]] | None:
    """The helper's process id, its input and its output; None when it cannot be started (the caller then
    hashes everything itself). Its standard error goes to /dev/null: its failures show as missing answers."""
    if not sys.executable or not hasattr(os, "posix_spawn"):
        return None
    fds: list[int] = []
    try:
        fds.extend(os.pipe())  # the helper's stdin: its read end, our write end
        fds.extend(os.pipe())  # its stdout: our read end, its write end
        to_helper, helper_stdin, helper_stdout, from_helper = fds
        pid = os.posix_spawn(
            sys.executable,
            [sys.executable, "-I", "-S", hash_worker.__file__],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, to_helper, 0),
                (os.POSIX_SPAWN_DUP2, from_helper, 1),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
        )
    except OSError:  # no file descriptors or processes left, or no interpreter to run
        for fd in fds:
            os.close(fd)
        return None
    os.close(to_helper)
    os.close(from_helper)
    return pid, open(helper_stdin, "wb"), open(helper_stdout, "rb")


def reap(pid: int) -> None:
    """Wait for a helper whose input is closed; kill it when it has not exited after HELPER_EXIT_WAIT
    (a read it is blocked in, on a file that turned into a FIFO, would otherwise never end). A program that
    ignores SIGCHLD has its children reaped for it: there is nothing to wait for then."""
    deadline = time.monotonic() + HELPER_EXIT_WAIT
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                import signal  # only here: importing it (its enums) costs a scan a millisecond

                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.002)
    except ChildProcessError:
        return
