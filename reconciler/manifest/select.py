"""Choosing which declared teams and sites a run reads and changes: by address, by what changed in Git, by
shard. A plan of one site should not pay for a fleet, and a fleet larger than one token's budget is split
across jobs.

- `--target ADDRESS` (repeatable): `site.acme-docs`, `team.acme`, or a glob (`site.acme-*`).
- `--changed-since REF`: the owners declared in manifest files that changed since that Git ref (committed,
  uncommitted or untracked), or whose deploy directories hold a changed file.
- `--shard K/N`: the owners whose address hashes to shard K of N (SHA-256, so every machine agrees). Each
  owner is hashed on its own, teams and sites alike, so a single big team still spreads over the shards.

A saved plan keeps its selection `resolved`: the addresses it kept, named. A Git ref or a glob means
something else in the checkout that applies the plan (the merge commit has other parents than the pull
request's), so apply reads again exactly the owners the plan was made for.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.manifest.model import DesiredState, Owner
from reconciler.model.errors import ReconcilerError

_ADDRESS = re.compile(r"(team|site)\.[^.\s]+")
_SHARD = re.compile(r"(\d+)/(\d+)")


@dataclass(frozen=True)
class Selection:
    targets: tuple[str, ...] = ()
    changed_since: str | None = None
    shard: tuple[int, int] | None = None  # (k, n), 1 <= k <= n
    owners: tuple[str, ...] | None = None  # resolved: exactly these addresses (a saved plan's selection)
    made_with: str | None = None  # for a resolved selection, the flags it was resolved from

    @property
    def everything(self) -> bool:
        return (
            not self.targets and self.changed_since is None and self.shard is None and self.owners is None
        )

    def resolved(self, desired: DesiredState) -> Selection:
        """The owners this selection kept in `desired` (itself cut to it), named."""
        if self.everything or self.owners is not None:
            return self
        return Selection(owners=tuple(o.address for o in desired.owners()), made_with=self.describe())

    def to_json(self) -> dict[str, Any]:
        return {
            "targets": list(self.targets),
            "changed_since": self.changed_since,
            "shard": f"{self.shard[0]}/{self.shard[1]}" if self.shard else None,
            "owners": None if self.owners is None else list(self.owners),
            "made_with": self.made_with,
        }

    @classmethod
    def from_json(cls, data: Any) -> Selection:
        data = data or {}
        targets = tuple(data.get("targets") or ())
        owners = data.get("owners")
        return cls(
            targets,
            data.get("changed_since"),
            parse_shard(data.get("shard")),
            None if owners is None else tuple(str(o) for o in owners),
            data.get("made_with"),
        )

    def describe(self) -> str:
        if self.owners is not None:
            return f"those of the saved plan, made with {self.made_with}"
        parts = [f"--target {t}" for t in self.targets]
        parts += [f"--changed-since {self.changed_since}"] if self.changed_since else []
        parts += [f"--shard {self.shard[0]}/{self.shard[1]}"] if self.shard else []
        return " ".join(parts) or "everything declared"


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = _SHARD.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ReconcilerError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(match.group(1)), int(match.group(2))


def check_targets(targets: tuple[str, ...]) -> None:
    """A target names a team or a site (globs allowed), not an object inside one."""
    for target in targets:
        if not _ADDRESS.fullmatch(target):
            raise ReconcilerError(
                f"--target {target!r}: expected a team or site address such as site.acme-docs, team.acme or "
                "site.acme-* (objects inside a site are planned with it)"
            )


def check_ref(ref: str | None) -> None:
    """A `--changed-since` ref that starts with `-` would reach git as an option (`--output=FILE` writes
    a file): no Git ref does, so it is refused."""
    if ref is not None and (not ref.strip() or ref.startswith("-")):
        raise ReconcilerError(
            f"--changed-since {ref!r}: expected a Git ref such as origin/main or a commit "
            "(a ref cannot start with '-')"
        )


def shard_of(address: str, shards: int) -> int:
    """1-based shard of an owner address: the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(address.encode()).digest()[:8], "big") % shards + 1


def select(desired: DesiredState, selection: Selection, manifests: Path) -> DesiredState:
    """The owners of `desired` the selection keeps (all conditions given must hold)."""
    if selection.everything:
        return desired
    if selection.owners is not None:
        named = set(selection.owners)
        return _kept(desired, lambda owner: owner.address in named)
    check_targets(selection.targets)
    _check_targets_match(desired, selection.targets)
    since = selection.changed_since
    changed = _changed_owners(desired, since, manifests) if since is not None else None
    return _kept(desired, lambda owner: _keeps(owner, selection, changed))


def targeted(address: str, targets: tuple[str, ...]) -> bool:
    """Whether a `--target` pattern matches `address` (`team.SLUG`, `site.NAME`): globs, case-sensitive."""
    return any(fnmatch.fnmatchcase(address, target) for target in targets)


def unmatched_target(addresses: list[str], targets: tuple[str, ...]) -> str | None:
    """The first target that matches none of `addresses`: a typo, not an empty selection."""
    for target in targets:
        if not any(fnmatch.fnmatchcase(address, target) for address in addresses):
            return target
    return None


def _check_targets_match(desired: DesiredState, targets: tuple[str, ...]) -> None:
    """Refused, so a misspelt name never passes as "no changes" (an empty intersection with
    --changed-since or --shard is fine: only each pattern on its own must match something declared)."""
    addresses = [owner.address for owner in desired.owners()]
    target = unmatched_target(addresses, targets)
    if target is not None:
        raise ReconcilerError(
            f"--target {target!r} matches no team or site declared in the manifests "
            f"({len(addresses)} declared; addresses are team.SLUG and site.NAME)"
        )


def _kept(desired: DesiredState, keeps: Callable[[Owner], bool]) -> DesiredState:
    kept = DesiredState(files=list(desired.files))
    for owner in desired.owners():
        if keeps(owner):
            (kept.teams if owner.kind == "team" else kept.sites)[owner.name] = owner
    return kept


def _keeps(owner: Owner, selection: Selection, changed: set[str] | None) -> bool:
    if selection.targets and not targeted(owner.address, selection.targets):
        return False
    if changed is not None and owner.address not in changed:
        return False
    return selection.shard is None or shard_of(owner.address, selection.shard[1]) == selection.shard[0]


def _changed_owners(desired: DesiredState, ref: str, manifests: Path) -> set[str]:
    """Owners declared in a changed file, or deploying a directory that holds a changed file."""
    check_ref(ref)
    root = Path(_git(manifests, "rev-parse", "--show-toplevel").strip())
    names = _git(root, "diff", "--name-only", "-z", "--end-of-options", ref, "--").split("\0")
    names += _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    changed = {(root / name).resolve() for name in names if name}
    owners: set[str] = set()
    for owner in desired.owners():
        location = owner.location()
        if location is not None and Path(location.file).resolve() in changed:
            owners.add(owner.address)
        for directory in _deploy_dirs(owner):
            if any(path.is_relative_to(directory) for path in changed):
                owners.add(owner.address)
    return owners


def _deploy_dirs(owner: Owner) -> list[Path]:
    spec = owner.spec.get("deploy") or {}
    location = owner.location("deploy")
    base = Path(location.file).parent if location else Path.cwd()
    return [(base / spec[key]).resolve() for key in ("dir", "functions") if spec.get(key)]


def _git(manifests: Path, *args: str) -> str:
    where = manifests if manifests.is_dir() else manifests.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(where), *args], capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise ReconcilerError("--changed-since needs git on PATH") from None
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise ReconcilerError(f"--changed-since: git {' '.join(args[:2])} failed in {where}: {reason}")
    return done.stdout


EVERYTHING = Selection()  # the default: every declared team and site
