"""What "fits" means on a kiosk screen, checked widget by widget (used by the size matrix)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.layout import profile_for
from kiosk.widgets.fit_label import FitLabel
from kiosk.widgets.qr import QUIET_ZONE, QrWidget

LANDSCAPE = [(1024, 600), (1280, 800), (1366, 768), (1920, 1080), (2560, 1440), (3840, 2160)]
PORTRAIT = [(800, 1280), (1080, 1920), (2160, 3840)]
SIZES = LANDSCAPE + PORTRAIT
MIN_TEXT_PX = 12


def settle(window: QWidget, size: tuple[int, int]) -> None:
    """As on a screen of `size`: the layout for it, then the size (kiosk.theme.fit)."""
    window.theme.fit(*size)  # type: ignore[attr-defined]
    for _ in range(3):
        QApplication.processEvents()
        layout = window.layout()
        if layout is not None:
            layout.activate()
    QApplication.processEvents()


def _in_scroll_area(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def problems(window: QWidget, size: tuple[int, int], what: str) -> list[str]:
    """Everything wrong with `window` at `size`: off-screen, clipped, too small to touch."""
    found: list[str] = []
    where = f"{size[0]}x{size[1]} {what}"
    if (window.width(), window.height()) != size:
        found.append(f"{where}: the window is {window.width()}x{window.height()} "
                     f"(minimum {window.minimumSizeHint().width()}x"
                     f"{window.minimumSizeHint().height()}){_culprits(window, size)}")
        return found
    profile = profile_for(*size)
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0:
            continue
        name = widget.objectName() or type(widget).__name__
        if isinstance(widget, QLabel) and widget.text():
            name += f" {widget.text()[:30]!r}"
        if not _in_scroll_area(widget, window):  # a list scrolls: its rows may be out of view
            box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
            if not frame.contains(box):
                found.append(f"{where}: {name} at {box.getRect()} is outside the window")
                continue
            parent = widget.parentWidget()
            if parent is not None and parent is not window and \
                    not parent.rect().contains(widget.geometry()):
                found.append(f"{where}: {name} is cut off by its parent")
        if isinstance(widget, QAbstractButton | QLineEdit) and widget.isEnabled():
            if min(widget.width(), widget.height()) < profile.target:
                found.append(f"{where}: {name} is {widget.width()}x{widget.height()}, under "
                             f"the {profile.target} px touch target")
            if isinstance(widget, QAbstractButton) and widget.text() and \
                    widget.width() < widget.minimumSizeHint().width() - 2:
                found.append(f"{where}: {name}'s text is clipped ({widget.width()} < "
                             f"{widget.minimumSizeHint().width()})")
        if isinstance(widget, QLabel) and widget.text():
            if isinstance(widget, FitLabel):
                if not widget.text_fits():
                    found.append(f"{where}: {name} does not fit even in small type")
            elif widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height() + 2:
                    found.append(f"{where}: {name} needs {needed} px, has {widget.height()}")
            elif widget.minimumSizeHint().width() > widget.width() + 2:
                found.append(f"{where}: {name} is clipped")
            if QFontInfo(widget.font()).pixelSize() < MIN_TEXT_PX:
                found.append(f"{where}: {name} text is {QFontInfo(widget.font()).pixelSize()} px")
    return found


def _culprits(window: QWidget, size: tuple[int, int]) -> str:
    """The widgets that ask for more than the screen has: where to look."""
    worst: list[tuple[int, str]] = []
    for widget in window.findChildren(QWidget):
        if widget.layout() is None:
            continue
        hint = widget.minimumSizeHint()
        tall = widget.heightForWidth(min(widget.width(), size[0])) if widget.hasHeightForWidth() \
            else hint.height()
        if hint.width() > size[0] * 0.9 or tall > size[1] * 0.9:
            worst.append((max(hint.width(), tall),
                          f"{widget.objectName() or type(widget).__name__} "
                          f"{hint.width()}x{hint.height()} hfw {tall}"))
    return " [" + "; ".join(text for _, text in sorted(worst)[:6]) + "]"


def qr_side(qr: QrWidget) -> int:
    """The painted code's side in pixels, modules only (the quiet zone not counted)."""
    matrix = qr._matrix
    assert matrix is not None
    count = len(matrix) + 2 * QUIET_ZONE
    module = max(1, min(qr.width(), qr.height()) // count)
    return module * len(matrix)
