"""Parallel uploads of a deploy's required blobs: files and function zips, each streamed from disk.

Every job is one `PUT` whose body is a `VerifyingReader`: sized (Content-Length, not chunked), read in
small pieces (memory stays flat for a 1 GB file), and re-hashed on the way so a file edited since it was
hashed aborts its own upload instead of shipping content the manifest does not describe. Requests go
through `NetlifyClient.request` (pacing, retries, errors), which sends them on one keep-alive connection
per upload thread (`netlify.transport`, closed when the thread ends) when no proxy is involved. The
client retries each PUT on 5xx, connection errors and 429 with a fresh body from `data_factory`; on top of
that a job that still fails transiently (the client gave up) is tried again for a few more rounds with capped
backoff before the deploy is given up. Concurrency follows `AdaptiveLimit`, capped by the server's
`X-Concurrent-Limit` as soon as an upload answer announces it (and by `FIRST_WAVE` until then). A 429
that refuses an upload for concurrency (it carries that header while the rate-limit budget is not spent)
does not halve the limit: it says the limit, which is already obeyed from then on. The biggest jobs go
first, so the tail of a deploy is not one large file started last.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from reconciler.deploy.concurrency import AdaptiveLimit
from reconciler.deploy.functions import LocalFunction
from reconciler.deploy.progress import Progress
from reconciler.deploy.scan import LocalFile
from reconciler.deploy.verifying_reader import VerifyingReader
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.errors import ApiError, NetworkError
from reconciler.netlify.pacing import CONCURRENT_LIMIT, int_header, is_concurrency_refusal

log = logging.getLogger(__name__)

# JavaScript's encodeURI leaves these literal (besides letters, digits and `-_.~`, which quote keeps).
_ENCODE_URI_SAFE = ";,/?:@&=+$!*'()#"
EXTRA_ROUNDS = 3  # job-level attempts on top of the client's own retries
ROUND_BACKOFF_CAP = 10.0
RTT_SAMPLE_MAX_BYTES = 64 * 1024
STREAM_PROGRESS_BYTES = 1 << 20  # larger uploads report their bytes while they stream
WAKE_EVERY = 0.25  # seconds between the waiting thread's turns: a heartbeat, a look for `abandon`
ABANDON_GRACE = 5.0  # seconds the uploads in flight get to end once the deploy is abandoned


def encode_uri(path: str) -> str:
    """Percent-encode like JavaScript's `encodeURI` (what netlify-cli does to upload paths): space → %20,
    non-ASCII → UTF-8 escapes, `%` → %25, while `/ + & , ; = @ $ : ! ' ( ) * ~` stay literal."""
    return quote(path, safe=_ENCODE_URI_SAFE)


class Abandoned(Exception):
    """A second Ctrl-C: no upload or poll starts any more; the engine cancels the deploy. `when` says at
    what point (`after 12 of 400 uploads`)."""

    def __init__(self, when: str) -> None:
        super().__init__(f"abandoned (Ctrl-C twice) {when}")


def is_transient(exc: BaseException) -> bool:
    """Worth another try: no answer, a rate limit, or a server error. A 4xx is a verdict, not a glitch."""
    if isinstance(exc, NetworkError):
        return True
    return isinstance(exc, ApiError) and (exc.status == 429 or exc.status >= 500)


@dataclass(frozen=True)
class UploadJob:
    kind: str  # "file" | "function"
    url: str  # relative to the API base, already encoded
    params: Mapping[str, str] | None
    source: str | Path
    size: int
    digest: str
    algorithm: str  # "sha1" for files, "sha256" for function zips
    shown: str  # how messages name it (the local path)


@dataclass
class RequestCounter:
    """Counts every HTTP attempt of a deploy and feeds rate-limit signals to the concurrency limit."""

    limit: AdaptiveLimit | None = None
    requests: int = 0
    throttled: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, status: int, headers: Mapping[str, str]) -> None:
        with self._lock:
            self.requests += 1
            if status == 429:
                self.throttled += 1
        if self.limit is not None:
            if status == 429 and not is_concurrency_refusal(headers):
                self.limit.throttled()
            self.limit.observe_remaining(int_header(headers, "X-RateLimit-Remaining"))

    def upload_answer(self, status: int, headers: Mapping[str, str]) -> None:
        """`__call__` for an upload's answer, which also announces the server's concurrency limit."""
        if self.limit is not None and status:
            self.limit.observe_concurrency_limit(int_header(headers, CONCURRENT_LIMIT))
        self(status, headers)


@dataclass
class UploadStats:
    files: int = 0
    functions: int = 0
    bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, job: UploadJob) -> None:
        with self._lock:
            if job.kind == "function":
                self.functions += 1
            else:
                self.files += 1
            self.bytes += job.size


def run_uploads(
    client: NetlifyClient,
    jobs: list[UploadJob],
    *,
    limit: AdaptiveLimit,
    counter: RequestCounter,
    progress: Progress,
    sleep: Callable[[float], None] = time.sleep,
    heartbeat: Callable[[], None] | None = None,
    abandon: threading.Event | None = None,
) -> UploadStats:
    """Upload every job; the first failure that retries cannot fix stops new uploads and is raised once
    the uploads in flight have finished. `abandon`, once set, stops new uploads too, and ends the retries'
    waits of those in flight; Abandoned is raised once they end, or after ABANDON_GRACE seconds whatever
    they do (a thread still waiting for the rate limit's reset is left behind: it starts nothing after).
    `heartbeat` is called several times a second meanwhile (from this thread, which does not upload), so
    a long upload phase can keep the owner's lease."""
    stats = UploadStats()
    if not jobs:
        return stats
    todo: queue.SimpleQueue[UploadJob] = queue.SimpleQueue()
    for job in sorted(jobs, key=lambda j: (-j.size, j.url)):
        todo.put(job)
    failures: list[BaseException] = []
    done: list[UploadJob] = []  # list.append is atomic: no lock needed on the hot path
    stop = threading.Event()
    abandoned = abandon or threading.Event()  # never set when the caller gives none

    def halted() -> bool:
        return stop.is_set() or abandoned.is_set()

    def answered(status: int, headers: Mapping[str, str]) -> None:
        counter.upload_answer(status, headers)
        if not 200 <= status < 300 and abandoned.is_set():
            raise Abandoned("instead of trying an upload again")

    limit.await_announcement()
    progress.start("uploading", len(jobs), sum(j.size for j in jobs))

    def send(job: UploadJob) -> float | None:
        last: list[VerifyingReader] = []

        streamed = job.size > STREAM_PROGRESS_BYTES  # small files count once done: fewer lock round trips

        def body() -> VerifyingReader:
            if last and last[-1].sent and streamed:
                progress.advance(nbytes=-last[-1].sent)  # a retried attempt starts from zero
            reader = VerifyingReader(
                job.source,
                job.size,
                job.digest,
                job.shown,
                algorithm=job.algorithm,
                on_bytes=_bytes if streamed else None,
            )
            last.append(reader)
            return reader

        started = time.monotonic()
        client.request(
            "PUT",
            job.url,
            params=job.params,
            data_factory=body,
            headers={"Content-Type": "application/octet-stream"},
            on_response=answered,
        )
        # A fair round-trip sample: one attempt, a body small enough not to measure the bandwidth.
        return time.monotonic() - started if len(last) == 1 and job.size <= RTT_SAMPLE_MAX_BYTES else None

    def _bytes(count: int) -> None:
        progress.advance(nbytes=count)

    def worker() -> None:
        holding = False  # a concurrency slot, kept from one upload to the next while the limit allows
        try:
            while not halted():
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                kept, holding = holding, False  # if `upload` raises, it has given its slot back
                holding = upload(job, kept)
        finally:
            if holding:
                limit.release()
            client.release_thread()  # its connections would otherwise stay open until the client closes

    def upload(job: UploadJob, holding: bool) -> bool:
        """Send one job, with its rounds of retries; returns whether this thread still holds a slot."""
        rounds = 0
        while not halted():
            if not holding:
                limit.acquire()
                holding = True
                if halted():  # given up while it waited for a slot
                    break
            try:
                rtt = send(job)
            except Exception as exc:
                limit.release()
                holding = False
                rounds += 1
                if not is_transient(exc) or rounds > EXTRA_ROUNDS:
                    failures.append(exc)
                    stop.set()
                    return False
                log.info("upload of %s failed (%s); trying again (round %d)", job.shown, exc, rounds + 1)
            except BaseException:
                limit.release()
                raise
            else:
                done.append(job)
                progress.advance(files=1, nbytes=0 if job.size > STREAM_PROGRESS_BYTES else job.size)
                return limit.renew(rtt=rtt)
            sleep(min(ROUND_BACKOFF_CAP, 0.5 * 2**rounds))
        return holding

    threads = [
        threading.Thread(target=worker, name=f"upload-{i}", daemon=True)
        for i in range(min(limit.maximum, len(jobs)))
    ]
    for thread in threads:
        thread.start()
    given_up_at: float | None = None
    try:
        for thread in threads:
            while thread.is_alive():
                if given_up_at is not None and time.monotonic() - given_up_at > ABANDON_GRACE:
                    break
                thread.join(WAKE_EVERY)
                if abandoned.is_set():
                    stop.set()
                    given_up_at = given_up_at or time.monotonic()
                if heartbeat is not None:
                    heartbeat()
    except BaseException:
        stop.set()  # interrupted: start nothing new; the caller cancels the deploy
        raise
    given_up = abandoned.is_set()
    progress.finish("stopped" if given_up else "done")
    if given_up:
        raise Abandoned(f"after {len(done)} of {len(jobs)} uploads")
    if failures:
        raise failures[0]
    for job in done:
        stats.add(job)
    return stats


def upload_jobs(deploy_id: str, files: list[LocalFile], functions: list[LocalFunction]) -> list[UploadJob]:
    """Jobs for the chosen files (one `LocalFile` per required SHA-1) and functions (`LocalFunction`)."""
    jobs = [
        UploadJob(
            "file",
            f"/deploys/{deploy_id}/files/{encode_uri(f.path)}",
            None,
            f.source,
            f.size,
            f.sha1,
            "sha1",
            f.source,
        )
        for f in files
    ]
    jobs += [
        UploadJob(
            "function",
            f"/deploys/{deploy_id}/functions/{encode_uri(fn.name)}",
            {"runtime": fn.runtime},
            fn.zip_path,
            fn.size,
            fn.sha256,
            "sha256",
            f"function {fn.name} ({fn.zip_path})",
        )
        for fn in functions
    ]
    return jobs
