"""The site's build image, functions region and branch/preview domains: created with the site, changed in
place, and left alone when not declared."""

from __future__ import annotations

import pytest

from reconciler.model.change import Action
from reconciler.model.errors import ManifestError
from reconciler.session import make_plan
from tests.integration.conftest import converge, write
from tests.support.plans import one_change

SITE = """\
version: 1
sites:
  web:
    team: demo
    build_image: focal
    functions_region: eu-central-1
    branch_deploy_custom_domain: branches.web.example.org
    deploy_preview_custom_domain: previews.web.example.org
"""


def test_build_and_domain_settings_are_created_changed_and_cleared(client, tmp_path):
    path = write(tmp_path, SITE)
    planned = converge(client, path)
    assert planned.plan.calls(planned.plan.changes[0]) == ["POST /api/v1/demo/sites"]
    site = client.get("/sites/web")
    assert (site["build_image"], site["functions_region"]) == ("focal", "eu-central-1")
    assert site["branch_deploy_custom_domain"] == "branches.web.example.org"
    assert site["deploy_preview_custom_domain"] == "previews.web.example.org"

    path.write_text(SITE.replace("focal", "noble").replace("previews.web.example.org", "null"))
    change = one_change(make_plan(client, path).plan)
    assert (change.address, change.action) == ("site.web", Action.UPDATE)
    assert {f.path[0]: (f.before, f.after) for f in change.fields} == {
        "build_image": ("focal", "noble"),
        "deploy_preview_custom_domain": ("previews.web.example.org", None),
    }
    converge(client, path)
    site = client.get("/sites/web")
    assert site["build_image"] == "noble" and "deploy_preview_custom_domain" not in site

    path.write_text("version: 1\nsites:\n  web:\n    team: demo\n")
    assert make_plan(client, path).plan.changes == [], "settings no longer declared are left as they are"
    assert client.get("/sites/web")["functions_region"] == "eu-central-1"


TWO = """\
version: 1
sites:
  dom-a:
    team: demo
    custom_domain: a.example.org
  dom-b:
    team: demo
    custom_domain: b.example.org
    domain_aliases: [www.b.example.org]
"""


def test_a_domain_another_site_holds_is_a_plan_error(client, tmp_path):
    """Netlify lets one site hold a domain: before, the plan was clean and apply's first PATCH got 422."""
    path = write(tmp_path, TWO)
    converge(client, path)
    swapped = TWO.replace("domain: a.", "domain: @.").replace("domain: b.", "domain: a.")
    path.write_text(swapped.replace("domain: @.", "domain: b."))  # dom-a <-> dom-b
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    text = str(info.value)
    assert "sites.dom-a.custom_domain: b.example.org is already used by site 'dom-b' (its custom_domain)" in text
    assert "sites.dom-b.custom_domain: a.example.org is already used by site 'dom-a' (its custom_domain)" in text
    assert "two applies" in text
    assert client.get("/sites/dom-a")["custom_domain"] == "a.example.org"

    path.write_text(TWO.replace("[www.b.example.org]", "[]").replace("domain: b.", "domain: www.b."))
    converge(client, path)  # a domain moving within one site is no conflict


def test_a_new_site_cannot_take_a_domain_of_an_undeclared_site_or_another_declared_one(client, tmp_path):
    client.post("/demo/sites", {"name": "dom-other", "domain_aliases": ["old.example.org"]})
    path = write(tmp_path, TWO.replace("a.example.org", "OLD.example.org"))
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert "old.example.org is already used by site 'dom-other' (its domain_aliases)" in str(info.value)
    assert "dom-a" not in [s["name"] for s in client.get("/sites", {"filter": "all"})]

    path.write_text(TWO.replace("www.b.example.org", "a.example.org"))
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert "sites.dom-b.domain_aliases[0]: a.example.org is declared for site 'dom-a' too" in str(info.value)


def test_an_alias_made_the_custom_domain_while_aliases_stay_undeclared_is_a_plan_error(client, tmp_path):
    """Netlify refuses a custom domain that is also an alias: before, the plan was clean and apply got 422."""
    path = write(tmp_path, TWO)
    converge(client, path)
    undeclared = "version: 1\nsites:\n  dom-b:\n    team: demo\n    custom_domain: WWW.b.example.org\n"
    path.write_text(undeclared)
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert "sites.dom-b.custom_domain: www.b.example.org is an alias of this site on Netlify" in str(info.value)
    aliases_only = "version: 1\nsites:\n  dom-b:\n    team: demo\n    domain_aliases: [x.example.org, b.example.org]\n"
    path.write_text(aliases_only)
    with pytest.raises(ManifestError) as info:
        make_plan(client, path)
    assert "sites.dom-b.domain_aliases[1]: b.example.org is this site's custom domain on Netlify" in str(
        info.value
    )
    assert client.get("/sites/dom-b")["custom_domain"] == "b.example.org", "nothing was applied"

    path.write_text(undeclared + "    domain_aliases: [b.example.org]\n")  # the swap, both declared
    converge(client, path)
    site = client.get("/sites/dom-b")
    assert (site["custom_domain"], site["domain_aliases"]) == ("www.b.example.org", ["b.example.org"])
