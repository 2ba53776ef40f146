"""How the client reaches the API: directly on one keep-alive connection per thread, or through the proxy the
environment names (read once, when the client is made); never with credentials from a netrc file. "The
proxy" is a small forwarding proxy on loopback that records what passes through it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from reconciler.emulator.server import EmulatorServer
from reconciler.netlify.client import NetlifyClient
from reconciler.netlify.transport import direct
from tests.support.proxy import ForwardingProxy, forwarding_proxy

TOKEN = "test-token"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy")
PROXY_VARIABLES += ("all_proxy", "no_proxy")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    return monkeypatch


def test_without_a_proxy_the_client_sends_directly(
    emulator: EmulatorServer, clean_environment: pytest.MonkeyPatch
) -> None:
    with forwarding_proxy() as proxy:
        clean_environment.setenv("HTTPS_PROXY", proxy)  # another scheme's proxy: not for this http URL
        assert direct(emulator.url)
        with NetlifyClient(emulator.url, TOKEN) as client:
            created = client.request("POST", "/sites", json={"name": "direct-one"}).json()
            assert client.get(f"/sites/{created['id']}")["name"] == "direct-one"
        assert ForwardingProxy.seen == []


def test_the_proxy_the_environment_names_carries_every_call(
    emulator: EmulatorServer, clean_environment: pytest.MonkeyPatch
) -> None:
    with forwarding_proxy() as proxy:
        clean_environment.setenv("HTTP_PROXY", proxy)
        assert not direct(emulator.url)
        with NetlifyClient(emulator.url, TOKEN) as client:
            created = client.request("POST", "/sites", json={"name": "proxied-one"}).json()
            assert client.get(f"/sites/{created['id']}")["name"] == "proxied-one"
        methods = [(method, urlsplit(url).path) for method, url, _ in ForwardingProxy.seen]
        assert methods == [("POST", "/api/v1/sites"), ("GET", f"/api/v1/sites/{created['id']}")]
        assert all(
            headers.get("Authorization") == f"Bearer {TOKEN}" for _, _, headers in ForwardingProxy.seen
        )


def test_no_proxy_excludes_the_api_host(
    emulator: EmulatorServer, clean_environment: pytest.MonkeyPatch
) -> None:
    with forwarding_proxy() as proxy:
        clean_environment.setenv("HTTP_PROXY", proxy)
        clean_environment.setenv("NO_PROXY", "127.0.0.1,localhost")
        assert direct(emulator.url)
        with NetlifyClient(emulator.url, TOKEN) as client:
            assert client.get("/sites") == []
        assert ForwardingProxy.seen == []


@pytest.mark.parametrize("through_proxy", [False, True])
def test_a_netrc_entry_for_the_api_host_never_replaces_the_token(
    emulator: EmulatorServer, clean_environment: pytest.MonkeyPatch, tmp_path: Path, through_proxy: bool
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    clean_environment.setenv("NETRC", str(netrc))
    with forwarding_proxy() as proxy:
        if through_proxy:
            clean_environment.setenv("HTTP_PROXY", proxy)
        with NetlifyClient(emulator.url, TOKEN) as client:
            assert client.get("/sites") == []  # the emulator answers 401 to any other credential
        assert len(ForwardingProxy.seen) == int(through_proxy)
        assert all(headers["Authorization"] == f"Bearer {TOKEN}" for _, _, headers in ForwardingProxy.seen)


def test_the_environment_is_read_when_the_client_is_made_not_per_call(
    emulator: EmulatorServer, clean_environment: pytest.MonkeyPatch
) -> None:
    with NetlifyClient(emulator.url, TOKEN) as client, forwarding_proxy() as proxy:
        clean_environment.setenv("HTTP_PROXY", proxy)  # too late for this client
        assert client.get("/sites") == []
        assert ForwardingProxy.seen == []
