"""The ledger: the one place where provider states become donations.

Every path that learns about a payment — a webhook, the poller, a relayed
event, the reconciler, another kiosk — ends here. Two rules make it safe
whatever order or how often events arrive:

* a payment's state only rises (`STATUS_RANK`): every change is a conditional
  UPDATE `... WHERE status_rank < new_rank`, so concurrent writers, even in
  other processes, can never move it back;
* a donation is an INSERT that ignores a conflict on (source, provider_ref),
  and the campaign total moves only when that insert (or a refund's
  conditional UPDATE) actually changed a row, in the same transaction.

Functions here join the caller's transaction when there is one (the relay sync
applies a batch and moves its cursor atomically).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

import peewee as pw

from backend import notify
from backend.db import database, ensure_database
from backend.models import (
    STATUS_RANK,
    CampaignTotal,
    ContributionIntent,
    CryptoPayment,
    Donation,
    OrphanRefund,
    StripePayment,
    utcnow,
)
from backend.money import provider_amount_to_minor
from backend.result import UserError
from backend.settings import get_settings
from backend.webhooks import ProviderEvent

log = logging.getLogger("charter.ledger")

STRIPE_EVENT_TYPES = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
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


@dataclass(frozen=True)
class LedgerOutcome:
    status: str
    counted: bool = False  # this call counted a new donation
    intent_id: str | None = None
    donation_id: int | None = None
    ignored_reason: str | None = None


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


def _move_total(campaign_id: str, currency: str, method: str, delta: int, count: int) -> None:
    _ensure_total(campaign_id, currency)
    column = {"card": CampaignTotal.card_minor, "crypto": CampaignTotal.crypto_minor,
              "cash": CampaignTotal.cash_minor}[method]
    CampaignTotal.update(
        {
            CampaignTotal.total_minor: CampaignTotal.total_minor + delta,
            CampaignTotal.count: CampaignTotal.count + count,
            column: column + delta,
            CampaignTotal.revision: CampaignTotal.revision + 1,
            CampaignTotal.updated_at: utcnow(),
        }
    ).where(CampaignTotal.campaign_id == campaign_id).execute()
    database.obj.after_commit(notify.local_commit)


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
    refunded: bool = False,
    note: str | None = None,
    late: bool = False,
) -> int | None:
    """Insert the donation once; move the total only if this call inserted it."""
    query = Donation.insert(
        source=source, provider_ref=provider_ref, intent=intent_id, campaign_id=campaign_id,
        kiosk_id=kiosk_id, method=method, coin=coin, amount_minor=amount_minor,
        currency=currency, display_name=display_name, via=via, note=note, late=late,
        status="refunded" if refunded else "counted", created_at=utcnow(),
    ).on_conflict_ignore()
    cursor = database.obj.execute(query)
    # rowcount is 0 when the unique (source, provider_ref) index ignored the insert:
    # someone else (a webhook, the poller, another kiosk) counted this gift first.
    inserted = cursor.rowcount == 1
    donation_id = cursor.lastrowid
    if not inserted:
        return None
    if not refunded:
        _move_total(campaign_id, currency, method, amount_minor, 1)
    log.info("counted %s donation %s/%s (%d minor %s) via %s", method, source, provider_ref,
             amount_minor, currency, via)
    return int(donation_id)


def _refund_donation(source: str, provider_ref: str) -> bool:
    donation = Donation.get_or_none(
        (Donation.source == source) & (Donation.provider_ref == provider_ref)
    )
    if donation is None:
        return False
    moved = (
        Donation.update(status="refunded")
        .where((Donation.id == donation.id) & (Donation.status == "counted"))
        .execute()
    )
    if moved:
        _move_total(donation.campaign_id, donation.currency, donation.method,
                    -donation.amount_minor, -1)
        log.info("refunded donation %s/%s", source, provider_ref)
    return True


def _campaign_matches(campaign_id: str | None) -> bool:
    return bool(campaign_id) and campaign_id == get_settings().campaign_id


# --- Stripe -----------------------------------------------------------------


def stripe_session_status(session: Mapping[str, Any]) -> str:
    status = session.get("status")
    payment_status = session.get("payment_status")
    if status == "complete":
        return "paid" if payment_status == "paid" else "confirming"
    if status == "expired":
        return "expired"
    return "awaiting_payment"


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
    live_kiosk = get_settings().mode == "live"
    if "livemode" in session and bool(session.get("livemode")) != live_kiosk:
        # A test-mode event on a live kiosk (a stale webhook secret, a shared relay)
        # or the reverse: never counted, whatever it says.
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
                currency=currency, expires_at=session.get("expires_at"),
                livemode=bool(session.get("livemode")),
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
            refund_known = bool(session.get("payment_intent")) and OrphanRefund.get_or_none(
                (OrphanRefund.source == "stripe")
                & (OrphanRefund.payment_ref == session.get("payment_intent"))
            ) is not None
            intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
            donation_id = _count_donation(
                source="stripe", provider_ref=session_id, intent_id=intent_id,
                campaign_id=payment.campaign_id or get_settings().campaign_id,
                kiosk_id=payment.kiosk_id, method="card", coin=None,
                amount_minor=payment.amount_minor, currency=payment.currency,
                display_name=intent.display_name if intent else metadata.get("display_name"),
                via=via, refunded=refund_known, late=late,
            )
            if refund_known:
                _advance(StripePayment, StripePayment.session_id, session_id, "refunded")
                _advance_intent(intent_id, "refunded")
        current = StripePayment.get(StripePayment.session_id == session_id)
        return LedgerOutcome(current.status, counted=donation_id is not None and
                             current.status == "paid", intent_id=intent_id,
                             donation_id=donation_id)


def apply_stripe_refund(charge: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    ensure_database()
    payment_intent = charge.get("payment_intent")
    if not payment_intent:
        return LedgerOutcome("refunded", ignored_reason="refund without a payment intent")
    if not charge.get("refunded"):
        # A partial refund: the gift stands; staff see it in Stripe.
        return LedgerOutcome("paid", ignored_reason="partial refund: the gift stays counted")
    with database.atomic():
        payment = StripePayment.get_or_none(StripePayment.payment_intent == payment_intent)
        if payment is not None and _refund_donation("stripe", payment.session_id):
            _advance(StripePayment, StripePayment.session_id, payment.session_id, "refunded")
            _advance_intent(payment.intent_id, "refunded")
            return LedgerOutcome("refunded", intent_id=payment.intent_id)
        # The refund came before the payment it refunds; remember it.
        OrphanRefund.insert(source="stripe", payment_ref=payment_intent).on_conflict_ignore().execute()
        return LedgerOutcome("refunded", ignored_reason="payment not seen yet; refund kept")


# --- NOWPayments ------------------------------------------------------------


def parse_order_id(order_id: object) -> tuple[str | None, str | None, str | None]:
    """Our order ids are "campaign/kiosk/intent"; anything else names no campaign."""
    parts = str(order_id or "").split("/")
    if len(parts) != 3 or not all(parts):
        return None, None, None
    return parts[0], parts[1], parts[2]


def make_order_id(campaign_id: str, kiosk_id: str, intent_id: str) -> str:
    return f"{campaign_id}/{kiosk_id}/{intent_id}"


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
            if payment.get("parent_payment_id") and not campaign_id:
                parent = CryptoPayment.get_or_none(
                    CryptoPayment.payment_id == str(payment["parent_payment_id"]))
                if parent is not None:
                    campaign_id, kiosk_id, intent_id = parent.campaign_id, parent.kiosk_id, None
            if not _campaign_matches(campaign_id):
                return LedgerOutcome(new_status, ignored_reason="not this campaign")
            currency = str(payment.get("price_currency") or "").lower()
            if currency != get_settings().currency:
                return LedgerOutcome(new_status, ignored_reason="not the campaign currency")
            if intent_id and not ContributionIntent.get_or_none(ContributionIntent.id == intent_id):
                intent_id = None
            if payment.get("parent_payment_id"):
                intent_id = None  # a repeat deposit is a gift of its own
            CryptoPayment.insert(
                payment_id=payment_id, intent=intent_id, campaign_id=campaign_id,
                kiosk_id=kiosk_id,
                parent_payment_id=(str(payment["parent_payment_id"])
                                   if payment.get("parent_payment_id") else None),
                price_minor=provider_amount_to_minor(payment.get("price_amount"), currency),
                price_currency=currency, pay_amount=_decimal_or_none(payment.get("pay_amount")),
                pay_currency=str(payment.get("pay_currency") or "").lower(),
                pay_address=payment.get("pay_address"),
                payin_extra_id=_text_or_none(payment.get("payin_extra_id")),
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
        donation_id = None
        if new_status == "paid":
            donation_id = _count_crypto(record, via=via, late=late)
        elif new_status == "refunded":
            _refund_donation("nowpayments", payment_id)
        current = CryptoPayment.get(CryptoPayment.payment_id == payment_id)
        return LedgerOutcome(current.status, counted=donation_id is not None and
                             current.status == "paid", intent_id=intent_id,
                             donation_id=donation_id)


def _count_crypto(record: CryptoPayment, *, via: str, amount_minor: int | None = None,
                  note: str | None = None, late: bool = False) -> int | None:
    intent = ContributionIntent.get_or_none(ContributionIntent.id == record.intent_id)
    return _count_donation(
        source="nowpayments", provider_ref=record.payment_id, intent_id=record.intent_id,
        campaign_id=record.campaign_id or get_settings().campaign_id, kiosk_id=record.kiosk_id,
        method="crypto", coin=record.pay_currency,
        amount_minor=record.price_minor if amount_minor is None else amount_minor,
        currency=record.price_currency, display_name=intent.display_name if intent else None,
        via=via, refunded=record.status == "refunded", note=note, late=late,
    )


def resolve_partial(payment_id: str, *, accept: bool) -> LedgerOutcome:
    """Staff decide on a partially paid crypto gift: count what arrived, or refuse it."""
    ensure_database()
    with database.atomic():
        record = CryptoPayment.get_or_none(CryptoPayment.payment_id == str(payment_id))
        if record is None:
            raise UserError(f"No crypto payment {payment_id} is known here.")
        if record.status != "partially_paid":
            raise UserError(f"Payment {payment_id} is {record.status}, not partially paid.")
        if record.intent_id:
            ContributionIntent.update(needs_staff=False).where(
                ContributionIntent.id == record.intent_id).execute()
        if not accept:
            # The coins that arrived go back by hand in the NOWPayments dashboard.
            _advance(CryptoPayment, CryptoPayment.payment_id, record.payment_id, "refused")
            _advance_intent(record.intent_id, "refused")
            return LedgerOutcome("refused", intent_id=record.intent_id)
        amount = _prorated(record)
        if amount <= 0:
            raise UserError("Less than one cent arrived; refuse the payment instead.")
        _advance(CryptoPayment, CryptoPayment.payment_id, record.payment_id, "paid")
        _advance_intent(record.intent_id, "paid")
        record = CryptoPayment.get(CryptoPayment.payment_id == record.payment_id)
        donation_id = _count_crypto(record, via="staff", amount_minor=amount,
                                    note="partial payment accepted by staff")
        return LedgerOutcome("paid", counted=donation_id is not None,
                             intent_id=record.intent_id, donation_id=donation_id)


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


# --- events, cash, cancel, totals -------------------------------------------


def apply_event(event: ProviderEvent, *, via: str) -> LedgerOutcome:
    """Apply a verified (or relay-vouched) provider event. Unknown types are ignored."""
    if event.provider == "nowpayments":
        return apply_crypto_payment(event.payload, via=via)
    if event.provider == "cash":
        return apply_cash_event(event.payload, via=via)
    data = event.payload.get("data")
    obj = data.get("object") if isinstance(data, Mapping) else None
    if event.event_type not in STRIPE_EVENT_TYPES or not isinstance(obj, Mapping):
        return LedgerOutcome("ignored", ignored_reason=f"event type {event.event_type} not used")
    if event.event_type == "charge.refunded":
        return apply_stripe_refund(obj, via=via)
    if event.event_type == "checkout.session.async_payment_failed":
        return apply_stripe_session(obj, via=via, status="failed")
    if event.event_type == "checkout.session.async_payment_succeeded":
        return apply_stripe_session(obj, via=via, status="paid")
    return apply_stripe_session(obj, via=via)


def record_cash_gift(amount_minor: int, *, display_name: str | None = None,
                     note: str | None = None) -> int:
    """A cash gift recorded by staff: counted like any other donation."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise UserError("A cash gift must be a positive whole number of minor units.")
    ensure_database()
    settings = get_settings()
    with database.atomic():
        donation_id = _count_donation(
            source="cash", provider_ref=f"cash-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S%f}-"
            f"{settings.kiosk_id}", intent_id=None, campaign_id=settings.campaign_id,
            kiosk_id=settings.kiosk_id, method="cash", coin=None, amount_minor=amount_minor,
            currency=settings.currency, display_name=display_name, via="staff", note=note,
        )
    if donation_id is None:
        raise UserError("The cash gift could not be recorded; try again.")
    return donation_id


def cancel_intent(intent_id: str) -> str:
    """The donor cancelled on screen. A payment that still completes wins."""
    ensure_database()
    with database.atomic():
        intent = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
        if intent is None:
            raise UserError("That payment is not known on this kiosk.")
        _advance_intent(intent_id, "cancelled")
        return str(ContributionIntent.get(ContributionIntent.id == intent_id).status)


def totals(campaign_id: str | None = None) -> dict[str, Any]:
    settings = get_settings()
    ensure_database()
    campaign = campaign_id or settings.campaign_id
    row = CampaignTotal.get_or_none(CampaignTotal.campaign_id == campaign)
    if row is None:
        return {"campaign_id": campaign, "currency": settings.currency, "total_minor": 0,
                "count": 0, "by_method": {"card": 0, "crypto": 0, "cash": 0}, "revision": 0}
    return {
        "campaign_id": campaign, "currency": row.currency, "total_minor": row.total_minor,
        "count": row.count, "revision": row.revision,
        "by_method": {"card": row.card_minor, "crypto": row.crypto_minor, "cash": row.cash_minor},
    }


def recomputed_totals(campaign_id: str | None = None) -> dict[str, Any]:
    """The total summed from the donations themselves, to check the kept one against."""
    ensure_database()
    campaign = campaign_id or get_settings().campaign_id
    query = (Donation.select(Donation.method, pw.fn.SUM(Donation.amount_minor),
                             pw.fn.COUNT(Donation.id))
             .where((Donation.campaign_id == campaign) & (Donation.status == "counted"))
             .group_by(Donation.method).tuples())
    by_method = {"card": 0, "crypto": 0, "cash": 0}
    count = 0
    rows: list[tuple[str, int | None, int]] = list(query)  # type: ignore[arg-type]
    for method, amount, number in rows:
        by_method[method] = int(amount or 0)
        count += int(number)
    return {"campaign_id": campaign, "total_minor": sum(by_method.values()), "count": count,
            "by_method": by_method}


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


def apply_cash_event(payload: Mapping[str, Any], *, via: str) -> LedgerOutcome:
    """A cash gift recorded at another kiosk (or this one's own echo: counted once)."""
    ensure_database()
    settings = get_settings()
    if not _campaign_matches(payload.get("campaign_id")):
        return LedgerOutcome("ignored", ignored_reason="not this campaign")
    currency = str(payload.get("currency") or "").lower()
    if currency != settings.currency:
        return LedgerOutcome("ignored", ignored_reason="not the campaign currency")
    if "livemode" in payload and bool(payload["livemode"]) != (settings.mode == "live"):
        # A rehearsal gift from a test-mode kiosk on a shared relay, or the reverse.
        return LedgerOutcome("ignored", ignored_reason="recorded in the other mode")
    with database.atomic():
        donation_id = _count_donation(
            source="cash", provider_ref=str(payload["id"]), intent_id=None,
            campaign_id=settings.campaign_id, kiosk_id=str(payload.get("kiosk_id") or ""),
            method="cash", coin=None, amount_minor=int(payload["amount_minor"]),
            currency=currency, display_name=payload.get("display_name"), via=via)
    return LedgerOutcome("paid", counted=donation_id is not None, donation_id=donation_id)
