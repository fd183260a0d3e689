"""Cash gifts reach every kiosk through the relay, exactly once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from backend import cash_share, charter, ledger
from backend.cash_share import share_pending, unsent_count
from backend.db import close_database, open_database
from backend.models import Outbox
from backend.reconcile import Reconciler
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.relay.store import RelayStore
from backend.sync import RelaySync


@pytest.fixture
def relay(kiosk_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    with RelayServer(url, stripe_secrets=["whsec_x"], nowpayments_secrets=[]) as server:
        server.db_url = url
        monkeypatch.setenv("CHARTER_RELAY_URL", server.url)
        monkeypatch.setenv("RELAY_TOKEN", tokens.add_kiosk(url, "kiosk-a"))
        yield server


def as_kiosk(path: Path) -> None:
    close_database()
    open_database(path)


def stored(relay: Any) -> int:
    store = RelayStore(relay.db_url, max_connections=1)
    try:
        return store.stats().stored
    finally:
        store.close()


def test_a_cash_gift_at_one_kiosk_reaches_another_once(relay: Any, tmp_path: Path) -> None:
    as_kiosk(tmp_path / "a.sqlite3")
    result = charter.record_cash_gift("15", display_name="Ana")
    assert result["success"] and result["data"]["shared"] is True
    as_kiosk(tmp_path / "b.sqlite3")
    sync_b = RelaySync(relay.url, tokens.add_kiosk(relay.db_url, "kiosk-b"))
    sync_b.poll_once(wait=1)
    assert ledger.totals()["total_minor"] == 1500
    assert charter.recent_donations()["data"]["donations"][0]["display_name"] == "Ana"
    as_kiosk(tmp_path / "a.sqlite3")  # kiosk A hears its own gift back: no double count
    RelaySync(relay.url, tokens.add_kiosk(relay.db_url, "kiosk-a2")).poll_once(wait=1)
    assert (ledger.totals()["total_minor"], ledger.totals()["count"]) == (1500, 1)


def test_relay_down_at_record_time_then_shared_later_exactly_once(
        relay: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_kiosk(tmp_path / "a.sqlite3")
    monkeypatch.setenv("CHARTER_RELAY_URL", "http://127.0.0.1:9")  # the relay is away
    result = charter.record_cash_gift("20")
    assert result["success"] and result["data"]["shared"] is False
    assert ledger.totals()["total_minor"] == 2000 and unsent_count() == 1
    Reconciler().run_once()  # still away: stays unsent
    assert unsent_count() == 1
    monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
    Reconciler().run_once()
    Reconciler().run_once()
    assert unsent_count() == 0 and stored(relay) == 1
    as_kiosk(tmp_path / "b.sqlite3")
    RelaySync(relay.url, tokens.add_kiosk(relay.db_url, "kiosk-b")).poll_once(wait=1)
    assert ledger.totals()["total_minor"] == 2000


GOOD = {"id": "kiosk-x/cash-1", "campaign_id": "gala", "kiosk_id": "kiosk-x", "amount_minor": 500,
        "currency": "usd", "display_name": None, "created_at": "2026-11-28T06:00:00.123456Z",
        "livemode": False}


def gift_from(kiosk: str, **change: Any) -> dict[str, Any]:
    """GOOD as kiosk `kiosk` would send it (ids live in the sender's namespace)."""
    return {**GOOD, "id": f"{kiosk}/cash-1", "kiosk_id": kiosk, **change}


@pytest.mark.parametrize(("change", "code"), [
    ({"amount_minor": 5.0}, 400), ({"amount_minor": 0}, 400), ({"amount_minor": True}, 400),
    ({"amount_minor": 100_000_000}, 400), ({"id": ""}, 400), ({"id": None}, 400),
    ({"currency": "dollars"}, 400), ({"campaign_id": ""}, 400), ({"display_name": "x" * 41}, 400),
    ({"amount_minor": "500"}, 400), ({"id": "kiosk-x/" + "x" * 101}, 400),
    ({"created_at": None}, 400), ({"amount_minor": 1_000_001}, 400),
    ({"created_at": "yesterday"}, 400), ({"livemode": "false"}, 400),
])
def test_bad_cash_gifts_are_refused_and_nothing_stored(relay: Any, change: dict[str, Any],
                                                       code: int) -> None:
    token = tokens.add_kiosk(relay.db_url, "kiosk-x")
    answer = requests.post(f"{relay.url}/v1/cash", json={**GOOD, **change}, timeout=5,
                           headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == code, answer.text
    assert stored(relay) == 0


def test_tokens_and_sizes(relay: Any) -> None:
    body = json.dumps(gift_from("kiosk-z"))
    assert requests.post(f"{relay.url}/v1/cash", data=body, timeout=5).status_code == 401
    token = tokens.add_kiosk(relay.db_url, "kiosk-y")
    tokens.revoke_kiosk(relay.db_url, "kiosk-y")
    assert requests.post(f"{relay.url}/v1/cash", data=body, timeout=5,
                         headers={"Authorization": f"Bearer {token}"}).status_code == 401
    token = tokens.add_kiosk(relay.db_url, "kiosk-z")
    auth = {"Authorization": f"Bearer {token}"}
    huge = json.dumps(gift_from("kiosk-z", padding="x" * 70_000))
    assert requests.post(f"{relay.url}/v1/cash", data=huge, timeout=5,
                         headers=auth).status_code == 413
    first = requests.post(f"{relay.url}/v1/cash", data=body, timeout=5, headers=auth).json()
    again = requests.post(f"{relay.url}/v1/cash", data=body, timeout=5, headers=auth).json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert stored(relay) == 1


def test_a_missing_id_and_bodies_that_are_not_a_json_object_are_refused(relay: Any) -> None:
    auth = {"Authorization": f"Bearer {tokens.add_kiosk(relay.db_url, 'kiosk-m')}"}
    no_id = {k: v for k, v in gift_from("kiosk-m").items() if k != "id"}
    for data in (json.dumps(no_id).encode(), b"[]", b"not json", b"",
                 json.dumps(GOOD).encode("utf-16"), b'{"amount_minor": NaN}'):
        answer = requests.post(f"{relay.url}/v1/cash", data=data, timeout=5, headers=auth)
        assert answer.status_code == 400, (data[:20], answer.text)
        assert answer.json()["error"]
    assert stored(relay) == 0


def test_the_relay_answers_with_the_seq_and_the_gift_reaches_the_feed(relay: Any) -> None:
    auth = {"Authorization": f"Bearer {tokens.add_kiosk(relay.db_url, 'kiosk-s')}"}
    gift = gift_from("kiosk-s")
    first = requests.post(f"{relay.url}/v1/cash", json=gift, timeout=5, headers=auth).json()
    assert first == {"received": True, "duplicate": False, "seq": 1}
    again = requests.post(f"{relay.url}/v1/cash", json=gift, timeout=5, headers=auth).json()
    assert again == {"received": True, "duplicate": True, "seq": 1}
    feed = requests.get(f"{relay.url}/v1/events", timeout=5, headers=auth).json()
    (event,) = feed["events"]
    assert (event["provider"], event["id"], event["type"]) == (
        "kiosk", "kiosk-s/cash-1", "cash.recorded")
    # The relay vouches for the sender and its mode; the body travels as sent.
    assert (event["kiosk"], event["mode"]) == ("kiosk-s", "test")
    assert feed["you"] == {"kiosk": "kiosk-s", "mode": "test"}
    assert json.loads(event["payload"]) == gift


def test_gifts_of_another_campaign_currency_or_mode_are_not_counted(
        relay: Any, tmp_path: Path) -> None:
    auth = {"Authorization": f"Bearer {tokens.add_kiosk(relay.db_url, 'kiosk-o')}"}
    live = {"Authorization": f"Bearer {tokens.add_kiosk(relay.db_url, 'kiosk-l', 'live')}"}
    campaign = charter.on_ready()["data"]["campaign_id"]
    others = [({"campaign_id": "another-campaign"}, auth), ({"currency": "eur"}, auth),
              ({"livemode": True}, live)]
    for n, (change, headers) in enumerate(others):
        sender = "kiosk-l" if headers is live else "kiosk-o"
        body = {**gift_from(sender), "campaign_id": campaign, "id": f"{sender}/cash-other-{n}",
                **change}
        answer = requests.post(f"{relay.url}/v1/cash", json=body, timeout=5, headers=headers)
        assert answer.status_code == 200, answer.text
    as_kiosk(tmp_path / "b.sqlite3")
    assert RelaySync(relay.url, tokens.add_kiosk(relay.db_url, "kiosk-b")).poll_once(wait=1) == 3
    assert ledger.totals()["total_minor"] == 0


def test_a_gift_the_relay_refuses_does_not_hold_back_the_ones_after_it(
        relay: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_kiosk(tmp_path / "a.sqlite3")
    monkeypatch.setenv("CHARTER_RELAY_URL", "http://127.0.0.1:9")
    assert charter.record_cash_gift("5")["success"]
    assert charter.record_cash_gift("7")["success"]
    first = Outbox.select().order_by(Outbox.id).first()
    bad = {**json.loads(first.body), "amount_minor": 0}  # a body the relay will never take
    Outbox.update(body=json.dumps(bad)).where(Outbox.id == first.id).execute()
    monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
    assert share_pending() == 1
    assert unsent_count() == 1 and stored(relay) == 1  # the refused one stays visible


def test_a_share_that_blows_up_never_undoes_the_gift(
        relay: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    as_kiosk(tmp_path / "a.sqlite3")
    send = cash_share._send

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(cash_share, "_send", explode)
    result = charter.record_cash_gift("9")
    assert result["success"] and result["data"]["shared"] is False
    assert ledger.totals()["total_minor"] == 900 and unsent_count() == 1
    monkeypatch.setattr(cash_share, "_send", send)
    assert share_pending() == 1 and stored(relay) == 1 and unsent_count() == 0


def test_no_relay_configured_means_nothing_is_queued(kiosk_env: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    as_kiosk(tmp_path / "solo.sqlite3")
    monkeypatch.delenv("CHARTER_RELAY_URL", raising=False)
    result = charter.record_cash_gift("3")
    assert result["success"] and result["data"]["shared"] is False
    assert unsent_count() == 0 and ledger.totals()["total_minor"] == 300
