"""A short, gentle burst of confetti for the thank-you screen."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

COLORS = ["#0B6E4F", "#F2B134", "#E4572E", "#2E86AB", "#7CC3A6", "#A23B72"]


@dataclass
class Piece:
    x: float
    y: float
    vx: float
    vy: float
    spin: float
    angle: float
    color: QColor
    size: float


class Celebration(QWidget):
    """Transparent overlay; `burst()` throws confetti that falls and fades in ~3 s."""

    def __init__(self, parent: QWidget | None = None, *, duration_ms: int = 3200) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._pieces: list[Piece] = []
        self._duration = duration_ms
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self.update)
        self._rng = random.Random(7)

    def burst(self, count: int = 90) -> None:
        width = max(1, self.width())
        self._pieces = [
            Piece(
                x=self._rng.uniform(0, width),
                y=self._rng.uniform(-self.height() * 0.5, 0),
                vx=self._rng.uniform(-40, 40),
                vy=self._rng.uniform(160, 320),
                spin=self._rng.uniform(-4, 4),
                angle=self._rng.uniform(0, math.pi),
                color=QColor(self._rng.choice(COLORS)),
                size=self._rng.uniform(10, 20),
            )
            for _ in range(count)
        ]
        self._clock.start()
        self._timer.start()

    def freeze_at(self, seconds: float) -> None:
        """Paint the burst as it looks `seconds` in (for screenshots)."""
        self._timer.stop()
        self._frozen = seconds
        self.update()

    def stop(self) -> None:
        self._timer.stop()
        self._pieces = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._pieces:
            return
        frozen = getattr(self, "_frozen", None)
        t = frozen if frozen is not None else self._clock.elapsed() / 1000.0
        if frozen is None and t * 1000 > self._duration:
            self.stop()
            return
        fade = max(0.0, min(1.0, (self._duration / 1000.0 - t) / 0.8))
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for piece in self._pieces:
            x = piece.x + piece.vx * t + 12 * math.sin(t * 3 + piece.angle)
            y = piece.y + piece.vy * t
            if y > self.height() + 20:
                continue
            color = QColor(piece.color)
            color.setAlphaF(fade)
            painter.save()
            painter.translate(QPointF(x, y))
            painter.rotate(math.degrees(piece.angle + piece.spin * t))
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(-piece.size / 2, -piece.size / 4, piece.size,
                                           piece.size / 2), 2, 2)
            painter.restore()
        painter.end()
