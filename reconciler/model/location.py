"""Where a node came from: a file position and its path inside the document."""

from __future__ import annotations

from dataclasses import dataclass

DocPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a manifest file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def format_doc_path(path: DocPath) -> str:
    """`("sites", "acme-docs", "env", "API_URL")` -> `sites.acme-docs.env.API_URL`; list items as `[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out
