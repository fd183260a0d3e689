"""Staff: the checks page — the same checks as `charter-kiosk check`, each with its fix.

A part of the staff screen (kiosk/staff.py), kept here so that file stays one job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.layout import Page, design
from kiosk.screens.base import button, label
from kiosk.staff_model import KioskCheck
from kiosk.widgets.touch import finger_scroll

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QStackedLayout


class ChecksPage:
    if TYPE_CHECKING:
        _checks: QWidget | None
        _pages: QStackedLayout
        run_checks: SignalInstance

        def show_main(self) -> None: ...
        def _add_page(self, page: QWidget) -> QWidget: ...
        def tr(self, sourceText: str, /, disambiguation: str | None = ..., n: int = ...
               ) -> str: ...

    @property
    def checks_page(self) -> QWidget:
        """The checks page, built the first time staff check the kiosk (or anything asks
        for it, as `set_checks` does)."""
        if self._checks is None:
            self._checks = self._build_checks()
        return self._checks

    def _build_checks(self) -> QWidget:
        page = Page()
        page.setObjectName("checksPage")
        layout = QVBoxLayout(page)
        design(layout, margins=(72, 48, 72, 48), spacing=20)
        layout.addWidget(label(self.tr("Is this kiosk ready?"), "h1"))
        self.checks_summary = label(self.tr("Checking…"), "lead", "checksSummary")
        layout.addWidget(self.checks_summary)
        self.checks_table = QTableWidget(0, 3)
        self.checks_table.setObjectName("checksTable")
        self.checks_table.setAccessibleName(self.tr("Check results"))
        self.checks_table.setHorizontalHeaderLabels(
            [self.tr("Result"), self.tr("Check"), self.tr("Detail and fix")])
        self.checks_table.verticalHeader().setVisible(False)
        self.checks_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.checks_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.checks_table.setWordWrap(True)
        header = self.checks_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        finger_scroll(self.checks_table)
        layout.addWidget(self.checks_table, 1)
        row = QHBoxLayout()
        design(row, spacing=20)
        back = button(self.tr("Back"), "checksBackButton", "secondary")
        back.clicked.connect(self.show_main)
        self.checks_again = button(self.tr("Check again"), "checksAgainButton", "primary")
        self.checks_again.clicked.connect(self._open_checks)
        row.addWidget(back)
        row.addWidget(self.checks_again)
        layout.addLayout(row)
        return self._add_page(page)

    def _open_checks(self) -> None:
        page = self.checks_page
        self.checks_summary.setText(self.tr("Checking… (the network checks take a few seconds)"))
        self.checks_again.setEnabled(False)
        self.checks_table.setRowCount(0)
        self._pages.setCurrentWidget(page)
        self.run_checks.emit()

    def set_checks(self, checks: Sequence[KioskCheck] | None, error: str = "") -> None:
        if self._checks is None:  # an answer for a page not opened yet: build it first
            self._checks = self._build_checks()
        self.checks_again.setEnabled(True)
        if checks is None:
            self.checks_summary.setText(error or self.tr("The checks could not run."))
            return
        marks = {"pass": self.tr("ok"), "warn": self.tr("WARN"), "fail": self.tr("FAIL"),
                 "skip": self.tr("skip")}
        self.checks_table.setRowCount(len(checks))
        for row, check in enumerate(checks):
            detail = check.detail
            if check.status in ("fail", "warn") and check.fix:
                detail += "\n" + self.tr("Fix: {fix}").format(fix=check.fix)
            for column, text in enumerate((marks.get(check.status, "?"),
                                           f"{check.group}: {check.name}", detail)):
                self.checks_table.setItem(row, column, QTableWidgetItem(text))
        self.checks_table.resizeRowsToContents()
        failed = sum(1 for c in checks if c.status == "fail")
        warned = sum(1 for c in checks if c.status == "warn")
        if failed:
            self.checks_summary.setText(
                (self.tr("1 check failed: it shows its fix.") if failed == 1 else
                 self.tr("{n} checks failed: each shows its fix.")).format(n=failed))
        elif warned:
            self.checks_summary.setText(
                (self.tr("Ready, with 1 warning.") if warned == 1 else
                 self.tr("Ready, with {n} warnings.")).format(n=warned))
        else:
            self.checks_summary.setText(self.tr("All checks passed: ready for doors to open."))

