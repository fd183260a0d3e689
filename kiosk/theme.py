"""The stylesheet and the layout, chosen for the window's size and orientation.

The stylesheet is written for 1920×1080 (and 1080×1920 in portrait); type sizes,
paddings and the sizes the stylesheet sets are scaled with the screen (see
kiosk.layout.profile_for). Touch targets are set in code and never shrink below
9 mm. On every resize to another profile the window's `apply_profile` picks the
arrangement (side by side or stacked) and re-applies the design sizes.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QWidget

from kiosk.layout import Profile, apply_design, profile_for
from kiosk.resources import read_text_resource

_SCALED = re.compile(
    r"(font-size|padding|border-radius|letter-spacing|min-width|max-width|min-height|max-height)"
    r"\s*:\s*([^;]+);")
_PX = re.compile(r"(\d+(?:\.\d+)?)px")
MIN_BODY_PX = 16  # text designed at 24 px or more never goes below this
MIN_SMALL_PX = 13


def base_stylesheet() -> str:
    return read_text_resource("kiosk.qss")


def scale_factor(width: int, height: int) -> float:
    return profile_for(width, height).scale


def scale_stylesheet(qss: str, factor: float) -> str:
    if factor == 1.0:
        return qss

    def scale_px(match: re.Match[str]) -> str:
        return f"{max(1, round(float(match.group(1)) * factor))}px"

    def scale_font(match: re.Match[str]) -> str:
        # Readable at arm's length and at 1 m even on a 1024×600 tablet.
        design = float(match.group(1))
        return f"{max(min(design, MIN_BODY_PX if design >= 24 else MIN_SMALL_PX), round(design * factor))}px"

    def scale_rule(match: re.Match[str]) -> str:
        scale = scale_font if match.group(1) == "font-size" else scale_px
        return f"{match.group(1)}: {_PX.sub(scale, match.group(2))};"

    return _SCALED.sub(scale_rule, qss)


def screen_dpi(widget: QWidget) -> float | None:
    screen = widget.screen()
    if screen is None or screen.physicalSize().width() <= 0:
        return None
    return float(screen.physicalDotsPerInch())


class ScaledTheme(QObject):
    """Re-styles and re-lays out `widget` whenever its size moves to another profile."""

    def __init__(self, widget: QWidget, qss: str | None = None) -> None:
        super().__init__(widget)
        self._widget = widget
        self._qss = base_stylesheet() if qss is None else qss
        self.factor = 0.0
        self.profile: Profile | None = None
        self._fitting = False
        widget.installEventFilter(self)
        self.apply()

    def fit(self, width: int, height: int) -> None:
        """Lay the window out for `width`×`height` first, then take that size: resizing
        first would be held back by the minimum size of the layout for the old size."""
        self.apply(width, height)
        # The sizes the window passes through on its way are not styled: each restyle
        # re-polishes every widget (~0.1 s), and styling a passing size only to style the
        # target again doubled the cost of every change of screen.
        self._fitting = True
        try:
            for _ in range(3):
                # Style and layout changes are delivered as posted events: let them land,
                # then drop any minimum left over from a larger layout (the layout sets
                # the right one again when it next activates) and take the size.
                QCoreApplication.sendPostedEvents()
                layout = self._widget.layout()
                if layout is not None:
                    layout.activate()
                self._widget.setMinimumSize(0, 0)
                self._widget.resize(width, height)
                if (self._widget.width(), self._widget.height()) == (width, height):
                    break
        finally:
            self._fitting = False
        self.apply()  # the size it ended at (the target, unless the screen is smaller)

    def apply(self, width: int | None = None, height: int | None = None) -> None:
        size = self._widget.size()
        profile = profile_for(width or size.width(), height or size.height(),
                              screen_dpi(self._widget))
        if profile == self.profile:
            return
        self.profile = profile
        if profile.scale != self.factor:
            self.factor = profile.scale
            self._widget.setStyleSheet(scale_stylesheet(self._qss, profile.scale))
        apply_design(self._widget, profile)
        arrange = getattr(self._widget, "apply_profile", None)
        if callable(arrange):
            arrange(profile)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Resize and not self._fitting:
            self.apply()
        return False
