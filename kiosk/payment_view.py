"""The kiosk window as the payment flow's view (kiosk/payment_flow.py's `PaymentView`):
which screen says what the flow has to say, and the window's timers around a payment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.model import Notice, PaymentStart, Thanks
from kiosk.text import money

if TYPE_CHECKING:
    from kiosk.main_window import KioskWindow


class WindowPaymentView:
    def __init__(self, window: KioskWindow) -> None:
        self.window = window

    def show_preparing(self, method: str, amount_text: str, method_name: str) -> None:
        w = self.window
        if method == "tap":
            w.tap_screen.show_preparing(amount_text)
            w.show_screen(w.tap_screen)
        else:
            w.pay.show_preparing(amount_text, method_name)
            w.show_screen(w.pay)

    def show_code(self, start: PaymentStart, amount_text: str, fee_text: str) -> None:
        self.window.pay.show_code(start, amount_text, fee_text)

    def show_countdown(self, seconds_left: int | None) -> None:
        self.window.pay.set_countdown(seconds_left)

    def show_status(self, method: str, text: str, tone: str) -> None:
        w = self.window
        (w.tap_screen if method == "tap" else w.pay).set_status(text, tone)

    def withdraw_code(self, reason: str) -> None:
        self.window.pay.clear_code(reason)  # a code never outlives its payment

    def show_tap_waiting(self, amount_text: str) -> None:
        self.window.tap_screen.show_waiting(amount_text)

    def show_tap_failure(self, text: str) -> None:
        self.window.tap_screen.show_failure(text)

    def show_notice(self, notice: Notice) -> None:
        w = self.window
        w.error.show_error(notice.kind, notice.title, notice.message,
                           can_retry=notice.can_retry, tone=notice.tone)
        w.show_screen(w.error)

    def show_thanks(self, thanks: Thanks) -> None:
        w = self.window
        campaign, totals = w.campaign, w.totals
        if thanks.total_minor is not None:
            # The provider's answer may be ahead of the last totals query: never behind.
            totals.total_minor = max(totals.total_minor, thanks.total_minor)
        w.attract.set_totals(totals, animate=False)
        w.thanks.offer_receipt(thanks.receipt)
        w.thanks.show_thanks(money(thanks.amount_minor, campaign.currency), campaign.name,
                             money(totals.total_minor, campaign.currency),
                             monthly=thanks.monthly)
        w.show_screen(w.thanks)
        w.thanks_timer.start()
        w._refresh_totals()

    def show_receipt_answer(self, text: str, sent: bool) -> None:
        w = self.window
        w.thanks.receipt_sent(text, sent)
        w.thanks_timer.start()

    def watch_donor(self, watching: bool, *, ask_still_there: bool = True) -> None:
        """A payment on screen stays until it ends, not the inactivity timeout; a code's
        screen left untouched asks "Still there?" instead."""
        w = self.window
        if watching:
            w.inactivity.stop()
            if ask_still_there:
                w.walkaway.start()
        else:
            w.walkaway.stop()

    def on_payment_screen(self) -> bool:
        w = self.window
        return w.current_screen() in (w.pay, w.tap_screen)

    def go_home(self) -> None:
        self.window.go_home()
