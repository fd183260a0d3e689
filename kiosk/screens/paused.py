"""Staff paused the kiosk: a calm card, and nothing to tap."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.layout import design
from kiosk.screens.base import label


class PausedScreen(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pausedScreen")
        self.setAccessibleName(self.tr("Back in a moment"))
        layout = QVBoxLayout(self)
        design(layout, margins=(96, 96, 96, 96))
        layout.addStretch(1)
        layout.addWidget(label(self.tr("Back in a moment"), "display",
                               align=Qt.AlignmentFlag.AlignCenter))
        self.message = label(self.tr("This kiosk is taking a short break. Thank you for "
                                     "your patience."), "lead",
                             align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        layout.addStretch(1)
