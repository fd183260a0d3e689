"""Touches and keys: the inactivity timer, the tap guard, blocked shortcuts and the
hidden staff gesture (five quick taps in the top-left corner).

A part of the kiosk window (see kiosk/window_parts.py).
"""

from __future__ import annotations

import logging
import time
from typing import cast

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QTouchEvent
from PySide6.QtWidgets import QWidget

from kiosk.window_parts import WindowParts

log = logging.getLogger("charter.kiosk")

STAFF_CORNER_PX = 120
STAFF_TAPS = 5
STAFF_TAP_WINDOW_S = 3.0
_INPUT_EVENTS = (QMouseEvent, QTouchEvent, QKeyEvent)


class InputFlow(WindowParts):
    def _restart_inactivity(self) -> None:
        screen = self.current_screen()
        paying = screen in (self.pay, self.tap_screen) and self.flow.paying
        if screen is self.attract or screen is self.paused_screen or paying:
            self.inactivity.stop()
        else:
            self.inactivity.start()

    def _on_inactive(self) -> None:
        screen = self.current_screen()
        if screen is self.pay and self.flow.paying:
            return
        log.info("no touch for a while: back to the start")
        self.go_home()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Every event of the application passes here (paints, timers, layouts: thousands a
        # second while a screen animates); only touches, clicks and keys go further, and
        # telling them by class is a C check where reading the type builds a Python enum.
        if not isinstance(event, _INPUT_EVENTS):
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin,
                    QEvent.Type.MouseButtonDblClick):
            if isinstance(watched, QWidget) and watched.window() is cast(QWidget, self):
                if self.tap_guard.blocks(event):
                    return True  # meant for the screen before this one
                self._restart_inactivity()
                self.walkaway.touched()
                if kind == QEvent.Type.MouseButtonPress:
                    position = getattr(event, "globalPosition", None)
                    if position is not None:
                        self._corner_tap(watched.window().mapFromGlobal(
                            position().toPoint()))
        elif (kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
              and isinstance(watched, QWidget) and watched.window() is cast(QWidget, self)):
            self._restart_inactivity()
            if self._blocked_key(event):
                return True
        return False

    def _blocked_key(self, event: QKeyEvent) -> bool:
        """Shortcuts that would leave the app do nothing outside staff mode."""
        if not self.kiosk_mode or self.staff_unlocked:
            return False
        key = event.key()
        mods = event.modifiers()
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Meta, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
                   Qt.Key.Key_F11):
            return True
        if mods & Qt.KeyboardModifier.AltModifier and key in (Qt.Key.Key_F4, Qt.Key.Key_Tab):
            return True
        combo = QKeySequence(event.keyCombination())
        blocked = (QKeySequence.StandardKey.Quit, QKeySequence.StandardKey.Close)
        return any(combo.matches(QKeySequence(s)) == QKeySequence.SequenceMatch.ExactMatch
                   for s in blocked) or bool(
            mods & Qt.KeyboardModifier.ControlModifier and key in (Qt.Key.Key_Q, Qt.Key.Key_W))

    def _corner_tap(self, point: QPoint) -> None:
        if not (0 <= point.x() < STAFF_CORNER_PX and 0 <= point.y() < STAFF_CORNER_PX):
            self._corner_taps.clear()
            return
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t < STAFF_TAP_WINDOW_S]
        self._corner_taps.append(now)
        if len(self._corner_taps) >= STAFF_TAPS:
            self._corner_taps.clear()
            self.open_staff_pin()
