"""Upload URLs are percent-encoded like JavaScript's encodeURI (what netlify-cli sends and Netlify decodes)."""

from __future__ import annotations

import pytest

from reconciler.deploy.upload import encode_uri

# Expected values are what `encodeURI(path)` returns in Node.
CASES = [
    ("index.html", "index.html"),
    ("with space/file name.txt", "with%20space/file%20name.txt"),
    ("\u00fcml\u00e4ut.txt", "%C3%BCml%C3%A4ut.txt"),
    ("emoji/\U0001f600.png", "emoji/%F0%9F%98%80.png"),
    ("100%.html", "100%25.html"),
    ("a+b&c,d;e=f@g$h:i!j'k(l)m*n~o.txt", "a+b&c,d;e=f@g$h:i!j'k(l)m*n~o.txt"),
    ("-_.txt", "-_.txt"),
    ("brackets[1].txt", "brackets%5B1%5D.txt"),
    ('quote"lt<gt>.txt', "quote%22lt%3Cgt%3E.txt"),
    ("back`tick{x}|y^z.txt", "back%60tick%7Bx%7D%7Cy%5Ez.txt"),
    ("tab\there", "tab%09here"),
]


@pytest.mark.parametrize(("path", "encoded"), CASES)
def test_encode_uri_matches_javascript(path: str, encoded: str) -> None:
    assert encode_uri(path) == encoded
