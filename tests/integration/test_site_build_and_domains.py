"""The site's build image, functions region and branch/preview domains: created with the site, changed in
place, and left alone when not declared."""

from __future__ import annotations

from reconciler.model.change import Action
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
