"""Tap to give on a Stripe Terminal reader, against the sandbox over HTTP with the
official SDK: approved, declined then approved, cancelled, offline, busy, timed
out, a network drop, and every path that reports the payment counting it once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from backend import charter, ledger, stripe_api, terminal
from backend.cli import main
from backend.models import ContributionIntent, Donation, StripePayment
from backend.reconcile import Reconciler
from backend.settings import get_settings
from backend.webhooks import stripe_signature_header

ADDRESS = {"line1": "1 Quay St", "city": "Portland", "state": "OR", "country": "US",
           "postal_code": "97201"}


@pytest.fixture
def reader(kiosk_env: Any) -> str:
    """A simulated WisePOS E, registered the way staff would, set for this kiosk."""
    location = terminal.create_location("Lobby", ADDRESS)
    assert location["success"], location
    result = terminal.register_reader("simulated-wpe", location["data"]["id"], "Lobby reader")
    assert result["success"], result
    assert get_settings().terminal_reader_id == result["data"]["id"]
    return str(result["data"]["id"])


def tap(amount: object = "25") -> dict[str, Any]:
    result = charter.fiat_button_click(amount, "tap")
    assert result["success"], result
    return dict(result["data"])


def status(data: dict[str, Any]) -> dict[str, Any]:
    result = stripe_api.get_payment_status(data["payment_intent_id"])
    assert result["success"], result
    return dict(result["data"])


def total() -> int:
    return int(charter.get_cumulative_total()["data"]["total_minor"])


def test_approved_tap_counts_once(kiosk_env: Any, reader: str) -> None:
    data = tap()
    assert data["reader_id"] == reader and data["payment_intent_id"].startswith("pi_")
    waiting = status(data)
    assert (waiting["status"], waiting["reader_action"]) == ("awaiting_payment", "in_progress")
    intent = kiosk_env.stripe.terminal.payment_intent(data["payment_intent_id"])
    assert intent["payment_method_types"] == ["card_present"]
    assert intent["capture_method"] == "automatic"
    assert intent["metadata"] == {"campaign_id": "gala", "kiosk_id": "kiosk-a",
                                  "intent_id": data["intent_id"]}
    kiosk_env.present_card(reader)
    done = status(data)
    assert done["status"] == "paid" and done["counted"] is True
    assert status(data)["counted"] is False
    assert total() == 2500
    assert ContributionIntent.get_by_id(data["intent_id"]).status == "paid"


def test_declined_then_another_card(kiosk_env: Any, reader: str) -> None:
    data = tap("40")
    kiosk_env.present_card(reader, "4000000000000002")
    failed = status(data)
    assert failed["status"] == "awaiting_payment"
    assert failed["failure_code"] == "card_declined"
    assert failed["failure_message"] == "Your card was declined."
    assert total() == 0
    assert terminal.retry_tap(data["intent_id"])["success"]
    assert status(data)["reader_action"] == "in_progress"
    kiosk_env.present_card(reader, "4000000000009995")
    assert "not enough funds" in status(data)["failure_message"]
    assert terminal.retry_tap(data["intent_id"])["success"]
    kiosk_env.present_card(reader)
    assert status(data)["status"] == "paid" and total() == 4000
    # Retrying a paid gift never charges again.
    assert terminal.retry_tap(data["intent_id"])["data"]["status"] == "paid"


def test_cancel_stops_the_reader_and_cancels_the_payment(kiosk_env: Any, reader: str) -> None:
    data = tap()
    result = charter.cancel_payment(data["intent_id"])
    assert result["success"] and result["data"]["status"] == "cancelled"
    intent = kiosk_env.stripe.terminal.payment_intent(data["payment_intent_id"])
    assert intent["status"] == "canceled"
    reader_now = terminal.reader_status()["data"]
    assert reader_now["status"] == "online"
    with pytest.raises(Exception, match="not waiting"):
        kiosk_env.present_card(reader)  # nothing to pay any more
    assert total() == 0


def test_cancel_after_the_card_went_through_keeps_the_gift(kiosk_env: Any, reader: str) -> None:
    data = tap()
    kiosk_env.present_card(reader)  # the donor tapped a second before pressing Cancel
    result = charter.cancel_payment(data["intent_id"])
    assert result["data"]["status"] == "paid"
    assert total() == 2500


def test_reader_offline_or_busy_is_a_clear_error_and_writes_nothing(
        kiosk_env: Any, reader: str) -> None:
    kiosk_env.set_reader_online(reader, False)
    result = charter.fiat_button_click("25", "tap")
    assert not result["success"] and "offline" in result["error"]
    assert ContributionIntent.select().count() == 0 and StripePayment.select().count() == 0
    cancelled = [i for i in kiosk_env.stripe.terminal.intents.values()]
    assert cancelled and all(i["status"] == "canceled" for i in cancelled)
    kiosk_env.set_reader_online(reader, True)
    tap()
    busy = charter.fiat_button_click("30", "tap")
    assert not busy["success"] and "busy" in busy["error"]
    assert ContributionIntent.select().count() == 1


def test_the_reader_times_out_waiting_for_a_card(kiosk_env: Any, reader: str) -> None:
    data = tap()
    kiosk_env.reader_time_out(reader)
    failed = status(data)
    assert failed["failure_code"] == "customer_timeout"
    assert failed["failure_message"] == "The reader did not see a card in time."
    assert terminal.retry_tap(data["intent_id"])["success"]


def test_a_network_drop_mid_payment_never_loses_or_doubles_the_gift(
        kiosk_env: Any, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tap()
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")  # the kiosk's network drops
    dropped = stripe_api.get_payment_status(data["payment_intent_id"])
    assert not dropped["success"] and "network" in dropped["error"]
    kiosk_env.present_card(reader)  # the donor pays while the kiosk is cut off
    monkeypatch.setenv("STRIPE_API_BASE", kiosk_env.url)
    back = status(data)
    assert back["status"] == "paid" and back["counted"] is True and total() == 2500
    Reconciler().run_once(force=True)
    assert total() == 2500 and Donation.select().count() == 1


@pytest.mark.parametrize(("amount", "words"), [("0.49", "minimum"), ("abc", "number"),
                                               (25.0, "float"), ("1000.01", "maximum")])
def test_bad_amounts_are_refused_before_the_reader(kiosk_env: Any, reader: str, amount: object,
                                                   words: str) -> None:
    result = charter.fiat_button_click(amount, "tap")
    assert not result["success"] and words in result["error"]
    assert kiosk_env.stripe.terminal.intents == {}
    from backend.db import ensure_database

    ensure_database()
    assert ContributionIntent.select().count() == 0


def test_no_reader_configured_or_unknown_reader(kiosk_env: Any) -> None:
    result = charter.fiat_button_click("25", "tap")
    assert not result["success"] and "No card reader" in result["error"]
    assert not terminal.register_reader("not-a-code", "tml_x")["success"]
    assert not terminal.reader_status("tmr_unknown")["success"]
    assert not terminal.retry_tap("no-such-intent")["success"]


def test_webhooks_reader_events_and_the_poller_count_it_once(kiosk_env: Any, reader: str) -> None:
    data = tap()
    kiosk_env.present_card(reader)
    secret = kiosk_env.config.stripe_webhook_secret
    events = [e for e in kiosk_env.stripe.events()
              if e["type"] in ("payment_intent.succeeded", "terminal.reader.action_succeeded")]
    assert len(events) == 2
    for event in events * 2:
        body = json.dumps(event).encode()
        result = stripe_api.handle_webhook(body, stripe_signature_header(body, secret,
                                                                         int(time.time())))
        assert result["success"], result
    status(data)
    assert total() == 2500 and Donation.select().count() == 1


def test_a_refund_of_a_tap_gift_takes_it_out(kiosk_env: Any, reader: str) -> None:
    data = tap()
    kiosk_env.present_card(reader)
    status(data)
    charge = {"id": "ch_x", "object": "charge", "payment_intent": data["payment_intent_id"],
              "amount": 2500, "amount_refunded": 1000, "refunded": False, "livemode": False}
    from backend.webhooks import ProviderEvent

    event = ProviderEvent("stripe", "evt_r", "charge.refunded",
                          {"id": "evt_r", "type": "charge.refunded", "livemode": False,
                           "data": {"object": charge}})
    ledger.apply_event(event, via="webhook")
    assert total() == 1500


def test_an_email_receipt_is_offered_never_required(kiosk_env: Any, reader: str) -> None:
    data = tap()
    kiosk_env.present_card(reader)
    assert not terminal.send_receipt(data["intent_id"], "not an email")["success"]
    sent = terminal.send_receipt(data["intent_id"], "donor@example.org")
    assert sent["success"]
    intent = kiosk_env.stripe.terminal.payment_intent(data["payment_intent_id"])
    assert intent["receipt_email"] == "donor@example.org"


def test_check_and_the_terminal_commands(kiosk_env: Any, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    from backend.check import check_services

    assert main(["terminal", "locations", "--create", "Hall", "--line1", "1 Quay St",
                 "--city", "Portland", "--country", "US", "--postal-code", "97201"]) == 0
    location = capsys.readouterr().out.split()[1]
    assert location.startswith("tml_")
    assert main(["terminal", "register", "simulated-s700", "--location", location]) == 0
    assert "simulated_stripe_s700" in capsys.readouterr().out
    assert main(["terminal", "readers"]) == 0
    assert "<- this kiosk" in capsys.readouterr().out
    reader = get_settings().terminal_reader_id
    assert reader
    checks = {c.name: c for c in check_services()}
    assert checks["card reader"].status == "pass"
    kiosk_env.set_reader_online(reader, False)
    assert {c.name: c for c in check_services()}["card reader"].status == "fail"
    assert main(["terminal", "forget"]) == 0
    assert get_settings().terminal_reader_id is None
    assert main(["terminal", "register", "bogus", "--location", location]) == 1


def test_a_cancelled_payment_cannot_be_retried_and_test_cards_are_test_only(
        kiosk_env: Any, reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tap()
    assert charter.cancel_payment(data["intent_id"])["data"]["status"] == "cancelled"
    retried = terminal.retry_tap(data["intent_id"])
    assert not retried["success"] and "no longer be retried" in retried["error"]
    assert not terminal.present_test_card("counterfeit")["success"]
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "live")
    refused = terminal.present_test_card("approved")
    assert not refused["success"] and "test mode" in refused["error"]
