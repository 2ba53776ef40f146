"""Running the emulator: in a background thread (tests, benchmarks) or in the foreground (the CLI).

The socket is bound before uvicorn starts, so port 0 yields a free port that is known immediately and no
other process can take it between choosing and listening.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType, TracebackType

import uvicorn

from reconciler.emulator.abort import with_connection_abort
from reconciler.emulator.app import API_PREFIX, EmulatorOptions, build_app
from reconciler.emulator.blobs import BlobStore, BlobStoreInUse
from reconciler.emulator.routes.deploy_common import BLOB_DIRNAME
from reconciler.emulator.seed import apply_seed, load_seed
from reconciler.emulator.store import Store
from reconciler.listen import is_loopback_host, tcp_socket
from reconciler.model.errors import ReconcilerError

_START_TIMEOUT = 15.0


class EmulatorStartError(ReconcilerError):
    """The emulator could not start (address in use, unusable data directory); the message says why."""


class _Uvicorn(uvicorn.Server):
    """Signals readiness through an Event, so `start()` returns only once requests are being served."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._ready.set()


class EmulatorServer:
    """A running emulator on loopback; also a context manager (`with EmulatorServer(dir) as emu:`)."""

    def __init__(
        self,
        data_dir: Path,
        tokens: Sequence[str] = (),
        seed: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        request_log: Path | None = None,
        options: EmulatorOptions | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.tokens = tuple(tokens)
        self.seed = seed
        self.host = host
        self._requested_port = port
        base = options or EmulatorOptions()
        self.options = replace(base, request_log=request_log or base.request_log)
        self.store: Store | None = None
        self._blobs: BlobStore | None = None
        self._server: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL without `/api/v1`, the form NETLIFY_API_URL takes."""
        host = self.host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("the emulator is already started")
        # The blob store first: it is what tells a second emulator on this data directory that the first
        # holds it (the database, locked exclusively, would only say "locked" after its busy timeout).
        try:
            blobs = BlobStore(self.data_dir / BLOB_DIRNAME)
        except (OSError, BlobStoreInUse) as exc:
            raise EmulatorStartError(f"cannot open emulator data in {self.data_dir}: {exc}") from None
        store: Store | None = None
        try:
            try:
                store = Store.open(self.data_dir)
            except (OSError, sqlite3.Error, RuntimeError) as exc:
                raise EmulatorStartError(f"cannot open emulator data in {self.data_dir}: {exc}") from None
            for token in self.tokens:
                store.register_token(token)
            if self.seed is not None:
                apply_seed(store, load_seed(self.seed))
            app = build_app(store, blobs, self.options)
            sock = _bind(self.host, self._requested_port)
        except BaseException:
            blobs.close()
            if store is not None:
                store.close()
            raise
        self.store = store
        self._blobs = blobs
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            with_connection_abort(app),  # lets the `drop_rate` fault close a connection unanswered
            log_level="warning",
            log_config=None,
            access_log=False,
            http="httptools",
            # The standard event loop, even where uvloop is installed (uvicorn's "auto" would pick it): its
            # coarser timers end `--latency-ms` sleeps early, and the request log would show it.
            loop="asyncio",
            lifespan="on",
            # An idle connection stays open 75 s, like common front ends (uvicorn's default is 5 s): a client
            # that reuses one just as the server closes it sees the connection reset, and with 5 s a test
            # session idle during an apply met that race.
            timeout_keep_alive=75,
            timeout_graceful_shutdown=5,
            # No proxy stands in front: the client address is the socket's (the admin endpoint's loopback
            # check relies on it), and no request pays for looking for forwarding headers.
            proxy_headers=False,
        )
        ready = threading.Event()
        self._server = _Uvicorn(config, ready)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="netlify-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EmulatorStartError("the emulator failed to start (see the log above)")
        return self

    def register_token(
        self,
        token: str,
        teams: Sequence[str] = ("demo",),
        *,
        email: str | None = None,
        full_name: str | None = None,
    ) -> None:
        """Add a token (and its user, personal account and teams) to the running emulator."""
        if self.store is None:
            raise RuntimeError("the emulator is not started")
        self.store.register_token(token, teams, email=email, full_name=full_name)

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Finish in-flight requests, stop serving, and close the database. Safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        self._server = None
        self._thread = None
        if self._blobs is not None:
            self._blobs.close()
            self._blobs = None
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _bind(host: str, port: int) -> socket.socket:
    try:
        return tcp_socket(host, port)
    except OSError as exc:
        raise EmulatorStartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(
    data_dir: Path,
    tokens: Sequence[str] = (),
    seed: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    request_log: Path | None = None,
    options: EmulatorOptions | None = None,
) -> None:
    """Serve in the foreground until SIGINT or SIGTERM, then shut down cleanly and return."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = EmulatorServer(data_dir, tokens, seed, host, port, request_log, options)
    try:
        server.start()
        print(
            f"Netlify API emulator listening on {server.api_url} (data: {data_dir})",
            file=sys.stderr,
            flush=True,
        )
        if not is_loopback_host(host):
            print(
                f"Warning: the emulator is bound to {host or 'all interfaces'}, not loopback: anyone on the "
                "network holding a registered token can use it (the /_emulator admin endpoint stays "
                "loopback-only).",
                file=sys.stderr,
                flush=True,
            )
        while not stop.wait(0.2):
            if not server.running():
                raise RuntimeError("the emulator stopped unexpectedly")
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
