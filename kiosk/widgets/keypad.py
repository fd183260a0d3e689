"""A big on-screen number pad for amounts and PINs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from kiosk.layout import design


class Keypad(QWidget):
    """Emits `pressed` with "0"–"9", "." or "back"."""

    pressed = Signal(str)

    def __init__(self, *, decimal: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        grid = QGridLayout(self)
        design(grid, spacing=14)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9",
                "." if decimal else "", "0", "back"]
        self.buttons: dict[str, QPushButton] = {}
        for index, key in enumerate(keys):
            if not key:
                continue
            label = "⌫" if key == "back" else key
            button = QPushButton(label, self)
            button.setObjectName(f"key_{'dot' if key == '.' else key}")
            button.setProperty("role", "key")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            design(button, min_w=96, min_h=80, tap=True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            name = {"back": self.tr("Delete"), ".": self.tr("Decimal point")}.get(key, key)
            button.setAccessibleName(name)
            button.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            grid.addWidget(button, index // 3, index % 3)
            self.buttons[key] = button
