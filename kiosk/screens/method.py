"""Choosing how to pay: card on the donor's phone, or a coin; and an optional name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.layout import Page, Profile, current_page_sizes, design
from kiosk.model import Campaign, FeeQuote
from kiosk.screens.base import button, header, label
from kiosk.text import breakable, coin_button_text, coin_name, money
from kiosk.widgets.keyboard import LetterKeyboard

NAME_MAX = 40


class MethodScreen(Page):
    card = Signal()
    tap = Signal()
    crypto = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("methodScreen")
        self._campaign: Campaign | None = None
        self._visit: tuple[str, int, str, int] | None = None
        self._monthly = False
        self._fees: dict[str, FeeQuote] = {}
        self._pages = QStackedLayout(self)
        self._choices = Page()
        self._pages.addWidget(self._choices)
        self._name_page = Page()
        self._name_page.setObjectName("namePage")
        self._pages.addWidget(self._name_page)
        self._build_choices()
        self._build_name_page()
        current_page_sizes(self._pages)
        self.coin_buttons: list[QWidget] = []
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Choose how to pay"))
        self.back_button.setText(self.tr("‹ Back"))
        self.back_button.setAccessibleName(self.tr("Back"))
        self.tap_button.setText(self.tr("Tap card"))
        self.tap_button.setAccessibleName(self.tr("Pay by tapping a card or phone on the reader"))
        self.name_title.setText(self.tr("Your name on the donor wall"))
        self.name_lead.setText(self.tr("Optional. It appears with your gift on the screens "
                                       "here. Leave it empty to stay anonymous."))
        self.name_edit.setAccessibleName(self.tr("Display name"))
        self.name_edit.setPlaceholderText(self.tr("Anonymous"))
        self.anonymous_button.setText(self.tr("Stay anonymous"))
        self.anonymous_button.setAccessibleName(self.anonymous_button.text())
        self.done_button.setText(self.tr("Done"))
        self.done_button.setAccessibleName(self.done_button.text())
        if self._keyboard is not None:
            self._keyboard.retranslate()
        self.fee_toggle.setText(self.tr("Cover the fee"))
        self.fee_toggle.setAccessibleName(self.tr("Cover the fee"))
        self._show_card_texts()
        for coin_button in self.coin_buttons:  # in place: the buttons stay the same
            coin = str(coin_button.property("coin"))
            coin_button.setAccessibleName(self.tr("Pay with {coin}").format(
                coin=coin_name(coin)))
        self._show_methods()
        self._show_name_status()
        if self._visit is not None:
            self._show_visit()

    # --- the main page ---------------------------------------------------------

    def _build_choices(self) -> None:
        layout = QVBoxLayout(self._choices)
        design(layout, margins=(72, 48, 72, 48), spacing=24)
        self.back_button = button("", "methodBackButton", "ghost")
        self.back_button.clicked.connect(self.back)
        self.title = label("", "h1", "methodTitle", align=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(header(self.title, self.back_button))
        layout.addStretch(1)

        self.card_button = button("", "payCardButton", "primary", min_height=110)
        self.card_button.clicked.connect(self.card)
        # The card choices side by side: with a reader, "Tap card" sits beside the phone.
        card_row = QHBoxLayout()
        design(card_row, spacing=20)
        card_row.addWidget(self.card_button)
        layout.addLayout(card_row)
        self.card_hint = label("", "hint", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.card_hint)
        # Shown when the kiosk has a card reader: the fastest gift there is.
        self.tap_button = button("", "payTapButton", "primary", min_height=110)
        self.tap_button.clicked.connect(self.tap)
        self.tap_button.setVisible(False)
        card_row.addWidget(self.tap_button)

        self.crypto_caption = label("", "h2", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.crypto_caption)
        self.coin_grid = QGridLayout()
        design(self.coin_grid, spacing=20)
        layout.addLayout(self.coin_grid)
        layout.addStretch(1)

        # [fees]: the donor may add the processing fee, so the charity gets the whole gift.
        fee_row = QHBoxLayout()
        fee_row.setContentsMargins(0, 0, 0, 0)
        design(fee_row, spacing=24)
        self.fee_toggle = button("", "coverFeeToggle", "toggle")
        self.fee_toggle.setCheckable(True)
        self.fee_toggle.toggled.connect(lambda _on: self._show_fee())
        fee_row.addWidget(self.fee_toggle)
        self.fee_line = label("", "feeLine", "feeLine")
        fee_row.addWidget(self.fee_line, 1)
        self.fee_row = QWidget()
        self.fee_row.setLayout(fee_row)
        self.fee_row.setVisible(False)
        layout.addWidget(self.fee_row)

        name_row = QHBoxLayout()
        design(name_row, spacing=24)
        self.name_status = label("", "lead", "nameStatus")
        name_row.addWidget(self.name_status, 1)
        self.name_button = button("", "addNameButton", "secondary")
        design(self.name_button, min_w=320)
        self.name_button.clicked.connect(self._open_name)
        name_row.addWidget(self.name_button)
        layout.addLayout(name_row)

    def apply_profile(self, profile: Profile) -> None:
        # A short screen keeps only what a donor needs to act on.
        short = profile.height < 700
        self.card_hint.setVisible(not short)
        self.name_lead.setVisible(not short)

    def _show_card_texts(self) -> None:
        tap = self._campaign is not None and self._campaign.tap and not self._monthly
        if tap:
            self.card_button.setText(self.tr("Pay on my phone"))
            self.card_hint.setText(self.tr("On your phone: scan a code. Tap card: use the reader "
                                           "beside this screen."))
        else:
            self.card_button.setText(self.tr("Card, Apple Pay or Google Pay"))
            self.card_hint.setText(self.tr("Every month by card: scan a code and set it up on "
                                           "your own phone.") if self._monthly else
                                   self.tr("Scan a code and pay securely on your own phone."))
        self.card_button.setAccessibleName(self.tr("Pay by card, Apple Pay or Google Pay"))

    def set_campaign(self, campaign: Campaign) -> None:
        self._campaign = campaign
        for old in self.coin_buttons:
            self.coin_grid.removeWidget(old)
            old.hide()  # off the page now (staff may pair a reader at any time)
            old.deleteLater()
        self.coin_buttons = []
        columns = 3 if len(campaign.coins) > 4 else max(1, len(campaign.coins))
        for index, coin in enumerate(campaign.coins):
            widget = button(coin_button_text(coin),
                            f"payCryptoButton_{coin}", "coin",
                            accessible=self.tr("Pay with {coin}").format(coin=coin_name(coin)),
                            min_height=110)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            widget.clicked.connect(lambda _=False, c=coin: self.crypto.emit(c))
            widget.setProperty("coin", coin)
            self.coin_grid.addWidget(widget, index // columns, index % columns)
            self.coin_buttons.append(widget)
        self._show_methods()

    def _show_methods(self) -> None:
        """A monthly gift is made by card on the phone: no reader, no coins."""
        campaign = self._campaign or Campaign()
        self.tap_button.setVisible(campaign.tap and not self._monthly)
        self._show_card_texts()
        self.crypto_caption.setVisible(bool(campaign.coins) and not self._monthly)
        for coin_button in self.coin_buttons:
            coin_button.setVisible(not self._monthly)

    def prepare(self, amount_text: str, amount_minor: int, crypto_min_text: str = "",
                crypto_min_minor: int = 0, *, monthly: bool = False,
                fees: dict[str, FeeQuote] | None = None) -> None:
        """A fresh visit: the amount in the title, anonymous again, the main page; a
        monthly gift is card only; `fees` are what covering the fee adds, per method."""
        self._visit = (amount_text, amount_minor, crypto_min_text, crypto_min_minor)
        self._monthly = monthly
        self._fees = {method: quote for method, quote in (fees or {}).items()
                      if method == "card" or not monthly}
        self._show_methods()
        self.fee_toggle.setChecked(False)
        self.name_edit.clear()
        self._show_visit()
        self._show_name_status()
        self._pages.setCurrentWidget(self._choices)

    def _show_visit(self) -> None:
        assert self._visit is not None
        amount_text, amount_minor, crypto_min_text, crypto_min_minor = self._visit
        self.title.setText(
            self.tr("How would you like to give {amount} a month?").format(amount=amount_text)
            if self._monthly else
            self.tr("How would you like to give {amount}?").format(amount=amount_text))
        crypto_ok = amount_minor >= crypto_min_minor
        for widget in self.coin_buttons:
            widget.setEnabled(crypto_ok)
        self.crypto_caption.setText(self.tr("Or give in crypto") if crypto_ok else
                                    self.tr("Crypto gifts start at {low}").format(
                                        low=crypto_min_text))
        self._show_fee()

    def cover_fee(self) -> bool:
        """The donor adds the processing fee to their gift."""
        return bool(self._fees) and self.fee_toggle.isChecked()

    def _show_fee(self) -> None:
        self.fee_row.setVisible(bool(self._fees))
        if not self._fees:
            return
        on = self.fee_toggle.isChecked()
        self.fee_toggle.setText(("✓ " if on else "") + self.tr("Cover the fee"))
        self.fee_toggle.setAccessibleName(self.tr("Cover the fee"))
        quote = next(iter(self._fees.values()))  # the card's, when the card has one

        def shown(minor: int) -> str:
            return money(minor, quote.currency, exact=True)  # "$25.00 + $1.03 fee"

        over = [q for q in self._fees.values() if q.over_limit]
        self.fee_toggle.setEnabled(not over)
        if over:
            # Refused with the limit shown, before the donor pays rather than after.
            self.fee_toggle.setChecked(False)
            self.fee_line.setText(self.tr("With the fee, this gift would be over this kiosk's "
                                          "limit of {limit}.").format(
                                              limit=shown(quote.max_minor)))
        elif not on:
            self.fee_line.setText(self.tr("Add {fee} so the charity receives your whole gift.")
                                  .format(fee=shown(quote.fee_minor)))
        elif "card" not in self._fees:
            # Only crypto has a fee here: say it is crypto's.
            self.fee_line.setText(self.tr("In crypto: + {fee} fee = {total}").format(
                fee=shown(quote.fee_minor), total=shown(quote.total_minor)))
        else:
            # The card's sum first; crypto's, when its fee differs, after it.
            lines = [self.tr("You give {gift} + {fee} fee = {total}").format(
                gift=shown(quote.gift_minor), fee=shown(quote.fee_minor),
                total=shown(quote.total_minor))]
            card, crypto = self._fees.get("card"), self._fees.get("crypto")
            if card and crypto and crypto.fee_minor != card.fee_minor:
                lines.append(self.tr("In crypto: + {fee} fee = {total}").format(
                    fee=shown(crypto.fee_minor), total=shown(crypto.total_minor)))
            self.fee_line.setText("\n".join(lines))
        self.fee_line.setAccessibleName(self.fee_line.text())

    def display_name(self) -> str | None:
        name = " ".join(self.name_edit.text().split())
        return name or None

    def _show_name_status(self) -> None:
        name = self.display_name()
        if name:
            self.name_status.setText(self.tr("Your gift will be shown as “{name}”.").format(
                name=breakable(name)))
            self.name_button.setText(self.tr("Change name"))
            self.name_button.setAccessibleName(self.name_button.text())
        else:
            self.name_status.setText(self.tr("Your gift will be shown as Anonymous."))
            self.name_button.setText(self.tr("Add my name"))
            self.name_button.setAccessibleName(self.tr("Show my name on the donor wall"))

    # --- the name page -----------------------------------------------------------

    def _build_name_page(self) -> None:
        layout = QVBoxLayout(self._name_page)
        design(layout, margins=(72, 48, 72, 48), spacing=24)
        self.name_title = label("", "h1", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.name_title)
        self.name_lead = label("", "lead", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.name_lead)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("displayNameEdit")
        self.name_edit.setMaxLength(NAME_MAX)
        design(self.name_edit, min_h=96, tap=True)
        self.name_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.name_edit)
        self._keyboard: LetterKeyboard | None = None
        self._keyboard_slot = QVBoxLayout()
        self._keyboard_slot.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._keyboard_slot, 1)
        row = QHBoxLayout()
        design(row, spacing=24)
        self.anonymous_button = button("", "stayAnonymousButton", "secondary")
        self.anonymous_button.clicked.connect(self._stay_anonymous)
        self.done_button = button("", "nameDoneButton", "primary")
        self.done_button.clicked.connect(self._close_name)
        row.addWidget(self.anonymous_button)
        row.addWidget(self.done_button)
        layout.addLayout(row)

    def _type(self, key: str) -> None:
        text = self.name_edit.text()
        if key == "back":
            text = text[:-1]
        elif len(text) < NAME_MAX:
            starts_word = not text or text.endswith((" ", "-"))
            text += key.upper() if starts_word else key.lower()
        self.name_edit.setText(text)

    @property
    def keyboard(self) -> LetterKeyboard:
        """Built the first time a donor adds a name: most never do, and its 30 keys were a
        tenth of what the window styled and laid out at start-up."""
        if self._keyboard is None:
            self._keyboard = LetterKeyboard()
            self._keyboard.pressed.connect(self._type)
            self._keyboard_slot.addWidget(self._keyboard)
        return self._keyboard

    def _open_name(self) -> None:
        self.keyboard.show()
        self._pages.setCurrentWidget(self._name_page)

    def _stay_anonymous(self) -> None:
        self.name_edit.clear()
        self._close_name()

    def _close_name(self) -> None:
        self._show_name_status()
        self._pages.setCurrentWidget(self._choices)
