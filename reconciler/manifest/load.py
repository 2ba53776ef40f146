"""Manifest files -> one DesiredState, or one ManifestError listing every problem.

Validation runs on the raw YAML data, before `${NAME}` substitution, so the schema sees the
strings the user wrote and no error message can ever contain a value read from the
environment. Substituted strings become `Sensitive` right away, so nothing downstream can
print them by accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from reconciler.manifest.literals import MESSAGE as LITERAL_ONLY_MESSAGE
from reconciler.manifest.literals import literal_only
from reconciler.manifest.model import DesiredState, Owner
from reconciler.manifest.schema import validate_document
from reconciler.manifest.yaml_loader import Document, parse_yaml
from reconciler.model.errors import ManifestError, ManifestIssue
from reconciler.model.location import DocPath, Location, format_doc_path
from reconciler.model.sensitive import Sensitive

MANIFEST_SUFFIXES = (".yaml", ".yml")

# `$${` is a literal `${`; `${...}` a reference; a bare `${` never closed is malformed.
_REFERENCE = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SECTIONS: tuple[tuple[Literal["team", "site"], str], ...] = (("team", "teams"), ("site", "sites"))


def load_manifests(path: Path | str, environ: Mapping[str, str] | None = None) -> DesiredState:
    """Load one manifest file, or every manifest below a directory, as one desired state."""
    state, issues = read_manifests(path, environ)
    if issues:
        raise ManifestError(issues)
    return state


def read_manifests(
    path: Path | str, environ: Mapping[str, str] | None = None
) -> tuple[DesiredState, list[ManifestIssue]]:
    """What `load_manifests` reads, and its problems instead of raising them: the owners of documents
    with problems are kept, so the kinds can still check the owners the problems are not in."""
    environ = os.environ if environ is None else environ
    root = Path(path)
    issues: list[ManifestIssue] = []
    files = _manifest_files(root, issues)
    state = DesiredState()
    for file in files:
        doc = _read(file, issues)
        if doc is None:
            continue
        state.files.append(doc.file)
        issues += doc.issues
        if doc.data is None:
            if not doc.issues:
                issues.append(
                    ManifestIssue(
                        Location(doc.file, 1, 1), "", "file is empty (expected a mapping with 'version: 1')"
                    )
                )
            continue
        schema_issues = validate_document(doc)
        issues += schema_issues
        # A value the schema refused is reported once: not also for the reference it holds.
        refused = {issue.doc_path for issue in schema_issues}
        data = _substitute(doc, doc.data, (), _Context(environ, refused), issues)
        _collect_owners(doc, data, state, issues)
    return state, issues


def untouched_by(owner: Owner, issues: list[ManifestIssue]) -> bool:
    """Whether no problem lies within the owner's section (so its kinds' checks see a sound section)."""
    here = owner.location()
    prefix = format_doc_path(owner.doc_path)
    return not any(
        (issue.location is None or here is None or issue.location.file == here.file)
        and (issue.doc_path == prefix or issue.doc_path.startswith((prefix + ".", prefix + "[")))
        for issue in issues
    )


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path) if not path.is_absolute() else str(absolute)


_FILES_ONLY = "(manifests are read from files, never from a pipe)"


def _manifest_files(root: Path, issues: list[ManifestIssue]) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        # A pipe (`/dev/stdin`, `<(...)`) or a device exists but is no manifest file: say so, not "missing".
        problem = (
            f"not a regular file or a directory {_FILES_ONLY}"
            if root.exists()
            else "no such file or directory"
        )
        issues.append(ManifestIssue(None, "", f"{display_name(root)}: {problem}"))
        return []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else root
        issues.append(
            ManifestIssue(None, "", f"{display_name(where)}: cannot read directory ({error.strerror})")
        )

    found: list[Path] = []
    for directory, subdirs, names in os.walk(root, onerror=unreadable):
        subdirs[:] = [name for name in subdirs if not name.startswith(".")]
        for name in names:
            if name.startswith(".") or not name.endswith(MANIFEST_SUFFIXES):
                continue
            path = Path(directory, name)
            if path.is_file() or not path.exists():  # a dangling link is said missing when it is read
                found.append(path)
            else:  # a FIFO would block the read for ever
                problem = f"{display_name(path)}: not a regular file {_FILES_ONLY}"
                issues.append(ManifestIssue(None, "", problem))
    if not found and not issues:
        issues.append(
            ManifestIssue(
                None, "", f"{display_name(root)}: no manifest files (*.yaml, *.yml) in this directory"
            )
        )
    return sorted(found, key=lambda file: file.relative_to(root).parts)


def _read(file: Path, issues: list[ManifestIssue]) -> Document | None:
    """Parse one file; unreadable or undecodable files become issues, never exceptions."""
    name = display_name(file)
    try:
        raw = file.read_bytes()
    except OSError as error:
        issues.append(
            ManifestIssue(Location(name, 1, 1), "", f"cannot read file ({error.strerror or error})")
        )
        return None
    try:
        text = raw.decode("utf-8-sig")  # a BOM would otherwise shift line 1 by one column
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        byte = raw[error.start : error.start + 1].hex()
        issues.append(
            ManifestIssue(Location(name, line, column), "", f"file is not valid UTF-8 (byte 0x{byte})")
        )
        return None
    return parse_yaml(text, name)


@dataclass(frozen=True)
class _Context:
    environ: Mapping[str, str]
    refused: set[str]  # doc paths whose value the schema refused


def _substitute(
    doc: Document, value: Any, path: DocPath, context: _Context, issues: list[ManifestIssue]
) -> Any:
    """Replace `${NAME}` in every string value (never in keys)."""
    if isinstance(value, dict):
        return {key: _substitute(doc, item, (*path, key), context, issues) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(doc, item, (*path, index), context, issues) for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value or format_doc_path(path) in context.refused:
        return value
    where = doc.value_locations.get(path) or doc.locations.get(path)
    if literal_only(path) and any(match.group(1) is not None for match in _REFERENCE.finditer(value)):
        issues.append(ManifestIssue(where, format_doc_path(path), LITERAL_ONLY_MESSAGE))
        return value
    environ = context.environ
    parts: list[str] = []
    referenced = False
    end = 0
    for match in _REFERENCE.finditer(value):
        parts.append(value[end : match.start()])
        end = match.end()
        name = match.group(1)
        if match.group(0) == "$${":
            parts.append("${")
        elif name is None:
            issues.append(ManifestIssue(where, format_doc_path(path), _malformed("${")))
        elif not _NAME.fullmatch(name):
            issues.append(ManifestIssue(where, format_doc_path(path), _malformed("${" + name + "}")))
        elif name not in environ:
            referenced = True
            issues.append(
                ManifestIssue(where, format_doc_path(path), f"environment variable {name} is not set")
            )
        else:
            referenced = True
            parts.append(environ[name])
    parts.append(value[end:])
    text = "".join(parts)
    return Sensitive(text, path) if referenced else text


def _malformed(reference: str) -> str:
    return (
        f"malformed environment variable reference '{reference}' (expected ${{NAME}} with NAME made of "
        "letters, digits and underscores, not starting with a digit; write $${ for a literal ${)"
    )


def _collect_owners(doc: Document, data: Any, state: DesiredState, issues: list[ManifestIssue]) -> None:
    """Add this file's teams and sites; a name already declared in another file is an error."""
    if not isinstance(data, dict):
        return
    for kind, section in _SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        declared: dict[str, Owner] = state.teams if kind == "team" else state.sites
        for name, spec in entries.items():
            doc_path: DocPath = (section, name)
            if name in declared:
                first = declared[name].location()
                issues.append(
                    ManifestIssue(
                        doc.locations.get(doc_path),
                        format_doc_path(doc_path),
                        f"{kind} '{name}' is also declared at {first}",
                    )
                )
                continue
            spec = spec if isinstance(spec, dict) else {}
            declared[name] = Owner(kind, name, spec, doc_path, doc.locations)
