"""Seed files: extra tokens, their users and teams, in YAML or JSON.

```yaml
tokens:
  - token: alice-token
    email: alice@example.com      # optional
    full_name: Alice Example      # optional
    teams: [demo, acme]           # optional, default [demo]; a team listed twice is shared
```

The whole file is validated before anything is written, and every problem is reported at once with its
path in the document, so a typo never leaves a half-seeded emulator. The optional `sites` and `teams`
sections (sites with forms, submissions and enabled integrations) are described in `seed_sites.py`;
with them, `tokens` may be left out (the teams then come from tokens given on the command line).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.emulator.data.accounts import SLUG_RE
from reconciler.emulator.seed_sites import SECTIONS, SeedContent, apply_content, parse_content
from reconciler.emulator.store import Store
from reconciler.model.errors import ReconcilerError

_FIELDS = {"token", "email", "full_name", "teams"}


class SeedError(ReconcilerError, ValueError):
    """The seed file is unreadable or invalid; the message lists every problem (the CLI prints it, exit 1)."""


@dataclass(frozen=True)
class SeedToken:
    token: str
    email: str | None = None
    full_name: str | None = None
    teams: tuple[str, ...] = ("demo",)


class Seed(list[SeedToken]):
    """A parsed seed file: its tokens (the list itself) and, in `content`, its sites and teams."""

    def __init__(self, tokens: list[SeedToken], content: SeedContent) -> None:
        super().__init__(tokens)
        self.content = content


def load_seed(path: Path) -> Seed:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"seed file {path}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {path}: not valid YAML or JSON: {exc}") from None
    return parse_seed(document, str(path))


def parse_seed(document: Any, source: str = "seed") -> Seed:
    problems: list[str] = []
    entries: list[SeedToken] = []
    if isinstance(document, dict) and "tokens" not in document and any(k in document for k in SECTIONS):
        document = {**document, "tokens": []}
    if not isinstance(document, dict) or not isinstance(document.get("tokens"), list):
        raise SeedError(f'seed file {source}: expected a mapping with a "tokens" list')
    problems += [
        f"{key}: unknown key (expected: tokens, {', '.join(SECTIONS)})"
        for key in document
        if key not in ("tokens", *SECTIONS)
    ]
    seen: set[str] = set()
    for index, item in enumerate(document["tokens"]):
        where = f"tokens[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a mapping with token, email, full_name, teams")
            continue
        problems += [f"{where}.{key}: unknown key" for key in item if key not in _FIELDS]
        token = item.get("token")
        if not isinstance(token, str) or not token.strip():
            problems.append(f"{where}.token: required, a non-empty string")
            continue
        if token in seen:
            problems.append(f"{where}.token: listed twice")
        seen.add(token)
        for field in ("email", "full_name"):
            if item.get(field) is not None and not isinstance(item[field], str):
                problems.append(f"{where}.{field}: must be a string")
        teams = item.get("teams", ["demo"])
        if not isinstance(teams, list):
            problems.append(f"{where}.teams: must be a list of team slugs")
            continue
        for t_index, team in enumerate(teams):
            if not isinstance(team, str) or not SLUG_RE.match(team):
                problems.append(
                    f"{where}.teams[{t_index}]: {team!r} is not a team slug "
                    "(lowercase letters, digits, hyphens)"
                )
        entries.append(SeedToken(token, item.get("email"), item.get("full_name"), tuple(map(str, teams))))
    content = parse_content(document, problems)
    if problems:
        raise SeedError(f"seed file {source}: " + "; ".join(problems))
    return Seed(entries, content)


def apply_seed(store: Store, entries: list[SeedToken]) -> None:
    for entry in entries:
        try:
            store.register_token(entry.token, entry.teams, email=entry.email, full_name=entry.full_name)
        except ValueError as exc:
            raise SeedError(f"seed: {exc}") from None
    if isinstance(entries, Seed):
        try:
            apply_content(store, entries.content)
        except ValueError as exc:
            raise SeedError(f"seed: {exc}") from None
