"""Staff: void a mistyped cash gift recorded at this kiosk.

A touch kiosk has no keyboard for a free-text reason, so the reasons a treasurer
needs are buttons; the gift and its void both stay in the records (the export
lists them as two rows), and the void reaches every kiosk through the relay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QVBoxLayout, QWidget

from kiosk.layout import Page, design
from kiosk.model import RecentGift
from kiosk.screens.base import button, label
from kiosk.text import money, parse_time
from kiosk.widgets.touch import finger_scroll


class VoidPage(Page):
    void = Signal(int, str)  # donation id, reason
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voidPage")
        self._currency = "usd"
        self._selected: RecentGift | None = None
        layout = QVBoxLayout(self)
        design(layout, margins=(48, 32, 48, 32), spacing=16)
        layout.addWidget(label(self.tr("Void a cash gift"), "h1"))
        self.lead = label(self.tr("Choose the gift recorded here by mistake."), "lead")
        layout.addWidget(self.lead)
        self.empty = label(self.tr("No cash gift recorded here can be voided."), "hint",
                           "voidEmpty")
        layout.addWidget(self.empty)
        area = QScrollArea()
        area.setWidgetResizable(True)
        finger_scroll(area)
        self._list = QWidget()
        self._rows = QVBoxLayout(self._list)
        design(self._rows, spacing=10)
        self._rows.addStretch(1)
        area.setWidget(self._list)
        layout.addWidget(area, 1)
        self.reasons = QHBoxLayout()
        design(self.reasons, spacing=12)
        self._reason_buttons = []
        for reason in (self.tr("Mistyped amount"), self.tr("Recorded twice"),
                       self.tr("Entered by mistake")):
            choice = button(reason, "voidReasonButton", "danger", min_height=72)
            choice.clicked.connect(lambda _=False, r=reason: self._confirm(r))
            choice.setEnabled(False)
            self.reasons.addWidget(choice)
            self._reason_buttons.append(choice)
        layout.addLayout(self.reasons)
        cancel = button(self.tr("Cancel"), "voidCancelButton", "secondary", min_height=72)
        cancel.clicked.connect(self.back)
        layout.addWidget(cancel)

    def set_gifts(self, donations: Sequence[RecentGift], currency: str) -> None:
        """Show the cash gifts this kiosk may void (recorded here, not voided yet)."""
        self._currency = currency
        self._selected = None
        self._enable_reasons(False)
        while self._rows.count() > 1:
            item = self._rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone from the page now, deleted when Qt gets to it
                widget.deleteLater()
        gifts = [d for d in donations if d.voidable]
        self.empty.setVisible(not gifts)
        for index, gift in enumerate(gifts):
            moment = parse_time(gift.created_at)
            when = moment.astimezone().strftime("%H:%M") if moment else ""
            text = self.tr("{when}  {amount}  {name}").format(
                when=when, amount=money(gift.amount_minor, currency),
                name=gift.display_name or self.tr("Anonymous"))
            row = button(text, "voidGiftButton", "secondary", min_height=72)
            row.setCheckable(True)
            row.clicked.connect(lambda _=False, g=gift, b=row: self._select(g, b))
            self._rows.insertWidget(index, row)

    def _select(self, gift: RecentGift, chosen: Any) -> None:
        for index in range(self._rows.count() - 1):
            item = self._rows.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None and widget is not chosen and hasattr(widget, "setChecked"):
                widget.setChecked(False)
        self._selected = gift if chosen.isChecked() else None
        self._enable_reasons(self._selected is not None)
        if self._selected is not None:
            self.lead.setText(self.tr("Void {amount}? Choose why.").format(
                amount=money(gift.amount_minor, self._currency)))

    def _enable_reasons(self, on: bool) -> None:
        for choice in self._reason_buttons:
            choice.setEnabled(on)
        if not on:
            self.lead.setText(self.tr("Choose the gift recorded here by mistake."))

    def _confirm(self, reason: str) -> None:
        if self._selected is not None:
            self.void.emit(self._selected.donation_id, reason)
