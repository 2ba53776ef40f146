"""A forwarding HTTP proxy on loopback that records what passes through it: for tests of how the client
honours the proxy the environment names."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar
from urllib.parse import urlsplit

from tests.support.local_server import QuietHandler, serving


class ForwardingProxy(QuietHandler):
    """An HTTP proxy: the request line carries the absolute URL; forwards it and records it."""

    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []

    def _forward(self) -> None:
        target = urlsplit(self.path)
        type(self).seen.append((self.command, self.path, dict(self.headers)))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(target.netloc, timeout=10)
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")
        }
        upstream.request(
            self.command, target.path + (f"?{target.query}" if target.query else ""), body, headers
        )
        answer = upstream.getresponse()
        passed = {
            name: value
            for name, value in answer.getheaders()
            if name.lower() not in ("transfer-encoding", "connection", "content-length")
        }
        self.answer(answer.status, answer.read(), passed)
        upstream.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


@contextmanager
def forwarding_proxy() -> Iterator[str]:
    ForwardingProxy.seen.clear()
    with serving(ForwardingProxy) as url:
        yield url
