"""Everything the kiosk asks of the backend, in one object passed to the window.

Every method returns the backend's `Result` envelope and never raises (kiosk/answers.py
reads each one into the dataclasses of kiosk/model.py and kiosk/staff_model.py), and
every method may block on the network or the disk: the window only ever calls
them from worker threads (`kiosk.workers`). Tests hand in a subclass or a
fake; the default imports the backend lazily so the window paints before the
provider SDKs are loaded.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from backend.result import Result, err, ok

log = logging.getLogger("charter.kiosk.services")

DEMO_PIN = "1234"
# DEMO_PIN's hash, made once: hashing it each start costs scrypt's ~50-100 ms before the
# demo's first total. The PIN is public (the README gives it), so a fixed salt hides nothing.
DEMO_PIN_HASH = ("scrypt$16384$8$1$3hDlHqYIyI0LVw2fgOOmog==$"
                 "nmkuEDFJvBHSXNqyvt3GpIWbXEoATF9/b5Ov+i8rDzg=")


class Services(Protocol):
    def on_ready(self) -> Result: ...
    def totals(self) -> Result: ...
    def recent_donations(self, limit: int = 10) -> Result: ...
    def start_card(self, amount: str, display_name: str | None, *, monthly: bool = False,
                   cover_fee: bool = False, language: str | None = None,
                   amount_text: str | None = None) -> Result: ...
    def start_crypto(self, amount: str, coin: str, display_name: str | None, *,
                     cover_fee: bool = False) -> Result: ...
    def payment_status(self, kind: str, ref: str) -> Result: ...
    def start_tap(self, amount: str, display_name: str | None, *,
                  cover_fee: bool = False) -> Result: ...
    def retry_tap(self, intent_id: str) -> Result: ...
    def simulate_tap(self, outcome: str) -> Result: ...
    def send_receipt(self, intent_id: str, email: str) -> Result: ...
    def reader_setup(self) -> Result: ...
    def giving_summary(self) -> Result: ...
    def register_reader(self, code: str, location_id: str) -> Result: ...
    def forget_reader(self) -> Result: ...
    def cancel_payment(self, intent_id: str) -> Result: ...
    def record_cash_gift(self, amount: str, display_name: str | None,
                         note: str | None) -> Result: ...
    def pending_payments(self) -> Result: ...
    def reconciliation_status(self) -> Result: ...
    def run_checks(self) -> Result: ...
    def resolve_partial(self, payment_id: str, accept: bool) -> Result: ...
    def void_cash_gift(self, donation_id: int, reason: str) -> Result: ...
    def export_csv(self, path: str) -> Result: ...
    def gifts_over_time(self, bucket_minutes: int = 5) -> Result: ...
    def verify_pin(self, pin: str) -> Result: ...
    def simulate_payment(self, kind: str, ref: str) -> Result: ...
    def database_path(self) -> Path | None: ...
    def prepare_demo(self) -> Result: ...
    def start_demo(self) -> Result: ...
    @staticmethod
    def _demo_pin() -> str | None:
        """The demo's staff PIN, 1234 (in this process only), unless the environment sets one.

        Not the OS keyring's: the demo never touches a real kiosk's records, nor its staff
        PIN, and asking the keyring would load it and its backends (~12-25 MB) for nothing."""
        import os

        if os.environ.get("STAFF_PIN_HASH") not in (None, "", DEMO_PIN_HASH):
            return None
        os.environ["STAFF_PIN_HASH"] = DEMO_PIN_HASH
        return DEMO_PIN

    def stop_demo(self) -> None: ...
    def relay_token(self) -> str | None: ...


def _guard(func: Any, *args: Any, **kwargs: Any) -> Result:
    """Call a backend function; anything raised becomes an error result."""
    try:
        result: Result = func(*args, **kwargs)
        return result
    except Exception:
        log.exception("backend call %s failed", getattr(func, "__qualname__", func))
        return err("Something went wrong on our side. Please try again.")


class BackendServices:
    """The real backend (`backend.charter` and friends), imported on first use."""

    def __init__(self) -> None:
        self._demo: Any = None
        self._lock = threading.Lock()

    def prepare_demo(self) -> Result:
        """The demo's data directory, and its sandbox's and relay's addresses and keys in
        this process's environment, without starting them: enough for the first total.
        Until start_demo() has run, a request to them waits (it never reaches a provider)."""

        def run() -> Result:
            from backend import demo

            with self._lock:
                if self._demo is None:
                    self._demo = demo.prepare_demo()
            return ok({"demo": True, "demo_pin": self._demo_pin()})

        return _guard(run)

    def start_demo(self) -> Result:
        """prepare_demo(), then start the sandbox and relay; returns once they answer."""

        def run() -> Result:
            from backend import demo

            with self._lock:
                self._demo = demo.start_demo()
            return ok({"demo": True, "demo_pin": self._demo_pin()})

        return _guard(run)

    @staticmethod
    def _demo_pin() -> str | None:
        """The demo's staff PIN, 1234 (in this process only), unless the environment sets one.

        Not the OS keyring's: the demo never touches a real kiosk's records, nor its staff
        PIN, and asking the keyring would load it and its backends (~12-25 MB) for nothing."""
        import os

        if os.environ.get("STAFF_PIN_HASH") not in (None, "", DEMO_PIN_HASH):
            return None
        os.environ["STAFF_PIN_HASH"] = DEMO_PIN_HASH
        return DEMO_PIN

    def stop_demo(self) -> None:
        with self._lock:
            environment, self._demo = self._demo, None
        if environment is not None:
            try:
                environment.stop()
            except Exception:
                log.exception("the demo environment did not stop cleanly")

    def on_ready(self) -> Result:
        from backend import charter

        return _guard(charter.on_ready)

    def totals(self) -> Result:
        from backend import charter

        return _guard(charter.get_cumulative_total)

    def recent_donations(self, limit: int = 10) -> Result:
        from backend import charter

        return _guard(charter.recent_donations, limit=limit)

    def start_card(self, amount: str, display_name: str | None, *, monthly: bool = False,
                   cover_fee: bool = False, language: str | None = None,
                   amount_text: str | None = None) -> Result:
        from backend import charter
        from backend.short_links import with_short_link

        result = _guard(charter.fiat_button_click, amount, "card", display_name=display_name,
                        recurring="month" if monthly else None, cover_fee=cover_fee,
                        language=language, amount_text=amount_text)
        return with_short_link(result)  # a relay's short link: a QR code half as dense

    def start_crypto(self, amount: str, coin: str, display_name: str | None, *,
                     cover_fee: bool = False) -> Result:
        from backend import charter

        return _guard(charter.crypto_button_click, amount, coin, display_name=display_name,
                      cover_fee=cover_fee)

    def start_tap(self, amount: str, display_name: str | None, *,
                  cover_fee: bool = False) -> Result:
        from backend import charter

        return _guard(charter.fiat_button_click, amount, "tap", display_name=display_name,
                      cover_fee=cover_fee)

    def retry_tap(self, intent_id: str) -> Result:
        from backend import terminal

        return _guard(terminal.retry_tap, intent_id)

    def simulate_tap(self, outcome: str) -> Result:
        from backend import terminal

        return _guard(terminal.present_test_card, outcome)

    def send_receipt(self, intent_id: str, email: str) -> Result:
        from backend import terminal

        return _guard(terminal.send_receipt, intent_id, email)

    def giving_summary(self) -> Result:
        from backend import charter

        return _guard(charter.giving_summary)

    def reader_setup(self) -> Result:
        """This kiosk's reader (None when unpaired) and the account's locations."""
        from backend import terminal
        from backend.settings import get_settings

        locations = _guard(terminal.list_locations)
        if not locations.get("success"):
            return locations
        reader = _guard(terminal.reader_status) if get_settings().terminal_reader_id else None
        data = {"locations": locations["data"]["locations"],
                "reader": reader["data"] if reader and reader.get("success") else None,
                "error": "" if not reader or reader.get("success") else reader.get("error")}
        return {"success": True, "data": data}

    def register_reader(self, code: str, location_id: str) -> Result:
        from backend import terminal

        return _guard(terminal.register_reader, code, location_id)

    def forget_reader(self) -> Result:
        from backend import terminal

        return _guard(terminal.forget_reader)

    def payment_status(self, kind: str, ref: str) -> Result:
        if kind in ("card", "tap"):
            from backend import stripe_api

            return _guard(stripe_api.get_payment_status, ref)
        from backend import nowpayments_api

        return _guard(nowpayments_api.get_invoice_status, ref)

    def cancel_payment(self, intent_id: str) -> Result:
        from backend import charter

        return _guard(charter.cancel_payment, intent_id)

    def record_cash_gift(self, amount: str, display_name: str | None,
                         note: str | None) -> Result:
        from backend import charter

        return _guard(charter.record_cash_gift, amount, display_name=display_name, note=note)

    def pending_payments(self) -> Result:
        from backend import charter

        return _guard(charter.pending_payments)

    def reconciliation_status(self) -> Result:
        from backend import charter

        return _guard(charter.reconciliation_status)

    def run_checks(self) -> Result:
        """The same checks as `charter-kiosk check`, for the staff screen."""

        def run() -> Result:
            from dataclasses import asdict

            from backend.check import run_checks

            return {"success": True, "data": {"checks": [asdict(c) for c in run_checks()]}}

        return _guard(run)

    def resolve_partial(self, payment_id: str, accept: bool) -> Result:
        from backend import charter

        return _guard(charter.resolve_partial_payment, payment_id, accept)

    def void_cash_gift(self, donation_id: int, reason: str) -> Result:
        from backend import charter

        return _guard(charter.void_cash_gift, donation_id, reason)

    def export_csv(self, path: str) -> Result:
        from backend import charter

        return _guard(charter.export_donations_csv, path)

    def gifts_over_time(self, bucket_minutes: int = 5) -> Result:
        from backend import charter

        return _guard(charter.gifts_over_time, bucket_minutes=bucket_minutes)

    def verify_pin(self, pin: str) -> Result:
        from backend import staff_pin

        return _guard(staff_pin.verify_pin, pin)

    def simulate_payment(self, kind: str, ref: str) -> Result:
        from backend import demo

        return _guard(demo.simulate_payment, kind, ref)

    def database_path(self) -> Path | None:
        from backend.db import database_path

        return database_path()

    def relay_token(self) -> str | None:
        try:
            from backend.secrets import get_secret

            return get_secret("RELAY_TOKEN")
        except Exception:
            log.warning("the relay token could not be read", exc_info=True)
            return None
