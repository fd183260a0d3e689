"""The attract screen: the campaign, its total and its progress, and a big way in."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.layout import Profile, design, set_direction
from kiosk.model import Campaign, Totals
from kiosk.screens.base import button, label
from kiosk.text import money
from kiosk.widgets.counter import CountUpLabel
from kiosk.widgets.progress import GoalProgress
from kiosk.widgets.ticker import GiftTicker, TickerItem


class AttractScreen(QWidget):
    start = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attractScreen")
        self.setAccessibleName(self.tr("Welcome"))
        self._campaign = Campaign()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        body = QVBoxLayout()
        design(body, margins=(96, 56, 96, 40), spacing=12)
        outer.addLayout(body, 1)

        self.name_label = label("", "campaign", "campaignName")
        self.tagline_label = label("", "tagline", "taglineLabel")
        body.addWidget(self.name_label)
        body.addWidget(self.tagline_label)
        body.addStretch(2)

        self.raised_caption = label(self.tr("Raised so far"), "caption")
        body.addWidget(self.raised_caption)
        self.total_label = CountUpLabel(lambda minor: money(minor, "usd"))
        self.total_label.setObjectName("totalLabel")
        self.total_label.setProperty("role", "total")
        self.total_label.setText("—")
        body.addWidget(self.total_label)

        self.progress = GoalProgress()
        self.progress.setObjectName("goalProgress")
        self.progress.setAccessibleName(self.tr("Progress towards the goal"))
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

        self.start_button = button(self.tr("Tap to give"), "startButton", "hero",
                                   accessible=self.tr("Tap to give"), min_height=120)
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
        self.ticker_caption = label(self.tr("Recent gifts"), "tickerCaption", wrap=False)
        band.addWidget(self.ticker_caption)
        self.ticker = GiftTicker()
        self.ticker.setObjectName("giftTicker")
        design(self.ticker, fixed_h=96)
        band.addWidget(self.ticker, 1)
        outer.addWidget(self.ticker_band)
        self.set_loading()

    def apply_profile(self, profile: Profile) -> None:
        # A narrow portrait screen stacks the goal, "on its way" and the donor count.
        set_direction(self.stats, profile.portrait and profile.width < 1000)
        self.donors_label.setAlignment(
            Qt.AlignmentFlag.AlignLeft if profile.portrait and profile.width < 1000
            else Qt.AlignmentFlag.AlignRight)

    def set_loading(self) -> None:
        self.name_label.setText(self.tr("Welcome"))
        self.tagline_label.setText(self.tr("Getting the kiosk ready…"))
        self.start_button.setEnabled(False)

    def set_campaign(self, campaign: Campaign) -> None:
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
        currency = self._campaign.currency
        goal = totals.goal_minor or self._campaign.goal_minor
        self.total_label.set_amount(totals.total_minor, animate=animate)
        self.progress.set_amounts(totals.total_minor, totals.pending_minor, goal)
        if goal > 0:
            percent = min(999, totals.total_minor * 100 // goal)
            self.goal_label.setText(self.tr("{percent}% of the {goal} goal").format(
                percent=percent, goal=money(goal, currency)))
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
            self.donors_label.setText(self.tr("{n} donors").format(n=f"{totals.count:,}"))
        self.progress.setAccessibleDescription(self.goal_label.text())

    def set_recent(self, items: list[TickerItem]) -> None:
        self.ticker.set_items(items, self.tr("Be the first to give today"))
