"""The ledger: the one place where provider states and staff actions become money.

Every path that learns about a payment — a webhook, the poller, a relayed
event, the reconciler, another kiosk — ends here. The total is a sum of
append-only entries (`LedgerEntry`): a gift, then any corrections (a refund, a
partial refund, a dispute's withdrawal and reinstatement, a staff void, a
top-up of a partial payment staff accepted). Four rules make it safe whatever
order or how often events arrive:

* a payment's state only rises (`STATUS_RANK`): every change is a conditional
  UPDATE `... WHERE status_rank < new_rank`, so concurrent writers, even in
  other processes, can never move it back;
* a donation is an INSERT that ignores a conflict on (source, provider_ref);
* every entry has a key that names it the same way on every kiosk, and is an
  INSERT that ignores a conflict on that key; the kept total moves only when
  that insert changed a row, in the same transaction;
* an event about something not known here yet (a refund before its payment, a
  void before its gift, a repeat deposit before its parent, a refund of a monthly
  gift's payment before anyone knows which month it paid) is kept as a
  `PendingEvent` and applied when what it waits for arrives.

Test and live money never meet: every record carries its mode, and an event
whose mode cannot be established is refused, not guessed.

Functions here join the caller's transaction when there is one (the relay sync
applies a batch and moves its cursor atomically).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets as pysecrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import peewee as pw

from backend import notify
from backend.db import database, ensure_database
from backend.models import (
    CORRECTION_KINDS,
    GIFT_KINDS,
    STATUS_RANK,
    CampaignTotal,
    ContributionIntent,
    CryptoPayment,
    Dispute,
    Donation,
    InvoicePayment,
    LedgerEntry,
    Meta,
    PendingEvent,
    StripePayment,
    Subscription,
    utcnow,
)
from backend.money import provider_amount_to_minor, to_minor
from backend.result import UserError
from backend.settings import get_settings
from backend.webhooks import Mode, ProviderEvent, object_mode, stripe_event_mode

log = logging.getLogger("charter.ledger")

DISPUTE_EVENT_TYPES = {
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
}
PAYMENT_INTENT_EVENT_TYPES = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
}
READER_EVENT_TYPES = {"terminal.reader.action_succeeded", "terminal.reader.action_failed"}
SUBSCRIPTION_EVENT_TYPES = {"invoice.paid", "invoice_payment.paid",
                            "customer.subscription.deleted"}
STRIPE_EVENT_TYPES = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
} | DISPUTE_EVENT_TYPES | PAYMENT_INTENT_EVENT_TYPES | READER_EVENT_TYPES | \
    SUBSCRIPTION_EVENT_TYPES

# A card-present PaymentIntent's status, in the ledger's words. A decline leaves it
# at requires_payment_method: the donor may try another card on the same intent.
PAYMENT_INTENT_STATUS = {
    "requires_payment_method": "awaiting_payment",
    "requires_confirmation": "awaiting_payment",
    "requires_action": "awaiting_payment",
    "processing": "confirming",
    "requires_capture": "confirming",
    "succeeded": "paid",
    "canceled": "cancelled",
}

NOWPAYMENTS_STATUS = {
    "waiting": "awaiting_payment",
    "confirming": "confirming",
    "confirmed": "confirming",
    "sending": "confirming",
    "partially_paid": "partially_paid",
    "finished": "paid",
    "failed": "failed",
    "refunded": "refunded",
    "expired": "expired",
}

# Where a dispute stands; each event can only move it up (closed ones are final).
# "reinstated": the funds came back while the dispute is still open (not yet won or lost).
# Lost outranks won: a dispute's events never say both, but a kiosk from before the
# reinstated state recorded some lost disputes as won, and the `closed: lost` still to come
# must correct them.
DISPUTE_RANK = {None: 0, "inquiry": 1, "withdrawn": 2, "reinstated": 3, "won": 4,
                "closed": 4, "lost": 5}
# Where a dispute has the gift's funds out; won, closed or an inquiry, it takes nothing.
DISPUTE_TAKES = ("withdrawn", "lost")

# Meta counters that `check` reports.
MODE_UNKNOWN_KEY = "events_mode_unknown"
OTHER_MODE_KEY = "events_other_mode"
REFUSED_KEY = "events_refused"


@dataclass(frozen=True)
class LedgerOutcome:
    status: str
    counted: bool = False  # this call counted a new donation
    intent_id: str | None = None
    donation_id: int | None = None
    ignored_reason: str | None = None


class _Waiting(Exception):
    """The event is about something not known here yet; keep it for later."""

    def __init__(self, waiting_for: str) -> None:
        super().__init__(waiting_for)
        self.waiting_for = waiting_for


def _kiosk_mode() -> Mode:
    return get_settings().mode


def _live() -> bool:
    return get_settings().mode == "live"


# --- small shared steps -----------------------------------------------------


def _advance(model: type[pw.Model], key: pw.Field, ref: str, status: str) -> bool:
    """Raise a record's state to `status` if that is forward; True if it moved."""
    rank = STATUS_RANK[status]
    updated = (
        model.update(status=status, status_rank=rank, updated_at=utcnow())
        .where((key == ref) & (model.status_rank < rank))  # type: ignore[attr-defined]
        .execute()
    )
    return bool(updated)


def _advance_intent(intent_id: str | None, status: str) -> None:
    if intent_id:
        _advance(ContributionIntent, ContributionIntent.id, intent_id, status)


# A gift counted this long after the tap was surely not seen on the payment screen.
LATE_AFTER = dt.timedelta(minutes=10)


def _donor_left(intent_id: str | None) -> bool:
    """Had the donor left the payment screen? Asked before this event moves the intent."""
    if not intent_id:
        return False
    intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
    if intent is None:
        return False
    return intent.status in ("cancelled", "expired", "failed") or (
        utcnow() - intent.created_at > LATE_AFTER)


def _ensure_total(campaign_id: str, currency: str) -> None:
    CampaignTotal.insert(campaign_id=campaign_id, currency=currency).on_conflict_ignore().execute()


def _move_total(campaign_id: str, currency: str, method: str, delta: int, count: int, *,
                gross: int, corrections: int) -> None:
    _ensure_total(campaign_id, currency)
    column = {"card": CampaignTotal.card_minor, "crypto": CampaignTotal.crypto_minor,
              "cash": CampaignTotal.cash_minor}[method]
    CampaignTotal.update(
        {
            CampaignTotal.total_minor: CampaignTotal.total_minor + delta,
            CampaignTotal.count: CampaignTotal.count + count,
            CampaignTotal.gross_minor: CampaignTotal.gross_minor + gross,
            CampaignTotal.corrections_minor: CampaignTotal.corrections_minor + corrections,
            column: column + delta,
            CampaignTotal.revision: CampaignTotal.revision + 1,
            CampaignTotal.updated_at: utcnow(),
        }
    ).where(CampaignTotal.campaign_id == campaign_id).execute()
    database.obj.after_commit(notify.local_commit)


def _sum_entries(donation_id: int, kinds: tuple[str, ...] | None = None) -> int:
    query = LedgerEntry.select(pw.fn.COALESCE(pw.fn.SUM(LedgerEntry.amount_minor), 0)).where(
        LedgerEntry.donation == donation_id)
    if kinds is not None:
        query = query.where(LedgerEntry.kind.in_(kinds))
    return int(query.scalar() or 0)


def net_minor(donation_id: int) -> int:
    """What a donation is worth now: the sum of its entries."""
    return _sum_entries(donation_id)


def _add_entry(donation: Donation, kind: str, amount_minor: int, key: str, *, via: str,
               recorded_by: str | None = None, reason: str | None = None) -> bool:
    """Append one entry once (by key) and move the kept total with it; True if added."""
    if amount_minor == 0:
        return False  # a correction of nothing (e.g. a refund of a gift already voided)
    before = net_minor(donation.id)
    cursor = database.obj.execute(LedgerEntry.insert(
        key=key, donation=donation.id, campaign_id=donation.campaign_id, kind=kind,
        amount_minor=amount_minor, currency=donation.currency, method=donation.method,
        livemode=donation.livemode, recorded_by=recorded_by, via=via, reason=reason,
        created_at=utcnow(),
    ).on_conflict_ignore())
    # rowcount 0: the unique key ignored it — another path applied this entry first.
    if cursor.rowcount != 1:
        return False
    after = before + amount_minor
    _move_total(donation.campaign_id, donation.currency, donation.method, amount_minor,
                int(after > 0) - int(before > 0),
                gross=amount_minor if kind in GIFT_KINDS else 0,
                corrections=amount_minor if kind in CORRECTION_KINDS else 0)
    _relabel(donation)
    log.info("ledger %s %s: %+d minor %s on %s/%s via %s", kind, key, amount_minor,
             donation.currency, donation.source, donation.provider_ref, via)
    return True


def _dispute_holds(entries: list[tuple[str, str, int]]) -> dict[str, int]:
    """What each dispute's entries take out of a gift now (keys are "dispute:<id>:...")."""
    holds: dict[str, int] = {}
    for kind, key, amount in entries:
        if kind in ("dispute_withdrawn", "dispute_reinstated"):
            dispute_id = key.split(":")[1]
            holds[dispute_id] = holds.get(dispute_id, 0) - amount
    return holds


def _entries_of(donation_id: int) -> list[tuple[str, str, int]]:
    return list(
        LedgerEntry.select(LedgerEntry.kind, LedgerEntry.key, LedgerEntry.amount_minor)
        .where(LedgerEntry.donation == donation_id).tuples())  # type: ignore[arg-type]


def _relabel(donation: Donation) -> None:
    """The donation's status, worked out from its entries (and its disputes)."""
    entries = _entries_of(donation.id)
    gross = sum(a for kind, _, a in entries if kind in GIFT_KINDS)
    refunded = -sum(a for kind, _, a in entries if kind == "refund")
    # A dispute is open on the gift while it holds funds; one whose amount the refunds
    # already gave back holds nothing, so the gift reads "refunded" in any order.
    open_disputes = [d for d, held in _dispute_holds(entries).items() if held > 0]
    if any(kind == "void" for kind, _, _ in entries):
        label = "voided"
    elif open_disputes:
        lost = Dispute.select().where((Dispute.dispute_id.in_(open_disputes)) &
                                      (Dispute.state == "lost")).exists()
        label = "dispute_lost" if lost else "disputed"
    elif refunded >= gross > 0:
        label = "refunded"
    elif refunded > 0:
        label = "partially_refunded"
    else:
        label = "counted"
    Donation.update(status=label).where(Donation.id == donation.id).execute()


def _count_donation(
    *,
    source: str,
    provider_ref: str,
    intent_id: str | None,
    campaign_id: str,
    kiosk_id: str | None,
    method: str,
    coin: str | None,
    amount_minor: int,
    currency: str,
    display_name: str | None,
    via: str,
    note: str | None = None,
    late: bool = False,
    first_kind: str = "gift",
    recorded_by: str | None = None,
    fee_minor: int = 0,
    subscription: str | None = None,
) -> int | None:
    """Insert the donation and its first entry once; None if it was already counted."""
    query = Donation.insert(
        source=source, provider_ref=provider_ref, intent=intent_id, campaign_id=campaign_id,
        kiosk_id=kiosk_id, method=method, coin=coin, amount_minor=amount_minor,
        currency=currency, display_name=display_name, via=via, note=note, late=late,
        status="counted", livemode=_live(), created_at=utcnow(),
        fee_minor=fee_minor if 0 <= fee_minor <= amount_minor else 0, subscription=subscription,
    ).on_conflict_ignore()
    cursor = database.obj.execute(query)
    # rowcount is 0 when the unique (source, provider_ref) index ignored the insert:
    # someone else (a webhook, the poller, another kiosk) counted this gift first.
    if cursor.rowcount != 1:
        return None
    donation = Donation.get_by_id(cursor.lastrowid)
    _add_entry(donation, first_kind, amount_minor, f"gift:{source}:{provider_ref}", via=via,
               recorded_by=recorded_by, reason=note)
    log.info("counted %s donation %s/%s (%d minor %s) via %s", method, source, provider_ref,
             amount_minor, currency, via)
    return int(donation.id)


def _fee_of(intent: ContributionIntent | None, metadata: Mapping[str, Any]) -> int:
    """The covered fee in a gift: from this kiosk's intent, or the metadata that carries
    it to the other kiosks."""
    if intent is not None:
        return int(intent.fee_minor or 0)
    text = str(metadata.get("fee_minor") or "0")
    return int(text) if text.isdigit() and len(text) <= 9 else 0


def _campaign_matches(campaign_id: str | None) -> bool:
    return bool(campaign_id) and campaign_id == get_settings().campaign_id


def _bump(key: str) -> None:
    with database.atomic():
        Meta.insert(key=key, value=str(counter(key) + 1)).on_conflict_replace().execute()


def counter(key: str) -> int:
    row = Meta.get_or_none(Meta.key == key)
    return int(row.value) if row is not None else 0


# --- pending events ---------------------------------------------------------


def _keep_pending(event: ProviderEvent, waiting_for: str, via: str, mode: Mode) -> None:
    PendingEvent.insert(
        key=f"{event.provider}:{event.dedup_key}", waiting_for=waiting_for,
        provider=event.provider, event_type=event.event_type,
        payload=json.dumps(event.payload, default=str), mode=mode, origin=event.origin, via=via,
    ).on_conflict_ignore().execute()
    log.info("kept %s event %s until %s is known", event.provider, event.dedup_key, waiting_for)


def _release(waiting_for: str) -> None:
    """Apply the events that were waiting for `waiting_for`, now that it is known."""
    row: Any
    for row in list(PendingEvent.select().where(PendingEvent.waiting_for == waiting_for)):
        row.delete_instance()
        payload = json.loads(row.payload, parse_float=Decimal)
        event = ProviderEvent(row.provider, row.key.split(":", 1)[1], row.event_type, payload,
                              mode=row.mode, origin=row.origin)
        apply_event(event, via=row.via)


def drop_pending(waiting_for: str, reason: str) -> int:
    """Stop waiting: what these events wait for turned out not to be this campaign's."""
    ensure_database()
    with database.atomic():
        dropped = PendingEvent.delete().where(PendingEvent.waiting_for == waiting_for).execute()
    if dropped:
        log.info("dropped %d kept events waiting for %s: %s", dropped, waiting_for, reason)
    return int(dropped)


def pending_events() -> list[dict[str, Any]]:
    """Events kept until what they refer to is known, for staff and `check`."""
    ensure_database()
    return [{"key": p.key, "waiting_for": p.waiting_for, "type": p.event_type,
             "received_at": p.received_at.replace(tzinfo=dt.UTC).isoformat()}
            for p in PendingEvent.select().order_by(PendingEvent.received_at)]


def wanted_crypto_payments() -> list[str]:
    """NOWPayments payments that kept events wait for (a repeat deposit's parent): the
    reconciler asks NOWPayments about each."""
    ensure_database()
    rows = (PendingEvent.select(PendingEvent.waiting_for).distinct()
            .where(PendingEvent.waiting_for.startswith("nowpayments:")))
    return [str(row.waiting_for).split(":", 1)[1] for row in rows]


def wanted_payment_intents() -> list[tuple[str, dt.datetime]]:
    """PaymentIntents that kept refunds and disputes wait for and that nothing here ties to
    a gift: no `StripePayment` row names them and no invoice is known to have been paid
    with them. Each may be a monthly gift's payment, which Stripe names only through an
    InvoicePayment: the reconciler asks Stripe which invoice it paid. With when the first
    of its events began to wait, oldest first."""
    ensure_database()
    since: dict[str, dt.datetime] = {}
    kept = (PendingEvent.select(PendingEvent.waiting_for, PendingEvent.received_at)
            .where(PendingEvent.waiting_for.startswith("stripe-pi:"))
            .order_by(PendingEvent.received_at))
    for row in kept:
        since.setdefault(str(row.waiting_for).split(":", 1)[1], row.received_at)
    return [(pi, when) for pi, when in since.items()
            if not StripePayment.select().where(StripePayment.payment_intent == pi).exists()
            and not InvoicePayment.select().where(InvoicePayment.payment_intent == pi).exists()]


# --- Stripe -----------------------------------------------------------------


def stripe_session_status(session: Mapping[str, Any]) -> str:
    status = session.get("status")
    payment_status = session.get("payment_status")
    if status == "complete":
        return "paid" if payment_status == "paid" else "confirming"
    if status == "expired":
        return "expired"
    return "awaiting_payment"


def _stripe_donation(payment_intent: str) -> Donation | None:
    """The card gift a PaymentIntent paid: a Checkout Session's or a tap's payment (its
    `StripePayment`), or a month of a monthly gift (the invoice it is known to have paid)."""
    payment = StripePayment.get_or_none(StripePayment.payment_intent == payment_intent)
    if payment is not None:
        ref = str(payment.session_id)
    else:
        link = InvoicePayment.get_or_none(InvoicePayment.payment_intent == payment_intent)
        if link is None:
            return None
        ref = str(link.invoice_id)
    return Donation.get_or_none((Donation.source == "stripe") & (Donation.provider_ref == ref))


def _id_of(value: object) -> str | None:
    """An object's id whether Stripe sent the id or, expanded, the object."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _paid_by(item: object, invoice_id: str | None = None) -> tuple[str, str] | None:
    """(PaymentIntent, invoice) of one of Stripe's InvoicePayments that says a PaymentIntent
    paid an invoice; None, logged, for one that names no PaymentIntent or no invoice, is
    not paid, or (listed on invoice `invoice_id`) is another invoice's."""
    if not isinstance(item, Mapping):
        log.warning("an InvoicePayment from Stripe is not an object; ignored")
        return None
    ident = str(item.get("id") or "")[:60]
    invoice = _id_of(item.get("invoice"))
    if invoice is None or not invoice.startswith("in_"):
        log.warning("Stripe's InvoicePayment %r names no invoice; ignored", ident)
        return None
    if invoice_id is not None and invoice != invoice_id:
        log.warning("Stripe's InvoicePayment %r, listed on invoice %s, is for invoice %r; "
                    "ignored", ident, invoice_id, invoice[:60])
        return None
    payment = item.get("payment")
    kind = payment.get("type") if isinstance(payment, Mapping) else None
    intent = _id_of(payment.get("payment_intent")) if isinstance(payment, Mapping) else None
    if kind != "payment_intent" or intent is None or not intent.startswith("pi_"):
        log.warning("Stripe's InvoicePayment %r of invoice %s names no PaymentIntent; "
                    "ignored", ident, invoice)
        return None
    if item.get("status") != "paid":
        log.info("Stripe's InvoicePayment %r of invoice %s is %r, not paid; ignored", ident,
                 invoice, str(item.get("status"))[:20])
        return None
    return intent, invoice


def _invoice_payment_intents(invoice: Mapping[str, Any], invoice_id: str) -> list[str]:
    """The PaymentIntents an invoice payload says paid it: its `payments` when expanded
    (API 2025-03-31 on, where an invoice has no other link), or the top-level
    `payment_intent` an invoice had on older API versions."""
    found: list[str] = []
    legacy = _id_of(invoice.get("payment_intent"))
    if legacy is not None and legacy.startswith("pi_"):
        found.append(legacy)
    payments = invoice.get("payments")
    listed = payments.get("data") if isinstance(payments, Mapping) else None
    for item in listed if isinstance(listed, list) else ():
        paid = _paid_by(item, invoice_id)
        if paid is not None:
            found.append(paid[0])
    return found


def _link(payment_intent: str, invoice_id: str, *, via: str) -> bool:
    """Remember once that `payment_intent` paid `invoice_id`. False if it is already known
    to have paid another invoice: the first word stands (logged), as on every kiosk that
    heard the same things in the same order."""
    InvoicePayment.insert(payment_intent=payment_intent, invoice_id=invoice_id,
                          livemode=_live(), via=via, created_at=utcnow()).on_conflict_ignore(
    ).execute()
    known = InvoicePayment.get(InvoicePayment.payment_intent == payment_intent)
    if known.invoice_id != invoice_id:
        log.warning("payment %s is said to have paid invoice %s, but it is known to have paid "
                    "%s (learned via %s); kept as known", payment_intent, invoice_id,
                    known.invoice_id, known.via)
        return False
    return True


def _release_invoice(invoice_id: str) -> None:
    """Refunds and disputes of an invoice's payments that were kept apply once both the
    month is counted and the link to its PaymentIntent is known, whichever came last."""
    counted = Donation.select().where((Donation.source == "stripe") &
                                      (Donation.provider_ref == invoice_id)).exists()
    if counted:
        for link in list(InvoicePayment.select().where(InvoicePayment.invoice_id == invoice_id)):
            _release(f"stripe-pi:{link.payment_intent}")


def apply_invoice_payment(payment: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """`invoice_payment.paid`: Stripe's own word that a PaymentIntent paid an invoice. The
    relay carries it to every kiosk and display board, so none has to ask Stripe (a board
    holds no Stripe key) before a month's refunds and disputes find their month."""
    ensure_database()
    paid = _paid_by(payment)
    if paid is None:
        return LedgerOutcome("ignored", ignored_reason="not an invoice paid by a PaymentIntent")
    payment_intent, invoice = paid
    with database.atomic():
        if not _link(payment_intent, invoice, via=via):
            return LedgerOutcome("ignored", ignored_reason="that payment paid another invoice")
        _release_invoice(invoice)
    return LedgerOutcome("paid")


def link_invoice_payment(payment_intent: str, answers: Iterable[object], *,
                         via: str) -> str | None:
    """Stripe's answer to "which invoice did this PaymentIntent pay?" (its InvoicePayments):
    remember the link and apply the refunds and disputes that waited for it. The invoice,
    or None when the answer names none (a one-off payment, or an answer not to be trusted:
    logged); what waits then keeps waiting, nothing is dropped."""
    ensure_database()
    invoices: set[str] = set()
    for item in answers:
        paid = _paid_by(item)
        if paid is None:
            continue
        if paid[0] != payment_intent:
            log.warning("Stripe answered about payment %r when asked about %s; ignored",
                        paid[0][:60], payment_intent)
            continue
        invoices.add(paid[1])
    if not invoices:
        log.info("Stripe names no invoice paid by payment %s: what waits for it keeps waiting "
                 "for its payment", payment_intent)
        return None
    if len(invoices) > 1:
        log.warning("payment %s paid %d invoices (%s): its refunds and disputes cannot be "
                    "placed on one month and keep waiting; settle them with Stripe's dashboard",
                    payment_intent, len(invoices), ", ".join(sorted(invoices)))
        return None
    invoice = invoices.pop()
    with database.atomic():
        if not _link(payment_intent, invoice, via=via):
            return None
        if _stripe_donation(payment_intent) is None:
            log.info("payment %s paid invoice %s, which is not counted here (not yet, or "
                     "another campaign's): its refunds and disputes wait for that month",
                     payment_intent, invoice)
        _release_invoice(invoice)
    return invoice


def apply_stripe_session(
    session: Mapping[str, Any], *, via: str, status: str | None = None
) -> LedgerOutcome:
    """Apply what Stripe says of a Checkout Session (from a poll or an event)."""
    ensure_database()
    session_id = str(session.get("id") or "")
    if not session_id.startswith("cs_"):
        raise UserError("That is not a Stripe Checkout Session id.")
    new_status = status or stripe_session_status(session)
    metadata = session.get("metadata") or {}
    said = object_mode(session)
    if said is not None and said != _kiosk_mode():
        # A test-mode session on a live kiosk (a stale webhook secret, a shared relay),
        # the reverse, or an object whose livemode and id disagree: never counted.
        return LedgerOutcome(new_status, ignored_reason="test and live payments are never mixed")
    with database.atomic():
        payment = StripePayment.get_or_none(StripePayment.session_id == session_id)
        if payment is None:
            if not _campaign_matches(metadata.get("campaign_id")):
                return LedgerOutcome(new_status, ignored_reason="not this campaign")
            currency = str(session.get("currency") or "").lower()
            if currency != get_settings().currency:
                return LedgerOutcome(new_status, ignored_reason="not the campaign currency")
            intent_id = metadata.get("intent_id")
            if intent_id and not ContributionIntent.get_or_none(ContributionIntent.id == intent_id):
                intent_id = None  # a gift made at another kiosk or on the website
            StripePayment.insert(
                session_id=session_id, intent=intent_id, campaign_id=metadata.get("campaign_id"),
                kiosk_id=metadata.get("kiosk_id"), amount_minor=int(session.get("amount_total") or 0),
                currency=currency, expires_at=session.get("expires_at"), livemode=_live(),
            ).on_conflict_ignore().execute()
            payment = StripePayment.get(StripePayment.session_id == session_id)
        if session.get("payment_intent") and not payment.payment_intent:
            StripePayment.update(payment_intent=session["payment_intent"]).where(
                StripePayment.session_id == session_id).execute()
        StripePayment.update(
            provider_status=session.get("status"), payment_status=session.get("payment_status")
        ).where(StripePayment.session_id == session_id).execute()
        intent_id = payment.intent_id
        late = _donor_left(intent_id)
        _advance(StripePayment, StripePayment.session_id, session_id, new_status)
        _advance_intent(intent_id, new_status)
        donation_id = None
        if new_status == "paid":
            intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
            subscription = session.get("subscription")
            if isinstance(subscription, str) and subscription:
                _remember_subscription(subscription, payment, metadata, intent)
            # A monthly gift's first payment is its first invoice: counted under the
            # invoice's id, so `invoice.paid` for it is the same donation, not a second.
            invoice = session.get("invoice") if subscription else None
            donation_id = _count_donation(
                source="stripe", provider_ref=str(invoice or session_id), intent_id=intent_id,
                campaign_id=payment.campaign_id or get_settings().campaign_id,
                kiosk_id=payment.kiosk_id, method="card", coin=None,
                amount_minor=payment.amount_minor, currency=payment.currency,
                display_name=intent.display_name if intent else metadata.get("display_name"),
                via=via, late=late, fee_minor=_fee_of(intent, metadata),
                subscription=subscription if isinstance(subscription, str) else None,
            )
            if isinstance(invoice, str) and invoice:
                # The first month's refunds and disputes, if its PaymentIntent is known.
                _release_invoice(invoice)
        pi = session.get("payment_intent") or payment.payment_intent
        if pi and _stripe_donation(str(pi)) is not None:
            # Refunds and disputes heard before the payment apply now.
            _release(f"stripe-pi:{pi}")
        current = StripePayment.get(StripePayment.session_id == session_id)
        return LedgerOutcome(current.status, counted=donation_id is not None and
                             current.status == "paid", intent_id=intent_id,
                             donation_id=donation_id)


def apply_payment_intent(payment: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """Apply what Stripe says of a card-present PaymentIntent (tap to give).

    Kept like a Checkout payment (a `StripePayment` whose id is the PaymentIntent's),
    so refunds and disputes find it the same way; counted once when it succeeds.
    """
    ensure_database()
    payment_id = str(payment.get("id") or "")
    if not payment_id.startswith("pi_"):
        return LedgerOutcome("ignored", ignored_reason="not a PaymentIntent")
    new_status = PAYMENT_INTENT_STATUS.get(str(payment.get("status") or ""))
    if new_status is None:
        return LedgerOutcome(str(payment.get("status")), ignored_reason="unknown status")
    said = object_mode(payment)
    if said is not None and said != _kiosk_mode():
        return LedgerOutcome(new_status, ignored_reason="test and live payments are never mixed")
    metadata = payment.get("metadata") or {}
    with database.atomic():
        record = StripePayment.get_or_none(StripePayment.session_id == payment_id)
        if record is None:
            if not _campaign_matches(metadata.get("campaign_id")):
                return LedgerOutcome(new_status, ignored_reason="not this campaign")
            currency = str(payment.get("currency") or "").lower()
            if currency != get_settings().currency:
                return LedgerOutcome(new_status, ignored_reason="not the campaign currency")
            intent_id = metadata.get("intent_id")
            if intent_id and not ContributionIntent.get_or_none(ContributionIntent.id == intent_id):
                intent_id = None
            StripePayment.insert(
                session_id=payment_id, intent=intent_id, campaign_id=metadata.get("campaign_id"),
                kiosk_id=metadata.get("kiosk_id"), amount_minor=int(payment.get("amount") or 0),
                currency=currency, payment_intent=payment_id, livemode=_live(),
            ).on_conflict_ignore().execute()
            record = StripePayment.get(StripePayment.session_id == payment_id)
        StripePayment.update(provider_status=payment.get("status")).where(
            StripePayment.session_id == payment_id).execute()
        return _settle_card_present(record, new_status, via=via,
                                    display_name=metadata.get("display_name"), metadata=metadata)


def _settle_card_present(record: StripePayment, new_status: str, *, via: str,
                         display_name: str | None = None,
                         metadata: Mapping[str, Any] | None = None) -> LedgerOutcome:
    intent_id = record.intent_id
    late = _donor_left(intent_id)
    _advance(StripePayment, StripePayment.session_id, record.session_id, new_status)
    _advance_intent(intent_id, new_status)
    donation_id = None
    if new_status == "paid":
        intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
        donation_id = _count_donation(
            source="stripe", provider_ref=record.session_id, intent_id=intent_id,
            campaign_id=record.campaign_id or get_settings().campaign_id,
            kiosk_id=record.kiosk_id, method="card", coin=None, amount_minor=record.amount_minor,
            currency=record.currency, display_name=intent.display_name if intent
            else display_name, via=via, late=late, fee_minor=_fee_of(intent, metadata or {}))
        _release(f"stripe-pi:{record.session_id}")
    current = StripePayment.get(StripePayment.session_id == record.session_id)
    return LedgerOutcome(current.status, counted=donation_id is not None and
                         current.status == "paid", intent_id=intent_id, donation_id=donation_id)


def apply_reader_action(reader: Mapping[str, Any], event_type: str, *,
                        via: str) -> LedgerOutcome:
    """`terminal.reader.action_succeeded` for a PaymentIntent this kiosk created: with
    automatic capture the payment has succeeded. A reader event carries no amount, so
    one for a payment not known here waits for the PaymentIntent's own event."""
    action = reader.get("action") or {}
    payment_id = (action.get("process_payment_intent") or {}).get("payment_intent")
    if event_type != "terminal.reader.action_succeeded" or not isinstance(payment_id, str):
        return LedgerOutcome("ignored", ignored_reason="reader event without a result to count")
    ensure_database()
    with database.atomic():
        record = StripePayment.get_or_none(StripePayment.session_id == payment_id)
        if record is None:
            return LedgerOutcome("ignored", ignored_reason="payment not known here")
        return _settle_card_present(record, "paid", via=via)


def _remember_subscription(subscription: str, payment: StripePayment,
                           metadata: Mapping[str, Any],
                           intent: ContributionIntent | None) -> None:
    Subscription.insert(
        subscription_id=subscription, campaign_id=payment.campaign_id or
        get_settings().campaign_id, kiosk_id=payment.kiosk_id, amount_minor=payment.amount_minor,
        currency=payment.currency, livemode=_live(),
        display_name=intent.display_name if intent else metadata.get("display_name"),
    ).on_conflict_ignore().execute()


def _invoice_subscription(invoice: Mapping[str, Any]) -> tuple[str | None, Mapping[str, Any]]:
    """The subscription an invoice belongs to, and that subscription's metadata. Since API
    2025-03-31 both are under `parent.subscription_details`; older ones had `subscription`."""
    parent = invoice.get("parent")
    details = parent.get("subscription_details") if isinstance(parent, Mapping) else None
    if isinstance(details, Mapping):
        metadata = details.get("metadata")
        return details.get("subscription"), metadata if isinstance(metadata, Mapping) else {}
    legacy = invoice.get("subscription_details")
    metadata = legacy.get("metadata") if isinstance(legacy, Mapping) else None
    return invoice.get("subscription"), metadata if isinstance(metadata, Mapping) else {}


def apply_invoice_paid(invoice: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """One month of a monthly gift, paid: a donation of its own, counted once. The first
    invoice is the Checkout payment, counted under the same invoice id."""
    ensure_database()
    invoice_id = invoice.get("id")
    subscription, metadata = _invoice_subscription(invoice)
    amount = invoice.get("amount_paid")
    if not isinstance(invoice_id, str) or not isinstance(subscription, str) or \
            isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return LedgerOutcome("ignored", ignored_reason="not a paid invoice of a subscription")
    if not _campaign_matches(metadata.get("campaign_id")):
        return LedgerOutcome("ignored", ignored_reason="not this campaign")
    currency = str(invoice.get("currency") or "").lower()
    if currency != get_settings().currency:
        return LedgerOutcome("ignored", ignored_reason="not the campaign currency")
    with database.atomic():
        Subscription.insert(
            subscription_id=subscription, campaign_id=str(metadata.get("campaign_id")),
            kiosk_id=metadata.get("kiosk_id"), amount_minor=amount, currency=currency,
            livemode=_live(), display_name=metadata.get("display_name"),
        ).on_conflict_ignore().execute()
        for payment_intent in _invoice_payment_intents(invoice, invoice_id):
            _link(payment_intent, invoice_id, via=via)
        if invoice.get("billing_reason") == "subscription_create" and Donation.select().where(
                Donation.subscription == subscription).exists():
            _release_invoice(invoice_id)
            return LedgerOutcome("paid", ignored_reason="the first month, counted at checkout")
        donation_id = _count_donation(
            source="stripe", provider_ref=invoice_id, intent_id=None,
            campaign_id=str(metadata.get("campaign_id")), kiosk_id=metadata.get("kiosk_id"),
            method="card", coin=None, amount_minor=amount, currency=currency,
            display_name=metadata.get("display_name"), via=via,
            fee_minor=_fee_of(None, metadata), subscription=subscription)
        # Refunds and disputes of this month heard before it apply now, if its
        # PaymentIntent is known (from this payload, or as the reconciler learned it).
        _release_invoice(invoice_id)
        return LedgerOutcome("paid", counted=donation_id is not None, donation_id=donation_id)


def apply_subscription_ended(subscription: Mapping[str, Any]) -> LedgerOutcome:
    """A monthly gift was cancelled: no more months are counted (what was paid stays)."""
    ensure_database()
    sub_id = subscription.get("id")
    if not isinstance(sub_id, str):
        return LedgerOutcome("ignored", ignored_reason="no subscription id")
    with database.atomic():
        ended = Subscription.update(status="cancelled", updated_at=utcnow()).where(
            Subscription.subscription_id == sub_id).execute()
    return LedgerOutcome("cancelled", ignored_reason=None if ended else "not known here")


def monthly_summary(campaign_id: str | None = None) -> dict[str, int]:
    """Monthly donors still giving, and what they give in a year."""
    ensure_database()
    campaign = campaign_id or get_settings().campaign_id
    active = Subscription.select().where((Subscription.campaign_id == campaign) &
                                         (Subscription.status == "active"))
    return {"monthly_donors": active.count(),
            "monthly_yearly_minor": 12 * sum(int(s.amount_minor) for s in active)}


def fees_covered_minor(campaign_id: str | None = None) -> int:
    """The part of the gifts that donors added to cover the processing fee."""
    ensure_database()
    campaign = campaign_id or get_settings().campaign_id
    total = (Donation.select(pw.fn.COALESCE(pw.fn.SUM(Donation.fee_minor), 0))
             .where((Donation.campaign_id == campaign) &
                    Donation.status.in_(("counted", "partially_refunded"))).scalar())
    return int(total or 0)


def _payment_intents_of(donation: Donation, payment_intent: str) -> list[str]:
    """Every PaymentIntent that paid this gift: its Checkout Session's or tap's, or those
    known to have paid its month (an invoice may be paid in parts)."""
    ref = donation.provider_ref
    found = {payment_intent}
    found.update(str(p.payment_intent) for p in StripePayment.select(
        StripePayment.payment_intent).where((StripePayment.session_id == ref) &
                                            StripePayment.payment_intent.is_null(False)))
    found.update(str(link.payment_intent) for link in InvoicePayment.select(
        InvoicePayment.payment_intent).where(InvoicePayment.invoice_id == ref))
    return sorted(found)


def _settle_card(donation: Donation, payment_intent: str, *, via: str,
                 refund_target: int = 0) -> int:
    """Bring a card gift's refund and dispute entries to where its refunds and disputes
    stand, whatever order their events were heard in; what is refunded in all.

    Refunds come first: each charge's is Stripe's cumulative `amount_refunded`, the most any
    report said and at most the charge, so they never shrink; together at most the gift.
    Each dispute (of any of the gift's payments) whose funds are out then takes what it
    disputes from what the refunds left, in dispute-id order; a dispute won or closed takes
    nothing. So a refund heard while a dispute has the funds out is kept when the dispute is
    won, and a gift refunded in full holds nothing for a dispute heard before the refund.
    The gift's net, gift - refunds - disputes out, never goes below zero.
    """
    entries = _entries_of(donation.id)
    gross = sum(a for kind, _, a in entries if kind in GIFT_KINDS)
    already = -sum(a for kind, _, a in entries if kind == "refund")
    mine_key = f"refund:stripe:{payment_intent}:"
    mine = -sum(a for kind, key, a in entries if kind == "refund" and key.startswith(mine_key))
    # A kiosk from before this rule keyed a refund by the level Stripe reported and may
    # have cut its amount (a dispute held the rest): the level still stands.
    levels = [int(key[len(mine_key):]) for kind, key, _ in entries
              if kind == "refund" and key.startswith(mine_key) and key[len(mine_key):].isdigit()]
    refund_target = max([refund_target, *levels])
    refunds = min(gross, already - mine + max(refund_target, mine))
    room = gross - refunds
    holds = _dispute_holds(entries)
    # A dispute, what it holds now, what it should, and whether its funds are still out.
    changes: list[tuple[str, int, int, bool]] = []
    for row in Dispute.select().where(
            Dispute.payment_ref.in_(_payment_intents_of(donation, payment_intent))).order_by(
            Dispute.dispute_id):
        out = row.state in DISPUTE_TAKES
        wanted = min(row.amount_minor, max(room, 0)) if out else 0
        room -= wanted
        held = holds.get(row.dispute_id, 0)
        if wanted != held:
            changes.append((row.dispute_id, held, wanted, out))

    def key(dispute_id: str, word: str) -> str:
        # The first entry of each kind keeps its plain name (as schema 3 wrote it); any
        # later one is numbered, so keys stay unique.
        plain = f"dispute:{dispute_id}:{word}"
        earlier = sum(1 for _, k, _ in entries if k == plain or k.startswith(plain + ":"))
        return plain + (f":{earlier + 1}" if earlier else "")

    # What gives money back goes in first, so the total never dips below where it ends.
    for dispute_id, held, wanted, out in changes:
        if wanted < held:
            # The treasurer's export says why money came back while the dispute stands.
            _add_entry(donation, "dispute_reinstated", held - wanted,
                       key(dispute_id, "reinstated"), via=via,
                       reason="the refund gives back what the dispute held" if out else None)
    if refunds > already:
        # Named by where this charge's refunds stand before and after: unique, as they only
        # grow (a key naming only the level met one an older kiosk wrote for a cut refund).
        _add_entry(donation, "refund", already - refunds,
                   f"{mine_key}{mine}:{mine + refunds - already}", via=via)
    for dispute_id, held, wanted, _ in changes:
        if wanted > held:
            _add_entry(donation, "dispute_withdrawn", held - wanted,
                       key(dispute_id, "withdrawn"), via=via)
    _relabel(donation)
    return max(refunds, already)


def apply_stripe_refund(charge: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """`charge.refunded`, full or partial. `amount_refunded` is cumulative, so the
    entry brings this donation's refunds up to it: repeats and reordering of the
    events can never refund more than the charge says, or less."""
    ensure_database()
    payment_intent = charge.get("payment_intent")
    if not isinstance(payment_intent, str) or not payment_intent:
        return LedgerOutcome("refunded", ignored_reason="refund without a payment intent")
    level = charge.get("amount_refunded")
    if isinstance(level, bool) or not isinstance(level, int | None) or (level or 0) < 0:
        raise UserError("The refund's amount_refunded is not a whole number of minor units.")
    with database.atomic():
        donation = _stripe_donation(payment_intent)
        if donation is None:
            raise _Waiting(f"stripe-pi:{payment_intent}")
        gross = _sum_entries(donation.id, GIFT_KINDS)
        # This charge's refunds, at most the charge (a month paid in parts has several).
        charged = charge.get("amount")
        cap = charged if isinstance(charged, int) and not isinstance(charged, bool) and \
            0 < charged <= gross else gross
        target = cap if level is None or charge.get("refunded") is True else min(level, cap)
        refunded = _settle_card(donation, payment_intent, refund_target=target, via=via)
        # A monthly gift's month has no StripePayment of its own; the first month's
        # ContributionIntent is the donor's choice at the kiosk that started the gift.
        payment = StripePayment.get_or_none(StripePayment.payment_intent == payment_intent)
        intent_id = payment.intent_id if payment is not None else donation.intent_id
        if refunded >= gross:
            if payment is not None:
                _advance(StripePayment, StripePayment.session_id, payment.session_id, "refunded")
            _advance_intent(intent_id, "refunded")
        status = "refunded" if refunded >= gross else "partially_refunded"
        return LedgerOutcome(status, intent_id=intent_id, donation_id=donation.id)


def apply_stripe_dispute(dispute: Mapping[str, Any], event_type: str, *,
                         via: str) -> LedgerOutcome:
    """A card dispute: the funds leave the total when withdrawn, come back if it is won.

    Its events can arrive in any order; `Dispute` keeps where it stands and only
    moves it forward, so a `closed: won` heard before `created` nets to nothing.
    """
    ensure_database()
    dispute_id, payment_intent = dispute.get("id"), dispute.get("payment_intent")
    amount = dispute.get("amount")
    if not isinstance(dispute_id, str) or not isinstance(payment_intent, str) or \
            isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return LedgerOutcome("disputed", ignored_reason="dispute without id, payment or amount")
    status = str(dispute.get("status") or "")
    final = {"won": "won", "lost": "lost", "warning_closed": "closed"}.get(status)
    if event_type == "charge.dispute.closed":
        target = final
    elif event_type == "charge.dispute.funds_reinstated":
        # Stripe also reinstates funds after a *lost* dispute on a partly refunded payment
        # (the part the refund already gave back): the dispute's own status says how it
        # ended, so `closed: lost` and this agree in either order. Reinstated while the
        # dispute is still open, the funds are back but its end is still to come.
        target = final or "reinstated"
    elif event_type == "charge.dispute.funds_withdrawn":
        target = "withdrawn"
    else:  # created: an inquiry (warning_*) withdraws nothing
        target = "inquiry" if status.startswith("warning") else "withdrawn"
    if target is None:
        return LedgerOutcome("disputed", ignored_reason=f"dispute status {status!r} not used")
    with database.atomic():
        donation = _stripe_donation(payment_intent)
        if donation is None:
            raise _Waiting(f"stripe-pi:{payment_intent}")
        row = Dispute.get_or_none(Dispute.dispute_id == dispute_id)
        current = row.state if row else None
        if DISPUTE_RANK[target] <= DISPUTE_RANK[current]:
            return LedgerOutcome(current or target, donation_id=donation.id)
        Dispute.insert(dispute_id=dispute_id, payment_ref=payment_intent, state=target,
                       state_rank=DISPUTE_RANK[target], amount_minor=amount).on_conflict(
            conflict_target=[Dispute.dispute_id],
            update={Dispute.state: target, Dispute.state_rank: DISPUTE_RANK[target],
                    Dispute.updated_at: utcnow()}).execute()
        _settle_card(donation, payment_intent, via=via)
        return LedgerOutcome(target, donation_id=donation.id)


# --- NOWPayments ------------------------------------------------------------


def parse_order_id(order_id: object) -> tuple[str | None, str | None, str | None]:
    """Our order ids are "campaign/kiosk/intent[/fee]"; anything else names no campaign."""
    parts = str(order_id or "").split("/")
    if len(parts) not in (3, 4) or not all(parts):
        return None, None, None
    return parts[0], parts[1], parts[2]


def order_fee_minor(order_id: object) -> int:
    """The covered fee a crypto order carries (its fourth part), so every kiosk knows it."""
    parts = str(order_id or "").split("/")
    return int(parts[3]) if len(parts) == 4 and parts[3].isdigit() else 0


def make_order_id(campaign_id: str, kiosk_id: str, intent_id: str, fee_minor: int = 0) -> str:
    base = f"{campaign_id}/{kiosk_id}/{intent_id}"
    return f"{base}/{fee_minor}" if fee_minor else base


def apply_crypto_payment(payment: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """Apply what NOWPayments says of a payment (from a poll or an IPN)."""
    ensure_database()
    payment_id = str(payment.get("payment_id") or "").strip()
    if not payment_id:
        raise UserError("The NOWPayments payment has no payment_id.")
    provider_status = str(payment.get("payment_status") or "")
    new_status = NOWPAYMENTS_STATUS.get(provider_status)
    if new_status is None:
        return LedgerOutcome(provider_status, ignored_reason="unknown NOWPayments status")
    with database.atomic():
        record = CryptoPayment.get_or_none(CryptoPayment.payment_id == payment_id)
        if record is None:
            campaign_id, kiosk_id, intent_id = parse_order_id(payment.get("order_id"))
            parent_id = str(payment.get("parent_payment_id") or "") or None
            if parent_id and not campaign_id:
                parent = CryptoPayment.get_or_none(CryptoPayment.payment_id == parent_id)
                if parent is None:
                    # A repeat deposit heard before its parent: only the parent names
                    # the campaign. Kept; the reconciler asks NOWPayments about the parent.
                    raise _Waiting(f"nowpayments:{parent_id}")
                campaign_id, kiosk_id, intent_id = parent.campaign_id, parent.kiosk_id, None
            if not _campaign_matches(campaign_id):
                return LedgerOutcome(new_status, ignored_reason="not this campaign")
            currency = str(payment.get("price_currency") or "").lower()
            if currency != get_settings().currency:
                return LedgerOutcome(new_status, ignored_reason="not the campaign currency")
            if intent_id and not ContributionIntent.get_or_none(ContributionIntent.id == intent_id):
                intent_id = None
            if parent_id:
                intent_id = None  # a repeat deposit is a gift of its own
            CryptoPayment.insert(
                payment_id=payment_id, intent=intent_id, campaign_id=campaign_id,
                kiosk_id=kiosk_id, parent_payment_id=parent_id,
                price_minor=provider_amount_to_minor(payment.get("price_amount"), currency),
                price_currency=currency, pay_amount=_decimal_or_none(payment.get("pay_amount")),
                pay_currency=str(payment.get("pay_currency") or "").lower(),
                pay_address=payment.get("pay_address"),
                payin_extra_id=_text_or_none(payment.get("payin_extra_id")), livemode=_live(),
            ).on_conflict_ignore().execute()
            record = CryptoPayment.get(CryptoPayment.payment_id == payment_id)
        actually_paid = _decimal_or_none(payment.get("actually_paid"))
        if actually_paid is not None:
            CryptoPayment.update(actually_paid=actually_paid).where(
                CryptoPayment.payment_id == payment_id).execute()
        CryptoPayment.update(provider_status=provider_status).where(
            CryptoPayment.payment_id == payment_id).execute()
        intent_id = record.intent_id
        late = _donor_left(intent_id)
        moved = _advance(CryptoPayment, CryptoPayment.payment_id, payment_id, new_status)
        _advance_intent(intent_id, new_status)
        # Staff decide while, and only while, the payment is partially paid (the only
        # state `resolve_partial` accepts): a late partially_paid IPN after finished
        # must not flag a paid gift, and a donor who tops up no longer needs help.
        if intent_id and moved:
            ContributionIntent.update(needs_staff=new_status == "partially_paid").where(
                ContributionIntent.id == intent_id).execute()
        record = CryptoPayment.get(CryptoPayment.payment_id == payment_id)
        donation_id = None
        if new_status == "paid":
            donation_id = _count_crypto(record, via=via, late=late,
                                        fee_minor=order_fee_minor(payment.get("order_id")))
            if donation_id is None:
                _top_up(record, via=via)
        if record.status == "refunded":
            _refund_crypto(record, via=via)
        # Repeat deposits and staff decisions heard before this payment apply now.
        _release(f"nowpayments:{payment_id}")
        current = CryptoPayment.get(CryptoPayment.payment_id == payment_id)
        return LedgerOutcome(current.status, counted=donation_id is not None and
                             current.status == "paid", intent_id=intent_id,
                             donation_id=donation_id)


def _count_crypto(record: CryptoPayment, *, via: str, amount_minor: int | None = None,
                  note: str | None = None, late: bool = False, first_kind: str = "gift",
                  recorded_by: str | None = None, fee_minor: int = 0) -> int | None:
    intent = ContributionIntent.get_or_none(ContributionIntent.id == record.intent_id)
    if intent is not None and amount_minor is None:
        fee_minor = int(intent.fee_minor or 0)
    return _count_donation(
        source="nowpayments", provider_ref=record.payment_id, intent_id=record.intent_id,
        campaign_id=record.campaign_id or get_settings().campaign_id, kiosk_id=record.kiosk_id,
        method="crypto", coin=record.pay_currency,
        amount_minor=record.price_minor if amount_minor is None else amount_minor,
        currency=record.price_currency, display_name=intent.display_name if intent else None,
        via=via, note=note, late=late, first_kind=first_kind, recorded_by=recorded_by,
        fee_minor=fee_minor if amount_minor is None else 0,
    )


def _top_up(record: CryptoPayment, *, via: str) -> None:
    """A payment staff accepted as partly paid has now been paid in full: count the rest."""
    donation = Donation.get_or_none((Donation.source == "nowpayments") &
                                    (Donation.provider_ref == record.payment_id))
    if donation is None or not LedgerEntry.select().where(
            (LedgerEntry.donation == donation.id) &
            (LedgerEntry.kind == "partial_accepted")).exists():
        return
    rest = record.price_minor - _sum_entries(donation.id, GIFT_KINDS)
    if rest > 0:
        _add_entry(donation, "top_up", rest, f"topup:nowpayments:{record.payment_id}", via=via)


def _refund_crypto(record: CryptoPayment, *, via: str) -> None:
    """NOWPayments refunded the payment: whatever it counts for goes back. A `finished` or a
    staff acceptance heard after the refund still counts what it says happened first, and
    is refunded with it, so every kiosk ends with the same gift and the same refund."""
    donation = _crypto_donation(record)
    if donation is not None:
        gross = _sum_entries(donation.id, GIFT_KINDS)
        _add_entry(donation, "refund", -net_minor(donation.id),
                   f"refund:nowpayments:{record.payment_id}:{gross}", via=via)


def resolve_partial(payment_id: str, *, accept: bool) -> LedgerOutcome:
    """Staff at this kiosk decide on a partially paid crypto gift: count what arrived,
    or refuse it. The decision is queued for the other kiosks in the same commit."""
    ensure_database()
    settings = get_settings()
    with database.atomic():
        record = CryptoPayment.get_or_none(CryptoPayment.payment_id == str(payment_id))
        if record is None:
            raise UserError(f"No crypto payment {payment_id} is known here.")
        if record.status != "partially_paid":
            raise UserError(f"Payment {payment_id} is {record.status}, not partially paid.")
        amount = _prorated(record) if accept else None
        if amount is not None and amount <= 0:
            raise UserError("Less than one cent arrived; refuse the payment instead.")
        outcome = _decide_partial(record, amount, via="staff", decided_by=settings.kiosk_id)
        body: dict[str, Any] = {
            "type": "partial.accepted" if accept else "partial.refused",
            "id": f"{settings.kiosk_id}/decision-{record.payment_id}-{pysecrets.token_hex(4)}",
            "payment_id": record.payment_id, **_staff_stamp()}
        if amount is not None:
            body["amount_minor"] = amount
        queue_for_relay(body)
        return outcome


def _decide_partial(record: CryptoPayment, amount: int | None, *, via: str,
                    decided_by: str) -> LedgerOutcome:
    """Apply a staff decision (here or relayed). Accepting wins over refusing and a
    full payment wins over both, so kiosks that hear them in any order agree."""
    if record.intent_id:
        ContributionIntent.update(needs_staff=False).where(
            ContributionIntent.id == record.intent_id).execute()
    if amount is None:
        _advance(CryptoPayment, CryptoPayment.payment_id, record.payment_id, "refused")
        _advance_intent(record.intent_id, "refused")
        current = CryptoPayment.get(CryptoPayment.payment_id == record.payment_id)
        return LedgerOutcome(current.status, intent_id=record.intent_id)
    if record.status == "paid" and _paid_in_full(record):
        return LedgerOutcome(record.status, intent_id=record.intent_id,
                             ignored_reason="already paid in full")
    if record.status == "refunded":
        # Heard after NOWPayments' refund: staff accepted it before, so it counts and goes
        # back, as on the kiosks that heard the two the other way round.
        donation_id = _accept_partial(record, amount, via=via, decided_by=decided_by)
        _refund_crypto(record, via=via)
        return LedgerOutcome("refunded", intent_id=record.intent_id, donation_id=donation_id)
    _advance(CryptoPayment, CryptoPayment.payment_id, record.payment_id, "paid")
    _advance_intent(record.intent_id, "paid")
    record = CryptoPayment.get(CryptoPayment.payment_id == record.payment_id)
    donation_id = _accept_partial(record, amount, via=via, decided_by=decided_by)
    return LedgerOutcome("paid", counted=donation_id is not None, intent_id=record.intent_id,
                         donation_id=donation_id)


def _crypto_donation(record: CryptoPayment) -> Donation | None:
    return Donation.get_or_none((Donation.source == "nowpayments") &
                                (Donation.provider_ref == record.payment_id))


def _paid_in_full(record: CryptoPayment) -> bool:
    """NOWPayments said `finished`: the gift was counted whole, or topped up to whole."""
    donation = _crypto_donation(record)
    return donation is not None and LedgerEntry.select().where(
        (LedgerEntry.donation == donation.id) &
        LedgerEntry.kind.in_(("gift", "top_up"))).exists()


def _accept_partial(record: CryptoPayment, amount: int, *, via: str,
                    decided_by: str) -> int | None:
    """Count what staff accepted; the new donation's id, or None if it was counted before.
    Staff at two kiosks may accept one payment before hearing each other, having seen
    different amounts arrive (coins keep arriving): the larger stands, whichever is heard
    first, so the kiosks agree."""
    donation_id = _count_crypto(record, via=via, amount_minor=amount,
                                note="partial payment accepted by staff",
                                first_kind="partial_accepted", recorded_by=decided_by)
    donation = _crypto_donation(record) if donation_id is None else None
    if donation is not None and not _paid_in_full(record):
        accepted = _sum_entries(donation.id, ("partial_accepted",))
        if amount > accepted:
            _add_entry(donation, "partial_accepted", amount - accepted,
                       f"partial:nowpayments:{record.payment_id}:{amount}", via=via,
                       recorded_by=decided_by, reason="a later staff acceptance of more")
    return donation_id


def _prorated(record: CryptoPayment) -> int:
    """The fiat value of what actually arrived, rounded down to the cent."""
    if not record.pay_amount or not record.actually_paid:
        raise UserError("The amount that arrived is not known yet; check the payment first.")
    share = (Decimal(record.actually_paid) / Decimal(record.pay_amount)).min(Decimal(1))
    return int((Decimal(record.price_minor) * share).to_integral_value(rounding=ROUND_DOWN))


def _decimal_or_none(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _text_or_none(value: object) -> str | None:
    return None if value in (None, "") else str(value)


# --- events -----------------------------------------------------------------


def event_mode(event: ProviderEvent) -> Mode | None:
    """The mode an event is established to be in, or None when it cannot be.

    Stripe: the event's `livemode`, its object's and a mode-bearing id must agree
    (and with the relay's stamp, if any). NOWPayments: only the secret that
    verified the IPN knows (stamped by whoever verified it). Kiosk events: the
    relay's stamp from the sending kiosk's token, which the body must not contradict.
    """
    if event.provider == "stripe":
        said = stripe_event_mode(event.payload)
        if said is None or (event.mode is not None and event.mode != said):
            return None
        return said
    if event.provider in ("kiosk", "cash"):
        flag = event.payload.get("livemode")
        body: Mode | None = None if not isinstance(flag, bool) else ("live" if flag else "test")
        if event.mode is not None and body is not None and body != event.mode:
            return None
        return event.mode or body
    return event.mode


def apply_event(event: ProviderEvent, *, via: str) -> LedgerOutcome:
    """Apply a verified (or relay-vouched) event of this kiosk's mode, once.

    Unknown types are ignored; events of the other mode are ignored; events
    whose mode cannot be established are refused and counted for `check`.
    """
    ensure_database()
    mode = event_mode(event)
    if mode is None:
        _bump(MODE_UNKNOWN_KEY)
        log.warning("%s event %s refused: its mode (test or live) cannot be established",
                    event.provider, event.dedup_key)
        return LedgerOutcome("ignored", ignored_reason="mode cannot be established")
    if mode != _kiosk_mode():
        _bump(OTHER_MODE_KEY)
        return LedgerOutcome("ignored", ignored_reason=f"a {mode}-mode event on a "
                             f"{_kiosk_mode()}-mode kiosk")
    try:
        with database.atomic():  # a savepoint: a kept event leaves nothing half-applied
            return _apply(event, via=via)
    except _Waiting as waiting:
        _keep_pending(event, waiting.waiting_for, via, mode)
        return LedgerOutcome("pending", ignored_reason=f"kept until {waiting.waiting_for} is "
                             "known")


def _apply(event: ProviderEvent, *, via: str) -> LedgerOutcome:
    if event.provider == "nowpayments":
        return apply_crypto_payment(event.payload, via=via)
    if event.provider in ("kiosk", "cash"):
        return apply_kiosk_event(event, via=via)
    data = event.payload.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if event.event_type not in STRIPE_EVENT_TYPES or not isinstance(obj, Mapping):
        return LedgerOutcome("ignored", ignored_reason=f"event type {event.event_type} not used")
    if event.event_type == "charge.refunded":
        return apply_stripe_refund(obj, via=via)
    if event.event_type in DISPUTE_EVENT_TYPES:
        return apply_stripe_dispute(obj, event.event_type, via=via)
    if event.event_type in PAYMENT_INTENT_EVENT_TYPES:
        return apply_payment_intent(obj, via=via)
    if event.event_type in READER_EVENT_TYPES:
        return apply_reader_action(obj, event.event_type, via=via)
    if event.event_type == "invoice.paid":
        return apply_invoice_paid(obj, via=via)
    if event.event_type == "invoice_payment.paid":
        return apply_invoice_payment(obj, via=via)
    if event.event_type == "customer.subscription.deleted":
        return apply_subscription_ended(obj)
    if event.event_type == "checkout.session.async_payment_failed":
        return apply_stripe_session(obj, via=via, status="failed")
    if event.event_type == "checkout.session.async_payment_succeeded":
        return apply_stripe_session(obj, via=via, status="paid")
    return apply_stripe_session(obj, via=via)


# --- staff actions: cash gifts, voids, decisions, shared through the relay ---------


def _staff_stamp() -> dict[str, Any]:
    settings = get_settings()
    return {"campaign_id": settings.campaign_id, "kiosk_id": settings.kiosk_id,
            "created_at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "livemode": settings.mode == "live"}


def queue_for_relay(body: Mapping[str, Any]) -> None:
    """Queue a staff action for the other kiosks, in the caller's transaction (the
    one that applied it here), when this kiosk shares through a relay."""
    from backend.models import Outbox

    if not get_settings().relay_url:
        return
    Outbox.insert(event_id=str(body["id"]), body=json.dumps(dict(body))).on_conflict_ignore(
    ).execute()


def cash_limit_minor() -> int:
    settings = get_settings()
    return to_minor(settings.max_amount, settings.currency)


def record_cash_gift(amount_minor: int, *, display_name: str | None = None,
                     note: str | None = None) -> int:
    """A cash gift recorded by staff here: counted, and queued for the other kiosks."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise UserError("A cash gift must be a positive whole number of minor units.")
    if amount_minor > cash_limit_minor():
        raise UserError("A cash gift cannot be more than the campaign's maximum gift.")
    ensure_database()
    settings = get_settings()
    # The kiosk's name first: ids are namespaced by kiosk, so no kiosk can name
    # (or pre-empt) another's gift; the relay and every kiosk check it.
    ref = (f"{settings.kiosk_id}/cash-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}-"
           f"{pysecrets.token_hex(3)}")
    with database.atomic():
        donation_id = _count_donation(
            source="cash", provider_ref=ref, intent_id=None, campaign_id=settings.campaign_id,
            kiosk_id=settings.kiosk_id, method="cash", coin=None, amount_minor=amount_minor,
            currency=settings.currency, display_name=display_name, via="staff", note=note,
            recorded_by=settings.kiosk_id,
        )
        if donation_id is None:
            raise UserError("The cash gift could not be recorded; try again.")
        queue_for_relay({"type": "cash.recorded", "id": ref, "amount_minor": amount_minor,
                         "currency": settings.currency, "display_name": display_name,
                         **_staff_stamp()})
    return donation_id


def void_cash_gift(donation_id: int, reason: str) -> int:
    """Staff void a mistyped cash gift recorded at this kiosk; the void's amount.

    The gift stays in the records with a void entry beside it (the export shows
    both); the void reaches every kiosk through the relay.
    """
    ensure_database()
    settings = get_settings()
    text = " ".join(str(reason or "").split())
    if not text or len(text) > 200:
        raise UserError("Say why the gift is voided (1 to 200 characters).")
    with database.atomic():
        donation = Donation.get_or_none(Donation.id == donation_id)
        if donation is None or donation.campaign_id != settings.campaign_id:
            raise UserError(f"No donation {donation_id} is known here.")
        if donation.source != "cash":
            raise UserError("Only cash gifts can be voided here; card and crypto gifts are "
                            "refunded with their provider.")
        if donation.kiosk_id != settings.kiosk_id:
            raise UserError(f"This gift was recorded at kiosk {donation.kiosk_id}; void it "
                            "there, where it was recorded.")
        net = net_minor(donation.id)
        if donation.status == "voided" or net <= 0:
            raise UserError("That gift is already voided.")
        _add_entry(donation, "void", -net, f"void:{donation.provider_ref}", via="staff",
                   recorded_by=settings.kiosk_id, reason=text)
        queue_for_relay({"type": "cash.voided",
                         "id": f"{settings.kiosk_id}/void-{pysecrets.token_hex(6)}",
                         "gift_id": donation.provider_ref, "reason": text, **_staff_stamp()})
    return net


def apply_kiosk_event(event: ProviderEvent, *, via: str) -> LedgerOutcome:
    """A staff action from another kiosk (or this one's own echo: applied once).

    The relay vouches for the sender (`event.origin`); ids are namespaced by the
    sending kiosk, a void may only come from the kiosk that recorded the gift,
    and amounts must fit this campaign's limits.
    """
    payload, origin = event.payload, event.origin
    if not origin:
        _bump(REFUSED_KEY)
        return LedgerOutcome("ignored", ignored_reason="the sending kiosk is not authenticated")
    if not str(payload.get("id", "")).startswith(f"{origin}/") or payload.get("kiosk_id") != origin:
        _bump(REFUSED_KEY)
        log.warning("kiosk event %s refused: it names another kiosk than its sender %s",
                    event.dedup_key, origin)
        return LedgerOutcome("ignored", ignored_reason="names another kiosk than its sender")
    settings = get_settings()
    if not _campaign_matches(payload.get("campaign_id")):
        return LedgerOutcome("ignored", ignored_reason="not this campaign")
    amount = payload.get("amount_minor")
    if isinstance(amount, int) and not isinstance(amount, bool) and \
            not 0 < amount <= cash_limit_minor():
        _bump(REFUSED_KEY)
        return LedgerOutcome("ignored", ignored_reason="amount outside the campaign's limits")
    kind = event.event_type
    if kind == "cash.recorded":
        currency = str(payload.get("currency") or "").lower()
        if currency != settings.currency:
            return LedgerOutcome("ignored", ignored_reason="not the campaign currency")
        donation_id = _count_donation(
            source="cash", provider_ref=str(payload["id"]), intent_id=None,
            campaign_id=settings.campaign_id, kiosk_id=origin, method="cash", coin=None,
            amount_minor=int(payload["amount_minor"]), currency=currency,
            display_name=payload.get("display_name"), via=via, recorded_by=origin)
        if donation_id is not None:
            _release(f"cash:{payload['id']}")
        return LedgerOutcome("paid", counted=donation_id is not None, donation_id=donation_id)
    if kind == "cash.voided":
        gift_id = str(payload.get("gift_id") or "")
        if not gift_id.startswith(f"{origin}/"):
            _bump(REFUSED_KEY)
            return LedgerOutcome("ignored", ignored_reason="a void from another kiosk than "
                                 "the one that recorded the gift")
        donation = Donation.get_or_none((Donation.source == "cash") &
                                        (Donation.provider_ref == gift_id))
        if donation is None:
            raise _Waiting(f"cash:{gift_id}")
        _add_entry(donation, "void", -net_minor(donation.id), f"void:{gift_id}", via=via,
                   recorded_by=origin, reason=str(payload.get("reason") or "")[:200])
        return LedgerOutcome("voided", donation_id=donation.id)
    if kind in ("partial.accepted", "partial.refused"):
        payment_id = str(payload.get("payment_id") or "")
        record = CryptoPayment.get_or_none(CryptoPayment.payment_id == payment_id)
        if record is None:
            raise _Waiting(f"nowpayments:{payment_id}")
        accepted = int(payload["amount_minor"]) if kind == "partial.accepted" else None
        if accepted is not None and accepted > record.price_minor:
            _bump(REFUSED_KEY)
            return LedgerOutcome(record.status, ignored_reason="accepts more than the price")
        return _decide_partial(record, accepted, via=via, decided_by=origin)
    return LedgerOutcome("ignored", ignored_reason=f"kiosk event {kind} not used")


def apply_cash_event(payload: Mapping[str, Any], *, via: str, origin: str | None = None,
                     mode: Mode | None = None) -> LedgerOutcome:
    """A cash gift from another kiosk, as a plain mapping (see `apply_kiosk_event`)."""
    event = ProviderEvent("kiosk", str(payload.get("id") or ""), "cash.recorded",
                          dict(payload), mode=mode, origin=origin)
    return apply_event(event, via=via)


def cancel_intent(intent_id: str) -> str:
    """The donor cancelled on screen. A payment that still completes wins."""
    ensure_database()
    with database.atomic():
        intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
        if intent is None:
            raise UserError("That payment is not known on this kiosk.")
        _advance_intent(intent_id, "cancelled")
        return str(ContributionIntent.get(ContributionIntent.id == intent_id).status)


# --- totals -----------------------------------------------------------------


def totals(campaign_id: str | None = None) -> dict[str, Any]:
    """The kept total: gross given, corrections (refunds, disputes, voids), net."""
    settings = get_settings()
    ensure_database()
    campaign = campaign_id or settings.campaign_id
    row = CampaignTotal.get_or_none(CampaignTotal.campaign_id == campaign)
    if row is None:
        return {"campaign_id": campaign, "currency": settings.currency, "total_minor": 0,
                "gross_minor": 0, "corrections_minor": 0, "count": 0,
                "by_method": {"card": 0, "crypto": 0, "cash": 0}, "revision": 0}
    return {
        "campaign_id": campaign, "currency": row.currency, "total_minor": row.total_minor,
        "gross_minor": row.gross_minor, "corrections_minor": row.corrections_minor,
        "count": row.count, "revision": row.revision,
        "by_method": {"card": row.card_minor, "crypto": row.crypto_minor, "cash": row.cash_minor},
    }


def recomputed_totals(campaign_id: str | None = None) -> dict[str, Any]:
    """The total summed from the entries themselves, to check the kept one against."""
    ensure_database()
    campaign = campaign_id or get_settings().campaign_id
    by_method = {"card": 0, "crypto": 0, "cash": 0}
    gross = corrections = 0
    query = (LedgerEntry.select(LedgerEntry.method, LedgerEntry.kind,
                                pw.fn.SUM(LedgerEntry.amount_minor))
             .where(LedgerEntry.campaign_id == campaign)
             .group_by(LedgerEntry.method, LedgerEntry.kind).tuples())
    rows: list[tuple[str, str, int | None]] = list(query)  # type: ignore[arg-type]
    for method, kind, amount in rows:
        by_method[method] += int(amount or 0)
        if kind in GIFT_KINDS:
            gross += int(amount or 0)
        else:
            corrections += int(amount or 0)
    count = database.obj.execute_sql(
        "SELECT COUNT(*) FROM (SELECT SUM(amount_minor) AS net FROM ledger_entry "
        "WHERE campaign_id = ? GROUP BY donation_id) WHERE net > 0", (campaign,)).fetchone()[0]
    return {"campaign_id": campaign, "total_minor": sum(by_method.values()),
            "gross_minor": gross, "corrections_minor": corrections, "count": int(count or 0),
            "by_method": by_method}


def mode_mismatches() -> dict[str, int]:
    """Records of the other mode in this kiosk's database (there should be none)."""
    ensure_database()
    live = _live()
    return {
        "donations": Donation.select().where(Donation.livemode != live).count(),
        "entries": LedgerEntry.select().where(LedgerEntry.livemode != live).count(),
        "card_payments": StripePayment.select().where(StripePayment.livemode != live).count(),
        "crypto_payments": CryptoPayment.select().where(CryptoPayment.livemode != live).count(),
        "invoice_payments": InvoicePayment.select().where(
            InvoicePayment.livemode != live).count(),
    }


def pending_minor(campaign_id: str | None = None) -> int:
    """Gifts seen on their way but not yet confirmed (crypto confirming, async card)."""
    ensure_database()
    campaign = campaign_id or get_settings().campaign_id
    seen = ("confirming", "partially_paid")
    crypto = (CryptoPayment.select(pw.fn.COALESCE(pw.fn.SUM(CryptoPayment.price_minor), 0))
              .where((CryptoPayment.status.in_(seen)) & (CryptoPayment.campaign_id == campaign))
              .scalar())
    card = (StripePayment.select(pw.fn.COALESCE(pw.fn.SUM(StripePayment.amount_minor), 0))
            .where((StripePayment.status.in_(seen)) & (StripePayment.campaign_id == campaign))
            .scalar())
    return int(crypto or 0) + int(card or 0)


def late_gifts(limit: int = 20) -> list[dict[str, Any]]:
    """Gifts counted after their donor had left the screen: the treasurer's "late" list."""
    ensure_database()
    rows = (Donation.select().where(Donation.late == True)  # noqa: E712 (peewee expression)
            .order_by(Donation.id.desc()).limit(limit))
    return [{"donation_id": d.id, "amount_minor": d.amount_minor, "currency": d.currency,
             "method": d.method, "via": d.via, "provider_ref": d.provider_ref,
             "created_at": d.created_at.replace(tzinfo=dt.UTC).isoformat()} for d in rows]
