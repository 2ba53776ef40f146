"""Identifiers shaped like Netlify's, so clients that sniff them (length, charset) behave as in production."""

from __future__ import annotations

import hashlib
import secrets
import uuid

_ADJECTIVES = (
    "amber brave calm clever cosmic dapper eager fancy gentle glowing golden happy jolly keen lively "
    "lucky magical merry nimble peaceful polite quiet rad serene shiny silly sparkly stellar sunny "
    "swift tranquil vibrant wise zesty"
)
_NOUNS = (
    "alpaca badger banana biscuit cactus cobbler croissant dolphin dragon falcon fox gecko griffin "
    "hedgehog heron koala lamington llama macaron meerkat narwhal otter panda pegasus puffin quokka "
    "raccoon salamander sundae taffy toucan unicorn walrus zebra"
)


def account_id() -> str:
    """24 lowercase hex characters, like Netlify's account and user ids (Mongo ObjectIds)."""
    return secrets.token_hex(12)


def uuid4() -> str:
    """Site ids and env value ids are UUIDv4 strings on Netlify."""
    return str(uuid.uuid4())


def site_name() -> str:
    """A random `adjective-noun-1a2b3c` name, as Netlify generates when none is given."""
    return f"{_pick(_ADJECTIVES)}-{_pick(_NOUNS)}-{secrets.token_hex(3)}"


def _pick(words: str) -> str:
    return secrets.choice(words.split(" "))


def token_digest(token: str) -> str:
    """Tokens are stored only as digests, so the database file never holds a usable credential."""
    return hashlib.sha256(token.encode()).hexdigest()
