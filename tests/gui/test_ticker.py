"""The recent-gifts ticker reads in the donor's direction: in Arabic it starts on the
right and moves right, as the eye reads it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.widgets.ticker import GiftTicker, TickerItem

GIFTS = [TickerItem(f"${n}", f"card · {n} min ago") for n in range(1, 9)]


def ticker(qtbot: QtBot, direction: Qt.LayoutDirection, width: int) -> GiftTicker:
    widget = GiftTicker()
    qtbot.addWidget(widget)
    widget.setLayoutDirection(direction)
    widget.resize(width, 80)
    widget.show()
    widget.set_items(GIFTS)
    return widget


def test_left_to_right_the_first_gift_is_on_the_left_and_the_strip_moves_left(
        qtbot: QtBot) -> None:
    widget = ticker(qtbot, Qt.LayoutDirection.LeftToRight, 400)
    first = widget.placements()
    assert [index for index, *_ in first][:2] == [0, 1]
    assert first[0][2] < first[1][2]
    widget._step()
    assert widget.placements()[0][2] < first[0][2]


def test_right_to_left_the_first_gift_is_on_the_right_and_the_strip_moves_right(
        qtbot: QtBot) -> None:
    widget = ticker(qtbot, Qt.LayoutDirection.RightToLeft, 400)
    first = widget.placements()
    assert [index for index, *_ in first][:2] == [0, 1]
    _index, _item, left, width = first[0]
    assert left + width == 400 and first[1][2] < left  # the second gift is to its left
    widget._step()
    assert widget.placements()[0][2] > left


def test_gifts_that_fit_stand_still_centred_either_way(qtbot: QtBot) -> None:
    for direction in (Qt.LayoutDirection.LeftToRight, Qt.LayoutDirection.RightToLeft):
        widget = ticker(qtbot, direction, 4000)
        placed = widget.placements()
        assert len(placed) == len(GIFTS)
        left_margin = min(x for *_, x, _w in placed)
        right_margin = 4000 - max(x + w for *_, x, w in placed)
        assert abs(left_margin - right_margin) < 1
        order = [x for *_, x, _w in placed]
        ascending = direction == Qt.LayoutDirection.LeftToRight
        assert order == sorted(order, reverse=not ascending)
