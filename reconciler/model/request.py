"""Requests as data: what a change sends, shown in the plan and executed, unchanged, by apply.

An id that does not exist at plan time (a site still to be created, a hook's new id) is a named
placeholder: `{site.acme-docs.id}` inside a path or a query value, a `Placeholder` inside a body.
The request that will learn the value names it in `binds` (`{"site.acme-docs.id": "id"}`: the `id`
of its answer); apply fills later requests from those answers. Sensitive parts of a body stay
`Sensitive` objects until the moment of sending; a saved plan stores the manifest node they came
from, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from reconciler.model.errors import ReconcilerError
from reconciler.model.location import DocPath
from reconciler.model.sensitive import Sensitive, masked_path

Api = Literal["netlify", "integrations"]
PLACEHOLDER = re.compile(r"\{((?:site|team)\.[^{}\s]+)\}")


@dataclass(frozen=True)
class Placeholder:
    """A value apply learns from an earlier answer; shown as `{name}`."""

    name: str

    def __str__(self) -> str:
        return "{" + self.name + "}"


@dataclass(frozen=True)
class ReadBack:
    """How to tell whether a create whose answer was lost happened: read `path` (a listing, or with
    `single` the object itself, 404 when missing) and keep the items whose fields equal `match` (for a
    mapping, the keys it names). `wrap`: the create answers a one-item list. `delete` (with `{id}`):
    how to remove a duplicate the create's retries left."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    match: Mapping[str, Any] = field(default_factory=dict)
    api: Api = "netlify"
    single: bool = False
    wrap: bool = False
    delete: str | None = None


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")  # what a planned request may send


@dataclass(frozen=True)
class Request:
    """One API call. `via` names a procedure that carries it out (a deploy: create, upload what
    Netlify lacks, wait); `shows` are the extra plan entries such a procedure adds ("12 uploads");
    `options` are its inputs that are not sent (local directories, timeouts). `outputs` names those of
    its `binds` the user needs once apply is done (a new deploy key's public key, to add to the Git
    host): apply prints them, never anything secret."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    api: Api = "netlify"
    idempotent: bool | None = None  # None: decided by the HTTP method
    binds: Mapping[str, str] = field(default_factory=dict)  # placeholder -> dotted path in the answer
    via: str | None = None
    shows: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    accept: tuple[int, ...] = ()  # statuses that mean "already so" (409 on enabling what is enabled)
    read_back: ReadBack | None = None  # for a create that may not be retried blindly
    outputs: tuple[str, ...] = ()  # placeholders of `binds` shown after apply

    def call(self, prefix: str = "") -> str:
        """`METHOD /prefix/path?query`, placeholders in braces: one entry of a plan's `calls`."""
        query = "&".join(f"{key}={value}" for key, value in self.params.items())
        return f"{self.method} {prefix}{masked_path(self.path)}" + (f"?{query}" if query else "")

    def calls(self, prefix: str = "") -> list[str]:
        return [self.call(prefix), *self.shows]


class UnboundPlaceholder(ReconcilerError):
    """A request needs a value no earlier answer provided."""


def fill(request: Request, values: Mapping[str, Any]) -> Request:
    """The request with every placeholder replaced by the value an earlier answer gave it."""
    filler = _Filler(request, values)
    read_back = request.read_back
    if read_back is not None:
        read_back = replace(
            read_back,
            path=filler.text(read_back.path),
            params={key: filler.text(value) for key, value in read_back.params.items()},
            match=filler.body(dict(read_back.match)),
            delete=filler.text(read_back.delete) if read_back.delete else None,
        )
    return replace(
        request,
        path=filler.text(request.path),
        params={key: filler.text(value) for key, value in request.params.items()},
        body=filler.body(request.body),
        options=filler.data(dict(request.options)),
        read_back=read_back,
    )


class _Filler:
    """Placeholders are filled in paths, queries and procedure options (as `{name}` in strings), and in
    bodies only as Placeholder objects: a body's strings are the user's (a snippet may hold braces)."""

    def __init__(self, request: Request, values: Mapping[str, Any]) -> None:
        self.request = request
        self.values = values

    def _value(self, name: str, *, required: bool) -> Any:
        """What an answer gave `name`; in a path or query it must be something (a body may hold null)."""
        if name not in self.values or (required and self.values[name] is None):
            raise UnboundPlaceholder(f"{self.request.call()}: no value for {{{name}}} (no answer gave one)")
        return self.values[name]

    def text(self, value: str) -> str:
        if "{" not in value:
            return value
        return PLACEHOLDER.sub(lambda match: str(self._value(match.group(1), required=True)), value)

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        return self._walk(value, self.data)

    def body(self, value: Any) -> Any:
        return value if isinstance(value, str) else self._walk(value, self.body)

    def _walk(self, value: Any, inner: Callable[[Any], Any]) -> Any:
        if isinstance(value, Placeholder):
            return self._value(value.name, required=False)
        if isinstance(value, dict):
            return {key: inner(item) for key, item in value.items()}
        if isinstance(value, list):
            return [inner(item) for item in value]
        return value


def learned(request: Request, answer: Any) -> dict[str, Any]:
    """The placeholder values this answer provides (None where the answer lacks the field)."""
    out: dict[str, Any] = {}
    for name, path in request.binds.items():
        value = answer
        for part in path.split(".") if path else ():
            if isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif isinstance(value, dict):
                value = value.get(part)
            else:
                value = None
        out[name] = value
    return out


# -- saved plans: requests as JSON, sensitive parts as references to the manifest node ------------
SENSITIVE_TAG, PLACEHOLDER_TAG, OBJECT_TAG = "$sensitive", "$placeholder", "$object"


def encode_request(request: Request, sensitive: Callable[[Sensitive], Any]) -> dict[str, Any]:
    """JSON for a saved plan; `sensitive(value)` gives what stands for a sensitive value."""
    return {
        "method": request.method,
        "path": request.path,
        "params": dict(request.params),
        "body": encode_value(request.body, sensitive),
        "api": request.api,
        "idempotent": request.idempotent,
        "binds": dict(request.binds),
        "via": request.via,
        "shows": list(request.shows),
        "options": encode_value(dict(request.options), sensitive),
        "accept": list(request.accept),
        "read_back": _encode_read_back(request.read_back, sensitive),
        "outputs": list(request.outputs),
    }


def _encode_read_back(read_back: ReadBack | None, sensitive: Callable[[Sensitive], Any]) -> Any:
    if read_back is None:
        return None
    return {
        "path": read_back.path,
        "params": dict(read_back.params),
        "match": encode_value(dict(read_back.match), sensitive),
        "api": read_back.api,
        "single": read_back.single,
        "wrap": read_back.wrap,
        "delete": read_back.delete,
    }


def api_named(value: Any) -> Api:
    if value not in ("netlify", "integrations"):
        raise ValueError(f"unknown API {value!r}")
    return "netlify" if value == "netlify" else "integrations"


def _decode_read_back(data: Any, sensitive: Callable[[Any], Sensitive]) -> ReadBack | None:
    if data is None:
        return None
    return ReadBack(
        path=str(data["path"]),
        params={str(k): str(v) for k, v in dict(data.get("params") or {}).items()},
        match=decode_value(data.get("match") or {}, sensitive),
        api=api_named(data.get("api", "netlify")),
        single=bool(data.get("single")),
        wrap=bool(data.get("wrap")),
        delete=data.get("delete"),
    )


def decode_request(data: Mapping[str, Any], sensitive: Callable[[Any], Sensitive]) -> Request:
    method, path = data["method"], data["path"]
    if method not in METHODS or not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"not a request: {method!r} {path!r}")
    return Request(
        method=method,
        path=path,
        params={str(k): str(v) for k, v in dict(data.get("params") or {}).items()},
        body=decode_value(data.get("body"), sensitive),
        api=api_named(data.get("api", "netlify")),
        idempotent=data.get("idempotent"),
        binds={str(k): str(v) for k, v in dict(data.get("binds") or {}).items()},
        via=data.get("via"),
        shows=tuple(str(s) for s in data.get("shows") or ()),
        options=decode_value(data.get("options") or {}, sensitive),
        accept=tuple(int(status) for status in data.get("accept") or ()),
        read_back=_decode_read_back(data.get("read_back"), sensitive),
        outputs=tuple(str(name) for name in data.get("outputs") or ()),
    )


def encode_value(value: Any, sensitive: Callable[[Sensitive], Any]) -> Any:
    if isinstance(value, Sensitive):
        return {SENSITIVE_TAG: sensitive(value)}
    if isinstance(value, Placeholder):
        return {PLACEHOLDER_TAG: value.name}
    if isinstance(value, dict):
        items = {str(k): encode_value(v, sensitive) for k, v in value.items()}
        return {OBJECT_TAG: items} if any(k.startswith("$") for k in items) else items
    if isinstance(value, list | tuple):
        return [encode_value(v, sensitive) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a request cannot carry a {type(value).__name__}")


def decode_value(value: Any, sensitive: Callable[[Any], Sensitive]) -> Any:
    if isinstance(value, dict):
        if set(value) == {SENSITIVE_TAG}:
            return sensitive(value[SENSITIVE_TAG])
        if set(value) == {PLACEHOLDER_TAG}:
            return Placeholder(str(value[PLACEHOLDER_TAG]))
        if set(value) == {OBJECT_TAG}:
            value = value[OBJECT_TAG]
        return {k: decode_value(v, sensitive) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v, sensitive) for v in value]
    return value


def source_path(value: Sensitive) -> DocPath:
    """Where a sensitive value in a request came from; a request never holds one without a source."""
    if value.source is None:
        raise TypeError("a sensitive value without a manifest source cannot be saved")
    return value.source
