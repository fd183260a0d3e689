"""An on-screen keyboard for an email address (a receipt), for a touch-only kiosk."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]


class EmailKeyboard(QWidget):
    """Emits `pressed` with a character, ".com" or "back"."""

    pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emailKeyboard")
        column = QVBoxLayout(self)
        column.setSpacing(8)
        column.setContentsMargins(0, 0, 0, 0)
        extras = {1: [], 2: ["@"], 3: [".", "_", "-"]}
        for index, keys in enumerate(ROWS):
            row = QHBoxLayout()
            row.setSpacing(8)
            for key in [*keys, *extras.get(index, [])]:
                row.addWidget(self._key(key, key))
            if index == 3:
                row.addWidget(self._key("⌫", "back", self.tr("Delete"), wide=True))
            column.addLayout(row)
        last = QHBoxLayout()
        last.addStretch(1)
        last.addWidget(self._key(".com", ".com", wide=True))
        last.addStretch(1)
        column.addLayout(last)

    def _key(self, text: str, value: str, name: str | None = None, *,
             wide: bool = False) -> QPushButton:
        key = QPushButton(text, self)
        key.setProperty("role", "letter")
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setMinimumSize(120 if wide else 56, 64)
        key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        key.setAccessibleName(name or text)
        key.clicked.connect(lambda _=False, v=value: self.pressed.emit(v))
        return key
