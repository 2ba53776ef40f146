"""User-facing errors: the CLI prints their message (never a traceback) and exits 1."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model.base_error import ReconcilerError
from reconciler.model.location import Location

__all__ = ["ManifestError", "ManifestIssue", "ReconcilerError"]


@dataclass(frozen=True)
class ManifestIssue:
    """One problem in a manifest: where it is, which node, and what was expected."""

    location: Location | None
    doc_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        node = f"{self.doc_path}: " if self.doc_path else ""
        return f"{where}{node}{self.message}"


class ManifestError(ReconcilerError):
    """All problems found in one load, reported together."""

    def __init__(self, issues: list[ManifestIssue]) -> None:
        # One problem found twice (a reference repeated in one value, say) is reported once.
        unique = dict.fromkeys(issues)
        self.issues = sorted(unique, key=lambda i: (i.location or Location("", 0, 0), i.doc_path, i.message))
        count = len(self.issues)
        header = f"{count} error{'s' if count != 1 else ''} in manifests:"
        super().__init__("\n".join([header, *(f"  {issue}" for issue in self.issues)]))
