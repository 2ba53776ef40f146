"""The token goes only to the configured API: a next-page link or a redirect to another origin is not
followed. "The API" here is a small hostile server on loopback; "elsewhere" another one that records who
calls it with what."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest

from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError, ForeignOrigin
from tests.support.local_server import QuietHandler, serving

TOKEN = "origin-test-token-4242"


class _Recorder(QuietHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        self.answer(200, b"[]", {})


@pytest.fixture
def elsewhere() -> Iterator[str]:
    _Recorder.seen = []
    with serving(_Recorder, "127.0.0.2") as url:
        yield url


def _hostile(target: str) -> type[BaseHTTPRequestHandler]:
    class Hostile(_Recorder):
        def do_GET(self) -> None:
            if self.path.startswith("/api/v1/sites"):
                self.answer(200, b"[]", {"Link": f'<{target}/api/v1/sites?page=2>; rel="next"'})
            else:
                self.answer(302, b"", {"Location": f"{target}/api/v1/accounts"})

    return Hostile


def test_a_next_link_to_another_origin_is_refused_and_gets_no_token(elsewhere):
    with serving(_hostile(elsewhere), "127.0.0.1") as api, NetlifyClient(api, TOKEN) as client:
        with pytest.raises(ForeignOrigin, match="not following it"):
            client.get_all("/sites")
        with pytest.raises(ApiError, match="redirects are not followed"):
            client.get("/accounts")
    assert _Recorder.seen == [], "nothing, and so no token, reached the other origin"


def test_a_next_link_on_the_same_origin_is_followed(elsewhere):
    with NetlifyClient(elsewhere, TOKEN) as client:
        assert client.get_all("/sites") == []
    assert [h.get("Authorization") for h in _Recorder.seen] == [f"Bearer {TOKEN}"]
