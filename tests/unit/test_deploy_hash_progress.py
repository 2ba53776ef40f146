"""Progress while a tree is hashed: nothing for a quick hash, then files, bytes and rate as plain lines in a
log or a bar redrawn on a terminal, and a closing line with the totals; every file and byte is counted
once, whether it was hashed in the calling thread or on the pool."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from reconciler.deploy.hashing import LARGE_FILE, PROGRESS_BATCH, hash_files
from reconciler.deploy.progress import Progress
from reconciler.deploy.scan import local_digest

SMALL_FILES = 2 * PROGRESS_BATCH + 7


class TickingClock:
    """Each reading is `step` seconds after the last: a hash that takes as long as the test needs."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def make_tree(root: Path) -> int:
    """SMALL_FILES small files and two large ones (hashed on the thread pool); their total size."""
    (root / "deep" / "er").mkdir(parents=True)
    for i in range(SMALL_FILES):
        (root / ("deep/er" if i % 2 else ".") / f"page-{i}.html").write_bytes(b"<p>%d</p>" % i)
    for name in ("video.mp4", "archive.zip"):
        (root / name).write_bytes(b"v" * (LARGE_FILE + 123))
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def test_a_slow_hash_in_a_log_gets_a_start_line_periodic_lines_and_the_totals(tmp_path: Path) -> None:
    total = make_tree(tmp_path / "public")
    out = io.StringIO()
    progress = Progress(out, interactive=False, interval=5.0, delay=1.0, clock=TickingClock(0.6))
    digest = local_digest(tmp_path / "public", None, tmp_path / "work", progress=progress)
    assert len(digest.files) == SMALL_FILES + 2
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert lines[0] == f"hashing {tmp_path / 'public'}: {SMALL_FILES + 2:,} files, {total / 1000 / 1000:.1f} MB"
    assert all("files" in line and "/s" in line for line in lines[1:])
    assert len(lines) >= 3
    assert lines[-1].startswith(f"hashing {tmp_path / 'public'}: done, {SMALL_FILES + 2:,} files, ")
    assert progress.files == SMALL_FILES + 2 and progress.bytes == total  # each counted once


def test_a_quick_hash_prints_nothing(tmp_path: Path) -> None:
    make_tree(tmp_path / "public")
    out = io.StringIO()
    progress = Progress(out, interactive=False, delay=1.0, clock=TickingClock(0.0001))
    local_digest(tmp_path / "public", None, tmp_path / "work", progress=progress)
    assert out.getvalue() == ""


def test_on_a_terminal_the_hash_is_a_bar_redrawn_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # wide enough for the bar beside the figures
    make_tree(tmp_path / "public")
    out = io.StringIO()
    progress = Progress(out, interactive=True, delay=1.0, clock=TickingClock(0.6))
    files = sorted(p for p in (tmp_path / "public").rglob("*") if p.is_file())
    progress.start("hashing public", len(files), sum(p.stat().st_size for p in files))
    hash_files(files, progress=progress)
    progress.finish()
    text = out.getvalue()
    *bars, final = text.split("\r\x1b[K")
    assert len(bars) >= 3 and all("hashing public" in bar and "|" in bar and "files" in bar for bar in bars[1:])
    assert "\n" not in "".join(bars)  # redrawn in place, not scrolled
    assert final.startswith(f"hashing public: done, {len(files):,} files, 2.1 MB in ")
