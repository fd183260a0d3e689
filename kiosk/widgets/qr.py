"""A QR code drawn with QPainter from the `qrcode` library's module matrix (no Pillow)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.qr import QUIET_ZONE, Matrix, qr_matrix

__all__ = ["QUIET_ZONE", "Matrix", "QrWidget", "paint_matrix", "qr_matrix"]


def paint_matrix(painter: QPainter, matrix: Matrix, area: QRect) -> None:
    """Paint the code, quiet zone included, centred in `area` with whole-pixel modules."""
    count = len(matrix) + 2 * QUIET_ZONE
    side = min(area.width(), area.height())
    module = max(1, side // count)
    size = module * count
    left = area.x() + (area.width() - size) // 2
    top = area.y() + (area.height() - size) // 2
    painter.fillRect(QRect(left, top, size, size), QColor("white"))
    black = QColor("black")
    for y, row in enumerate(matrix):
        run_start = -1
        for x, on in enumerate([*row, False]):
            if on and run_start < 0:
                run_start = x
            elif not on and run_start >= 0:
                painter.fillRect(
                    QRect(left + (QUIET_ZONE + run_start) * module,
                          top + (QUIET_ZONE + y) * module,
                          (x - run_start) * module, module),
                    black,
                )
                run_start = -1


def qr_image(payload: str, module: int = 8) -> QImage:
    matrix = qr_matrix(payload)
    side = (len(matrix) + 2 * QUIET_ZONE) * module
    image = QImage(side, side, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    paint_matrix(painter, matrix, QRect(0, 0, side, side))
    painter.end()
    return image


class QrWidget(QWidget):
    """Shows one QR code, or nothing at all (never a stale code)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: Matrix | None = None
        self._payload = ""
        self.setMinimumSize(QSize(240, 240))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def set_code(self, payload: str, matrix: Matrix | None = None) -> None:
        self._payload = payload
        self._matrix = matrix if matrix is not None else qr_matrix(payload)
        self.setAccessibleDescription(payload)
        self.update()

    def clear(self) -> None:
        self._payload = ""
        self._matrix = None
        self.setAccessibleDescription("")
        self.update()

    def payload(self) -> str:
        return self._payload

    def has_code(self) -> bool:
        return self._matrix is not None

    def code_rect(self) -> QRect:
        """Where the code (quiet zone included) is painted: square, centred, whole pixels."""
        if self._matrix is None:
            return QRect()
        count = len(self._matrix) + 2 * QUIET_ZONE
        module = max(1, min(self.width(), self.height()) // count)
        size = module * count
        return QRect((self.width() - size) // 2, (self.height() - size) // 2, size, size)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._matrix is None:
            return
        painter = QPainter(self)
        paint_matrix(painter, self._matrix, self.rect())
        painter.end()
