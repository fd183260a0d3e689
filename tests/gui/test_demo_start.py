"""`--demo` shows its total before its sandbox and relay have started; a gift waits for them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kiosk.main_window import KioskWindow
from kiosk.services import BackendServices
from tests.gui.conftest import FAST, tap


class GatedDemo(BackendServices):
    """The real demo, whose servers start only when the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = threading.Event()
        self.gate = threading.Event()

    def start_demo(self) -> dict:  # type: ignore[type-arg]
        self.asked.set()
        self.gate.wait(30)
        return super().start_demo()


@pytest.fixture
def gated(qtbot: QtBot, fresh_db: None) -> Iterator[tuple[KioskWindow, GatedDemo]]:
    services = GatedDemo()
    window = KioskWindow(services, timings=FAST, kiosk_mode=False, demo=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        yield window, services
    finally:
        services.gate.set()
        window.shutdown()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def total(window: KioskWindow) -> str:
    label = window.findChild(QLabel, "totalLabel")
    assert label is not None
    return label.text()


def test_the_total_comes_first_and_a_gift_waits_for_the_sandbox(
        qtbot: QtBot, gated: tuple[KioskWindow, GatedDemo]) -> None:
    window, services = gated
    qtbot.waitUntil(lambda: window.is_ready, timeout=15_000)
    assert total(window) == "$0" and window.campaign.demo and window.campaign.tap
    qtbot.waitUntil(services.asked.is_set, timeout=5_000)  # asked after the total...
    assert services._demo is not None and not services._demo.started  # ...not yet running

    tap(qtbot, window, "startButton")
    tap(qtbot, window, "amountButton_25")
    tap(qtbot, window, "payCardButton")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pay, timeout=5_000)
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        qtbot.wait(50)
        assert not window.pay.qr.has_code()  # the Checkout Session waits for the sandbox

    services.gate.set()
    qtbot.waitUntil(lambda: window.pay.qr.has_code(), timeout=15_000)
    assert services._demo.started
    tap(qtbot, window, "simulatePayButton")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.thanks, timeout=15_000)
