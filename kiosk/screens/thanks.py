"""Thank you: the gift, the new total, a short celebration."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.layout import design
from kiosk.screens.base import button, label
from kiosk.widgets.celebration import Celebration


class ThanksScreen(QWidget):
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thanksScreen")
        self.setAccessibleName(self.tr("Thank you"))
        layout = QVBoxLayout(self)
        design(layout, margins=(96, 72, 96, 72), spacing=28)
        layout.addStretch(2)
        self.heart = label("♥", "heart", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heart)
        layout.addWidget(label(self.tr("Thank you!"), "display",
                               align=Qt.AlignmentFlag.AlignCenter))
        self.message = label("", "lead", "thanksLabel", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.total = label("", "thanksTotal", "thanksTotalLabel",
                           align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.total)
        layout.addStretch(3)
        row = QHBoxLayout()
        row.addStretch(1)
        self.done_button = button(self.tr("Done"), "thanksDoneButton", "primary")
        design(self.done_button, min_w=420)
        self.done_button.clicked.connect(self.done)
        row.addWidget(self.done_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.celebration = Celebration(self)

    def show_thanks(self, amount_text: str, campaign_name: str, total_text: str | None) -> None:
        self.message.setText(self.tr("Your gift of {amount} to {campaign} has arrived.").format(
            amount=amount_text, campaign=campaign_name))
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
