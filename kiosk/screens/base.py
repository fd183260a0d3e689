"""Small builders shared by the screens: buttons with names, labels with roles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.layout import design
from kiosk.widgets.fit_label import FitLabel


def button(text: str, name: str, role: str = "secondary", *, accessible: str | None = None,
           parent: QWidget | None = None, min_height: int = 96) -> QPushButton:
    """A touch button: object name for tests, accessible name for screen readers, a QSS
    role; its sizes follow the screen, never under a 9 mm target (kiosk.layout)."""
    widget = QPushButton(text, parent)
    widget.setObjectName(name)
    widget.setProperty("role", role)
    widget.setAccessibleName(accessible or text.replace("\n", " "))
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    design(widget, min_h=min_height, tap=True)  # scaled, never under a 9 mm target
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    return widget


def label(text: str = "", role: str = "body", name: str | None = None, *,
          wrap: bool = True, align: Qt.AlignmentFlag | None = None,
          parent: QWidget | None = None) -> QLabel:
    # One-line labels shrink their type rather than widen the window.
    widget = QLabel(text, parent) if wrap else FitLabel(text, parent)
    widget.setProperty("role", role)
    widget.setWordWrap(wrap)
    if name:
        widget.setObjectName(name)
    if align is not None:
        widget.setAlignment(align)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return widget


def header(title: QLabel, back: QPushButton | None = None,
           right: QWidget | None = None) -> QHBoxLayout:
    """A screen's top row: an optional Back button, the title, an optional widget on the right."""
    row = QHBoxLayout()
    design(row, spacing=24)
    if back is not None:
        back.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        design(back, min_w=200)
        row.addWidget(back, 0, Qt.AlignmentFlag.AlignVCenter)
    row.addWidget(title, 1)
    if right is not None:
        row.addWidget(right, 0, Qt.AlignmentFlag.AlignVCenter)
    elif back is not None:
        spacer = QWidget()
        design(spacer, fixed_w=200)
        row.addWidget(spacer)
    return row


def repolish(widget: QWidget) -> None:
    """Apply a changed dynamic property to the stylesheet."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
