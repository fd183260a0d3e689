"""Staff on a touch-only kiosk: a keyboard wherever staff type, columns that stay put,
scrolling for fingers, PIN dots that do not move."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScroller
from pytestqt.qtbot import QtBot

from backend import charter
from kiosk.layout import MIN_TARGET_PX
from kiosk.main_window import KioskWindow
from tests.gui.conftest import tap, type_keys
from tests.gui.fit import settle
from tests.gui.test_staff import PIN, unlock
from tests.support.pins import store_pin


def test_a_cash_donor_s_name_is_typed_on_the_screen(qtbot: QtBot, kiosk: KioskWindow) -> None:
    store_pin(PIN)
    unlock(qtbot, kiosk)
    tap(qtbot, kiosk, "cashGiftButton")
    type_keys(qtbot, kiosk.staff.cash_keypad, "12.5")
    qtbot.mouseClick(kiosk.staff.cash_page.name, Qt.MouseButton.LeftButton)
    letters = kiosk.staff.cash_page.letters
    assert letters.isVisible()  # touching the name field brings up the keyboard
    for key in ("L", "E", "E", "space", "O"):
        tap(qtbot, letters, f"letter_{key}")
    assert kiosk.staff.cash_page.name.text() == "Lee O"
    tap(qtbot, kiosk, "cashAmountTab")
    assert kiosk.staff.cash_keypad.isVisible()
    tap(qtbot, kiosk, "cashRecordButton")
    qtbot.waitUntil(lambda: "recorded" in kiosk.staff.notice.text(), timeout=5_000)
    gift = charter.recent_donations(limit=1)["data"]["donations"][0]  # type: ignore[typeddict-item]
    assert gift["display_name"] == "Lee O" and gift["amount_minor"] == 1250


def test_a_long_notice_never_moves_the_columns(qtbot: QtBot, kiosk: KioskWindow) -> None:
    kiosk._enter_staff()
    for size in ((1024, 600), (1920, 1080), (1080, 1920)):
        settle(kiosk, size)
        before = [b.geometry() for b in kiosk.staff.tool_buttons]
        table = kiosk.staff.recent_table.geometry()
        kiosk.staff.set_notice("Exported 12 gifts to /home/kiosk/.local/share/charter-kiosk/"
                               "exports/donations-20261130-153000.csv", "ok")
        settle(kiosk, size)
        assert [b.geometry() for b in kiosk.staff.tool_buttons] == before
        assert kiosk.staff.recent_table.geometry() == table
        assert kiosk.staff.notice.height() >= kiosk.staff.notice.heightForWidth(
            kiosk.staff.notice.width())  # wrapped, all of it shown
        kiosk.staff.set_notice("")


def test_lists_scroll_under_a_finger(kiosk: KioskWindow) -> None:
    kiosk._enter_staff()
    # Built when staff first check the kiosk: here, built and left hidden, as it was.
    assert kiosk.staff.checks_page.objectName() == "checksPage"
    settle(kiosk, (1024, 600))
    for area in (kiosk.staff.recent_table, kiosk.staff.checks_table, kiosk.staff.pending_area):
        assert QScroller.grabbedGesture(area.viewport()) != Qt.GestureType(0)
        assert area.verticalScrollBar().width() >= MIN_TARGET_PX


def test_pin_dots_keep_their_place(qtbot: QtBot, kiosk: KioskWindow) -> None:
    kiosk.open_staff_pin()
    texts = [kiosk.pin.dots.text()]
    for key in "1234":
        tap(qtbot, kiosk.pin, f"key_{key}")
        texts.append(kiosk.pin.dots.text())
    assert len({len(text) for text in texts}) == 1  # same glyph count: nothing shifts
    assert texts[0] == "○ ○ ○ ○" and texts[-1] == "● ● ● ●"
    assert texts[2] == "● ● ○ ○"
