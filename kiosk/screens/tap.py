"""Tap to give: the donor taps, inserts or swipes a card on the kiosk's reader.

The screen shows the amount and what to do on the reader, follows the reader
(waiting, declined, timed out) and offers another card after a decline. The
payment itself is followed by the poller and counted by the ledger, like any
other gift; Cancel stops the reader and cancels the payment (one that went
through a moment before is kept).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.layout import Page, design
from kiosk.screens.base import button, label, repolish


class TapScreen(Page):
    retry = Signal()
    cancel = Signal()
    simulate = Signal(str)  # demo only: "approved" or "declined"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tapScreen")
        layout = QVBoxLayout(self)
        design(layout, margins=(72, 48, 72, 48), spacing=24)
        layout.addStretch(2)
        self.amount = label("", "display", "tapAmount", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.amount)
        self.prompt = label("", "h1", "tapPrompt", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.prompt)
        self.hint = label("", "lead", "tapHint", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.hint)
        self.status = label("", "status", "tapStatus", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.status)
        layout.addStretch(3)
        row = QHBoxLayout()
        design(row, spacing=24)
        self.cancel_button = button("", "tapCancelButton", "secondary")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.cancel_button)
        self.retry_button = button("", "tapRetryButton", "primary")
        self.retry_button.clicked.connect(self._retry)
        row.addWidget(self.retry_button)
        layout.addLayout(row)
        demo = QHBoxLayout()
        design(demo, spacing=24)
        self.simulate_button = button("", "simulateTapButton", "ghost")
        self.simulate_button.clicked.connect(lambda: self.simulate.emit("approved"))
        self.decline_button = button("", "simulateDeclineButton", "ghost")
        self.decline_button.clicked.connect(lambda: self.simulate.emit("declined"))
        demo.addWidget(self.simulate_button)
        demo.addWidget(self.decline_button)
        layout.addLayout(demo)
        self.set_demo(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Pay on the card reader"))
        self.prompt.setText(self.tr("Tap, insert or swipe your card on the reader"))
        self.hint.setText(self.tr("Phones and watches work too. The reader is beside this "
                                  "screen."))
        for widget, text in ((self.cancel_button, self.tr("Cancel")),
                             (self.retry_button, self.tr("Try another card")),
                             (self.simulate_button, self.tr("Simulate a tap")),
                             (self.decline_button, self.tr("Simulate a declined card"))):
            widget.setText(text)
            widget.setAccessibleName(text)

    def set_demo(self, demo: bool) -> None:
        self.simulate_button.setVisible(demo)
        self.decline_button.setVisible(demo)

    def show_preparing(self, amount_text: str) -> None:
        self.amount.setText(amount_text)
        self.prompt.setText(self.tr("Getting the card reader ready…"))
        self._set_status("", "")
        self.retry_button.setVisible(False)
        self.cancel_button.setEnabled(True)

    def show_waiting(self, amount_text: str) -> None:
        self.amount.setText(amount_text)
        self.prompt.setText(self.tr("Tap, insert or swipe your card on the reader"))
        self._set_status(self.tr("The reader is ready."), "waiting")
        self.retry_button.setVisible(False)

    def show_failure(self, message: str) -> None:
        """A decline or a timeout: the reason in plain words, and another try."""
        self.prompt.setText(self.tr("That did not go through"))
        self._set_status(message + " " + self.tr("Nothing has been charged."), "slow")
        self.retry_button.setVisible(True)
        self.retry_button.setEnabled(True)

    def set_status(self, text: str, tone: str = "waiting") -> None:
        self._set_status(text, tone)

    def _retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.retry.emit()

    def _set_status(self, text: str, tone: str) -> None:
        self.status.setText(text)
        self.status.setProperty("tone", tone)
        repolish(self.status)
