"""Requests as data: placeholders filled from earlier answers, and the saved-plan encoding."""

from __future__ import annotations

import json

import pytest

from reconciler.model.request import (
    Placeholder,
    Request,
    UnboundPlaceholder,
    decode_request,
    encode_request,
    fill,
    learned,
    source_path,
)
from reconciler.model.sensitive import Sensitive


def test_placeholders_fill_paths_queries_options_and_body_objects_only():
    request = Request(
        "POST",
        "/sites/{site.web.id}/hooks",
        {"site_id": "{site.web.id}"},
        body={"site_id": Placeholder("site.web.id"), "html": "<p>{site.web.id} stays text</p>"},
        options={"dir": "/tmp/{site.web.id}"},
    )
    filled = fill(request, {"site.web.id": "abc123"})
    assert filled.path == "/sites/abc123/hooks"
    assert filled.params == {"site_id": "abc123"}
    assert filled.body == {"site_id": "abc123", "html": "<p>{site.web.id} stays text</p>"}
    assert filled.options == {"dir": "/tmp/abc123"}
    assert request.path == "/sites/{site.web.id}/hooks", "the planned request is left as it was"


def test_a_missing_value_is_a_clear_error_and_a_body_may_carry_null():
    with pytest.raises(UnboundPlaceholder, match=r"PUT /hooks/\{site.web.hooks.h.id\}: no value for"):
        fill(Request("PUT", "/hooks/{site.web.hooks.h.id}"), {})
    with pytest.raises(UnboundPlaceholder):
        fill(Request("PUT", "/hooks/{site.web.hooks.h.id}"), {"site.web.hooks.h.id": None})
    stamp = Request("PUT", "/x", body={"updated_at": Placeholder("site.web.env.K.updated_at")})
    assert fill(stamp, {"site.web.env.K.updated_at": None}).body == {"updated_at": None}


def test_answers_bind_by_dotted_path_into_objects_and_lists():
    request = Request("POST", "/env", binds={"a": "0.updated_at", "b": "id", "c": "missing.deep"})
    assert learned(request, [{"updated_at": "t1"}]) == {"a": "t1", "b": None, "c": None}
    assert learned(request, {"id": "x"}) == {"a": None, "b": "x", "c": None}


def test_saved_encoding_round_trips_and_never_holds_a_sensitive_value():
    secret = Sensitive("planted-secret-value", ("sites", "web", "env", "K", "value"))
    request = Request(
        "PATCH",
        "/accounts/a/env/K",
        {"site_id": "{site.web.id}"},
        body={"value": secret, "$weird": {"$sensitive": "user data"}, "list": [Placeholder("p.q"), 1, None]},
        idempotent=True,
        binds={"site.web.env.K.updated_at": "updated_at"},
        via=None,
        shows=("2 uploads",),
        options={"timeout": 5.0},
    )
    encoded = encode_request(request, lambda value: list(source_path(value)))
    text = json.dumps(encoded)
    assert "planted-secret-value" not in text

    def resolve(reference: object) -> Sensitive:
        assert reference == ["sites", "web", "env", "K", "value"]
        return Sensitive("planted-secret-value", tuple(reference))

    decoded = decode_request(json.loads(text), resolve)
    assert decoded == request
    assert decoded.body["$weird"] == {"$sensitive": "user data"}, "user keys starting with $ survive"


def test_a_sensitive_value_without_a_source_cannot_be_saved():
    with pytest.raises(TypeError, match="without a manifest source"):
        encode_request(Request("PUT", "/x", body=Sensitive("s")), lambda value: list(source_path(value)))
