"""Refunds and disputes of monthly gifts reach the total (issue 14).

A monthly gift's months are donations under their invoice ids, while Stripe's
`charge.refunded` and `charge.dispute.*` name only a PaymentIntent that, since API
2025-03-31, only an InvoicePayment ties to its invoice. The sandbox over real HTTP makes
the payments, refunds and disputes as Stripe does; the kiosks are real SQLite files; the
events are signed as Stripe signs them, to the kiosk or through a real relay.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from backend import charter, ledger, stripe_api
from backend.db import close_database, open_database
from backend.models import ContributionIntent, Donation, InvoicePayment, PendingEvent
from backend.reconcile import PROVIDER_PAUSE_S, Reconciler
from backend.relay import tokens
from backend.relay.server import RelayServer
from backend.settings import write_settings
from backend.sync import RelaySync
from backend.webhooks import stripe_signature_header
from tests.conftest import CAMPAIGN


class Clock:
    """Real time plus an offset tests move forward; sleeping advances it."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds


class Asking:
    """Stripe's answer to "which invoice did this PaymentIntent pay?", over HTTP to the
    sandbox, counted; `tamper` changes the answers before the ledger judges them."""

    def __init__(self, tamper: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None
                 = None) -> None:
        self.calls: list[str] = []
        self.tamper = tamper

    def __call__(self, payment_intent: str) -> list[Mapping[str, Any]]:
        self.calls.append(payment_intent)
        answers = stripe_api.invoice_payments_of(payment_intent)
        return list(self.tamper(answers) if self.tamper else answers)


class Monthly:
    """One kiosk with monthly gifts on, and the sandbox's Stripe events delivered to it as
    Stripe's webhooks would be (or held back, to hear them in another order)."""

    def __init__(self, sandbox: Any) -> None:
        self.sb = sandbox
        self.sent: set[str] = set()
        self.clock = Clock()
        # Does the Stripe endpoint send `invoice_payment.paid`? Off, as on an endpoint set
        # up before the README listed it: the reconciler must find each link itself.
        self.link_events = False

    def give(self, amount: str = "20") -> dict[str, Any]:
        """A donor makes it monthly and pays on their phone: the first month counts."""
        data = charter.fiat_button_click(amount, "card", recurring="month")["data"]
        session = self.sb.pay_stripe_session(data["session_id"], webhook=False)
        self.deliver()
        return {**data, "subscription": session["subscription"], "invoice": session["invoice"]}

    def events(self, *types: str) -> list[dict[str, Any]]:
        """The sandbox's events not delivered yet (of these types), oldest first."""
        return [e for e in self.sb.stripe.events()
                if e["id"] not in self.sent and (e["type"] in types if types else
                                                 self.link_events or
                                                 e["type"] != "invoice_payment.paid")]

    def deliver(self, *types: str, body: Callable[[dict[str, Any]], dict[str, Any]] | None
                = None) -> None:
        for event in self.events(*types):
            self.send(body(event) if body else event)
            self.sent.add(event["id"])

    def send(self, event: Mapping[str, Any]) -> dict[str, Any]:
        raw = json.dumps(event).encode()
        header = stripe_signature_header(raw, self.sb.config.stripe_webhook_secret,
                                         int(time.time()))
        result = stripe_api.handle_webhook(raw, header)
        assert result["success"], result
        return dict(result["data"])

    def reconcile(self, asking: Asking | None = None) -> Asking:
        """One reconciler pass, as the kiosk's worker makes one; a minute later each time,
        so a payment asked about before is due again."""
        asking = asking or Asking()
        self.clock.offset += 60
        Reconciler(clock=self.clock, sleep=self.clock.sleep, max_calls_per_second=50,
                   invoice_payments=asking).run_once()
        return asking


@pytest.fixture
def monthly(kiosk_env: Any) -> Monthly:
    write_settings({"campaign": {**CAMPAIGN, "monthly": True},
                    "kiosk": {"id": "kiosk-a", "mode": "test"}})
    return Monthly(kiosk_env)


def total() -> int:
    kept = ledger.totals()
    assert kept["total_minor"] == ledger.recomputed_totals()["total_minor"]
    return int(kept["total_minor"])


def month(invoice: str) -> Donation:
    return Donation.get((Donation.source == "stripe") & (Donation.provider_ref == invoice))


def waiting() -> list[str]:
    return [p.waiting_for for p in PendingEvent.select()]


def intent_of(sandbox: Any, invoice: str) -> str:
    (payment,) = [p for p in sandbox.stripe.payments.invoice_payments.values()
                  if p["invoice"] == invoice]
    return str(payment["payment"]["payment_intent"])


# --- refunds and disputes of a month ------------------------------------------------------


def test_a_renewal_refunded_in_part_then_in_full_leaves_the_total(monthly: Monthly) -> None:
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.deliver()
    assert total() == 4000
    monthly.sb.refund_stripe_payment(renewal, 500, webhook=False)
    monthly.deliver()
    # The refund names a PaymentIntent nothing here knows yet: kept, not lost.
    pi = intent_of(monthly.sb, renewal)
    assert waiting() == [f"stripe-pi:{pi}"] and total() == 4000
    monthly.reconcile()
    assert total() == 3500 and month(renewal).status == "partially_refunded"
    assert waiting() == []
    monthly.sb.refund_stripe_payment(renewal, webhook=False)  # the rest of the month
    monthly.deliver()  # applies at once: the link is known now
    assert total() == 2000
    assert month(renewal).status == "refunded"
    assert month(gift["invoice"]).status == "counted"  # the first month stands
    assert charter.giving_summary()["data"]["monthly_donors"] == 1  # still giving


@pytest.mark.parametrize("order", ["after its checkout", "before its checkout"])
def test_the_first_month_refunded_reads_refunded(monthly: Monthly, order: str) -> None:
    if order == "after its checkout":
        gift = monthly.give("25")
        assert total() == 2500
    else:  # the refund, and which month it was, are known before the month is counted
        data = charter.fiat_button_click("25", "card", recurring="month")["data"]
        session = monthly.sb.pay_stripe_session(data["session_id"], webhook=False)
        gift = {**data, "subscription": session["subscription"], "invoice": session["invoice"]}
    monthly.sb.refund_stripe_session(gift["session_id"], webhook=False)
    monthly.deliver("charge.refunded")
    assert len(waiting()) == 1
    # Before its checkout: one pass learns which month the refund is for, then finds the
    # session paid off screen and counts that month; its refund applies with it.
    monthly.reconcile()
    assert total() == 0 and waiting() == []
    monthly.deliver()  # whatever else is heard later changes nothing
    assert total() == 0
    first = month(gift["invoice"])
    assert first.status == "refunded" and first.subscription == gift["subscription"]
    assert ContributionIntent.get_by_id(gift["intent_id"]).status == "refunded"
    assert [row["provider_ref"] for row in ledger.late_gifts()] == []


@pytest.mark.parametrize("outcome", ["lost", "won"])
def test_a_dispute_on_a_renewal_takes_the_month_out_and_back_if_won(
        monthly: Monthly, outcome: str) -> None:
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.deliver()
    dispute = monthly.sb.dispute_stripe_payment(renewal, webhook=False)
    monthly.deliver()
    assert total() == 4000  # the dispute waits for its month to be known
    monthly.reconcile()
    assert total() == 2000 and month(renewal).status == "disputed"
    monthly.sb.close_stripe_dispute(dispute["id"], outcome, webhook=False)
    monthly.deliver()
    if outcome == "won":
        assert total() == 4000 and month(renewal).status == "counted"
    else:
        assert total() == 2000 and month(renewal).status == "dispute_lost"
    assert month(gift["invoice"]).status == "counted"


def test_a_refund_after_a_partial_refund_and_a_dispute_settles_as_any_card_gift(
        monthly: Monthly) -> None:
    """Refunds first, a dispute takes what is left, whatever order they were heard in."""
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.deliver()
    monthly.reconcile()
    monthly.sb.refund_stripe_payment(renewal, 800, webhook=False)
    monthly.sb.dispute_stripe_payment(renewal, webhook=False)  # the 1200 left
    later = monthly.events()
    for event in reversed(later):  # heard in the opposite order
        monthly.send(event)
        monthly.sent.add(event["id"])
    monthly.reconcile()
    assert total() == 2000 and month(renewal).status == "disputed"
    assert ledger.net_minor(month(renewal).id) == 0


def test_a_cancelled_gift_keeps_its_months_unless_refunded(monthly: Monthly) -> None:
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.cancel_subscription(gift["subscription"], webhook=False)
    monthly.deliver()
    assert total() == 4000 and charter.giving_summary()["data"]["monthly_donors"] == 0
    monthly.sb.refund_stripe_payment(renewal, webhook=False)
    monthly.deliver()
    monthly.reconcile()
    assert total() == 2000
    assert (month(gift["invoice"]).status, month(renewal).status) == ("counted", "refunded")


# --- the order things are heard in ----------------------------------------------------------


@pytest.mark.parametrize("asked", ["before the month", "after the month"])
def test_a_refund_heard_before_its_invoice_paid_waits_then_applies(
        monthly: Monthly, asked: str) -> None:
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, 1500, webhook=False)
    monthly.deliver("charge.refunded")  # Stripe's events arrive out of order
    assert total() == 2000 and len(waiting()) == 1
    if asked == "before the month":
        # Stripe already knows which invoice it paid; this kiosk has not counted it yet.
        monthly.reconcile()
        assert InvoicePayment.get_by_id(intent_of(monthly.sb, renewal)).invoice_id == renewal
        assert total() == 2000 and len(waiting()) == 1
    monthly.deliver("invoice.paid")
    if asked == "after the month":
        assert total() == 4000 and len(waiting()) == 1
        monthly.reconcile()
    assert total() == 2500 and waiting() == []
    assert month(renewal).status == "partially_refunded"


def test_the_link_is_found_through_the_reconciler_when_the_payload_lacks_it(
        monthly: Monthly) -> None:
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)
    monthly.deliver()
    assert "payments" not in renewal and "payment_intent" not in renewal  # as Stripe sends it
    monthly.sb.refund_stripe_payment(renewal["id"], webhook=False)
    monthly.deliver()
    pi = intent_of(monthly.sb, renewal["id"])
    assert ledger.wanted_payment_intents()[0][0] == pi
    asking = monthly.reconcile()
    assert asking.calls == [pi] and total() == 2000
    link = InvoicePayment.get_by_id(pi)
    assert (link.invoice_id, link.via, link.livemode) == (renewal["id"], "reconciler", False)
    assert monthly.reconcile().calls == []  # known now: never asked again
    assert ledger.wanted_payment_intents() == []


def test_a_payload_that_carries_the_link_needs_no_question(monthly: Monthly) -> None:
    """An invoice retrieved with its `payments` expanded, and an invoice as older API
    versions sent it (a top-level `payment_intent`, `subscription`): the link is read
    from it, whichever of the month and its refund is heard first."""
    gift = monthly.give("20")
    sub = gift["subscription"]
    expanded = monthly.sb.renew_subscription(sub, webhook=False)["id"]
    legacy = monthly.sb.renew_subscription(sub, webhook=False)["id"]
    client = stripe_api.stripe_client(for_reads=True)
    with_payments = client.v1.invoices.retrieve(expanded, params={"expand": ["payments"]})
    monthly.sb.refund_stripe_payment(legacy, webhook=False)
    monthly.deliver("charge.refunded")  # the legacy month's refund first

    def as_sent(event: dict[str, Any]) -> dict[str, Any]:
        invoice = event["data"]["object"]
        if invoice["id"] == expanded:
            event["data"]["object"] = with_payments.to_dict()
        else:  # an endpoint on API 2024-06-20: no parent, the link at the top
            details = invoice.pop("parent")["subscription_details"]
            invoice.update(subscription=details["subscription"],
                           subscription_details={"metadata": details["metadata"]},
                           payment_intent=intent_of(monthly.sb, legacy))
            event["api_version"] = "2024-06-20"
        return event

    monthly.deliver("invoice.paid", body=as_sent)
    assert total() == 2000 + 2000 + 0 and waiting() == []
    monthly.sb.refund_stripe_payment(expanded, 700, webhook=False)
    monthly.deliver()
    assert total() == 2000 + 1300
    assert {link.via for link in InvoicePayment.select()} == {"webhook"}
    assert monthly.reconcile().calls == []


def test_a_payment_that_paid_no_invoice_is_asked_about_on_the_schedule_then_no_more(
        monthly: Monthly) -> None:
    """A refund of a one-off payment not known here (another campaign's, on the same Stripe
    account) waits; Stripe says it paid no invoice. It is asked about less and less often,
    and not at all once Stripe has stopped retrying events (three days)."""
    client = stripe_api.stripe_client()
    theirs = client.v1.checkout.sessions.create(params={
        "mode": "payment", "metadata": {"campaign_id": "other"},
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 900,
                                       "product_data": {"name": "Another appeal"}},
                        "quantity": 1}],
        "success_url": "https://other.example/thanks", "cancel_url": "https://other.example/"})
    monthly.sb.pay_stripe_session(theirs.id, webhook=False)
    monthly.sb.refund_stripe_session(theirs.id, webhook=False)
    monthly.deliver()
    assert len(waiting()) == 1
    asking = Asking()
    reconciler = Reconciler(clock=monthly.clock, sleep=monthly.clock.sleep,
                            max_calls_per_second=50, invoice_payments=asking)
    reconciler.run_once()
    assert len(asking.calls) == 1 and InvoicePayment.select().count() == 0
    monthly.clock.offset += 5
    reconciler.run_once()
    assert len(asking.calls) == 1  # not due again yet
    monthly.clock.offset += 3600
    reconciler.run_once()
    assert len(asking.calls) == 2
    monthly.clock.offset += 3 * 24 * 3600
    reconciler.run_once(force=True)
    assert len(asking.calls) == 2 and len(waiting()) == 1  # not asked, never dropped


# --- through the relay: a second kiosk, the same total -------------------------------------


class Fleet:
    """Kiosks (each its own SQLite file) on one relay, which the sandbox's events reach
    signed as Stripe's; each kiosk reconciles on its own."""

    def __init__(self, sandbox: Any, relay: RelayServer, db_url: str, root: Path,
                 monkeypatch: pytest.MonkeyPatch) -> None:
        self.sb, self.relay, self.root, self.mp = sandbox, relay, root, monkeypatch
        self.tokens = {name: tokens.add_kiosk(db_url, name, "test")
                       for name in ("kiosk-a", "kiosk-b")}
        self.sent: set[str] = set()
        self.clock = Clock()
        self.link_events = False  # as Monthly's

    def be(self, name: str) -> None:
        write_settings({"campaign": {**CAMPAIGN, "monthly": True},
                        "kiosk": {"id": name, "mode": "test"},
                        "endpoints": {"relay_url": self.relay.url}})
        self.mp.setenv("RELAY_TOKEN", self.tokens[name])
        close_database()
        open_database(self.root / f"{name}.sqlite3")
        self.name = name

    def forward(self) -> None:
        """Stripe sends what happened to the relay (which verifies and stores it)."""
        for event in self.sb.stripe.events():
            if event["id"] in self.sent or (event["type"] == "invoice_payment.paid" and
                                            not self.link_events):
                continue
            raw = json.dumps(event).encode()
            header = stripe_signature_header(raw, self.sb.config.stripe_webhook_secret,
                                             int(time.time()))
            answer = requests.post(f"{self.relay.url}/v1/webhooks/stripe", data=raw,
                                   headers={"Stripe-Signature": header}, timeout=5)
            assert answer.status_code == 200, answer.text
            self.sent.add(event["id"])

    def sync(self) -> None:
        RelaySync(self.relay.url, self.tokens[self.name]).poll_once(wait=0)

    def reconcile(self) -> None:
        self.clock.offset += 60
        Reconciler(clock=self.clock, sleep=self.clock.sleep,
                   max_calls_per_second=50).run_once()


@pytest.fixture
def fleet(monthly: Monthly, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    url = f"sqlite:///{tmp_path / 'relay.sqlite3'}"
    secret = monthly.sb.config.stripe_webhook_secret
    with RelayServer(url, stripe_secrets=[secret], nowpayments_secrets={}) as relay:
        monkeypatch.setenv("CHARTER_RELAY_URL", relay.url)
        yield Fleet(monthly.sb, relay, url, tmp_path, monkeypatch)


def test_through_the_relay_a_second_kiosk_reaches_the_same_total(fleet: Fleet) -> None:
    fleet.be("kiosk-a")
    data = charter.fiat_button_click("30", "card", recurring="month")["data"]
    session = fleet.sb.pay_stripe_session(data["session_id"], webhook=False)
    sub, first = session["subscription"], session["invoice"]
    second = fleet.sb.renew_subscription(sub, webhook=False)["id"]
    third = fleet.sb.renew_subscription(sub, webhook=False)["id"]
    fleet.forward()
    fleet.sync()
    assert total() == 9000
    # Kiosk A hears the refunds and the dispute and reconciles between them; kiosk B
    # hears everything at the end, then reconciles once.
    fleet.sb.refund_stripe_payment(second, 1000, webhook=False)
    fleet.forward()
    fleet.sync()
    fleet.reconcile()
    assert total() == 8000
    fleet.sb.refund_stripe_session(data["session_id"], webhook=False)
    dispute = fleet.sb.dispute_stripe_payment(third, webhook=False)
    fleet.sb.close_stripe_dispute(dispute["id"], "lost", webhook=False)
    fleet.sb.refund_stripe_payment(second, webhook=False)
    fleet.forward()
    fleet.sync()
    fleet.reconcile()
    statuses = {ref: month(ref).status for ref in (first, second, third)}
    assert total() == 0 and waiting() == []
    assert statuses == {first: "refunded", second: "refunded", third: "dispute_lost"}
    fleet.be("kiosk-b")
    fleet.sync()
    # No relayed event says which month a PaymentIntent paid: B asks Stripe itself.
    assert total() == 9000 and len({w for w in waiting()}) == 3
    fleet.reconcile()
    assert total() == 0 and waiting() == []
    assert {ref: month(ref).status for ref in (first, second, third)} == statuses
    assert ledger.recomputed_totals()["by_method"]["card"] == 0


def test_with_invoice_payment_paid_relayed_a_board_without_stripe_reaches_the_same_total(
        fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet.link_events = True
    fleet.be("kiosk-a")
    data = charter.fiat_button_click("30", "card", recurring="month")["data"]
    session = fleet.sb.pay_stripe_session(data["session_id"], webhook=False)
    second = fleet.sb.renew_subscription(session["subscription"], webhook=False)["id"]
    fleet.sb.refund_stripe_payment(second, 1000, webhook=False)
    dispute = fleet.sb.dispute_stripe_payment(session["invoice"], webhook=False)
    fleet.sb.close_stripe_dispute(dispute["id"], "lost", webhook=False)
    fleet.forward()
    fleet.sync()
    assert total() == 2000 and waiting() == []
    # kiosk-b plays a display board on a machine of its own: no Stripe key, no reconciler.
    for name in ("STRIPE_SECRET_KEY_TEST", "STRIPE_SECRET_KEY_LIVE"):
        monkeypatch.delenv(name, raising=False)
    fleet.be("kiosk-b")
    fleet.sync()
    assert total() == 2000 and waiting() == []
    assert (month(session["invoice"]).status, month(second).status) == \
        ("dispute_lost", "partially_refunded")


# --- Stripe's own word: invoice_payment.paid ---------------------------------------------


def test_invoice_payment_paid_places_every_refund_without_asking_stripe(
        monthly: Monthly) -> None:
    monthly.link_events = True
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, 500, webhook=False)
    monthly.sb.refund_stripe_session(gift["session_id"], webhook=False)
    monthly.deliver()
    assert total() == 1500 and waiting() == []
    assert (month(gift["invoice"]).status, month(renewal).status) == \
        ("refunded", "partially_refunded")
    assert monthly.reconcile().calls == []  # every link came with the events


@pytest.mark.parametrize("order", ["refund, link, month", "link, refund, month",
                                   "refund, month, link", "month, link, refund"])
def test_a_months_refund_its_link_and_the_month_apply_in_any_order(
        monthly: Monthly, order: str) -> None:
    monthly.link_events = True
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, webhook=False)
    kinds = {"refund": "charge.refunded", "link": "invoice_payment.paid",
             "month": "invoice.paid"}
    for step in order.split(", "):
        monthly.deliver(kinds[step])
    assert total() == 2000 and waiting() == [] and month(renewal).status == "refunded"


def test_a_link_event_that_contradicts_a_known_link_changes_nothing(
        monthly: Monthly, caplog: pytest.LogCaptureFixture) -> None:
    monthly.link_events = True
    gift = monthly.give("20")
    first_pi = intent_of(monthly.sb, gift["invoice"])
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)
    (paid_with,) = [e for e in monthly.events("invoice_payment.paid")]
    # A forged or mistaken word: the renewal's InvoicePayment naming the first month's
    # PaymentIntent. The first link stands; the renewal still counts once.
    forged = json.loads(json.dumps(paid_with))
    forged["data"]["object"]["payment"]["payment_intent"] = first_pi
    assert monthly.send(forged)["status"] == "ignored"
    assert "known to have paid" in "\n".join(r.getMessage() for r in caplog.records)
    monthly.deliver()
    assert total() == 4000
    monthly.sb.refund_stripe_payment(renewal["id"], webhook=False)
    monthly.deliver()
    assert total() == 2000 and month(renewal["id"]).status == "refunded"
    assert month(gift["invoice"]).status == "counted"


@pytest.mark.parametrize(("name", "change"), [
    ("not paid", lambda o: {**o, "status": "open"}),
    ("no PaymentIntent", lambda o: {**o, "payment": {"type": "charge", "charge": "ch_1"}}),
    ("no invoice", lambda o: {**o, "invoice": None}),
    ("not an object", lambda o: "inpay_123"),
])
def test_a_link_event_that_names_no_paid_invoice_is_ignored_and_loses_nothing(
        monthly: Monthly, name: str, change: Callable[[dict[str, Any]], Any]) -> None:
    monthly.link_events = True
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, webhook=False)
    (paid_with,) = monthly.events("invoice_payment.paid")
    bad = json.loads(json.dumps(paid_with))
    bad["data"]["object"] = change(bad["data"]["object"])
    if isinstance(bad["data"]["object"], dict):
        assert monthly.send(bad)["status"] == "ignored", name
    monthly.deliver("invoice.paid", "charge.refunded")
    assert total() == 4000 and len(waiting()) == 1  # the refund waits, not guessed
    monthly.deliver("invoice_payment.paid")  # the real word, late: nothing was lost
    assert total() == 2000 and waiting() == []


# --- bad answers, and no answer ---------------------------------------------------------


def refunded_renewal(monthly: Monthly, amount: int | None = None) -> tuple[str, str]:
    """A monthly gift with a renewal refunded (in full unless `amount`), heard here: the
    refund waits. The renewal's invoice and PaymentIntent."""
    gift = monthly.give("20")
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, amount, webhook=False)
    monthly.deliver()
    assert total() == 4000 and len(waiting()) == 1
    return renewal, intent_of(monthly.sb, renewal)


def messages(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("name", "tamper", "said"), [
    ("no payment", lambda a: [{**x, "payment": None} for x in a], "names no PaymentIntent"),
    ("a charge, not a PaymentIntent", lambda a: [
        {**x, "payment": {"type": "charge", "charge": "ch_3Nx", "payment_intent": None}}
        for x in a], "names no PaymentIntent"),
    ("a payment record", lambda a: [
        {**x, "payment": {**x["payment"], "type": "payment_record", "payment_record": "pr_1"}}
        for x in a], "names no PaymentIntent"),
    ("no invoice", lambda a: [{**x, "invoice": None} for x in a], "names no invoice"),
    ("another PaymentIntent", lambda a: [
        {**x, "payment": {"type": "payment_intent", "payment_intent": "pi_3SomeoneElses"}}
        for x in a], "when asked about"),
    ("not paid", lambda a: [{**x, "status": "open"} for x in a], "not paid"),
    ("two invoices", lambda a: a + [{**x, "id": "inpay_2", "invoice": "in_3Other"} for x in a],
     "paid 2 invoices"),
])
def test_an_answer_that_names_no_invoice_for_it_keeps_the_refund_waiting(
        monthly: Monthly, caplog: pytest.LogCaptureFixture, name: str,
        tamper: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], said: str) -> None:
    renewal, pi = refunded_renewal(monthly)
    caplog.set_level(logging.INFO, logger="charter")
    monthly.reconcile(Asking(tamper))
    assert total() == 4000 and waiting() == [f"stripe-pi:{pi}"]
    assert InvoicePayment.select().count() == 0
    assert said in messages(caplog) and pi in messages(caplog)
    monthly.reconcile()  # Stripe answers plainly next time: nothing was lost
    assert total() == 2000 and waiting() == [] and month(renewal).status == "refunded"


def test_a_refund_of_another_campaigns_monthly_gift_never_touches_this_total(
        monthly: Monthly, caplog: pytest.LogCaptureFixture) -> None:
    """One Stripe account, two campaigns: the other's month is not counted here, so its
    refund names an invoice of another campaign and waits, harmlessly, for ever."""
    gift = monthly.give("20")
    assert total() == 2000
    metadata = {"campaign_id": "other", "kiosk_id": "web"}
    theirs = stripe_api.stripe_client().v1.checkout.sessions.create(params={
        "mode": "subscription", "metadata": metadata,
        "subscription_data": {"metadata": metadata},
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 5000,
                                       "product_data": {"name": "Another appeal"},
                                       "recurring": {"interval": "month"}}, "quantity": 1}],
        "success_url": "https://other.example/thanks", "cancel_url": "https://other.example/"})
    paid = monthly.sb.pay_stripe_session(theirs.id, webhook=False)
    monthly.sb.refund_stripe_session(theirs.id, webhook=False)
    monthly.deliver()
    caplog.set_level(logging.INFO, logger="charter")
    monthly.reconcile()
    assert total() == 2000 and len(waiting()) == 1
    assert InvoicePayment.get_by_id(intent_of(monthly.sb, paid["invoice"])).invoice_id == \
        paid["invoice"]
    assert "not counted here" in messages(caplog)
    # An invoice.paid whose expanded payments name another invoice's payment links nothing.
    renewal = monthly.sb.renew_subscription(gift["subscription"], webhook=False)["id"]
    monthly.sb.refund_stripe_payment(renewal, webhook=False)

    def misfiled(event: dict[str, Any]) -> dict[str, Any]:
        if event["type"] == "invoice.paid":
            event["data"]["object"]["payments"] = {"object": "list", "data": [{
                "id": "inpay_3Misfiled", "object": "invoice_payment", "invoice": paid["invoice"],
                "status": "paid", "payment": {"type": "payment_intent",
                                              "payment_intent": intent_of(monthly.sb, renewal)}}]}
        return event

    monthly.deliver(body=misfiled)
    assert "is for invoice" in messages(caplog)
    # Nor is a payload naming, as its own, a payment known to have paid another invoice.
    their_pi = intent_of(monthly.sb, paid["invoice"])
    claimed = monthly.send({"id": "evt_claims_theirs", "object": "event", "type": "invoice.paid",
                            "livemode": False, "api_version": "2024-06-20", "data": {
                                "object": {**monthly.sb.stripe.payments.invoices[renewal],
                                           "payment_intent": their_pi}}})
    assert claimed["status"] == "paid"
    assert InvoicePayment.get_by_id(their_pi).invoice_id == paid["invoice"]
    assert f"known to have paid {paid['invoice']}" in messages(caplog)
    assert total() == 4000  # the renewal counted, its refund waits for a trusted link
    monthly.reconcile()
    assert total() == 2000 and month(renewal).status == "refunded"


@pytest.mark.parametrize("how", ["down", "unreachable"])
def test_stripe_not_answering_keeps_the_refund_waiting_and_says_so_without_secrets(
        monthly: Monthly, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
        how: str) -> None:
    renewal, pi = refunded_renewal(monthly, 600)
    caplog.set_level(logging.INFO, logger="charter")
    if how == "down":
        monthly.sb.set_fault("stripe", "down")
    else:
        monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    reconciler = Reconciler(clock=monthly.clock, sleep=monthly.clock.sleep,
                            max_calls_per_second=50)
    report = reconciler.run_once()
    assert report.errors == 1 and total() == 4000 and waiting() == [f"stripe-pi:{pi}"]
    text = messages(caplog)
    assert f"asking Stripe which invoice payment {pi} paid" in text
    assert "keep waiting" in text
    for secret in (monthly.sb.config.stripe_secret_key, monthly.sb.config.stripe_webhook_secret):
        assert secret not in text and secret[-8:] not in text
    # Stripe is back, but the reconciler paused asking it: even a forced pass waits.
    monthly.sb.set_fault("stripe", "none")
    monkeypatch.setenv("STRIPE_API_BASE", monthly.sb.url)
    monthly.clock.offset += 5
    reconciler.run_once(force=True)
    assert total() == 4000 and len(waiting()) == 1
    monthly.clock.offset += PROVIDER_PAUSE_S[0] + 1
    reconciler.run_once()
    assert total() == 3400 and waiting() == [] and month(renewal).status == "partially_refunded"
