"""Where a `${NAME}` reference cannot be used: values that are part of what every plan shows.

A value read through `${NAME}` is sensitive and shows only as a mask. Where the value names a thing (a
DNS record's value is part of its address; a hook's type, event and form make its identity) or is read
by this tool itself (a deploy's directories), a masked value would make the plan unreadable, or worse,
the mask text would be used as the value: a DNS record was once created with the value `(sensitive)`.
So these places take only literal text, and a reference there is an error naming the place.
"""

from __future__ import annotations

from reconciler.model.location import DocPath

ANY = "*"  # one path element, whatever it is: a name or a list index

_LITERAL_ONLY: tuple[DocPath, ...] = (
    ("sites", ANY, "deploy", "dir"),
    ("sites", ANY, "deploy", "functions"),
    ("sites", ANY, "deploy", "pin"),
    ("sites", ANY, "deploy", "branch"),
    ("sites", ANY, "deploy", "title"),
    ("sites", ANY, "hooks", ANY, "type"),
    ("sites", ANY, "hooks", ANY, "event"),
    ("sites", ANY, "hooks", ANY, "form"),
    ("teams", ANY, "dns_zones", ANY, "records", ANY, "value"),
)

MESSAGE = (
    "a ${...} reference cannot be used here: this value is part of what every plan shows, and a value "
    "read from the environment is never shown; write the value itself"
)


def literal_only(path: DocPath) -> bool:
    """Whether the value at `path` must be written out rather than read through `${NAME}`."""
    return any(
        len(pattern) == len(path) and all(p in (ANY, part) for p, part in zip(pattern, path, strict=True))
        for pattern in _LITERAL_ONLY
    )
