"""The `deploy` procedure: what apply runs for a planned deploy, in whichever process applies the plan.

Apart from the deploy kind (`deploy.py`), which plans: this side binds the planned digest to the files
again, checks it still matches the planned request, and hands it to the engine.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from reconciler.deploy.engine import DeployOptions, create_body, deploy
from reconciler.deploy.progress import Progress
from reconciler.deploy.scan import LocalDigest, planned_digest
from reconciler.model.errors import ReconcilerError
from reconciler.model.request import Request
from reconciler.resources.base import Procedure, RunContext


class DeployProcedure(Procedure):
    """The `deploy` procedure: the planned digest bound to the files again, deployed until ready."""

    def check(self, request: Request) -> None:
        """The files are still there and the functions zip to what was planned (their contents are
        checked again while they upload)."""
        with tempfile.TemporaryDirectory(prefix="netlify-reconciler-check-") as workdir:
            self._digest(request, Path(workdir))

    def run(self, client: Any, request: Request, context: RunContext) -> Any:
        options = self._options(request)
        owner = str(request.options["owner"])
        options.heartbeat = lambda: context.keep_alive(owner)
        options.abandon = context.abandon
        with tempfile.TemporaryDirectory(prefix="netlify-reconciler-apply-") as workdir:
            digest = self._digest(request, Path(workdir))
            if (
                options.method != "zip"
                and create_body(digest.file_shas(), digest.function_shas(), options) != request.body
            ):
                raise ReconcilerError(
                    f"{request.call()}: the planned request does not match its inputs; plan again"
                )
            result = deploy(
                client, str(request.options["site_id"]), digest, options, Progress.for_stream(sys.stderr)
            )
        return result.deploy

    @staticmethod
    def _options(request: Request) -> DeployOptions:
        inputs = request.options
        if inputs["method"] == "zip":
            draft, branch, title = (
                request.params.get("draft") == "true",
                request.params.get("branch"),
                request.params.get("title"),
            )
        else:
            body = request.body or {}
            draft, branch, title = bool(body.get("draft")), body.get("branch"), body.get("title")
        return DeployOptions(
            draft=draft,
            branch=branch,
            title=title,
            method=str(inputs["method"]),
            timeout=float(inputs["timeout"]),
        )

    @staticmethod
    def _digest(request: Request, workdir: Path) -> LocalDigest:
        inputs = request.options
        zip_method = inputs["method"] == "zip"
        files: dict[str, str] = inputs["files"] if zip_method else request.body["files"]
        functions: dict[str, str] = {} if zip_method else request.body["functions"]
        functions_dir = Path(inputs["functions_dir"]) if inputs.get("functions_dir") else None
        return planned_digest(Path(inputs["dir"]), files, functions_dir, functions, workdir)
