"""Choosing an amount: presets from kiosk.toml, or any amount on a keypad."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.layout import Profile, design, set_direction
from kiosk.model import Campaign
from kiosk.screens.base import button, header, label, repolish
from kiosk.text import money
from kiosk.widgets.keypad import Keypad


def amount_object_name(amount: str) -> str:
    return "amountButton_" + amount.replace(".", "_")


def to_minor(amount: str, decimals: int) -> int | None:
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return None
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)



def edit_amount(text: str, key: str, decimals: int) -> str | None:
    """The amount typed so far after one keypad key ("0"-"9", ".", "back"), or None
    when the key is refused: a second point, more decimals than the currency has,
    more than nine digits. Shared by the donor's keypad and the staff cash page."""
    if key == "back":
        return text[:-1]
    if key == ".":
        if decimals == 0 or "." in text:
            return None
        return (text or "0") + "."
    if "." in text and len(text.split(".")[1]) >= decimals:
        return None
    if text == "0":
        text = ""
    if len(text.replace(".", "")) >= 9:
        return None
    return text + key

class AmountScreen(QWidget):
    chosen = Signal(str)
    other = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amountScreen")
        self.setAccessibleName(self.tr("Choose an amount"))
        layout = QVBoxLayout(self)
        design(layout, margins=(72, 48, 72, 56), spacing=32)
        back = button(self.tr("‹ Back"), "amountBackButton", "ghost",
                      accessible=self.tr("Back"))
        back.clicked.connect(self.back)
        layout.addLayout(header(label(self.tr("Choose your gift"), "h1",
                                      align=Qt.AlignmentFlag.AlignCenter), back))
        self.subtitle = label("", "lead", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.subtitle)
        layout.addStretch(1)
        self.grid = QGridLayout()
        design(self.grid, spacing=28)
        layout.addLayout(self.grid, 4)
        self.other_button = button(self.tr("Other amount"), "otherAmountButton", "secondary",
                                   min_height=120)
        self.other_button.clicked.connect(self.other)
        layout.addWidget(self.other_button)
        layout.addStretch(1)
        self.buttons: list[QWidget] = []

    def set_campaign(self, campaign: Campaign) -> None:
        for old in self.buttons:
            self.grid.removeWidget(old)
            old.deleteLater()
        self.buttons = []
        presets = list(campaign.presets)
        columns = 3 if len(presets) in (3, 5, 6, 9) else 2 if len(presets) <= 4 else 4
        for index, amount in enumerate(presets):
            minor = to_minor(amount, campaign.decimals) or 0
            text = money(minor, campaign.currency)
            widget = button(text, amount_object_name(amount), "amount",
                            accessible=self.tr("Give {amount}").format(amount=text),
                            min_height=110)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            widget.clicked.connect(lambda _=False, a=amount: self.chosen.emit(a))
            self.grid.addWidget(widget, index // columns, index % columns)
            self.buttons.append(widget)
        self.subtitle.setText(self.tr("Every gift helps. Pay by card, phone or crypto."))


class KeypadScreen(QWidget):
    """'Other amount': type with a keypad; Continue lights up only for a valid amount."""

    chosen = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypadScreen")
        self.setAccessibleName(self.tr("Enter an amount"))
        self._campaign = Campaign()
        self._text = ""
        layout = QVBoxLayout(self)
        design(layout, margins=(72, 48, 72, 56), spacing=28)
        back = button(self.tr("‹ Back"), "keypadBackButton", "ghost", accessible=self.tr("Back"))
        back.clicked.connect(self.back)
        layout.addLayout(header(label(self.tr("Enter your amount"), "h1",
                                      align=Qt.AlignmentFlag.AlignCenter), back))
        # Landscape: the amount beside the keypad; portrait: the amount above it.
        self.body = body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(body, spacing=72)
        layout.addLayout(body, 1)

        left = QVBoxLayout()
        design(left, spacing=20)
        left.addStretch(1)
        self.display = label("", "amountDisplay", "amountDisplay", wrap=False,
                             align=Qt.AlignmentFlag.AlignCenter)
        design(self.display, min_h=120)
        left.addWidget(self.display)
        self.hint = label("", "hint", "amountHint", align=Qt.AlignmentFlag.AlignCenter)
        left.addWidget(self.hint)
        left.addStretch(1)
        self.continue_button = button(self.tr("Continue"), "amountContinueButton", "primary",
                                      min_height=120)
        self.continue_button.clicked.connect(self._submit)
        self.left = left
        self.bottom = QVBoxLayout()
        self.bottom.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.continue_button)
        body.addLayout(left, 5)

        self.keypad = Keypad()
        self.keypad.pressed.connect(self.press)
        design(self.keypad, min_w=400)
        body.addWidget(self.keypad, 4)
        layout.addLayout(self.bottom)
        self.reset()

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.body, profile.portrait)
        # Portrait: Continue goes under the keypad, where the thumb ends up.
        target = self.bottom if profile.portrait else self.left
        if target.indexOf(self.continue_button) < 0:
            target.addWidget(self.continue_button)
        self.body.setStretch(0, 2 if profile.portrait else 5)
        self.body.setStretch(1, 5 if profile.portrait else 4)

    def set_campaign(self, campaign: Campaign) -> None:
        self._campaign = campaign
        self.keypad.buttons["."].setVisible(campaign.decimals > 0)
        self.reset()

    def reset(self) -> None:
        self._text = ""
        self._refresh()

    def text(self) -> str:
        return self._text

    def press(self, key: str) -> None:
        text = edit_amount(self._text, key, self._campaign.decimals)
        if text is not None:
            self._text = text
            self._refresh()

    def minor(self) -> int | None:
        if not self._text or self._text.endswith("."):
            return to_minor(self._text.rstrip("."), self._campaign.decimals) if self._text \
                else None
        return to_minor(self._text, self._campaign.decimals)

    def is_valid(self) -> bool:
        minor = self.minor()
        c = self._campaign
        return minor is not None and c.min_minor <= minor <= c.max_minor

    def _refresh(self) -> None:
        c = self._campaign
        range_text = self.tr("Any amount from {low} to {high}").format(
            low=money(c.min_minor, c.currency), high=money(c.max_minor, c.currency))
        symbol = money(0, c.currency, cents=False).replace("0", "").strip()
        if not self._text:
            self.display.setText(f"{symbol}0")
            self.display.setProperty("state", "empty")
            self.hint.setText(range_text)
            self.hint.setProperty("state", "")
        else:
            shown = self._text
            if "." not in shown:
                shown = f"{int(shown):,}"
            else:
                whole, fraction = shown.split(".")
                shown = f"{int(whole or 0):,}.{fraction}"
            self.display.setText(f"{symbol}{shown}" if symbol and not symbol.isalpha()
                                 else f"{shown} {c.currency.upper()}")
            minor = self.minor() or 0
            if minor < c.min_minor:
                self.hint.setText(self.tr("The minimum gift is {low}").format(
                    low=money(c.min_minor, c.currency)))
                self.hint.setProperty("state", "warn")
            elif minor > c.max_minor:
                self.hint.setText(self.tr("The most this kiosk can take is {high}").format(
                    high=money(c.max_minor, c.currency)))
                self.hint.setProperty("state", "error")
            else:
                self.hint.setText(range_text)
                self.hint.setProperty("state", "ok")
            self.display.setProperty("state", "")
        repolish(self.hint)
        repolish(self.display)
        valid = self.is_valid()
        self.continue_button.setEnabled(valid)
        if valid:
            self.continue_button.setText(self.tr("Give {amount}").format(
                amount=money(self.minor() or 0, c.currency)))
        else:
            self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setAccessibleName(self.continue_button.text())

    def _submit(self) -> None:
        if self.is_valid():
            self.chosen.emit(self._text.rstrip("."))
