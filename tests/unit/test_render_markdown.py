"""The Markdown plan: escaped so no value can break the comment, masked, and bounded in size."""

from __future__ import annotations

import re

import pytest

from reconciler.model.change import ABSENT, KNOWN_AFTER_APPLY, Action, Change, FieldChange
from reconciler.model.owner import OwnerRef
from reconciler.model.sensitive import MASK, UNREADABLE, Sensitive
from reconciler.plan.model import Plan, Unmanaged
from reconciler.plan.render_markdown import code, escape, render_markdown
from reconciler.plan.render_text import render_text

SITE = OwnerRef("site", "demo-docs")
TEAM = OwnerRef("team", "acme")
HOSTILE = "<script>alert(1)</script> a|b ```x``` & $m$ *em* _u_ [l](http://x) \\| ~~s~~"
ALLOWED_TAGS = {"details", "summary", "code", "br"}


def _split(markdown: str) -> tuple[list[str], str]:
    """(contents of fenced code blocks, everything outside them), following CommonMark's fence rules."""
    fences: list[str] = []
    outside: list[str] = []
    current: list[str] | None = None
    width = 0
    for line in markdown.split("\n"):
        if current is None:
            opening = re.match(r"^(`{3,})([^`]*)$", line)
            if opening:
                current, width = [], len(opening.group(1))
            else:
                outside.append(line)
        elif re.match(rf"^`{{{width},}}\s*$", line):
            fences.append("\n".join(current))
            current = None
        else:
            current.append(line)
    assert current is None, "a code fence is never closed"
    return fences, "\n".join(outside)


def _check_well_formed(markdown: str) -> tuple[list[str], str]:
    """Fences pair up, only our own tags appear outside them, and every table row has its cells."""
    fences, outside = _split(markdown)
    tags = {m.group(1).lower() for m in re.finditer(r"</?([a-zA-Z][a-zA-Z0-9]*)", outside)}
    assert tags <= ALLOWED_TAGS, tags
    assert outside.count("<details>") == outside.count("</details>")
    assert "`" not in outside
    table = [line for line in outside.split("\n") if line.startswith("|")]
    if table:
        columns = table[0].count("|")
        assert all(line.count("|") == columns for line in table), table
    return fences, outside


def _plan() -> Plan:
    return Plan(
        changes=[
            Change(
                TEAM,
                "env",
                "STRIPE_KEY",
                Action.CREATE,
                after={
                    "secret": True,
                    "values": {"production": Sensitive("PLANTED-1"), "dev": Sensitive("PLANTED-2")},
                },
            ),
            Change(
                SITE,
                "env",
                "API_URL",
                Action.UPDATE,
                {"values": {"production": "old-plain-value", "dev": "d"}},
                {"values": {"production": Sensitive("PLANTED-3"), "dev": HOSTILE}},
                [
                    FieldChange(("values", "dev"), "d", HOSTILE),
                    FieldChange(("values", "production"), "old-plain-value", Sensitive("PLANTED-3")),
                ],
            ),
            Change(
                SITE,
                "build_hooks",
                "nightly",
                Action.CREATE,
                after={"branch": "main", "url": KNOWN_AFTER_APPLY},
            ),
            Change(
                SITE,
                "snippets",
                "a`b|c",
                Action.DELETE,
                before={"html": "<b>x</b>", "tags": {Sensitive("PLANTED-4")}},
                note="not declared\n```\n</details>",
            ),
            Change(
                SITE,
                "site",
                "demo-docs",
                Action.UPDATE,
                {"password": UNREADABLE, "list": ["x"]},
                {"password": Sensitive("PLANTED-5"), "list": ["x", Sensitive("PLANTED-6")]},
                [
                    FieldChange(("list",), ["x"], ["x", Sensitive("PLANTED-6")]),
                    FieldChange(("password",), UNREADABLE, Sensitive("PLANTED-5")),
                ],

                owner_itself=True,
            ),
        ],
        unmanaged=[
            Unmanaged(SITE, "env", "FOO"),
            Unmanaged(SITE, "env", "BAR"),
            Unmanaged(OwnerRef("site", "x|y"), "hooks", "h"),
        ],
        conflicts=["two hooks <b>share</b> one `identity`"],
        warnings=["line one\nline two | with pipe"],
    )


def test_escape_makes_markdown_and_html_inert():
    assert escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape("a|b") == "a&#124;b"
    assert escape("```") == "&#96;&#96;&#96;"
    assert escape("&lt;") == "&amp;lt;"  # an entity in a value shows as typed
    assert escape("a\r\nb\nc") == "a<br>b<br>c"
    assert (
        escape("$x$ *y* _z_ [l](u) \\ ~s~ #")
        == "&#36;x&#36; &#42;y&#42; &#95;z&#95; &#91;l&#93;(u) &#92; &#126;s&#126; &#35;"
    )
    assert escape("- item") == "&#45; item"
    assert escape("1. item") == "&#49;. item"
    assert escape("    code") == "&#32;   code"
    assert code("a|b") == "<code>a&#124;b</code>"


def test_hostile_values_do_not_break_the_comment():
    markdown = render_markdown(_plan())
    fences, outside = _check_well_formed(markdown)
    assert "<script" not in outside and "<b>" not in outside
    body = "\n".join(fences)
    # Inside a fence the value is shown literally, and the fence outlasts its backticks.
    assert HOSTILE in body or '"d" → ' + '"' + HOSTILE.replace("\\", "\\\\") + '"' in body
    assert "</details>" in body  # the note's text stayed inside the fence
    assert "two hooks &lt;b&gt;share&lt;/b&gt; one &#96;identity&#96;" in outside
    assert "line one<br>line two &#124; with pipe" in outside
    assert "<code>site.x&#124;y</code>" in outside


def test_newlines_in_values_stay_on_one_line():
    change = Change(SITE, "snippets", "s", Action.CREATE, after={"html": "<p>\n</p>"})
    (fence,), _ = _check_well_formed(render_markdown(Plan([change])))
    assert '+     html = "<p>\\n</p>"' in fence.split("\n")


def test_planted_secrets_never_appear_and_both_sides_of_a_secret_field_are_masked():
    markdown = render_markdown(_plan())
    for n in range(1, 7):
        assert f"PLANTED-{n}" not in markdown
    assert "old-plain-value" not in markdown
    assert f"~     values.production = {MASK} (changed)" in markdown
    assert f"~     list     = {MASK} (changed)" in markdown
    assert f"+     values.dev        = {MASK}" in markdown


def test_summary_table_has_a_row_per_owner_with_counts():
    _, outside = _check_well_formed(render_markdown(_plan()))
    rows = [line for line in outside.split("\n") if line.startswith("|")]
    assert rows[0] == "| Owner | Add (+) | Change (~) | Destroy (-) | Unmanaged |"
    assert rows[2:] == [
        "| <code>team.acme</code> | 1 | 0 | 0 | 0 |",
        "| <code>site.demo-docs</code> | 1 | 2 | 1 | 2 |",
        "| <code>site.x&#124;y</code> | 0 | 0 | 0 | 1 |",
        "| **Total** | 2 | 2 | 1 | 3 |",
    ]


def test_sections_per_owner_then_unmanaged_conflicts_warnings():
    markdown = render_markdown(_plan())
    assert markdown.startswith(
        "## netlify-reconciler plan\n\n**Plan: 2 to add, 2 to change, 1 to destroy.**\n"
    )
    assert (
        "<details><summary><code>team.acme</code>: 1 to add, 0 to change, 0 to destroy</summary>" in markdown
    )
    assert (
        "<details><summary><code>site.demo-docs</code>: 1 to add, 2 to change, 1 to destroy</summary>"
        in markdown
    )
    assert "- <code>site.demo-docs</code> env: 2" in markdown
    positions = [markdown.index(h) for h in ("<details>", "### Unmanaged", "### Conflicts", "### Warnings")]
    assert positions == sorted(positions)
    assert "+ site.demo-docs.build_hooks.nightly  (create)" in markdown
    assert "+     url    = (known after apply)" in markdown
    assert "Plan truncated" not in markdown


def test_empty_plan_says_no_changes():
    markdown = render_markdown(Plan(), title="Plan for <main>")
    assert markdown == "## Plan for &lt;main&gt;\n\n**No changes. Live state matches the manifests.**\n"


def _big_plan(owners: int, per_owner: int) -> Plan:
    changes = [
        Change(
            OwnerRef("site", f"site-{o:03d}"),
            "env",
            f"VAR_{n:04d}",
            Action.UPDATE if n % 2 else Action.CREATE,
            {"values": {"all": "old"}},
            {"values": {"all": f"value {n} <&> | `"}},
            [FieldChange(("values", "all"), "old", f"value {n} <&> | `")],
        )
        for o in range(owners)
        for n in range(per_owner)
    ]
    return Plan(changes, conflicts=["a conflict that must survive truncation"])


@pytest.mark.parametrize(("owners", "per_owner"), [(50, 100), (1, 5000)])
def test_a_large_plan_is_cut_to_size_with_the_table_intact(owners, per_owner):
    plan = _big_plan(owners, per_owner)
    markdown = render_markdown(plan)
    assert len(markdown) <= 60000
    fences, outside = _check_well_formed(markdown)
    shown = sum(1 for fence in fences for line in fence.split("\n") if re.match(r"^[+~] site\.", line))
    assert 0 < shown < 5000
    assert f"Plan truncated: {shown} of 5000 changes shown. See the full plan in the job log." in markdown
    rows = [line for line in outside.split("\n") if line.startswith("| <code>site.site-")]
    assert len(rows) == owners
    assert "a conflict that must survive truncation" in markdown


def test_the_hint_replaces_the_default_text():
    markdown = render_markdown(_big_plan(1, 500), max_chars=5000, full_plan_hint="Full plan: job <42>.")
    assert len(markdown) <= 5000
    assert markdown.rstrip().endswith("changes shown. Full plan: job &lt;42&gt;.")


def test_a_table_too_large_for_the_budget_loses_rows_not_its_shape():
    markdown = render_markdown(_big_plan(3000, 1), max_chars=20000)
    assert len(markdown) <= 20000
    _, outside = _check_well_formed(markdown)
    more = re.search(r"^\| … (\d+) more owners \|", outside, re.MULTILINE)
    assert more is not None
    rows = [line for line in outside.split("\n") if line.startswith("| <code>site.site-")]
    assert len(rows) + int(more.group(1)) == 3000
    assert "| **Total** | 3000 | 0 | 0 | 0 |" in outside
    assert "Plan truncated: 0 of 3000 changes shown." in markdown


@pytest.mark.parametrize("max_chars", [300, 1000, 2500, 7000])
def test_every_budget_is_respected(max_chars):
    markdown = render_markdown(_plan(), max_chars=max_chars)
    assert len(markdown) <= max_chars
    _check_well_formed(markdown)


def test_a_budget_below_the_summary_is_refused():
    with pytest.raises(ValueError, match="max_chars"):
        render_markdown(_plan(), max_chars=100)


def test_one_huge_value_does_not_push_out_the_other_changes():
    huge = Change(SITE, "snippets", "big", Action.CREATE, after={"html": "x" * 200_000})
    small = Change(SITE, "snippets", "small", Action.CREATE, after={"html": "y"})
    markdown = render_markdown(Plan([huge, small]))
    assert len(markdown) < 5000
    assert "(199" in markdown and "more characters)" in markdown
    assert "+ site.demo-docs.snippets.small  (create)" in markdown
    assert "Plan truncated" not in markdown


def test_names_with_control_characters_cannot_forge_plan_lines():
    """A deployed file may be named with a newline, an escape sequence or a bidi override: the text and
    Markdown plans show them escaped, one file on one line."""
    forged = "z\n```\n\n**Plan: nothing to change, safe to merge**\x1b[2K\u202e"
    deploy = Change(SITE, "deploy", "deploy", Action.DEPLOY, fields=[FieldChange(("files", forged), ABSENT, "ab12")])
    plan = Plan(changes=[deploy])
    text = render_text(plan)
    (line,) = [line for line in text.split("\n") if "files.z" in line]
    assert line == '      + files.z\\n```\\n\\n**Plan: nothing to change, safe to merge**\\x1b[2K\\u202e = "ab12"'
    assert not any(line.startswith("**Plan") for line in text.split("\n"))
    fences, _ = _check_well_formed(render_markdown(plan))
    assert "files.z\\n```\\n\\n**Plan" in fences[0] and "\x1b" not in fences[0] and "\u202e" not in fences[0]
