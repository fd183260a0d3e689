"""The missed-webhook sweep: Stripe events the relay never received are stored
exactly as if they had arrived, and reach the kiosk's total through the feed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from backend import charter
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.relay.store import RelayStore
from backend.relay.sweep import SWEEP_SIGNATURE, last_sweep, sweep_stripe
from backend.stripe_api import stripe_client
from backend.sync import RelaySync


def relay_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relay.sqlite3'}"


def sync_until(sync: RelaySync, predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        sync.poll_once(wait=0.5)
    assert predicate()


def test_sweep_stores_an_undelivered_completion_and_the_kiosk_counts_it(
        kiosk_env: Any, tmp_path: Path) -> None:
    url = relay_db(tmp_path)
    secret = kiosk_env.config.stripe_webhook_secret
    with RelayServer(url, stripe_secrets=[secret], nowpayments_secrets=[]) as relay:
        token = tokens.add_kiosk(url, "kiosk-a")
        card = charter.fiat_button_click(25, "card")["data"]
        # Paid while the relay was unreachable: Stripe's delivery never succeeded.
        kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
        store = RelayStore(url, max_connections=2)
        try:
            report = sweep_stripe(store, stripe_client())
            assert report.stored == 1 and report.listed == 1
            stored = store.fetch_after(0, 10).events
        finally:
            store.close()
        assert [e.event_type for e in stored] == ["checkout.session.completed"]
        sync = RelaySync(relay.url, token)
        sync_until(sync, lambda: charter.get_cumulative_total()["data"]["total_minor"] == 2500)


def test_sweep_stores_nothing_the_relay_already_has(kiosk_env: Any, tmp_path: Path) -> None:
    url = relay_db(tmp_path)
    secret = kiosk_env.config.stripe_webhook_secret
    with RelayServer(url, stripe_secrets=[secret], nowpayments_secrets=[]) as relay:
        kiosk_env.set_webhook_urls(stripe=f"{relay.url}/v1/webhooks/stripe")
        card = charter.fiat_button_click(30, "card")["data"]
        kiosk_env.pay_stripe_session(card["session_id"], webhook=True)
        deadline = time.monotonic() + 5
        while not any(d["ok"] for d in kiosk_env.deliveries()) and time.monotonic() < deadline:
            time.sleep(0.05)
        store = RelayStore(url, max_connections=2)
        try:
            before = store.stats().stored
            report = sweep_stripe(store, stripe_client())
            assert report.listed >= 1 and report.stored == 0
            assert report.duplicates == report.listed
            assert store.stats().stored == before == 1
            assert store.fetch_after(0, 10).events[0].payload  # the pushed, signed original
        finally:
            store.close()


def test_sweep_remembers_when_it_ran_and_healthz_shows_it(kiosk_env: Any, tmp_path: Path) -> None:
    url = relay_db(tmp_path)
    store = RelayStore(url, max_connections=2)
    try:
        assert last_sweep(store) is None
        first = sweep_stripe(store, stripe_client())
        remembered = last_sweep(store)
        assert remembered is not None and remembered["at"] >= first.finished_at - 1
        second = sweep_stripe(store, stripe_client(), clock=lambda: time.time() + 7200)
        # The next sweep starts from the last one (less an hour of overlap), not 3 days back.
        assert second.since > first.since
        remembered = last_sweep(store)
        assert remembered is not None
    finally:
        store.close()
    with RelayServer(url, stripe_secrets=["whsec_x"], nowpayments_secrets=[]) as relay:
        token = tokens.add_kiosk(relay.relay.store, "kiosk-s")
        health = requests.get(f"{relay.url}/healthz", timeout=5,
                              headers={"Authorization": f"Bearer {token}"}).json()
        assert health["last_sweep_at"] == remembered["at"]


def test_relay_serve_sweeps_on_a_schedule(kiosk_env: Any, tmp_path: Path) -> None:
    url = relay_db(tmp_path)
    card = charter.fiat_button_click(40, "card")["data"]
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    with RelayServer(url, stripe_secrets=["whsec_x"], nowpayments_secrets=[],
                     sweep_interval=0.2, sweep_client=stripe_client()) as relay:
        token = tokens.add_kiosk(url, "kiosk-a")
        response = requests.get(f"{relay.url}/v1/events", params={"after": 0, "wait": 5},
                                headers={"Authorization": f"Bearer {token}"}, timeout=10)
        events = response.json()["events"]
        assert [e["type"] for e in events] == ["checkout.session.completed"]
        store = RelayStore(url, max_connections=2)
        try:
            assert store.fetch_after(0, 10).events[0].event_type == "checkout.session.completed"
            with store.db.connection_context():
                assert store.Event.get().signature == SWEEP_SIGNATURE
        finally:
            store.close()


def test_sweep_command_without_a_stripe_key(tmp_path: Path, capsys: Any) -> None:
    from backend.cli import main

    assert main(["relay", "sweep", "--db", relay_db(tmp_path)]) == 1
    assert "STRIPE_SECRET_KEY" in capsys.readouterr().err


def test_sweep_command_reports(kiosk_env: Any, tmp_path: Path, capsys: Any) -> None:
    from backend.cli import main

    card = charter.fiat_button_click(25, "card")["data"]
    kiosk_env.pay_stripe_session(card["session_id"], webhook=False)
    assert main(["relay", "sweep", "--db", relay_db(tmp_path)]) == 0
    assert "1 stored that had not arrived" in capsys.readouterr().out
