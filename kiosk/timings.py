"""Every wait the kiosk makes, in one place: tests inject short ones."""

from __future__ import annotations

from dataclasses import dataclass


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
