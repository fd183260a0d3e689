"""`charter-kiosk display`: the live board follows gifts recorded anywhere."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from backend import charter
from kiosk.display import DisplayWindow


@pytest.fixture
def board(qtbot: QtBot, campaign_settings: None, fresh_db: None) -> Iterator[DisplayWindow]:
    from kiosk.app import create_window

    window = create_window(["display", "--windowed", "--size", "1280x800"])
    assert isinstance(window, DisplayWindow)
    qtbot.waitUntil(lambda: window.campaign.campaign_id == "test-campaign", timeout=10_000)
    yield window
    window.shutdown()
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_display_follows_gifts_from_another_thread(qtbot: QtBot, board: DisplayWindow) -> None:
    total = board.findChild(QLabel, "totalLabel")
    assert total is not None
    qtbot.waitUntil(lambda: total.text() == "$0", timeout=10_000)
    writer = threading.Thread(
        target=lambda: charter.record_cash_gift("75", display_name="Lee"))
    writer.start()
    writer.join()
    qtbot.waitUntil(lambda: total.text() == "$75", timeout=10_000)
    qtbot.waitUntil(lambda: "Lee" in board.recent_rows[0][1].text(), timeout=10_000)
    assert board.progress.value() == 7
    assert board.chart._points  # the chart has its first point


def test_the_board_shows_a_void_as_money_out_of_the_total(qtbot: QtBot,
                                                          board: DisplayWindow) -> None:
    total = board.findChild(QLabel, "totalLabel")
    net = board.findChild(QLabel, "netLabel")
    assert total is not None and net is not None
    writer = threading.Thread(target=lambda: charter.record_cash_gift("90"))
    writer.start()
    writer.join()
    qtbot.waitUntil(lambda: total.text() == "$90", timeout=10_000)
    assert net.text() == ""  # nothing came out: nothing to explain
    gift = charter.recent_donations()["data"]["donations"][0]["donation_id"]
    voider = threading.Thread(target=lambda: charter.void_cash_gift(gift, "mistyped"))
    voider.start()
    voider.join()
    qtbot.waitUntil(lambda: total.text() == "$0", timeout=10_000)
    qtbot.waitUntil(lambda: net.text() == "$90 given · $90 refunded or voided", timeout=10_000)
    qtbot.waitUntil(lambda: board.chart._points[-1][1] == 0, timeout=10_000)  # the chart too
