"""The status page: every declared team and site the viewer's token can see, with its state, counts,
last check and plan, as HTML that is complete without JavaScript.

Each owner's plan is shown as the Markdown report shows it (a collapsible block per owner, Terraform-style
lines and the requests apply would send), through the same `change_lines`, so values are masked by the
same rules. Every text that reaches the page goes through `h` (HTML escaping, quotes included) where it
is written; nothing is marked safe. The script (`assets/status.js`) only refreshes rows through the
`status` handler and writes text, never markup.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from reconciler import __version__
from reconciler.model.owner import OwnerRef
from reconciler.plan.model import Plan
from reconciler.plan.values import change_lines
from reconciler.serve.checks import OwnerCheck

STATE_TEXT = {"in_sync": "In sync", "drifted": "Drifted", "error": "Error"}
NOT_CHECKED = "Not checked yet"
STALE = "This plan is from an earlier check: reload the page to see the latest."
OPTIONAL_WORDS = (("replace", "to replace"), ("deploy", "deploy"), ("record", "ledger write"))
COUNT_COLUMNS = (("Missing", "missing"), ("Changed", "changed"), ("Not declared", "undeclared"))


def h(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class View:
    """What one viewer's page shows."""

    rows: Sequence[tuple[OwnerRef, OwnerCheck | None]]
    hidden: int  # declared owners the viewer's token cannot see
    manifest_error: str | None
    last_round: datetime | None
    refresh: float  # seconds between the script's refreshes


def status_page(view: View) -> str:
    states = Counter(check.status.state if check else "unknown" for _, check in view.rows)
    summary = f"{states['in_sync']} in sync, {states['drifted']} drifted, {states['error']} in error"
    if states["unknown"]:
        summary += f", {states['unknown']} not checked yet"
    last = f" · last check {_time(view.last_round)}" if view.last_round else ""
    alert = (
        f'<p class="alert" role="alert">The manifests do not load, so this page shows earlier checks: '
        f"{h(view.manifest_error)}</p>\n"
        if view.manifest_error
        else ""
    )
    hidden = (
        f'<p class="note">{view.hidden} declared team(s) or site(s) are not visible to your token and are '
        "not shown.</p>\n"
        if view.hidden
        else ""
    )
    body = f"""<header>
<h1>Netlify fleet status</h1>
<p id="fleet-summary"><span id="fleet-counts">{h(summary)}</span>{last}</p>
<div class="actions">
<form method="post" action="/check"><button type="submit">Check now</button></form>
<form method="post" action="/sign-out"><button type="submit" class="secondary">Sign out</button></form>
</div>
</header>
<main>
{alert}{_table(view)}{hidden}<p id="refresh-note" class="note" aria-live="polite"></p>
<section aria-labelledby="plans-heading">
<h2 id="plans-heading">Plans</h2>
<p class="note">What <code>apply</code> would change for each team and site, as the pull-request
report shows it.</p>
{"".join(_plan_block(ref, check) for ref, check in view.rows)}</section>
</main>"""
    return _document("Netlify fleet status", body)


def sign_in_page(message: str | None = None) -> str:
    notice = f'<p class="alert" role="alert">{h(message)}</p>\n' if message else ""
    body = f"""<header><h1>Netlify fleet status</h1></header>
<main>
{notice}<form method="post" action="/sign-in" class="sign-in">
<p>Sign in with a Netlify personal access token: the page shows the teams and sites that token can see.
It is kept in this browser only (an HttpOnly cookie), and sent to Netlify to check what it can see.</p>
<label for="token">Netlify personal access token</label>
<input id="token" name="token" type="password" autocomplete="off" required spellcheck="false">
<button type="submit">Sign in</button>
</form>
</main>"""
    return _document("Sign in · Netlify fleet status", body)


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{h(title)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/status.css">
<script src="/assets/status.js" defer></script>
</head>
<body>
{body}
<footer><p>netlify-reconciler {h(__version__)}</p></footer>
</body>
</html>
"""


def _table(view: View) -> str:
    if not view.rows:
        return '<p class="note">No team or site to show.</p>\n'
    heads = "".join(f'<th scope="col">{h(label)}</th>' for label, _ in COUNT_COLUMNS)
    rows = "".join(_row(ref, check) for ref, check in view.rows)
    return f"""<table id="owners" data-refresh-seconds="{int(view.refresh)}">
<caption>Teams and sites declared in the manifests, compared with Netlify</caption>
<thead><tr><th scope="col">Team or site</th><th scope="col">Status</th>{heads}
<th scope="col">Unmanaged</th><th scope="col">Last check</th></tr></thead>
<tbody>
{rows}</tbody>
</table>
"""


def _row(ref: OwnerRef, check: OwnerCheck | None) -> str:
    ids = ""
    if check is not None and check.target is not None:
        target = check.target
        if target.site_id:
            ids = f' data-site-id="{h(target.site_id)}"'
        elif target.kind == "team" and target.account:
            ids = f' data-team-id="{h(target.account)}"'
    counts = _counts(check)
    cells = "".join(
        f'<td data-label="{h(label)}" data-field="{key}">{counts[key] if check else ""}</td>'
        for label, key in COUNT_COLUMNS
    )
    unmanaged = check.unmanaged if check and check.plan is not None else ""
    checked = _time(check.status.checked_at) if check else ""
    return (
        f'<tr data-owner="{h(ref.address)}" data-state="{h(_state(check))}"{ids}>'
        f'<th scope="row"><a href="#{_anchor(ref)}">{h(ref.address)}</a></th>'
        f'<td data-label="Status" data-field="state">{_badge(check)}</td>{cells}'
        f'<td data-label="Unmanaged" data-field="unmanaged">{h(unmanaged)}</td>'
        f'<td data-label="Last check" data-field="checked_at">{checked}</td></tr>\n'
    )


def _state(check: OwnerCheck | None) -> str:
    return check.status.state if check else "unknown"


def _badge(check: OwnerCheck | None) -> str:
    state = _state(check)
    return f'<span class="state state-{h(state)}">{h(STATE_TEXT.get(state, NOT_CHECKED))}</span>'


def _counts(check: OwnerCheck | None) -> dict[str, int]:
    counts = check.status.counts if check else {}
    changed = sum(counts.get(action, 0) for action in ("update", "replace", "deploy"))
    return {"missing": counts.get("create", 0), "changed": changed, "undeclared": counts.get("delete", 0)}


def _plan_block(ref: OwnerRef, check: OwnerCheck | None) -> str:
    address = h(ref.address)
    opening = f'<details id="{_anchor(ref)}" data-owner="{address}"><summary><code>{address}</code>: '
    if check is None:
        return f"{opening}{NOT_CHECKED.lower()}</summary></details>\n"
    plan = check.plan
    what = _plan_counts(plan) if plan is not None else "could not be checked"
    inner = f'<p data-field="summary">{h(check.status.summary)}</p>\n'
    if plan is not None and plan.changes:
        lines = [line for change in plan.changes for line in change_lines(change, calls=plan.calls(change))]
        inner += f'<pre class="diff"><code>{h(chr(10).join(lines))}</code></pre>\n'
    if plan is not None:
        inner += _notes(plan)
    inner += f'<p class="stale-note note" hidden>{STALE}</p>\n'
    return f"{opening}{h(what)}</summary>\n{inner}</details>\n"


def _plan_counts(plan: Plan) -> str:
    if not plan.changes:
        return "no changes"
    c = Counter(change.action.value for change in plan.changes)
    words = [f"{c['create']} to add", f"{c['update']} to change", f"{c['delete']} to destroy"]
    words += [f"{c[action]} {word}" for action, word in OPTIONAL_WORDS if c[action]]
    return ", ".join(words)


def _notes(plan: Plan) -> str:
    kinds = Counter(item.kind for item in plan.unmanaged)
    items = [f"Unmanaged {kind}: {n} (left alone)" for kind, n in sorted(kinds.items())]
    items += [f"Conflict: {text}" for text in plan.conflicts]
    items += [f"Warning: {text}" for text in plan.warnings]
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{h(item)}</li>" for item in items) + "</ul>\n"


def _anchor(ref: OwnerRef) -> str:
    return h("plan-" + quote(ref.address, safe=""))


def _time(at: datetime | None) -> str:
    if at is None:
        return ""
    iso = at.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f'<time datetime="{h(iso)}">{h(at.strftime("%Y-%m-%d %H:%M:%S UTC"))}</time>'
