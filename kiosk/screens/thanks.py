"""Thank you: the gift, the new total, a short celebration."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QStackedLayout, QVBoxLayout, QWidget

from kiosk.layout import Page, current_page_sizes, design
from kiosk.screens.base import button, label
from kiosk.widgets.celebration import Celebration
from kiosk.widgets.email_keyboard import EmailKeyboard


class ThanksScreen(Page):
    done = Signal()
    receipt_requested = Signal(str)  # an email address, for a tap gift's receipt
    receipt_opened = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thanksScreen")
        self._pages = QStackedLayout(self)
        self._main = Page()
        self._pages.addWidget(self._main)
        self._receipt = Page()
        self._receipt.setObjectName("receiptPage")
        self._pages.addWidget(self._receipt)
        self._build_receipt()
        current_page_sizes(self._pages)  # only the page on show sets the minimum
        layout = QVBoxLayout(self._main)
        design(layout, margins=(96, 72, 96, 72), spacing=28)
        layout.addStretch(2)
        self.heart = label("♥", "heart", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heart)
        self.heading = label("", "display", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heading)
        self.message = label("", "lead", "thanksLabel", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.total = label("", "thanksTotal", "thanksTotalLabel",
                           align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.total)
        layout.addStretch(3)
        row = QHBoxLayout()
        row.addStretch(1)
        # Tap gifts only, never required: Stripe emails the receipt.
        self.receipt_button = button("", "receiptButton", "secondary")
        design(self.receipt_button, min_w=420)
        self.receipt_button.clicked.connect(self._open_receipt)
        row.addWidget(self.receipt_button)
        self.done_button = button("", "thanksDoneButton", "primary")
        design(self.done_button, min_w=420)
        self.done_button.clicked.connect(self.done)
        row.addWidget(self.done_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.receipt_button.setVisible(False)
        self.celebration = Celebration(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Thank you"))
        self.heading.setText(self.tr("Thank you!"))
        self.receipt_button.setText(self.tr("Email me a receipt"))
        self.receipt_button.setAccessibleName(self.receipt_button.text())
        self.done_button.setText(self.tr("Done"))
        self.done_button.setAccessibleName(self.done_button.text())
        self.receipt_title.setText(self.tr("Where should we send your receipt?"))
        self.email_edit.setAccessibleName(self.tr("Email address"))
        self.skip_button.setText(self.tr("No thanks"))
        self.skip_button.setAccessibleName(self.skip_button.text())
        self.send_button.setText(self.tr("Send the receipt"))
        self.send_button.setAccessibleName(self.send_button.text())
        if self._email_keyboard is not None:
            self._email_keyboard.retranslate()

    def _build_receipt(self) -> None:
        layout = QVBoxLayout(self._receipt)
        design(layout, margins=(72, 48, 72, 48), spacing=20)
        self.receipt_title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.receipt_title)
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("receiptEmailEdit")
        self.email_edit.setPlaceholderText("name@example.org")
        self.email_edit.setMaxLength(254)
        design(self.email_edit, min_h=88, tap=True)
        self.email_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.email_edit)
        self._email_keyboard: EmailKeyboard | None = None
        self._email_keyboard_slot = QVBoxLayout()
        self._email_keyboard_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._email_keyboard_slot, 1)
        row = QHBoxLayout()
        design(row, spacing=24)
        self.skip_button = button("", "receiptSkipButton", "secondary")
        self.skip_button.clicked.connect(lambda: self._pages.setCurrentWidget(self._main))
        self.send_button = button("", "receiptSendButton", "primary")
        self.send_button.clicked.connect(self._send_receipt)
        row.addWidget(self.skip_button)
        row.addWidget(self.send_button)
        layout.addLayout(row)

    def offer_receipt(self, offer: bool) -> None:
        self.receipt_button.setVisible(offer)
        self.receipt_button.setEnabled(True)
        self.receipt_button.setText(self.tr("Email me a receipt"))
        self.email_edit.clear()
        self._pages.setCurrentWidget(self._main)

    def receipt_sent(self, text: str, ok: bool) -> None:
        """The answer to a receipt request, shown where the button was."""
        self._pages.setCurrentWidget(self._main)
        self.receipt_button.setText(text)
        self.receipt_button.setEnabled(not ok)

    @property
    def email_keyboard(self) -> EmailKeyboard:
        """Built the first time a donor asks for a receipt (most do not; its ~40 keys were
        styled and laid out with the window at every start)."""
        if self._email_keyboard is None:
            self._email_keyboard = EmailKeyboard()
            self._email_keyboard.pressed.connect(self._type_email)
            self._email_keyboard_slot.addWidget(self._email_keyboard)
        return self._email_keyboard

    def _open_receipt(self) -> None:
        self.email_keyboard.show()
        self._pages.setCurrentWidget(self._receipt)
        self.receipt_opened.emit()

    def _type_email(self, key: str) -> None:
        text = self.email_edit.text()
        self.email_edit.setText(text[:-1] if key == "back" else (text + key)[:254])

    def _send_receipt(self) -> None:
        email = self.email_edit.text().strip()
        if email:
            self.receipt_button.setText(self.tr("Sending…"))
            self.receipt_requested.emit(email)
            self._pages.setCurrentWidget(self._main)

    def show_thanks(self, amount_text: str, campaign_name: str, total_text: str | None,
                    *, monthly: bool = False) -> None:
        if monthly:
            self.message.setText(self.tr("Your monthly gift of {amount} to {campaign} has "
                                         "begun. Thank you for giving every month!").format(
                amount=amount_text, campaign=campaign_name))
        else:
            self.message.setText(self.tr("Your gift of {amount} to {campaign} has arrived.")
                                 .format(amount=amount_text, campaign=campaign_name))
        self.total.setText(self.tr("Together we have raised {total}").format(total=total_text)
                           if total_text else "")
        self._burst_pending = True
        if self.isVisible():
            self.showEvent(None)

    def showEvent(self, event: object) -> None:
        if getattr(self, "_burst_pending", False):
            self._burst_pending = False
            self.celebration.setGeometry(self.rect())
            self.celebration.raise_()
            self.celebration.burst()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.celebration.setGeometry(self.rect())

    def hideEvent(self, event: object) -> None:
        self.celebration.stop()
