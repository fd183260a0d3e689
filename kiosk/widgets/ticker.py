"""A slow ticker of recent gifts: amount, method, how long ago, and a name if the donor chose."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget

GAP = 72.0


@dataclass(frozen=True)
class TickerItem:
    amount: str
    detail: str


class GiftTicker(QWidget):
    """Scrolls when the gifts do not fit; stands still (centred) when they do."""

    def __init__(self, parent: QWidget | None = None, *, speed_px_s: float = 60.0) -> None:
        super().__init__(parent)
        self._items: list[TickerItem] = []
        self._empty_text = ""
        self._offset = 0.0
        self._speed = speed_px_s
        self._content_width = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._step)
        self.amount_color = QColor("#FFFFFF")
        self.detail_color = QColor("#CFE3DA")
        self.setMinimumHeight(72)

    def sizeHint(self) -> QSize:
        return QSize(800, 80)

    def set_items(self, items: list[TickerItem], empty_text: str = "") -> None:
        self._items = items
        self._empty_text = empty_text
        self.setAccessibleDescription(
            "; ".join(f"{item.amount} {item.detail}" for item in items) or empty_text
        )
        self._measure()
        self.update()

    def items(self) -> list[TickerItem]:
        return list(self._items)

    def _fonts(self) -> tuple[QFont, QFont]:
        amount = QFont(self.font())
        amount.setPixelSize(max(20, int(self.height() * 0.42)))
        amount.setBold(True)
        detail = QFont(self.font())
        detail.setPixelSize(max(18, int(self.height() * 0.34)))
        return amount, detail

    def _item_width(self, item: TickerItem, metrics: tuple[QFontMetricsF, QFontMetricsF]) -> float:
        return metrics[0].horizontalAdvance(item.amount) + 14 + \
            metrics[1].horizontalAdvance(item.detail)

    def _measure(self) -> None:
        amount_font, detail_font = self._fonts()
        metrics = (QFontMetricsF(amount_font), QFontMetricsF(detail_font))
        self._content_width = sum(self._item_width(i, metrics) + GAP for i in self._items)
        if self._scrolling():
            if not self._timer.isActive() and self.isVisible():
                self._timer.start()
        else:
            self._timer.stop()
            self._offset = 0.0

    def _scrolling(self) -> bool:
        return bool(self._items) and self._content_width > self.width()

    def showEvent(self, event: object) -> None:
        self._measure()

    def hideEvent(self, event: object) -> None:
        self._timer.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._measure()

    def _step(self) -> None:
        self._offset += self._speed * self._timer.interval() / 1000.0
        if self._content_width > 0:
            self._offset %= self._content_width
        self.update()

    def placements(self, metrics: tuple[QFontMetricsF, QFontMetricsF] | None = None
                   ) -> list[tuple[int, TickerItem, float, float]]:
        """(index, gift, left edge, width) of every gift on screen now. The strip reads
        in the layout's direction: right to left, the first gift is on the right and the
        strip moves right, as the eye reads it."""
        if metrics is None:
            amount_font, detail_font = self._fonts()
            metrics = (QFontMetricsF(amount_font), QFontMetricsF(detail_font))
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        if self._scrolling():
            x, repeat = -self._offset, 2
        else:
            x, repeat = (self.width() - (self._content_width - GAP)) / 2, 1
        placed = []
        for _ in range(repeat):
            for index, item in enumerate(self._items):
                width = self._item_width(item, metrics)
                if x + width >= 0 and x <= self.width():
                    placed.append((index, item, self.width() - x - width if rtl else x, width))
                x += width + GAP
        return placed

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setLayoutDirection(self.layoutDirection())  # each gift reads in its language
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        amount_font, detail_font = self._fonts()
        metrics = (QFontMetricsF(amount_font), QFontMetricsF(detail_font))
        height = float(self.height())
        if not self._items:
            painter.setFont(detail_font)
            painter.setPen(self.detail_color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._empty_text)
            painter.end()
            return
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        absolute_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignAbsolute
        absolute_right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute
        last = len(self._items) - 1
        for index, item, x, width in self.placements(metrics):
            painter.setFont(amount_font)
            painter.setPen(self.amount_color)
            amount_w = metrics[0].horizontalAdvance(item.amount)
            # Right to left: the amount first on the right, its detail to its left.
            amount_x = x + width - amount_w - 2 if rtl else x
            detail = QRectF(x, 0, width - amount_w - 14, height) if rtl else \
                QRectF(x + amount_w + 14, 0, width, height)
            painter.drawText(QRectF(amount_x, 0, amount_w + 2, height),
                             int(Qt.AlignmentFlag.AlignVCenter | absolute_left), item.amount)
            painter.setFont(detail_font)
            painter.setPen(self.detail_color)
            painter.drawText(detail, int(Qt.AlignmentFlag.AlignVCenter | (
                absolute_right if rtl else absolute_left)), item.detail)
            if self._scrolling() or index < last:  # a dot before the next gift
                dot_x = x - GAP / 2 if rtl else x + width + GAP / 2
                painter.setBrush(self.detail_color)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawEllipse(QRectF(dot_x - 4, height / 2 - 4, 8, 8))
        painter.end()
