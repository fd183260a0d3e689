"""The donor's payment: from the chosen amount to the thank-you, the error or the walk-away.

A part of the kiosk window (see kiosk/window_parts.py): provider calls run on
the window's workers; these handlers only move between screens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from backend.result import Result
from kiosk.model import Choice
from kiosk.screens.amount import to_minor
from kiosk.text import coin_name, money
from kiosk.widgets.qr import qr_matrix
from kiosk.window_parts import WindowParts

log = logging.getLogger("charter.kiosk")
# A part of the window: `self.tr` would look up the window's context, not this one's.
translate = QCoreApplication.translate


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


class PaymentFlow(WindowParts):
    def _amount_chosen(self, amount: str) -> None:
        minor = to_minor(amount, self.campaign.decimals) or 0
        monthly = self.amount.monthly()
        self._choice = Choice(amount=amount, monthly=monthly)
        c = self.campaign
        fees = {method: quote for method in ("card", "crypto")
                if (quote := c.fee_quote(method, minor)) is not None}
        self.method.prepare(money(minor, c.currency), minor,
                            money(c.crypto_min_minor, c.currency), c.crypto_min_minor,
                            monthly=monthly, fees=fees)
        self.show_screen(self.method)

    def donor_error(self, english: str, generic: str | None = None) -> str:
        """A backend error for the donor: as it is in English; in another language a
        sentence of theirs instead (the English one goes to the log)."""
        if self.language.current.split("_")[0] == "en":
            return english
        if english:
            log.info("shown to the donor in their language instead: %s", english)
        return generic or translate("PaymentFlow",
                                    "The payment service could not do this just now.")

    def charged_minor(self, choice: Choice) -> int:
        """What the donor pays: the gift, plus the fee when they cover it (tap: the card's)."""
        minor = self.to_minor(choice.amount)
        if choice.cover_fee:
            quote = self.campaign.fee_quote("crypto" if choice.method == "crypto" else "card",
                                            minor)
            if quote is not None:
                return quote.total_minor
        return minor

    def _fee_text(self, payment: ActivePayment, data: dict[str, object]) -> str:
        """ "$25.00 + $1.03 fee" when the donor covers the fee, from the provider's answer."""
        fee, gift = data.get("fee_minor"), data.get("gift_minor")
        if not payment.choice.cover_fee or not isinstance(fee, int) or not fee:
            return ""
        currency = self.campaign.currency
        gift_minor = gift if isinstance(gift, int) else payment.amount_minor - fee
        return translate("PaymentFlow", "{gift} + {fee} fee").format(
            gift=money(gift_minor, currency, exact=True), fee=money(fee, currency, exact=True))

    def _start_payment(self, method: str, coin: str | None, choice: Choice | None = None
                       ) -> None:
        base = choice or getattr(self, "_choice", None)
        if base is None:
            return
        choice = Choice(amount=base.amount, method=method, coin=coin,
                        display_name=base.display_name if choice else
                        self.method.display_name(),
                        monthly=base.monthly and method == "card",
                        cover_fee=(base.cover_fee if choice else self.method.cover_fee())
                        and self.campaign.has_fee("crypto" if method == "crypto" else "card"))
        # (Covering the fee applies where the method has a fee set: with only a card fee
        # in kiosk.toml, a coin is paid without one rather than refused.)
        if method == "tap":
            self.tap_flow.start(choice)
            return
        self._token += 1
        minor = self.charged_minor(choice)
        self.payment = ActivePayment(choice=choice, amount_minor=minor, token=self._token)
        amount_text = money(minor, self.campaign.currency)
        self.pay.show_preparing(amount_text, translate("PaymentFlow", "card") if method == "card"
                                else coin_name(coin))
        self.show_screen(self.pay)
        services = self.services
        token = self._token
        language = self.language.current

        def job() -> Result:
            if method == "card":
                result = services.start_card(choice.amount, choice.display_name,
                                             monthly=choice.monthly, cover_fee=choice.cover_fee,
                                             language=language)
            else:
                result = services.start_crypto(choice.amount, coin or "", choice.display_name,
                                               cover_fee=choice.cover_fee)
            if result.get("success"):
                data = dict(result["data"])
                payload = str(data.get("qr_payload") or data.get("checkout_url") or "")
                data["_matrix"] = qr_matrix(payload) if payload else None
                return {"success": True, "data": data}
            return result

        self.submit(f"pay:{token}", job, self._on_payment_created)

    def _on_payment_created(self, result: Result, tag: str) -> None:
        token = int(tag.split(":", 1)[1])
        payment = self.payment
        data = result.get("data") or {}
        if payment is None or payment.token != token:
            # The donor left before the provider answered: do not leave it open.
            if result.get("success") and data.get("intent_id"):
                self._cancel_intent(str(data["intent_id"]))
            return
        if not result.get("success"):
            self._show_error("unreachable", translate("PaymentFlow", "We could not start the payment"),
                             self.donor_error(str(result.get("error", ""))) + "\n" +
                             translate("PaymentFlow", "Nothing has been charged."), can_retry=True)
            self.payment = None
            self._retry_choice = payment.choice
            return
        payment.intent_id = str(data.get("intent_id") or "")
        if isinstance(data.get("amount_minor"), int):
            payment.amount_minor = int(data["amount_minor"])  # what the provider will charge
        amount_text = money(payment.amount_minor, self.campaign.currency)
        fee_text = self._fee_text(payment, data)
        matrix = data.get("_matrix")
        if payment.choice.method == "card":
            payment.ref = str(data.get("session_id", ""))
            self.pay.show_card(data, matrix, amount_text, fee_text)
        else:
            payment.ref = str(data.get("payment_id", ""))
            self.pay.show_crypto(data, matrix, amount_text, payment.choice.coin or "", fee_text)
        expires = data.get("expires_at")
        payment.expires_at = float(expires) if isinstance(expires, int | float) else None
        self._tick_countdown()
        self.countdown_timer.start()
        payment.poll_generation = self.poller.watch(payment.choice.method, payment.ref)
        self.inactivity.stop()  # the payment screen stays until expiry, cancel or walk-away
        self.walkaway.start()

    def _tick_countdown(self) -> None:
        payment = self.payment
        if payment is None or payment.expires_at is None:
            self.pay.set_countdown(None)
            return
        left = int(payment.expires_at - self.clock())
        self.pay.set_countdown(left)
        if left <= 0 and not payment.expired_shown and not payment.finished:
            payment.expired_shown = True
            self.countdown_timer.stop()
            self.pay.clear_code(translate("PaymentFlow", "This code has expired."))
            self.pay.set_status(translate("PaymentFlow", "Checking one last time…"), "waiting")
            self.poller.nudge()
            self.expiry_timer.start(self.timings.expiry_grace_ms)

    def _on_expired(self) -> None:
        payment = self.payment
        if payment is None or payment.finished:
            return
        if payment.seen:
            # The coins are on the chain; only the confirmations are slow. Offering a
            # "new code" here would have the donor pay twice.
            self._finish_payment(cancel=False)
            self._show_error("on_its_way", translate("PaymentFlow", "Your gift is on its way"),
                             translate("PaymentFlow", "We have seen your payment; the network is still "
                                     "confirming it. It will be counted as soon as it is "
                                     "confirmed. There is no need to wait or to pay again. "
                                     "Thank you!"), can_retry=False, tone="info")
            return
        self._finish_payment(cancel=True)
        self._retry_choice = payment.choice
        self._show_error("expired", translate("PaymentFlow", "This payment has expired"),
                         translate("PaymentFlow", "The code was only valid for a limited time. Nothing has "
                                 "been charged. Would you like a new code?"), can_retry=True,
                         tone="info")

    def _on_poll(self, generation: int, result: object, elapsed: float) -> None:
        payment = self.payment
        if payment is None or payment.finished or generation != payment.poll_generation:
            return
        if payment.choice.method == "tap":
            self.tap_flow.on_poll(result)
            return
        if not isinstance(result, dict) or not result.get("success"):
            payment.slow_polls += 1
            if payment.slow_polls >= 2 and not payment.expired_shown:
                self.pay.set_status(translate("PaymentFlow", "Still checking… the connection is slow. "
                                            "If you have paid, it will show up here."), "slow")
            return
        payment.slow_polls = 0
        data = result["data"]
        status = str(data.get("status", ""))
        if status == "paid":
            total = data.get("total_minor")
            self._payment_paid(int(total) if isinstance(total, int) else None)
        elif status == "confirming":
            payment.seen = True
            self.pay.set_status(translate("PaymentFlow", "Payment seen — confirming…"), "seen")
        elif status == "partially_paid":
            self._finish_payment(cancel=False)
            self._show_error("partial", translate("PaymentFlow", "Part of your payment has arrived"),
                             translate("PaymentFlow", "Thank you! We received less than the full amount. "
                                     "Please stay a moment: a member of staff will help you."),
                             can_retry=False, tone="help")
        elif status in ("expired", "cancelled", "failed", "refused", "refunded"):
            if status == "expired":
                self._on_expired()
                return
            self._finish_payment(cancel=False)
            self._show_error(status, translate("PaymentFlow", "The payment did not go through"),
                             translate("PaymentFlow", "Nothing has been charged. You can try again."),
                             can_retry=True)
            self._retry_choice = payment.choice
        elif not payment.expired_shown:
            self.pay.set_status(translate("PaymentFlow", "Waiting for your payment…"), "waiting")

    def _payment_paid(self, total_minor: int | None) -> None:
        payment = self.payment
        if payment is None:
            return
        self._finish_payment(cancel=False)
        if total_minor is not None:
            self.totals.total_minor = max(self.totals.total_minor, total_minor)
        self.attract.set_totals(self.totals, animate=False)
        self.thanks.offer_receipt(False)
        self._receipt_intent = payment.intent_id
        self.thanks.show_thanks(money(payment.amount_minor, self.campaign.currency),
                                self.campaign.name,
                                money(self.totals.total_minor, self.campaign.currency),
                                monthly=payment.choice.monthly)
        self.show_screen(self.thanks)
        self.thanks_timer.start()
        self._refresh_totals()

    def to_minor(self, amount: str) -> int:
        return to_minor(amount, self.campaign.decimals) or 0

    def _send_receipt(self, email: str) -> None:
        """A tap gift's receipt, emailed by Stripe (offered on the thank-you screen)."""
        intent_id = getattr(self, "_receipt_intent", None)
        if not intent_id:
            return

        def done(result: Result, _tag: str) -> None:
            ok = bool(result.get("success"))
            self.thanks.receipt_sent(translate("PaymentFlow", "Receipt on its way to {email}").format(
                email=email) if ok else self.donor_error(str(result.get("error", ""))), ok)
            self.thanks_timer.start()

        self.submit(f"receipt:{intent_id}",
                    lambda: self.services.send_receipt(intent_id, email), done)

    def _finish_payment(self, *, cancel: bool) -> None:
        payment = self.payment
        self.tap_flow.stop()
        self.walkaway.stop()
        self.poller.clear()
        self.countdown_timer.stop()
        self.expiry_timer.stop()
        self.pay.clear_code()
        if payment is None:
            return
        payment.finished = True
        if cancel and payment.intent_id:
            self._cancel_intent(payment.intent_id)
        self.payment = None

    def _walked_away(self) -> None:
        """Nobody answered "Still there?": make room for the next donor. The payment
        stays open: if it is paid, the poller's successor (the reconciler) counts it."""
        payment = self.payment
        if payment is None or payment.finished or \
                self.current_screen() not in (self.pay, self.tap_flow.screen):
            return
        if payment.choice.method == "tap":
            # A reader left waiting would take the next person's card for this amount:
            # stop it (a tap that went through a moment before is kept).
            log.info("the donor walked away from the reader; payment %s cancelled", payment.ref)
            self._finish_payment(cancel=True)
            self.go_home()
            return
        log.info("the donor walked away from payment %s; it stays open", payment.ref)
        self._finish_payment(cancel=False)
        self.go_home()

    def _abandon_payment(self) -> None:
        self._finish_payment(cancel=True)

    def _cancel_payment(self) -> None:
        self._finish_payment(cancel=True)
        self.go_home()

    def _cancel_intent(self, intent_id: str) -> None:
        self.submit(f"cancel:{intent_id}", lambda: self.services.cancel_payment(intent_id),
                    lambda result, tag: None)

    def _simulate(self) -> None:
        payment = self.payment
        if payment is None or not payment.ref:
            return
        kind, ref = payment.choice.method, payment.ref
        self.pay.set_status(translate("PaymentFlow", "Simulating a payment…"), "seen")

        def done(result: Result, _tag: str) -> None:
            if not result.get("success"):
                self.pay.set_status(self.donor_error(str(result.get("error", ""))), "slow")
            self.poller.nudge()

        self.submit(f"simulate:{ref}", lambda: self.services.simulate_payment(kind, ref), done,
                    worker=self.query_worker)

    def _show_error(self, kind: str, title: str, message: str, *, can_retry: bool,
                    tone: str = "error") -> None:
        self.error.show_error(kind, title, message, can_retry=can_retry, tone=tone)
        self.show_screen(self.error)

    def _retry_after_error(self) -> None:
        choice = getattr(self, "_retry_choice", None)
        if choice is None:
            self.go_home()
            return
        self._start_payment(choice.method, choice.coin, choice)
