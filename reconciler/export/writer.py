"""Exported manifests on disk: YAML as a person writes it, the same bytes for the same live state.

Block style, keys in the order the kinds give them (the order of docs/manifest-reference.md), multi-line
strings as literal blocks, quotes only where YAML needs them, no timestamps. Beside the manifests: the
schema they point at (so an editor can check them offline) and a README listing the variables to set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from reconciler import __version__
from reconciler.export import Export, Variable
from reconciler.manifest.schema import schema_text
from reconciler.model.errors import ReconcilerError

SCHEMA_NAME = "manifest.schema.json"
README = "README.md"
OWNED = ("teams", "sites", README, SCHEMA_NAME)  # what --force replaces in the target
HEADER = "# yaml-language-server: $schema=../{schema}\n# Exported by netlify-reconciler {version}.\n"


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key (`- item` two spaces in), as the examples write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(document: dict[str, Any]) -> str:
    text: str = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100_000
    )
    return text


def write(
    export: Export, out: Path, *, force: bool, check: Callable[[Path], None] = lambda staged: None
) -> list[Path]:
    """Write the export under `out`; refuses a target that holds anything unless `force`, which replaces
    what an export writes there (teams/, sites/, README.md, the schema) and leaves the rest. The files are
    written beside `out` first and `check`ed there: one that fails leaves `out` as it was."""
    if out.exists() and not out.is_dir():
        raise ReconcilerError(f"{out} is a file: --out needs a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ReconcilerError(f"{out} is not empty: pass --force to replace an earlier export there")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-export-", dir=out.parent))
    try:
        written = [path.relative_to(staging) for path in _write_files(export, staging)]
        check(staging)
        out.mkdir(exist_ok=True)
        for name in OWNED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
        for staged in staging.iterdir():
            os.replace(staged, out / staged.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / relative for relative in written]


def _write_files(export: Export, root: Path) -> list[Path]:
    (root / SCHEMA_NAME).write_text(schema_text(), encoding="utf-8")
    written = [root / SCHEMA_NAME]
    for relative, document in sorted(export.documents.items()):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        header = HEADER.format(schema=SCHEMA_NAME, version=__version__)
        path.write_text(header + dump(document), encoding="utf-8")
        written.append(path)
    (root / README).write_text(readme(export), encoding="utf-8")
    return [*written, root / README]


def readme(export: Export) -> str:
    lines = [
        "# Exported manifests",
        "",
        "Written by `netlify-reconciler export` from live Netlify. Plan them before changing anything:",
        "",
        "```sh",
        "netlify-reconciler plan . --detailed-exitcode  # exit 0 but for the ledger: nothing to change",
        "netlify-reconciler apply . --auto-approve       # records them as managed; changes nothing else",
        "```",
        "",
    ]
    lines += _variables(export.variables)
    if export.unexpressed:
        lines += [
            "## Not exported",
            "",
            "The manifest format cannot declare these as they are; fix them in Netlify:",
            "",
        ]
        lines += [f"- {item}" for item in export.unexpressed] + [""]
    return "\n".join(lines)


def _variables(variables: list[Variable]) -> list[str]:
    if not variables:
        return ["No values are hidden by Netlify here: the manifests need no environment variables.", ""]
    lines = [
        "## Environment variables to set",
        "",
        "Netlify never shows these values, so the manifests refer to them as `${NAME}`. Set each to the",
        "value it has on Netlify now (from where you keep your secrets) wherever you plan and apply: in your",
        "shell, and as repository secrets for the GitHub Action. No file or output ever holds them.",
        "",
        "| variable | what it is |",
        "| --- | --- |",
    ]
    lines += [f"| `{v.name}` | {v.owner}: {v.what} |" for v in variables]
    return [*lines, ""]
