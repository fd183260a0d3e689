"""The total in large type, counting up (or down) smoothly when it changes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEasingCurve, QVariantAnimation
from PySide6.QtWidgets import QWidget

from kiosk.widgets.fit_label import FitLabel


class CountUpLabel(FitLabel):
    """A label showing a money amount; `set_amount` animates towards the new value.

    The final text is always exactly `formatter(value)`: the animation only
    decorates the way there.
    """

    def __init__(self, formatter: Callable[[int], str], *, duration_ms: int = 1200,
                 parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self._formatter = formatter
        self._value: int | None = None
        self._animation = QVariantAnimation(self)
        self._animation.setDuration(duration_ms)
        self._animation.setEasingCurve(QEasingCurve.Type.OutCubic)
        self._animation.valueChanged.connect(self._show_step)
        self._animation.finished.connect(self._show_final)

    def set_formatter(self, formatter: Callable[[int], str]) -> None:
        self._formatter = formatter
        if self._value is not None:
            self.setText(formatter(self._value))

    def value(self) -> int | None:
        return self._value

    def set_amount(self, value: int, *, animate: bool = True) -> None:
        previous = self._value
        self._value = value
        self._animation.stop()
        if previous is None or previous == value or not animate or not self.isVisible():
            self._show_final()
            return
        self._animation.setStartValue(float(previous))
        self._animation.setEndValue(float(value))
        self._animation.start()

    def _show_step(self, step: object) -> None:
        if self._animation.state() == QVariantAnimation.State.Running:
            self.setText(self._formatter(round(float(step))))  # type: ignore[arg-type]

    def _show_final(self) -> None:
        if self._value is not None:
            self.setText(self._formatter(self._value))
            self.setAccessibleName(self._formatter(self._value))
