"""The backend's answers, read once: each `Result` a service call returns becomes the
dataclasses of kiosk/model.py here, and nowhere else. What does not read as the answer
it claims to be becomes a `Refusal` (or is left out, for a row of a list), so no screen
ever shows a half-read answer as "$0" or a blank code.

Readers run on the workers, right after the call; `carried`/`unpacked` take the typed
value across to the GUI thread in the envelope the workers carry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from backend.result import Result
from kiosk.model import (
    Campaign,
    GiftPoint,
    PaymentStart,
    PaymentUpdate,
    Ready,
    RecentGift,
    Refusal,
    Standing,
    Totals,
)

if TYPE_CHECKING:
    from kiosk.services import Services

log = logging.getLogger("charter.kiosk.answers")


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def refusal(result: object) -> Refusal:
    """The error of a failed answer (anything that is not a success is one)."""
    error = result.get("error") if isinstance(result, dict) else None
    return Refusal(str(error or "The kiosk got an answer it did not understand."))


def carried(value: object) -> Result:
    """A value read by this door, in the envelope the workers carry back to the GUI
    thread (they carry Results: a job that raises becomes an error Result on the way)."""
    return {"success": True, "data": {"carried": value}}


def unpacked(result: Result) -> object:
    """What `carried` packed, or the Refusal of a job that failed on the way."""
    data = result.get("data") if result.get("success") else None
    if not isinstance(data, dict) or "carried" not in data:
        return refusal(result)
    return data["carried"]


def ready(result: Result, *, catalogs: dict[str, str], demo_pin: str | None) -> Ready | Refusal:
    """on_ready's answer, read once: the campaign and its totals."""
    data = result.get("data") if result.get("success") else None
    if not isinstance(data, dict):
        return refusal(result)
    try:
        campaign = Campaign.from_ready(data)
    except (TypeError, ValueError):
        log.exception("the campaign could not be read")
        return Refusal("The kiosk could not read its campaign settings.")
    return Ready(campaign, Totals.from_answer(data), dict(catalogs), demo_pin)


def payment_start(method: str, result: Result) -> PaymentStart | Refusal:
    """start_card / start_crypto / start_tap's answer, read once: the one place that knows
    its keys. An answer without the payment's reference is a refusal, not a blank code."""
    data = result.get("data") if result.get("success") else None
    if not isinstance(data, dict):
        return refusal(result)
    ref_key = {"card": "session_id", "crypto": "payment_id", "tap": "payment_intent_id"}
    ref = _text(data.get(ref_key.get(method, "")))
    if ref is None:
        log.error("a %s payment was started without a reference: %s", method, sorted(data))
        return Refusal("The payment service gave no payment reference.")
    expires = data.get("expires_at")
    return PaymentStart(
        method=method, intent_id=str(data.get("intent_id") or ""), ref=ref,
        amount_minor=_int(data.get("amount_minor")), gift_minor=_int(data.get("gift_minor")),
        fee_minor=_int(data.get("fee_minor")) or 0,
        payload=str(data.get("qr_payload") or data.get("checkout_url") or ""),
        recurring=bool(data.get("recurring")),
        expires_at=float(expires) if isinstance(expires, int | float)
        and not isinstance(expires, bool) else None,
        pay_amount=str(data.get("pay_amount") or ""),
        pay_currency=str(data.get("pay_currency") or ""),
        network=str(data.get("network") or ""), pay_address=str(data.get("pay_address") or ""),
        memo=_text(data.get("payin_extra_id")), memo_label=_text(data.get("memo_label")))


def payment_update(result: object) -> PaymentUpdate | Refusal:
    """payment_status's answer, read once (the poller hands it over as it came)."""
    data = result.get("data") if isinstance(result, dict) and result.get("success") else None
    if not isinstance(data, dict):
        return refusal(result)
    return PaymentUpdate(status=str(data.get("status") or ""),
                         total_minor=_int(data.get("total_minor")),
                         reader_action=_text(data.get("reader_action")),
                         failure_message=_text(data.get("failure_message")),
                         failure_code=_text(data.get("failure_code")))


def _rows(result: Result, key: str) -> list[dict[str, Any]] | None:
    data = result.get("data") if result.get("success") else None
    rows = data.get(key) if isinstance(data, dict) else None
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else None


def recent_gifts(result: Result) -> tuple[RecentGift, ...] | None:
    """recent_donations' answer, read once; None when it failed. A row that is not a gift
    is left out (and logged), never shown as $0 from nobody."""
    rows = _rows(result, "donations")
    if rows is None:
        return None
    gifts = []
    for row in rows:
        donation_id, amount = _int(row.get("donation_id")), _int(row.get("amount_minor"))
        if donation_id is None or amount is None or not row.get("currency"):
            log.error("a recent gift without its id, amount or currency was left out")
            continue
        gifts.append(RecentGift(
            donation_id=donation_id, amount_minor=amount, currency=str(row["currency"]),
            method=str(row.get("method") or ""), created_at=str(row.get("created_at") or ""),
            coin=_text(row.get("coin")), display_name=_text(row.get("display_name")),
            status=str(row.get("status") or "counted"), kiosk_id=str(row.get("kiosk_id") or ""),
            voidable=row.get("voidable") is True))
    return tuple(gifts)


def gift_points(result: Result) -> tuple[GiftPoint, ...] | None:
    rows = _rows(result, "points")
    if rows is None:
        return None
    return tuple(GiftPoint(str(row["t"]), total) for row in rows
                 if row.get("t") and (total := _int(row.get("total_minor"))) is not None)


def standing(services: Services, *, recent: int = 0, points_minutes: int = 0
             ) -> Standing | Refusal:
    """The totals, then (if asked) the latest `recent` gifts and the total over time: on a
    worker. Without totals there is nothing to show; without the rest, the totals still."""
    totals = services.totals()
    if not totals.get("success") or not isinstance(totals.get("data"), dict):
        return refusal(totals)
    return Standing(
        Totals.from_answer(totals["data"]),
        recent=recent_gifts(services.recent_donations(limit=recent)) if recent else None,
        points=gift_points(services.gifts_over_time(bucket_minutes=points_minutes))
        if points_minutes else None)
