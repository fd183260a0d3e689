"""`charter-kiosk display`: a live totals board for a big screen (nothing to touch)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QColor
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from backend.result import Result
from kiosk.answers import carried, standing, unpacked
from kiosk.i18n import Language
from kiosk.layout import Profile, design, set_direction
from kiosk.model import Campaign, Ready, RecentGift, Standing, Totals
from kiosk.screens.base import label
from kiosk.services import Services
from kiosk.session import KioskSession
from kiosk.text import method_label, money, number, time_ago
from kiosk.widgets.chart import GiftsChart
from kiosk.widgets.counter import CountUpLabel
from kiosk.widgets.progress import GoalProgress
from kiosk.workers import RelaySyncThread

log = logging.getLogger("charter.display")

RECENT_ROWS = 7


class DisplayWindow(QWidget):
    def __init__(self, services: Services, *, demo: bool = False, refresh_ms: int = 30_000,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("displayWindow")
        self.setWindowTitle(self.tr("Charter Kiosk · live total"))
        self.services = services
        self.want_demo = demo
        self.campaign = Campaign()
        self.totals = Totals()
        self._shut_down = False
        self._recent: tuple[RecentGift, ...] = ()

        outer = QVBoxLayout(self)
        design(outer, margins=(80, 56, 80, 48), spacing=24)
        top = QHBoxLayout()
        self.name_label = label(self.tr("Welcome"), "boardTitle", "boardTitle", wrap=False)
        top.addWidget(self.name_label, 1)
        self.test_badge = label("", "badge", "testModeBanner", wrap=False)
        self.test_badge.setProperty("tone", "test")
        self.test_badge.setVisible(False)
        top.addWidget(self.test_badge)
        outer.addLayout(top)

        # Landscape: the total beside the recent gifts; portrait (a totem): stacked.
        self.middle = middle = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(middle, spacing=64)
        outer.addLayout(middle, 3)
        left = QVBoxLayout()
        design(left, spacing=12)
        left.addStretch(1)
        self.raised_caption = label("", "boardCaption")
        left.addWidget(self.raised_caption)
        self.total_label = CountUpLabel(lambda minor: money(minor, "usd"))
        self.total_label.setObjectName("totalLabel")
        self.total_label.setProperty("role", "boardTotal")
        self.total_label.setText("—")
        left.addWidget(self.total_label)
        self.progress = GoalProgress()
        self.progress.setObjectName("goalProgress")
        design(self.progress, fixed_h=48)
        self.progress.track = QColor("#1E4A3B")
        self.progress.fill = QColor("#7CE0B5")
        self.progress.pending_fill = QColor("#3E8C6D")
        left.addWidget(self.progress)
        self.stats = stats = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(stats, spacing=48)
        self.goal_label = label("", "boardStat", "goalLabel", wrap=False)
        self.donors_label = label("", "boardStat", "donorsLabel", wrap=False)
        self.pending_label = label("", "boardStatMuted", "pendingLabel", wrap=False)
        # The total is net: when refunds or voids took money out, say so beside it,
        # so the number on the wall can be explained by the gifts behind it.
        self.net_label = label("", "boardStatMuted", "netLabel", wrap=False)
        stats.addWidget(self.goal_label)
        stats.addWidget(self.pending_label)
        stats.addWidget(self.net_label)
        stats.addStretch(1)
        stats.addWidget(self.donors_label)
        left.addLayout(stats)
        left.addStretch(1)
        middle.addLayout(left, 3)

        recent_frame = QFrame()
        recent_frame.setObjectName("boardPanel")
        recent = QVBoxLayout(recent_frame)
        design(recent, margins=(32, 24, 32, 24))
        self.recent_caption = label("", "boardCaption")
        recent.addWidget(self.recent_caption)
        self.recent_grid = QGridLayout()
        design(self.recent_grid, vspacing=10, hspacing=20)
        self.recent_rows: list[tuple[Any, Any, Any]] = []
        for row in range(RECENT_ROWS):
            amount = label("", "boardGiftAmount", wrap=False)
            who = label("", "boardGiftWho", wrap=False)
            ago = label("", "boardGiftAgo", wrap=False, align=Qt.AlignmentFlag.AlignRight)
            self.recent_grid.addWidget(amount, row, 0)
            self.recent_grid.addWidget(who, row, 1)
            self.recent_grid.addWidget(ago, row, 2)
            self.recent_rows.append((amount, who, ago))
        self.recent_grid.setColumnStretch(1, 1)
        recent.addLayout(self.recent_grid)
        recent.addStretch(1)
        middle.addWidget(recent_frame, 2)

        chart_frame = QFrame()
        chart_frame.setObjectName("boardPanel")
        chart_layout = QVBoxLayout(chart_frame)
        design(chart_layout, margins=(32, 20, 32, 16))
        self.chart_caption = label("", "boardCaption")
        chart_layout.addWidget(self.chart_caption)
        self.chart = GiftsChart(lambda minor: money(minor, "usd"))
        self.chart.setObjectName("giftsChart")
        chart_layout.addWidget(self.chart, 1)
        outer.addWidget(chart_frame, 2)

        self.recent_frame = recent_frame
        self.language = Language(self)
        self.retranslate()
        # The background, as a kiosk's: a board on its own machine follows the campaign
        # through the relay too. It reconciles nothing: that is the kiosks' work.
        self.session = KioskSession(services, name="display", demo=demo, reconcile=False,
                                    languages=1, parent=self)
        self.session.ready.connect(self._on_ready)
        self.session.not_ready.connect(self._on_not_ready)
        self.session.total_moved.connect(lambda _snapshot: self.refresh())
        # The totals watcher sees counted gifts; a relay batch can also move what is "on
        # its way" (a crypto payment confirming), which only a refresh shows.
        self.session.relay_applied.connect(self.refresh)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.refresh)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.session.start()

    @property
    def sync(self) -> RelaySyncThread | None:
        return self.session.sync

    def retranslate(self) -> None:
        """The board speaks the campaign's default language (its first in kiosk.toml)."""
        self.setWindowTitle(self.tr("Charter Kiosk · live total"))
        self.test_badge.setText(self.tr("TEST MODE"))
        self.raised_caption.setText(self.tr("Raised so far"))
        self.progress.setAccessibleName(self.tr("Progress towards the goal"))
        self.recent_caption.setText(self.tr("Recent gifts"))
        self.chart_caption.setText(self.tr("Gifts over time"))
        self.chart.empty_text = self.tr("The chart fills in as gifts arrive.")
        self.chart.update()

    def apply_profile(self, profile: Profile) -> None:
        set_direction(self.middle, profile.portrait)
        set_direction(self.stats, profile.portrait and profile.width < 1000)
        self.chart.scale = profile.scale

    def _submit(self, tag: str, job: Callable[[], Result], handler: Callable[[Result], None]
                ) -> None:
        self.session.submit(tag, job, lambda result, _tag: handler(result),
                            worker=self.session.query_worker)

    def _on_not_ready(self, _error: str) -> None:
        self.name_label.setText(self.tr("Waiting for the kiosk database…"))

    def _on_ready(self, ready: Ready) -> None:
        self.campaign = ready.campaign
        self.language.set_catalogs(ready.catalogs)
        if self.language.current != self.campaign.default_language and \
                self.language.switch(self.campaign.default_language):
            self.setLayoutDirection(self.language.direction())
            self.retranslate()
        self.name_label.setText(self.campaign.name)
        self.test_badge.setVisible(self.campaign.mode != "live")
        currency = self.campaign.currency

        def formatter(minor: int) -> str:
            return money(minor, currency)

        self.total_label.set_formatter(formatter)
        self.chart.set_formatter(formatter)
        self.totals.take(ready.totals)
        self._show_totals(animate=False)
        self.session.follow(self.campaign.campaign_id, self.campaign.relay_url)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        services = self.services
        self._submit("refresh", lambda: carried(standing(services, recent=RECENT_ROWS,
                                                         points_minutes=1)), self._on_refresh)

    def _on_refresh(self, result: Result) -> None:
        answer = unpacked(result)
        if not isinstance(answer, Standing):
            return
        self.totals.take(answer.totals)
        self._show_totals()
        if answer.recent is not None:
            self._recent = answer.recent
            self._show_recent()
        if answer.points is not None:
            self.chart.set_points(answer.points)

    def _show_totals(self, *, animate: bool = True) -> None:
        currency = self.campaign.currency
        totals = self.totals
        goal = totals.goal_minor or self.campaign.goal_minor
        self.total_label.set_amount(totals.total_minor, animate=animate)
        self.progress.set_amounts(totals.total_minor, totals.pending_minor, goal)
        if goal:
            self.goal_label.setText(self.tr("{percent}% of {goal}").format(
                percent=number(min(999, totals.total_minor * 100 // goal)),
                goal=money(goal, currency)))
        self.pending_label.setText(self.tr("+ {amount} on its way").format(
            amount=money(totals.pending_minor, currency))
            if totals.pending_minor else "")
        self.net_label.setText(self.tr("{gross} given · {out} refunded or voided").format(
            gross=money(totals.gross_minor, currency), out=money(-totals.corrections_minor,
                                                                  currency))
            if totals.corrections_minor else "")
        self.donors_label.setText(self.tr("{n} donors").format(n=number(totals.count))
                                  if totals.count != 1 else self.tr("1 donor"))

    def _show_recent(self) -> None:
        for index, (amount, who, ago) in enumerate(self.recent_rows):
            if index < len(self._recent):
                gift = self._recent[index]
                amount.setText(money(gift.amount_minor, gift.currency))
                name = gift.display_name or self.tr("Anonymous")
                who.setText(f"{name} · {method_label(gift.method, gift.coin)}")
                ago.setText(time_ago(gift.created_at))
            else:
                for widget in (amount, who, ago):
                    widget.setText("")
        if not self._recent:
            self.recent_rows[0][1].setText(self.tr("The first gift will appear here."))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        self.timer.stop()
        self.session.shutdown()
        self.language.release()
