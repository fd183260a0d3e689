"""Staff: the main page's payments in progress and its status column (relay sync, the
reconciler, monthly giving, the notice), shown from kiosk/staff_model.py's dataclasses.

A part of the staff screen (kiosk/staff.py), kept here so that file stays one job.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.layout import design
from kiosk.model import Campaign
from kiosk.screens.base import button, label, repolish
from kiosk.staff_model import GivingSummary, PendingPayment, ReconcileSummary, SyncState
from kiosk.text import breakable, method_label, money
from kiosk.widgets.touch import finger_scroll

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance


def _ignore_width(widget: QWidget) -> None:
    """Text in the status column wraps to the column; it never sets the column's width."""
    policy = widget.sizePolicy()
    policy.setHorizontalPolicy(policy.Policy.Ignored)
    widget.setSizePolicy(policy)


class StatusColumn:
    if TYPE_CHECKING:
        _campaign: Campaign
        resolve_partial: SignalInstance

        def tr(self, sourceText: str, /, disambiguation: str | None = ..., n: int = ...
               ) -> str: ...

    def _build_status(self, body: QBoxLayout) -> None:
        pending_box = QVBoxLayout()
        pending_box.addWidget(label(self.tr("Payments in progress"), "h3"))
        self.pending_area = QScrollArea()
        self.pending_area.setObjectName("pendingArea")
        self.pending_area.setWidgetResizable(True)
        self.pending_list = QWidget()
        self.pending_list.setObjectName("pendingList")
        self.pending_layout = QVBoxLayout(self.pending_list)
        self.pending_layout.setContentsMargins(0, 0, 0, 0)
        self.pending_layout.setSpacing(10)
        self.pending_layout.addStretch(1)
        self.pending_area.setWidget(self.pending_list)
        finger_scroll(self.pending_area)
        pending_box.addWidget(self.pending_area, 1)
        body.addLayout(pending_box, 4)

        status_box = QWidget()
        status_box.setObjectName("staffStatus")
        status = QVBoxLayout(status_box)
        status.setContentsMargins(0, 0, 0, 0)
        design(status, spacing=8)
        status.addWidget(label(self.tr("Relay sync"), "h3"))
        self.sync_label = label("", "syncStatus", "syncStatusLabel")
        status.addWidget(self.sync_label)
        status.addWidget(label(self.tr("Late and open payments"), "h3"))
        self.reconcile_label = label("", "syncStatus", "reconcileStatusLabel")
        status.addWidget(self.reconcile_label)
        self.giving_label = label("", "syncStatus", "givingLabel")
        status.addWidget(self.giving_label)
        self.notice = label("", "notice", "staffNotice")
        status.addWidget(self.notice)
        status.addStretch(1)
        for widget in status_box.findChildren(QWidget):
            _ignore_width(widget)
        body.addWidget(status_box, 3)

    def set_notice(self, text: str, tone: str = "") -> None:
        # A file path has no spaces to wrap at: let it wrap after each separator.
        self.notice.setText(breakable(text.replace("/", "/\u200b").replace("\\", "\\\u200b"),
                                      every=24))
        self.notice.setProperty("tone", tone)
        repolish(self.notice)

    def set_giving(self, giving: GivingSummary) -> None:
        """Monthly donors still giving (and their year), and the fees donors covered."""
        currency = self._campaign.currency
        parts = []
        if giving.monthly_donors:
            parts.append(self.tr("{n} monthly donors · {year} a year").format(
                n=giving.monthly_donors, year=money(giving.monthly_yearly_minor, currency)))
        if giving.fees_minor:
            parts.append(self.tr("Fees covered by donors: {fees}").format(
                fees=money(giving.fees_minor, currency)))
        self.giving_label.setText("\n".join(parts))

    def set_pending(self, payments: Sequence[PendingPayment]) -> None:
        while self.pending_layout.count() > 1:
            item = self.pending_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not payments:
            empty = label(self.tr("Nothing in progress."), "hint")
            self.pending_layout.insertWidget(0, empty)
            return
        for index, payment in enumerate(payments):
            self.pending_layout.insertWidget(index, self._pending_row(payment))

    def _pending_row(self, payment: PendingPayment) -> QWidget:
        frame = QFrame()
        frame.setObjectName("pendingRow")
        needs_staff = payment.needs_staff
        frame.setProperty("flag", "staff" if needs_staff else "")
        layout = QGridLayout(frame)
        layout.setContentsMargins(16, 12, 16, 12)
        amount = money(payment.amount_minor, payment.currency)
        method = method_label(payment.method, payment.coin)
        status = payment.status.replace("_", " ")
        layout.addWidget(label(f"{amount} · {method}", "rowTitle"), 0, 0)
        # An age the answer did not give is left unsaid, never "0 min".
        layout.addWidget(label(status if payment.age_s is None else self.tr(
            "{status} · {minutes} min").format(status=status, minutes=payment.age_s // 60),
            "rowDetail"), 1, 0)
        if needs_staff:
            ref = payment.provider_ref
            layout.addWidget(label(self.tr("Partly paid: the donor needs help."), "rowFlag"),
                             2, 0)
            accept = button(self.tr("Accept"), f"acceptPartial_{ref}", "primary", min_height=64,
                            accessible=self.tr("Accept the partial payment"))
            refuse = button(self.tr("Refuse"), f"refusePartial_{ref}", "secondary",
                            min_height=64, accessible=self.tr("Refuse the partial payment"))
            accept.clicked.connect(lambda _=False, r=ref: self.resolve_partial.emit(r, True))
            refuse.clicked.connect(lambda _=False, r=ref: self.resolve_partial.emit(r, False))
            # Under the text, not beside it: the column may be narrow, the buttons are not.
            buttons = QHBoxLayout()
            design(buttons, spacing=12)
            buttons.addWidget(accept)
            buttons.addWidget(refuse)
            layout.addLayout(buttons, 3, 0)
        return frame

    def set_sync(self, state: SyncState | None) -> None:
        if state is None:
            self.sync_label.setText(self.tr("Not configured: this kiosk counts its own "
                                            "payments (it still polls each one)."))
            self.sync_label.setProperty("tone", "")
        elif not state.available:
            self.sync_label.setText(state.last_error or self.tr("Starting…"))
            self.sync_label.setProperty("tone", "warn")
        elif state.connected:
            parts = [self.tr("Connected")]
            if state.cursor is not None:
                parts.append(self.tr("event #{n}").format(n=state.cursor))
            if state.last_event_age_s is not None:
                parts.append(self.tr("last event {s} s ago").format(
                    s=int(state.last_event_age_s)))
            if state.lag_s is not None:
                parts.append(self.tr("lag {s:.1f} s").format(s=state.lag_s))
            self.sync_label.setText(" · ".join(parts))
            self.sync_label.setProperty("tone", "ok")
        else:
            self.sync_label.setText(self.tr("Disconnected: {error}").format(
                error=state.last_error or self.tr("reconnecting…")))
            self.sync_label.setProperty("tone", "warn")
        repolish(self.sync_label)

    def set_reconcile(self, summary: ReconcileSummary) -> None:
        """What the reconciler knows: open payments by age, late gifts, stale ones."""
        parts = [self.tr("{n} open").format(n=summary.open_count)]
        if summary.oldest:
            parts.append(self.tr("oldest {age}").format(age=summary.oldest))
        if summary.late_gifts:
            parts.append(self.tr("{n} late gifts counted after the donor left").format(
                n=len(summary.late_gifts)))
        if summary.stale:
            parts.append(self.tr("{n} past expiry: check the provider dashboard").format(
                n=len(summary.stale)))
        if summary.last_checked_at is not None:
            when = dt.datetime.fromtimestamp(summary.last_checked_at).strftime("%H:%M:%S")
            parts.append(self.tr("last checked {when}").format(when=when))
        self.reconcile_label.setText(" · ".join(parts))
        self.reconcile_label.setProperty("tone", "warn" if summary.stale else "")
        repolish(self.reconcile_label)
