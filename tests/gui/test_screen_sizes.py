"""Every screen at every supported size: nothing off-screen or clipped, the window
never grows past the screen, touch targets of 9 mm, and QR codes a phone reads.

A kiosk window (on the sandbox) is walked through the screens, then every page is
checked at each size of a group: one payment of each kind per group, not per size,
and three groups that the test processes share out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.answers import payment_start
from kiosk.layout import profile_for
from kiosk.main_window import KioskWindow
from kiosk.model import PaymentStart, RecentGift
from kiosk.staff_model import KioskCheck, PendingPayment, Reader, ReaderLocation, ReaderSetup
from kiosk.widgets.qr import qr_matrix
from tests.gui.conftest import tap, type_keys
from tests.gui.fit import LANDSCAPE, PORTRAIT, SIZES, problems, qr_side, settle

CHECKS = [
    KioskCheck("relay", "reachable", "fail", "Cannot reach the relay at "
               "https://relay.example.org (ConnectionError) " * 2, "Check the network."),
    *[KioskCheck("kiosk", f"check {n}", "pass", "ok") for n in range(12)],
]


SIZE_GROUPS = {"small-landscape": LANDSCAPE[:3], "large-landscape": LANDSCAPE[3:],
               "portrait": PORTRAIT}


def test_the_size_groups_cover_every_size_and_every_layout() -> None:
    grouped = [size for group in SIZE_GROUPS.values() for size in group]
    assert sorted(grouped) == sorted(SIZES)
    assert {profile_for(*size).name for size in grouped} == {
        "landscape-compact", "landscape-regular", "landscape-large", "portrait-regular",
        "portrait-large"}


@pytest.mark.slow
@pytest.mark.parametrize("group", list(SIZE_GROUPS))
def test_every_screen_fits_every_size(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow],
                                      group: str) -> None:
    sizes = SIZE_GROUPS[group]
    kiosk = make_kiosk()
    found: list[str] = []
    stack = kiosk.stack

    def qr_big_enough(size: tuple[int, int]) -> None:
        side = qr_side(kiosk.pay.qr)
        if side < 0.45 * min(size):
            found.append(f"{size}: the QR code is {side} px, under 45% of {min(size)}")

    # A donor's way to the card QR code, tapped; every page keeps what it shows, so
    # each size below is styled once and every page is then checked at it.
    kiosk.pay.set_demo(True)  # the demo's extra button must fit too
    tap(qtbot, kiosk, "startButton")
    tap(qtbot, kiosk, "otherAmountButton")
    type_keys(qtbot, kiosk.keypad, "12.5")
    tap(qtbot, kiosk, "amountContinueButton")
    tap(qtbot, kiosk, "addNameButton")
    tap(qtbot, kiosk.method, "letter_Q")
    kiosk.method.name_edit.setText("W" * 40)  # the longest name, with nowhere to wrap
    tap(qtbot, kiosk, "nameDoneButton")
    tap(qtbot, kiosk, "payCardButton")
    qtbot.waitUntil(kiosk.pay.qr.has_code, timeout=15_000)
    assert len(kiosk.pay.qr.payload()) >= 300  # a realistic Checkout URL, at real density
    stack.setCurrentWidget(kiosk.keypad)
    kiosk.keypad.reset()
    type_keys(qtbot, kiosk.keypad, "123456789")  # nine digits: the most the keypad takes
    assert kiosk.keypad.text() == "123456789"
    stack.setCurrentWidget(kiosk.pin)
    kiosk.pin.reset("Demo PIN: 1234")
    type_keys(qtbot, kiosk.pin, "12345678")
    kiosk.thanks.show_thanks("$1,234.50", "Harbour Lights Appeal", "$123,456.50")
    kiosk.error.show_error("partial", "Part of your payment has arrived",
                           "Thank you! We received less than the full amount. Please stay a "
                           "moment: a member of staff will help you.", can_retry=True)
    staff = kiosk.staff
    staff.set_notice("Exported 1,234 gifts to /home/kiosk/.local/share/charter-kiosk/"
                     "exports/donations-20261130-150000.csv", "ok")
    staff.set_checks(CHECKS)
    staff.set_pending([
        PendingPayment("int_0", "crypto", 10000, "usd", "partially_paid", age_s=600,
                       coin="btc", needs_staff=True, provider_ref="5077125051"),
        *[PendingPayment(f"int_{n}", "card", 2500 * n, "usd", "awaiting_payment", age_s=60 * n)
          for n in range(1, 5)]])
    staff.set_recent([RecentGift(1, 123456789, "usd", "cash", "2026-11-30T15:00:00Z",
                                 display_name="The Okafor-Lindqvist family of Riverside")] * 12)
    # The XRP payment the crypto layout is checked with: a real one, from the sandbox.
    card = PaymentStart("card", "intent", "cs_test", payload=kiosk.pay.qr.payload(),
                        matrix=kiosk.pay.qr._matrix)
    xrp = payment_start("crypto", kiosk.services.start_crypto("50", "xrp", None))
    assert isinstance(xrp, PaymentStart), xrp
    assert "amount=" in xrp.payload and "dt=" in xrp.payload
    xrp = replace(xrp, matrix=qr_matrix(xrp.payload))

    def page(widget: QWidget, then: Callable[[], None] | None = None) -> Callable[[], None]:
        def show() -> None:
            stack.setCurrentWidget(widget)
            if then is not None:
                then()
        return show

    # Tap to give, the void and card-reader pages, the receipt: filled as they are used.
    tap_screen = kiosk.tap_screen
    tap_screen.set_demo(True)
    tap_screen.amount.setText("$123,456.50")
    tap_screen.show_failure("Your card was declined: not enough funds.")
    gifts = [RecentGift(n, 123456789, "usd", "cash", "2026-11-30T15:00:00Z",
                        display_name="The Okafor-Lindqvist family of Riverside", voidable=True)
             for n in range(1, 9)]
    staff.void_page.set_gifts(gifts, "usd")
    staff.terminal_page.set_state(ReaderSetup(
        Reader("tmr_x", "Lobby reader by the north door", "simulated_wisepos_e", "offline",
               "test"),
        tuple(ReaderLocation(f"tml_{n}", f"Riverside Community Hall {n}") for n in range(4))))
    kiosk.method.set_campaign(type(kiosk.campaign)(**{**kiosk.campaign.__dict__, "tap": True}))
    kiosk.thanks.offer_receipt(True)
    kiosk.thanks.email_edit.setText("the.okafor-lindqvist.family@riverside-community.example.org")

    pages: list[tuple[str, Callable[[], None]]] = [
        ("attract", page(kiosk.attract)),
        ("amount", page(kiosk.amount)),
        ("keypad, nine digits", page(kiosk.keypad)),
        ("method", page(kiosk.method, kiosk.method._close_name)),
        ("name keyboard", page(kiosk.method, kiosk.method._open_name)),
        ("thanks", page(kiosk.thanks)),
        ("error", page(kiosk.error)),
        ("PIN", page(kiosk.pin)),
        ("staff", page(staff, staff.show_main)),
        ("cash gift, keypad", page(staff, staff._open_cash)),
        ("cash gift, keyboard", page(staff, staff.cash_page.show_letters)),
        ("staff checks", page(staff, lambda: staff._pages.setCurrentWidget(staff.checks_page))),
        ("paused", page(kiosk.paused_screen)),
        ("card payment", page(kiosk.pay)),
        ("XRP payment", lambda: kiosk.pay.show_code(xrp, "$50")),
        ("still there?", kiosk.walkaway.ask),
        ("method with tap", page(kiosk.method, kiosk.method._close_name)),
        ("tap, declined", page(tap_screen)),
        ("thanks, receipt offered", page(kiosk.thanks, lambda: kiosk.thanks._pages
                                         .setCurrentWidget(kiosk.thanks._main))),
        ("receipt email", page(kiosk.thanks, kiosk.thanks._open_receipt)),
        ("staff void", page(staff, lambda: staff._pages.setCurrentWidget(staff.void_page))),
        ("staff card reader", page(staff, lambda: staff._pages.setCurrentWidget(
            staff.terminal_page))),
    ]
    for size in sizes:
        for what, show in pages:
            show()
            settle(kiosk, size)
            found.extend(problems(kiosk, size, what))
            if what.endswith("payment"):
                qr_big_enough(size)
        kiosk.walkaway.overlay.hide()
        kiosk.pay.show_code(card, "$12.50")
    stack.setCurrentWidget(kiosk.pay)
    tap(qtbot, kiosk, "cancelButton")

    assert not found, "\n".join(found[:40])


def test_the_display_board_fits_every_size(qtbot: QtBot, make_kiosk: Callable[..., KioskWindow]
                                           ) -> None:
    from backend import charter
    from kiosk.app import create_window

    make_kiosk()  # the data directory, campaign and database the board reads
    for amount in ("12.50", "100", "250"):
        assert charter.record_cash_gift(amount, display_name="Sam")["success"]
    board = create_window(["display", "--windowed", "--size", "1280x800"])
    try:
        qtbot.waitUntil(lambda: board.totals.count >= 3, timeout=15_000)  # type: ignore[attr-defined]
        found: list[str] = []
        for size in SIZES:
            settle(board, size)
            found.extend(problems(board, size, "display board"))
        assert not found, "\n".join(found[:40])
        assert board.total_label.text() == "$362.50"  # type: ignore[attr-defined]
    finally:
        board.shutdown()  # type: ignore[attr-defined]
        board.close()


def test_the_sizes_are_the_issue_s_sizes() -> None:
    assert len(LANDSCAPE) == 6 and len(PORTRAIT) == 3
    assert all(w > h for w, h in LANDSCAPE) and all(h > w for w, h in PORTRAIT)
