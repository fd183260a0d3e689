"""Scrolling made for fingers: drag the content itself, and a scroll bar 9 mm wide."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QScroller

from kiosk.layout import design


def finger_scroll(area: QAbstractScrollArea) -> None:
    """Drag (or flick) the content with a finger; the bar is wide enough to grab."""
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    if isinstance(area, QAbstractItemView):
        area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        area.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    bar = area.verticalScrollBar()
    bar.setObjectName("fingerScrollBar")
    design(bar, bar_w=48)
