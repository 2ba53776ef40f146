"""The parts around the hashing helper: starting and reaping its process, and the large-file threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from reconciler.deploy import hashing, helper_process
from reconciler.deploy.hashing import HELPER_MIN_FILES, hash_files
from reconciler.deploy.large_files import LargeFiles


def _children() -> set[int]:
    """This process's child processes, zombies included (Linux: every thread's `children` list).

    A thread left by an earlier test may end between the listing and the read; its children then
    move to another thread, perhaps one already read, so the whole listing is read again.
    """
    while True:
        found: set[int] = set()
        try:
            for task in Path("/proc/self/task").iterdir():
                found.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
        return found


def _enough_for_a_helper(folder: Path, byte: bytes) -> list[Path]:
    """Small files, enough of them that a scan starts the hashing helper (file i holds i bytes)."""
    files = [folder / f"f{i}" for i in range(2 * HELPER_MIN_FILES)]
    for size, path in enumerate(files):
        path.write_bytes(byte * size)
    return files


def test_the_helper_is_reaped_after_the_results_are_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned: list[int] = []

    def spawn() -> object:
        started = helper_process.spawn_helper()
        if started is not None:
            spawned.append(started[0])
        return started

    monkeypatch.setattr(hashing, "spawn_helper", spawn)
    before = _children()
    files = _enough_for_a_helper(tmp_path, b"x")
    assert len(hash_files(files)[0]) == len(files)
    assert len(spawned) == 1, "a helper was started"
    deadline = time.monotonic() + 5
    while _children() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _children() - before, "the helper process was left behind (or a zombie)"
    with pytest.raises(ChildProcessError):
        os.waitpid(spawned[0], os.WNOHANG)  # reaped by the feeder thread


def test_a_helper_that_does_not_exit_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper_process, "HELPER_EXIT_WAIT", 0.2)
    pid = os.posix_spawn("/bin/sleep", ["sleep", "60"], os.environ)
    started = time.monotonic()
    helper_process.reap(pid)
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: not even a zombie is left


def test_a_helper_that_cannot_be_spawned_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(helper_process.sys, "executable", "/nonexistent/python")
    fds_before = len(os.listdir("/proc/self/fd"))
    assert helper_process.spawn_helper() is None
    assert len(os.listdir("/proc/self/fd")) == fds_before, "the pipes were closed"


def test_large_files_are_hashed_on_at_most_the_given_threads_and_errors_come_back() -> None:
    seen: list[int] = []
    running = peak = 0
    lock = threading.Lock()

    def hash_one(index: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
            seen.append(index)
        if index == 3:
            raise OSError(2, "No such file or directory", f"file{index}")

    large = LargeFiles(2, hash_one)
    for index in range(8):
        large.submit(index)
    with pytest.raises(OSError, match="No such file") as caught:
        large.wait()
    assert caught.value.filename == "file3"
    assert sorted(seen) == list(range(8)), "an error does not stop the other files"
    assert peak == 2


def test_stopped_large_files_take_no_more() -> None:
    gate = threading.Event()
    seen: list[int] = []

    def hash_one(index: int) -> None:
        gate.wait(5)
        seen.append(index)

    large = LargeFiles(1, hash_one)
    for index in range(5):
        large.submit(index)
    threading.Timer(0.05, gate.set).start()
    large.stop()
    large.submit(9)
    large.wait()
    assert seen == [0], "the file being hashed is finished, the pending ones and later ones are not"


@pytest.mark.parametrize("failing_call", [1, 2])
def test_no_file_descriptor_left_for_the_helper_means_hashing_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    files = _enough_for_a_helper(tmp_path, b"y")
    expected = hash_files(files, workers=1)
    real_pipe = os.pipe
    calls = 0

    def pipe() -> tuple[int, int]:
        nonlocal calls
        calls += 1
        if calls == failing_call:
            raise OSError(24, "Too many open files")
        return real_pipe()

    fds_before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(helper_process.os, "pipe", pipe)
    assert hash_files(files) == expected, "hashed here, without hanging on a helper that never started"
    assert calls == failing_call
    assert len(os.listdir("/proc/self/fd")) == fds_before, "the first pipe was closed"


def test_a_thread_that_cannot_start_is_an_error_and_leaves_nothing_to_join(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    large = LargeFiles(2, lambda index: None)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        large.submit(0)
    monkeypatch.undo()
    large.wait()  # would fail joining a thread that never started
    large.stop()
