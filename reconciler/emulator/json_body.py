"""Reading a JSON request body strictly, the way Netlify's API parses one.

- The body must say `Content-Type: application/json` (or a `+json` type): the API consumes JSON only
  (swagger), so a `text/plain` body that happens to be JSON is refused (415) rather than accepted.
  An empty body needs no type (`POST .../lock` and friends send none).
- Nesting deeper than 100 arrays/objects is a 400 (the default `max_nesting` of Ruby's JSON parser;
  Netlify documents no limit); without a bound a deeply nested body exhausts the recursion limit.
- `NaN`, `Infinity` and numbers too large for a double are a 400: they are not JSON (RFC 8259), and a
  stored one could never be sent back (the response encoder refuses non-finite numbers).
- Malformed JSON is a 400; JSON of the wrong type (an array where an object is expected) a 422, as
  Netlify answers validation failures.
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

from starlette.requests import Request

from reconciler.emulator.errors import ApiError, json_type, unprocessable

T = TypeVar("T", dict[str, Any], list[Any])
MAX_DEPTH = 100


class _NotJson(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"the number {text[:40]} is out of range")
    return value


def _no_constants(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects nest more than `limit` levels (the outermost one is level 1)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def is_json_media_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def parse_json(raw: bytes) -> Any:
    """The decoded body; ApiError 400 for anything that is not strict, finite, bounded JSON."""
    try:
        data = json.loads(raw, parse_float=_finite, parse_constant=_no_constants)
    except RecursionError:
        raise ApiError(400, f"Malformed JSON body: nesting deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"Malformed JSON body: {exc}") from None
    if too_deep(data):
        raise ApiError(400, f"Malformed JSON body: nesting deeper than {MAX_DEPTH} levels")
    return data


async def read_json(request: Request, expect: type[T], *, empty: T | None = None) -> T:
    """Parse the body as JSON of type `expect` (dict or list); `empty` is the value for an empty body.

    Must be awaited before opening a store transaction: the transaction must not span an await.
    """
    raw = await request.body()
    if not raw.strip():
        if empty is not None:
            return empty
        raise unprocessable(f"Request body must be a JSON {_type_name(expect)}")
    content_type = request.headers.get("content-type")
    if not is_json_media_type(content_type):
        raise ApiError(415, f"Content-Type must be application/json, not {(content_type or 'missing')[:80]}")
    data = parse_json(raw)
    if not isinstance(data, expect):
        raise unprocessable(f"Request body must be a JSON {_type_name(expect)}, not {json_type(data)}")
    return data


def _type_name(expect: type) -> str:
    return "array" if expect is list else "object"
