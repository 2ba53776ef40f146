"""Credentials inside request paths (a build hook's id), enciphered for a saved plan.

A saved plan carries the requests apply sends, and a build hook's PUT or DELETE names the hook by its id,
which is the secret of its trigger URL. The file is sealed (a MAC) with a key that never leaves the
runner, so the same key enciphers those segments: the file shows `{~sealed:...}` in their place and
`load` restores them in memory once the seal has been checked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from typing import Any

from reconciler.model.sensitive import CREDENTIAL_SEGMENT

_SEALED = re.compile(r"\{~sealed:([0-9a-f]{16}):([0-9a-f]*)\}")


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (size + 31) // 32
    stream = b"".join(
        hmac.new(
            key, b"netlify-reconciler/path-credential" + nonce + i.to_bytes(4, "big"), hashlib.sha256
        ).digest()
        for i in range(blocks)
    )
    return stream[:size]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal_path(path: str, key: bytes) -> str:
    def one(match: re.Match[str]) -> str:
        secret, nonce = match.group(2).encode(), os.urandom(8)
        cipher = _xor(secret, _keystream(key, nonce, len(secret)))
        return f"{match.group(1)}{{~sealed:{nonce.hex()}:{cipher.hex()}}}"

    return CREDENTIAL_SEGMENT.sub(one, path)


def unseal_path(path: str, key: bytes) -> str:
    def one(match: re.Match[str]) -> str:
        nonce, cipher = bytes.fromhex(match.group(1)), bytes.fromhex(match.group(2))
        return _xor(cipher, _keystream(key, nonce, len(cipher))).decode()

    return _SEALED.sub(one, path)


def seal_requests(requests: list[dict[str, Any]], key: bytes) -> list[dict[str, Any]]:
    """Encoded requests (`encode_request`) with their path credentials enciphered."""
    return [{**request, "path": seal_path(request["path"], key)} for request in requests]


def unseal_requests(requests: list[dict[str, Any]], key: bytes) -> None:
    """The reverse of `seal_requests`, in place (in memory only: the file keeps them sealed)."""
    for request in requests:
        request["path"] = unseal_path(request["path"], key)
