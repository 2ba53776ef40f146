"""Checks for the deploy-related emulator options (`prepare_delay`, `processing_delay`,
`max_upload_bytes`), run when the options are made so a bad value fails before a server starts."""

from __future__ import annotations

from typing import Any

from reconciler.emulator.controls import EmulatorOptionError

MAX_DELAY_SECONDS = 3600.0


def check_deploy_options(options: Any) -> None:
    for name in ("prepare_delay", "processing_delay"):
        value = getattr(options, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 <= value <= MAX_DELAY_SECONDS
        ):
            raise EmulatorOptionError(f"emulator option {name}: must be 0-{MAX_DELAY_SECONDS:g} seconds")
    limit = options.max_upload_bytes
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise EmulatorOptionError("emulator option max_upload_bytes: must be a positive number of bytes")
