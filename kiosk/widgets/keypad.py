"""A big on-screen number pad for amounts and PINs."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy, QWidget

from kiosk import text
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
            button.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            grid.addWidget(button, index // 3, index % 3)
            self.buttons[key] = button
        # Digits keep the order of a phone's keypad in a right-to-left language too.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.retranslate()

    def retranslate(self) -> None:
        """Key names, and digits and the decimal point as the donor's language writes them."""
        for key, button in self.buttons.items():
            if key == "back":
                button.setAccessibleName(self.tr("Delete"))
            elif key == ".":
                button.setText(text.decimal_point())
                button.setAccessibleName(self.tr("Decimal point"))
            else:
                button.setText(text.digit(int(key)))
                button.setAccessibleName(key)
