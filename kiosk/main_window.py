"""The kiosk window: a stack of screens and the flow between them.

The window owns the workers and is the only place that talks to them. Screens
are views: they emit what the person did and show what they are given.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QStackedWidget, QVBoxLayout, QWidget

from backend.result import Result, err
from kiosk.attention import TapGuard, WalkAway
from kiosk.layout import Profile, current_page_sizes
from kiosk.model import Campaign, Choice, Totals
from kiosk.screens.amount import AmountScreen, KeypadScreen, to_minor
from kiosk.screens.attract import AttractScreen
from kiosk.screens.error import ErrorScreen
from kiosk.screens.method import MethodScreen
from kiosk.screens.paused import PausedScreen
from kiosk.screens.payment import PaymentScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.thanks import ThanksScreen
from kiosk.services import Services
from kiosk.staff import StaffScreen
from kiosk.text import coin_name, method_label, money, time_ago
from kiosk.widgets.qr import qr_matrix
from kiosk.widgets.ticker import TickerItem
from kiosk.workers import (
    PaymentPoller,
    ReconcilerThread,
    RelaySyncThread,
    TaskThread,
    TotalsBridge,
    wait_stopped,
)

log = logging.getLogger("charter.kiosk")

STAFF_CORNER_PX = 120
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0


# Every provider call in flight ends within ~15 s (connect 5 + read 10).
SHUTDOWN_WAIT_S = 20.0


@dataclass
class Timings:
    """Every wait the kiosk makes, injectable so tests need not sit through them."""

    inactivity_ms: int = 60_000
    thanks_ms: int = 10_000
    poll_interval_s: float = 3.0
    poll_max_interval_s: float = 30.0
    poll_slow_after_s: float = 2.0
    expiry_grace_ms: int = 4_000
    retry_ready_ms: int = 5_000
    staff_refresh_ms: int = 5_000
    ticker_refresh_ms: int = 30_000
    count_up_ms: int = 1_200
    reconcile_idle_s: float = 30.0  # longest the reconciler sleeps between passes
    walkaway_ms: int = 60_000  # a payment screen untouched this long asks "Still there?"
    still_there_s: int = 20  # ... and goes back to the start after this countdown
    tap_guard_ms: int = 300  # a tap this soon after a screen change is ignored


@dataclass
class ActivePayment:
    choice: Choice
    amount_minor: int
    token: int
    intent_id: str | None = None
    ref: str | None = None
    expires_at: float | None = None
    poll_generation: int = 0
    finished: bool = False
    expired_shown: bool = False
    slow_polls: int = 0
    seen: bool = False  # the provider has seen the payment (crypto confirming)


class KioskWindow(QWidget):
    """The main window. `shutdown()` stops every worker; `aboutToQuit` calls it."""

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
        self.clock = clock  # wall clock for payment expiry; tests move it forward
        self.campaign = Campaign()
        self.totals = Totals()
        self.is_ready = False
        self.staff_unlocked = False
        self.paused = False
        self.payment: ActivePayment | None = None
        self._token = 0
        self._allow_close = not kiosk_mode
        self._corner_taps: list[float] = []
        self._shut_down = False
        self._recent: list[dict[str, Any]] = []
        self.demo_pin: str | None = None
        self.profile: Profile | None = None

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
        self.staff = StaffScreen()
        for screen in (self.attract, self.amount, self.keypad, self.method, self.pay,
                       self.thanks, self.error, self.paused_screen, self.pin, self.staff):
            self.stack.addWidget(screen)
        self.attract.total_label._animation.setDuration(self.timings.count_up_ms)
        current_page_sizes(self.stack)

        # Workers: one per kind of job.
        self.action_worker = TaskThread("kiosk-actions", self)
        self.query_worker = TaskThread("kiosk-queries", self)
        self.poller = PaymentPoller(self.services.payment_status,
                                    interval=self.timings.poll_interval_s,
                                    max_interval=self.timings.poll_max_interval_s,
                                    slow_after=self.timings.poll_slow_after_s, parent=self)
        self.totals_bridge = TotalsBridge(self)
        self.sync: RelaySyncThread | None = None
        self.reconciler: ReconcilerThread | None = None
        self.action_worker.finished_job.connect(self._on_job)
        self.query_worker.finished_job.connect(self._on_job)
        self.poller.status.connect(self._on_poll)
        self.totals_bridge.changed.connect(self._on_total_changed)
        self._handlers: dict[str, Callable[[Result, str], None]] = {}

        # Timers.
        self.inactivity = QTimer(self)
        self.inactivity.setSingleShot(True)
        self.inactivity.setInterval(self.timings.inactivity_ms)
        self.inactivity.timeout.connect(self._on_inactive)
        self.thanks_timer = QTimer(self)
        self.thanks_timer.setSingleShot(True)
        self.thanks_timer.setInterval(self.timings.thanks_ms)
        self.thanks_timer.timeout.connect(self.go_home)
        self.countdown_timer = QTimer(self)
        self.countdown_timer.setInterval(1000)
        self.countdown_timer.timeout.connect(self._tick_countdown)
        self.expiry_timer = QTimer(self)
        self.expiry_timer.setSingleShot(True)
        self.expiry_timer.timeout.connect(self._on_expired)
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.setInterval(self.timings.retry_ready_ms)
        self.retry_timer.timeout.connect(self._load)
        self.staff_timer = QTimer(self)
        self.staff_timer.setInterval(self.timings.staff_refresh_ms)
        self.staff_timer.timeout.connect(self._refresh_staff)
        self.ticker_timer = QTimer(self)
        self.ticker_timer.setInterval(self.timings.ticker_refresh_ms)
        self.ticker_timer.timeout.connect(self._show_recent)

        self.tap_guard = TapGuard(self.timings.tap_guard_ms)
        self.walkaway = WalkAway(self, idle_ms=self.timings.walkaway_ms,
                                 answer_s=self.timings.still_there_s)
        self.walkaway.walked_away.connect(self._walked_away)

        self._connect_screens()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            app.aboutToQuit.connect(self.shutdown)
        self.show_screen(self.attract)
        self._load()

    # --- wiring --------------------------------------------------------------------

    def _connect_screens(self) -> None:
        self.attract.start.connect(lambda: self.show_screen(self.amount))
        self.amount.back.connect(self.go_home)
        self.amount.chosen.connect(self._amount_chosen)
        self.amount.other.connect(self._open_keypad)
        self.keypad.back.connect(lambda: self.show_screen(self.amount))
        self.keypad.chosen.connect(self._amount_chosen)
        self.method.back.connect(lambda: self.show_screen(self.amount))
        self.method.card.connect(lambda: self._start_payment("card", None))
        self.method.crypto.connect(lambda coin: self._start_payment("crypto", coin))
        self.pay.cancel.connect(self._cancel_payment)
        self.pay.simulate.connect(self._simulate)
        self.thanks.done.connect(self.go_home)
        self.error.home.connect(self.go_home)
        self.error.retry.connect(self._retry_after_error)
        self.pin.cancelled.connect(self.go_home)
        self.pin.submitted.connect(self._check_pin)
        self.staff.back.connect(self._leave_staff)
        self.staff.cash_gift.connect(self._record_cash)
        self.staff.export_csv.connect(self._export_csv)
        self.staff.pause_changed.connect(self._set_paused)
        self.staff.exit_app.connect(self._exit_app)
        self.staff.resolve_partial.connect(self._resolve_partial)
        self.staff.run_checks.connect(self._run_checks)

    def submit(self, tag: str, job: Callable[[], Result],
               handler: Callable[[Result, str], None], *, worker: TaskThread | None = None,
               ) -> None:
        """Run `job` on a worker; `handler(result, tag)` runs on the GUI thread."""
        if self._shut_down:
            return
        self._handlers[tag] = handler
        (worker or self.action_worker).submit(tag, job)

    def _on_job(self, tag: str, result: object) -> None:
        handler = self._handlers.pop(tag, None)
        if handler is not None and isinstance(result, dict):
            handler(result, tag)  # type: ignore[arg-type]

    def current_screen(self) -> QWidget | None:
        return self.stack.currentWidget()

    def show_screen(self, screen: QWidget) -> None:
        if self.paused and screen is not self.paused_screen and not self.staff_unlocked \
                and screen is not self.pin:
            screen = self.paused_screen
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

    def _load(self) -> None:
        demo = self.want_demo

        def job() -> Result:
            demo_pin = None
            if demo:
                started = self.services.start_demo()
                if not started.get("success"):
                    return started
                demo_pin = started["data"].get("demo_pin")
            ready = self.services.on_ready()
            if ready.get("success") and demo_pin:
                ready["data"]["demo_pin"] = demo_pin
            return ready

        self.submit("ready", job, self._on_ready)

    def _on_ready(self, result: Result, _tag: str) -> None:
        if not result.get("success"):
            log.warning("the kiosk is not ready: %s", result.get("error"))
            self.attract.tagline_label.setText(
                self.tr("The kiosk could not start: {error} Trying again…").format(
                    error=result.get("error", "")))
            self.attract.tagline_label.setVisible(True)
            self.retry_timer.start()
            return
        data = result["data"]
        self.campaign = Campaign.from_ready(data)
        self.demo_pin = data.get("demo_pin")
        self.totals.update_from(data)
        for screen in (self.attract, self.amount, self.keypad, self.method, self.staff):
            screen.set_campaign(self.campaign)
        self.pay.set_demo(self.campaign.demo)
        self.test_banner.setVisible(self.campaign.mode != "live")
        self.attract.set_totals(self.totals, animate=False)
        self.is_ready = True
        self.totals_bridge.start(self.services.database_path(), self.campaign.campaign_id)
        self._start_sync()
        if self.reconciler is None and not self._shut_down:
            self.reconciler = ReconcilerThread(self, idle_s=self.timings.reconcile_idle_s)
            self.reconciler.start()
        self._refresh_totals()
        self.ticker_timer.start()
        self.ready.emit()

    def _start_sync(self) -> None:
        url = self.campaign.relay_url
        if not url or self.sync is not None:
            return

        def job() -> Result:
            token = self.services.relay_token()
            return {"success": True, "data": {"token": token}} if token else \
                err("No RELAY_TOKEN is set.")

        def started(result: Result, _tag: str) -> None:
            if not result.get("success") or self._shut_down or self.sync is not None:
                return
            self.sync = RelaySyncThread(url, result["data"]["token"], self)
            self.sync.applied.connect(self.poller.nudge)
            self.sync.start()

        self.submit("relay-token", job, started, worker=self.query_worker)

    def _on_total_changed(self, snapshot: object) -> None:
        total = getattr(snapshot, "total_minor", None)
        if isinstance(total, int):
            self.totals.total_minor = total
            self.totals.count = int(getattr(snapshot, "count", self.totals.count))
            self.attract.set_totals(self.totals)
        self.poller.nudge()  # the change may be the payment on screen
        self._refresh_totals()

    def _refresh_totals(self) -> None:
        def job() -> Result:
            totals = self.services.totals()
            recent = self.services.recent_donations(limit=10)
            if not totals.get("success"):
                return totals
            data = dict(totals["data"])
            data["recent"] = recent["data"]["donations"] if recent.get("success") else None
            return {"success": True, "data": data}

        self.submit("totals", job, self._on_totals, worker=self.query_worker)

    def _on_totals(self, result: Result, _tag: str) -> None:
        if not result.get("success"):
            return
        data = result["data"]
        self.totals.update_from(data)
        self.attract.set_totals(self.totals)
        self.staff.set_totals(self.totals)
        if data.get("recent") is not None:
            self._recent = list(data["recent"])
            self._show_recent()

    def _show_recent(self) -> None:
        items = []
        for gift in self._recent[:8]:
            amount = money(int(gift.get("amount_minor", 0)),
                           str(gift.get("currency", self.campaign.currency)))
            parts = [method_label(str(gift.get("method", "")), gift.get("coin"))]
            name = gift.get("display_name")
            if name:
                parts.insert(0, self.tr("from {name}").format(name=name))
            parts.append(time_ago(str(gift.get("created_at", ""))))
            items.append(TickerItem(amount, " · ".join(p for p in parts if p)))
        self.attract.set_recent(items)
        if self.current_screen() is self.staff:
            self.staff.set_recent(self._recent)

    # --- the donor's path --------------------------------------------------------------

    def go_home(self) -> None:
        self.thanks_timer.stop()
        self.staff_timer.stop()
        self.staff_unlocked = False
        if self.payment is not None and not self.payment.finished:
            self._abandon_payment()
        self.payment = None
        self.show_screen(self.attract)

    def _open_keypad(self) -> None:
        self.keypad.reset()
        self.show_screen(self.keypad)

    def _amount_chosen(self, amount: str) -> None:
        minor = to_minor(amount, self.campaign.decimals) or 0
        self._choice = Choice(amount=amount)
        c = self.campaign
        self.method.prepare(money(minor, c.currency), minor,
                            money(c.crypto_min_minor, c.currency), c.crypto_min_minor)
        self.show_screen(self.method)

    def _start_payment(self, method: str, coin: str | None, choice: Choice | None = None
                       ) -> None:
        base = choice or getattr(self, "_choice", None)
        if base is None:
            return
        choice = Choice(amount=base.amount, method=method, coin=coin,
                        display_name=base.display_name if choice else
                        self.method.display_name())
        self._token += 1
        minor = to_minor(choice.amount, self.campaign.decimals) or 0
        self.payment = ActivePayment(choice=choice, amount_minor=minor, token=self._token)
        amount_text = money(minor, self.campaign.currency)
        self.pay.show_preparing(amount_text, self.tr("card") if method == "card"
                                else coin_name(coin))
        self.show_screen(self.pay)
        services = self.services
        token = self._token

        def job() -> Result:
            if method == "card":
                result = services.start_card(choice.amount, choice.display_name)
            else:
                result = services.start_crypto(choice.amount, coin or "", choice.display_name)
            if result.get("success"):
                data = dict(result["data"])
                payload = str(data.get("qr_payload") or data.get("checkout_url") or "")
                data["_matrix"] = qr_matrix(payload) if payload else None
                return {"success": True, "data": data}
            return result

        self.submit(f"pay:{token}", job, self._on_payment_created)

    def _on_payment_created(self, result: Result, tag: str) -> None:
        token = int(tag.split(":", 1)[1])
        payment = self.payment
        data = result.get("data") or {}
        if payment is None or payment.token != token:
            # The donor left before the provider answered: do not leave it open.
            if result.get("success") and data.get("intent_id"):
                self._cancel_intent(str(data["intent_id"]))
            return
        if not result.get("success"):
            self._show_error("unreachable", self.tr("We could not start the payment"),
                             str(result.get("error", "")) + "\n" +
                             self.tr("Nothing has been charged."), can_retry=True)
            self.payment = None
            self._retry_choice = payment.choice
            return
        payment.intent_id = str(data.get("intent_id") or "")
        amount_text = money(payment.amount_minor, self.campaign.currency)
        matrix = data.get("_matrix")
        if payment.choice.method == "card":
            payment.ref = str(data.get("session_id", ""))
            self.pay.show_card(data, matrix, amount_text)
        else:
            payment.ref = str(data.get("payment_id", ""))
            self.pay.show_crypto(data, matrix, amount_text, payment.choice.coin or "")
        expires = data.get("expires_at")
        payment.expires_at = float(expires) if isinstance(expires, int | float) else None
        self._tick_countdown()
        self.countdown_timer.start()
        payment.poll_generation = self.poller.watch(payment.choice.method, payment.ref)
        self.inactivity.stop()  # the payment screen stays until expiry, cancel or walk-away
        self.walkaway.start()

    def _tick_countdown(self) -> None:
        payment = self.payment
        if payment is None or payment.expires_at is None:
            self.pay.set_countdown(None)
            return
        left = int(payment.expires_at - self.clock())
        self.pay.set_countdown(left)
        if left <= 0 and not payment.expired_shown and not payment.finished:
            payment.expired_shown = True
            self.countdown_timer.stop()
            self.pay.clear_code(self.tr("This code has expired."))
            self.pay.set_status(self.tr("Checking one last time…"), "waiting")
            self.poller.nudge()
            self.expiry_timer.start(self.timings.expiry_grace_ms)

    def _on_expired(self) -> None:
        payment = self.payment
        if payment is None or payment.finished:
            return
        if payment.seen:
            # The coins are on the chain; only the confirmations are slow. Offering a
            # "new code" here would have the donor pay twice.
            self._finish_payment(cancel=False)
            self._show_error("on_its_way", self.tr("Your gift is on its way"),
                             self.tr("We have seen your payment; the network is still "
                                     "confirming it. It will be counted as soon as it is "
                                     "confirmed. There is no need to wait or to pay again. "
                                     "Thank you!"), can_retry=False, tone="info")
            return
        self._finish_payment(cancel=True)
        self._retry_choice = payment.choice
        self._show_error("expired", self.tr("This payment has expired"),
                         self.tr("The code was only valid for a limited time. Nothing has "
                                 "been charged. Would you like a new code?"), can_retry=True,
                         tone="info")

    def _on_poll(self, generation: int, result: object, elapsed: float) -> None:
        payment = self.payment
        if payment is None or payment.finished or generation != payment.poll_generation:
            return
        if not isinstance(result, dict) or not result.get("success"):
            payment.slow_polls += 1
            if payment.slow_polls >= 2 and not payment.expired_shown:
                self.pay.set_status(self.tr("Still checking… the connection is slow. "
                                            "If you have paid, it will show up here."), "slow")
            return
        payment.slow_polls = 0
        data = result["data"]
        status = str(data.get("status", ""))
        if status == "paid":
            total = data.get("total_minor")
            self._payment_paid(int(total) if isinstance(total, int) else None)
        elif status == "confirming":
            payment.seen = True
            self.pay.set_status(self.tr("Payment seen — confirming…"), "seen")
        elif status == "partially_paid":
            self._finish_payment(cancel=False)
            self._show_error("partial", self.tr("Part of your payment has arrived"),
                             self.tr("Thank you! We received less than the full amount. "
                                     "Please stay a moment: a member of staff will help you."),
                             can_retry=False, tone="help")
        elif status in ("expired", "cancelled", "failed", "refused", "refunded"):
            if status == "expired":
                self._on_expired()
                return
            self._finish_payment(cancel=False)
            self._show_error(status, self.tr("The payment did not go through"),
                             self.tr("Nothing has been charged. You can try again."),
                             can_retry=True)
            self._retry_choice = payment.choice
        elif not payment.expired_shown:
            self.pay.set_status(self.tr("Waiting for your payment…"), "waiting")

    def _payment_paid(self, total_minor: int | None) -> None:
        payment = self.payment
        if payment is None:
            return
        self._finish_payment(cancel=False)
        if total_minor is not None:
            self.totals.total_minor = max(self.totals.total_minor, total_minor)
        self.attract.set_totals(self.totals, animate=False)
        self.thanks.show_thanks(money(payment.amount_minor, self.campaign.currency),
                                self.campaign.name,
                                money(self.totals.total_minor, self.campaign.currency))
        self.show_screen(self.thanks)
        self.thanks_timer.start()
        self._refresh_totals()

    def _finish_payment(self, *, cancel: bool) -> None:
        payment = self.payment
        self.walkaway.stop()
        self.poller.clear()
        self.countdown_timer.stop()
        self.expiry_timer.stop()
        self.pay.clear_code()
        if payment is None:
            return
        payment.finished = True
        if cancel and payment.intent_id:
            self._cancel_intent(payment.intent_id)
        self.payment = None

    def _walked_away(self) -> None:
        """Nobody answered "Still there?": make room for the next donor. The payment
        stays open: if it is paid, the poller's successor (the reconciler) counts it."""
        payment = self.payment
        if payment is None or payment.finished or self.current_screen() is not self.pay:
            return
        log.info("the donor walked away from payment %s; it stays open", payment.ref)
        self._finish_payment(cancel=False)
        self.go_home()

    def _abandon_payment(self) -> None:
        self._finish_payment(cancel=True)

    def _cancel_payment(self) -> None:
        self._finish_payment(cancel=True)
        self.go_home()

    def _cancel_intent(self, intent_id: str) -> None:
        self.submit(f"cancel:{intent_id}", lambda: self.services.cancel_payment(intent_id),
                    lambda result, tag: None)

    def _simulate(self) -> None:
        payment = self.payment
        if payment is None or not payment.ref:
            return
        kind, ref = payment.choice.method, payment.ref
        self.pay.set_status(self.tr("Simulating a payment…"), "seen")

        def done(result: Result, _tag: str) -> None:
            if not result.get("success"):
                self.pay.set_status(str(result.get("error", "")), "slow")
            self.poller.nudge()

        self.submit(f"simulate:{ref}", lambda: self.services.simulate_payment(kind, ref), done,
                    worker=self.query_worker)

    def _show_error(self, kind: str, title: str, message: str, *, can_retry: bool,
                    tone: str = "error") -> None:
        self.error.show_error(kind, title, message, can_retry=can_retry, tone=tone)
        self.show_screen(self.error)

    def _retry_after_error(self) -> None:
        choice = getattr(self, "_retry_choice", None)
        if choice is None:
            self.go_home()
            return
        self._start_payment(choice.method, choice.coin, choice)

    # --- inactivity and the hidden staff gesture -----------------------------------------

    def _restart_inactivity(self) -> None:
        screen = self.current_screen()
        paying = screen is self.pay and self.payment is not None and not self.payment.finished
        if screen is self.attract or screen is self.paused_screen or paying:
            self.inactivity.stop()
        else:
            self.inactivity.start()

    def _on_inactive(self) -> None:
        screen = self.current_screen()
        if screen is self.pay and self.payment is not None and not self.payment.finished:
            return
        log.info("no touch for a while: back to the start")
        self.go_home()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                    QEvent.Type.MouseButtonDblClick):
            if isinstance(watched, QWidget) and watched.window() is self:
                if self.tap_guard.blocks(event):
                    return True  # meant for the screen before this one
                self._restart_inactivity()
                self.walkaway.touched()
                if kind == QEvent.Type.MouseButtonPress:
                    position = getattr(event, "globalPosition", None)
                    if position is not None:
                        self._corner_tap(self.mapFromGlobal(position().toPoint()))
        elif (kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
              and isinstance(watched, QWidget) and watched.window() is self):
            self._restart_inactivity()
            if self._blocked_key(event):
                return True
        return super().eventFilter(watched, event)

    def _blocked_key(self, event: QKeyEvent) -> bool:
        """Shortcuts that would leave the app do nothing outside staff mode."""
        if not self.kiosk_mode or self.staff_unlocked:
            return False
        key = event.key()
        mods = event.modifiers()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
                   Qt.Key.Key_F11):
            return True
        if mods & Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_F4, Qt.Key.Key_Tab):
            return True
        combo = QKeySequence(event.keyCombination())
        blocked = (QKeySequence.StandardKey.Quit, QKeySequence.StandardKey.Close)
        return any(combo.matches(QKeySequence(s)) == QKeySequence.SequenceMatch.ExactMatch
                   for s in blocked) or bool(
            mods & Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_Q, Qt.Key.Key_W))

    def _corner_tap(self, point: QPoint) -> None:
        if not (0 <= point.x() < STAFF_CORNER_PX and 0 <= point.y() < STAFF_CORNER_PX):
            self._corner_taps.clear()
            return
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t < STAFF_TAP_WINDOW_S]
        self._corner_taps.append(now)
        if len(self._corner_taps) >= STAFF_TAPS:
            self._corner_taps.clear()
            self.open_staff_pin()

    def open_staff_pin(self) -> None:
        screen = self.current_screen()
        if screen in (self.pin, self.staff):
            return
        if screen is self.pay and self.payment is not None and not self.payment.finished:
            return  # never take the screen from a donor who is paying
        self.pin.reset(self.tr("Demo PIN: {pin}").format(pin=self.demo_pin)
                       if self.demo_pin else "")
        self.show_screen(self.pin)

    def _check_pin(self, pin: str) -> None:
        def done(result: Result, _tag: str) -> None:
            if self.current_screen() is not self.pin:
                return
            if result.get("success"):
                self._enter_staff()
            else:
                self.pin.reset()
                self.pin.set_message(str(result.get("error", "")), "error")

        self.submit("pin", lambda: self.services.verify_pin(pin), done, worker=self.query_worker)

    # --- staff mode ----------------------------------------------------------------

    def _enter_staff(self) -> None:
        self.staff_unlocked = True
        self._allow_close = True
        self.staff.show_main()
        self.staff.set_paused(self.paused)
        self.staff.set_notice("")
        self.staff.set_totals(self.totals)
        self.staff.set_recent(self._recent)
        self.show_screen(self.staff)
        self._refresh_staff()
        self.staff_timer.start()

    def _leave_staff(self) -> None:
        self._allow_close = not self.kiosk_mode
        self.go_home()

    def _refresh_staff(self) -> None:
        if self.current_screen() is not self.staff:
            self.staff_timer.stop()
            return
        self._refresh_totals()
        sync = self.sync

        def job() -> Result:
            pending = self.services.pending_payments()
            reconciled = self.services.reconciliation_status()
            return {"success": True, "data": {
                "pending": pending["data"]["payments"] if pending.get("success") else None,
                "pending_error": pending.get("error"),
                "sync": sync.state() if sync is not None else None,
                "reconcile": reconciled.get("data") if reconciled.get("success") else None,
            }}

        def done(result: Result, _tag: str) -> None:
            data = result.get("data") or {}
            if data.get("pending") is not None:
                self.staff.set_pending(data["pending"])
            self.staff.set_sync(data.get("sync") if self.campaign.relay_url else None)
            if data.get("reconcile") is not None:
                self.staff.set_reconcile(data["reconcile"])

        self.submit("staff", job, done, worker=self.query_worker)

    def _record_cash(self, amount: str, name: str) -> None:
        self.staff.set_notice(self.tr("Recording…"))

        def done(result: Result, _tag: str) -> None:
            if result.get("success"):
                minor = to_minor(amount, self.campaign.decimals) or 0
                self.staff.set_notice(self.tr("Cash gift of {amount} recorded.").format(
                    amount=money(minor, self.campaign.currency)), "ok")
            else:
                self.staff.set_notice(str(result.get("error", "")), "error")
            self._refresh_staff()

        self.submit("cash", lambda: self.services.record_cash_gift(amount, name or None, None),
                    done)

    def _run_checks(self) -> None:
        def done(result: Result, _tag: str) -> None:
            if result.get("success"):
                self.staff.set_checks(result["data"]["checks"])
            else:
                self.staff.set_checks(None, str(result.get("error", "")))

        # The network checks wait on the relay and both providers: never on this thread.
        self.submit("checks", self.services.run_checks, done, worker=self.query_worker)

    def _export_csv(self) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")

        def job() -> Result:
            from backend.settings import data_dir

            folder = data_dir() / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            return self.services.export_csv(str(folder / f"donations-{stamp}.csv"))

        def done(result: Result, _tag: str) -> None:
            if result.get("success"):
                data = result["data"]
                self.staff.set_notice(self.tr("Exported {rows} gifts to {path}").format(
                    rows=data.get("rows", 0), path=data.get("path", "")), "ok")
            else:
                self.staff.set_notice(str(result.get("error", "")), "error")

        self.submit("export", job, done, worker=self.query_worker)

    def _resolve_partial(self, payment_id: str, accept: bool) -> None:
        def done(result: Result, _tag: str) -> None:
            if result.get("success"):
                self.staff.set_notice(self.tr("Partial payment accepted.") if accept
                                      else self.tr("Partial payment refused."), "ok")
            else:
                self.staff.set_notice(str(result.get("error", "")), "error")
            self._refresh_staff()

        self.submit(f"resolve:{payment_id}",
                    lambda: self.services.resolve_partial(payment_id, accept), done)

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.staff.set_paused(paused)
        self.staff.set_notice(self.tr("The kiosk is paused. Leave staff mode to show "
                                      "“Back in a moment”.") if paused
                              else self.tr("The kiosk is taking gifts again."), "ok")

    def _exit_app(self) -> None:
        if not self.staff_unlocked:
            return
        self._allow_close = True
        self.close()
        app = QApplication.instance()
        if app is not None and self.kiosk_mode:
            app.quit()

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
        for timer in (self.inactivity, self.thanks_timer, self.countdown_timer, self.expiry_timer,
                      self.retry_timer, self.staff_timer, self.ticker_timer):
            timer.stop()
        payment = self.payment
        self.totals_bridge.stop()
        if payment is not None and not payment.finished and payment.intent_id:
            # Best effort, off the GUI thread's event loop but bounded by the worker stop.
            intent = payment.intent_id
            self.action_worker.submit("cancel-on-exit", lambda: self.services.cancel_payment(intent))
        # Ask every worker to stop first, then wait for all of them against one
        # deadline: a slow provider delays the exit by one call's timeout, not
        # by one timeout per worker.
        workers = [w for w in (self.sync, self.reconciler, self.poller, self.action_worker,
                               self.query_worker) if w is not None]
        for worker in workers:
            worker.request_stop()
        deadline = time.monotonic() + SHUTDOWN_WAIT_S
        for worker in workers:
            wait_stopped(worker, int(max(0.0, deadline - time.monotonic()) * 1000))
        self.services.stop_demo()
        log.info("kiosk stopped")
