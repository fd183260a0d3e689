"""When something goes wrong: say what happened and offer the way on."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QVBoxLayout, QWidget

from kiosk.layout import Page, Profile, design, set_direction
from kiosk.screens.base import button, label, repolish
from kiosk.text import breakable


class ErrorScreen(Page):
    retry = Signal()
    home = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorScreen")
        self.kind = ""
        layout = QVBoxLayout(self)
        design(layout, margins=(120, 72, 120, 72), spacing=28)
        layout.addStretch(2)
        self.icon = label("!", "errorIcon", "errorIcon", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        self.title = label("", "h1", "errorTitle", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.message = label("", "lead", "errorLabel", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        layout.addStretch(3)
        self.row = row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(row, spacing=28)
        row.addStretch(1)
        self.home_button = button("", "errorHomeButton", "secondary")
        design(self.home_button, min_w=380)
        self.home_button.clicked.connect(self.home)
        self.retry_button = button("", "errorRetryButton", "primary")
        design(self.retry_button, min_w=380)
        self.retry_button.clicked.connect(self.retry)
        row.addWidget(self.home_button)
        row.addWidget(self.retry_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Something went wrong"))
        self.home_button.setText(self.tr("Back to start"))
        self.home_button.setAccessibleName(self.home_button.text())
        self.retry_button.setText(self.tr("Try again"))
        self.retry_button.setAccessibleName(self.retry_button.text())

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.row, profile.portrait and profile.width < 1000)

    def show_error(self, kind: str, title: str, message: str, *, can_retry: bool,
                   tone: str = "error") -> None:
        self.kind = kind
        self.title.setText(title)
        self.message.setText(breakable(message, every=24))  # a provider's long URL wraps
        self.retry_button.setVisible(can_retry)
        self.icon.setText({"info": "i", "help": "?"}.get(tone, "!"))
        self.icon.setProperty("tone", tone)
        repolish(self.icon)
