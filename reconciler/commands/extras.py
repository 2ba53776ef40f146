"""Commands that run a web server need the web stack, which a core install leaves out (CI and the GitHub
Action hold the Netlify token and install no web server): say what to install instead of an ImportError."""

from __future__ import annotations

import importlib.util

from reconciler.model.errors import ReconcilerError

WEB_STACK = ("starlette", "uvicorn", "httptools")


def require_web_stack(command: str, purpose: str, extra: str) -> None:
    missing = [name for name in WEB_STACK if importlib.util.find_spec(name) is None]
    if missing:
        raise ReconcilerError(
            f"`{command}` {purpose}, which needs {', '.join(missing)} (the `{extra}` extra, left out of a "
            f"core install): pip install 'netlify-reconciler[{extra}]'"
        )
