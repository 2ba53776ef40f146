"""The URL of the CI run that produced a status, so a person looking at a site in Netlify can open it.

Only GitHub Actions is recognised (`GITHUB_ACTIONS=true`), from the variables the runner sets. Each
part is checked before it becomes part of a link a stranger could have planted in the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SERVER = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_NUMBER = re.compile(r"[0-9]{1,20}")


def ci_run_url(environ: Mapping[str, str]) -> str | None:
    """`https://github.com/OWNER/REPO/actions/runs/ID[/attempts/N]`, or None outside GitHub Actions."""
    if environ.get("GITHUB_ACTIONS") != "true":
        return None
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    run_id = environ.get("GITHUB_RUN_ID", "")
    attempt = environ.get("GITHUB_RUN_ATTEMPT", "1")
    if not (_SERVER.fullmatch(server) and _REPOSITORY.fullmatch(repository) and _NUMBER.fullmatch(run_id)):
        return None
    url = f"{server}/{repository}/actions/runs/{run_id}"
    return url + (f"/attempts/{attempt}" if _NUMBER.fullmatch(attempt) and attempt != "1" else "")
