"""The ledger: provider states become donations exactly once, forward only, in any order."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend import db, ledger
from backend.models import (
    CampaignTotal,
    ContributionIntent,
    CryptoPayment,
    Donation,
    LedgerEntry,
    PendingEvent,
    StripePayment,
)
from backend.models import Dispute as DisputeState
from backend.result import UserError
from backend.settings import write_settings
from backend.webhooks import ProviderEvent
from tests.support.databases import open_fresh_database

CAMPAIGN = "gala"


@pytest.fixture(autouse=True)
def campaign() -> Iterator[None]:
    write_settings({"campaign": {"id": CAMPAIGN, "currency": "usd"}, "kiosk": {"id": "kiosk-1"}})
    yield


# --- event builders ---------------------------------------------------------


def session(sid: str, *, amount: int = 2500, status: str = "complete", payment_status: str = "paid",
            pi: str | None = None, campaign: str = CAMPAIGN, currency: str = "usd",
            intent_id: str | None = None) -> dict[str, Any]:
    metadata = {"campaign_id": campaign, "kiosk_id": "kiosk-1"}
    if intent_id:
        metadata["intent_id"] = intent_id
    return {"id": sid, "object": "checkout.session", "amount_total": amount, "currency": currency,
            "status": status, "payment_status": payment_status, "metadata": metadata,
            "payment_intent": pi if pi is not None else f"pi_{sid}", "expires_at": 1_900_000_000}


def stripe_event(event_type: str, obj: dict[str, Any]) -> ProviderEvent:
    payload = {"id": f"evt_{uuid.uuid4().hex}", "type": event_type, "livemode": False,
               "data": {"object": obj}}
    return ProviderEvent("stripe", payload["id"], event_type, payload)


def completed(sid: str, **kw: Any) -> ProviderEvent:
    return stripe_event("checkout.session.completed", session(sid, **kw))


def async_event(sid: str, ok: bool, **kw: Any) -> ProviderEvent:
    kind = "succeeded" if ok else "failed"
    return stripe_event(f"checkout.session.async_payment_{kind}",
                        session(sid, payment_status="paid" if ok else "unpaid", **kw))


def expired(sid: str, **kw: Any) -> ProviderEvent:
    return stripe_event("checkout.session.expired",
                        session(sid, status="expired", payment_status="unpaid", pi="", **kw))


def refund(pi: str, *, full: bool = True, amount: int = 2500) -> ProviderEvent:
    charge = {"id": f"ch_{pi}", "object": "charge", "payment_intent": pi, "refunded": full,
              "amount": amount, "amount_refunded": amount if full else amount // 2}
    return stripe_event("charge.refunded", charge)


def np_payment(pid: int | str, status: str, *, price: object = 10, order: str | None = None,
               parent: int | str | None = None, pay_amount: object = "0.00020000",
               actually_paid: object = None, currency: str = "usd", coin: str = "btc") -> dict[str, Any]:
    return {"payment_id": pid, "payment_status": status, "price_amount": price,
            "price_currency": currency, "pay_amount": pay_amount, "pay_currency": coin,
            "actually_paid": actually_paid, "pay_address": "bc1qexample", "payin_extra_id": None,
            "order_id": order if order is not None else f"{CAMPAIGN}/kiosk-1/i{pid}",
            "parent_payment_id": parent, "updated_at": f"2026-01-01T00:00:{random.randint(0, 59):02d}Z"}


def np_event(payment: dict[str, Any]) -> ProviderEvent:
    # Stamped by whoever verified it (the relay, or this kiosk), with its secret's mode.
    return ProviderEvent("nowpayments", f"{payment['payment_id']}:{payment['payment_status']}",
                         f"payment.{payment['payment_status']}", payment, mode="test")


def intent(intent_id: str, *, method: str = "card", amount: int = 2500) -> ContributionIntent:
    db.ensure_database()
    return ContributionIntent.create(id=intent_id, campaign_id=CAMPAIGN, kiosk_id="kiosk-1",
                                     method=method, amount_minor=amount, currency="usd",
                                     status="awaiting_payment", status_rank=1)


def total() -> tuple[int, int]:
    t = ledger.totals()
    assert _same_totals(t, ledger.recomputed_totals())
    return t["total_minor"], t["count"]


def _same_totals(kept: dict[str, Any], summed: dict[str, Any]) -> bool:
    return all(kept[k] == summed[k] for k in ("campaign_id", "total_minor", "count", "by_method"))


def apply(*events: ProviderEvent) -> list[ledger.LedgerOutcome]:
    return [ledger.apply_event(e, via="webhook") for e in events]


# --- Stripe -----------------------------------------------------------------


def test_completed_paid_counts_once() -> None:
    intent("int-1")
    first, again, third = apply(*(completed("cs_1", intent_id="int-1") for _ in range(3)))
    assert first.counted and first.status == "paid" and first.intent_id == "int-1"
    assert not again.counted and not third.counted
    assert total() == (2500, 1)
    donation = Donation.get()
    assert (donation.source, donation.provider_ref, donation.method, donation.amount_minor) == (
        "stripe", "cs_1", "card", 2500)
    assert donation.intent_id == "int-1"
    assert ContributionIntent.get_by_id("int-1").status == "paid"
    assert StripePayment.get_by_id("cs_1").payment_intent == "pi_cs_1"
    assert ledger.totals()["by_method"] == {"card": 2500, "crypto": 0, "cash": 0}


def test_async_payment_succeeds_later() -> None:
    out = apply(completed("cs_a", payment_status="unpaid"))[0]
    assert out.status == "confirming" and not out.counted
    assert total() == (0, 0)
    assert ledger.pending_minor() == 2500
    out = apply(async_event("cs_a", ok=True))[0]
    assert out.status == "paid" and out.counted
    assert total() == (2500, 1)
    assert ledger.pending_minor() == 0


def test_async_payment_fails() -> None:
    apply(completed("cs_f", payment_status="unpaid"))
    out = apply(async_event("cs_f", ok=False))[0]
    assert out.status == "failed" and not out.counted
    assert total() == (0, 0)
    assert Donation.select().count() == 0


def test_status_never_moves_backwards() -> None:
    intent("int-b")
    apply(completed("cs_b", intent_id="int-b"))
    for later in (expired("cs_b", intent_id="int-b"), async_event("cs_b", ok=False, intent_id="int-b"),
                  completed("cs_b", payment_status="unpaid", intent_id="int-b")):
        assert apply(later)[0].status == "paid"
    assert ledger.cancel_intent("int-b") == "paid"
    assert StripePayment.get_by_id("cs_b").status == "paid"
    assert ContributionIntent.get_by_id("int-b").status == "paid"
    assert total() == (2500, 1)


def test_paid_after_expired_wins() -> None:
    intent("int-e")
    assert apply(expired("cs_e", intent_id="int-e"))[0].status == "expired"
    assert ContributionIntent.get_by_id("int-e").status == "expired"
    out = apply(completed("cs_e", intent_id="int-e"))[0]
    assert out.status == "paid" and out.counted
    assert ContributionIntent.get_by_id("int-e").status == "paid"
    assert total() == (2500, 1)
    assert Donation.get().late  # the donor had seen "expired" and left


def test_full_refund_takes_it_out_of_the_total() -> None:
    intent("int-r")
    apply(completed("cs_r", intent_id="int-r", amount=4000), completed("cs_r2", amount=1000))
    assert total() == (5000, 2)
    out = apply(refund("pi_cs_r", amount=4000))[0]
    assert out.status == "refunded" and out.ignored_reason is None
    assert total() == (1000, 1)
    assert Donation.get(Donation.provider_ref == "cs_r").status == "refunded"
    assert StripePayment.get_by_id("cs_r").status == "refunded"
    assert ContributionIntent.get_by_id("int-r").status == "refunded"
    # Repeats and a later "paid" change nothing.
    apply(refund("pi_cs_r", amount=4000), completed("cs_r", intent_id="int-r", amount=4000))
    assert total() == (1000, 1)
    assert StripePayment.get_by_id("cs_r").status == "refunded"


def test_partial_refund_takes_out_what_was_refunded() -> None:
    apply(completed("cs_p"))
    out = apply(refund("pi_cs_p", full=False))[0]
    assert out.status == "partially_refunded" and not out.ignored_reason
    assert total() == (1250, 1)
    assert Donation.get().status == "partially_refunded"
    assert Donation.get().amount_minor == 2500  # the gift row is never edited


def test_refund_without_payment_intent_is_ignored() -> None:
    apply(completed("cs_n"))
    out = ledger.apply_stripe_refund({"refunded": True}, via="webhook")
    assert out.ignored_reason
    assert total() == (2500, 1)


def test_refund_before_payment() -> None:
    out = apply(refund("pi_cs_o"))[0]
    assert out.status == "pending" and out.ignored_reason and "pi_cs_o" in out.ignored_reason
    assert PendingEvent.select().count() == 1
    apply(completed("cs_o"))
    assert StripePayment.get_by_id("cs_o").status == "refunded"
    assert Donation.get().status == "refunded"
    assert total() == (0, 0)
    assert PendingEvent.select().count() == 0


@pytest.mark.parametrize("kw", [{"campaign": "other-gala"}, {"currency": "eur"}, {"campaign": ""}])
def test_other_campaign_or_currency_writes_nothing(kw: dict[str, str]) -> None:
    for event in (completed("cs_x", **kw), async_event("cs_x", ok=True, **kw), expired("cs_x", **kw)):
        out = apply(event)[0]
        assert out.ignored_reason in ("not this campaign", "not the campaign currency")
        assert not out.counted
    out = ledger.apply_crypto_payment(np_payment(9, "finished", currency=kw.get("currency", "usd"),
                                                 order=f"{kw.get('campaign', CAMPAIGN)}/k/i9"), via="webhook")
    assert out.ignored_reason in ("not this campaign", "not the campaign currency")
    for model in (StripePayment, CryptoPayment, Donation, CampaignTotal, ContributionIntent):
        assert model.select().count() == 0
    assert total() == (0, 0)


def test_session_without_metadata_is_ignored() -> None:
    obj = session("cs_m")
    obj["metadata"] = None
    assert ledger.apply_stripe_session(obj, via="poller").ignored_reason == "not this campaign"
    assert StripePayment.select().count() == 0


def test_not_a_session_id() -> None:
    with pytest.raises(UserError, match="Checkout Session"):
        ledger.apply_stripe_session({"id": "pi_123", "status": "complete"}, via="poller")
    with pytest.raises(UserError):
        ledger.apply_stripe_session({}, via="poller")


def test_unused_event_types_are_ignored() -> None:
    for event in (stripe_event("customer.created", session("cs_u")),
                  stripe_event("payment_intent.succeeded", session("cs_u")),  # not a PI inside
                  ProviderEvent("stripe", "evt_1", "checkout.session.completed", {"data": "nope"})):
        out = apply(event)[0]
        assert out.status == "ignored"
    db.ensure_database()
    assert StripePayment.select().count() == 0


def test_unknown_intent_id_in_metadata() -> None:
    out = apply(completed("cs_w", intent_id="made-on-the-website"))[0]
    assert out.counted and out.intent_id is None
    assert Donation.get().intent_id is None


# --- NOWPayments ------------------------------------------------------------


def test_crypto_lifecycle() -> None:
    intent("i501", method="crypto", amount=1000)
    seen = []
    for status in ("waiting", "confirming", "finished"):
        seen.append(ledger.apply_crypto_payment(np_payment(501, status), via="webhook"))
        if status == "confirming":
            assert ledger.pending_minor() == 1000
            assert total() == (0, 0)
    assert [o.status for o in seen] == ["awaiting_payment", "confirming", "paid"]
    assert seen[-1].counted
    assert total() == (1000, 1)
    d = Donation.get()
    assert (d.source, d.provider_ref, d.method, d.coin, d.intent_id) == (
        "nowpayments", "501", "crypto", "btc", "i501")
    assert ledger.totals()["by_method"]["crypto"] == 1000
    assert CryptoPayment.get_by_id("501").pay_amount == Decimal("0.0002")


@pytest.mark.parametrize("status", ["failed", "expired"])
def test_crypto_failures_do_not_count(status: str) -> None:
    out = ledger.apply_crypto_payment(np_payment(7, status), via="webhook")
    assert out.status == status and not out.counted
    assert total() == (0, 0)
    out = ledger.apply_crypto_payment(np_payment(7, "finished"), via="webhook")
    assert out.status == "paid" and out.counted  # crypto can finish after expiring
    ledger.apply_crypto_payment(np_payment(7, status), via="webhook")
    assert CryptoPayment.get_by_id("7").status == "paid"
    assert total() == (1000, 1)


def test_crypto_refund() -> None:
    ledger.apply_crypto_payment(np_payment(8, "finished", price="12.34"), via="webhook")
    assert total() == (1234, 1)
    assert ledger.apply_crypto_payment(np_payment(8, "refunded"), via="webhook").status == "refunded"
    assert total() == (0, 0)
    assert Donation.get().status == "refunded"


def test_crypto_refund_before_finished() -> None:
    ledger.apply_crypto_payment(np_payment(18, "refunded"), via="webhook")
    out = ledger.apply_crypto_payment(np_payment(18, "finished"), via="webhook")
    assert not out.counted and out.status == "refunded"
    assert Donation.get().status == "refunded"
    assert total() == (0, 0)


@pytest.mark.parametrize(
    ("ids", "price", "minor"),
    [((77, "77"), Decimal("25.50"), 2550), (("77", 77), 25, 2500), ((77, 77), "25.5", 2550),
     (("77", "77"), Decimal("170"), 17000)],
)
def test_crypto_ids_and_prices_in_any_type(ids: tuple[int | str, int | str], price: object,
                                           minor: int) -> None:
    first, second = ids
    ledger.apply_crypto_payment(np_payment(first, "confirming", price=price), via="webhook")
    out = ledger.apply_crypto_payment(np_payment(second, "finished", price=price), via="poller")
    assert out.counted
    assert CryptoPayment.select().count() == 1
    assert total() == (minor, 1)


def test_repeat_deposits_count_separately() -> None:
    intent("i600", method="crypto")
    ledger.apply_crypto_payment(np_payment(600, "finished", price=20), via="webhook")
    child = np_payment(601, "finished", price=5, parent=600, order=f"{CAMPAIGN}/kiosk-1/i600")
    orphan_child = np_payment("602", "finished", price=3, parent="600", order="")
    for payment in (child, child, orphan_child):
        ledger.apply_crypto_payment(payment, via="webhook")
    assert total() == (2800, 3)
    assert CryptoPayment.get_by_id("601").parent_payment_id == "600"
    assert Donation.get(Donation.provider_ref == "601").intent_id is None
    assert Donation.get(Donation.provider_ref == "602").campaign_id == CAMPAIGN
    assert Donation.get(Donation.provider_ref == "600").intent_id == "i600"


def test_unknown_status_and_missing_id() -> None:
    assert ledger.apply_crypto_payment(np_payment(5, "mystery"), via="webhook").ignored_reason
    with pytest.raises(UserError, match="payment_id"):
        ledger.apply_crypto_payment({"payment_status": "finished"}, via="webhook")
    assert CryptoPayment.select().count() == 0


def test_bad_price_rolls_back() -> None:
    with pytest.raises(UserError):
        ledger.apply_crypto_payment(np_payment(55, "finished", price="lots"), via="webhook")
    assert CryptoPayment.select().count() == 0
    assert Donation.select().count() == 0


# --- partial payments -------------------------------------------------------


def _partial(pid: int, *, price: object = "10.00", pay: str = "0.0003", paid: str | None = "0.0001") -> None:
    intent(f"i{pid}", method="crypto", amount=1000)
    ledger.apply_crypto_payment(np_payment(pid, "partially_paid", price=price, pay_amount=pay,
                                           actually_paid=paid), via="webhook")


def test_partial_accept_prorated_rounded_down() -> None:
    _partial(900)
    assert ContributionIntent.get_by_id("i900").needs_staff
    assert total() == (0, 0)
    out = ledger.resolve_partial("900", accept=True)
    assert out.status == "paid" and out.counted
    assert total() == (333, 1)  # 1000 * 1/3 = 333.33 -> 333
    assert not ContributionIntent.get_by_id("i900").needs_staff
    assert Donation.get().via == "staff"
    # The donor tops up and NOWPayments reports it finished: the rest is counted once.
    for _ in range(2):
        ledger.apply_crypto_payment(np_payment(900, "finished", price="10.00"), via="webhook")
    assert total() == (1000, 1)
    assert [e.kind for e in LedgerEntry.select().order_by(LedgerEntry.id)] == [
        "partial_accepted", "top_up"]


def test_partial_overpaid_is_capped() -> None:
    _partial(901, paid="0.0009")
    ledger.resolve_partial(901, accept=True)  # type: ignore[arg-type]
    assert total() == (1000, 1)


def test_partial_refuse() -> None:
    _partial(902)
    out = ledger.resolve_partial("902", accept=False)
    assert out.status == "refused"
    assert CryptoPayment.get_by_id("902").status == "refused"
    assert not ContributionIntent.get_by_id("i902").needs_staff
    assert total() == (0, 0)
    with pytest.raises(UserError, match="not partially paid"):
        ledger.resolve_partial("902", accept=True)


def test_partial_errors() -> None:
    with pytest.raises(UserError, match="No crypto payment"):
        ledger.resolve_partial("404", accept=True)
    _partial(903, paid=None)
    with pytest.raises(UserError, match="not known yet"):
        ledger.resolve_partial("903", accept=True)
    assert CryptoPayment.get_by_id("903").status == "partially_paid"
    assert total() == (0, 0)


def test_partial_then_finished_clears_the_staff_flag() -> None:
    _partial(904)
    ledger.apply_crypto_payment(np_payment(904, "finished", price="10.00"), via="webhook")
    assert not ContributionIntent.get_by_id("i904").needs_staff
    assert total() == (1000, 1)


def test_late_partially_paid_after_finished_does_not_flag_a_paid_gift() -> None:
    intent("i905", method="crypto")
    ledger.apply_crypto_payment(np_payment(905, "finished"), via="webhook")
    ledger.apply_crypto_payment(np_payment(905, "partially_paid", actually_paid="0.0001"), via="webhook")
    assert ContributionIntent.get_by_id("i905").status == "paid"
    assert not ContributionIntent.get_by_id("i905").needs_staff


# --- cash, cancel -----------------------------------------------------------


def test_cash_gifts() -> None:
    first = ledger.record_cash_gift(2000, display_name="Ana", note="envelope")
    second = ledger.record_cash_gift(550)
    assert first != second
    assert total() == (2550, 2)
    assert ledger.totals()["by_method"] == {"card": 0, "crypto": 0, "cash": 2550}
    d = Donation.get_by_id(first)
    assert (d.method, d.via, d.display_name, d.note, d.campaign_id) == ("cash", "staff", "Ana", "envelope",
                                                                        CAMPAIGN)


def test_cancel_intent() -> None:
    intent("int-c")
    assert ledger.cancel_intent("int-c") == "cancelled"
    assert ledger.cancel_intent("int-c") == "cancelled"
    with pytest.raises(UserError):
        ledger.cancel_intent("nope")
    # The donor cancelled on screen, but the card payment still went through: paid wins.
    assert apply(completed("cs_c", intent_id="int-c"))[0].counted
    assert ContributionIntent.get_by_id("int-c").status == "paid"
    assert total() == (2500, 1)


def test_totals_for_an_empty_campaign() -> None:
    assert ledger.totals() == {"campaign_id": CAMPAIGN, "currency": "usd", "total_minor": 0, "count": 0,
                               "gross_minor": 0, "corrections_minor": 0,
                               "by_method": {"card": 0, "crypto": 0, "cash": 0}, "revision": 0}
    apply(completed("cs_t"))
    assert ledger.totals()["revision"] == 1
    assert ledger.totals("another")["total_minor"] == 0


# --- any order, any repetition ----------------------------------------------

STRIPE_KINDS = ("expired", "completed_unpaid", "async_failed", "completed_paid", "async_paid")
PAID_KINDS = ("completed_paid", "async_paid")
CRYPTO_KINDS = ("waiting", "confirming", "partially_paid", "expired", "failed", "finished", "refunded")

# A dispute as the events Stripe sends for it, by how it ends (one or two of them arrive): still
# open, lost or won. (Inquiries, which withdraw nothing, are tested in test_corrections.py.)
DISPUTES = {
    "open": (("created", "needs_response"), ("funds_withdrawn", "needs_response")),
    "lost": (("created", "needs_response"), ("funds_withdrawn", "needs_response"), ("closed", "lost")),
    "won": (("created", "needs_response"), ("funds_withdrawn", "needs_response"),
            ("funds_reinstated", "under_review"), ("closed", "won")),
}
WITHDRAWS = {("created", "needs_response"), ("funds_withdrawn", "needs_response"), ("closed", "lost")}
GIVES_BACK = {("funds_reinstated", "under_review"), ("closed", "won")}

# A card gift: its amount, how Checkout reports the session (paid on completion, later, both
# or never; and perhaps unpaid, expired or failed too), whether this kiosk made it, its
# refunds and perhaps a dispute (how it ends, the percent of the gift disputed, which of its
# events arrive). Each refund is a `charge.refunded` report of the charge's cumulative
# amount_refunded, in percent of the gift: two or three of them often add up to more than the
# gift, one over 100 says more was refunded than was given, and with a dispute that took funds
# they often ask for more than is left.
Dispute = tuple[str | None, int, set[int]]
Session = tuple[int, list[str], bool, list[int], Dispute]


def charge_refunded(pi: str, amount: int, refunded: int) -> ProviderEvent:
    charge = {"id": f"ch_{pi}", "object": "charge", "payment_intent": pi, "amount": amount,
              "amount_refunded": refunded, "refunded": refunded == amount}
    return stripe_event("charge.refunded", charge)


def dispute_event(kind: str, status: str, pi: str, amount: int) -> ProviderEvent:
    return stripe_event(f"charge.dispute.{kind}", {"id": f"dp_{pi}", "object": "dispute",
                                                   "payment_intent": pi, "amount": amount, "status": status})


def _card(i: int, session: Session) -> tuple[list[ProviderEvent], int | None]:
    """A card gift's events in their natural order (the session's, the dispute's, then the
    refunds': in order, a refund is heard after a dispute took the funds), and what the gift is
    worth once all are heard, worked out from what happened rather than by the ledger (None:
    never paid, so never counted): refunds take the most any report says, at most the gift; a
    dispute takes what it disputes while the funds are out; and nothing takes a gift below zero.
    """
    amount, kinds, with_intent, refund_shares, dispute = session
    sid, pi = f"cs_{i}", f"pi_cs_{i}"
    kw = {"amount": amount, "intent_id": f"int-s{i}" if with_intent else None}
    build = {
        "expired": lambda: expired(sid, **kw),
        "completed_unpaid": lambda: completed(sid, payment_status="unpaid", **kw),
        "async_failed": lambda: async_event(sid, ok=False, **kw),
        "completed_paid": lambda: completed(sid, **kw),
        "async_paid": lambda: async_event(sid, ok=True, **kw),
    }
    events = [build[k]() for k in sorted(set(kinds), key=STRIPE_KINDS.index)]
    levels = [max(1, amount * share // 100) for share in refund_shares]
    refunded = min(max(levels, default=0), amount)
    said: list[tuple[str, str]] = []
    disputed = 0
    end, share, which = dispute
    if end is not None:
        said = [DISPUTES[end][n] for n in sorted({n % len(DISPUTES[end]) for n in which})]
        disputed = max(1, amount * share // 100)
        events += [dispute_event(kind, status, pi, disputed) for kind, status in said]
    events += [charge_refunded(pi, amount, level) for level in levels]
    if not set(PAID_KINDS) & set(kinds):
        return events, None
    out = disputed if WITHDRAWS & set(said) and not GIVES_BACK & set(said) else 0
    return events, max(0, amount - refunded - out)


def _crypto_events(i: int, price: Decimal, kinds: list[str], id_types: list[bool],
                   parent: int | None) -> list[ProviderEvent]:
    pid = 1000 + i
    events = []
    for n, kind in enumerate(sorted(set(kinds), key=CRYPTO_KINDS.index)):
        as_text = id_types[n % len(id_types)]
        price_form: object = [price, str(price), int(price) if price == int(price) else str(price)][n % 3]
        order = f"{CAMPAIGN}/kiosk-1/int-c{parent if parent is not None else i}"
        events.append(np_event(np_payment(str(pid) if as_text else pid, kind, price=price_form, order=order,
                                          parent=(1000 + parent) if parent is not None else None,
                                          actually_paid="0.0001")))
    return events


stripe_session = st.tuples(
    st.integers(50, 500_000),
    st.builds(lambda paid, other: [*paid, *other],
              st.sampled_from([(), *((k,) for k in PAID_KINDS), PAID_KINDS]),
              st.lists(st.sampled_from([k for k in STRIPE_KINDS if k not in PAID_KINDS]), max_size=2)),
    st.booleans(),
    st.lists(st.integers(1, 150), max_size=3),
    st.tuples(st.sampled_from([None, *DISPUTES]), st.just(100) | st.integers(1, 100),
              st.sets(st.integers(0, 3), min_size=1, max_size=2)))
crypto_payment = st.tuples(st.decimals(min_value=1, max_value=5000, places=2),
                           st.lists(st.sampled_from(CRYPTO_KINDS), min_size=1, max_size=4),
                           st.lists(st.booleans(), min_size=1, max_size=3), st.booleans())
foreign = st.sampled_from(["other_campaign", "other_currency"])


def _state() -> dict[str, Any]:
    """What a run ends with (read as plain rows, not model objects: this runs 60 times a test)."""
    t = ledger.totals()
    assert _same_totals(t, ledger.recomputed_totals())
    return {
        "donations": sorted(Donation.select(
            Donation.source, Donation.provider_ref, Donation.amount_minor, Donation.status, Donation.method,
            Donation.campaign_id, Donation.intent, Donation.currency).tuples()),
        "nets": sorted(db.database.obj.execute_sql(
            "SELECT d.source, d.provider_ref, COALESCE(SUM(e.amount_minor), 0) FROM donation AS d "
            "LEFT JOIN ledger_entry AS e ON e.donation_id = d.id GROUP BY d.id").fetchall()),
        "stripe": sorted(StripePayment.select(StripePayment.session_id, StripePayment.status,
                                              StripePayment.amount_minor).tuples()),
        "crypto": sorted(CryptoPayment.select(
            CryptoPayment.payment_id, CryptoPayment.status, CryptoPayment.price_minor,
            CryptoPayment.parent_payment_id).tuples()),
        "intents": sorted(ContributionIntent.select(ContributionIntent.id, ContributionIntent.status,
                                                    ContributionIntent.needs_staff).tuples()),
        "totals": {k: t[k] for k in ("total_minor", "count", "by_method", "currency")},
    }


# The kept total (what `ledger.totals()` reads) beside the sum of the entries (what
# `ledger.recomputed_totals()` adds up), in one query: checked after every event, where the
# two calls cost three queries and most of a millisecond. Both calls check the end state.
_KEPT_AND_SUMMED = """
SELECT COALESCE(t.total_minor, 0), COALESCE(t.count, 0), COALESCE(t.card_minor, 0),
       COALESCE(t.crypto_minor, 0), COALESCE(t.cash_minor, 0),
       s.total, s.count, s.card, s.crypto, s.cash
FROM (SELECT COALESCE(SUM(amount_minor), 0) AS total,
             (SELECT COUNT(*) FROM (SELECT SUM(amount_minor) AS net FROM ledger_entry
                                    WHERE campaign_id = :campaign GROUP BY donation_id)
              WHERE net > 0) AS count,
             COALESCE(SUM(CASE method WHEN 'card' THEN amount_minor END), 0) AS card,
             COALESCE(SUM(CASE method WHEN 'crypto' THEN amount_minor END), 0) AS crypto,
             COALESCE(SUM(CASE method WHEN 'cash' THEN amount_minor END), 0) AS cash
      FROM ledger_entry WHERE campaign_id = :campaign) AS s
LEFT JOIN campaign_total AS t ON t.campaign_id = :campaign
"""


def _run(path: Path, events: list[ProviderEvent], intents: list[tuple[str, str]]) -> dict[str, Any]:
    open_fresh_database(path)
    # What the ledger does, not whether it survives a power cut: no fsync at each commit.
    db.database.obj.execute_sql("PRAGMA synchronous = OFF")
    try:
        if intents:  # as `intent()` makes them, in one statement
            ContributionIntent.insert_many([
                {"id": intent_id, "campaign_id": CAMPAIGN, "kiosk_id": "kiosk-1", "method": method,
                 "amount_minor": 2500, "currency": "usd", "status": "awaiting_payment", "status_rank": 1}
                for intent_id, method in intents]).execute()
        for event in events:
            ledger.apply_event(event, via="relay")
            row = db.database.obj.execute_sql(_KEPT_AND_SUMMED, {"campaign": CAMPAIGN}).fetchone()
            assert row[:5] == row[5:], (event.event_type, row)
        return _state()
    finally:
        db.close_database()


@pytest.mark.slow
# 30 examples in the suite (each applies up to 41 events in order and up to 123 shuffled and
# repeated, checking the totals after every one); LEDGER_EXAMPLES=500 for a longer search.
@settings(max_examples=int(os.environ.get("LEDGER_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    sessions=st.lists(stripe_session, min_size=1, max_size=3),
    payments=st.lists(crypto_payment, max_size=3),
    foreigners=st.lists(foreign, max_size=2),
    seed=st.randoms(use_true_random=False),
    repeats=st.lists(st.integers(0, 2), min_size=1, max_size=30),
)
def test_any_order_and_repetition_gives_the_same_ledger(
    tmp_path_factory: pytest.TempPathFactory, sessions: list[Session],
    payments: list[tuple[Decimal, list[str], list[bool], bool]], foreigners: list[str],
    seed: random.Random, repeats: list[int],
) -> None:
    per_entity: list[list[ProviderEvent]] = []
    intents: list[tuple[str, str]] = []
    nets: dict[tuple[str, str], int] = {}  # what each counted gift is worth in the end
    for i, session in enumerate(sessions):
        events, net = _card(i, session)
        per_entity.append(events)
        if net is not None:
            nets["stripe", f"cs_{i}"] = net
        if session[2]:
            intents.append((f"int-s{i}", "card"))
    for i, (price, kinds, id_types, is_child) in enumerate(payments):
        # A repeat deposit points at the first payment as its parent.
        parent = 0 if is_child and i > 0 else None
        per_entity.append(_crypto_events(i, price, kinds, id_types, parent))
        if parent is None:
            intents.append((f"int-c{i}", "crypto"))
        if "finished" in kinds:  # counted at its price; a refund takes all of it
            nets["nowpayments", str(1000 + i)] = 0 if "refunded" in kinds else int(price * 100)
    for n, kind in enumerate(foreigners):
        kw = {"campaign": "someone-else"} if kind == "other_campaign" else {"currency": "eur"}
        per_entity.append([completed(f"cs_foreign{n}", **kw)])
    canonical = [e for events in per_entity for e in events]
    shuffled = [e for n, e in enumerate(canonical) for _ in range(1 + repeats[n % len(repeats)])]
    seed.shuffle(shuffled)

    root = tmp_path_factory.getbasetemp() / "ledger-property"
    expected = _run(root / f"{uuid.uuid4().hex}.sqlite3", canonical, intents)
    # In order, the ledger is what happened; then any order and repetition gives that ledger.
    assert expected["nets"] == sorted((source, ref, net) for (source, ref), net in nets.items())
    card = sum(net for (source, _), net in nets.items() if source == "stripe")
    crypto = sum(net for (source, _), net in nets.items() if source == "nowpayments")
    assert expected["totals"] == {"total_minor": card + crypto, "count": sum(n > 0 for n in nets.values()),
                                  "by_method": {"card": card, "crypto": crypto, "cash": 0}, "currency": "usd"}
    actual = _run(root / f"{uuid.uuid4().hex}.sqlite3", shuffled, intents)
    assert actual == expected
    # Nothing from another campaign or currency was written.
    assert not any(ref.startswith("cs_foreign") for _, ref, *_ in expected["donations"])
    assert not any(sid.startswith("cs_foreign") for sid, *_ in expected["stripe"])


# --- orders the ledger once ended differently in ---------------------------
# Found by widening the property tests above; each was a strict xfail until backend/ledger.py
# settled refunds and disputes from where they stand (`_settle_card`) and let a refunded
# crypto payment count what was heard late and give it back (`_refund_crypto`).


def _ledger_after(path: Path, events: list[ProviderEvent]) -> tuple[int, int, int, list[tuple[str, str]]]:
    """Net, gross, corrections and each donation's label once these events are heard."""
    open_fresh_database(path)
    for event in events:
        ledger.apply_event(event, via="relay")
    net, _ = total()
    kept = ledger.totals()
    return (net, kept["gross_minor"], kept["corrections_minor"],
            sorted((d.provider_ref, d.status) for d in Donation.select()))


def assert_every_order(folder: Path, first: list[ProviderEvent], events: list[ProviderEvent],
                       expected: tuple[int, int, int, list[tuple[str, str]]]) -> None:
    """After `first`, `events` heard in each of their orders end with `expected`: net,
    gross, corrections and each donation's label, each order in a database of its own."""
    folder.mkdir(exist_ok=True)
    for n, order in enumerate(itertools.permutations(events)):
        assert _ledger_after(folder / f"{n}.sqlite3", [*first, *order]) == expected, order


def test_a_refund_heard_while_a_dispute_has_the_funds_out_is_not_lost_when_it_is_won(
        tmp_path: Path) -> None:
    paid, refunded = completed("cs_k", amount=1000), charge_refunded("pi_cs_k", 1000, 1000)
    opened = dispute_event("created", "needs_response", "pi_cs_k", 1000)
    won = dispute_event("closed", "won", "pi_cs_k", 1000)
    # Heard as disputed, refunded, won, the refund was cut to nothing (the dispute had the
    # funds) and the win brought the whole gift back: 1000 against 0 the other way.
    assert_every_order(tmp_path / "o", [paid], [refunded, opened, won],
                       (0, 1000, -1000, [("cs_k", "refunded")]))


def test_a_refund_and_a_dispute_share_a_gift_in_any_order(tmp_path: Path) -> None:
    # 600 refunded, then a dispute for all 1000: only the 400 left is out, and all of it
    # comes back when the dispute is won.
    paid, refunded = completed("cs_m", amount=1000), charge_refunded("pi_cs_m", 1000, 600)
    opened = dispute_event("created", "needs_response", "pi_cs_m", 1000)
    won = dispute_event("closed", "won", "pi_cs_m", 1000)
    assert_every_order(tmp_path / "o", [paid], [refunded, opened],
                       (0, 1000, -1000, [("cs_m", "disputed")]))
    assert_every_order(tmp_path / "w", [paid], [refunded, opened, won],
                       (400, 1000, -600, [("cs_m", "partially_refunded")]))
    # Heard as disputed then refunded, the dispute gives back what the refund covers, and
    # the treasurer's export says why.
    _ledger_after(tmp_path / "export.sqlite3", [paid, opened, refunded])
    assert [(e.kind, e.amount_minor, e.reason) for e in LedgerEntry.select().where(
        LedgerEntry.kind != "gift").order_by(LedgerEntry.id)] == [
        ("dispute_withdrawn", -1000, None),
        ("dispute_reinstated", 600, "the refund gives back what the dispute held"),
        ("refund", -600, None)]


def test_a_gift_refunded_in_full_and_disputed_has_one_label_in_any_order(tmp_path: Path) -> None:
    paid, refunded = completed("cs_l", amount=1000), charge_refunded("pi_cs_l", 1000, 1000)
    opened = dispute_event("created", "needs_response", "pi_cs_l", 1000)
    lost = dispute_event("closed", "lost", "pi_cs_l", 1000)
    # The money always agreed (0); the label was "refunded" one way, "disputed" the other.
    assert_every_order(tmp_path / "o", [paid], [refunded, opened, lost],
                       (0, 1000, -1000, [("cs_l", "refunded")]))


def test_a_refunded_partial_payment_stays_refunded_when_finished_is_heard_late(
        tmp_path: Path) -> None:
    partly = np_event(np_payment(931, "partially_paid", actually_paid="0.0001"))
    body = {"type": "partial.accepted", "id": "kiosk-2/decision-931", "payment_id": "931",
            "amount_minor": 333, "campaign_id": CAMPAIGN, "kiosk_id": "kiosk-2", "livemode": False}
    accepted = ProviderEvent("kiosk", body["id"], "partial.accepted", body, mode="test",
                             origin="kiosk-2")
    finished, refunded = (np_event(np_payment(931, status)) for status in ("finished", "refunded"))
    # Refunded, then finished, once counted the top-up (667); refunded before the staff
    # decision, the acceptance counted nothing, so the kiosks' "given" figures differed.
    assert_every_order(tmp_path / "o", [partly], [accepted, finished, refunded],
                       (0, 1000, -1000, [("931", "refunded")]))
    assert_every_order(tmp_path / "p", [partly], [accepted, refunded],
                       (0, 333, -333, [("931", "refunded")]))


def test_funds_reinstated_after_a_lost_dispute_does_not_win_it(tmp_path: Path) -> None:
    # Stripe reinstates the refunded part of a lost dispute on a partly refunded payment:
    # the event names the dispute's status, lost. Heard before `closed: lost` it was taken
    # for a win (600 left in the total one way, 0 the other).
    paid, refunded = completed("cs_n", amount=1000), charge_refunded("pi_cs_n", 1000, 400)
    opened = dispute_event("created", "needs_response", "pi_cs_n", 1000)
    lost = dispute_event("closed", "lost", "pi_cs_n", 1000)
    reinstated = dispute_event("funds_reinstated", "lost", "pi_cs_n", 1000)
    assert_every_order(tmp_path / "o", [paid], [refunded, opened, lost, reinstated],
                       (0, 1000, -1000, [("cs_n", "dispute_lost")]))
    # Reinstated while still open, the funds are back until the dispute ends; if it is
    # then lost they go out again, whichever of the two is heard first.
    open_reinstated = dispute_event("funds_reinstated", "under_review", "pi_cs_n", 1000)
    assert _ledger_after(tmp_path / "open.sqlite3", [paid, opened, open_reinstated]) == \
        (1000, 1000, 0, [("cs_n", "counted")])
    assert_every_order(tmp_path / "l", [paid], [opened, open_reinstated, lost],
                       (0, 1000, -1000, [("cs_n", "dispute_lost")]))


def as_an_older_kiosk_left_it(folder: Path, sid: str, dispute: tuple[str, int],
                              entries: list[tuple[str, int, str]]) -> None:
    """A 1000 Checkout gift `sid` with the entries and the dispute (its state and amount,
    at the rank schema 3 stored) that the ledger before the settle rule wrote."""
    open_fresh_database(folder / "old.sqlite3")
    ledger.apply_event(completed(sid, amount=1000), via="relay")
    donation = Donation.get()
    state, amount = dispute
    with db.database.atomic():
        for kind, minor, key in entries:
            ledger._add_entry(donation, kind, minor, key, via="webhook")
        DisputeState.insert(dispute_id=f"dp_pi_{sid}", payment_ref=f"pi_{sid}", state=state,
                            state_rank={"withdrawn": 2, "won": 3}[state],
                            amount_minor=amount).execute()


def test_a_refund_cut_by_an_older_kiosk_is_completed_not_dropped(tmp_path: Path) -> None:
    # What the ledger before the settle rule wrote when a refund of 800 was heard while a
    # dispute held 500 of a 1000 gift: the refund cut to the 500 left, keyed by its level.
    as_an_older_kiosk_left_it(tmp_path, "cs_o", ("withdrawn", 500), [
        ("dispute_withdrawn", -500, "dispute:dp_pi_cs_o:withdrawn"),
        ("refund", -500, "refund:stripe:pi_cs_o:800")])
    # Upgraded, the kiosk hears the dispute won: the refund's level, 800, still stands
    # (the key says it), so the gift keeps 200, as on a kiosk that heard it all anew...
    ledger.apply_event(dispute_event("closed", "won", "pi_cs_o", 500), via="relay")
    assert total() == (200, 1)
    assert Donation.get().status == "partially_refunded"
    # ...and Stripe's retry of the refund changes nothing.
    ledger.apply_event(charge_refunded("pi_cs_o", 1000, 800), via="relay")
    assert total() == (200, 1)


def test_a_dispute_an_older_kiosk_took_for_won_is_lost_when_closed_lost(tmp_path: Path) -> None:
    # Before the "reinstated" state, funds reinstated during review counted as a win.
    as_an_older_kiosk_left_it(tmp_path, "cs_w", ("won", 1000), [
        ("dispute_withdrawn", -1000, "dispute:dp_pi_cs_w:withdrawn"),
        ("dispute_reinstated", 1000, "dispute:dp_pi_cs_w:reinstated")])
    ledger.apply_event(dispute_event("closed", "lost", "pi_cs_w", 1000), via="relay")
    assert total() == (0, 0)
    assert Donation.get().status == "dispute_lost"


def _month_paid_in_parts(invoice: str, parts: dict[str, int]) -> ProviderEvent:
    """`invoice.paid` for a month of a monthly gift, its payments expanded: one
    InvoicePayment per PaymentIntent that paid a part of it."""
    return stripe_event("invoice.paid", {
        "id": invoice, "object": "invoice", "amount_paid": sum(parts.values()),
        "currency": "usd", "billing_reason": "subscription_cycle", "livemode": False,
        "parent": {"type": "subscription_details", "subscription_details": {
            "subscription": "sub_parts", "metadata": {"campaign_id": CAMPAIGN,
                                                      "kiosk_id": "kiosk-1"}}},
        "payments": {"object": "list", "data": [
            {"id": f"inpay_{pi}", "object": "invoice_payment", "invoice": invoice,
             "payment": {"type": "payment_intent", "payment_intent": pi}, "status": "paid",
             "amount_paid": amount, "livemode": False} for pi, amount in parts.items()]}})


def test_a_month_paid_in_parts_refunds_each_charge_by_its_own_amount(tmp_path: Path) -> None:
    month = _month_paid_in_parts("in_parts", {"pi_a": 500, "pi_b": 500})
    # The second charge refunded in full gives back its 500, not the month's 1000.
    assert _ledger_after(tmp_path / "b.sqlite3", [month, charge_refunded("pi_b", 500, 500)])[:3] \
        == (500, 1000, -500)
    # Each charge's refunds add up: 300 of one and 200 of the other are 500, in any order.
    a, b = charge_refunded("pi_a", 500, 300), charge_refunded("pi_b", 500, 200)
    assert_every_order(tmp_path / "o", [], [month, a, b],
                       (500, 1000, -500, [("in_parts", "partially_refunded")]))
    # A dispute on one part takes what the refunds left of the month, once.
    lost = dispute_event("closed", "lost", "pi_b", 500)
    assert_every_order(tmp_path / "d", [], [month, a, lost],
                       (200, 1000, -800, [("in_parts", "dispute_lost")]))


def test_two_kiosks_accepting_one_partial_payment_agree_on_the_larger(tmp_path: Path) -> None:
    # Staff at two kiosks accept the same partly paid coins before hearing each other, having
    # seen different amounts arrive: the larger stands, whichever is heard first.
    partly = np_event(np_payment(932, "partially_paid", actually_paid="0.0001"))

    def accepted(kiosk: str, amount: int) -> ProviderEvent:
        body = {"type": "partial.accepted", "id": f"{kiosk}/decision-932", "payment_id": "932",
                "amount_minor": amount, "campaign_id": CAMPAIGN, "kiosk_id": kiosk,
                "livemode": False}
        return ProviderEvent("kiosk", body["id"], "partial.accepted", body, mode="test",
                             origin=kiosk)

    low, high = accepted("kiosk-2", 333), accepted("kiosk-3", 500)
    finished = np_event(np_payment(932, "finished"))
    assert_every_order(tmp_path / "o", [partly], [low, high], (500, 500, 0, [("932", "counted")]))
    assert_every_order(tmp_path / "f", [partly], [low, high, finished],
                       (1000, 1000, 0, [("932", "counted")]))


# --- concurrency ------------------------------------------------------------


def _paid_event() -> ProviderEvent:
    return completed("cs_race", amount=4200)


@pytest.mark.slow
def test_threads_count_once(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite3"
    db.open_database(path)
    event = _paid_event()
    counted: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(50):
                out = ledger.apply_event(event, via="webhook")
                with lock:
                    counted.append(out.counted)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.database.obj.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(counted) == 200
    assert counted.count(True) == 1
    assert Donation.select().count() == 1
    assert total() == (4200, 1)
    assert ledger.totals()["revision"] == 1


def _process_worker(path: str, home: str, queue: Any, start: Any) -> None:
    os.environ["CHARTER_KIOSK_HOME"] = home
    from backend import db as worker_db
    from backend import ledger as worker_ledger

    worker_db.open_database(Path(path))
    start.wait(30)
    counted = 0
    for _ in range(50):
        counted += worker_ledger.apply_event(_paid_event(), via="webhook").counted
    worker_db.close_database()
    queue.put(counted)


@pytest.mark.slow
def test_processes_count_once(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite3"
    db.open_database(path)  # created and migrated once, like a kiosk already running
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start = ctx.Event()
    procs = [ctx.Process(target=_process_worker, args=(str(path), os.environ["CHARTER_KIOSK_HOME"], queue,
                                                       start)) for _ in range(2)]
    for p in procs:
        p.start()
    start.set()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert sorted(results) == [0, 1]
    assert Donation.select().count() == 1
    assert total() == (4200, 1)
    assert ledger.totals()["revision"] == 1


def test_cash_gift_amount_is_checked_by_the_ledger_itself() -> None:
    from backend.result import UserError
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "gala", "currency": "usd"}})
    for bad in (0, -5, True, 2.5, "10"):
        with pytest.raises(UserError):
            ledger.record_cash_gift(bad)  # type: ignore[arg-type]
    assert ledger.totals()["count"] == 0


def test_test_and_live_gifts_never_share_a_total(monkeypatch: pytest.MonkeyPatch) -> None:
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "gala", "currency": "usd"}})
    ledger.record_cash_gift(1500)  # a rehearsal in test mode
    test_file = db.database_path()
    db.close_database()
    monkeypatch.setenv("CHARTER_KIOSK_MODE", "live")
    db.ensure_database()
    assert db.database_path() != test_file
    assert ledger.totals()["total_minor"] == 0  # doors open at zero


@pytest.mark.parametrize(("mode", "livemode"), [("live", False), ("test", True)])
def test_a_stripe_payment_of_the_other_mode_is_never_counted(
        monkeypatch: pytest.MonkeyPatch, mode: str, livemode: bool) -> None:
    from backend.settings import write_settings

    write_settings({"campaign": {"id": "gala", "currency": "usd"}})
    monkeypatch.setenv("CHARTER_KIOSK_MODE", mode)
    session = {"id": "cs_test_other_mode", "status": "complete", "payment_status": "paid",
               "amount_total": 2500, "currency": "usd", "livemode": livemode,
               "metadata": {"campaign_id": "gala"}}
    outcome = ledger.apply_stripe_session(session, via="webhook")
    assert outcome.counted is False and outcome.ignored_reason
    assert ledger.totals()["total_minor"] == 0
    assert ledger.recomputed_totals()["count"] == 0


def test_a_partial_payment_stays_before_staff_when_it_expires() -> None:
    _partial(903)
    ledger.apply_crypto_payment(np_payment(903, "expired"), via="webhook")
    assert CryptoPayment.get_by_id("903").status == "partially_paid"
    assert ContributionIntent.get_by_id("i903").needs_staff
    assert ledger.resolve_partial("903", accept=True).counted


def test_a_refused_partial_payment_topped_up_counts_in_full() -> None:
    _partial(904)
    ledger.resolve_partial("904", accept=False)
    out = ledger.apply_crypto_payment(np_payment(904, "finished"), via="webhook")
    assert out.status == "paid" and out.counted
    assert total() == (1000, 1)
