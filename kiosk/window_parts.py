"""What the kiosk window's parts may use of the window (for the type checker only).

`KioskWindow` (kiosk/main_window.py) is assembled from parts, each a mixin with
one job: staff mode (kiosk/staff_flow.py), touches and keys (kiosk/input_flow.py)
and the donor's language (kiosk/language_flow.py). The donor's payment is not a
part but an object of its own, `flow` (kiosk/payment_flow.py). At run time
this class is empty; for mypy it lists what the window provides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QLabel, QStackedWidget

    from backend.result import Result
    from kiosk.attention import TapGuard, WalkAway
    from kiosk.i18n import Language
    from kiosk.layout import Profile
    from kiosk.model import Campaign, RecentGift, Totals
    from kiosk.payment_flow import PaymentFlow
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
    from kiosk.staff import StaffScreen
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
        demo_pin: str | None
        _allow_close: bool
        _recent: tuple[RecentGift, ...]
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
        staff_timer: QTimer
        walkaway: WalkAway
        flow: PaymentFlow
        stack: QStackedWidget
        profile: Profile | None
        tap_screen: TapScreen
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
        def open_staff_pin(self) -> None: ...
        def tr(self, sourceText: str, /, disambiguation: str | None = ..., n: int = ...
               ) -> str: ...
        def close(self, /) -> bool: ...
