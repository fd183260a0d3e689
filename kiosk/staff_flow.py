"""Staff mode: the PIN, the staff screen's actions, pausing and leaving the app.

A part of the kiosk window (see kiosk/window_parts.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QSizePolicy

from backend.result import Result
from kiosk.answers import (
    carried,
    cash_recorded,
    cash_voided,
    csv_export,
    kiosk_checks,
    paired_reader,
    partial_resolved,
    pin_accepted,
    reader_setup,
    staff_overview,
    unpacked_as,
)
from kiosk.model import Refusal, to_minor
from kiosk.staff_model import (
    CashRecorded,
    CashVoided,
    CsvExport,
    PartialResolved,
    PinAccepted,
    Reader,
    ReaderSetup,
    StaffOverview,
)
from kiosk.text import money
from kiosk.window_parts import WindowParts

if TYPE_CHECKING:
    from kiosk.staff import StaffScreen


class StaffFlow(WindowParts):
    @property
    def staff(self) -> StaffScreen:
        """The staff screen, built the first time staff mode opens (or anything asks for
        it). It holds half the window's widgets (~215 of ~425): building and styling them
        at start cost every start ~50 ms for a screen no donor sees."""
        if self._staff is None:
            from kiosk.staff import StaffScreen

            staff = StaffScreen()
            # Hidden, it must not set the stack's (and window's) minimum size: see
            # kiosk.layout.current_page_sizes, which takes over once it is shown.
            staff.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            self.stack.addWidget(staff)
            staff.back.connect(self._leave_staff)
            staff.cash_gift.connect(self._record_cash)
            staff.export_csv.connect(self._export_csv)
            staff.pause_changed.connect(self._set_paused)
            staff.exit_app.connect(self._exit_app)
            staff.resolve_partial.connect(self._resolve_partial)
            staff.run_checks.connect(self._run_checks)
            staff.void_cash.connect(self._void_cash)
            staff.reader_refresh.connect(self._reader_setup)
            staff.reader_register.connect(self._pair_reader)
            staff.reader_forget.connect(self._forget_reader)
            staff._pages.currentChanged.connect(lambda _index: self.tap_guard.screen_changed())
            if self.profile is not None:
                staff.apply_profile(self.profile)
            if self.is_ready:
                staff.set_campaign(self.campaign)
                staff.set_totals(self.totals)
            self._staff = staff
        return self._staff

    def open_staff_pin(self) -> None:
        screen = self.current_screen()
        if screen is self.pin or (self._staff is not None and screen is self._staff):
            return
        if screen is self.pay and self.flow.paying:
            return  # never take the screen from a donor who is paying
        self.pin.reset(self.tr("Demo PIN: {pin}").format(pin=self.demo_pin)
                       if self.demo_pin else "")
        self.show_screen(self.pin)

    def _check_pin(self, pin: str) -> None:
        def done(result: Result, _tag: str) -> None:
            if self.current_screen() is not self.pin:
                return
            answer = unpacked_as(result, PinAccepted)
            if isinstance(answer, PinAccepted):
                self._enter_staff()
            else:
                self.pin.reset()
                self.pin.set_message(answer.error, "error")

        services = self.services
        self.submit("pin", lambda: carried(pin_accepted(services.verify_pin(pin))), done,
                    worker=self.query_worker)

    # --- staff mode ----------------------------------------------------------------

    def _enter_staff(self) -> None:
        self.staff_unlocked = True
        self._allow_close = True
        self.staff.show_main()
        self.staff.set_paused(self.paused)
        self.staff.set_notice("")
        self.staff.set_totals(self.totals)
        self.staff.set_recent(self._recent)
        self.show_screen(self.staff)
        self._refresh_staff()
        self.staff_timer.start()

    def _leave_staff(self) -> None:
        self._allow_close = not self.kiosk_mode
        self.go_home()

    def _refresh_staff(self) -> None:
        if self._staff is None or self.current_screen() is not self._staff:
            self.staff_timer.stop()
            return
        self._refresh_totals()
        services, sync = self.services, self.sync

        def job() -> Result:
            return carried(staff_overview(services, sync.state() if sync is not None else None))

        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, StaffOverview)
            if isinstance(answer, Refusal):
                return  # the page keeps what it showed; the next refresh asks again
            if answer.pending is not None:
                self.staff.set_pending(answer.pending)
            self.staff.set_sync(answer.sync if self.campaign.relay_url else None)
            if answer.reconcile is not None:
                self.staff.set_reconcile(answer.reconcile)
            if answer.giving is not None:
                self.staff.set_giving(answer.giving)

        self.submit("staff", job, done, worker=self.query_worker)

    def _record_cash(self, amount: str, name: str) -> None:
        self.staff.set_notice(self.tr("Recording…"))

        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, CashRecorded)
            if isinstance(answer, CashRecorded):
                minor = to_minor(amount, self.campaign.decimals) or 0
                self.staff.set_notice(self.tr("Cash gift of {amount} recorded.").format(
                    amount=money(minor, self.campaign.currency)), "ok")
            else:
                self.staff.set_notice(answer.error, "error")
            self._refresh_staff()

        services = self.services
        self.submit("cash", lambda: carried(cash_recorded(
            services.record_cash_gift(amount, name or None, None))), done)

    def _run_checks(self) -> None:
        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, tuple)
            if isinstance(answer, Refusal):
                self.staff.set_checks(None, answer.error)
            else:
                self.staff.set_checks(answer)

        # The network checks wait on the relay and both providers: never on this thread.
        services = self.services
        self.submit("checks", lambda: carried(kiosk_checks(services.run_checks())), done,
                    worker=self.query_worker)

    def _export_csv(self) -> None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")

        def job() -> Result:
            from backend.settings import data_dir

            folder = data_dir() / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            return carried(csv_export(
                self.services.export_csv(str(folder / f"donations-{stamp}.csv"))))

        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, CsvExport)
            if isinstance(answer, CsvExport):
                self.staff.set_notice(self.tr("Exported {rows} gifts to {path}").format(
                    rows=answer.rows, path=answer.path), "ok")
            else:
                self.staff.set_notice(answer.error, "error")

        self.submit("export", job, done, worker=self.query_worker)

    def _resolve_partial(self, payment_id: str, accept: bool) -> None:
        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, PartialResolved)
            if isinstance(answer, PartialResolved):
                self.staff.set_notice(self.tr("Partial payment accepted.") if accept
                                      else self.tr("Partial payment refused."), "ok")
            else:
                self.staff.set_notice(answer.error, "error")
            self._refresh_staff()

        services = self.services
        self.submit(f"resolve:{payment_id}", lambda: carried(partial_resolved(
            services.resolve_partial(payment_id, accept))), done)

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.staff.set_paused(paused)
        self.staff.set_notice(self.tr("The kiosk is paused. Leave staff mode to show "
                                      "“Back in a moment”.") if paused
                              else self.tr("The kiosk is taking gifts again."), "ok")

    def _exit_app(self) -> None:
        if not self.staff_unlocked:
            return
        self._allow_close = True
        self.close()
        app = QApplication.instance()
        if app is not None and self.kiosk_mode:
            app.quit()

    def _void_cash(self, donation_id: int, reason: str) -> None:
        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, CashVoided)
            if isinstance(answer, CashVoided):
                self.staff.set_notice(self.tr("Gift voided: {amount} out of the total.").format(
                    amount=money(answer.voided_minor, self.campaign.currency)), "ok")
            else:
                self.staff.set_notice(answer.error, "error")
            self.staff.show_main()
            self._refresh_staff()

        services = self.services
        self.submit(f"void:{donation_id}", lambda: carried(cash_voided(
            services.void_cash_gift(donation_id, reason))), done)

    def _reader_setup(self) -> None:
        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, ReaderSetup)
            self.staff.terminal_page.set_state(
                ReaderSetup(error=answer.error) if isinstance(answer, Refusal) else answer)

        services = self.services
        self.submit("reader-setup", lambda: carried(reader_setup(services.reader_setup())), done,
                    worker=self.query_worker)

    def _pair_reader(self, code: str, location_id: str) -> None:
        def done(result: Result, _tag: str) -> None:
            answer = unpacked_as(result, Reader)
            if isinstance(answer, Reader):
                self.campaign = replace(self.campaign, tap=True)
                self.method.set_campaign(self.campaign)
                self._reader_setup()
            else:
                self.staff.terminal_page.status.setText(answer.error)

        services = self.services
        self.submit("reader-pair", lambda: carried(paired_reader(
            services.register_reader(code, location_id))), done)

    def _forget_reader(self) -> None:
        def done(result: Result, _tag: str) -> None:
            self.campaign = replace(self.campaign, tap=False)
            self.method.set_campaign(self.campaign)
            self._reader_setup()

        self.submit("reader-forget", self.services.forget_reader, done)
