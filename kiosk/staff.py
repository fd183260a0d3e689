"""Staff mode: totals by method, recent and pending payments, sync status, and the tools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

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

from kiosk.layout import Page, Profile, current_page_sizes, design, set_direction
from kiosk.model import Campaign, RecentGift, Totals
from kiosk.screens.base import button, label, repolish
from kiosk.staff_cash import CashGiftPage
from kiosk.staff_checks import ChecksPage
from kiosk.staff_status import StatusColumn
from kiosk.staff_terminal import TerminalPage
from kiosk.staff_void import VoidPage
from kiosk.text import method_label, money, parse_time, time_ago
from kiosk.widgets.keypad import Keypad
from kiosk.widgets.touch import finger_scroll

_Page = TypeVar("_Page", bound=QWidget)


def _card(title: str, name: str) -> tuple[QFrame, Any]:
    frame = QFrame()
    frame.setObjectName("statCard")
    layout = QVBoxLayout(frame)
    design(layout, margins=(24, 16, 24, 16), spacing=2)
    layout.addWidget(label(title, "statTitle"))
    value = label("—", "statValue", name, wrap=False)
    layout.addWidget(value)
    return frame, value


class StaffScreen(ChecksPage, StatusColumn, Page):
    back = Signal()
    cash_gift = Signal(str, str)  # amount, display name ("" for anonymous)
    export_csv = Signal()
    pause_changed = Signal(bool)
    exit_app = Signal()
    resolve_partial = Signal(str, bool)
    refresh = Signal()
    run_checks = Signal()
    void_cash = Signal(int, str)  # donation id, reason
    reader_refresh = Signal()
    reader_register = Signal(str, str)  # registration code, location id
    reader_forget = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staffScreen")
        self.setAccessibleName(self.tr("Staff"))
        self._campaign = Campaign()
        self._campaign_known = False
        self._profile: Profile | None = None
        self._paused = False
        self._pages = QStackedLayout(self)
        self._main = Page()
        self._pages.addWidget(self._main)
        # The tools' pages (cash gift, checks, void, card reader) are built the first time
        # staff open each: together two thirds of this screen's widgets, which every
        # opening of staff mode styled and laid out for pages most visits never show.
        self._cash: CashGiftPage | None = None
        self._checks: QWidget | None = None
        self._void: VoidPage | None = None
        self._terminal: TerminalPage | None = None
        self._recent: tuple[RecentGift, ...] = ()
        self._build_main()
        current_page_sizes(self._pages)

    def _add_page(self, page: _Page) -> _Page:
        """A tool's page, built now: hidden, it must not set this screen's minimum size
        (kiosk.layout.current_page_sizes takes over once it is shown)."""
        page.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._pages.addWidget(page)
        arrange = getattr(page, "apply_profile", None)
        if self._profile is not None and callable(arrange):
            arrange(self._profile)
        return page

    @property
    def cash_page(self) -> CashGiftPage:
        """The cash gift page (kiosk/staff_cash.py), built on first use."""
        if self._cash is None:
            page = CashGiftPage()
            page.recorded.connect(self._record_cash)
            page.cancelled.connect(self.show_main)
            if self._campaign_known:
                page.set_campaign(self._campaign)
            self._cash = self._add_page(page)
        return self._cash

    @property
    def cash_keypad(self) -> Keypad:
        return self.cash_page.keypad

    @property
    def void_page(self) -> VoidPage:
        """The void page (kiosk/staff_void.py), built on first use."""
        if self._void is None:
            page = VoidPage()
            page.void.connect(self.void_cash)
            page.back.connect(self.show_main)
            self._void = self._add_page(page)
        return self._void

    @property
    def terminal_page(self) -> TerminalPage:
        """The card reader page (kiosk/staff_terminal.py), built on first use; its requests
        reach the window through this screen's reader_* signals."""
        if self._terminal is None:
            page = TerminalPage()
            page.back.connect(self.show_main)
            page.refresh.connect(self.reader_refresh)
            page.register.connect(self.reader_register)
            page.forget.connect(self.reader_forget)
            self._terminal = self._add_page(page)
        return self._terminal

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
        self._profile = profile
        self._arrange(profile.portrait)
        for page in (self._cash, self._terminal):  # the pages built so far
            if page is not None:
                page.apply_profile(profile)

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
        self._campaign_known = True
        if self._cash is not None:
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
        page = self.terminal_page
        self._pages.setCurrentWidget(page)
        page.open()

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
        page = self.cash_page
        page.open()
        self._pages.setCurrentWidget(page)

    def _record_cash(self, amount: str, name: str) -> None:
        self.cash_gift.emit(amount, name)
        self.show_main()
