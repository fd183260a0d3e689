"""What a kiosk window does not do: style a size it only passes through, build the
keyboards of pages a donor has not opened (each was a tenth of the window's start-up),
or build the staff tools' pages before staff open them (two thirds of the staff screen)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QStackedLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk import theme
from kiosk.main_window import KioskWindow
from kiosk.staff_cash import CashGiftPage
from kiosk.staff_terminal import TerminalPage
from kiosk.staff_void import VoidPage
from kiosk.widgets.email_keyboard import EmailKeyboard
from kiosk.widgets.keyboard import LetterKeyboard
from tests.gui.conftest import tap
from tests.gui.fit import SIZES, settle


def test_a_change_of_screen_size_styles_the_window_once(
        make_kiosk: Callable[..., KioskWindow], monkeypatch: pytest.MonkeyPatch) -> None:
    """Every size of the matrix in turn, landscape and portrait: one restyle for each size
    whose scale differs from the last, none for a size the window only passed through."""
    kiosk = make_kiosk()
    scales: list[float] = []
    real = theme.scale_stylesheet

    def counted(qss: str, factor: float) -> str:
        scales.append(factor)
        return real(qss, factor)

    monkeypatch.setattr(theme, "scale_stylesheet", counted)
    expected: list[float] = []
    for width, height in SIZES:
        kiosk.theme.fit(width, height)  # type: ignore[attr-defined]
        assert (kiosk.width(), kiosk.height()) == (width, height)
        factor = theme.scale_factor(width, height)
        if factor != (expected[-1] if expected else theme.scale_factor(1280, 800)):
            expected.append(factor)
    assert scales == expected


def test_the_keyboards_are_built_when_their_page_first_opens(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    kiosk = make_kiosk()
    assert kiosk.findChildren(LetterKeyboard) == []
    assert kiosk.findChildren(EmailKeyboard) == []
    kiosk.stack.setCurrentWidget(kiosk.method)
    kiosk.method._open_name()
    qtbot.waitUntil(lambda: kiosk.method.keyboard.isVisible())
    kiosk.method._open_name()  # again: the same keyboard
    assert len(kiosk.findChildren(LetterKeyboard)) == 1
    kiosk.stack.setCurrentWidget(kiosk.thanks)
    kiosk.thanks.offer_receipt(True)
    kiosk.thanks._open_receipt()
    qtbot.waitUntil(lambda: kiosk.thanks.email_keyboard.isVisible())
    assert len(kiosk.findChildren(EmailKeyboard)) == 1


def test_the_staff_tools_pages_are_built_when_staff_first_open_them(
        qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]) -> None:
    kiosk = make_kiosk()
    kiosk._enter_staff()
    settle(kiosk, (800, 1280))  # a new layout for the staff screen: still none of them
    settle(kiosk, (1280, 800))
    staff = kiosk.staff
    assert staff.isVisible()

    def built() -> list[str]:
        return [page.objectName() for page in (
            *staff.findChildren(CashGiftPage), *staff.findChildren(VoidPage),
            *staff.findChildren(TerminalPage), *staff.findChildren(QWidget, "checksPage"))]

    assert built() == []
    for button_name, page_name, back in (("cashGiftButton", "cashGiftPage", "cashCancelButton"),
                                         ("voidCashButton", "voidPage", "voidCancelButton"),
                                         ("cardReaderButton", "terminalPage",
                                          "terminalBackButton")):
        for _ in range(2):  # opened twice: the same page
            tap(qtbot, staff, button_name)
            qtbot.waitUntil(lambda n=page_name: staff._pages.currentWidget().objectName() == n)
            tap(qtbot, staff, back)
            qtbot.waitUntil(lambda: staff._pages.currentWidget() is staff._main)
        assert built().count(page_name) == 1
    assert "checksPage" not in built()  # built when staff check the kiosk (test_staff.py)
    assert staff.checks_page is staff.checks_page
    assert built().count("checksPage") == 1


def test_a_hidden_page_never_sizes_its_stack(make_kiosk: Callable[..., KioskWindow]) -> None:
    """Qt's stacks ask every page, hidden ones too, for its height at a width: a hidden page
    answers "no preference" instead of laying out the text of each of its wrapped labels
    again, at every layout pass. Only the page on show sizes its stack."""
    kiosk = make_kiosk()
    kiosk._enter_staff()
    staff = kiosk.staff
    for part in (staff.cash_page, staff.checks_page, staff.void_page, staff.terminal_page,
                 kiosk.method.keyboard, kiosk.thanks.email_keyboard):
        assert kiosk.isAncestorOf(part)
    kiosk.error.show_error("partial", "Part of your payment has arrived", "word " * 400,
                           can_retry=True)  # a hidden page that would be very tall
    width = kiosk.stack.width()
    shown = kiosk.stack.currentWidget().heightForWidth(width)
    stacks = kiosk.findChildren(QStackedLayout)  # a QStackedWidget's own layout included
    hidden = [page for stack in stacks for index in range(stack.count())
              if (page := stack.widget(index)) is not None and page.isHidden()]
    assert len(hidden) >= 15
    for page in hidden:
        assert page.heightForWidth(width) == -1, page.objectName() or type(page).__name__
    assert kiosk.stack.layout().heightForWidth(width) == max(
        shown, kiosk.stack.layout().minimumSize().height())
