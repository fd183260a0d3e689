"""What a kiosk window does not do: style a size it only passes through, or build the
keyboards of pages a donor has not opened (each was a tenth of the window's start-up)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from kiosk import theme
from kiosk.main_window import KioskWindow
from kiosk.widgets.email_keyboard import EmailKeyboard
from kiosk.widgets.keyboard import LetterKeyboard
from tests.gui.fit import SIZES


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
