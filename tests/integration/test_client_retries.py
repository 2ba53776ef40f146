"""What the client retries, against a server that answers from a script: each call's answers in order."""

from __future__ import annotations

import logging
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pytest
import trustme

from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError, NetworkError, OutcomeUnknown
from tests.support.local_server import QuietHandler, serving


class _Scripted(QuietHandler):
    script: ClassVar[list[int]] = []
    calls: ClassVar[list[str]] = []
    reset_in: ClassVar[int] = 0  # seconds until the rate-limit window resets, said with each 429
    refusal: ClassVar[dict[str, str]] = {}  # more headers of each 429

    def _next(self) -> None:
        type(self).calls.append(f"{self.command} {self.path}")
        status = type(self).script.pop(0) if type(self).script else 200
        headers = {}
        if status == 429:
            headers = {"X-RateLimit-Reset": str(int(time.time()) + type(self).reset_in), **type(self).refusal}
        self.answer(status, b"{}" if status < 300 else b'{"message": "scripted"}', headers)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _next


@contextmanager
def _scripted(
    *statuses: int,
    reset_in: int = 0,
    refusal: dict[str, str] | None = None,
    sleeps: list[float] | None = None,
) -> Iterator[NetlifyClient]:
    """A client of a server answering `statuses` in turn (then 200); its pauses go to `sleeps`."""
    _Scripted.script, _Scripted.calls, _Scripted.reset_in = list(statuses), [], reset_in
    _Scripted.refusal = refusal or {}
    pauses = sleeps if sleeps is not None else []
    with serving(_Scripted) as url, NetlifyClient(url, "t", sleep=pauses.append) as client:
        yield client


def test_an_untrusted_certificate_is_said_plainly_not_retried_and_trusted_through_the_ca_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authority = trustme.CA()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_side)
    _Scripted.script, _Scripted.calls = [], []
    sleeps: list[float] = []
    with serving(_Scripted, tls=server_side) as url:
        refused = pytest.raises(NetworkError, match=r"TLS certificate not trusted .*REQUESTS_CA_BUNDLE")
        with NetlifyClient(url, "t", sleep=sleeps.append) as client, refused:
            client.get("/sites")
        assert sleeps == [] and _Scripted.calls == [], "a verdict: not tried again, nothing was sent"
        authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
        with NetlifyClient(url, "t", sleep=sleeps.append) as client:
            assert client.get("/sites") == {}


def test_a_server_error_then_a_burst_of_429s_is_ridden_out():
    with _scripted(500, 429, 429, 429, 429, 429, 503) as client:
        assert client.get("/sites") == {}
    assert len(_Scripted.calls) == 8, "429s wait in their own budget, server errors in theirs"


@pytest.mark.parametrize(
    ("refusal", "short"),
    [
        ({"X-Concurrent-Limit": "5", "X-RateLimit-Remaining": "400"}, True),
        ({"X-Concurrent-Limit": "5"}, True),  # no budget said: still a refusal for concurrency
        ({"X-Concurrent-Limit": "5", "X-RateLimit-Remaining": "0"}, False),  # the budget is spent too
        ({"X-RateLimit-Remaining": "0"}, False),
        ({}, False),
    ],
)
def test_too_many_uploads_in_flight_waits_a_moment_and_a_spent_budget_until_the_reset(
    refusal: dict[str, str], short: bool
) -> None:
    """The window's reset may be a minute away; an upload slot frees up within one upload's time."""
    sleeps: list[float] = []
    with _scripted(429, 429, 429, reset_in=60, refusal=refusal, sleeps=sleeps) as client:
        assert client.request("PUT", "/deploys/d/files/a.html", data=b"x").status_code == 200
    assert len(_Scripted.calls) == 4
    assert len(sleeps) >= 3
    if short:
        assert all(0 < pause <= 1.0 for pause in sleeps), sleeps
    else:
        assert all(58 < pause <= 61.1 for pause in sleeps[:3]), sleeps


def test_patch_is_retried_and_a_create_with_an_unknown_outcome_is_not():
    with _scripted(502) as client:
        assert client.patch("/sites/x", {"force_ssl": True}) == {}
    assert _Scripted.calls == ["PATCH /api/v1/sites/x"] * 2
    with (
        _scripted(500) as client,
        pytest.raises(OutcomeUnknown, match="may or may not have been carried out"),
    ):
        client.post("/demo/sites", {"name": "x"})
    assert _Scripted.calls == ["POST /api/v1/demo/sites"], "never repeated blindly: the caller reads back"


def test_a_retried_delete_answered_404_is_done_but_a_first_404_is_not():
    with _scripted(503, 404) as client:
        assert client.delete("/hooks/1") is None
    with _scripted(404) as client, pytest.raises(ApiError, match="HTTP 404"):
        client.delete("/hooks/1")


def test_accepted_statuses_mean_already_so():
    with _scripted(409) as client:
        assert client.request_json("POST", "/x", idempotent=True, accept=(409,)) is None


def test_long_rate_limit_waits_are_said_at_verbose():
    """At -v (INFO) a wait of more than a second is said; the handler sits on the client's own logger, so
    whatever another test did to the logging tree meanwhile does not matter."""
    logger = logging.getLogger("reconciler.netlify.client")
    said: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    level, disabled = logger.level, logger.disabled
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.disabled = False
    try:
        with _scripted(429, reset_in=23) as client:
            client.get("/sites")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled
    (message,) = said
    waited = re.fullmatch(
        r"rate limit: waiting (\d+) s until the window resets \(GET /api/v1/sites\)", message
    )
    assert waited is not None and 21 <= int(waited.group(1)) <= 23, (
        message
    )  # whole seconds, as the server said


def test_errors_and_retry_logs_name_the_call_with_its_credentials_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The call's path is worked out only when a message needs it, and then masked like any output: a
    build hook's id (its trigger URL's secret) and an `access_token` in the query never appear."""
    hook_id = "5f0c1e2d3b4a59687766554433221100"
    logs = caplog.at_level(logging.INFO, logger="reconciler.netlify.client")
    with logs, _scripted(502, 404) as client, pytest.raises(ApiError) as raised:
        client.request("GET", f"/build_hooks/{hook_id}", params={"access_token": "tok-123"})
    message = str(raised.value)
    assert raised.value.status == 404 and message.startswith("GET /api/v1/build_hooks/(sensitive): HTTP 404")
    assert hook_id not in message and "tok-123" not in message
    assert "retrying GET /api/v1/build_hooks/(sensitive): HTTP 502" in caplog.text
    assert hook_id not in caplog.text and "tok-123" not in caplog.text
