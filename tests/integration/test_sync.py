"""Kiosk sync against a real relay (uvicorn on loopback) and the real ledger on SQLite."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from backend import charter, ledger
from backend.models import Donation, SyncCursor
from backend.relay import tokens
from backend.relay.app import MAX_LIMIT
from backend.relay.server import RelayServer
from backend.relay.store import IngestItem
from backend.settings import write_settings
from backend.sync import BACKOFF_MAX_SECONDS, BATCH_LIMIT, RelaySync, SyncError, retry_delay
from tests.support.paths import REPO
from tests.support.relay import (
    NOWPAYMENTS_SECRET,
    STRIPE_SECRET,
    nowpayments_headers,
    nowpayments_ipn,
    stripe_event,
    stripe_headers,
)

ROOT = REPO
CAMPAIGN = {"campaign": {"id": "gala", "currency": "usd"}, "kiosk": {"id": "kiosk-a"}}


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayServer]:
    with RelayServer(f"sqlite:///{tmp_path}/relay.sqlite3", stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets=[NOWPAYMENTS_SECRET]) as server:
        yield server


@pytest.fixture
def token(relay: RelayServer) -> str:
    write_settings(CAMPAIGN)
    return tokens.add_kiosk(relay.relay.store, "kiosk-a")


def card_session(amount: int, *, session_id: str | None = None, campaign: str = "gala",
                 paid: bool = True) -> dict[str, Any]:
    return {
        "id": session_id or f"cs_test_{uuid.uuid4().hex}",
        "object": "checkout.session",
        "status": "complete" if paid else "open",
        "payment_status": "paid" if paid else "unpaid",
        "amount_total": amount,
        "currency": "usd",
        "metadata": {"campaign_id": campaign, "kiosk_id": "website"},
        "payment_intent": f"pi_{uuid.uuid4().hex}",
        "livemode": False,
    }


def send_card(relay: RelayServer, session: dict[str, Any], event_id: str | None = None) -> None:
    body = stripe_event(event_id, "checkout.session.completed", session)
    answer = requests.post(f"{relay.url}/v1/webhooks/stripe", data=body,
                           headers=stripe_headers(body), timeout=5)
    assert answer.status_code == 200, answer.text


def crypto_ipn(payment_id: int, price: str = "12.50", status: str = "finished") -> bytes:
    return nowpayments_ipn(payment_id=payment_id, status=status, price_amount=price,
                           price_currency="usd", order_id="gala/kiosk-b/intent-x",
                           pay_amount="0.0002", actually_paid="0.0002")


def send_crypto(relay: RelayServer, body: bytes) -> None:
    answer = requests.post(f"{relay.url}/v1/webhooks/nowpayments", data=body,
                           headers=nowpayments_headers(body), timeout=5)
    assert answer.status_code == 200, answer.text


def total() -> int:
    result = charter.get_cumulative_total()
    assert result["success"], result
    return int(result["data"]["total_minor"])


def catch_up(sync: RelaySync) -> int:
    applied = 0
    while True:
        n = sync.poll_once(0)
        applied += n
        if n == 0:
            return applied


def test_sync_applies_a_batch_and_its_cursor(relay: RelayServer, token: str) -> None:
    send_card(relay, card_session(2500))
    send_crypto(relay, crypto_ipn(1001, "12.50"))
    send_card(relay, card_session(9900, campaign="another-campaign"))  # not ours
    body = stripe_event(event_type="customer.created")  # unknown to the ledger
    requests.post(f"{relay.url}/v1/webhooks/stripe", data=body, headers=stripe_headers(body),
                  timeout=5)
    calls: list[int] = []
    sync = RelaySync(relay.url, token, on_applied=calls.append)

    assert sync.poll_once(0) == 4
    assert total() == 2500 + 1250
    assert calls == [4]
    assert SyncCursor.get(SyncCursor.relay_url == relay.url).last_seq == 4
    state = sync.state()
    assert state.connected and state.cursor == 4 and state.last_error is None
    assert state.last_event_age_s is not None and 0 <= state.last_event_age_s < 5
    assert state.lag_s is not None and state.lag_s < 5
    # Nothing new: the cursor holds, nothing is applied twice.
    assert sync.poll_once(0) == 0
    assert sync.state().lag_s == 0.0
    assert total() == 3750


def test_a_replayed_feed_counts_nothing_twice(relay: RelayServer, token: str) -> None:
    for amount in (1000, 2000, 3000):
        send_card(relay, card_session(amount))
    sync = RelaySync(relay.url, token)
    catch_up(sync)
    assert total() == 6000
    # Lose the cursor (a restored backup, say): the whole feed is applied again.
    SyncCursor.delete().execute()
    assert catch_up(RelaySync(relay.url, token)) == 3
    assert total() == 6000
    assert ledger.recomputed_totals()["total_minor"] == 6000


def test_a_failure_before_commit_keeps_neither_events_nor_cursor(
    relay: RelayServer, token: str
) -> None:
    send_card(relay, card_session(4200))
    send_card(relay, card_session(800))
    sync = RelaySync(relay.url, token)

    def crash(seq: int) -> None:
        raise RuntimeError("power cut between the ledger and the cursor")

    # On this instance only (monkeypatch.undo() would also undo the hermetic fixture).
    sync._store_cursor = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        sync.poll_once(0)
    assert total() == 0
    assert SyncCursor.get_or_none(SyncCursor.relay_url == relay.url) is None
    assert RelaySync(relay.url, token).poll_once(0) == 2
    assert total() == 5000


def test_poller_and_relay_reporting_one_payment_count_it_once(relay: RelayServer,
                                                              token: str) -> None:
    # Card: the kiosk's status poller sees the session paid first, the relay later.
    session = card_session(3000)
    ledger.apply_stripe_session(session, via="poller")
    assert total() == 3000
    send_card(relay, session, "evt_card_a")
    # The same payment again, as Stripe's retry of a new event id would send it.
    send_card(relay, session, "evt_card_b")
    # Crypto: the relay first, then the poller.
    ipn = crypto_ipn(2002, "20.00")
    send_crypto(relay, ipn)
    sync = RelaySync(relay.url, token)
    assert catch_up(sync) == 3
    ledger.apply_crypto_payment(json.loads(ipn), via="poller")
    assert total() == 3000 + 2000
    donations = list(Donation.select().order_by(Donation.id))
    assert [(d.source, d.via) for d in donations] == [("stripe", "poller"),
                                                      ("nowpayments", "relay")]


KIOSK_B = """
import json, sys
from backend import charter
from backend.sync import RelaySync
sync = RelaySync(sys.argv[1], sys.argv[2])
while sync.poll_once(0):
    pass
print(json.dumps(charter.get_cumulative_total()["data"]))
"""


def run_kiosk_b(home: Path, url: str, token: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("RELAY_TOKEN", "CHARTER_RELAY_URL")}
    env["CHARTER_KIOSK_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-c", KIOSK_B, url, token], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_two_kiosks_converge_on_the_same_total(relay: RelayServer, token: str,
                                               tmp_path: Path) -> None:
    home_b = tmp_path / "kiosk-b"
    home_b.mkdir()
    write_settings(CAMPAIGN, home_b / "kiosk.toml")
    token_b = tokens.add_kiosk(relay.relay.store, "kiosk-b")
    sessions = [card_session(100 * (i + 1)) for i in range(10)]
    for session in sessions[:5]:
        send_card(relay, session)
    send_crypto(relay, crypto_ipn(3003, "7.25"))
    sync_a = RelaySync(relay.url, token)
    catch_up(sync_a)
    first_b = run_kiosk_b(home_b, relay.url, token_b)
    assert first_b["total_minor"] == total() == 1500 + 725
    # More gifts, one of them reported twice and one refunded later.
    for session in sessions[5:]:
        send_card(relay, session)
    send_card(relay, sessions[7], "evt_repeat")
    refund = {"id": "ch_1", "object": "charge", "refunded": True,
              "payment_intent": sessions[0]["payment_intent"]}
    body = stripe_event("evt_refund", "charge.refunded", refund)
    requests.post(f"{relay.url}/v1/webhooks/stripe", data=body, headers=stripe_headers(body),
                  timeout=5)
    catch_up(sync_a)
    second_b = run_kiosk_b(home_b, relay.url, token_b)
    expected = sum(100 * (i + 1) for i in range(10)) - 100 + 725
    assert total() == expected
    assert second_b["total_minor"] == expected
    assert second_b["count"] == charter.get_cumulative_total()["data"]["count"]


def test_gap_continues_from_the_oldest_event_and_is_reported(relay: RelayServer,
                                                             token: str) -> None:
    store = relay.relay.store
    for amount in (100, 200, 300):
        send_card(relay, card_session(amount))
    sync = RelaySync(relay.url, token)
    assert sync.poll_once(0) == 3
    # The kiosk's cursor now points at a relay database that is gone: a fresh one
    # (seq restarts) holds newer gifts.
    store.drop_tables()
    store.ensure_schema()
    items = []
    for amount in (1000, 2000):
        session = card_session(amount)
        items.append(IngestItem("stripe", f"evt_{uuid.uuid4().hex}",
                                "checkout.session.completed",
                                stripe_event(None, "checkout.session.completed",
                                             session).decode(), ""))
    store.insert_batch(items)
    # Tokens went with the old database; this kiosk keeps its cursor (3).
    sync_z = RelaySync(relay.url, tokens.add_kiosk(store, "kiosk-a"))
    assert sync_z.poll_once(0) == 2
    state = sync_z.state()
    assert state.gaps == 1 and state.cursor == 2
    assert total() == 600 + 3000


@pytest.mark.slow
def test_long_backlog_is_applied_in_order(relay: RelayServer, token: str) -> None:
    # Two full batches, then a part of one: the cursor carries over from batch to batch and
    # the order holds across them. A small batch limit, because each event is ~9 ms of
    # ledger work whatever the batch size (the real limit is checked below, and the relay's
    # own paging over many pages in test_relay).
    limit = 40
    backlog = 2 * limit + 15
    items = []
    for i in range(backlog):
        session = card_session(100, session_id=f"cs_test_backlog{i:05d}")
        body = stripe_event(f"evt_backlog{i}", "checkout.session.completed", session)
        items.append(IngestItem("stripe", f"evt_backlog{i}", "checkout.session.completed",
                                body.decode(), ""))
    relay.relay.store.insert_batch(items)
    sync = RelaySync(relay.url, token, batch_limit=limit)
    batches = [sync.poll_once(0) for _ in range(4)]
    assert batches == [limit, limit, 15, 0]
    assert total() == 100 * backlog
    refs = [d.provider_ref for d in Donation.select().order_by(Donation.id)]
    assert refs == [f"cs_test_backlog{i:05d}" for i in range(backlog)]
    assert sync.state().cursor == backlog


def test_the_kiosk_asks_for_a_batch_the_relay_serves_whole(relay: RelayServer, token: str
                                                          ) -> None:
    asked: list[str] = []
    session = requests.Session()
    session.hooks["response"].append(lambda answer, *args, **kwargs: asked.append(answer.url))
    sync = RelaySync(relay.url, token, session=session)
    assert sync.poll_once(0) == 0
    assert asked and f"limit={BATCH_LIMIT}" in asked[0]
    assert 100 <= BATCH_LIMIT <= MAX_LIMIT  # not clamped by the relay, nor a trickle
    with pytest.raises(ValueError, match="at least one event"):
        RelaySync(relay.url, token, batch_limit=0)


def test_run_applies_live_events_and_stops_promptly(relay: RelayServer, token: str) -> None:
    applied = threading.Event()
    sync = RelaySync(relay.url, token, on_applied=lambda n: applied.set())
    stop = threading.Event()
    worker = threading.Thread(target=sync.run, args=(stop,))
    worker.start()
    try:
        time.sleep(0.3)  # the worker is now inside a 25 s long-poll
        started = time.monotonic()
        send_card(relay, card_session(1234))
        assert applied.wait(2)
        assert time.monotonic() - started < 1.0
        assert total() == 1234
        assert sync.state().connected
        time.sleep(0.2)  # back inside a long-poll
    finally:
        stopping = time.monotonic()
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    assert time.monotonic() - stopping < 1.5
    assert not sync.state().connected


def test_wrong_or_revoked_token_is_reported(relay: RelayServer, token: str) -> None:
    sync = RelaySync(relay.url, "ckr_not_a_real_token")
    with pytest.raises(SyncError, match="token"):
        sync.poll_once(0)
    tokens.revoke_kiosk(relay.relay.store, "kiosk-a")
    stop = threading.Event()
    revoked = RelaySync(relay.url, token, rng=lambda: 0.0)
    worker = threading.Thread(target=revoked.run, args=(stop,))
    worker.start()
    deadline = time.monotonic() + 3
    while revoked.state().last_error is None and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(3)
    state = revoked.state()
    assert not state.connected
    assert state.last_error is not None and "revoked" in state.last_error
    assert token not in state.last_error


def test_unreachable_relay_and_silent_dead_connection(tmp_path: Path) -> None:
    write_settings(CAMPAIGN)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(SyncError, match="Cannot reach"):
        RelaySync(f"http://127.0.0.1:{port}", "ckr_x").poll_once(0)
    # A server that accepts and then never says a word, like a dead NAT mapping.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        sync = RelaySync(url, "ckr_x", read_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(SyncError, match="did not answer in time"):
            sync.poll_once(25)
        assert time.monotonic() - started < 2


def test_default_read_timeout_notices_a_dead_connection_within_45_s() -> None:
    from backend.sync import POLL_WAIT_SECONDS, READ_MARGIN_SECONDS

    assert POLL_WAIT_SECONDS + READ_MARGIN_SECONDS <= 45


def test_retry_delays_back_off_from_1_to_60_seconds_with_jitter() -> None:
    backoff, delays = 1.0, []
    for _ in range(9):
        delays.append(retry_delay(backoff, 0.0))
        backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert retry_delay(1.0, 0.999) < 1.5
    assert retry_delay(60.0, 0.999) == 60


def test_sync_needs_a_token() -> None:
    with pytest.raises(Exception, match="RELAY_TOKEN"):
        RelaySync("http://127.0.0.1:1", "")
