"""The donor's payment, from the chosen amount to the thank-you, the error or the walk-away.

`PaymentFlow` is the state machine and nothing else: it owns no widget. It asks the
backend through the session's workers, follows the payment with the poller, keeps
the code's countdown, and tells a `PaymentView` what to show. The kiosk window is
one such view (kiosk/payment_view.py); tests/gui/test_payment_flow.py is another,
which records what it is told, with FakeServices in place of the backend.
The card reader's own rules are in kiosk/tap_flow.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from PySide6.QtCore import QObject, QTimer

from backend.result import Result
from kiosk.answers import carried, payment_start, payment_update, refusal, unpacked
from kiosk.model import Campaign, Choice, Notice, PaymentStart, Refusal, Thanks, to_minor
from kiosk.services import Services
from kiosk.text import coin_name, money
from kiosk.workers import Job, PaymentPoller, TaskThread

log = logging.getLogger("charter.kiosk")


class Jobs(Protocol):
    """Where the flow's provider calls run (a KioskSession)."""

    @property
    def query_worker(self) -> TaskThread: ...
    def submit(self, tag: str, job: Job, handler: Callable[[Result, str], None], *,
               worker: TaskThread | None = None) -> None: ...


class PaymentView(Protocol):
    """What the flow needs shown. Each call is a whole statement: the view decides which
    screen says it (the payment screen for a code, the reader screen for a tap)."""

    def show_preparing(self, method: str, amount_text: str, method_name: str) -> None: ...
    def show_code(self, start: PaymentStart, amount_text: str, fee_text: str) -> None: ...
    def show_countdown(self, seconds_left: int | None) -> None: ...
    def show_status(self, method: str, text: str, tone: str) -> None: ...
    def withdraw_code(self, reason: str) -> None: ...
    def show_tap_waiting(self, amount_text: str) -> None: ...
    def show_tap_failure(self, text: str) -> None: ...
    def show_notice(self, notice: Notice) -> None: ...
    def show_thanks(self, thanks: Thanks) -> None: ...
    def show_receipt_answer(self, text: str, sent: bool) -> None: ...
    def watch_donor(self, watching: bool, *, ask_still_there: bool = True) -> None: ...
    def on_payment_screen(self) -> bool: ...
    def go_home(self) -> None: ...


@dataclass
class ActivePayment:
    choice: Choice
    amount_minor: int
    token: int
    intent_id: str | None = None
    ref: str | None = None
    expires_at: float | None = None
    poll_generation: int = 0
    finished: bool = False
    expired_shown: bool = False
    slow_polls: int = 0
    seen: bool = False  # the provider has seen the payment (crypto confirming)


class PaymentFlow(QObject):
    """One donor's payment at a time. `start()` opens it; the poller's answers, the
    countdown and the donor's moves (`cancel`, `walked_away`, `retry`) end it."""

    def __init__(self, services: Services, jobs: Jobs, poller: PaymentPoller,
                 view: PaymentView, *, campaign: Callable[[], Campaign],
                 language: Callable[[], str], clock: Callable[[], float] = time.time,
                 expiry_grace_ms: int = 20_000, parent: QObject | None = None) -> None:
        from kiosk.tap_flow import TapFlow

        super().__init__(parent)
        self.services = services
        self.jobs = jobs
        self.poller = poller
        self.view = view
        self._campaign = campaign
        self._language = language
        self.clock = clock  # wall clock for a code's expiry; tests move it forward
        self.payment: ActivePayment | None = None
        self.retry_choice: Choice | None = None  # what "Try again" starts
        self._token = 0
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self._tick_countdown)
        self.expiry_timer = QTimer(self)
        self.expiry_timer.setSingleShot(True)
        self.expiry_timer.setInterval(expiry_grace_ms)
        self.expiry_timer.timeout.connect(self._on_expired)
        self.tap = TapFlow(self)
        poller.status.connect(self.on_poll)

    # --- what the rest of the kiosk asks ------------------------------------------------

    @property
    def campaign(self) -> Campaign:
        return self._campaign()

    @property
    def paying(self) -> bool:
        """A payment is open: its screen must not time out or give way to staff."""
        return self.payment is not None and not self.payment.finished

    def donor_error(self, english: str, generic: str | None = None) -> str:
        """A backend error for the donor: as it is in English; in another language a
        sentence of theirs instead (the English one goes to the log)."""
        if self._language().split("_")[0] == "en":
            return english
        if english:
            log.info("shown to the donor in their language instead: %s", english)
        return generic or self.tr("The payment service could not do this just now.")

    def charged_minor(self, choice: Choice) -> int:
        """What the donor pays: the gift, plus the fee when they cover it (tap: the card's)."""
        minor = to_minor(choice.amount, self.campaign.decimals) or 0
        if choice.cover_fee:
            quote = self.campaign.fee_quote(_fee_method(choice.method), minor)
            if quote is not None:
                return quote.total_minor
        return minor

    def submit(self, tag: str, job: Job, handler: Callable[[Result, str], None], *,
               worker: TaskThread | None = None) -> None:
        self.jobs.submit(tag, job, handler, worker=worker)

    def next_token(self) -> int:
        self._token += 1
        return self._token

    # --- the donor's moves ---------------------------------------------------------------

    def start(self, choice: Choice) -> None:
        """Open a payment for `choice` (its method set): a code, or the card reader."""
        campaign = self.campaign
        # Monthly is a card on the donor's phone. Covering the fee applies where the method
        # has a fee set: with only a card fee in kiosk.toml, a coin is paid without one
        # rather than refused.
        choice = replace(choice, monthly=choice.monthly and choice.method == "card",
                         cover_fee=choice.cover_fee
                         and campaign.has_fee(_fee_method(choice.method)))
        self.retry_choice = None
        if choice.method == "tap":
            self.tap.start(choice)
            return
        token = self.next_token()
        minor = self.charged_minor(choice)
        self.payment = ActivePayment(choice=choice, amount_minor=minor, token=token)
        # Made here, in the donor's language: the phone's landing pages show the same text.
        shown = money(minor, campaign.currency)
        self.view.show_preparing(choice.method, shown,
                                 self.tr("card") if choice.method == "card"
                                 else coin_name(choice.coin))
        services, language = self.services, self._language()

        def job() -> Result:
            if choice.method == "card":
                result = services.start_card(choice.amount, choice.display_name,
                                             monthly=choice.monthly, cover_fee=choice.cover_fee,
                                             language=language, amount_text=shown)
            else:
                result = services.start_crypto(choice.amount, choice.coin or "",
                                               choice.display_name, cover_fee=choice.cover_fee)
            return carried(_with_matrix(payment_start(choice.method, result)))

        self.submit(f"pay:{token}", job, lambda result, _tag: self._created(token, result))

    def cancel(self) -> None:
        """The donor pressed Cancel."""
        self.finish(cancel=True)
        self.view.go_home()

    def abandon(self) -> None:
        """The kiosk is going home with a payment open (a timeout, staff): it is cancelled."""
        if self.paying:
            self.finish(cancel=True)
        self.payment = None

    def forget(self) -> None:
        """Nothing of this donor's is offered to the next one."""
        self.retry_choice = None
        self.tap.receipt_intent = None

    def walked_away(self) -> None:
        """Nobody answered "Still there?": make room for the next donor. A code's payment
        stays open: if it is paid, the poller's successor (the reconciler) counts it."""
        payment = self.payment
        if payment is None or payment.finished or not self.view.on_payment_screen():
            return
        if payment.choice.method == "tap":
            # A reader left waiting would take the next person's card for this amount:
            # stop it (a tap that went through a moment before is kept).
            log.info("the donor walked away from the reader; payment %s cancelled", payment.ref)
            self.finish(cancel=True)
        else:
            log.info("the donor walked away from payment %s; it stays open", payment.ref)
            self.finish(cancel=False)
        self.view.go_home()

    def retry(self) -> None:
        """"Try again" on the error screen: the same choice, a new payment."""
        choice = self.retry_choice
        if choice is None:
            self.view.go_home()
            return
        self.start(choice)

    def simulate(self) -> None:
        """The demo's "Simulate payment": the sandbox pays the code on screen."""
        payment = self.payment
        if payment is None or not payment.ref:
            return
        kind, ref = payment.choice.method, payment.ref
        self.view.show_status(kind, self.tr("Simulating a payment…"), "seen")

        def done(result: Result, _tag: str) -> None:
            if not result.get("success"):
                self.view.show_status(kind, self.donor_error(refusal(result).error), "slow")
            self.poller.nudge()

        self.submit(f"simulate:{ref}", lambda: self.services.simulate_payment(kind, ref), done,
                    worker=self.jobs.query_worker)

    def last_job(self) -> Job | None:
        """At shutdown: cancelling the open payment, if there is one to cancel."""
        payment = self.payment
        if payment is None or payment.finished or not payment.intent_id:
            return None
        intent, services = payment.intent_id, self.services
        return lambda: services.cancel_payment(intent)

    def stop(self) -> None:
        self.countdown_timer.stop()
        self.expiry_timer.stop()
        self.tap.stop()

    # --- the provider's answers ------------------------------------------------------------

    def _created(self, token: int, result: Result) -> None:
        start = unpacked(result)
        payment = self.payment
        if payment is None or payment.token != token:
            # The donor left before the provider answered: do not leave it open.
            if isinstance(start, PaymentStart) and start.intent_id:
                self.cancel_intent(start.intent_id)
            return
        if not isinstance(start, PaymentStart):
            error = start.error if isinstance(start, Refusal) else ""
            self.payment = None
            self.retry_choice = payment.choice
            self.view.show_notice(Notice(
                "unreachable", self.tr("We could not start the payment"),
                self.donor_error(error) + "\n" + self.tr("Nothing has been charged."),
                can_retry=True))
            return
        payment.intent_id = start.intent_id
        payment.ref = start.ref
        if start.amount_minor is not None:
            payment.amount_minor = start.amount_minor  # what the provider will charge
        payment.expires_at = start.expires_at
        self.view.show_code(start, money(payment.amount_minor, self.campaign.currency),
                            self._fee_text(payment, start))
        self._tick_countdown()
        self.countdown_timer.start()
        payment.poll_generation = self.poller.watch(payment.choice.method, start.ref)
        self.view.watch_donor(True)  # the code stays until expiry, cancel or walk-away

    def _fee_text(self, payment: ActivePayment, start: PaymentStart) -> str:
        """ "$25.00 + $1.03 fee" when the donor covers the fee, from the provider's answer."""
        if not payment.choice.cover_fee or not start.fee_minor:
            return ""
        currency = self.campaign.currency
        gift = start.gift_minor if start.gift_minor is not None \
            else payment.amount_minor - start.fee_minor
        return self.tr("{gift} + {fee} fee").format(gift=money(gift, currency, exact=True),
                                                fee=money(start.fee_minor, currency, exact=True))

    def on_poll(self, generation: int, result: object, _elapsed: float) -> None:
        payment = self.payment
        if payment is None or payment.finished or generation != payment.poll_generation:
            return
        update = payment_update(result)
        if payment.choice.method == "tap":
            self.tap.on_update(payment, update)
            return
        if isinstance(update, Refusal):
            payment.slow_polls += 1
            if payment.slow_polls >= 2 and not payment.expired_shown:
                self.view.show_status(payment.choice.method, self.tr(
                    "Still checking… the connection is slow. If you have paid, it will show "
                    "up here."), "slow")
            return
        payment.slow_polls = 0
        status = update.status
        if status == "paid":
            self.paid(update.total_minor)
        elif status == "confirming":
            payment.seen = True
            self.view.show_status(payment.choice.method, self.tr("Payment seen — confirming…"),
                                  "seen")
        elif status == "partially_paid":
            self.finish(cancel=False)
            self.view.show_notice(Notice(
                "partial", self.tr("Part of your payment has arrived"),
                self.tr("Thank you! We received less than the full amount. Please stay a moment: "
                    "a member of staff will help you."), can_retry=False, tone="help"))
        elif status == "expired":
            self._on_expired()
        elif status in ("cancelled", "failed", "refused", "refunded"):
            self.finish(cancel=False)
            self.retry_choice = payment.choice
            self.view.show_notice(Notice(
                status, self.tr("The payment did not go through"),
                self.tr("Nothing has been charged. You can try again."), can_retry=True))
        elif not payment.expired_shown:
            self.view.show_status(payment.choice.method, self.tr("Waiting for your payment…"),
                                  "waiting")

    def paid(self, total_minor: int | None) -> None:
        """The gift went through: thank the donor."""
        payment = self.payment
        if payment is None:
            return
        self.finish(cancel=False)
        tapped = payment.choice.method == "tap"
        self.tap.receipt_intent = payment.intent_id if tapped else None
        self.view.show_thanks(Thanks(payment.amount_minor, total_minor,
                                     monthly=payment.choice.monthly, receipt=tapped))

    # --- the code's lifetime ---------------------------------------------------------------

    def _tick_countdown(self) -> None:
        payment = self.payment
        if payment is None or payment.expires_at is None:
            self.view.show_countdown(None)
            return
        left = int(payment.expires_at - self.clock())
        self.view.show_countdown(left)
        if left <= 0 and not payment.expired_shown and not payment.finished:
            payment.expired_shown = True
            self.countdown_timer.stop()
            self.view.withdraw_code(self.tr("This code has expired."))
            self.view.show_status(payment.choice.method, self.tr("Checking one last time…"),
                                  "waiting")
            self.poller.nudge()
            self.expiry_timer.start()

    def _on_expired(self) -> None:
        payment = self.payment
        if payment is None or payment.finished:
            return
        if payment.seen:
            # The coins are on the chain; only the confirmations are slow. Offering a
            # "new code" here would have the donor pay twice.
            self.finish(cancel=False)
            self.view.show_notice(Notice(
                "on_its_way", self.tr("Your gift is on its way"),
                self.tr("We have seen your payment; the network is still confirming it. It will "
                    "be counted as soon as it is confirmed. There is no need to wait or to "
                    "pay again. Thank you!"), can_retry=False, tone="info"))
            return
        self.finish(cancel=True)
        self.retry_choice = payment.choice
        self.view.show_notice(Notice(
            "expired", self.tr("This payment has expired"),
            self.tr("The code was only valid for a limited time. Nothing has been charged. "
                "Would you like a new code?"), can_retry=True, tone="info"))

    def finish(self, *, cancel: bool) -> None:
        """The payment is over (paid, refused, expired, left): nothing of it stays on screen
        or in the poller; `cancel` also cancels it with the provider."""
        payment = self.payment
        self.stop()
        self.view.watch_donor(False)
        self.poller.clear()
        self.view.withdraw_code("")
        if payment is None:
            return
        payment.finished = True
        if cancel and payment.intent_id:
            self.cancel_intent(payment.intent_id)
        self.payment = None

    def cancel_intent(self, intent_id: str) -> None:
        self.submit(f"cancel:{intent_id}", lambda: self.services.cancel_payment(intent_id),
                    lambda _result, _tag: None)


def _fee_method(method: str) -> str:
    """The fee rate a method pays: a tapped card is a card."""
    return "crypto" if method == "crypto" else "card"


def _with_matrix(start: PaymentStart | Refusal) -> PaymentStart | Refusal:
    """The QR code's modules, on the worker: a long Checkout link takes ~10 ms to encode."""
    if isinstance(start, Refusal) or not start.payload:
        return start
    from kiosk.qr import qr_matrix

    return replace(start, matrix=qr_matrix(start.payload))
