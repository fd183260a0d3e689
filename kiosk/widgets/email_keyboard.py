"""An on-screen keyboard for an email address or a reader's pairing code, for a
touch-only kiosk: ten equal keys a row, so no row shrinks below the touch target."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from kiosk.layout import design

ROWS = ["1234567890", "qwertyuiop", "asdfghjkl@", "zxcvbnm._-"]


class EmailKeyboard(QWidget):
    """Emits `pressed` with a character, ".com" or "back"."""

    pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emailKeyboard")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        design(grid, hspacing=6, vspacing=6)
        for row, keys in enumerate(ROWS):
            for column, key in enumerate(keys):
                grid.addWidget(self._key(key, key), row, column)
        grid.addWidget(self._key(".com", ".com"), len(ROWS), 0, 1, 3)
        self.delete_key = self._key("⌫", "back")
        grid.addWidget(self.delete_key, len(ROWS), 7, 1, 3)
        for column in range(10):
            grid.setColumnStretch(column, 1)
        # An address is written left to right in every language.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.retranslate()

    def retranslate(self) -> None:
        self.delete_key.setAccessibleName(self.tr("Delete"))

    def _key(self, text: str, value: str, name: str | None = None) -> QPushButton:
        key = QPushButton(text, self)
        key.setProperty("role", "letter")
        key.setObjectName("emailKey_" + {"back": "back", ".com": "dotcom"}.get(value, value))
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        design(key, min_h=64, tap=True)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        key.setAccessibleName(name or text)
        key.clicked.connect(lambda _=False, v=value: self.pressed.emit(v))
        return key
