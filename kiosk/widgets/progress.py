"""Goal progress: confirmed gifts in full colour, gifts on their way hatched after them."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QProgressBar, QWidget


class GoalProgress(QProgressBar):
    """A `QProgressBar` (value = confirmed percent of the goal) that also paints pending."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 100)
        self.setTextVisible(False)
        self.setMinimumHeight(36)
        self._confirmed = 0
        self._pending = 0
        self._goal = 0
        self.track = QColor("#E4DED3")
        self.fill = QColor("#0B6E4F")
        self.pending_fill = QColor("#7CC3A6")

    def set_amounts(self, confirmed: int, pending: int, goal: int) -> None:
        self._confirmed, self._pending, self._goal = max(0, confirmed), max(0, pending), goal
        percent = 0 if goal <= 0 else min(100, int(confirmed * 100 // goal))
        self.setValue(percent)
        self.update()

    def fractions(self) -> tuple[float, float]:
        if self._goal <= 0:
            return 0.0, 0.0
        done = min(1.0, self._confirmed / self._goal)
        pending = min(1.0 - done, self._pending / self._goal)
        return done, pending

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        radius = rect.height() / 2
        clip = QPainterPath()
        clip.addRoundedRect(rect, radius, radius)
        painter.setClipPath(clip)
        painter.fillRect(rect, self.track)
        done, pending = self.fractions()
        done_width = rect.width() * done
        pending_width = rect.width() * pending
        # The bar fills the way the screen reads: from the right in a right-to-left language.
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        if pending > 0:
            left = rect.right() - done_width - pending_width if rtl else rect.left() + done_width
            pending_rect = QRectF(left, rect.top(), pending_width, rect.height())
            painter.fillRect(pending_rect, self.pending_fill)
            painter.fillRect(pending_rect, QBrush(self.fill, Qt.BrushStyle.BDiagPattern))
        if done > 0:
            left = rect.right() - done_width if rtl else rect.left()
            painter.fillRect(QRectF(left, rect.top(), done_width, rect.height()), self.fill)
        painter.end()
