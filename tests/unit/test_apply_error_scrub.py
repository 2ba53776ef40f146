"""A server's error may echo the request it refused; apply's message masks the change's secrets in it."""

from __future__ import annotations

from reconciler.apply import ApplyFailed, ApplyReport, Failure
from reconciler.model.change import Action, Change
from reconciler.model.owner import OwnerRef
from reconciler.model.request import Request
from reconciler.model.sensitive import Sensitive
from reconciler.netlify.errors import ApiError

SECRET = 'pw "quoted" LEAK_PLANTED'


def test_a_refusal_echoing_the_body_shows_the_mask_not_the_secret() -> None:
    request = Request("PATCH", "/sites/s1", body={"password": Sensitive(SECRET), "name": "visible"})
    change = Change(
        OwnerRef("site", "s1"), "site", "s1", Action.UPDATE, requests=[request], owner_itself=True
    )
    echoed = 'invalid: {"password": "pw \\"quoted\\" LEAK_PLANTED", "name": "visible"}'
    for cause in (ApiError("PATCH", "/sites/s1", 422, echoed), ApiError("PATCH", "/sites/s1", 500, SECRET)):
        message = str(ApplyFailed(ApplyReport(failures=[Failure(change, cause)])))
        assert "LEAK_PLANTED" not in message, message
        assert "(sensitive)" in message and "apply stopped at site.s1 (update): PATCH /sites/s1" in message
