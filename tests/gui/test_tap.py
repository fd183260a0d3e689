"""Tap to give at the kiosk, against the sandbox's simulated reader: approved,
declined then approved, cancelled, reader offline, and the receipt."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from backend.sandbox import SandboxServer
from backend.settings import set_setting
from kiosk.main_window import KioskWindow
from tests.gui.conftest import tap
from tests.support.pins import store_pin


@pytest.fixture
def reader(sandbox: SandboxServer, campaign_settings: None) -> str:
    reader_id = str(sandbox.add_simulated_reader()["id"])
    set_setting("terminal", "reader_id", reader_id)
    return reader_id


def wait_screen(qtbot: QtBot, window: KioskWindow, name: str, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: window.stack.currentWidget().objectName() == name, timeout=timeout)


def text(window: KioskWindow, name: str) -> str:
    widget = window.findChild(QLabel, name)
    assert widget is not None, name
    return widget.text()


def start_tap(qtbot: QtBot, window: KioskWindow, amount: str = "25") -> None:
    tap(qtbot, window, "startButton")
    tap(qtbot, window, f"amountButton_{amount}")
    wait_screen(qtbot, window, "methodScreen")
    tap(qtbot, window, "payTapButton")
    wait_screen(qtbot, window, "tapScreen")
    qtbot.waitUntil(lambda: text(window, "tapStatus") == "The reader is ready.",
                    timeout=15_000)


def test_a_tap_gift_from_attract_to_thanks_with_a_receipt(
        qtbot: QtBot, reader: str, make_kiosk: Callable[..., KioskWindow],
        sandbox: SandboxServer) -> None:
    kiosk = make_kiosk()
    start_tap(qtbot, kiosk)
    assert text(kiosk, "tapPrompt") == "Tap, insert or swipe your card on the reader"
    assert "$25" in text(kiosk, "tapAmount")
    sandbox.present_card(reader, webhook=False)  # no relay: the poller finds it
    wait_screen(qtbot, kiosk, "thanksScreen")
    tap(qtbot, kiosk, "receiptButton")
    edit = kiosk.findChild(QLineEdit, "receiptEmailEdit")
    assert edit is not None
    for key in "ana@example.org":
        kiosk.thanks._type_email(key)  # the on-screen keyboard's keys
    tap(qtbot, kiosk, "receiptSendButton")
    qtbot.waitUntil(lambda: "on its way" in kiosk.thanks.receipt_button.text(), timeout=5_000)
    intent = next(iter(sandbox.stripe.terminal.intents.values()))
    assert intent["receipt_email"] == "ana@example.org"
    tap(qtbot, kiosk, "thanksDoneButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    qtbot.waitUntil(lambda: text(kiosk, "totalLabel") == "$25", timeout=5_000)


def test_declined_then_another_card(qtbot: QtBot, reader: str,
                                    make_kiosk: Callable[..., KioskWindow],
                                    sandbox: SandboxServer) -> None:
    kiosk = make_kiosk()
    start_tap(qtbot, kiosk, "50")
    sandbox.present_card(reader, "4000000000000002", webhook=False)
    qtbot.waitUntil(lambda: "declined" in text(kiosk, "tapStatus"), timeout=10_000)
    assert "Nothing has been charged" in text(kiosk, "tapStatus")
    tap(qtbot, kiosk, "tapRetryButton")
    qtbot.waitUntil(lambda: text(kiosk, "tapStatus") == "The reader is ready.", timeout=10_000)
    sandbox.present_card(reader, webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "$50" in text(kiosk, "thanksLabel")


def test_cancel_at_the_reader(qtbot: QtBot, reader: str, make_kiosk: Callable[..., KioskWindow],
                              sandbox: SandboxServer) -> None:
    kiosk = make_kiosk()
    start_tap(qtbot, kiosk)
    tap(qtbot, kiosk, "tapCancelButton")
    wait_screen(qtbot, kiosk, "attractScreen")
    intent = next(iter(sandbox.stripe.terminal.intents.values()))
    qtbot.waitUntil(lambda: sandbox.stripe.terminal.payment_intent(intent["id"])["status"]
                    == "canceled", timeout=10_000)


def test_reader_offline_offers_the_other_methods(
        qtbot: QtBot, reader: str, make_kiosk: Callable[..., KioskWindow],
        sandbox: SandboxServer) -> None:
    kiosk = make_kiosk()
    sandbox.set_reader_online(reader, False)
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    tap(qtbot, kiosk, "payTapButton")
    wait_screen(qtbot, kiosk, "errorScreen")
    assert "offline" in kiosk.error.message.text()
    assert "phone or crypto" in kiosk.error.message.text()


def test_no_reader_no_tap_button(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    kiosk = make_kiosk()
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    wait_screen(qtbot, kiosk, "methodScreen")
    assert not kiosk.method.tap_button.isVisible()
    assert kiosk.method.card_button.isVisible()


def test_staff_pair_a_reader_and_the_donor_sees_tap_card(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer) -> None:
    from backend import terminal
    from backend.settings import get_settings
    from tests.gui.test_staff import PIN, unlock

    assert terminal.create_location("Hall", {"line1": "1 Quay St", "city": "Portland",
                                             "country": "US", "postal_code": "97201"})["success"]
    kiosk = make_kiosk()
    store_pin(PIN)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "cardReaderButton")
    page = kiosk.staff.terminal_page
    qtbot.waitUntil(lambda: "No reader" in page.status.text(), timeout=10_000)
    for key in "simulated-wpe":
        page._type(key)  # the on-screen keyboard's keys
    tap(qtbot, kiosk, "readerPairButton")  # the only location is chosen already
    qtbot.waitUntil(lambda: "online" in page.status.text(), timeout=10_000)
    assert get_settings().terminal_reader_id
    assert kiosk.campaign.tap
    tap(qtbot, kiosk, "readerForgetButton")
    qtbot.waitUntil(lambda: "No reader" in page.status.text(), timeout=10_000)
    assert get_settings().terminal_reader_id is None and not kiosk.campaign.tap
