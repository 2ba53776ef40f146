"""Headless Chromium for the browser tests: Debian's `chromium` driven by its `chromium-driver` through
selenium. Both are installed by `scripts/install-browser.sh` (apt), which the tests run on first use;
when that is not possible the test fails with the script's reason (in CI as anywhere: never a skip)."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.node_tools import REPO, TOOLS


def browser_binaries() -> tuple[str, str]:
    """(chromium, chromedriver), installing them with the project's script when missing."""
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if all(found):
        return str(found[0]), str(found[1])
    TOOLS.mkdir(parents=True, exist_ok=True)
    with open(TOOLS / ".install-browser.sh.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = subprocess.run(
            ["bash", str(REPO / "scripts" / "install-browser.sh")], capture_output=True, text=True, timeout=900,
            check=False,
        )  # fmt: skip
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if not all(found):
        reason = " | ".join((result.stderr.strip() or result.stdout.strip()).splitlines()[-3:])
        pytest.fail(f"scripts/install-browser.sh could not install chromium and chromium-driver: {reason}")
    return str(found[0]), str(found[1])


@contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator[webdriver.Chrome]:
    binary, driver = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    try:
        yield browser
    finally:
        browser.quit()
