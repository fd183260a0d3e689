"""A compact on-screen keyboard for a donor's display name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

ROWS = ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"]


class LetterKeyboard(QWidget):
    """Emits `pressed` with a letter, " ", "-", "'" or "back"."""

    pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterKeyboard")
        column = QVBoxLayout(self)
        column.setSpacing(8)
        column.setContentsMargins(0, 0, 0, 0)
        for index, letters in enumerate(ROWS):
            row = QHBoxLayout()
            row.setSpacing(8)
            row.addStretch(index)
            for letter in letters:
                row.addWidget(self._key(letter, letter))
            if index == 2:
                row.addWidget(self._key("-", "-"))
                row.addWidget(self._key("'", "'"))
                row.addWidget(self._key("⌫", "back", self.tr("Delete"), wide=True))
            row.addStretch(index)
            column.addLayout(row)
        space_row = QHBoxLayout()
        space_row.addStretch(1)
        space_row.addWidget(self._key(self.tr("space"), " ", self.tr("Space"), wide=True), 4)
        space_row.addStretch(1)
        column.addLayout(space_row)

    def _key(self, label: str, value: str, name: str | None = None, *,
             wide: bool = False) -> QPushButton:
        button = QPushButton(label, self)
        button.setProperty("role", "letter")
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumSize(120 if wide else 64, 64)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setAccessibleName(name or label)
        button.clicked.connect(lambda _=False, v=value: self.pressed.emit(v))
        return button
