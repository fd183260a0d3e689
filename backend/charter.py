"""The charter page's functions, kept by name from the original web backend.

These are what the kiosk screens, the CLI and the tests call. Each answers a
`Result` and never raises.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend import ledger
from backend.db import ensure_database
from backend.models import (
    OPEN_STATUSES,
    ContributionIntent,
    CryptoPayment,
    Donation,
    LedgerEntry,
    utcnow,
)
from backend.money import (
    CRYPTO_MINIMUM_MAJOR,
    check_range,
    format_money,
    major_text,
    stripe_minimum,
    to_minor,
)
from backend.result import Result, UserError, ok, public
from backend.settings import get_settings

log = logging.getLogger("charter.charter")

PAYMENT_METHODS = ("card", "tap")


def _totals_data() -> dict[str, Any]:
    settings = get_settings()
    kept = ledger.totals()
    return {
        **kept,
        "pending_minor": ledger.pending_minor(),
        "goal_minor": to_minor(settings.goal, settings.currency),
    }


@public
def on_ready() -> Result:
    """Everything the attract screen needs when the kiosk starts."""
    settings = get_settings()
    ensure_database()
    data = _totals_data()
    return ok({
        **data,
        "campaign_id": settings.campaign_id,
        "campaign_name": settings.campaign_name,
        "tap": bool(settings.terminal_reader_id),
        "monthly": settings.monthly,
        "cover_fee": {"card": settings.fee_card_percent is not None,
                      "crypto": settings.fee_crypto_percent is not None},
        # What covering the fee adds, as plain decimal strings: the kiosk shows the sum
        # before the donor pays, with the same rounding as the payment (money.cover_fee_minor).
        "fees": {"card": None if settings.fee_card_percent is None else
                 {"percent": str(settings.fee_card_percent),
                  "fixed": str(settings.fee_card_fixed)},
                 "crypto": None if settings.fee_crypto_percent is None else
                 {"percent": str(settings.fee_crypto_percent), "fixed": "0"}},
        "languages": list(settings.languages),
        "tagline": settings.tagline,
        "currency": settings.currency,
        "mode": settings.mode,
        "kiosk_id": settings.kiosk_id,
        "presets": [str(p) for p in settings.presets],
        "coins": list(settings.coins),
        "min_minor": stripe_minimum(settings.currency),
        "crypto_min_minor": to_minor(CRYPTO_MINIMUM_MAJOR, settings.currency),
        "max_minor": to_minor(settings.max_amount, settings.currency),
        "relay_url": settings.relay_url,
        "demo": bool(settings.extra.get("demo", {}).get("enabled", False)),
    })


@public
def get_cumulative_total() -> Result:
    """The campaign total: one primary-key read, kept in step with every donation."""
    ensure_database()
    return ok(_totals_data())


@public
def fiat_button_click(amount: Any, payment_method: str, display_name: str | None = None,
                      recurring: str | None = None, cover_fee: bool = False,
                      language: str | None = None, amount_text: str | None = None) -> Result:
    """The donor chose an amount and card: a Checkout Session to show as a QR code (monthly
    with `recurring="month"`), or a payment on the kiosk's card reader (`"tap"`).
    `cover_fee` adds the estimated processing fee to what the donor pays; `language` (one
    of the campaign's) opens Checkout and its landing pages in the donor's language, and
    `amount_text`, the amount charged as the kiosk showed it in that language, is what the
    landing pages show (when its digits are that amount; otherwise "$25.00")."""
    # On first use: the Stripe SDK costs ~0.2 s, and the attract screen needs none of it.
    from backend import stripe_api

    if payment_method not in PAYMENT_METHODS:
        raise UserError(f"{payment_method!r} is not a payment method here; choose card (on "
                        "your phone), tap (on the card reader) or crypto.")
    if not isinstance(cover_fee, bool):
        raise UserError("Say whether to cover the fee (true or false).")
    if recurring is not None and payment_method != "card":
        raise UserError("A monthly gift is made by card on your phone.")
    if payment_method == "tap":
        from backend import terminal

        return terminal.create_tap_payment({"amount": amount, "display_name": display_name,
                                            "cover_fee": cover_fee})
    return stripe_api.create_checkout_session({"amount": amount, "display_name": display_name,
                                               "recurring": recurring, "cover_fee": cover_fee,
                                               "language": language,
                                               "amount_text": amount_text})


@public
def crypto_button_click(amount: Any, coin: str, display_name: str | None = None,
                        cover_fee: bool = False, recurring: str | None = None) -> Result:
    """The donor chose an amount and a coin: create the payment to show as a wallet QR code."""
    if recurring is not None:
        raise UserError("A monthly gift is made by card on your phone, not in crypto.")
    if not isinstance(cover_fee, bool):
        raise UserError("Say whether to cover the fee (true or false).")
    # On first use, like the Stripe SDK: requests and the keyring cost ~35 MB and ~0.15 s.
    from backend import nowpayments_api

    return nowpayments_api.create_nowpayments_invoice(
        {"amount": amount, "coin": coin, "display_name": display_name, "cover_fee": cover_fee})


@public
def after_payment_webhook(payload: bytes, headers: Mapping[str, str]) -> Result:
    """A provider's webhook, routed by its signature header."""
    # On first use: the Stripe SDK costs ~0.2 s, and the attract screen needs none of it.
    from backend import nowpayments_api, stripe_api

    if not isinstance(headers, Mapping):
        raise UserError("The webhook headers are not readable.")
    lowered = {str(k).lower(): v for k, v in headers.items()}
    if "stripe-signature" in lowered:
        return stripe_api.handle_webhook(payload, lowered["stripe-signature"])
    if "x-nowpayments-sig" in lowered:
        return nowpayments_api.handle_webhook(payload, lowered["x-nowpayments-sig"])
    raise UserError("The webhook carries neither a Stripe-Signature nor an x-nowpayments-sig header.")


@public
def redirect_back_to_charter(donation_amount: Any, payment_method: str) -> Result:
    """Where a donor goes after paying: the thank-you with the amount and the new total."""
    settings = get_settings()
    if payment_method not in ("card", "crypto", "cash"):
        raise UserError(f"{payment_method!r} is not a payment method here.")
    amount_minor = to_minor(donation_amount, settings.currency)
    check_range(amount_minor, settings.currency, minimum=1,
                maximum=to_minor(settings.max_amount, settings.currency))
    from backend.secrets import get_secret

    base = get_secret("BASE_URL") or settings.relay_url
    totals = _totals_data()
    return ok({
        "screen": "thanks",
        "message": f"Thank you for your gift of {format_money(amount_minor, settings.currency)}!",
        "amount_minor": amount_minor,
        "payment_method": payment_method,
        "total_minor": totals["total_minor"],
        "url": f"{base.rstrip('/')}/thanks" if base else None,
    })


# --- for the kiosk's screens and the staff screen ---------------------------


@public
def cancel_payment(intent_id: str) -> Result:
    """The donor pressed Cancel. The Checkout link stops working; a gift that still
    completes (paid on the phone a second before) is counted all the same."""
    # On first use: the Stripe SDK costs ~0.2 s, and the attract screen needs none of it.
    from backend import stripe_api

    if not isinstance(intent_id, str) or not intent_id:
        raise UserError("No payment to cancel.")
    ensure_database()
    known = ContributionIntent.get_or_none(ContributionIntent.id == intent_id)
    if known is not None and known.method == "tap":
        from backend import terminal

        # The reader stops first; a tap that went through a moment before is kept.
        return ok({"intent_id": intent_id, "status": terminal.cancel_tap(intent_id)})
    status = ledger.cancel_intent(intent_id)
    intent = ContributionIntent.get(ContributionIntent.id == intent_id)
    if intent.method == "card" and intent.provider_ref and status == "cancelled":
        stripe_api.expire_session(intent.provider_ref)
    return ok({"intent_id": intent_id, "status": status})


def cash_gift_minor(amount: Any) -> int:
    """The cash gift staff typed, in minor units, or a `UserError` saying what is wrong.

    Reads nothing but the settings and writes nothing: `record_cash_gift` checks with it
    before it writes, and `check` calls it alone to prove bad input is refused.
    """
    settings = get_settings()
    amount_minor = to_minor(amount, settings.currency)
    check_range(amount_minor, settings.currency, minimum=1,
                maximum=to_minor(settings.max_amount, settings.currency))
    return amount_minor


@public
def record_cash_gift(amount: Any, display_name: str | None = None, note: str | None = None) -> Result:
    amount_minor = cash_gift_minor(amount)
    name = " ".join((display_name or "").split())[:40] or None
    donation_id = ledger.record_cash_gift(amount_minor, display_name=name, note=note)
    shared = _share_now()
    return ok({"donation_id": donation_id, "total_minor": ledger.totals()["total_minor"],
               "shared": shared})


def _share_now() -> bool:
    """Send the staff actions the ledger queued, oldest first, if the relay answers;
    otherwise a later reconciler pass does. True when nothing is left queued. A
    failure here never undoes an action: it is applied here and stays queued."""
    from backend import cash_share

    relay = cash_share.relay_config()
    if relay is None:
        return False
    try:
        cash_share.share_pending(relay)
    except Exception:
        log.warning("sharing staff actions failed; they stay queued", exc_info=True)
        return False
    return cash_share.unsent_count() == 0


@public
def giving_summary() -> Result:
    """For staff: the fees donors covered, and the monthly donors still giving with what
    they give in a year. (Summed on request, unlike the kept total the screens poll.)"""
    return ok({"fees_minor": ledger.fees_covered_minor(), **ledger.monthly_summary()})


@public
def void_cash_gift(donation_id: int, reason: str) -> Result:
    """Void a mistyped cash gift recorded at this kiosk, with a reason; shared with
    every kiosk through the relay. The gift and its void both stay in the records."""
    if isinstance(donation_id, bool) or not isinstance(donation_id, int) or donation_id <= 0:
        raise UserError("Say which donation to void (its number).")
    if not isinstance(reason, str):
        raise UserError("Say why the gift is voided (1 to 200 characters).")
    amount = ledger.void_cash_gift(donation_id, reason)
    shared = _share_now()
    return ok({"donation_id": donation_id, "voided_minor": amount,
               "total_minor": ledger.totals()["total_minor"], "shared": shared})


@public
def recent_donations(limit: int = 10) -> Result:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 500:
        raise UserError("limit must be a whole number from 1 to 500.")
    ensure_database()
    campaign = get_settings().campaign_id
    rows = (Donation.select().where(Donation.campaign_id == campaign)
            .order_by(Donation.id.desc()).limit(limit))
    return ok({"donations": [{
        "donation_id": d.id, "amount_minor": d.amount_minor,
        "net_minor": ledger.net_minor(d.id), "currency": d.currency, "method": d.method,
        "coin": d.coin, "display_name": d.display_name, "via": d.via, "status": d.status,
        "kiosk_id": d.kiosk_id, "source": d.source,
        # Only cash gifts recorded here can be voided here.
        "voidable": d.source == "cash" and d.kiosk_id == get_settings().kiosk_id
        and d.status != "voided",
        "created_at": d.created_at.replace(tzinfo=dt.UTC).isoformat(),
    } for d in rows]})


@public
def pending_payments() -> Result:
    """Payments still open, oldest first, for the staff screen."""
    ensure_database()
    now = utcnow()
    rows = (ContributionIntent.select()
            .where(ContributionIntent.status.in_(OPEN_STATUSES) |
                   (ContributionIntent.needs_staff == True))  # noqa: E712 (peewee expression)
            .order_by(ContributionIntent.created_at))
    return ok({"payments": [{
        "intent_id": i.id, "method": i.method, "coin": i.coin, "amount_minor": i.amount_minor,
        "currency": i.currency, "status": i.status, "needs_staff": i.needs_staff,
        "provider_ref": i.provider_ref, "age_s": int((now - i.created_at).total_seconds()),
        "expires_at": i.expires_at,
    } for i in rows]})


@public
def resolve_partial_payment(payment_id: str, accept: bool) -> Result:
    if not isinstance(accept, bool):
        raise UserError("Say whether to accept (true) or refuse (false) the partial payment.")
    from backend import nowpayments_api

    outcome = ledger.resolve_partial(nowpayments_api.check_payment_id(payment_id), accept=accept)
    return ok({"status": outcome.status, "total_minor": ledger.totals()["total_minor"],
               "shared": _share_now()})


@public
def reconciliation_status() -> Result:
    """Open payments by age and state, stale ones, late gifts and the last reconcile."""
    from backend.reconcile import pending_summary

    return ok(pending_summary())


@public
def totals_by_method() -> Result:
    return ok(dict(ledger.totals()["by_method"]))


EXPORT_COLUMNS = ["entry_id", "donation_id", "created_at_utc", "kind", "amount", "currency",
                  "fee_covered", "method", "coin", "donation_status", "source", "provider_ref",
                  "kiosk_id", "recorded_by", "display_name", "via", "reason", "monthly_gift",
                  "mode"]


@public
def export_donations_csv(path: str | Path) -> Result:
    """Every ledger entry of the campaign, one row each: the gifts and, as rows of
    their own, the corrections (refunds, disputes, voids, top-ups). The amount
    column is a plain signed decimal in major units, so a spreadsheet's SUM of it
    is the net total; every text cell is neutralised against formulas."""
    target = Path(path)
    if target.exists() and target.is_dir():
        raise UserError(f"{target} is a folder; give a file name for the export.")
    if not target.parent.exists():
        raise UserError(f"The folder {target.parent} does not exist.")
    ensure_database()
    campaign = get_settings().campaign_id
    rows = (LedgerEntry.select(LedgerEntry, Donation).join(Donation)
            .where(LedgerEntry.campaign_id == campaign).order_by(LedgerEntry.id))
    count = 0
    partial = target.with_suffix(target.suffix + ".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        for e in rows:
            d = e.donation
            writer.writerow([
                e.id, d.id, e.created_at.isoformat(), _csv_safe(e.kind),
                major_text(e.amount_minor, e.currency), _csv_safe(e.currency.upper()),
                # The fee part of the gift (included in its amount), on the gift's row.
                major_text(d.fee_minor if e.kind == "gift" else 0, e.currency),
                _csv_safe(e.method), _csv_safe(d.coin), _csv_safe(d.status),
                _csv_safe(d.source), _csv_safe(d.provider_ref), _csv_safe(d.kiosk_id),
                _csv_safe(e.recorded_by), _csv_safe(d.display_name), _csv_safe(e.via),
                _csv_safe(e.reason if e.reason is not None else d.note if e.kind == "gift"
                          else None),
                _csv_safe(d.subscription), "live" if e.livemode else "test",
            ])
            count += 1
    partial.replace(target)  # a half-written export never looks finished
    return ok({"path": str(target), "rows": count})


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def _csv_safe(text: str | None) -> str:
    """Text from outside (donors, providers, other kiosks) must not become a
    spreadsheet formula: a leading formula character is quoted away."""
    value = "" if text is None else str(text)
    return "'" + value if value[:1] in _FORMULA_STARTS else value


@public
def gifts_over_time(bucket_minutes: int = 5) -> Result:
    """The running total at the end of each time bucket, for the display board's chart.

    Summed from the ledger's entries, so refunds and voids bring it down when
    they happen, and the last point is the total on screen."""
    if not isinstance(bucket_minutes, int) or isinstance(bucket_minutes, bool) or \
            not 1 <= bucket_minutes <= 1440:
        raise UserError("bucket_minutes must be a whole number from 1 to 1440.")
    ensure_database()
    campaign = get_settings().campaign_id
    query = (LedgerEntry.select(LedgerEntry.created_at, LedgerEntry.amount_minor)
             .where(LedgerEntry.campaign_id == campaign)
             .order_by(LedgerEntry.created_at, LedgerEntry.id).tuples())
    points: list[dict[str, Any]] = []
    running = 0
    bucket = dt.timedelta(minutes=bucket_minutes)
    epoch = dt.datetime(2000, 1, 1)
    rows: list[tuple[dt.datetime, int]] = list(query)  # type: ignore[arg-type]
    for created_at, amount in rows:
        running += amount
        start = epoch + ((created_at - epoch) // bucket) * bucket
        stamp = start.replace(tzinfo=dt.UTC).isoformat()
        if points and points[-1]["t"] == stamp:
            points[-1]["total_minor"] = running
        else:
            points.append({"t": stamp, "total_minor": running})
    return ok({"points": points})


def crypto_payment_for_intent(intent_id: str) -> CryptoPayment | None:
    return CryptoPayment.get_or_none(CryptoPayment.intent == intent_id)


__all__ = [
    "after_payment_webhook",
    "cancel_payment",
    "crypto_button_click",
    "export_donations_csv",
    "fiat_button_click",
    "get_cumulative_total",
    "gifts_over_time",
    "giving_summary",
    "on_ready",
    "pending_payments",
    "recent_donations",
    "reconciliation_status",
    "record_cash_gift",
    "redirect_back_to_charter",
    "resolve_partial_payment",
    "totals_by_method",
    "void_cash_gift",
]
