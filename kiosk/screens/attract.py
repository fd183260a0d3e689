"""The attract screen: the campaign, its total and its progress, and a big way in."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import language_name
from kiosk.layout import Page, Profile, design, set_direction
from kiosk.model import Campaign, Totals
from kiosk.screens.base import button, label, repolish
from kiosk.text import money, number
from kiosk.widgets.counter import CountUpLabel
from kiosk.widgets.progress import GoalProgress
from kiosk.widgets.ticker import GiftTicker, TickerItem


class AttractScreen(Page):
    start = Signal()
    language_chosen = Signal(str)  # a code of the campaign's [campaign] languages

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attractScreen")
        self._campaign = Campaign()
        self._totals: Totals | None = None
        self._recent: list[TickerItem] | None = None
        self._loading = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        body = QVBoxLayout()
        design(body, margins=(96, 40, 96, 40), spacing=12)
        outer.addLayout(body, 1)

        # One pill per language, each in its own words; only when there is a choice.
        self.language_row = QHBoxLayout()
        design(self.language_row, spacing=16)
        self.language_row.addStretch(1)
        self.language_buttons: dict[str, QPushButton] = {}
        self._language_group = QButtonGroup(self)
        self._language_group.setExclusive(True)
        body.addLayout(self.language_row)

        self.name_label = label("", "campaign", "campaignName")
        self.tagline_label = label("", "tagline", "taglineLabel")
        body.addWidget(self.name_label)
        body.addWidget(self.tagline_label)
        body.addStretch(2)

        self.raised_caption = label("", "caption")
        body.addWidget(self.raised_caption)
        self.total_label = CountUpLabel(lambda minor: money(minor, "usd"))
        self.total_label.setObjectName("totalLabel")
        self.total_label.setProperty("role", "total")
        self.total_label.setText("—")
        body.addWidget(self.total_label)

        self.progress = GoalProgress()
        self.progress.setObjectName("goalProgress")
        design(self.progress, fixed_h=44)
        body.addWidget(self.progress)

        self.stats = stats = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(stats, spacing=48)
        self.goal_label = label("", "stat", "goalLabel", wrap=False)
        self.pending_label = label("", "statPending", "pendingLabel", wrap=False)
        self.donors_label = label("", "stat", "donorsLabel", wrap=False,
                                  align=Qt.AlignmentFlag.AlignRight)
        stats.addWidget(self.goal_label)
        stats.addWidget(self.pending_label)
        stats.addStretch(1)
        stats.addWidget(self.donors_label)
        body.addLayout(stats)
        body.addStretch(3)

        self.start_button = button("", "startButton", "hero", min_height=120)
        self.start_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        design(self.start_button, min_w=480, min_h=120, tap=True)
        self.start_button.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.start_button)
        row.addStretch(1)
        body.addLayout(row)
        body.addStretch(1)

        self.ticker_band = QFrame()
        self.ticker_band.setObjectName("tickerBand")
        band = QHBoxLayout(self.ticker_band)
        design(band, margins=(48, 0, 0, 0), spacing=32)
        self.ticker_caption = label("", "tickerCaption", wrap=False)
        band.addWidget(self.ticker_caption)
        self.ticker = GiftTicker()
        self.ticker.setObjectName("giftTicker")
        design(self.ticker, fixed_h=96)
        band.addWidget(self.ticker, 1)
        outer.addWidget(self.ticker_band)
        self.retranslate()
        self.set_loading()

    def retranslate(self) -> None:
        """Every text in the donor's language now (kiosk.i18n switched it)."""
        self.setAccessibleName(self.tr("Welcome"))
        self.raised_caption.setText(self.tr("Raised so far"))
        self.progress.setAccessibleName(self.tr("Progress towards the goal"))
        self.start_button.setText(self.tr("Tap to give"))
        self.start_button.setAccessibleName(self.tr("Tap to give"))
        self.ticker_caption.setText(self.tr("Recent gifts"))
        if self._loading:
            self.set_loading()
        else:
            self.set_campaign(self._campaign)
        if self._totals is not None:
            self.set_totals(self._totals, animate=False)
        if self._recent is not None:
            self.set_recent(self._recent)

    def set_languages(self, languages: list[str], current: str) -> None:
        """The language pills, the current one checked (none for a single language)."""
        for old in self.language_buttons.values():
            self._language_group.removeButton(old)
            self.language_row.removeWidget(old)
            old.deleteLater()
        self.language_buttons = {}
        if len(languages) < 2:
            return
        for code in languages:
            pill = button(language_name(code), f"languageButton_{code}", "language",
                          min_height=64)
            pill.setCheckable(True)
            pill.setChecked(code == current)
            pill.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            # Each name is read in its own language by a screen reader, whatever the
            # language around it.
            pill.setLocale(QLocale(code))
            pill.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            self._language_group.addButton(pill)
            self.language_row.addWidget(pill)
            self.language_buttons[code] = pill

    def show_language(self, current: str) -> None:
        for code, pill in self.language_buttons.items():
            pill.setChecked(code == current)

    def apply_profile(self, profile: Profile) -> None:
        self.start_button.setProperty("compact", profile.portrait)
        repolish(self.start_button)
        # A narrow portrait screen stacks the goal, "on its way" and the donor count.
        set_direction(self.stats, profile.portrait and profile.width < 1000)
        self.donors_label.setAlignment(
            Qt.AlignmentFlag.AlignLeft if profile.portrait and profile.width < 1000
            else Qt.AlignmentFlag.AlignRight)

    def set_loading(self) -> None:
        self._loading = True
        self.name_label.setText(self.tr("Welcome"))
        self.tagline_label.setText(self.tr("Getting the kiosk ready…"))
        self.start_button.setEnabled(False)

    def set_campaign(self, campaign: Campaign) -> None:
        self._loading = False
        self._campaign = campaign
        self.name_label.setText(campaign.name)
        self.tagline_label.setText(campaign.tagline)
        self.tagline_label.setVisible(bool(campaign.tagline))
        self.start_button.setEnabled(True)
        self.total_label.set_formatter(self.formatter())

    def formatter(self) -> Callable[[int], str]:
        currency = self._campaign.currency
        return lambda minor: money(minor, currency)  # cents whenever the total has them

    def set_totals(self, totals: Totals, *, animate: bool = True) -> None:
        self._totals = totals
        currency = self._campaign.currency
        goal = totals.goal_minor or self._campaign.goal_minor
        self.total_label.set_amount(totals.total_minor, animate=animate)
        self.progress.set_amounts(totals.total_minor, totals.pending_minor, goal)
        if goal > 0:
            percent = min(999, totals.total_minor * 100 // goal)
            self.goal_label.setText(self.tr("{percent}% of the {goal} goal").format(
                percent=number(percent), goal=money(goal, currency)))
        else:
            self.goal_label.setText("")
        if totals.pending_minor > 0:
            self.pending_label.setText(self.tr("+ {amount} on its way").format(
                amount=money(totals.pending_minor, currency)))
        else:
            self.pending_label.setText("")
        if totals.count == 1:
            self.donors_label.setText(self.tr("1 donor"))
        else:
            self.donors_label.setText(self.tr("{n} donors").format(n=number(totals.count)))
        self.progress.setAccessibleDescription(self.goal_label.text())

    def set_recent(self, items: list[TickerItem]) -> None:
        self._recent = items
        self.ticker.set_items(items, self.tr("Be the first to give today"))
