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

from kiosk.layout import Profile, current_page_sizes, design
from kiosk.model import Campaign
from kiosk.screens.base import button, header, label
from kiosk.text import breakable, coin_button_text, coin_name
from kiosk.widgets.keyboard import LetterKeyboard

NAME_MAX = 40


class MethodScreen(QWidget):
    card = Signal()
    tap = Signal()
    crypto = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("methodScreen")
        self.setAccessibleName(self.tr("Choose how to pay"))
        self._pages = QStackedLayout(self)
        self._choices = QWidget()
        self._pages.addWidget(self._choices)
        self._name_page = QWidget()
        self._name_page.setObjectName("namePage")
        self._pages.addWidget(self._name_page)
        self._build_choices()
        self._build_name_page()
        current_page_sizes(self._pages)
        self.coin_buttons: list[QWidget] = []

    # --- the main page ---------------------------------------------------------

    def _build_choices(self) -> None:
        layout = QVBoxLayout(self._choices)
        design(layout, margins=(72, 48, 72, 48), spacing=24)
        back = button(self.tr("‹ Back"), "methodBackButton", "ghost", accessible=self.tr("Back"))
        back.clicked.connect(self.back)
        self.title = label("", "h1", "methodTitle", align=Qt.AlignmentFlag.AlignCenter)
        layout.addLayout(header(self.title, back))
        layout.addStretch(1)

        self.card_button = button(
            self.tr("Card, Apple Pay or Google Pay"), "payCardButton", "primary",
            accessible=self.tr("Pay by card, Apple Pay or Google Pay"), min_height=110)
        self.card_button.clicked.connect(self.card)
        # The card choices side by side: with a reader, "Tap card" sits beside the phone.
        card_row = QHBoxLayout()
        design(card_row, spacing=20)
        card_row.addWidget(self.card_button)
        layout.addLayout(card_row)
        self.card_hint = label(self.tr("Scan a code and pay securely on your own phone."),
                               "hint", align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.card_hint)
        # Shown when the kiosk has a card reader: the fastest gift there is.
        self.tap_button = button(self.tr("Tap card"), "payTapButton", "primary",
                                 accessible=self.tr("Pay by tapping a card or phone on the "
                                                    "reader"), min_height=110)
        self.tap_button.clicked.connect(self.tap)
        self.tap_button.setVisible(False)
        card_row.addWidget(self.tap_button)

        self.crypto_caption = label(self.tr("Or give in crypto"), "h2",
                                    align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.crypto_caption)
        self.coin_grid = QGridLayout()
        design(self.coin_grid, spacing=20)
        layout.addLayout(self.coin_grid)
        layout.addStretch(1)

        name_row = QHBoxLayout()
        design(name_row, spacing=24)
        self.name_status = label("", "lead", "nameStatus")
        name_row.addWidget(self.name_status, 1)
        self.name_button = button(self.tr("Add my name"), "addNameButton", "secondary",
                                  accessible=self.tr("Show my name on the donor wall"))
        design(self.name_button, min_w=320)
        self.name_button.clicked.connect(self._open_name)
        name_row.addWidget(self.name_button)
        layout.addLayout(name_row)

    def apply_profile(self, profile: Profile) -> None:
        # A short screen keeps only what a donor needs to act on.
        short = profile.height < 700
        self.card_hint.setVisible(not short)
        self.name_lead.setVisible(not short)

    def set_campaign(self, campaign: Campaign) -> None:
        self.tap_button.setVisible(campaign.tap)
        if campaign.tap:
            self.card_button.setText(self.tr("Pay on my phone"))
            self.card_hint.setText(self.tr("On your phone: scan a code. Tap card: use the reader "
                                           "beside this screen."))
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
            self.coin_grid.addWidget(widget, index // columns, index % columns)
            self.coin_buttons.append(widget)
        self.crypto_caption.setVisible(bool(campaign.coins))

    def prepare(self, amount_text: str, amount_minor: int, crypto_min_text: str = "",
                crypto_min_minor: int = 0) -> None:
        """A fresh visit: the amount in the title, anonymous again, the main page."""
        self.title.setText(self.tr("How would you like to give {amount}?").format(
            amount=amount_text))
        crypto_ok = amount_minor >= crypto_min_minor
        for widget in self.coin_buttons:
            widget.setEnabled(crypto_ok)
        self.crypto_caption.setText(self.tr("Or give in crypto") if crypto_ok else
                                    self.tr("Crypto gifts start at {low}").format(
                                        low=crypto_min_text))
        self.name_edit.clear()
        self._show_name_status()
        self._pages.setCurrentWidget(self._choices)

    def display_name(self) -> str | None:
        name = " ".join(self.name_edit.text().split())
        return name or None

    def _show_name_status(self) -> None:
        name = self.display_name()
        if name:
            self.name_status.setText(self.tr("Your gift will be shown as “{name}”.").format(
                name=breakable(name)))
            self.name_button.setText(self.tr("Change name"))
        else:
            self.name_status.setText(self.tr("Your gift will be shown as Anonymous."))
            self.name_button.setText(self.tr("Add my name"))
        self.name_button.setAccessibleName(self.name_button.text())

    # --- the name page -----------------------------------------------------------

    def _build_name_page(self) -> None:
        layout = QVBoxLayout(self._name_page)
        design(layout, margins=(72, 48, 72, 48), spacing=24)
        layout.addWidget(label(self.tr("Your name on the donor wall"), "h1",
                               align=Qt.AlignmentFlag.AlignCenter))
        self.name_lead = label(self.tr("Optional. It appears with your gift on the screens "
                                       "here. Leave it empty to stay anonymous."), "lead",
                               align=Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.name_lead)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("displayNameEdit")
        self.name_edit.setAccessibleName(self.tr("Display name"))
        self.name_edit.setMaxLength(NAME_MAX)
        self.name_edit.setPlaceholderText(self.tr("Anonymous"))
        design(self.name_edit, min_h=96, tap=True)
        self.name_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.name_edit)
        self.keyboard = LetterKeyboard()
        self.keyboard.pressed.connect(self._type)
        layout.addWidget(self.keyboard, 1)
        row = QHBoxLayout()
        design(row, spacing=24)
        anonymous = button(self.tr("Stay anonymous"), "stayAnonymousButton", "secondary")
        anonymous.clicked.connect(self._stay_anonymous)
        done = button(self.tr("Done"), "nameDoneButton", "primary")
        done.clicked.connect(self._close_name)
        row.addWidget(anonymous)
        row.addWidget(done)
        layout.addLayout(row)

    def _type(self, key: str) -> None:
        text = self.name_edit.text()
        if key == "back":
            text = text[:-1]
        elif len(text) < NAME_MAX:
            starts_word = not text or text.endswith((" ", "-"))
            text += key.upper() if starts_word else key.lower()
        self.name_edit.setText(text)

    def _open_name(self) -> None:
        self._pages.setCurrentWidget(self._name_page)

    def _stay_anonymous(self) -> None:
        self.name_edit.clear()
        self._close_name()

    def _close_name(self) -> None:
        self._show_name_status()
        self._pages.setCurrentWidget(self._choices)
