"""Cents whenever a total is not whole, the same on every screen; the board's chart rises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pytestqt.qtbot import QtBot

from backend import charter
from backend.sandbox import SandboxServer
from kiosk.main_window import KioskWindow
from kiosk.model import GiftPoint
from kiosk.widgets.chart import GiftsChart
from tests.gui.conftest import tap
from tests.gui.test_flow import label_text, wait_screen


def test_cents_show_on_every_screen_when_the_total_has_them(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow], sandbox: SandboxServer) -> None:
    from kiosk.app import create_window

    kiosk = make_kiosk()
    assert charter.record_cash_gift("12.50")["success"]
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$12.50", timeout=5_000)
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "amountButton_25")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(kiosk.pay.qr.has_code, timeout=15_000)
    sandbox.pay_stripe_session(kiosk.payment.ref if kiosk.payment else "", webhook=False)
    wait_screen(qtbot, kiosk, "thanksScreen")
    assert "$25 " in label_text(kiosk, "thanksLabel") + " "  # a whole gift: no ".00"
    assert label_text(kiosk, "thanksTotalLabel") == "Together we have raised $37.50"
    tap(qtbot, kiosk, "thanksDoneButton")
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$37.50", timeout=5_000)
    kiosk._enter_staff()
    assert label_text(kiosk, "staffTotal_total") == "$37.50"
    kiosk._leave_staff()
    board = create_window(["display", "--windowed", "--size", "1280x800"])
    try:
        qtbot.waitUntil(lambda: board.total_label.text() == "$37.50",  # type: ignore[attr-defined]
                        timeout=10_000)
    finally:
        board.shutdown()  # type: ignore[attr-defined]
        board.close()
    assert charter.record_cash_gift("2.50")["success"]  # whole again: $40, not $40.00
    qtbot.waitUntil(lambda: label_text(kiosk, "totalLabel") == "$40", timeout=5_000)


def test_the_chart_shows_the_total_rising_through_the_event(qtbot: QtBot) -> None:
    chart = GiftsChart(lambda minor: f"${minor / 100:.2f}")
    qtbot.addWidget(chart)
    start = dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)
    chart.now = lambda: start + dt.timedelta(hours=2)
    chart.set_points([GiftPoint((start + dt.timedelta(minutes=m)).isoformat(), total)
                      for m, total in ((0, 2500), (30, 4000), (31, 9000), (75, 12_500))])
    series = chart.series()
    assert series[0] == (start, 0)  # from nothing, before the first gift
    totals = [total for _, total in series]
    assert totals == sorted(totals) and totals[-1] == 12_500
    assert series[-1][0] == start + dt.timedelta(hours=2)  # level to now
    times = [moment for moment, _ in series]
    assert times == sorted(times)
    chart.resize(800, 300)
    assert not chart.grab().isNull()  # and it paints
