"""Deploying a `LocalDigest`: create the deploy, upload only what Netlify lacks, wait until it is live.

Digest method (the default): `POST /sites/{id}/deploys` with every path's SHA-1 and every function's
SHA-256 (`async` above `async_threshold` files, then poll until `prepared`); Netlify answers with the
digests it lacks (`required`, `required_functions`); each of those is uploaded **once**, from one path that
has it (the other paths with the same content are satisfied by the manifest), in parallel
(`upload.run_uploads`); then poll until `ready`.

Failure handling, where netlify-cli is fragile:
- every request is retried on 5xx and connection errors with capped backoff, and on 429 until the
  rate-limit reset (the client); uploads are PUTs, so retrying them is safe, and each retry streams a
  fresh body; deploy creation is retried too (a duplicate deploy would carry the same content);
- a failed status poll is just retried on the next tick, never a reason to give up, until the timeout;
- a file changed since hashing is caught while it streams (`verifying_reader.VerifyingReader`);
- on an unrecoverable failure (timeout, `error` state, an upload that keeps failing, an interrupt) the
  deploy is cancelled (`POST /deploys/{id}/cancel`) and the error says why and that it was cancelled.

ZIP method (`method="zip"`): one deterministic archive of the publish directory (`zipper`), POSTed as
`application/zip`; Netlify needs nothing else, so only the wait for `ready` follows.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.deploy.concurrency import AdaptiveLimit
from reconciler.deploy.functions import LocalFunction
from reconciler.deploy.hashing import file_digest
from reconciler.deploy.progress import Progress
from reconciler.deploy.scan import DeployInputError, LocalDigest, LocalFile
from reconciler.deploy.upload import (
    Abandoned,
    RequestCounter,
    UploadStats,
    is_transient,
    run_uploads,
    upload_jobs,
)
from reconciler.deploy.verifying_reader import FileChangedError, VerifyingReader
from reconciler.deploy.zipper import ZipEntry, write_zip
from reconciler.model.errors import ReconcilerError
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import OutcomeUnknown

log = logging.getLogger(__name__)

MAX_ZIP_FILES = 25_000
CREATE_ATTEMPTS = 4
FINISHED_STATES = frozenset({"ready", "error", "cancelled", "rejected"})
# States from which `required` is known (an async deploy answers an empty list while `preparing`).
PREPARED_STATES = frozenset({"prepared", "uploading", "uploaded", "processing", "ready"})
# Polls come quickly at first (most waits are short: preparing a diff, processing a small deploy), then
# every `poll_interval`: at most 14 requests in the first two seconds, then one per interval.
FIRST_POLL_DELAYS = (0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.5)


class DeployError(ReconcilerError):
    """A deploy did not become ready; the message says why and whether it was cancelled."""

    def __init__(self, message: str, deploy_id: str | None = None) -> None:
        super().__init__(message)
        self.deploy_id = deploy_id


@dataclass
class DeployOptions:
    """How to deploy. Draft and branch deploys never publish (Netlify's rule; they are only passed on)."""

    draft: bool = False
    branch: str | None = None
    title: str | None = None
    method: str = "digest"  # or "zip"
    timeout: float = 1200.0  # seconds for each wait (until prepared, until ready)
    async_threshold: int = 100
    poll_interval: float = 1.0  # the longest pause between two status polls
    max_concurrency: int = 32
    initial_concurrency: int = 8
    workdir: Path | None = None  # where the ZIP method writes its archive (default: a temporary dir)
    heartbeat: Callable[[], None] | None = None  # called now and then while the deploy runs (lease renewal)
    abandon: threading.Event | None = None  # once set, no upload or poll starts: the deploy is cancelled


@dataclass
class DeployResult:
    """The ready deploy and what it took: uploads (files, functions, bytes) and HTTP requests, retries
    included."""

    deploy: dict[str, Any]  # the final deploy object (state `ready`)
    uploaded_files: int
    uploaded_functions: int
    uploaded_bytes: int
    requests: int


def deploy(
    client: NetlifyClient,
    site_id: str,
    digest: LocalDigest,
    options: DeployOptions,
    progress: Progress | None = None,
) -> DeployResult:
    """Deploy `digest` to `site_id` and return once it is ready; DeployError (deploy cancelled) if not."""
    progress = progress or Progress.silent()
    if options.method == "zip":
        return _deploy_zip(client, site_id, digest, options, progress)
    if options.method != "digest":
        raise DeployInputError(f"unknown deploy method {options.method!r} (expected digest or zip)")
    limit = AdaptiveLimit(options.initial_concurrency, options.max_concurrency)
    counter = RequestCounter(limit)
    client.ensure_pool(options.max_concurrency)
    body = create_body(digest.file_shas(), digest.function_shas(), options)
    created = _create(client, site_id, options, json=body, on_response=counter)
    deploy_id = str(created["id"])
    progress.note(
        f"deploy {deploy_id} created ({len(digest.files):,} files, {len(digest.functions)} functions)"
    )
    try:
        current = created
        if current.get("state") not in PREPARED_STATES:
            current = _wait(client, site_id, deploy_id, PREPARED_STATES, options, counter, "prepared")
        files, functions = _pick_uploads(digest, current)
        stats = UploadStats()
        if files or functions:
            stats = run_uploads(
                client,
                upload_jobs(deploy_id, files, functions),
                limit=limit,
                counter=counter,
                progress=progress,
                heartbeat=options.heartbeat,
                abandon=options.abandon,
            )
        progress.note(f"deploy {deploy_id}: waiting until Netlify has processed it")
        final = _wait(client, site_id, deploy_id, frozenset({"ready"}), options, counter, "ready")
    except BaseException as exc:
        failure = _failed(client, deploy_id, exc, counter)
        if failure is exc:
            raise
        raise failure from exc
    return DeployResult(final, stats.files, stats.functions, stats.bytes, counter.requests)


def create_body(
    files: Mapping[str, str], functions: Mapping[str, str], options: DeployOptions
) -> dict[str, Any]:
    """The digest deploy's creation request: what a plan shows and what `deploy` sends."""
    body: dict[str, Any] = {
        "files": dict(files),
        "functions": dict(functions),
        "async": len(files) > options.async_threshold,
        "draft": options.draft,
    }
    if options.branch:
        body["branch"] = options.branch
    if options.title:
        body["title"] = options.title
    return body


def zip_params(options: DeployOptions) -> dict[str, str]:
    """The ZIP deploy's query: the archive is the body."""
    params = {"draft": "true" if options.draft else "false"}
    if options.branch:
        params["branch"] = options.branch
    if options.title:
        params["title"] = options.title
    return params


def _create(client: NetlifyClient, site_id: str, options: DeployOptions, **send: Any) -> dict[str, Any]:
    """Create the deploy once. A creation whose answer was lost may have happened: the site's deploys with
    this deploy's title that were not there before the first attempt are read back, whatever their state
    (one with nothing to upload may be `ready` already); the oldest is taken as ours and any other one
    cancelled, and only when there is none is the creation sent again."""
    before = {str(item.get("id")) for item in _listed(client, site_id, send.get("on_response"))}
    last: OutcomeUnknown | None = None
    for _ in range(CREATE_ATTEMPTS):
        try:
            return _json(client.request("POST", f"/sites/{site_id}/deploys", **send))
        except OutcomeUnknown as unknown:
            last = unknown
        made = [
            item
            for item in _listed(client, site_id, send.get("on_response"))
            if item.get("title") == options.title and str(item.get("id")) not in before
        ]
        made.sort(key=lambda item: (str(item.get("created_at")), str(item.get("id"))))
        if made:
            for extra in made[1:]:  # 422: it finished meanwhile, a duplicate of the same content
                client.request("POST", f"/deploys/{extra['id']}/cancel", idempotent=True, accept=(422,))
            return _json(client.request("GET", f"/sites/{site_id}/deploys/{made[0]['id']}"))
    assert last is not None
    raise last


def _listed(
    client: NetlifyClient, site_id: str, on_response: Callable[[int, Mapping[str, str]], None] | None
) -> list[dict[str, Any]]:
    """The site's newest deploys: listed before the creation too, because that is the one way to tell
    the deploy this run made from earlier ones of the same title (clocks differ, titles repeat)."""
    response = client.request(
        "GET", f"/sites/{site_id}/deploys", params={"per_page": "100"}, on_response=on_response
    )
    listed = response.json() if response.content else None
    return [item for item in listed if isinstance(item, dict)] if isinstance(listed, list) else []


def restore(client: NetlifyClient, site_id: str, deploy_id: str) -> dict[str, Any]:
    """Publish an earlier (ready) deploy: a pin or a rollback. Publishing twice is harmless, so the call
    is retried like an idempotent one."""
    result = _json(client.request("POST", f"/sites/{site_id}/deploys/{deploy_id}/restore", idempotent=True))
    return result


# -- digest helpers -------------------------------------------------------------------------------
def _pick_uploads(
    digest: LocalDigest, current: Mapping[str, Any]
) -> tuple[list[LocalFile], list[LocalFunction]]:
    """One local source per required digest; a digest the tree does not have means the API and the
    manifest disagree, which no upload can fix."""
    blobs = digest.blobs()
    by_sha256: dict[str, LocalFunction] = {}
    for function in digest.functions.values():
        by_sha256.setdefault(function.sha256, function)
    required = list(dict.fromkeys(current.get("required") or []))
    required_functions = list(dict.fromkeys(current.get("required_functions") or []))
    unknown = [sha for sha in required if sha not in blobs]
    unknown += [sha for sha in required_functions if sha not in by_sha256]
    if unknown:
        raise DeployError(f"Netlify asked for content this deploy does not have: {', '.join(unknown[:5])}")
    return [blobs[sha] for sha in required], [by_sha256[sha] for sha in required_functions]


def _wait(
    client: NetlifyClient,
    site_id: str,
    deploy_id: str,
    targets: frozenset[str],
    options: DeployOptions,
    counter: Callable[[int, Mapping[str, str]], None],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll until the deploy reaches one of `targets`. A poll that fails transiently (after the client's
    own retries) is only logged: the next tick tries again, and only the timeout ends the wait."""
    deadline = time.monotonic() + options.timeout
    delays = iter(FIRST_POLL_DELAYS)
    heartbeat = options.heartbeat or (lambda: None)
    state = "unknown"
    last_error: Exception | None = None
    while True:
        if options.abandon is not None and options.abandon.is_set():
            raise Abandoned(f"while waiting until {what}")
        try:
            current = _json(
                client.request("GET", f"/sites/{site_id}/deploys/{deploy_id}", on_response=counter)
            )
        except ReconcilerError as exc:
            if not is_transient(exc):
                raise
            last_error = exc
            log.info("status poll of deploy %s failed (%s); polling again", deploy_id, exc)
        else:
            state = str(current.get("state"))
            if state in targets:
                return current
            if state == "error":
                raise DeployError(f"Netlify reports an error: {current.get('error_message') or 'no message'}")
            if state in FINISHED_STATES:  # an adopted deploy (see `_create`) may have ended otherwise
                raise DeployError(f"the deploy ended {state}")
        heartbeat()
        delay = min(next(delays, options.poll_interval), options.poll_interval)
        if time.monotonic() + delay > deadline:
            hint = f"; last poll error: {last_error}" if last_error else ""
            raise DeployError(f"not {what} after {options.timeout:g} s (last state: {state}){hint}")
        sleep(delay)


def _failed(
    client: NetlifyClient, deploy_id: str, exc: BaseException, counter: RequestCounter
) -> BaseException:
    """Cancel the deploy, then the error to raise: what went wrong and what happened to the deploy."""
    try:
        client.request("POST", f"/deploys/{deploy_id}/cancel", idempotent=True, on_response=counter)
        outcome = f"deploy {deploy_id} was cancelled"
    except ReconcilerError as cancel_error:
        outcome = f"deploy {deploy_id} could not be cancelled ({cancel_error})"
    if not isinstance(exc, Exception):
        log.warning("interrupted: %s", outcome)
        return exc  # KeyboardInterrupt and friends stay what they are
    if isinstance(exc, DeployInputError):
        return type(exc)(f"{exc}; {outcome}")
    return DeployError(f"deploy failed: {exc}; {outcome}", deploy_id)


# -- ZIP method -----------------------------------------------------------------------------------
def _deploy_zip(
    client: NetlifyClient, site_id: str, digest: LocalDigest, options: DeployOptions, progress: Progress
) -> DeployResult:
    """One archive, one POST, then the wait for `ready` (cancelled on failure, like a digest deploy)."""
    if len(digest.files) > MAX_ZIP_FILES:
        raise DeployInputError(
            f"{len(digest.files):,} files: a ZIP deploy holds at most {MAX_ZIP_FILES:,}; "
            "use the digest method"
        )
    if digest.functions:
        raise DeployInputError("the zip method deploys files only; use the digest method to deploy functions")
    counter = RequestCounter()
    with tempfile.TemporaryDirectory(prefix="netlify-zip-", dir=options.workdir) as scratch:
        archive = Path(scratch) / "deploy.zip"
        entries = [ZipEntry(f.path, f.source, f.size) for f in digest.files.values()]
        size = write_zip(entries, archive, deflate=True, check=_unchanged(digest))
        sha1 = file_digest(archive)
        params = zip_params(options)
        progress.start("uploading zip", len(entries), size)

        def body() -> VerifyingReader:
            return VerifyingReader(
                archive, size, sha1, str(archive), on_bytes=lambda n: progress.advance(nbytes=n)
            )

        created = _create(
            client,
            site_id,
            options,
            params=params,
            data_factory=body,
            headers={"Content-Type": "application/zip"},
            on_response=counter,
        )
        progress.advance(files=len(entries))
        progress.finish()
    deploy_id = str(created["id"])
    try:
        final = _wait(client, site_id, deploy_id, frozenset({"ready"}), options, counter, "ready")
    except BaseException as exc:
        failure = _failed(client, deploy_id, exc, counter)
        if failure is exc:
            raise
        raise failure from exc
    return DeployResult(final, len(entries), 0, size, counter.requests)


def _unchanged(digest: LocalDigest) -> Callable[[ZipEntry, str], None]:
    def check(entry: ZipEntry, sha1: str) -> None:
        expected = digest.files[entry.name].sha1
        if sha1 != expected:
            raise FileChangedError(
                f"{entry.source} changed since it was hashed (its SHA1 is now {sha1}, it was {expected}); "
                "nothing was sent, run again once the files are stable"
            )

    return check


def _json(response: Any) -> dict[str, Any]:
    body = response.json() if response.content else None
    if not isinstance(body, dict):
        raise DeployError(f"unexpected answer from the API: {str(body)[:200]}")
    return body
