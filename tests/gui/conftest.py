"""Fixtures for the kiosk tests: the real provider sandbox and a fast-timed window."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtWidgets import QPushButton, QWidget
from pytestqt.qtbot import QtBot

from backend.db import close_database
from backend.sandbox import SandboxServer
from backend.settings import write_settings
from kiosk.main_window import KioskWindow, Timings

FAST = Timings(
    inactivity_ms=60_000,
    thanks_ms=60_000,
    poll_interval_s=0.2,
    poll_max_interval_s=1.0,
    poll_slow_after_s=2.0,
    expiry_grace_ms=300,
    retry_ready_ms=500,
    staff_refresh_ms=500,
    count_up_ms=50,
    tap_guard_ms=0,  # tests tap as fast as they like; test_attention checks the guard
)

CAMPAIGN = {
    "campaign": {
        "id": "test-campaign",
        "name": "Harbour Lights Appeal",
        "tagline": "Every gift keeps a light on",
        "currency": "usd",
        "goal": "1000",
        "max_amount": "500",
        "presets": ["10", "25", "50", "100"],
        "coins": ["btc", "eth", "xrp"],
    },
    "kiosk": {"id": "kiosk-test", "mode": "test"},
}


@pytest.fixture
def sandbox(shared_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[SandboxServer]:
    """The run's one sandbox (tests/conftest.py), reset, and the kiosk pointed at it."""
    server = shared_sandbox
    server.reset()
    config = server.config
    monkeypatch.setenv("STRIPE_API_BASE", server.url)
    monkeypatch.setenv("NOWPAYMENTS_API_BASE", server.url)
    monkeypatch.setenv("STRIPE_SECRET_KEY_TEST", config.stripe_secret_key)
    monkeypatch.setenv("NOWPAYMENTS_API_KEY_TEST", config.nowpayments_api_key)
    monkeypatch.setenv("BASE_URL", server.url)
    yield server
    server.reset()


@pytest.fixture
def campaign_settings() -> None:
    write_settings(CAMPAIGN)


@pytest.fixture
def fresh_db() -> Iterator[None]:
    close_database()  # each test binds the database in its own data directory
    yield
    close_database()


@pytest.fixture
def make_kiosk(qtbot: QtBot, sandbox: SandboxServer, campaign_settings: None, fresh_db: None
               ) -> Iterator[Callable[..., KioskWindow]]:
    windows: list[QWidget] = []

    def make(*, timings: Timings | None = None, argv: list[str] | None = None,
             clock: Callable[[], float] | None = None) -> KioskWindow:
        from kiosk.app import create_window

        args = argv if argv is not None else ["--windowed", "--size", "1280x800"]
        window = create_window(args, timings=timings or FAST)
        assert isinstance(window, KioskWindow)
        # What the window asked for (the offscreen screen is too small to keep it).
        window.setProperty("initialWindowState", int(window.windowState().value))
        if clock is not None:
            window.flow.clock = clock
        windows.append(window)
        qtbot.waitUntil(lambda: window.is_ready, timeout=15_000)
        return window

    yield make
    for window in windows:
        window.shutdown()  # type: ignore[attr-defined]
        window._allow_close = True  # type: ignore[attr-defined]
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    windows.clear()
    assert not [t for t in threading.enumerate() if t.name == "totals-watcher"]


@pytest.fixture
def kiosk(make_kiosk: Callable[..., KioskWindow]) -> KioskWindow:
    return make_kiosk()


def button(root: QWidget, name: str) -> QPushButton:
    widget = root.findChild(QPushButton, name)
    assert widget is not None, f"no button named {name}"
    return widget


def tap(qtbot: QtBot, root: QWidget, name: str) -> None:
    """Tap a visible, enabled button the way a person does."""
    widget = button(root, name)
    qtbot.waitUntil(lambda: widget.isVisible() and widget.isEnabled(), timeout=10_000)
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_keys(qtbot: QtBot, keypad_root: QWidget, keys: str) -> None:
    for key in keys:
        tap(qtbot, keypad_root, f"key_{'dot' if key == '.' else key}")


def corner_taps(qtbot: QtBot, window: QWidget, count: int = 5) -> None:
    for _ in range(count):
        target = window.childAt(QPoint(10, 10)) or window
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton,
                         pos=target.mapFrom(window, QPoint(10, 10)))
        time.sleep(0.01)
