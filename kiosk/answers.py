"""The backend's answers, read once: each `Result` a service call returns becomes the
dataclasses of kiosk/model.py here, and nowhere else. What does not read as the answer
it claims to be becomes a `Refusal` (or is left out, for a row of a list), so no screen
ever shows a half-read answer as "$0" or a blank code.

Readers run on the workers, right after the call; `carried`/`unpacked` take the typed
value across to the GUI thread in the envelope the workers carry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

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
from kiosk.staff_model import (
    CashRecorded,
    CashVoided,
    CsvExport,
    GivingSummary,
    KioskCheck,
    LateGift,
    PartialResolved,
    PendingPayment,
    PinAccepted,
    Reader,
    ReaderLocation,
    ReaderSetup,
    ReconcileSummary,
    StaffOverview,
    StalePayment,
    SyncState,
)

if TYPE_CHECKING:
    from kiosk.services import Services

log = logging.getLogger("charter.kiosk.answers")
T = TypeVar("T")
_UNREAD = "The kiosk got an answer it did not understand."


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _data(result: object) -> dict[str, Any] | Refusal:
    """The data of a successful answer, or the Refusal of any other."""
    data = result.get("data") if isinstance(result, dict) and result.get("success") else None
    return data if isinstance(data, dict) else refusal(result)


def refusal(result: object) -> Refusal:
    """The error of a failed answer (anything that is not a success is one)."""
    error = result.get("error") if isinstance(result, dict) else None
    return Refusal(str(error or _UNREAD))


def carried(value: object) -> Result:
    """A value read by this door, in the envelope the workers carry back to the GUI
    thread (they carry Results: a job that raises becomes an error Result on the way)."""
    return {"success": True, "data": {"carried": value}}


def unpacked(result: Result) -> object:
    """What `carried` packed, or the Refusal of a job that failed on the way."""
    data = _data(result)
    if isinstance(data, Refusal) or "carried" not in data:
        return refusal(result)
    return data["carried"]


def ready(result: Result, *, catalogs: dict[str, str], demo_pin: str | None) -> Ready | Refusal:
    """on_ready's answer, read once: the campaign and its totals."""
    if isinstance(data := _data(result), Refusal):
        return data
    try:
        campaign = Campaign.from_ready(data)
    except (TypeError, ValueError):
        log.exception("the campaign could not be read")
        return Refusal("The kiosk could not read its campaign settings.")
    return Ready(campaign, Totals.from_answer(data), dict(catalogs), demo_pin)


def payment_start(method: str, result: Result) -> PaymentStart | Refusal:
    """start_card / start_crypto / start_tap's answer, read once: the one place that knows
    its keys. An answer without the payment's reference is a refusal, not a blank code."""
    if isinstance(data := _data(result), Refusal):
        return data
    ref_key = {"card": "session_id", "crypto": "payment_id", "tap": "payment_intent_id"}
    ref = _text(data.get(ref_key.get(method, "")))
    if ref is None:
        log.error("a %s payment was started without a reference: %s", method, sorted(data))
        return Refusal("The payment service gave no payment reference.")
    return PaymentStart(
        method=method, intent_id=str(data.get("intent_id") or ""), ref=ref,
        amount_minor=_int(data.get("amount_minor")), gift_minor=_int(data.get("gift_minor")),
        fee_minor=_int(data.get("fee_minor")) or 0,
        payload=str(data.get("qr_payload") or data.get("checkout_url") or ""),
        recurring=bool(data.get("recurring")),
        expires_at=_number(data.get("expires_at")),
        pay_amount=str(data.get("pay_amount") or ""),
        pay_currency=str(data.get("pay_currency") or ""),
        network=str(data.get("network") or ""), pay_address=str(data.get("pay_address") or ""),
        memo=_text(data.get("payin_extra_id")), memo_label=_text(data.get("memo_label")))


def payment_update(result: object) -> PaymentUpdate | Refusal:
    """payment_status's answer, read once (the poller hands it over as it came)."""
    if isinstance(data := _data(result), Refusal):
        return data
    return PaymentUpdate(status=str(data.get("status") or ""),
                         total_minor=_int(data.get("total_minor")),
                         reader_action=_text(data.get("reader_action")),
                         failure_message=_text(data.get("failure_message")),
                         failure_code=_text(data.get("failure_code")))


def _rows(result: Result, key: str) -> list[dict[str, Any]] | None:
    data = _data(result)
    rows = None if isinstance(data, Refusal) else data.get(key)
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


# --- the staff side ---------------------------------------------------------------------


def unpacked_as(result: Result, kind: type[T]) -> T | Refusal:
    """`unpacked`, for a handler that expects `kind`: anything else is a Refusal."""
    value = unpacked(result)
    if isinstance(value, kind | Refusal):
        return value
    log.error("a %s was expected across the workers, not a %s", kind.__name__,
              type(value).__name__)
    return Refusal(_UNREAD)


def _word(value: object) -> str | None:
    """A non-empty string, and only that (a number or a dict is not a name or a status)."""
    return value if isinstance(value, str) and value else None


def _list(data: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    """The rows under `key` (none when it is absent); None when it is not a list."""
    rows = data.get(key)
    if rows is None:
        return []
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else None


def pending_payments(result: Result) -> tuple[PendingPayment, ...] | Refusal:
    """pending_payments' answer, read once. A row without its amount, currency or method is
    left out (and logged), never shown as $0."""
    if isinstance(data := _data(result), Refusal):
        return data
    rows = data.get("payments")
    if not isinstance(rows, list):
        return Refusal(_UNREAD)
    payments = []
    for row in rows:
        amount = _int(row.get("amount_minor")) if isinstance(row, dict) else None
        if (not isinstance(row, dict) or amount is None or _word(row.get("currency")) is None
                or _word(row.get("method")) is None):
            log.error("an open payment without its amount, currency or method was left out")
            continue
        payments.append(PendingPayment(
            intent_id=str(row.get("intent_id") or ""), method=row["method"], amount_minor=amount,
            currency=row["currency"], status=_word(row.get("status")) or "",
            age_s=_int(row.get("age_s")), coin=_word(row.get("coin")),
            needs_staff=row.get("needs_staff") is True,
            provider_ref=_word(row.get("provider_ref")) or ""))
    return tuple(payments)


def reconcile_summary(result: Result) -> ReconcileSummary | Refusal:
    """reconciliation_status' answer, read once. Without its open payments by age it is no
    summary; a stale payment or late gift that is not one is left out (and logged)."""
    if isinstance(data := _data(result), Refusal):
        return data
    by_age, stale, late = data.get("by_age"), _list(data, "stale"), _list(data, "late_gifts")
    if not isinstance(by_age, dict) or stale is None or late is None:
        return Refusal(_UNREAD)
    buckets = tuple((str(bucket), count) for bucket, value in by_age.items()
                    if (count := _int(value)) is not None)
    gifts = []
    for row in late:
        donation_id, amount = _int(row.get("donation_id")), _int(row.get("amount_minor"))
        if donation_id is None or amount is None or _word(row.get("currency")) is None:
            log.error("a late gift without its id, amount or currency was left out")
            continue
        gifts.append(LateGift(donation_id, amount, row["currency"], str(row.get("method") or ""),
                              str(row.get("created_at") or "")))
    last = data.get("last_reconcile")
    finished = _number(last.get("finished_at")) if isinstance(last, dict) else None
    if last is not None and finished is None:
        log.error("the last reconcile's time could not be read")
    return ReconcileSummary(
        by_age=buckets, late_gifts=tuple(gifts), last_checked_at=finished,
        stale=tuple(StalePayment(str(row.get("provider") or ""), str(row.get("ref") or ""),
                                 str(row.get("status") or "")) for row in stale))


def giving_summary(result: Result) -> GivingSummary | Refusal:
    """giving_summary's answer, read once: all three figures, or a refusal (never "$0 a
    year" for a figure the answer left out)."""
    if isinstance(data := _data(result), Refusal):
        return data
    donors, yearly, fees = (_int(data.get(key)) for key in
                            ("monthly_donors", "monthly_yearly_minor", "fees_minor"))
    if donors is None or yearly is None or fees is None:
        return Refusal(_UNREAD)
    return GivingSummary(donors, yearly, fees)


def sync_state(state: object) -> SyncState | None:
    """The relay sync thread's state (None: no sync runs here)."""
    if state is None:
        return None
    if not isinstance(state, dict):
        return SyncState(available=False, last_error="The sync state could not be read.")
    return SyncState(available=state.get("available") is True,
                     connected=state.get("connected") is True, cursor=_int(state.get("cursor")),
                     last_event_age_s=_number(state.get("last_event_age_s")),
                     lag_s=_number(state.get("lag_s")),
                     last_error=_word(state.get("last_error")))


def staff_overview(services: Services, sync: object = None) -> StaffOverview:
    """The staff screen's lists and status, on a worker: each part read on its own, so one
    that fails leaves the others shown. `sync` is the relay sync's state, if one runs."""

    def kept(answer: T | Refusal) -> T | None:
        if isinstance(answer, Refusal):
            log.warning("the staff screen goes without a part: %s", answer.error)
            return None
        return answer

    return StaffOverview(pending=kept(pending_payments(services.pending_payments())),
                         reconcile=kept(reconcile_summary(services.reconciliation_status())),
                         giving=kept(giving_summary(services.giving_summary())),
                         sync=sync_state(sync))


def kiosk_checks(result: Result) -> tuple[KioskCheck, ...] | Refusal:
    """run_checks' answer, read once. A check without its name or status is left out (and
    logged); one with a status the page does not know is shown, marked "?"."""
    if isinstance(data := _data(result), Refusal):
        return data
    rows = data.get("checks")
    if not isinstance(rows, list):
        return Refusal(_UNREAD)
    checks = []
    for row in rows:
        if not isinstance(row, dict) or _word(row.get("name")) is None \
                or _word(row.get("status")) is None:
            log.error("a check without its name or status was left out")
            continue
        checks.append(KioskCheck(str(row.get("group") or ""), row["name"], row["status"],
                                 str(row.get("detail") or ""), str(row.get("fix") or "")))
    return tuple(checks)


def _reader(data: object) -> Reader | None:
    if not isinstance(data, dict) or _word(data.get("id")) is None:
        return None
    return Reader(reader_id=data["id"], label=str(data.get("label") or ""),
                  device_type=str(data.get("device_type") or ""),
                  status=_word(data.get("status")) or "offline",
                  mode=_word(data.get("mode")) or "test", location=_word(data.get("location")))


def reader_setup(result: Result) -> ReaderSetup:
    """reader_setup's answer, read once. A failed answer is a page with its error; a reader
    that is not one is an error, not "No reader is paired"; a location without its id is
    left out (and logged)."""
    if isinstance(data := _data(result), Refusal):
        return ReaderSetup(error=data.error)
    rows = _list(data, "locations")
    if rows is None:
        return ReaderSetup(error=_UNREAD)
    places = []
    for row in rows:
        if (place := _word(row.get("id"))) is None:
            log.error("a Terminal location without its id was left out")
            continue
        places.append(ReaderLocation(place, _word(row.get("display_name")) or place))
    error = _word(data.get("error")) or ""
    reader = _reader(data.get("reader"))
    if reader is None and data.get("reader") is not None and not error:
        log.error("the reader's status could not be read: %r", data.get("reader"))
        error = "The reader's status could not be read."
    return ReaderSetup(reader, tuple(places), error)


def paired_reader(result: Result) -> Reader | Refusal:
    """register_reader's answer: the reader now paired with this kiosk."""
    if isinstance(data := _data(result), Refusal):
        return data
    return _reader(data) or Refusal(_UNREAD)


def pin_accepted(result: Result) -> PinAccepted | Refusal:
    """verify_pin's answer: only `{"ok": true}` opens staff mode."""
    if isinstance(data := _data(result), Refusal):
        return data
    return PinAccepted() if data.get("ok") is True else Refusal(_UNREAD)


def cash_recorded(result: Result) -> CashRecorded | Refusal:
    if isinstance(data := _data(result), Refusal):
        return data
    donation_id = _int(data.get("donation_id"))
    if donation_id is None:
        return Refusal(_UNREAD)
    return CashRecorded(donation_id, _int(data.get("total_minor")))


def cash_voided(result: Result) -> CashVoided | Refusal:
    """void_cash_gift's answer: without the amount taken out, a refusal (never "$0")."""
    if isinstance(data := _data(result), Refusal):
        return data
    donation_id, voided = _int(data.get("donation_id")), _int(data.get("voided_minor"))
    if donation_id is None or voided is None:
        return Refusal(_UNREAD)
    return CashVoided(donation_id, voided)


def partial_resolved(result: Result) -> PartialResolved | Refusal:
    if isinstance(data := _data(result), Refusal):
        return data
    status = _word(data.get("status"))
    return Refusal(_UNREAD) if status is None else PartialResolved(status)


def csv_export(result: Result) -> CsvExport | Refusal:
    """export_donations_csv's answer: where the file is and how many rows it has."""
    if isinstance(data := _data(result), Refusal):
        return data
    path, rows = _word(data.get("path")), _int(data.get("rows"))
    if path is None or rows is None:
        return Refusal(_UNREAD)
    return CsvExport(path, rows)
