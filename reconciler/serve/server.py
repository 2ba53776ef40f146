"""Running the service in the foreground: bind, say where, check on a timer, serve until a signal.

The socket listens before uvicorn starts (`reconciler/listen.py`), so `--port 0` gives a free port that is
printed at once (tests and scripts read the `listening on` line). uvicorn handles SIGINT and SIGTERM and
finishes requests in flight; the timer thread stops with it.
"""

from __future__ import annotations

import sys
import threading

import uvicorn
from starlette.types import ASGIApp

from reconciler.listen import is_loopback_host, tcp_socket
from reconciler.model.errors import ReconcilerError
from reconciler.serve.checks import Checker


def run(app: ASGIApp, checker: Checker, host: str, port: int, interval: float) -> None:
    """Serve `app` on host:port; with `interval` > 0, check the whole fleet that often (first: now)."""
    try:
        sock = tcp_socket(host, port)
    except OSError as exc:
        raise ReconcilerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    shown = f"[{host}]" if ":" in host else host
    print(f"netlify-reconciler serve: listening on http://{shown}:{sock.getsockname()[1]}/", file=sys.stderr)
    if not is_loopback_host(host):
        print(
            f"Warning: serving on {host}, reachable from other machines: the page and the handlers answer "
            "anyone with a Netlify token that sees your sites; put TLS in front of it (tokens travel in "
            "headers and cookies).",
            file=sys.stderr,
        )
    sys.stderr.flush()
    stop = threading.Event()
    if interval > 0:
        timer = threading.Thread(target=checker.every, args=(interval, stop), name="checks", daemon=True)
        timer.start()
    config = uvicorn.Config(
        app, log_level="warning", log_config=None, access_log=False, http="httptools", lifespan="off",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        stop.set()
