"""The status page in a real headless Chromium: a site changed behind the tool's back shows as drifted;
after a re-apply, "Check now" (reached and pressed with the keyboard) shows it in sync; a second change
and its repair reach the open page through the page's script alone; the page fits a phone's width; the
browser reports no script or Content-Security-Policy error; no token or secret is on the page."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.cli.conftest import CLI_TOKEN, EmulatorProcess, run_cli, start_emulator
from tests.support.browser import chromium
from tests.support.serve import spawn_serve

SECRET = "browser-secret-PLANTED-4"
MANIFEST = """\
version: 1
sites:
  shop-front:
    team: demo
    env:
      API_URL: https://api.shop.example
      PAYMENT_KEY:
        secret: true
        values: {production: "${PAYMENT_KEY}"}
  shop-blog:
    team: demo
    env:
      MODE: calm
"""


def _until(what: str, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.25)


def _state(browser: webdriver.Chrome, site: str) -> str:
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-owner="site.{site}"]')
    return row.find_element(By.CSS_SELECTOR, '[data-field="state"]').text.strip()


def _change_behind_the_back(emu: EmulatorProcess, value: str) -> None:
    site_id = emu.api("GET", "/sites/shop-front").json()["id"]
    emu.api("PATCH", "/accounts/demo/env/API_URL", params={"site_id": site_id}, json={"context": "all", "value": value})


def test_drift_and_its_repair_show_on_the_status_page(tmp_path: Path) -> None:
    manifest = tmp_path / "netlify.yaml"
    manifest.write_text(MANIFEST)
    with start_emulator(tmp_path / "emu") as emu:
        env = emu.env(PAYMENT_KEY=SECRET)
        assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
        _change_behind_the_back(emu, "https://by-hand.example")
        with spawn_serve(manifest, env, "--interval", "2") as serve, chromium() as browser:
            browser.get(serve.url + "/")
            token = browser.find_element(By.ID, "token")
            token.send_keys(CLI_TOKEN, Keys.ENTER)  # sign in with the keyboard
            _until("the status table shows", lambda: bool(browser.find_elements(By.ID, "owners")))
            assert _state(browser, "shop-front").endswith("Drifted")
            assert _state(browser, "shop-blog").endswith("In sync")
            details = browser.find_element(By.CSS_SELECTOR, 'details[data-owner="site.shop-front"]')
            details.find_element(By.TAG_NAME, "summary").send_keys(Keys.ENTER)  # opens with the keyboard
            assert "~ site.shop-front.env.API_URL" in details.text and "https://by-hand.example" in details.text

            applied = run_cli("apply", str(manifest), "--auto-approve", env=env)
            assert applied.returncode == 0, applied.stderr
            body = browser.find_element(By.TAG_NAME, "body")
            body.send_keys(Keys.TAB)
            for _ in range(10):  # Tab to the "Check now" button, then press it
                if browser.switch_to.active_element.text == "Check now":
                    break
                browser.switch_to.active_element.send_keys(Keys.TAB)
            assert browser.switch_to.active_element.text == "Check now"
            browser.switch_to.active_element.send_keys(Keys.ENTER)
            _until("the re-applied site shows in sync", lambda: _state(browser, "shop-front").endswith("In sync"))
            assert "0 drifted" in browser.find_element(By.ID, "fleet-counts").text

            # The open page follows on its own, through the status handler.
            _change_behind_the_back(emu, "https://by-hand-again.example")
            _until("the script shows the new drift", lambda: _state(browser, "shop-front").endswith("Drifted"))
            stale = 'return document.querySelector(\'details[data-owner="site.shop-front"] .stale-note\').hidden'
            assert browser.execute_script(stale) is False  # its plan says it is from an earlier check
            assert "Statuses refreshed at" in browser.find_element(By.ID, "refresh-note").text
            assert run_cli("apply", str(manifest), "--auto-approve", env=env).returncode == 0
            _until("the script shows it in sync again", lambda: _state(browser, "shop-front").endswith("In sync"))

            browser.set_window_size(375, 800)  # a phone
            browser.refresh()
            wide = browser.execute_script("return document.documentElement.scrollWidth")
            viewport = browser.execute_script("return window.innerWidth")
            assert wide <= viewport, f"the page is {wide}px wide at a {viewport}px viewport"
            assert browser.find_element(By.CSS_SELECTOR, 'tr[data-owner="site.shop-front"] [data-field="state"]').is_displayed()

            errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
            assert errors == [], errors
            page = browser.page_source
    for planted in (SECRET, CLI_TOKEN):
        assert planted not in page
