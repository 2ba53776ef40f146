"""A wrapper for values that must never reach any output.

Values read from `${VAR}` or declared secret are wrapped at load time, so every later stage
(diff, render, logs, exceptions) sees an object whose text form is a mask. Only the code that
sends a request calls `reveal()`. Each value remembers the manifest node it came from (`source`),
so a saved plan can name it instead of holding it, and a later process can read it again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reconciler.model.location import DocPath

MASK = "(sensitive)"


class Sensitive:
    """A string that prints as a mask; compare and hash by the hidden value."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: DocPath | None = None) -> None:
        self._value = value
        self.source = source  # the manifest node holding it, e.g. ("sites", "x", "env", "KEY", "value")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sensitive):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Sensitive", self._value))

    def __reduce__(self) -> Any:  # never pickled, copied or serialised by accident
        raise TypeError("a sensitive value cannot be serialised")

    def __deepcopy__(self, memo: dict[int, Any]) -> Sensitive:
        return self


def reveal(value: Any) -> Any:
    """Recursively unwrap sensitive values: only for building request bodies and comparisons."""
    if isinstance(value, Sensitive):
        return value.reveal()
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def is_sensitive(value: Any) -> bool:
    """True when a value is, or contains, a sensitive part."""
    if isinstance(value, Sensitive):
        return True
    if isinstance(value, dict):
        return any(is_sensitive(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_sensitive(v) for v in value)
    return False


def mask(value: Any) -> Any:
    """Replace every sensitive part by the mask string, keeping the structure."""
    if isinstance(value, Sensitive):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


class Unreadable(Sensitive):
    """A live value Netlify will not return (a secret env var's value): known to exist, not what it is."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unreadable)

    def __hash__(self) -> int:
        return hash("Unreadable")


UNREADABLE = Unreadable()


# A build hook's id is the secret of its trigger URL (`POST /build_hooks/{id}` starts a build, no token
# needed), so an API path holding one is shown with the id masked: in plans, reports, logs and errors.
CREDENTIAL_SEGMENT = re.compile(r"(/build_hooks/)(?!\{)([^/?#]+)")


def masked_path(path: str) -> str:
    """`path` as any output may show it: the credentials some Netlify paths carry replaced by the mask
    (a placeholder, `{...}`, is no credential and stays)."""
    return CREDENTIAL_SEGMENT.sub(r"\1" + MASK, path)


def scrubbed(text: str, *values: Any) -> str:
    """`text` (an error a server wrote, which may echo the request) with every sensitive part of `values`
    masked, as written and as JSON writes it."""
    for secret in sorted(_secrets_in(values), key=len, reverse=True):
        for form in {secret, json.dumps(secret)[1:-1]}:
            text = text.replace(form, MASK)
    return text


def _secrets_in(value: Any) -> set[str]:
    if isinstance(value, Sensitive):
        return {value.reveal()} if value.reveal() else set()
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return set().union(*(_secrets_in(item) for item in value)) if value else set()
    return set()
