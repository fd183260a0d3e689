"""The payment screen: a large QR code, what to pay, a countdown and the live status."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.layout import Page, Profile, design, set_direction
from kiosk.model import PaymentStart
from kiosk.screens.base import button, label, repolish
from kiosk.text import coin_name, countdown_text
from kiosk.widgets.qr import Matrix, QrWidget


class PaymentScreen(Page):
    cancel = Signal()
    simulate = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentScreen")
        self.main = layout = QVBoxLayout(self)
        design(layout, margins=(72, 40, 72, 40), spacing=24)

        self.title = label("", "h1", "paymentTitle", align=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.title)

        # Landscape: the code beside the details; portrait: the code above them.
        self.body = body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(body, spacing=64)
        layout.addLayout(body, 1)

        self.qr_card = QFrame()
        self.qr_card.setObjectName("qrCard")
        card_layout = QVBoxLayout(self.qr_card)
        design(card_layout, margins=(24, 24, 24, 24))
        self.qr = QrWidget()
        self.qr.setObjectName("qrCode")
        card_layout.addWidget(self.qr, 1)
        self.qr_placeholder = label("", "qrPlaceholder", "qrPlaceholder",
                                    align=Qt.AlignmentFlag.AlignCenter)
        card_layout.addWidget(self.qr_placeholder, 1)
        design(self.qr_card, min_w=400)
        body.addWidget(self.qr_card, 5)

        self.side = side = QVBoxLayout()
        design(side, spacing=14)
        body.addLayout(side, 6)

        self.steps = label("", "steps", "paymentSteps")
        side.addWidget(self.steps)

        self.crypto_box = QWidget()
        crypto = QVBoxLayout(self.crypto_box)
        crypto.setContentsMargins(0, 0, 0, 0)
        design(crypto, spacing=6)
        self.send_caption = label("", "caption")
        crypto.addWidget(self.send_caption)
        self.pay_amount = label("", "payAmount", "payAmountLabel", wrap=False)
        self.pay_amount.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        crypto.addWidget(self.pay_amount)
        self.network_label = label("", "lead", "networkLabel")
        crypto.addWidget(self.network_label)
        self.address_caption = label("", "caption")
        crypto.addWidget(self.address_caption)
        self.address = label("", "address", "payAddressLabel")
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        crypto.addWidget(self.address)
        side.addWidget(self.crypto_box)

        self.memo_box = QFrame()
        self.memo_box.setObjectName("memoBox")
        memo = QVBoxLayout(self.memo_box)
        design(memo, margins=(24, 16, 24, 16), spacing=4)
        self.memo_title = label("", "memoTitle", "memoTitle")
        self.memo_value = label("", "memoValue", "memoLabel")
        self.memo_note = label("", "memoNote")
        memo.addWidget(self.memo_title)
        memo.addWidget(self.memo_value)
        memo.addWidget(self.memo_note)
        side.addWidget(self.memo_box)

        side.addStretch(1)
        self.status = label("", "status", "paymentStatusLabel")
        self.status.setProperty("state", "waiting")
        side.addWidget(self.status)
        self.countdown = label("", "countdown", "countdownLabel")
        side.addWidget(self.countdown)

        self.button_bar = QWidget()
        self.button_bar.setObjectName("paymentButtons")
        buttons = QHBoxLayout(self.button_bar)
        buttons.setContentsMargins(0, 0, 0, 0)
        design(buttons, spacing=24)
        self.cancel_button = button("", "cancelButton", "secondary")
        self.cancel_button.clicked.connect(self.cancel)
        self.simulate_button = button("", "simulatePayButton", "demo")
        self.simulate_button.clicked.connect(self.simulate)
        self.simulate_button.setVisible(False)
        buttons.addWidget(self.cancel_button, 1)
        buttons.addWidget(self.simulate_button, 1)
        layout.addWidget(self.button_bar)
        self._demo = False
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Pay"))
        self.qr.setAccessibleName(self.tr("Payment QR code"))
        self.send_caption.setText(self.tr("Send exactly"))
        self.address_caption.setText(self.tr("To this address"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel and start over"))
        self.simulate_button.setText(self.tr("Simulate (demo)"))
        self.simulate_button.setAccessibleName(self.tr("Simulate payment"))

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.body, profile.portrait)
        self.body.setStretch(0, 6 if profile.portrait else 5)
        self.body.setStretch(1, 4 if profile.portrait else 6)
        # Landscape: Cancel sits under the details, so the code gets the full height.
        home = self.main if profile.portrait else self.side
        if home.indexOf(self.button_bar) < 0:
            home.addWidget(self.button_bar)

    def set_demo(self, demo: bool) -> None:
        self._demo = demo

    def show_preparing(self, amount_text: str, method_text: str) -> None:
        self.title.setText(self.tr("Give {amount} by {method}").format(
            amount=amount_text, method=method_text))
        self.clear_code(self.tr("Preparing your payment…"))
        self.steps.setText("")
        self.crypto_box.setVisible(False)
        self.memo_box.setVisible(False)
        self.set_status(self.tr("Connecting to the payment provider…"), "waiting")
        self.countdown.setText("")
        self.simulate_button.setVisible(False)
        self.cancel_button.setEnabled(True)

    def clear_code(self, message: str = "") -> None:
        """Hide the code (it must never outlive its payment)."""
        self.qr.clear()
        self.qr.setVisible(False)
        self.qr_placeholder.setText(message)
        self.qr_placeholder.setVisible(True)
        self.simulate_button.setVisible(False)

    def _show_code(self, payload: str, matrix: Matrix | None) -> None:
        self.qr.set_code(payload, matrix)
        self.qr.setVisible(True)
        self.qr_placeholder.setVisible(False)
        self.simulate_button.setVisible(self._demo)

    def show_code(self, start: PaymentStart, amount_text: str, fee_text: str = "") -> None:
        """The payment's code: a Checkout link's or a coin's. `fee_text` ("$25.00 + $1.03
        fee") says what the amount is made of when the donor covers the fee."""
        if start.method == "crypto":
            self._show_crypto(start, amount_text, fee_text)
        else:
            self._show_card(start, amount_text, fee_text)

    def _show_card(self, start: PaymentStart, amount_text: str, fee_text: str) -> None:
        if start.recurring:  # a monthly gift's first payment
            self.title.setText(self.tr("Scan to give {amount} a month").format(
                amount=amount_text))
            self.steps.setText(self.tr(
                "<ol style='margin-left:0'><li>Open your phone's camera.</li>"
                "<li>Point it at the code.</li>"
                "<li>Set up your monthly gift with card, Apple Pay or Google Pay. "
                "You can cancel at any time.</li></ol>"))
        else:
            self.title.setText(self.tr("Scan to give {amount}").format(amount=amount_text))
            self.steps.setText(self.tr(
                "<ol style='margin-left:0'><li>Open your phone's camera.</li>"
                "<li>Point it at the code.</li>"
                "<li>Pay with card, Apple Pay or Google Pay.</li></ol>"))
        if fee_text:
            self.steps.setText(self.steps.text() + "<p>" + fee_text + "</p>")
        self.crypto_box.setVisible(False)
        self.memo_box.setVisible(False)
        self._show_code(start.payload, start.matrix)
        self.set_status(self.tr("Waiting for your payment…"), "waiting")

    def _show_crypto(self, start: PaymentStart, amount_text: str, fee_text: str) -> None:
        self.title.setText(self.tr("Give {amount} in {coin}").format(
            amount=amount_text, coin=coin_name(start.pay_currency)))
        self.steps.setText(self.tr("Scan the code with your wallet app, or copy the details.")
                           + ("\n" + fee_text if fee_text else ""))
        self.pay_amount.setText(f"{start.pay_amount} {start.pay_currency.upper()}")
        network = start.network
        self.network_label.setText(self.tr("Network: {network}").format(network=network)
                                   if network else "")
        self.network_label.setVisible(bool(network))
        address = start.pay_address
        # Zero-width spaces let a 40-character address wrap on a narrow screen.
        self.address.setText("\u200b".join(address[i:i + 6] for i in range(0, len(address), 6)))
        self.address.setAccessibleName(address)
        self.crypto_box.setVisible(True)
        extra = start.memo
        if extra:
            what = start.memo_label or self.tr("Memo")
            self.memo_title.setText(self.tr("{what} — required").format(what=what))
            self.memo_value.setText(str(extra))
            self.memo_note.setText(self.tr(
                "Enter this {what} in your wallet, or your gift cannot be matched.").format(
                    what=what.lower()))
            self.memo_box.setVisible(True)
        else:
            self.memo_box.setVisible(False)
        self._show_code(start.payload, start.matrix)
        self.set_status(self.tr("Waiting for your payment…"), "waiting")

    def set_status(self, text: str, state: str) -> None:
        self.status.setText(text)
        self.status.setProperty("state", state)
        self.status.setAccessibleName(text)
        repolish(self.status)

    def set_countdown(self, seconds: int | None) -> None:
        if seconds is None:
            self.countdown.setText("")
        elif seconds <= 0:
            self.countdown.setText(self.tr("This code has expired"))
        else:
            self.countdown.setText(self.tr("Code expires in {time}").format(
                time=countdown_text(seconds)))
        self.countdown.setProperty("state", "low" if seconds is not None and seconds < 120
                                   else "")
        repolish(self.countdown)
