"""A DNS record's value is checked for its type before anything is sent (`${...}` there: test_manifest_literals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.model.errors import ManifestError
from reconciler.session import load_and_check


def _load(tmp_path: Path, record: str, environ: dict[str, str] | None = None) -> list[str]:
    """The messages of the issues found in a zone holding `record` (none: it loads)."""
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "version: 1\nteams:\n  acme:\n    dns_zones:\n      acme.dev:\n        records:\n"
        f"          - {record}\n"
    )
    try:
        load_and_check(manifest, environ or {})
    except ManifestError as error:
        return [issue.message for issue in error.issues]
    return []


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("{hostname: a.acme.dev, type: A, value: not-an-ip}", "an A record's value must be an IPv4 address"),
        ("{hostname: a.acme.dev, type: A, value: '2001:db8::1'}", "must be an IPv4 address such as"),
        ("{hostname: a.acme.dev, type: A, value: 192.0.2.256}", "not '192.0.2.256'"),
        ("{hostname: a.acme.dev, type: A, value: 192.0.2}", "not '192.0.2'"),
        ("{hostname: a.acme.dev, type: AAAA, value: 192.0.2.1}", "an AAAA record's value must be an IPv6"),
        ("{hostname: a.acme.dev, type: CNAME, value: 192.0.2.1}", "not an IP address (192.0.2.1)"),
        (
            "{hostname: a.acme.dev, type: CNAME, value: 'two words.example'}",
            "a CNAME record's value must be a",
        ),
        ("{hostname: acme.dev, type: MX, value: mx..example.com, priority: 1}", "an MX record's value must"),
        ("{hostname: a.acme.dev, type: NS, value: -ns.example.com}", "an NS record's value must be a host"),
        ("{hostname: acme.dev, type: ALIAS, value: 'lb.example.com/x'}", "an ALIAS record's value must be"),
    ],
)
def test_a_value_its_type_cannot_hold_is_refused(tmp_path: Path, record: str, message: str) -> None:
    (found,) = _load(tmp_path, record)
    assert message in found


@pytest.mark.parametrize(
    "record",
    [
        "{hostname: a.acme.dev, type: A, value: 192.0.2.1}",
        "{hostname: a.acme.dev, type: A, value: 198.18.0.037}",  # zero-padded: not certainly wrong
        "{hostname: a.acme.dev, type: AAAA, value: '2001:DB8::1'}",
        "{hostname: a.acme.dev, type: CNAME, value: acme-docs.netlify.app.}",  # a final dot is allowed
        "{hostname: a.acme.dev, type: CNAME, value: s1._domainkey.mail.example}",
        "{hostname: acme.dev, type: MX, value: mx1.mail.example, priority: 10}",
        "{hostname: acme.dev, type: ALIAS, value: apex-loadbalancer.netlify.com}",
        "{hostname: acme.dev, type: TXT, value: 'v=spf1 include:_spf.mail.example ~all'}",
        "{hostname: acme.dev, type: CAA, flag: 0, tag: issue, value: letsencrypt.org}",
        "{hostname: _sip._tcp.acme.dev, type: SRV, value: sip.acme.dev, priority: 0, weight: 0, port: 5060}",
        "{hostname: _imap._tcp.acme.dev, type: SRV, value: ., priority: 0, weight: 0, port: 0}",  # no service
    ],
)
def test_values_fit_for_their_type_load(tmp_path: Path, record: str) -> None:
    assert _load(tmp_path, record) == []


def test_export_leaves_out_a_record_type_manifests_cannot_declare() -> None:
    """A type Netlify may add later is named as not exported, instead of an export that cannot load."""
    from reconciler.manifest.model import Owner
    from reconciler.model.objects import LiveObject
    from reconciler.resources.dns_records import DnsRecordsKind, normalise, record_identity

    live = {}
    for raw in (
        {"hostname": "acme.dev", "type": "A", "value": "192.0.2.1"},
        {"hostname": "acme.dev", "type": "HTTPS", "value": "1 . alpn=h2"},
    ):
        record = normalise(raw)
        live[record_identity("acme.dev", record)] = LiveObject(
            record_identity("acme.dev", record), record, {"zone": "acme.dev"}
        )
    exported = DnsRecordsKind().export(live, Owner("team", "acme", {}, ("teams", "acme")))
    assert [r["type"] for r in exported.fields["dns_zones"]["acme.dev"]["records"]] == ["A"]
    assert exported.unexpressed == [
        "team.acme.dns_records.acme.dev/acme.dev/HTTPS/1 . alpn=h2: a record type manifests cannot declare"
    ]


def test_the_types_export_writes_are_the_types_the_schema_lists() -> None:
    from reconciler.manifest.schema import manifest_schema
    from reconciler.resources.dns_records import RECORD_TYPES

    listed = manifest_schema()["$defs"]["dnsRecord"]["properties"]["type"]["enum"]
    assert sorted(listed) == sorted(RECORD_TYPES)
