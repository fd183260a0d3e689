"""The donor's language, as a part of the kiosk window (see kiosk/window_parts.py).

The attract screen offers the campaign's languages; a choice switches every
donor screen at once (texts, number formats, and the mirrored layout of a
right-to-left language), and the kiosk returns to the campaign's default
language whenever it goes back to the attract screen or staff open their PIN.
Staff screens keep their own language and direction throughout.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from kiosk.i18n import SOURCE_LANGUAGE
from kiosk.window_parts import WindowParts

log = logging.getLogger("charter.kiosk")


class LanguageFlow(WindowParts):
    def _donor_widgets(self) -> Iterator[QWidget]:
        yield from (self.attract, self.amount, self.keypad, self.method, self.pay,
                    self.tap_screen, self.thanks, self.error, self.paused_screen,
                    self.walkaway.overlay)

    def _setup_languages(self, catalogs: dict[str, Any]) -> None:
        """The campaign is known: its languages' catalogues, its default language."""
        self.language.set_catalogs({str(k): str(v) for k, v in catalogs.items()})
        offered = [code for code in self.campaign.languages if self.language.available(code)]
        missing = sorted(set(self.campaign.languages) - set(offered))
        if missing:
            log.warning("no translations could be loaded for %s: not offered", missing)
        self.attract.set_languages(offered, self.campaign.default_language)
        self._switch_language(self.campaign.default_language)

    def _language_chosen(self, code: str) -> None:
        self._switch_language(code)
        self._restart_inactivity()  # a choice is a touch: the donor is here

    def _reset_language(self) -> None:
        """The next donor starts in the campaign's language."""
        if self.is_ready and self.language.current != self.campaign.default_language:
            self._switch_language(self.campaign.default_language)

    def _staff_language(self) -> None:
        """Staff read English (the source), in English formats, whatever the campaign's
        language: a staff page built now (the cash keypad) gets plain digits too. The
        next donor gets the campaign's language back on the way home."""
        if self.is_ready and self.language.current != SOURCE_LANGUAGE:
            self._switch_language(SOURCE_LANGUAGE)

    def _switch_language(self, code: str) -> None:
        changed = code != self.language.current
        if not self.language.switch(code):
            self.attract.show_language(self.language.current)
            return
        direction = self.language.direction()
        for widget in self._donor_widgets():
            widget.setLayoutDirection(direction)
        self.attract.show_language(code)
        if not changed:
            return
        for widget in self._donor_widgets():
            retranslate = getattr(widget, "retranslate", None)
            if callable(retranslate):
                retranslate()
        self.test_banner.setText(QCoreApplication.translate(
            "KioskWindow", "TEST MODE · no real money is charged"))
        self._show_recent()
        log.info("donor language: %s", code)
