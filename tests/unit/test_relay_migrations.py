"""The relay database's numbered migrations: an old database is copied, then brought
to today's schema in one transaction; a newer one is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from backend.relay.store import RELAY_MIGRATIONS, SCHEMA_VERSION, RelayStore


def _version_1(path: Path) -> None:
    """The relay's first schema, as the first relays created it (no modes, no senders)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript('''
            CREATE TABLE relay_event (seq INTEGER NOT NULL PRIMARY KEY,
                provider VARCHAR(32) NOT NULL, dedup_key TEXT NOT NULL, event_type TEXT NOT NULL,
                payload TEXT NOT NULL, signature TEXT NOT NULL, received_at REAL NOT NULL);
            CREATE UNIQUE INDEX event_provider_dedup_key ON relay_event (provider, dedup_key);
            CREATE TABLE relay_kiosk (name VARCHAR(64) NOT NULL PRIMARY KEY,
                token_hash VARCHAR(64) NOT NULL UNIQUE, created_at REAL NOT NULL,
                last_seen_at REAL, revoked_at REAL);
            CREATE TABLE relay_meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO relay_meta VALUES ('schema_version', '1');
        ''')
        body = {"id": "evt_old", "type": "checkout.session.completed", "livemode": False,
                "data": {"object": {"id": "cs_test_old", "livemode": False}}}
        conn.execute("INSERT INTO relay_event (provider, dedup_key, event_type, payload, "
                     "signature, received_at) VALUES ('stripe', 'evt_old', 'x', ?, 's', 1.0)",
                     (json.dumps(body),))
        conn.execute("INSERT INTO relay_kiosk VALUES ('lobby', 'h', 1.0, NULL, NULL)")
    conn.close()


def test_migrations_are_numbered_one_per_version() -> None:
    assert len(RELAY_MIGRATIONS) + 1 == SCHEMA_VERSION


def test_an_old_database_is_copied_then_migrated(tmp_path: Path) -> None:
    path = tmp_path / "relay.sqlite3"
    _version_1(path)
    store = RelayStore(f"sqlite:///{path}", max_connections=2)
    try:
        store.ensure_schema()
        assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
        event = store.fetch_after(0, 10).events[0]
        assert (event.dedup_key, event.mode) == ("evt_old", "test")  # backfilled from livemode
        assert store.list_kiosks()[0].name == "lobby"
    finally:
        store.close()
    backup = sqlite3.connect(tmp_path / "relay.sqlite3.schema-1.bak")
    assert backup.execute("SELECT value FROM relay_meta").fetchone() == ("1",)
    assert backup.execute("SELECT COUNT(*) FROM relay_event").fetchone() == (1,)
    backup.close()


def test_a_current_database_is_not_copied(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/relay.sqlite3"
    for _ in range(2):
        store = RelayStore(url, max_connections=2)
        store.ensure_schema()
        store.close()
    assert not list(tmp_path.glob("*.bak"))


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/relay.sqlite3"
    store = RelayStore(url, max_connections=2)
    store.ensure_schema()
    store.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    store.close()
    store = RelayStore(url, max_connections=2)
    try:
        with pytest.raises(RuntimeError, match="Upgrade the relay"):
            store.ensure_schema()
    finally:
        store.close()
