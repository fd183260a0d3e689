"""Staff's cash gift page: the amount on a keypad, the donor's name on a keyboard.

A touch-only kiosk has no physical keyboard, so the name field opens an
on-screen one in place of the keypad; "Amount" brings the keypad back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from kiosk.layout import Page, Profile, current_page_sizes, design, set_direction
from kiosk.model import Campaign, to_minor
from kiosk.screens.amount import edit_amount
from kiosk.screens.base import button, label, repolish
from kiosk.text import money
from kiosk.widgets.keyboard import LetterKeyboard
from kiosk.widgets.keypad import Keypad

NAME_MAX = 40


class TouchLineEdit(QLineEdit):
    """A line edit that says when it is touched (to bring up the on-screen keyboard)."""

    touched = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        self.touched.emit()


class CashGiftPage(Page):
    recorded = Signal(str, str)  # amount, display name ("" for anonymous)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cashGiftPage")
        self._campaign = Campaign()
        self._text = ""
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        design(self.body, margins=(72, 48, 72, 48), spacing=72)
        left = QVBoxLayout()
        design(left, spacing=20)
        left.addWidget(label(self.tr("Record a cash gift"), "h1"))
        self.lead = label(self.tr("It counts toward the total like any other gift."), "lead")
        left.addWidget(self.lead)
        left.addStretch(1)
        self.display = label("", "amountDisplay", "cashAmountDisplay", wrap=False,
                             align=Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.display)
        self.hint = label("", "hint", "cashHint", align=Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.hint)
        self.name = TouchLineEdit()
        self.name.setObjectName("cashNameEdit")
        self.name.setAccessibleName(self.tr("Donor name (optional)"))
        self.name.setPlaceholderText(self.tr("Donor name (optional)"))
        self.name.setMaxLength(NAME_MAX)
        design(self.name, min_h=80, tap=True)
        self.name.touched.connect(self.show_letters)
        left.addWidget(self.name)
        left.addStretch(1)
        row = QHBoxLayout()
        design(row, spacing=20)
        cancel = button(self.tr("Cancel"), "cashCancelButton", "secondary")
        cancel.clicked.connect(self.cancelled)
        self.record = button(self.tr("Record"), "cashRecordButton", "primary")
        self.record.clicked.connect(self._record)
        row.addWidget(cancel)
        row.addWidget(self.record)
        left.addLayout(row)
        self.body.addLayout(left, 5)

        right = QVBoxLayout()
        design(right, spacing=12)
        switch = QHBoxLayout()
        design(switch, spacing=12)
        self.amount_tab = button(self.tr("Amount"), "cashAmountTab", "ghost", min_height=72)
        self.amount_tab.clicked.connect(self.show_keypad)
        self.name_tab = button(self.tr("Name"), "cashNameTab", "ghost", min_height=72)
        self.name_tab.clicked.connect(self.show_letters)
        switch.addWidget(self.amount_tab)
        switch.addWidget(self.name_tab)
        right.addLayout(switch)
        self.pads = QStackedWidget()
        self.keypad = Keypad()
        self.keypad.pressed.connect(self._press)
        self.letters = LetterKeyboard()
        self.letters.setObjectName("cashKeyboard")
        self.letters.pressed.connect(self._type)
        self.pads.addWidget(self.keypad)
        self.pads.addWidget(self.letters)
        current_page_sizes(self.pads)
        right.addWidget(self.pads, 1)
        self.body.addLayout(right, 4)

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.body, profile.portrait)
        self.lead.setVisible(profile.height >= 700)

    def set_campaign(self, campaign: Campaign) -> None:
        self._campaign = campaign
        self.hint.setText(self.tr("From {low} to {high}").format(
            low=money(campaign.min_minor, campaign.currency),
            high=money(campaign.max_minor, campaign.currency)))

    def open(self) -> None:
        self._text = ""
        self.name.clear()
        self.show_keypad()
        self._refresh()

    def show_keypad(self) -> None:
        self.pads.setCurrentWidget(self.keypad)
        self._mark_tabs()

    def show_letters(self) -> None:
        self.pads.setCurrentWidget(self.letters)
        self._mark_tabs()

    def _mark_tabs(self) -> None:
        letters = self.pads.currentWidget() is self.letters
        for tab, on in ((self.amount_tab, not letters), (self.name_tab, letters)):
            tab.setProperty("role", "primary" if on else "ghost")
            repolish(tab)

    def _press(self, key: str) -> None:
        text = edit_amount(self._text, key, self._campaign.decimals)
        if text is not None:
            self._text = text
            self._refresh()

    def _type(self, key: str) -> None:
        text = self.name.text()
        if key == "back":
            text = text[:-1]
        elif len(text) < NAME_MAX:
            starts_word = not text or text.endswith((" ", "-"))
            text += key.upper() if starts_word else key.lower()
        self.name.setText(text)

    def minor(self) -> int | None:
        text = self._text.rstrip(".")
        return to_minor(text, self._campaign.decimals) if text else None

    def _refresh(self) -> None:
        minor = self.minor()
        c = self._campaign
        self.display.setText(money(minor or 0, c.currency))
        valid = minor is not None and c.min_minor <= minor <= c.max_minor
        self.record.setEnabled(valid)
        self.record.setText(self.tr("Record {amount}").format(
            amount=money(minor, c.currency)) if valid and minor else self.tr("Record"))
        self.record.setAccessibleName(self.record.text())

    def _record(self) -> None:
        if self.minor() is None:
            return
        self.recorded.emit(self._text.rstrip("."), " ".join(self.name.text().split()))
