"""Staff paused the kiosk: a calm card, and nothing to tap."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.layout import Page, design
from kiosk.screens.base import label


class PausedScreen(Page):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pausedScreen")
        layout = QVBoxLayout(self)
        design(layout, margins=(96, 96, 96, 96))
        layout.addStretch(1)
        self.heading = label("", "display", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.heading)
        self.message = label("", "lead", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Back in a moment"))
        self.heading.setText(self.tr("Back in a moment"))
        self.message.setText(self.tr("This kiosk is taking a short break. Thank you for "
                                     "your patience."))
