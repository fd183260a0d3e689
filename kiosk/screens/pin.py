"""The staff PIN pad."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.layout import Page, design
from kiosk.screens.base import button, label, repolish
from kiosk.widgets.keypad import Keypad

MAX_PIN = 12


class PinScreen(Page):
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinScreen")
        self.setAccessibleName(self.tr("Staff PIN"))
        self._pin = ""
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        layout = QVBoxLayout()
        design(layout, margins=(0, 48, 0, 48), spacing=20)
        outer.addLayout(layout, 2)
        outer.addStretch(1)
        layout.addWidget(label(self.tr("Staff PIN"), "h1", align=Qt.AlignmentFlag.AlignCenter))
        self.dots = label("", "pinDots", "pinDots", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.dots)
        self.message = label("", "hint", "pinMessage", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.keypad = Keypad(decimal=False)
        design(self.keypad, min_h=320)
        self.keypad.pressed.connect(self._press)
        layout.addWidget(self.keypad, 1)
        row = QHBoxLayout()
        design(row, spacing=20)
        cancel = button(self.tr("Cancel"), "pinCancelButton", "secondary")
        cancel.clicked.connect(self.cancelled)
        self.ok_button = button(self.tr("Unlock"), "pinOkButton", "primary")
        self.ok_button.clicked.connect(self._submit)
        row.addWidget(cancel)
        row.addWidget(self.ok_button)
        layout.addLayout(row)
        self.reset()

    def reset(self, message: str = "") -> None:
        self._pin = ""
        self.set_message(message or self.tr("Enter the staff PIN."))
        self.set_busy(False)
        self._refresh()

    def set_message(self, text: str, state: str = "") -> None:
        self.message.setText(text)
        self.message.setProperty("state", state)
        repolish(self.message)

    def set_busy(self, busy: bool) -> None:
        self.keypad.setEnabled(not busy)
        self.ok_button.setEnabled(not busy and len(self._pin) >= 4)

    def _press(self, key: str) -> None:
        if key == "back":
            self._pin = self._pin[:-1]
        elif len(self._pin) < MAX_PIN:
            self._pin += key
        self._refresh()

    def _refresh(self) -> None:
        # Always the same glyphs, spacing and (up to four) count: the dots never shift.
        slots = max(4, len(self._pin))
        self.dots.setText(" ".join("●" * len(self._pin) + "○" * (slots - len(self._pin))))
        self.ok_button.setEnabled(len(self._pin) >= 4 and self.keypad.isEnabled())

    def _submit(self) -> None:
        if len(self._pin) >= 4:
            pin, self._pin = self._pin, ""
            self._refresh()
            self.set_busy(True)
            self.submitted.emit(pin)
