"""Dropping a connection without any HTTP answer, for the `drop_rate` and `drop_after_rate` faults.

ASGI has no way to say "close the socket now": an app that raises or returns without answering gets a
500 from the server. So the outermost wrapper (`with_connection_abort`, installed by the server) records
the server's own `send` in the scope, and `drop_connection` closes that connection's transport and then
waits for the server to notice the disconnect, after which the server sends nothing and logs nothing.
The transport is reached through uvicorn's per-request object (`send.__self__.transport`); if that ever
changes, drops fail loudly (a logged error and a 500) rather than silently answering.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SERVER_SEND_KEY = "reconciler.emulator.server_send"
_DISCONNECT_TIMEOUT = 5.0


class ConnectionAbortSupport:
    """Outermost ASGI wrapper: remembers the server's `send` so a policy can drop the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[SERVER_SEND_KEY] = send
        await self.app(scope, receive, send)


def with_connection_abort(app: ASGIApp) -> ASGIApp:
    return ConnectionAbortSupport(app)


async def drop_connection(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that answers nothing: the client sees the connection closed (a ConnectionError)."""
    server_send = scope.get(SERVER_SEND_KEY)
    transport = getattr(getattr(server_send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "close"):
        raise RuntimeError("cannot drop the connection: the server's transport is not reachable")
    transport.close()
    try:
        async with asyncio.timeout(_DISCONNECT_TIMEOUT):
            while (await receive())["type"] != "http.disconnect":
                pass  # unread request body: discarded
    except TimeoutError:
        pass


def answer_lost(app: ASGIApp) -> ASGIApp:
    """`app`, carried out in full, whose answer never reaches the client: the connection is dropped
    instead. What a client meets when a create succeeded and the network lost the reply."""

    async def carried_out_then_dropped(scope: Scope, receive: Receive, send: Send) -> None:
        async def swallow(message: Message) -> None:
            return None

        await app(scope, receive, swallow)
        await drop_connection(scope, receive, send)

    return carried_out_then_dropped
