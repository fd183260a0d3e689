"""Render every kiosk screen to docs/screenshots/*.png, on the real demo sandbox.

    QT_QPA_PLATFORM=offscreen uv run python tools/screenshots.py [--size 1920x1080] [--out DIR]

The README shows 1920×1080 (docs/screenshots/), 1280×800 and portrait 1080×1920
(docs/screenshots/1280x800/, docs/screenshots/1080x1920/).

It runs the demo in a throwaway data directory, seeds a few gifts, then walks
the screens the way a donor and a staff member would and grabs each one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication, QPushButton, QWidget  # noqa: E402


def pump(seconds: float = 0.05) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if condition():
            return
        time.sleep(0.01)
    raise TimeoutError(f"timed out waiting for {what or condition}")


def click(window: QWidget, name: str) -> None:
    button = window.findChild(QPushButton, name)
    if button is None:
        raise LookupError(name)
    button.click()
    pump(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="charter-shots-"))
    os.environ["CHARTER_KIOSK_HOME"] = str(home)
    os.environ["STAFF_PIN_HASH"] = ""  # staff mode is opened directly below

    import keyring

    from tests.support.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never touch the real keyring

    from kiosk.app import create_window
    from kiosk.main_window import KioskWindow, Timings
    from kiosk.services import BackendServices

    _app = QApplication.instance() or QApplication(sys.argv[:1])
    services = BackendServices()
    timings = Timings(inactivity_ms=10 * 60_000, thanks_ms=10 * 60_000, poll_interval_s=0.5,
                      count_up_ms=1)
    window = create_window(["--windowed", "--demo", "--size", args.size], services=services,
                           timings=timings)
    assert isinstance(window, KioskWindow)
    shots: list[str] = []

    def shot(name: str, widget: QWidget | None = None) -> None:
        pump(0.3)
        path = out / f"{name}.png"
        (widget or window).grab().save(str(path))
        shots.append(str(path))
        print(path)

    try:
        wait_until(lambda: window.is_ready, 30, "the kiosk to be ready")
        seed(services)
        wait_until(lambda: window.totals.count >= 6, 15, "the seeded gifts")
        window.attract.ticker._offset = 0.0
        window.attract.ticker._timer.stop()
        shot("01-attract")
        # The donor's language: Arabic, right to left, with its own digits.
        click(window, "languageButton_ar")
        shot("14-attract-arabic")
        click(window, "startButton")
        shot("14b-amount-arabic")
        click(window, "amountBackButton")  # home again, in the campaign's language

        click(window, "startButton")
        click(window, "monthlyToggle")
        shot("15-amount-monthly")
        click(window, "amountButton_25")
        shot("15b-method-monthly")
        click(window, "methodBackButton")
        click(window, "monthlyToggle")
        shot("02-amount")
        click(window, "otherAmountButton")
        for key in "35":
            click(window.keypad, f"key_{key}")
        shot("03-keypad")
        click(window, "amountContinueButton")
        shot("04-method")
        click(window, "coverFeeToggle")
        shot("04b-method-cover-fee")
        click(window, "coverFeeToggle")

        click(window, "payCardButton")
        try:
            wait_until(lambda: window.pay.qr.has_code(), 20, "the card QR code")
        except TimeoutError:
            print(window.current_screen().objectName(), window.pay.status.text(),
                  window.error.message.text(), window.payment)
            raise
        shot("05-payment-card")
        window.walkaway.ask()
        shot("05b-still-there")
        click(window, "stillHereButton")
        click(window, "cancelButton")

        click(window, "startButton")
        click(window, "amountButton_50")
        click(window, "payCryptoButton_xrp")
        wait_until(lambda: window.pay.qr.has_code(), 20, "the XRP QR code")
        shot("06-payment-crypto-xrp")

        click(window, "simulatePayButton")
        wait_until(lambda: window.current_screen() is window.thanks, 20, "the thank-you")
        window.thanks.celebration.freeze_at(1.1)
        shot("07-thanks")
        click(window, "thanksDoneButton")

        # Tap to give on the demo's simulated reader: declined, then another card.
        click(window, "startButton")
        click(window, "amountButton_50")
        click(window, "payTapButton")
        tap_screen = window.tap_screen
        wait_until(lambda: tap_screen.status.text() == "The reader is ready.", 20, "the reader")
        shot("07b-tap")
        click(window, "simulateDeclineButton")
        wait_until(lambda: tap_screen.retry_button.isVisible(), 20, "the decline")
        shot("07c-tap-declined")
        click(window, "tapRetryButton")
        wait_until(lambda: tap_screen.status.text() == "The reader is ready.", 20, "the retry")
        click(window, "simulateTapButton")
        wait_until(lambda: window.current_screen() is window.thanks, 20, "the tap thank-you")
        window.thanks.celebration.freeze_at(1.1)
        shot("07d-thanks-receipt")
        click(window, "thanksDoneButton")

        demo = services._demo
        demo.sandbox.set_fault(provider="stripe", mode="down")
        click(window, "startButton")
        click(window, "amountButton_25")
        click(window, "payCardButton")
        wait_until(lambda: window.current_screen() is window.error, 30, "the error screen")
        shot("08-error-unreachable")
        demo.sandbox.set_fault(provider="stripe", mode="none")
        click(window, "errorHomeButton")

        # A crypto payment that arrives short: the donor is told staff will help.
        click(window, "startButton")
        click(window, "amountButton_100")
        click(window, "payCryptoButton_btc")
        wait_until(lambda: window.pay.qr.has_code(), 20, "the BTC QR code")
        payment_id = window.payment.ref if window.payment else ""
        demo.sandbox.set_nowpayments_status(payment_id, "partially_paid")
        wait_until(lambda: window.current_screen() is window.error, 20, "the partial screen")
        shot("09-error-partial")
        click(window, "errorHomeButton")

        window._enter_staff()
        wait_until(lambda: window.staff.pending_layout.count() > 1, 10, "the staff lists")
        pump(1.0)
        shot("10-staff")
        click(window, "cashGiftButton")
        for key in "12.5":
            click(window.staff.cash_page.keypad, f"key_{'dot' if key == '.' else key}")
        click(window, "cashNameTab")
        for key in "ANA":
            click(window.staff.cash_page.letters, f"letter_{key}")
        shot("10b-staff-cash")
        click(window, "cashCancelButton")
        click(window, "voidCashButton")
        pump(0.5)
        shot("10c-staff-void")
        click(window, "voidCancelButton")
        click(window, "cardReaderButton")
        wait_until(lambda: "online" in window.staff.terminal_page.status.text(), 15,
                   "the reader's status")
        shot("10d-staff-card-reader")
        click(window, "terminalBackButton")
        window._leave_staff()

        window.open_staff_pin()
        for key in "12":
            click(window.pin, f"key_{key}")
        shot("11-staff-pin")
        click(window, "pinCancelButton")

        window.paused = True
        window.show_screen(window.attract)
        shot("12-paused")
        window.paused = False

        display = create_window(["display", "--windowed", "--size", args.size],
                                services=services)
        board: Any = display
        wait_until(lambda: board.totals.count >= 6, 15, "the display board")
        pump(1.5)
        shot("13-display", display)
        display.shutdown()  # type: ignore[attr-defined]
        display.close()
    finally:
        window.shutdown()
        window.close()
        pump(0.1)
    print(f"{len(shots)} screenshots in {out}")
    return 0


def seed(services: object) -> None:
    """A few gifts so the attract screen, the ticker and the chart have something to show."""
    import datetime as dt

    from backend import charter
    from backend.models import Donation

    gifts = (("25", "Maria"), ("100", None), ("10", "The Okafor family"), ("50", None),
             ("250", "Sam"), ("12.50", None))
    for amount, name in gifts:
        result = charter.record_cash_gift(amount, display_name=name)
        assert result["success"], result
    # Spread over the last hour, so the board's chart shows the total rising.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = list(Donation.select().order_by(Donation.id))
    for index, row in enumerate(rows):
        row.created_at = now - dt.timedelta(minutes=10 * (len(rows) - index))
        row.save()


if __name__ == "__main__":
    raise SystemExit(main())
