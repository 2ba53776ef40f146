"""`page`/`per_page` parameters and the RFC 8288 `Link` header Netlify sends on paginated lists.

Clients follow `rel="next"` until it disappears, so `next`/`last` are present only while more pages
exist and `first`/`prev` only after the first page; the header is omitted when everything fits in one page.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from reconciler.emulator.errors import unprocessable

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 100
# swagger declares both parameters `int32`; a page past the last one is simply empty.
MAX_PARAMETER = 2**31 - 1


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(request: Request) -> Page:
    """Read `page` (from 1) and `per_page` (capped at 100, like Netlify) from the query string; values
    outside 1..2^31-1 (swagger's int32) are a 422, so no offset can overflow SQLite's 64-bit integers."""
    number = _positive_int(request, "page", 1)
    size = min(_positive_int(request, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return Page(number, size)


def _positive_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_PARAMETER:
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise unprocessable(f"{name} must be an integer from 1 to {MAX_PARAMETER}, got {shown!r}")
    return value


def link_header(request: Request, page: Page, total: int) -> dict[str, str]:
    """Headers to add to a list response: `Link` with absolute URLs keeping the other query parameters."""
    last = max(1, -(-total // page.size))
    rels: list[tuple[str, int]] = []
    if page.number > 1:
        rels += [("first", 1), ("prev", min(page.number - 1, last))]
    if page.number < last:
        rels += [("next", page.number + 1), ("last", last)]
    if not rels:
        return {}
    url = request.url
    parts = [f'<{url.include_query_params(page=number)}>; rel="{rel}"' for rel, number in rels]
    return {"Link": ", ".join(parts)}
