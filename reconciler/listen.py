"""A bound TCP socket for the local web services (the emulator, `serve`), made before their server starts.

Binding first means port 0 yields a free port that is known at once and that no other process can take
between choosing and listening.
"""

from __future__ import annotations

import ipaddress
import socket


def tcp_socket(host: str, port: int) -> socket.socket:
    """Bound and listening (connections wait in the backlog until the server accepts); raises OSError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio enables TCP_NODELAY only on sockets that say so, and without it
    # Nagle plus delayed ACKs add ~40 ms to every response written in two parts.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def is_loopback_host(host: str) -> bool:
    """Whether binding `host` keeps a service private to this machine ("" and 0.0.0.0 do not)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
