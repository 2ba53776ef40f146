"""Deploy file paths and digests: what a manifest may name and how upload URLs are decoded.

Netlify shows manifest paths with a leading slash while netlify-cli sends them without one; both are
accepted and stored with the slash. Paths are only ever keys in the database (blobs are named by digest),
so the checks here are about refusing what Netlify refuses and keeping one spelling per file, not about
filesystem safety. Upload URLs are percent-encoded like JavaScript's `encodeURI`, so they are decoded
exactly once from the raw request target: an encoded slash would otherwise become a real one.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from reconciler.emulator.errors import ApiError, unprocessable

SHA1_RE = re.compile(r"^[0-9a-f]{40}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_PATH_CHARS = 4096
_FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,255}$")
_ENCODED_SEPARATOR_RE = re.compile(r"%(2f|5c|00)", re.IGNORECASE)


def normalise_path(raw: object) -> str:
    """A manifest path in its stored form (`/dir/file.html`), or a 422 saying what is wrong with it."""
    if not isinstance(raw, str) or not raw:
        raise unprocessable("Invalid file path: paths must be non-empty strings")
    path = raw if raw.startswith("/") else "/" + raw
    problem = _path_problem(path)
    if problem:
        raise unprocessable(f"Invalid file path {raw!r}: {problem}")
    return path


def _path_problem(path: str) -> str | None:
    if len(path) > MAX_PATH_CHARS:
        return f"longer than {MAX_PATH_CHARS} characters"
    if "#" in path or "?" in path:
        return "deployed filenames cannot contain # or ?"
    if "\\" in path or "\x00" in path:
        return "backslashes and NUL characters are not allowed"
    if _ENCODED_SEPARATOR_RE.search(path):
        return "encoded slashes are not allowed"
    segments = path[1:].split("/")
    if any(s in ("", ".", "..") for s in segments):
        return "empty, '.' and '..' segments are not allowed"
    return None


def decode_url_path(raw: bytes) -> str:
    """The raw request-target bytes after `/files/`, decoded once and normalised like a manifest path.

    A `%2F` (or `%5C`, `%00`) is refused before decoding: it would otherwise turn into a separator the
    client did not send. Escapes (and raw bytes) that are not UTF-8 are a 400, like any unparseable request.
    """
    if _ENCODED_SEPARATOR_RE.search(raw.decode("latin-1")):
        raise unprocessable("Invalid file path: encoded slashes are not allowed")
    return normalise_path(_utf8(raw, "file path"))


def decode_function_name(raw: bytes) -> str:
    """A function name from an upload URL (netlify-cli encodes it with `encodeURI` too)."""
    return validate_function_name(_utf8(raw, "function name"))


def _utf8(raw: bytes, what: str) -> str:
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, f"Invalid {what}: percent-escapes are not UTF-8") from None


def validate_function_name(name: object) -> str:
    if not isinstance(name, str) or not _FUNCTION_NAME_RE.match(name) or name in (".", ".."):
        raise unprocessable(f"Invalid function name {name!r}: use 1-255 letters, digits, '-', '_' or '.'")
    return name


def normalise_digest(value: object, *, what: str, sha256: bool = False) -> str:
    """A lowercase hex digest (SHA-1 for files, SHA-256 for functions), or a 422 naming the entry."""
    pattern = SHA256_RE if sha256 else SHA1_RE
    if isinstance(value, str) and pattern.match(value.lower()):
        return value.lower()
    kind = "SHA-256" if sha256 else "SHA-1"
    raise unprocessable(f"Invalid digest for {what}: expected a hex {kind}")
