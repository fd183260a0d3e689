"""The feed under a storm of kiosks: token checks from memory, "last seen" written in
batches, and revocation that reaches open long-polls (issue 12, items 3 and 4)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backend.relay import tokens
from backend.relay.server import RelayServer
from tests.support.relay import STRIPE_SECRET, stripe_event, stripe_headers


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "relay.sqlite3"


@pytest.fixture
def server(db: Path) -> Iterator[RelayServer]:
    with RelayServer(f"sqlite:///{db}", stripe_secrets=[STRIPE_SECRET]) as relay:
        yield relay


def _revoke_behind_its_back(db: Path, name: str) -> None:
    """What `charter-kiosk relay revoke` in another process does to the database."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE relay_kiosk SET revoked_at = ? WHERE name = ?", (time.time(), name))
    conn.close()


class _SqlCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg: Any = record.msg
        self.statements.append(str(msg[0] if isinstance(msg, tuple) else msg))


def test_polls_check_tokens_from_memory_and_write_no_last_seen(server: RelayServer,
                                                               db: Path) -> None:
    names = [f"kiosk-{i}" for i in range(30)]
    issued = {name: tokens.add_kiosk(server.relay.store, name) for name in names}
    counter = _SqlCounter()
    peewee_log = logging.getLogger("peewee")
    level = peewee_log.level
    peewee_log.addHandler(counter)
    peewee_log.setLevel(logging.DEBUG)
    try:
        with requests.Session() as http:
            for _ in range(3):
                for token in issued.values():
                    answer = http.get(f"{server.url}/v1/events?after=0",
                                      headers={"Authorization": f"Bearer {token}"}, timeout=5)
                    assert answer.status_code == 200
    finally:
        peewee_log.removeHandler(counter)
        peewee_log.setLevel(level)
    # 90 polls: no token lookup and no write each (before: 90 lookups and 30 UPDATEs).
    lookups = [s for s in counter.statements if "token_hash" in s and "WHERE" in s]
    writes = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(lookups) <= 2, lookups
    assert writes == []
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM relay_kiosk WHERE last_seen_at IS NOT NULL"
                        ).fetchone()[0] == 0
    conn.close()
    server.stop()  # last seen is written in one batch (here: at shutdown)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM relay_kiosk WHERE last_seen_at IS NOT NULL"
                        ).fetchone()[0] == len(names)
    conn.close()


def test_revocation_by_another_process_reaches_the_next_poll_within_a_second(
        server: RelayServer, db: Path) -> None:
    token = tokens.add_kiosk(server.relay.store, "kiosk-r")
    auth = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http:
        assert http.get(f"{server.url}/v1/events", headers=auth, timeout=5).status_code == 200
        _revoke_behind_its_back(db, "kiosk-r")
        time.sleep(1.0)
        assert http.get(f"{server.url}/v1/events", headers=auth, timeout=5).status_code == 401


@pytest.mark.parametrize("how", ["this process", "another process"])
def test_revocation_ends_an_open_long_poll_within_a_second(server: RelayServer, db: Path,
                                                           how: str) -> None:
    token = tokens.add_kiosk(server.relay.store, "kiosk-w")
    other = tokens.add_kiosk(server.relay.store, "kiosk-other")
    answers: dict[str, tuple[int, float]] = {}

    def poll(name: str, token: str) -> None:
        with requests.Session() as http:
            answer = http.get(f"{server.url}/v1/events?after=0&wait=10",
                              headers={"Authorization": f"Bearer {token}"}, timeout=15)
            answers[name] = (answer.status_code, time.monotonic())

    threads = [threading.Thread(target=poll, args=(n, t))
               for n, t in (("revoked", token), ("other", other))]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    revoked_at = time.monotonic()
    if how == "this process":
        tokens.revoke_kiosk(server.relay.store.url, "kiosk-w")
    else:
        _revoke_behind_its_back(db, "kiosk-w")
    threads[0].join(5)
    assert "revoked" in answers, "the revoked kiosk's long-poll is still open"
    status, at = answers["revoked"]
    assert status == 401
    assert at - revoked_at < 1.0
    assert "other" not in answers  # another kiosk's poll is still held...
    body = stripe_event("evt_after_revoke")
    requests.post(f"{server.url}/v1/webhooks/stripe", data=body, headers=stripe_headers(body),
                  timeout=5).raise_for_status()
    threads[1].join(5)
    assert answers["other"][0] == 200  # ...and gets the next event
