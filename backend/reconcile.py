"""Nothing pending is forgotten: ask the providers about every open payment.

A donor may scan the card QR, walk away and pay on the bus; a crypto payment
may take half an hour to confirm, or arrive after its estimated expiry; a
webhook may be lost. The reconciler finds every payment that is not final,
asks its provider on a schedule that fits how payments behave (often at first,
then less often, stopping after the provider's own expiry plus a grace period)
and applies the answer through the ledger, which counts a gift once however
many reconcilers, pollers, webhooks and relay events report it.

It never makes more than `max_calls_per_second` provider calls, backs off per
payment on errors and per provider on 429s and outages, and claims each
payment with a short lease so two processes on one database do not both ask.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import peewee as pw

from backend import ledger
from backend.db import database, ensure_database
from backend.models import OPEN_STATUSES, CryptoPayment, Meta, StripePayment
from backend.result import ProviderBusy, ProviderUnavailable, UserError

log = logging.getLogger("charter.reconcile")

Provider = Literal["stripe", "nowpayments"]

# (age below, seconds between checks): often while the donor may still be paying,
# then less often. The payment on screen is polled every 3 s by the kiosk itself.
SCHEDULE: tuple[tuple[float, int], ...] = ((5 * 60, 15), (30 * 60, 60), (2 * 3600, 300),
                                          (float("inf"), 900))
# A Checkout Session cannot be paid after it expires: one look after expiry settles it.
STRIPE_GRACE_S = 3600
# NOWPayments payments can still confirm after their estimated expiry (a slow
# chain, a late deposit): keep asking for a day.
NOWPAYMENTS_GRACE_S = 24 * 3600
LEASE_S = 60
MAX_FAILURE_BACKOFF_S = 30 * 60
PROVIDER_PAUSE_S = (30, 15 * 60)  # first pause after a 429/outage, and the ceiling
# Which invoice a kept refund's PaymentIntent paid is asked for as long as Stripe retries
# events (three days): by then the month's own invoice.paid has come or never will, and a
# PaymentIntent that paid no invoice (a one-off, perhaps another campaign's) is not
# asked about again and again.
INVOICE_LINK_GRACE_S = 3 * 24 * 3600

# Crypto "expired" is not final for us: a late deposit can still finish it.
CRYPTO_WATCHED = (*OPEN_STATUSES, "expired")

# A StripePayment or a CryptoPayment row (peewee models are untyped).
Payment = Any


@dataclass
class ReconcileReport:
    checked: int = 0
    changed: int = 0
    counted: int = 0
    errors: int = 0
    skipped_busy: int = 0
    started_at: float = 0.0
    finished_at: float = 0.0
    details: list[dict[str, Any]] = field(default_factory=list)


def interval_for(age_s: float) -> int:
    for limit, interval in SCHEDULE:
        if age_s < limit:
            return interval
    return SCHEDULE[-1][1]


def _refresh_stripe(*args: Any, **kwargs: Any) -> Any:
    # The provider clients load on the first open payment: a kiosk that starts with none
    # spares the Stripe SDK and requests (~20 MB, ~0.15 s) until a donor pays.
    from backend import stripe_api

    return stripe_api.refresh_session(*args, **kwargs)


def _refresh_nowpayments(*args: Any, **kwargs: Any) -> Any:
    from backend import nowpayments_api

    return nowpayments_api.refresh_payment(*args, **kwargs)


def _invoice_payments_of(payment_intent: str) -> list[dict[str, Any]]:
    from backend import stripe_api

    return stripe_api.invoice_payments_of(payment_intent)


class Reconciler:
    """One reconciler per process; `run()` is the loop a kiosk worker thread runs."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_calls_per_second: float = 2.0,
        refresh_stripe: Callable[..., Any] | None = None,
        refresh_nowpayments: Callable[..., Any] | None = None,
        invoice_payments: Callable[[str], list[Mapping[str, Any]]] | None = None,
        idle_s: float = 30.0,
    ) -> None:
        if max_calls_per_second <= 0:
            raise ValueError("max_calls_per_second must be positive")
        self._clock = clock
        self._sleep = sleep
        self._min_gap = 1.0 / max_calls_per_second
        self._last_call = float("-inf")
        self._refresh = {"stripe": refresh_stripe or _refresh_stripe,
                         "nowpayments": refresh_nowpayments or _refresh_nowpayments}
        self._paused_until: dict[str, float] = {"stripe": 0.0, "nowpayments": 0.0}
        self._pause_s: dict[str, float] = {"stripe": 0.0, "nowpayments": 0.0}
        # Stripe's InvoicePayments of a PaymentIntent (the question asked; the ledger
        # judges the answer), and when each PaymentIntent was last asked about.
        self._invoice_payments = invoice_payments or _invoice_payments_of
        self._asked_invoice: dict[str, float] = {}
        self.last_report: ReconcileReport | None = None
        # The longest the loop sleeps: a payment created meanwhile waits at most this.
        self._idle_s = idle_s

    # -- what is due ---------------------------------------------------------

    def _watched(self) -> list[tuple[Provider, Payment]]:
        ensure_database()
        items: list[tuple[Provider, Payment]] = []
        for payment in StripePayment.select().where(StripePayment.status.in_(OPEN_STATUSES)):
            items.append(("stripe", payment))
        for crypto in CryptoPayment.select().where(CryptoPayment.status.in_(CRYPTO_WATCHED)):
            items.append(("nowpayments", crypto))
        return items

    @staticmethod
    def _ref(provider: Provider, payment: Payment) -> str:
        return str(payment.session_id if provider == "stripe" else payment.payment_id)

    def _deadline(self, provider: Provider, payment: Payment) -> float:
        created = payment.created_at.replace(tzinfo=dt.UTC).timestamp()
        expires = payment.expires_at or created + 24 * 3600
        grace = STRIPE_GRACE_S if provider == "stripe" else NOWPAYMENTS_GRACE_S
        return float(expires + grace)

    def due(self, *, force: bool = False) -> list[tuple[Provider, Payment]]:
        """Open payments whose next check has come (all of them with `force`), oldest first."""
        now = self._clock()
        due = []
        for provider, payment in self._watched():
            if now > self._deadline(provider, payment):
                continue  # past the provider's expiry and our grace: staff see it as stale
            if force or payment.next_check_at is None or payment.next_check_at <= now:
                due.append((provider, payment))
        due.sort(key=lambda item: item[1].created_at)
        return due

    def stale(self) -> list[tuple[Provider, Payment]]:
        """Open payments we stopped asking about (shown to staff, never silently dropped)."""
        now = self._clock()
        return [(p, m) for p, m in self._watched() if now > self._deadline(p, m)]

    # -- one pass ------------------------------------------------------------

    def run_once(self, *, force: bool = False, stop: threading.Event | None = None
                 ) -> ReconcileReport:
        report = ReconcileReport(started_at=self._clock())
        _share_pending_cash()
        self._ask_for_missing_payments(report, stop)
        self._ask_which_invoices(report, stop, force=force)
        for provider, payment in self.due(force=force):
            if stop is not None and stop.is_set():
                break
            if self._clock() < self._paused_until[provider]:
                report.skipped_busy += 1
                continue
            if not self._claim(provider, payment, force=force):
                continue  # another reconciler on this database has it
            self._wait_for_rate_limit(stop)
            self._check(provider, payment, report)
        report.finished_at = self._clock()
        self.last_report = report
        _remember_run(report)
        return report

    def _ask_for_missing_payments(self, report: ReconcileReport,
                                  stop: threading.Event | None) -> None:
        """Kept events wait for a NOWPayments payment this kiosk never heard of (a repeat
        deposit's parent, a payment a staff decision names): ask NOWPayments about it.
        Applying it releases what waited; one of another campaign ends their wait."""
        for payment_id in ledger.wanted_crypto_payments():
            if (stop is not None and stop.is_set()) or \
                    self._clock() < self._paused_until["nowpayments"]:
                return
            self._wait_for_rate_limit(stop)
            report.checked += 1
            try:
                outcome, _ = self._refresh["nowpayments"](payment_id, via="reconciler")
            except ProviderUnavailable as exc:
                report.errors += 1
                self._pause("nowpayments", busy=isinstance(exc, ProviderBusy))
                return
            except Exception as exc:
                report.errors += 1
                log.info("asking NOWPayments about payment %s failed: %s", payment_id, exc)
                continue
            if outcome.ignored_reason in ("not this campaign", "not the campaign currency"):
                ledger.drop_pending(f"nowpayments:{payment_id}", outcome.ignored_reason)

    def _ask_which_invoices(self, report: ReconcileReport, stop: threading.Event | None, *,
                            force: bool) -> None:
        """Kept refunds and disputes wait for a PaymentIntent no payment here names: perhaps
        a month of a monthly gift, which Stripe names only through an InvoicePayment (an
        invoice.paid says nothing of it). Ask Stripe which invoice each paid; the ledger
        records the link and applies what waited. Asked on the payments' schedule, counted
        from when its first event began to wait. A failure keeps everything waiting."""
        wanted = ledger.wanted_payment_intents()
        # Forget those no longer waited for (linked, or their events applied).
        names = {payment_intent for payment_intent, _ in wanted}
        self._asked_invoice = {k: v for k, v in self._asked_invoice.items() if k in names}
        for payment_intent, since in wanted:
            now = self._clock()
            if (stop is not None and stop.is_set()) or now < self._paused_until["stripe"]:
                return
            age = now - since.replace(tzinfo=dt.UTC).timestamp()
            asked = self._asked_invoice.get(payment_intent)
            if age > INVOICE_LINK_GRACE_S or (not force and asked is not None and
                                              now - asked < interval_for(age)):
                continue
            self._wait_for_rate_limit(stop)
            self._asked_invoice[payment_intent] = self._clock()
            report.checked += 1
            try:
                answers = self._invoice_payments(payment_intent)
                invoice = ledger.link_invoice_payment(payment_intent, answers,
                                                      via="reconciler")
            except ProviderUnavailable as exc:
                report.errors += 1
                log.warning("asking Stripe which invoice payment %s paid: %s Its refunds and "
                            "disputes keep waiting.", payment_intent, exc)
                self._pause("stripe", busy=isinstance(exc, ProviderBusy))
                return
            except UserError as exc:
                report.errors += 1
                log.warning("asking Stripe which invoice payment %s paid: %s Its refunds and "
                            "disputes keep waiting.", payment_intent, exc)
                continue
            except Exception:
                report.errors += 1
                log.exception("asking Stripe which invoice payment %s paid failed; its refunds "
                              "and disputes keep waiting", payment_intent)
                continue
            self._pause_s["stripe"] = 0.0
            report.details.append({"provider": "stripe", "ref": payment_intent,
                                   "invoice": invoice})

    def _claim(self, provider: Provider, payment: Payment, *, force: bool) -> bool:
        now = self._clock()
        model = type(payment)
        key = model.session_id if provider == "stripe" else model.payment_id
        condition = key == self._ref(provider, payment)
        if not force:
            condition &= model.next_check_at.is_null() | (model.next_check_at <= now)
        with database.atomic():
            claimed = model.update(next_check_at=int(now + LEASE_S)).where(condition).execute()
        return bool(claimed)

    def _wait_for_rate_limit(self, stop: threading.Event | None) -> None:
        wait = self._last_call + self._min_gap - self._clock()
        if wait > 0:
            if stop is not None:
                stop.wait(wait)
            else:
                self._sleep(wait)
        self._last_call = self._clock()

    def _check(self, provider: Provider, payment: Payment, report: ReconcileReport) -> None:
        ref = self._ref(provider, payment)
        before = payment.status
        report.checked += 1
        try:
            outcome, _ = self._refresh[provider](ref, via="reconciler")
        except ProviderUnavailable as exc:
            report.errors += 1
            self._pause(provider, busy=isinstance(exc, ProviderBusy))
            self._schedule(provider, payment, failed=True)
            report.details.append({"provider": provider, "ref": ref, "error": str(exc)})
            return
        except UserError as exc:
            report.errors += 1
            self._schedule(provider, payment, failed=True)
            report.details.append({"provider": provider, "ref": ref, "error": str(exc)})
            return
        except Exception:
            # Never let one odd payment stop the rest; the traceback goes to the log.
            log.exception("reconciling %s %s failed", provider, ref)
            report.errors += 1
            self._schedule(provider, payment, failed=True)
            return
        self._pause_s[provider] = 0.0
        if outcome.status != before:
            report.changed += 1
        if outcome.counted:
            report.counted += 1
            log.info("reconciler counted %s %s (a gift that completed off screen)", provider, ref)
        report.details.append({"provider": provider, "ref": ref, "from": before,
                               "to": outcome.status, "counted": outcome.counted})
        self._schedule(provider, payment, failed=False)

    def _pause(self, provider: str, *, busy: bool) -> None:
        first, ceiling = PROVIDER_PAUSE_S
        current = self._pause_s[provider]
        self._pause_s[provider] = min(ceiling, current * 2) if current else first
        self._paused_until[provider] = self._clock() + self._pause_s[provider]
        log.warning("%s %s: pausing reconciliation for %.0f s", provider,
                    "asked us to slow down" if busy else "is unavailable", self._pause_s[provider])

    def _schedule(self, provider: Provider, payment: Payment, *, failed: bool) -> None:
        now = self._clock()
        model = type(payment)
        key = model.session_id if provider == "stripe" else model.payment_id
        current = model.get(key == self._ref(provider, payment))
        created = current.created_at.replace(tzinfo=dt.UTC).timestamp()
        interval = float(interval_for(now - created))
        failures = current.failures + 1 if failed else 0
        if failed:
            interval = min(interval * 2 ** min(failures, 10), MAX_FAILURE_BACKOFF_S)
        with database.atomic():
            model.update(next_check_at=int(now + interval), last_checked_at=int(now),
                         checks=model.checks + 1, failures=failures).where(
                key == self._ref(provider, payment)).execute()

    # -- the loop a worker runs ------------------------------------------------

    def next_due_in(self) -> float:
        """Seconds until the next payment is due (capped), for the loop's sleep."""
        now = self._clock()
        soonest = self._idle_s
        for provider, payment in self._watched():
            if now > self._deadline(provider, payment):
                continue
            when = payment.next_check_at if payment.next_check_at is not None else now
            soonest = min(soonest, max(0.0, when - now))
        return soonest

    def run(self, stop: threading.Event) -> None:
        """Recover on start (every open payment, now), then follow the schedule."""
        force = True
        while not stop.is_set():
            try:
                self.run_once(force=force, stop=stop)
                force = False
                wait = self.next_due_in()
            except Exception:
                log.exception("reconciliation pass failed; trying again shortly")
                wait = 15.0
            stop.wait(max(wait, min(1.0, self._idle_s)))


def _share_pending_cash() -> None:
    """Cash gifts the relay has not acknowledged yet get another try each pass."""
    from backend.cash_share import share_pending

    try:
        share_pending()
    except Exception:
        log.warning("sharing pending cash gifts failed", exc_info=True)


def _remember_run(report: ReconcileReport) -> None:
    summary = {k: v for k, v in asdict(report).items() if k != "details"}
    try:
        with database.atomic():
            Meta.insert(key="last_reconcile", value=json.dumps(summary)).on_conflict_replace(
            ).execute()
    except pw.PeeweeException:
        log.warning("could not record the reconciliation time", exc_info=True)


def last_run() -> dict[str, Any] | None:
    ensure_database()
    row = Meta.get_or_none(Meta.key == "last_reconcile")
    return json.loads(row.value) if row else None


def pending_summary(clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """Open payments by state and age, stale ones, and late gifts: for staff and `check`."""
    reconciler = Reconciler(clock=clock)
    now = clock()
    buckets = {"under 5 min": 0, "5-30 min": 0, "30 min-2 h": 0, "over 2 h": 0}
    by_state: dict[str, int] = {}
    for _, payment in reconciler._watched():
        age = now - payment.created_at.replace(tzinfo=dt.UTC).timestamp()
        label = ("under 5 min" if age < 300 else "5-30 min" if age < 1800 else
                 "30 min-2 h" if age < 7200 else "over 2 h")
        buckets[label] += 1
        by_state[payment.status] = by_state.get(payment.status, 0) + 1
    late = ledger.late_gifts(limit=20)
    return {"by_age": buckets, "by_state": by_state,
            "stale": [{"provider": p, "ref": Reconciler._ref(p, m), "status": m.status}
                      for p, m in reconciler.stale()],
            "late_gifts": late, "last_reconcile": last_run()}
