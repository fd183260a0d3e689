"""The kiosk window: a stack of screens and the flow between them.

The window owns the workers and is the only place that talks to them. Screens
are views: they emit what the person did and show what they are given.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from backend.result import Result
from kiosk.answers import carried, standing, unpacked
from kiosk.attention import TapGuard, WalkAway
from kiosk.i18n import Language
from kiosk.input_flow import InputFlow
from kiosk.language_flow import LanguageFlow
from kiosk.layout import Profile, current_page_sizes
from kiosk.model import Campaign, Choice, Ready, RecentGift, Standing, Totals, to_minor
from kiosk.payment_flow import ActivePayment, PaymentFlow
from kiosk.payment_view import WindowPaymentView
from kiosk.screens.amount import AmountScreen, KeypadScreen
from kiosk.screens.attract import AttractScreen
from kiosk.screens.error import ErrorScreen
from kiosk.screens.method import MethodScreen
from kiosk.screens.paused import PausedScreen
from kiosk.screens.payment import PaymentScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.tap import TapScreen
from kiosk.screens.thanks import ThanksScreen
from kiosk.services import Services
from kiosk.session import KioskSession
from kiosk.staff_flow import StaffFlow
from kiosk.text import method_label, money, time_ago
from kiosk.timings import Timings
from kiosk.widgets.ticker import TickerItem
from kiosk.workers import PaymentPoller, ReconcilerThread, RelaySyncThread, TaskThread

if TYPE_CHECKING:
    from kiosk.staff import StaffScreen

log = logging.getLogger("charter.kiosk")

__all__ = ["KioskWindow", "Timings"]  # Timings: tests and tools import it from here

# Every provider call in flight ends within ~15 s (connect 5 + read 10).


class KioskWindow(StaffFlow, InputFlow, LanguageFlow, QWidget):
    """The main window. `shutdown()` stops every worker; `aboutToQuit` calls it.

    The donor's payment is `flow` (kiosk/payment_flow.py, no widgets), shown through
    kiosk/payment_view.py. The window's own parts: staff mode (kiosk/staff_flow.py),
    touches and keys (kiosk/input_flow.py), the donor's language
    (kiosk/language_flow.py)."""

    ready = Signal()

    def __init__(self, services: Services, *, timings: Timings | None = None,
                 kiosk_mode: bool = True, demo: bool = False,
                 clock: Callable[[], float] = time.time,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kioskWindow")
        self.setWindowTitle(self.tr("Charter Kiosk"))
        self.services = services
        self.timings = timings or Timings()
        self.kiosk_mode = kiosk_mode
        self.want_demo = demo
        self.campaign = Campaign()
        self.totals = Totals()
        self.is_ready = False
        self.staff_unlocked = False
        self.paused = False
        self._choice = Choice(amount="")  # the amount screen's, until a method is chosen
        self._allow_close = not kiosk_mode
        self._corner_taps: list[float] = []
        self._shut_down = False
        self._recent: tuple[RecentGift, ...] = ()
        self.demo_pin: str | None = None
        self.profile: Profile | None = None
        self.language = Language(self)

        self.stack = QStackedWidget(self)
        self.stack.setObjectName("screens")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # On every screen while test keys are in use: nobody mistakes a test for a gift.
        self.test_banner = QLabel(self.tr("TEST MODE · no real money is charged"))
        self.test_banner.setObjectName("testModeBanner")
        self.test_banner.setProperty("role", "banner")
        self.test_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.test_banner.setVisible(False)
        layout.addWidget(self.test_banner)
        layout.addWidget(self.stack)

        self.attract = AttractScreen()
        self.amount = AmountScreen()
        self.keypad = KeypadScreen()
        self.method = MethodScreen()
        self.pay = PaymentScreen()
        self.thanks = ThanksScreen()
        self.error = ErrorScreen()
        self.paused_screen = PausedScreen()
        self.pin = PinScreen()
        self._staff: StaffScreen | None = None  # built on first use: see `staff`
        self.tap_screen = TapScreen()
        for screen in (self.attract, self.amount, self.keypad, self.method, self.pay,
                       self.tap_screen, self.thanks, self.error, self.paused_screen,
                       self.pin):
            self.stack.addWidget(screen)
        self.attract.total_label._animation.setDuration(self.timings.count_up_ms)
        current_page_sizes(self.stack)

        # The background: workers, relay sync, reconciler, totals watcher, the demo.
        self.session = KioskSession(services, name="kiosk", demo=demo,
                                    reconcile_idle_s=self.timings.reconcile_idle_s,
                                    retry_ms=self.timings.retry_ready_ms, parent=self)
        self.poller = self.session.watch_payments(PaymentPoller(
            self.services.payment_status, interval=self.timings.poll_interval_s,
            max_interval=self.timings.poll_max_interval_s,
            slow_after=self.timings.poll_slow_after_s))
        self.session.ready.connect(self._on_ready)
        self.session.not_ready.connect(self._on_not_ready)
        self.session.total_moved.connect(self._on_total_changed)
        self.session.relay_applied.connect(self.poller.nudge)
        self.session.demo_failed.connect(self._on_demo_failed)
        # The donor's payment: a state machine that shows itself through this window.
        self.flow = PaymentFlow(services, self.session, self.poller, WindowPaymentView(self),
                                campaign=lambda: self.campaign,
                                language=lambda: self.language.current, clock=clock,
                                expiry_grace_ms=self.timings.expiry_grace_ms, parent=self)

        # Timers.
        self.inactivity = QTimer(self)
        self.inactivity.setSingleShot(True)
        self.inactivity.setInterval(self.timings.inactivity_ms)
        self.inactivity.timeout.connect(self._on_inactive)
        self.thanks_timer = QTimer(self)
        self.thanks_timer.setSingleShot(True)
        self.thanks_timer.setInterval(self.timings.thanks_ms)
        self.thanks_timer.timeout.connect(self.go_home)
        self.staff_timer = QTimer(self)
        self.staff_timer.setInterval(self.timings.staff_refresh_ms)
        self.staff_timer.timeout.connect(self._refresh_staff)
        self.ticker_timer = QTimer(self)
        self.ticker_timer.setInterval(self.timings.ticker_refresh_ms)
        self.ticker_timer.timeout.connect(self._show_recent)

        self.tap_guard = TapGuard(self.timings.tap_guard_ms)
        # A page inside a screen (the name keyboard, a staff page) is a new screen too.
        for pages in (self.method._pages, self.thanks._pages):
            pages.currentChanged.connect(lambda _index: self.tap_guard.screen_changed())
        self.walkaway = WalkAway(self, idle_ms=self.timings.walkaway_ms,
                                 answer_s=self.timings.still_there_s)
        self.walkaway.walked_away.connect(self.flow.walked_away)

        self._connect_screens()
        app = QApplication.instance()
        if app is not None:
            # From the first turn of the event loop, before any touch can come: built,
            # styled and shown, the window has sent ~7,000 events that no filter needs
            # to see (~0.1 s of start-up in Python).
            QTimer.singleShot(0, lambda: app.installEventFilter(self))
            app.aboutToQuit.connect(self.shutdown)
        self.show_screen(self.attract)
        self.session.start()

    # --- wiring --------------------------------------------------------------------

    def _connect_screens(self) -> None:
        self.attract.start.connect(lambda: self.show_screen(self.amount))
        self.attract.language_chosen.connect(self._language_chosen)
        self.amount.back.connect(self.go_home)
        self.amount.chosen.connect(self._amount_chosen)
        self.amount.other.connect(self._open_keypad)
        self.keypad.back.connect(lambda: self.show_screen(self.amount))
        self.keypad.chosen.connect(self._amount_chosen)
        self.method.back.connect(lambda: self.show_screen(self.amount))
        self.method.card.connect(lambda: self._start_payment("card", None))
        self.method.crypto.connect(lambda coin: self._start_payment("crypto", coin))
        self.method.tap.connect(lambda: self._start_payment("tap", None))
        self.thanks.receipt_requested.connect(self.flow.tap.send_receipt)
        self.thanks.receipt_opened.connect(self.thanks_timer.stop)
        self.pay.cancel.connect(self.flow.cancel)
        self.pay.simulate.connect(self.flow.simulate)
        self.tap_screen.cancel.connect(self.flow.cancel)
        self.tap_screen.retry.connect(self.flow.tap.retry)
        self.tap_screen.simulate.connect(self.flow.tap.simulate)
        self.thanks.done.connect(self.go_home)
        self.error.home.connect(self.go_home)
        self.error.retry.connect(self.flow.retry)
        self.pin.cancelled.connect(self.go_home)
        self.pin.submitted.connect(self._check_pin)

    def submit(self, tag: str, job: Callable[[], Result],
               handler: Callable[[Result, str], None], *, worker: TaskThread | None = None,
               ) -> None:
        """Run `job` on a worker; `handler(result, tag)` runs on the GUI thread."""
        self.session.submit(tag, job, handler, worker=worker)

    # The session's parts, by their old names (staff mode and tests use them).
    @property
    def action_worker(self) -> TaskThread:
        return self.session.action_worker

    @property
    def query_worker(self) -> TaskThread:
        return self.session.query_worker

    @property
    def sync(self) -> RelaySyncThread | None:
        return self.session.sync

    @property
    def reconciler(self) -> ReconcilerThread | None:
        return self.session.reconciler

    @property
    def payment(self) -> ActivePayment | None:
        """The payment on screen, if any (the flow's)."""
        return self.flow.payment

    def current_screen(self) -> QWidget | None:
        return self.stack.currentWidget()

    def show_screen(self, screen: QWidget) -> None:
        if self.paused and screen is not self.paused_screen and not self.staff_unlocked \
                and screen is not self.pin:
            screen = self.paused_screen
        if screen is self.pin:
            self._staff_language()  # staff screens never take a donor's language
        if screen is not self.stack.currentWidget():
            self.tap_guard.screen_changed()
        self.stack.setCurrentWidget(screen)
        self._restart_inactivity()

    def apply_profile(self, profile: Profile) -> None:
        """The layout for this screen size (kiosk.theme calls it on every new profile)."""
        self.profile = profile
        for screen in (*[self.stack.widget(i) for i in range(self.stack.count())],
                       self.walkaway.overlay):
            arrange = getattr(screen, "apply_profile", None)
            if callable(arrange):
                arrange(profile)

    # --- start-up and totals ---------------------------------------------------------

    def _on_not_ready(self, error: str) -> None:
        self.attract.tagline_label.setText(
            self.tr("The kiosk could not start: {error} Trying again…").format(error=error))
        self.attract.tagline_label.setVisible(True)

    def _on_ready(self, ready: Ready) -> None:
        self.campaign = ready.campaign
        self.demo_pin = ready.demo_pin
        self.totals.take(ready.totals)
        for screen in (self.attract, self.amount, self.keypad, self.method, self._staff):
            if screen is not None:
                screen.set_campaign(self.campaign)
        self._setup_languages(ready.catalogs)
        self.pay.set_demo(self.campaign.demo)
        self.tap_screen.set_demo(self.campaign.demo)
        self.test_banner.setVisible(self.campaign.mode != "live")
        self.attract.set_totals(self.totals, animate=False)
        self.is_ready = True
        self.session.follow(self.campaign.campaign_id, self.campaign.relay_url)
        self._refresh_totals()
        self.ticker_timer.start()
        self.ready.emit()

    def _on_demo_failed(self, _error: str) -> None:
        # The demo needs a restart: its addresses, already handed out, now refuse.
        self.attract.tagline_label.setText(
            self.tr("The demo's payment sandbox could not start: restart the demo."))
        self.attract.tagline_label.setVisible(True)

    def _on_total_changed(self, snapshot: object) -> None:
        total = getattr(snapshot, "total_minor", None)
        if isinstance(total, int):
            self.totals.total_minor = total
            self.totals.count = int(getattr(snapshot, "count", self.totals.count))
            self.attract.set_totals(self.totals)
        self.poller.nudge()  # the change may be the payment on screen
        self._refresh_totals()

    def _refresh_totals(self) -> None:
        services = self.services
        self.submit("totals", lambda: carried(standing(services, recent=10)), self._on_totals,
                    worker=self.query_worker)

    def _on_totals(self, result: Result, _tag: str) -> None:
        answer = unpacked(result)
        if not isinstance(answer, Standing):
            return
        self.totals.take(answer.totals)
        self.attract.set_totals(self.totals)
        if self._staff is not None:
            self._staff.set_totals(self.totals)
        if answer.recent is not None:
            self._recent = answer.recent
            self._show_recent()

    def _show_recent(self) -> None:
        items = []
        for gift in self._recent[:8]:
            amount = money(gift.amount_minor, gift.currency)
            parts = [method_label(gift.method, gift.coin)]
            if gift.display_name:
                parts.insert(0, self.tr("from {name}").format(name=gift.display_name))
            parts.append(time_ago(gift.created_at))
            items.append(TickerItem(amount, " · ".join(p for p in parts if p)))
        self.attract.set_recent(items)
        if self._staff is not None and self.current_screen() is self._staff:
            self._staff.set_recent(self._recent)

    # --- the donor's path --------------------------------------------------------------

    def go_home(self) -> None:
        self.flow.forget()  # "Try again", a receipt: never offered to the next donor
        self.thanks_timer.stop()
        self.staff_timer.stop()
        self.staff_unlocked = False
        self.flow.abandon()
        self.amount.reset()  # the next donor starts with a one-off gift
        self._reset_language()
        self.show_screen(self.attract)

    def _amount_chosen(self, amount: str) -> None:
        c = self.campaign
        minor = to_minor(amount, c.decimals) or 0
        monthly = self.amount.monthly()
        self._choice = Choice(amount=amount, monthly=monthly)
        fees = {method: quote for method in ("card", "crypto")
                if (quote := c.fee_quote(method, minor)) is not None}
        self.method.prepare(money(minor, c.currency), minor,
                            money(c.crypto_min_minor, c.currency), c.crypto_min_minor,
                            monthly=monthly, fees=fees)
        self.show_screen(self.method)

    def _start_payment(self, method: str, coin: str | None) -> None:
        """The method screen's choice, with what the donor chose before it."""
        if not self._choice.amount:
            return
        self.flow.start(Choice(amount=self._choice.amount, method=method, coin=coin,
                               display_name=self.method.display_name(),
                               monthly=self._choice.monthly,
                               cover_fee=self.method.cover_fee()))

    def _open_keypad(self) -> None:
        self.keypad.reset()
        self.keypad.set_monthly(self.amount.monthly())
        self.show_screen(self.keypad)

    # --- closing -------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._allow_close:
            event.ignore()  # Alt+F4 and friends: only staff can close the kiosk
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every worker and wait for it: nothing is left running."""
        if self._shut_down:
            return
        self._shut_down = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.walkaway.stop()
        for timer in (self.inactivity, self.thanks_timer, self.staff_timer, self.ticker_timer):
            timer.stop()
        self.flow.stop()
        # Cancelling the open payment: best effort, on the action worker, bounded by the
        # session's one deadline.
        self.session.shutdown(self.flow.last_job())
        self.language.release()
        log.info("kiosk stopped")
