"""A one-line label that shrinks its type to fit, instead of widening the window.

A nine-digit amount, a long campaign total or a coin amount with eight decimals
would otherwise set the label's minimum width, and with it the window's.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QWidget


class FitLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(False)
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Preferred)  # may shrink to nothing
        self.setSizePolicy(policy)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def fitted_font(self) -> QFont:
        """The label's font, smaller if the text would not fit its width."""
        font = QFont(self.font())
        room = self.contentsRect().width() - 2 * self.margin() - 2
        text = self.text()
        if not text or room <= 0:
            return font
        width = QFontMetrics(font).horizontalAdvance(text)
        if width <= room:
            return font
        size = font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 4 / 3)
        new_size = max(8, int(size * room / width))
        font.setPixelSize(new_size)
        while new_size > 8 and QFontMetrics(font).horizontalAdvance(text) > room:
            new_size -= 1
            font.setPixelSize(new_size)
        return font

    def text_fits(self) -> bool:
        return QFontMetrics(self.fitted_font()).horizontalAdvance(self.text()) <= \
            max(0, self.contentsRect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        QFrame.paintEvent(self, event)  # background and border from the stylesheet
        painter = QPainter(self)
        # A right-to-left screen's text reads right to left ("١% … ٢٥٬٠٠٠ $"), as QLabel's.
        painter.setLayoutDirection(self.layoutDirection())
        painter.setFont(self.fitted_font())
        painter.setPen(self.palette().color(self.foregroundRole()))
        rect = self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(),
                                            -self.margin())
        painter.drawText(rect, int(self.alignment() | Qt.TextFlag.TextSingleLine), self.text())
        painter.end()
