"""One true total across the fleet: each way the total used to go wrong (issue 9's
*Why*, numbered as there) is now impossible. Real relay under uvicorn, real
SQLite files for each kiosk, signed webhooks over HTTP, the provider sandbox."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from backend import charter, ledger, nowpayments_api
from backend.check import check_database
from backend.db import close_database, open_database
from backend.models import CryptoPayment, Donation, LedgerEntry, PendingEvent
from backend.reconcile import Reconciler
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.result import UserError
from backend.settings import write_settings
from backend.sync import RelaySync
from backend.webhooks import (
    ProviderEvent,
    nowpayments_signature,
    stripe_signature_header,
)
from tests.conftest import CAMPAIGN

STRIPE_SECRET = "whsec_corrections_test_1234567890"
IPN_TEST = "ipn-secret-for-the-sandbox-account"
IPN_LIVE = "ipn-secret-for-the-production-account"


class Fleet:
    """Kiosks (each its own SQLite file) sharing one relay."""

    def __init__(self, relay: RelayServer, db_url: str, root: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.relay, self.db_url, self.root, self.mp = relay, db_url, root, monkeypatch
        self.tokens: dict[tuple[str, str], str] = {}
        self.current: tuple[str, str] | None = None

    def be(self, name: str, mode: str = "test") -> None:
        """Act as kiosk `name` in `mode` (its own database file, token and kiosk.toml)."""
        key = (name, mode)
        if key not in self.tokens:
            relay_name = name if mode == "test" else f"{name}"
            if any(k[0] == name for k in self.tokens):
                tokens.revoke_kiosk(self.db_url, relay_name)  # re-issued for the new mode
            self.tokens[key] = tokens.add_kiosk(self.db_url, relay_name, mode)
        write_settings({"campaign": CAMPAIGN, "kiosk": {"id": name, "mode": mode},
                        "endpoints": {"relay_url": self.relay.url}})
        self.mp.setenv("CHARTER_KIOSK_MODE", mode)
        self.mp.setenv("RELAY_TOKEN", self.tokens[key])
        close_database()
        open_database(self.root / f"{name}-{mode}.sqlite3")
        self.current = key

    def sync(self) -> int:
        assert self.current is not None
        return RelaySync(self.relay.url, self.tokens[self.current]).poll_once(wait=0)

    def total(self) -> int:
        kept = ledger.totals()
        summed = ledger.recomputed_totals()
        assert kept["total_minor"] == summed["total_minor"]
        assert kept["gross_minor"] + kept["corrections_minor"] == kept["total_minor"]
        return int(kept["total_minor"])

    # --- what providers send to the relay ---------------------------------------

    def stripe(self, event_type: str, obj: dict[str, Any], *, livemode: bool | None = False,
               event_id: str | None = None) -> requests.Response:
        body: dict[str, Any] = {"id": event_id or f"evt_{time.monotonic_ns()}",
                                "object": "event", "type": event_type, "data": {"object": obj}}
        if livemode is not None:
            body["livemode"] = livemode
        raw = json.dumps(body).encode()
        header = stripe_signature_header(raw, STRIPE_SECRET, int(time.time()))
        return requests.post(f"{self.relay.url}/v1/webhooks/stripe", data=raw, timeout=5,
                             headers={"Stripe-Signature": header})

    def ipn(self, payment: dict[str, Any], secret: str) -> requests.Response:
        raw = json.dumps(payment).encode()
        return requests.post(f"{self.relay.url}/v1/webhooks/nowpayments", data=raw, timeout=5,
                             headers={"x-nowpayments-sig": nowpayments_signature(raw, secret)})


@pytest.fixture
def fleet(kiosk_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    url = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    with RelayServer(url, stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets={"test": [IPN_TEST], "live": [IPN_LIVE]}) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        yield Fleet(relay, url, tmp_path, monkeypatch)


def session(sid: str, amount: int = 2500, *, livemode: bool | None = False,
            pi: str | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": sid, "object": "checkout.session", "amount_total": amount, "currency": "usd",
        "status": "complete", "payment_status": "paid", "payment_intent": pi or f"pi_{sid}",
        "metadata": {"campaign_id": "gala", "kiosk_id": "web"}, "expires_at": 1_900_000_000}
    if livemode is not None:
        obj["livemode"] = livemode
    return obj


def charge(pi: str, amount: int, refunded: int) -> dict[str, Any]:
    return {"id": f"ch_{pi}", "object": "charge", "payment_intent": pi, "amount": amount,
            "amount_refunded": refunded, "refunded": refunded >= amount, "livemode": False}


def dispute(dp: str, pi: str, amount: int, status: str) -> dict[str, Any]:
    return {"id": dp, "object": "dispute", "payment_intent": pi, "charge": f"ch_{pi}",
            "amount": amount, "status": status, "livemode": False}


def crypto(pid: int, status: str, price: str = "40", *, paid: str | None = None,
           parent: int | None = None, order: str | None = "gala/web/i{pid}") -> dict[str, Any]:
    return {"payment_id": pid, "payment_status": status, "price_amount": price,
            "price_currency": "usd", "pay_amount": "0.001", "pay_currency": "btc",
            "actually_paid": paid, "pay_address": "bc1qexample", "parent_payment_id": parent,
            "order_id": order.format(pid=pid) if order else None,
            "updated_at": f"2026-11-30T10:00:{len(status):02d}Z"}


# --- 1. rehearsal money never reaches a live total ------------------------------------


def test_1_going_live_on_a_relay_that_carried_a_rehearsal_counts_only_live_gifts(
        fleet: Fleet) -> None:
    fleet.be("kiosk-a", "test")
    assert charter.record_cash_gift("30")["data"]["shared"] is True
    assert fleet.ipn(crypto(501, "finished"), IPN_TEST).status_code == 200
    assert fleet.stripe("checkout.session.completed", session("cs_test_r1")).status_code == 200
    fleet.be("kiosk-b", "live")  # a live kiosk on the same relay, during the rehearsal
    fleet.sync()
    assert fleet.total() == 0
    # Doors open: kiosk A goes live (a new file, its cursor from 0), live money arrives.
    fleet.be("kiosk-a", "live")
    assert fleet.ipn(crypto(502, "finished", "15"), IPN_LIVE).status_code == 200
    assert fleet.stripe("checkout.session.completed", session("cs_live_r2", 700, livemode=True),
                        livemode=True).status_code == 200
    assert charter.record_cash_gift("5")["success"]
    fleet.sync()
    assert fleet.total() == 1500 + 700 + 500
    fleet.be("kiosk-b", "live")
    fleet.sync()
    assert fleet.total() == 1500 + 700 + 500
    assert ledger.counter(ledger.OTHER_MODE_KEY) == 3  # the rehearsal, seen and ignored


def test_1_test_mode_talks_to_the_nowpayments_sandbox_with_its_own_key(
        kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOWPAYMENTS_API_BASE")
    assert nowpayments_api.nowpayments_client().base_url == nowpayments_api.SANDBOX_BASE
    monkeypatch.delenv("NOWPAYMENTS_API_KEY_TEST")
    monkeypatch.setenv("NOWPAYMENTS_API_KEY", "np-production-key")  # the old single name
    with pytest.raises(UserError, match="NOWPAYMENTS_API_KEY_TEST"):
        nowpayments_api.nowpayments_client()  # never the production key in test mode
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "live")
    client = nowpayments_api.nowpayments_client()  # read as the live key, with a warning
    assert client.base_url == nowpayments_api.DEFAULT_BASE


def test_1_an_ipn_whose_mode_cannot_be_told_is_refused_by_the_relay(
        kiosk_env: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'same.sqlite3'}"
    with RelayServer(url, stripe_secrets=[STRIPE_SECRET],
                     nowpayments_secrets={"test": [IPN_TEST], "live": [IPN_TEST]}) as relay:
        raw = json.dumps(crypto(9, "finished")).encode()
        answer = requests.post(f"{relay.url}/v1/webhooks/nowpayments", data=raw, timeout=5,
                               headers={"x-nowpayments-sig": nowpayments_signature(raw, IPN_TEST)})
        assert answer.status_code == 400 and "mode" in answer.json()["error"]
        assert relay.relay.store.stats().stored == 0


# --- 2. a live kiosk never counts a test Stripe event ----------------------------------


def test_2_a_test_event_whose_session_has_no_livemode_is_not_counted_live(fleet: Fleet) -> None:
    fleet.be("kiosk-l", "live")
    # The event says test; the object says nothing; the id says test.
    assert fleet.stripe("checkout.session.completed",
                        session("cs_test_nolive", livemode=None)).status_code == 200
    fleet.sync()
    assert fleet.total() == 0
    # Directly (a kiosk holding the webhook secret) too, and with the ids disagreeing.
    for body in ({"livemode": False, "data": {"object": session("cs_test_x", livemode=None)}},
                 {"livemode": True, "data": {"object": session("cs_test_y", livemode=True)}},
                 {"data": {"object": session("cs_live_z", livemode=True)}}):
        event = ProviderEvent("stripe", "evt", "checkout.session.completed",
                              {"id": "evt", "type": "checkout.session.completed", **body})
        assert ledger.apply_event(event, via="webhook").ignored_reason
    assert fleet.total() == 0 and Donation.select().count() == 0
    assert ledger.counter(ledger.MODE_UNKNOWN_KEY) == 2  # the two contradictions


def test_2_the_relay_refuses_a_stripe_event_without_livemode(fleet: Fleet) -> None:
    answer = fleet.stripe("checkout.session.completed", session("cs_test_q"), livemode=None)
    assert answer.status_code == 400 and "mode" in answer.json()["error"]
    assert fleet.relay.relay.store.stats().stored == 0


# --- 3. no forged cash gift in another kiosk's name --------------------------------------


def test_3_a_kiosk_token_cannot_add_cash_in_another_kiosks_name(fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    fleet.be("kiosk-b")
    auth = {"Authorization": f"Bearer {fleet.tokens[('kiosk-b', 'test')]}"}
    gift = {"type": "cash.recorded", "campaign_id": "gala", "amount_minor": 500,
            "currency": "usd", "created_at": "2026-11-30T10:00:00Z", "livemode": False}
    forged = [
        {**gift, "id": "kiosk-a/cash-1", "kiosk_id": "kiosk-a"},  # in A's name
        {**gift, "id": "kiosk-a/cash-2", "kiosk_id": "kiosk-b"},  # in A's namespace
        {**gift, "id": "kiosk-b/cash-3", "kiosk_id": "kiosk-b", "livemode": True},  # other mode
        {"type": "cash.voided", "id": "kiosk-b/void-1", "gift_id": "kiosk-a/cash-9",
         "reason": "x", "campaign_id": "gala", "kiosk_id": "kiosk-b",
         "created_at": "2026-11-30T10:00:00Z"},  # voiding A's gift
    ]
    for body in forged:
        answer = requests.post(f"{fleet.relay.url}/v1/kiosk-events", json=body, timeout=5,
                               headers=auth)
        assert answer.status_code == 403, (body, answer.text)
    over = {**gift, "id": "kiosk-b/cash-4", "kiosk_id": "kiosk-b", "amount_minor": 100_001}
    answer = requests.post(f"{fleet.relay.url}/v1/kiosk-events", json=over, timeout=5,
                           headers=auth)
    assert answer.status_code == 400 and "maximum" in answer.json()["error"]
    assert fleet.relay.relay.store.stats().stored == 0


def test_3_receiving_kiosks_check_the_sender_and_the_limits_too(fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    base = {"campaign_id": "gala", "currency": "usd", "created_at": "2026-11-30T10:00:00Z",
            "livemode": False, "amount_minor": 500}
    cases = [
        ({"id": "kiosk-a/c1", "kiosk_id": "kiosk-a"}, "kiosk-b"),  # origin is not the namer
        ({"id": "kiosk-b/c2", "kiosk_id": "kiosk-b"}, None),  # no authenticated sender
        ({"id": "kiosk-b/c3", "kiosk_id": "kiosk-b", "amount_minor": 100_001}, "kiosk-b"),
    ]
    for change, origin in cases:
        event = ProviderEvent("kiosk", change["id"], "cash.recorded", {**base, **change},
                              mode="test", origin=origin)
        assert ledger.apply_event(event, via="relay").ignored_reason
    assert fleet.total() == 0
    # Every kiosk shows and exports who recorded each gift.
    good = ProviderEvent("kiosk", "kiosk-b/c4", "cash.recorded",
                         {**base, "id": "kiosk-b/c4", "kiosk_id": "kiosk-b"}, mode="test",
                         origin="kiosk-b")
    ledger.apply_event(good, via="relay")
    assert charter.recent_donations()["data"]["donations"][0]["kiosk_id"] == "kiosk-b"


# --- 4 and 5. staff decisions on partly paid crypto gifts reach every kiosk ----------------


def test_4_accepting_a_partial_payment_at_one_kiosk_changes_every_kiosks_total(
        fleet: Fleet) -> None:
    fleet.be("kiosk-b")
    fleet.be("kiosk-a")
    fleet.ipn(crypto(601, "partially_paid", "40", paid="0.0005"), IPN_TEST)
    fleet.sync()
    result = charter.resolve_partial_payment("601", True)
    assert result["success"] and result["data"]["shared"] is True
    assert fleet.total() == 2000
    fleet.be("kiosk-b")
    fleet.sync()
    assert fleet.total() == 2000
    entry = LedgerEntry.get()
    assert (entry.kind, entry.recorded_by) == ("partial_accepted", "kiosk-a")
    # 5. The donor sends the rest: both kiosks count the full amount, once.
    fleet.ipn(crypto(601, "finished", "40", paid="0.001"), IPN_TEST)
    fleet.sync()
    assert fleet.total() == 4000
    fleet.be("kiosk-a")
    fleet.sync()
    fleet.sync()
    assert fleet.total() == 4000
    assert [e.kind for e in LedgerEntry.select().order_by(LedgerEntry.id)] == [
        "partial_accepted", "top_up"]


def test_4_a_decision_heard_before_the_payment_waits_for_it(fleet: Fleet) -> None:
    fleet.be("kiosk-b")
    event = ProviderEvent("kiosk", "kiosk-a/d1", "partial.accepted", {
        "type": "partial.accepted", "id": "kiosk-a/d1", "payment_id": "602",
        "amount_minor": 1000, "campaign_id": "gala", "kiosk_id": "kiosk-a",
        "created_at": "2026-11-30T10:00:00Z", "livemode": False}, mode="test", origin="kiosk-a")
    assert ledger.apply_event(event, via="relay").status == "pending"
    ledger.apply_event(ProviderEvent("nowpayments", "602", "payment.partially_paid",
                                     crypto(602, "partially_paid", paid="0.0003"), mode="test"),
                       via="relay")
    assert fleet.total() == 1000 and PendingEvent.select().count() == 0


# --- 6. partial card refunds ---------------------------------------------------------------


def test_6_repeated_partial_refunds_in_any_order_take_out_exactly_what_was_refunded(
        fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    fleet.stripe("checkout.session.completed", session("cs_test_p1", 5000))
    # Two partial refunds (cumulative 1000, then 3000), heard in reverse order and twice.
    for refunded in (3000, 1000, 3000, 1000):
        assert fleet.stripe("charge.refunded", charge("pi_cs_test_p1", 5000, refunded)).ok
    fleet.sync()
    assert fleet.total() == 2000
    assert Donation.get().status == "partially_refunded"
    assert Donation.get().amount_minor == 5000
    fleet.stripe("charge.refunded", charge("pi_cs_test_p1", 5000, 5000))
    fleet.sync()
    assert fleet.total() == 0 and Donation.get().status == "refunded"
    fleet.be("kiosk-b")  # heard all at once, in the relay's order: the same
    fleet.sync()
    assert fleet.total() == 0


# --- 7. disputes -------------------------------------------------------------------------


@pytest.mark.parametrize(("events", "net", "label"), [
    ([("created", "needs_response")], 0, "disputed"),
    ([("created", "needs_response"), ("closed", "won")], 2500, "counted"),
    ([("created", "needs_response"), ("closed", "lost")], 0, "dispute_lost"),
    ([("closed", "lost")], 0, "dispute_lost"),
    ([("closed", "won"), ("created", "needs_response")], 2500, "counted"),  # out of order
    ([("created", "warning_needs_response"), ("closed", "warning_closed")], 2500, "counted"),
    ([("funds_withdrawn", "needs_response"), ("funds_reinstated", "under_review")], 2500,
     "counted"),
])
def test_7_a_dispute_takes_the_gift_out_and_a_won_one_brings_it_back(
        fleet: Fleet, events: list[tuple[str, str]], net: int, label: str) -> None:
    fleet.be("kiosk-a")
    fleet.stripe("checkout.session.completed", session("cs_test_d1"))
    for kind, status in [*events, *events]:  # and every event repeated
        fleet.stripe(f"charge.dispute.{kind}", dispute("dp_1", "pi_cs_test_d1", 2500, status))
    fleet.sync()
    assert fleet.total() == net and Donation.get().status == label


def test_7_a_dispute_heard_before_its_payment_applies_when_the_payment_arrives(
        fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    fleet.stripe("charge.dispute.created", dispute("dp_2", "pi_cs_test_d2", 2500, "needs_response"))
    fleet.sync()
    assert PendingEvent.select().count() == 1
    fleet.stripe("checkout.session.completed", session("cs_test_d2"))
    fleet.sync()
    assert fleet.total() == 0 and PendingEvent.select().count() == 0


# --- 8. voiding a mistyped cash gift --------------------------------------------------------


def test_8_staff_void_a_mistyped_cash_gift_everywhere(fleet: Fleet) -> None:
    fleet.be("kiosk-b")
    fleet.be("kiosk-a")
    typo = charter.record_cash_gift("500")["data"]["donation_id"]
    charter.record_cash_gift("5")
    assert fleet.total() == 50500
    for bad in ((typo, ""), (typo, "x" * 201), (typo, None), ("1", "typo"), (999, "typo")):
        answer = charter.void_cash_gift(*bad)
        assert not answer["success"] and answer["error"], bad
    result = charter.void_cash_gift(typo, "typed 500 for 5")
    assert result["success"] and result["data"]["voided_minor"] == 50000
    assert result["data"]["shared"] is True
    assert fleet.total() == 500
    assert not charter.void_cash_gift(typo, "again")["success"]  # once only
    fleet.be("kiosk-b")
    fleet.sync()
    assert fleet.total() == 500
    voided = Donation.get(Donation.amount_minor == 50000)
    assert voided.status == "voided"
    # Only the kiosk that recorded it can void it.
    answer = charter.void_cash_gift(voided.id, "not mine")
    assert not answer["success"] and "kiosk-a" in answer["error"]


def test_8_a_void_heard_before_its_gift_waits_for_it(fleet: Fleet) -> None:
    fleet.be("kiosk-b")
    stamp = {"campaign_id": "gala", "kiosk_id": "kiosk-a", "created_at": "2026-11-30T10:00:00Z",
             "livemode": False}
    void = ProviderEvent("kiosk", "kiosk-a/v1", "cash.voided",
                         {"type": "cash.voided", "id": "kiosk-a/v1", "gift_id": "kiosk-a/g1",
                          "reason": "typo", **stamp}, mode="test", origin="kiosk-a")
    gift = ProviderEvent("kiosk", "kiosk-a/g1", "cash.recorded",
                         {"type": "cash.recorded", "id": "kiosk-a/g1", "amount_minor": 700,
                          "currency": "usd", **stamp}, mode="test", origin="kiosk-a")
    assert ledger.apply_event(void, via="relay").status == "pending"
    ledger.apply_event(gift, via="relay")
    assert fleet.total() == 0 and Donation.get().status == "voided"


def test_8_the_void_command(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    from backend.cli import main

    fleet.be("kiosk-a")
    gift = charter.record_cash_gift("20")["data"]["donation_id"]
    assert main(["void-cash", str(gift), "--reason", "counted twice"]) == 0
    assert "voided" in capsys.readouterr().out
    assert fleet.total() == 0
    assert main(["void-cash", str(gift), "--reason", "again"]) != 0


# --- 9. repeat deposits heard before their parent ----------------------------------------------


def test_9_a_repeat_deposit_before_its_parent_is_kept_and_counted_once_the_parent_is_known(
        fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    parent = charter.crypto_button_click("25", "btc")["data"]
    parent_id = int(parent["payment_id"])
    fleet.be("kiosk-b")  # never heard of the parent
    child = crypto(parent_id + 1000, "finished", "12", parent=parent_id, order=None)
    fleet.ipn(child, IPN_TEST)
    fleet.sync()
    assert fleet.total() == 0
    assert ledger.wanted_crypto_payments() == [str(parent_id)]
    Reconciler().run_once()  # asks NOWPayments (the sandbox) about the parent
    assert fleet.total() == 1200
    assert CryptoPayment.get_by_id(str(parent_id + 1000)).parent_payment_id == str(parent_id)
    assert PendingEvent.select().count() == 0
    fleet.sync()
    Reconciler().run_once()
    assert fleet.total() == 1200


# --- 10. the export -------------------------------------------------------------------------


def test_10_export_neutralises_every_text_cell_and_lists_corrections_as_rows(
        fleet: Fleet, tmp_path: Path) -> None:
    fleet.be("kiosk-a")
    evil = session("cs_test_=cmd|' /C calc'!A0", 5000)
    evil["metadata"]["kiosk_id"] = "@SUM(1+1)"
    assert fleet.stripe("checkout.session.completed", evil).ok
    fleet.stripe("charge.refunded", charge(evil["payment_intent"], 5000, 1500))
    fleet.sync()
    gift = charter.record_cash_gift("12.5", display_name="+HYPERLINK(evil)")["data"]
    charter.void_cash_gift(gift["donation_id"], "-mistyped")
    out = tmp_path / "ledger.csv"
    assert charter.export_donations_csv(out)["data"]["rows"] == 4
    with out.open(encoding="utf-8", newline="") as export:
        rows = list(csv.DictReader(export))
    assert [r["kind"] for r in rows] == ["gift", "refund", "gift", "void"]
    assert [r["amount"] for r in rows] == ["50.00", "-15.00", "12.50", "-12.50"]
    assert sum(Decimal(r["amount"]) for r in rows) * 100 == fleet.total() == 3500
    for row in rows:
        for column, value in row.items():
            if column != "amount":
                assert value[:1] not in ("=", "+", "-", "@"), (column, value)
    assert rows[0]["kiosk_id"] == "'@SUM(1+1)" and rows[3]["reason"] == "'-mistyped"


# --- check -----------------------------------------------------------------------------------


def test_check_reports_the_sum_of_entries_and_records_of_the_other_mode(fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    charter.record_cash_gift("10")
    checks = {c.name: c for c in check_database()}
    assert checks["total"].status == "pass" and "sum of entries" in checks["total"].detail
    assert checks["modes"].status == "pass"
    Donation.update(livemode=True).execute()  # as if a live gift had reached a test file
    assert {c.name: c for c in check_database()}["modes"].status == "fail"
    LedgerEntry.update(amount_minor=999).execute()  # an entry edited behind the ledger's back
    assert {c.name: c for c in check_database()}["total"].status == "fail"


def test_1_an_ipn_sent_straight_to_a_kiosk_counts_in_the_mode_of_the_secret_that_signed_it(
        kiosk_env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOWPAYMENTS_IPN_SECRET_TEST", IPN_TEST)
    monkeypatch.setenv("NOWPAYMENTS_IPN_SECRET_LIVE", IPN_LIVE)
    live = json.dumps(crypto(701, "finished", "9")).encode()
    answer = charter.after_payment_webhook(
        live, {"x-nowpayments-sig": nowpayments_signature(live, IPN_LIVE)})
    assert not answer["success"]  # a test kiosk checks only its own mode's secret
    test = json.dumps(crypto(702, "finished", "9")).encode()
    answer = charter.after_payment_webhook(
        test, {"x-nowpayments-sig": nowpayments_signature(test, IPN_TEST)})
    assert answer["success"] and answer["data"]["counted"] is True, answer
    assert ledger.totals()["total_minor"] == 900


def test_schema_3_turns_old_donations_into_entries_and_keeps_an_early_refund(
        kiosk_env: Any, tmp_path: Path) -> None:
    """A kiosk upgraded mid-event: its counted and refunded donations become gift and
    refund entries (the total unchanged), and a refund heard before its payment
    (schema 2 kept it as an OrphanRefund) still takes that payment out when it comes."""
    import sqlite3

    from backend.models import OrphanRefund

    path = tmp_path / "old.sqlite3"
    open_database(path)
    base = {"campaign_id": "gala", "method": "cash", "currency": "usd", "via": "staff"}
    Donation.insert(source="cash", provider_ref="old-1", amount_minor=700, **base).execute()
    Donation.insert(source="cash", provider_ref="old-2", amount_minor=300, status="refunded",
                    **base).execute()
    OrphanRefund.insert(source="stripe", payment_ref="pi_cs_test_late").execute()
    close_database()
    raw = sqlite3.connect(path)
    raw.execute("DELETE FROM ledger_entry")  # schema 2 had donations, no entries
    raw.execute("DELETE FROM campaign_total")
    raw.execute("PRAGMA user_version = 2")
    raw.commit()
    raw.close()
    open_database(path)  # migrates to schema 3
    totals = ledger.totals()
    assert (totals["total_minor"], totals["gross_minor"], totals["corrections_minor"]) == (
        700, 1000, -300)
    assert ledger.recomputed_totals()["total_minor"] == 700
    assert PendingEvent.select().count() == 1 and OrphanRefund.select().count() == 0
    ledger.apply_stripe_session(session("cs_test_late", 2500), via="poller")
    assert ledger.totals()["total_minor"] == 700  # counted, and the early refund applied
    assert Donation.get(Donation.provider_ref == "cs_test_late").status == "refunded"
