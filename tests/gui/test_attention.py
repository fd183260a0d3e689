"""The donor who walks away, and the tap meant for the screen before."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from backend.models import ContributionIntent
from backend.reconcile import Reconciler
from backend.sandbox import SandboxServer
from kiosk.main_window import KioskWindow
from tests.gui.conftest import FAST, button, tap
from tests.gui.test_flow import label_text, wait_screen


def start_card(qtbot: QtBot, kiosk: KioskWindow, amount: str = "10") -> str:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, f"amountButton_{amount}")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(kiosk.pay.qr.has_code, timeout=15_000)
    assert kiosk.payment is not None and kiosk.payment.intent_id
    return kiosk.payment.intent_id


def test_still_there_then_home_without_cancelling_and_the_gift_still_counts(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer) -> None:
    kiosk = make_kiosk(timings=replace(FAST, walkaway_ms=300, still_there_s=1))
    intent_id = start_card(qtbot, kiosk)
    session_id = kiosk.payment.ref if kiosk.payment else ""
    overlay = kiosk.walkaway.overlay
    qtbot.waitUntil(overlay.isVisible, timeout=5_000)
    assert "Still there?" in label_text(kiosk, "stillThereTitle")
    assert label_text(kiosk, "stillThereCountdown") == "Back to the start in 1 s"
    wait_screen(qtbot, kiosk, "attractScreen", timeout=5_000)
    assert not overlay.isVisible() and not kiosk.pay.qr.has_code()
    qtbot.wait(200)
    # Not cancelled: the donor may be paying on their phone right now...
    assert ContributionIntent.get_by_id(intent_id).status == "awaiting_payment"
    # ...and when they do, the reconciler's next pass (every 15 s at first; run here
    # at once, as `charter-kiosk reconcile` would) counts the gift after all.
    sandbox.pay_stripe_session(session_id, webhook=False)
    Reconciler().run_once(force=True)
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$10", timeout=10_000)


def test_a_touch_keeps_the_payment_on_screen(qtbot: QtBot,
                                            make_kiosk: Callable[..., KioskWindow]) -> None:
    # Taps 0.3 s apart for 1.8 s, against a 1.2 s walk-away: only a touch that restarts the
    # wait keeps the question away, with 0.9 s to spare for each gap on a loaded machine.
    kiosk = make_kiosk(timings=replace(FAST, walkaway_ms=1_200, still_there_s=1))
    start_card(qtbot, kiosk)
    for _ in range(6):  # a donor reading the steps, tapping now and then
        qtbot.wait(300)
        qtbot.mouseClick(kiosk.pay.steps, Qt.MouseButton.LeftButton)
    assert not kiosk.walkaway.overlay.isVisible()
    qtbot.waitUntil(kiosk.walkaway.overlay.isVisible, timeout=5_000)
    tap(qtbot, kiosk, "stillHereButton")  # the answer: the code stays
    assert not kiosk.walkaway.overlay.isVisible()
    assert kiosk.current_screen() is kiosk.pay and kiosk.pay.qr.has_code()
    tap(qtbot, kiosk, "cancelButton")
    wait_screen(qtbot, kiosk, "attractScreen")


def test_a_double_tap_on_tap_to_give_does_not_press_the_next_screen(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    kiosk = make_kiosk(timings=replace(FAST, tap_guard_ms=300))
    chosen: list[str] = []
    kiosk.amount.other.connect(lambda: chosen.append("other"))
    start = button(kiosk, "startButton")
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    assert kiosk.current_screen() is kiosk.amount
    # The second tap of the double tap lands where "Other amount" now is.
    other = button(kiosk, "otherAmountButton")
    qtbot.mouseClick(other, Qt.MouseButton.LeftButton)
    qtbot.mouseDClick(other, Qt.MouseButton.LeftButton)
    assert chosen == [] and kiosk.current_screen() is kiosk.amount
    time.sleep(0.32)  # a deliberate tap, after the screen has settled, works
    qtbot.mouseClick(other, Qt.MouseButton.LeftButton)
    assert chosen == ["other"] and kiosk.current_screen() is kiosk.keypad
