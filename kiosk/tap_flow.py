"""The tap-to-give flow of the kiosk window: start a payment on the card reader,
follow it, offer another card after a decline, cancel, and the demo's test cards.

Kept apart from the window so the card-reader rules live in one place; it drives
the window's shared machinery (workers, poller, screens, the active payment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from backend.result import Result
from kiosk.screens.tap import TapScreen
from kiosk.text import money

if TYPE_CHECKING:
    from kiosk.main_window import KioskWindow
    from kiosk.model import Choice

# A reader gives up on its own after a while; this is only the kiosk's safety net.
TAP_TIMEOUT_MS = 180_000


class TapFlow(QObject):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.screen = TapScreen()
        self.screen.cancel.connect(window._cancel_payment)
        self.screen.retry.connect(self._retry)
        self.screen.simulate.connect(self._simulate)
        self.timeout = QTimer(self)
        self.timeout.setSingleShot(True)
        self.timeout.setInterval(TAP_TIMEOUT_MS)
        self.timeout.timeout.connect(self._timed_out)
        self._failure: str | None = None

    def start(self, choice: Choice) -> None:
        from kiosk.payment_flow import ActivePayment

        w = self.window
        w._token += 1
        token = w._token
        minor = w.charged_minor(choice)
        w.payment = ActivePayment(choice=choice, amount_minor=minor, token=token)
        self._failure = None
        self.screen.set_demo(w.campaign.demo)
        self.screen.show_preparing(money(minor, w.campaign.currency))
        w.show_screen(self.screen)
        services = w.services
        w.submit(f"tap:{token}", lambda: services.start_tap(choice.amount, choice.display_name,
                                                          cover_fee=choice.cover_fee),
                 self._created)

    def _created(self, result: Result, tag: str) -> None:
        w = self.window
        token = int(tag.split(":", 1)[1])
        payment = w.payment
        data = result.get("data") or {}
        if payment is None or payment.token != token:
            if result.get("success") and data.get("intent_id"):
                w._cancel_intent(str(data["intent_id"]))  # the donor left meanwhile
            return
        if not result.get("success"):
            w.payment = None
            w._retry_choice = payment.choice
            w._show_error("unreachable", self.tr("The card reader is not ready"),
                          w.donor_error(str(result.get("error", ""))) + "\n" +
                          self.tr("Nothing has been charged. You can pay by phone or crypto "
                                  "instead."), can_retry=True)
            return
        payment.intent_id = str(data.get("intent_id") or "")
        payment.ref = str(data.get("payment_intent_id") or "")
        if isinstance(data.get("amount_minor"), int):
            payment.amount_minor = int(data["amount_minor"])  # what the reader asks for
        self.screen.show_waiting(money(payment.amount_minor, w.campaign.currency))
        payment.poll_generation = w.poller.watch("tap", payment.ref)
        w.inactivity.stop()  # the donor is at the reader
        self.timeout.start()

    def on_poll(self, result: object) -> None:
        """The poller's answer for the tap payment on screen."""
        w = self.window
        payment = w.payment
        if payment is None:
            return
        if not isinstance(result, dict) or not result.get("success"):
            payment.slow_polls += 1
            if payment.slow_polls >= 2:
                # Never "pay again" here: the payment may have gone through; the kiosk
                # learns the outcome from Stripe as soon as it can reach it.
                self.screen.set_status(self.tr("Checking with the bank… the connection is "
                                               "slow. If your card was accepted, it will "
                                               "show here."), "slow")
            return
        payment.slow_polls = 0
        data = result["data"]
        status = str(data.get("status", ""))
        if status == "paid":
            self.timeout.stop()
            total = data.get("total_minor")
            w._payment_paid(int(total) if isinstance(total, int) else None)
            w.thanks.offer_receipt(True)
            return
        if status == "cancelled":
            self.timeout.stop()
            w._finish_payment(cancel=False)
            w.go_home()
            return
        failure = data.get("failure_message")
        if data.get("reader_action") == "failed" and failure and failure != self._failure:
            self._failure = str(failure)
            self.screen.show_failure(self._decline_text(data.get("failure_code"), str(failure)))
        elif data.get("reader_action") == "in_progress" and self._failure is None:
            self.screen.set_status(self.tr("The reader is ready."), "waiting")

    def _decline_text(self, code: object, english: str) -> str:
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
        if isinstance(code, str) and code in words:
            return words[code]
        return self.window.donor_error(english, self.tr("The payment did not go through."))

    def _retry(self) -> None:
        w = self.window
        payment = w.payment
        if payment is None or not payment.intent_id:
            return
        intent_id = payment.intent_id
        self.screen.set_status(self.tr("Getting the reader ready again…"), "waiting")

        def done(result: Result, _tag: str) -> None:
            if w.payment is None or w.payment.intent_id != intent_id:
                return
            if result.get("success"):
                self._failure = None
                self.screen.show_waiting(money(w.payment.amount_minor, w.campaign.currency))
                self.timeout.start()
                w.poller.nudge()
            else:
                self.screen.show_failure(w.donor_error(str(result.get("error", ""))))

        w.submit(f"tap-retry:{intent_id}", lambda: w.services.retry_tap(intent_id), done)

    def _simulate(self, outcome: str) -> None:
        w = self.window

        def done(result: Result, _tag: str) -> None:
            if not result.get("success"):
                self.screen.set_status(w.donor_error(str(result.get("error", ""))), "slow")
            w.poller.nudge()

        w.submit(f"tap-simulate:{outcome}", lambda: w.services.simulate_tap(outcome), done,
                 worker=w.query_worker)

    def _timed_out(self) -> None:
        w = self.window
        if w.payment is None or w.payment.choice.method != "tap":
            return
        w._retry_choice = w.payment.choice  # "Try again" is this donor's payment, not the last
        w._finish_payment(cancel=True)  # stops the reader; a gift that went through counts
        w._show_error("expired", self.tr("The card reader stopped waiting"),
                      self.tr("Nothing has been charged. Would you like to try again?"),
                      can_retry=True, tone="info")

    def stop(self) -> None:
        self.timeout.stop()
