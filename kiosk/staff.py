"""Staff mode: totals by method, recent and pending payments, sync status, and the tools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.layout import Profile, current_page_sizes, design, set_direction
from kiosk.model import Campaign, RecentGift, Totals
from kiosk.screens.base import button, label, repolish
from kiosk.staff_cash import CashGiftPage
from kiosk.staff_checks import ChecksPage
from kiosk.staff_status import StatusColumn
from kiosk.staff_terminal import TerminalPage
from kiosk.staff_void import VoidPage
from kiosk.text import method_label, money, parse_time, time_ago
from kiosk.widgets.touch import finger_scroll


def _card(title: str, name: str) -> tuple[QFrame, Any]:
    frame = QFrame()
    frame.setObjectName("statCard")
    layout = QVBoxLayout(frame)
    design(layout, margins=(24, 16, 24, 16), spacing=2)
    layout.addWidget(label(title, "statTitle"))
    value = label("—", "statValue", name, wrap=False)
    layout.addWidget(value)
    return frame, value


class StaffScreen(ChecksPage, StatusColumn, QWidget):
    back = Signal()
    cash_gift = Signal(str, str)  # amount, display name ("" for anonymous)
    export_csv = Signal()
    pause_changed = Signal(bool)
    exit_app = Signal()
    resolve_partial = Signal(str, bool)
    refresh = Signal()
    run_checks = Signal()
    void_cash = Signal(int, str)  # donation id, reason

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staffScreen")
        self.setAccessibleName(self.tr("Staff"))
        self._campaign = Campaign()
        self._paused = False
        self._pages = QStackedLayout(self)
        self._main = QWidget()
        self._cash = CashGiftPage()
        self._cash.recorded.connect(self._record_cash)
        self._cash.cancelled.connect(self.show_main)
        self.cash_keypad = self._cash.keypad
        self.cash_hint = self._cash.hint
        self._checks = QWidget()
        self._checks.setObjectName("checksPage")
        self._pages.addWidget(self._main)
        self._pages.addWidget(self._cash)
        self._pages.addWidget(self._checks)
        self.void_page = VoidPage()
        self.void_page.void.connect(self.void_cash)
        self.void_page.back.connect(self.show_main)
        self._pages.addWidget(self.void_page)
        self.terminal_page = TerminalPage()
        self.terminal_page.back.connect(self.show_main)
        self._pages.addWidget(self.terminal_page)
        self._recent: tuple[RecentGift, ...] = ()
        self._build_main()
        self._build_checks()
        current_page_sizes(self._pages)

    # --- main page ---------------------------------------------------------------

    def _build_main(self) -> None:
        layout = QVBoxLayout(self._main)
        design(layout, margins=(48, 32, 48, 32), spacing=20)
        top = QHBoxLayout()
        design(top, spacing=16)
        self.title = label(self.tr("Staff"), "h1", wrap=False)
        top.addWidget(self.title)
        self.mode_badge = label("", "badge", "modeBadge", wrap=False)
        # TEST MODE / LIVE is never squeezed: the title gives way instead.
        self.mode_badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        top.addWidget(self.mode_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        back = button(self.tr("Back to the kiosk"), "staffBackButton", "primary", min_height=80)
        design(back, min_w=320)
        back.clicked.connect(self.back)
        top.addWidget(back)
        layout.addLayout(top)

        # Six figures: one row in landscape, two rows of three in portrait.
        self.cards = cards = QGridLayout()
        design(cards, spacing=16)
        self.card_frames: list[QFrame] = []
        self.values: dict[str, Any] = {}
        for key, title in (("total", self.tr("Net total")), ("gross", self.tr("Given")),
                           ("corrections", self.tr("Refunded / voided")),
                           ("card", self.tr("Card")), ("crypto", self.tr("Crypto")),
                           ("cash", self.tr("Cash")), ("pending", self.tr("On its way")),
                           ("count", self.tr("Gifts"))):
            frame, value = _card(title, f"staffTotal_{key}")
            self.card_frames.append(frame)
            self.values[key] = value
        layout.addLayout(cards)

        # Lists and status: three columns in landscape, stacked in portrait. Each
        # column keeps its share whatever its text: a long notice wraps, it never
        # squeezes the others.
        self.body = body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        design(body, spacing=24)
        layout.addLayout(body, 1)

        recent_box = QVBoxLayout()
        recent_box.addWidget(label(self.tr("Recent gifts"), "h3"))
        self.recent_table = QTableWidget(0, 4)
        self.recent_table.setObjectName("recentTable")
        self.recent_table.setAccessibleName(self.tr("Recent gifts"))
        self.recent_table.setHorizontalHeaderLabels(
            [self.tr("When"), self.tr("Amount"), self.tr("Method"), self.tr("Name")])
        self.recent_table.verticalHeader().setVisible(False)
        self.recent_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recent_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.recent_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.recent_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        design(self.recent_table.verticalHeader(), section=48)
        finger_scroll(self.recent_table)
        recent_box.addWidget(self.recent_table, 1)
        body.addLayout(recent_box, 5)
        self._build_status(body)  # payments in progress, the status column (staff_status.py)


        # The tools: a row of equal buttons in landscape, a grid in portrait.
        self.tools = QGridLayout()
        design(self.tools, spacing=12)
        layout.addLayout(self.tools)
        self.tool_buttons: list[QPushButton] = []
        cash = button(self.tr("Record a cash gift"), "cashGiftButton", "secondary", min_height=68)
        cash.clicked.connect(self._open_cash)
        self.tool_buttons.append(cash)
        void = button(self.tr("Void a cash gift"), "voidCashButton", "secondary", min_height=68)
        void.clicked.connect(self._open_void)
        self.tool_buttons.append(void)
        reader = button(self.tr("Card reader"), "cardReaderButton", "secondary", min_height=68)
        reader.clicked.connect(self._open_terminal)
        self.tool_buttons.append(reader)
        export = button(self.tr("Export CSV"), "exportCsvButton", "secondary", min_height=68)
        export.clicked.connect(self.export_csv)
        self.tool_buttons.append(export)
        checks = button(self.tr("Check the kiosk"), "checkKioskButton", "secondary", min_height=68)
        checks.clicked.connect(self._open_checks)
        self.tool_buttons.append(checks)
        self.pause_button = button(self.tr("Pause the kiosk"), "pauseButton", "secondary",
                                   min_height=68)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.tool_buttons.append(self.pause_button)
        exit_button = button(self.tr("Exit the app"), "exitAppButton", "danger", min_height=68)
        exit_button.clicked.connect(self.exit_app)
        self.tool_buttons.append(exit_button)
        self._arrange(portrait=False)

    def apply_profile(self, profile: Profile) -> None:
        self._arrange(profile.portrait)
        self._cash.apply_profile(profile)
        self.terminal_page.apply_profile(profile)

    def _arrange(self, portrait: bool) -> None:
        set_direction(self.body, portrait)
        per_row = 3 if portrait else len(self.card_frames)
        for index, frame in enumerate(self.card_frames):
            self.cards.addWidget(frame, index // per_row, index % per_row)
        # Eight tools: two rows of four in landscape (one row would clip their words).
        per_row = 3 if portrait else (len(self.tool_buttons) + 1) // 2
        for index, widget in enumerate(self.tool_buttons):
            self.tools.addWidget(widget, index // per_row, index % per_row)
        for column in range(len(self.tool_buttons)):
            self.tools.setColumnStretch(column, 1 if column < per_row else 0)

    def set_campaign(self, campaign: Campaign) -> None:
        self._campaign = campaign
        self.title.setText(self.tr("Staff · {name}").format(name=campaign.name))
        live = campaign.mode == "live"
        self.mode_badge.setText(self.tr("LIVE") if live else self.tr("TEST MODE"))
        self.mode_badge.setProperty("tone", "live" if live else "test")
        repolish(self.mode_badge)
        self._cash.set_campaign(campaign)

    def show_main(self) -> None:
        self._pages.setCurrentWidget(self._main)

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        self.pause_button.setText(self.tr("Resume the kiosk") if paused
                                  else self.tr("Pause the kiosk"))
        self.pause_button.setAccessibleName(self.pause_button.text())

    def _toggle_pause(self) -> None:
        self.pause_changed.emit(not self._paused)

    def set_totals(self, totals: Totals) -> None:
        currency = self._campaign.currency
        self.values["total"].setText(money(totals.total_minor, currency))
        self.values["gross"].setText(money(totals.gross_minor, currency))
        self.values["corrections"].setText(money(-totals.corrections_minor, currency))
        for key in ("card", "crypto", "cash"):
            self.values[key].setText(money(int(totals.by_method.get(key, 0)), currency))
        self.values["pending"].setText(money(totals.pending_minor, currency))
        self.values["count"].setText(f"{totals.count:,}")

    def _open_terminal(self) -> None:
        self._pages.setCurrentWidget(self.terminal_page)
        self.terminal_page.open()

    def _open_void(self) -> None:
        self.void_page.set_gifts(self._recent, self._campaign.currency)
        self._pages.setCurrentWidget(self.void_page)

    def set_recent(self, donations: Sequence[RecentGift]) -> None:
        self._recent = tuple(donations)
        self.recent_table.setRowCount(len(donations))
        for row, gift in enumerate(donations):
            moment = parse_time(gift.created_at)
            when = moment.astimezone().strftime("%H:%M") if moment else ""
            ago = time_ago(gift.created_at)
            cells = [
                f"{when} · {ago}" if when else ago,
                money(gift.amount_minor, gift.currency)
                + ("" if gift.status == "counted" else f" · {gift.status.replace('_', ' ')}"),
                method_label(gift.method, gift.coin)
                + (f" · {gift.kiosk_id}" if gift.method == "cash" and gift.kiosk_id else ""),
                gift.display_name or self.tr("Anonymous"),
            ]
            for column, text in enumerate(cells):
                self.recent_table.setItem(row, column, QTableWidgetItem(text))

    # --- cash gift page (kiosk/staff_cash.py) ------------------------------------

    def _open_cash(self) -> None:
        self._cash.open()
        self._pages.setCurrentWidget(self._cash)

    def _record_cash(self, amount: str, name: str) -> None:
        self.cash_gift.emit(amount, name)
        self.show_main()
