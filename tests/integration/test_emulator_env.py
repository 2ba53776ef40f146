"""Environment variables (team and site level) of the emulator, validated against Netlify's OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.http import ApiSession, checked

ALL_SCOPES = ["builds", "functions", "runtime", "post_processing"]


@pytest.fixture
def team(api: ApiSession) -> str:
    """Slug of the demo team, with one site `web` in it."""
    assert api.post("/demo/sites", json={"name": "web"}).status_code == 201
    return "demo"


def create(api: ApiSession, account: str, items: list[Any], site: str | None = None) -> list[dict[str, Any]]:
    params = {"site_id": site} if site else {}
    created: list[dict[str, Any]] = checked(
        api.post(f"/accounts/{account}/env", params=params, json=items), "createEnvVars", 201
    )
    return created


def test_create_team_var_with_defaults(api: ApiSession, team: str) -> None:
    (var,) = create(api, team, [{"key": "API_URL", "values": [{"context": "all", "value": "https://x"}]}])
    user = api.get("/user").json()
    assert var["key"] == "API_URL" and var["scopes"] == ALL_SCOPES and var["is_secret"] is False
    (value,) = var["values"]
    assert value["context"] == "all" and value["context_parameter"] == "" and value["value"] == "https://x"
    assert len(value["id"]) == 36
    assert var["updated_by"]["id"] == user["id"] and var["updated_by"]["email"] == user["email"]
    listed = checked(api.get(f"/accounts/{team}/env"), "getEnvVars", 200)
    assert listed == [var]
    account_id = api.get(f"/accounts/{team}").json()["id"]
    assert api.get(f"/accounts/{account_id}/env").json() == [var], "account id works like the slug"


def test_team_and_site_levels_are_separate(api: ApiSession, team: str) -> None:
    site_id = api.get("/sites/web").json()["id"]
    create(api, team, [{"key": "SHARED", "values": [{"context": "all", "value": "team"}]}])
    create(api, team, [{"key": "SHARED", "values": [{"context": "all", "value": "site"}]}], site="web")
    create(api, team, [{"key": "ONLY_SITE"}], site=site_id)
    team_level = api.get(f"/accounts/{team}/env").json()
    assert [v["key"] for v in team_level] == ["SHARED"]
    assert team_level[0]["values"][0]["value"] == "team"
    site_level = checked(api.get(f"/accounts/{team}/env", params={"site_id": "web"}), "getEnvVars", 200)
    assert [v["key"] for v in site_level] == ["ONLY_SITE", "SHARED"]
    assert site_level[1]["values"][0]["value"] == "site"
    convenience = checked(api.get("/sites/web.netlify.app/env"), "getSiteEnvVars", 200)
    assert convenience == site_level
    single = checked(api.get(f"/accounts/{team}/env/SHARED", params={"site_id": site_id}), "getEnvVar", 200)
    assert single == site_level[1]


def test_site_of_another_account_is_404(api: ApiSession, team: str) -> None:
    personal = api.get("/accounts").json()[0]["slug"]
    checked(api.get(f"/accounts/{personal}/env", params={"site_id": "web"}), "getEnvVars", 404)
    response = api.post(f"/accounts/{personal}/env", params={"site_id": "web"}, json=[{"key": "A"}])
    checked(response, "createEnvVars", 404)
    checked(api.get("/accounts/unknown/env"), "getEnvVars", 404)
    checked(api.get("/sites/nope/env"), "getSiteEnvVars", 404)


def test_filters_by_context_and_scope(api: ApiSession, team: str) -> None:
    create(
        api,
        team,
        [
            {"key": "EVERYWHERE", "values": [{"context": "all", "value": "1"}]},
            {"key": "PROD", "scopes": ["builds"], "values": [{"context": "production", "value": "2"}]},
            {"key": "POST", "scopes": ["post-processing"], "values": [{"context": "dev", "value": "3"}]},
        ],
    )

    def keys(**params: str) -> list[str]:
        return [v["key"] for v in checked(api.get(f"/accounts/{team}/env", params=params), "getEnvVars", 200)]

    assert keys(context_name="production") == ["EVERYWHERE", "PROD"]
    assert keys(context_name="dev") == ["EVERYWHERE", "POST"]
    assert keys(context_name="all") == ["EVERYWHERE"]
    assert keys(scope="builds") == ["EVERYWHERE", "PROD"]
    assert keys(scope="post-processing") == keys(scope="post_processing") == ["EVERYWHERE", "POST"]
    assert keys(context_name="production", scope="functions") == ["EVERYWHERE"]
    checked(api.get(f"/accounts/{team}/env", params={"context_name": "staging"}), "getEnvVars", 422)
    checked(api.get(f"/accounts/{team}/env", params={"scope": "edge"}), "getEnvVars", 422)


def test_post_processing_is_answered_with_underscore(api: ApiSession, team: str) -> None:
    (var,) = create(api, team, [{"key": "S", "scopes": ["runtime", "post-processing", "builds"]}])
    assert var["scopes"] == ["builds", "runtime", "post_processing"]
    (other,) = create(api, team, [{"key": "T", "scopes": ["post_processing"]}])
    assert other["scopes"] == ["post_processing"]


def test_duplicate_key_is_409(api: ApiSession, team: str) -> None:
    create(api, team, [{"key": "DUP"}])
    error = checked(
        api.post(f"/accounts/{team}/env", json=[{"key": "NEW"}, {"key": "DUP"}]), "createEnvVars", 409
    )
    assert error == {"code": 409, "message": "Environment variable DUP already exists"}
    assert [v["key"] for v in api.get(f"/accounts/{team}/env").json()] == ["DUP"], "nothing half-created"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"key": "A"}, "JSON array"),
        ([{"key": "A"}, {"key": "A"}], "duplicate keys"),
        (["A"], "expected an object"),
        ([{"values": []}], "key"),
        ([{"key": "has space"}], "key"),
        ([{"key": "%"}], "'%' is not a valid key"),
        ([{"key": "_"}], "'_' is not a valid key"),
        ([{"key": "b%"}], "'b%' is not a valid key"),
        ([{"key": "1ST"}], "not starting with a digit"),
        ([{"key": "API-URL"}], "letters, digits and underscores"),
        ([{"key": "NEWLINE\n"}], "is not a valid key"),
        ([{"key": "K" * 256}], "at most 255"),
        ([{"key": 5}], "number is not a valid key"),
        ([{"key": "A", "values": [{"context": "all"}]}], "value: missing"),
        ([{"key": "A", "values": [{"context": "all", "value": None}]}], "value: expected a string, not null"),
        ([{"key": "A", "scopes": ["edge"]}], "unknown scope"),
        ([{"key": "A", "scopes": []}], "non-empty"),
        ([{"key": "A", "values": [{"context": "staging", "value": "x"}]}], "unknown context"),
        ([{"key": "A", "values": [{"context": "branch", "value": "x"}]}], "branch name"),
        ([{"key": "A", "values": [{"context": "all", "value": 3}]}], "value: expected a string"),
        ([{"key": "A", "values": {"context": "all"}}], "values: expected an array"),
        ([{"key": "A", "is_secret": "yes"}], "is_secret"),
        (
            [{"key": "A", "values": [{"context": "dev", "value": "1"}, {"context": "dev", "value": "2"}]}],
            "more than one value",
        ),
    ],
)
def test_invalid_create_bodies_are_422(api: ApiSession, team: str, body: object, fragment: str) -> None:
    error = checked(api.post(f"/accounts/{team}/env", json=body), "createEnvVars", 422)
    assert fragment in error["message"]


def test_keys_a_shell_can_export_are_accepted(api: ApiSession, team: str) -> None:
    keys = ["_PRIVATE", "a1", "lower_case", "X" * 255]
    create(api, team, [{"key": key} for key in keys])
    assert sorted(v["key"] for v in api.get(f"/accounts/{team}/env").json()) == sorted(keys)


def test_get_missing_var_is_404(api: ApiSession, team: str) -> None:
    assert checked(api.get(f"/accounts/{team}/env/NOPE"), "getEnvVar", 404) == {
        "code": 404,
        "message": "Not Found",
    }
    create(api, team, [{"key": "lower"}])
    checked(api.get(f"/accounts/{team}/env/LOWER"), "getEnvVar", 404)


def test_put_replaces_scopes_values_and_renames(api: ApiSession, team: str) -> None:
    (var,) = create(
        api, team, [{"key": "OLD", "scopes": ["builds"], "values": [{"context": "production", "value": "p"}]}]
    )
    body = {
        "key": "NEW",
        "values": [
            {"context": "production", "value": "p2"},
            {"context": "branch", "context_parameter": "stg", "value": "b"},
        ],
    }
    updated = checked(api.put(f"/accounts/{team}/env/OLD", json=body), "updateEnvVar", 200)
    assert updated["key"] == "NEW" and updated["scopes"] == ALL_SCOPES
    assert updated["updated_at"] > var["updated_at"]
    production, branch = updated["values"]
    assert production["id"] == var["values"][0]["id"] and production["value"] == "p2"
    assert branch["context_parameter"] == "stg" and branch["value"] == "b"
    checked(api.get(f"/accounts/{team}/env/OLD"), "getEnvVar", 404)
    create(api, team, [{"key": "TAKEN"}])
    checked(api.put(f"/accounts/{team}/env/NEW", json={"key": "TAKEN"}), "updateEnvVar", 409)
    checked(api.put(f"/accounts/{team}/env/MISSING", json={}), "updateEnvVar", 404)
    checked(api.put(f"/accounts/{team}/env/NEW", json=[]), "updateEnvVar", 422)
    emptied = checked(api.put(f"/accounts/{team}/env/NEW", json={"scopes": ["runtime"]}), "updateEnvVar", 200)
    assert emptied["values"] == [] and emptied["scopes"] == ["runtime"]


def test_patch_upserts_one_value(api: ApiSession, team: str) -> None:
    (var,) = create(api, team, [{"key": "K", "values": [{"context": "production", "value": "1"}]}])
    url = f"/accounts/{team}/env/K"
    changed = checked(api.patch(url, json={"context": "production", "value": "2"}), "setEnvVarValue", 201)
    assert [(v["id"], v["value"]) for v in changed["values"]] == [(var["values"][0]["id"], "2")]
    assert changed["updated_at"] > var["updated_at"]
    added = checked(
        api.patch(url, json={"context": "branch", "context_parameter": "feature", "value": "3"}),
        "setEnvVarValue",
        201,
    )
    assert [(v["context"], v["context_parameter"]) for v in added["values"]] == [
        ("production", ""),
        ("branch", "feature"),
    ]
    checked(api.patch(url, json={"context": "branch", "value": "x"}), "setEnvVarValue", 422)
    checked(api.patch(url, json={"context": "production"}), "setEnvVarValue", 422)
    checked(
        api.patch(f"/accounts/{team}/env/NOPE", json={"context": "all", "value": "x"}), "setEnvVarValue", 404
    )


def test_delete_var_and_value(api: ApiSession, team: str) -> None:
    (var,) = create(
        api,
        team,
        [{"key": "D", "values": [{"context": "dev", "value": "1"}, {"context": "production", "value": "2"}]}],
    )
    dev_id = var["values"][0]["id"]
    checked(api.delete(f"/accounts/{team}/env/D/value/{dev_id}"), "deleteEnvVarValue", 204)
    checked(api.delete(f"/accounts/{team}/env/D/value/{dev_id}"), "deleteEnvVarValue", 404)
    remaining = api.get(f"/accounts/{team}/env/D").json()
    assert [v["context"] for v in remaining["values"]] == ["production"]
    assert remaining["updated_at"] > var["updated_at"]
    checked(api.delete(f"/accounts/{team}/env/D"), "deleteEnvVar", 204)
    checked(api.delete(f"/accounts/{team}/env/D"), "deleteEnvVar", 404)
    checked(api.delete(f"/accounts/{team}/env/D/value/{dev_id}"), "deleteEnvVarValue", 404)


def test_secret_values_are_not_readable_except_dev(api: ApiSession, team: str) -> None:
    secret = {
        "key": "STRIPE_KEY",
        "is_secret": True,
        "values": [
            {"context": "production", "value": "live"},
            {"context": "dev", "value": "local"},
            {"context": "branch", "context_parameter": "staging", "value": "test"},
        ],
    }
    (created,) = create(api, team, [secret], site="web")
    responses = [
        created,
        api.get(f"/accounts/{team}/env", params={"site_id": "web"}).json()[0],
        api.get("/sites/web/env").json()[0],
        api.get(f"/accounts/{team}/env/STRIPE_KEY", params={"site_id": "web"}).json(),
        checked(
            api.patch(
                f"/accounts/{team}/env/STRIPE_KEY",
                params={"site_id": "web"},
                json={"context": "deploy-preview", "value": "preview"},
            ),
            "setEnvVarValue",
            201,
        ),
    ]
    for var in responses:
        assert var["is_secret"] is True
        readable = {v["context"]: v.get("value") for v in var["values"]}
        assert readable.pop("dev") == "local"
        assert set(readable.values()) == {None}, var
        assert all("id" in v and "context_parameter" in v for v in var["values"])
    url = f"/accounts/{team}/env/STRIPE_KEY"
    replaced = checked(
        api.put(url, params={"site_id": "web"}, json={"values": [{"context": "all", "value": "v"}]}),
        "updateEnvVar",
        200,
    )
    assert replaced["is_secret"] is True and "value" not in replaced["values"][0], (
        "omitted is_secret keeps it"
    )
    error = checked(api.put(url, params={"site_id": "web"}, json={"is_secret": False}), "updateEnvVar", 422)
    assert "secret" in error["message"]
