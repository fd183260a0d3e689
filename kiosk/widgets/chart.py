"""Gifts over time: the campaign's cumulative total rising through the event.

Each point is the running total at the end of a time bucket; the line starts
from zero just before the first gift, climbs through every bucket and runs on,
level, to the present moment.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from kiosk.model import GiftPoint
from kiosk.text import parse_time


def nice_top(value: int, steps: int = 4) -> int:
    """The smallest round axis maximum (1, 2, 2.5 or 5 times a power of ten per step)."""
    if value <= 0:
        return steps
    raw = value / steps
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return math.ceil(factor * magnitude * steps)
    return value


class GiftsChart(QWidget):
    def __init__(self, formatter: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._formatter = formatter
        self._points: list[tuple[dt.datetime, int]] = []
        self.empty_text = ""
        self.line = QColor("#7CE0B5")
        self.axis = QColor("#5E7F73")
        self.text = QColor("#CFE3DA")
        self.scale = 1.0
        self.bucket = dt.timedelta(minutes=1)
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.setMinimumHeight(120)

    def set_formatter(self, formatter: Callable[[int], str]) -> None:
        self._formatter = formatter
        self.update()

    def series(self) -> list[tuple[dt.datetime, int]]:
        """What the line goes through: zero before the first gift, each bucket's closing
        total at the bucket's end, and the latest total now."""
        if not self._points:
            return []
        first = self._points[0][0]
        line = [(first, 0)]
        line += [(moment + self.bucket, total) for moment, total in self._points]
        now = self.now()
        if now > line[-1][0]:
            line.append((now, line[-1][1]))
        return line

    def set_points(self, points: Iterable[GiftPoint]) -> None:
        parsed: list[tuple[dt.datetime, int]] = []
        for point in points:
            moment = parse_time(point.at)
            if moment is None:
                continue
            parsed.append((moment, point.total_minor))
        parsed.sort()
        self._points = parsed
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPixelSize(max(12, round(20 * self.scale)))
        painter.setFont(small)
        k = self.scale
        plot = QRectF(self.rect()).adjusted(130 * k, 16 * k, -24 * k, -44 * k)
        if len(self._points) < 1:
            painter.setPen(self.text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()
            return
        points = self.series()
        start, end = points[0][0], points[-1][0]
        span = max(1.0, (end - start).total_seconds())
        top = nice_top(max(total for _, total in points))

        def at(moment: dt.datetime, total: int) -> QPointF:
            x = plot.left() + plot.width() * (moment - start).total_seconds() / span
            y = plot.bottom() - plot.height() * total / top
            return QPointF(x, y)

        # Horizontal guides with amounts.
        painter.setPen(QPen(self.axis, 1, Qt.PenStyle.DotLine))
        for step in range(5):
            value = top * step // 4
            y = plot.bottom() - plot.height() * step / 4
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.save()
            painter.setPen(self.text)
            painter.drawText(QRectF(0, y - 14 * k, plot.left() - 14 * k, 28 * k),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             self._formatter(value))
            painter.restore()
        # Time labels at both ends and the middle.
        painter.setPen(self.text)
        for fraction in (0.0, 0.5, 1.0):
            moment = start + dt.timedelta(seconds=span * fraction)
            label = moment.astimezone().strftime("%H:%M")
            x = plot.left() + plot.width() * fraction
            align = (Qt.AlignmentFlag.AlignLeft if fraction == 0 else
                     Qt.AlignmentFlag.AlignRight if fraction == 1 else
                     Qt.AlignmentFlag.AlignHCenter)
            box = QRectF(x - 80 * k if fraction else x, plot.bottom() + 10 * k, 80 * k if fraction
                         in (0.0, 1.0) else 160 * k, 28 * k)
            if fraction == 0.5:
                box.moveLeft(x - 80 * k)
            painter.drawText(box, align | Qt.AlignmentFlag.AlignTop, label)

        # The total climbs through each bucket's gifts, then runs level to now.
        path = QPainterPath(at(*points[0]))
        for moment, total in points[1:]:
            path.lineTo(at(moment, total))
        area = QPainterPath(path)
        area.lineTo(QPointF(at(*points[-1]).x(), plot.bottom()))
        area.lineTo(QPointF(plot.left(), plot.bottom()))
        area.closeSubpath()
        gradient = QLinearGradient(0, plot.top(), 0, plot.bottom())
        fill = QColor(self.line)
        fill.setAlpha(120)
        gradient.setColorAt(0, fill)
        fill.setAlpha(10)
        gradient.setColorAt(1, fill)
        painter.fillPath(area, gradient)
        painter.setPen(QPen(self.line, max(2.0, 4 * k)))
        painter.drawPath(path)
        painter.end()
