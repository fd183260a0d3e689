"""A donor's path through the kiosk, against the real provider sandbox."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from backend.models import ContributionIntent
from backend.sandbox import SandboxServer
from kiosk.main_window import KioskWindow
from tests.gui.conftest import FAST, tap, type_keys


def label_text(window: KioskWindow, name: str) -> str:
    widget = window.findChild(QLabel, name)
    assert widget is not None, name
    return widget.text()


def wait_screen(qtbot: QtBot, window: KioskWindow, name: str, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: window.stack.currentWidget().objectName() == name, timeout=timeout)


def start_card(qtbot: QtBot, window: KioskWindow, amount: str = "25") -> str:
    tap(qtbot, window, "startButton")
    wait_screen(qtbot, window, "amountScreen")
    tap(qtbot, window, f"amountButton_{amount}")
    wait_screen(qtbot, window, "methodScreen")
    tap(qtbot, window, "payCardButton")
    wait_screen(qtbot, window, "paymentScreen")
    qtbot.waitUntil(lambda: window.pay.qr.isVisible() and window.pay.qr.has_code(),
                    timeout=15_000)
    assert window.pay.qr.payload().startswith("http")
    return window.payment.ref if window.payment and window.payment.ref else ""


def test_attract_shows_campaign_and_test_mode(kiosk: KioskWindow) -> None:
    assert label_text(kiosk, "campaignName") == "Harbour Lights Appeal"
    assert label_text(kiosk, "totalLabel") == "$0"
    assert kiosk.findChild(QLabel, "testModeBanner").isVisible()  # type: ignore[union-attr]
    assert "1,000" in label_text(kiosk, "goalLabel")


def test_full_card_donation_updates_the_total(qtbot: QtBot, kiosk: KioskWindow,
                                              sandbox: SandboxServer) -> None:
    session_id = start_card(qtbot, kiosk, "25")
    assert session_id.startswith("cs_test_")
    assert "Waiting" in label_text(kiosk, "paymentStatusLabel")
    assert "expires in" in label_text(kiosk, "countdownLabel")
    sandbox.pay_stripe_session(session_id, webhook=False)  # no relay: the poller finds it
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "$25" in label_text(kiosk, "thanksLabel")
    tap(qtbot, kiosk, "thanksDoneButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$25", timeout=5_000)
    qtbot.waitUntil(lambda: kiosk.attract.progress.value() == 2, timeout=5_000)


def test_full_crypto_donation_with_memo(qtbot: QtBot, kiosk: KioskWindow,
                                        sandbox: SandboxServer) -> None:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "otherAmountButton")
    wait_screen(qtbot, kiosk, "keypadScreen")
    type_keys(qtbot, kiosk.keypad, "40")
    tap(qtbot, kiosk, "amountContinueButton")
    wait_screen(qtbot, kiosk, "methodScreen")
    tap(qtbot, kiosk, "payCryptoButton_xrp")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    assert kiosk.pay.memo_box.isVisible()
    assert label_text(kiosk, "memoLabel").strip()
    assert "XRP" in label_text(kiosk, "payAmountLabel")
    assert label_text(kiosk, "payAddressLabel")
    payment_id = kiosk.payment.ref if kiosk.payment else ""
    sandbox.set_nowpayments_status(payment_id, "confirming", webhook=False)
    qtbot.waitUntil(lambda: "seen" in label_text(kiosk, "paymentStatusLabel"), timeout=5_000)
    sandbox.set_nowpayments_status(payment_id, "finished", webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "$40" in label_text(kiosk, "thanksLabel")
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$40", timeout=5_000)


def test_cancel_returns_to_attract_and_cancels_the_intent(qtbot: QtBot,
                                                          kiosk: KioskWindow) -> None:
    start_card(qtbot, kiosk, "10")
    intent_id = kiosk.payment.intent_id if kiosk.payment else None
    tap(qtbot, kiosk, "cancelButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    assert not kiosk.pay.qr.has_code()
    qtbot.waitUntil(lambda: ContributionIntent.get_by_id(intent_id).status == "cancelled",
                    timeout=5_000)
    assert label_text(kiosk, "totalLabel") == "$0"


def test_expiry_offers_a_new_code(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow],
                                  sandbox: SandboxServer) -> None:
    offset = [0.0]
    window = make_kiosk(clock=lambda: time.time() + offset[0])
    start_card(qtbot, window, "10")
    offset[0] = 3 * 3600  # the code's expiry time passes
    qtbot.waitUntil(lambda: not window.pay.qr.isVisible(), timeout=3_000)  # never a stale QR
    wait_screen(qtbot, window, "errorScreen")
    assert "expired" in label_text(window, "errorTitle")
    offset[0] = 0.0
    tap(qtbot, window, "errorRetryButton")
    wait_screen(qtbot, window, "paymentScreen")
    qtbot.waitUntil(lambda: window.pay.qr.has_code(), timeout=15_000)


def test_provider_down_shows_a_way_back(qtbot: QtBot, kiosk: KioskWindow,
                                        sandbox: SandboxServer) -> None:
    sandbox.set_fault(provider="stripe", mode="down")
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    tap(qtbot, kiosk, "payCardButton")
    wait_screen(qtbot, kiosk, "errorScreen", timeout=30_000)
    assert "Nothing has been charged" in label_text(kiosk, "errorLabel")
    assert not kiosk.pay.qr.has_code()
    tap(qtbot, kiosk, "errorHomeButton")
    wait_screen(qtbot, kiosk, "attractScreen")


def test_partial_crypto_payment_asks_for_staff(qtbot: QtBot, kiosk: KioskWindow,
                                               sandbox: SandboxServer) -> None:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_50")
    tap(qtbot, kiosk, "payCryptoButton_btc")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    payment_id = kiosk.payment.ref if kiosk.payment else ""
    sandbox.set_nowpayments_status(payment_id, "partially_paid", webhook=False)
    wait_screen(qtbot, kiosk, "errorScreen")
    assert "staff" in label_text(kiosk, "errorLabel")


def test_inactivity_returns_to_attract(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]
                                       ) -> None:
    timings = FAST.__class__(**{**FAST.__dict__, "inactivity_ms": 400})
    window = make_kiosk(timings=timings)
    tap(qtbot, window, "startButton")
    wait_screen(qtbot, window, "amountScreen")
    wait_screen(qtbot, window, "attractScreen", timeout=3_000)
    # A payment in progress is never taken away by the inactivity timer.
    start_card(qtbot, window, "10")
    qtbot.wait(1_000)
    assert window.stack.currentWidget() is window.pay
    tap(qtbot, window, "cancelButton")
    wait_screen(qtbot, window, "attractScreen")


def test_keypad_validates_as_you_type(qtbot: QtBot, kiosk: KioskWindow) -> None:
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "otherAmountButton")
    continue_button = kiosk.keypad.continue_button
    assert not continue_button.isEnabled()
    assert "$0.50" in label_text(kiosk, "amountHint") and "$500" in label_text(kiosk, "amountHint")
    type_keys(qtbot, kiosk.keypad, "0.2")
    assert not continue_button.isEnabled()
    assert "minimum" in label_text(kiosk, "amountHint")
    type_keys(qtbot, kiosk.keypad, "55")  # a third decimal is not accepted
    assert kiosk.keypad.text() == "0.25"
    for _ in range(4):
        tap(qtbot, kiosk.keypad, "key_back")
    type_keys(qtbot, kiosk.keypad, "600")
    assert not continue_button.isEnabled()
    assert "most" in label_text(kiosk, "amountHint")
    tap(qtbot, kiosk.keypad, "key_back")
    assert continue_button.isEnabled()
    assert continue_button.text() == "Give $60"


def test_display_name_is_sent_with_the_gift(qtbot: QtBot, kiosk: KioskWindow,
                                            sandbox: SandboxServer) -> None:
    from backend import charter

    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_10")
    tap(qtbot, kiosk, "addNameButton")
    for key in "ANA":
        qtbot.mouseClick(next(b for b in kiosk.method.keyboard.findChildren(
            type(kiosk.method.card_button)) if b.text() == key),
            __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
    tap(qtbot, kiosk, "nameDoneButton")
    assert "Ana" in label_text(kiosk, "nameStatus")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    sandbox.pay_stripe_session(kiosk.payment.ref if kiosk.payment else "", webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    recent = charter.recent_donations(limit=1)["data"]["donations"]  # type: ignore[typeddict-item]
    assert recent[0]["display_name"] == "Ana"


def test_a_gift_paid_after_the_donor_left_reaches_the_total(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer) -> None:
    from dataclasses import replace

    kiosk = make_kiosk(timings=replace(FAST, reconcile_idle_s=0.3))
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_10")
    wait_screen(qtbot, kiosk, "methodScreen")
    tap(qtbot, kiosk, "payCryptoButton_btc")
    qtbot.waitUntil(lambda: kiosk.pay.qr.has_code(), timeout=15_000)
    payment_id = kiosk.payment.ref if kiosk.payment else ""
    tap(qtbot, kiosk, "cancelButton")  # the donor walks away...
    wait_screen(qtbot, kiosk, "attractScreen")
    # ...and their wallet sends the coins anyway; no webhook reaches this kiosk.
    sandbox.set_nowpayments_status(payment_id, "finished", webhook=False)
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$10", timeout=10_000)
    assert kiosk.stack.currentWidget().objectName() == "attractScreen"


def test_an_unexpected_error_is_logged_and_the_kiosk_goes_home(
        qtbot: QtBot, kiosk: KioskWindow, caplog: object) -> None:
    import logging
    import sys
    import threading

    from kiosk.app import install_excepthooks

    saved, saved_thread = sys.excepthook, threading.excepthook
    try:
        install_excepthooks(kiosk)
        tap(qtbot, kiosk, "startButton")
        wait_screen(qtbot, kiosk, "amountScreen")
        with caplog.at_level(logging.CRITICAL, logger="charter.kiosk"):  # type: ignore[attr-defined]
            try:
                raise RuntimeError("a bug in a slot")
            except RuntimeError:
                sys.excepthook(*sys.exc_info())  # what PySide does with an exception in a slot
        wait_screen(qtbot, kiosk, "attractScreen")
        assert "a bug in a slot" in caplog.text  # type: ignore[attr-defined]
        # With a payment on screen the donor keeps their code: the error is only logged.
        start_card(qtbot, kiosk, "10")
        try:
            raise RuntimeError("a bug in the ticker")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        qtbot.wait(200)
        assert kiosk.stack.currentWidget().objectName() == "paymentScreen"
        assert kiosk.pay.qr.has_code()
    finally:
        sys.excepthook, threading.excepthook = saved, saved_thread


def test_a_confirming_crypto_payment_is_never_offered_a_new_code(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer) -> None:
    offset = [0.0]
    window = make_kiosk(clock=lambda: time.time() + offset[0])
    tap(qtbot, window, "startButton")
    tap(qtbot, window, "amountButton_10")
    wait_screen(qtbot, window, "methodScreen")
    tap(qtbot, window, "payCryptoButton_btc")
    qtbot.waitUntil(lambda: window.pay.qr.has_code(), timeout=15_000)
    payment_id = window.payment.ref if window.payment else ""
    sandbox.set_nowpayments_status(payment_id, "confirming", webhook=False)
    qtbot.waitUntil(lambda: "seen" in label_text(window, "paymentStatusLabel"), timeout=5_000)
    offset[0] = 3 * 3600  # slow blocks: the estimated expiry passes while confirming
    wait_screen(qtbot, window, "errorScreen")
    assert "on its way" in label_text(window, "errorTitle")
    assert "no need" in label_text(window, "errorLabel")
    retry = window.findChild(QPushButton, "errorRetryButton")
    assert retry is None or not retry.isVisible()  # no "new code": that would be paying twice
