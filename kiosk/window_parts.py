"""What the kiosk window's parts may use of the window (for the type checker only).

`KioskWindow` (kiosk/main_window.py) is assembled from parts, each a mixin with
one job: the donor's payment (kiosk/payment_flow.py), staff mode
(kiosk/staff_flow.py) and touches and keys (kiosk/input_flow.py). At run time
this class is empty; for mypy it lists what the window provides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel

    from backend.result import Result
    from kiosk.attention import TapGuard, WalkAway
    from kiosk.i18n import Language
    from kiosk.model import Campaign, Choice, Totals
    from kiosk.payment_flow import ActivePayment
    from kiosk.screens.amount import AmountScreen, KeypadScreen
    from kiosk.screens.attract import AttractScreen
    from kiosk.screens.error import ErrorScreen
    from kiosk.screens.method import MethodScreen
    from kiosk.screens.paused import PausedScreen
    from kiosk.screens.payment import PaymentScreen
    from kiosk.screens.pin import PinScreen
    from kiosk.screens.thanks import ThanksScreen
    from kiosk.services import Services
    from kiosk.staff import StaffScreen
    from kiosk.tap_flow import TapFlow
    from kiosk.timings import Timings
    from kiosk.workers import PaymentPoller, RelaySyncThread, TaskThread


class WindowParts:
    if TYPE_CHECKING:
        services: Services
        timings: Timings
        campaign: Campaign
        totals: Totals
        clock: Callable[[], float]
        kiosk_mode: bool
        staff_unlocked: bool
        paused: bool
        payment: ActivePayment | None
        demo_pin: str | None
        _choice: Choice
        _retry_choice: Choice | None
        _token: int
        _allow_close: bool
        _recent: list[dict[str, Any]]
        _corner_taps: list[float]
        attract: AttractScreen
        amount: AmountScreen
        keypad: KeypadScreen
        language: Language
        test_banner: QLabel
        is_ready: bool
        method: MethodScreen
        pay: PaymentScreen
        thanks: ThanksScreen
        error: ErrorScreen
        pin: PinScreen
        _staff: StaffScreen | None
        paused_screen: PausedScreen
        poller: PaymentPoller
        @property
        def query_worker(self) -> TaskThread: ...
        @property
        def sync(self) -> RelaySyncThread | None: ...
        inactivity: QTimer
        thanks_timer: QTimer
        countdown_timer: QTimer
        expiry_timer: QTimer
        staff_timer: QTimer
        walkaway: WalkAway
        tap_flow: TapFlow
        _receipt_intent: str | None
        tap_guard: TapGuard

        @property
        def staff(self) -> StaffScreen: ...
        def submit(self, tag: str, job: Callable[[], Result],
                   handler: Callable[[Result, str], None], *,
                   worker: TaskThread | None = None) -> None: ...
        def show_screen(self, screen: Any) -> None: ...
        def current_screen(self) -> Any: ...
        def go_home(self) -> None: ...
        def _refresh_totals(self) -> None: ...
        def _show_recent(self) -> None: ...
        def _restart_inactivity(self) -> None: ...
        def charged_minor(self, choice: Choice) -> int: ...
        def donor_error(self, english: str, generic: str | None = None) -> str: ...
        def to_minor(self, amount: str) -> int: ...
        def open_staff_pin(self) -> None: ...
        def tr(self, sourceText: str, /, disambiguation: str | None = ..., n: int = ...
               ) -> str: ...
        def close(self, /) -> bool: ...
