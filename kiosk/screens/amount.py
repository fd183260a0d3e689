"""Choosing an amount: presets from kiosk.toml, or any amount on a keypad."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.layout import Page, Profile, design, set_direction
from kiosk.model import Campaign, to_minor
from kiosk.screens.base import button, header, label, repolish
from kiosk.text import money, typed_amount
from kiosk.widgets.keypad import Keypad


def amount_object_name(amount: str) -> str:
    return "amountButton_" + amount.replace(".", "_")


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

class AmountScreen(Page):
    chosen = Signal(str)
    other = Signal()
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("amountScreen")
        self._campaign: Campaign | None = None
        layout = QVBoxLayout(self)
        design(layout, margins=(72, 48, 72, 56), spacing=32)
        self.back_button = button("", "amountBackButton", "ghost")
        self.back_button.clicked.connect(self.back)
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(header(self.title, self.back_button))
        self.subtitle = label("", "lead", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.subtitle)
        layout.addStretch(1)
        self.grid = QGridLayout()
        design(self.grid, spacing=28)
        layout.addLayout(self.grid, 4)
        row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(row, spacing=28)
        self.other_button = button("", "otherAmountButton", "secondary", min_height=120)
        self.other_button.clicked.connect(self.other)
        row.addWidget(self.other_button, 1)
        # [campaign] monthly: the same amount every month, by card on the donor's phone.
        self.monthly_toggle = button("", "monthlyToggle", "toggle", min_height=120)
        self.monthly_toggle.setCheckable(True)
        self.monthly_toggle.toggled.connect(self._monthly_changed)
        self.monthly_toggle.setVisible(False)
        row.addWidget(self.monthly_toggle, 1)
        self.choice_row = row
        layout.addLayout(row)
        layout.addStretch(1)
        self.buttons: list[QWidget] = []
        self.retranslate()

    def apply_profile(self, profile: Profile) -> None:
        # A narrow portrait screen stacks "Other amount" over "Make it monthly".
        set_direction(self.choice_row, profile.portrait and profile.width < 1000)

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Choose an amount"))
        self.back_button.setText(self.tr("‹ Back"))
        self.back_button.setAccessibleName(self.tr("Back"))
        self.title.setText(self.tr("Choose your gift"))
        self.other_button.setText(self.tr("Other amount"))
        self.other_button.setAccessibleName(self.other_button.text())
        self._label_amounts()
        self._monthly_changed(self.monthly_toggle.isChecked())

    def monthly(self) -> bool:
        """The donor asked to give this amount every month."""
        return bool(self._campaign and self._campaign.monthly) and self.monthly_toggle.isChecked()

    def reset(self) -> None:
        """A new donor: a one-off gift unless they choose otherwise."""
        self.monthly_toggle.setChecked(False)

    def _monthly_changed(self, on: bool) -> None:
        self.monthly_toggle.setText(("✓ " if on else "") + self.tr("Make it monthly"))
        self.monthly_toggle.setAccessibleName(self.tr("Make it monthly"))
        self.monthly_toggle.setAccessibleDescription(
            self.tr("On: this amount every month, by card. Cancel any time.") if on else
            self.tr("Off: a one-off gift."))
        if self._campaign is not None:
            self._show_subtitle()

    def _show_subtitle(self) -> None:
        if self.monthly():
            self.subtitle.setText(self.tr("Every month, by card on your phone. Cancel any "
                                          "time."))
        else:
            self.subtitle.setText(self.tr("Every gift helps. Pay by card, phone or crypto."))

    def set_campaign(self, campaign: Campaign) -> None:
        self._campaign = campaign
        self.monthly_toggle.setVisible(campaign.monthly)
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
            widget.setProperty("amount", amount)
            self.grid.addWidget(widget, index // columns, index % columns)
            self.buttons.append(widget)
        self._show_subtitle()

    def _label_amounts(self) -> None:
        """The presets in the donor's language's formats ("$25", "25 $", "٢٥ $")."""
        campaign = self._campaign or Campaign()
        for widget in self.buttons:
            if isinstance(widget, QPushButton):
                text = money(to_minor(str(widget.property("amount")), campaign.decimals) or 0,
                             campaign.currency)
                widget.setText(text)
                widget.setAccessibleName(self.tr("Give {amount}").format(amount=text))


class KeypadScreen(Page):
    """'Other amount': type with a keypad; Continue lights up only for a valid amount."""

    chosen = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keypadScreen")
        self._campaign = Campaign()
        self._text = ""
        self._monthly = False
        layout = QVBoxLayout(self)
        design(layout, margins=(72, 48, 72, 56), spacing=28)
        self.back_button = button("", "keypadBackButton", "ghost")
        self.back_button.clicked.connect(self.back)
        self.title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(header(self.title, self.back_button))
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
        self.continue_button = button("", "amountContinueButton", "primary", min_height=120)
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
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Enter an amount"))
        self.back_button.setText(self.tr("‹ Back"))
        self.back_button.setAccessibleName(self.tr("Back"))
        self.title.setText(self.tr("Enter your amount"))
        self.keypad.retranslate()
        self._refresh()

    def set_monthly(self, monthly: bool) -> None:
        """The amount will be given every month: say so on Continue."""
        self._monthly = monthly
        self._refresh()

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
        if not self._text:
            self.display.setText(typed_amount("0", c.currency))
            self.display.setProperty("state", "empty")
            self.hint.setText(range_text)
            self.hint.setProperty("state", "")
        else:
            self.display.setText(typed_amount(self._text, c.currency))
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
        if valid and self._monthly:
            self.continue_button.setText(self.tr("Give {amount} a month").format(
                amount=money(self.minor() or 0, c.currency)))
        elif valid:
            self.continue_button.setText(self.tr("Give {amount}").format(
                amount=money(self.minor() or 0, c.currency)))
        else:
            self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setAccessibleName(self.continue_button.text())

    def _submit(self) -> None:
        if self.is_valid():
            self.chosen.emit(self._text.rstrip("."))
