"""The stylesheet, scaled to the screen: written for 1920×1080, readable from 1280×720 up.

Type sizes and paddings scale with the window; borders and the minimum sizes
set in code do not, so touch targets never shrink below 64 px.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget

from kiosk.resources import read_text_resource

DESIGN_SIZE = (1920, 1080)
_SCALED = re.compile(r"(font-size|padding|border-radius|letter-spacing)\s*:\s*([^;]+);")
_PX = re.compile(r"(\d+(?:\.\d+)?)px")


def base_stylesheet() -> str:
    return read_text_resource("kiosk.qss")


def scale_factor(width: int, height: int) -> float:
    raw = min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1])
    return round(max(0.6, min(1.5, raw)) * 20) / 20  # steps of 0.05: few re-styles


def scale_stylesheet(qss: str, factor: float) -> str:
    if factor == 1.0:
        return qss

    def scale_px(match: re.Match[str]) -> str:
        return f"{max(1, round(float(match.group(1)) * factor))}px"

    def scale_rule(match: re.Match[str]) -> str:
        return f"{match.group(1)}: {_PX.sub(scale_px, match.group(2))};"

    return _SCALED.sub(scale_rule, qss)


class ScaledTheme(QObject):
    """Re-applies the stylesheet to `widget` whenever its size moves to another scale step."""

    def __init__(self, widget: QWidget, qss: str | None = None) -> None:
        super().__init__(widget)
        self._widget = widget
        self._qss = base_stylesheet() if qss is None else qss
        self.factor = 0.0
        widget.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        size = self._widget.size()
        factor = scale_factor(max(1, size.width()), max(1, size.height()))
        if factor != self.factor:
            self.factor = factor
            self._widget.setStyleSheet(scale_stylesheet(self._qss, factor))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Resize:
            self.apply()
        return False
