"""The donor who walks away, and the tap meant for the screen before.

`WalkAway`: a payment screen left untouched for a minute asks "Still there?"
with a visible countdown. No answer: the kiosk goes back to its attract screen
for the next person. The payment is NOT cancelled: a donor who scanned the code
may be paying on their phone right now, and the reconciler counts the gift
whenever it is paid.

`TapGuard`: a tap that lands within 300 ms of a screen change was aimed at the
screen before (the second tap of a double tap on "Tap to give" would otherwise
press "Other amount"). It is swallowed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.layout import Profile, design
from kiosk.screens.base import button, label
from kiosk.text import number

_PRESSES = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
            QEvent.Type.TouchBegin)


class TapGuard:
    def __init__(self, guard_ms: int) -> None:
        self.guard_s = guard_ms / 1000
        self._changed = -1e9

    def screen_changed(self) -> None:
        self._changed = time.monotonic()

    def blocks(self, event: QEvent) -> bool:
        """True for a press that must not act: too soon after the screen changed."""
        return event.type() in _PRESSES and time.monotonic() - self._changed < self.guard_s


class StillThere(QFrame):
    """The question, over the payment screen: a countdown and one big answer."""

    answered = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("stillThere")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        design(outer, margins=(96, 96, 96, 96))
        outer.addStretch(1)
        self.card = QFrame()
        self.card.setObjectName("stillThereCard")
        card = QVBoxLayout(self.card)
        design(card, margins=(56, 48, 56, 48), spacing=24)
        self.title = label("", "h1", "stillThereTitle", align=Qt.AlignmentFlag.AlignCenter)
        card.addWidget(self.title)
        self.message = label("", "lead", align=Qt.AlignmentFlag.AlignCenter)
        card.addWidget(self.message)
        self.countdown = label("", "countdown", "stillThereCountdown", wrap=False,
                               align=Qt.AlignmentFlag.AlignCenter)
        card.addWidget(self.countdown)
        self.here_button = button("", "stillHereButton", "primary", min_height=120)
        self.here_button.clicked.connect(self.answered)
        card.addWidget(self.here_button)
        # Centred, as wide as the screen allows (apply_profile), never narrower than
        # its words need: a row with stretches either side, not an alignment.
        self.card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.card, 8)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Still there?"))
        self.title.setText(self.tr("Still there?"))
        self.message.setText(self.tr("If you have paid on your phone, your gift will be "
                                     "counted — there is nothing more to do here."))
        self.here_button.setText(self.tr("I'm still here"))
        self.here_button.setAccessibleName(self.here_button.text())

    def apply_profile(self, profile: Profile) -> None:
        side = max(profile.target, round(profile.width * (0.9 if profile.portrait else 0.6)))
        self.card.setMaximumWidth(side)

    def show_countdown(self, seconds: int) -> None:
        self.countdown.setText(self.tr("Back to the start in {n} s").format(
            n=number(max(0, seconds))))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.answered.emit()  # a tap anywhere is an answer

    def cover(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()


class WalkAway(QObject):
    """Idle timer for a payment screen, then the question, then `walked_away`."""

    walked_away = Signal()

    def __init__(self, window: QWidget, *, idle_ms: int, answer_s: int) -> None:
        super().__init__(window)
        self.answer_s = answer_s
        self.overlay = StillThere(window)
        self.overlay.answered.connect(self._answered)
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.setInterval(idle_ms)
        self.idle.timeout.connect(self.ask)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self._left = 0
        window.installEventFilter(self)

    def start(self) -> None:
        self.overlay.hide()
        self.tick.stop()
        self.idle.start()

    def stop(self) -> None:
        self.idle.stop()
        self.tick.stop()
        self.overlay.hide()

    def asking(self) -> bool:
        return self.overlay.isVisible()

    def touched(self) -> None:
        """Any touch while a payment is on screen: the donor is there."""
        if self.idle.isActive():
            self.idle.start()

    def ask(self) -> None:
        """Put the question up now (what the idle timer does after a minute)."""
        self._left = self.answer_s
        self.overlay.show_countdown(self._left)
        self.overlay.cover()
        self.tick.start()

    def _tick(self) -> None:
        self._left -= 1
        self.overlay.show_countdown(self._left)
        if self._left <= 0:
            self.stop()
            self.walked_away.emit()

    def _answered(self) -> None:
        self.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(event, QResizeEvent) \
                and self.overlay.isVisible():
            self.overlay.setGeometry(0, 0, event.size().width(), event.size().height())
        return False
