"""Staff: the card reader for tap to give — its status, and pairing one.

Pairing is what `charter-kiosk terminal register` does: pick (or first create,
with the CLI) a Terminal Location, type the code the reader shows (in test mode
`simulated-wpe` or `simulated-s700`), and the reader becomes this kiosk's.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.layout import Page, Profile, design, set_direction
from kiosk.screens.base import button, label, repolish
from kiosk.staff_model import ReaderLocation, ReaderSetup
from kiosk.widgets.email_keyboard import EmailKeyboard


class TerminalPage(Page):
    register = Signal(str, str)  # registration code, location id
    forget = Signal()
    refresh = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("terminalPage")
        self._location: str | None = None
        layout = QVBoxLayout(self)
        design(layout, margins=(48, 32, 48, 32), spacing=14)
        layout.addWidget(label(self.tr("Card reader"), "h1"))
        self.status = label(self.tr("Checking the reader…"), "lead", "readerStatusLabel")
        layout.addWidget(self.status)
        self.body = body = QHBoxLayout()
        design(body, spacing=24)
        layout.addLayout(body, 1)
        left = QVBoxLayout()
        design(left, spacing=12)
        body.addLayout(left, 2)
        left.addWidget(label(self.tr("Pair a reader: choose the location, then type the "
                                     "code the reader shows."), "hint"))
        self.locations = QVBoxLayout()
        design(self.locations, spacing=10)
        left.addLayout(self.locations)
        left.addStretch(1)
        self.code = QLineEdit()
        self.code.setObjectName("readerCodeEdit")
        self.code.setAccessibleName(self.tr("Registration code"))
        self.code.setPlaceholderText(self.tr("Registration code"))
        design(self.code, min_h=72, tap=True)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.code)
        self.keyboard = EmailKeyboard()
        self.keyboard.pressed.connect(self._type)
        body.addWidget(self.keyboard, 3)
        row = QHBoxLayout()
        design(row, spacing=16)
        back = button(self.tr("Back"), "terminalBackButton", "secondary", min_height=72)
        back.clicked.connect(self.back)
        self.forget_button = button(self.tr("Stop using this reader"), "readerForgetButton",
                                    "danger", min_height=72)
        self.forget_button.clicked.connect(self.forget)
        self.pair_button = button(self.tr("Pair the reader"), "readerPairButton", "primary",
                                  min_height=72)
        self.pair_button.clicked.connect(self._pair)
        for widget in (back, self.forget_button, self.pair_button):
            row.addWidget(widget)
        layout.addLayout(row)

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.body, profile.portrait)  # keyboard under the fields in portrait

    def open(self) -> None:
        self.code.clear()
        self.status.setText(self.tr("Checking the reader…"))
        self.refresh.emit()

    def set_state(self, setup: ReaderSetup) -> None:
        """What Stripe says: this kiosk's reader (or None) and the account's locations."""
        reader, locations, error = setup.reader, setup.locations, setup.error
        if reader is not None:
            self.status.setText(self.tr("{label} ({device}): {state}, {mode} mode").format(
                label=reader.label, device=reader.device_type,
                state=self.tr("online") if reader.online else self.tr("offline"),
                mode=reader.mode))
            self.status.setProperty("tone", "ok" if reader.online else "error")
        else:
            self.status.setText(error or self.tr("No reader is paired with this kiosk."))
            self.status.setProperty("tone", "error" if error else "")
        repolish(self.status)
        self.forget_button.setEnabled(reader is not None)
        while self.locations.count():
            item = self.locations.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        if not locations:
            self.locations.addWidget(label(self.tr("No Terminal location yet: create one with "
                                                   "charter-kiosk terminal locations --create."),
                                           "hint"))
        for place in locations[:3]:
            choice = button(place.display_name, "readerLocationButton", "secondary",
                            min_height=64)
            choice.setCheckable(True)
            choice.clicked.connect(lambda _=False, p=place, b=choice: self._choose(p, b))
            self.locations.addWidget(choice)
        self._location = locations[0].location_id if len(locations) == 1 else None
        if self._location is not None:  # the only place there is: shown as chosen
            item = self.locations.itemAt(0)
            only = item.widget() if item is not None else None
            if only is not None and hasattr(only, "setChecked"):
                only.setChecked(True)

    def _choose(self, place: ReaderLocation, chosen: Any) -> None:
        for index in range(self.locations.count()):
            item = self.locations.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not chosen and hasattr(widget, "setChecked"):
                widget.setChecked(False)
        self._location = place.location_id if chosen.isChecked() else None

    def _type(self, key: str) -> None:
        text = self.code.text()
        self.code.setText(text[:-1] if key == "back" else (text + key)[:64])

    def _pair(self) -> None:
        code = self.code.text().strip()
        if not code or not self._location:
            self.status.setText(self.tr("Choose a location and type the reader's code."))
            return
        self.status.setText(self.tr("Pairing…"))
        self.register.emit(code, self._location)
