"""Tap to give: the card reader's part of the donor's payment (kiosk/payment_flow.py).

Start a payment on the reader, follow it, offer another card after a decline, give
up after a while, and the demo's test cards. Like the flow it belongs to, it owns no
widget: the reader screen is the view's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from backend.result import Result
from kiosk.answers import carried, payment_start, refusal, unpacked
from kiosk.model import Notice, PaymentStart, PaymentUpdate, Refusal
from kiosk.text import money

if TYPE_CHECKING:
    from kiosk.model import Choice
    from kiosk.payment_flow import ActivePayment, PaymentFlow

# A reader gives up on its own after a while; this is only the kiosk's safety net.
TAP_TIMEOUT_MS = 180_000


class TapFlow(QObject):
    def __init__(self, flow: PaymentFlow, timeout_ms: int = TAP_TIMEOUT_MS) -> None:
        super().__init__(flow)
        self.flow = flow
        self.timeout = QTimer(self)
        self.timeout.setSingleShot(True)
        self.timeout.setInterval(timeout_ms)
        self.timeout.timeout.connect(self._timed_out)
        self._failure: str | None = None  # the decline on screen: shown once
        self.receipt_intent: str | None = None  # the last tap gift, for its receipt

    def start(self, choice: Choice) -> None:
        from kiosk.payment_flow import ActivePayment

        flow = self.flow
        token = flow.next_token()
        minor = flow.charged_minor(choice)
        flow.payment = ActivePayment(choice=choice, amount_minor=minor, token=token)
        self._failure = None
        flow.view.show_preparing("tap", money(minor, flow.campaign.currency), "")
        services = flow.services

        def job() -> Result:
            result = services.start_tap(choice.amount, choice.display_name,
                                        cover_fee=choice.cover_fee)
            return carried(payment_start("tap", result))

        flow.submit(f"tap:{token}", job, lambda result, _tag: self._created(token, result))

    def _created(self, token: int, result: Result) -> None:
        flow = self.flow
        start = unpacked(result)
        payment = flow.payment
        if payment is None or payment.token != token:
            if isinstance(start, PaymentStart) and start.intent_id:
                flow.cancel_intent(start.intent_id)  # the donor left meanwhile
            return
        if not isinstance(start, PaymentStart):
            flow.payment = None
            flow.retry_choice = payment.choice
            error = start.error if isinstance(start, Refusal) else ""
            flow.view.show_notice(Notice(
                "unreachable", self.tr("The card reader is not ready"),
                flow.donor_error(error) + "\n" + self.tr(
                    "Nothing has been charged. You can pay by phone or crypto instead."),
                can_retry=True))
            return
        payment.intent_id = start.intent_id
        payment.ref = start.ref
        if start.amount_minor is not None:
            payment.amount_minor = start.amount_minor  # what the reader asks for
        flow.view.show_tap_waiting(money(payment.amount_minor, flow.campaign.currency))
        payment.poll_generation = flow.poller.watch("tap", start.ref)
        # The donor is at the reader, not touching the screen: no "Still there?" (the
        # reader's own timeout ends a payment nobody finishes).
        flow.view.watch_donor(True, ask_still_there=False)
        self.timeout.start()

    def on_update(self, payment: ActivePayment, update: PaymentUpdate | Refusal) -> None:
        """The poller's answer for the tap payment on screen."""
        flow = self.flow
        if isinstance(update, Refusal):
            payment.slow_polls += 1
            if payment.slow_polls >= 2:
                # Never "pay again" here: the payment may have gone through; the kiosk
                # learns the outcome from Stripe as soon as it can reach it.
                flow.view.show_status("tap", self.tr(
                    "Checking with the bank… the connection is slow. If your card was "
                    "accepted, it will show here."), "slow")
            return
        payment.slow_polls = 0
        if update.status == "paid":
            flow.paid(update.total_minor)
            return
        if update.status == "cancelled":
            flow.finish(cancel=False)
            flow.view.go_home()
            return
        failure = update.failure_message
        if update.reader_action == "failed" and failure and failure != self._failure:
            self._failure = failure
            flow.view.show_tap_failure(self._decline_text(update.failure_code, failure))
        elif update.reader_action == "in_progress" and self._failure is None:
            flow.view.show_status("tap", self.tr("The reader is ready."), "waiting")

    def _decline_text(self, code: str | None, english: str) -> str:
        """Why the card did not go through, in the donor's language (the backend says it
        in English, for the log and staff)."""
        words = {
            "card_declined": self.tr("Your card was declined."),
            "insufficient_funds": self.tr("Your card was declined: not enough funds."),
            "expired_card": self.tr("Your card has expired."),
            "incorrect_pin": self.tr("The PIN was not right."),
            "pin_try_exceeded": self.tr("Too many PIN attempts on this card."),
            "customer_timeout": self.tr("The reader did not see a card in time."),
            "canceled": self.tr("The payment was cancelled."),
        }
        if code in words:
            return words[code]
        return self.flow.donor_error(english, self.tr("The payment did not go through."))

    def retry(self) -> None:
        """ "Try another card" after a decline: the same payment, the reader asks again."""
        flow = self.flow
        payment = flow.payment
        if payment is None or not payment.intent_id:
            return
        intent_id = payment.intent_id
        flow.view.show_status("tap", self.tr("Getting the reader ready again…"), "waiting")

        def done(result: Result, _tag: str) -> None:
            current = flow.payment
            if current is None or current.intent_id != intent_id:
                return
            if result.get("success"):
                self._failure = None
                flow.view.show_tap_waiting(money(current.amount_minor, flow.campaign.currency))
                self.timeout.start()
                flow.poller.nudge()
            else:
                flow.view.show_tap_failure(flow.donor_error(refusal(result).error))

        flow.submit(f"tap-retry:{intent_id}", lambda: flow.services.retry_tap(intent_id), done)

    def simulate(self, outcome: str) -> None:
        """The demo's test cards: the sandbox's reader is presented one."""
        flow = self.flow

        def done(result: Result, _tag: str) -> None:
            if not result.get("success"):
                flow.view.show_status("tap", flow.donor_error(refusal(result).error), "slow")
            flow.poller.nudge()

        flow.submit(f"tap-simulate:{outcome}", lambda: flow.services.simulate_tap(outcome),
                    done, worker=flow.jobs.query_worker)

    def send_receipt(self, email: str) -> None:
        """A tap gift's receipt, emailed by Stripe (offered on the thank-you screen)."""
        flow, intent_id = self.flow, self.receipt_intent
        if not intent_id:
            return

        def done(result: Result, _tag: str) -> None:
            sent = bool(result.get("success"))
            flow.view.show_receipt_answer(
                self.tr("Receipt on its way to {email}").format(email=email) if sent
                else flow.donor_error(refusal(result).error), sent)

        flow.submit(f"receipt:{intent_id}",
                    lambda: flow.services.send_receipt(intent_id, email), done)

    def _timed_out(self) -> None:
        flow = self.flow
        payment = flow.payment
        if payment is None or payment.choice.method != "tap":
            return
        choice = payment.choice
        flow.finish(cancel=True)  # stops the reader; a gift that went through counts
        flow.retry_choice = choice  # "Try again" is this donor's payment, not the last
        flow.view.show_notice(Notice(
            "expired", self.tr("The card reader stopped waiting"),
            self.tr("Nothing has been charged. Would you like to try again?"),
            can_retry=True, tone="info"))

    def stop(self) -> None:
        self.timeout.stop()
