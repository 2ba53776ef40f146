"""Deploys without HTTP or SQL: digest bodies, the lazily computed state machine, swagger rendering.

State is derived from stored timestamps at read time instead of being advanced by background tasks: a
deploy stores *when* it becomes prepared, processing and ready, so GETs simply compare those moments with
the clock. That keeps the emulator restart-safe (a deploy still "processing" when the emulator stops is
"ready" when it comes back) and makes tests deterministic up to the configured delays.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.emulator.errors import json_type, unprocessable
from reconciler.emulator.models.deploy_paths import normalise_digest, normalise_path, validate_function_name
from reconciler.emulator.models.site import NETLIFY_DOMAIN

ADMIN_BASE = "https://app.netlify.com/sites"
# States a client can see; `new` is an empty deploy still waiting for its manifest (PUT).
STATES = ("new", "preparing", "prepared", "uploading", "uploaded", "processing", "ready", "error")
CANCELED_MESSAGE = "Deploy canceled"


class DeployRow(Protocol):
    """A stored deploy row (`sqlite3.Row` or a plain mapping in tests): read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True)
class Timing:
    """How long the emulated CDN takes: async diffing (`preparing`) and post-upload processing."""

    prepare_ms: int = 100
    processing_ms: int = 200


@dataclass(frozen=True)
class DeploySpec:
    """A validated deployFiles body; `files is None` means the body carried no manifest (empty create)."""

    files: dict[str, str] | None = None
    functions: dict[str, str] = field(default_factory=dict)
    function_schedules: list[dict[str, str]] = field(default_factory=list)
    functions_config: dict[str, Any] = field(default_factory=dict)
    is_async: bool = False
    draft: bool | None = None  # None: not in the body
    branch: str | None = None
    title: str | None = None
    framework: str | None = None


def parse_spec(body: Mapping[str, Any], *, manifest_required: bool) -> DeploySpec:
    """Validate a deployFiles body. Unknown keys (edge_functions, environment, ...) are ignored."""
    if body.get("zip") is not None:
        raise unprocessable("Send a ZIP deploy as the request body with Content-Type: application/zip")
    has_manifest = "files" in body or "functions" in body or manifest_required
    files = _files(body.get("files")) if has_manifest else None
    return DeploySpec(
        files=files,
        functions=_functions(body.get("functions")),
        function_schedules=_schedules(body.get("function_schedules")),
        functions_config=_object(body, "functions_config"),
        is_async=bool(_bool(body, "async")),
        draft=_bool(body, "draft"),
        branch=_string(body, "branch"),
        title=_string(body, "title"),
        framework=_string(body, "framework"),
    )


def _files(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise unprocessable(f"files must be an object of path to SHA-1, not {json_type(value)}")
    files: dict[str, str] = {}
    for raw_path, sha in value.items():
        path = normalise_path(raw_path)
        if path in files:
            raise unprocessable(f"Invalid file path {raw_path!r}: listed twice (with and without '/')")
        files[path] = normalise_digest(sha, what=path)
    return files


def _functions(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise unprocessable(f"functions must be an object of name to SHA-256, not {json_type(value)}")
    return {
        validate_function_name(name): normalise_digest(sha, what=f"function {name}", sha256=True)
        for name, sha in value.items()
    }


def _schedules(value: object) -> list[dict[str, str]]:
    if value is None:
        return []
    items = value if isinstance(value, list) else None
    if items is None or not all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("cron"), str)
        for s in items
    ):
        raise unprocessable("function_schedules must be an array of {name, cron} strings")
    return [{"name": s["name"], "cron": s["cron"]} for s in items]


def _object(body: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise unprocessable(f"{key} must be an object, not {json_type(value)}")
    return value


def _bool(body: Mapping[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise unprocessable(f"{key} must be a boolean, not {json_type(value)}")
    return value


def _string(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise unprocessable(f"{key} must be a string, not {json_type(value)}")
    return value


def derive_state(row: DeployRow, now_ms: int) -> str:
    """The client-visible state of a deploy row at `now_ms` (see the module docstring)."""
    phase: str = row["phase"]
    if phase != "active":
        return phase
    prepared = row["prepared_at_ms"]
    if prepared is not None and now_ms < prepared:
        return "preparing"
    ready_at = row["ready_at_ms"]
    if ready_at is None:
        return "uploading" if row["uploads_started"] or not row["is_async"] else "prepared"
    if now_ms >= ready_at:
        return "ready"
    return "processing" if now_ms >= row["processing_at_ms"] else "uploaded"


def context_of(row: DeployRow) -> str:
    if row["branch"]:
        return "branch-deploy"
    return "deploy-preview" if row["draft"] else "production"


def _site_host(row: DeployRow) -> str:
    settings = json.loads(row["site_settings"] or "{}")
    custom = settings.get("custom_domain") if isinstance(settings, dict) else None
    return str(custom or f"{row['site_name']}.{NETLIFY_DOMAIN}")


def _label(row: DeployRow) -> str:
    """The per-deploy host prefix: the deploy id, or the branch as a DNS label for branch deploys."""
    if row["branch"]:
        return re.sub(r"[^a-z0-9-]+", "-", str(row["branch"]).lower()).strip("-")[:37] or str(row["id"])
    return str(row["id"])


def render_deploy(
    row: DeployRow, required: list[str], required_functions: list[str], now_ms: int
) -> dict[str, Any]:
    """The swagger `deploy` object. `required`/`required_functions` are always present (netlify-cli needs
    them); they stay empty while the deploy is still `preparing`, as the CDN has not diffed yet."""
    state = derive_state(row, now_ms)
    host = _site_host(row)
    deploy_host = f"{_label(row)}--{row['site_name']}.{NETLIFY_DOMAIN}"
    preparing = state == "preparing"
    deploy: dict[str, Any] = {
        "id": row["id"],
        "site_id": row["site_id"],
        "user_id": row["user_id"],
        "state": state,
        "name": row["site_name"],
        "url": f"http://{host}",
        "ssl_url": f"https://{host}",
        "admin_url": f"{ADMIN_BASE}/{row['site_name']}",
        "deploy_url": f"http://{deploy_host}",
        "deploy_ssl_url": f"https://{deploy_host}",
        "draft": bool(row["draft"]),
        "required": [] if preparing else required,
        "required_functions": [] if preparing else required_functions,
        "context": context_of(row),
        "locked": bool(row["locked"]),
        "skipped": False,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "function_schedules": json.loads(row["function_schedules"]),
        "available_functions": available_functions(row),
    }
    optional = {
        "error_message": row["error_message"],
        "branch": row["branch"],
        "title": row["title"],
        "framework": row["framework"],
        "commit_ref": row["commit_ref"],
        "published_at": row["published_at"],
    }
    deploy.update({key: value for key, value in optional.items() if value is not None})
    return deploy


def available_functions(row: DeployRow) -> list[dict[str, Any]]:
    """The deploy's functions as Netlify lists them on a deploy (and on `site.published_deploy`): name `n`,
    SHA-256 `d`, runtime `r` (`js` when no upload named one, Netlify's default), size `s` once uploaded, and
    `id`. Clients compare these with their local zips to tell which functions changed."""
    raw = row["functions_json"] if "functions_json" in row.keys() else None  # noqa: SIM118 (sqlite3.Row)
    functions: list[dict[str, Any]] = []
    for item in sorted(json.loads(raw or "[]"), key=lambda f: f["n"]):
        entry = {"n": item["n"], "d": item["d"], "r": item.get("r") or "js", "id": item["d"]}
        if item.get("s") is not None:
            entry["s"] = item["s"]
        functions.append(entry)
    return functions


# Deterministic answers for the web's common types (the stdlib's table varies between Python versions).
_WEB_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".toml": "application/toml",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}
_STDLIB_TYPES = mimetypes.MimeTypes()  # built-in table only, not the machine's /etc/mime.types


def mime_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    if dot > 0 and name[dot:] in _WEB_TYPES:
        return _WEB_TYPES[name[dot:]]
    guessed, _ = _STDLIB_TYPES.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def render_file(path: str, sha: str, size: int | None, deploy_id: str) -> dict[str, Any]:
    """The swagger `file` object (plus `deploy_id`, as Netlify adds); `id` is the path, as on Netlify."""
    body: dict[str, Any] = {"id": path, "path": path, "sha": sha, "mime_type": mime_type(path)}
    if size is not None:
        body["size"] = size
    body["deploy_id"] = deploy_id
    return body


def render_function(name: str, sha: str, region: str) -> dict[str, Any]:
    """The swagger `function` object for an uploaded function zip."""
    return {"id": sha, "name": name, "sha": sha, "region": region}
