"""Kiosk bearer tokens: shown once, stored only as a SHA-256 hash.

A token is 32 random bytes, so a plain (unsalted, fast) hash is enough: there
is nothing to brute-force, and the hash lets the relay find the kiosk with one
indexed lookup. A stolen relay database therefore yields no usable token.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from backend.result import UserError

if TYPE_CHECKING:
    # Loaded by the functions that open a store: `charter-kiosk --demo` makes its relay
    # token with new_token() before the relay (and its database code) has loaded.
    from backend.relay.store import KioskInfo, RelayStore

TOKEN_PREFIX = "ckr_"  # recognisable in a leaked-secret scan, like Stripe's sk_/whsec_
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UserError(
            "A kiosk name is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit; {name!r} is not."
        )
    return name


@contextmanager
def _opened(store: RelayStore | str | None) -> Iterator[RelayStore]:
    # A database URL (or None: the default file) is opened just for the call.
    from backend.relay.store import RelayStore

    if isinstance(store, RelayStore):
        yield store
        return
    opened = RelayStore(store, max_connections=2)
    try:
        yield opened
    finally:
        opened.close()


def add_kiosk(store: RelayStore | str | None, name: str, mode: str = "test", *,
              token: str | None = None) -> str:
    """Register `name` for one mode and return its new token (the only time it is ever
    visible). The relay stamps the kiosk's staff actions with this name and mode.

    `store` is a `RelayStore` or a relay database URL. `token`: one made beforehand with
    new_token() (the demo hands it to its kiosk before its relay has started).
    """
    from backend.relay.store import KioskExists

    check_name(name)
    if mode not in ("test", "live"):
        raise UserError(f"A kiosk's mode is 'test' or 'live', not {mode!r}.")
    if token is None:
        token = new_token()
    elif not token.startswith(TOKEN_PREFIX) or len(token) < len(TOKEN_PREFIX) + 32:
        raise UserError("A kiosk token comes from new_token().")
    with _opened(store) as opened:
        try:
            opened.add_kiosk(name, hash_token(token), mode)
        except KioskExists as exc:
            raise UserError(str(exc)) from None
    return token


def revoke_kiosk(store: RelayStore | str | None, name: str) -> bool:
    """True when an active kiosk was revoked; False when there was none by that name."""
    with _opened(store) as opened:
        return opened.revoke_kiosk(check_name(name))


def list_kiosks(store: RelayStore | str | None) -> list[KioskInfo]:
    with _opened(store) as opened:
        return opened.list_kiosks()


def kiosk_for_token(store: RelayStore, token: str) -> str | None:
    if not token or len(token) > 200:
        return None
    return store.kiosk_for_token_hash(hash_token(token))


def kiosk_identity(store: RelayStore, token: str) -> tuple[str, str | None] | None:
    """(name, mode) of the active kiosk holding `token`, or None."""
    if not token or len(token) > 200:
        return None
    return store.identity_for_token_hash(hash_token(token))
