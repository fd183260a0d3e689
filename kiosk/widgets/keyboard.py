"""A compact on-screen keyboard for names (the donor's, and a cash donor's for staff)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from kiosk.layout import design

ROWS = ["QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM'"]
KEY_NAMES = {" ": "space", "back": "back", "-": "dash", "'": "apos"}
HALVES = 21  # keys are two half-columns wide; each row sits half a key further in


class LetterKeyboard(QWidget):
    """Emits `pressed` with a letter, " ", "-", "'" or "back".

    Every key is the same size on every row (a grid of half-key columns), so
    the lower rows never shrink below the touch target.
    """

    pressed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("letterKeyboard")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        # No spacing between cells (half-key columns would multiply it): each key draws
        # its own gap as a stylesheet margin, so the whole cell stays touchable.
        grid.setHorizontalSpacing(0)
        design(grid, vspacing=6)
        for column in range(HALVES):
            grid.setColumnStretch(column, 1)
        self.keys: list[QPushButton] = []
        for index, letters in enumerate(ROWS):
            offset = index  # half a key further in on each row
            for position, letter in enumerate(letters):
                grid.addWidget(self._key(letter, letter), index, offset + 2 * position, 1, 2)
        last = len(ROWS[2])
        self.delete_key = self._key("⌫", "back")
        grid.addWidget(self.delete_key, 2, 2 + 2 * last, 1,
                       HALVES - 2 - 2 * last)  # the rest of the row
        self.space_key = self._key("", " ")
        grid.addWidget(self.space_key, 3, 4, 1, HALVES - 8)
        for row in range(4):
            grid.setRowStretch(row, 1)
        # Latin letters (names on the donor wall), laid out as printed on a keyboard in
        # every language.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.retranslate()

    def retranslate(self) -> None:
        self.delete_key.setAccessibleName(self.tr("Delete"))
        self.space_key.setText(self.tr("space"))
        self.space_key.setAccessibleName(self.tr("Space"))

    def _key(self, label: str, value: str, name: str | None = None) -> QPushButton:
        button = QPushButton(label, self)
        button.setProperty("role", "letter")
        button.setObjectName("letter_" + KEY_NAMES.get(value, value))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        design(button, min_h=64, tap=True)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        button.setAccessibleName(name or label)
        button.clicked.connect(lambda _=False, v=value: self.pressed.emit(v))
        self.keys.append(button)
        return button
