"""Layouts chosen by the screen: size, orientation and the smallest touch target.

The screens are built once, for a 1920×1080 landscape design; each widget and
layout that has a size in that design records it here (`design(...)`), and
`apply_profile` re-applies every recorded size for the window's `Profile`:
scaled to the screen, never below a 9 mm touch target for anything tappable,
tighter on small screens. What changes between landscape and portrait (side by
side or stacked) is chosen by each screen's own `apply_profile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QBoxLayout, QLayout, QSizePolicy, QStackedLayout, QStackedWidget, QWidget

LANDSCAPE_DESIGN = (1920, 1080)
PORTRAIT_DESIGN = (1080, 1920)
# 9 mm on the densest kiosk panel we expect (a 7" 1024×600 tablet is ~170 dpi):
# 9 / 25.4 × 170 = 60 px: 60 px is a 9 mm target on every screen we support.
MIN_TARGET_PX = 60
TARGET_MM = 9.0
_KEY = "_charter_design"
_last_profile: Profile | None = None


@dataclass(frozen=True)
class Profile:
    """How the window is laid out for a given size."""

    width: int
    height: int
    portrait: bool
    scale: float  # type and spacing: 1.0 on the design screen of that orientation
    compact: bool  # a small screen (short side under 800 px): tighter spacing
    target: int  # the smallest touch target, px

    @property
    def name(self) -> str:
        size = "compact" if self.compact else "large" if self.scale >= 1.3 else "regular"
        return f"{'portrait' if self.portrait else 'landscape'}-{size}"

    def px(self, value: float) -> int:
        return max(0, round(value * self.scale))

    def gap(self, value: float) -> int:
        """Margins and spacing: a little tighter again on a small screen."""
        return max(2, round(value * self.scale * (0.6 if self.compact else 1.0)))

    def tap(self, value: float) -> int:
        """A touch target's side: the design size, scaled, never under the minimum."""
        return max(self.target, self.px(value))


def target_px(dpi: float | None = None) -> int:
    """9 mm in pixels at `dpi` (when the screen reports a believable one), at least 64."""
    if dpi is None or not 50 <= dpi <= 400:
        return MIN_TARGET_PX
    return max(MIN_TARGET_PX, round(TARGET_MM / 25.4 * dpi))


def profile_for(width: int, height: int, dpi: float | None = None) -> Profile:
    width, height = max(1, width), max(1, height)
    portrait = height > width
    design_w, design_h = PORTRAIT_DESIGN if portrait else LANDSCAPE_DESIGN
    raw = min(width / design_w, height / design_h)
    scale = round(max(0.5, min(2.0, raw)) * 20) / 20  # steps of 0.05: few re-styles
    return Profile(width, height, portrait, scale, min(width, height) < 800,
                   max(target_px(dpi), round(MIN_TARGET_PX * max(1.0, scale) * 0.9)))


def design(obj: QWidget | QLayout, **sizes: Any) -> None:
    """Record `obj`'s sizes in the 1920×1080 design.

    Widgets: `min_w`, `min_h`, `fixed_w`, `fixed_h` (px), `tap=True` for a touch
    target, `bar_w` for a vertical scroll bar, `section` for a header's row
    height. Layouts: `margins` (left, top, right, bottom), `spacing`,
    `hspacing`/`vspacing` for grids.
    """
    current = dict(getattr(obj, _KEY, {}))
    current.update(sizes)
    setattr(obj, _KEY, current)
    # Widgets made after the window was laid out (a coin button, a pending row) get
    # the current profile's sizes at once.
    if _last_profile is not None:
        if isinstance(obj, QLayout):
            _apply_layout(obj, current, _last_profile)
        else:
            _apply_widget(obj, current, _last_profile)


def _apply_widget(widget: QWidget, sizes: dict[str, Any], p: Profile) -> None:
    tap = bool(sizes.get("tap"))
    if "bar_w" in sizes:
        # A scroll bar a finger can hold: the stylesheet must agree with its width.
        width = p.tap(sizes["bar_w"])
        widget.setStyleSheet(f"QScrollBar:vertical {{ width: {width}px; }}")
        widget.setFixedWidth(width)
        return
    if "fixed_h" in sizes:
        widget.setFixedHeight(p.tap(sizes["fixed_h"]) if tap else p.px(sizes["fixed_h"]))
    if "fixed_w" in sizes:
        widget.setFixedWidth(p.tap(sizes["fixed_w"]) if tap else p.px(sizes["fixed_w"]))
    if "section" in sizes and hasattr(widget, "setDefaultSectionSize"):
        widget.setDefaultSectionSize(max(28, p.px(sizes["section"])))
    if "min_h" in sizes or tap:
        value = sizes.get("min_h", 0)
        widget.setMinimumHeight(p.tap(value) if tap else p.px(value))
    if "min_w" in sizes or tap:
        value = sizes.get("min_w", 0)
        # A width in the design never forces the window wider than the screen.
        limit = max(p.target, p.width // 2)
        widget.setMinimumWidth(min(limit, p.tap(value) if tap else p.px(value)))


def _apply_layout(layout: QLayout, sizes: dict[str, Any], p: Profile) -> None:
    if "margins" in sizes:
        left, top, right, bottom = sizes["margins"]
        layout.setContentsMargins(p.gap(left), p.gap(top), p.gap(right), p.gap(bottom))
    if "spacing" in sizes:
        layout.setSpacing(p.gap(sizes["spacing"]))
    for key, setter in (("hspacing", "setHorizontalSpacing"), ("vspacing", "setVerticalSpacing")):
        if key in sizes and hasattr(layout, setter):
            getattr(layout, setter)(p.gap(sizes[key]))


def apply_design(root: QWidget, p: Profile) -> None:
    """Re-apply every recorded design size under `root` (itself included)."""
    global _last_profile
    _last_profile = p
    for widget in [root, *root.findChildren(QWidget)]:
        sizes = getattr(widget, _KEY, None)
        if sizes:
            _apply_widget(widget, sizes, p)
    for layout in root.findChildren(QLayout):
        sizes = getattr(layout, _KEY, None)
        if sizes:
            _apply_layout(layout, sizes, p)


def set_direction(layout: QBoxLayout, stacked: bool) -> None:
    """Side by side (landscape) or stacked (portrait)."""
    layout.setDirection(QBoxLayout.Direction.TopToBottom if stacked
                        else QBoxLayout.Direction.LeftToRight)


class Page(QWidget):
    """A page of a stack (a screen of the window, a page of a screen).

    Qt's stacks ask every page for its height at a width, hidden pages too, and take the
    largest; a page answers by laying out again the text of every word-wrapped label on
    it, uncached. A hidden page here answers "no preference": only the page on show sizes
    its stack (as `current_page_sizes` does for the minimum size), and the text of pages
    nobody sees is no longer laid out at every layout pass (it was a third of the CPU of
    walking every page at every screen size, tests/gui/test_screen_sizes.py)."""

    def heightForWidth(self, width: int) -> int:
        if self.isHidden():
            return -1
        return super().heightForWidth(width)


def current_page_sizes(stack: QStackedWidget | QStackedLayout) -> None:
    """Only the page on show sets the stack's minimum size.

    A stack is otherwise as large as its largest page: the staff screen's
    minimum would hold every donor screen (and the window) too big for a small
    screen. Hidden pages are told to ignore their size; the page on show fits.
    """

    def update(_index: int = 0) -> None:
        current = stack.currentWidget()
        for index in range(stack.count()):
            page = stack.widget(index)
            if page is None:
                continue
            policy = QSizePolicy.Policy.Preferred if page is current else \
                QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        if isinstance(stack, QStackedWidget):
            stack.updateGeometry()

    stack.currentChanged.connect(update)
    update()
