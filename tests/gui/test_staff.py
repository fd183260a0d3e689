"""Staff mode: the hidden gesture, the PIN and its lock, cash gifts, pause."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.layout import MIN_TARGET_PX
from kiosk.main_window import KioskWindow
from tests.gui.conftest import corner_taps, tap, type_keys
from tests.support.pins import store_pin

PIN = "2468"


def open_pin(qtbot: QtBot, window: KioskWindow) -> None:
    corner_taps(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin, timeout=3_000)


def enter_pin(qtbot: QtBot, window: KioskWindow, pin: str) -> None:
    type_keys(qtbot, window.pin, pin)
    tap(qtbot, window, "pinOkButton")


def unlock(qtbot: QtBot, window: KioskWindow) -> None:
    open_pin(qtbot, window)
    enter_pin(qtbot, window, PIN)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.staff, timeout=5_000)


def message(window: KioskWindow) -> str:
    return window.pin.message.text()


def test_wrong_pins_lock_staff_mode(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    open_pin(qtbot, kiosk)
    for attempt in range(1, 5):
        enter_pin(qtbot, kiosk, "1111")
        qtbot.waitUntil(lambda a=attempt: f"{5 - a} tr" in message(kiosk), timeout=5_000)
    enter_pin(qtbot, kiosk, "1111")
    qtbot.waitUntil(lambda: "locked" in message(kiosk), timeout=5_000)
    enter_pin(qtbot, kiosk, PIN)  # even the right PIN waits for the lock
    qtbot.waitUntil(lambda: kiosk.pin.keypad.isEnabled(), timeout=5_000)
    assert "locked" in message(kiosk)
    assert kiosk.stack.currentWidget() is kiosk.pin


def test_staff_records_a_cash_gift(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "cashGiftButton")
    type_keys(qtbot, kiosk.staff.cash_keypad, "40")
    tap(qtbot, kiosk, "cashRecordButton")
    qtbot.waitUntil(lambda: "recorded" in kiosk.staff.notice.text(), timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.staff.values["cash"].text() == "$40", timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.staff.recent_table.rowCount() == 1, timeout=5_000)
    tap(qtbot, kiosk, "staffBackButton")
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.attract, timeout=3_000)
    total = kiosk.findChild(QLabel, "totalLabel")
    assert total is not None
    qtbot.waitUntil(lambda: total.text() == "$40", timeout=5_000)


def test_staff_void_a_mistyped_cash_gift(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    unlock(qtbot, kiosk)
    for amount in ("400", "4"):
        tap(qtbot, kiosk, "cashGiftButton")
        type_keys(qtbot, kiosk.staff.cash_keypad, amount)
        tap(qtbot, kiosk, "cashRecordButton")
        qtbot.waitUntil(lambda a=amount: f"${a}" in kiosk.staff.notice.text(), timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.staff.values["total"].text() == "$404", timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.staff.recent_table.rowCount() == 2, timeout=5_000)
    tap(qtbot, kiosk, "voidCashButton")
    page = kiosk.staff.void_page
    reasons = page.findChildren(QPushButton, "voidReasonButton")
    assert reasons and not any(r.isEnabled() for r in reasons)  # choose a gift first
    gifts = page.findChildren(QPushButton, "voidGiftButton")
    mistyped = next(g for g in gifts if "$400" in g.text())
    qtbot.mouseClick(mistyped, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: reasons[0].isEnabled(), timeout=2_000)
    qtbot.mouseClick(reasons[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "voided" in kiosk.staff.notice.text(), timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.staff.values["total"].text() == "$4", timeout=5_000)
    assert kiosk.staff.values["gross"].text() == "$404"
    assert kiosk.staff.values["corrections"].text() == "$400"
    qtbot.waitUntil(lambda: "voided" in kiosk.staff.recent_table.item(1, 1).text(),
                    timeout=5_000)


def test_pause_shows_back_in_a_moment(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "pauseButton")
    tap(qtbot, kiosk, "staffBackButton")
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.paused_screen, timeout=3_000)
    unlock(qtbot, kiosk)  # staff can always come back from the paused screen
    tap(qtbot, kiosk, "pauseButton")
    tap(qtbot, kiosk, "staffBackButton")
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.attract, timeout=3_000)


def test_kiosk_mode_ignores_leaving_shortcuts_and_close(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    window = make_kiosk(argv=[])  # full screen, frameless: the real kiosk
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert window.property("initialWindowState") & Qt.WindowState.WindowFullScreen.value
    window.close()  # what Alt+F4 asks for
    assert window.isVisible()
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert window.eventFilter(window.attract, event)  # swallowed
    escape = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    assert window.eventFilter(window.attract, escape)


def test_every_button_has_an_accessible_name(kiosk: KioskWindow) -> None:
    assert kiosk.findChild(QWidget, "staffScreen") is None  # built when staff mode opens
    assert kiosk.staff.objectName() == "staffScreen"  # ...or when asked for, as here
    for name in ("attractScreen", "totalLabel", "goalProgress", "startButton", "amountScreen",
                 "amountButton_25", "otherAmountButton", "methodScreen", "payCardButton",
                 "payCryptoButton_btc", "paymentScreen", "qrCode", "paymentStatusLabel",
                 "countdownLabel", "cancelButton", "simulatePayButton", "thanksScreen",
                 "thanksLabel", "errorScreen", "errorLabel", "staffScreen"):
        assert kiosk.findChild(QWidget, name) is not None, name
    # Every part built on first use, built now, so its buttons are checked too.
    for part in (kiosk.method.keyboard, kiosk.thanks.email_keyboard, kiosk.staff.cash_page,
                 kiosk.staff.checks_page, kiosk.staff.void_page, kiosk.staff.terminal_page):
        assert kiosk.isAncestorOf(part), part.objectName()
    for widget in kiosk.findChildren(QPushButton):
        assert widget.accessibleName().strip(), widget.objectName() or widget.text()
        # 9 mm on a 170 dpi panel (kiosk.layout); keys and letters too.
        assert widget.minimumHeight() >= MIN_TARGET_PX, widget.objectName() or widget.text()


def test_shutdown_leaves_no_thread_running(qtbot: QtBot, kiosk: KioskWindow) -> None:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_10")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    kiosk.shutdown()
    for thread in (kiosk.action_worker, kiosk.query_worker, kiosk.poller, kiosk.reconciler):
        assert thread is not None and not thread.isRunning()
    names = {t.name for t in threading.enumerate()}
    assert "totals-watcher" not in names


def test_staff_sees_open_payments_and_late_gifts(qtbot: QtBot, kiosk: KioskWindow) -> None:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_10")
    tap(qtbot, kiosk, "payCryptoButton_btc")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    tap(qtbot, kiosk, "cancelButton")
    qtbot.waitUntil(lambda: kiosk.stack.currentWidget() is kiosk.attract, timeout=5_000)
    store_pin(PIN)
    unlock(qtbot, kiosk)
    label = kiosk.staff.reconcile_label
    qtbot.waitUntil(lambda: "1 open" in label.text(), timeout=5_000)
    assert "under 5 min" in label.text()


def test_staff_runs_the_same_checks_as_the_command(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "checkKioskButton")
    summary = kiosk.staff.checks_summary
    qtbot.waitUntil(lambda: "Checking" not in summary.text(), timeout=30_000)
    table = kiosk.staff.checks_table
    rows = {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}
    assert rows["services: stripe"] == "ok"
    assert rows["services: nowpayments"] == "ok"
    assert rows["database: total"] == "ok"
    assert rows["services: relay"] == "WARN"  # no relay in this test: a warning, with its fix
    assert summary.text() == "Ready, with 1 warning."
    tap(qtbot, kiosk, "checksBackButton")
    qtbot.waitUntil(lambda: kiosk.staff._pages.currentWidget() is kiosk.staff._main,
                    timeout=2_000)


def test_shutdown_with_a_slow_provider_stops_every_worker_within_one_deadline(
        qtbot: QtBot, kiosk: KioskWindow, sandbox: object, caplog: object) -> None:
    import logging
    import time

    from kiosk.session import SHUTDOWN_WAIT_S

    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_10")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    sandbox.set_fault(provider="all", mode="slow", delay=8.0)  # type: ignore[attr-defined]
    qtbot.wait(1_000)  # the poller (and the reconciler) are now waiting on Stripe
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="charter.kiosk"):  # type: ignore[attr-defined]
        kiosk.shutdown()
    elapsed = time.monotonic() - started
    assert elapsed < SHUTDOWN_WAIT_S
    for thread in (kiosk.action_worker, kiosk.query_worker, kiosk.poller, kiosk.reconciler):
        assert thread is not None and not thread.isRunning()
    assert "did not stop" not in caplog.text  # type: ignore[attr-defined]
